//! Local wall-clock times of a source converted to UTC, DST traps included.

use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::{AmbiguousOffset, TimeZone};

/// An IANA time zone that is known to exist (from the tz database bundled into the binary,
/// so results do not depend on the host's `/usr/share/zoneinfo`).
#[derive(Debug, Clone, PartialEq)]
pub struct Zone {
    name: Box<str>,
    tz: TimeZone,
}

/// The zone name is not in the tz database.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown time zone {0:?} (expected an IANA name such as \"Europe/Paris\")")]
pub struct UnknownZone(pub String);

/// The local time cannot be represented as an instant (far outside the supported range).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("local time {0} is out of range")]
pub struct TimeOutOfRange(pub DateTime);

impl Zone {
    /// Looks a zone up by IANA name (`"America/New_York"`, `"UTC"`).
    pub fn get(name: &str) -> Result<Zone, UnknownZone> {
        let tz = TimeZone::get(name).map_err(|_| UnknownZone(name.to_owned()))?;
        Ok(Zone {
            name: name.into(),
            tz,
        })
    }

    /// Coordinated Universal Time.
    pub fn utc() -> Zone {
        Zone {
            name: "UTC".into(),
            tz: TimeZone::UTC,
        }
    }

    /// The IANA name this zone was looked up by.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Converts a local time to an instant the way `specs/cic.md` requires:
    /// - a time in the spring-forward gap moves forward by the gap (02:30 -> 03:30 new offset);
    /// - a time repeated at the autumn change is the earlier instant, unless that instant is
    ///   before `not_before` (the previous time seen on the same stream), then the later one,
    ///   so a stream that crosses the repeated hour never goes backwards.
    ///
    /// Never fails for a time a source can send; see [`TimeOutOfRange`].
    pub fn resolve(
        &self,
        local: DateTime,
        not_before: Option<Timestamp>,
    ) -> Result<Timestamp, TimeOutOfRange> {
        let ambiguous = self.tz.to_ambiguous_timestamp(local);
        let resolved = match ambiguous.offset() {
            AmbiguousOffset::Unambiguous { .. } | AmbiguousOffset::Gap { .. } => ambiguous.later(),
            AmbiguousOffset::Fold { .. } => match ambiguous.earlier() {
                Ok(earlier) if not_before.is_some_and(|floor| earlier < floor) => ambiguous.later(),
                earlier => earlier,
            },
        };
        resolved.map_err(|_| TimeOutOfRange(local))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn ts(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn unknown_zone_is_an_error() {
        assert!(Zone::get("Mars/Olympus_Mons").is_err());
        assert_eq!(Zone::get("Europe/Paris").unwrap().name(), "Europe/Paris");
    }

    #[test]
    fn ordinary_time_converts() {
        let zone = Zone::get("Europe/Paris").unwrap();
        let local = date(2026, 11, 23).at(9, 31, 3, 0);
        assert_eq!(
            zone.resolve(local, None).unwrap(),
            ts("2026-11-23T08:31:03Z")
        );
    }

    #[test]
    fn spring_gap_moves_forward_by_the_gap() {
        let zone = Zone::get("America/New_York").unwrap();
        // 2026-03-08 02:30 does not exist in New York: it is read as 03:30 EDT.
        let local = date(2026, 3, 8).at(2, 30, 0, 0);
        assert_eq!(
            zone.resolve(local, None).unwrap(),
            ts("2026-03-08T07:30:00Z")
        );
    }

    #[test]
    fn autumn_repeat_is_earlier_unless_that_goes_backwards() {
        let zone = Zone::get("America/New_York").unwrap();
        // 2026-11-01 01:30 happens twice: 05:30Z (EDT) and 06:30Z (EST).
        let local = date(2026, 11, 1).at(1, 30, 0, 0);
        assert_eq!(
            zone.resolve(local, None).unwrap(),
            ts("2026-11-01T05:30:00Z")
        );
        let after_first_pass = Some(ts("2026-11-01T05:59:00Z"));
        assert_eq!(
            zone.resolve(local, after_first_pass).unwrap(),
            ts("2026-11-01T06:30:00Z")
        );
    }
}
