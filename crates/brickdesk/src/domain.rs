//! Business rules of DESIGN.md section 3 as pure functions and value types.
//! Nothing here does I/O; the storage and web layers call into it.

/// The OpenAPI schema of a type serialized as its sentence (its
/// `Display`): a string, described.
macro_rules! sentence_schema {
    ($ty:ty, $what:literal) => {
        impl utoipa::PartialSchema for $ty {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .description(Some($what))
                    .into()
            }
        }

        impl utoipa::ToSchema for $ty {}
    };
}
pub(crate) use sentence_schema;

pub mod confirmation;
pub mod fees;
pub mod fifo;
pub mod fulfilment;
pub mod ids;
pub mod inventory;
pub mod jobs;
pub mod location;
pub mod matching;
pub mod money;
pub mod platform;
pub mod profit;
pub mod schedule;
pub mod shipment;
pub mod status;
pub mod sync;
pub mod text;

pub use ids::{
    AmazonOrderId, BatchId, FeeEventId, InventoryItemId, JobId, OrderId, OrderItemId, ShipmentId,
    TokenId, UserId,
};
pub use inventory::{Condition, InventoryStatus};
pub use jobs::{JobKind, JobState};
pub use matching::{MatchFilter, MatchStatus, MatchSummary};
pub use money::{Currency, Money};
pub use platform::{FulfillmentChannel, Platform};
pub use status::{UiStatus, WorkflowStatus};
