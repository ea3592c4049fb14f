//! Typed client for Amazon's Selling Partner API.
