//! The canonical phase every source status is reduced to, and call direction.

use serde::{Deserialize, Serialize};
use std::fmt;

/// What an agent is doing, in the words every source shares (see `specs/adherence.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    LoggedOut,
    Available,
    Ringing,
    Talking,
    WrapUp,
    Away,
    Other,
    Unknown,
}

impl Phase {
    /// Every phase, in declaration order.
    pub const ALL: [Phase; 8] = [
        Phase::LoggedOut,
        Phase::Available,
        Phase::Ringing,
        Phase::Talking,
        Phase::WrapUp,
        Phase::Away,
        Phase::Other,
        Phase::Unknown,
    ];

    /// The snake_case name used in events and configuration.
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::LoggedOut => "logged_out",
            Phase::Available => "available",
            Phase::Ringing => "ringing",
            Phase::Talking => "talking",
            Phase::WrapUp => "wrap_up",
            Phase::Away => "away",
            Phase::Other => "other",
            Phase::Unknown => "unknown",
        }
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Direction of the call (or of the work) an agent is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    #[default]
    None,
    In,
    Out,
}
