//! nom parsers for the cells of an rt_socket row.
//!
//! Grammar (`specs/avaya-rt-socket.md`, "Cell formats"); every cell is trimmed of padding
//! first, and a blank cell is absent:
//! ```text
//! overflow  = 1*"*"                                ; CMS "*****": too wide = unknown
//! integer   = 1*DIGIT
//! duration  = integer                              ; plain seconds
//!           / [integer] ":" integer [":" integer]  ; :SS  M:SS  MM:SS  H:MM:SS
//! state     = mode [direction]                     ; case-insensitive, e.g. ACDIN, Unstaffed
//!           / integer                              ; numeric form, see NumericStates
//! mode      = "UNSTAFFED" / "UNSTAFF" / "RINGING" / "RING" / "UNKNOWN" / "OTHER" / "AVAIL"
//!           / "DACD" / "DACW" / "ACD" / "ACW" / "AUX"
//! direction = "IN" / "OUT"
//! skills    = integer *( ("," / " ") integer )
//! ```

use crate::state::{AgentState, NumericStates, WorkMode};
use jiff::civil::DateTime;
use nom::Parser;
use nom::branch::alt;
use nom::bytes::complete::{tag, tag_no_case, take_while1};
use nom::character::complete::u32 as decimal;
use nom::combinator::{all_consuming, opt};
use nom::sequence::preceded;
use rta_model::Direction;

/// Why a cell could not be read. Carries no data: the error that reports it carries the line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CellError {
    #[error("not an integer")]
    Integer,
    #[error("not a duration")]
    Duration,
    #[error("not an agent state")]
    State,
    #[error("not a direction")]
    Direction,
    #[error("not a list of skills")]
    Skills,
    #[error("not a local date and time (YYYY-MM-DD HH:MM:SS)")]
    DateTime,
}

type Input<'a> = &'a [u8];

/// Trims the padding CMS adds to reach the report's column widths.
pub(crate) fn trim(cell: &[u8]) -> &[u8] {
    cell.trim_ascii()
}

fn is_overflow(cell: &[u8]) -> bool {
    cell.first() == Some(&b'*') && cell.iter().all(|&b| b == b'*')
}

/// Runs `parser` over the trimmed cell: blank or overflow is `None`, anything left over is
/// an error.
fn optional_cell<'a, O>(
    cell: Input<'a>,
    parser: impl Parser<Input<'a>, Output = O, Error = nom::error::Error<Input<'a>>>,
    error: CellError,
) -> Result<Option<O>, CellError> {
    let cell = trim(cell);
    if cell.is_empty() || is_overflow(cell) {
        return Ok(None);
    }
    all_consuming(parser)
        .parse(cell)
        .map(|(_, value)| Some(value))
        .map_err(|_| error)
}

/// A trimmed non-negative integer.
pub fn integer(cell: &[u8]) -> Result<Option<u32>, CellError> {
    // The usual cell, space padding around up to nine digits (no overflow possible), in
    // one pass; everything else takes the general parser.
    let mut rest = cell;
    while let [b' ', tail @ ..] = rest {
        rest = tail;
    }
    let (mut value, mut digits) = (0u32, 0);
    while let [digit @ b'0'..=b'9', tail @ ..] = rest {
        if digits == 9 {
            break;
        }
        value = value * 10 + u32::from(digit - b'0');
        digits += 1;
        rest = tail;
    }
    if rest.iter().all(|&b| b == b' ') {
        return Ok((digits > 0).then_some(value));
    }
    let cell = trim(cell);
    match decimal::<_, nom::error::Error<_>>(cell) {
        Ok((b"", value)) => Ok(Some(value)),
        _ if cell.is_empty() || is_overflow(cell) => Ok(None),
        _ => Err(CellError::Integer),
    }
}

/// A CMS duration in seconds: `:SS`, `M:SS`, `MM:SS`, `H:MM:SS` or plain seconds.
pub fn duration(cell: &[u8]) -> Result<Option<u32>, CellError> {
    match usual_duration(trim(cell)) {
        Some(seconds) => Ok(Some(seconds)),
        None => any_duration(cell),
    }
}

/// The duration forms CMS sends every row (`:SS`, `M:SS`, `H:MM:SS`, seconds), at most nine
/// bytes, read in one pass without nom; `None` for anything else (blank, `*****`, bad or
/// long cells), which [`any_duration`] decides. Equal to it wherever it answers (tested).
fn usual_duration(cell: &[u8]) -> Option<u32> {
    if cell.is_empty() || cell.len() > 9 {
        return None;
    }
    let (mut total, mut part, mut digits, mut colons) = (0u32, 0u32, 0u8, 0u8);
    for &byte in cell {
        match byte {
            b'0'..=b'9' => {
                part = part * 10 + u32::from(byte - b'0');
                digits += 1;
            }
            b':' if colons < 2 && (colons == 0 || (digits > 0 && part < 60)) => {
                total = total * 60 + part;
                (part, digits, colons) = (0, 0, colons + 1);
            }
            _ => return None,
        }
    }
    (digits > 0 && (colons == 0 || part < 60)).then(|| total * 60 + part)
}

/// The full duration grammar, in nom.
fn any_duration(cell: &[u8]) -> Result<Option<u32>, CellError> {
    let clock = (
        opt(decimal),
        opt(preceded(tag(&b":"[..]), decimal)),
        opt(preceded(tag(&b":"[..]), decimal)),
    );
    let seconds = optional_cell(cell, clock, CellError::Duration)?;
    let Some(parts) = seconds else {
        return Ok(None);
    };
    let total = match parts {
        (Some(seconds), None, None) => Some(u64::from(seconds)),
        (minutes, Some(seconds), None) if seconds < 60 => {
            Some(u64::from(minutes.unwrap_or(0)) * 60 + u64::from(seconds))
        }
        (hours, Some(minutes), Some(seconds)) if minutes < 60 && seconds < 60 => Some(
            u64::from(hours.unwrap_or(0)) * 3600 + u64::from(minutes) * 60 + u64::from(seconds),
        ),
        _ => None,
    };
    total
        .and_then(|total| u32::try_from(total).ok())
        .map(Some)
        .ok_or(CellError::Duration)
}

/// Upper-cases a short word into a stack buffer (states and directions are
/// case-insensitive and at most 12 bytes long).
fn upper_case(word: &[u8], buffer: &mut [u8; 12]) -> Option<usize> {
    let target = buffer.get_mut(..word.len())?;
    for (upper, byte) in target.iter_mut().zip(word) {
        *upper = byte.to_ascii_uppercase();
    }
    Some(word.len())
}

fn direction_word(word: &[u8]) -> Option<Direction> {
    match word {
        b"IN" => Some(Direction::In),
        b"OUT" => Some(Direction::Out),
        _ => None,
    }
}

/// A text state: a work-mode word, optionally followed by `IN` or `OUT`. A table lookup on
/// the upper-cased word: one comparison per row instead of a chain of case-insensitive
/// alternatives (measured: the state cell went from the costliest cell to a minor one).
fn text_state(word: &[u8]) -> Option<AgentState> {
    let mut buffer = [0u8; 12];
    let len = upper_case(word, &mut buffer)?;
    let word = &buffer[..len];
    let (mode_word, direction) = match (word.strip_suffix(b"OUT"), word.strip_suffix(b"IN")) {
        (Some(mode), _) => (mode, Direction::Out),
        (None, Some(mode)) => (mode, Direction::In),
        (None, None) => (word, Direction::None),
    };
    let mode = match mode_word {
        b"AVAIL" => WorkMode::Avail,
        b"ACD" => WorkMode::Acd,
        b"ACW" => WorkMode::Acw,
        b"AUX" => WorkMode::Aux,
        b"DACD" => WorkMode::Dacd,
        b"DACW" => WorkMode::Dacw,
        b"RING" | b"RINGING" => WorkMode::Ring,
        b"OTHER" => WorkMode::Other,
        b"UNKNOWN" => WorkMode::Unknown,
        b"UNSTAFF" | b"UNSTAFFED" => WorkMode::Unstaffed,
        _ => return None,
    };
    Some(AgentState { mode, direction })
}

/// An `AGSTATE` or `WORKMODE` cell, text (`ACDIN`, `Unstaffed`) or numeric (`32`).
/// A glued direction is returned in the state; without one the direction is `None`.
pub fn agent_state(cell: &[u8], numeric: &NumericStates) -> Result<Option<AgentState>, CellError> {
    let trimmed = trim(cell);
    if trimmed.first().is_some_and(u8::is_ascii_digit) {
        return match integer(trimmed) {
            Ok(Some(number)) => numeric.lookup(number).map(Some).ok_or(CellError::State),
            _ => Err(CellError::State),
        };
    }
    if let Some(state) = canonical_state(trimmed) {
        return Ok(Some(state));
    }
    if trimmed.is_empty() || is_overflow(trimmed) {
        return Ok(None);
    }
    text_state(trimmed).map(Some).ok_or(CellError::State)
}

/// A word of up to eight bytes as one integer, ASCII letters upper-cased (clearing bit 5 of
/// a byte turns no other byte into a letter), with its length: `None` when longer.
const fn packed_word(word: &[u8]) -> Option<(usize, u64)> {
    if word.len() > 8 {
        return None;
    }
    let mut packed = 0u64;
    let mut at = 0;
    while at < word.len() {
        packed |= ((word[at] & !0x20) as u64) << (8 * at);
        at += 1;
    }
    Some((word.len(), packed))
}

/// The canonical codes (`AVAIL`, `ACDIN`, `AUXOUT`...) packed, for [`canonical_state`].
const CANONICAL_WORDS: [((usize, u64), AgentState); 30] = {
    let mut table = [((0, 0), AgentState::new(WorkMode::Unknown)); 30];
    let mut entry = 0;
    while entry < table.len() {
        let (code, state) = AgentState::CANONICAL[entry];
        table[entry] = match packed_word(code.as_bytes()) {
            Some(word) => (word, state),
            None => ((usize::MAX, 0), state), // longer codes never match here
        };
        entry += 1;
    }
    table
};

/// The state spelled in its canonical code, in any case: a few integer comparisons instead of
/// a copy and byte-string matches, for the spelling nearly every row uses. Other spellings
/// (`RINGING`, `Unstaffed`) and bad cells go to [`text_state`].
fn canonical_state(word: &[u8]) -> Option<AgentState> {
    let word = packed_word(word)?;
    CANONICAL_WORDS
        .iter()
        .find(|(packed, _)| *packed == word)
        .map(|&(_, state)| state)
}

/// A `DIRECTION` cell: `IN`, `OUT` or blank.
pub fn direction(cell: &[u8]) -> Result<Direction, CellError> {
    let cell = trim(cell);
    if cell.is_empty() {
        return Ok(Direction::None);
    }
    let mut buffer = [0u8; 12];
    upper_case(cell, &mut buffer)
        .and_then(|len| direction_word(&buffer[..len]))
        .ok_or(CellError::Direction)
}

/// A local date and time `YYYY-MM-DD HH:MM:SS[.fff]` (a `T` may stand for the space), as
/// `F0` batch headers carry it. The zone is the integration's, applied by the caller.
pub fn local_datetime(cell: &[u8]) -> Result<DateTime, CellError> {
    let fraction = preceded(tag(&b"."[..]), nom::character::complete::digit1);
    let grammar = (
        (decimal, tag(&b"-"[..]), decimal, tag(&b"-"[..]), decimal),
        alt((take_while1(|b| b == b' '), tag_no_case(&b"T"[..]))),
        (decimal, tag(&b":"[..]), decimal, tag(&b":"[..]), decimal),
        opt(fraction),
    );
    let ((year, _, month, _, day), _, (hour, _, minute, _, second), fraction) =
        optional_cell(cell, grammar, CellError::DateTime)?.ok_or(CellError::DateTime)?;
    let nanos = fraction.map_or(0, |digits: &[u8]| {
        digits
            .iter()
            .chain(std::iter::repeat(&b'0'))
            .take(9)
            .fold(0i32, |acc, &d| acc * 10 + i32::from(d - b'0'))
    });
    let narrow = |n: u32| i8::try_from(n).map_err(|_| CellError::DateTime);
    DateTime::new(
        i16::try_from(year).map_err(|_| CellError::DateTime)?,
        narrow(month)?,
        narrow(day)?,
        narrow(hour)?,
        narrow(minute)?,
        narrow(second)?,
        nanos,
    )
    .map_err(|_| CellError::DateTime)
}

/// Skills of a `LOGONSKILLS` cell, validated once and read without allocating.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SkillList<'a>(&'a [u8]);

fn is_skill_separator(byte: u8) -> bool {
    byte == b',' || byte == b' '
}

impl<'a> SkillList<'a> {
    /// Checks the cell: numbers separated by commas or spaces (any number of them).
    pub fn parse(cell: &'a [u8]) -> Result<Self, CellError> {
        let cell = trim(cell);
        if is_overflow(cell) {
            return Ok(SkillList::default());
        }
        let mut rest = cell;
        while !rest.is_empty() {
            let separators: nom::IResult<Input<'_>, Input<'_>> =
                take_while1(is_skill_separator).parse(rest);
            rest = match separators {
                Ok((after, _)) => after,
                Err(_) => {
                    decimal::<_, nom::error::Error<_>>
                        .parse(rest)
                        .map_err(|_| CellError::Skills)?
                        .0
                }
            };
        }
        Ok(SkillList(cell))
    }

    /// The skills, in the order the cell lists them.
    pub fn iter(&self) -> impl Iterator<Item = u32> + 'a {
        self.0
            .split(|&b| is_skill_separator(b))
            .filter(|token| !token.is_empty())
            .filter_map(|token| {
                decimal::<_, nom::error::Error<_>>(token)
                    .ok()
                    .map(|(_, n)| n)
            })
    }

    /// True when the cell lists no skill.
    pub fn is_empty(&self) -> bool {
        self.iter().next().is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_are_trimmed_and_blank_is_absent() {
        assert_eq!(integer(b"  40"), Ok(Some(40)));
        assert_eq!(integer(b"0"), Ok(Some(0)));
        assert_eq!(integer(b"007"), Ok(Some(7)));
        assert_eq!(integer(b"    "), Ok(None));
        assert_eq!(integer(b""), Ok(None));
        assert_eq!(integer(b"*****"), Ok(None));
        assert_eq!(integer(b"4 0"), Err(CellError::Integer));
        assert_eq!(integer(b"-1"), Err(CellError::Integer));
        assert_eq!(integer(b"99999999999"), Err(CellError::Integer));
        assert_eq!(integer(b"x"), Err(CellError::Integer));
    }

    proptest::proptest! {
        #[test]
        fn the_usual_durations_read_as_the_full_grammar(cell in "[ 0-9:*x]{0,12}") {
            if let Some(seconds) = usual_duration(trim(cell.as_bytes())) {
                proptest::prop_assert_eq!(any_duration(cell.as_bytes()), Ok(Some(seconds)));
            }
            proptest::prop_assert_eq!(duration(cell.as_bytes()), any_duration(cell.as_bytes()));
        }
    }

    #[test]
    fn durations_in_every_cms_form() {
        assert_eq!(duration(b"   :42"), Ok(Some(42)));
        assert_eq!(duration(b":07"), Ok(Some(7)));
        assert_eq!(duration(b" 3:25"), Ok(Some(205)));
        assert_eq!(duration(b"14:05"), Ok(Some(845)));
        assert_eq!(duration(b"1:02:03"), Ok(Some(3723)));
        assert_eq!(duration(b"12:00:00"), Ok(Some(43200)));
        assert_eq!(duration(b"137"), Ok(Some(137)));
        assert_eq!(duration(b"*****"), Ok(None));
        assert_eq!(duration(b"  "), Ok(None));
        assert_eq!(duration(b":60"), Err(CellError::Duration));
        assert_eq!(duration(b"1:60:00"), Err(CellError::Duration));
        assert_eq!(duration(b"1::"), Err(CellError::Duration));
        assert_eq!(duration(b":"), Err(CellError::Duration));
        assert_eq!(duration(b"1:2:3:4"), Err(CellError::Duration));
        assert_eq!(duration(b"4294967295:00:00"), Err(CellError::Duration));
    }

    fn text(cell: &str) -> Option<AgentState> {
        agent_state(cell.as_bytes(), &NumericStates::default()).unwrap()
    }

    fn state(mode: WorkMode, direction: Direction) -> Option<AgentState> {
        Some(AgentState { mode, direction })
    }

    #[test]
    fn every_text_state_spelling() {
        use Direction::{In, None as No, Out};
        assert_eq!(text("AVAIL  "), state(WorkMode::Avail, No));
        assert_eq!(text("ACD"), state(WorkMode::Acd, No));
        assert_eq!(text("ACDIN"), state(WorkMode::Acd, In));
        assert_eq!(text("ACWOUT "), state(WorkMode::Acw, Out));
        assert_eq!(text("acw"), state(WorkMode::Acw, No));
        assert_eq!(text("AUX"), state(WorkMode::Aux, No));
        assert_eq!(text("AUXIN"), state(WorkMode::Aux, In));
        assert_eq!(text("AuxOut"), state(WorkMode::Aux, Out));
        assert_eq!(text("DACD"), state(WorkMode::Dacd, No));
        assert_eq!(text("DACWIN"), state(WorkMode::Dacw, In));
        assert_eq!(text("RING"), state(WorkMode::Ring, No));
        assert_eq!(text("RINGING"), state(WorkMode::Ring, No));
        assert_eq!(text("OTHER"), state(WorkMode::Other, No));
        assert_eq!(text("UNKNOWN"), state(WorkMode::Unknown, No));
        assert_eq!(text("UNSTAFF"), state(WorkMode::Unstaffed, No));
        assert_eq!(text("Unstaffed"), state(WorkMode::Unstaffed, No));
        assert_eq!(text("   "), None);
    }

    #[test]
    fn canonical_codes_are_read_like_any_spelling() {
        for (code, state) in AgentState::CANONICAL {
            for spelling in [code.to_string(), code.to_lowercase()] {
                assert_eq!(text(&spelling), Some(state), "{spelling}");
                assert_eq!(text_state(spelling.as_bytes()), Some(state), "{spelling}");
            }
        }
        // Bytes that only look alike once bit 5 is cleared are not letters.
        for near in ["ACD\0", "AC\u{4}", "ACD ", "\u{1}CD"] {
            assert_eq!(canonical_state(near.as_bytes()), None, "{near:?}");
        }
    }

    #[test]
    fn numeric_states() {
        assert_eq!(text(" 32"), state(WorkMode::Acd, Direction::In));
        assert_eq!(text("220"), state(WorkMode::Other, Direction::None));
        let numeric = NumericStates::default();
        assert_eq!(agent_state(b"99", &numeric), Err(CellError::State));
        assert_eq!(agent_state(b"3x", &numeric), Err(CellError::State));
    }

    #[test]
    fn bad_states_are_errors() {
        let numeric = NumericStates::default();
        for bad in ["AVAILABLE", "ACDSIDEWAYS", "BREAK", "IN", "ACD IN", "*AUX"] {
            assert_eq!(
                agent_state(bad.as_bytes(), &numeric),
                Err(CellError::State),
                "{bad}"
            );
        }
    }

    #[test]
    fn directions() {
        assert_eq!(direction(b"IN "), Ok(Direction::In));
        assert_eq!(direction(b"out"), Ok(Direction::Out));
        assert_eq!(direction(b""), Ok(Direction::None));
        assert_eq!(direction(b"UP"), Err(CellError::Direction));
    }

    #[test]
    fn local_datetimes() {
        let expected = jiff::civil::date(2026, 11, 23).at(9, 31, 3, 0);
        assert_eq!(local_datetime(b"2026-11-23 09:31:03"), Ok(expected));
        assert_eq!(local_datetime(b" 2026-11-23T09:31:03 "), Ok(expected));
        assert_eq!(
            local_datetime(b"2026-11-23 09:31:03.25"),
            Ok(jiff::civil::date(2026, 11, 23).at(9, 31, 3, 250_000_000))
        );
        for bad in [
            "2026-02-30 10:00:00",
            "2026-11-23",
            "23/11/2026 09:31:03",
            "",
            "2026-11-23 25:00:00",
        ] {
            assert_eq!(
                local_datetime(bad.as_bytes()),
                Err(CellError::DateTime),
                "{bad}"
            );
        }
    }

    #[test]
    fn skill_lists() {
        let skills = SkillList::parse(b" 101,102 205  7 ").unwrap();
        assert_eq!(skills.iter().collect::<Vec<_>>(), [101, 102, 205, 7]);
        assert!(SkillList::parse(b"   ").unwrap().is_empty());
        assert!(SkillList::parse(b"*****").unwrap().is_empty());
        assert_eq!(SkillList::parse(b"101;102"), Err(CellError::Skills));
    }
}
