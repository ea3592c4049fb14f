//! The benchmarks' own SQL: multi-row inserts that seed a large seller
//! quickly, and throw-away PostgreSQL databases. The app needs neither, so
//! they stay out of `brickdesk::db`; they build on its schema names, its
//! transactions and its stored-time rules, so the rows are the app's.

pub mod bulk;
pub mod scratch;
