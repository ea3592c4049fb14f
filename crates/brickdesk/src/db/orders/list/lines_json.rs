//! Reading the JSON text a page row carries its lines in: an array of
//! arrays, each in [`OrderLine`]'s field order (see `lines_json_sql`).
//!
//! The shape is fixed, so it is read field by field instead of through
//! serde's generic visitors. Strings with escapes, rare in order data, are
//! handed to serde_json to unescape.

use std::borrow::Cow;

use super::OrderLine;
use crate::db::types::TextColumn;
use crate::domain::{OrderId, OrderItemId};

/// The lines text was not the JSON the query builds.
#[derive(Debug, thiserror::Error)]
#[error("an order's lines are not the expected JSON ({what} at byte {at})")]
pub struct LinesJsonError {
    what: &'static str,
    at: usize,
}

struct Cursor<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Cursor<'a> {
    fn fail<T>(&self, what: &'static str) -> Result<T, LinesJsonError> {
        Err(LinesJsonError { what, at: self.at })
    }

    /// The next byte that is not JSON whitespace (PostgreSQL puts spaces
    /// and newlines between elements; SQLite none).
    fn peek(&mut self) -> Option<u8> {
        let bytes = self.text.as_bytes();
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = bytes.get(self.at) {
            self.at += 1;
        }
        bytes.get(self.at).copied()
    }

    fn expect(&mut self, byte: u8, what: &'static str) -> Result<(), LinesJsonError> {
        if self.peek() == Some(byte) {
            self.at += 1;
            Ok(())
        } else {
            self.fail(what)
        }
    }

    /// `null`, if that comes next.
    fn null(&mut self) -> bool {
        self.peek();
        if self.text.as_bytes()[self.at..].starts_with(b"null") {
            self.at += 4;
            true
        } else {
            false
        }
    }

    fn int(&mut self) -> Result<i64, LinesJsonError> {
        let bytes = self.text.as_bytes();
        self.peek();
        let negative = bytes.get(self.at) == Some(&b'-');
        if negative {
            self.at += 1;
        }
        let start = self.at;
        // Accumulated as a negative number, whose range includes i64::MIN.
        let mut value: i64 = 0;
        while let Some(&digit @ b'0'..=b'9') = bytes.get(self.at) {
            value = match value
                .checked_mul(10)
                .and_then(|v| v.checked_sub(i64::from(digit - b'0')))
            {
                Some(v) => v,
                None => return self.fail("an integer out of range"),
            };
            self.at += 1;
        }
        if self.at == start {
            return self.fail("no integer");
        }
        if let Some(b'.' | b'e' | b'E') = bytes.get(self.at) {
            return self.fail("a fraction where an integer belongs");
        }
        if negative {
            Ok(value)
        } else {
            value
                .checked_neg()
                .map_or_else(|| self.fail("an integer out of range"), Ok)
        }
    }

    /// A string, borrowed from the text unless it holds an escape.
    fn str(&mut self) -> Result<Cow<'a, str>, LinesJsonError> {
        self.expect(b'"', "no string")?;
        let start = self.at;
        let text = self.text;
        let rest = &text.as_bytes()[start..];
        match memchr::memchr2(b'"', b'\\', rest) {
            Some(len) if rest[len] == b'"' => {
                self.at = start + len + 1;
                Ok(Cow::Borrowed(&text[start..start + len]))
            }
            Some(_) => self.escaped_string(start).map(Cow::Owned),
            None => self.fail("an unterminated string"),
        }
    }

    fn string(&mut self) -> Result<String, LinesJsonError> {
        self.str().map(Cow::into_owned)
    }

    /// A domain value stored as text, such as a match status.
    fn column<T: TextColumn>(&mut self) -> Result<T, LinesJsonError> {
        let at = self.at;
        let text = self.str()?;
        T::from_column(&text).ok_or(LinesJsonError { what: T::WHAT, at })
    }

    fn id<T>(
        &mut self,
        new: fn(i64) -> Result<T, crate::domain::ids::BadId>,
    ) -> Result<T, LinesJsonError> {
        let at = self.at;
        new(self.int()?).map_err(|_| LinesJsonError {
            what: "an id that is not positive",
            at,
        })
    }

    /// The string that starts at `start` (after its quote) and holds an
    /// escape: serde_json unescapes it.
    #[cold]
    fn escaped_string(&mut self, start: usize) -> Result<String, LinesJsonError> {
        let bytes = self.text.as_bytes();
        let mut end = start;
        loop {
            match bytes.get(end) {
                Some(b'"') => break,
                Some(b'\\') => end += 2,
                Some(_) => end += 1,
                None => return self.fail("an unterminated string"),
            }
        }
        self.at = end + 1;
        serde_json::from_str(&self.text[start - 1..=end]).or_else(|_| {
            self.at = start;
            self.fail("a bad string escape")
        })
    }

    fn opt_int(&mut self) -> Result<Option<i64>, LinesJsonError> {
        if self.null() {
            Ok(None)
        } else {
            self.int().map(Some)
        }
    }

    fn opt_string(&mut self) -> Result<Option<String>, LinesJsonError> {
        if self.null() {
            Ok(None)
        } else {
            self.string().map(Some)
        }
    }

    fn opt_column<T: TextColumn>(&mut self) -> Result<Option<T>, LinesJsonError> {
        if self.null() {
            Ok(None)
        } else {
            self.column().map(Some)
        }
    }

    fn comma(&mut self) -> Result<(), LinesJsonError> {
        self.expect(b',', "a missing field")
    }

    fn line(&mut self) -> Result<OrderLine, LinesJsonError> {
        self.expect(b'[', "no line array")?;
        let id = self.id(OrderItemId::new)?;
        self.comma()?;
        let order_id = self.id(OrderId::new)?;
        self.comma()?;
        let platform_item_id = self.string()?;
        self.comma()?;
        let asin = self.opt_string()?;
        self.comma()?;
        let sku = self.opt_string()?;
        self.comma()?;
        let title = self.opt_string()?;
        self.comma()?;
        let quantity = self.int()?;
        self.comma()?;
        let unit_price_minor = self.opt_int()?;
        self.comma()?;
        let line_price_minor = self.opt_int()?;
        self.comma()?;
        let currency = self.opt_column()?;
        self.comma()?;
        let condition = self.opt_string()?;
        self.comma()?;
        let match_status = self.column()?;
        self.comma()?;
        let link_count = self.int()?;
        self.expect(b']', "more fields than a line has")?;
        Ok(OrderLine {
            id,
            order_id,
            platform_item_id,
            asin,
            sku,
            title,
            quantity,
            unit_price_minor,
            line_price_minor,
            currency,
            condition,
            match_status,
            link_count,
        })
    }
}

/// The lines in `text`, in the order they are written.
pub fn parse(text: &str) -> Result<Vec<OrderLine>, LinesJsonError> {
    let mut cursor = Cursor { text, at: 0 };
    cursor.expect(b'[', "no array")?;
    let mut lines = Vec::new();
    if cursor.peek() == Some(b']') {
        cursor.at += 1;
    } else {
        loop {
            lines.push(cursor.line()?);
            match cursor.peek() {
                Some(b',') => cursor.at += 1,
                Some(b']') => {
                    cursor.at += 1;
                    break;
                }
                _ => return cursor.fail("no comma or end after a line"),
            }
        }
    }
    if cursor.peek().is_some() {
        return cursor.fail("text after the array");
    }
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::{Value, json};

    use super::{OrderLine, parse};
    use crate::domain::{Currency, MatchStatus, OrderId, OrderItemId};

    fn as_json(line: &OrderLine) -> Value {
        json!([
            line.id,
            line.order_id,
            line.platform_item_id,
            line.asin,
            line.sku,
            line.title,
            line.quantity,
            line.unit_price_minor,
            line.line_price_minor,
            line.currency,
            line.condition,
            line.match_status,
            line.link_count
        ])
    }

    fn line_strategy() -> impl Strategy<Value = OrderLine> {
        let text = prop_oneof![
            any::<String>(),
            "[a-zA-Z0-9 \"\\\\/\u{1}\n\u{7f}é€😀-]{0,40}",
        ];
        let id = 1..=i64::MAX;
        let currency = "[A-Z]{3}".prop_map(|code| Currency::parse(&code).unwrap());
        let status = proptest::sample::select(vec![
            MatchStatus::Linked,
            MatchStatus::Matched,
            MatchStatus::Unmatched,
            MatchStatus::NoAsin,
        ]);
        (
            (
                id.clone().prop_map(|n| OrderItemId::new(n).unwrap()),
                id.prop_map(|n| OrderId::new(n).unwrap()),
                text.clone(),
            ),
            proptest::option::of(text.clone()),
            proptest::option::of(text.clone()),
            proptest::option::of(text.clone()),
            (any::<i64>(), any::<Option<i64>>(), any::<Option<i64>>()),
            proptest::option::of(currency),
            proptest::option::of(text),
            (status, any::<i64>()),
        )
            .prop_map(
                |(
                    (id, order_id, platform_item_id),
                    asin,
                    sku,
                    title,
                    (quantity, unit_price_minor, line_price_minor),
                    currency,
                    condition,
                    (match_status, link_count),
                )| OrderLine {
                    id,
                    order_id,
                    platform_item_id,
                    asin,
                    sku,
                    title,
                    quantity,
                    unit_price_minor,
                    line_price_minor,
                    currency,
                    condition,
                    match_status,
                    link_count,
                },
            )
    }

    proptest! {
        #[test]
        fn reads_what_serde_json_writes(lines in proptest::collection::vec(line_strategy(), 0..6)) {
            let value = Value::Array(lines.iter().map(as_json).collect());
            // Compact, as SQLite writes it, and spaced, as PostgreSQL does.
            let compact = serde_json::to_string(&value).unwrap();
            let spaced = serde_json::to_string_pretty(&value).unwrap();
            prop_assert_eq!(&parse(&compact).unwrap(), &lines);
            prop_assert_eq!(&parse(&spaced).unwrap(), &lines);
        }
    }

    #[test]
    fn reads_postgresql_spacing() {
        let text = r#"[[1, 2, "A\"1", null, "SKU", "T\u00e9", 1, 250, null, "GBP", null, "matched", 0], 
 [3, 2, "B", "B0X", null, null, 2, null, 500, null, "New", "linked", -1]]"#;
        let lines = parse(text).unwrap();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].platform_item_id, "A\"1");
        assert_eq!(lines[0].title.as_deref(), Some("Té"));
        assert_eq!(lines[1].link_count, -1);
        assert_eq!(parse("[]").unwrap(), Vec::new());
        assert_eq!(parse(" [ ] ").unwrap(), Vec::new());
    }

    #[test]
    fn refuses_anything_else() {
        let good = r#"[1,2,"A",null,null,null,1,null,null,null,null,"matched",0]"#;
        assert!(parse(&format!("[{good}]")).is_ok());
        for bad in [
            String::new(),
            "[".into(),
            format!("[{good}"),
            format!("[{good},]"),
            format!("[{good}] x"),
            format!("[{good}{good}]"),
            good.replace("[1,", "[1.5,"),
            good.replace("[1,", "[1e3,"),
            good.replace("[1,", "[99999999999999999999,"),
            good.replace("[1,", "[-,"),
            good.replace("\"A\"", "\"A"),
            good.replace("\"A\"", "\"A\\x\""),
            good.replace("\"A\"", "null"),
            good.replace(",0]", "]"),
            good.replace(",0]", ",0,0]"),
            good.replace(",1,null", ",\"1\",null"),
            good.replace("[1,", "[0,"),
            good.replace("[1,2,", "[1,-2,"),
            good.replace("\"matched\"", "\"Matched\""),
            good.replace("\"matched\"", "null"),
            good.replace(",null,null,\"matched\"", ",\"GB\",null,\"matched\""),
        ] {
            let text = if bad.starts_with("[1") {
                format!("[{bad}]")
            } else {
                bad
            };
            assert!(parse(&text).is_err(), "{text}");
        }
        assert_eq!(
            parse(&format!(
                "[{}]",
                good.replace(",0]", ",-9223372036854775808]")
            ))
            .unwrap()[0]
                .link_count,
            i64::MIN
        );
    }
}
