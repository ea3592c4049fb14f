//! A unit's History as sentences a seller reads: each audit entry about
//! the unit (added, edited, linked, sold, sale undone, fees reconciled)
//! becomes one line with who did it and when, in the seller's time zone.

use serde_json::Value;
use time_tz::Tz;

use crate::db::audit::AuditRow;
use crate::domain::{Currency, Money};
use crate::web::local_time;

/// One line of a unit's History.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryLine {
    /// "6 Dec 2026 14:03", in the seller's time zone.
    pub at: String,
    /// What happened, in words.
    pub text: String,
    /// Who did it ("Brickdesk" for the system).
    pub by: String,
}

/// Fields of an edit, with the words shown for them, in form order.
const EDITED_FIELDS: [(&str, &str); 12] = [
    ("set_number", "set number"),
    ("item_name", "name"),
    ("condition", "condition"),
    ("status", "status"),
    ("storage_location", "location"),
    ("cost", "cost"),
    ("listing_price", "listing price"),
    ("currency", "currency"),
    ("sku", "SKU"),
    ("external_id", "external id"),
    ("purchase_date", "purchase date"),
    ("notes", "notes"),
];

fn text(v: &Value) -> Option<&str> {
    v.as_str().map(str::trim).filter(|s| !s.is_empty())
}

fn place(v: &Value) -> &str {
    text(v).unwrap_or("no location")
}

fn amount(v: &Value, currency: Currency) -> Option<String> {
    v.as_i64()
        .map(|m| Money::from_minor(m, currency).to_string())
}

/// The sentence for one audit entry about a unit whose money is in
/// `currency`.
pub fn describe(action: &str, details: &Value, currency: Currency) -> String {
    let d = details;
    match action {
        "inventory_create" => {
            let mut s = format!(
                "Added as {} at {}",
                text(&d["status"]).unwrap_or("a new unit"),
                place(&d["location"])
            );
            if d["via"] == "csv_import" {
                s.push_str(&format!(" (CSV import, line {})", d["line"]));
            }
            s
        }
        "inventory_update" => {
            let changes: Vec<String> = EDITED_FIELDS
                .iter()
                .filter(|(key, _)| d["before"][key] != d["after"][key])
                .map(|(key, words)| {
                    let shown = |v: &Value| text(v).unwrap_or("—").to_owned();
                    format!(
                        "{words} {} → {}",
                        shown(&d["before"][key]),
                        shown(&d["after"][key])
                    )
                })
                .collect();
            if changes.is_empty() {
                "Saved without changes".to_owned()
            } else {
                format!("Edited: {}", changes.join(", "))
            }
        }
        "inventory_link" => {
            let asin = text(&d["asin"])
                .map(|a| format!(" (ASIN {a})"))
                .unwrap_or_default();
            format!("Linked to an Amazon order line{asin} with the ASIN matcher")
        }
        "inventory_sold" => {
            let price = amount(&d["price_minor"], currency)
                .map(|p| format!(" for {p}"))
                .unwrap_or_default();
            format!(
                "Sold on order {}{price}, moved {} → {}",
                text(&d["order"]).unwrap_or("—"),
                place(&d["from"]),
                place(&d["to"])
            )
        }
        "inventory_unsold" => format!(
            "Sale on order {} undone: back to {}, moved {} → {}",
            text(&d["order"]).unwrap_or("—"),
            text(&d["status"]).unwrap_or("its status before"),
            place(&d["from"]),
            place(&d["to"])
        ),
        "fees_reconciled" => {
            let net = |figures: &Value| {
                let currency = text(&figures["currency"])
                    .and_then(|c| Currency::parse(c).ok())
                    .unwrap_or(currency);
                amount(&figures["net_minor"], currency)
            };
            let now = net(&d["after"]).unwrap_or_else(|| "—".to_owned());
            let was = net(&d["before"])
                .map(|w| format!(" (was {w})"))
                .unwrap_or_default();
            format!(
                "Amazon fees reconciled for order {}: net {now}{was}",
                text(&d["order"]).unwrap_or("—")
            )
        }
        other => other.replace('_', " "),
    }
}

/// The History line of `row`, done by `by` (a user name, if any).
pub fn line(row: &AuditRow, by: Option<&str>, currency: Currency, tz: &Tz) -> HistoryLine {
    let details: Value = serde_json::from_str(&row.details_json).unwrap_or(Value::Null);
    HistoryLine {
        at: local_time(row.at, tz),
        text: describe(&row.action, &details, currency),
        by: by.unwrap_or("Brickdesk").to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use time::macros::datetime;

    use super::*;
    use crate::domain::location::time_zone;

    #[test]
    fn times_are_the_sellers() {
        let london = time_zone("Europe/London").unwrap_or_else(|| panic!("tz db"));
        assert_eq!(
            local_time(datetime!(2026-07-31 23:30 UTC), london),
            "1 Aug 2026 00:30"
        );
        assert_eq!(
            local_time(datetime!(2026-12-06 14:03:52.5 UTC), london),
            "6 Dec 2026 14:03"
        );
    }

    #[test]
    fn every_change_reads_as_a_sentence() {
        let gbp = Currency::GBP;
        let sold = json!({"order": "203-1234567-1234567", "price_minor": 3250,
                          "from": "A-01", "to": "SOLD-2026-12"});
        assert_eq!(
            describe("inventory_sold", &sold, gbp),
            "Sold on order 203-1234567-1234567 for £32.50, moved A-01 → SOLD-2026-12"
        );
        let undone =
            json!({"order": "203-1", "status": "LISTED", "from": "SOLD-2026-12", "to": "A-01"});
        assert_eq!(
            describe("inventory_unsold", &undone, gbp),
            "Sale on order 203-1 undone: back to LISTED, moved SOLD-2026-12 → A-01"
        );
        let edit = json!({"before": {"storage_location": "A-01", "cost": "10.00", "notes": ""},
                          "after": {"storage_location": "B-02", "cost": "10.00", "notes": "dented"}});
        assert_eq!(
            describe("inventory_update", &edit, gbp),
            "Edited: location A-01 → B-02, notes — → dented"
        );
        let fees = json!({"order": "203-1", "before": null,
                          "after": {"currency": "GBP", "net_minor": 2711}});
        assert_eq!(
            describe("fees_reconciled", &fees, gbp),
            "Amazon fees reconciled for order 203-1: net £27.11"
        );
        let created =
            json!({"status": "BACKLOG", "location": null, "via": "csv_import", "line": 7});
        assert_eq!(
            describe("inventory_create", &created, gbp),
            "Added as BACKLOG at no location (CSV import, line 7)"
        );
        assert_eq!(
            describe("inventory_link", &json!({"asin": "B07JPLG4BS"}), gbp),
            "Linked to an Amazon order line (ASIN B07JPLG4BS) with the ASIN matcher"
        );
    }
}
