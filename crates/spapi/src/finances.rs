//! Finances v0 (`listFinancialEvents`, `listFinancialEventsByOrderId`) and
//! Finances 2024-06-19 (`listTransactions`).

use futures::{Stream, TryStreamExt};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use time::OffsetDateTime;

use crate::client::{Client, Request};
use crate::timestamp::{before_param, fix_befores, format_utc};
use crate::{Error, Money, Operation};

/// The financial event lists Brickdesk reads from Finances v0.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct FinancialEvents {
    /// Sales: charges and fees when an order line ships.
    #[serde(default)]
    pub shipment_event_list: Vec<ShipmentEvent>,
    /// Refunds: reversals and refund commission.
    #[serde(default)]
    pub refund_event_list: Vec<ShipmentEvent>,
    /// A-to-z guarantee claims.
    #[serde(default)]
    pub guarantee_claim_event_list: Vec<ShipmentEvent>,
    /// Chargebacks.
    #[serde(default)]
    pub chargeback_event_list: Vec<ShipmentEvent>,
}

impl FinancialEvents {
    /// Appends another page's events.
    pub fn extend(&mut self, other: FinancialEvents) {
        self.shipment_event_list.extend(other.shipment_event_list);
        self.refund_event_list.extend(other.refund_event_list);
        self.guarantee_claim_event_list
            .extend(other.guarantee_claim_event_list);
        self.chargeback_event_list
            .extend(other.chargeback_event_list);
    }

    /// Number of events of every kind.
    pub fn len(&self) -> usize {
        self.shipment_event_list.len()
            + self.refund_event_list.len()
            + self.guarantee_claim_event_list.len()
            + self.chargeback_event_list.len()
    }

    /// True when there are no events.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A shipment, refund, guarantee-claim or chargeback event.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ShipmentEvent {
    /// The order.
    pub amazon_order_id: Option<String>,
    /// Seller's own order id.
    pub seller_order_id: Option<String>,
    /// e.g. `Amazon.co.uk`.
    pub marketplace_name: Option<String>,
    /// When Amazon posted it.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub posted_date: Option<OffsetDateTime>,
    /// Lines of a shipment.
    #[serde(default)]
    pub shipment_item_list: Vec<ShipmentItem>,
    /// Lines of a refund (adjustments).
    #[serde(default)]
    pub shipment_item_adjustment_list: Vec<ShipmentItem>,
}

/// One line of a shipment or refund event.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ShipmentItem {
    /// Seller SKU.
    #[serde(rename = "SellerSKU")]
    pub seller_sku: Option<String>,
    /// The order line.
    pub order_item_id: Option<String>,
    /// Amazon's id of a refund line.
    pub order_adjustment_item_id: Option<String>,
    /// Units.
    pub quantity_shipped: Option<i32>,
    /// Charges: `Principal`, `Tax`, `ShippingCharge`, …
    #[serde(default)]
    pub item_charge_list: Vec<ChargeComponent>,
    /// Charge reversals of a refund.
    #[serde(default)]
    pub item_charge_adjustment_list: Vec<ChargeComponent>,
    /// Fees: `Commission`, `FBAPerUnitFulfillmentFee`, …
    #[serde(default)]
    pub item_fee_list: Vec<FeeComponent>,
    /// Fee changes of a refund (`Commission` back, `RefundCommission`).
    #[serde(default)]
    pub item_fee_adjustment_list: Vec<FeeComponent>,
}

/// A charge.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ChargeComponent {
    /// e.g. `Principal`.
    pub charge_type: String,
    /// Exact amount (a JSON number on the wire, kept as its text).
    pub charge_amount: Money,
}

/// A fee.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct FeeComponent {
    /// e.g. `Commission`.
    pub fee_type: String,
    /// Exact amount, negative for fees charged.
    pub fee_amount: Money,
}

/// One page of `listFinancialEvents(ByOrderId)`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct FinancialEventsPage {
    /// Token for the next page.
    pub next_token: Option<String>,
    /// The events (Amazon may send an empty page with a token).
    #[serde(default)]
    pub financial_events: FinancialEvents,
}

#[derive(Deserialize)]
struct Payload<T> {
    #[serde(default = "Option::default")]
    payload: Option<T>,
}

/// Calls `op` and unwraps `{"payload": ...}`; a missing payload is empty.
async fn payload<T: DeserializeOwned + Default>(
    client: &Client,
    op: Operation,
    request: Request,
) -> Result<T, Error> {
    let response: Payload<T> = client.call(op, request).await?;
    Ok(response.payload.unwrap_or_default())
}

/// One page of `listFinancialEvents` with every event kept as the exact
/// JSON Amazon sent, for callers that store what they fetched.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RawFinancialEventsPage {
    /// Token for the next page.
    pub next_token: Option<String>,
    /// Each event list by its name (`ShipmentEventList`, …), unparsed.
    #[serde(default)]
    pub financial_events: std::collections::BTreeMap<String, Box<serde_json::value::RawValue>>,
}

impl RawFinancialEventsPage {
    /// The events of one list (e.g. `RefundEventList`), each as raw JSON.
    /// A list that is missing, `null` or not an array gives no events.
    pub fn events(&self, list: &str) -> Vec<Box<serde_json::value::RawValue>> {
        self.financial_events
            .get(list)
            .and_then(|raw| serde_json::from_str(raw.get()).ok())
            .unwrap_or_default()
    }
}

/// Filters of `listFinancialEvents`.
#[derive(Debug, Clone, PartialEq)]
pub struct ListFinancialEvents {
    /// Events posted at or after.
    pub posted_after: OffsetDateTime,
    /// Events posted before (clamped to 2 minutes ago). Amazon refuses
    /// windows over 180 days.
    pub posted_before: Option<OffsetDateTime>,
    /// Page size, 1–100.
    pub max_results_per_page: Option<u32>,
}

/// A Finances 2024-06-19 transaction (the fields Brickdesk reads).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Transaction {
    /// Amazon's id of the transaction.
    pub transaction_id: Option<String>,
    /// e.g. `Shipment`, `Refund`.
    pub transaction_type: Option<String>,
    /// `DEFERRED`, `RELEASED`, `DEFERRED_RELEASED`.
    pub transaction_status: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// When posted.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub posted_date: Option<OffsetDateTime>,
    /// Total.
    pub total_amount: Option<Money>,
    /// Related ids, e.g. `ORDER_ID`.
    #[serde(default)]
    pub related_identifiers: Vec<RelatedIdentifier>,
    /// Breakdown of the total.
    #[serde(default)]
    pub breakdowns: Vec<Breakdown>,
}

/// An id a transaction refers to.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RelatedIdentifier {
    /// e.g. `ORDER_ID`.
    pub related_identifier_name: Option<String>,
    /// The id.
    pub related_identifier_value: Option<String>,
}

/// A nested breakdown of a transaction amount.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Breakdown {
    /// e.g. `Sales`, `Expenses`, `Commission`.
    pub breakdown_type: Option<String>,
    /// Amount.
    pub breakdown_amount: Option<Money>,
    /// Sub-breakdowns.
    #[serde(default)]
    pub breakdowns: Vec<Breakdown>,
}

/// One page of `listTransactions`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TransactionsPage {
    /// Token for the next page.
    pub next_token: Option<String>,
    /// Transactions of this page.
    #[serde(default)]
    pub transactions: Vec<Transaction>,
}

fn events_request(query: &ListFinancialEvents, token: Option<String>) -> Request {
    Request::get(&["finances", "v0", "financialEvents"])
        .opt_param("MaxResultsPerPage", query.max_results_per_page)
        .param("PostedAfter", format_utc(query.posted_after))
        .opt_param("PostedBefore", before_param(query.posted_before))
        .opt_param("NextToken", token)
}

impl Client {
    /// One page of `listFinancialEvents`.
    pub async fn list_financial_events_page(
        &self,
        query: &ListFinancialEvents,
        token: Option<String>,
    ) -> Result<FinancialEventsPage, Error> {
        let request = events_request(query, token);
        payload(self, Operation::ListFinancialEvents, request).await
    }

    /// One page of `listFinancialEvents`, events left as raw JSON.
    pub async fn list_financial_events_raw_page(
        &self,
        query: &ListFinancialEvents,
        token: Option<String>,
    ) -> Result<RawFinancialEventsPage, Error> {
        let request = events_request(query, token);
        payload(self, Operation::ListFinancialEvents, request).await
    }

    /// Every page of `listFinancialEvents`.
    pub fn list_financial_events(
        &self,
        mut query: ListFinancialEvents,
    ) -> impl Stream<Item = Result<FinancialEventsPage, Error>> + Send + 'static {
        fix_befores([&mut query.posted_before]);
        self.pages(
            query,
            |client, query, token| async move {
                client.list_financial_events_page(&query, token).await
            },
            |page| page.next_token.clone(),
        )
    }

    /// One page of `listFinancialEventsByOrderId`.
    async fn financial_events_by_order_id_page(
        &self,
        order_id: &str,
        token: Option<String>,
    ) -> Result<FinancialEventsPage, Error> {
        let request = Request::get(&["finances", "v0", "orders", order_id, "financialEvents"])
            .param("MaxResultsPerPage", 100)
            .opt_param("NextToken", token);
        payload(self, Operation::ListFinancialEventsByOrderId, request).await
    }

    /// All financial events of one order (every page merged).
    pub async fn list_financial_events_by_order_id(
        &self,
        order_id: &str,
    ) -> Result<FinancialEvents, Error> {
        let pages = self.pages(
            order_id.to_owned(),
            |client, id, token| async move {
                client.financial_events_by_order_id_page(&id, token).await
            },
            |page| page.next_token.clone(),
        );
        let merge = |mut events: FinancialEvents, page: FinancialEventsPage| async move {
            events.extend(page.financial_events);
            Ok(events)
        };
        pages.try_fold(FinancialEvents::default(), merge).await
    }

    /// One page of Finances 2024-06-19 `listTransactions` for `postedAfter`
    /// (and optionally one order).
    pub async fn list_transactions_page(
        &self,
        posted_after: OffsetDateTime,
        order_id: Option<&str>,
        token: Option<String>,
    ) -> Result<TransactionsPage, Error> {
        let request = Request::get(&["finances", "2024-06-19", "transactions"])
            .param("postedAfter", format_utc(posted_after))
            // One marketplace filters; without it Amazon answers for all.
            .opt_param(
                "marketplaceId",
                match self.marketplace_ids() {
                    [one] => Some(one.as_str()),
                    _ => None,
                },
            )
            .opt_param("relatedIdentifierName", order_id.map(|_| "ORDER_ID"))
            .opt_param("relatedIdentifierValue", order_id)
            .opt_param("nextToken", token);
        payload(self, Operation::ListTransactions, request).await
    }

    /// Every transaction posted at or after `posted_after`.
    pub fn list_transactions(
        &self,
        posted_after: OffsetDateTime,
    ) -> impl Stream<Item = Result<Transaction, Error>> + Send + 'static {
        let pages = self.pages(
            posted_after,
            |client, posted_after, token| async move {
                client
                    .list_transactions_page(posted_after, None, token)
                    .await
            },
            |page| page.next_token.clone(),
        );
        Client::items(pages, |p| p.transactions)
    }
}
