//! Amazon services built on the `spapi` client: credentials, the
//! connection, ASIN matching, and the order sync, backfill and fees jobs.

pub mod access;
pub mod backfill;
pub mod connection;
pub mod convert;
pub mod credentials;
pub mod fees;
pub mod matching;
pub mod pacing;
pub mod ship;
pub mod sync;

use crate::jobs::Jobs;
pub use access::AmazonAccess;

/// Registers the Amazon job kinds (`sync`, `backfill`, `fees`, `ship`)
/// with `jobs`.
pub fn register_jobs(jobs: &Jobs, access: &AmazonAccess) {
    jobs.register(sync::SyncJob::new(access.clone()));
    jobs.register(backfill::BackfillJob::new(access.clone()));
    jobs.register(fees::FeesJob::new(access.clone()));
    jobs.register(ship::ShipJob::new(access.clone()));
}
