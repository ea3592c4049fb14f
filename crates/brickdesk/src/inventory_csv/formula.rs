//! Cells a spreadsheet would run as a formula. Export prefixes such a cell
//! with `'` (OWASP's advice for CSV injection); import takes that one `'`
//! off again, so text survives the round trip exactly. Plain numbers such
//! as `-4.50` are left alone: a spreadsheet reads them as numbers.

use std::borrow::Cow;

/// Whether a spreadsheet could read `cell` as a formula.
fn is_formula(cell: &str) -> bool {
    cell.starts_with(['=', '+', '-', '@', '\t', '\r']) && !is_plain_number(cell)
}

fn is_plain_number(cell: &str) -> bool {
    let digits = cell.strip_prefix(['+', '-']).unwrap_or(cell);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, "0"));
    !whole.is_empty()
        && !fraction.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && fraction.bytes().all(|b| b.is_ascii_digit())
}

/// Whether `cell`, once its leading quotes are removed, is a formula: then
/// export adds one quote and import removes one.
fn needs_quote(cell: &str) -> bool {
    is_formula(cell.trim_start_matches('\''))
}

/// The cell as written to a CSV file.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    if needs_quote(cell) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// The cell's original text, as read from a CSV file.
pub fn restore(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if needs_quote(rest) => rest,
        _ => cell,
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn formulas_are_quoted_and_numbers_are_not() {
        for formula in [
            "=HYPERLINK(\"http://evil.example\")",
            "+1+cmd|' /C calc'!A0",
            "-2+3",
            "@SUM(A1)",
            "\tx",
            "\rx",
            "'=already quoted",
        ] {
            assert!(neutralise(formula).starts_with('\''), "{formula:?}");
        }
        for plain in [
            "-4.50",
            "+12",
            "75192-1",
            "Millennium Falcon",
            "'tis",
            "",
            "-",
        ] {
            let expected = if plain == "-" { "'-" } else { plain };
            assert_eq!(neutralise(plain), expected, "{plain:?}");
        }
    }

    proptest! {
        #[test]
        fn import_reads_back_what_export_wrote(cell in "['=+@\\-\t\r]{0,3}[ -~£é]{0,12}") {
            let written = neutralise(&cell);
            prop_assert_eq!(restore(&written), cell.as_str());
        }

        #[test]
        fn exported_cells_never_start_a_formula(cell in "\\PC{0,16}|[=+\\-@\t\r'].{0,8}") {
            let out = neutralise(&cell);
            prop_assert!(!is_formula(&out), "{:?}", out);
        }
    }
}
