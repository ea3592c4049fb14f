//! Table and column names for sea-query, one enum per table.

use sea_query::Iden;

/// `orders`
#[derive(Iden, Clone, Copy)]
#[allow(missing_docs)]
pub enum Orders {
    Table,
    Id,
    Platform,
    PlatformOrderId,
    OrderDate,
    LastUpdatedAt,
    BuyerName,
    BuyerEmail,
    PlatformStatus,
    WorkflowStatus,
    UiStatus,
    TotalMinor,
    Currency,
    FulfillmentChannel,
    MarketplaceId,
    Notes,
    ItemsFetchedAt,
    CreatedAt,
    UpdatedAt,
    LinesTotal,
    LinesUnmatched,
    LinesNoAsin,
    LinesLinked,
    SearchText,
}

/// `order_items`
#[derive(Iden, Clone, Copy)]
#[allow(missing_docs)]
pub enum OrderItems {
    Table,
    Id,
    OrderId,
    PlatformItemId,
    Asin,
    Sku,
    Title,
    Quantity,
    UnitPriceMinor,
    LinePriceMinor,
    Currency,
    Condition,
    CreatedAt,
    UpdatedAt,
    LinkCount,
    MatchStatus,
}

/// `inventory_items`
#[derive(Iden, Clone, Copy)]
#[allow(missing_docs)]
pub enum InventoryItems {
    Table,
    Id,
    SetNumber,
    ItemName,
    Condition,
    Status,
    StorageLocation,
    CostMinor,
    ListingPriceMinor,
    Currency,
    Sku,
    ExternalId,
    PurchaseDate,
    Notes,
    CreatedAt,
    UpdatedAt,
    SoldAt,
    SoldPriceMinor,
    SoldOrderRef,
    SoldPlatform,
    LocationSort,
    SearchText,
}

/// `amazon_asin_mappings`
#[derive(Iden, Clone, Copy)]
#[allow(missing_docs)]
pub enum AmazonAsinMappings {
    Table,
    Asin,
    SetNumber,
    Condition,
    CreatedAt,
    UpdatedAt,
}

/// `order_item_links`
#[derive(Iden, Clone, Copy)]
#[allow(missing_docs)]
pub enum OrderItemLinks {
    Table,
    Id,
    OrderItemId,
    UnitIndex,
    InventoryItemId,
    LinkMethod,
    LinkedAt,
    LinkedBy,
}

/// `settings`
#[derive(Iden, Clone, Copy)]
#[allow(missing_docs)]
pub enum Settings {
    Table,
    Key,
    Value,
    UpdatedAt,
}

/// `audit_log`
#[derive(Iden, Clone, Copy)]
#[allow(missing_docs)]
pub enum AuditLog {
    Table,
    Id,
    At,
    UserId,
    Action,
    EntityType,
    EntityId,
    DetailsJson,
}

/// `users`
#[derive(Iden, Clone, Copy)]
#[allow(missing_docs)]
pub enum Users {
    Table,
    Id,
    Username,
    PasswordHash,
    Role,
    CreatedAt,
    DisabledAt,
}

/// `sessions`
#[derive(Iden, Clone, Copy)]
#[allow(missing_docs)]
pub enum Sessions {
    Table,
    Id,
    UserId,
    CreatedAt,
    LastSeenAt,
    ExpiresAt,
}

/// `api_tokens`
#[derive(Iden, Clone, Copy)]
#[allow(missing_docs)]
pub enum ApiTokens {
    Table,
    Id,
    Name,
    TokenHash,
    UserId,
    CreatedAt,
    LastUsedAt,
    RevokedAt,
}

/// `order_status_counts`
#[derive(Iden, Clone, Copy)]
#[allow(missing_docs)]
pub enum OrderStatusCounts {
    Table,
    Platform,
    UiStatus,
    N,
}

/// `orders_version`
#[derive(Iden, Clone, Copy)]
#[allow(missing_docs)]
pub enum OrdersVersion {
    Table,
    Version,
}

/// `jobs`
#[derive(Iden, Clone, Copy)]
#[allow(missing_docs)]
pub enum Jobs {
    Table,
    Id,
    Kind,
    State,
    Total,
    Processed,
    Success,
    Failed,
    CurrentOrderId,
    ErrorsJson,
    Cursor,
    ParamsJson,
    DetailJson,
    Owner,
    RateLimitedUntil,
    StartedAt,
    FinishedAt,
    HeartbeatAt,
    CreatedAt,
}

/// `sync_cursors`
#[derive(Iden, Clone, Copy)]
#[allow(missing_docs)]
pub enum SyncCursors {
    Table,
    Name,
    Value,
    UpdatedAt,
}

/// `schedules`
#[derive(Iden, Clone, Copy)]
#[allow(missing_docs)]
pub enum Schedules {
    Table,
    Kind,
    NextAt,
    ClaimedBy,
    ClaimedAt,
    JobId,
    Failures,
}

/// `shipments`
#[derive(Iden, Clone, Copy)]
#[allow(missing_docs)]
pub enum Shipments {
    Table,
    Id,
    OrderId,
    PackageRef,
    CarrierCode,
    CarrierName,
    ShippingMethod,
    TrackingNumber,
    ShipDate,
    ItemsJson,
    State,
    Attempts,
    Message,
    CreatedBy,
    CreatedAt,
    SentAt,
}
