//! The demo seller's catalogue: real LEGO set numbers and names, with the
//! ASINs the simulated Amazon listings use. Brickdesk's demo inventory is
//! drawn from the same list, so demo orders can be matched to demo units.

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

/// The demo catalogue. Order is stable: generators index into it by seed.
pub const CATALOGUE: &[CatalogueEntry] = &[
    entry(
        "75192",
        "Millennium Falcon",
        "B07JPLG4BS",
        59999,
        "Star Wars",
    ),
    entry("10294", "Titanic", "B09876WXYZ", 57999, "Icons"),
    entry("75313", "AT-AT", "B09BNXQ2KL", 72999, "Star Wars"),
    entry("10276", "Colosseum", "B09G9KTTJ3", 41999, "Icons"),
    entry(
        "42143",
        "Ferrari Daytona SP3",
        "B09QFMF3ZV",
        37999,
        "Technic",
    ),
    entry("10497", "Galaxy Explorer", "B0B8NZFK4N", 8999, "Icons"),
    entry("21330", "Home Alone", "B0B3RPQ6ZT", 22999, "Ideas"),
    entry(
        "10300",
        "Back to the Future Time Machine",
        "B0BDTCVB9Q",
        16999,
        "Icons",
    ),
    entry("76240", "Batmobile Tumbler", "B08HVXMQ87", 21999, "DC"),
    entry(
        "71043",
        "Hogwarts Castle",
        "B07PZF1RG2",
        38999,
        "Harry Potter",
    ),
    entry("10281", "Bonsai Tree", "B08YP6D5BZ", 4499, "Botanical"),
    entry("10311", "Orchid", "B09PBKW2ZG", 4499, "Botanical"),
    entry("40220", "London Bus", "B07FNW9FGJ", 999, "Creator"),
    entry("31109", "Pirate Ship", "B07WZKDDK8", 9999, "Creator 3in1"),
    entry("21318", "Tree House", "B07NL4Y8NB", 19999, "Ideas"),
    entry(
        "42115",
        "Lamborghini Sian FKP 37",
        "B08G4JCLRB",
        37999,
        "Technic",
    ),
    entry(
        "75341",
        "Luke Skywalker's Landspeeder",
        "B0B8P6HV9B",
        19999,
        "Star Wars",
    ),
    entry(
        "10305",
        "Lion Knights' Castle",
        "B0BN6LRJ4V",
        35999,
        "Icons",
    ),
    entry(
        "76419",
        "Hogwarts Castle and Grounds",
        "B0BWBTKRZW",
        15999,
        "Harry Potter",
    ),
    entry(
        "10317",
        "Land Rover Classic Defender 90",
        "B0BTMMG3JW",
        21999,
        "Icons",
    ),
    entry("21325", "Medieval Blacksmith", "B08WWX2Q6Q", 16999, "Ideas"),
    entry(
        "60337",
        "Express Passenger Train",
        "B0B6W3N9JL",
        15999,
        "City",
    ),
    entry("75331", "The Razor Crest", "B09RMTQ4D1", 54999, "Star Wars"),
    entry(
        "10283",
        "NASA Space Shuttle Discovery",
        "B08XQRY8XB",
        17999,
        "Icons",
    ),
    entry(
        "42141",
        "McLaren Formula 1 Race Car",
        "B09QFQ5DRB",
        17999,
        "Technic",
    ),
    entry("76178", "Daily Bugle", "B08WWP54DH", 29999, "Marvel"),
    entry("10302", "Optimus Prime", "B0B4BWKN8T", 15999, "Icons"),
    entry("21323", "Grand Piano", "B08GBFJFRR", 31999, "Ideas"),
    entry("10295", "Porsche 911", "B091B2TKJ4", 14999, "Icons"),
    entry(
        "75288",
        "AT-AT (Tatooine)",
        "B08G4K1LHY",
        13999,
        "Star Wars",
    ),
    entry("43222", "Disney Castle", "B0CFVXSTKQ", 39999, "Disney"),
    entry("10316", "Rivendell", "B0BX4ZZP2M", 44999, "Icons"),
    entry("10320", "Eldorado Fortress", "B0CFW2DHSD", 19999, "Icons"),
    entry("21343", "Viking Village", "B0CFVWYC5J", 12999, "Minecraft"),
    entry("10307", "Eiffel Tower", "B0BGPKNVCN", 62999, "Icons"),
    entry(
        "42156",
        "PEUGEOT 9X8 24H Le Mans Hybrid Hypercar",
        "B0BWBFGGHY",
        19999,
        "Technic",
    ),
    entry(
        "75355",
        "UCS X-Wing Starfighter",
        "B0BWBRX1L5",
        21999,
        "Star Wars",
    ),
    entry("10312", "Jazz Club", "B0BBRRB3DD", 19999, "Icons"),
    entry("60380", "Downtown", "B0C4KXTJQ5", 19999, "City"),
    entry(
        "76417",
        "Gringotts Wizarding Bank",
        "B0BWBWGMW4",
        37999,
        "Harry Potter",
    ),
];

const fn entry(
    set_number: &'static str,
    name: &'static str,
    asin: &'static str,
    price_pence: i64,
    theme: &'static str,
) -> CatalogueEntry {
    CatalogueEntry {
        set_number,
        name,
        asin,
        price_pence,
        theme,
    }
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
        for e in CATALOGUE {
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
