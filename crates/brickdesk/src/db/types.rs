//! How domain values are stored: each enum as its text (`as_str`/`parse`),
//! each id as its integer, a currency as its code. Rows decode straight
//! into these types, so nothing past `db/` re-parses a column, and a value
//! the schema should never hold is a decode error, not a default.

use sea_query::{Nullable, Value};
use sqlx::error::BoxDynError;
use sqlx::{Database, Decode, Type};

use crate::auth::Role;
use crate::domain::{
    BatchId, Condition, Currency, FeeEventId, FulfillmentChannel, InventoryItemId, InventoryStatus,
    JobId, JobKind, JobState, MatchStatus, OrderId, OrderItemId, Platform, TokenId, UiStatus,
    UserId, WorkflowStatus,
};

/// A domain value stored as one text column.
pub(crate) trait TextColumn: Sized {
    /// What the column holds, for the decode error.
    const WHAT: &'static str;
    /// The stored text.
    fn to_column(&self) -> &str;
    /// The value a stored text stands for, if any.
    fn from_column(text: &str) -> Option<Self>;
}

/// Implements sqlx's `Type`/`Decode` (for both backends) and sea-query's
/// `Value` conversions for [`TextColumn`] types.
macro_rules! text_columns {
    ($($ty:ty),+ $(,)?) => {$(
        impl<DB: Database> Type<DB> for $ty
        where
            String: Type<DB>,
        {
            fn type_info() -> DB::TypeInfo {
                <String as Type<DB>>::type_info()
            }
            fn compatible(ty: &DB::TypeInfo) -> bool {
                <String as Type<DB>>::compatible(ty)
            }
        }

        impl<'r, DB: Database> Decode<'r, DB> for $ty
        where
            &'r str: Decode<'r, DB>,
        {
            fn decode(value: DB::ValueRef<'r>) -> Result<Self, BoxDynError> {
                let text = <&'r str as Decode<'r, DB>>::decode(value)?;
                <$ty as TextColumn>::from_column(text).ok_or_else(|| {
                    format!("'{text}' is not a {}", <$ty as TextColumn>::WHAT).into()
                })
            }
        }

        impl From<$ty> for Value {
            fn from(value: $ty) -> Value {
                Value::from(value.to_column().to_owned())
            }
        }

        impl Nullable for $ty {
            fn null() -> Value {
                String::null()
            }
        }
    )+};
}

/// Implements the same conversions for the id newtypes (stored as
/// positive integers).
macro_rules! id_columns {
    ($($ty:ty),+ $(,)?) => {$(
        impl<DB: Database> Type<DB> for $ty
        where
            i64: Type<DB>,
        {
            fn type_info() -> DB::TypeInfo {
                <i64 as Type<DB>>::type_info()
            }
            fn compatible(ty: &DB::TypeInfo) -> bool {
                <i64 as Type<DB>>::compatible(ty)
            }
        }

        impl<'r, DB: Database> Decode<'r, DB> for $ty
        where
            i64: Decode<'r, DB>,
        {
            fn decode(value: DB::ValueRef<'r>) -> Result<Self, BoxDynError> {
                Ok(<$ty>::new(<i64 as Decode<'r, DB>>::decode(value)?)?)
            }
        }

        impl From<$ty> for Value {
            fn from(value: $ty) -> Value {
                Value::from(value.get())
            }
        }

        impl Nullable for $ty {
            fn null() -> Value {
                i64::null()
            }
        }
    )+};
}

/// Implements [`TextColumn`] for a type with `as_str` and an
/// `Option`-returning `parse`.
macro_rules! text_column_by_parse {
    ($($ty:ty => $what:literal),+ $(,)?) => {$(
        impl TextColumn for $ty {
            const WHAT: &'static str = $what;
            fn to_column(&self) -> &str {
                self.as_str()
            }
            fn from_column(text: &str) -> Option<Self> {
                <$ty>::parse(text)
            }
        }
    )+};
}

text_column_by_parse!(
    Platform => "platform",
    FulfillmentChannel => "fulfillment channel",
    UiStatus => "UI status",
    WorkflowStatus => "workflow status",
    MatchStatus => "match status",
    InventoryStatus => "inventory status",
    Condition => "condition",
    Role => "role",
    JobKind => "job kind",
    JobState => "job state",
    crate::domain::fees::FeeState => "fee state",
    crate::domain::fees::Category => "fee category",
    crate::db::links::LinkMethod => "link method",
    crate::domain::shipment::ShipmentState => "shipment state",
);

impl TextColumn for Currency {
    const WHAT: &'static str = "currency code";
    fn to_column(&self) -> &str {
        self.as_str()
    }
    fn from_column(text: &str) -> Option<Self> {
        Currency::parse(text).ok()
    }
}

text_columns!(
    Platform,
    FulfillmentChannel,
    UiStatus,
    WorkflowStatus,
    MatchStatus,
    InventoryStatus,
    Condition,
    Role,
    Currency,
    JobKind,
    JobState,
    crate::domain::fees::FeeState,
    crate::domain::fees::Category,
    crate::db::links::LinkMethod,
    crate::domain::shipment::ShipmentState,
);
id_columns!(
    OrderId,
    OrderItemId,
    InventoryItemId,
    UserId,
    JobId,
    BatchId,
    FeeEventId,
    TokenId,
    crate::domain::ShipmentId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_enum_value_round_trips_through_its_column_text() {
        for p in Platform::ALL {
            assert_eq!(Platform::from_column(p.to_column()), Some(p));
        }
        for s in UiStatus::ALL {
            assert_eq!(UiStatus::from_column(s.to_column()), Some(s));
        }
        for m in [
            MatchStatus::Linked,
            MatchStatus::Matched,
            MatchStatus::Unmatched,
            MatchStatus::NoAsin,
        ] {
            assert_eq!(MatchStatus::from_column(m.to_column()), Some(m));
        }
        assert_eq!(Currency::from_column("GBP"), Some(Currency::GBP));
        assert_eq!(Platform::from_column("myspace"), None);
        assert_eq!(MatchStatus::from_column("Linked"), None);
    }
}
