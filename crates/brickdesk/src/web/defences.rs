//! What wraps every response: the browser-side security headers, the JSON
//! error body for anything under `/api/` that is not already one, the
//! answers for unknown routes and methods, and the last line of defence
//! against a panicking handler.

use std::any::Any;

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::{AppError, PageError};
use super::extract::{is_api, rejection_error};

/// The policy of every page: scripts, styles and everything else from this
/// site only, no inline script, never inside a frame.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; \
     form-action 'self'; frame-ancestors 'none'";

/// A PDF is shown by the browser's own viewer, which `object-src 'none'`
/// would block; it still may not be framed.
const PDF_POLICY: &str = "frame-ancestors 'none'; base-uri 'none'";

/// The headers every response carries, with their values.
pub const SECURITY_HEADERS: [(&str, &str); 3] = [
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("referrer-policy", "same-origin"),
];

/// Adds the security headers to every response.
pub async fn security_headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let headers = res.headers_mut();
    let pdf = headers
        .get(header::CONTENT_TYPE)
        .is_some_and(|ct| ct.as_bytes().starts_with(b"application/pdf"));
    let csp = if pdf {
        PDF_POLICY
    } else {
        CONTENT_SECURITY_POLICY
    };
    set_if_absent(headers, header::CONTENT_SECURITY_POLICY, csp);
    for (name, value) in SECURITY_HEADERS {
        set_if_absent(headers, HeaderName::from_static(name), value);
    }
    res
}

fn set_if_absent(headers: &mut HeaderMap, name: HeaderName, value: &'static str) {
    headers
        .entry(name)
        .or_insert(HeaderValue::from_static(value));
}

/// Largest error body read back when one under `/api/` must be rewritten.
const REWRITE_LIMIT: usize = 4_096;

/// Every error under `/api/` leaves as the JSON error body: an answer some
/// layer or axum itself wrote as plain text is rewritten, its status kept.
pub async fn api_errors_as_json(req: Request, next: Next) -> Response {
    let api = is_api(req.uri().path());
    let res = next.run(req).await;
    let status = res.status();
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|ct| ct.as_bytes().starts_with(b"application/json"));
    if !api || is_json || !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let text = match to_bytes(res.into_body(), REWRITE_LIMIT).await {
        Ok(bytes) if status.is_client_error() => String::from_utf8_lossy(&bytes).into_owned(),
        _ => String::new(),
    };
    let error = match status {
        StatusCode::NOT_FOUND => AppError::NotFound("no such API address".into()),
        StatusCode::METHOD_NOT_ALLOWED => AppError::MethodNotAllowed,
        StatusCode::UNAUTHORIZED => AppError::Unauthorized,
        StatusCode::FORBIDDEN => AppError::Forbidden,
        s if s.is_server_error() => {
            AppError::Internal(anyhow::anyhow!("{s} answered without an error body"))
        }
        s => rejection_error(s, text),
    };
    let mut rewritten = error.into_response();
    *rewritten.status_mut() = status;
    rewritten
}

/// The answer for an address no route has.
pub async fn not_found(uri: Uri) -> Response {
    let error = AppError::NotFound(format!("{} not found", uri.path()));
    if is_api(uri.path()) {
        error.into_response()
    } else {
        PageError(error).into_response()
    }
}

/// The answer for a known address called with a method it does not take.
pub async fn method_not_allowed(uri: Uri) -> Response {
    if is_api(uri.path()) {
        AppError::MethodNotAllowed.into_response()
    } else {
        PageError(AppError::MethodNotAllowed).into_response()
    }
}

/// The answer when a handler panicked: logged once, a 500 JSON error to
/// the client, nothing of the panic in it.
pub fn panic_response(panic: Box<dyn Any + Send + 'static>) -> Response<Body> {
    let message = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned());
    AppError::Internal(anyhow::anyhow!("handler panicked: {message}")).into_response()
}
