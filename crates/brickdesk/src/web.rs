//! HTTP: routes, pages and the JSON API. Each area exposes `router()`;
//! they are merged here into the one route table.

pub mod assets;
pub mod error;
pub mod health;
pub mod home;

use std::sync::Arc;

use axum::Router;
use tower_http::trace::TraceLayer;

pub use error::{AppError, PageError};

use crate::config::Config;
use crate::db::Db;

/// Shared state of every handler.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The database.
    pub db: Db,
    /// Resolved configuration.
    pub config: Arc<Config>,
    /// Whether the app runs in demo mode.
    pub demo: bool,
}

/// The complete route table.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(health::router())
        .merge(home::router())
        .merge(assets::router())
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
