//! Accounts and secrets: password hashing, random tokens, login
//! throttling and encryption of credentials at rest. No I/O beyond the key
//! file; storage lives in `db/`, HTTP in `web/`.

pub mod password;
pub mod secrets;
pub mod throttle;
pub mod token;

use serde::{Deserialize, Serialize};

/// What a user may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Everything, including credentials and user management.
    Owner,
    /// Day-to-day work: orders, inventory, picking, confirming.
    Staff,
}

impl Role {
    /// Stored value.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Staff => "staff",
        }
    }

    /// Parses a stored or typed value.
    pub fn parse(text: &str) -> Option<Role> {
        match text.trim().to_ascii_lowercase().as_str() {
            "owner" => Some(Role::Owner),
            "staff" => Some(Role::Staff),
            _ => None,
        }
    }
}

/// A username was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a username is 1 to 64 letters, digits, '.', '_', '-' or '@'")]
pub struct BadUsername;

/// Validates a username (trimmed, case kept).
pub fn parse_username(text: &str) -> Result<String, BadUsername> {
    let t = text.trim();
    let ok = !t.is_empty()
        && t.chars().count() <= 64
        && t.chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    if ok {
        Ok(t.to_owned())
    } else {
        Err(BadUsername)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_and_roles() {
        assert_eq!(parse_username(" anna.b "), Ok("anna.b".into()));
        for bad in ["", "a b", "<script>", &"x".repeat(65)] {
            assert_eq!(parse_username(bad), Err(BadUsername), "{bad}");
        }
        assert_eq!(Role::parse("Owner"), Some(Role::Owner));
        assert_eq!(Role::parse("admin"), None);
    }
}
