//! Typed client for Amazon's Selling Partner API.
//!
//! - [`Client`] talks to Amazon (or the simulator in `spapi-sim`): LWA
//!   refresh-token grant with a cached access token, one token bucket per
//!   [`Operation`] seeded from the published usage plans and adjusted from
//!   `x-amzn-RateLimit-Limit`, backoff with jitter on 429, capped retries
//!   for 5xx, timeouts and dropped connections, cancellation of every wait
//!   via [`Client::with_cancellation`].
//! - Operations: [`orders`] (2026-01-01, the default), [`orders_v0`],
//!   [`finances`] (v0 and 2024-06-19), [`reports`] (with the all-orders
//!   flat-file parser in [`reports::flat_file`]).
//! - Money is [`Money`]/[`Decimal`]: Amazon's exact decimal text.

mod auth;
mod client;
mod error;
pub mod finances;
mod limiter;
pub mod marketplace;
mod money;
pub mod orders;
pub mod orders_v0;
mod region;
pub mod reports;
pub mod timestamp;

pub use client::{
    Client, ClientConfig, EU_ENDPOINT, FE_ENDPOINT, LWA_TOKEN_URL, MARKETPLACE_UK, NA_ENDPOINT,
};
pub use error::{ApiError, Error};
pub use limiter::{LimiterState, Operation, UsagePlan};
pub use money::{Decimal, DecimalError, Money};
pub use region::Region;
