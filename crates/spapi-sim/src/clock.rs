//! The simulator's clock. Usage-plan buckets, access-token expiry and
//! report processing all read it, so a test can move the simulator's time
//! by hand instead of sleeping on the wall clock and racing it.

use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

/// Where the simulator reads "now": tokio's clock (the default: real time
/// in the app), or a manual clock that stands still until
/// [`SimClock::advance`] moves it. Clones share one clock.
///
/// With a manual clock the usage-plan buckets refill only when the clock
/// is advanced, so calls beyond an operation's burst get 429 until then.
/// Injected slow responses still sleep in real time.
#[derive(Clone, Default)]
pub struct SimClock {
    manual: Option<Arc<Manual>>,
}

struct Manual {
    start: Instant,
    elapsed: Mutex<Duration>,
}

impl SimClock {
    /// tokio's clock: real time (tokio's paused clock in a paused test).
    pub fn real() -> SimClock {
        SimClock::default()
    }

    /// A clock that starts now and moves only by [`SimClock::advance`].
    pub fn manual() -> SimClock {
        SimClock {
            manual: Some(Arc::new(Manual {
                start: Instant::now(),
                elapsed: Mutex::new(Duration::ZERO),
            })),
        }
    }

    /// True for a clock made by [`SimClock::manual`].
    pub fn is_manual(&self) -> bool {
        self.manual.is_some()
    }

    /// Moves a manual clock forward by `by`.
    ///
    /// # Panics
    /// On the real clock, which no test may move.
    pub fn advance(&self, by: Duration) {
        let manual = self
            .manual
            .as_ref()
            .expect("only a SimClock::manual() can be advanced");
        *manual.elapsed.lock().unwrap_or_else(|e| e.into_inner()) += by;
    }

    /// The current time of this clock.
    pub fn now(&self) -> Instant {
        match &self.manual {
            None => Instant::now(),
            Some(m) => m.start + *m.elapsed.lock().unwrap_or_else(|e| e.into_inner()),
        }
    }
}

impl std::fmt::Debug for SimClock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.manual {
            None => f.write_str("SimClock::real"),
            Some(m) => write!(
                f,
                "SimClock::manual(+{:?})",
                *m.elapsed.lock().unwrap_or_else(|e| e.into_inner())
            ),
        }
    }
}

/// Two configurations are equal only when they share the same clock.
impl PartialEq for SimClock {
    fn eq(&self, other: &SimClock) -> bool {
        match (&self.manual, &other.manual) {
            (None, None) => true,
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }
}

impl governor::clock::Clock for SimClock {
    type Instant = std::time::Instant;

    fn now(&self) -> std::time::Instant {
        SimClock::now(self).into_std()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_moves_only_when_advanced_and_clones_share_it() {
        let clock = SimClock::manual();
        let copy = clock.clone();
        let t0 = clock.now();
        std::thread::sleep(Duration::from_millis(2));
        assert_eq!(clock.now(), t0, "stands still");
        copy.advance(Duration::from_millis(1500));
        assert_eq!(clock.now() - t0, Duration::from_millis(1500));
        assert_eq!(clock, copy);
        assert_ne!(clock, SimClock::manual());
        assert_eq!(SimClock::real(), SimClock::default());
        assert!(!SimClock::real().is_manual());
    }
}
