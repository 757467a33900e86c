//! The engine's views over real sockets: Odigo notifications posted over HTTP, then
//! [`Engine::agents`], [`Engine::adherence_view`] and [`Engine::metrics_text`] read back:
//! the agents with their employee and activity, the employees' adherence, alarm and
//! figures of the day, and metrics that parse as Prometheus text exposition.
//!
//! Real time (the schedule is laid around the wall clock): every wait is for an event, under
//! a guard that only turns a hang into a failure.

mod support;

use jiff::SignedDuration;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use rta_adherence::{Activity, Config, Employee, Mappings, Rules, ScheduleRow, UserMapping};
use rta_engine::EventKind;
use rta_engine::engine::{
    AgentView, EmployeeAdherence, Engine, IntegrationSettings, OdigoSettings, Source,
};
use rta_engine::odigo::ReceiverConfig;
use rta_model::{AdherenceStatus, AlarmLevel, Direction, Phase, Timestamp};
use rta_odigo::Token;
use std::collections::{HashMap, HashSet};
use std::time::Duration;
use support::{activity_mapping, odigo_url, subscribe, until};

/// A second Odigo integration, never fed: its name needs escaping in label values.
const ODD_NAME: &str = "lab \"2\"\\b\nc";

/// Sales: E1 (`jdoe`, Paris) and E2 (`mary`), both on Phone for the two hours around now;
/// support: E3, with no agent (so `unknown`) and no schedule. An alarm is raised after 1 s out.
fn config(now: Timestamp) -> Config {
    let employee = |id: &str, team: &str, zone: Option<&str>| Employee {
        id: id.into(),
        team: Some(team.into()),
        time_zone: zone.map(Into::into),
    };
    let user = |external_id: &str, employee: &str| UserMapping {
        integration: "odigo".into(),
        external_id: external_id.into(),
        employee: employee.into(),
    };
    let phone = |employee: &str| ScheduleRow {
        employee: employee.into(),
        start: now - SignedDuration::from_hours(1),
        end: now + SignedDuration::from_hours(1),
        activity: "Phone".into(),
    };
    let mut rules = Rules {
        activities: vec![Activity::new("Phone").productive(), Activity::new("Break")],
        ..Rules::default()
    };
    rules.defaults.alarm_after = 1;
    Config {
        rules,
        employees: vec![
            employee("E1", "sales", Some("Europe/Paris")),
            employee("E2", "sales", None),
            employee("E3", "support", None),
        ],
        mappings: Mappings {
            users: vec![user("jdoe", "E1"), user("mary", "E2")],
            activities: vec![
                activity_mapping("odigo", "AVAILABLE", "Phone"),
                activity_mapping("odigo", "PAUSE", "Break"),
            ],
        },
        schedules: vec![phone("E1"), phone("E2")],
    }
}

fn odigo(name: &str, token: &Token) -> IntegrationSettings {
    IntegrationSettings {
        name: name.into(),
        source: Source::Odigo(OdigoSettings {
            token: token.hash(),
            pause_details: None,
            stale_after: Duration::from_secs(600),
        }),
    }
}

/// Posts `body` to `url`; the answer's status code.
async fn post(url: &str, body: String) -> u16 {
    reqwest::Client::new()
        .post(url)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// What a test checks exactly of an employee's row: team, status, activities, alarm, date.
type Row<'r> = (
    Option<&'r str>,
    Option<AdherenceStatus>,
    Option<&'r str>,
    Option<&'r str>,
    Option<AlarmLevel>,
    Option<Date>,
);

fn row(row: &EmployeeAdherence) -> Row<'_> {
    (
        row.team.as_deref(),
        row.status,
        row.scheduled_activity.as_deref(),
        row.actual_activity.as_deref(),
        row.alarm,
        row.date,
    )
}

fn notification(login: &str, state: &str, at: Timestamp) -> String {
    format!(r#"{{"login":"{login}","state":"{state}","timestamp":"{at}"}}"#)
}

#[tokio::test]
async fn agents_adherence_and_metrics_views() {
    let now = Timestamp::now();
    let token = Token::generate().unwrap();
    let engine = Engine::builder()
        .adherence(config(now))
        .odigo_receiver(ReceiverConfig::new("127.0.0.1:0".parse().unwrap()))
        .integration(odigo("odigo", &token))
        .integration(odigo(ODD_NAME, &Token::generate().unwrap()))
        .start()
        .await
        .unwrap();
    let mut events = subscribe(
        &engine,
        [
            EventKind::AgentStatus,
            EventKind::Adherence,
            EventKind::Alarm,
        ],
    );
    let url = odigo_url(&engine, &token);

    // jdoe (E1) on Phone: in; mary (E2) on Break while Phone is scheduled: out, then an
    // alarm; ghost is nobody's, on Phone.
    let seconds_ago = |seconds| now - SignedDuration::from_secs(seconds);
    for (login, state, at) in [
        ("jdoe", "AVAILABLE", seconds_ago(30)),
        ("mary", "PAUSE", seconds_ago(20)),
        ("ghost", "AVAILABLE", seconds_ago(10)),
    ] {
        assert_eq!(post(&url, notification(login, state, at)).await, 204);
    }
    assert_eq!(post(&url, "{not json".into()).await, 400);
    until(&mut events, "adherence E1 In").await;
    until(&mut events, "agent_status ghost - Phone").await;
    until(&mut events, "alarm E2 Raised").await;

    let agents: Vec<AgentView> = engine.agents();
    let summary: Vec<_> = agents
        .iter()
        .map(|agent| {
            (
                &*agent.integration,
                agent.external_id.as_str(),
                agent.phase,
                agent.status.as_str(),
                agent.since,
                agent.employee.as_deref(),
                agent.activity.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                "odigo",
                "ghost",
                Phase::Available,
                "AVAILABLE",
                seconds_ago(10),
                None,
                Some("Phone")
            ),
            (
                "odigo",
                "jdoe",
                Phase::Available,
                "AVAILABLE",
                seconds_ago(30),
                Some("E1"),
                Some("Phone")
            ),
            (
                "odigo",
                "mary",
                Phase::Away,
                "PAUSE",
                seconds_ago(20),
                Some("E2"),
                Some("Break")
            ),
        ]
    );
    for agent in &agents {
        assert_eq!(agent.direction, Direction::None);
        assert_eq!((&agent.reason, &agent.detail), (&None, &None));
        assert!(agent.last_seen >= now, "{agent:?}");
    }
    let json: serde_json::Value = serde_json::to_value(&agents[1]).unwrap();
    assert_eq!(json["employee"], "E1");
    assert_eq!(json["phase"], "available");
    assert_eq!(json["last_seen"], agents[1].last_seen.to_string());

    let everyone = engine.adherence_view(None);
    let ids: Vec<&str> = everyone.iter().map(|row| &*row.employee).collect();
    assert_eq!(ids, ["E1", "E2", "E3"]);
    let sales = engine.adherence_view(Some("sales"));
    assert_eq!(sales, everyone[..2]);
    assert_eq!(engine.adherence_view(Some("support")), everyone[2..]);
    assert_eq!(engine.adherence_view(Some("nobody")), []);

    let shift_date = |zone: &str| {
        (now - SignedDuration::from_hours(1))
            .to_zoned(TimeZone::get(zone).unwrap())
            .date()
    };
    let [e1, e2, e3] = &everyone[..] else {
        panic!("three employees: {everyone:?}")
    };
    assert_eq!(
        row(e1),
        (
            Some("sales"),
            Some(AdherenceStatus::In),
            Some("Phone"),
            Some("Phone"),
            None,
            Some(shift_date("Europe/Paris"))
        )
    );
    assert_eq!(
        row(e2),
        (
            Some("sales"),
            Some(AdherenceStatus::Out),
            Some("Phone"),
            Some("Break"),
            Some(AlarmLevel::Raised),
            Some(shift_date("UTC"))
        )
    );
    // E1 was unknown until its feed was up, then in (out only for the instant between the
    // feed going up and jdoe's status being applied); E2 was out since.
    let adherence = e1.adherence_percent.unwrap();
    assert!((99.0..=100.0).contains(&adherence), "{adherence}");
    assert_eq!(e2.adherence_percent, Some(0.0));
    let conformance = e1.conformance_percent.unwrap();
    assert!(conformance > 0.0 && conformance <= 100.0, "{conformance}");
    assert_eq!(e2.conformance_percent, Some(0.0));
    assert_eq!(
        row(e3),
        (
            Some("support"),
            Some(AdherenceStatus::Unknown),
            None,
            None,
            None,
            Some(Timestamp::now().to_zoned(TimeZone::UTC).date())
        )
    );
    assert_eq!((e3.adherence_percent, e3.conformance_percent), (None, None));
    assert!(e1.since.unwrap() <= Timestamp::now());

    let before = engine.bus().last_seq();
    let text = engine.metrics_text().await;
    let after = engine.bus().last_seq();
    let metrics = parse_exposition(&text);
    let value = |sample: &str| {
        *metrics
            .get(sample)
            .unwrap_or_else(|| panic!("{sample} in\n{text}"))
    };
    let published = value("rta_events_published_total");
    assert!(
        (before..=after).contains(&(published as u64)),
        "{published}"
    );
    let odigo = r#"integration="odigo",kind="odigo""#;
    let odd = r#"integration="lab \"2\"\\b\nc",kind="odigo""#;
    for (sample, expected) in [
        ("rta_agents".to_owned(), 3.0),
        ("rta_subscribers".to_owned(), 1.0),
        (format!("rta_integration_paused{{{odigo}}}"), 0.0),
        (format!(r#"rta_feed_health{{{odigo},state="up"}}"#), 1.0),
        (
            format!(r#"rta_feed_health{{{odigo},state="waiting"}}"#),
            0.0,
        ),
        (format!(r#"rta_feed_health{{{odd},state="waiting"}}"#), 1.0),
        (format!(r#"rta_feed_health{{{odd},state="up"}}"#), 0.0),
        (
            format!(r#"rta_feed_address_health{{{odigo},address="",state="up"}}"#),
            1.0,
        ),
        (
            format!(r#"rta_records_total{{{odigo},record="state_change"}}"#),
            3.0,
        ),
        (
            format!(r#"rta_records_total{{{odigo},record="duplicate"}}"#),
            0.0,
        ),
        (format!("rta_status_changes_total{{{odigo}}}"), 3.0),
        (format!("rta_status_changes_total{{{odd}}}"), 0.0),
        (
            format!(r#"rta_records_total{{{odd},record="state_change"}}"#),
            0.0,
        ),
        (
            format!(r#"rta_decode_errors_total{{{odigo},error="rejected_notification"}}"#),
            1.0,
        ),
        (
            r#"rta_odigo_refused_total{integration="odigo",reason="busy"}"#.to_owned(),
            0.0,
        ),
        (r#"rta_odigo_answers_total{code="204"}"#.to_owned(), 3.0),
        (r#"rta_odigo_answers_total{code="400"}"#.to_owned(), 1.0),
        (r#"rta_employees{status="in"}"#.to_owned(), 1.0),
        (r#"rta_employees{status="out"}"#.to_owned(), 1.0),
        (r#"rta_employees{status="unknown"}"#.to_owned(), 1.0),
        (r#"rta_employees{status="not_scheduled"}"#.to_owned(), 0.0),
        (r#"rta_employees{status="pending"}"#.to_owned(), 0.0),
        (r#"rta_alarms{level="raised"}"#.to_owned(), 1.0),
        (r#"rta_alarms{level="severe"}"#.to_owned(), 0.0),
        (
            r#"rta_evaluator_ignored_total{reason="out_of_order"}"#.to_owned(),
            0.0,
        ),
        ("rta_status_out_of_order_total".to_owned(), 0.0),
        ("rta_mapping_errors".to_owned(), 0.0),
    ] {
        assert_eq!(value(&sample), expected, "{sample}");
    }
    let queue = metrics
        .keys()
        .find(|sample| sample.starts_with("rta_subscriber_queue_capacity{"))
        .expect("the subscription's queue");
    assert_eq!(value(queue), rta_engine::DEFAULT_CAPACITY as f64, "{queue}");
    engine.shutdown().await;
}

/// Checks `text` line by line as Prometheus text exposition (version 0.0.4) and returns
/// each sample's value by its `name{labels}` as written: every family has one `# HELP` and
/// one `# TYPE` (counter or gauge) before its samples, which are together; label names are
/// identifiers and values quoted, with only `\\`, `\"` and `\n` escapes; every value is a
/// number.
fn parse_exposition(text: &str) -> HashMap<String, f64> {
    let mut helped = HashSet::new();
    let mut typed = HashSet::new();
    let mut finished = HashSet::new();
    let mut current: Option<String> = None;
    let mut samples = HashMap::new();
    assert!(text.ends_with('\n'), "the text ends with a newline");
    for line in text.lines() {
        if let Some(help) = line.strip_prefix("# HELP ") {
            let (name, _) = help.split_once(' ').expect("HELP name text");
            assert!(is_name(name), "{line}");
            assert!(helped.insert(name.to_owned()), "a second HELP: {line}");
            continue;
        }
        if let Some(kind) = line.strip_prefix("# TYPE ") {
            let (name, kind) = kind.split_once(' ').expect("TYPE name type");
            assert!(
                is_name(name) && ["counter", "gauge"].contains(&kind),
                "{line}"
            );
            assert!(typed.insert(name.to_owned()), "a second TYPE: {line}");
            if let Some(previous) = current.replace(name.to_owned()) {
                finished.insert(previous);
            }
            continue;
        }
        assert!(!line.starts_with('#'), "an unknown comment: {line}");
        let (sample, value) = line.rsplit_once(' ').expect("a sample and its value");
        let name = sample.split('{').next().unwrap();
        assert!(is_name(name), "{line}");
        assert_eq!(
            current.as_deref(),
            Some(name),
            "a sample out of its family: {line}"
        );
        assert!(helped.contains(name) && !finished.contains(name), "{line}");
        if let Some(labels) = sample.strip_prefix(name).filter(|rest| !rest.is_empty()) {
            check_labels(labels);
        }
        let value: f64 = value.parse().unwrap_or_else(|_| panic!("a number: {line}"));
        assert!(
            samples.insert(sample.to_owned(), value).is_none(),
            "twice: {line}"
        );
    }
    assert_eq!(helped, typed, "every family has HELP and TYPE");
    samples
}

fn is_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

/// `{name="value",...}`: identifiers, quoted values with valid escapes only.
fn check_labels(labels: &str) {
    let inner = labels
        .strip_prefix('{')
        .and_then(|rest| rest.strip_suffix('}'))
        .unwrap_or_else(|| panic!("braces: {labels}"));
    let mut rest = inner;
    while !rest.is_empty() {
        let (name, after) = rest.split_once("=\"").expect("name=\"value\"");
        assert!(
            is_name(name) && !name.starts_with("__"),
            "label name {name}"
        );
        let mut chars = after.char_indices();
        let end = loop {
            match chars.next().expect("a closing quote") {
                (_, '\\') => {
                    let (_, escaped) = chars.next().expect("an escaped character");
                    assert!(['\\', '"', 'n'].contains(&escaped), "escape \\{escaped}");
                }
                (at, '"') => break at,
                (_, c) => assert_ne!(c, '\n', "a raw newline in {labels}"),
            }
        };
        rest = &after[end + 1..];
        rest = rest.strip_prefix(',').unwrap_or(rest);
    }
}
