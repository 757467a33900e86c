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
}

/// Reads a time of either dialect (the whole input); `None` if it is not one.
pub(crate) fn parse_time(input: &[u8]) -> Option<CicTime> {
    let date_time = alt((
        (extended_date, one_of(" Tt"), extended_clock),
        (basic_date, one_of("Tt"), basic_clock),
    ));
    let (_, ((date, _, clock), nanos, offset)) =
        all_consuming((date_time, opt(fraction), opt(offset)))
            .parse(input)
            .ok()?;
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
            offset.to_timestamp(local).ok().map(CicTime::Utc)
        }
    }
}

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
