//! Exact money: integer minor units plus an ISO 4217 currency, parsed from
//! Amazon's decimal strings and numbers without ever going through floats.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Why a money value could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// The text is not a decimal number.
    #[error("'{0}' is not a decimal amount")]
    NotANumber(String),
    /// More decimal places than the currency has, and they are not zero.
    #[error("'{text}' has more than {places} decimal places")]
    TooPrecise {
        /// The offending text.
        text: String,
        /// Decimal places the currency allows.
        places: u32,
    },
    /// The amount does not fit in 64-bit minor units.
    #[error("'{0}' is too large")]
    Overflow(String),
    /// Not a three-letter ISO currency code.
    #[error("'{0}' is not a currency code")]
    BadCurrency(String),
}

/// An ISO 4217 currency code, upper case, three ASCII letters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency([u8; 3]);

impl Currency {
    /// Pound sterling, the UK marketplace's currency.
    pub const GBP: Currency = Currency(*b"GBP");
    /// Euro.
    pub const EUR: Currency = Currency(*b"EUR");
    /// US dollar.
    pub const USD: Currency = Currency(*b"USD");

    /// Parses a code such as `GBP` (case-insensitive, surrounding space ignored).
    pub fn parse(code: &str) -> Result<Self, MoneyError> {
        let trimmed = code.trim();
        let bytes = trimmed.as_bytes();
        if bytes.len() != 3 || !bytes.iter().all(u8::is_ascii_alphabetic) {
            return Err(MoneyError::BadCurrency(code.to_owned()));
        }
        Ok(Currency([
            bytes[0].to_ascii_uppercase(),
            bytes[1].to_ascii_uppercase(),
            bytes[2].to_ascii_uppercase(),
        ]))
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        // Constructed only from ASCII letters, so always valid UTF-8.
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }

    /// Number of decimal places of the minor unit (ISO 4217 exponent).
    pub fn decimal_places(&self) -> u32 {
        match &self.0 {
            b"JPY" | b"KRW" | b"CLP" | b"ISK" | b"VND" => 0,
            b"BHD" | b"KWD" | b"OMR" | b"JOD" | b"TND" => 3,
            _ => 2,
        }
    }

    /// The symbol shown before an amount, or the code followed by a space.
    pub fn symbol(&self) -> &str {
        match &self.0 {
            b"GBP" => "£",
            b"EUR" => "€",
            b"USD" => "$",
            _ => "",
        }
    }

    /// The symbol written after an amount, in the style of its country
    /// (`32,50 kr`, `1 234,50 zł`), for currencies written so.
    pub fn suffix(&self) -> Option<&str> {
        match &self.0 {
            b"SEK" | b"NOK" | b"DKK" => Some("kr"),
            b"PLN" => Some("zł"),
            _ => None,
        }
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Currency {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl utoipa::PartialSchema for Currency {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .pattern(Some("^[A-Z]{3}$"))
            .description(Some("ISO 4217 currency code"))
            .into()
    }
}

impl utoipa::ToSchema for Currency {}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Currency::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// An exact amount of money.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    /// Amount in minor units (pence for GBP).
    pub minor: i64,
    /// Currency of the amount.
    pub currency: Currency,
}

impl Money {
    /// Builds a value from minor units.
    pub fn from_minor(minor: i64, currency: Currency) -> Self {
        Money { minor, currency }
    }

    /// Parses a decimal such as `32.50`, `-1.5` or `1234`; see
    /// [`parse_minor_units`] for what is refused.
    pub fn parse(amount: &str, currency: Currency) -> Result<Self, MoneyError> {
        Ok(Money {
            minor: parse_minor_units(amount, currency.decimal_places())?,
            currency,
        })
    }

    /// The amount as a plain decimal, without symbol or separators
    /// (`59999` pence is `599.99`), as forms and CSV files hold it.
    /// Digit by digit: pages and exports format amounts by the thousand.
    pub fn to_plain_string(&self) -> String {
        let places = self.currency.decimal_places() as usize;
        // Least significant first, with at least one digit before the point.
        let mut rest = self.minor.unsigned_abs();
        let mut digits = [0u8; 24];
        let mut len = 0;
        while rest > 0 || len <= places {
            digits[len] = b'0' + (rest % 10) as u8;
            rest /= 10;
            len += 1;
        }
        let mut out = String::with_capacity(len + 2);
        if self.minor < 0 {
            out.push('-');
        }
        for (i, d) in digits[..len].iter().rev().enumerate() {
            if places > 0 && i == len - places {
                out.push('.');
            }
            out.push(char::from(*d));
        }
        out
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let places = self.currency.decimal_places();
        let sign = if self.minor < 0 { "-" } else { "" };
        let abs = self.minor.unsigned_abs();
        let scale = 10u64.pow(places);
        // `1,234.50` after the symbol, or `1 234,50` before the suffix.
        let (thousands, point) = match self.currency.suffix() {
            Some(_) => ('\u{a0}', ','),
            None => (',', '.'),
        };
        let mut number = group_thousands(abs / scale, thousands);
        if places > 0 {
            let fraction = format!("{:0width$}", abs % scale, width = places as usize);
            number.push(point);
            number.push_str(&fraction);
        }
        match (self.currency.suffix(), self.currency.symbol()) {
            (Some(suffix), _) => write!(f, "{sign}{number}\u{a0}{suffix}"),
            (None, "") => write!(f, "{sign}{} {number}", self.currency),
            (None, symbol) => write!(f, "{sign}{symbol}{number}"),
        }
    }
}

fn group_thousands(n: u64, separator: char) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(separator);
        }
        out.push(ch);
    }
    out
}

/// Why an amount a person wrote (in a form or a CSV cell) was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    /// A currency symbol other than the currency's own.
    #[error("'{text}' is in {symbol} but the row's currency is {currency}")]
    WrongSymbol {
        /// The text as written.
        text: String,
        /// The symbol it starts with.
        symbol: &'static str,
        /// The currency it should be in.
        currency: Currency,
    },
    /// A negative amount.
    #[error("'{0}' is negative")]
    Negative(String),
    /// Thousands separators not every three digits.
    #[error("'{0}' has misplaced thousands separators (write 1234.50 or 1,234.50)")]
    MisplacedSeparators(String),
    /// Not a number.
    #[error("'{0}' is not an amount such as 12.50")]
    NotAnAmount(String),
    /// More decimal places than the currency has.
    #[error("'{text}' has more than {places} decimal places")]
    TooPrecise {
        /// The text as written.
        text: String,
        /// Decimal places the currency allows.
        places: u32,
    },
    /// Does not fit in 64-bit minor units.
    #[error("'{0}' is too large")]
    TooLarge(String),
}

/// An amount as people write it: `£1,234.50`, `1234.5`, `1,234`; blank
/// is none. Exact (no floats); a currency symbol must match `currency`;
/// thousands separators must sit every three digits; negative amounts are
/// refused.
pub fn parse_written_amount(text: &str, currency: Currency) -> Result<Option<i64>, AmountError> {
    if text.is_empty() {
        return Ok(None);
    }
    let mut amount = text;
    for symbol in ["£", "$", "€"] {
        if let Some(rest) = amount.strip_prefix(symbol) {
            if symbol != currency.symbol() {
                return Err(AmountError::WrongSymbol {
                    text: text.to_owned(),
                    symbol,
                    currency,
                });
            }
            amount = rest.trim_start();
        }
    }
    if amount.starts_with('-') {
        return Err(AmountError::Negative(text.to_owned()));
    }
    let (whole, fraction) = amount
        .split_once('.')
        .map_or((amount, None), |(w, f)| (w, Some(f)));
    let ungrouped = if whole.contains(',') {
        let groups: Vec<&str> = whole.split(',').collect();
        let well_placed = groups.iter().enumerate().all(|(i, g)| {
            let n = g.len();
            g.bytes().all(|b| b.is_ascii_digit())
                && if i == 0 { (1..=3).contains(&n) } else { n == 3 }
        });
        if !well_placed {
            return Err(AmountError::MisplacedSeparators(text.to_owned()));
        }
        groups.concat()
    } else {
        whole.to_owned()
    };
    let plain = match fraction {
        Some(f) => format!("{ungrouped}.{f}"),
        None => ungrouped,
    };
    parse_minor_units(&plain, currency.decimal_places())
        .map(Some)
        .map_err(|e| match e {
            MoneyError::TooPrecise { places, .. } => AmountError::TooPrecise {
                text: text.to_owned(),
                places,
            },
            MoneyError::Overflow(_) => AmountError::TooLarge(text.to_owned()),
            MoneyError::NotANumber(_) | MoneyError::BadCurrency(_) => {
                AmountError::NotAnAmount(text.to_owned())
            }
        })
}

/// Parses a plain decimal number into integer minor units with `places`
/// decimal places. Accepts an optional sign, digits, and an optional
/// fraction. Extra fraction digits are accepted only when they are zeros
/// (`12.500` is 1250 pence); anything else would need rounding, which
/// money must never do silently.
pub fn parse_minor_units(text: &str, places: u32) -> Result<i64, MoneyError> {
    let not_a_number = || MoneyError::NotANumber(text.to_owned());
    let s = text.trim();
    let (negative, unsigned) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let (whole, fraction) = match unsigned.split_once('.') {
        Some((w, f)) => (w, f),
        None => (unsigned, ""),
    };
    if whole.is_empty() && fraction.is_empty() {
        return Err(not_a_number());
    }
    if !whole.bytes().all(|b| b.is_ascii_digit()) || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return Err(not_a_number());
    }
    let places_usize = places as usize;
    let (kept, dropped) = if fraction.len() > places_usize {
        fraction.split_at(places_usize)
    } else {
        (fraction, "")
    };
    if dropped.bytes().any(|b| b != b'0') {
        return Err(MoneyError::TooPrecise {
            text: text.to_owned(),
            places,
        });
    }
    let overflow = || MoneyError::Overflow(text.to_owned());
    let mut minor: i64 = 0;
    for b in whole.bytes().chain(kept.bytes()) {
        minor = minor
            .checked_mul(10)
            .and_then(|m| m.checked_add(i64::from(b - b'0')))
            .ok_or_else(overflow)?;
    }
    for _ in kept.len()..places_usize {
        minor = minor.checked_mul(10).ok_or_else(overflow)?;
    }
    Ok(if negative { -minor } else { minor })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_amazon_decimal_strings() {
        assert_eq!(parse_minor_units("32.50", 2), Ok(3250));
        assert_eq!(parse_minor_units("32.5", 2), Ok(3250));
        assert_eq!(parse_minor_units("32", 2), Ok(3200));
        assert_eq!(parse_minor_units("-1.05", 2), Ok(-105));
        assert_eq!(parse_minor_units("+0.01", 2), Ok(1));
        assert_eq!(parse_minor_units(".5", 2), Ok(50));
        assert_eq!(parse_minor_units("7.", 2), Ok(700));
        assert_eq!(parse_minor_units("12.500", 2), Ok(1250));
        assert_eq!(parse_minor_units("1500", 0), Ok(1500));
        assert_eq!(parse_minor_units(" 0.00 ", 2), Ok(0));
    }

    #[test]
    fn refuses_what_would_need_rounding_or_is_not_a_number() {
        assert!(matches!(
            parse_minor_units("1.005", 2),
            Err(MoneyError::TooPrecise { .. })
        ));
        for bad in [
            "", "-", ".", "abc", "1,000.00", "1e3", "12.3.4", "NaN", "--1", "£5",
        ] {
            assert!(
                matches!(parse_minor_units(bad, 2), Err(MoneyError::NotANumber(_))),
                "{bad:?} should be refused"
            );
        }
        assert!(matches!(
            parse_minor_units("99999999999999999999", 2),
            Err(MoneyError::Overflow(_))
        ));
    }

    #[test]
    fn written_amounts() {
        let gbp = Currency::GBP;
        assert_eq!(parse_written_amount("£1,234.50", gbp), Ok(Some(123_450)));
        assert_eq!(parse_written_amount("1234.5", gbp), Ok(Some(123_450)));
        assert_eq!(parse_written_amount("1,234", gbp), Ok(Some(123_400)));
        assert_eq!(
            parse_written_amount("1,234,567.89", gbp),
            Ok(Some(123_456_789))
        );
        assert_eq!(parse_written_amount("£ 12", gbp), Ok(Some(1200)));
        assert_eq!(parse_written_amount("0.99", gbp), Ok(Some(99)));
        assert_eq!(parse_written_amount("", gbp), Ok(None));
        assert_eq!(parse_written_amount("€5", Currency::EUR), Ok(Some(500)));
        for (bad, why) in [
            ("1,23", "misplaced thousands"),
            ("1234,50", "misplaced thousands"),
            (",123", "misplaced thousands"),
            ("12.345", "more than 2 decimal places"),
            ("-5", "negative"),
            ("twelve", "not an amount"),
            ("1.2.3", "not an amount"),
            ("$5", "row's currency is GBP"),
            ("99999999999999999999", "too large"),
        ] {
            let got = parse_written_amount(bad, gbp);
            assert!(
                got.as_ref().is_err_and(|e| e.to_string().contains(why)),
                "{bad}: {got:?}"
            );
        }
    }

    #[test]
    fn currency_codes() {
        assert_eq!(Currency::parse("gbp"), Ok(Currency::GBP));
        assert!(Currency::parse("GB").is_err());
        assert!(Currency::parse("G1P").is_err());
        assert_eq!(Currency::parse("JPY").map(|c| c.decimal_places()), Ok(0));
    }

    #[test]
    fn formats_for_people() {
        assert_eq!(Money::from_minor(3250, Currency::GBP).to_string(), "£32.50");
        assert_eq!(Money::from_minor(-105, Currency::GBP).to_string(), "-£1.05");
        assert_eq!(
            Money::from_minor(123_456_789, Currency::EUR).to_string(),
            "€1,234,567.89"
        );
        let jpy = Currency::parse("JPY").unwrap_or(Currency::GBP);
        assert_eq!(Money::from_minor(1500, jpy).to_string(), "JPY 1,500");
        let sek = Currency::parse("SEK").unwrap_or(Currency::GBP);
        assert_eq!(Money::from_minor(3250, sek).to_string(), "32,50\u{a0}kr");
        let pln = Currency::parse("PLN").unwrap_or(Currency::GBP);
        assert_eq!(
            Money::from_minor(-123_450, pln).to_string(),
            "-1\u{a0}234,50\u{a0}zł"
        );
        assert_eq!(Money::from_minor(3250, Currency::EUR).to_string(), "€32.50");
    }

    #[test]
    fn amounts_print_plainly() {
        let plain = |minor, code| {
            let currency = Currency::parse(code).unwrap_or(Currency::GBP);
            Money::from_minor(minor, currency).to_plain_string()
        };
        assert_eq!(plain(59_999, "GBP"), "599.99");
        assert_eq!(plain(5, "GBP"), "0.05");
        assert_eq!(plain(-105, "GBP"), "-1.05");
        assert_eq!(plain(0, "GBP"), "0.00");
        assert_eq!(plain(i64::MIN, "GBP"), "-92233720368547758.08");
        assert_eq!(plain(0, "JPY"), "0");
        assert_eq!(plain(-1500, "JPY"), "-1500");
        assert_eq!(plain(7, "KWD"), "0.007");
    }

    proptest! {
        /// What is printed plainly parses back to the same amount, in
        /// currencies of 0, 2 and 3 decimal places.
        #[test]
        fn plain_amounts_round_trip(minor in -1_000_000_000_000i64..1_000_000_000_000, code in 0usize..3) {
            let currency = Currency::parse(["JPY", "GBP", "KWD"][code]).unwrap_or(Currency::GBP);
            let text = Money::from_minor(minor, currency).to_plain_string();
            prop_assert_eq!(parse_minor_units(&text, currency.decimal_places()), Ok(minor));
        }

        #[test]
        fn formatting_and_parsing_round_trip(minor in -10_000_000_000i64..10_000_000_000) {
            let whole = minor.unsigned_abs() / 100;
            let frac = minor.unsigned_abs() % 100;
            let sign = if minor < 0 { "-" } else { "" };
            let text = format!("{sign}{whole}.{frac:02}");
            prop_assert_eq!(parse_minor_units(&text, 2), Ok(minor));
        }
    }
}
