//! Reports 2021-06-30: `createReport`, `getReport`, `getReportDocument`,
//! and the document download (Amazon's pre-signed S3 URL; here
//! `/report-documents/{id}`), gzip-compressed and Cp1252-encoded.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use flate2::Compression;
use flate2::write::GzEncoder;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::io::Write;
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;

use super::{ApiFailure, Call, format_time, parse_time};
use crate::seller::{OrderStatus, Seller, SimOrder, pence_text};
use crate::server::SimState;

/// Report types the simulator can produce.
pub(crate) const BY_LAST_UPDATE: &str = "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL";
pub(crate) const BY_ORDER_DATE: &str = "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL";

/// Simulated seconds a report waits in the queue, then takes to process.
const QUEUED: Duration = Duration::from_secs(20);
const PROCESSING: Duration = Duration::from_secs(40);

/// Columns of the all-orders flat file, in Amazon's order.
pub(crate) const COLUMNS: [&str; 24] = [
    "amazon-order-id",
    "merchant-order-id",
    "purchase-date",
    "last-updated-date",
    "order-status",
    "fulfillment-channel",
    "sales-channel",
    "order-channel",
    "ship-service-level",
    "product-name",
    "sku",
    "asin",
    "item-status",
    "quantity",
    "currency",
    "item-price",
    "item-tax",
    "shipping-price",
    "shipping-tax",
    "item-promotion-discount",
    "ship-city",
    "ship-state",
    "ship-postal-code",
    "ship-country",
];

struct Report {
    id: String,
    report_type: String,
    marketplace_ids: Vec<String>,
    start: OffsetDateTime,
    end: OffsetDateTime,
    created: OffsetDateTime,
    created_at: tokio::time::Instant,
    document_id: Option<String>,
    /// No data in the window: Amazon cancels such a report.
    empty: bool,
}

/// Reports requested so far and their finished documents.
#[derive(Default)]
pub(crate) struct Reports {
    reports: Vec<Report>,
    documents: HashMap<String, Vec<u8>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateReportSpecification {
    report_type: String,
    #[serde(default)]
    marketplace_ids: Vec<String>,
    data_start_time: Option<String>,
    data_end_time: Option<String>,
}

/// `POST /reports/2021-06-30/reports`
pub(crate) fn create_report(s: &SimState, call: &Call) -> Result<Value, ApiFailure> {
    let spec: CreateReportSpecification = serde_json::from_slice(&call.body)
        .map_err(|e| ApiFailure::invalid(format!("Invalid request body: {e}")))?;
    if spec.report_type != BY_LAST_UPDATE && spec.report_type != BY_ORDER_DATE {
        return Err(ApiFailure::invalid(format!(
            "Invalid reportType {}",
            spec.report_type
        )));
    }
    if spec.marketplace_ids.is_empty() {
        return Err(ApiFailure::invalid("marketplaceIds is required"));
    }
    let time = |name: &str, v: Option<String>| {
        v.map(|v| parse_time(&v).ok_or_else(|| ApiFailure::invalid(format!("Invalid {name}"))))
            .transpose()
    };
    let now = OffsetDateTime::now_utc();
    let start =
        time("dataStartTime", spec.data_start_time)?.unwrap_or(now - time::Duration::days(30));
    let end = time("dataEndTime", spec.data_end_time)?.unwrap_or(now);
    if end < start {
        return Err(ApiFailure::invalid(
            "dataEndTime must be after dataStartTime",
        ));
    }
    let id = s.random_text(11, b"0123456789");
    let mut reports = s.reports();
    reports.reports.push(Report {
        id: id.clone(),
        report_type: spec.report_type,
        marketplace_ids: spec.marketplace_ids,
        start,
        end,
        created: now,
        created_at: s.config.clock.now(),
        document_id: None,
        empty: false,
    });
    Ok(json!({ "reportId": id }))
}

/// `GET /reports/2021-06-30/reports/{reportId}`
pub(crate) fn get_report(s: &SimState, call: &Call) -> Result<Value, ApiFailure> {
    let id = call.id.as_str();
    let scale = s.config.time_scale.max(f64::MIN_POSITIVE);
    let queued = QUEUED.div_f64(scale);
    let processing = PROCESSING.div_f64(scale);
    let mut reports = s.reports();
    let Reports {
        reports: list,
        documents,
    } = &mut *reports;
    let report = list
        .iter_mut()
        .find(|r| r.id == id)
        .ok_or_else(|| ApiFailure::invalid(format!("Invalid reportId {id}")))?;
    let age = s
        .config
        .clock
        .now()
        .saturating_duration_since(report.created_at);
    let mut body = json!({
        "reportId": report.id,
        "reportType": report.report_type,
        "marketplaceIds": report.marketplace_ids,
        "dataStartTime": format_time(report.start),
        "dataEndTime": format_time(report.end),
        "createdTime": format_time(report.created),
    });
    let finished = age >= queued + processing;
    if finished && report.document_id.is_none() && !report.empty {
        let (text, rows) = flat_file(&s.seller(), report);
        if rows == 0 {
            report.empty = true;
        } else {
            let document_id = format!(
                "amzn1.spdoc.1.4.eu.{}",
                s.random_text(24, b"0123456789abcdef")
            );
            documents.insert(document_id.clone(), gzip_cp1252(&text));
            report.document_id = Some(document_id);
        }
    }
    let status = if age < queued {
        "IN_QUEUE"
    } else if !finished {
        "IN_PROGRESS"
    } else if report.empty {
        // Amazon cancels a report that has no data to return.
        "CANCELLED"
    } else {
        "DONE"
    };
    body["processingStatus"] = json!(status);
    if age >= queued {
        body["processingStartTime"] = json!(format_time(report.created + queued));
    }
    if status == "CANCELLED" {
        body["processingEndTime"] = json!(format_time(report.created + queued + processing));
    }
    if status == "DONE" {
        body["processingEndTime"] = json!(format_time(report.created + queued + processing));
        body["reportDocumentId"] = json!(report.document_id);
    }
    Ok(body)
}

/// `GET /reports/2021-06-30/documents/{reportDocumentId}`
pub(crate) fn get_report_document(s: &SimState, call: &Call) -> Result<Value, ApiFailure> {
    let id = &call.id;
    if !s.reports().documents.contains_key(id) {
        return Err(ApiFailure::invalid(format!(
            "Invalid reportDocumentId {id}"
        )));
    }
    let host = call
        .headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    Ok(json!({
        "reportDocumentId": id,
        "url": format!("http://{host}/report-documents/{id}"),
        "compressionAlgorithm": "GZIP",
    }))
}

/// `GET /report-documents/{id}`: the download, like S3 (no access token).
pub(crate) async fn download(
    State(state): State<Arc<SimState>>,
    Path(id): Path<String>,
) -> Response {
    match state.reports().documents.get(&id) {
        Some(bytes) => {
            let mut response = bytes.clone().into_response();
            let headers = response.headers_mut();
            headers.insert(
                "content-type",
                HeaderValue::from_static("text/plain;charset=Cp1252"),
            );
            response
        }
        None => (StatusCode::NOT_FOUND, Json(json!({"Code": "NoSuchKey"}))).into_response(),
    }
}

/// The document's text and its number of data rows.
fn flat_file(seller: &Seller, report: &Report) -> (String, usize) {
    let by_update = report.report_type == BY_LAST_UPDATE;
    let mut orders: Vec<&SimOrder> = seller
        .orders
        .iter()
        .filter(|o| report.marketplace_ids.contains(&o.marketplace_id))
        .filter(|o| {
            (report.start..=report.end).contains(if by_update {
                &o.last_updated
            } else {
                &o.created
            })
        })
        .collect();
    orders.sort_by_key(|o| if by_update { o.last_updated } else { o.created });
    let mut text = COLUMNS.join("\t");
    text.push('\n');
    let mut rows = 0;
    for o in orders {
        let order_status = match o.status {
            OrderStatus::Canceled => "Cancelled",
            OrderStatus::Unshipped | OrderStatus::PartiallyShipped => "Shipping",
            other => other.v0_name(),
        };
        for l in &o.lines {
            let item_status = match o.status {
                OrderStatus::Canceled => "Cancelled",
                _ if l.quantity_shipped == l.quantity => "Shipped",
                _ => "Unshipped",
            };
            let money = |pence: i64| {
                if o.status.has_prices() {
                    pence_text(pence)
                } else {
                    String::new()
                }
            };
            let row = [
                o.order_id.clone(),
                String::new(),
                format_time(o.created),
                format_time(o.last_updated),
                order_status.to_owned(),
                if o.fulfillment == crate::Fulfillment::Amazon {
                    "Amazon"
                } else {
                    "Merchant"
                }
                .to_owned(),
                o.marketplace().name.to_owned(),
                String::new(),
                "Standard".to_owned(),
                l.title.clone(),
                l.sku.clone(),
                l.asin.clone().unwrap_or_default(),
                item_status.to_owned(),
                l.quantity.to_string(),
                if o.status.has_prices() {
                    o.currency()
                } else {
                    ""
                }
                .to_owned(),
                money(l.item_total_pence()),
                money(0),
                money(l.shipping_pence),
                money(0),
                money(0),
                "London".to_owned(),
                String::new(),
                "SW1A 1AA".to_owned(),
                "GB".to_owned(),
            ];
            text.push_str(&row.join("\t"));
            text.push('\n');
            rows += 1;
        }
    }
    (text, rows)
}

fn gzip_cp1252(text: &str) -> Vec<u8> {
    let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(text);
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    // Writing to a Vec cannot fail.
    let _ = encoder.write_all(&bytes);
    encoder.finish().unwrap_or_default()
}
