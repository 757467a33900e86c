//! How a simulated CIC feed looks: users, dialect, clock, zone, faults.

use crate::cic::error::CicSimError;
use jiff::{SignedDuration, Timestamp};
use rta_cic::Dialect;
use rta_model::Zone;

/// Faults the server draws by itself, from the simulator's fault generator (so the same
/// seed gives the same faults at the same ticks and connections). Rates are probabilities
/// in `[0, 1]`. Tests usually leave these off and inject faults when they want them
/// ([`crate::cic::Fault`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CicFaults {
    /// Per accepted connection: it gets part of its snapshot (cut anywhere after the start of
    /// the snapshot, often inside a line), then the server closes it.
    pub drop_snapshot: f64,
    /// Per tick: every open connection goes silent (stays open, gets nothing more).
    pub silence: f64,
    /// Per tick: one to three garbage lines to every connection, between records.
    pub garbage: f64,
    /// Per tick: the server closes every open connection after the tick's records.
    pub disconnect: f64,
    /// Writes are cut into pieces of 1 to this many bytes, each written on its own.
    pub split_writes: Option<usize>,
}

impl CicFaults {
    /// A clean feed.
    pub const fn none() -> CicFaults {
        CicFaults {
            drop_snapshot: 0.0,
            silence: 0.0,
            garbage: 0.0,
            disconnect: 0.0,
            split_writes: None,
        }
    }

    /// Every fault, at rates for a feed watched by a person (a tick a second): half the
    /// connections cut mid-snapshot, silence about every 20 minutes, garbage every 20 s,
    /// a disconnect about every 10 minutes, writes cut into pieces of up to 16 bytes.
    pub const fn all() -> CicFaults {
        CicFaults {
            drop_snapshot: 0.5,
            silence: 1.0 / 1200.0,
            garbage: 0.05,
            disconnect: 1.0 / 600.0,
            split_writes: Some(16),
        }
    }

    pub(crate) fn check(&self) -> Result<(), CicSimError> {
        for (name, value) in [
            ("drop_snapshot", self.drop_snapshot),
            ("silence", self.silence),
            ("garbage", self.garbage),
            ("disconnect", self.disconnect),
        ] {
            if !(0.0..=1.0).contains(&value) {
                return Err(CicSimError::Rate { name, value });
            }
        }
        if self.split_writes == Some(0) {
            return Err(CicSimError::SplitWrites);
        }
        Ok(())
    }
}

impl Default for CicFaults {
    fn default() -> Self {
        CicFaults::none()
    }
}

/// Everything that shapes a simulated CIC feed.
#[derive(Debug, Clone)]
pub struct CicSimConfig {
    /// Seeds every random choice: same seed and configuration, same bytes.
    pub seed: u64,
    pub users: usize,
    pub dialect: Dialect,
    /// The virtual time of the start (whole seconds are used).
    pub start: Timestamp,
    /// Virtual time per tick (whole seconds, at least one). Each tick sends the changes of
    /// that much virtual time; the server ticks every real `interval`, so a tick of 60 s
    /// every 10 ms plays an hour in 600 ms.
    pub tick: SignedDuration,
    /// Virtual time between heartbeats (whole seconds, at least one); `None`: none.
    pub heartbeat: Option<SignedDuration>,
    /// The ACD's zone: line-dialect times are written in it, without offset.
    pub zone: Zone,
    /// Line dialect: write RFC 3339 UTC times (`...Z`) instead of local times.
    pub utc_times: bool,
    /// Faults the server draws by itself.
    pub faults: CicFaults,
    /// Keep every change in [`crate::cic::CicSim::history`] (tests); off, only the current
    /// state is kept.
    pub history: bool,
}

impl CicSimConfig {
    /// `users` users from `seed`, starting at `start`, in the line dialect: a tick of 1 s,
    /// a heartbeat every 30 s, UTC, no faults, no history.
    pub fn new(users: usize, seed: u64, start: Timestamp) -> CicSimConfig {
        CicSimConfig {
            seed,
            users,
            dialect: Dialect::Line,
            start,
            tick: SignedDuration::from_secs(1),
            heartbeat: Some(SignedDuration::from_secs(30)),
            zone: Zone::utc(),
            utc_times: false,
            faults: CicFaults::none(),
            history: false,
        }
    }

    pub(crate) fn check(&self) -> Result<(), CicSimError> {
        let whole = |d: SignedDuration| d.as_secs() >= 1 && d.subsec_nanos() == 0;
        if !whole(self.tick) {
            return Err(CicSimError::Tick(self.tick));
        }
        if let Some(heartbeat) = self.heartbeat.filter(|&d| !whole(d)) {
            return Err(CicSimError::Heartbeat(heartbeat));
        }
        self.faults.check()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_configurations_are_refused() {
        let mut config = CicSimConfig::new(3, 1, Timestamp::UNIX_EPOCH);
        assert!(config.check().is_ok());
        config.tick = SignedDuration::from_millis(500);
        assert!(matches!(config.check(), Err(CicSimError::Tick(_))));
        config.tick = SignedDuration::from_secs(60);
        config.heartbeat = Some(SignedDuration::ZERO);
        assert!(matches!(config.check(), Err(CicSimError::Heartbeat(_))));
        config.heartbeat = None;
        config.faults.garbage = 2.0;
        assert!(matches!(
            config.check(),
            Err(CicSimError::Rate {
                name: "garbage",
                ..
            })
        ));
        config.faults = CicFaults::all();
        assert!(config.check().is_ok());
        config.faults.split_writes = Some(0);
        assert!(matches!(config.check(), Err(CicSimError::SplitWrites)));
    }
}
