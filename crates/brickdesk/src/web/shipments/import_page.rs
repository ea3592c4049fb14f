//! `/orders/amazon/tracking`: upload a postage tool's export, see which
//! order each row matches and what is wrong with the others, then send
//! (every row, or only the good ones).

use askama::Template;
use axum::extract::{Extension, Multipart, State};
use axum::http::StatusCode;
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::Deserialize;

use super::import::{ImportJson, ImportMode, run};
use crate::web::auth::CurrentUser;
use crate::web::extract::Form;
use crate::web::html;
use crate::web::{AppError, AppState, PageError};

#[derive(Template)]
#[template(path = "tracking_import.html")]
struct TrackingPage {
    /// The file, carried to the send step (base64: a form field takes no
    /// line breaks).
    file_b64: String,
    result: Option<ImportJson>,
    sent: bool,
    error: Option<String>,
}

/// `GET /orders/amazon/tracking`.
pub async fn show() -> Result<Response, PageError> {
    let page = TrackingPage {
        file_b64: String::new(),
        result: None,
        sent: false,
        error: None,
    };
    html(StatusCode::OK, &page)
}

/// `POST /orders/amazon/tracking/preview` (multipart, field `file`).
pub async fn preview(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    let mut bytes = Vec::new();
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| AppError::BadRequest(format!("the upload did not arrive whole: {e}")))?
    {
        if field.name() == Some("file") {
            let data = field.bytes().await.map_err(|e| {
                AppError::BadRequest(format!("the upload did not arrive whole: {e}"))
            })?;
            bytes = data.to_vec();
        }
    }
    answer(&state, &user, &bytes, ImportMode::Preview).await
}

#[derive(Deserialize)]
pub struct SendForm {
    file_b64: String,
    mode: String,
}

/// `POST /orders/amazon/tracking/send`: the previewed file again, sent.
pub async fn send(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Form(form): Form<SendForm>,
) -> Result<Response, PageError> {
    let mode = match form.mode.as_str() {
        "send_good" => ImportMode::SendGood,
        _ => ImportMode::Send,
    };
    let bytes = BASE64
        .decode(form.file_b64.trim())
        .map_err(|_| AppError::BadRequest("the previewed file did not come back whole".into()))?;
    answer(&state, &user, &bytes, mode).await
}

async fn answer(
    state: &AppState,
    user: &CurrentUser,
    bytes: &[u8],
    mode: ImportMode,
) -> Result<Response, PageError> {
    let page = match run(state, user, bytes, mode).await {
        Ok((status, result)) => {
            let sent = result.queued > 0;
            (
                status,
                TrackingPage {
                    file_b64: BASE64.encode(bytes),
                    result: Some(result),
                    sent,
                    error: None,
                },
            )
        }
        Err(AppError::BadRequest(why)) => (
            StatusCode::BAD_REQUEST,
            TrackingPage {
                file_b64: String::new(),
                result: None,
                sent: false,
                error: Some(why),
            },
        ),
        Err(other) => return Err(other.into()),
    };
    html(page.0, &page.1)
}
