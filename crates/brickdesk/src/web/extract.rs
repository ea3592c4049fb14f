//! Request extractors that check what every handler may assume: text
//! without control characters, and a rejection in the app's own error
//! format (JSON under `/api/`, an HTML page elsewhere). Handlers import
//! `Query`, `Path` and `Form` from here instead of from axum.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, FromRequestParts, RawPathParams, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use super::error::{AppError, PageError};
use crate::domain::text;

/// Fields never stored nor searched, whose unsafe values the handler
/// replaces: the sign-in `next` (any such value sends the user to `/`).
const REPLACED_FIELDS: &[&str] = &["next"];

/// [`text::check_text`] as a 400 naming the field.
pub fn check_text(field: &str, value: &str) -> Result<(), AppError> {
    text::check_text(field, value).map_err(|e| AppError::BadRequest(e.to_string()))
}

/// Checks every key and value of a URL-encoded string (query or form).
fn check_urlencoded(raw: &[u8]) -> Result<(), AppError> {
    for (key, value) in url::form_urlencoded::parse(raw) {
        check_text("parameter name", &key)?;
        if !REPLACED_FIELDS.contains(&key.as_ref()) {
            check_text(&key, &value)?;
        }
    }
    Ok(())
}

/// Checks every string (and object key) of a JSON document; a string's
/// field is the nearest object key above it.
fn check_json(field: &str, value: &serde_json::Value) -> Result<(), AppError> {
    match value {
        serde_json::Value::String(s) => check_text(field, s),
        serde_json::Value::Array(items) => items.iter().try_for_each(|v| check_json(field, v)),
        serde_json::Value::Object(map) => map.iter().try_for_each(|(k, v)| {
            check_text("field name", k)?;
            check_json(k, v)
        }),
        _ => Ok(()),
    }
}

/// An extractor's refusal, rendered for the kind of route it came from.
#[derive(Debug)]
pub struct Rejection {
    api: bool,
    error: AppError,
}

impl Rejection {
    fn new(path: &str, error: AppError) -> Rejection {
        Rejection {
            api: is_api(path),
            error,
        }
    }
}

/// Whether `path` belongs to the JSON API.
pub fn is_api(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/")
}

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        if self.api {
            self.error.into_response()
        } else {
            PageError(self.error).into_response()
        }
    }
}

/// The [`AppError`] for a rejection axum produced with `status` and `text`.
pub fn rejection_error(status: StatusCode, text: String) -> AppError {
    match status {
        StatusCode::PAYLOAD_TOO_LARGE => AppError::PayloadTooLarge,
        StatusCode::UNSUPPORTED_MEDIA_TYPE => AppError::UnsupportedMediaType(text),
        _ => AppError::BadRequest(text),
    }
}

/// Query string parameters, like `axum::extract::Query`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Query<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = Rejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let path = parts.uri.path();
        let raw = parts.uri.query().unwrap_or_default();
        check_urlencoded(raw.as_bytes()).map_err(|e| Rejection::new(path, e))?;
        serde_urlencoded::from_str(raw).map(Query).map_err(|e| {
            Rejection::new(
                path,
                AppError::BadRequest(format!("bad query parameters: {e}")),
            )
        })
    }
}

/// Path parameters, like `axum::extract::Path`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Path<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for Path<T> {
    type Rejection = Rejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let path = parts.uri.path().to_owned();
        let raw = RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|r| Rejection::new(&path, rejection_error(r.status(), r.body_text())))?;
        for (key, value) in &raw {
            check_text(key, value).map_err(|e| Rejection::new(&path, e))?;
        }
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(Path(value)),
            Err(r) => Err(Rejection::new(
                &path,
                AppError::BadRequest(format!("bad path: {}", r.body_text())),
            )),
        }
    }
}

/// A URL-encoded form body, like `axum::Form`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Form<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Form<T> {
    type Rejection = Rejection;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let path = req.uri().path().to_owned();
        let form_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
        if !form_type {
            return Err(Rejection::new(
                &path,
                AppError::UnsupportedMediaType(
                    "send the form as application/x-www-form-urlencoded".into(),
                ),
            ));
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|r: BytesRejection| {
                Rejection::new(&path, rejection_error(r.status(), r.body_text()))
            })?;
        check_urlencoded(&bytes).map_err(|e| Rejection::new(&path, e))?;
        serde_urlencoded::from_bytes(&bytes)
            .map(Form)
            .map_err(|e| Rejection::new(&path, AppError::BadRequest(format!("bad form: {e}"))))
    }
}

/// A JSON body whose every string was checked by [`check_text`].
pub(super) fn json_body<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    let value: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| AppError::BadRequest(format!("the body is not valid JSON: {e}")))?;
    // Every body of the API is an object; serde would read an array into a
    // struct field by field.
    if !value.is_object() {
        return Err(AppError::BadRequest(
            "the body must be a JSON object".into(),
        ));
    }
    check_json("body", &value)?;
    serde_json::from_value(value).map_err(|e| AppError::BadRequest(format!("bad body: {e}")))
}

/// The trimmed value of the field `name` of a form read as name/value
/// pairs (the first, when the form repeats it).
pub fn form_value<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim())
}

/// A date a form or query gives as `YYYY-MM-DD` (trimmed), or why not,
/// naming the field.
pub fn form_date(field: &str, text: &str) -> Result<time::Date, String> {
    time::Date::parse(
        text.trim(),
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .map_err(|_| format!("{field}: '{text}' is not a date (YYYY-MM-DD)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urlencoded_and_json_checks_name_the_field() {
        let err = check_urlencoded(b"page=1&search=a%00b").unwrap_err();
        assert!(err.to_string().starts_with("search contains"), "{err}");
        assert!(check_urlencoded(b"search=falcon&page=2").is_ok());
        assert!(check_urlencoded(b"next=/%09/evil.example").is_ok());
        let value = serde_json::json!({"orders": [{"order_id": "203\u{0}"}]});
        let err = check_json("body", &value).unwrap_err();
        assert!(err.to_string().starts_with("order_id contains"), "{err}");
        let err = json_body::<serde_json::Value>(b"{\"notes\": \"x\\u0000\"}").unwrap_err();
        assert!(err.to_string().starts_with("notes contains"), "{err}");
        assert!(json_body::<serde_json::Value>(b"{\"notes\": \"a\\nb\"}").is_ok());
    }
}
