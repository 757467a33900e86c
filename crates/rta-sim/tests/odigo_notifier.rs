//! The Odigo notifier against a recording HTTP server on loopback: bodies read by the test's
//! own reading of the spec (aliases, synonyms, time formats, forms), a valid state cycle per
//! agent, unique event ids, retries of the identical body, duplicates, batches and bursts,
//! malformed bodies, determinism, and no token in the logs.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use jiff::{SignedDuration, Timestamp};
use rta_sim::logs::CapturedLogs;
use rta_sim::odigo::{
    Body, Malformed, Notifier, NotifierConfig, OdigoSim, OdigoSimConfig, PauseReason,
    SimNotification, TimeFormat, WireOptions,
};
use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet, VecDeque};
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;

const TOKEN: &str = "tok-Zm9vYmFyYmF6cXV4cXV1eA";

/// One request as the server saw it.
#[derive(Debug, Clone)]
struct Recorded {
    method: String,
    path: String,
    content_type: String,
    body: Bytes,
}

#[derive(Debug, Default)]
struct Log {
    requests: Vec<Recorded>,
    /// Statuses to answer next, in order; then 204.
    script: VecDeque<u16>,
}

/// A loopback HTTP server that records every request and answers as scripted.
struct Recorder {
    url: String,
    log: Arc<Mutex<Log>>,
    task: tokio::task::JoinHandle<()>,
}

impl Recorder {
    async fn start() -> Recorder {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/odigo/{TOKEN}", listener.local_addr().unwrap());
        let log = Arc::new(Mutex::new(Log::default()));
        let shared = log.clone();
        let task = tokio::spawn(async move {
            loop {
                let (socket, _) = listener.accept().await.unwrap();
                let log = shared.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |request| record(request, log.clone()));
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(socket), service)
                        .await;
                });
            }
        });
        Recorder { url, log, task }
    }

    fn script(&self, statuses: &[u16]) {
        self.log.lock().unwrap().script.extend(statuses);
    }

    fn requests(&self) -> Vec<Recorded> {
        self.log.lock().unwrap().requests.clone()
    }

    fn notifier(&self) -> Notifier {
        let mut config = NotifierConfig::new(&self.url);
        config.backoff = Duration::from_millis(5);
        Notifier::new(config).unwrap()
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn record(
    request: Request<Incoming>,
    log: Arc<Mutex<Log>>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let method = request.method().to_string();
    let path = request.uri().path().to_owned();
    let content_type = request
        .headers()
        .get(hyper::header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let body = request.into_body().collect().await.unwrap().to_bytes();
    let mut log = log.lock().unwrap();
    log.requests.push(Recorded {
        method,
        path,
        content_type,
        body,
    });
    let status = log.script.pop_front().unwrap_or(204);
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = StatusCode::from_u16(status).unwrap();
    Ok(response)
}

fn start() -> Timestamp {
    "2026-11-23T08:00:00Z".parse().unwrap()
}

fn sim(agents: usize, seed: u64, wire: WireOptions) -> OdigoSim {
    let mut config = OdigoSimConfig::new("acme", agents, seed, start());
    config.wire = wire;
    OdigoSim::new(config).unwrap()
}

/// A notification as the test reads the spec: canonical names whatever the aliases.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Seen {
    event_id: String,
    event_type: String,
    tenant: String,
    time: Timestamp,
    login: Option<String>,
    agent_id: Option<String>,
    state: Option<String>,
    previous: Option<String>,
    direction: Option<String>,
    code: Option<String>,
    label: Option<String>,
}

/// The value under the first key present (a dotted key looks into an object).
fn field<'a>(object: &'a Map<String, Value>, keys: &[&str]) -> Option<&'a Value> {
    keys.iter().find_map(|key| match key.split_once('.') {
        Some((outer, inner)) => object.get(outer)?.get(inner),
        None => object.get(*key),
    })
}

fn text(object: &Map<String, Value>, keys: &[&str]) -> Option<String> {
    field(object, keys).map(|v| v.as_str().expect("a string").to_owned())
}

fn canonical_state(word: &str) -> String {
    let upper = word.to_ascii_uppercase();
    match upper.as_str() {
        "DISCONNECTED" => "LOGGED_OUT",
        "READY" => "AVAILABLE",
        "RINGING" => "ALERTING",
        "BUSY" | "IN_COMMUNICATION" => "IN_CALL",
        "POST_CALL" => "WRAP_UP",
        other => other,
    }
    .to_owned()
}

fn seen(value: &Value) -> Seen {
    let object = value.as_object().expect("an object");
    let time = match field(object, &["timestamp", "date", "eventDate"]).expect("a time") {
        Value::Number(n) => Timestamp::from_millisecond(n.as_i64().unwrap()).unwrap(),
        Value::String(s) if s.bytes().all(|b| b.is_ascii_digit()) => {
            Timestamp::from_millisecond(s.parse().unwrap()).unwrap()
        }
        Value::String(s) => {
            // RFC 3339 with milliseconds and a Z or an offset.
            assert_eq!(s.find('.'), Some(19), "{s}");
            assert!(s.ends_with('Z') || s[23..].len() == 6, "{s}");
            s.parse().unwrap()
        }
        other => panic!("time {other}"),
    };
    Seen {
        event_id: text(object, &["eventId"]).expect("an eventId"),
        event_type: text(object, &["eventType"]).expect("an eventType"),
        tenant: text(object, &["tenantId"]).expect("a tenantId"),
        time,
        login: text(object, &["agent.login", "login", "agentLogin", "userUid"]),
        agent_id: text(object, &["agent.id", "agentId"]),
        state: text(object, &["state", "status", "agentState"]).map(|s| canonical_state(&s)),
        previous: text(object, &["previousState"]).map(|s| canonical_state(&s)),
        direction: text(object, &["direction"]),
        code: text(object, &["pause.code", "pauseCode", "reasonCode"]),
        label: text(object, &["pause.label", "pauseLabel", "reason"]),
    }
}

/// A form's fields as a JSON object, dotted keys nested, repeated keys as a list.
fn form_object(body: &[u8]) -> Value {
    let mut object = Map::new();
    for (key, value) in form_urlencoded::parse(body) {
        let (target, name) = match key.split_once('.') {
            Some((outer, inner)) => (
                object
                    .entry(outer)
                    .or_insert_with(|| Value::Object(Map::new()))
                    .as_object_mut()
                    .unwrap(),
                inner.to_owned(),
            ),
            None => (&mut object, key.into_owned()),
        };
        match target.get_mut(&name) {
            Some(Value::Array(items)) => items.push(value.into()),
            Some(first) => *first = Value::Array(vec![first.take(), value.into()]),
            None => {
                target.insert(name, value.into());
            }
        }
    }
    Value::Object(object)
}

fn allowed(previous: &str, next: &str) -> bool {
    matches!(
        (previous, next),
        ("LOGGED_OUT", "AVAILABLE" | "PAUSE")
            | ("AVAILABLE", "ALERTING" | "IN_CALL" | "PAUSE" | "LOGGED_OUT")
            | ("ALERTING", "IN_CALL" | "AVAILABLE")
            | ("IN_CALL", "HOLD" | "WRAP_UP" | "AVAILABLE")
            | ("HOLD", "IN_CALL")
            | ("WRAP_UP", "AVAILABLE" | "PAUSE" | "LOGGED_OUT")
            | ("PAUSE", "AVAILABLE" | "LOGGED_OUT")
    )
}

/// Each agent's notifications, in order, make a valid shift: from LOGGED_OUT, each
/// `previousState` the state before, allowed moves only, calls with a direction (inbound
/// after ALERTING, outbound from AVAILABLE, the same after HOLD), times increasing. Gives
/// the last state of each agent.
fn check_cycles(seen: &[Seen]) -> HashMap<String, Seen> {
    let mut last: HashMap<String, Seen> = HashMap::new();
    let mut before_hold: HashMap<String, String> = HashMap::new();
    for n in seen
        .iter()
        .filter(|n| n.event_type == "AGENT_STATE_CHANGED")
    {
        let login = n.login.clone().expect("a login");
        let state = n.state.as_deref().expect("a state");
        let previous = n.previous.as_deref().expect("a previous state");
        let before = last.get(&login);
        assert_eq!(
            previous,
            before.map_or("LOGGED_OUT", |b| b.state.as_deref().unwrap()),
            "{n:?}"
        );
        assert!(allowed(previous, state), "{previous} -> {state}: {n:?}");
        if let Some(before) = before {
            assert!(before.time < n.time, "{before:?} then {n:?}");
        }
        let direction = n.direction.as_deref();
        match (previous, state) {
            ("ALERTING", "IN_CALL") => assert_eq!(direction, Some("IN")),
            ("AVAILABLE", "IN_CALL") => assert_eq!(direction, Some("OUT")),
            ("HOLD", "IN_CALL") => {
                assert_eq!(direction, before_hold.get(&login).map(String::as_str))
            }
            _ => assert_eq!(direction, None, "{n:?}"),
        }
        if state == "HOLD" {
            before_hold.insert(login.clone(), before.unwrap().direction.clone().unwrap());
        }
        last.insert(login, n.clone());
    }
    last
}

/// A varied wire over two hours of 30 agents, one JSON body per request: every body reads
/// as the spec says, event ids are unique, each agent's states make a valid cycle that ends
/// in the simulator's truth, and the wire really varied.
#[tokio::test]
async fn json_notifications_follow_the_spec_and_a_valid_cycle() {
    let recorder = Recorder::start().await;
    let notifier = recorder.notifier();
    let mut sim = sim(30, 5, WireOptions::varied());
    let notifications = sim.step(start() + SignedDuration::from_hours(2));
    assert!(notifications.len() > 1000, "{}", notifications.len());
    for n in &notifications {
        assert!(notifier.send(&Body::json(n)).await.accepted());
    }
    let requests = recorder.requests();
    assert_eq!(requests.len(), notifications.len());
    let stats = notifier.stats();
    assert_eq!(
        (stats.requests, stats.sent, stats.accepted, stats.retried),
        (
            requests.len() as u64,
            requests.len() as u64,
            requests.len() as u64,
            0
        )
    );
    assert_eq!(stats.by_status.get(&204), Some(&(requests.len() as u64)));

    let mut ids = HashSet::new();
    let mut seen_all = Vec::new();
    let mut variety = HashSet::new();
    for request in &requests {
        assert_eq!(request.method, "POST");
        assert_eq!(request.path, format!("/odigo/{TOKEN}"));
        assert!(request.content_type.starts_with("application/json"));
        let value: Value = serde_json::from_slice(&request.body).unwrap();
        let n = seen(&value);
        assert!(ids.insert(n.event_id.clone()), "duplicate id {n:?}");
        assert_eq!(n.tenant, "acme");
        let object = value.as_object().unwrap();
        for key in [
            "login",
            "agentLogin",
            "userUid",
            "status",
            "date",
            "sequence",
        ] {
            if object.contains_key(key) {
                variety.insert(key);
            }
        }
        if object
            .get("timestamp")
            .or(object.get("date"))
            .is_some_and(Value::is_number)
        {
            variety.insert("epoch");
        }
        if request.body.windows(7).any(|w| w == b"\"ready\"" as &[u8]) {
            variety.insert("lower-case synonym");
        }
        match n.event_type.as_str() {
            "HEARTBEAT" => assert_eq!((&n.login, &n.state), (&None, &None)),
            "AGENT_STATE_CHANGED" => {
                assert!(n.login.as_ref().unwrap().ends_with("@acme.example"));
                assert!(n.agent_id.as_ref().unwrap().parse::<u32>().is_ok());
                if n.state.as_deref() == Some("PAUSE") {
                    let reason = PauseReason::new(
                        n.code.as_deref().expect("a pause code"),
                        n.label.as_deref().expect("a pause label"),
                    );
                    assert!(PauseReason::defaults().contains(&reason), "{reason:?}");
                } else {
                    assert_eq!((&n.code, &n.label), (&None, &None), "{n:?}");
                }
            }
            other => panic!("event type {other}"),
        }
        seen_all.push(n);
    }
    assert_eq!(variety.len(), 8, "{variety:?}");
    let last = check_cycles(&seen_all);
    for agent in sim.truth() {
        let n = &last[&*agent.login];
        assert_eq!(n.state.as_deref(), Some(agent.state.name()));
        assert_eq!(n.time, agent.since);
        assert_eq!(
            n.code.as_deref(),
            agent.state.pause().map(|p| &*p.code),
            "{n:?}"
        );
    }
}

/// Batches are JSON arrays; a burst puts every request in flight at once; all arrive.
#[tokio::test]
async fn batches_and_bursts_arrive() {
    let recorder = Recorder::start().await;
    let notifier = recorder.notifier();
    let mut sim = sim(50, 8, WireOptions::varied());
    let mut notifications = Vec::new();
    while notifications.len() < 60 {
        notifications.extend(sim.next_notification());
    }
    let bodies: Vec<Body> = notifications.chunks(5).map(Body::batch).collect();
    assert_eq!(bodies.len(), 12);
    let outcomes = notifier.burst(&bodies).await;
    assert!(outcomes.iter().all(|o| o.accepted()));
    let requests = recorder.requests();
    assert_eq!(requests.len(), 12);
    let mut ids = HashSet::new();
    for request in requests {
        assert_eq!(request.content_type, "application/json");
        let value: Value = serde_json::from_slice(&request.body).unwrap();
        let items = value.as_array().expect("a JSON array");
        assert_eq!(items.len(), 5);
        ids.extend(items.iter().map(|item| seen(item).event_id));
    }
    let expected: HashSet<_> = notifications.iter().map(|n| n.event_id.clone()).collect();
    assert_eq!(ids, expected);
    assert_eq!(notifier.stats().notifications, 60);
}

/// A form body has the same fields as the JSON body, with dotted keys.
#[tokio::test]
async fn forms_decode_with_dotted_keys() {
    let recorder = Recorder::start().await;
    let notifier = recorder.notifier();
    let mut wire = WireOptions::varied();
    wire.alias_ratio = 0.0;
    let mut sim = sim(10, 3, wire);
    let notifications = sim.step(start() + SignedDuration::from_hours(1));
    for n in &notifications {
        notifier.send(&Body::form(n)).await;
    }
    let requests = recorder.requests();
    assert_eq!(requests.len(), notifications.len());
    let mut paused = 0;
    for (request, n) in requests.iter().zip(&notifications) {
        assert_eq!(request.content_type, "application/x-www-form-urlencoded");
        let keys: HashSet<String> = form_urlencoded::parse(&request.body)
            .map(|(k, _)| k.into_owned())
            .collect();
        let from_form = seen(&form_object(&request.body));
        let from_json = seen(&serde_json::from_slice(&Body::json(n).bytes).unwrap());
        assert_eq!(from_form, from_json);
        if from_form.event_type == "AGENT_STATE_CHANGED" {
            assert!(
                keys.contains("agent.login") && keys.contains("agent.id"),
                "{keys:?}"
            );
        }
        if from_form.state.as_deref() == Some("PAUSE") {
            assert!(keys.contains("pause.code") && keys.contains("pause.label"));
            paused += 1;
        }
    }
    assert!(paused > 0);
}

/// 503 answers are retried with the identical body after the back-off (on tokio's paused
/// clock: the waits take no real time), then the body is accepted.
#[tokio::test(start_paused = true)]
async fn server_errors_are_retried_with_the_same_body() {
    let recorder = Recorder::start().await;
    let mut config = NotifierConfig::new(&recorder.url);
    config.backoff = Duration::from_secs(10);
    config.max_backoff = Duration::from_secs(15);
    config.timeout = None;
    let notifier = Notifier::new(config).unwrap();
    let n = sim(3, 1, WireOptions::canonical())
        .next_notification()
        .unwrap();
    recorder.script(&[503, 503, 500]);
    let before = tokio::time::Instant::now();
    let outcome = notifier.send(&Body::json(&n)).await;
    // 10 s, then 20 s capped at 15 s, then 15 s.
    assert!(
        before.elapsed() >= Duration::from_secs(40),
        "{:?}",
        before.elapsed()
    );
    let status = |code| Some(StatusCode::from_u16(code).unwrap());
    assert_eq!(
        outcome.attempts,
        [status(503), status(503), status(500), status(204)]
    );
    let requests = recorder.requests();
    assert_eq!(requests.len(), 4);
    assert!(requests.iter().all(|r| r.body == requests[0].body));
    let stats = notifier.stats();
    assert_eq!((stats.sent, stats.accepted, stats.retried), (1, 1, 3));
}

/// A 4xx is final: no resend, counted rejected.
#[tokio::test]
async fn rejections_are_not_retried() {
    let recorder = Recorder::start().await;
    let notifier = recorder.notifier();
    let n = sim(3, 1, WireOptions::canonical())
        .next_notification()
        .unwrap();
    recorder.script(&[404]);
    let outcome = notifier.send(&Body::json(&n)).await;
    assert_eq!(outcome.status(), Some(StatusCode::NOT_FOUND));
    assert_eq!(recorder.requests().len(), 1);
    let stats = notifier.stats();
    assert_eq!((stats.rejected, stats.retried, stats.accepted), (1, 0, 0));
}

/// Nobody listening: every resend fails, then the notifier gives up; the logs (at trace
/// level) show the redacted URL and never the token.
#[tokio::test]
async fn no_answer_is_retried_then_given_up_and_the_token_is_never_logged() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let captured = CapturedLogs::start();

    let mut config = NotifierConfig::new(&format!("http://127.0.0.1:{port}/odigo/{TOKEN}"));
    config.retries = 2;
    config.backoff = Duration::from_millis(1);
    let notifier = Notifier::new(config).unwrap();
    let n = sim(3, 1, WireOptions::canonical())
        .next_notification()
        .unwrap();
    let outcome = notifier.send(&Body::json(&n)).await;
    assert_eq!(outcome.attempts, [None, None, None]);
    let malformed = sim(3, 1, WireOptions::canonical())
        .malformed(Malformed::Empty)
        .unwrap();
    let error = notifier.send_malformed(&malformed).await.unwrap_err();
    let stats = notifier.stats();
    assert_eq!(
        (stats.gave_up, stats.transport_errors, stats.retried),
        (1, 4, 2)
    );

    let logs = captured.text();
    assert!(
        logs.contains(&format!("http://127.0.0.1:{port}/odigo/***")),
        "{logs}"
    );
    assert!(logs.contains("gave up"), "{logs}");
    for text in [logs, format!("{error} {error:?} {notifier:?}")] {
        assert!(!text.contains(TOKEN), "{text}");
    }
}

/// With a retry ratio of 1, every accepted body is sent again, byte for byte; a rejected one
/// is not.
#[tokio::test]
async fn accepted_bodies_are_duplicated_at_the_retry_ratio() {
    let recorder = Recorder::start().await;
    let mut config = NotifierConfig::new(&recorder.url);
    config.retry_ratio = 1.0;
    let notifier = Notifier::new(config).unwrap();
    let mut sim = sim(5, 2, WireOptions::canonical());
    let notifications: Vec<SimNotification> =
        (0..4).flat_map(|_| sim.next_notification()).collect();
    recorder.script(&[204, 204, 400]);
    for n in &notifications {
        notifier.send(&Body::json(n)).await;
    }
    let requests = recorder.requests();
    // Accepted and duplicated, rejected, then accepted and duplicated twice.
    let ids: Vec<String> = requests
        .iter()
        .map(|r| seen(&serde_json::from_slice(&r.body).unwrap()).event_id)
        .collect();
    let id = |i: usize| notifications[i].event_id.clone();
    assert_eq!(ids, [id(0), id(0), id(1), id(2), id(2), id(3), id(3)]);
    assert_eq!(requests[0].body, requests[1].body);
    let stats = notifier.stats();
    assert_eq!((stats.sent, stats.duplicates, stats.rejected), (4, 3, 1));
}

/// Each malformed kind is what it says, sent once, its answer returned.
#[tokio::test]
async fn malformed_bodies_are_what_they_say() {
    let recorder = Recorder::start().await;
    let notifier = recorder.notifier();
    let mut sim = sim(5, 4, WireOptions::varied());
    sim.step(start() + SignedDuration::from_mins(30));
    for (i, kind) in Malformed::ALL.into_iter().enumerate() {
        let status = 400 + i as u16;
        recorder.script(&[status]);
        let body = sim.malformed(kind).unwrap();
        assert_eq!(
            notifier.send_malformed(&body).await.unwrap().as_u16(),
            status
        );
        let request = recorder.requests().pop().unwrap();
        assert_eq!(request.body, body.bytes);
        let bytes = &request.body;
        let json = serde_json::from_slice::<Value>(bytes);
        match kind {
            Malformed::TruncatedJson => {
                assert!(json.is_err());
                assert!(bytes.starts_with(b"{\"eventId\":"));
            }
            Malformed::NotJson => {
                assert!(json.is_err());
                assert!(form_urlencoded::parse(bytes).any(|(k, _)| k == "eventId"));
                assert!(request.content_type.starts_with("application/json"));
            }
            Malformed::InvalidUtf8 => {
                assert!(std::str::from_utf8(bytes).is_err());
                let latin1: String = bytes.iter().map(|&b| char::from(b)).collect();
                seen(&serde_json::from_str(&latin1).unwrap());
            }
            Malformed::MissingState => {
                let n = seen(&json.unwrap());
                assert!(n.state.is_none() && n.login.is_some(), "{n:?}");
            }
            Malformed::MissingLogin => {
                let n = seen(&json.unwrap());
                assert!(n.login.is_none() && n.agent_id.is_none() && n.state.is_some());
            }
            Malformed::WrongContentType => {
                assert!(request.content_type.starts_with("text/plain"));
                assert!(seen(&json.unwrap()).state.is_some());
            }
            Malformed::Oversized => {
                assert!(bytes.len() > 64 * 1024);
                assert!(seen(&json.unwrap()).state.is_some());
            }
            Malformed::Empty => assert!(bytes.is_empty()),
        }
    }
    let stats = notifier.stats();
    assert_eq!((stats.malformed, stats.requests, stats.sent), (8, 8, 0));
    // A repeat of the agent's state: the truth is unchanged by malformed bodies.
    assert_eq!(sim.now(), start() + SignedDuration::from_mins(30));
}

/// Bare pauses carry neither code nor label, under any alias.
#[test]
fn bare_pauses_have_no_reason() {
    let mut wire = WireOptions::varied();
    wire.bare_pause_ratio = 1.0;
    let mut sim = sim(20, 6, wire);
    let pauses: Vec<Seen> = sim
        .step(start() + SignedDuration::from_hours(2))
        .iter()
        .map(|n| seen(&serde_json::from_slice(&Body::json(n).bytes).unwrap()))
        .filter(|n| n.state.as_deref() == Some("PAUSE"))
        .collect();
    assert!(pauses.len() > 10);
    assert!(pauses.iter().all(|n| n.code.is_none() && n.label.is_none()));
}

/// Same seed and configuration, same bytes; another seed, others.
#[test]
fn the_same_seed_gives_the_same_notifications() {
    let bodies = |seed| {
        let mut config = OdigoSimConfig::new("acme", 25, seed, start());
        config.wire = WireOptions::varied();
        config.wire.time_format = TimeFormat::Mixed;
        config.wire.bare_pause_ratio = 0.3;
        let mut sim = OdigoSim::new(config).unwrap();
        let notifications = sim.step(start() + SignedDuration::from_hours(1));
        let mut bodies: Vec<Body> = notifications.iter().map(Body::json).collect();
        bodies.extend(notifications.chunks(7).map(Body::batch));
        bodies.extend(notifications.iter().map(Body::form));
        bodies.extend(Malformed::ALL.map(|kind| sim.malformed(kind).unwrap()));
        bodies
    };
    let first = bodies(21);
    assert!(first.len() > 500);
    assert_eq!(first, bodies(21));
    assert_ne!(first, bodies(22));
}
