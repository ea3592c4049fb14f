//! The one application error. API handlers return it as JSON
//! (`{"error": {"code", "message"}}`); page handlers wrap it in
//! [`PageError`] to get an HTML message. Internals are logged once, with
//! their cause chain, and never sent to the client.

use std::collections::BTreeMap;

use askama::Template;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::db::{Clash, DbError};

/// What went wrong, in terms a client can act on.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Bad input; the message says which and why.
    #[error("{0}")]
    BadRequest(String),
    /// Some fields of a submitted record are invalid.
    #[error("{}", .0.summary())]
    Invalid(crate::inventory::FieldErrors),
    /// No such thing.
    #[error("{0}")]
    NotFound(String),
    /// Clashes with what is stored (e.g. a unit already linked).
    #[error("{0}")]
    Conflict(String),
    /// The body is larger than the route accepts.
    #[error("the request body is too large")]
    PayloadTooLarge,
    /// The body is not of a type the route reads.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// The path exists but not for this method.
    #[error("this address does not accept that method")]
    MethodNotAllowed,
    /// Not signed in.
    #[error("sign in first")]
    Unauthorized,
    /// Signed in but not allowed.
    #[error("you are not allowed to do that")]
    Forbidden,
    /// The database or another dependency is down.
    #[error("{0}")]
    Unavailable(String),
    /// A bug or an unexpected failure; details go to the log only.
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl AppError {
    /// HTTP status for the error.
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::BadRequest(_) | AppError::Invalid(_) => StatusCode::BAD_REQUEST,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::Forbidden => StatusCode::FORBIDDEN,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Stable machine-readable code.
    pub fn code(&self) -> ErrorCode {
        match self {
            AppError::BadRequest(_) => ErrorCode::BadRequest,
            AppError::Invalid(_) => ErrorCode::Invalid,
            AppError::NotFound(_) => ErrorCode::NotFound,
            AppError::Conflict(_) => ErrorCode::Conflict,
            AppError::PayloadTooLarge => ErrorCode::PayloadTooLarge,
            AppError::UnsupportedMediaType(_) => ErrorCode::UnsupportedMediaType,
            AppError::MethodNotAllowed => ErrorCode::MethodNotAllowed,
            AppError::Unauthorized => ErrorCode::Unauthorized,
            AppError::Forbidden => ErrorCode::Forbidden,
            AppError::Unavailable(_) => ErrorCode::Unavailable,
            AppError::Internal(_) => ErrorCode::Internal,
        }
    }

    /// The message shown to people; internal errors get a generic one.
    pub fn public_message(&self) -> String {
        match self {
            AppError::Internal(_) => {
                "Something went wrong on our side. It has been logged; please try again.".into()
            }
            other => other.to_string(),
        }
    }

    fn log(&self) {
        if let AppError::Internal(err) = self {
            tracing::error!(error = format!("{err:#}"), "request failed");
        } else if let AppError::Unavailable(msg) = self {
            tracing::warn!(error = %msg, "dependency unavailable");
        }
    }
}

impl From<DbError> for AppError {
    fn from(err: DbError) -> Self {
        match err {
            DbError::NotFound(what) => AppError::NotFound(format!("{what} not found")),
            DbError::Conflict(clash) => AppError::Conflict(clash_words(clash).into()),
            DbError::Connect(_) => AppError::Unavailable("the database is not reachable".into()),
            DbError::Unwritable(_) => AppError::Unavailable(
                "The database cannot store changes: its disk is full or read-only. \
                 Nothing was saved; free some space and try again."
                    .into(),
            ),
            other => AppError::Internal(other.into()),
        }
    }
}

/// What a broken uniqueness rule means to the person who asked.
fn clash_words(clash: Clash) -> &'static str {
    match clash {
        Clash::UnitLinked => "This inventory item is linked to an order line already.",
        Clash::LineUnitLinked => "That unit of the order line is linked already.",
        Clash::Sku => "Another unit already has this SKU.",
        Clash::ExternalId => "Another unit already has this external id.",
        Clash::Username => "That username is taken.",
        Clash::LiveJob => "A job of this kind is running already.",
        Clash::Changed => "The data changed meanwhile; try again.",
        Clash::Other => "This clashes with data stored already.",
    }
}

impl From<crate::inventory::InventoryError> for AppError {
    fn from(err: crate::inventory::InventoryError) -> Self {
        use crate::inventory::InventoryError as E;
        match err {
            E::Invalid(fields) => AppError::Invalid(fields),
            E::NotFound(id) => AppError::NotFound(format!("inventory item {id} not found")),
            E::SoldLocked(rule) => AppError::Conflict(rule.to_string()),
            E::Duplicate => {
                AppError::Conflict("Another unit already has this SKU or external id.".into())
            }
            E::Db(db) => db.into(),
        }
    }
}

impl From<crate::amazon::matching::MatchError> for AppError {
    fn from(err: crate::amazon::matching::MatchError) -> Self {
        use crate::amazon::matching::MatchError as E;
        match err {
            E::Invalid(msg) => AppError::BadRequest(msg),
            E::NotFound(what) => AppError::NotFound(format!("{what} not found")),
            e @ (E::ExistingMapping { .. } | E::UnitUnavailable(_)) => {
                AppError::Conflict(e.to_string())
            }
            E::Db(db) => db.into(),
        }
    }
}

impl From<anyhow::Error> for AppError {
    fn from(err: anyhow::Error) -> Self {
        AppError::Internal(err)
    }
}

/// The JSON body of every failed API request.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// What went wrong.
    pub error: ErrorDetail,
}

/// What went wrong, for a program (`code`) and for a person (`message`).
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code.
    pub code: ErrorCode,
    /// What to tell a person.
    pub message: String,
    /// For `invalid`: the message of each refused field, by field name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fields: Option<BTreeMap<String, String>>,
}

/// Stable machine-readable code of a failed request: what kind of error
/// it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The request cannot be read.
    BadRequest,
    /// Some fields are not valid.
    Invalid,
    /// No such thing.
    NotFound,
    /// The data does not allow it, or changed meanwhile.
    Conflict,
    /// The body is too large.
    PayloadTooLarge,
    /// The body is not of the type the operation takes.
    UnsupportedMediaType,
    /// The path does not take that method.
    MethodNotAllowed,
    /// Not signed in.
    Unauthorized,
    /// Not allowed to.
    Forbidden,
    /// Amazon or the database cannot be reached.
    Unavailable,
    /// A fault on the server's side.
    Internal,
}

impl AppError {
    /// The JSON body of this error.
    pub fn body(&self) -> ErrorBody {
        let fields = match self {
            AppError::Invalid(fields) => Some(
                fields
                    .0
                    .iter()
                    .map(|(f, m)| ((*f).to_owned(), m.clone()))
                    .collect(),
            ),
            _ => None,
        };
        ErrorBody {
            error: ErrorDetail {
                code: self.code(),
                message: self.public_message(),
                fields,
            },
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        self.log();
        (self.status(), Json(self.body())).into_response()
    }
}

/// An [`AppError`] rendered as an HTML page.
#[derive(Debug)]
pub struct PageError(pub AppError);

impl<E: Into<AppError>> From<E> for PageError {
    fn from(err: E) -> Self {
        PageError(err.into())
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    title: &'a str,
    message: String,
    status: u16,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let err = self.0;
        err.log();
        let status = err.status();
        let page = ErrorPage {
            title: status.canonical_reason().unwrap_or("Error"),
            message: err.public_message(),
            status: status.as_u16(),
        };
        match page.render() {
            Ok(html) => (status, Html(html)).into_response(),
            Err(_) => (status, err.public_message()).into_response(),
        }
    }
}
