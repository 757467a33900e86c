//! Report layouts: which field each `|`-separated column holds.
//!
//! The column order is whatever the customer's CMS report contains, so it is configuration:
//! a preset name (`agent`, `agent-numeric`, `csplit`) or a list of field names separated by
//! commas, e.g. `"ACD,LOGID,EXTENSION,AGSTATE,AUXREASON,WORKSKILL,AGDURATION"`. Names the
//! engine does not know are kept as opaque extra columns ([`Layout::extra_cell`]).

use crate::state::NumericStates;
use std::fmt;
use std::str::FromStr;

/// A column the engine understands. The csplit names are the split report's columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    Acd,
    LogId,
    Extension,
    AgState,
    WorkMode,
    Direction,
    AuxReason,
    WorkSkill,
    AgDuration,
    DaInQueue,
    AcdOnHold,
    LogonSkills,
    Split,
    CallsWaiting,
    AgentsAvailable,
    AvgSpeedOfAnswer,
    AbandonedCalls,
    OldestCall,
    AcdCalls,
    AvgTalkTime,
    AvgAbandonTime,
    AgentsRinging,
    AgentsOnAcd,
    AgentsInAcw,
    AgentsOther,
    AgentsInAux,
    AgentsStaffed,
    EwtHigh,
    EwtMedium,
    EwtLow,
    DirectAgentWaiting,
    PercentInServiceLevel,
    ServiceLevelTarget,
    CallsOffered,
    /// A column the engine carries through without reading it.
    Extra,
}

/// Field names as CMS reports spell them; the first spelling of a field is its name.
const NAMES: [(&str, Field); 35] = [
    ("ACD", Field::Acd),
    ("LOGID", Field::LogId),
    ("EXTENSION", Field::Extension),
    ("AGSTATE", Field::AgState),
    ("WORKMODE", Field::WorkMode),
    ("DIRECTION", Field::Direction),
    ("AUXREASON", Field::AuxReason),
    ("WORKSKILL", Field::WorkSkill),
    ("AGDURATION", Field::AgDuration),
    ("AGTIME", Field::AgDuration),
    ("DA_INQUEUE", Field::DaInQueue),
    ("ACDONHOLD", Field::AcdOnHold),
    ("LOGONSKILLS", Field::LogonSkills),
    ("SPLIT", Field::Split),
    ("INQUEUE+INRING", Field::CallsWaiting),
    ("AVAILABLE", Field::AgentsAvailable),
    ("ANSTIME/ACDCALLS", Field::AvgSpeedOfAnswer),
    ("ABNCALLS", Field::AbandonedCalls),
    ("OLDESTCALL", Field::OldestCall),
    ("ACDCALLS", Field::AcdCalls),
    ("ACDTIME/ACDCALLS", Field::AvgTalkTime),
    ("ABNTIME/ABNCALLS", Field::AvgAbandonTime),
    ("AGINRING", Field::AgentsRinging),
    ("ONACD", Field::AgentsOnAcd),
    ("INACW", Field::AgentsInAcw),
    ("OTHER", Field::AgentsOther),
    ("INAUX", Field::AgentsInAux),
    ("STAFFED", Field::AgentsStaffed),
    ("EWTHIGH", Field::EwtHigh),
    ("EWTMEDIUM", Field::EwtMedium),
    ("EWTLOW", Field::EwtLow),
    ("DA_INQUEUE+DA_INRING", Field::DirectAgentWaiting),
    (
        "100*(ACCEPTABLE/CALLSOFFERED)",
        Field::PercentInServiceLevel,
    ),
    ("SERVICELEVEL", Field::ServiceLevelTarget),
    ("CALLSOFFERED", Field::CallsOffered),
];

impl Field {
    /// Reads a field name (case-insensitive); unknown names are [`Field::Extra`].
    pub fn from_name(name: &str) -> Field {
        NAMES
            .iter()
            .find(|(known, _)| known.eq_ignore_ascii_case(name))
            .map_or(Field::Extra, |&(_, field)| field)
    }

    /// The CMS name of the field (`"EXTRA"` for an extra column).
    pub fn name(self) -> &'static str {
        NAMES
            .iter()
            .find(|&&(_, field)| field == self)
            .map_or("EXTRA", |&(name, _)| name)
    }
}

/// Which report a layout reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportKind {
    /// Agent state rows (has `LOGID`).
    Agent,
    /// Split/skill queue statistics (has `SPLIT`, no `LOGID`).
    Split,
}

/// The ordered columns of one report, and how to read numeric states.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    kind: ReportKind,
    fields: Vec<Field>,
    names: Vec<Box<str>>,
    numeric_states: NumericStates,
}

/// A layout string that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LayoutError {
    #[error("the layout lists no column")]
    Empty,
    #[error("column {position} of the layout has no name")]
    BlankName { position: usize },
    #[error("field {0} appears twice in the layout")]
    Duplicate(String),
    #[error("a layout needs LOGID (agent report) or SPLIT (split report)")]
    NoKey,
}

const AGENT_COLUMNS: &str =
    "ACD,LOGID,EXTENSION,AGSTATE,AUXREASON,WORKSKILL,AGDURATION,DA_INQUEUE,ACDONHOLD";
const CSPLIT_COLUMNS: &str = "SPLIT,INQUEUE+INRING,AVAILABLE,ANSTIME/ACDCALLS,ABNCALLS,ACD,\
OLDESTCALL,ACDCALLS,ACDTIME/ACDCALLS,ABNTIME/ABNCALLS,AGINRING,ONACD,INACW,OTHER,INAUX,STAFFED,\
EWTHIGH,EWTMEDIUM,EWTLOW,DA_INQUEUE+DA_INRING,100*(ACCEPTABLE/CALLSOFFERED),SERVICELEVEL,\
CALLSOFFERED";

impl Layout {
    /// The default `agent` preset:
    /// `ACD|LOGID|EXTENSION|AGSTATE|AUXREASON|WORKSKILL|AGDURATION|DA_INQUEUE|ACDONHOLD`.
    pub fn agent() -> Layout {
        Self::columns(AGENT_COLUMNS).expect("the agent preset is valid")
    }

    /// The `agent-numeric` preset: the `agent` columns, `AGSTATE` numeric and `AGDURATION` in
    /// seconds. Both spellings are read by every agent layout, so this differs from `agent`
    /// only in name (and in what [`crate::RowStyle::numeric`] writes).
    pub fn agent_numeric() -> Layout {
        Self::agent()
    }

    /// The `csplit` preset: the 23 columns of the split/skill report (24 with the `F1` tag).
    pub fn csplit() -> Layout {
        Self::columns(CSPLIT_COLUMNS).expect("the csplit preset is valid")
    }

    /// A preset by name, or a comma-separated list of field names.
    pub fn parse(spec: &str) -> Result<Layout, LayoutError> {
        match spec.trim() {
            "agent" => Ok(Self::agent()),
            "agent-numeric" => Ok(Self::agent_numeric()),
            "csplit" => Ok(Self::csplit()),
            list => Self::columns(list),
        }
    }

    fn columns(list: &str) -> Result<Layout, LayoutError> {
        if list.trim().is_empty() {
            return Err(LayoutError::Empty);
        }
        let mut fields = Vec::new();
        let mut names = Vec::new();
        for (position, name) in list.split(',').map(str::trim).enumerate() {
            if name.is_empty() {
                return Err(LayoutError::BlankName {
                    position: position + 1,
                });
            }
            let field = Field::from_name(name);
            if field != Field::Extra && fields.contains(&field) {
                return Err(LayoutError::Duplicate(field.name().to_owned()));
            }
            fields.push(field);
            names.push(Box::from(name));
        }
        let kind = if fields.contains(&Field::LogId) {
            ReportKind::Agent
        } else if fields.contains(&Field::Split) {
            ReportKind::Split
        } else {
            return Err(LayoutError::NoKey);
        };
        Ok(Layout {
            kind,
            fields,
            names,
            numeric_states: NumericStates::default(),
        })
    }

    /// Replaces the numeric `AGSTATE` table.
    pub fn with_numeric_states(mut self, table: NumericStates) -> Layout {
        self.numeric_states = table;
        self
    }

    /// Agent or split report.
    pub fn kind(&self) -> ReportKind {
        self.kind
    }

    /// The fields, one per column, in order.
    pub fn fields(&self) -> &[Field] {
        &self.fields
    }

    /// The numeric `AGSTATE` table.
    pub fn numeric_states(&self) -> &NumericStates {
        &self.numeric_states
    }

    /// True when the layout has the field.
    pub fn has(&self, field: Field) -> bool {
        self.fields.contains(&field)
    }

    /// The column of a field, if the layout has it.
    pub fn position(&self, field: Field) -> Option<usize> {
        self.fields.iter().position(|&f| f == field)
    }

    /// The trimmed cell of a named column (known or extra) in a data line (`F1|...`), for the
    /// columns the engine carries through without reading.
    pub fn extra_cell<'a>(&self, line: &'a [u8], name: &str) -> Option<&'a [u8]> {
        let position = self
            .names
            .iter()
            .position(|n| n.eq_ignore_ascii_case(name))?;
        line.split(|&b| b == b'|')
            .nth(position + 1)
            .map(<[u8]>::trim_ascii)
    }
}

impl Default for Layout {
    fn default() -> Self {
        Self::agent()
    }
}

impl FromStr for Layout {
    type Err = LayoutError;

    fn from_str(spec: &str) -> Result<Self, Self::Err> {
        Layout::parse(spec)
    }
}

impl fmt::Display for Layout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.names.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets() {
        let agent = Layout::parse("agent").unwrap();
        assert_eq!(agent.kind(), ReportKind::Agent);
        assert_eq!(agent.fields().len(), 9);
        assert_eq!(agent.position(Field::LogId), Some(1));
        assert_eq!(Layout::parse(" agent-numeric ").unwrap(), agent);
        let csplit = Layout::parse("csplit").unwrap();
        assert_eq!(csplit.kind(), ReportKind::Split);
        assert_eq!(csplit.fields().len(), 23);
        assert!(!csplit.fields().contains(&Field::Extra));
        assert_eq!(csplit.position(Field::CallsOffered), Some(22));
    }

    #[test]
    fn custom_lists_with_extras_and_synonyms() {
        let layout: Layout = "acd, LOGID ,Name,AGTIME,AGSTATE".parse().unwrap();
        assert_eq!(
            layout.fields(),
            [
                Field::Acd,
                Field::LogId,
                Field::Extra,
                Field::AgDuration,
                Field::AgState
            ]
        );
        assert_eq!(layout.to_string(), "acd,LOGID,Name,AGTIME,AGSTATE");
        let line = b"F1|1| 40101|Ren\xe9 Dupont  | :42|AVAIL";
        assert_eq!(
            layout.extra_cell(line, "name"),
            Some(&b"Ren\xe9 Dupont"[..])
        );
        assert_eq!(layout.extra_cell(line, "missing"), None);
    }

    #[test]
    fn bad_layouts() {
        assert_eq!(Layout::parse(" "), Err(LayoutError::Empty));
        assert_eq!(
            Layout::parse("LOGID,,AGSTATE"),
            Err(LayoutError::BlankName { position: 2 })
        );
        assert_eq!(
            Layout::parse("LOGID,AGSTATE,agstate"),
            Err(LayoutError::Duplicate("AGSTATE".into()))
        );
        assert_eq!(Layout::parse("ACD,AGSTATE"), Err(LayoutError::NoKey));
        assert!(
            Layout::parse("LOGID,NAME,NAME").is_ok(),
            "extras may repeat"
        );
    }
}
