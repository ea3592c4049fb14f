//! `POST /auth/o2/token`: the LWA refresh-token grant.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;

use crate::server::SimState;

/// Accepts a form-encoded body (as Amazon documents) or a JSON one.
pub(crate) async fn token(
    State(state): State<Arc<SimState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let is_json = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let fields: HashMap<String, String> = if is_json {
        match serde_json::from_slice::<HashMap<String, serde_json::Value>>(&body) {
            Ok(map) => map
                .into_iter()
                .filter_map(|(k, v)| v.as_str().map(|s| (k, s.to_owned())))
                .collect(),
            Err(_) => {
                return lwa_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "Malformed request body",
                );
            }
        }
    } else {
        url::form_urlencoded::parse(&body).into_owned().collect()
    };
    let field = |name: &str| fields.get(name).map(String::as_str).unwrap_or("");
    let config = &state.config;
    if field("grant_type") != "refresh_token" {
        return lwa_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "The authorization grant type is not supported by the authorization server",
        );
    }
    if field("client_id") != config.client_id || field("client_secret") != config.client_secret {
        return lwa_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Client authentication failed",
        );
    }
    if field("refresh_token") != config.refresh_token {
        return lwa_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "The request has an invalid grant parameter : refresh_token",
        );
    }
    let access_token = state.issue_token();
    let body = json!({
        "access_token": access_token,
        "refresh_token": config.refresh_token,
        "token_type": "bearer",
        "expires_in": config.token_lifetime.as_secs(),
    });
    (StatusCode::OK, axum::Json(body)).into_response()
}

fn lwa_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        axum::Json(json!({"error_description": description, "error": error})),
    )
        .into_response()
}
