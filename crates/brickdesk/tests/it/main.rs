//! Integration tests: one binary, so it links once. Every test gets a fresh
//! database (SQLite always, PostgreSQL when TEST_DATABASE_URL is set) and,
//! where it needs one, the real app on a real port.

mod builders;
mod helpers;

mod amazon_cli;
mod amazon_sync;
mod amazon_sync_http;
mod app;
mod backfill_report;
mod backup;
mod browser;
mod crash;
mod demo;
mod fees;
mod fulfil;
mod full_disk;
mod hardening;
mod inventory;
mod inventory_csv;
mod jobs_race;
mod listing_cache;
mod marketplaces;
mod metrics;
mod migrations;
mod openapi;
mod order_search;
mod orders;
mod page_marks;
mod promises;
mod reports;
mod schedule;
mod security;
mod shipments;
mod shutdown;
mod storage;
mod two_processes;
mod version;
