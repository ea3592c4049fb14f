//! A JSON body extractor whose rejections use the app's error format, and
//! a JSON response for large bodies.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::AppError;
use super::extract::{json_body, rejection_error};

mod writer;

/// Like `axum::Json`, but a bad body answers
/// `{"error": {"code": "bad_request", "message": …}}` saying what is wrong,
/// and every string in it is checked by [`super::extract::check_text`].
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let json_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|ct| ct.split(';').next())
            .map(str::trim)
            .is_some_and(|m| m.eq_ignore_ascii_case("application/json") || m.ends_with("+json"));
        if !json_type {
            return Err(AppError::UnsupportedMediaType(
                "send the body as JSON with Content-Type: application/json".into(),
            ));
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|r| rejection_error(r.status(), r.body_text()))?;
        json_body(&bytes).map(ApiJson)
    }
}

/// A JSON response written into a buffer of about the size it will take,
/// by `writer::write`, instead of `axum::Json`'s small buffer that copies
/// the body each time it doubles.
#[derive(Debug, Clone)]
pub struct SizedJson<T> {
    /// The body.
    pub value: T,
    /// Bytes to reserve up front.
    pub capacity: usize,
}

impl<T: Serialize> IntoResponse for SizedJson<T> {
    fn into_response(self) -> Response {
        let mut body = Vec::with_capacity(self.capacity);
        match writer::write(&mut body, &self.value) {
            Ok(()) => (
                [(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                )],
                body,
            )
                .into_response(),
            Err(e) => AppError::Internal(e.into()).into_response(),
        }
    }
}
