//! CSV import and export of inventory units: the upload page with its
//! preview step, the JSON import API and the export of a filtered view.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Extension, Multipart, State};
use axum::handler::Handler;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::{Deserialize, Serialize};

use super::auth::CurrentUser;
use super::error::ErrorBody;
use super::inventory::ListParams;
use super::routes::{Access, Routes};
use super::{AppError, AppState, PageError};
use crate::db::inventory::{self, InventoryQuery};
use crate::db::inventory_import::{self, Duplicate, ImportOptions, ImportOutcome};
use crate::domain::Money;
use crate::inventory_csv::{self, ParseFailure, ParsedFile, RowError, SourceEncoding};
use crate::web::extract::{Form, Query};

/// Largest upload accepted: 10,000 rows are about 1.5 MB; this leaves room
/// for long notes and the base64 round trip of the preview form.
pub const MAX_UPLOAD_BYTES: usize = 32 * 1024 * 1024;

/// Rows shown in the preview table.
const PREVIEW_ROWS: usize = 20;

/// Routes of this module.
pub fn router() -> Routes {
    let limit = || DefaultBodyLimit::max(MAX_UPLOAD_BYTES);
    Routes::default()
        .get("/inventory/import", Access::User, show_import_form)
        .post(
            "/inventory/import/preview",
            Access::User,
            preview_upload.layer(limit()),
        )
        .post(
            "/inventory/import",
            Access::User,
            commit_upload.layer(limit()),
        )
        .get("/inventory/export.csv", Access::User, export_csv)
        .post(
            "/api/inventory/import",
            Access::User,
            api_import.layer(limit()),
        )
}

/// Every unit of the view `params` describes (the list page's filters and
/// sort; its paging is ignored), or why a parameter was refused.
pub fn export_query(params: &ListParams) -> Result<InventoryQuery, String> {
    let (query, _) = params.to_query(1)?;
    Ok(InventoryQuery {
        offset: 0,
        limit: None,
        ..query
    })
}

#[tracing::instrument(skip_all)]
async fn export_csv(
    State(state): State<AppState>,
    Query(params): Query<ListParams>,
) -> Result<Response, PageError> {
    let query = export_query(&params).map_err(AppError::BadRequest)?;
    let (rows, _) = inventory::list(&state.db, &query).await?;
    let fees = crate::db::fees::fees_for_export(&state.db, &rows).await?;
    let bytes = inventory_csv::export(&rows, &fees).map_err(|e| AppError::Internal(e.into()))?;
    let filename = format!("brickdesk-inventory-{}.csv", crate::db::now().date());
    Ok(super::csv_attachment(&filename, bytes))
}

/// The CSV import operation.
#[derive(utoipa::OpenApi)]
#[openapi(paths(api_import))]
pub struct InventoryCsvApi;

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ApiImportParams {
    /// `true`: check the file and say what would be created, store nothing.
    #[param(value_type = Option<bool>)]
    dry_run: Option<String>,
}

fn parse_dry_run(text: Option<&str>) -> Result<bool, AppError> {
    match text.map(str::trim) {
        None | Some("" | "false" | "0") => Ok(false),
        Some("true" | "1") => Ok(true),
        Some(other) => Err(AppError::BadRequest(format!(
            "dry_run must be true or false, not '{other}'"
        ))),
    }
}

/// A row skipped because its SKU or external id is taken.
#[derive(Serialize, utoipa::ToSchema)]
struct DuplicateJson<'a> {
    /// Line of the file (header = 1).
    line: u64,
    /// `sku` or `external_id`.
    column: &'a str,
    /// The repeated value.
    value: &'a str,
    /// The earlier line of the file with this value (absent: stored already).
    first_line: Option<u64>,
    /// Why the row is skipped.
    reason: String,
}

impl<'a> From<&'a Duplicate> for DuplicateJson<'a> {
    fn from(d: &'a Duplicate) -> Self {
        DuplicateJson {
            line: d.line,
            column: d.column,
            value: &d.value,
            first_line: d.first_line,
            reason: d.reason(),
        }
    }
}

/// What an import did, or would do on a dry run.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = InventoryImportJson)]
struct ImportJson<'a> {
    dry_run: bool,
    /// How the bytes were read.
    encoding: SourceEncoding,
    /// Data rows in the file.
    rows: usize,
    /// Units created (absent on a dry run).
    #[serde(skip_serializing_if = "Option::is_none")]
    created: Option<usize>,
    /// Units a real run would create (dry runs only).
    #[serde(skip_serializing_if = "Option::is_none")]
    would_create: Option<usize>,
    /// Rows skipped as duplicates.
    duplicates: Vec<DuplicateJson<'a>>,
    /// Columns of the file that are not read.
    ignored_columns: &'a [String],
}

/// The 400 answer for a file that cannot be imported: the usual error
/// object plus every bad row.
#[derive(Serialize, utoipa::ToSchema)]
struct CsvFailureBody<'a> {
    error: CsvFailure<'a>,
}

/// Why nothing was imported.
#[derive(Serialize, utoipa::ToSchema)]
struct CsvFailure<'a> {
    /// Always `invalid_csv`.
    #[schema(value_type = String, pattern = "^invalid_csv$")]
    code: &'static str,
    /// A summary for a person.
    message: String,
    /// Every problem, in file order.
    rows: &'a [RowError],
    /// How the bytes were read (absent: they could not be).
    encoding: Option<SourceEncoding>,
}

/// The two shapes of a refused import, for the document.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = InventoryImportRefused)]
#[serde(untagged)]
#[allow(dead_code)]
enum ImportRefused<'a> {
    /// A file with bad rows.
    Rows(CsvFailureBody<'a>),
    /// A parameter that is not valid.
    Error(ErrorBody),
}

fn failure_response(failure: &ParseFailure) -> Response {
    let body = CsvFailureBody {
        error: CsvFailure {
            code: "invalid_csv",
            message: format!(
                "{} problem(s) on {} line(s); nothing was imported",
                failure.errors.len(),
                failure.bad_lines()
            ),
            rows: &failure.errors,
            encoding: failure.encoding,
        },
    };
    (StatusCode::BAD_REQUEST, axum::Json(body)).into_response()
}

/// `POST /api/inventory/import?dry_run=true|false` with the CSV as the
/// body. Answers what was (or would be) created and the duplicates
/// skipped; a file with bad rows gets a 400 listing every one.
#[utoipa::path(
    post,
    path = "/api/inventory/import",
    tag = "inventory",
    params(ApiImportParams),
    request_body(content = String, content_type = "text/csv", description = "The CSV file: a header row naming Brickdesk's columns, then one row per unit; UTF-8 (with or without BOM) or Windows-1252"),
    responses(
        (status = 200, description = "What was created (or would be) and what was skipped", body = ImportJson),
        (status = 400, description = "The file has bad rows (nothing was imported), or `dry_run` is not valid", body = ImportRefused),
    )
)]
#[tracing::instrument(skip_all, fields(user = %user.username, bytes = body.len()))]
async fn api_import(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Query(params): Query<ApiImportParams>,
    body: Bytes,
) -> Result<Response, AppError> {
    let dry_run = parse_dry_run(params.dry_run.as_deref())?;
    let parsed = match inventory_csv::parse(&body) {
        Ok(p) => p,
        Err(failure) => return Ok(failure_response(&failure)),
    };
    let options = ImportOptions {
        dry_run,
        user: Some(user.id),
        source: "api",
    };
    let outcome = inventory_import::import(&state.db, &parsed.rows, options).await?;
    let body = ImportJson {
        dry_run,
        encoding: parsed.encoding,
        rows: parsed.rows.len(),
        created: (!dry_run).then_some(outcome.created),
        would_create: dry_run.then_some(outcome.created),
        duplicates: outcome.duplicates.iter().map(DuplicateJson::from).collect(),
        ignored_columns: &parsed.ignored_columns,
    };
    Ok(axum::Json(body).into_response())
}

#[derive(Template)]
#[template(path = "inventory_import.html")]
struct ImportFormPage {
    message: Option<String>,
}

async fn show_import_form() -> Result<Response, PageError> {
    super::html(StatusCode::OK, &ImportFormPage { message: None })
}

/// A unit as the preview table shows it.
struct PreviewRow {
    line: u64,
    set_number: String,
    item_name: String,
    condition: &'static str,
    status: &'static str,
    location: String,
    cost: String,
    price: String,
    sku: String,
    purchase_date: String,
}

#[derive(Template)]
#[template(path = "inventory_import_preview.html")]
struct PreviewPage {
    filename: String,
    encoding: String,
    windows_1252: bool,
    rows: usize,
    errors: Vec<RowError>,
    bad_lines: usize,
    ignored_columns: Vec<String>,
    would_create: usize,
    duplicates: Vec<(u64, String)>,
    preview: Vec<PreviewRow>,
    file_b64: String,
}

fn preview_rows(parsed: &ParsedFile) -> Vec<PreviewRow> {
    parsed
        .rows
        .iter()
        .take(PREVIEW_ROWS)
        .map(|r| {
            let u = &r.unit;
            let amount = |m: Option<i64>| {
                m.map(|m| Money::from_minor(m, u.details.currency).to_string())
                    .unwrap_or_default()
            };
            PreviewRow {
                line: r.line,
                set_number: u.details.set_number.clone(),
                item_name: u.details.item_name.clone(),
                condition: u.details.condition.as_str(),
                status: u.details.status.as_str(),
                location: u.details.storage_location.clone().unwrap_or_default(),
                cost: amount(u.details.cost_minor),
                price: amount(u.details.listing_price_minor),
                sku: u.details.sku.clone().unwrap_or_default(),
                purchase_date: u
                    .details
                    .purchase_date
                    .map(|d| d.to_string())
                    .unwrap_or_default(),
            }
        })
        .collect()
}

/// Parses and dry-runs a file, then renders what would happen.
async fn render_preview(
    state: &AppState,
    filename: String,
    bytes: &[u8],
) -> Result<Response, PageError> {
    let mut page = PreviewPage {
        filename,
        encoding: String::new(),
        windows_1252: false,
        rows: 0,
        errors: Vec::new(),
        bad_lines: 0,
        ignored_columns: Vec::new(),
        would_create: 0,
        duplicates: Vec::new(),
        preview: Vec::new(),
        file_b64: String::new(),
    };
    let parsed = match inventory_csv::parse(bytes) {
        Ok(p) => p,
        Err(failure) => {
            page.encoding = failure
                .encoding
                .map(|e| e.describe().to_owned())
                .unwrap_or_default();
            page.rows = failure.rows_read;
            page.bad_lines = failure.bad_lines();
            page.errors = failure.errors;
            return super::html(StatusCode::BAD_REQUEST, &page);
        }
    };
    let options = ImportOptions {
        dry_run: true,
        user: None,
        source: "web",
    };
    let outcome = inventory_import::import(&state.db, &parsed.rows, options).await?;
    page.encoding = parsed.encoding.describe().to_owned();
    page.windows_1252 = parsed.encoding == inventory_csv::SourceEncoding::Windows1252;
    page.rows = parsed.rows.len();
    page.ignored_columns = parsed.ignored_columns.clone();
    page.would_create = outcome.created;
    page.duplicates = outcome
        .duplicates
        .iter()
        .map(|d| (d.line, d.reason()))
        .collect();
    page.preview = preview_rows(&parsed);
    page.file_b64 = BASE64.encode(bytes);
    super::html(StatusCode::OK, &page)
}

/// Step 1 → 2: the browser uploads the file (multipart, field `file`).
#[tracing::instrument(skip_all)]
async fn preview_upload(
    State(state): State<AppState>,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    let bad = |e: axum::extract::multipart::MultipartError| {
        AppError::BadRequest(format!("the upload could not be read: {}", e.body_text()))
    };
    while let Some(field) = multipart.next_field().await.map_err(bad)? {
        if field.name() != Some("file") {
            continue;
        }
        let filename = field.file_name().unwrap_or("upload.csv").to_owned();
        let bytes = field.bytes().await.map_err(bad)?;
        if bytes.is_empty() {
            break;
        }
        return render_preview(&state, filename, &bytes).await;
    }
    let page = ImportFormPage {
        message: Some("Choose a CSV file to upload.".into()),
    };
    super::html(StatusCode::BAD_REQUEST, &page)
}

#[derive(Deserialize)]
struct CommitForm {
    file_b64: String,
    #[serde(default)]
    filename: String,
}

#[derive(Template)]
#[template(path = "inventory_import_done.html")]
struct DonePage {
    filename: String,
    outcome: ImportOutcome,
    duplicates: Vec<(u64, String)>,
}

/// Step 2 → 3: the preview form sends the same bytes back to import.
#[tracing::instrument(skip_all, fields(user = %user.username))]
async fn commit_upload(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Form(form): Form<CommitForm>,
) -> Result<Response, PageError> {
    let bytes = BASE64.decode(form.file_b64.trim()).map_err(|_| {
        AppError::BadRequest("the previewed file was damaged; upload it again".into())
    })?;
    let parsed = match inventory_csv::parse(&bytes) {
        Ok(p) => p,
        // Cannot happen for a file the preview accepted, but the rule holds.
        Err(_) => return render_preview(&state, form.filename, &bytes).await,
    };
    let options = ImportOptions {
        dry_run: false,
        user: Some(user.id),
        source: "web",
    };
    let outcome = inventory_import::import(&state.db, &parsed.rows, options).await?;
    let page = DonePage {
        filename: form.filename,
        duplicates: outcome
            .duplicates
            .iter()
            .map(|d| (d.line, d.reason()))
            .collect(),
        outcome,
    };
    super::html(StatusCode::OK, &page)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::inventory::SortBy;

    #[test]
    fn export_takes_the_view_without_its_page() {
        let params = ListParams {
            status: "listed".into(),
            sort: "listing_price".into(),
            dir: "desc".into(),
            page: Some("3".into()),
            ..ListParams::default()
        };
        let q = export_query(&params).ok();
        assert_eq!(
            q.as_ref()
                .map(|q| (q.sort, q.descending, q.offset, q.limit)),
            Some((SortBy::ListingPrice, true, 0, None))
        );
        assert!(q.is_some_and(|q| q.status.is_some()));
        let bad = ListParams {
            sort: "colour".into(),
            ..ListParams::default()
        };
        assert!(export_query(&bad).is_err());
    }

    #[test]
    fn dry_run_values() {
        assert!(matches!(parse_dry_run(None), Ok(false)));
        assert!(matches!(parse_dry_run(Some("true")), Ok(true)));
        assert!(matches!(parse_dry_run(Some("false")), Ok(false)));
        assert!(parse_dry_run(Some("yes")).is_err());
    }
}
