//! The baseline over real loopback sockets: Avaya batches, a CIC server, Odigo POSTs, and
//! the events on a TCP MessagePack subscriber and an SSE subscriber.

use jiff::Timestamp;
use jiff::civil::DateTime;
use rta_adherence::{
    Activity, ActivityMapping, Config, Mappings, ReasonSpec, Rules, ScheduleRow, UserMapping,
};
use rta_avaya::{
    AgentRow, AgentState, Layout, RowStyle, SkillList, TRAILER, WorkMode, encode_batch_start,
};
use rta_model::Direction;
use rta_naive::{NaiveAvaya, NaiveCic, NaiveConfig, NaiveEngine, NaiveOdigo};
use rta_sim::cic::{CicServer, CicServerConfig, CicSimConfig};
use serde_json::Value;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const TOKEN: &str = "s3cret-token";
/// Only a guard against a hang: every wait below ends as soon as its event arrives.
const PATIENCE: Duration = Duration::from_secs(10);

fn loopback() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

/// E1 is Avaya 40101, scheduled on Phone all morning; AVAIL and ACD* are Phone, AUX 2 Break.
fn adherence() -> Config {
    let mapping = |status: &str, reason: &str, activity: &str| ActivityMapping {
        integration: "cms".into(),
        status: status.into(),
        reason: reason.parse::<ReasonSpec>().unwrap(),
        detail: None,
        activity: activity.into(),
    };
    Config {
        rules: Rules {
            activities: vec![Activity::new("Phone").productive(), Activity::new("Break")],
            ..Rules::default()
        },
        mappings: Mappings {
            users: vec![UserMapping {
                integration: "cms".into(),
                external_id: "40101".into(),
                employee: "E1".into(),
            }],
            activities: vec![
                mapping("AVAIL", "*", "Phone"),
                mapping("ACD*", "*", "Phone"),
                mapping("AUX", "2", "Break"),
            ],
        },
        schedules: vec![ScheduleRow {
            employee: "E1".into(),
            start: at("2026-11-23T08:00:00Z"),
            end: at("2026-11-23T12:00:00Z"),
            activity: "Phone".into(),
        }],
        ..Config::default()
    }
}

fn start(cic_servers: Vec<SocketAddr>) -> NaiveEngine {
    NaiveEngine::start(NaiveConfig {
        avaya: vec![NaiveAvaya {
            name: "cms".into(),
            listen: loopback(),
            layout: Layout::agent(),
            zone: jiff::tz::TimeZone::UTC,
        }],
        cic: vec![NaiveCic {
            name: "cic".into(),
            servers: cic_servers,
            zone: jiff::tz::TimeZone::get("Europe/Paris").unwrap(),
        }],
        odigo: Some(NaiveOdigo {
            name: "odigo".into(),
            listen: loopback(),
            base_path: "/odigo".into(),
            token: TOKEN.into(),
        }),
        msgpack_listen: Some(loopback()),
        sse_listen: Some(loopback()),
        adherence: adherence(),
    })
    .unwrap()
}

/// A TCP MessagePack subscriber, subscribed (its `subscribed` frame read).
struct MsgpackSubscriber(TcpStream);

impl MsgpackSubscriber {
    async fn connect(engine: &NaiveEngine) -> MsgpackSubscriber {
        let mut stream = TcpStream::connect(engine.msgpack_address().unwrap())
            .await
            .unwrap();
        stream.write_all(b"{\"filter\":{}}\n").await.unwrap();
        let mut subscriber = MsgpackSubscriber(stream);
        let (first, _) = subscriber.frame().await;
        assert_eq!(first["type"], "subscribed");
        subscriber
    }

    /// The next frame, as a JSON value and as its bytes.
    async fn frame(&mut self) -> (Value, Vec<u8>) {
        let mut length = [0u8; 4];
        self.0.read_exact(&mut length).await.unwrap();
        let mut payload = vec![0u8; u32::from_be_bytes(length) as usize];
        self.0.read_exact(&mut payload).await.unwrap();
        (rmp_serde::from_slice(&payload).unwrap(), payload)
    }

    /// Events until one satisfies `wanted`; every event must read as an rta `Event`.
    async fn until(&mut self, wanted: impl Fn(&Value) -> bool) -> Value {
        tokio::time::timeout(PATIENCE, async {
            loop {
                let (event, payload) = self.frame().await;
                let decoded = rta_model::Event::from_msgpack(&payload)
                    .unwrap_or_else(|error| panic!("{event}: not an rta event: {error}"));
                assert_eq!(Value::from(decoded.seq), event["seq"]);
                if wanted(&event) {
                    return event;
                }
            }
        })
        .await
        .expect("the event never came")
    }
}

/// An SSE subscriber over a raw HTTP/1.1 connection (the `data:` lines survive chunking:
/// each event is one chunk).
struct SseSubscriber {
    stream: TcpStream,
    buffer: Vec<u8>,
}

impl SseSubscriber {
    async fn connect(engine: &NaiveEngine) -> SseSubscriber {
        let url = engine.sse_url().unwrap();
        let address = url
            .trim_start_matches("http://")
            .trim_end_matches("/events");
        let mut stream = TcpStream::connect(address).await.unwrap();
        stream
            .write_all(b"GET /events?kinds=agent_status HTTP/1.1\r\nHost: naive\r\n\r\n")
            .await
            .unwrap();
        let mut subscriber = SseSubscriber {
            stream,
            buffer: Vec::new(),
        };
        // The head comes once the subscription exists.
        let head = subscriber.line().await;
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        subscriber
    }

    async fn line(&mut self) -> String {
        loop {
            if let Some(end) = self.buffer.iter().position(|&b| b == b'\n') {
                let line: Vec<u8> = self.buffer.drain(..=end).collect();
                return String::from_utf8(line).unwrap().trim_end().to_string();
            }
            let mut chunk = [0u8; 4096];
            let read = self.stream.read(&mut chunk).await.unwrap();
            assert!(read > 0, "the SSE stream ended");
            self.buffer.extend_from_slice(&chunk[..read]);
        }
    }

    async fn until(&mut self, wanted: impl Fn(&Value) -> bool) -> Value {
        tokio::time::timeout(PATIENCE, async {
            let mut id = None;
            loop {
                let line = self.line().await;
                if let Some(seq) = line.strip_prefix("id: ") {
                    id = Some(seq.to_string());
                }
                let Some(data) = line.strip_prefix("data: ") else {
                    continue;
                };
                let event = rta_model::Event::from_json(data)
                    .unwrap_or_else(|error| panic!("{data}: not an rta event: {error}"));
                assert_eq!(id.take(), Some(event.seq.to_string()));
                let event: Value = serde_json::from_str(data).unwrap();
                if wanted(&event) {
                    return event;
                }
            }
        })
        .await
        .expect("the event never came")
    }
}

fn row(logid: &str, mode: WorkMode, aux_reason: Option<u32>, duration: u32) -> Vec<u8> {
    let mut line = Vec::new();
    AgentRow {
        acd: 1,
        logid: logid.as_bytes(),
        extension: None,
        state: AgentState {
            mode,
            direction: if mode == WorkMode::Acd {
                Direction::In
            } else {
                Direction::None
            },
        },
        aux_reason,
        work_skill: None,
        duration: Some(duration),
        da_in_queue: Some(0),
        acd_on_hold: Some(0),
        logon_skills: SkillList::parse(b"").unwrap(),
        split: None,
    }
    .encode(
        &Layout::agent(),
        RowStyle {
            numeric: false,
            padded: true,
        },
        &mut line,
    );
    line.push(b'\n');
    line
}

fn batch(time: &str, rows: &[Vec<u8>]) -> Vec<u8> {
    let mut bytes = Vec::new();
    encode_batch_start(time.parse::<DateTime>().unwrap(), &mut bytes);
    bytes.push(b'\n');
    for row in rows {
        bytes.extend_from_slice(row);
    }
    bytes.extend_from_slice(TRAILER);
    bytes.push(b'\n');
    bytes
}

fn agent_status<'a>(id: &'a str, status: &'a str) -> impl Fn(&Value) -> bool + 'a {
    move |event| {
        event["type"] == "agent_status" && event["external_id"] == id && event["status"] == status
    }
}

#[tokio::test]
async fn avaya_batches_give_agent_status_and_adherence_events_to_both_subscribers() {
    let engine = start(vec![]);
    let mut tcp = MsgpackSubscriber::connect(&engine).await;
    let mut sse = SseSubscriber::connect(&engine).await;
    let mut cms = TcpStream::connect(engine.avaya_address("cms").unwrap())
        .await
        .unwrap();

    let first = batch(
        "2026-11-23 09:31:03",
        &[
            row("40101", WorkMode::Avail, None, 42),
            row("40102", WorkMode::Acd, None, 137),
        ],
    );
    cms.write_all(&first).await.unwrap();
    let avail = tcp.until(agent_status("40101", "AVAIL")).await;
    assert_eq!(avail["employee"], "E1");
    assert_eq!(avail["activity"], "Phone");
    assert_eq!(avail["phase"], "available");
    assert_eq!(avail["time"], "2026-11-23T09:30:21Z");
    assert_eq!(avail["since"], "2026-11-23T09:30:21Z");
    assert!(
        avail["received"]
            .as_str()
            .unwrap()
            .parse::<Timestamp>()
            .is_ok()
    );
    let in_adherence = tcp
        .until(|e| e["type"] == "adherence" && e["employee"] == "E1" && e["status"] == "in")
        .await;
    assert_eq!(in_adherence["scheduled_activity"], "Phone");
    assert_eq!(in_adherence["actual_activity"], "Phone");
    let acd = sse.until(agent_status("40102", "ACDIN")).await;
    assert_eq!(acd["employee"], Value::Null);
    assert_eq!(acd["phase"], "talking");
    assert_eq!(acd["time"], "2026-11-23T09:28:46Z");

    // 40101 goes on break (AUX 2), 40102 is absent from a completed batch: logged out.
    let second = batch(
        "2026-11-23 09:31:06",
        &[row("40101", WorkMode::Aux, Some(2), 2)],
    );
    cms.write_all(&second).await.unwrap();
    let aux = tcp.until(agent_status("40101", "AUX")).await;
    assert_eq!(aux["reason"], 2);
    assert_eq!(aux["activity"], "Break");
    assert_eq!(aux["time"], "2026-11-23T09:31:04Z");
    let out = tcp
        .until(|e| e["type"] == "adherence" && e["employee"] == "E1" && e["status"] == "out")
        .await;
    assert_eq!(out["actual_activity"], "Break");
    let logged_out = sse.until(agent_status("40102", "UNSTAFF")).await;
    assert_eq!(logged_out["phase"], "logged_out");
    assert_eq!(logged_out["time"], "2026-11-23T09:31:06Z");
    let logged_out = tcp.until(agent_status("40102", "UNSTAFF")).await;
    assert!(logged_out["seq"].as_u64() > aux["seq"].as_u64());
    engine.shutdown();
}

#[tokio::test]
async fn cic_snapshot_gives_every_user() {
    let start_time = at("2026-11-23T08:00:00Z");
    let server = CicServer::start(CicServerConfig::manual(CicSimConfig::new(5, 7, start_time)))
        .await
        .unwrap();
    let users = server.truth().users;
    // The baseline connects at once; a relay in front of the server lets the connection
    // through only once the subscriber is subscribed, so no snapshot event is missed.
    let relay = tokio::net::TcpListener::bind(loopback()).await.unwrap();
    let engine = start(vec![relay.local_addr().unwrap()]);
    let mut tcp = MsgpackSubscriber::connect(&engine).await;
    let (mut baseline_side, _) = relay.accept().await.unwrap();
    let mut server_side = TcpStream::connect(server.local_addr()).await.unwrap();
    let relaying = tokio::spawn(async move {
        let _ = tokio::io::copy_bidirectional(&mut baseline_side, &mut server_side).await;
    });

    let mut seen = std::collections::BTreeSet::new();
    while seen.len() < users.len() {
        let event = tcp
            .until(|e| e["type"] == "agent_status" && e["integration"] == "cic")
            .await;
        seen.insert(event["external_id"].as_str().unwrap().to_string());
    }
    let expected: std::collections::BTreeSet<String> =
        users.iter().map(|user| user.user_id.to_string()).collect();
    assert_eq!(seen, expected);
    engine.shutdown();
    relaying.abort();
    server.kill().await;
}

async fn post(url: &str, body: &str) -> String {
    let rest = url.trim_start_matches("http://");
    let (address, path) = rest.split_at(rest.find('/').unwrap());
    let mut stream = TcpStream::connect(address).await.unwrap();
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: naive\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    answer.lines().next().unwrap_or_default().to_string()
}

#[tokio::test]
async fn odigo_post_gives_an_event_and_a_wrong_token_404() {
    let engine = start(vec![]);
    let mut tcp = MsgpackSubscriber::connect(&engine).await;
    let url = engine.odigo_url().unwrap();
    assert!(url.ends_with("/odigo/s3cret-token"), "{url}");
    let body = r#"{"eventType":"AGENT_STATE_CHANGED","timestamp":"2026-11-23T12:00:05.123Z",
        "agent":{"login":"jdoe@acme.example"},"state":"pause","pause":{"code":"7","label":"Lunch"}}"#;
    assert_eq!(post(&url, body).await, "HTTP/1.1 204 No Content");
    let pause = tcp.until(agent_status("jdoe@acme.example", "PAUSE")).await;
    assert_eq!(pause["integration"], "odigo");
    assert_eq!(pause["phase"], "away");
    assert_eq!(pause["reason"], "7");
    assert_eq!(pause["detail"], "Lunch");
    assert_eq!(pause["time"], "2026-11-23T12:00:05.123Z");

    let wrong = url.replace(TOKEN, "guess");
    assert_eq!(post(&wrong, body).await, "HTTP/1.1 404 Not Found");
    assert_eq!(
        post(&url, r#"{"state":"READY"}"#).await,
        "HTTP/1.1 400 Bad Request"
    );
    engine.shutdown();
}
