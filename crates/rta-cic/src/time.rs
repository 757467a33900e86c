//! Record times of both dialects: reading them (nom), writing them, and turning them into
//! instants.
//!
//! ```text
//! time      = extended / basic
//! extended  = 4DIGIT "-" 2DIGIT "-" 2DIGIT (" " / "T") 2DIGIT ":" 2DIGIT ":" 2DIGIT
//!             [fraction] [offset]        ; the line dialect; RFC 3339 with an offset
//! basic     = 8DIGIT "T" 6DIGIT [fraction] [offset]
//!                                        ; ICWS `yyyyMMddTHHmmssZ`
//! fraction  = ("." / ",") 1*DIGIT        ; digits past the ninth are cut
//! offset    = "Z" / ("+" / "-") 2DIGIT [":"] 2DIGIT
//! ```
//! Without an offset a time is local to the ACD's zone ([`CicTime::Local`]); with one it is an
//! instant ([`CicTime::Utc`]) and the zone is not applied. `T` and `Z` may be lower case. A
//! leap second (`:60`) is read as `:59`, as jiff does, since instants have no leap seconds.

use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::{Offset, TimeZone};
use nom::branch::alt;
use nom::bytes::complete::{tag, take_while_m_n, take_while1};
use nom::character::complete::{char, one_of};
use nom::combinator::{all_consuming, map, opt, value};
use nom::sequence::preceded;
use nom::{IResult, Parser};
use rta_model::{TimeOutOfRange, Zone};
use std::io::Write;

/// A record time: a wall-clock time in the ACD's zone, or an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CicTime {
    /// Written without offset; the reader applies the integration's zone.
    Local(DateTime),
    /// Written in UTC with `Z` (read with any offset).
    Utc(Timestamp),
}

impl CicTime {
    /// The instant of this time: a local time is resolved in `zone` with the DST rules of
    /// [`Zone::resolve`] (`not_before` picks the later of a repeated hour's instants when the
    /// earlier one would go back before it).
    pub fn resolve(
        self,
        zone: &Zone,
        not_before: Option<Timestamp>,
    ) -> Result<Timestamp, TimeOutOfRange> {
        match self {
            CicTime::Local(local) => zone.resolve(local, not_before),
            CicTime::Utc(instant) => Ok(instant),
        }
    }

    /// [`CicTime::resolve`] through a [`ZoneCache`] (the same instants).
    pub(crate) fn resolve_cached(
        self,
        zone: &mut ZoneCache,
        not_before: Option<Timestamp>,
    ) -> Result<Timestamp, TimeOutOfRange> {
        match self {
            CicTime::Local(local) => zone.resolve(local, not_before),
            CicTime::Utc(instant) => Ok(instant),
        }
    }
}

/// A [`Zone`] that remembers the offset of the last local time it resolved, with the local
/// times for which that offset is the only one (between the zone's transitions around it,
/// less their gaps and repeated hours): a local time in that window is converted with the
/// offset alone, which gives what [`Zone::resolve`] gives (an unambiguous local time has one
/// instant whatever the floor) for a fraction of the cost. Any other local time goes to
/// [`Zone::resolve`], and a new window is computed from its instant when unambiguous.
#[derive(Debug, Clone)]
pub(crate) struct ZoneCache {
    zone: Zone,
    /// The zone's rules for its transitions (`None`: no window is ever kept).
    tz: Option<TimeZone>,
    window: Option<OffsetWindow>,
}

/// Local times `start <= t < end` are unambiguous with `offset`.
#[derive(Debug, Clone, Copy)]
struct OffsetWindow {
    start: DateTime,
    end: DateTime,
    offset: Offset,
    /// The last local time converted in the window, and its instant (the statuses of one
    /// second share their time).
    last: Option<(DateTime, Timestamp)>,
}

impl ZoneCache {
    pub(crate) fn new(zone: Zone) -> Self {
        ZoneCache {
            tz: TimeZone::get(zone.name()).ok(),
            zone,
            window: None,
        }
    }

    /// [`Zone::resolve`], with the window of the last unambiguous local time.
    pub(crate) fn resolve(
        &mut self,
        local: DateTime,
        not_before: Option<Timestamp>,
    ) -> Result<Timestamp, TimeOutOfRange> {
        if let Some(window) = &mut self.window {
            if let Some((last, instant)) = window.last {
                if last == local {
                    return Ok(instant);
                }
            }
            if window.start <= local && local < window.end {
                if let Ok(instant) = window.offset.to_timestamp(local) {
                    window.last = Some((local, instant));
                    return Ok(instant);
                }
            }
        }
        let instant = self.zone.resolve(local, not_before)?;
        if let Some(tz) = &self.tz {
            self.window = offset_window(tz, local, instant);
        }
        Ok(instant)
    }
}

/// The window of unambiguous local times around `local`, which resolved to `instant`;
/// `None` when `local` is not unambiguous (or the transitions cannot be read).
fn offset_window(tz: &TimeZone, local: DateTime, instant: Timestamp) -> Option<OffsetWindow> {
    let offset = tz.to_offset(instant);
    if offset.to_timestamp(local).ok()? != instant {
        return None; // in a gap: moved by it
    }
    let start = match tz
        .preceding(
            instant
                .checked_add(jiff::SignedDuration::from_nanos(1))
                .ok()?,
        )
        .next()
    {
        None => DateTime::MIN,
        Some(previous) => {
            let at = previous.timestamp();
            if at > instant || previous.offset() != offset {
                return None;
            }
            let before = tz.to_offset(at.checked_sub(jiff::SignedDuration::from_nanos(1)).ok()?);
            before.max(offset).to_datetime(at)
        }
    };
    let end = match tz.following(instant).next() {
        None => DateTime::MAX,
        Some(next) => {
            let at = next.timestamp();
            if at <= instant {
                return None;
            }
            next.offset().min(offset).to_datetime(at)
        }
    };
    (start <= local && local < end).then_some(OffsetWindow {
        start,
        end,
        offset,
        last: Some((local, instant)),
    })
}

/// Reads a time of either dialect (the whole input); `None` if it is not one.
pub(crate) fn parse_time(input: &[u8]) -> Option<CicTime> {
    match fixed_width(input) {
        Some((date, clock, offset)) => build(date, clock, None, offset),
        None => parse_time_grammar(input),
    }
}

/// The time grammar of the module docs, in nom.
fn parse_time_grammar(input: &[u8]) -> Option<CicTime> {
    let date_time = alt((
        (extended_date, one_of(" Tt"), extended_clock),
        (basic_date, one_of("Tt"), basic_clock),
    ));
    let (_, ((date, _, clock), nanos, offset)) =
        all_consuming((date_time, opt(fraction), opt(offset)))
            .parse(input)
            .ok()?;
    build(date, clock, nanos, offset)
}

/// The shapes servers send, read at fixed places without the grammar (which reads them the
/// same, byte for byte, but costs about ten times more): `YYYY-MM-DD HH:MM:SS` (`T` or `t`
/// for the space) and `YYYYMMDDTHHMMSS`, each with or without a final `Z`. `None` for any
/// other shape (fraction, offset, ...), which the grammar reads.
fn fixed_width(input: &[u8]) -> Option<(Ymd, Hms, Option<i32>)> {
    let (text, offset) = match input {
        [text @ .., b'Z' | b'z'] => (text, Some(0)),
        _ => (input, None),
    };
    let number = |at: usize, len: usize| {
        text[at..at + len].iter().try_fold(0u32, |value, &byte| {
            byte.is_ascii_digit()
                .then(|| value * 10 + u32::from(byte - b'0'))
        })
    };
    let ((y, m, d), (h, min, s)) = match text.len() {
        19 if text[4] == b'-'
            && text[7] == b'-'
            && matches!(text[10], b' ' | b'T' | b't')
            && text[13] == b':'
            && text[16] == b':' =>
        {
            ((0, 5, 8), (11, 14, 17))
        }
        15 if matches!(text[8], b'T' | b't') => ((0, 4, 6), (9, 11, 13)),
        _ => return None,
    };
    Some((
        (number(y, 4)?, number(m, 2)?, number(d, 2)?),
        (number(h, 2)?, number(min, 2)?, number(s, 2)?),
        offset,
    ))
}

/// The time of a date, a clock, nanoseconds and an offset in seconds east of UTC (`None`:
/// local); `None` if there is no such time.
fn build(date: Ymd, clock: Hms, nanos: Option<u32>, offset: Option<i32>) -> Option<CicTime> {
    let (year, month, day) = date;
    let (hour, minute, second) = clock;
    let local = DateTime::new(
        i16::try_from(year).ok()?,
        i8::try_from(month).ok()?,
        i8::try_from(day).ok()?,
        i8::try_from(hour).ok()?,
        i8::try_from(minute).ok()?,
        i8::try_from(second.min(59)).ok()?,
        i32::try_from(nanos.unwrap_or(0)).ok()?,
    )
    .ok()?;
    match offset {
        None => Some(CicTime::Local(local)),
        Some(seconds) => {
            let offset = Offset::from_seconds(seconds).ok()?;
            let instant = offset.to_timestamp(local).ok()?;
            // `0000-01-01T00:30:00+01:00` is in the year -1 in UTC, which no 4-digit year can
            // say again: not a time an ACD sends.
            (instant.as_second() >= FIRST_UTC_SECOND).then_some(CicTime::Utc(instant))
        }
    }
}

/// `0000-01-01T00:00:00Z`, the first instant the line dialect can write.
const FIRST_UTC_SECOND: i64 = -62_167_219_200;

type Ymd = (u32, u32, u32);
type Hms = (u32, u32, u32);

fn number(digits: usize) -> impl Fn(&[u8]) -> IResult<&[u8], u32> {
    move |input| {
        map(
            take_while_m_n(digits, digits, |b: u8| b.is_ascii_digit()),
            decimal,
        )
        .parse(input)
    }
}

fn decimal(digits: &[u8]) -> u32 {
    digits
        .iter()
        .fold(0, |acc, &d| acc * 10 + u32::from(d - b'0'))
}

fn extended_date(input: &[u8]) -> IResult<&[u8], Ymd> {
    (number(4), char('-'), number(2), char('-'), number(2))
        .map(|(y, _, m, _, d)| (y, m, d))
        .parse(input)
}

fn extended_clock(input: &[u8]) -> IResult<&[u8], Hms> {
    (number(2), char(':'), number(2), char(':'), number(2))
        .map(|(h, _, m, _, s)| (h, m, s))
        .parse(input)
}

fn basic_date(input: &[u8]) -> IResult<&[u8], Ymd> {
    (number(4), number(2), number(2)).parse(input)
}

fn basic_clock(input: &[u8]) -> IResult<&[u8], Hms> {
    (number(2), number(2), number(2)).parse(input)
}

/// Nanoseconds.
fn fraction(input: &[u8]) -> IResult<&[u8], u32> {
    preceded(one_of(".,"), take_while1(|b: u8| b.is_ascii_digit()))
        .map(|digits: &[u8]| {
            let kept = &digits[..digits.len().min(9)];
            decimal(kept) * 10u32.pow(9 - kept.len() as u32)
        })
        .parse(input)
}

/// Seconds east of UTC.
fn offset(input: &[u8]) -> IResult<&[u8], i32> {
    alt((
        value(0, one_of("Zz")),
        (one_of("+-"), number(2), opt(tag(&b":"[..])), number(2)).map(|(sign, h, _, m)| {
            let seconds = (h * 3600 + m * 60) as i32;
            if sign == '-' { -seconds } else { seconds }
        }),
    ))
    .parse(input)
}

/// The line dialect's spelling: `YYYY-MM-DD HH:MM:SS` local, or RFC 3339 in UTC with `Z`.
/// The fraction is left out when zero, three digits for whole milliseconds, nine otherwise.
pub(crate) fn write_line_time(out: &mut Vec<u8>, time: CicTime) {
    match time {
        CicTime::Local(local) => write_date_time(out, local, ' '),
        CicTime::Utc(instant) => {
            write_date_time(out, TimeZone::UTC.to_datetime(instant), 'T');
            out.push(b'Z');
        }
    }
}

fn write_date_time(out: &mut Vec<u8>, time: DateTime, separator: char) {
    let _ = write!(
        out,
        "{:04}-{:02}-{:02}{separator}{:02}:{:02}:{:02}",
        time.year(),
        time.month(),
        time.day(),
        time.hour(),
        time.minute(),
        time.second()
    );
    let nanos = time.subsec_nanosecond();
    if nanos % 1_000_000 != 0 {
        let _ = write!(out, ".{nanos:09}");
    } else if nanos != 0 {
        let _ = write!(out, ".{:03}", nanos / 1_000_000);
    }
}

/// ICWS basic ISO 8601 in UTC, `yyyyMMddTHHmmssZ` (the fraction is cut).
pub(crate) fn write_basic_time(out: &mut Vec<u8>, instant: Timestamp) {
    let time = TimeZone::UTC.to_datetime(instant);
    let _ = write!(
        out,
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        time.year(),
        time.month(),
        time.day(),
        time.hour(),
        time.minute(),
        time.second()
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn utc(text: &str) -> CicTime {
        CicTime::Utc(text.parse().unwrap())
    }

    #[test]
    fn local_times_with_and_without_fraction() {
        let at = |ns| CicTime::Local(date(2026, 11, 23).at(7, 58, 12, ns));
        assert_eq!(parse_time(b"2026-11-23 07:58:12"), Some(at(0)));
        assert_eq!(
            parse_time(b"2026-11-23 07:58:12.250"),
            Some(at(250_000_000))
        );
        assert_eq!(parse_time(b"2026-11-23T07:58:12,5"), Some(at(500_000_000)));
        assert_eq!(
            parse_time(b"2026-11-23 07:58:12.1234567891234"),
            Some(at(123_456_789))
        );
        assert_eq!(parse_time(b"20261123T075812"), Some(at(0)));
    }

    #[test]
    fn times_with_an_offset_are_instants_as_given() {
        assert_eq!(
            parse_time(b"2026-11-23T07:58:12Z"),
            Some(utc("2026-11-23T07:58:12Z"))
        );
        assert_eq!(
            parse_time(b"2026-11-23T08:58:12.5+01:00"),
            Some(utc("2026-11-23T07:58:12.5Z"))
        );
        assert_eq!(
            parse_time(b"2026-11-23 02:58:12-0500"),
            Some(utc("2026-11-23T07:58:12Z"))
        );
        assert_eq!(
            parse_time(b"20261123T075812Z"),
            Some(utc("2026-11-23T07:58:12Z"))
        );
        assert_eq!(
            parse_time(b"2016-12-31T23:59:60Z"),
            Some(utc("2016-12-31T23:59:59Z"))
        );
    }

    #[test]
    fn not_times() {
        for text in [
            &b""[..],
            b"2026-11-23",
            b"2026-11-23 07:58",
            b"2026-13-23 07:58:12",
            b"2026-02-30 07:58:12",
            b"2026-11-23 24:00:00",
            b"2026-11-23 07:58:12 ",
            b"2026-11-23 07:58:12.",
            b"2026-11-23 07:58:12+99:00",
            b"0000-01-01T00:00:00.500+01:00",
            b"2026-11-23x07:58:12",
            b"+2026-11-23 07:58:12",
            b"2026112T075812Z",
            b"\xff",
        ] {
            assert_eq!(
                parse_time(text),
                None,
                "{:?}",
                String::from_utf8_lossy(text)
            );
        }
    }

    proptest::proptest! {
        /// The fixed-width shapes read as the grammar reads them, and nothing else changes:
        /// times built of digits and the separators of every shape, in the fixed-width
        /// lengths and around them.
        #[test]
        fn fixed_width_times_read_as_the_grammar_reads_them(
            shape in proptest::sample::select(&[
                "####-##-## ##:##:##", "####-##-##T##:##:##Z", "####-##-##t##:##:##z",
                "########T######", "########T######Z", "########t######z",
                "####-##-## ##:##:##.###", "########T######+0100", "####-##-##T##:##:#",
            ][..]),
            digits in proptest::collection::vec(0u8..10, 24),
            noise in proptest::option::of((0usize..24, proptest::sample::select(
                &b"0123456789 -:TtZz+.x\xff"[..],
            ))),
        ) {
            let mut digits = digits.into_iter();
            let mut input: Vec<u8> = shape
                .bytes()
                .map(|b| if b == b'#' { b'0' + digits.next().unwrap() } else { b })
                .collect();
            if let Some((at, byte)) = noise {
                if at < input.len() {
                    input[at] = byte;
                }
            }
            proptest::prop_assert_eq!(parse_time(&input), parse_time_grammar(&input));
            // Real dates too (random digits rarely make a valid month and day).
            if input.len() >= 10 && input[4] == b'-' {
                input[5..7].copy_from_slice(b"11");
                input[8..10].copy_from_slice(b"23");
                proptest::prop_assert_eq!(parse_time(&input), parse_time_grammar(&input));
            }
        }
    }

    #[test]
    fn fixed_width_shapes_skip_the_grammar() {
        for (text, shape) in [
            (&b"2026-11-23 07:58:12"[..], true),
            (b"2026-11-23T07:58:12Z", true),
            (b"20261123T075812Z", true),
            (b"20261123t075812", true),
            (b"2026-11-23 07:58:12.250", false),
            (b"2026-11-23T07:58:12+01:00", false),
            (b"20261123T075812.5Z", false),
            (b"2026-11-23x07:58:12", false),
        ] {
            assert_eq!(fixed_width(text).is_some(), shape, "{text:?}");
            assert_eq!(parse_time(text), parse_time_grammar(text), "{text:?}");
        }
        assert_eq!(fixed_width(b"2026-1a-23 07:58:12"), None);
        assert_eq!(
            parse_time(b"2026-13-23 07:58:12"),
            None,
            "read in place, then refused"
        );
    }

    #[test]
    fn written_times_read_back() {
        let local = CicTime::Local(date(2026, 11, 23).at(7, 58, 12, 7));
        let instant = utc("2026-11-23T07:58:12.25Z");
        for time in [local, instant] {
            let mut out = Vec::new();
            write_line_time(&mut out, time);
            assert_eq!(parse_time(&out), Some(time));
        }
        let mut out = Vec::new();
        write_basic_time(&mut out, "2026-11-23T07:58:12.25Z".parse().unwrap());
        assert_eq!(out, b"20261123T075812Z");
    }

    proptest::proptest! {
        /// The cached offset gives what `Zone::resolve` gives, whatever came before: runs of
        /// local times around the DST changes of 2026 (and 1970, 2000: the zone's table
        /// rather than its rule) in zones with whole-hour, half-hour and no changes, with
        /// floors before, at and after them.
        #[test]
        fn cached_offsets_resolve_as_the_zone_does(
            zone in proptest::sample::select(&[
                "America/New_York", "Europe/Paris", "Australia/Lord_Howe", "UTC", "Asia/Kolkata",
            ][..]),
            year in proptest::sample::select(&[1970i16, 2000, 2026][..]),
            times in proptest::collection::vec(
                (
                    proptest::sample::select(&[(3i8, 8i8), (3, 29), (3, 30), (4, 5), (10, 25), (10, 26), (11, 1), (11, 2)][..]),
                    0i8..24, 0i8..60, 0i8..60, 0i32..3, -7200i64..7200,
                ),
                1..40,
            ),
        ) {
            let zone = Zone::get(zone).unwrap();
            let mut cache = ZoneCache::new(zone.clone());
            for ((month, day), hour, minute, second, nanos, floor) in times {
                let local = date(year, month, day).at(hour, minute, second, nanos * 499_999_999);
                let floor = zone.resolve(local, None).ok()
                    .and_then(|at| at.checked_add(jiff::SignedDuration::from_secs(floor)).ok());
                for floor in [None, floor] {
                    proptest::prop_assert_eq!(
                        cache.resolve(local, floor),
                        zone.resolve(local, floor),
                        "{} {:?}", local, floor
                    );
                }
            }
        }
    }

    #[test]
    fn cached_offsets_across_the_new_york_changes() {
        let zone = Zone::get("America/New_York").unwrap();
        let mut cache = ZoneCache::new(zone.clone());
        // Every 10 minutes through both changes of 2026, then backwards, then again with
        // a floor past the repeated hour.
        let mut times = Vec::new();
        for (month, day) in [(3, 8), (11, 1)] {
            for step in 0..24 * 6_i16 {
                times.push(date(2026, month, day).at(
                    (step / 6) as i8,
                    (step % 6 * 10) as i8,
                    0,
                    0,
                ));
            }
        }
        let floor: Timestamp = "2026-11-01T06:30:00Z".parse().unwrap();
        for local in times.iter().chain(times.iter().rev()) {
            for floor in [None, Some(floor)] {
                assert_eq!(
                    cache.resolve(*local, floor),
                    zone.resolve(*local, floor),
                    "{local}"
                );
            }
        }
        assert!(cache.window.is_some());
    }

    #[test]
    fn local_times_resolve_in_the_zone_and_instants_as_given() {
        let zone = Zone::get("America/New_York").unwrap();
        let local = CicTime::Local(date(2026, 11, 23).at(7, 58, 12, 0));
        assert_eq!(
            local.resolve(&zone, None).unwrap(),
            "2026-11-23T12:58:12Z".parse::<Timestamp>().unwrap()
        );
        let instant = utc("2026-11-23T07:58:12Z");
        assert_eq!(
            instant.resolve(&zone, None).unwrap(),
            "2026-11-23T07:58:12Z".parse::<Timestamp>().unwrap()
        );
    }
}
