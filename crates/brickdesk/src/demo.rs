//! The demo seller: a deterministic set of Amazon, eBay and Bricqer orders,
//! inventory units and ASIN mappings drawn from the simulator's catalogue,
//! shaped like the journey (about 300 Amazon orders in every status, lines
//! unmatched or without ASIN, multi-quantity lines, orders still missing
//! their lines). Demo mode seeds it into an empty database.

mod generate;

pub use generate::{DemoData, generate};

use crate::db::{self, Db, DbError};

/// The seed the app's demo data is generated from.
pub const DEMO_SEED: u64 = 20_260_118;

/// Amazon orders of the demo seller.
pub const DEMO_AMAZON_ORDERS: usize = 300;

/// Settings key marking a database that holds demo data.
const DEMO_MARKER: &str = "demo_seeded_at";

/// What was seeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seeded {
    /// Orders written (all platforms).
    pub orders: usize,
    /// Order lines written.
    pub lines: usize,
    /// Inventory units written.
    pub units: usize,
    /// ASIN mappings written.
    pub mappings: usize,
}

/// Whether the database holds no orders and no inventory.
pub async fn database_is_empty(db: &Db) -> Result<bool, DbError> {
    Ok(db::orders::count_all(db).await? == 0 && db::inventory::count(db, None).await? == 0)
}

/// Whether the database was seeded with demo data.
pub async fn is_demo_database(db: &Db) -> Result<bool, DbError> {
    Ok(db::settings::get(db, DEMO_MARKER).await?.is_some())
}

/// Generates the demo data for `seed` and writes it in one transaction:
/// either all of it is stored or none.
pub async fn seed(db: &Db, seed: u64) -> Result<Seeded, DbError> {
    let data = generate(seed, time::OffsetDateTime::now_utc());
    let mut tx = db.begin().await?;
    for unit in &data.units {
        db::inventory::insert(&mut tx, unit).await?;
    }
    for (asin, set_number, condition) in &data.mappings {
        db::mappings::upsert(&mut tx, asin, set_number, *condition).await?;
    }
    let mut lines = 0;
    for (order, items, workflow) in &data.orders {
        let id = db::orders::upsert_order(&mut tx, order).await?;
        for item in items {
            db::orders::upsert_item(&mut tx, id, item).await?;
            lines += 1;
        }
        if let Some(status) = workflow {
            db::orders::set_workflow_status(&mut tx, id, Some(status.as_str())).await?;
        }
        db::orders::refresh_order(&mut tx, id).await?;
    }
    db::settings::set(
        &mut tx,
        DEMO_MARKER,
        &db::now().unix_timestamp().to_string(),
    )
    .await?;
    tx.commit().await?;
    Ok(Seeded {
        orders: data.orders.len(),
        lines,
        units: data.units.len(),
        mappings: data.mappings.len(),
    })
}
