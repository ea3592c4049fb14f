//! A deterministic simulator of Amazon's Selling Partner API.
//!
//! [`SimServer::spawn`] starts an axum server on a real socket speaking
//! Amazon's wire format (paths, query parameters, headers, JSON shapes,
//! error bodies) for LWA (`POST /auth/o2/token`), Orders v0 and
//! 2026-01-01, Finances v0 and 2024-06-19, with a seeded [`Seller`],
//! usage plans enforced as token buckets (time-scaled), `NextToken`
//! pagination, fault injection ([`FaultSpec`]) and, when enabled,
//! test-only control endpoints under `/_sim/`.
//!
//! Start one in-process and talk to it with the real client:
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use futures::TryStreamExt;
//! use spapi_sim::{SimConfig, SimServer};
//!
//! let config = SimConfig { seed: 7, orders: 30, time_scale: 100.0, ..SimConfig::default() };
//! let sim = SimServer::spawn(config, "127.0.0.1:0".parse()?).await?;
//! let mut client_config = spapi::ClientConfig::new(
//!     sim.base_url(),
//!     sim.lwa_token_url(),
//!     spapi_sim::DEMO_CLIENT_ID,
//!     spapi_sim::DEMO_CLIENT_SECRET,
//!     spapi_sim::DEMO_REFRESH_TOKEN,
//!     spapi_sim::DEMO_MARKETPLACE_ID,
//! );
//! client_config.rate_scale = sim.config().time_scale;
//! let client = spapi::Client::new(client_config)?;
//! let since = time::OffsetDateTime::now_utc() - time::Duration::days(365);
//! let orders: Vec<_> = client.search_orders(spapi::orders::SearchOrders::created_after(since)).try_collect().await?;
//! assert_eq!(orders.len(), sim.orders_snapshot().len());
//! sim.shutdown().await?;
//! # Ok(())
//! # }
//! ```
//!
//! Time scale: usage-plan rates are multiplied by `time_scale` and the
//! `x-amzn-RateLimit-Limit` header carries the scaled rate, so a client
//! adjusts itself after its first call; report processing delays are
//! divided by it. Token lifetimes and injected slow-response delays are
//! not scaled.
//!
//! Clock: buckets, token expiry, report processing and the demo seller's
//! activity read [`SimConfig::clock`]; tests give it a
//! [`SimClock::manual`] (or, to keep it running, a
//! [`SimClock::adjustable`]) and move it with [`SimClock::advance`] rather
//! than sleeping.
//!
//! Sellers: [`SellerProfile::Generated`] (the default) holds `orders`
//! orders in every status; [`SellerProfile::Demo`] holds Brickdesk's demo
//! seller ([`seller::demo`]), which keeps trading as the clock runs.

mod api;
pub mod catalogue;
mod clock;
mod config;
pub mod seller;
mod server;

pub use clock::SimClock;
pub use config::{
    DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_MARKETPLACE_ID, DEMO_REFRESH_TOKEN, Fault, FaultSpec,
    FaultSpecError, SellerProfile, SimConfig, local_price, parse_marketplaces,
};
pub use seller::{
    EventKind, FinancialEvent, Fulfillment, OrderStatus, Seller, SimLine, SimOrder, SimShipment,
};
pub use server::{RunningSim, SimServer, SimStats};
