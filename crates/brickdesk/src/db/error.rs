//! Storage errors.

/// Why a storage operation failed.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The database URL could not be understood.
    #[error("bad database URL: {0}")]
    BadUrl(String),
    /// The data folder is missing and cannot be made, or is not writable.
    #[error("data directory problem: {0}")]
    DataDir(String),
    /// The database could not be reached.
    #[error("cannot connect to the database: {0}")]
    Connect(String),
    /// A migration failed.
    #[error("database migration failed: {0}")]
    Migrate(String),
    /// A uniqueness rule was broken (e.g. a unit already linked).
    #[error("conflict with existing data ({constraint})")]
    Conflict {
        /// The constraint or index the database named, when it did.
        constraint: String,
    },
    /// A row the operation needs does not exist.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The database cannot store changes: its disk is full or it is
    /// read-only. Nothing of the failed write was kept.
    #[error("the database cannot write ({0})")]
    Unwritable(String),
    /// Any other database error.
    #[error("database error")]
    Sqlx(#[source] sqlx::Error),
}

impl From<sqlx::Error> for DbError {
    fn from(err: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &err
            && db.kind() == sqlx::error::ErrorKind::UniqueViolation
        {
            // SQLite names the columns in the message, PostgreSQL the constraint.
            let constraint = db
                .constraint()
                .map_or_else(|| db.message().to_owned(), str::to_owned);
            return DbError::Conflict { constraint };
        }
        if let sqlx::Error::Database(db) = &err
            && is_unwritable(db.code().as_deref())
        {
            return DbError::Unwritable(db.message().to_owned());
        }
        DbError::Sqlx(err)
    }
}

/// SQLite's result codes FULL and READONLY (any extended form), and
/// PostgreSQL's SQLSTATEs disk_full and read_only_sql_transaction.
fn is_unwritable(code: Option<&str>) -> bool {
    match code {
        Some("53100" | "25006") => true,
        Some(code) => code
            .parse::<u32>()
            .is_ok_and(|c| matches!(c & 0xff, 8 | 13)),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn unwritable_codes() {
        for code in ["13", "8", "1032", "53100", "25006"] {
            assert!(super::is_unwritable(Some(code)), "{code}");
        }
        for code in ["2067", "23505", "5", "10", "53"] {
            assert!(!super::is_unwritable(Some(code)), "{code}");
        }
    }
}
