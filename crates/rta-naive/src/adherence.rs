//! Adherence, the obvious way: `HashMap`s built from the configuration, mapping rows and
//! schedule rows scanned on every status, every employee judged again once a second.

use crate::core::StatusUpdate;
use jiff::Timestamp;
use rta_adherence::{Config, OFFLINE, ReasonItem, ReasonSpec, UnscheduledWorking};
use rta_model::Phase;
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};

#[derive(Debug)]
struct ActivityRow {
    integration: String,
    status: String,
    reason: ReasonSpec,
    detail: Option<String>,
    activity: String,
}

#[derive(Debug)]
struct ActivityRules {
    counts: bool,
    category: Option<String>,
    accepts: Vec<String>,
}

#[derive(Debug)]
struct Segment {
    start: Timestamp,
    end: Timestamp,
    activity: String,
}

/// The employee's latest status: its integration and its activity (`None`: unmapped).
#[derive(Debug)]
struct Actual {
    integration: String,
    activity: Option<String>,
    time: Timestamp,
}

#[derive(Debug, Clone, PartialEq)]
struct Judgement {
    status: &'static str,
    scheduled: Option<String>,
    actual: Option<String>,
}

#[derive(Debug, Default)]
struct EmployeeState {
    integrations: Vec<String>,
    actual: Option<Actual>,
    judgement: Option<Judgement>,
    since: Option<Timestamp>,
}

/// Mappings, schedules and each employee's state.
#[derive(Debug)]
pub(crate) struct Adherence {
    users: HashMap<(String, String), String>,
    activity_rows: Vec<ActivityRow>,
    activities: HashMap<String, ActivityRules>,
    schedules: HashMap<String, Vec<Segment>>,
    employees: HashMap<String, EmployeeState>,
    healthy: HashSet<String>,
    unscheduled_working_is_out: bool,
}

impl Adherence {
    pub(crate) fn new(config: &Config) -> Adherence {
        let mut employees: HashMap<String, EmployeeState> = HashMap::new();
        for employee in &config.employees {
            employees.entry(employee.id.to_string()).or_default();
        }
        let mut users = HashMap::new();
        for user in &config.mappings.users {
            users.insert(
                (user.integration.to_string(), user.external_id.clone()),
                user.employee.to_string(),
            );
            employees
                .entry(user.employee.to_string())
                .or_default()
                .integrations
                .push(user.integration.to_string());
        }
        let mut schedules: HashMap<String, Vec<Segment>> = HashMap::new();
        for row in &config.schedules {
            employees.entry(row.employee.to_string()).or_default();
            schedules
                .entry(row.employee.to_string())
                .or_default()
                .push(Segment {
                    start: row.start,
                    end: row.end,
                    activity: row.activity.to_string(),
                });
        }
        let activities = config
            .rules
            .activities
            .iter()
            .map(|activity| {
                let rules = ActivityRules {
                    counts: activity.counts_for_adherence,
                    category: activity.category.as_ref().map(|c| c.to_string()),
                    accepts: activity.accepts.iter().map(|a| a.to_string()).collect(),
                };
                (activity.name.to_string(), rules)
            })
            .collect();
        let activity_rows = config
            .mappings
            .activities
            .iter()
            .map(|row| ActivityRow {
                integration: row.integration.to_string(),
                status: row.status.clone(),
                reason: row.reason.clone(),
                detail: row.detail.clone(),
                activity: row.activity.to_string(),
            })
            .collect();
        Adherence {
            users,
            activity_rows,
            activities,
            schedules,
            employees,
            healthy: HashSet::new(),
            unscheduled_working_is_out: config.rules.policies.unscheduled_working
                == UnscheduledWorking::Out,
        }
    }

    /// The `agent_status` event of a stored status, and the adherence change it causes.
    pub(crate) fn observe(&mut self, update: &StatusUpdate) -> Vec<Value> {
        let employee = self
            .users
            .get(&(update.integration.clone(), update.external_id.clone()))
            .cloned();
        let activity = self.activity_of(update);
        let mut events = vec![json!({
            "time": update.time.to_string(),
            "type": "agent_status",
            "integration": update.integration,
            "external_id": update.external_id,
            "employee": employee,
            "phase": update.phase.as_str(),
            "status": update.status,
            "reason": update.reason,
            "detail": update.detail,
            "activity": activity,
            "since": update.time.to_string(),
            "received": update.received.to_string(),
        })];
        if let Some(employee) = employee {
            // With agents in several integrations, the latest status change wins.
            if let Some(state) = self.employees.get_mut(&employee)
                && state
                    .actual
                    .as_ref()
                    .is_none_or(|actual| actual.time <= update.time)
            {
                state.actual = Some(Actual {
                    integration: update.integration.clone(),
                    activity,
                    time: update.time,
                });
            }
            events.extend(self.judge(&employee, update.time));
        }
        events
    }

    /// The integration is healthy from now on; its employees are judged again.
    pub(crate) fn mark_up(&mut self, integration: &str, now: Timestamp) -> Vec<Value> {
        if !self.healthy.insert(integration.to_string()) {
            return Vec::new();
        }
        let concerned: Vec<String> = self
            .employees
            .iter()
            .filter(|(_, state)| state.integrations.iter().any(|i| i == integration))
            .map(|(name, _)| name.clone())
            .collect();
        concerned
            .iter()
            .flat_map(|employee| self.judge(employee, now))
            .collect()
    }

    pub(crate) fn judge_everyone(&mut self, now: Timestamp) -> Vec<Value> {
        let everyone: Vec<String> = self.employees.keys().cloned().collect();
        everyone
            .iter()
            .flat_map(|employee| self.judge(employee, now))
            .collect()
    }

    /// Scans the integration's mapping rows: exact code, then `prefix*`, then `*`; within
    /// each, an exact reason, then a range, then any reason. A logged-out status nobody
    /// mapped is `Offline`.
    fn activity_of(&self, update: &StatusUpdate) -> Option<String> {
        let code_matches = [
            |row: &str, code: &str| row == code,
            |row: &str, code: &str| {
                row.len() > 1 && row.ends_with('*') && code.starts_with(&row[..row.len() - 1])
            },
            |row: &str, _: &str| row == "*",
        ];
        let reason_matches = [exact_reason, range_reason, any_reason];
        for code_matches in code_matches {
            for reason_matches in reason_matches {
                let found = self.activity_rows.iter().find(|row| {
                    row.integration == update.integration
                        && code_matches(&row.status, &update.status)
                        && reason_matches(&row.reason, &update.reason)
                        && row
                            .detail
                            .as_ref()
                            .is_none_or(|detail| value_text(&update.detail) == Some(detail.clone()))
                });
                if let Some(row) = found {
                    return Some(row.activity.clone());
                }
            }
        }
        (update.phase == Phase::LoggedOut).then(|| OFFLINE.to_string())
    }

    fn scheduled_at(&self, employee: &str, t: Timestamp) -> Option<String> {
        self.schedules
            .get(employee)?
            .iter()
            .find(|segment| segment.start <= t && t < segment.end)
            .map(|segment| segment.activity.clone())
    }

    fn counts(&self, activity: &str) -> bool {
        self.activities.get(activity).is_none_or(|a| a.counts)
    }

    fn counts_as(&self, actual: &str, scheduled: &str) -> bool {
        if actual == scheduled {
            return true;
        }
        let (Some(a), Some(s)) = (self.activities.get(actual), self.activities.get(scheduled))
        else {
            return false;
        };
        s.accepts.iter().any(|accepted| accepted == actual)
            || (a.category.is_some() && a.category == s.category)
    }

    /// Judges one employee at `t` and returns the `adherence` event if anything changed.
    fn judge(&mut self, employee: &str, t: Timestamp) -> Option<Value> {
        let state = self.employees.get(employee)?;
        let actual = match &state.actual {
            Some(actual) if self.healthy.contains(&actual.integration) => {
                actual.activity.clone().ok_or(())
            }
            Some(_) => Err(()),
            None if !state.integrations.is_empty()
                && state.integrations.iter().all(|i| self.healthy.contains(i)) =>
            {
                Ok(OFFLINE.to_string())
            }
            None => Err(()),
        };
        let scheduled = self.scheduled_at(employee, t);
        let status = match (&actual, &scheduled) {
            (Err(()), _) => "unknown",
            (Ok(actual), None) if actual == OFFLINE => "not_scheduled",
            (Ok(_), None) if self.unscheduled_working_is_out => "out",
            (Ok(_), None) => "not_scheduled",
            (Ok(_), Some(scheduled)) if !self.counts(scheduled) => "neutral",
            (Ok(actual), Some(scheduled)) if self.counts_as(actual, scheduled) => "in",
            (Ok(_), Some(_)) => "out",
        };
        let judgement = Judgement {
            status,
            scheduled,
            actual: actual.ok(),
        };
        let state = self.employees.get_mut(employee)?;
        if state.judgement.as_ref() == Some(&judgement) {
            return None;
        }
        let previous = state.judgement.as_ref().map(|j| j.status);
        if previous != Some(status) {
            state.since = Some(t);
        }
        let since = state.since.unwrap_or(t);
        let event = json!({
            "time": t.to_string(),
            "type": "adherence",
            "employee": employee,
            "status": status,
            "previous": previous,
            "scheduled_activity": judgement.scheduled,
            "actual_activity": judgement.actual,
            "since": since.to_string(),
        });
        state.judgement = Some(judgement);
        Some(event)
    }
}

/// A reason or detail value as text (`7` and `"7"` alike).
fn value_text(value: &Value) -> Option<String> {
    match value {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) => Some(s.clone()),
        _ => None,
    }
}

fn value_number(value: &Value) -> Option<u64> {
    match value {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

fn exact_reason(spec: &ReasonSpec, reason: &Value) -> bool {
    let ReasonSpec::List(items) = spec else {
        return false;
    };
    let text = value_text(reason);
    items.iter().any(|item| match item {
        ReasonItem::Exact(wanted) => {
            text.as_ref() == Some(wanted)
                || (wanted.parse::<u64>().ok().is_some()
                    && wanted.parse().ok() == value_number(reason))
        }
        ReasonItem::Range(..) => false,
    })
}

fn range_reason(spec: &ReasonSpec, reason: &Value) -> bool {
    let ReasonSpec::List(items) = spec else {
        return false;
    };
    let number = value_number(reason);
    items.iter().any(|item| match item {
        ReasonItem::Range(low, high) => {
            number.is_some_and(|n| u64::from(*low) <= n && n <= u64::from(*high))
        }
        ReasonItem::Exact(_) => false,
    })
}

fn any_reason(spec: &ReasonSpec, _: &Value) -> bool {
    matches!(spec, ReasonSpec::Any)
}
