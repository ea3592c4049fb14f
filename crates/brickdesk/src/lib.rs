//! Brickdesk: a self-hosted desk for a LEGO reseller on Amazon. Syncs
//! orders, ties each unit sold to one physical inventory unit, prints
//! picking lists, confirms orders processed and reconciles Amazon's fees.
//!
//! Areas: [`domain`] (pure business rules), [`db`] (all SQL), [`web`]
//! (routes, pages, JSON API), [`demo`] (sample data), [`cli`] (the
//! command and its flags), [`config`] (what the app is built from).

pub mod amazon;
pub mod auth;
pub mod backup;
pub mod cli;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod fulfil;
pub mod inventory;
pub mod inventory_csv;
pub mod jobs;
pub mod pdf;
pub mod reports;
pub mod schedule;
pub mod startup;
pub mod telemetry;
pub mod tracking_csv;
pub mod web;

pub use startup::Application;
