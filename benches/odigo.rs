//! Benchmarks of the Odigo notification decoder (`rta-odigo`) against a naive baseline.
//!
//! Two bodies, both as Odigo would push them: `single`, the spec's example (one object of
//! about 250 bytes, RFC 3339 time with milliseconds, nested `agent` and `pause`), and
//! `array_100`, a JSON array of 100 notifications for 100 agents moving through every state
//! (calls with a direction, pauses with a code and a label, a few using the aliases `login`,
//! `status`, `pauseCode`/`reason` and `date`, a few epoch-millisecond times, one login with
//! an escape).
//!
//! - `odigo_decode` (throughput in notifications): `rta` is [`rta_odigo::decode`] (one pass
//!   of hand-written serde visitors, strings borrowed from the body); `baseline` is what a
//!   first implementation would do: `serde_json::from_slice::<serde_json::Value>`, then the
//!   same fields looked up by their aliases in the same order, owned, the state matched by
//!   `State::parse`, the time parsed by jiff (or read as epoch milliseconds).
//! - `odigo_decode_bytes`: the same two routines, throughput in body bytes.
//!
//! Each timed routine hands every notification to `black_box`. Before timing, both sides
//! decode each body and must give the same notifications.
//!
//! Run with `cargo bench --bench odigo`; results are in `benches/RESULTS.md`.
//!
//! Instruction counts: with `ODIGO_PROFILE=<routine>` (`rta` or `baseline`), the binary decodes
//! the array body 10,000 times inside `measured` and exits, for
//! `valgrind --tool=callgrind --toggle-collect='odigo::measured*' target/release/deps/odigo-<hash>`.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group};
use jiff::Timestamp;
use rta_model::Direction;
use rta_odigo::{AgentState, BodyFormat, Notification, Pause, State, decode};
use serde_json::Value;
use std::borrow::Cow;
use std::hint::black_box;

// ---------------------------------------------------------------------------------------------
// The bodies.

/// The spec's example.
const SINGLE: &str = r#"{"eventId":"6c1f2a9e-4b7d-4e21-9a3f-0d5c8e7b1f42","eventType":"AGENT_STATE_CHANGED","tenantId":"acme",
 "timestamp":"2026-11-23T12:00:05.123Z",
 "agent":{"login":"jdoe@acme.example","id":"10452"},
 "state":"PAUSE","previousState":"AVAILABLE","pause":{"code":"7","label":"Lunch"}}"#;

/// A state an agent of the array goes through, with its direction and pause (code, label).
struct Step {
    state: &'static str,
    direction: Option<&'static str>,
    pause: Option<(&'static str, &'static str)>,
}

const fn step(
    state: &'static str,
    direction: Option<&'static str>,
    pause: Option<(&'static str, &'static str)>,
) -> Step {
    Step {
        state,
        direction,
        pause,
    }
}

const STEPS: [Step; 8] = [
    step("AVAILABLE", None, None),
    step("ALERTING", Some("IN"), None),
    step("IN_CALL", Some("IN"), None),
    step("HOLD", Some("IN"), None),
    step("WRAP_UP", None, None),
    step("PAUSE", None, Some(("7", "Lunch"))),
    step("IN_CALL", Some("OUT"), None),
    step("PAUSE", None, Some(("12", "Team meeting"))),
];

/// A JSON array of `count` notifications of `count` agents.
fn array_body(count: usize) -> String {
    let items: Vec<String> = (0..count)
        .map(|i| {
            let Step {
                state,
                direction,
                pause,
            } = STEPS[i % STEPS.len()];
            let previous = STEPS[(i + STEPS.len() - 1) % STEPS.len()].state;
            let id = format!("{:08x}-4b7d-4e21-9a3f-{:012x}", 0x6c1f_0000 + i, i * 7919);
            let second = i % 60;
            let millis = (i * 37) % 1000;
            let time = format!(r#""2026-11-23T12:00:{second:02}.{millis:03}Z""#);
            let mut fields = vec![
                format!(r#""eventId":"{id}""#),
                r#""eventType":"AGENT_STATE_CHANGED""#.to_owned(),
                r#""tenantId":"acme""#.to_owned(),
            ];
            // Every tenth notification uses aliases; every seventh an epoch-millisecond time.
            let aliased = i % 10 == 3;
            fields.push(match (i % 7 == 5, aliased) {
                (true, _) => format!(r#""timestamp":{}"#, 1_795_435_200_000 + i * 1_001),
                (false, true) => format!(r#""date":{time}"#),
                (false, false) => format!(r#""timestamp":{time}"#),
            });
            let login = match i {
                42 => r#"fran\u00e7ois.martin@acme.example"#.to_owned(),
                _ => format!("agent{i:03}@acme.example"),
            };
            fields.push(match aliased {
                true => format!(r#""login":"{login}","status":"{state}""#),
                false => format!(
                    r#""agent":{{"login":"{login}","id":"{}"}},"state":"{state}""#,
                    10_000 + i
                ),
            });
            fields.push(format!(r#""previousState":"{previous}""#));
            if let Some(direction) = direction {
                fields.push(format!(r#""direction":"{direction}""#));
            }
            if let Some((code, label)) = pause {
                fields.push(match aliased {
                    true => format!(r#""pauseCode":"{code}","reason":"{label}""#),
                    false => format!(r#""pause":{{"code":"{code}","label":"{label}"}}"#),
                });
            }
            format!("{{{}}}", fields.join(","))
        })
        .collect();
    format!("[{}]", items.join(",\n"))
}

/// The bodies: name, bytes, notifications.
fn bodies() -> Vec<(&'static str, Vec<u8>, u64)> {
    vec![
        ("single", SINGLE.as_bytes().to_vec(), 1),
        ("array_100", array_body(100).into_bytes(), 100),
    ]
}

// ---------------------------------------------------------------------------------------------
// The routines.

/// rta: hands each notification to `out`; returns the count.
fn rta<'a>(body: &'a [u8], out: &mut impl FnMut(Notification<'a>)) -> usize {
    decode(BodyFormat::Json, body, |_, item| {
        out(item.expect("a good notification"));
    })
    .expect("a good body")
}

/// The baseline: a `serde_json::Value`, then the fields by alias, owned.
fn baseline(body: &[u8], out: &mut impl FnMut(Notification<'static>)) -> usize {
    let value: Value = serde_json::from_slice(body).expect("a good body");
    let items = match value {
        Value::Array(items) => items,
        object => vec![object],
    };
    for item in &items {
        out(Notification::AgentState(baseline_item(item)));
    }
    items.len()
}

/// The first of `paths` (a path is the keys from the object down) holding a string or an
/// integer, as text.
fn text(item: &Value, paths: &[&[&str]]) -> Option<Cow<'static, str>> {
    paths.iter().find_map(|path| {
        let value = path.iter().try_fold(item, |value, key| value.get(key))?;
        match value {
            Value::String(text) if !text.trim().is_empty() => Some(Cow::Owned(text.clone())),
            Value::Number(number) if number.is_i64() || number.is_u64() => {
                Some(Cow::Owned(number.to_string()))
            }
            _ => None,
        }
    })
}

fn baseline_item(item: &Value) -> AgentState<'static> {
    let login = text(
        item,
        &[
            &["agent", "login"],
            &["login"],
            &["agentLogin"],
            &["userUid"],
        ],
    )
    .expect("an agent");
    let state = text(item, &[&["state"], &["status"], &["agentState"]]).expect("a state");
    let time = ["timestamp", "date", "eventDate"]
        .iter()
        .find_map(|key| match item.get(key)? {
            Value::String(text) => Some(text.parse::<Timestamp>().expect("a time")),
            Value::Number(millis) => Some(
                Timestamp::from_millisecond(millis.as_i64().expect("milliseconds"))
                    .expect("a time"),
            ),
            _ => None,
        });
    let direction = match item.get("direction").and_then(Value::as_str) {
        Some(text) if text.eq_ignore_ascii_case("IN") || text.eq_ignore_ascii_case("INBOUND") => {
            Direction::In
        }
        Some(text) if text.eq_ignore_ascii_case("OUT") || text.eq_ignore_ascii_case("OUTBOUND") => {
            Direction::Out
        }
        _ => Direction::None,
    };
    AgentState {
        event_id: text(item, &[&["eventId"]]),
        tenant: text(item, &[&["tenantId"]]),
        login,
        state: State::parse(state),
        previous: text(item, &[&["previousState"]]).map(State::parse),
        direction,
        pause: Pause {
            code: text(item, &[&["pause", "code"], &["pauseCode"], &["reasonCode"]]),
            label: text(item, &[&["pause", "label"], &["pauseLabel"], &["reason"]]),
        },
        time,
    }
}

/// Both sides give the same notifications.
fn check(body: &[u8]) {
    let mut ours = Vec::new();
    rta(body, &mut |n| ours.push(n));
    let mut theirs = Vec::new();
    baseline(body, &mut |n| theirs.push(n));
    assert_eq!(ours, theirs);
    assert!(
        ours.iter()
            .all(|n| matches!(n, Notification::AgentState(s) if s.time.is_some()))
    );
}

// ---------------------------------------------------------------------------------------------
// Criterion.

fn bench_decode(c: &mut Criterion) {
    let bodies = bodies();
    for (name, body, _) in &bodies {
        check(body);
        println!("odigo body {name}: {} bytes", body.len());
    }
    for (group_name, bytes) in [("odigo_decode", false), ("odigo_decode_bytes", true)] {
        let mut group = c.benchmark_group(group_name);
        for (name, body, count) in &bodies {
            group.throughput(match bytes {
                true => Throughput::Bytes(body.len() as u64),
                false => Throughput::Elements(*count),
            });
            group.bench_with_input(BenchmarkId::new("rta", name), body, |b, body| {
                b.iter(|| rta(black_box(body), &mut |n| drop(black_box(n))))
            });
            group.bench_with_input(BenchmarkId::new("baseline", name), body, |b, body| {
                b.iter(|| baseline(black_box(body), &mut |n| drop(black_box(n))))
            });
        }
        group.finish();
    }
}

// ---------------------------------------------------------------------------------------------
// Instruction counts (ODIGO_PROFILE).

/// The code callgrind counts (`--toggle-collect='odigo::measured*'`).
#[inline(never)]
fn measured<R>(f: impl FnOnce() -> R) -> R {
    f()
}

/// Array bodies decoded per profile run.
const PROFILE_RUNS: usize = 10_000;

fn profile(routine: &str) {
    let body = array_body(100).into_bytes();
    let notifications = measured(|| {
        (0..PROFILE_RUNS)
            .map(|_| match routine {
                "rta" => rta(black_box(&body), &mut |n| drop(black_box(n))),
                "baseline" => baseline(black_box(&body), &mut |n| drop(black_box(n))),
                other => {
                    eprintln!("ODIGO_PROFILE: unknown routine {other:?} (rta, baseline)");
                    std::process::exit(2);
                }
            })
            .sum::<usize>()
    });
    println!(
        "{routine}: {notifications} notifications, {} bytes measured",
        PROFILE_RUNS * body.len()
    );
}

criterion_group!(benches, bench_decode);

fn main() {
    if let Ok(routine) = std::env::var("ODIGO_PROFILE") {
        profile(&routine);
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
