//! The picking list (`/api/picking-list/amazon`, and as a page for the
//! phone) and Confirm Orders
//! Processed (`/api/orders/confirm`, the dialog, batch review and undo).

mod api;
mod pages;
mod picking;

use time::OffsetDateTime;

use super::routes::{Access, Routes};
use super::{AppError, AppState};
use crate::domain::location::archive_location;
use crate::fulfil::confirm::ConfirmError;
use crate::fulfil::undo::UndoError;
use crate::pdf::PdfError;

/// The picking list and confirmation operations.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    api::picking_list,
    api::candidates,
    api::confirm,
    api::batches,
    api::review,
    api::undo
))]
pub struct FulfilApi;

/// Routes of this module.
pub fn router() -> Routes {
    Routes::default()
        .get("/api/picking-list/amazon", Access::User, api::picking_list)
        .get("/orders/amazon/picking-list", Access::User, picking::page)
        .get("/api/orders/confirm", Access::User, api::candidates)
        .post("/api/orders/confirm", Access::User, api::confirm)
        .get("/api/orders/confirm/batches", Access::User, api::batches)
        .get(
            "/api/orders/confirm/batches/{id}",
            Access::User,
            api::review,
        )
        .post(
            "/api/orders/confirm/batches/{id}/undo",
            Access::User,
            api::undo,
        )
        .get("/orders/amazon/confirm", Access::User, pages::dialog)
        .post("/orders/amazon/confirm", Access::User, pages::confirm)
        .get("/orders/amazon/confirmations", Access::User, pages::batches)
        .get(
            "/orders/amazon/confirmations/{id}",
            Access::User,
            pages::review,
        )
        .post(
            "/orders/amazon/confirmations/{id}/undo",
            Access::User,
            pages::undo,
        )
}

/// The default archive location for a confirmation now.
fn default_archive(state: &AppState) -> String {
    archive_location(OffsetDateTime::now_utc(), state.time_zone())
}

impl From<ConfirmError> for AppError {
    fn from(err: ConfirmError) -> Self {
        match err {
            ConfirmError::Db(db) => db.into(),
            invalid @ (ConfirmError::ArchiveLocation(_)
            | ConfirmError::NoOrders
            | ConfirmError::Request(_)) => AppError::BadRequest(invalid.to_string()),
        }
    }
}

impl From<UndoError> for AppError {
    fn from(err: UndoError) -> Self {
        match err {
            UndoError::NotFound(_) => AppError::NotFound(err.to_string()),
            UndoError::Blocked(_) => AppError::Conflict(err.to_string()),
            UndoError::Db(db) => db.into(),
        }
    }
}

impl From<PdfError> for AppError {
    fn from(err: PdfError) -> Self {
        AppError::Internal(err.into())
    }
}
