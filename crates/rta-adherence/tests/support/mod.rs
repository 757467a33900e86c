//! Shared by the evaluator tests: the worked example's configuration, statuses, and events
//! written as one line each so that a test reads like the spec's table.
#![allow(dead_code)]

use rta_adherence::{
    Activity, ActivityMapping, Config, Emitted, Employee, Evaluator, Limits, Mappings, Rules,
    ScheduleRow, UserMapping,
};
use rta_model::{
    AdherenceStatus, AlarmLevel, Code, Direction, EventBody, IntegrationId, Observation, Phase,
    Status, Timestamp,
};
use std::borrow::Cow;

pub const CMS: IntegrationId = IntegrationId(0);
pub const DAY: &str = "2026-11-23";

/// `"10:03"` or `"10:19:30"` on [`DAY`], UTC; a full RFC 3339 time is taken as is.
pub fn at(time: &str) -> Timestamp {
    if time.contains('T') {
        return time.parse().unwrap();
    }
    let time = if time.len() == 5 {
        format!("{time}:00")
    } else {
        time.to_owned()
    };
    format!("{DAY}T{time}Z").parse().unwrap()
}

pub fn user(integration: &str, external_id: &str, employee: &str) -> UserMapping {
    UserMapping {
        integration: integration.into(),
        external_id: external_id.into(),
        employee: employee.into(),
    }
}

pub fn mapping(integration: &str, status: &str, reason: &str, activity: &str) -> ActivityMapping {
    ActivityMapping {
        integration: integration.into(),
        status: status.into(),
        reason: reason.parse().unwrap(),
        detail: None,
        activity: activity.into(),
    }
}

pub fn segment(employee: &str, start: &str, end: &str, activity: &str) -> ScheduleRow {
    ScheduleRow {
        employee: employee.into(),
        start: at(start),
        end: at(end),
        activity: activity.into(),
    }
}

/// The worked example of `specs/adherence.md`: E1 = Avaya LOGID 40101 of "cms".
pub fn worked_example(rules: Rules) -> Config {
    Config {
        rules,
        employees: vec![Employee {
            id: "E1".into(),
            team: Some("T1".into()),
            time_zone: None,
        }],
        mappings: Mappings {
            users: vec![user("cms", "40101", "E1")],
            activities: ["AVAIL", "ACD*", "ACW*", "RING*", "OTHER"]
                .into_iter()
                .map(|code| mapping("cms", code, "", "Phone"))
                .chain([
                    mapping("cms", "AUX", "2", "Break"),
                    mapping("cms", "AUX", "", "Away"),
                ])
                .collect(),
        },
        schedules: vec![
            segment("E1", "08:00", "10:00", "Phone"),
            segment("E1", "10:00", "10:15", "Break"),
            segment("E1", "10:15", "12:00", "Phone"),
        ],
    }
}

/// Phone (productive), Break, Away: the worked example's activities.
pub fn example_rules() -> Rules {
    Rules {
        activities: vec![
            Activity::new("Phone").productive(),
            Activity::new("Break"),
            Activity::new("Away"),
        ],
        ..Rules::default()
    }
}

/// An evaluator started at `start` with "cms" named and up.
pub fn started(config: &Config, start: &str) -> Evaluator {
    let mut evaluator = Evaluator::new(config, Limits::default(), at(start)).unwrap();
    evaluator.add_integration(CMS, "cms").unwrap();
    let _ = evaluator
        .set_health(CMS, rta_model::FeedHealth::Up, at(start))
        .count();
    let _ = evaluator.advance(at(start)).count();
    evaluator
}

/// A status of an agent, received when it happened.
pub fn status(
    integration: IntegrationId,
    external_id: &str,
    phase: Phase,
    code: &str,
    reason: Option<u32>,
    time: &str,
) -> Observation<'static> {
    Observation {
        integration,
        external_id: Cow::Owned(external_id.as_bytes().to_vec()),
        phase,
        direction: Direction::None,
        status: Status {
            reason: reason.map(Code::Number),
            ..Status::new(code.to_owned())
        },
        time: at(time),
        received: at(time),
    }
}

fn short(time: Timestamp) -> String {
    time.to_string()[11..19].to_owned()
}

fn word<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .unwrap()
        .as_str()
        .unwrap()
        .to_owned()
}

/// One line per event: `10:00:00 adherence out since 10:00:00 (Break/Phone)`,
/// `10:01:00 alarm raised`, `07:58:00 status OTHER -> Phone`, `unmapped agent 40102`.
pub fn lines(events: impl IntoIterator<Item = Emitted>) -> Vec<String> {
    events
        .into_iter()
        .map(|event| {
            let time = short(event.time);
            let name = |n: &Option<rta_model::Name>| n.as_deref().unwrap_or("-").to_owned();
            match event.body {
                EventBody::Adherence(a) => format!(
                    "{time} {} adherence {} since {} ({}/{})",
                    a.employee,
                    word(&a.status),
                    short(a.since),
                    name(&a.scheduled_activity),
                    name(&a.actual_activity)
                ),
                EventBody::Alarm(a) => format!(
                    "{time} {} alarm {} out since {}",
                    a.employee,
                    word(&a.level),
                    short(a.out_since)
                ),
                EventBody::AgentStatus(s) => format!(
                    "{time} status {} {} -> {}",
                    s.external_id,
                    s.status,
                    name(&s.activity)
                ),
                EventBody::Unmapped(u) => format!("{time} unmapped {} {}", word(&u.kind), u.value),
                other => format!("{time} {other:?}"),
            }
        })
        .collect()
}

/// The adherence lines only.
pub fn adherence_lines(events: impl IntoIterator<Item = Emitted>) -> Vec<String> {
    lines(events)
        .into_iter()
        .filter(|line| line.contains(" adherence ") || line.contains(" alarm "))
        .collect()
}

pub fn status_of(evaluator: &Evaluator, employee: &str) -> AdherenceStatus {
    evaluator.adherence(employee).unwrap().status
}

pub fn alarm_of(evaluator: &Evaluator, employee: &str) -> Option<AlarmLevel> {
    evaluator.adherence(employee).unwrap().alarm
}

/// The second integration of the multi-integration tests ("cic").
pub const CIC: IntegrationId = IntegrationId(1);

/// Like [`started`], with `limits`.
pub fn started_with(config: &Config, limits: Limits, start: &str) -> Evaluator {
    let mut evaluator = Evaluator::new(config, limits, at(start)).unwrap();
    evaluator.add_integration(CMS, "cms").unwrap();
    let _ = evaluator
        .set_health(CMS, rta_model::FeedHealth::Up, at(start))
        .count();
    let _ = evaluator.advance(at(start)).count();
    evaluator
}
