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
pub mod sync;

use crate::jobs::Jobs;
pub use access::AmazonAccess;

/// Registers the Amazon job kinds (`sync`, `backfill`, `fees`) with `jobs`.
pub fn register_jobs(jobs: &Jobs, access: &AmazonAccess) {
    let a = access.clone();
    jobs.register(sync::KIND, move |ctx| sync::run(ctx, a.clone()));
    let a = access.clone();
    jobs.register(backfill::KIND, move |ctx| backfill::run(ctx, a.clone()));
    let a = access.clone();
    jobs.register(fees::KIND, move |ctx| fees::job::run(ctx, a.clone()));
}
