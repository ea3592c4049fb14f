//! A postage tool's export of tracking numbers (Royal Mail Click & Drop
//! and the like) read into one row per package: the order reference, the
//! tracking number, the carrier and service, the date. Columns are found
//! by their headings, in any order and case; a row that does not read is
//! kept with the reason, so the seller sees every line of the file.

use time::{Date, OffsetDateTime, PrimitiveDateTime, Time};

/// One row of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackingRow {
    /// Line in the file (the heading is line 1).
    pub line: u64,
    /// The order reference (Amazon's order id).
    pub order_id: String,
    /// The tracking number.
    pub tracking_number: String,
    /// The carrier as written (a carrier code, or a name such as "Royal
    /// Mail Tracked 48"); empty when the file has no carrier column.
    pub carrier: String,
    /// The service.
    pub service: String,
    /// When it shipped (`None`: not given).
    pub ship_date: Option<OffsetDateTime>,
    /// Why the row does not read, if it does not.
    pub error: Option<String>,
}

/// Why the file as a whole does not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TrackingFileError {
    /// A needed column has no heading.
    #[error("the file has no {0} column (headings such as {1})")]
    MissingColumn(&'static str, &'static str),
    /// Not CSV.
    #[error("the file does not read as CSV: {0}")]
    Unreadable(String),
}

const ORDER: [&str; 6] = [
    "order reference",
    "order id",
    "order number",
    "reference",
    "amazon order id",
    "channel reference",
];
const TRACKING: [&str; 4] = [
    "tracking number",
    "tracking",
    "tracking no",
    "tracking code",
];
const CARRIER: [&str; 3] = ["carrier", "carrier code", "courier"];
const SERVICE: [&str; 4] = [
    "shipping service",
    "service",
    "postage service",
    "service name",
];
const DATE: [&str; 6] = [
    "despatch date",
    "dispatch date",
    "ship date",
    "shipped date",
    "date",
    "despatched date",
];

fn column(headings: &[String], names: &[&str]) -> Option<usize> {
    names
        .iter()
        .find_map(|n| headings.iter().position(|h| h == n))
}

/// Reads `2026-12-06`, `06/12/2026` (day first, as UK tools write it),
/// either with a time (`14:05` or `14:05:09`; noon when left out);
/// `None` when it does not.
pub fn parse_date(text: &str) -> Option<OffsetDateTime> {
    let t = text.trim();
    let (day, time) = t.split_once([' ', 'T']).unwrap_or((t, ""));
    let date = if day.contains('/') {
        let parts: Vec<&str> = day.split('/').collect();
        let [d, m, y] = parts.as_slice() else {
            return None;
        };
        let month = time::Month::try_from(m.parse::<u8>().ok()?).ok()?;
        Date::from_calendar_date(y.parse().ok()?, month, d.parse().ok()?).ok()?
    } else {
        Date::parse(
            day,
            time::macros::format_description!("[year]-[month]-[day]"),
        )
        .ok()?
    };
    let time = match time.trim() {
        "" => time::macros::time!(12:00),
        hm if hm.len() == 5 => {
            Time::parse(hm, time::macros::format_description!("[hour]:[minute]")).ok()?
        }
        hms => Time::parse(
            hms.get(..8)?,
            time::macros::format_description!("[hour]:[minute]:[second]"),
        )
        .ok()?,
    };
    Some(PrimitiveDateTime::new(date, time).assume_utc())
}

/// Reads the file's rows.
pub fn read(text: &str) -> Result<Vec<TrackingRow>, TrackingFileError> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let headings: Vec<String> = reader
        .headers()
        .map_err(|e| TrackingFileError::Unreadable(e.to_string()))?
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    let order = column(&headings, &ORDER).ok_or(TrackingFileError::MissingColumn(
        "order reference",
        "Order reference",
    ))?;
    let tracking = column(&headings, &TRACKING).ok_or(TrackingFileError::MissingColumn(
        "tracking number",
        "Tracking number",
    ))?;
    let (carrier, service, date) = (
        column(&headings, &CARRIER),
        column(&headings, &SERVICE),
        column(&headings, &DATE),
    );
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| TrackingFileError::Unreadable(e.to_string()))?;
        let line = record.position().map_or(0, csv::Position::line);
        let cell = |i: Option<usize>| {
            i.and_then(|i| record.get(i))
                .map(str::trim)
                .unwrap_or_default()
                .to_owned()
        };
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let date_text = cell(date);
        let ship_date = parse_date(&date_text);
        let order_id = cell(Some(order));
        let tracking_number = cell(Some(tracking));
        let error = if order_id.is_empty() {
            Some("no order reference".to_owned())
        } else if tracking_number.is_empty() {
            Some("no tracking number".to_owned())
        } else if !date_text.is_empty() && ship_date.is_none() {
            Some(format!(
                "'{date_text}' is not a date (2026-12-06 or 06/12/2026)"
            ))
        } else {
            None
        };
        rows.push(TrackingRow {
            line,
            order_id,
            tracking_number,
            carrier: cell(carrier),
            service: cell(service),
            ship_date,
            error,
        });
    }
    Ok(rows)
}

/// The carrier code of a carrier or service as a postage tool writes it
/// ("Royal Mail Tracked 48" → `Royal Mail`); Click & Drop exports have no
/// carrier column, so a blank carrier is Royal Mail's. `None` when nothing
/// matches.
pub fn carrier_code(carrier: &str, service: &str) -> Option<&'static str> {
    let text = if carrier.trim().is_empty() {
        service
    } else {
        carrier
    }
    .to_ascii_lowercase();
    if carrier.trim().is_empty() && !service.to_ascii_lowercase().contains("parcelforce") {
        return Some("Royal Mail");
    }
    crate::domain::shipment::CARRIERS
        .iter()
        .filter(|c| c.code != "Other")
        .find(|c| text.contains(&c.code.to_ascii_lowercase()))
        .map(|c| c.code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn a_click_and_drop_export_reads_by_heading() {
        let file = "Order reference,Tracking number,Shipping service,Despatch date,Weight\n\
                    203-1234567-1234567,AB123456785GB,Royal Mail Tracked 48,06/12/2026 14:05,0.5\n\
                    ,CD1,Tracked 24,06/12/2026,1\n\
                    203-7654321-7654321,,Tracked 24,2026-12-05,1\n\
                    203-1111111-1111111,EF1,Tracked 24,yesterday,1\n\
                    \n";
        let rows = read(file).expect("reads");
        assert_eq!(rows.len(), 4);
        assert_eq!(rows[0].order_id, "203-1234567-1234567");
        assert_eq!(rows[0].line, 2);
        assert_eq!(rows[0].ship_date, Some(datetime!(2026-12-06 14:05 UTC)));
        assert_eq!(rows[0].error, None);
        assert_eq!(rows[1].error.as_deref(), Some("no order reference"));
        assert_eq!(rows[2].error.as_deref(), Some("no tracking number"));
        assert!(
            rows[3]
                .error
                .as_deref()
                .is_some_and(|e| e.contains("'yesterday' is not a date"))
        );
        assert_eq!(
            read("Order,Tracking number\n1,2\n"),
            Err(TrackingFileError::MissingColumn(
                "order reference",
                "Order reference"
            ))
        );
    }

    #[test]
    fn carriers_come_from_the_carrier_or_the_service() {
        assert_eq!(
            carrier_code("", "Royal Mail Tracked 48"),
            Some("Royal Mail")
        );
        assert_eq!(carrier_code("", "Tracked 24"), Some("Royal Mail"));
        assert_eq!(
            carrier_code("", "Parcelforce express48"),
            Some("Parcelforce")
        );
        assert_eq!(carrier_code("DPD", "Next day"), Some("DPD"));
        assert_eq!(carrier_code("evri", ""), Some("Evri"));
        assert_eq!(carrier_code("Pigeon Post", ""), None);
        assert_eq!(
            parse_date("2026-12-06T09:30:00Z"),
            Some(datetime!(2026-12-06 9:30 UTC))
        );
        assert_eq!(parse_date("31/02/2026"), None);
        assert_eq!(
            parse_date("2026-12-05"),
            Some(datetime!(2026-12-05 12:00 UTC))
        );
    }
}
