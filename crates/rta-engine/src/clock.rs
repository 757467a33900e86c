//! Where the tokio adapters get the time they stamp records and feed events with.
//!
//! Deterministic cores take time as an argument; the adapters read it from a [`Clock`], so a
//! test running on tokio's paused clock can give them [`TokioClock`] and see event times move
//! with `tokio::time::advance`.

use rta_model::Timestamp;
use std::fmt;
use std::time::Duration;

/// The current time of the engine.
pub trait Clock: Send + Sync + fmt::Debug {
    fn now(&self) -> Timestamp;
}

/// The system's wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// A wall clock that follows tokio's clock from a given origin: under a paused runtime
/// (`start_paused`, `tokio::time::advance`) its time moves only when tokio's does.
#[derive(Debug, Clone, Copy)]
pub struct TokioClock {
    origin: Timestamp,
    start: tokio::time::Instant,
}

impl TokioClock {
    /// `origin` now, moving with `tokio::time::Instant` from here on.
    pub fn starting_at(origin: Timestamp) -> TokioClock {
        TokioClock {
            origin,
            start: tokio::time::Instant::now(),
        }
    }
}

impl Clock for TokioClock {
    fn now(&self) -> Timestamp {
        let elapsed: Duration = self.start.elapsed();
        self.origin.checked_add(elapsed).unwrap_or(Timestamp::MAX)
    }
}
