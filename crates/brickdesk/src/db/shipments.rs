//! The outbox of shipment confirmations (`shipments`): a package is
//! written here before anything is sent, with the next package number of
//! its order; the ship job sends the pending ones and records what Amazon
//! said.

use sea_query::{Expr, ExprTrait, Func, Order, Query};
use time::OffsetDateTime;

use super::schema::{Orders, Shipments};
use super::{Db, DbError, Tx, now};
use crate::domain::shipment::{NewShipment, PackageItem, ShipmentState};
use crate::domain::{OrderId, ShipmentId, UserId};

/// One package as stored, with its order's Amazon ids.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ShipmentRow {
    /// Row id.
    pub id: ShipmentId,
    /// The order.
    pub order_id: OrderId,
    /// Amazon's order id.
    pub platform_order_id: String,
    /// The order's marketplace.
    pub marketplace_id: Option<String>,
    /// The package's number within its order (`packageReferenceId`).
    pub package_ref: i64,
    /// Amazon's carrier code.
    pub carrier_code: String,
    /// The carrier's name (code `Other`).
    pub carrier_name: Option<String>,
    /// The carrier's service.
    pub shipping_method: Option<String>,
    /// The tracking number.
    pub tracking_number: String,
    /// When it shipped.
    pub ship_date: OffsetDateTime,
    /// Lines and units (JSON; see [`ShipmentRow::items`]).
    pub items_json: String,
    /// Where it is.
    pub state: ShipmentState,
    /// Sends tried.
    pub attempts: i64,
    /// Amazon's words when it refused the package.
    pub message: Option<String>,
    /// When it was queued.
    pub created_at: OffsetDateTime,
    /// When Amazon took it.
    pub sent_at: Option<OffsetDateTime>,
}

impl ShipmentRow {
    /// Its lines and units.
    pub fn items(&self) -> Result<Vec<PackageItem>, serde_json::Error> {
        serde_json::from_str(&self.items_json)
    }
}

/// The columns [`queue`] writes.
const WRITTEN: [Shipments; 11] = [
    Shipments::OrderId,
    Shipments::PackageRef,
    Shipments::CarrierCode,
    Shipments::CarrierName,
    Shipments::ShippingMethod,
    Shipments::TrackingNumber,
    Shipments::ShipDate,
    Shipments::ItemsJson,
    Shipments::State,
    Shipments::CreatedBy,
    Shipments::CreatedAt,
];

fn select() -> sea_query::SelectStatement {
    let s = |c: Shipments| (Shipments::Table, c);
    Query::select()
        .columns(WRITTEN.map(s))
        .columns(
            [
                Shipments::Id,
                Shipments::Attempts,
                Shipments::Message,
                Shipments::SentAt,
            ]
            .map(s),
        )
        .columns([
            (Orders::Table, Orders::PlatformOrderId),
            (Orders::Table, Orders::MarketplaceId),
        ])
        .from(Shipments::Table)
        .inner_join(
            Orders::Table,
            Expr::col((Orders::Table, Orders::Id)).equals((Shipments::Table, Shipments::OrderId)),
        )
        .to_owned()
}

/// Queues `shipment` of `order` as its next package, pending; returns its
/// id. Two packages queued for one order at once get different numbers or
/// one fails with a conflict (the unique package number).
pub async fn queue(
    tx: &mut Tx,
    order: OrderId,
    shipment: &NewShipment,
    by: Option<UserId>,
) -> Result<ShipmentId, DbError> {
    let next = Query::select()
        .expr(Expr::cust("COALESCE(MAX(package_ref), 0) + 1"))
        .from(Shipments::Table)
        .and_where(Expr::col(Shipments::OrderId).eq(order))
        .to_owned();
    let (package_ref,): (i64,) = tx.one(&next).await?;
    let items = serde_json::to_string(&shipment.items)
        .map_err(|e| DbError::Sqlx(sqlx::Error::Encode(Box::new(e))))?;
    let stmt = Query::insert()
        .into_table(Shipments::Table)
        .columns(WRITTEN)
        .values_panic([
            order.into(),
            package_ref.into(),
            shipment.carrier_code.clone().into(),
            shipment.carrier_name.clone().into(),
            shipment.shipping_method.clone().into(),
            shipment.tracking_number.clone().into(),
            super::stored_time(shipment.ship_date).into(),
            items.into(),
            ShipmentState::Pending.into(),
            by.into(),
            now().into(),
        ])
        .returning(Query::returning().column(Shipments::Id))
        .to_owned();
    let (id,): (ShipmentId,) = tx.one(&stmt).await?;
    Ok(id)
}

/// The packages of `order`, oldest first.
pub async fn for_order(db: &Db, order: OrderId) -> Result<Vec<ShipmentRow>, DbError> {
    let stmt = select()
        .and_where(Expr::col((Shipments::Table, Shipments::OrderId)).eq(order))
        .order_by((Shipments::Table, Shipments::Id), Order::Asc)
        .to_owned();
    db.all(&stmt).await
}

/// Up to `limit` pending packages, oldest first.
pub async fn pending(db: &Db, limit: u64) -> Result<Vec<ShipmentRow>, DbError> {
    let stmt = select()
        .and_where(Expr::col((Shipments::Table, Shipments::State)).eq(ShipmentState::Pending))
        .order_by((Shipments::Table, Shipments::Id), Order::Asc)
        .limit(limit)
        .to_owned();
    db.all(&stmt).await
}

/// How many packages are pending.
pub async fn count_pending(db: &Db) -> Result<i64, DbError> {
    let stmt = Query::select()
        .expr(Func::count(Expr::col(Shipments::Id)))
        .from(Shipments::Table)
        .and_where(Expr::col(Shipments::State).eq(ShipmentState::Pending))
        .to_owned();
    let (n,): (i64,) = db.one(&stmt).await?;
    Ok(n)
}

/// Counts one more send of pending package `id`, before it is sent.
pub async fn count_attempt(db: &Db, id: ShipmentId) -> Result<(), DbError> {
    let stmt = Query::update()
        .table(Shipments::Table)
        .value(Shipments::Attempts, Expr::col(Shipments::Attempts).add(1))
        .and_where(Expr::col(Shipments::Id).eq(id))
        .to_owned();
    db.execute(&stmt).await?;
    Ok(())
}

/// Records what Amazon said of pending package `id` (in the transaction
/// of the job's progress): `Sent`, or `Refused` with Amazon's `message`.
pub async fn settle(
    tx: &mut Tx,
    id: ShipmentId,
    state: ShipmentState,
    message: Option<&str>,
) -> Result<(), DbError> {
    let sent_at = (state == ShipmentState::Sent).then(now);
    let stmt = Query::update()
        .table(Shipments::Table)
        .value(Shipments::State, state)
        .value(Shipments::Message, message.map(str::to_owned))
        .value(Shipments::SentAt, sent_at)
        .and_where(Expr::col(Shipments::Id).eq(id))
        .and_where(Expr::col(Shipments::State).eq(ShipmentState::Pending))
        .to_owned();
    tx.execute(&stmt).await?;
    Ok(())
}
