//! The fee rows' keys hold on both engines: PostgreSQL checks them once
//! per run and by statement triggers (migration 0019), SQLite by its
//! foreign keys. A unit deleted takes its fee rows with it, an event a
//! unit's entries come from cannot be deleted, and a run cannot write
//! fees for a unit or from an event that is not there.

use brickdesk::amazon::fees;
use brickdesk::db::{self, Conn, Db};
use brickdesk::domain::fees::{Component, EventKind, FeeSummary, UnitEntry};
use brickdesk::domain::{Currency, FeeEventId, InventoryItemId};

use super::{ago, fetch, order, sell, shipment, sim};
use crate::helpers::{on_both_backends, raw, raw_count, try_raw};

/// Counts of (entries, figures, report rows) of one unit.
async fn fee_rows(db: &Db, unit: InventoryItemId) -> (i64, i64, i64) {
    let count =
        |table: &str| format!("SELECT COUNT(*) FROM {table} WHERE inventory_item_id = {unit}");
    (
        raw_count(db, &count("unit_fee_entries")).await,
        raw_count(db, &count("unit_fees")).await,
        raw_count(db, &count("unit_sales")).await,
    )
}

/// Writes one entry of `event` for `unit` the way a run does.
async fn write_entry(db: &Db, unit: InventoryItemId, event: FeeEventId) -> Result<(), db::DbError> {
    let entries = [UnitEntry {
        event_id: event,
        kind: EventKind::Shipment,
        component: Component::charge("Principal", 1000),
    }];
    let summary = FeeSummary::from_entries(&entries);
    let mut tx = db.begin().await?;
    db::fees::replace_unit_fees(
        &mut tx,
        &[db::fees::UnitFeesWrite {
            unit_id: unit,
            currency: Currency::parse("GBP").expect("currency"),
            summary: &summary,
            entries: &entries,
        }],
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

async fn fee_rows_follow_their_units_and_events(db: &Db) {
    let sim = sim().await;
    let o = order("203-0000071-0000071", &[("70000000000071", 2, 1500)]);
    let event = shipment("t71", &o, ago(60 * 24), 0, &[("Commission", -450)]);
    sim.update_seller(|s| {
        s.upsert_order(o.clone());
        s.add_event(event);
    });
    let units = sell(db, &o, 700).await.remove(0);
    let (gone, kept) = (units[0], units[1]);
    fetch(db, &sim).await;
    assert_eq!(fees::run(db, None).await.expect("run").updated, 2);
    let before = fee_rows(db, kept).await;
    assert!(before.0 > 0 && before.1 == 1 && before.2 == 1, "{before:?}");
    let entries = db::fees::entries_of(&mut Conn::Db(db), &[kept])
        .await
        .expect("entries");
    let event_id = entries[0].financial_event_id;

    let refused = try_raw(
        db,
        &format!("DELETE FROM financial_events WHERE id = {event_id}"),
    )
    .await;
    assert!(refused.is_err(), "an event with entries stays");
    assert_eq!(fee_rows(db, kept).await, before);

    raw(
        db,
        &format!("DELETE FROM order_item_links WHERE inventory_item_id = {gone}"),
    )
    .await;
    raw(
        db,
        &format!("DELETE FROM inventory_items WHERE id = {gone}"),
    )
    .await;
    assert_eq!(
        fee_rows(db, gone).await,
        (0, 0, 0),
        "the unit's fee rows went with it"
    );
    assert_eq!(fee_rows(db, kept).await, before, "the other unit's stay");

    let written = write_entry(db, gone, event_id).await;
    assert!(written.is_err(), "no fees for a unit that is not there");
    let missing_event = FeeEventId::new(event_id.get() + 1_000).expect("id");
    let written = write_entry(db, kept, missing_event).await;
    assert!(written.is_err(), "no entry from an event that is not there");
    if let Db::Postgres(_) = db {
        assert!(
            matches!(written, Err(db::DbError::NotFound("financial event"))),
            "{written:?}"
        );
    }
    assert_eq!(fee_rows(db, gone).await, (0, 0, 0));
    assert_eq!(
        fee_rows(db, kept).await,
        before,
        "a refused write keeps nothing"
    );
    write_entry(db, kept, event_id)
        .await
        .expect("a sound write");
    assert_eq!(fee_rows(db, kept).await, (1, 1, 1));
    sim.shutdown().await.expect("stop sim");
}

on_both_backends! {
    fee_rows_follow_keys => fee_rows_follow_their_units_and_events;
}
