//! Reconciliation: each sold unit linked to an Amazon line gets its share
//! of that line's stored events. [`plan`] works out what would change
//! (the preview writes nothing); [`run`] writes it in one transaction.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::FeeError;
use super::event::{kind_of, line_event};
use crate::db::Conn;
use crate::db::fees::{CandidateRow, EntryRow, EventRow, UnitFeesRow};
use crate::db::{self, Db, Tx, audit};
use crate::domain::fees::{Category, FeeState, FeeSummary, LineEvent, UnitEntry, allocate_line};
use crate::domain::sync::provisional_sku;
use crate::domain::{Currency, FeeEventId, InventoryItemId, UserId};

/// A unit's figures as the preview and the API show them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Figures {
    /// `not_posted`, `reconciled` or `zero`.
    #[schema(value_type = String, pattern = "^(not_posted|reconciled|zero)$")]
    pub state: &'static str,
    /// Currency of the amounts.
    pub currency: Currency,
    /// Item price received.
    pub gross_minor: i64,
    /// Shipping credit.
    pub shipping_credit_minor: i64,
    /// Tax, promotions and other charges.
    pub other_charges_minor: i64,
    /// The charges refunds took back (already in the three above).
    pub refunds_minor: i64,
    /// Fees by category (negative: charged).
    #[schema(value_type = BTreeMap<String, i64>)]
    pub fees_minor: BTreeMap<&'static str, i64>,
    /// All fees.
    pub total_fees_minor: i64,
    /// What Amazon pays for the unit.
    pub net_minor: i64,
}

impl Figures {
    fn from_summary(s: &FeeSummary, currency: Currency) -> Figures {
        Figures {
            state: s.state.as_str(),
            currency,
            gross_minor: s.gross(),
            shipping_credit_minor: s.shipping_credit(),
            other_charges_minor: s.get(Category::OtherCharge),
            refunds_minor: s.refunds_total(),
            fees_minor: Category::FEES
                .iter()
                .map(|c| (c.as_str(), s.get(*c)))
                .collect(),
            total_fees_minor: s.total_fees(),
            net_minor: s.net(),
        }
    }

    /// The figures of a stored row.
    pub fn from_row(r: &UnitFeesRow) -> Figures {
        Figures {
            state: r.state.as_str(),
            currency: r.currency,
            gross_minor: r.gross_minor,
            shipping_credit_minor: r.shipping_credit_minor,
            other_charges_minor: r.other_charges_minor,
            refunds_minor: r.refunds_minor(),
            fees_minor: Category::FEES
                .iter()
                .map(|c| (c.as_str(), r.get(*c)))
                .collect(),
            total_fees_minor: r.total_fees_minor,
            net_minor: r.net_minor,
        }
    }
}

/// One unit whose figures would change.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UnitChange {
    /// The unit.
    pub inventory_item_id: InventoryItemId,
    /// Set number.
    pub set_number: String,
    /// Name.
    pub item_name: String,
    /// Amazon's order id.
    pub amazon_order_id: String,
    /// What is stored now (`None`: nothing yet).
    pub current: Option<Figures>,
    /// What it would become.
    pub new: Figures,
    #[serde(skip)]
    summary: FeeSummary,
    #[serde(skip)]
    entries: Vec<UnitEntry>,
}

/// A unit left alone, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Skipped {
    /// The unit.
    pub inventory_item_id: InventoryItemId,
    /// Amazon's order id.
    pub amazon_order_id: String,
    /// Why, in plain words.
    pub reason: String,
}

/// What a reconciliation would do.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Plan {
    /// Units whose figures would change.
    pub changes: Vec<UnitChange>,
    /// Units already up to date.
    pub unchanged: usize,
    /// Units whose sale Amazon has not posted yet.
    pub not_posted: usize,
    /// Units that cannot be reconciled.
    pub skipped: Vec<Skipped>,
    /// Stored events that could not be read (kept, never used).
    pub unreadable_events: i64,
}

fn unchanged(
    stored: Option<&UnitFeesRow>,
    stored_entries: &[EntryRow],
    new: &Figures,
    entries: &[UnitEntry],
) -> bool {
    let Some(row) = stored else {
        return false;
    };
    let before: BTreeSet<(FeeEventId, Category, &str, i64)> = stored_entries
        .iter()
        .map(|e| {
            (
                e.financial_event_id,
                e.category,
                e.amount_type.as_str(),
                e.amount_minor,
            )
        })
        .collect();
    let after: BTreeSet<(FeeEventId, Category, &str, i64)> = entries
        .iter()
        .map(|e| {
            (
                e.event_id,
                e.component.category,
                e.component.amount_type.as_str(),
                e.component.minor,
            )
        })
        .collect();
    Figures::from_row(row) == *new && before == after
}

/// A line's events read from their stored rows, with their currency, or
/// why they cannot be used.
fn line_events(rows: &[&EventRow]) -> Result<(Vec<LineEvent>, Option<Currency>), String> {
    let mut events = Vec::new();
    let mut currencies = BTreeSet::new();
    for row in rows {
        let Some(kind) = kind_of(&row.line.event_type) else {
            continue;
        };
        let (event, currency) = line_event(row, kind).map_err(|e| {
            format!(
                "Amazon's {} event could not be read: {e}",
                row.line.event_type
            )
        })?;
        currencies.extend(currency);
        events.push(event);
    }
    if currencies.len() > 1 {
        return Err("Amazon's events for this line are in more than one currency".to_owned());
    }
    Ok((events, currencies.into_iter().next()))
}

/// Works out every unit's figures from the stored events and compares
/// them with what is stored. Reads only.
pub async fn plan(conn: &mut Conn<'_>) -> Result<Plan, FeeError> {
    let candidates = db::fees::reconciliation_candidates(conn).await?;
    let order_ids: Vec<String> = candidates
        .iter()
        .map(|c| c.platform_order_id.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let events = db::fees::events_for_orders(conn, &order_ids).await?;
    let mut events_by_order: HashMap<&str, Vec<&EventRow>> = HashMap::new();
    // Per order, why one of its events could not be read.
    let mut unreadable: HashMap<&str, &str> = HashMap::new();
    for e in &events {
        if let Some(o) = e.line.amazon_order_id.as_deref() {
            match e.line.parse_error.as_deref() {
                Some(why) => {
                    unreadable.entry(o).or_insert(why);
                }
                None => events_by_order.entry(o).or_default().push(e),
            }
        }
    }
    let unit_ids: Vec<InventoryItemId> = candidates.iter().map(|c| c.inventory_item_id).collect();
    let stored = db::fees::fees_for_units(conn, &unit_ids).await?;
    let mut stored_entries: HashMap<InventoryItemId, Vec<EntryRow>> = HashMap::new();
    for e in db::fees::entries_of(conn, &unit_ids).await? {
        stored_entries
            .entry(e.inventory_item_id)
            .or_default()
            .push(e);
    }
    let mut lines: BTreeMap<(&str, &str), Vec<&CandidateRow>> = BTreeMap::new();
    for c in &candidates {
        lines
            .entry((&c.platform_order_id, &c.platform_item_id))
            .or_default()
            .push(c);
    }
    let mut out = Plan {
        unreadable_events: db::fees::count_unreadable(conn).await?,
        ..Plan::default()
    };
    for ((order, item), units) in lines {
        let line_sku = units[0].line_sku.as_deref();
        // By OrderItemId; an event line without one matches by SKU.
        let rows: Vec<&EventRow> = events_by_order
            .get(order)
            .map(|v| v.as_slice())
            .unwrap_or_default()
            .iter()
            .copied()
            .filter(
                |e| match (e.line.order_item_id.as_deref(), provisional_sku(item)) {
                    // A line read from the all-orders report has no
                    // OrderItemId yet; its SKU is unique within the order.
                    (Some(_), Some(sku)) => e.line.sku.as_deref() == Some(sku),
                    (Some(id), None) => id == item,
                    (None, _) => line_sku.is_some() && e.line.sku.as_deref() == line_sku,
                },
            )
            .collect();
        let skip_all = |out: &mut Plan, reason: &str| {
            out.skipped.extend(units.iter().map(|u| Skipped {
                inventory_item_id: u.inventory_item_id,
                amazon_order_id: order.to_owned(),
                reason: reason.to_owned(),
            }));
        };
        // Figures without an event of the order would be wrong, not short.
        if let Some(why) = unreadable.get(order) {
            skip_all(
                &mut out,
                &format!("an Amazon fee event of this order could not be read ({why})"),
            );
            continue;
        }
        let (events, currency) = match line_events(&rows) {
            Ok(ok) => ok,
            Err(reason) => {
                skip_all(&mut out, &reason);
                continue;
            }
        };
        let quantity = u32::try_from(units[0].quantity).unwrap_or(0);
        let shares = allocate_line(quantity, &events);
        for unit in units {
            let Some(entries) = usize::try_from(unit.unit_index)
                .ok()
                .and_then(|i| shares.get(i))
            else {
                out.skipped.push(Skipped {
                    inventory_item_id: unit.inventory_item_id,
                    amazon_order_id: order.to_owned(),
                    reason: format!(
                        "linked as unit {} of a line of {} on Amazon",
                        unit.unit_index + 1,
                        unit.quantity
                    ),
                });
                continue;
            };
            let summary = FeeSummary::from_entries(entries);
            let current = stored.get(&unit.inventory_item_id);
            if summary.state == FeeState::NotPosted {
                out.not_posted += 1;
            }
            if entries.is_empty() && current.is_none() {
                continue;
            }
            let currency = currency.unwrap_or(unit.currency);
            let new = Figures::from_summary(&summary, currency);
            let old_entries = stored_entries
                .get(&unit.inventory_item_id)
                .map(Vec::as_slice)
                .unwrap_or_default();
            if unchanged(current, old_entries, &new, entries) {
                out.unchanged += 1;
                continue;
            }
            out.changes.push(UnitChange {
                inventory_item_id: unit.inventory_item_id,
                set_number: unit.set_number.clone(),
                item_name: unit.item_name.clone(),
                amazon_order_id: order.to_owned(),
                current: current.map(Figures::from_row),
                new,
                summary,
                entries: entries.clone(),
            });
        }
    }
    Ok(out)
}

/// What a run did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RunReport {
    /// Units whose figures were written.
    pub updated: usize,
    /// Units already up to date.
    pub unchanged: usize,
    /// Units whose sale Amazon has not posted yet.
    pub not_posted: usize,
    /// Units left alone, with reasons.
    pub skipped: Vec<Skipped>,
    /// Sold Amazon units still missing fee data afterwards.
    pub missing: i64,
    /// Stored events that could not be read (kept for review).
    #[serde(default)]
    pub unreadable_events: i64,
    /// The sentence for the seller, e.g. "Updated 12 items".
    pub message: String,
}

fn count_of(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

fn items(n: usize) -> String {
    count_of(n, "item")
}

/// The sentence for the seller, built from the counts only.
pub fn message(updated: usize, not_posted: usize, skipped: usize, unreadable: i64) -> String {
    let mut message = format!("Updated {}", items(updated));
    if not_posted > 0 {
        message.push_str(&format!(
            "; {} still waiting for Amazon to post fees",
            items(not_posted)
        ));
    }
    if skipped > 0 {
        message.push_str(&format!("; {} skipped", items(skipped)));
    }
    if unreadable > 0 {
        let n = usize::try_from(unreadable).unwrap_or(usize::MAX);
        message.push_str(&format!("; {} could not be read", count_of(n, "fee event")));
    }
    message
}

/// Writes every change of the plan in one transaction, each with an
/// audit entry holding the figures before and after. A second run finds
/// nothing to change and writes nothing.
pub async fn run(db: &Db, user: Option<UserId>) -> Result<RunReport, FeeError> {
    let mut tx = db.begin().await?;
    let report = apply(&mut tx, user).await?;
    tx.commit().await?;
    Ok(report)
}

/// [`run`] inside the caller's transaction (the fees job stores the
/// report with it, so a resumed job never runs it twice).
pub async fn apply(tx: &mut Tx, user: Option<UserId>) -> Result<RunReport, FeeError> {
    db::fees::lock_for_reconcile(tx).await?;
    let plan = plan(&mut Conn::Tx(tx)).await?;
    let writes: Vec<db::fees::UnitFeesWrite<'_>> = plan
        .changes
        .iter()
        .map(|c| db::fees::UnitFeesWrite {
            unit_id: c.inventory_item_id,
            currency: c.new.currency,
            summary: &c.summary,
            entries: &c.entries,
        })
        .collect();
    db::fees::replace_unit_fees(tx, &writes).await?;
    let audit_entries: Vec<audit::Entry<'_>> = plan
        .changes
        .iter()
        .map(|change| audit::Entry {
            user,
            action: "fees_reconciled",
            entity_type: "inventory_item",
            entity_id: Some(change.inventory_item_id.to_string()),
            details: json!({
                "order": change.amazon_order_id,
                "before": change.current,
                "after": change.new,
            }),
        })
        .collect();
    // A few thousand rows per statement keeps within SQLite's limit on
    // bound parameters (six per entry).
    for chunk in audit_entries.chunks(2_000) {
        audit::record_many(tx, chunk).await?;
    }
    let missing = db::fees::count_missing_in(&mut Conn::Tx(tx)).await?;
    Ok(RunReport {
        updated: plan.changes.len(),
        unchanged: plan.unchanged,
        not_posted: plan.not_posted,
        message: message(
            plan.changes.len(),
            plan.not_posted,
            plan.skipped.len(),
            plan.unreadable_events,
        ),
        skipped: plan.skipped,
        missing,
        unreadable_events: plan.unreadable_events,
    })
}
