//! How long to wait before the next connection attempt: exponential back-off with jitter.
//!
//! Pure: the random numbers come from a generator passed in, so a seed replays the same
//! waits. The nominal wait doubles from [`BackoffConfig::initial`] (1 s) up to
//! [`BackoffConfig::max`] (30 s) with each failure in a row; the actual wait is drawn
//! uniformly from the upper half of the nominal one (`[nominal / 2, nominal]`), never below
//! `initial`: 1 s, then 1-2 s, 2-4 s, 4-8 s, 8-16 s, then 15-30 s for ever (never giving up).
//! Half of the wait being random keeps the clients of a restarted server from coming back in
//! step, while the wait still grows.
//!
//! A connection that stayed up for at least [`BackoffConfig::stable_after`] resets the count
//! ([`Backoff::connection_ended`]): a server that accepts and drops at once is retried with
//! growing waits, one that served for a while is retried after 1 s.

use rand::Rng;
use std::time::Duration;

/// The back-off bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BackoffConfig {
    /// The first wait, and the least one (default 1 s).
    pub initial: Duration,
    /// The greatest wait (default 30 s).
    pub max: Duration,
    /// A connection up for at least this long resets the back-off (default 30 s).
    pub stable_after: Duration,
}

impl Default for BackoffConfig {
    fn default() -> Self {
        BackoffConfig {
            initial: Duration::from_secs(1),
            max: Duration::from_secs(30),
            stable_after: Duration::from_secs(30),
        }
    }
}

/// Failures in a row and the next wait.
#[derive(Debug, Clone)]
pub struct Backoff {
    config: BackoffConfig,
    failures: u32,
}

impl Backoff {
    /// A back-off with no failure yet. An `initial` of zero is taken as 1 ms and a `max` below
    /// `initial` as `initial`.
    pub fn new(mut config: BackoffConfig) -> Backoff {
        config.initial = config.initial.max(Duration::from_millis(1));
        config.max = config.max.max(config.initial);
        Backoff {
            config,
            failures: 0,
        }
    }

    pub fn config(&self) -> &BackoffConfig {
        &self.config
    }

    /// Failures since the last reset.
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// The nominal wait after the failures so far: `initial x 2^failures`, at most `max`.
    pub fn nominal(&self) -> Duration {
        let factor = 1u32.checked_shl(self.failures.min(31)).unwrap_or(u32::MAX);
        self.config
            .initial
            .checked_mul(factor)
            .map_or(self.config.max, |wait| wait.min(self.config.max))
    }

    /// Counts one more failure and returns the wait before the next attempt.
    pub fn next_delay(&mut self, rng: &mut impl Rng) -> Duration {
        let high = self.nominal();
        let low = (high / 2).max(self.config.initial);
        self.failures = self.failures.saturating_add(1);
        if low >= high {
            return high;
        }
        // Nanoseconds: 30 s is 3e10, far within u64.
        let nanos = rng.random_range(low.as_nanos() as u64..=high.as_nanos() as u64);
        Duration::from_nanos(nanos)
    }

    /// Starts again from `initial`.
    pub fn reset(&mut self) {
        self.failures = 0;
    }

    /// A connection ended after `up_for`: resets if it was stable. Returns whether it did.
    pub fn connection_ended(&mut self, up_for: Duration) -> bool {
        let stable = up_for >= self.config.stable_after;
        if stable {
            self.reset();
        }
        stable
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rand::SeedableRng;
    use rand::rngs::SmallRng;

    fn secs(s: f64) -> Duration {
        Duration::from_secs_f64(s)
    }

    #[test]
    fn doubles_from_one_second_to_thirty() {
        let mut backoff = Backoff::new(BackoffConfig::default());
        let mut rng = SmallRng::seed_from_u64(7);
        let mut nominal = Vec::new();
        for _ in 0..8 {
            nominal.push(backoff.nominal().as_secs());
            backoff.next_delay(&mut rng);
        }
        assert_eq!(nominal, [1, 2, 4, 8, 16, 30, 30, 30]);
    }

    #[test]
    fn first_wait_is_one_second_then_jittered_in_the_upper_half() {
        let mut backoff = Backoff::new(BackoffConfig::default());
        let mut rng = SmallRng::seed_from_u64(1);
        assert_eq!(backoff.next_delay(&mut rng), secs(1.0));
        let second = backoff.next_delay(&mut rng);
        assert!((secs(1.0)..=secs(2.0)).contains(&second), "{second:?}");
        for _ in 0..3 {
            backoff.next_delay(&mut rng);
        }
        for _ in 0..100 {
            let wait = backoff.next_delay(&mut rng);
            assert!((secs(15.0)..=secs(30.0)).contains(&wait), "{wait:?}");
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_waits() {
        let waits = |seed| {
            let mut backoff = Backoff::new(BackoffConfig::default());
            let mut rng = SmallRng::seed_from_u64(seed);
            (0..10)
                .map(|_| backoff.next_delay(&mut rng))
                .collect::<Vec<_>>()
        };
        assert_eq!(waits(3), waits(3));
        assert_ne!(waits(3), waits(4));
    }

    #[test]
    fn a_stable_connection_resets() {
        let mut backoff = Backoff::new(BackoffConfig::default());
        let mut rng = SmallRng::seed_from_u64(1);
        for _ in 0..6 {
            backoff.next_delay(&mut rng);
        }
        assert!(!backoff.connection_ended(secs(29.9)));
        assert_eq!(backoff.nominal(), secs(30.0));
        assert!(backoff.connection_ended(secs(30.0)));
        assert_eq!(backoff.failures(), 0);
        assert_eq!(backoff.next_delay(&mut rng), secs(1.0));
    }

    #[test]
    fn odd_configurations_are_made_usable() {
        let mut backoff = Backoff::new(BackoffConfig {
            initial: Duration::ZERO,
            max: Duration::ZERO,
            stable_after: Duration::ZERO,
        });
        let mut rng = SmallRng::seed_from_u64(1);
        assert_eq!(backoff.next_delay(&mut rng), Duration::from_millis(1));
        assert_eq!(backoff.next_delay(&mut rng), Duration::from_millis(1));
    }

    proptest! {
        /// Whatever the seed and however many failures in a row (never giving up), every wait
        /// lies in [initial, max], in the upper half of the nominal wait, and the nominal wait
        /// never shrinks without a reset.
        #[test]
        fn waits_stay_within_bounds(
            seed: u64,
            failures in 1usize..200,
            initial_ms in 1u64..5_000,
            extra_ms in 0u64..120_000,
        ) {
            let config = BackoffConfig {
                initial: Duration::from_millis(initial_ms),
                max: Duration::from_millis(initial_ms + extra_ms),
                ..BackoffConfig::default()
            };
            let mut backoff = Backoff::new(config);
            let mut rng = SmallRng::seed_from_u64(seed);
            let mut last_nominal = Duration::ZERO;
            for _ in 0..failures {
                let nominal = backoff.nominal();
                prop_assert!(nominal >= last_nominal);
                last_nominal = nominal;
                let wait = backoff.next_delay(&mut rng);
                prop_assert!(wait >= config.initial && wait <= config.max, "{wait:?}");
                prop_assert!(wait <= nominal && wait >= nominal / 2, "{wait:?} of {nominal:?}");
            }
        }

        /// The default configuration: 1 s to 30 s.
        #[test]
        fn default_waits_are_one_to_thirty_seconds(seed: u64, failures in 1usize..100) {
            let mut backoff = Backoff::new(BackoffConfig::default());
            let mut rng = SmallRng::seed_from_u64(seed);
            for _ in 0..failures {
                let wait = backoff.next_delay(&mut rng);
                prop_assert!(wait >= secs(1.0) && wait <= secs(30.0));
            }
        }
    }
}
