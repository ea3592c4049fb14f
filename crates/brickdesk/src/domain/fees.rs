//! Amazon's fees on sold units (DESIGN.md section 3 "Fees"): classifying
//! the amounts of a financial event, sharing a line's amounts across its
//! units to the penny, and summing a unit's share into gross, fees by
//! type, shipping credit and net.

mod allocate;
mod classify;

pub use allocate::{EventKind, FeeState, FeeSummary, LineEvent, UnitEntry, allocate_line};
pub use classify::{Category, Component, classify_charge, classify_fee};

/// Splits `amount` minor units across `units` units so the shares sum to
/// exactly `amount`. Shares differ by at most one minor unit; the first
/// units take the remainder, so the split is deterministic. Zero units
/// gives no shares.
pub fn split_evenly(amount: i64, units: u32) -> Vec<i64> {
    if units == 0 {
        return Vec::new();
    }
    let n = i64::from(units);
    let base = amount / n;
    // Same sign as `amount`, magnitude below `n`.
    let remainder = amount - base * n;
    let step = remainder.signum();
    let extra = remainder.unsigned_abs();
    (0..u64::from(units))
        .map(|i| if i < extra { base + step } else { base })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn examples() {
        assert_eq!(split_evenly(1000, 3), [334, 333, 333]);
        assert_eq!(split_evenly(-1000, 3), [-334, -333, -333]);
        assert_eq!(split_evenly(2, 3), [1, 1, 0]);
        assert_eq!(split_evenly(0, 2), [0, 0]);
        assert_eq!(split_evenly(599, 1), [599]);
        assert!(split_evenly(10, 0).is_empty());
    }

    proptest! {
        #[test]
        fn shares_sum_exactly_and_differ_by_at_most_one(
            amount in -1_000_000_000_000i64..1_000_000_000_000,
            units in 1u32..500,
        ) {
            let shares = split_evenly(amount, units);
            prop_assert_eq!(shares.len(), units as usize);
            prop_assert_eq!(shares.iter().sum::<i64>(), amount);
            let max = shares.iter().max().copied().unwrap_or(0);
            let min = shares.iter().min().copied().unwrap_or(0);
            prop_assert!(max - min <= 1);
            // Every share carries the amount's sign (or is zero).
            prop_assert!(shares.iter().all(|s| s.signum() == 0 || s.signum() == amount.signum()));
        }
    }
}
