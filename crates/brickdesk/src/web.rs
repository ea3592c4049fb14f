//! HTTP: routes, pages and the JSON API. Each area exposes `router()`
//! returning [`routes::Routes`]; they are merged here into the one route
//! table, and every request passes [`auth::authenticate`] first.

pub mod amazon_jobs;
pub mod assets;
pub mod auth;
pub mod defences;
pub mod error;
pub mod extract;
pub mod fees;
pub mod fulfil;
pub mod health;
pub mod home;
pub mod inventory;
pub mod inventory_csv;
pub mod json;
pub mod metrics;
pub mod openapi;
pub mod orders;
pub mod paging;
pub mod reports;
pub mod routes;
pub mod settings;
pub mod shipments;

use std::sync::Arc;

use axum::Router;
use axum::middleware;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;

pub use error::{AppError, PageError};
use routes::{RouteInfo, Routes};

use crate::auth::secrets::SecretBox;
use crate::auth::throttle::LoginThrottle;
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
    /// The first-run owner setup link, while no user exists.
    pub setup: Arc<auth::SetupToken>,
    /// API tokens verified a moment ago.
    pub tokens: Arc<auth::TokenCache>,
    /// Failed sign-in counts.
    pub throttle: Arc<LoginThrottle>,
    /// Encryption of stored credentials.
    pub secrets: SecretBox,
    /// How to reach Amazon (demo simulator or the seller's region).
    pub amazon: Arc<crate::amazon::connection::AmazonSetup>,
    /// Durable jobs (order sync, backfill, …).
    pub jobs: crate::jobs::Jobs,
    /// Orders listings kept while the orders version holds.
    pub listings: Arc<orders::cache::ListingCache>,
    /// Cancelled when the server begins to shut down: streams that would
    /// never end by themselves (progress events) end then.
    pub shutting_down: tokio_util::sync::CancellationToken,
}

impl AppState {
    /// The seller's time zone (looked up once, when the configuration was read).
    pub fn time_zone(&self) -> &'static time_tz::Tz {
        self.config.time_zone.tz()
    }

    /// The seller's local day now.
    pub fn today(&self) -> time::Date {
        use time_tz::OffsetDateTimeExt;
        time::OffsetDateTime::now_utc()
            .to_timezone(self.time_zone())
            .date()
    }
}

/// A page: `tpl` rendered, with `status`.
pub(crate) fn html(
    status: axum::http::StatusCode,
    tpl: &impl askama::Template,
) -> Result<axum::response::Response, PageError> {
    use axum::response::IntoResponse;
    let body = tpl.render().map_err(anyhow::Error::from)?;
    Ok((status, axum::response::Html(body)).into_response())
}

/// A CSV download: `bytes` as an attachment named `filename`, never cached.
pub fn csv_attachment(filename: &str, bytes: Vec<u8>) -> axum::response::Response {
    use axum::http::header;
    use axum::response::IntoResponse;
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response()
}

/// "6 Dec 2026 14:03": `at` in the seller's time zone `tz`, as pages show times.
pub fn local_time(at: time::OffsetDateTime, tz: &time_tz::Tz) -> String {
    use time_tz::OffsetDateTimeExt;
    at.to_timezone(tz)
        .format(time::macros::format_description!(
            "[day padding:none] [month repr:short] [year] [hour]:[minute]"
        ))
        .unwrap_or_else(|_| at.to_string())
}

/// "6 Dec 2026": the day of `at` as lists show an order's date; "—" when
/// there is none.
pub fn short_date(at: Option<time::OffsetDateTime>) -> String {
    at.and_then(|d| {
        d.format(time::macros::format_description!(
            "[day padding:none] [month repr:short] [year]"
        ))
        .ok()
    })
    .unwrap_or_else(|| "—".to_owned())
}

/// Every route of the app, with its access rule.
pub fn routes() -> Routes {
    Routes::default()
        .merge(health::router())
        .merge(assets::router())
        .merge(auth::router())
        .merge(home::router())
        .merge(settings::router())
        .merge(shipments::router())
        .merge(inventory::router())
        .merge(orders::router())
        .merge(inventory_csv::router())
        .merge(fulfil::router())
        .merge(amazon_jobs::router())
        .merge(fees::router())
        .merge(reports::router())
        .merge(metrics::router())
        .merge(openapi::router())
}

/// The table of every route (method, path, access), for tests and docs.
pub fn route_table() -> Vec<RouteInfo> {
    routes().into_parts().1
}

/// The complete application router.
pub fn router(state: AppState) -> Router {
    let (router, _) = routes().into_parts();
    router
        .fallback(defences::not_found)
        .method_not_allowed_fallback(defences::method_not_allowed)
        .layer(middleware::from_fn(metrics::track))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            auth::authenticate,
        ))
        .layer(middleware::from_fn(defences::api_errors_as_json))
        .layer(CatchPanicLayer::custom(defences::panic_response))
        .layer(middleware::from_fn(defences::security_headers))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
