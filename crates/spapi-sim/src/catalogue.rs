//! The demo seller's catalogue: real LEGO set numbers and names, with the
//! ASINs the simulated Amazon listings use. Brickdesk's demo inventory is
//! drawn from the same list, so demo orders can be matched to demo units.

use std::sync::LazyLock;

/// One listing in the demo catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CatalogueEntry {
    /// LEGO set number, e.g. `75192`.
    pub set_number: &'static str,
    /// Set name as LEGO publishes it.
    pub name: &'static str,
    /// Amazon Standard Identification Number of the listing.
    pub asin: &'static str,
    /// Typical selling price in pence (GBP minor units).
    pub price_pence: i64,
    /// Theme, used to build Amazon-style item titles.
    pub theme: &'static str,
}

/// The demo catalogue, from `catalogue.tsv`. Order is stable: generators
/// index into it by seed.
pub static CATALOGUE: LazyLock<Vec<CatalogueEntry>> =
    LazyLock::new(|| parse(include_str!("catalogue.tsv")));

/// Reads the tab-separated table (set number, name, ASIN, price in pence,
/// theme); `#` starts a comment line. The table ships in the binary, so a
/// malformed line is a build mistake the tests catch.
fn parse(table: &'static str) -> Vec<CatalogueEntry> {
    table
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|line| {
            let fields: Vec<&'static str> = line.split('\t').collect();
            let [set_number, name, asin, price, theme] = fields[..] else {
                panic!("catalogue line {line:?}: expected five tab-separated fields");
            };
            CatalogueEntry {
                set_number,
                name,
                asin,
                price_pence: price
                    .parse()
                    .unwrap_or_else(|_| panic!("catalogue line {line:?}: price {price:?}")),
                theme,
            }
        })
        .collect()
}

impl CatalogueEntry {
    /// The title Amazon shows for the listing, e.g.
    /// `LEGO Star Wars Millennium Falcon 75192 Building Set`.
    pub fn amazon_title(&self) -> String {
        format!(
            "LEGO {} {} {} Building Set",
            self.theme, self.name, self.set_number
        )
    }
}

/// The entry for an ASIN, if it is in the catalogue.
pub fn by_asin(asin: &str) -> Option<&'static CatalogueEntry> {
    CATALOGUE.iter().find(|e| e.asin == asin)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn asins_and_set_numbers_are_unique_and_well_formed() {
        let asins: HashSet<_> = CATALOGUE.iter().map(|e| e.asin).collect();
        let sets: HashSet<_> = CATALOGUE.iter().map(|e| e.set_number).collect();
        assert_eq!(asins.len(), CATALOGUE.len());
        assert_eq!(sets.len(), CATALOGUE.len());
        assert_eq!(CATALOGUE.len(), 40);
        for e in CATALOGUE.iter() {
            assert_eq!(e.asin.len(), 10, "{}", e.asin);
            assert!(e.asin.starts_with("B0"), "{}", e.asin);
            assert!(
                e.asin
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
            );
            assert!(e.price_pence > 0);
        }
    }

    #[test]
    fn looks_up_by_asin() {
        assert_eq!(by_asin("B07JPLG4BS").map(|e| e.set_number), Some("75192"));
        assert_eq!(by_asin("B000000000"), None);
    }
}
