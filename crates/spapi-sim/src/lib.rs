//! A deterministic simulator of Amazon's Selling Partner API.
//!
//! [`SimServer::spawn`] starts an axum server on a real socket speaking
//! Amazon's wire format (paths, query parameters, headers, JSON shapes,
//! error bodies) for LWA (`POST /auth/o2/token`), Orders v0 and
//! 2026-01-01, Finances v0 and 2024-06-19, with a seeded [`Seller`],
//! usage plans enforced as token buckets (time-scaled), `NextToken`
//! pagination, fault injection ([`FaultSpec`]) and, when enabled,
//! test-only control endpoints under `/_sim/`.

mod api;
pub mod bench;
pub mod catalogue;
mod config;
pub mod seller;
mod server;

pub use bench::{BenchReport, bench_rate};
pub use config::{
    DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_MARKETPLACE_ID, DEMO_REFRESH_TOKEN, Fault, FaultSpec,
    FaultSpecError, SimConfig,
};
pub use seller::{EventKind, FinancialEvent, Fulfillment, OrderStatus, Seller, SimLine, SimOrder};
pub use server::{RunningSim, SimServer, SimStats};
