//! `brickdesk-bench spapi-rate`: how close the client gets to the
//! permitted call rate without a single 429.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use anyhow::Context;

use spapi_sim::{
    DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_MARKETPLACE_ID, DEMO_REFRESH_TOKEN, SimConfig,
    SimServer,
};

/// What one benchmark run measured.
#[derive(Debug, Clone, PartialEq)]
pub struct BenchReport {
    /// Calls made.
    pub calls: usize,
    /// Simulator time scale.
    pub time_scale: f64,
    /// Permitted sustained rate (calls per real second, after scaling).
    pub permitted_rate: f64,
    /// Burst of the plan.
    pub burst: u32,
    /// Wall-clock time of all calls.
    pub elapsed: Duration,
    /// Shortest time the plan permits: (calls − burst) ÷ rate.
    pub permitted_duration: Duration,
    /// Sustained calls per second achieved after the burst.
    pub achieved_rate: f64,
    /// achieved ÷ permitted (1.0 = exactly at the limit; target ≥ 0.95).
    pub ratio: f64,
    /// 429s the simulator sent.
    pub throttled: u64,
}

impl std::fmt::Display for BenchReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} getOrderItems calls in {:.2} s (plan {:.3}/s burst {} at time scale {}): \
             achieved {:.3}/s = {:.3} of permitted, {} × 429; target (≥ {TARGET_RATIO} of \
             permitted, no 429) {}",
            self.calls,
            self.elapsed.as_secs_f64(),
            self.permitted_rate,
            self.burst,
            self.time_scale,
            self.achieved_rate,
            self.ratio,
            self.throttled,
            if self.meets_target() { "met" } else { "MISSED" }
        )
    }
}

/// The share of the permitted rate the client should reach.
pub const TARGET_RATIO: f64 = 0.95;

impl BenchReport {
    /// At least [`TARGET_RATIO`] of the permitted rate, never faster than
    /// permitted, and not one 429. A figure of this machine, so a program
    /// reports it rather than a test asserting it.
    pub fn meets_target(&self) -> bool {
        self.throttled == 0 && self.ratio >= TARGET_RATIO && self.ratio <= 1.0
    }
}

/// getOrderItems' published plan: 0.5 requests per second, burst 30.
const RATE: f64 = 0.5;
const BURST: u32 = 30;

/// Makes `calls` sequential getOrderItems calls through [`spapi::Client`]
/// against an in-process simulator running `time_scale` times faster
/// than real time, and compares the achieved rate with the permitted one.
pub async fn bench_rate(calls: usize, time_scale: f64) -> anyhow::Result<BenchReport> {
    let config = SimConfig {
        orders: 50,
        time_scale,
        ..SimConfig::default()
    };
    let sim = SimServer::spawn(config, SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .context("starting the simulator")?;
    let mut client_config = spapi::ClientConfig::new(
        sim.base_url(),
        sim.lwa_token_url(),
        DEMO_CLIENT_ID,
        DEMO_CLIENT_SECRET,
        DEMO_REFRESH_TOKEN,
        DEMO_MARKETPLACE_ID,
    );
    client_config.rate_scale = time_scale;
    let client = spapi::Client::new(client_config).context("call failed")?;
    client.check_credentials().await.context("call failed")?;
    let ids: Vec<String> = sim
        .orders_snapshot()
        .into_iter()
        .map(|o| o.order_id)
        .collect();
    let started = Instant::now();
    for i in 0..calls {
        client
            .get_order_items(&ids[i % ids.len()])
            .await
            .context("call failed")?;
    }
    let elapsed = started.elapsed();
    let throttled = sim.stats().throttled;
    sim.shutdown().await.context("stopping the simulator")?;
    let permitted_rate = RATE * time_scale;
    let sustained = calls.saturating_sub(BURST as usize) as f64;
    let permitted_duration = Duration::from_secs_f64(sustained / permitted_rate);
    let achieved_rate = sustained / elapsed.as_secs_f64();
    Ok(BenchReport {
        calls,
        time_scale,
        permitted_rate,
        burst: BURST,
        elapsed,
        permitted_duration,
        achieved_rate,
        ratio: achieved_rate / permitted_rate,
        throttled,
    })
}
