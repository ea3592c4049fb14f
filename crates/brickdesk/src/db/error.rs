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
    #[error("conflict with existing data: {0}")]
    Conflict(Clash),
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

/// Which uniqueness rule a write broke, so callers can say what clashed
/// without reading the database's own names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Clash {
    /// The unit is linked to an order line already.
    #[error("the unit is linked already")]
    UnitLinked,
    /// That unit of the order line is linked already.
    #[error("that unit of the line is linked already")]
    LineUnitLinked,
    /// Another unit has this SKU.
    #[error("another unit has this SKU")]
    Sku,
    /// Another unit has this external id.
    #[error("another unit has this external id")]
    ExternalId,
    /// The username is taken.
    #[error("the username is taken")]
    Username,
    /// A job of this kind is running already.
    #[error("a job of this kind is running already")]
    LiveJob,
    /// The rows changed under a write that required them unchanged.
    #[error("the data changed meanwhile")]
    Changed,
    /// Any other uniqueness rule.
    #[error("a value that must be unique is taken")]
    Other,
}

impl Clash {
    /// Reads the rule from what the database named: PostgreSQL names the
    /// constraint, SQLite lists `table.column`s in its message.
    fn named(name: &str) -> Clash {
        const RULES: [(&str, &str, Clash); 6] = [
            (
                "order_item_links_inventory_item_id_key",
                "order_item_links.inventory_item_id",
                Clash::UnitLinked,
            ),
            (
                "order_item_links_order_item_id_unit_index_key",
                "order_item_links.order_item_id, order_item_links.unit_index",
                Clash::LineUnitLinked,
            ),
            ("inventory_items_sku_key", "inventory_items.sku", Clash::Sku),
            (
                "inventory_items_external_id_key",
                "inventory_items.external_id",
                Clash::ExternalId,
            ),
            ("users_username_key", "users.username", Clash::Username),
            ("jobs_one_live_per_kind", "jobs.kind", Clash::LiveJob),
        ];
        RULES
            .iter()
            .find(|(constraint, columns, _)| {
                name == *constraint
                    || name
                        .strip_prefix("UNIQUE constraint failed: ")
                        .is_some_and(|c| c == *columns)
            })
            .map_or(Clash::Other, |(_, _, clash)| *clash)
    }
}

impl From<sqlx::Error> for DbError {
    fn from(err: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &err
            && db.kind() == sqlx::error::ErrorKind::UniqueViolation
        {
            let clash = Clash::named(db.constraint().unwrap_or_else(|| db.message()));
            if clash == Clash::Other {
                tracing::warn!(error = %db.message(), "unique violation of an unnamed rule");
            }
            return DbError::Conflict(clash);
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
    use super::Clash;

    #[test]
    fn clashes_are_named_on_both_engines() {
        for (name, clash) in [
            ("order_item_links_inventory_item_id_key", Clash::UnitLinked),
            (
                "UNIQUE constraint failed: order_item_links.inventory_item_id",
                Clash::UnitLinked,
            ),
            (
                "UNIQUE constraint failed: order_item_links.order_item_id, order_item_links.unit_index",
                Clash::LineUnitLinked,
            ),
            ("inventory_items_sku_key", Clash::Sku),
            (
                "UNIQUE constraint failed: inventory_items.external_id",
                Clash::ExternalId,
            ),
            ("users_username_key", Clash::Username),
            ("UNIQUE constraint failed: jobs.kind", Clash::LiveJob),
            ("orders_platform_platform_order_id_key", Clash::Other),
        ] {
            assert_eq!(Clash::named(name), clash, "{name}");
        }
    }

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
