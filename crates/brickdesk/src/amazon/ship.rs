//! Shipment confirmations (job kind `ship`): sends each pending package
//! of the outbox to Amazon (`confirmShipment`), oldest first, at the
//! usage plan's pace, and records in one transaction with the job's
//! progress what Amazon said. A package stays pending until Amazon has
//! answered for it, so a stop, a restart or a SIGKILL leaves it to the
//! next run; one Amazon already has (the answer to a send whose first
//! reply was lost) is recorded as sent, never queued again.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use spapi::orders_v0::{PackageDetail, ShippedItem};

use super::access::AmazonAccess;
use super::pacing;
use crate::db::shipments::{self, ShipmentRow};
use crate::domain::shipment::ShipmentState;
use crate::domain::{JobKind, JobState};
use crate::jobs::{Job, JobContext, JobError, Jobs, StartError, Started};

/// Packages read from the outbox at a time.
const BATCH: u64 = 50;

/// The first wait after Amazon failed a package past the client's own
/// retries; it doubles up to [`LONGEST_PAUSE`].
const FIRST_PAUSE: Duration = Duration::from_secs(1);
const LONGEST_PAUSE: Duration = Duration::from_secs(300);

/// The shipment confirmations as a job kind.
#[derive(Clone)]
pub struct ShipJob {
    access: AmazonAccess,
}

impl ShipJob {
    /// The sender to the Amazon account `access` reaches.
    pub fn new(access: AmazonAccess) -> ShipJob {
        ShipJob { access }
    }
}

/// What a ship job is started with: nothing (the outbox says what to send).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShipParams {}

/// A ship job's counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ShipDetail {
    /// Packages Amazon took.
    pub sent: i64,
    /// Of those, packages Amazon had already (a reply lost on the way).
    pub already_sent: i64,
    /// Packages Amazon refused.
    pub refused: i64,
}

impl Job for ShipJob {
    const KIND: JobKind = JobKind::Ship;
    type Params = ShipParams;
    type Detail = ShipDetail;

    async fn run(&self, ctx: JobContext<Self>, _params: ShipParams) -> Result<(), JobError> {
        let client = self
            .access
            .client()
            .await?
            .with_cancellation(ctx.cancel_token().clone());
        loop {
            ctx.check()?;
            let batch = shipments::pending(ctx.db(), BATCH).await?;
            if batch.is_empty() {
                break;
            }
            let waiting = shipments::count_pending(ctx.db()).await?;
            ctx.update(|p| p.total = p.processed + waiting);
            for row in batch {
                ctx.check()?;
                send(&ctx, &client, &row).await?;
            }
        }
        ctx.update(|p| p.current = None);
        ctx.save().await
    }
}

/// Makes sure pending packages get sent: starts the sender, or, when one
/// runs already (it may have looked at the outbox before the newest
/// package was queued), waits for it to end and looks again. Stops when
/// nothing is pending or a run failed (refused credentials: the next
/// queued package or restart tries again). Called after queueing and at
/// startup (a process may have stopped between the two).
pub async fn send_pending(jobs: &Jobs) -> Result<(), StartError> {
    loop {
        if shipments::count_pending(jobs.db()).await? == 0 {
            return Ok(());
        }
        match jobs.start::<ShipJob>(ShipParams {}).await? {
            Started::New(job) => {
                tracing::info!(job = %job.id, "sending pending shipment confirmations");
                return Ok(());
            }
            Started::AlreadyRunning(job) => {
                // Only a run that finished may have missed the package; a
                // failed, stopped or interrupted one is left to the next
                // queue, scheduled look or restart.
                if jobs.wait(job.id).await?.state != JobState::Done {
                    return Ok(());
                }
            }
        }
    }
}

/// [`send_pending`] in the background, a failure logged: after queueing,
/// at startup and after each scheduled run.
pub fn spawn_send_pending(jobs: &Jobs) {
    let jobs = jobs.clone();
    tokio::spawn(async move {
        if let Err(e) = send_pending(&jobs).await {
            tracing::warn!(error = %e, "pending shipment confirmations not sent");
        }
    });
}

/// Whether Amazon refused a package because it has this very package
/// (its reference) already: the answer to a send whose reply was lost.
fn already_confirmed(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    m.contains("packagereferenceid") && m.contains("already")
}

async fn send(
    ctx: &JobContext<ShipJob>,
    client: &spapi::Client,
    row: &ShipmentRow,
) -> Result<(), JobError> {
    let items = match row.items() {
        Ok(items) => items,
        // One unreadable package must not hold up the others.
        Err(e) => {
            let why = format!("Brickdesk could not read this package's lines ({e})");
            return settle(ctx, row, ShipmentState::Refused, Some(why), false).await;
        }
    };
    let package = PackageDetail {
        // The outbox row's id: positive, unique across every order and
        // tool, and the same on every retry.
        package_reference_id: row.id.get().to_string(),
        carrier_code: row.carrier_code.clone(),
        carrier_name: row.carrier_name.clone(),
        shipping_method: row.shipping_method.clone(),
        tracking_number: row.tracking_number.clone(),
        ship_date: row.ship_date,
        order_items: items
            .into_iter()
            .map(|i| ShippedItem {
                order_item_id: i.order_item_id,
                quantity: u32::try_from(i.quantity).unwrap_or(0),
            })
            .collect(),
    };
    let marketplace = row
        .marketplace_id
        .as_deref()
        .unwrap_or(spapi::MARKETPLACE_UK);
    shipments::count_attempt(ctx.db(), row.id).await?;
    ctx.update(|p| p.current = Some(row.platform_order_id.clone()));
    let mut pause = FIRST_PAUSE;
    let answer = loop {
        let answer = pacing::call(ctx, client, spapi::Operation::ConfirmShipment, || {
            client.confirm_shipment(&row.platform_order_id, marketplace, &package)
        })
        .await?;
        match answer {
            // Amazon down or unreachable past the client's retries: the
            // package waits, pending, and is tried again.
            Err(
                e @ (spapi::Error::Server(_)
                | spapi::Error::Transport { .. }
                | spapi::Error::Decode { .. }),
            ) => {
                tracing::warn!(order = %row.platform_order_id, error = %e, ?pause, "confirmShipment failed; trying again");
                tokio::select! {
                    () = ctx.cancel_token().cancelled() => return Err(JobError::Cancelled),
                    () = tokio::time::sleep(pause) => {}
                }
                pause = (pause * 2).min(LONGEST_PAUSE);
                shipments::count_attempt(ctx.db(), row.id).await?;
            }
            other => break other,
        }
    };
    let (state, message, already) = match answer {
        Ok(()) => (ShipmentState::Sent, None, false),
        Err(spapi::Error::InvalidInput(e)) if already_confirmed(&e.message) => {
            (ShipmentState::Sent, None, true)
        }
        Err(spapi::Error::InvalidInput(e) | spapi::Error::NotFound(e)) => {
            (ShipmentState::Refused, Some(e.message), false)
        }
        // Refused credentials and the like: left pending for the next run.
        Err(e) => return Err(JobError::Failed(super::connection::explain(&e))),
    };
    settle(ctx, row, state, message, already).await
}

/// Records what became of `row`, with the job's progress, in one
/// transaction.
async fn settle(
    ctx: &JobContext<ShipJob>,
    row: &ShipmentRow,
    state: ShipmentState,
    message: Option<String>,
    already: bool,
) -> Result<(), JobError> {
    let mut tx = ctx.db().begin().await?;
    shipments::settle(&mut tx, row.id, state, message.as_deref()).await?;
    ctx.update(|p| {
        p.processed += 1;
        match state {
            ShipmentState::Refused => {
                p.failed += 1;
                p.detail.refused += 1;
                p.push_error(format!(
                    "{} package {}: {}",
                    row.platform_order_id,
                    row.package_ref,
                    message.as_deref().unwrap_or_default()
                ));
            }
            _ => {
                p.success += 1;
                p.detail.sent += 1;
                p.detail.already_sent += i64::from(already);
            }
        }
    });
    ctx.save_in(&mut tx).await?;
    tx.commit().await?;
    Ok(())
}
