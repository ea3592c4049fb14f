//! The sold units of a report as CSV, for the seller's accountant: one row
//! per unit with every money column, so each column sums to the report's
//! figure of the same name (per currency).

use time::format_description::well_known::Rfc3339;

use super::UnitLine;
use crate::domain::Money;
use crate::domain::profit::Figure;
use crate::inventory_csv::export::ExportError;
use crate::inventory_csv::formula;

/// The columns before the figures.
const UNIT_COLUMNS: [&str; 9] = [
    "unit_id",
    "set_number",
    "item_name",
    "condition",
    "amazon_order_id",
    "sold_at",
    "currency",
    "fees",
    "days_in_stock",
];

/// A figure's column: its API name in snake case (`grossSales` →
/// `gross_sales`).
pub fn column_name(figure: Figure) -> String {
    let mut out = String::new();
    for c in figure.key().chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

fn fields(line: &UnitLine) -> Result<Vec<String>, ExportError> {
    let unit = &line.unit;
    let t = &line.totals;
    let mut out = vec![
        unit.id.to_string(),
        unit.details.set_number.clone(),
        unit.details.item_name.clone(),
        unit.details.condition.to_string(),
        unit.sold_order_ref.clone().unwrap_or_default(),
        match unit.sold_at {
            Some(at) => at.format(&Rfc3339)?,
            None => String::new(),
        },
        line.currency.to_string(),
        if line.fees_known() {
            "known"
        } else {
            "awaiting"
        }
        .to_owned(),
        t.get(Figure::DaysInStock).to_string(),
    ];
    let cost_known = unit.details.cost_minor.is_some() && unit.details.currency == line.currency;
    for &figure in Figure::amounts() {
        // Blank, not zero, where a figure is unknown; the sums agree either way.
        let known = match figure {
            Figure::CostOfGoods => cost_known,
            Figure::Profit => t.complete_profit().is_some(),
            _ => line.fees_known(),
        };
        out.push(if known {
            Money::from_minor(t.get(figure), line.currency).to_plain_string()
        } else {
            String::new()
        });
    }
    Ok(out)
}

/// Writes the lines as CSV: a UTF-8 byte-order mark (for Excel), a header
/// and one row per unit; a cell a spreadsheet would run as a formula is
/// prefixed with `'`.
pub fn write(lines: &[UnitLine]) -> Result<Vec<u8>, ExportError> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut writer = csv::WriterBuilder::new().from_writer(&mut out);
        let header: Vec<String> = UNIT_COLUMNS
            .iter()
            .map(|c| (*c).to_owned())
            .chain(Figure::amounts().iter().map(|f| column_name(*f)))
            .collect();
        writer.write_record(&header)?;
        for line in lines {
            let row = fields(line)?;
            writer.write_record(row.iter().map(|f| formula::neutralise(f).into_owned()))?;
        }
        writer.flush().map_err(csv::Error::from)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_the_api_names_in_snake_case() {
        assert_eq!(column_name(Figure::GrossSales), "gross_sales");
        assert_eq!(column_name(Figure::Profit), "profit");
        assert_eq!(column_name(Figure::CostOfGoods), "cost_of_goods");
    }
}
