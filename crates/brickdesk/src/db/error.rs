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
        DbError::Sqlx(err)
    }
}
