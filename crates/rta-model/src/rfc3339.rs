//! Event times as RFC 3339 text, written without `core::fmt` and without allocating.
//!
//! jiff serializes a `Timestamp` with `collect_str` through its `Display`: a pass through
//! `core::fmt`, and for MessagePack (`rmp_serde` collects into a `String`) an allocation per
//! time, three per `agent_status` event. The same printer jiff's `Display` uses
//! ([`DateTimePrinter`], default settings) wrote into a buffer on the stack instead, handed to
//! the serializer as one `&str`; but the printer itself was the cost of a time (about 730
//! instructions, `benches/RESULTS.md`, instruction counts). Times from 1970 to 9998, all an
//! engine meets, are now written by [`write_common`]: the civil date from the day number
//! (Hinnant's `civil_from_days`), digits into the buffer, the fraction without its trailing
//! zeros, as jiff writes it (a test checks both agree over a sweep of times). Other times
//! still go through jiff's printer.

use jiff::Timestamp;
use jiff::fmt::temporal::DateTimePrinter;
use serde::Serializer;

/// The longest text a timestamp prints to is 33 bytes (`-009999-01-02T01:59:59.999999999Z`).
const LONGEST: usize = 40;

/// `#[serde(serialize_with = "rfc3339::serialize")]` for a `Timestamp` field: the same text
/// as jiff's own `Serialize` impl.
pub(crate) fn serialize<S: Serializer>(time: &Timestamp, serializer: S) -> Result<S::Ok, S::Error> {
    match printed(*time).as_str() {
        Some(text) => serializer.serialize_str(text),
        // Cannot happen (see `LONGEST`); jiff's own way is still right.
        None => serializer.collect_str(time),
    }
}

/// `time` as jiff's `Display` writes it, on the stack ([`Text::as_str`] is `None` only if it
/// did not fit, which `LONGEST` rules out).
pub(crate) fn printed(time: Timestamp) -> Text {
    let mut text = Text::default();
    if write_common(time, &mut text) {
        return text;
    }
    let mut text = Text::default();
    if DateTimePrinter::new()
        .print_timestamp(&time, &mut text)
        .is_err()
    {
        text.overflowed = true;
    }
    text
}

/// The last second [`write_common`] writes: 9998-12-31T23:59:59Z (jiff's range ends within
/// 9999).
const LAST_COMMON_SECOND: i64 = 253_370_764_799;

/// Writes `time` as jiff's `Display` does, if it lies in 1970..=9998 (`false`, nothing
/// written, otherwise).
fn write_common(time: Timestamp, text: &mut Text) -> bool {
    let (second, nanosecond) = (time.as_second(), time.subsec_nanosecond());
    if !(0..=LAST_COMMON_SECOND).contains(&second) || nanosecond < 0 {
        return false;
    }
    let (days, second_of_day) = (second / 86_400, second % 86_400);
    let (year, month, day) = civil_from_days(days);
    let mut digits = [0u8; 19];
    put(&mut digits[0..4], year);
    digits[4] = b'-';
    put(&mut digits[5..7], month);
    digits[7] = b'-';
    put(&mut digits[8..10], day);
    digits[10] = b'T';
    put(&mut digits[11..13], second_of_day / 3_600);
    digits[13] = b':';
    put(&mut digits[14..16], second_of_day / 60 % 60);
    digits[16] = b':';
    put(&mut digits[17..19], second_of_day % 60);
    text.push(&digits);
    if nanosecond > 0 {
        let mut fraction = [0u8; 10];
        fraction[0] = b'.';
        put(&mut fraction[1..], i64::from(nanosecond));
        let digits = 1 + fraction[1..].iter().rposition(|&d| d != b'0').unwrap_or(0) + 1;
        text.push(&fraction[..digits]);
    }
    text.push(b"Z");
    true
}

/// `(year, month, day)` of day `days` since 1970-01-01 (`days` >= 0), by Howard Hinnant's
/// `civil_from_days`.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// "00" to "99", two digits at a time (half the divisions of one digit at a time).
const PAIRS: [u8; 200] = {
    let mut pairs = [0u8; 200];
    let mut index = 0;
    while index < 100 {
        pairs[2 * index] = b'0' + (index / 10) as u8;
        pairs[2 * index + 1] = b'0' + (index % 10) as u8;
        index += 1;
    }
    pairs
};

/// `value` in decimal, zero-padded to fill `out` (its low digits if `out` is too short: the
/// callers' values fit).
fn put(out: &mut [u8], value: i64) {
    // Every value written is in 0..1_000_000_000 (a year, a field of the time, nanoseconds).
    let mut value = value as u32;
    let mut end = out.len();
    while end >= 2 {
        let pair = (value % 100) as usize * 2;
        out[end - 2..end].copy_from_slice(&PAIRS[pair..pair + 2]);
        value /= 100;
        end -= 2;
    }
    if end == 1 {
        out[0] = b'0' + (value % 10) as u8;
    }
}

/// A fixed buffer on the stack that jiff's printers write into.
pub(crate) struct Text {
    bytes: [u8; LONGEST],
    len: usize,
    overflowed: bool,
}

impl Default for Text {
    fn default() -> Text {
        Text {
            bytes: [0; LONGEST],
            len: 0,
            overflowed: false,
        }
    }
}

impl Text {
    fn push(&mut self, bytes: &[u8]) {
        let end = self.len + bytes.len();
        match self.bytes.get_mut(self.len..end) {
            Some(room) => {
                room.copy_from_slice(bytes);
                self.len = end;
            }
            None => self.overflowed = true,
        }
    }

    /// What was written, unless it did not fit.
    pub(crate) fn as_str(&self) -> Option<&str> {
        if self.overflowed {
            return None;
        }
        std::str::from_utf8(&self.bytes[..self.len]).ok()
    }
}

impl jiff::fmt::Write for Text {
    fn write_str(&mut self, string: &str) -> Result<(), jiff::Error> {
        // jiff offers no error to return: an overflow is remembered, and `serialize` falls
        // back.
        self.push(string.as_bytes());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Serialize)]
    struct At(#[serde(serialize_with = "serialize")] Timestamp);

    /// The common range's own formatter writes what jiff's `Display` writes: every day's
    /// boundaries over the years it covers (leap days, centuries, 2000, 9998), and a sweep of
    /// times with every length of fraction.
    #[test]
    fn the_common_formatter_agrees_with_jiff() {
        let check = |second: i64, nanosecond: i32| {
            let time = Timestamp::new(second, nanosecond).unwrap();
            let mut text = Text::default();
            assert!(write_common(time, &mut text), "{time}");
            assert_eq!(text.as_str().unwrap(), time.to_string());
        };
        let mut day = 0;
        while day * 86_400 <= LAST_COMMON_SECOND {
            check(day * 86_400, 0);
            check(day * 86_400 + 86_399, 999_999_999);
            day += 1;
        }
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..200_000 {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            let second = (state >> 11) as i64 % (LAST_COMMON_SECOND + 1);
            let nanosecond = match state % 4 {
                0 => 0,
                1 => (state >> 3) as i32 % 1_000 * 1_000_000,
                2 => (state >> 5) as i32 % 1_000_000 * 1_000,
                _ => (state >> 7) as i32 % 1_000_000_000,
            };
            check(second, nanosecond.abs());
        }
        let before = Timestamp::new(-1, 0).unwrap();
        assert!(!write_common(before, &mut Text::default()));
        let after = Timestamp::new(LAST_COMMON_SECOND + 1, 0).unwrap();
        assert!(!write_common(after, &mut Text::default()));
    }

    #[test]
    fn the_text_is_jiffs_own() {
        for text in [
            "2026-11-23T10:00:00Z",
            "2026-11-23T10:00:00.5Z",
            "2026-11-23T10:00:00.123456789Z",
            "1970-01-01T00:00:00Z",
            "1969-12-31T23:59:59.999999999Z",
        ] {
            let time: Timestamp = text.parse().unwrap();
            assert_eq!(
                serde_json::to_string(&At(time)).unwrap(),
                serde_json::to_string(&time).unwrap()
            );
        }
        for time in [Timestamp::MIN, Timestamp::MAX] {
            assert_eq!(
                serde_json::to_string(&At(time)).unwrap(),
                serde_json::to_string(&time).unwrap()
            );
            assert!(time.to_string().len() <= LONGEST);
        }
        let time: Timestamp = "2026-11-23T10:00:00.25Z".parse().unwrap();
        assert_eq!(
            rmp_serde::to_vec(&At(time)).unwrap(),
            rmp_serde::to_vec(&time).unwrap()
        );
    }
}
