//! Agent states: the CMS work mode, its direction, and the text and numeric spellings.

use rta_model::{Direction, Phase};

/// The CMS agent work mode (`AGSTATE` / `WORKMODE` without the direction).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WorkMode {
    Unstaffed,
    Avail,
    Acd,
    Acw,
    Aux,
    Dacd,
    Dacw,
    Ring,
    Other,
    Unknown,
}

impl WorkMode {
    /// Every work mode, in a fixed order (used to build the code table).
    pub const ALL: [WorkMode; 10] = [
        WorkMode::Unstaffed,
        WorkMode::Avail,
        WorkMode::Acd,
        WorkMode::Acw,
        WorkMode::Aux,
        WorkMode::Dacd,
        WorkMode::Dacw,
        WorkMode::Ring,
        WorkMode::Other,
        WorkMode::Unknown,
    ];

    /// The CMS spelling, without direction.
    pub fn as_str(self) -> &'static str {
        self.codes()[0]
    }

    /// The canonical phase of this work mode.
    pub fn phase(self) -> Phase {
        match self {
            WorkMode::Unstaffed => Phase::LoggedOut,
            WorkMode::Avail => Phase::Available,
            WorkMode::Ring => Phase::Ringing,
            WorkMode::Acd | WorkMode::Dacd => Phase::Talking,
            WorkMode::Acw | WorkMode::Dacw => Phase::WrapUp,
            WorkMode::Aux => Phase::Away,
            WorkMode::Other => Phase::Other,
            WorkMode::Unknown => Phase::Unknown,
        }
    }

    /// The status codes of this mode: none, `IN`, `OUT` direction, in that order.
    const fn codes(self) -> [&'static str; 3] {
        match self {
            WorkMode::Unstaffed => ["UNSTAFF", "UNSTAFFIN", "UNSTAFFOUT"],
            WorkMode::Avail => ["AVAIL", "AVAILIN", "AVAILOUT"],
            WorkMode::Acd => ["ACD", "ACDIN", "ACDOUT"],
            WorkMode::Acw => ["ACW", "ACWIN", "ACWOUT"],
            WorkMode::Aux => ["AUX", "AUXIN", "AUXOUT"],
            WorkMode::Dacd => ["DACD", "DACDIN", "DACDOUT"],
            WorkMode::Dacw => ["DACW", "DACWIN", "DACWOUT"],
            WorkMode::Ring => ["RING", "RINGIN", "RINGOUT"],
            WorkMode::Other => ["OTHER", "OTHERIN", "OTHEROUT"],
            WorkMode::Unknown => ["UNKNOWN", "UNKNOWNIN", "UNKNOWNOUT"],
        }
    }
}

/// A work mode with its direction: what one `AGSTATE` cell says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AgentState {
    pub mode: WorkMode,
    pub direction: Direction,
}

impl AgentState {
    /// A state without direction.
    pub const fn new(mode: WorkMode) -> Self {
        AgentState {
            mode,
            direction: Direction::None,
        }
    }

    /// The state of each direction of a mode, in the order of [`WorkMode::codes`].
    const fn with_directions(mode: WorkMode) -> [AgentState; 3] {
        [
            AgentState {
                mode,
                direction: Direction::None,
            },
            AgentState {
                mode,
                direction: Direction::In,
            },
            AgentState {
                mode,
                direction: Direction::Out,
            },
        ]
    }

    /// Every state of [`WorkMode::ALL`], with its canonical code.
    pub(crate) const CANONICAL: [(&'static str, AgentState); 30] = {
        let mut table = [("", AgentState::new(WorkMode::Unknown)); 30];
        let mut mode = 0;
        while mode < WorkMode::ALL.len() {
            let codes = WorkMode::ALL[mode].codes();
            let states = Self::with_directions(WorkMode::ALL[mode]);
            let mut direction = 0;
            while direction < 3 {
                table[mode * 3 + direction] = (codes[direction], states[direction]);
                direction += 1;
            }
            mode += 1;
        }
        table
    };

    /// The normalized status code: the mode with the direction glued on (`ACDIN`, `AUX`,
    /// `ACWOUT`), whatever spelling the row used (`RINGING` is `RING`, `32` is `ACDIN`).
    pub fn code(self) -> &'static str {
        let codes = self.mode.codes();
        match self.direction {
            Direction::None => codes[0],
            Direction::In => codes[1],
            Direction::Out => codes[2],
        }
    }
}

/// The numeric `AGSTATE` table: the tens (and higher) digits give the work mode, the units
/// digit the direction (0 none, 1 `OUT`, 2 `IN`).
///
/// The default is the table of `specs/avaya-rt-socket.md` (1 UNSTAFF, 2 AVAIL, 3 ACD, 4 ACW,
/// 5 AUX, 6 DACD, 7 DACW, 8 RING, 22 OTHER); [`NumericStates::set`] changes or adds entries
/// for a CMS release that numbers differently.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumericStates {
    modes: [Option<WorkMode>; Self::SIZE],
}

impl NumericStates {
    const SIZE: usize = 256;

    /// A table with no entries.
    pub fn empty() -> Self {
        NumericStates {
            modes: [None; Self::SIZE],
        }
    }

    /// Maps the mode number (the value divided by ten) to a work mode. Numbers of 256 and
    /// above cannot be mapped (returns `false`).
    pub fn set(&mut self, mode_number: u16, mode: WorkMode) -> bool {
        match self.modes.get_mut(usize::from(mode_number)) {
            Some(slot) => {
                *slot = Some(mode);
                true
            }
            None => false,
        }
    }

    /// The first mode number that maps to `mode`.
    pub(crate) fn mode_number(&self, mode: WorkMode) -> Option<u16> {
        let position = self.modes.iter().position(|&m| m == Some(mode))?;
        u16::try_from(position).ok()
    }

    /// Reads a numeric state such as `32` (ACD, inbound).
    pub fn lookup(&self, value: u32) -> Option<AgentState> {
        let direction = match value % 10 {
            0 => Direction::None,
            1 => Direction::Out,
            2 => Direction::In,
            _ => return None,
        };
        let mode = (*self.modes.get(usize::try_from(value / 10).ok()?)?)?;
        Some(AgentState { mode, direction })
    }
}

impl Default for NumericStates {
    fn default() -> Self {
        let mut table = NumericStates::empty();
        for (number, mode) in [
            (1, WorkMode::Unstaffed),
            (2, WorkMode::Avail),
            (3, WorkMode::Acd),
            (4, WorkMode::Acw),
            (5, WorkMode::Aux),
            (6, WorkMode::Dacd),
            (7, WorkMode::Dacw),
            (8, WorkMode::Ring),
            (22, WorkMode::Other),
        ] {
            table.set(number, mode);
        }
        table
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_glue_the_direction() {
        let acd_in = AgentState {
            mode: WorkMode::Acd,
            direction: Direction::In,
        };
        assert_eq!(acd_in.code(), "ACDIN");
        assert_eq!(AgentState::new(WorkMode::Ring).code(), "RING");
        assert_eq!(AgentState::new(WorkMode::Unstaffed).code(), "UNSTAFF");
        for mode in WorkMode::ALL {
            assert_eq!(AgentState::new(mode).code(), mode.as_str());
        }
    }

    #[test]
    fn default_numeric_table_follows_the_spec() {
        let table = NumericStates::default();
        let state = |mode, direction| Some(AgentState { mode, direction });
        assert_eq!(
            table.lookup(10),
            state(WorkMode::Unstaffed, Direction::None)
        );
        assert_eq!(table.lookup(20), state(WorkMode::Avail, Direction::None));
        assert_eq!(table.lookup(31), state(WorkMode::Acd, Direction::Out));
        assert_eq!(table.lookup(32), state(WorkMode::Acd, Direction::In));
        assert_eq!(table.lookup(40), state(WorkMode::Acw, Direction::None));
        assert_eq!(table.lookup(52), state(WorkMode::Aux, Direction::In));
        assert_eq!(table.lookup(61), state(WorkMode::Dacd, Direction::Out));
        assert_eq!(table.lookup(70), state(WorkMode::Dacw, Direction::None));
        assert_eq!(table.lookup(80), state(WorkMode::Ring, Direction::None));
        assert_eq!(table.lookup(220), state(WorkMode::Other, Direction::None));
        assert_eq!(table.lookup(90), None);
        assert_eq!(table.lookup(33), None);
        assert_eq!(table.lookup(u32::MAX), None);
    }

    #[test]
    fn numeric_table_is_configurable() {
        let mut table = NumericStates::default();
        assert!(table.set(9, WorkMode::Other));
        assert!(!table.set(300, WorkMode::Other));
        assert_eq!(table.lookup(90), Some(AgentState::new(WorkMode::Other)));
    }

    #[test]
    fn phases() {
        assert_eq!(WorkMode::Dacd.phase(), Phase::Talking);
        assert_eq!(WorkMode::Dacw.phase(), Phase::WrapUp);
        assert_eq!(WorkMode::Aux.phase(), Phase::Away);
        assert_eq!(WorkMode::Unstaffed.phase(), Phase::LoggedOut);
    }
}
