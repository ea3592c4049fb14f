//! Exact money: amounts keep Amazon's decimal text, never pass through `f64`.

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::value::RawValue;

/// A decimal number exactly as Amazon wrote it, e.g. `"34.99"` or `-3.0`.
///
/// Orders send amounts as JSON strings, Finances as JSON numbers; both are
/// read from the raw JSON text, so `0.1` stays `0.1`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Decimal(String);

/// Why a text is not a plain decimal number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a plain decimal number: {0:?}")]
pub struct DecimalError(String);

impl Decimal {
    /// Checks `text` is a plain decimal (`-12.50`, `7`, `.5` is refused).
    pub fn parse(text: &str) -> Result<Self, DecimalError> {
        let digits = text.strip_prefix('-').unwrap_or(text);
        let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        let ok = !int.is_empty()
            && all_digits(int)
            && all_digits(frac)
            && (digits.contains('.') != frac.is_empty());
        if ok {
            Ok(Decimal(text.to_owned()))
        } else {
            Err(DecimalError(text.to_owned()))
        }
    }

    /// The exact text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The amount in minor units with `exponent` decimal places (2 for GBP),
    /// e.g. `"34.99"` → 3499. `None` if it has more places than that (it
    /// would need rounding) or does not fit in an `i64`.
    pub fn to_minor_units(&self, exponent: u32) -> Option<i64> {
        let negative = self.0.starts_with('-');
        let digits = self.0.trim_start_matches('-');
        let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
        let frac = frac.trim_end_matches('0');
        if frac.len() > exponent as usize {
            return None;
        }
        let scale = 10i64.checked_pow(exponent)?;
        let int: i64 = int.parse().ok()?;
        let mut frac_value: i64 = if frac.is_empty() {
            0
        } else {
            frac.parse().ok()?
        };
        frac_value = frac_value.checked_mul(10i64.checked_pow(exponent - frac.len() as u32)?)?;
        let magnitude = int.checked_mul(scale)?.checked_add(frac_value)?;
        Some(if negative { -magnitude } else { magnitude })
    }
}

impl std::fmt::Display for Decimal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for Decimal {
    type Err = DecimalError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Decimal::parse(s)
    }
}

impl<'de> Deserialize<'de> for Decimal {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = Box::<RawValue>::deserialize(deserializer)?;
        let text = raw.get();
        let text = if text.starts_with('"') {
            serde_json::from_str::<String>(text).map_err(de::Error::custom)?
        } else {
            text.to_owned()
        };
        Decimal::parse(text.trim()).map_err(de::Error::custom)
    }
}

impl Serialize for Decimal {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

/// An amount of money in one currency. Reads every SP-API money shape:
/// Orders 2026-01-01 `{amount, currencyCode}`, Orders v0
/// `{CurrencyCode, Amount}`, Finances v0 `{CurrencyCode, CurrencyAmount}`
/// and Finances 2024-06-19 `{currencyCode, currencyAmount}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Money {
    /// ISO 4217 currency code, e.g. `GBP`.
    #[serde(rename = "currencyCode", alias = "CurrencyCode")]
    pub currency_code: String,
    /// The exact amount.
    #[serde(alias = "Amount", alias = "CurrencyAmount", alias = "currencyAmount")]
    pub amount: Decimal,
}

impl Money {
    /// The amount in minor units of its currency (2 decimal places, as
    /// every marketplace Brickdesk targets uses), if exact.
    pub fn minor_units(&self) -> Option<i64> {
        self.amount.to_minor_units(2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_number_text_exactly() {
        let m: Money =
            serde_json::from_str(r#"{"CurrencyCode":"GBP","CurrencyAmount":0.1}"#).unwrap();
        assert_eq!(m.amount.as_str(), "0.1");
        assert_eq!(m.minor_units(), Some(10));
        let m: Money = serde_json::from_str(
            r#"{"CurrencyCode":"GBP","CurrencyAmount":-92233720368547758.07}"#,
        )
        .unwrap();
        assert_eq!(m.amount.as_str(), "-92233720368547758.07");
        assert_eq!(m.minor_units(), Some(-9223372036854775807));
    }

    #[test]
    fn reads_string_amounts_in_both_casings() {
        let a: Money = serde_json::from_str(r#"{"amount":"34.99","currencyCode":"GBP"}"#).unwrap();
        let b: Money = serde_json::from_str(r#"{"CurrencyCode":"GBP","Amount":"34.99"}"#).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.minor_units(), Some(3499));
    }

    #[test]
    fn minor_units_refuse_rounding_and_overflow() {
        assert_eq!(Decimal::parse("1.005").unwrap().to_minor_units(2), None);
        assert_eq!(
            Decimal::parse("1.500").unwrap().to_minor_units(2),
            Some(150)
        );
        assert_eq!(
            Decimal::parse("-3.0").unwrap().to_minor_units(2),
            Some(-300)
        );
        assert_eq!(Decimal::parse("7").unwrap().to_minor_units(0), Some(7));
        assert_eq!(
            Decimal::parse("99999999999999999999")
                .unwrap()
                .to_minor_units(2),
            None
        );
    }

    #[test]
    fn decodes_from_a_json_value_too() {
        let value = serde_json::json!({"CurrencyCode": "GBP", "CurrencyAmount": -12.5});
        let m: Money = serde_json::from_value(value).unwrap();
        assert_eq!(m.minor_units(), Some(-1250));
    }

    proptest::proptest! {
        #[test]
        fn json_numbers_keep_their_exact_text(int in 0u64..10_000_000_000_000_000, frac in 0u32..100, neg: bool) {
            let text = format!("{}{int}.{frac:02}", if neg { "-" } else { "" });
            let json = format!(r#"{{"CurrencyCode":"GBP","CurrencyAmount":{text}}}"#);
            let m: Money = serde_json::from_str(&json).unwrap();
            proptest::prop_assert_eq!(m.amount.as_str(), text.as_str());
            let minor = (int as i64) * 100 + i64::from(frac);
            proptest::prop_assert_eq!(m.minor_units(), Some(if neg { -minor } else { minor }));
        }
    }

    #[test]
    fn rejects_non_decimals() {
        for bad in ["", "-", "1.", ".5", "1e3", "abc", "1.2.3", "+1"] {
            assert!(Decimal::parse(bad).is_err(), "{bad}");
        }
        assert!(serde_json::from_str::<Decimal>("1e3").is_err());
    }
}
