//! How a simulated feed looks: agents, report layout, row style, clock, faults.

use crate::avaya::error::SimError;
use jiff::{SignedDuration, Timestamp};
use rta_avaya::{AssemblerConfig, Layout, LineCodec, RowStyle};
use rta_model::{IntegrationId, Zone};

/// Which column names the skill of each row when multi-skilled agents are listed once per
/// logged-in skill.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkillColumn {
    /// `SPLIT`: the split/skill the row is listed under.
    Split,
    /// `LOGONSKILLS`, holding the one skill of the row.
    LogonSkills,
}

/// Faults injected on demand. Each is drawn from the simulator's seed, so the same seed
/// gives the same faults at the same places. Rates are probabilities in `[0, 1]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Faults {
    /// Write each batch in several pieces cut at random byte offsets.
    pub split_writes: bool,
    /// Per batch: the trailer is missing (the batch is cut off by the next one).
    pub cut_off: f64,
    /// Per batch: the connection drops at a random point of the batch (possibly in the
    /// middle of a line) and the next batch comes on a new connection.
    pub disconnect: f64,
    /// Per row: `AGDURATION` overflows its column (`*****`).
    pub overflow: f64,
    /// Per batch: one to three garbage lines (unknown `Fn` tags, blank lines, lines that are
    /// no record, lines longer than the receiver's limit) at random places.
    pub garbage: f64,
    /// Per row: the row is unreadable (bad state, too few cells, or a blank `LOGID`).
    pub bad_rows: f64,
    /// Add a `NAME` column holding Latin-1 names (synonyms) to the layout.
    pub latin1_names: bool,
}

impl Faults {
    /// A clean feed.
    pub const fn none() -> Faults {
        Faults {
            split_writes: false,
            cut_off: 0.0,
            disconnect: 0.0,
            overflow: 0.0,
            garbage: 0.0,
            bad_rows: 0.0,
            latin1_names: false,
        }
    }

    /// Every fault, at rates that hit several times in a run of fifty batches.
    pub const fn all() -> Faults {
        Faults {
            split_writes: true,
            cut_off: 0.12,
            disconnect: 0.12,
            overflow: 0.02,
            garbage: 0.5,
            bad_rows: 0.01,
            latin1_names: true,
        }
    }

    fn check(&self) -> Result<(), SimError> {
        for (name, value) in [
            ("cut_off", self.cut_off),
            ("disconnect", self.disconnect),
            ("overflow", self.overflow),
            ("garbage", self.garbage),
            ("bad_rows", self.bad_rows),
        ] {
            if !(0.0..=1.0).contains(&value) {
                return Err(SimError::Rate { name, value });
            }
        }
        Ok(())
    }
}

impl Default for Faults {
    fn default() -> Self {
        Faults::none()
    }
}

/// Everything that shapes a simulated rt_socket feed.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Seeds every random choice: same seed and configuration, same bytes.
    pub seed: u64,
    pub agents: usize,
    /// The virtual time of the first batch (whole seconds are used).
    pub start: Timestamp,
    /// Virtual time between batches (CMS: 15 s by default, 3 s at best).
    pub refresh: SignedDuration,
    /// The zone `F0` batch times are written in.
    pub zone: Zone,
    /// Numeric or text states, padded cells or not.
    pub style: RowStyle,
    /// Open each batch with an `F0|<local time>` header.
    pub header: bool,
    /// End lines with CR LF instead of LF.
    pub crlf: bool,
    /// `None`: one skill and one row per agent. `Some`: agents log in with one to three
    /// skills and are listed once per skill, the column naming the row's skill.
    pub multi_skill: Option<SkillColumn>,
    /// Precede each batch with `F9|<RFC 3339 time>`, the batch's virtual time, an unknown
    /// tag a receiver ignores; tests read it to use the simulator's clock as receive time.
    pub time_marks: bool,
    /// The receiver option the ground truth assumes: skills attached to statuses.
    pub detailed_statuses: bool,
    /// The receiver's line limit; over-long garbage lines exceed it.
    pub max_line: usize,
    pub faults: Faults,
}

impl SimConfig {
    /// `agents` agents from `seed`, starting at `start`: 15 s refresh, UTC, padded text rows
    /// with an `F0` header and LF line ends, one skill per agent, no time marks, no faults.
    pub fn new(agents: usize, seed: u64, start: Timestamp) -> SimConfig {
        SimConfig {
            seed,
            agents,
            start,
            refresh: SignedDuration::from_secs(15),
            zone: Zone::utc(),
            style: RowStyle {
                numeric: false,
                padded: true,
            },
            header: true,
            crlf: false,
            multi_skill: None,
            time_marks: false,
            detailed_statuses: false,
            max_line: LineCodec::DEFAULT_MAX_LINE,
            faults: Faults::none(),
        }
    }

    /// The report layout of the feed: the `agent` preset, plus `NAME` after `LOGID` with
    /// Latin-1 names, plus the skill column in multi-skill mode.
    pub fn layout(&self) -> Layout {
        let mut columns = vec!["ACD", "LOGID"];
        if self.faults.latin1_names {
            columns.push("NAME");
        }
        columns.extend([
            "EXTENSION",
            "AGSTATE",
            "AUXREASON",
            "WORKSKILL",
            "AGDURATION",
            "DA_INQUEUE",
            "ACDONHOLD",
        ]);
        match self.multi_skill {
            Some(SkillColumn::Split) => columns.push("SPLIT"),
            Some(SkillColumn::LogonSkills) => columns.push("LOGONSKILLS"),
            None => {}
        }
        Layout::parse(&columns.join(",")).expect("the simulator's layouts are valid")
    }

    /// The assembler configuration of a receiver the ground truth describes: same zone,
    /// refresh and detailed-status option.
    pub fn assembler_config(&self, integration: IntegrationId) -> AssemblerConfig {
        let mut config = AssemblerConfig::new(integration);
        config.zone = self.zone.clone();
        config.refresh = self.refresh;
        config.detailed_statuses = self.detailed_statuses;
        config
    }

    pub(crate) fn check(&self) -> Result<(), SimError> {
        if self.refresh.as_secs() < 1 || self.refresh.subsec_nanos() != 0 {
            return Err(SimError::Refresh(self.refresh));
        }
        if self.max_line < 256 {
            return Err(SimError::LineLimit(self.max_line));
        }
        self.faults.check()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rta_avaya::Field;

    #[test]
    fn layouts_follow_the_options() {
        let start = "2026-11-23T08:00:00Z".parse().unwrap();
        let mut config = SimConfig::new(10, 1, start);
        assert_eq!(config.layout(), Layout::agent());
        config.faults.latin1_names = true;
        config.multi_skill = Some(SkillColumn::Split);
        let layout = config.layout();
        assert_eq!(layout.fields()[2], Field::Extra);
        assert_eq!(layout.fields().last(), Some(&Field::Split));
        config.multi_skill = Some(SkillColumn::LogonSkills);
        assert_eq!(config.layout().fields().last(), Some(&Field::LogonSkills));
    }

    #[test]
    fn bad_configurations_are_refused() {
        let start = "2026-11-23T08:00:00Z".parse().unwrap();
        let mut config = SimConfig::new(10, 1, start);
        assert!(config.check().is_ok());
        config.refresh = SignedDuration::from_millis(1500);
        assert!(matches!(config.check(), Err(SimError::Refresh(_))));
        config.refresh = SignedDuration::from_secs(3);
        config.faults.garbage = 1.5;
        assert!(matches!(
            config.check(),
            Err(SimError::Rate {
                name: "garbage",
                ..
            })
        ));
        config.faults = Faults::all();
        config.max_line = 100;
        assert!(matches!(config.check(), Err(SimError::LineLimit(100))));
    }
}
