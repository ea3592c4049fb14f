//! Header names: which column of the file holds which field.

use super::RowError;

/// A field the importer reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    /// LEGO set number (required).
    SetNumber,
    /// Set name (required).
    ItemName,
    /// `New` or `Used` (required).
    Condition,
    /// Inventory status (required).
    Status,
    /// Storage location.
    StorageLocation,
    /// Cost.
    Cost,
    /// Listing price.
    ListingPrice,
    /// ISO currency code of cost and price (default GBP).
    Currency,
    /// Seller SKU.
    Sku,
    /// Id in another system.
    ExternalId,
    /// Purchase date.
    PurchaseDate,
    /// Free text.
    Notes,
    /// When the unit was added (RFC 3339); drives FIFO.
    CreatedAt,
}

impl Column {
    /// Every column, in the order export writes them.
    pub const ALL: [Column; 13] = [
        Column::SetNumber,
        Column::ItemName,
        Column::Condition,
        Column::Status,
        Column::StorageLocation,
        Column::Cost,
        Column::ListingPrice,
        Column::Currency,
        Column::Sku,
        Column::ExternalId,
        Column::PurchaseDate,
        Column::Notes,
        Column::CreatedAt,
    ];

    /// The header export writes.
    pub fn name(self) -> &'static str {
        match self {
            Column::SetNumber => "set_number",
            Column::ItemName => "item_name",
            Column::Condition => "condition",
            Column::Status => "status",
            Column::StorageLocation => "storage_location",
            Column::Cost => "cost",
            Column::ListingPrice => "listing_price",
            Column::Currency => "currency",
            Column::Sku => "sku",
            Column::ExternalId => "external_id",
            Column::PurchaseDate => "purchase_date",
            Column::Notes => "notes",
            Column::CreatedAt => "created_at",
        }
    }

    /// Whether a file must have this column.
    pub fn required(self) -> bool {
        matches!(
            self,
            Column::SetNumber | Column::ItemName | Column::Condition | Column::Status
        )
    }

    /// Other accepted names, already normalised (see [`normalise`]).
    fn aliases(self) -> &'static [&'static str] {
        match self {
            Column::SetNumber => &["setnumber", "set", "setno", "setnum", "setid"],
            Column::ItemName => &["itemname", "name", "setname", "title"],
            Column::Condition => &["condition", "cond"],
            Column::Status => &["status", "state"],
            Column::StorageLocation => &["storagelocation", "location", "storage", "bin", "shelf"],
            Column::Cost => &["cost", "costprice", "purchaseprice", "boughtfor"],
            Column::ListingPrice => &[
                "listingprice",
                "price",
                "askingprice",
                "saleprice",
                "listprice",
            ],
            Column::Currency => &["currency", "currencycode"],
            Column::Sku => &["sku", "sellersku"],
            Column::ExternalId => &["externalid", "externalref", "extid"],
            Column::PurchaseDate => &["purchasedate", "purchased", "dateofpurchase", "boughton"],
            Column::Notes => &["notes", "note", "comments", "comment"],
            Column::CreatedAt => &["createdat", "created", "dateadded", "addedat"],
        }
    }

    /// The column a header names, if any.
    pub fn from_header(header: &str) -> Option<Column> {
        let norm = normalise(header);
        Column::ALL
            .into_iter()
            .find(|c| c.aliases().contains(&norm.as_str()))
    }
}

/// Lower case with everything but letters and digits removed, so
/// `Item Name`, `item_name` and `ITEM-NAME` compare equal.
pub fn normalise(header: &str) -> String {
    header
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Where each field is in a file.
#[derive(Debug, Clone)]
pub struct Layout {
    index: Vec<(Column, usize, String)>,
    ignored: Vec<String>,
    width: usize,
}

impl Layout {
    /// Reads the header row; every problem with it is reported at once.
    pub fn from_header(header: &csv::StringRecord) -> Result<Layout, Vec<RowError>> {
        let mut index: Vec<(Column, usize, String)> = Vec::new();
        let mut ignored = Vec::new();
        let mut errors = Vec::new();
        let error = |reason: String| RowError {
            line: 1,
            column: None,
            reason,
        };
        for (i, raw) in header.iter().enumerate() {
            let name = raw.trim().trim_start_matches('\u{feff}').to_owned();
            match Column::from_header(&name) {
                Some(col) => {
                    if let Some((_, _, first)) = index.iter().find(|(c, _, _)| *c == col) {
                        errors.push(error(format!(
                            "columns '{first}' and '{name}' both mean {}",
                            col.name()
                        )));
                    } else {
                        index.push((col, i, name));
                    }
                }
                None if name.is_empty() => {}
                None => ignored.push(name),
            }
        }
        for col in Column::ALL.into_iter().filter(|c| c.required()) {
            if !index.iter().any(|(c, _, _)| *c == col) {
                errors.push(error(format!(
                    "required column '{}' is missing (header names found: {})",
                    col.name(),
                    header
                        .iter()
                        .map(str::trim)
                        .filter(|h| !h.is_empty())
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
        }
        if errors.is_empty() {
            Ok(Layout {
                index,
                ignored,
                width: header.len(),
            })
        } else {
            Err(errors)
        }
    }

    /// Position of a field in a record.
    pub fn index(&self, col: Column) -> Option<usize> {
        self.index.iter().find(|(c, _, _)| *c == col).map(|x| x.1)
    }

    /// The header as the file wrote it (for messages).
    pub fn header_name(&self, col: Column) -> String {
        self.index
            .iter()
            .find(|(c, _, _)| *c == col)
            .map_or_else(|| col.name().to_owned(), |x| x.2.clone())
    }

    /// Headers that name no field.
    pub fn ignored(&self) -> &[String] {
        &self.ignored
    }

    /// Number of fields a record must have.
    pub fn width(&self) -> usize {
        self.width
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_ignore_case_spaces_and_punctuation() {
        assert_eq!(Column::from_header("Item Name"), Some(Column::ItemName));
        assert_eq!(Column::from_header(" item_name "), Some(Column::ItemName));
        assert_eq!(Column::from_header("NAME"), Some(Column::ItemName));
        assert_eq!(
            Column::from_header("Storage-Location"),
            Some(Column::StorageLocation)
        );
        assert_eq!(
            Column::from_header("location"),
            Some(Column::StorageLocation)
        );
        assert_eq!(Column::from_header("Price (£)"), Some(Column::ListingPrice));
        assert_eq!(
            Column::from_header("listing_price"),
            Some(Column::ListingPrice)
        );
        assert_eq!(Column::from_header("Set #"), Some(Column::SetNumber));
        assert_eq!(Column::from_header("colour"), None);
    }

    #[test]
    fn export_names_read_back() {
        for col in Column::ALL {
            assert_eq!(Column::from_header(col.name()), Some(col));
        }
    }

    #[test]
    fn header_problems_are_all_reported() {
        let header = csv::StringRecord::from(vec!["name", "item name", "colour"]);
        let errors = Layout::from_header(&header).err().unwrap_or_default();
        let reasons: Vec<&str> = errors.iter().map(|e| e.reason.as_str()).collect();
        assert!(
            reasons.iter().any(|r| r.contains("both mean item_name")),
            "{reasons:?}"
        );
        for missing in ["set_number", "condition", "status"] {
            assert!(
                reasons
                    .iter()
                    .any(|r| r.contains(&format!("'{missing}' is missing"))),
                "{reasons:?}"
            );
        }
        assert!(errors.iter().all(|e| e.line == 1));
    }

    #[test]
    fn unknown_columns_are_listed_not_fatal() {
        let header = csv::StringRecord::from(vec![
            "Status",
            "colour",
            "Set Number",
            "Name",
            "condition",
            "",
        ]);
        let layout = Layout::from_header(&header).ok();
        let layout = layout.as_ref();
        assert_eq!(
            layout.map(Layout::ignored),
            Some(&["colour".to_owned()][..])
        );
        assert_eq!(layout.and_then(|l| l.index(Column::SetNumber)), Some(2));
        assert_eq!(layout.map(Layout::width), Some(6));
        assert_eq!(
            layout.map(|l| l.header_name(Column::ItemName)),
            Some("Name".to_owned())
        );
    }
}
