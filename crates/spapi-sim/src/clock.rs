//! The simulator's clock. Usage-plan buckets, access-token expiry and
//! report processing all read it, so a test can move the simulator's time
//! by hand instead of sleeping on the wall clock and racing it.

use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

/// Where the simulator reads "now": tokio's clock (the default: real time
/// in the app), a manual clock that stands still until
/// [`SimClock::advance`] moves it, or an adjustable one that runs in real
/// time and can also be moved forward. Clones share one clock.
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
    /// Real time plus `elapsed` (adjustable), rather than `start` plus it.
    runs: bool,
}

impl SimClock {
    /// tokio's clock: real time (tokio's paused clock in a paused test).
    pub fn real() -> SimClock {
        SimClock::default()
    }

    /// A clock that starts now and moves only by [`SimClock::advance`].
    pub fn manual() -> SimClock {
        SimClock::moved_by_hand(false)
    }

    /// Real time that [`SimClock::advance`] can also move forward: the demo
    /// simulator keeps running, and its tests skip ahead instead of waiting.
    pub fn adjustable() -> SimClock {
        SimClock::moved_by_hand(true)
    }

    fn moved_by_hand(runs: bool) -> SimClock {
        SimClock {
            manual: Some(Arc::new(Manual {
                start: Instant::now(),
                elapsed: Mutex::new(Duration::ZERO),
                runs,
            })),
        }
    }

    /// True for a clock made by [`SimClock::manual`].
    pub fn is_manual(&self) -> bool {
        self.manual.as_ref().is_some_and(|m| !m.runs)
    }

    /// Moves a manual or adjustable clock forward by `by`.
    ///
    /// # Panics
    /// On the real clock, which no test may move.
    pub fn advance(&self, by: Duration) {
        let manual = self
            .manual
            .as_ref()
            .expect("only a manual or adjustable SimClock can be advanced");
        *manual.elapsed.lock().unwrap_or_else(|e| e.into_inner()) += by;
    }

    /// The current time of this clock.
    pub fn now(&self) -> Instant {
        match &self.manual {
            None => Instant::now(),
            Some(m) => {
                let elapsed = *m.elapsed.lock().unwrap_or_else(|e| e.into_inner());
                if m.runs {
                    Instant::now() + elapsed
                } else {
                    m.start + elapsed
                }
            }
        }
    }
}

impl std::fmt::Debug for SimClock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.manual {
            None => f.write_str("SimClock::real"),
            Some(m) => write!(
                f,
                "SimClock::{}(+{:?})",
                if m.runs { "adjustable" } else { "manual" },
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

    #[test]
    fn an_adjustable_clock_runs_and_can_be_moved_forward() {
        let clock = SimClock::adjustable();
        assert!(!clock.is_manual());
        let t0 = clock.now();
        std::thread::sleep(Duration::from_millis(2));
        assert!(clock.now() > t0, "runs in real time");
        clock.advance(Duration::from_secs(600));
        assert!(clock.now() - t0 >= Duration::from_secs(600));
    }
}
