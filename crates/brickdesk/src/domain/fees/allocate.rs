//! A line's events shared across its units, and a unit's share summed up.

use std::collections::BTreeMap;

use time::OffsetDateTime;

use super::classify::{Category, Component};
use super::split_evenly;
use crate::domain::FeeEventId;

/// What an event does to the units it covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventKind {
    /// A sale posted when the line shipped: principal, shipping, fees.
    Shipment,
    /// A refund (or guarantee claim, or chargeback): reverses principal and
    /// commission, adds refund commission.
    Refund,
}

/// One financial event's amounts for one order line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineEvent {
    /// The stored event (also breaks ties between events posted together).
    pub event_id: FeeEventId,
    /// Sale or refund.
    pub kind: EventKind,
    /// When Amazon posted it.
    pub posted_at: OffsetDateTime,
    /// Units it covers (`QuantityShipped`); `None` or 0: the whole line.
    pub quantity: Option<u32>,
    /// Its amounts.
    pub components: Vec<Component>,
}

/// A unit's share of one amount of one event.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UnitEntry {
    /// The event.
    pub event_id: FeeEventId,
    /// Sale or refund.
    pub kind: EventKind,
    /// The unit's share (same category and type as the event's amount).
    pub component: Component,
}

/// The units (by index) the next event of a kind covers. Events of one
/// kind take the line's units in order, so two partial shipments of a
/// line of three cover units 0 and then 1–2, and a one-unit refund lands
/// on the first unit not refunded yet; an event covering the whole line
/// (or more, or an unknown quantity) is shared by every unit.
fn targets(units: usize, cursor: &mut usize, quantity: Option<u32>) -> Vec<usize> {
    match quantity.map(|q| q as usize) {
        Some(q) if q > 0 && q < units => {
            let start = (*cursor).min(units - q);
            *cursor = start + q;
            (start..start + q).collect()
        }
        _ => {
            *cursor = units;
            (0..units).collect()
        }
    }
}

/// Shares a line's events across its `units` units, to the penny: every
/// amount is split with [`split_evenly`] over the units its event covers,
/// events taken in posting order. Returns each unit's entries (index =
/// unit index); an event's amounts of the same type are added first.
pub fn allocate_line(units: u32, events: &[LineEvent]) -> Vec<Vec<UnitEntry>> {
    let n = units as usize;
    let mut out = vec![Vec::new(); n];
    if n == 0 {
        return out;
    }
    let mut ordered: Vec<&LineEvent> = events.iter().collect();
    ordered.sort_by_key(|e| (e.posted_at, e.event_id));
    let mut cursors: BTreeMap<EventKind, usize> = BTreeMap::new();
    for event in ordered {
        let cursor = cursors.entry(event.kind).or_insert(0);
        let covered = targets(n, cursor, event.quantity);
        let mut merged: BTreeMap<(Category, &str), i64> = BTreeMap::new();
        for c in &event.components {
            let total = merged.entry((c.category, &c.amount_type)).or_insert(0);
            *total = total.saturating_add(c.minor);
        }
        for ((category, amount_type), minor) in merged {
            let shares = split_evenly(minor, covered.len() as u32);
            for (&unit, share) in covered.iter().zip(shares) {
                out[unit].push(UnitEntry {
                    event_id: event.event_id,
                    kind: event.kind,
                    component: Component {
                        category,
                        amount_type: amount_type.to_owned(),
                        minor: share,
                    },
                });
            }
        }
    }
    out
}

/// Whether a unit's fees are known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FeeState {
    /// No sale event posted for it yet: fees unknown.
    NotPosted,
    /// Sale posted, fees recorded.
    Reconciled,
    /// Sale posted and Amazon charged no fees: known to be zero.
    Zero,
}

impl FeeState {
    /// Stored value.
    pub fn as_str(self) -> &'static str {
        match self {
            FeeState::NotPosted => "not_posted",
            FeeState::Reconciled => "reconciled",
            FeeState::Zero => "zero",
        }
    }

    /// Reads a stored value.
    pub fn parse(text: &str) -> Option<FeeState> {
        [FeeState::NotPosted, FeeState::Reconciled, FeeState::Zero]
            .into_iter()
            .find(|s| s.as_str() == text)
    }

    /// How people call it.
    pub fn label(self) -> &'static str {
        match self {
            FeeState::NotPosted => "Fees not posted yet",
            FeeState::Reconciled => "Reconciled",
            FeeState::Zero => "Zero fees",
        }
    }
}

/// A unit's money from Amazon, summed from its entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeeSummary {
    /// Sum per category (every category present, zero when none).
    pub amounts: BTreeMap<Category, i64>,
    /// Known, zero or not posted.
    pub state: FeeState,
    /// Whether any refund touched the unit.
    pub refunded: bool,
    /// The charges refund events took back, per charge category (also
    /// counted in `amounts`): the report shows sales and refunds apart.
    pub refunds: BTreeMap<Category, i64>,
}

impl FeeSummary {
    /// Sums a unit's entries.
    pub fn from_entries(entries: &[UnitEntry]) -> FeeSummary {
        let mut amounts: BTreeMap<Category, i64> = Category::ALL.iter().map(|c| (*c, 0)).collect();
        for e in entries {
            let total = amounts.entry(e.component.category).or_insert(0);
            *total = total.saturating_add(e.component.minor);
        }
        let mut refunds: BTreeMap<Category, i64> = BTreeMap::new();
        for e in entries.iter().filter(|e| e.kind == EventKind::Refund) {
            if !e.component.category.is_fee() {
                let total = refunds.entry(e.component.category).or_insert(0);
                *total = total.saturating_add(e.component.minor);
            }
        }
        let shipped = entries.iter().any(|e| e.kind == EventKind::Shipment);
        let mut summary = FeeSummary {
            amounts,
            state: FeeState::NotPosted,
            refunded: entries.iter().any(|e| e.kind == EventKind::Refund),
            refunds,
        };
        summary.state = match (shipped, summary.total_fees()) {
            (false, _) => FeeState::NotPosted,
            (true, 0) => FeeState::Zero,
            (true, _) => FeeState::Reconciled,
        };
        summary
    }

    /// The amount of one category.
    pub fn get(&self, category: Category) -> i64 {
        self.amounts.get(&category).copied().unwrap_or(0)
    }

    /// What refund events took back of a charge category (zero or
    /// negative; zero for fee categories).
    pub fn refunded(&self, category: Category) -> i64 {
        self.refunds.get(&category).copied().unwrap_or(0)
    }

    /// Every charge refund events took back.
    pub fn refunds_total(&self) -> i64 {
        self.refunds
            .values()
            .fold(0i64, |sum, v| sum.saturating_add(*v))
    }

    /// Item price received (principal, less principal refunded).
    pub fn gross(&self) -> i64 {
        self.get(Category::Principal)
    }

    /// Shipping the buyer paid, less shipping refunded.
    pub fn shipping_credit(&self) -> i64 {
        self.get(Category::Shipping)
    }

    /// Every fee (negative when Amazon charged).
    pub fn total_fees(&self) -> i64 {
        Category::FEES
            .iter()
            .fold(0i64, |sum, c| sum.saturating_add(self.get(*c)))
    }

    /// What Amazon pays for the unit: every amount added up.
    pub fn net(&self) -> i64 {
        self.amounts
            .values()
            .fold(0i64, |sum, v| sum.saturating_add(*v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::datetime;

    fn event(id: i64) -> FeeEventId {
        FeeEventId::new(id).unwrap()
    }

    fn line_event(
        id: i64,
        kind: EventKind,
        posted_at: OffsetDateTime,
        quantity: Option<u32>,
        components: Vec<Component>,
    ) -> LineEvent {
        LineEvent {
            event_id: event(id),
            kind,
            posted_at,
            quantity,
            components,
        }
    }

    fn sale(id: i64, quantity: Option<u32>, principal: i64, commission: i64) -> LineEvent {
        let components = vec![
            Component::charge("Principal", principal),
            Component::fee("Commission", commission),
        ];
        let posted = datetime!(2026-01-10 10:00 UTC);
        line_event(id, EventKind::Shipment, posted, quantity, components)
    }

    fn refund(id: i64, quantity: Option<u32>, principal: i64, commission: i64) -> LineEvent {
        let components = vec![
            Component::charge("Principal", -principal),
            Component::fee("Commission", -commission),
            Component::fee("RefundCommission", commission / 5),
        ];
        let posted = datetime!(2026-01-20 10:00 UTC);
        line_event(id, EventKind::Refund, posted, quantity, components)
    }

    fn summaries(units: u32, events: &[LineEvent]) -> Vec<FeeSummary> {
        allocate_line(units, events)
            .iter()
            .map(|e| FeeSummary::from_entries(e))
            .collect()
    }

    #[test]
    fn a_line_of_three_shares_to_the_penny_first_units_take_the_remainder() {
        let s = summaries(3, &[sale(1, Some(3), 10_000, -1_531)]);
        assert_eq!(
            s.iter().map(FeeSummary::gross).collect::<Vec<_>>(),
            [3334, 3333, 3333]
        );
        assert_eq!(
            s.iter().map(FeeSummary::total_fees).collect::<Vec<_>>(),
            [-511, -510, -510]
        );
        assert_eq!(s[0].net(), 3334 - 511);
        assert!(s.iter().all(|u| u.state == FeeState::Reconciled));
    }

    #[test]
    fn a_full_refund_reverses_principal_and_commission_and_adds_refund_commission() {
        let s = summaries(
            1,
            &[
                sale(1, Some(1), 2_999, -459),
                refund(2, Some(1), 2_999, -459),
            ],
        );
        let u = &s[0];
        assert_eq!(u.gross(), 0);
        assert_eq!(u.get(Category::Commission), 0);
        assert_eq!(u.get(Category::RefundCommission), -91);
        assert_eq!(u.net(), -91);
        assert_eq!(u.refunded(Category::Principal), -2_999);
        assert_eq!(u.refunded(Category::Commission), 0);
        assert!(u.refunded);
        assert_eq!(u.state, FeeState::Reconciled);
    }

    #[test]
    fn a_partial_refund_lands_on_one_unit_and_the_next_on_the_next() {
        let events = [
            sale(1, Some(2), 6_000, -900),
            refund(2, Some(1), 3_000, -450),
            refund(3, Some(1), 3_000, -450),
        ];
        let s = summaries(2, &events[..2]);
        assert_eq!((s[0].gross(), s[1].gross()), (0, 3_000));
        assert!(s[0].refunded && !s[1].refunded);
        let s = summaries(2, &events);
        assert_eq!((s[0].gross(), s[1].gross()), (0, 0));
    }

    #[test]
    fn partial_shipments_cover_units_in_order() {
        let mut second = sale(2, Some(2), 2_000, -300);
        second.posted_at = datetime!(2026-01-11 10:00 UTC);
        let s = summaries(3, &[second, sale(1, Some(1), 1_000, -150)]);
        assert_eq!(
            s.iter().map(FeeSummary::gross).collect::<Vec<_>>(),
            [1_000, 1_000, 1_000]
        );
        let s = summaries(3, &[sale(1, Some(1), 1_000, -150)]);
        assert_eq!(s[0].state, FeeState::Reconciled);
        assert_eq!(s[1].state, FeeState::NotPosted);
        assert_eq!(s[2].state, FeeState::NotPosted);
    }

    #[test]
    fn states_kept_apart() {
        assert_eq!(summaries(1, &[])[0].state, FeeState::NotPosted);
        assert_eq!(
            summaries(1, &[sale(1, None, 500, 0)])[0].state,
            FeeState::Zero
        );
        assert_eq!(
            summaries(1, &[sale(1, None, 500, -1)])[0].state,
            FeeState::Reconciled
        );
        for s in [FeeState::NotPosted, FeeState::Reconciled, FeeState::Zero] {
            assert_eq!(FeeState::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn unknown_fee_types_count_under_other_fees() {
        let mut e = sale(1, None, 1_000, -150);
        e.components.push(Component::fee("BrandNewFee", -37));
        let s = &summaries(1, &[e])[0];
        assert_eq!(s.get(Category::OtherFee), -37);
        assert_eq!(s.total_fees(), -187);
        assert_eq!(s.net(), 1_000 - 187);
    }

    #[test]
    fn same_type_twice_in_one_event_is_added() {
        let mut e = sale(1, None, 1_000, -100);
        e.components.push(Component::fee("Commission", -1));
        let entries = &allocate_line(1, &[e])[0];
        assert_eq!(entries.len(), 2);
        assert_eq!(FeeSummary::from_entries(entries).total_fees(), -101);
    }

    fn arb_event() -> impl Strategy<Value = LineEvent> {
        (
            1i64..1_000,
            any::<bool>(),
            0u32..6,
            0i64..5,
            proptest::collection::vec(
                (
                    prop::sample::select(vec![
                        "Principal",
                        "ShippingCharge",
                        "Tax",
                        "Commission",
                        "FBAPerUnitFulfillmentFee",
                        "Mystery",
                    ]),
                    -1_000_000i64..1_000_000,
                ),
                0..5,
            ),
        )
            .prop_map(|(id, refund, q, day, amounts)| LineEvent {
                event_id: event(id),
                kind: if refund {
                    EventKind::Refund
                } else {
                    EventKind::Shipment
                },
                posted_at: datetime!(2026-01-01 00:00 UTC) + time::Duration::days(day),
                quantity: Some(q),
                components: amounts
                    .into_iter()
                    .map(|(t, m)| {
                        if matches!(t, "Principal" | "ShippingCharge" | "Tax") {
                            Component::charge(t, m)
                        } else {
                            Component::fee(t, m)
                        }
                    })
                    .collect(),
            })
    }

    proptest! {
        #[test]
        fn every_category_of_the_line_is_shared_exactly(
            units in 1u32..8,
            events in proptest::collection::vec(arb_event(), 0..6),
        ) {
            let per_unit = summaries(units, &events);
            prop_assert_eq!(per_unit.len(), units as usize);
            for category in Category::ALL {
                let line: i64 = events
                    .iter()
                    .flat_map(|e| &e.components)
                    .filter(|c| c.category == category)
                    .map(|c| c.minor)
                    .sum();
                let shared: i64 = per_unit.iter().map(|s| s.get(category)).sum();
                prop_assert_eq!(shared, line, "{:?}", category);
            }
            let nets: i64 = per_unit.iter().map(FeeSummary::net).sum();
            let total: i64 = events.iter().flat_map(|e| &e.components).map(|c| c.minor).sum();
            prop_assert_eq!(nets, total);
        }

        #[test]
        fn allocation_does_not_depend_on_the_order_events_are_given(
            units in 1u32..6,
            mut events in proptest::collection::vec(arb_event(), 0..5),
        ) {
            for (i, e) in events.iter_mut().enumerate() {
                e.event_id = event(i as i64 + 1);
            }
            let a = allocate_line(units, &events);
            events.reverse();
            prop_assert_eq!(a, allocate_line(units, &events));
        }

        #[test]
        fn a_single_sale_gives_units_within_a_penny_of_each_other(
            units in 1u32..50,
            principal in 0i64..10_000_000,
        ) {
            let s = summaries(units, &[sale(1, Some(units), principal, -principal / 7)]);
            let max = s.iter().map(FeeSummary::gross).max().unwrap_or(0);
            let min = s.iter().map(FeeSummary::gross).min().unwrap_or(0);
            prop_assert!(max - min <= 1);
            prop_assert_eq!(s.iter().map(FeeSummary::gross).sum::<i64>(), principal);
        }
    }
}
