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

const PHASES: [Phase; 8] = [
    Phase::LoggedOut,
    Phase::Available,
    Phase::Ringing,
    Phase::Talking,
    Phase::WrapUp,
    Phase::Away,
    Phase::Other,
    Phase::Unknown,
];
const DIRECTIONS: [Direction; 3] = [Direction::None, Direction::In, Direction::Out];

const PRESENT: u64 = 1 << 63;
const NUMBER: u64 = 1 << 62;
const TEXT: u64 = 2 << 62;
const VALUE: u64 = u32::MAX as u64;

// Word layout: what, code (present bit, code symbol, phase, direction); reason; detail; since
// (ns); last seen (ns); sequence.
const WHAT: usize = 0;
const REASON: usize = 1;
const DETAIL: usize = 2;
const SINCE: usize = 3;
const LAST_SEEN: usize = 4;
const SEQUENCE: usize = 5;
const _: () = assert!(SEQUENCE + 1 == WORDS);

fn nanos(time: Timestamp) -> u64 {
    // i64 nanoseconds cover the years 1678 to 2262; times outside are clamped.
    let nanos = time
        .as_nanosecond()
        .clamp(i128::from(i64::MIN), i128::from(i64::MAX));
    i64::try_from(nanos).unwrap_or_default() as u64
}

fn time(word: u64) -> Timestamp {
    Timestamp::from_nanosecond(i128::from(word as i64)).unwrap_or(Timestamp::UNIX_EPOCH)
}

fn pack_code(symbols: &Symbols, code: Option<&Code<'_>>) -> u64 {
    match code {
        None => 0,
        Some(Code::Number(n)) => NUMBER | u64::from(*n),
        Some(Code::Text(text)) => TEXT | u64::from(symbols.intern(text).0),
    }
}

fn unpack_code(symbols: &Symbols, word: u64) -> Option<Code<'_>> {
    match word & !VALUE {
        NUMBER => Some(Code::Number((word & VALUE) as u32)),
        TEXT => Some(Code::Text(Cow::Borrowed(
            symbols.word(Symbol((word & VALUE) as u32)),
        ))),
        _ => None,
    }
}

/// The words that say what the agent does (not when): equal words = the same status.
pub(crate) fn pack_what(symbols: &Symbols, observation: &Observation<'_>) -> [u64; 3] {
    let phase = PHASES
        .iter()
        .position(|&p| p == observation.phase)
        .unwrap_or(7) as u64;
    let direction = DIRECTIONS
        .iter()
        .position(|&d| d == observation.direction)
        .unwrap_or(0) as u64;
    let code = u64::from(symbols.intern(&observation.status.code).0);
    [
        PRESENT | phase << 40 | direction << 32 | code,
        pack_code(symbols, observation.status.reason.as_ref()),
        pack_code(symbols, observation.status.detail.as_ref()),
    ]
}

pub(crate) fn is_present(words: &Packed) -> bool {
    words[WHAT] & PRESENT != 0
}

pub(crate) fn same_what(words: &Packed, what: &[u64; 3]) -> bool {
    words[WHAT..=DETAIL] == what[..]
}

pub(crate) fn since(words: &Packed) -> Timestamp {
    time(words[SINCE])
}

/// The words after a change to `what` at `since`.
pub(crate) fn changed(words: &Packed, what: [u64; 3], since: Timestamp, seen: Timestamp) -> Packed {
    [
        what[0],
        what[1],
        what[2],
        nanos(since),
        nanos(seen),
        words[SEQUENCE] + 1,
    ]
}

/// The words after a repeat of the same status, seen at `seen`.
pub(crate) fn seen_again(words: &Packed, seen: Timestamp) -> Packed {
    let mut next = *words;
    next[LAST_SEEN] = nanos(seen);
    next
}

/// The status the words hold, if any.
pub(crate) fn unpack<'t>(symbols: &'t Symbols, words: &Packed) -> Option<AgentStatus<'t>> {
    if !is_present(words) {
        return None;
    }
    let what = words[WHAT];
    Some(AgentStatus {
        phase: PHASES[((what >> 40) & 0xff) as usize % PHASES.len()],
        direction: DIRECTIONS[((what >> 32) & 0xff) as usize % DIRECTIONS.len()],
        code: symbols.word(Symbol((what & VALUE) as u32)),
        reason: unpack_code(symbols, words[REASON]),
        detail: unpack_code(symbols, words[DETAIL]),
        since: time(words[SINCE]),
        last_seen: time(words[LAST_SEEN]),
        sequence: words[SEQUENCE],
    })
}
