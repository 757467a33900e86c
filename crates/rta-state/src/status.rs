//! An agent's status as the table stores it (packed into slot words) and hands it out.

use crate::slot::{Packed, WORDS};
use crate::symbols::{Symbol, Symbols};
use rta_model::{Code, Direction, Observation, Phase, Timestamp};
use std::borrow::Cow;

/// One agent's current status, borrowing its words from the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentStatus<'t> {
    pub phase: Phase,
    pub direction: Direction,
    pub code: &'t str,
    pub reason: Option<Code<'t>>,
    pub detail: Option<Code<'t>>,
    /// When the status began (event time).
    pub since: Timestamp,
    /// When the engine last received a record for this agent.
    pub last_seen: Timestamp,
    /// How many times the agent's status changed.
    pub sequence: u64,
}

const DIRECTIONS: [Direction; 3] = [Direction::None, Direction::In, Direction::Out];

const PRESENT: u64 = 1 << 63;
const VALUE: u64 = u32::MAX as u64;
/// What a reason or detail word is (in [`WHAT`], at [`REASON_KIND`] and [`DETAIL_KIND`]).
const ABSENT: u64 = 0;
const NUMBER: u64 = 1;
const TEXT: u64 = 2;
const KIND: u64 = 3;
const REASON_KIND: u32 = 48;
const DETAIL_KIND: u32 = 50;

// Word layout: what (present bit, the kinds of the reason and the detail, phase, direction,
// code symbol); codes (the detail's value in the high half, the reason's in the low half);
// since (ns); last seen (ns); sequence. A reason or detail is a number or a symbol: 32 bits,
// its kind 2 bits of the first word, so that a status takes two words, not three.
const WHAT: usize = 0;
const CODES: usize = 1;
const SINCE: usize = 2;
const LAST_SEEN: usize = 3;
const SEQUENCE: usize = 4;
const _: () = assert!(SEQUENCE + 1 == WORDS);

/// The words that say what an agent does, in this order from the slot's first.
pub(crate) type What = [u64; 2];

const NANOS_PER_SECOND: i32 = 1_000_000_000;
const SUBSEC_BITS: u32 = 30;
const LAST_SECOND: i64 = (1 << (63 - SUBSEC_BITS)) - 1;
const FIRST_SECOND: i64 = -LAST_SECOND - 1;
const LATEST: i64 = LAST_SECOND << SUBSEC_BITS | (NANOS_PER_SECOND as i64 - 1);
const EARLIEST: i64 = FIRST_SECOND << SUBSEC_BITS;

/// A time in one word: the whole seconds since the epoch in the top 34 bits (signed), the
/// nanoseconds in the low 30. Words order like the times they hold (compared as `i64`), and
/// packing and unpacking are shifts: jiff's `i128` nanoseconds cost more than the rest of an
/// update. Covers the years 1698 to 2242; times outside are clamped to the ends.
pub(crate) fn pack_time(time: Timestamp) -> u64 {
    let (mut second, mut nanosecond) = (time.as_second(), time.subsec_nanosecond());
    if nanosecond < 0 {
        second -= 1;
        nanosecond += NANOS_PER_SECOND;
    }
    let word = match second {
        ..FIRST_SECOND => EARLIEST,
        FIRST_SECOND..=LAST_SECOND => second << SUBSEC_BITS | i64::from(nanosecond),
        _ => LATEST,
    };
    word as u64
}

fn time(word: u64) -> Timestamp {
    let word = word as i64;
    let nanosecond = (word & ((1 << SUBSEC_BITS) - 1)) as i32;
    Timestamp::new(word >> SUBSEC_BITS, nanosecond).unwrap_or(Timestamp::UNIX_EPOCH)
}

fn is_clamped(word: u64) -> bool {
    matches!(word as i64, EARLIEST | LATEST)
}

/// A reason or detail as its kind and its 32-bit value.
fn pack_code(intern: &mut impl FnMut(&str) -> Symbol, code: Option<&Code<'_>>) -> (u64, u64) {
    match code {
        None => (ABSENT, 0),
        Some(Code::Number(n)) => (NUMBER, u64::from(*n)),
        Some(Code::Text(text)) => (TEXT, u64::from(intern(text).0)),
    }
}

fn unpack_code(symbols: &Symbols, kind: u64, value: u64) -> Option<Code<'_>> {
    let value = (value & VALUE) as u32;
    match kind & KIND {
        NUMBER => Some(Code::Number(value)),
        TEXT => Some(Code::Text(Cow::Borrowed(symbols.word(Symbol(value))))),
        _ => None,
    }
}

/// The words that say what the agent does (not when): equal words = the same status.
pub(crate) fn pack_what(
    mut intern: impl FnMut(&str) -> Symbol,
    observation: &Observation<'_>,
) -> What {
    let phase = Phase::ALL
        .iter()
        .position(|&p| p == observation.phase)
        .unwrap_or(7) as u64;
    let direction = DIRECTIONS
        .iter()
        .position(|&d| d == observation.direction)
        .unwrap_or(0) as u64;
    let code = u64::from(intern(&observation.status.code).0);
    let (reason_kind, reason) = pack_code(&mut intern, observation.status.reason.as_ref());
    let (detail_kind, detail) = pack_code(&mut intern, observation.status.detail.as_ref());
    [
        PRESENT
            | detail_kind << DETAIL_KIND
            | reason_kind << REASON_KIND
            | phase << 40
            | direction << 32
            | code,
        detail << 32 | reason,
    ]
}

pub(crate) fn is_present(words: &Packed) -> bool {
    words[WHAT] & PRESENT != 0
}

pub(crate) fn same_what(words: &Packed, what: &What) -> bool {
    words[WHAT..=CODES] == what[..]
}

pub(crate) fn sequence(words: &Packed) -> u64 {
    words[SEQUENCE]
}

/// True if a status begun at `since` (a packed time) is older than the words' status.
pub(crate) fn is_older(words: &Packed, since: u64) -> bool {
    (since as i64) < words[SINCE] as i64
}

/// The words after a change to `what` at `since`.
/// The words after a change to `what` at `since`, seen at `seen` (both packed times).
pub(crate) fn changed(words: &Packed, what: What, since: u64, seen: u64) -> Packed {
    [what[0], what[1], since, seen, words[SEQUENCE] + 1]
}

/// The words after a repeat of the same status, seen at `seen` (a packed time).
pub(crate) fn seen_again(words: &Packed, seen: u64) -> Packed {
    let mut next = *words;
    next[LAST_SEEN] = seen;
    next
}

/// The status the words hold, if any.
pub(crate) fn unpack<'t>(symbols: &'t Symbols, words: &Packed) -> Option<AgentStatus<'t>> {
    is_present(words).then(|| unpack_at(symbols, words, time(words[SINCE]), time(words[LAST_SEEN])))
}

/// The status just written, begun at `since` and received at `received`: its times are those
/// given (decoding them again was a third of an update), unless they were clamped on the way
/// in.
pub(crate) fn unpack_written<'t>(
    symbols: &'t Symbols,
    words: &Packed,
    since: Timestamp,
    received: Timestamp,
) -> AgentStatus<'t> {
    let as_stored = |given: Timestamp, word: u64| {
        if is_clamped(word) { time(word) } else { given }
    };
    unpack_at(
        symbols,
        words,
        as_stored(since, words[SINCE]),
        as_stored(received, words[LAST_SEEN]),
    )
}

fn unpack_at<'t>(
    symbols: &'t Symbols,
    words: &Packed,
    since: Timestamp,
    last_seen: Timestamp,
) -> AgentStatus<'t> {
    let what = words[WHAT];
    AgentStatus {
        phase: Phase::ALL[((what >> 40) & 0xff) as usize % Phase::ALL.len()],
        direction: DIRECTIONS[((what >> 32) & 0xff) as usize % DIRECTIONS.len()],
        code: symbols.word(Symbol((what & VALUE) as u32)),
        reason: unpack_code(symbols, what >> REASON_KIND, words[CODES]),
        detail: unpack_code(symbols, what >> DETAIL_KIND, words[CODES] >> 32),
        since,
        last_seen,
        sequence: words[SEQUENCE],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rta_model::{IntegrationId, Status};

    /// Every phase, direction and kind of reason and detail, with the extreme values, comes
    /// back from its two words as it went in.
    #[test]
    fn a_status_packs_into_two_words_and_back() {
        let symbols = Symbols::default();
        let codes = [
            None,
            Some(Code::Number(0)),
            Some(Code::Number(u32::MAX)),
            Some(Code::Text("LUNCH".into())),
        ];
        let since: Timestamp = "2026-11-23T08:00:00.5Z".parse().unwrap();
        for phase in Phase::ALL {
            for direction in DIRECTIONS {
                for reason in &codes {
                    for detail in &codes {
                        let mut status = Status::new("AUX");
                        status.reason = reason.clone();
                        status.detail = detail.clone();
                        let observation = Observation {
                            integration: IntegrationId(0),
                            external_id: Cow::Borrowed(b"1001"),
                            phase,
                            direction,
                            status,
                            time: since,
                            received: since,
                        };
                        let what = pack_what(|word| symbols.intern(word), &observation);
                        let words = changed(&[0; WORDS], what, pack_time(since), pack_time(since));
                        assert!(same_what(&words, &what));
                        let unpacked = unpack(&symbols, &words).unwrap();
                        assert_eq!(
                            (unpacked.phase, unpacked.direction, unpacked.code),
                            (phase, direction, "AUX")
                        );
                        assert_eq!((&unpacked.reason, &unpacked.detail), (reason, detail));
                        assert_eq!((unpacked.since, unpacked.sequence), (since, 1));
                    }
                }
            }
        }
    }

    #[test]
    fn times_keep_their_nanoseconds_order_and_clamp_outside_the_range() {
        let times: Vec<Timestamp> = [
            "1698-01-01T00:00:00Z",
            "1969-12-31T23:59:59.5Z",
            "1969-12-31T23:59:59.999999999Z",
            "1970-01-01T00:00:00Z",
            "1970-01-01T00:00:00.000000001Z",
            "2026-11-23T08:00:00.123456789Z",
            "2242-01-01T00:00:00Z",
        ]
        .iter()
        .map(|text| text.parse().unwrap())
        .collect();
        for pair in times.windows(2) {
            assert_eq!(time(pack_time(pair[0])), pair[0]);
            assert!((pack_time(pair[0]) as i64) < pack_time(pair[1]) as i64);
            assert!(!is_clamped(pack_time(pair[0])));
        }
        let far: Timestamp = "9999-01-01T00:00:00Z".parse().unwrap();
        let before: Timestamp = "1000-01-01T00:00:00Z".parse().unwrap();
        assert!(is_clamped(pack_time(far)) && is_clamped(pack_time(before)));
        assert!(time(pack_time(far)) > times[6] && time(pack_time(far)).as_second() < 1 << 34);
        assert!(time(pack_time(before)) < times[0]);
    }
}
