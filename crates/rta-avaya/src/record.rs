//! Records of the rt_socket feed, parsed from one framed line without allocating.
//!
//! ```text
//! line    = tag ["|" cells]
//! tag     = "F" 1*DIGIT                 ; F0 header, F1 data row, F3 trailer, others ignored
//! cells   = cell *("|" cell) ["|"]      ; a trailing "|" is allowed
//! ```

use crate::cell::{self, CellError, SkillList};
use crate::cells::Cells;
use crate::layout::{Field, Layout, ReportKind};
use crate::state::{AgentState, WorkMode};
use jiff::civil::DateTime;
use nom::Parser;
use nom::bytes::complete::tag_no_case;
use nom::character::complete::u32 as decimal;
use nom::combinator::all_consuming;
use nom::sequence::preceded;
use rta_model::{Direction, QueueStats};

/// One line of the feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record<'a> {
    /// `F0|<local date time>`: opens a batch at that time (integration's zone).
    BatchStart(DateTime),
    /// `F1|...` under an agent layout.
    Agent(AgentRow<'a>),
    /// `F1|...` under a split (csplit) layout.
    Queue(QueueRow),
    /// `F3...`: closes the batch.
    Trailer,
    /// Any other `Fn` tag (counted and ignored), or a blank line (empty tag).
    Other { tag: &'a [u8] },
}

/// One agent row (one per logged-in skill for multi-skilled agents), borrowing from the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentRow<'a> {
    /// `ACD`; 0 when the layout has no `ACD` column or the cell is blank.
    pub acd: u32,
    /// `LOGID`, trimmed: opaque bytes, never a number (leading zeros matter).
    pub logid: &'a [u8],
    pub extension: Option<&'a [u8]>,
    /// `AGSTATE` (or `WORKMODE`), with the direction glued to it or from `DIRECTION`.
    /// `UNKNOWN` when blank or when the layout has neither column.
    pub state: AgentState,
    pub aux_reason: Option<u32>,
    pub work_skill: Option<u32>,
    /// `AGDURATION` / `AGTIME` in seconds; `None` when blank or `*****`.
    pub duration: Option<u32>,
    pub da_in_queue: Option<u32>,
    pub acd_on_hold: Option<u32>,
    pub logon_skills: SkillList<'a>,
    /// `SPLIT` when an agent report lists one row per split.
    pub split: Option<u32>,
}

/// One split row of the csplit report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueRow {
    pub split: u32,
    pub stats: QueueStats,
}

/// Why a data row was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RowError {
    #[error("{found} cells where the layout has {expected}")]
    TooFewCells { expected: usize, found: usize },
    #[error("LOGID is blank")]
    MissingLogId,
    #[error("SPLIT is blank")]
    MissingSplit,
    #[error("{field}: {error}")]
    Cell {
        field: &'static str,
        error: CellError,
    },
}

/// Why a line is not a usable record. `agent` names the agent of a rejected row when its key
/// could still be read, so the assembler does not log that agent out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordError<'a> {
    /// The line does not start with an `Fn` tag.
    NotARecord,
    /// `F0` with a time that is not `YYYY-MM-DD HH:MM:SS`.
    BadBatchTime,
    BadRow {
        error: RowError,
        agent: Option<(u32, &'a [u8])>,
    },
}

fn record_tag(cell: &[u8]) -> Option<u32> {
    if cell == b"F1" {
        return Some(1); // the common case, without the general grammar
    }
    all_consuming(preceded(
        tag_no_case(&b"F"[..]),
        decimal::<_, nom::error::Error<_>>,
    ))
    .parse(cell.trim_ascii())
    .ok()
    .map(|(_, number)| number)
}

/// Parses one framed line (without its line end) under `layout`.
pub fn parse_record<'a>(line: &'a [u8], layout: &Layout) -> Result<Record<'a>, RecordError<'a>> {
    if line.trim_ascii().is_empty() {
        return Ok(Record::Other { tag: b"" });
    }
    let mut cells = Cells::new(line);
    let tag = cells.next().unwrap_or_default();
    match record_tag(tag) {
        Some(0) => {
            let time = cells.next().unwrap_or_default();
            cell::local_datetime(time)
                .map(Record::BatchStart)
                .map_err(|_| RecordError::BadBatchTime)
        }
        Some(1) => match layout.kind() {
            ReportKind::Agent => parse_agent_row(cells, layout),
            ReportKind::Split => parse_queue_row(cells, layout).map(Record::Queue),
        },
        Some(3) => Ok(Record::Trailer),
        Some(_) => Ok(Record::Other {
            tag: tag.trim_ascii(),
        }),
        None => Err(RecordError::NotARecord),
    }
}

fn parse_agent_row<'a>(
    mut cells: Cells<'a>,
    layout: &Layout,
) -> Result<Record<'a>, RecordError<'a>> {
    let mut row = AgentRow {
        acd: 0,
        logid: b"",
        extension: None,
        state: AgentState::new(WorkMode::Unknown),
        aux_reason: None,
        work_skill: None,
        duration: None,
        da_in_queue: None,
        acd_on_hold: None,
        logon_skills: SkillList::default(),
        split: None,
    };
    let mut first_error = None;
    let mut key_readable = true;
    let mut work_mode = None;
    let mut direction = Direction::None;
    let mut found = 0;
    let numeric = layout.numeric_states();
    for &field in layout.fields() {
        let Some(cell) = cells.next() else {
            break;
        };
        found += 1;
        let parsed = match field {
            Field::Acd => cell::integer(cell).map(|acd| row.acd = acd.unwrap_or(0)),
            Field::LogId => {
                row.logid = cell::trim(cell);
                Ok(())
            }
            Field::Extension => {
                row.extension = Some(cell::trim(cell)).filter(|e| !e.is_empty());
                Ok(())
            }
            Field::AgState => {
                cell::agent_state(cell, numeric).map(|state| row.state = state.unwrap_or(row.state))
            }
            Field::WorkMode => cell::agent_state(cell, numeric).map(|state| work_mode = state),
            Field::Direction => cell::direction(cell).map(|value| direction = value),
            Field::AuxReason => cell::integer(cell).map(|value| row.aux_reason = value),
            Field::WorkSkill => cell::integer(cell).map(|value| row.work_skill = value),
            Field::AgDuration => cell::duration(cell).map(|value| row.duration = value),
            Field::DaInQueue => cell::integer(cell).map(|value| row.da_in_queue = value),
            Field::AcdOnHold => cell::integer(cell).map(|value| row.acd_on_hold = value),
            Field::LogonSkills => SkillList::parse(cell).map(|skills| row.logon_skills = skills),
            Field::Split => cell::integer(cell).map(|value| row.split = value),
            _ => Ok(()),
        };
        if let Err(error) = parsed {
            key_readable &= field != Field::Acd;
            first_error.get_or_insert(RowError::Cell {
                field: field.name(),
                error,
            });
        }
    }
    if let Some(state) = work_mode.filter(|_| !layout.has(Field::AgState)) {
        row.state = state;
    }
    if row.state.direction == Direction::None {
        row.state.direction = direction;
    }
    let expected = layout.fields().len();
    if found < expected {
        first_error = Some(RowError::TooFewCells { expected, found });
    }
    let agent = Some((row.acd, row.logid)).filter(|(_, logid)| key_readable && !logid.is_empty());
    match (first_error, agent) {
        (Some(error), agent) => Err(RecordError::BadRow { error, agent }),
        (None, None) => Err(RecordError::BadRow {
            error: RowError::MissingLogId,
            agent: None,
        }),
        (None, Some(_)) => Ok(Record::Agent(row)),
    }
}

fn parse_queue_row<'a>(cells: Cells<'a>, layout: &Layout) -> Result<QueueRow, RecordError<'a>> {
    let mut split = None;
    let mut stats = QueueStats::default();
    let mut first_error = None;
    let mut found = 0;
    for (&field, cell) in layout.fields().iter().zip(cells) {
        found += 1;
        // Every csplit figure is a count or a time; the duration grammar reads both.
        let value = match field {
            Field::Extra => continue,
            _ => match cell::duration(cell) {
                Ok(value) => value,
                Err(error) => {
                    first_error.get_or_insert(RowError::Cell {
                        field: field.name(),
                        error,
                    });
                    continue;
                }
            },
        };
        let slot = match field {
            Field::Split => &mut split,
            Field::CallsWaiting => &mut stats.calls_waiting,
            Field::AgentsAvailable => &mut stats.agents_available,
            Field::AvgSpeedOfAnswer => &mut stats.avg_speed_of_answer,
            Field::AbandonedCalls => &mut stats.abandoned_calls,
            Field::Acd => &mut stats.acd,
            Field::OldestCall => &mut stats.oldest_call_wait,
            Field::AcdCalls => &mut stats.acd_calls,
            Field::AvgTalkTime => &mut stats.avg_talk_time,
            Field::AvgAbandonTime => &mut stats.avg_abandon_time,
            Field::AgentsRinging => &mut stats.agents_ringing,
            Field::AgentsOnAcd => &mut stats.agents_on_acd,
            Field::AgentsInAcw => &mut stats.agents_in_acw,
            Field::AgentsOther => &mut stats.agents_other,
            Field::AgentsInAux => &mut stats.agents_in_aux,
            Field::AgentsStaffed => &mut stats.agents_staffed,
            Field::EwtHigh => &mut stats.ewt_high,
            Field::EwtMedium => &mut stats.ewt_medium,
            Field::EwtLow => &mut stats.ewt_low,
            Field::DirectAgentWaiting => &mut stats.direct_agent_waiting,
            Field::PercentInServiceLevel => &mut stats.percent_in_service_level,
            Field::ServiceLevelTarget => &mut stats.service_level_target,
            Field::CallsOffered => &mut stats.calls_offered,
            // Agent-report fields in a split layout are carried, not read.
            _ => continue,
        };
        *slot = value;
    }
    let expected = layout.fields().len();
    if found < expected {
        first_error = Some(RowError::TooFewCells { expected, found });
    }
    let error = match (first_error, split) {
        (None, Some(split)) => return Ok(QueueRow { split, stats }),
        (Some(error), _) => error,
        (None, None) => RowError::MissingSplit,
    };
    Err(RecordError::BadRow { error, agent: None })
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn agent(line: &str) -> AgentRow<'_> {
        match parse_record(line.as_bytes(), &Layout::agent()) {
            Ok(Record::Agent(row)) => row,
            other => panic!("{line}: {other:?}"),
        }
    }

    fn state(mode: WorkMode, direction: Direction) -> AgentState {
        AgentState { mode, direction }
    }

    #[test]
    fn the_spec_example_rows() {
        let row = agent("F1|1|  40101| 51001|AVAIL  |  |    |   :42|  0|  0");
        assert_eq!(row.acd, 1);
        assert_eq!(row.logid, b"40101");
        assert_eq!(row.extension, Some(&b"51001"[..]));
        assert_eq!(row.state, AgentState::new(WorkMode::Avail));
        assert_eq!(
            (row.aux_reason, row.work_skill, row.duration),
            (None, None, Some(42))
        );
        assert_eq!((row.da_in_queue, row.acd_on_hold), (Some(0), Some(0)));

        let row = agent("F1|1|  40102| 51002|ACDIN  |  | 101| 2:17|  0|  0");
        assert_eq!(row.state, state(WorkMode::Acd, Direction::In));
        assert_eq!((row.work_skill, row.duration), (Some(101), Some(137)));

        let row = agent("F1|1|  40103| 51003|AUX    | 2|    |14:05|  0|  0");
        assert_eq!(
            (row.state.mode, row.aux_reason, row.duration),
            (WorkMode::Aux, Some(2), Some(845))
        );

        assert_eq!(
            agent("F1|1|  40104| 51004|ACWOUT |  | 101|  :09|  0|  0").state,
            state(WorkMode::Acw, Direction::Out)
        );
        assert_eq!(
            agent("F1|1|  40105| 51005|RINGING|  | 102|  :03|  0|  0")
                .state
                .mode,
            WorkMode::Ring
        );
        assert_eq!(
            agent("F1|1|  40106| 51006|OTHER  |  |    |  :06|  0|  0")
                .state
                .mode,
            WorkMode::Other
        );
    }

    #[test]
    fn numeric_row_equals_text_row() {
        let numeric = agent("F1|1|40102|51002|32||101|137|0|0");
        let text = agent("F1|1|  40102| 51002|ACDIN  |  | 101| 2:17|  0|  0");
        assert_eq!(numeric, text);
    }

    #[test]
    fn header_trailer_and_other_tags() {
        let layout = Layout::agent();
        assert_eq!(
            parse_record(b"F0|2026-11-23 09:31:03", &layout),
            Ok(Record::BatchStart(date(2026, 11, 23).at(9, 31, 3, 0)))
        );
        assert_eq!(
            parse_record(b"F3|END_OF_RECORDS", &layout),
            Ok(Record::Trailer)
        );
        assert_eq!(parse_record(b"F3", &layout), Ok(Record::Trailer));
        assert_eq!(
            parse_record(b"F3|anything at all", &layout),
            Ok(Record::Trailer)
        );
        assert_eq!(
            parse_record(b"F2|x|y", &layout),
            Ok(Record::Other { tag: b"F2" })
        );
        assert_eq!(
            parse_record(b"F17", &layout),
            Ok(Record::Other { tag: b"F17" })
        );
        assert_eq!(parse_record(b"", &layout), Ok(Record::Other { tag: b"" }));
        assert_eq!(
            parse_record(b"F0|yesterday", &layout),
            Err(RecordError::BadBatchTime)
        );
        assert_eq!(
            parse_record(b"hello|world", &layout),
            Err(RecordError::NotARecord)
        );
        assert_eq!(
            parse_record(b"\xff\xfe", &layout),
            Err(RecordError::NotARecord)
        );
    }

    #[test]
    fn direction_column_and_trailing_bar() {
        let layout: Layout = "LOGID,WORKMODE,DIRECTION".parse().unwrap();
        let Ok(Record::Agent(row)) = parse_record(b"F1| 0042|ACD|OUT|", &layout) else {
            panic!()
        };
        assert_eq!(row.logid, b"0042", "leading zeros are kept");
        assert_eq!(row.state, state(WorkMode::Acd, Direction::Out));
        assert_eq!(row.acd, 0);
        // A glued direction wins over the DIRECTION column.
        let layout: Layout = "LOGID,AGSTATE,DIRECTION".parse().unwrap();
        let Ok(Record::Agent(row)) = parse_record(b"F1|7|ACDIN|OUT", &layout) else {
            panic!()
        };
        assert_eq!(row.state, state(WorkMode::Acd, Direction::In));
    }

    #[test]
    fn bad_rows_name_the_agent_when_they_can() {
        let layout = Layout::agent();
        assert_eq!(
            parse_record(b"F1|1|40101|AVAIL", &layout),
            Err(RecordError::BadRow {
                error: RowError::TooFewCells {
                    expected: 9,
                    found: 3
                },
                agent: Some((1, &b"40101"[..])),
            })
        );
        assert_eq!(
            parse_record(b"F1|1|40101|51001|SLEEPING||||0|0", &layout),
            Err(RecordError::BadRow {
                error: RowError::Cell {
                    field: "AGSTATE",
                    error: CellError::State
                },
                agent: Some((1, &b"40101"[..])),
            })
        );
        assert_eq!(
            parse_record(b"F1|1|   |51001|AVAIL|||:42|0|0", &layout),
            Err(RecordError::BadRow {
                error: RowError::MissingLogId,
                agent: None
            })
        );
        assert!(matches!(
            parse_record(b"F1|x|40101|51001|AVAIL|||:42|0|0", &layout),
            Err(RecordError::BadRow {
                error: RowError::Cell { field: "ACD", .. },
                ..
            })
        ));
    }

    #[test]
    fn overflow_duration_is_unknown() {
        assert_eq!(agent("F1|1|40101|51001|AUX|7||*****|0|0").duration, None);
    }

    #[test]
    fn csplit_rows() {
        let layout = Layout::csplit();
        let line = b"F1| 101|  3| 2|  :12| 4|1| 1:05| 57| 3:10|  :40|1|5|2|0|3|12|  :00| :30| 1:00|0| 87| 20| 66";
        let Ok(Record::Queue(row)) = parse_record(line, &layout) else {
            panic!()
        };
        assert_eq!(row.split, 101);
        assert_eq!(row.stats.calls_waiting, Some(3));
        assert_eq!(row.stats.avg_speed_of_answer, Some(12));
        assert_eq!(row.stats.oldest_call_wait, Some(65));
        assert_eq!(row.stats.avg_talk_time, Some(190));
        assert_eq!(row.stats.agents_staffed, Some(12));
        assert_eq!(row.stats.ewt_low, Some(60));
        assert_eq!(row.stats.percent_in_service_level, Some(87));
        assert_eq!(row.stats.calls_offered, Some(66));
        assert!(matches!(
            parse_record(b"F1||1|2", &layout),
            Err(RecordError::BadRow {
                error: RowError::TooFewCells { .. },
                ..
            })
        ));
    }
}
