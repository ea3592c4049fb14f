use time::macros::{date, datetime};

use super::*;
use crate::db::inventory::{InventoryRow, UnitDetails};
use crate::domain::{Condition, Currency, InventoryItemId, InventoryStatus};

const HEADER: &str = "set_number,item_name,condition,status,storage_location,cost,listing_price,sku,purchase_date,notes";

fn parse_str(text: &str) -> Result<ParsedFile, ParseFailure> {
    parse(text.as_bytes())
}

fn errors(text: &str) -> Vec<(u64, Option<String>, String)> {
    parse_str(text)
        .err()
        .map(|f| {
            f.errors
                .into_iter()
                .map(|e| (e.line, e.column, e.reason))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn a_full_row() {
    let file = format!(
        "{HEADER}\n75192,Millennium Falcon,New,LISTED,A-2,\"£1,234.50\",649.99,BD-1,31/01/2026,boxed\n"
    );
    let parsed = parse_str(&file).ok();
    let rows = parsed.as_ref().map(|p| p.rows.clone()).unwrap_or_default();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].line, 2);
    assert_eq!(
        rows[0].unit,
        NewUnit {
            details: UnitDetails {
                set_number: "75192".into(),
                item_name: "Millennium Falcon".into(),
                condition: Condition::New,
                status: InventoryStatus::Listed,
                storage_location: Some("A-2".into()),
                cost_minor: Some(123_450),
                listing_price_minor: Some(64_999),
                currency: Currency::GBP,
                sku: Some("BD-1".into()),
                external_id: None,
                purchase_date: Some(date!(2026 - 01 - 31)),
                notes: Some("boxed".into()),
            },
            created_at: None,
        }
    );
    assert_eq!(parsed.map(|p| p.encoding), Some(SourceEncoding::Utf8));
}

#[test]
fn columns_in_any_order_with_aliases_and_blank_optionals() {
    let file = "Status, Name ,Set Number,Condition,Colour\nbacklog,Titanic,10294,used,grey\n";
    let parsed = parse_str(file).ok();
    let unit = parsed.as_ref().map(|p| p.rows[0].unit.clone());
    assert_eq!(
        unit.as_ref().map(|u| u.details.set_number.as_str()),
        Some("10294")
    );
    assert_eq!(
        unit.as_ref().map(|u| u.details.status),
        Some(InventoryStatus::Backlog)
    );
    assert_eq!(
        unit.as_ref().map(|u| u.details.condition),
        Some(Condition::Used)
    );
    assert_eq!(
        unit.as_ref().and_then(|u| u.details.listing_price_minor),
        None
    );
    assert_eq!(
        parsed.map(|p| p.ignored_columns),
        Some(vec!["Colour".to_owned()])
    );
}

#[test]
fn every_bad_field_of_every_bad_row_is_reported() {
    let file = format!(
        "{HEADER}\n\
         75192,Falcon,New,LISTED,,,,,,\n\
         ,Falcon,Mint,SHIPPED,,,,,,\n\
         10294,Titanic,New,LISTED,,\"1,23\",12.345,,31/02/2026,\n\
         10294,Titanic,New\n"
    );
    let got = errors(&file);
    let col = |s: &str| Some(s.to_owned());
    let summary: Vec<(u64, Option<String>)> = got.iter().map(|(l, c, _)| (*l, c.clone())).collect();
    assert_eq!(
        summary,
        vec![
            (3, col("set_number")),
            (3, col("condition")),
            (3, col("status")),
            (4, col("cost")),
            (4, col("listing_price")),
            (4, col("purchase_date")),
            (5, None),
        ]
    );
    assert!(got[1].2.contains("'Mint' is not one of: New, Used"));
    assert!(got[6].2.contains("has 3 fields but the header has 10"));
    let failure = parse_str(&file).err();
    assert_eq!(failure.as_ref().map(ParseFailure::bad_lines), Some(3));
    assert_eq!(failure.map(|f| f.rows_read), Some(4));
}

#[test]
fn missing_required_columns_fail_on_line_one() {
    let got = errors("sku,price\nA,1\n");
    assert_eq!(got.len(), 4);
    assert!(got.iter().all(|(line, _, _)| *line == 1));
}

#[test]
fn empty_inputs() {
    assert_eq!(errors("")[0].2, "the file is empty");
    assert_eq!(errors("\u{feff}")[0].2, "the file is empty");
    assert_eq!(
        errors("set,name,condition,status\n,,,\n")[0].2,
        "the file has a header but no rows"
    );
}

#[test]
fn bom_is_accepted_and_reported() {
    let file = "\u{feff}Set Number,Name,Condition,Status\n75192,Falcon,New,LISTED\n";
    let parsed = parse_str(file).ok();
    assert_eq!(
        parsed.as_ref().map(|p| p.encoding),
        Some(SourceEncoding::Utf8Bom)
    );
    assert_eq!(parsed.map(|p| p.rows.len()), Some(1));
}

#[test]
fn windows_1252_pound_sign_is_decoded() {
    let file =
        b"set,name,condition,status,price\r\n75192,Caf\xE9 Corner,New,LISTED,\xA31,234.50\r\n";
    // The unquoted `\xA31,234.50` splits at the comma: quote it as Excel does.
    let quoted =
        b"set,name,condition,status,price\r\n75192,Caf\xE9 Corner,New,LISTED,\"\xA31,234.50\"\r\n";
    assert!(parse(file).is_err());
    let parsed = parse(quoted).ok();
    assert_eq!(
        parsed.as_ref().map(|p| p.encoding),
        Some(SourceEncoding::Windows1252)
    );
    let unit = parsed.map(|p| p.rows[0].unit.clone());
    assert_eq!(
        unit.as_ref().map(|u| u.details.item_name.as_str()),
        Some("Café Corner")
    );
    assert_eq!(
        unit.and_then(|u| u.details.listing_price_minor),
        Some(123_450)
    );
}

#[test]
fn quoted_fields_with_commas_quotes_and_newlines() {
    let file = "set,name,condition,status,notes\n\
                10300,\"Back to the Future, Time Machine\",New,LISTED,\"has \"\"extra\"\" parts\nand a second line\"\n\
                71043,Hogwarts,New,BAD,\n";
    let failure = parse_str(file).err();
    // The second data row starts on line 4: the first spans lines 2 and 3.
    assert_eq!(
        failure.as_ref().map(|f| f.errors[0].line),
        Some(4),
        "{failure:?}"
    );
    let parsed = parse_str(&file.replace("BAD", "LISTED")).ok();
    let rows = parsed.map(|p| p.rows).unwrap_or_default();
    assert_eq!(
        rows[0].unit.details.item_name,
        "Back to the Future, Time Machine"
    );
    assert_eq!(
        rows[0].unit.details.notes.as_deref(),
        Some("has \"extra\" parts\nand a second line")
    );
    assert_eq!(rows[1].line, 4);
}

#[test]
fn blank_rows_are_skipped_but_keep_line_numbers() {
    let file = "set,name,condition,status\n\n75192,A,New,LISTED\n,,,\n10294,B,New,WRONG\n";
    let got = errors(file);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].0, 5);
}

#[test]
fn currency_column_sets_the_scale_and_symbol() {
    let file = "set,name,condition,status,price,currency\n1,A,New,LISTED,€12.5,EUR\n2,B,New,LISTED,£3,EUR\n";
    let got = errors(file);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].0, 3);
    assert!(got[0].2.contains("currency is EUR"));
}

fn stored(i: i64, notes: Option<&str>) -> InventoryRow {
    InventoryRow {
        id: InventoryItemId::new(i).expect("positive id"),
        details: UnitDetails {
            set_number: format!("7519{i}"),
            item_name: "Falcon, \"UCS\"".into(),
            condition: Condition::Used,
            status: InventoryStatus::NotYetReceived,
            storage_location: Some("A-10".into()),
            cost_minor: Some(123_456),
            listing_price_minor: None,
            currency: Currency::GBP,
            sku: Some(format!("SKU-{i}")),
            external_id: (i % 2 == 0).then(|| format!("EXT-{i}")),
            purchase_date: Some(date!(2025 - 12 - 31)),
            notes: notes.map(str::to_owned),
        },
        created_at: datetime!(2025-06-01 08:00:01 UTC),
        updated_at: datetime!(2025-06-02 08:00:00 UTC),
        sold_at: None,
        sold_price_minor: None,
        sold_order_ref: None,
        sold_platform: None,
    }
}

#[test]
fn export_reads_back_to_equal_units() {
    let rows = vec![stored(1, Some("two\nlines, \"quoted\"")), stored(2, None)];
    let bytes = export(&rows, &Default::default()).unwrap_or_default();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    let parsed = parse(&bytes).ok();
    assert_eq!(
        parsed.as_ref().map(|p| p.ignored_columns.clone()),
        Some(
            export::SOLD_COLUMNS
                .iter()
                .chain(&export::FEE_COLUMNS)
                .map(|c| (*c).to_owned())
                .collect::<Vec<_>>()
        )
    );
    let units: Vec<NewUnit> = parsed
        .map(|p| p.rows.into_iter().map(|r| r.unit).collect())
        .unwrap_or_default();
    assert_eq!(units.len(), 2);
    for (unit, row) in units.iter().zip(&rows) {
        assert_eq!(unit.details.set_number, row.details.set_number);
        assert_eq!(unit.details.item_name, row.details.item_name);
        assert_eq!(unit.details.condition, row.details.condition);
        assert_eq!(unit.details.status, row.details.status);
        assert_eq!(unit.details.storage_location, row.details.storage_location);
        assert_eq!(unit.details.cost_minor, row.details.cost_minor);
        assert_eq!(
            unit.details.listing_price_minor,
            row.details.listing_price_minor
        );
        assert_eq!(unit.details.currency, row.details.currency);
        assert_eq!(unit.details.sku, row.details.sku);
        assert_eq!(unit.details.external_id, row.details.external_id);
        assert_eq!(unit.details.purchase_date, row.details.purchase_date);
        assert_eq!(unit.details.notes, row.details.notes);
        assert_eq!(unit.created_at, Some(row.created_at));
    }
}

#[test]
fn crlf_files_number_lines_like_lf_files() {
    let lf = "set,name,condition,status,notes\n\n1,A,New,LISTED,\"x\ny\"\n2,B,New,WRONG,\n,,,,\n3,C,Mint,LISTED,\n";
    let crlf = lf.replace('\n', "\r\n");
    let lines = |text: &str| -> Vec<u64> { errors(text).iter().map(|e| e.0).collect() };
    assert_eq!(lines(lf), vec![5, 7]);
    assert_eq!(lines(&crlf), vec![5, 7]);
    let rows = parse_str(&crlf.replace("WRONG", "LISTED").replace("Mint", "New"))
        .map(|p| p.rows.iter().map(|r| r.line).collect::<Vec<_>>());
    assert_eq!(rows, Ok(vec![3, 5, 7]));
}
