//! A deterministic simulator of Amazon's Selling Partner API.

pub mod catalogue;
