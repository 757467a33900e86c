//! Writing records as CMS would send them: for the simulator, the round-trip fuzz target and
//! the benchmarks' captures.

use crate::layout::{Field, Layout};
use crate::record::{AgentRow, QueueRow};
use jiff::civil::DateTime;
use rta_model::{Direction, QueueStats};
use std::io::Write;

/// The trailer line CMS ends a batch with.
pub const TRAILER: &[u8] = b"F3|END_OF_RECORDS";

/// How rows are written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RowStyle {
    /// `AGSTATE` as a number (`32`) and durations in plain seconds, as `agent-numeric`
    /// reports do; otherwise text states and CMS clock durations (`2:17`).
    pub numeric: bool,
    /// Space-pad cells to CMS-like column widths (numbers right-aligned).
    pub padded: bool,
}

/// Writes `F0|YYYY-MM-DD HH:MM:SS` (no line end).
pub fn encode_batch_start(time: DateTime, out: &mut Vec<u8>) {
    let _ = write!(out, "F0|{}", time.strftime("%Y-%m-%d %H:%M:%S"));
}

fn width(field: Field) -> usize {
    match field {
        Field::LogId => 7,
        Field::Extension | Field::AgDuration => 6,
        Field::AgState | Field::WorkMode => 7,
        Field::WorkSkill | Field::Split => 4,
        Field::Acd => 1,
        _ => 2,
    }
}

fn put(out: &mut Vec<u8>, field: Field, style: RowStyle, cell: &[u8], left: bool) {
    out.push(b'|');
    let pad = if style.padded {
        width(field).saturating_sub(cell.len())
    } else {
        0
    };
    if !left {
        out.resize(out.len() + pad, b' ');
    }
    out.extend_from_slice(cell);
    if left {
        out.resize(out.len() + pad, b' ');
    }
}

fn put_number(out: &mut Vec<u8>, field: Field, style: RowStyle, value: Option<u32>) {
    let mut text = itoa::Buffer::new();
    let cell = value.map_or(&b""[..], |n| text.format(n).as_bytes());
    put(out, field, style, cell, false);
}

fn put_duration(out: &mut Vec<u8>, field: Field, style: RowStyle, value: Option<u32>) {
    match value {
        Some(seconds) if !style.numeric => {
            let (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
            let clock = match (h, m) {
                (0, 0) => format!(":{s:02}"),
                (0, m) => format!("{m}:{s:02}"),
                (h, m) => format!("{h}:{m:02}:{s:02}"),
            };
            put(out, field, style, clock.as_bytes(), false);
        }
        other => put_number(out, field, style, other),
    }
}

impl AgentRow<'_> {
    /// Writes the row under `layout` (no line end). Extra and split-report columns are blank.
    pub fn encode(&self, layout: &Layout, style: RowStyle, out: &mut Vec<u8>) {
        out.extend_from_slice(b"F1");
        for &field in layout.fields() {
            match field {
                Field::Acd => put_number(out, field, style, Some(self.acd)),
                Field::LogId => put(out, field, style, self.logid, false),
                Field::Extension => {
                    put(out, field, style, self.extension.unwrap_or_default(), false)
                }
                Field::AgState => {
                    let number = layout
                        .numeric_states()
                        .number_of(self.state)
                        .filter(|_| style.numeric);
                    match number {
                        Some(number) => put_number(out, field, style, Some(number)),
                        None => put(out, field, style, self.state.code().as_bytes(), true),
                    }
                }
                Field::WorkMode => {
                    put(out, field, style, self.state.mode.as_str().as_bytes(), true)
                }
                Field::Direction => {
                    let word: &[u8] = match self.state.direction {
                        Direction::None => b"",
                        Direction::In => b"IN",
                        Direction::Out => b"OUT",
                    };
                    put(out, field, style, word, true)
                }
                Field::AuxReason => put_number(out, field, style, self.aux_reason),
                Field::WorkSkill => put_number(out, field, style, self.work_skill),
                Field::AgDuration => put_duration(out, field, style, self.duration),
                Field::DaInQueue => put_number(out, field, style, self.da_in_queue),
                Field::AcdOnHold => put_number(out, field, style, self.acd_on_hold),
                Field::LogonSkills => {
                    let list: Vec<String> =
                        self.logon_skills.iter().map(|s| s.to_string()).collect();
                    put(out, field, style, list.join(",").as_bytes(), true)
                }
                Field::Split => put_number(out, field, style, self.split),
                _ => put(out, field, style, b"", true),
            }
        }
    }
}

fn stat(stats: &QueueStats, field: Field) -> Option<u32> {
    match field {
        Field::CallsWaiting => stats.calls_waiting,
        Field::AgentsAvailable => stats.agents_available,
        Field::AvgSpeedOfAnswer => stats.avg_speed_of_answer,
        Field::AbandonedCalls => stats.abandoned_calls,
        Field::Acd => stats.acd,
        Field::OldestCall => stats.oldest_call_wait,
        Field::AcdCalls => stats.acd_calls,
        Field::AvgTalkTime => stats.avg_talk_time,
        Field::AvgAbandonTime => stats.avg_abandon_time,
        Field::AgentsRinging => stats.agents_ringing,
        Field::AgentsOnAcd => stats.agents_on_acd,
        Field::AgentsInAcw => stats.agents_in_acw,
        Field::AgentsOther => stats.agents_other,
        Field::AgentsInAux => stats.agents_in_aux,
        Field::AgentsStaffed => stats.agents_staffed,
        Field::EwtHigh => stats.ewt_high,
        Field::EwtMedium => stats.ewt_medium,
        Field::EwtLow => stats.ewt_low,
        Field::DirectAgentWaiting => stats.direct_agent_waiting,
        Field::PercentInServiceLevel => stats.percent_in_service_level,
        Field::ServiceLevelTarget => stats.service_level_target,
        Field::CallsOffered => stats.calls_offered,
        _ => None,
    }
}

impl QueueRow {
    /// Writes the row under a split layout (no line end). Times are written as clocks unless
    /// the style is numeric.
    pub fn encode(&self, layout: &Layout, style: RowStyle, out: &mut Vec<u8>) {
        out.extend_from_slice(b"F1");
        for &field in layout.fields() {
            match field {
                Field::Split => put_number(out, field, style, Some(self.split)),
                Field::AvgSpeedOfAnswer
                | Field::OldestCall
                | Field::AvgTalkTime
                | Field::AvgAbandonTime
                | Field::EwtHigh
                | Field::EwtMedium
                | Field::EwtLow => put_duration(out, field, style, stat(&self.stats, field)),
                _ => put_number(out, field, style, stat(&self.stats, field)),
            }
        }
    }
}

impl crate::state::NumericStates {
    /// The numeric spelling of a state, if the table has its mode.
    pub fn number_of(&self, state: crate::state::AgentState) -> Option<u32> {
        let mode_number = self.mode_number(state.mode)?;
        let direction = match state.direction {
            Direction::None => 0,
            Direction::Out => 1,
            Direction::In => 2,
        };
        Some(u32::from(mode_number) * 10 + direction)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{Record, parse_record};
    use crate::state::WorkMode;

    #[test]
    fn rows_read_back_equal_in_every_style() {
        let layout = Layout::agent();
        let line = b"F1|1|  40102| 51002|ACDIN  | 3| 101|1:02:17|  0|  0";
        let Ok(Record::Agent(row)) = parse_record(line, &layout) else {
            panic!()
        };
        for numeric in [false, true] {
            for padded in [false, true] {
                let mut out = Vec::new();
                row.encode(&layout, RowStyle { numeric, padded }, &mut out);
                assert_eq!(parse_record(&out, &layout), Ok(Record::Agent(row.clone())));
            }
        }
        let mut out = Vec::new();
        row.encode(
            &layout,
            RowStyle {
                numeric: true,
                padded: false,
            },
            &mut out,
        );
        assert_eq!(out, b"F1|1|40102|51002|32|3|101|3737|0|0");
    }

    #[test]
    fn batch_start_is_cms_shaped() {
        let mut out = Vec::new();
        encode_batch_start(jiff::civil::date(2026, 11, 23).at(9, 1, 3, 0), &mut out);
        assert_eq!(out, b"F0|2026-11-23 09:01:03");
        assert_eq!(WorkMode::Aux.as_str(), "AUX");
    }
}
