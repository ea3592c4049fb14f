//! Stored units to CSV, in the form the importer reads back to equal units.

use std::collections::HashMap;

use time::format_description::well_known::Rfc3339;

use super::{Column, formula};
use crate::db::fees::UnitFeesRow;
use crate::db::inventory::InventoryRow;
use crate::domain::InventoryItemId;
use crate::domain::Money;
use crate::domain::fees::Category;

/// Columns export adds after the importable ones. They describe a sale and
/// are not imported (the importer lists them as ignored).
pub const SOLD_COLUMNS: [&str; 4] = ["sold_at", "sold_price", "sold_order_ref", "sold_platform"];

/// Columns export adds after the sold ones: the unit's Amazon money as
/// reconciled (fees negative, as Amazon signs them) and its profit (net
/// less cost). Not imported either.
pub const FEE_COLUMNS: [&str; 13] = [
    "fee_state",
    "gross",
    "shipping_credit",
    "other_charges",
    "commission",
    "refund_commission",
    "fulfilment_fees",
    "closing_fees",
    "digital_services_fees",
    "other_fees",
    "total_fees",
    "net",
    "profit",
];

/// The CSV could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The CSV writer failed.
    #[error("writing the CSV failed")]
    Csv(#[from] csv::Error),
    /// A timestamp could not be formatted.
    #[error("formatting a timestamp failed")]
    Time(#[from] time::error::Format),
}

fn row_fields(row: &InventoryRow, fees: Option<&UnitFeesRow>) -> Result<Vec<String>, ExportError> {
    let currency = row.details.currency;
    let amount = |m: Option<i64>| {
        m.map(|m| Money::from_minor(m, currency).to_plain_string())
            .unwrap_or_default()
    };
    let text = |t: &Option<String>| t.clone().unwrap_or_default();
    let mut fields = Vec::with_capacity(Column::ALL.len() + SOLD_COLUMNS.len() + FEE_COLUMNS.len());
    for col in Column::ALL {
        fields.push(match col {
            Column::SetNumber => row.details.set_number.clone(),
            Column::ItemName => row.details.item_name.clone(),
            Column::Condition => row.details.condition.to_string(),
            Column::Status => row.details.status.to_string(),
            Column::StorageLocation => text(&row.details.storage_location),
            Column::Cost => amount(row.details.cost_minor),
            Column::ListingPrice => amount(row.details.listing_price_minor),
            Column::Currency => row.details.currency.to_string(),
            Column::Sku => text(&row.details.sku),
            Column::ExternalId => text(&row.details.external_id),
            Column::PurchaseDate => row
                .details
                .purchase_date
                .map(|d| d.to_string())
                .unwrap_or_default(),
            Column::Notes => text(&row.details.notes),
            Column::CreatedAt => row.created_at.format(&Rfc3339)?,
        });
    }
    fields.push(match row.sold_at {
        Some(t) => t.format(&Rfc3339)?,
        None => String::new(),
    });
    fields.push(amount(row.sold_price_minor));
    fields.push(text(&row.sold_order_ref));
    fields.push(
        row.sold_platform
            .map(|p| p.as_str().to_owned())
            .unwrap_or_default(),
    );
    match fees {
        Some(f) => {
            let fee_currency = f.currency;
            let money = |m: i64| Money::from_minor(m, fee_currency).to_plain_string();
            fields.push(f.state.as_str().to_owned());
            fields.extend(Category::ALL.iter().map(|c| money(f.get(*c))));
            fields.push(money(f.total_fees_minor));
            fields.push(money(f.net_minor));
            fields.push(
                crate::reports::unit_totals(row, Some(f))
                    .1
                    .complete_profit()
                    .map(money)
                    .unwrap_or_default(),
            );
        }
        None => fields.extend(FEE_COLUMNS.iter().map(|_| String::new())),
    }
    Ok(fields)
}

/// Writes units as CSV: a UTF-8 byte-order mark (so Excel shows `£` and
/// accents), a header, one row per unit. Every field that needs it is
/// quoted; `created_at` is RFC 3339 so FIFO order survives a round trip;
/// a cell a spreadsheet would run as a formula is prefixed with `'`.
/// `fees` holds the reconciled fees of units that have them.
pub fn export(
    rows: &[InventoryRow],
    fees: &HashMap<InventoryItemId, UnitFeesRow>,
) -> Result<Vec<u8>, ExportError> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut writer = csv::WriterBuilder::new().from_writer(&mut out);
        let header: Vec<&str> = Column::ALL
            .iter()
            .map(|c| c.name())
            .chain(SOLD_COLUMNS)
            .chain(FEE_COLUMNS)
            .collect();
        writer.write_record(&header)?;
        for row in rows {
            let fields = row_fields(row, fees.get(&row.id))?;
            writer.write_record(fields.iter().map(|f| formula::neutralise(f).into_owned()))?;
        }
        writer.flush().map_err(csv::Error::from)?;
    }
    Ok(out)
}
