//! Generated import files, for the `bench csv-import` command and tests.

use std::fmt::Write;

use time::Duration;
use time::format_description::well_known::Rfc3339;
use time::macros::datetime;

const SETS: [(&str, &str); 6] = [
    ("75192", "Millennium Falcon"),
    ("10294", "Titanic"),
    ("42143", "Ferrari Daytona SP3"),
    ("21330", "Home Alone"),
    ("10300", "Back to the Future, Time Machine"),
    ("71043", "Hogwarts \"Castle\""),
];

/// The header of [`synthetic_csv`], in a spreadsheet's wording.
pub const HEADER: &str =
    "Set Number,Name,Condition,Status,Location,Cost,Price,SKU,Purchase Date,Notes,Created At";

/// One data row of [`synthetic_csv`] (0-based `i`), without a line break.
/// Every row has a distinct SKU; names with commas and quotes are quoted.
pub fn synthetic_row(i: usize) -> String {
    let (set, name) = SETS[i % SETS.len()];
    let condition = if i.is_multiple_of(3) { "Used" } else { "New" };
    let status = ["BACKLOG", "LISTED", "not yet received"][i % 3];
    let pence = 1999 + (i % 500) * 137;
    let cost = format!(
        "£{},{:03}.{:02}",
        pence / 100_000 + 1,
        (pence / 100) % 1000,
        pence % 100
    );
    let price = format!("{}.{:02}", pence / 100 * 2, pence % 100);
    let day = i % 28 + 1;
    let month = i % 12 + 1;
    let minutes = i64::try_from(i).unwrap_or(i64::MAX / 120);
    let created = (datetime!(2025-01-01 00:00 UTC) + Duration::minutes(minutes))
        .format(&Rfc3339)
        .unwrap_or_default();
    let mut row = String::with_capacity(160);
    let _ = write!(
        row,
        "{set},\"{}\",{condition},{status},{}-{},\"{cost}\",{price},BD-{i:06},{day}/{month}/2025,,{created}",
        name.replace('"', "\"\""),
        ["A", "B", "C"][i % 3],
        i % 40 + 1,
    );
    row
}

/// A file of `rows` valid units, header first, lines ending in CRLF as
/// Excel writes them.
pub fn synthetic_csv(rows: usize) -> String {
    let mut out = String::with_capacity(rows * 140 + HEADER.len() + 2);
    out.push_str(HEADER);
    out.push_str("\r\n");
    for i in 0..rows {
        out.push_str(&synthetic_row(i));
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_generated_row_parses() {
        let parsed = super::super::parse(synthetic_csv(600).as_bytes());
        let rows = parsed.map(|p| p.rows.len());
        assert_eq!(rows, Ok(600));
    }
}
