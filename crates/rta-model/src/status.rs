//! A source status: code, optional reason and detail, and the skills attached to it.

use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::fmt;

/// A reason or detail value: sources send numbers (Avaya AUX reason, skill) or text (Odigo
/// pause code, CIC station). Numbers stay numbers so mappings can match ranges without
/// parsing text on the hot path.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Code<'a> {
    Number(u32),
    Text(Cow<'a, str>),
}

impl Code<'_> {
    /// Copies borrowed text so the value can cross threads.
    pub fn into_owned(self) -> Code<'static> {
        match self {
            Code::Number(n) => Code::Number(n),
            Code::Text(t) => Code::Text(Cow::Owned(t.into_owned())),
        }
    }

    /// The numeric value, also for text that is a plain decimal number (`"7"`).
    pub fn as_number(&self) -> Option<u32> {
        match self {
            Code::Number(n) => Some(*n),
            Code::Text(t) => t.parse().ok(),
        }
    }
}

impl fmt::Display for Code<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Code::Number(n) => write!(f, "{n}"),
            Code::Text(t) => f.write_str(t),
        }
    }
}

/// What the source says the agent is doing, before mapping to a WFM activity.
///
/// `code` is the source's status code in a normalized spelling (Avaya `ACDIN`, a CIC status
/// key, an Odigo state); `reason` the AUX reason or pause code; `detail` the skill or station;
/// `skills` the logged-in skills when the integration attaches them (Avaya detailed statuses).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Status<'a> {
    pub code: Cow<'a, str>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<Code<'a>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<Code<'a>>,
    #[serde(default, skip_serializing_if = "<[u32]>::is_empty")]
    pub skills: Cow<'a, [u32]>,
}

impl<'a> Status<'a> {
    /// A status with only a code.
    pub fn new(code: impl Into<Cow<'a, str>>) -> Self {
        Status {
            code: code.into(),
            reason: None,
            detail: None,
            skills: Cow::Borrowed(&[]),
        }
    }

    /// Copies everything borrowed so the status can cross threads.
    pub fn into_owned(self) -> Status<'static> {
        Status {
            code: Cow::Owned(self.code.into_owned()),
            reason: self.reason.map(Code::into_owned),
            detail: self.detail.map(Code::into_owned),
            skills: Cow::Owned(self.skills.into_owned()),
        }
    }
}
