//! Which bucket each of Amazon's charge and fee types falls in.

/// The bucket an amount of a financial event is counted under. Amounts
/// keep Amazon's sign: money to the seller is positive, fees charged are
/// negative (a refund reverses both).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    /// The item price (`Principal`): the gross.
    Principal,
    /// Shipping the buyer paid (`ShippingCharge`): the shipping credit.
    Shipping,
    /// Any other charge: tax, gift wrap, promotions, tax withheld, …
    OtherCharge,
    /// Referral fee (`Commission`).
    Commission,
    /// Fee Amazon keeps on a refund (`RefundCommission`).
    RefundCommission,
    /// Fulfilment by Amazon and shipping chargebacks.
    Fulfilment,
    /// Closing fees (`VariableClosingFee`, `FixedClosingFee`).
    Closing,
    /// Digital services fee.
    DigitalServices,
    /// Every other fee, including types Brickdesk does not know: kept and
    /// counted, never dropped.
    OtherFee,
}

impl Category {
    /// Every category, in display order.
    pub const ALL: [Category; 9] = [
        Category::Principal,
        Category::Shipping,
        Category::OtherCharge,
        Category::Commission,
        Category::RefundCommission,
        Category::Fulfilment,
        Category::Closing,
        Category::DigitalServices,
        Category::OtherFee,
    ];

    /// The fee categories (their sum is the unit's total fees): every
    /// category after the three charges.
    pub const FEES: &'static [Category] = Self::ALL.split_at(3).1;

    /// Stored value.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Principal => "principal",
            Category::Shipping => "shipping",
            Category::OtherCharge => "other_charge",
            Category::Commission => "commission",
            Category::RefundCommission => "refund_commission",
            Category::Fulfilment => "fulfilment",
            Category::Closing => "closing",
            Category::DigitalServices => "digital_services",
            Category::OtherFee => "other_fee",
        }
    }

    /// Reads a stored value.
    pub fn parse(text: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.as_str() == text)
    }

    /// How people call it.
    pub fn label(self) -> &'static str {
        match self {
            Category::Principal => "Item price",
            Category::Shipping => "Shipping credit",
            Category::OtherCharge => "Other charges",
            Category::Commission => "Commission",
            Category::RefundCommission => "Refund commission",
            Category::Fulfilment => "Fulfilment fees",
            Category::Closing => "Closing fees",
            Category::DigitalServices => "Digital services fee",
            Category::OtherFee => "Other fees",
        }
    }

    /// Whether amounts of this category are fees.
    pub fn is_fee(self) -> bool {
        Category::FEES.contains(&self)
    }
}

/// Category of a charge type (`ItemChargeList`, `ItemChargeAdjustmentList`).
pub fn classify_charge(charge_type: &str) -> Category {
    match charge_type {
        "Principal" => Category::Principal,
        "ShippingCharge" => Category::Shipping,
        _ => Category::OtherCharge,
    }
}

/// Category of a fee type (`ItemFeeList`, `ItemFeeAdjustmentList`).
pub fn classify_fee(fee_type: &str) -> Category {
    match fee_type {
        "Commission" => Category::Commission,
        "RefundCommission" => Category::RefundCommission,
        "VariableClosingFee" | "FixedClosingFee" => Category::Closing,
        "DigitalServicesFee" | "DigitalServicesFeeFBA" => Category::DigitalServices,
        "ShippingChargeback" | "ShippingHB" | "GiftwrapChargeback" => Category::Fulfilment,
        t if t.starts_with("FBA") => Category::Fulfilment,
        _ => Category::OtherFee,
    }
}

/// One typed amount of an event line: its bucket, Amazon's own type name
/// (kept for the breakdown) and the signed amount in minor units.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Component {
    /// Bucket.
    pub category: Category,
    /// Amazon's type, e.g. `Commission`, `Principal`, `PromotionMetaDataDefinitionValue`.
    pub amount_type: String,
    /// Signed amount in minor units.
    pub minor: i64,
}

impl Component {
    /// A charge of `charge_type`.
    pub fn charge(charge_type: &str, minor: i64) -> Component {
        Component {
            category: classify_charge(charge_type),
            amount_type: charge_type.to_owned(),
            minor,
        }
    }

    /// A fee of `fee_type`.
    pub fn fee(fee_type: &str, minor: i64) -> Component {
        Component {
            category: classify_fee(fee_type),
            amount_type: fee_type.to_owned(),
            minor,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charges() {
        assert_eq!(classify_charge("Principal"), Category::Principal);
        assert_eq!(classify_charge("ShippingCharge"), Category::Shipping);
        assert_eq!(classify_charge("Tax"), Category::OtherCharge);
        assert_eq!(classify_charge("GiftWrap"), Category::OtherCharge);
    }

    #[test]
    fn fees_known_and_unknown() {
        assert_eq!(classify_fee("Commission"), Category::Commission);
        assert_eq!(classify_fee("RefundCommission"), Category::RefundCommission);
        assert_eq!(
            classify_fee("FBAPerUnitFulfillmentFee"),
            Category::Fulfilment
        );
        assert_eq!(classify_fee("FBAWeightBasedFee"), Category::Fulfilment);
        assert_eq!(classify_fee("VariableClosingFee"), Category::Closing);
        assert_eq!(
            classify_fee("DigitalServicesFee"),
            Category::DigitalServices
        );
        assert_eq!(classify_fee("SomethingNewIn2027"), Category::OtherFee);
        assert_eq!(classify_fee(""), Category::OtherFee);
    }

    #[test]
    fn stored_values_round_trip() {
        for c in Category::ALL {
            assert_eq!(Category::parse(c.as_str()), Some(c));
        }
        assert_eq!(Category::parse("nope"), None);
        assert!(Category::FEES.iter().all(|c| c.is_fee()));
        assert!(!Category::Principal.is_fee());
    }
}
