//! Amazon services built on the `spapi` client: credentials now; sync,
//! backfill and fees as they land.

pub mod connection;
pub mod credentials;
pub mod fees;
pub mod matching;
