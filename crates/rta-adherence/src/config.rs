//! What the evaluator is told: activities and their thresholds, policies, employees, user and
//! activity mappings, schedules. Plain serde types: the binary loads them from its config file
//! and from the CSV files of [`crate::files`].

use rta_model::Name;
use serde::{Deserialize, Serialize};

/// The built-in activity every logged-out agent is doing unless a mapping says otherwise.
pub const OFFLINE: &str = "Offline";

/// A WFM activity (`Phone`, `Break`, ...). Thresholds left out take the [`Defaults`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Activity {
    pub name: Name,
    /// Time on this activity is judged (`in`/`out`); otherwise it is `neutral`.
    #[serde(default = "yes")]
    pub counts_for_adherence: bool,
    /// Two activities of the same category count as doing each other.
    #[serde(default)]
    pub category: Option<Name>,
    /// Counts towards conformance.
    #[serde(default)]
    pub productive: bool,
    /// Other activities that count as doing this one when it is scheduled.
    #[serde(default)]
    pub accepts: Vec<Name>,
    #[serde(flatten)]
    pub thresholds: Thresholds,
}

fn yes() -> bool {
    true
}

impl Activity {
    /// An activity with the default properties: counts for adherence, not productive, no
    /// category, accepts nothing else, default thresholds.
    pub fn new(name: impl Into<Name>) -> Activity {
        Activity {
            name: name.into(),
            counts_for_adherence: true,
            category: None,
            productive: false,
            accepts: Vec::new(),
            thresholds: Thresholds::default(),
        }
    }

    pub fn productive(mut self) -> Activity {
        self.productive = true;
        self
    }

    pub fn not_counted(mut self) -> Activity {
        self.counts_for_adherence = false;
        self
    }

    pub fn category(mut self, category: impl Into<Name>) -> Activity {
        self.category = Some(category.into());
        self
    }

    pub fn accepts(mut self, activity: impl Into<Name>) -> Activity {
        self.accepts.push(activity.into());
        self
    }

    pub fn thresholds(mut self, thresholds: Thresholds) -> Activity {
        self.thresholds = thresholds;
        self
    }
}

/// Per-activity overrides of the alarm, grace and tolerance settings, in whole seconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alarm_after: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severe_after: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grace: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grace_mode: Option<GraceMode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boundary_tolerance: Option<u32>,
}

/// How a short `out` period is forgiven (`specs/adherence.md`, "Percentages").
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GraceMode {
    /// An out period of length d counts d.
    #[default]
    None,
    /// An out period shorter than the grace counts 0, a longer one counts whole.
    ForgiveShort,
    /// Every out period counts max(0, d - grace).
    Deduct,
}

/// The settings an activity does not override.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Defaults {
    pub alarm_after: u32,
    pub severe_after: u32,
    pub grace: u32,
    pub grace_mode: GraceMode,
    pub boundary_tolerance: u32,
    /// IANA zone of employees that do not name their own (their days and figures).
    pub time_zone: String,
}

impl Default for Defaults {
    fn default() -> Defaults {
        Defaults {
            alarm_after: 60,
            severe_after: 300,
            grace: 0,
            grace_mode: GraceMode::None,
            boundary_tolerance: 0,
            time_zone: "UTC".into(),
        }
    }
}

/// What working outside the schedule counts as.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnscheduledWorking {
    #[default]
    NotScheduled,
    Out,
}

/// Site-wide policies.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Policies {
    pub unscheduled_working: UnscheduledWorking,
}

/// The rules that rarely change: activities, defaults, policies.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Rules {
    /// `Offline` is built in; listing it here overrides its properties.
    pub activities: Vec<Activity>,
    pub defaults: Defaults,
    pub policies: Policies,
}

/// A person in the WFM. Employees named only by a mapping or a schedule get the default zone
/// and no team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Employee {
    pub id: Name,
    #[serde(default)]
    pub team: Option<Name>,
    /// IANA zone name; the default zone when absent.
    #[serde(default)]
    pub time_zone: Option<String>,
}

/// `(integration, external id) -> employee`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserMapping {
    pub integration: Name,
    pub external_id: String,
    pub employee: Name,
}

/// `(integration, status, reason, detail) -> activity`.
///
/// `status` is a code (`AUX`), a prefix ending in `*` (`ACD*`) or `*` alone (any code).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityMapping {
    pub integration: Name,
    pub status: String,
    #[serde(default)]
    pub reason: ReasonSpec,
    /// `None`: any detail.
    #[serde(default)]
    pub detail: Option<String>,
    pub activity: Name,
}

/// Which reasons an activity mapping matches: any, or a list of values and inclusive numeric
/// ranges (`1-5,7`, `LUNCH`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum ReasonSpec {
    #[default]
    Any,
    List(Vec<ReasonItem>),
}

/// One element of a [`ReasonSpec`] list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReasonItem {
    /// A reason given as text or number, compared by value (`7` matches the number 7 and the
    /// text "7").
    Exact(String),
    /// Inclusive.
    Range(u32, u32),
}

/// A reason list that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad reason {spec:?}: {why}")]
pub struct BadReason {
    pub spec: String,
    pub why: &'static str,
}

impl std::str::FromStr for ReasonSpec {
    type Err = BadReason;

    /// Blank or `*` is any reason; otherwise a comma-separated list of values and `a-b`
    /// numeric ranges.
    fn from_str(text: &str) -> Result<ReasonSpec, BadReason> {
        let text = text.trim();
        if text.is_empty() || text == "*" {
            return Ok(ReasonSpec::Any);
        }
        let bad = |why| BadReason {
            spec: text.to_owned(),
            why,
        };
        let items = text
            .split(',')
            .map(|item| {
                let item = item.trim();
                if item.is_empty() {
                    return Err(bad("empty list element"));
                }
                if item == "*" {
                    return Err(bad("`*` inside a list"));
                }
                match item.split_once('-') {
                    Some((low, high)) => match (low.trim().parse(), high.trim().parse()) {
                        (Ok(low), Ok(high)) if low <= high => Ok(ReasonItem::Range(low, high)),
                        (Ok(_), Ok(_)) => Err(bad("range runs backwards")),
                        _ => Err(bad("a range needs two whole numbers")),
                    },
                    None => Ok(ReasonItem::Exact(item.to_owned())),
                }
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ReasonSpec::List(items))
    }
}

impl TryFrom<String> for ReasonSpec {
    type Error = BadReason;

    fn try_from(text: String) -> Result<ReasonSpec, BadReason> {
        text.parse()
    }
}

impl From<ReasonSpec> for String {
    fn from(spec: ReasonSpec) -> String {
        match spec {
            ReasonSpec::Any => "*".into(),
            ReasonSpec::List(items) => items
                .iter()
                .map(|item| match item {
                    ReasonItem::Exact(value) => value.clone(),
                    ReasonItem::Range(low, high) => format!("{low}-{high}"),
                })
                .collect::<Vec<_>>()
                .join(","),
        }
    }
}

/// One scheduled segment `[start, end)` of an employee.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleRow {
    pub employee: Name,
    pub start: jiff::Timestamp,
    pub end: jiff::Timestamp,
    pub activity: Name,
}

/// The mappings, reloadable while the evaluator runs ([`crate::Evaluator::reload_mappings`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Mappings {
    pub users: Vec<UserMapping>,
    pub activities: Vec<ActivityMapping>,
}

/// Everything an evaluator starts from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    pub rules: Rules,
    pub employees: Vec<Employee>,
    pub mappings: Mappings,
    pub schedules: Vec<ScheduleRow>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reason_specs_read_any_lists_and_ranges() {
        assert_eq!("".parse(), Ok(ReasonSpec::Any));
        assert_eq!(" * ".parse(), Ok(ReasonSpec::Any));
        assert_eq!(
            "1-5, 7,LUNCH".parse(),
            Ok(ReasonSpec::List(vec![
                ReasonItem::Range(1, 5),
                ReasonItem::Exact("7".into()),
                ReasonItem::Exact("LUNCH".into()),
            ]))
        );
        assert!("5-1".parse::<ReasonSpec>().is_err());
        assert!("1,,2".parse::<ReasonSpec>().is_err());
        assert!("a-b".parse::<ReasonSpec>().is_err());
        assert!("1,*".parse::<ReasonSpec>().is_err());
    }

    #[test]
    fn activities_deserialize_with_defaults_and_flattened_thresholds() {
        let activity: Activity =
            serde_json::from_str(r#"{"name":"Break","alarm_after":120,"grace_mode":"deduct"}"#)
                .unwrap();
        assert!(activity.counts_for_adherence);
        assert_eq!(activity.thresholds.alarm_after, Some(120));
        assert_eq!(activity.thresholds.grace_mode, Some(GraceMode::Deduct));
        let mapping: ActivityMapping = serde_json::from_str(
            r#"{"integration":"cms","status":"AUX","reason":"1-5,7","activity":"Away"}"#,
        )
        .unwrap();
        assert_eq!(String::from(mapping.reason), "1-5,7");
    }
}
