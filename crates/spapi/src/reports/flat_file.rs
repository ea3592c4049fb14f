//! The all-orders flat file (`GET_FLAT_FILE_ALL_ORDERS_DATA_BY_*`):
//! tab-separated, one row per order line, no OrderItemId. Columns are
//! found by header name, so added or reordered columns do not matter.

use std::collections::HashMap;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::Decimal;

/// One row: one line of one order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllOrdersRow {
    /// `amazon-order-id`.
    pub amazon_order_id: String,
    /// `purchase-date`.
    pub purchase_date: OffsetDateTime,
    /// `last-updated-date`.
    pub last_updated_date: OffsetDateTime,
    /// `order-status`, e.g. `Shipped`, `Pending`, `Cancelled`.
    pub order_status: String,
    /// `fulfillment-channel`: `Amazon` or `Merchant`.
    pub fulfillment_channel: String,
    /// `product-name`.
    pub product_name: String,
    /// `sku`.
    pub sku: String,
    /// `asin`; `None` when empty.
    pub asin: Option<String>,
    /// `item-status`.
    pub item_status: String,
    /// `quantity`.
    pub quantity: u32,
    /// `currency`; `None` while the order has no prices.
    pub currency: Option<String>,
    /// `item-price`: the LINE total; `None` while the order has no prices.
    pub item_price: Option<Decimal>,
    /// `item-tax`.
    pub item_tax: Option<Decimal>,
    /// `shipping-price`.
    pub shipping_price: Option<Decimal>,
    /// `item-promotion-discount`.
    pub item_promotion_discount: Option<Decimal>,
}

/// A flat file that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FlatFileError {
    /// A required column is not in the header.
    #[error("the report has no {0:?} column")]
    MissingColumn(&'static str),
    /// A cell does not parse.
    #[error("line {line}: bad {column} {value:?}")]
    BadValue {
        /// 1-based line number in the file (the header is line 1).
        line: usize,
        /// Column name.
        column: &'static str,
        /// The cell.
        value: String,
    },
}

const REQUIRED: [&str; 10] = [
    "amazon-order-id",
    "purchase-date",
    "last-updated-date",
    "order-status",
    "fulfillment-channel",
    "product-name",
    "sku",
    "asin",
    "item-status",
    "quantity",
];

/// Parses the all-orders flat file.
pub fn parse_all_orders(text: &str) -> Result<Vec<AllOrdersRow>, FlatFileError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let Some((_, header)) = lines.next() else {
        return Ok(Vec::new());
    };
    let index: HashMap<&str, usize> = header
        .split('\t')
        .enumerate()
        .map(|(i, name)| (name.trim(), i))
        .collect();
    for name in REQUIRED {
        if !index.contains_key(name) {
            return Err(FlatFileError::MissingColumn(name));
        }
    }
    lines
        .map(|(n, line)| {
            let cells: Vec<&str> = line.split('\t').collect();
            Row {
                cells,
                index: &index,
                line: n + 1,
            }
            .parse()
        })
        .collect()
}

struct Row<'a> {
    cells: Vec<&'a str>,
    index: &'a HashMap<&'a str, usize>,
    line: usize,
}

impl Row<'_> {
    fn text(&self, column: &'static str) -> &str {
        self.index
            .get(column)
            .and_then(|&i| self.cells.get(i))
            .map_or("", |c| c.trim())
    }

    fn optional(&self, column: &'static str) -> Option<String> {
        Some(self.text(column))
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
    }

    fn bad(&self, column: &'static str) -> FlatFileError {
        FlatFileError::BadValue {
            line: self.line,
            column,
            value: self.text(column).to_owned(),
        }
    }

    fn time(&self, column: &'static str) -> Result<OffsetDateTime, FlatFileError> {
        OffsetDateTime::parse(self.text(column), &Rfc3339).map_err(|_| self.bad(column))
    }

    fn decimal(&self, column: &'static str) -> Result<Option<Decimal>, FlatFileError> {
        match self.text(column) {
            "" => Ok(None),
            text => Decimal::parse(text).map(Some).map_err(|_| self.bad(column)),
        }
    }

    fn parse(&self) -> Result<AllOrdersRow, FlatFileError> {
        Ok(AllOrdersRow {
            amazon_order_id: self
                .optional("amazon-order-id")
                .ok_or_else(|| self.bad("amazon-order-id"))?,
            purchase_date: self.time("purchase-date")?,
            last_updated_date: self.time("last-updated-date")?,
            order_status: self.text("order-status").to_owned(),
            fulfillment_channel: self.text("fulfillment-channel").to_owned(),
            product_name: self.text("product-name").to_owned(),
            sku: self.text("sku").to_owned(),
            asin: self.optional("asin"),
            item_status: self.text("item-status").to_owned(),
            quantity: self
                .text("quantity")
                .parse()
                .map_err(|_| self.bad("quantity"))?,
            currency: self.optional("currency"),
            item_price: self.decimal("item-price")?,
            item_tax: self.decimal("item-tax")?,
            shipping_price: self.decimal("shipping-price")?,
            item_promotion_discount: self.decimal("item-promotion-discount")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "amazon-order-id\tpurchase-date\tlast-updated-date\torder-status\tfulfillment-channel\tproduct-name\tsku\tasin\titem-status\tquantity\tcurrency\titem-price";

    #[test]
    fn reads_columns_by_name_in_any_order() {
        let text = format!(
            "\u{feff}{HEADER}\tnew-column\r\n203-1234567-1234567\t2026-01-02T03:04:05+00:00\t2026-01-03T00:00:00Z\tShipped\tMerchant\tLEGO – £\tSKU-1\tB07JPLG4BS\tShipped\t2\tGBP\t1199.98\tx\r\n\r\n"
        );
        let rows = parse_all_orders(&text).unwrap();
        assert_eq!(rows.len(), 1);
        let row = &rows[0];
        assert_eq!(row.amazon_order_id, "203-1234567-1234567");
        assert_eq!(row.product_name, "LEGO – £");
        assert_eq!(row.quantity, 2);
        assert_eq!(
            row.item_price.as_ref().map(|d| d.to_minor_units(2)),
            Some(Some(119998))
        );
        assert_eq!(row.item_tax, None);
        let reordered = "asin\tsku\tquantity\titem-status\tproduct-name\tfulfillment-channel\torder-status\tlast-updated-date\tpurchase-date\tamazon-order-id\n\tX\t1\tUnshipped\tBulk\tMerchant\tPending\t2026-01-03T00:00:00Z\t2026-01-02T00:00:00Z\t202-1-1\n";
        let rows = parse_all_orders(reordered).unwrap();
        assert_eq!(
            (rows[0].asin.clone(), rows[0].item_price.clone()),
            (None, None)
        );
    }

    #[test]
    fn reports_missing_columns_and_bad_cells() {
        assert_eq!(
            parse_all_orders("amazon-order-id\tsku\n"),
            Err(FlatFileError::MissingColumn("purchase-date"))
        );
        let bad = format!(
            "{HEADER}\n203-1\t2026-01-02T03:04:05Z\t2026-01-02T03:04:05Z\tShipped\tAmazon\tx\ty\tz\tShipped\ttwo\tGBP\t1\n"
        );
        assert_eq!(
            parse_all_orders(&bad),
            Err(FlatFileError::BadValue {
                line: 2,
                column: "quantity",
                value: "two".into()
            })
        );
        assert_eq!(parse_all_orders(""), Ok(Vec::new()));
    }
}
