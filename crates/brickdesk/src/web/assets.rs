//! Static assets compiled into the binary.

use axum::http::header;
use axum::response::IntoResponse;

use super::routes::{Access, Routes};

const APP_CSS: &str = include_str!("../../static/app.css");
const APP_JS: &str = include_str!("../../static/app.js");

/// Routes of this module.
pub fn router() -> Routes {
    Routes::default()
        .get("/static/app.css", Access::Public, app_css)
        .get("/static/app.js", Access::Public, app_js)
}

async fn app_css() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        APP_CSS,
    )
}

async fn app_js() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        APP_JS,
    )
}
