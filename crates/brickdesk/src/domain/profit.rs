//! Profit of sold units (DESIGN.md "Profit"): the figures of one unit,
//! summed per period and currency, and the periods a report covers.
//!
//! A unit's money counts only once its fees are known: a unit awaiting
//! Amazon's fees adds to the unit count, never as zero fees. Its cost
//! counts when it is known and in the currency the unit sold in; its
//! profit only when both are known.

mod period;

pub use period::{
    Group, RangeChoice, ReportRange, ReportRangeError, Segment, local_midnight, offset_segments,
};

use time::Date;

use super::Currency;

/// One figure of a profit report, in the order reports list them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Figure {
    /// Units sold.
    Units,
    /// Units whose fees Amazon has not posted yet (no money counted).
    AwaitingFees,
    /// Units with fees known but no cost in the sale's currency.
    WithoutCost,
    /// Units whose profit is below zero.
    AtLoss,
    /// Item price of the sales (before refunds).
    GrossSales,
    /// Shipping the buyers paid (before refunds).
    ShippingCredits,
    /// Tax, promotions and other charges (before refunds).
    OtherCharges,
    /// Charges refunds took back (negative).
    Refunds,
    /// Amazon's commission, less commission it returned on refunds.
    Commission,
    /// Fulfilment (FBA) fees.
    FulfilmentFees,
    /// Closing fees.
    ClosingFees,
    /// Refund commission, digital services and other fees.
    OtherFees,
    /// What Amazon pays out: every amount added up.
    NetPayout,
    /// Cost of the units (those with a cost in the sale's currency).
    CostOfGoods,
    /// Net payout less cost, of the units with both known.
    Profit,
    /// Charges after refunds of the same units: what the margin divides by.
    ProfitRevenue,
    /// Days from purchase (or entry) to sale, added up.
    DaysInStock,
}

impl Figure {
    /// Every figure.
    pub const ALL: [Figure; 17] = [
        Figure::Units,
        Figure::AwaitingFees,
        Figure::WithoutCost,
        Figure::AtLoss,
        Figure::GrossSales,
        Figure::ShippingCredits,
        Figure::OtherCharges,
        Figure::Refunds,
        Figure::Commission,
        Figure::FulfilmentFees,
        Figure::ClosingFees,
        Figure::OtherFees,
        Figure::NetPayout,
        Figure::CostOfGoods,
        Figure::Profit,
        Figure::ProfitRevenue,
        Figure::DaysInStock,
    ];

    /// The Amazon fees, by type.
    pub const FEES: [Figure; 4] = [
        Figure::Commission,
        Figure::FulfilmentFees,
        Figure::ClosingFees,
        Figure::OtherFees,
    ];

    /// The amounts of money reports list, in order: [`Figure::ALL`] from
    /// gross sales to profit.
    pub fn amounts() -> &'static [Figure] {
        &Figure::ALL[Figure::GrossSales as usize..=Figure::Profit as usize]
    }

    /// Its position in [`Figure::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// Whether it is an amount of money (not a count or days).
    pub fn is_money(self) -> bool {
        !matches!(
            self,
            Figure::Units
                | Figure::AwaitingFees
                | Figure::WithoutCost
                | Figure::AtLoss
                | Figure::DaysInStock
        )
    }

    /// The name reports, JSON and CSV give it.
    pub fn key(self) -> &'static str {
        match self {
            Figure::Units => "units",
            Figure::AwaitingFees => "unitsAwaitingFees",
            Figure::WithoutCost => "unitsWithoutCost",
            Figure::AtLoss => "unitsAtLoss",
            Figure::GrossSales => "grossSales",
            Figure::ShippingCredits => "shippingCredits",
            Figure::OtherCharges => "otherCharges",
            Figure::Refunds => "refunds",
            Figure::Commission => "commission",
            Figure::FulfilmentFees => "fulfilmentFees",
            Figure::ClosingFees => "closingFees",
            Figure::OtherFees => "otherFees",
            Figure::NetPayout => "netPayout",
            Figure::CostOfGoods => "costOfGoods",
            Figure::Profit => "profit",
            Figure::ProfitRevenue => "profitRevenue",
            Figure::DaysInStock => "daysInStock",
        }
    }

    /// How people call it.
    pub fn label(self) -> &'static str {
        match self {
            Figure::Units => "Units sold",
            Figure::AwaitingFees => "Awaiting Amazon fees",
            Figure::WithoutCost => "Without a cost",
            Figure::AtLoss => "Sold at a loss",
            Figure::GrossSales => "Gross sales",
            Figure::ShippingCredits => "Shipping credits",
            Figure::OtherCharges => "Tax and other charges",
            Figure::Refunds => "Refunds",
            Figure::Commission => "Commission",
            Figure::FulfilmentFees => "Fulfilment fees",
            Figure::ClosingFees => "Closing fees",
            Figure::OtherFees => "Other fees",
            Figure::NetPayout => "Net payout",
            Figure::CostOfGoods => "Cost of goods",
            Figure::Profit => "Profit",
            Figure::ProfitRevenue => "Revenue of units with a profit",
            Figure::DaysInStock => "Days in stock",
        }
    }
}

/// What Amazon paid for one sold unit, as reports split it (the unit's
/// stored fees, known: posted and reconciled, or posted with zero fees).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sale {
    /// Principal of the sale (net principal less what refunds took).
    pub gross_sales: i64,
    /// Shipping charged on the sale.
    pub shipping_credits: i64,
    /// Tax and other charges on the sale.
    pub other_charges: i64,
    /// Charges refunds took back.
    pub refunds: i64,
    /// Commission (net of commission returned).
    pub commission: i64,
    /// Fulfilment fees.
    pub fulfilment_fees: i64,
    /// Closing fees.
    pub closing_fees: i64,
    /// Every other fee.
    pub other_fees: i64,
    /// Everything added up.
    pub net_payout: i64,
}

/// A profit report's figures: one unit's, or the sum of many.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals([i64; Figure::ALL.len()]);

impl Totals {
    /// The figures of one sold unit: `sale` when its fees are known,
    /// `cost` when known in the sale's currency. Money counts only once
    /// the fees are known, profit only when the cost is too. Migration
    /// 0017's view `unit_sale_figures` works the same out in SQL, and the
    /// report tests hold the two together.
    pub fn of_unit(sale: Option<&Sale>, cost: Option<i64>, days_in_stock: i64) -> Totals {
        let mut t = Totals::default();
        t.set(Figure::Units, 1);
        t.set(Figure::DaysInStock, days_in_stock);
        if let Some(cost) = cost {
            t.set(Figure::CostOfGoods, cost);
        }
        let Some(s) = sale else {
            t.set(Figure::AwaitingFees, 1);
            return t;
        };
        for (figure, value) in [
            (Figure::GrossSales, s.gross_sales),
            (Figure::ShippingCredits, s.shipping_credits),
            (Figure::OtherCharges, s.other_charges),
            (Figure::Refunds, s.refunds),
            (Figure::Commission, s.commission),
            (Figure::FulfilmentFees, s.fulfilment_fees),
            (Figure::ClosingFees, s.closing_fees),
            (Figure::OtherFees, s.other_fees),
            (Figure::NetPayout, s.net_payout),
        ] {
            t.set(figure, value);
        }
        let Some(cost) = cost else {
            t.set(Figure::WithoutCost, 1);
            return t;
        };
        t.set(Figure::Profit, s.net_payout.saturating_sub(cost));
        if s.net_payout < cost {
            t.set(Figure::AtLoss, 1);
        }
        t.set(
            Figure::ProfitRevenue,
            s.gross_sales
                .saturating_add(s.shipping_credits)
                .saturating_add(s.other_charges)
                .saturating_add(s.refunds),
        );
        t
    }

    /// Figures given in [`Figure::ALL`]'s order (sums a database made).
    pub fn from_values(values: [i64; Figure::ALL.len()]) -> Totals {
        Totals(values)
    }

    /// One figure.
    pub fn get(&self, figure: Figure) -> i64 {
        self.0[figure.index()]
    }

    fn set(&mut self, figure: Figure, value: i64) {
        self.0[figure.index()] = value;
    }

    /// Adds another's figures to these.
    pub fn add(&mut self, other: &Totals) {
        for (a, b) in self.0.iter_mut().zip(other.0) {
            *a = a.saturating_add(b);
        }
    }

    /// Every Amazon fee added up (negative: charged).
    pub fn total_fees(&self) -> i64 {
        Figure::FEES
            .iter()
            .fold(0i64, |sum, f| sum.saturating_add(self.get(*f)))
    }

    /// Units whose profit is counted.
    pub fn units_with_profit(&self) -> i64 {
        self.get(Figure::Units) - self.get(Figure::AwaitingFees) - self.get(Figure::WithoutCost)
    }

    /// The profit when every unit's is known (one unit's: `None` while
    /// its fees or its cost are unknown).
    pub fn complete_profit(&self) -> Option<i64> {
        (self.units_with_profit() == self.get(Figure::Units)).then(|| self.get(Figure::Profit))
    }

    /// Profit as a share of its units' revenue, in tenths of a percent
    /// (`None` without revenue).
    pub fn margin_permille(&self) -> Option<i64> {
        let revenue = self.get(Figure::ProfitRevenue);
        (revenue > 0).then(|| {
            let profit = i128::from(self.get(Figure::Profit)) * 1000;
            let rounded =
                (profit + i128::from(revenue) / 2 * profit.signum()) / i128::from(revenue);
            i64::try_from(rounded).unwrap_or(i64::MAX)
        })
    }

    /// Average days in stock, rounded (`None` without units).
    pub fn average_days_in_stock(&self) -> Option<i64> {
        let units = self.get(Figure::Units);
        (units > 0).then(|| (self.get(Figure::DaysInStock) + units / 2) / units)
    }
}

/// `"23.4"`: tenths of a percent as a decimal.
pub fn permille_text(permille: i64) -> String {
    let sign = if permille < 0 { "-" } else { "" };
    let abs = permille.unsigned_abs();
    format!("{sign}{}.{}", abs / 10, abs % 10)
}

/// Whole days a unit spent in stock: from the day it was bought (or
/// entered) to the day it sold, never negative.
pub fn days_in_stock(acquired: Date, sold: Date) -> i64 {
    (sold - acquired).whole_days().max(0)
}

/// A currency's report: its totals and one entry per period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrencyReport {
    /// The currency every amount is in.
    pub currency: Currency,
    /// The whole range.
    pub totals: Totals,
    /// Each period of the range, in order (empty periods included).
    pub periods: Vec<(Date, Date, Totals)>,
}

/// Builds each currency's report from figures per (currency, local day),
/// the days falling in `range`'s periods.
pub fn per_currency(
    range: &ReportRange,
    by_day: &[(Currency, Date, Totals)],
) -> Vec<CurrencyReport> {
    let periods = range.periods();
    let mut currencies: Vec<Currency> = by_day.iter().map(|(c, _, _)| *c).collect();
    currencies.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    currencies.dedup();
    currencies
        .into_iter()
        .map(|currency| {
            let mut report = CurrencyReport {
                currency,
                totals: Totals::default(),
                periods: periods
                    .iter()
                    .map(|(start, end)| (*start, *end, Totals::default()))
                    .collect(),
            };
            for (_, day, t) in by_day.iter().filter(|(c, _, _)| *c == currency) {
                report.totals.add(t);
                if let Some(p) = report
                    .periods
                    .iter_mut()
                    .find(|p| p.0 <= *day && *day <= p.1)
                {
                    p.2.add(t);
                }
            }
            report
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn sale(net: i64) -> Sale {
        Sale {
            gross_sales: 3_000,
            shipping_credits: 299,
            refunds: -500,
            commission: -450,
            fulfilment_fees: -350,
            net_payout: net,
            ..Sale::default()
        }
    }

    #[test]
    fn a_unit_awaiting_fees_counts_its_cost_but_no_money_and_no_profit() {
        let t = Totals::of_unit(None, Some(1_200), 10);
        assert_eq!(t.get(Figure::Units), 1);
        assert_eq!(t.get(Figure::AwaitingFees), 1);
        assert_eq!(t.get(Figure::CostOfGoods), 1_200);
        assert_eq!(t.get(Figure::NetPayout), 0);
        assert_eq!(t.get(Figure::Profit), 0);
        assert_eq!(t.units_with_profit(), 0);
        assert_eq!(t.complete_profit(), None);
    }

    #[test]
    fn profit_is_net_less_cost_and_a_loss_is_counted() {
        let t = Totals::of_unit(Some(&sale(1_999)), Some(2_500), 3);
        assert_eq!(t.get(Figure::Profit), -501);
        assert_eq!(t.get(Figure::AtLoss), 1);
        assert_eq!(t.complete_profit(), Some(-501));
        assert_eq!(t.get(Figure::ProfitRevenue), 2_799);
        assert_eq!(t.total_fees(), -800);
        let without_cost = Totals::of_unit(Some(&sale(1_999)), None, 3);
        assert_eq!(without_cost.get(Figure::WithoutCost), 1);
        assert_eq!(without_cost.get(Figure::Profit), 0);
        assert_eq!(without_cost.get(Figure::NetPayout), 1_999);
    }

    #[test]
    fn margins_and_averages_round_half_away_from_zero() {
        let mut t = Totals::default();
        t.add(&Totals::of_unit(Some(&sale(1_000)), Some(400), 10));
        t.add(&Totals::of_unit(Some(&sale(1_000)), Some(400), 5));
        // 1,200 profit on 5,598 revenue: 21.436 %.
        assert_eq!(t.margin_permille(), Some(214));
        assert_eq!(permille_text(214), "21.4");
        assert_eq!(permille_text(-5), "-0.5");
        assert_eq!(t.average_days_in_stock(), Some(8));
        assert_eq!(Totals::default().margin_permille(), None);
        assert_eq!(Totals::default().average_days_in_stock(), None);
    }

    #[test]
    fn the_listed_amounts_are_money_and_the_order_matches_the_indexes() {
        assert_eq!(Figure::amounts().len(), 11);
        assert!(Figure::amounts().iter().all(|f| f.is_money()));
        assert_eq!(Figure::amounts().last(), Some(&Figure::Profit));
        for (i, f) in Figure::ALL.iter().enumerate() {
            assert_eq!(f.index(), i);
        }
    }

    #[test]
    fn days_in_stock_never_go_below_zero() {
        assert_eq!(
            days_in_stock(date!(2026 - 01 - 01), date!(2026 - 02 - 01)),
            31
        );
        assert_eq!(
            days_in_stock(date!(2026 - 03 - 01), date!(2026 - 02 - 01)),
            0
        );
    }

    #[test]
    fn days_fall_into_their_periods_and_currencies_stay_apart() {
        let range = ReportRange::new(date!(2026 - 01 - 01), date!(2026 - 02 - 28), Group::Month)
            .expect("range");
        let one = Totals::of_unit(Some(&sale(1_000)), Some(400), 1);
        let by_day = [
            (Currency::GBP, date!(2026 - 01 - 31), one),
            (Currency::GBP, date!(2026 - 02 - 01), one),
            (Currency::EUR, date!(2026 - 02 - 10), one),
        ];
        let reports = per_currency(&range, &by_day);
        assert_eq!(reports.len(), 2);
        let eur = &reports[0];
        assert_eq!(eur.currency, Currency::EUR);
        assert_eq!(eur.totals.get(Figure::Units), 1);
        let gbp = &reports[1];
        assert_eq!(gbp.totals.get(Figure::Profit), 1_200);
        assert_eq!(gbp.periods.len(), 2);
        assert_eq!(gbp.periods[0].2.get(Figure::Units), 1);
        assert_eq!(gbp.periods[1].2.get(Figure::Units), 1);
        assert_eq!(eur.periods[0].2.get(Figure::Units), 0);
    }
}
