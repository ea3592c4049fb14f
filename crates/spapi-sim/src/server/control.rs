//! Test-only control endpoints under `/_sim/` (only routed when
//! `SimConfig::control_enabled`). Not part of Amazon's API.
//!
//! - `GET  /_sim/orders` — the seller's orders (JSON array of `SimOrder`)
//! - `POST /_sim/orders` — add or replace an order (body: `SimOrder`)
//! - `GET  /_sim/events` — financial events (JSON array of `FinancialEvent`)
//! - `POST /_sim/events` — add a financial event (body: `FinancialEvent`)
//! - `GET  /_sim/stats` — request counters
//! - `POST /_sim/faults` — replace the fault spec (body: text, `FaultSpec` syntax)
//!
//! Like Amazon, searches only see orders and events at least two minutes
//! old (the latest "Before" allowed), so give added orders `created` and
//! `last_updated` (and events `posted`) times two minutes or more ago.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use std::sync::Arc;

use super::{SimState, lock};
use crate::FaultSpec;
use crate::seller::{FinancialEvent, SimOrder};

pub(super) fn router() -> Router<Arc<SimState>> {
    Router::new()
        .route("/orders", get(list_orders).post(upsert_order))
        .route("/events", get(list_events).post(add_event))
        .route("/stats", get(stats))
        .route("/faults", post(set_faults))
}

async fn list_orders(State(s): State<Arc<SimState>>) -> Json<Vec<SimOrder>> {
    Json(s.seller().orders.clone())
}

async fn upsert_order(State(s): State<Arc<SimState>>, Json(order): Json<SimOrder>) -> StatusCode {
    s.seller_mut().upsert_order(order);
    StatusCode::NO_CONTENT
}

async fn list_events(State(s): State<Arc<SimState>>) -> Json<Vec<FinancialEvent>> {
    Json(s.seller().events.clone())
}

async fn add_event(
    State(s): State<Arc<SimState>>,
    Json(event): Json<FinancialEvent>,
) -> StatusCode {
    s.seller_mut().add_event(event);
    StatusCode::NO_CONTENT
}

async fn stats(State(s): State<Arc<SimState>>) -> Json<super::SimStats> {
    Json(lock(&s.stats).clone())
}

async fn set_faults(State(s): State<Arc<SimState>>, body: String) -> Response {
    match FaultSpec::parse(&body) {
        Ok(spec) => {
            let mut faults = lock(&s.faults);
            faults.spec = spec;
            faults.count = 0;
            StatusCode::NO_CONTENT.into_response()
        }
        Err(e) => (StatusCode::BAD_REQUEST, e.to_string()).into_response(),
    }
}
