//! Time inside the evaluator: milliseconds since the Unix epoch in an `i64`, cheap to compare
//! and to store. Inputs are clamped to a range where every calendar computation succeeds.

use jiff::Timestamp;

/// Milliseconds since 1970-01-01T00:00:00Z (or a length in milliseconds).
pub(crate) type Millis = i64;

pub(crate) const SECOND: Millis = 1_000;
pub(crate) const MINUTE: Millis = 60 * SECOND;
/// Length of a figures interval.
pub(crate) const INTERVAL: Millis = 15 * MINUTE;

/// 1970-01-01 and 2200-01-01: times outside are clamped, so that calendar arithmetic in any
/// zone (a day before or after) cannot leave jiff's range.
const EARLIEST: Millis = 0;
const LATEST: Millis = 7_258_118_400_000;

pub(crate) fn millis(time: Timestamp) -> Millis {
    time.as_millisecond().clamp(EARLIEST, LATEST)
}

pub(crate) fn timestamp(millis: Millis) -> Timestamp {
    Timestamp::from_millisecond(millis.clamp(EARLIEST, LATEST)).unwrap_or(Timestamp::UNIX_EPOCH)
}
