//! Simulator configuration and the fault-injection spec.

use std::time::Duration;
use time::OffsetDateTime;

use crate::SimClock;

/// LWA client id the simulator accepts by default.
pub const DEMO_CLIENT_ID: &str = "amzn1.application-oa2-client.brickdeskdemo";
/// LWA client secret the simulator accepts by default.
pub const DEMO_CLIENT_SECRET: &str = "amzn1.oa2-cs.v1.brickdesk-demo-secret";
/// LWA refresh token the simulator accepts by default.
pub const DEMO_REFRESH_TOKEN: &str = "Atzr|brickdesk-demo-refresh-token";
/// The marketplace of the simulated seller (Amazon UK).
pub const DEMO_MARKETPLACE_ID: &str = "A1F83G8C2ARO7P";

/// Which seller the simulator holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SellerProfile {
    /// `orders` orders in every status, spread back from the anchor.
    #[default]
    Generated,
    /// The demo seller ([`crate::seller::demo`]): the journey's 300 orders
    /// (`orders` is ignored) and, as its clock runs, a new order or a
    /// status change every few minutes.
    Demo,
}

/// How the simulator behaves.
#[derive(Debug, Clone, PartialEq)]
pub struct SimConfig {
    /// Seed of the generated seller (same seed and order count, same seller).
    pub seed: u64,
    /// Number of orders to generate.
    pub orders: usize,
    /// Which seller to hold.
    pub profile: SellerProfile,
    /// Speed of simulated time: usage-plan rates are multiplied by it and
    /// report processing delays divided by it (1.0 = real time).
    pub time_scale: f64,
    /// Faults to inject into SP-API responses.
    pub faults: FaultSpec,
    /// Serve the test-only `/_sim/...` control endpoints.
    pub control_enabled: bool,
    /// The "now" the seller's history is generated back from; `None`
    /// means the start time, rounded down to the minute.
    pub anchor: Option<OffsetDateTime>,
    /// LWA client id accepted.
    pub client_id: String,
    /// LWA client secret accepted.
    pub client_secret: String,
    /// LWA refresh token accepted.
    pub refresh_token: String,
    /// Lifetime of issued access tokens (Amazon: 3600 s), on `clock`
    /// (not time-scaled).
    pub token_lifetime: Duration,
    /// The clock of usage plans, token expiry and report processing: real
    /// time by default, [`SimClock::manual`] in tests that move it by hand.
    pub clock: SimClock,
    /// The marketplaces the generated seller sells on (ids; default the
    /// UK only), each order in its marketplace's currency. See
    /// [`parse_marketplaces`].
    pub marketplaces: Vec<String>,
}

/// The currencies the simulator prices in, with a price in them as a
/// percentage of the same price in pence (so the seller's catalogue costs
/// about the same everywhere).
const PRICE_PERCENT: [(&str, i64); 4] = [("GBP", 100), ("EUR", 117), ("SEK", 1_350), ("PLN", 500)];

/// A price of `pence` (GBP) in the minor units of `currency`: a price
/// ending in 99 as sellers set them (`None` for a currency not simulated).
pub fn local_price(pence: i64, currency: &str) -> Option<i64> {
    let percent = PRICE_PERCENT.iter().find(|(c, _)| *c == currency)?.1;
    if percent == 100 {
        return Some(pence);
    }
    Some((((pence + 1) * percent / 100 + 50) / 100 * 100 - 1).max(99))
}

/// Reads `A1F83G8C2ARO7P,A1PA6795UKMFR9,…` (`brickdesk sim --marketplaces`):
/// UK and EU marketplaces the simulator can price in.
pub fn parse_marketplaces(text: &str) -> Result<Vec<String>, String> {
    let ids: Vec<&str> = text
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .collect();
    if ids.is_empty() {
        return Ok(vec![DEMO_MARKETPLACE_ID.to_owned()]);
    }
    ids.into_iter()
        .map(|id| match spapi::marketplace::marketplace(id) {
            Some(m) if local_price(0, m.currency).is_some() => Ok(m.id.to_owned()),
            Some(m) => Err(format!(
                "the simulator sells on UK and EU marketplaces only, not {} ({id})",
                m.name
            )),
            None => Err(format!("{id:?} is not an Amazon marketplace id")),
        })
        .collect()
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            seed: 42,
            orders: 120,
            profile: SellerProfile::Generated,
            time_scale: 1.0,
            faults: FaultSpec::default(),
            control_enabled: false,
            anchor: None,
            client_id: DEMO_CLIENT_ID.into(),
            client_secret: DEMO_CLIENT_SECRET.into(),
            refresh_token: DEMO_REFRESH_TOKEN.into(),
            token_lifetime: Duration::from_secs(3600),
            clock: SimClock::real(),
            marketplaces: vec![DEMO_MARKETPLACE_ID.to_owned()],
        }
    }
}

/// A fault the simulator can inject into one SP-API response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// 429 with the `QuotaExceeded` body.
    TooManyRequests,
    /// 500 `InternalFailure`.
    InternalError,
    /// 503 `ServiceUnavailable`.
    Unavailable,
    /// The response is sent after a delay.
    Slow(Duration),
    /// The connection is cut in the middle of the response body.
    Drop,
    /// A 200 whose JSON body is cut short.
    Malformed,
    /// 403 "The access token you provided has expired."; the token is revoked.
    ExpiredToken,
}

/// Which faults to inject: each with a probability per request and/or at
/// fixed request numbers.
///
/// Syntax: comma-separated items, each `KIND:PROBABILITY` or `KIND#N`
/// (the N-th SP-API request, counting from 1, LWA calls not counted).
/// KIND is `429`, `500`, `503`, `drop`, `malformed`, `expired`, or
/// `slow@DURATION` (`slow@2s`, `slow@500ms`; plain `slow` means 2 s).
/// Example: `429:0.1,500:0.05,drop:0.02,slow@2s:0.05,expired#3`.
/// An empty string means no faults. The `@DURATION` may also follow the
/// probability (`slow:0.05@2s`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FaultSpec {
    /// `(fault, probability)` pairs, drawn in order from the seeded RNG.
    pub random: Vec<(Fault, f64)>,
    /// `(request number, fault)` pairs.
    pub scheduled: Vec<(u64, Fault)>,
}

/// A fault spec that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad fault spec item {item:?}: {reason}")]
pub struct FaultSpecError {
    /// The offending item.
    pub item: String,
    /// What is wrong with it.
    pub reason: String,
}

impl FaultSpec {
    /// Parses the syntax described on [`FaultSpec`].
    pub fn parse(spec: &str) -> Result<Self, FaultSpecError> {
        let mut out = FaultSpec::default();
        for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let err = |reason: &str| FaultSpecError {
                item: item.into(),
                reason: reason.into(),
            };
            if let Some((kind, n)) = item.split_once('#') {
                let n: u64 = n
                    .trim()
                    .parse()
                    .map_err(|_| err("request number must be a positive integer"))?;
                if n == 0 {
                    return Err(err("request numbers count from 1"));
                }
                out.scheduled
                    .push((n, parse_kind(kind, None).map_err(|r| err(&r))?));
            } else if let Some((kind, rest)) = item.split_once(':') {
                let (p, delay) = match rest.split_once('@') {
                    Some((p, d)) => (p, Some(d)),
                    None => (rest, None),
                };
                let p: f64 = p
                    .trim()
                    .parse()
                    .map_err(|_| err("probability must be a number"))?;
                if !(0.0..=1.0).contains(&p) {
                    return Err(err("probability must be between 0 and 1"));
                }
                out.random
                    .push((parse_kind(kind, delay).map_err(|r| err(&r))?, p));
            } else {
                return Err(err("expected KIND:PROBABILITY or KIND#REQUEST"));
            }
        }
        Ok(out)
    }

    /// True when nothing is injected.
    pub fn is_empty(&self) -> bool {
        self.random.is_empty() && self.scheduled.is_empty()
    }
}

fn parse_kind(kind: &str, delay: Option<&str>) -> Result<Fault, String> {
    let (kind, inline_delay) = match kind.trim().split_once('@') {
        Some((k, d)) => (k, Some(d)),
        None => (kind.trim(), None),
    };
    Ok(match kind {
        "429" => Fault::TooManyRequests,
        "500" => Fault::InternalError,
        "503" => Fault::Unavailable,
        "drop" => Fault::Drop,
        "malformed" => Fault::Malformed,
        "expired" => Fault::ExpiredToken,
        "slow" => Fault::Slow(parse_duration(inline_delay.or(delay).unwrap_or("2s"))?),
        other => return Err(format!("unknown fault kind {other:?}")),
    })
}

fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, unit) = match text.strip_suffix("ms") {
        Some(n) => (n, 0.001),
        None => (text.strip_suffix('s').unwrap_or(text), 1.0),
    };
    let value: f64 = number
        .parse()
        .map_err(|_| format!("bad duration {text:?}"))?;
    if !(value.is_finite() && value >= 0.0) {
        return Err(format!("bad duration {text:?}"));
    }
    Ok(Duration::from_secs_f64(value * unit))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_probabilities_and_schedule() {
        let spec = FaultSpec::parse(
            "429:0.1, 500:0.05,drop:0.02,slow:0.05@2s,expired:0.01,503#4,slow@250ms#7,malformed#2",
        )
        .unwrap();
        assert_eq!(
            spec.random,
            vec![
                (Fault::TooManyRequests, 0.1),
                (Fault::InternalError, 0.05),
                (Fault::Drop, 0.02),
                (Fault::Slow(Duration::from_secs(2)), 0.05),
                (Fault::ExpiredToken, 0.01),
            ]
        );
        assert_eq!(
            spec.scheduled,
            vec![
                (4, Fault::Unavailable),
                (7, Fault::Slow(Duration::from_millis(250))),
                (2, Fault::Malformed)
            ]
        );
        assert!(FaultSpec::parse("").unwrap().is_empty());
    }

    #[test]
    fn rejects_bad_items() {
        for bad in [
            "418:0.1",
            "429",
            "429:2",
            "500#0",
            "slow@fast:0.1",
            "drop:x",
        ] {
            assert!(FaultSpec::parse(bad).is_err(), "{bad}");
        }
    }
}
