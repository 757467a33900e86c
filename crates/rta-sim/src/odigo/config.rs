//! How a simulated Odigo tenant looks: agents, pause codes, shifts, and how varied the wire
//! is.

use crate::odigo::agents::{PauseReason, logins};
use crate::odigo::error::OdigoSimError;
use jiff::tz::Offset;
use jiff::{SignedDuration, Timestamp};
use std::collections::HashSet;

/// How notification times are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeFormat {
    /// RFC 3339 in UTC with milliseconds: `2026-11-23T12:00:05.123Z`.
    Utc,
    /// Epoch milliseconds, a JSON number (text in a form): `1795435205123`.
    EpochMillis,
    /// RFC 3339 at a fixed offset with milliseconds: `2026-11-23T13:00:05.123+01:00`.
    Offset(Offset),
    /// Each notification draws one of the above (offsets `+01:00` and `-05:00`).
    Mixed,
}

/// How much the wire varies, per notification. Ratios are probabilities in `[0, 1]`; all
/// zero with [`TimeFormat::Utc`] gives the canonical body of `specs/odigo.md`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WireOptions {
    pub time_format: TimeFormat,
    /// Flat alias keys of the spec instead of the canonical ones (`login`, `agentLogin` or
    /// `userUid` for `agent.login`; `status` or `agentState` for `state`; `pauseCode` or
    /// `reasonCode`; `pauseLabel` or `reason`; `date` or `eventDate`), drawn key by key,
    /// and the spec's synonyms of the states (`READY`, `BUSY`, `POST_CALL`...).
    pub alias_ratio: f64,
    /// State names in lower case.
    pub lowercase_ratio: f64,
    /// Fields the decoder must ignore (`sequence`, `channel`, `skills`, `site`, a `null`),
    /// and `; charset=utf-8` on the JSON content type.
    pub extra_fields_ratio: f64,
    /// PAUSE without its code and label: the engine has to ask the web service.
    pub bare_pause_ratio: f64,
}

impl WireOptions {
    /// The canonical body: canonical keys and state names, UTC times, nothing extra.
    pub const fn canonical() -> WireOptions {
        WireOptions {
            time_format: TimeFormat::Utc,
            alias_ratio: 0.0,
            lowercase_ratio: 0.0,
            extra_fields_ratio: 0.0,
            bare_pause_ratio: 0.0,
        }
    }

    /// A bit of everything, for a decoder under test: mixed time formats, 30 % aliases,
    /// 10 % lower case, 20 % extra fields, no bare pauses (they need a web service).
    pub const fn varied() -> WireOptions {
        WireOptions {
            time_format: TimeFormat::Mixed,
            alias_ratio: 0.3,
            lowercase_ratio: 0.1,
            extra_fields_ratio: 0.2,
            bare_pause_ratio: 0.0,
        }
    }

    fn check(&self) -> Result<(), OdigoSimError> {
        for (name, value) in [
            ("alias_ratio", self.alias_ratio),
            ("lowercase_ratio", self.lowercase_ratio),
            ("extra_fields_ratio", self.extra_fields_ratio),
            ("bare_pause_ratio", self.bare_pause_ratio),
        ] {
            if !(0.0..=1.0).contains(&value) {
                return Err(OdigoSimError::Ratio { name, value });
            }
        }
        Ok(())
    }
}

impl Default for WireOptions {
    fn default() -> Self {
        WireOptions::canonical()
    }
}

/// Everything that shapes a simulated Odigo tenant.
#[derive(Debug, Clone)]
pub struct OdigoSimConfig {
    /// Seeds every random choice: same seed and configuration, same notifications.
    pub seed: u64,
    /// The tenant id (`tenantId` of every notification).
    pub tenant: String,
    /// One agent per login (distinct); agent ids are `10001`, `10002`... in this order.
    pub logins: Vec<String>,
    /// The virtual time of the start: every agent is logged out then.
    pub start: Timestamp,
    /// The agents log in at random within this time after `start`.
    pub login_spread: SignedDuration,
    /// The pause codes agents pick from, uniformly.
    pub pauses: Vec<PauseReason>,
    /// Shortest and longest shift (log in to the first chance of logging out).
    pub shift: (SignedDuration, SignedDuration),
    /// Shortest and longest time off between shifts.
    pub off_duty: (SignedDuration, SignedDuration),
    /// Virtual time between `HEARTBEAT` notifications; `None`: none.
    pub heartbeat: Option<SignedDuration>,
    pub wire: WireOptions,
}

impl OdigoSimConfig {
    /// `agents` agents `agent0001@<tenant>.example`... from `seed`, all logged out at
    /// `start` and logging in within a minute; the default pause codes; shifts of 1 to 4
    /// hours, 10 to 60 minutes off; a heartbeat a minute; the canonical wire.
    pub fn new(tenant: &str, agents: usize, seed: u64, start: Timestamp) -> OdigoSimConfig {
        OdigoSimConfig {
            seed,
            tenant: tenant.to_owned(),
            logins: logins(tenant, agents),
            start,
            login_spread: SignedDuration::from_mins(1),
            pauses: PauseReason::defaults(),
            shift: (SignedDuration::from_hours(1), SignedDuration::from_hours(4)),
            off_duty: (SignedDuration::from_mins(10), SignedDuration::from_mins(60)),
            heartbeat: Some(SignedDuration::from_mins(1)),
            wire: WireOptions::canonical(),
        }
    }

    pub(crate) fn check(&self) -> Result<(), OdigoSimError> {
        self.wire.check()?;
        if self.pauses.is_empty() {
            return Err(OdigoSimError::NoPauses);
        }
        let mut seen = HashSet::new();
        if let Some(login) = self
            .logins
            .iter()
            .find(|login| !seen.insert(login.as_str()))
        {
            return Err(OdigoSimError::DuplicateLogin(login.clone()));
        }
        if self.login_spread.is_negative() {
            return Err(OdigoSimError::Range {
                name: "login_spread",
                low: SignedDuration::ZERO,
                high: self.login_spread,
            });
        }
        for (name, (low, high)) in [("shift", self.shift), ("off_duty", self.off_duty)] {
            if low.is_negative() || low > high || high.is_zero() {
                return Err(OdigoSimError::Range { name, low, high });
            }
        }
        match self.heartbeat {
            Some(every) if !every.is_positive() => Err(OdigoSimError::Heartbeat(every)),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_configurations_are_refused() {
        let mut config = OdigoSimConfig::new("acme", 3, 1, Timestamp::UNIX_EPOCH);
        assert!(config.check().is_ok());
        config.wire.bare_pause_ratio = 1.5;
        assert!(matches!(
            config.check(),
            Err(OdigoSimError::Ratio {
                name: "bare_pause_ratio",
                ..
            })
        ));
        config.wire = WireOptions::varied();
        config.pauses.clear();
        assert!(matches!(config.check(), Err(OdigoSimError::NoPauses)));
        config.pauses = PauseReason::defaults();
        config.logins.push(config.logins[0].clone());
        assert!(matches!(
            config.check(),
            Err(OdigoSimError::DuplicateLogin(_))
        ));
        config.logins.pop();
        config.shift = (SignedDuration::from_hours(2), SignedDuration::from_hours(1));
        assert!(matches!(
            config.check(),
            Err(OdigoSimError::Range { name: "shift", .. })
        ));
        config.shift = (SignedDuration::ZERO, SignedDuration::from_hours(1));
        config.heartbeat = Some(SignedDuration::ZERO);
        assert!(matches!(config.check(), Err(OdigoSimError::Heartbeat(_))));
    }
}
