//! Fee reconciliation over HTTP: `GET /api/admin/reconcile-amazon-fees`
//! previews from the stored events (writes nothing, fetches nothing);
//! running it is the fees job ([`run`]); a unit's fee breakdown.

mod run;

pub use run::{FeeCard, FeesJobJson, card};

use axum::Json;
use axum::extract::State;
use serde::Serialize;

use super::routes::{Access, Routes};
use super::{AppError, AppState};
use crate::amazon::fees::{self, FeeError, Plan, Skipped, UnitChange};
use crate::db;
use crate::domain::FeeEventId;

/// Routes of this module.
pub fn router() -> Routes {
    Routes::default()
        .get(
            "/api/admin/reconcile-amazon-fees",
            Access::Owner,
            preview_fees,
        )
        .post(
            "/api/admin/reconcile-amazon-fees",
            Access::Owner,
            run::reconcile_fees,
        )
        .get(
            "/api/admin/reconcile-amazon-fees/jobs/{id}",
            Access::Owner,
            run::job_status,
        )
        .post(
            "/orders/reconcile-fees",
            Access::Owner,
            run::reconcile_fees_form,
        )
}

impl From<FeeError> for AppError {
    fn from(err: FeeError) -> Self {
        match err {
            FeeError::Db(e) => e.into(),
            FeeError::Internal(e) => AppError::Internal(e),
        }
    }
}

/// The fee reconciliation operations (owners only).
#[derive(utoipa::OpenApi)]
#[openapi(paths(preview_fees, run::reconcile_fees, run::job_status))]
pub struct FeesApi;

/// The preview as the API returns it.
#[derive(Serialize, utoipa::ToSchema)]
struct PreviewJson {
    /// Units a run would update ("Updated N items").
    count: usize,
    unchanged: usize,
    not_posted: usize,
    missing: i64,
    /// Always `stored_events`: the preview reads what was fetched before
    /// and fetches nothing; a run fetches first.
    #[schema(value_type = String)]
    based_on: &'static str,
    /// Events posted before this have been fetched (absent: never).
    events_fetched_up_to: Option<String>,
    /// The same in words, as the card says it.
    note: String,
    /// Stored events that could not be read (kept, not used).
    unreadable_events: i64,
    units: Vec<UnitChange>,
    skipped: Vec<Skipped>,
}

/// What a reconciliation would change, from the fee events fetched
/// before: it writes nothing and asks Amazon nothing.
#[utoipa::path(
    get,
    path = "/api/admin/reconcile-amazon-fees",
    tag = "fees",
    responses(
        (status = 200, description = "The preview", body = PreviewJson),
    )
)]
async fn preview_fees(State(state): State<AppState>) -> Result<Json<PreviewJson>, AppError> {
    let Plan {
        changes,
        unchanged,
        not_posted,
        skipped,
        unreadable_events,
    } = fees::preview(&state.db).await?;
    let mark = fees::watermark(&state.db).await?;
    let body = PreviewJson {
        count: changes.len(),
        unchanged,
        not_posted,
        missing: db::fees::count_missing(&state.db).await?,
        based_on: "stored_events",
        events_fetched_up_to: mark.and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        }),
        note: fees::fetched_up_to_text(mark),
        unreadable_events,
        units: changes,
        skipped,
    };
    Ok(Json(body))
}

/// One event's share on a unit's page.
#[derive(Debug, Clone)]
pub struct EventShareView {
    /// When Amazon posted it.
    pub posted: String,
    /// e.g. `Shipment`, `Refund`.
    pub event_type: String,
    /// Amazon's types and the unit's share of each.
    pub amounts: Vec<(String, String)>,
    /// The unit's share of the whole event.
    pub total: String,
}

/// A unit's fee breakdown and profit, for its page.
#[derive(Debug, Clone)]
pub struct UnitFeesView {
    /// "Reconciled", "Zero fees", "Fees not posted yet" or "No fee data yet".
    pub state: &'static str,
    /// Category label and amount, the non-zero ones (gross and net always).
    pub rows: Vec<(&'static str, String)>,
    /// All fees.
    pub total_fees: String,
    /// What Amazon pays.
    pub net: String,
    /// Net less cost, when the cost is known and in the same currency.
    pub profit: Option<String>,
    /// When written.
    pub reconciled_at: String,
    /// Each event's share, oldest first (sales, refunds…).
    pub events: Vec<EventShareView>,
}

fn money(minor: i64, currency: crate::domain::Currency) -> String {
    crate::domain::Money::from_minor(minor, currency).to_string()
}

/// The fee section of a unit's page: `None` for units never sold.
pub async fn unit_fees_view(
    db: &db::Db,
    unit: &db::inventory::InventoryRow,
) -> Result<Option<UnitFeesView>, AppError> {
    use crate::domain::fees::Category;
    let Some(row) = db::fees::fees_of(db, unit.id).await? else {
        return Ok(unit.sold_at.is_some().then(|| UnitFeesView {
            state: "No fee data yet",
            rows: Vec::new(),
            total_fees: "—".into(),
            net: "—".into(),
            profit: None,
            reconciled_at: String::new(),
            events: Vec::new(),
        }));
    };
    let cur = row.currency;
    let rows = Category::ALL
        .iter()
        .filter(|c| **c == Category::Principal || row.get(**c) != 0)
        .map(|c| (c.label(), money(row.get(*c), cur)))
        .collect();
    let mut events: Vec<(FeeEventId, EventShareView, i64)> = Vec::new();
    for e in db::fees::entries_of_unit(db, unit.id).await? {
        if events
            .last()
            .is_none_or(|(id, _, _)| *id != e.financial_event_id)
        {
            let view = EventShareView {
                posted: e
                    .posted_at
                    .map(|t| t.date().to_string())
                    .unwrap_or_default(),
                event_type: e.event_type.clone(),
                amounts: Vec::new(),
                total: String::new(),
            };
            events.push((e.financial_event_id, view, 0));
        }
        if let Some((_, view, sum)) = events.last_mut() {
            view.amounts
                .push((e.amount_type.clone(), money(e.amount_minor, cur)));
            *sum += e.amount_minor;
        }
    }
    let events = events
        .into_iter()
        .map(|(_, mut view, sum)| {
            view.total = money(sum, cur);
            view
        })
        .collect();
    let profit = profit(unit, &row).map(|p| money(p, cur));
    Ok(Some(UnitFeesView {
        state: row.state.label(),
        rows,
        total_fees: money(row.total_fees_minor, cur),
        net: money(row.net_minor, cur),
        profit,
        reconciled_at: row.reconciled_at.date().to_string(),
        events,
    }))
}

/// A unit's reconciled fees in the inventory API.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UnitFeesJson {
    /// The figures.
    #[serde(flatten)]
    pub figures: fees::Figures,
    /// Net less cost (absent without a cost in the same currency).
    pub profit_minor: Option<i64>,
    /// When written.
    #[serde(with = "time::serde::rfc3339")]
    pub reconciled_at: time::OffsetDateTime,
}

/// The fees of one unit for the API (`None`: none reconciled).
pub async fn unit_fees_json(
    db: &db::Db,
    unit: &db::inventory::InventoryRow,
) -> Result<Option<UnitFeesJson>, AppError> {
    Ok(db::fees::fees_of(db, unit.id)
        .await?
        .map(|row| UnitFeesJson {
            figures: fees::Figures::from_row(&row),
            profit_minor: profit(unit, &row),
            reconciled_at: row.reconciled_at,
        }))
}

/// Net less cost, when the fees and the cost (in the fees' currency) are known.
fn profit(unit: &db::inventory::InventoryRow, row: &db::fees::UnitFeesRow) -> Option<i64> {
    crate::reports::unit_totals(unit, Some(row))
        .1
        .complete_profit()
}
