//! A JSON body extractor whose rejections use the app's error format, and
//! a JSON response for large bodies.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::AppError;

mod writer;

/// Like `axum::Json`, but a bad body answers
/// `{"error": {"code": "bad_request", "message": …}}` saying what is wrong.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(AppError::BadRequest(match rejection {
                JsonRejection::MissingJsonContentType(_) => {
                    "send the body as JSON with Content-Type: application/json".to_owned()
                }
                other => other.body_text(),
            })),
        }
    }
}

/// A JSON response written into a buffer of about the size it will take,
/// by `writer::write`. `axum::Json` starts at 128 bytes and copies the
/// body each time the buffer doubles, which for a page of orders (80 KB)
/// is ten copies.
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
