//! Finances 2024-06-19: `listTransactions`.

use serde_json::{Value, json};

use super::{ApiFailure, Call, format_time, number, window, with_next};
use crate::seller::{EventKind, FinancialEvent};
use crate::server::{Operation, SimState};

const PAGE_SIZE: usize = 50;

/// `GET /finances/2024-06-19/transactions`
pub(crate) fn list_transactions(s: &SimState, call: &Call) -> Result<Value, ApiFailure> {
    let q = &call.query;
    let token = q.get("nextToken");
    let mut filter = None;
    if token.is_none() {
        let order_id = match (
            q.get("relatedIdentifierName"),
            q.get("relatedIdentifierValue"),
        ) {
            (Some("ORDER_ID"), Some(v)) => Some(v.to_owned()),
            (Some("FINANCIAL_EVENT_GROUP_ID"), Some(_)) => None,
            (Some(name), _) => {
                return Err(ApiFailure::invalid(format!(
                    "Invalid relatedIdentifierName {name:?}"
                )));
            }
            _ => None,
        };
        let after = q.time("postedAfter")?;
        if after.is_none() && order_id.is_none() {
            return Err(ApiFailure::invalid(
                "postedAfter is required unless a related identifier is given",
            ));
        }
        filter = Some((
            window(
                "postedAfter",
                after,
                "postedBefore",
                q.time("postedBefore")?,
            )?,
            order_id,
        ));
    }
    let marketplace = q.get("marketplaceId");
    let all = || {
        let Some(((after, before), order_id)) = &filter else {
            return Vec::new();
        };
        let seller = s.seller();
        seller
            .events
            .iter()
            .filter(|e| e.posted >= *after && e.posted < *before)
            .filter(|e| order_id.as_ref().is_none_or(|id| &e.order_id == id))
            .filter(|e| {
                marketplace.is_none_or(|m| {
                    seller.order(&e.order_id).map(|o| o.marketplace_id.as_str()) == Some(m)
                })
            })
            .map(|e| e.transaction_id.clone())
            .collect()
    };
    let (ids, next) = s.page(Operation::ListTransactions, token, PAGE_SIZE, all)?;
    let seller = s.seller();
    let transactions: Vec<Value> = ids
        .iter()
        .filter_map(|id| seller.events.iter().find(|e| &e.transaction_id == id))
        .map(|e| transaction_json(e, seller.order(&e.order_id)))
        .collect();
    let mut payload = json!({ "transactions": transactions });
    with_next(&mut payload, "nextToken", next);
    Ok(json!({ "payload": payload }))
}

fn amount(pence: i64, currency: &str) -> Value {
    json!({"currencyCode": currency, "currencyAmount": number(pence)})
}

fn transaction_json(e: &FinancialEvent, order: Option<&crate::SimOrder>) -> Value {
    let market = order.map_or(
        &spapi::marketplace::MARKETPLACES[0],
        crate::SimOrder::marketplace,
    );
    let currency = |pence| amount(pence, market.currency);
    let network = order.map_or("MFN", |o| o.fulfillment.channel());
    let (kind, description) = match e.kind {
        EventKind::Shipment => ("Shipment", "Order Payment"),
        EventKind::Refund => ("Refund", "Refund Order"),
    };
    let items: Vec<Value> = e
        .items
        .iter()
        .map(|i| {
            let charges: i64 = i.charges.iter().map(|c| c.pence).sum();
            let fees: i64 = i.fees.iter().map(|c| c.pence).sum();
            let breakdown = |list: &[crate::seller::Component]| -> Vec<Value> {
                list.iter().map(|c| json!({"breakdownType": c.kind, "breakdownAmount": currency(c.pence)})).collect()
            };
            let lines = order.map_or(&[][..], |o| o.lines.as_slice());
            let title = lines.iter().find(|l| l.order_item_id == i.order_item_id).map_or("", |l| l.title.as_str());
            json!({
                "description": title,
                "relatedIdentifiers": i.adjustment_id.iter().map(|id| json!({"itemRelatedIdentifierName": "ORDER_ADJUSTMENT_ITEM_ID", "itemRelatedIdentifierValue": id})).collect::<Vec<_>>(),
                "totalAmount": currency(charges + fees),
                "breakdowns": [
                    {"breakdownType": "ProductCharges", "breakdownAmount": currency(charges), "breakdowns": breakdown(&i.charges)},
                    {"breakdownType": "AmazonFees", "breakdownAmount": currency(fees), "breakdowns": breakdown(&i.fees)},
                ],
                "contexts": [{"contextType": "ProductContext", "sku": i.sku, "quantityShipped": i.quantity, "fulfillmentNetwork": network}],
            })
        })
        .collect();
    json!({
        "sellingPartnerMetadata": {"sellingPartnerId": "A3BRICKDESKDEMO", "accountType": "Standard Orders", "marketplaceId": market.id},
        "relatedIdentifiers": [{"relatedIdentifierName": "ORDER_ID", "relatedIdentifierValue": e.order_id}],
        "transactionType": kind,
        "transactionId": e.transaction_id,
        "transactionStatus": "RELEASED",
        "description": description,
        "postedDate": format_time(e.posted),
        "totalAmount": currency(e.total_pence()),
        "marketplaceDetails": {"marketplaceId": market.id, "marketplaceName": market.name},
        "items": items,
    })
}
