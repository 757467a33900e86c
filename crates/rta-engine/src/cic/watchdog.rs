//! The silence watchdog of one connection: no line at all (heartbeats included) for the
//! silence limit means the server or the path to it is gone, even if TCP has not noticed.
//!
//! Pure over `tokio::time::Instant`s passed in. Hearing a line only stores its instant; the
//! connection's single timer is set to [`Watchdog::deadline`] and, when it fires early
//! (a line came meanwhile), set again: no timer is touched per line.

use std::time::Duration;
use tokio::time::Instant;

/// The default silence limit: 90 s.
pub const DEFAULT_SILENCE: Duration = Duration::from_secs(90);

/// The detail of the `stale` event of a connection silent for `silence`.
pub(crate) fn silence_detail(silence: Duration) -> String {
    format!("nothing received for {} s: reconnecting", silence.as_secs())
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Watchdog {
    limit: Duration,
    last: Instant,
}

impl Watchdog {
    /// Watching from `now` (a new connection counts as just heard from).
    pub(crate) fn new(limit: Duration, now: Instant) -> Watchdog {
        Watchdog { limit, last: now }
    }

    pub(crate) fn heard(&mut self, now: Instant) {
        self.last = now;
    }

    /// When the connection is silent if nothing more is heard.
    pub(crate) fn deadline(&self) -> Instant {
        self.last + self.limit
    }

    pub(crate) fn is_silent(&self, now: Instant) -> bool {
        now >= self.deadline()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn silent_after_the_limit_since_the_last_line() {
        let start = Instant::now();
        let mut watchdog = Watchdog::new(DEFAULT_SILENCE, start);
        assert_eq!(watchdog.deadline(), start + DEFAULT_SILENCE);
        assert!(!watchdog.is_silent(start + Duration::from_secs(89)));
        watchdog.heard(start + Duration::from_secs(60));
        assert!(!watchdog.is_silent(start + Duration::from_secs(149)));
        assert!(watchdog.is_silent(start + Duration::from_secs(150)));
    }
}
