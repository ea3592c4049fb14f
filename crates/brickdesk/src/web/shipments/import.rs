//! `POST /api/shipments/import`: a postage tool's export of tracking
//! numbers (CSV body). `mode=preview` (the default) says which order each
//! row matches and what is wrong with the others, queueing nothing;
//! `mode=send` queues every row's package only when no row has an error;
//! `mode=send_good` queues the good rows and leaves the others.

use std::collections::HashSet;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Extension, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{check_package, queue_packages};
use crate::db::orders::find_order;
use crate::domain::shipment::{NewShipment, ShipmentInput};
use crate::domain::{OrderId, Platform};
use crate::inventory_csv::decode::decode;
use crate::tracking_csv::{self, TrackingRow};
use crate::web::auth::CurrentUser;
use crate::web::extract::Query;
use crate::web::{AppError, AppState};

/// What to do with the file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ImportMode {
    /// Check only.
    #[default]
    Preview,
    /// Queue every row, or nothing when a row has an error.
    Send,
    /// Queue the good rows.
    SendGood,
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// `preview` (the default: check only), `send` (all rows, or none when
    /// one is bad) or `send_good` (the good rows).
    #[param(inline)]
    mode: ImportMode,
}

/// One row of the answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RowJson {
    pub(crate) line: u64,
    pub(crate) order_id: String,
    pub(crate) tracking_number: String,
    pub(crate) carrier_code: Option<&'static str>,
    /// Why the row cannot be sent (`None`: it can).
    pub(crate) error: Option<String>,
}

/// The answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = TrackingImportJson)]
pub struct ImportJson {
    pub(crate) rows: Vec<RowJson>,
    pub(crate) good: usize,
    pub(crate) bad: usize,
    /// Packages queued (0 for a preview or a refused send).
    pub(crate) queued: usize,
    pub(crate) message: String,
}

/// A readable row checked against its order: the package to queue, or
/// why not.
async fn check_row(
    state: &AppState,
    row: &TrackingRow,
    carrier: Option<&'static str>,
    seen: &mut HashSet<String>,
    now: OffsetDateTime,
) -> Result<Result<(OrderId, NewShipment), String>, AppError> {
    let Some(order) = find_order(&state.db, Platform::Amazon, &row.order_id).await? else {
        return Ok(Err(format!("no Amazon order {}", row.order_id)));
    };
    if !seen.insert(row.order_id.clone()) {
        return Ok(Err(format!("order {} is in the file twice", row.order_id)));
    }
    let Some(carrier) = carrier else {
        let written = if row.carrier.is_empty() {
            &row.service
        } else {
            &row.carrier
        };
        return Ok(Err(format!(
            "carrier_code: '{written}' is not a carrier Brickdesk knows"
        )));
    };
    let input = ShipmentInput {
        carrier_code: carrier.to_owned(),
        carrier_name: None,
        shipping_method: Some(row.service.clone()),
        tracking_number: row.tracking_number.clone(),
        // A day without a time reads as noon: today's is not in the future.
        ship_date: row.ship_date.map(|d| {
            if d.date() == now.date() {
                d.min(now)
            } else {
                d
            }
        }),
        items: None,
    };
    Ok(check_package(state, &order, input, now)
        .await?
        .map(|package| (order.id, package))
        .map_err(|e| e.to_string()))
}

/// The two shapes of a refused tracking file, for the document.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = TrackingImportRefused)]
#[serde(untagged)]
#[allow(dead_code)]
enum ImportRefused {
    /// A send refused for bad rows: every row, checked.
    Rows(ImportJson),
    /// A file that cannot be read.
    Error(crate::web::error::ErrorBody),
}

/// Reads a postage tool's tracking file (CSV: order id, carrier, service,
/// tracking number, ship date) and, as `mode` says, queues a package per
/// good row.
#[utoipa::path(
    post,
    path = "/api/shipments/import",
    tag = "shipments",
    params(ImportQuery),
    request_body(content = String, content_type = "text/csv", description = "The tracking file"),
    responses(
        (status = 200, description = "Each row, checked (and queued when sent)", body = ImportJson),
        (status = 400, description = "The file cannot be read, or a `send` was refused for bad rows (see the rows)", body = ImportRefused),
    )
)]
pub async fn import(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Query(q): Query<ImportQuery>,
    body: Bytes,
) -> Result<Response, AppError> {
    let (status, answer) = run(&state, &user, &body, q.mode).await?;
    Ok((status, Json(answer)).into_response())
}

/// Checks the file `body` and, as `mode` says, queues its good rows: the
/// status to answer with (400 for a send refused for bad rows) and the
/// rows.
pub(crate) async fn run(
    state: &AppState,
    user: &CurrentUser,
    body: &[u8],
    mode: ImportMode,
) -> Result<(StatusCode, ImportJson), AppError> {
    let (text, _) = decode(body).map_err(|e| {
        AppError::BadRequest(format!(
            "line {}: the file is not text: {}",
            e.line, e.reason
        ))
    })?;
    let rows = tracking_csv::read(&text).map_err(|e| AppError::BadRequest(e.to_string()))?;
    let _queueing = super::QUEUEING.lock().await;
    let now = OffsetDateTime::now_utc();
    let mut seen = HashSet::new();
    let mut answer = Vec::new();
    let mut good = Vec::new();
    for row in &rows {
        let code = tracking_csv::carrier_code(&row.carrier, &row.service);
        let checked = match &row.error {
            Some(why) => Err(why.clone()),
            None => check_row(state, row, code, &mut seen, now).await?,
        };
        let error = checked.as_ref().err().cloned();
        good.extend(checked.ok());
        answer.push(RowJson {
            line: row.line,
            order_id: row.order_id.clone(),
            tracking_number: row.tracking_number.clone(),
            carrier_code: code,
            error,
        });
    }
    let bad = answer.len() - good.len();
    let send = match mode {
        ImportMode::Preview => false,
        ImportMode::Send => bad == 0,
        ImportMode::SendGood => true,
    };
    let queued = match send {
        true => queue_packages(state, &good, user.id).await?.len(),
        false => 0,
    };
    let message = match (mode, send) {
        (ImportMode::Preview, _) => format!("{} rows can be sent, {bad} have errors", good.len()),
        (_, false) => format!(
            "{bad} rows have errors: nothing was sent (send the {} good rows with mode=send_good)",
            good.len()
        ),
        (_, true) => format!("{queued} shipments queued for Amazon, {bad} rows left out"),
    };
    let status = if mode == ImportMode::Send && !send {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let answer = ImportJson {
        rows: answer,
        good: good.len(),
        bad,
        queued,
        message,
    };
    Ok((status, answer))
}
