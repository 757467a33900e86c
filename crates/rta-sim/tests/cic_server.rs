//! The CIC feed server over loopback TCP, read by raw sockets: snapshot then changes to
//! several clients in both dialects, every fault, kill, determinism, a paced clock across
//! the autumn DST change.

use jiff::{SignedDuration, Timestamp};
use rta_model::Zone;
use rta_sim::cic::{
    CicFaults, CicServer, CicServerConfig, CicServerHandle, CicSimConfig, Dialect, Fault,
};
use serde_json::Value;
use std::collections::HashMap;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::net::TcpStream;

const WAIT: Duration = Duration::from_secs(10);

fn start() -> Timestamp {
    "2026-11-23T08:00:00Z".parse().unwrap()
}

fn config(users: usize, dialect: Dialect) -> CicSimConfig {
    let mut config = CicSimConfig::new(users, 11, start());
    config.dialect = dialect;
    config.tick = SignedDuration::from_secs(5);
    config
}

async fn server(config: CicSimConfig) -> CicServerHandle {
    CicServer::start(CicServerConfig::manual(config))
        .await
        .unwrap()
}

struct Client {
    reader: BufReader<TcpStream>,
}

impl Client {
    async fn connect(server: &CicServerHandle) -> Client {
        let socket = TcpStream::connect(server.local_addr()).await.unwrap();
        Client {
            reader: BufReader::new(socket),
        }
    }

    /// The next line with its line end, empty at the end of the stream.
    async fn line(&mut self) -> Vec<u8> {
        let mut line = Vec::new();
        tokio::time::timeout(WAIT, self.reader.read_until(b'\n', &mut line))
            .await
            .expect("a line in time")
            .unwrap();
        line
    }

    async fn text_line(&mut self) -> String {
        let line = self.line().await;
        String::from_utf8(line).unwrap().trim_end().to_owned()
    }

    /// Lines up to and including the first that satisfies `last`.
    async fn lines_until(&mut self, last: impl Fn(&str) -> bool) -> Vec<String> {
        let mut lines = Vec::new();
        loop {
            let line = self.line().await;
            assert!(!line.is_empty(), "the stream ended after {lines:?}");
            let line = String::from_utf8_lossy(&line).trim_end().to_owned();
            let done = last(&line);
            lines.push(line);
            if done {
                return lines;
            }
        }
    }

    /// Everything up to the end of the stream.
    async fn rest(&mut self) -> Vec<u8> {
        let mut bytes = Vec::new();
        tokio::time::timeout(WAIT, self.reader.read_to_end(&mut bytes))
            .await
            .expect("the end in time")
            .unwrap();
        bytes
    }

    /// Nothing arrives within `wait`, and the connection is not closed.
    async fn expect_quiet(&mut self, wait: Duration) {
        let mut byte = [0u8; 1];
        match tokio::time::timeout(wait, self.reader.read(&mut byte)).await {
            Err(_) => {}
            Ok(read) => panic!("expected silence, got {read:?} {byte:?}"),
        }
    }
}

/// The fields of a line-dialect record, `\|` and `\\` unescaped.
fn fields(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => fields.last_mut().unwrap().extend(chars.next()),
            '|' => fields.push(String::new()),
            c => fields.last_mut().unwrap().push(c),
        }
    }
    fields
}

/// Each user's line as the server would write it now.
fn expected_lines(server: &CicServerHandle) -> HashMap<String, String> {
    server.with_sim(|sim| {
        sim.users()
            .iter()
            .map(|user| {
                let mut out = Vec::new();
                rta_cic::line_status(&mut out, &user.encoded(sim.wire_time(user.presence.since)));
                let line = String::from_utf8(out).unwrap().trim_end().to_owned();
                (user.user_id.to_string(), line)
            })
            .collect()
    })
}

/// Reads a line-dialect snapshot: the users' lines by user id.
async fn line_snapshot(client: &mut Client) -> HashMap<String, String> {
    let begin = client.text_line().await;
    assert!(begin.starts_with("SNAPSHOT|BEGIN|"), "{begin}");
    let lines = client.lines_until(|l| l.starts_with("SNAPSHOT|END|")).await;
    let mut users = HashMap::new();
    for line in &lines[..lines.len() - 1] {
        assert!(line.starts_with("STATUS|"), "{line}");
        users.insert(fields(line)[2].clone(), line.clone());
    }
    users
}

fn heartbeat(time: Timestamp) -> String {
    format!("HEARTBEAT|{}", time.strftime("%Y-%m-%d %H:%M:%S"))
}

#[tokio::test]
async fn two_line_clients_get_the_snapshot_then_every_change() {
    let server = server(config(25, Dialect::Line)).await;
    let mut first = Client::connect(&server).await;
    let mut second = Client::connect(&server).await;
    let snapshot = expected_lines(&server);
    let mut states = [
        line_snapshot(&mut first).await,
        line_snapshot(&mut second).await,
    ];
    assert_eq!(states[0], snapshot);
    assert_eq!(states[1], snapshot);
    assert_eq!(server.stats().accepted, 2);
    // Ten minutes of changes and heartbeats.
    let now = server.tick(120);
    let mut streams = Vec::new();
    for (client, state) in [&mut first, &mut second].into_iter().zip(&mut states) {
        let lines = client.lines_until(|l| l == heartbeat(now)).await;
        for line in &lines {
            if line.starts_with("STATUS|") {
                state.insert(fields(line)[2].clone(), line.clone());
            } else {
                assert!(line.starts_with("HEARTBEAT|"), "{line}");
            }
        }
        streams.push(lines);
    }
    assert_eq!(streams[0], streams[1]);
    assert_eq!(
        streams[0]
            .iter()
            .filter(|l| l.starts_with("HEARTBEAT"))
            .count(),
        20
    );
    assert!(
        streams[0].len() > 20 + 25,
        "users changed: {}",
        streams[0].len()
    );
    let truth = expected_lines(&server);
    assert_eq!(states[0], truth);
    assert_eq!(states[1], truth);
    // A client connecting now gets the current state as its snapshot.
    let mut third = Client::connect(&server).await;
    assert_eq!(line_snapshot(&mut third).await, truth);
    assert_eq!(server.truth().now, now);
    assert_eq!(server.stats().open, 3);
}

/// Applies an icws user status message to `users` (user id -> status), checking its shape.
fn apply_icws(users: &mut HashMap<String, Value>, message: &Value) -> bool {
    assert_eq!(message["__type"], "urn:inin.com:status:userStatusMessage");
    let delta = message["isDelta"].as_bool().unwrap();
    if !delta {
        users.clear();
    }
    for status in message["userStatusList"].as_array().unwrap() {
        users.insert(
            status["userId"].as_str().unwrap().to_owned(),
            status.clone(),
        );
    }
    delta
}

fn icws_truth(server: &CicServerHandle) -> HashMap<String, Value> {
    server
        .truth()
        .users
        .iter()
        .map(|user| {
            let p = &user.presence;
            let status = serde_json::json!({
                "userId": &*user.user_id,
                "statusId": p.status.key,
                "statusChanged": p.since.strftime("%Y%m%dT%H%M%SZ").to_string(),
                "loggedIn": p.logged_in,
                "onPhone": p.on_phone,
                "stations": user.station().into_iter().collect::<Vec<_>>(),
            });
            (user.user_id.to_string(), status)
        })
        .collect()
}

#[tokio::test]
async fn two_icws_clients_get_definitions_a_snapshot_then_deltas() {
    let server = server(config(25, Dialect::Icws)).await;
    let mut clients = [
        Client::connect(&server).await,
        Client::connect(&server).await,
    ];
    let mut states = [HashMap::new(), HashMap::new()];
    for (client, state) in clients.iter_mut().zip(&mut states) {
        let definitions: Value = serde_json::from_str(&client.text_line().await).unwrap();
        assert_eq!(
            definitions["__type"],
            "urn:inin.com:status:statusMessagesMessage"
        );
        let list = definitions["statusMessageList"].as_array().unwrap();
        let acw_manual = list
            .iter()
            .find(|d| d["statusId"] == "ACW - Manual")
            .unwrap();
        assert_eq!(acw_manual["groupTag"], "FOLLOWUP");
        assert_eq!(acw_manual["isAfterCallWorkStatus"], true);
        let snapshot: Value = serde_json::from_str(&client.text_line().await).unwrap();
        assert!(!apply_icws(state, &snapshot));
        assert_eq!(*state, icws_truth(&server));
    }
    server.tick(120);
    let end = server.truth();
    let mut streams = Vec::new();
    for (client, state) in clients.iter_mut().zip(&mut states) {
        // Read until every user is as the truth says and the last heartbeat (an empty
        // delta) came.
        let mut lines = Vec::new();
        let mut heartbeats = 0;
        while heartbeats < 20 {
            let line = client.text_line().await;
            let message: Value = serde_json::from_str(&line).unwrap();
            assert!(apply_icws(state, &message));
            if message["userStatusList"].as_array().unwrap().is_empty() {
                heartbeats += 1;
            }
            lines.push(line);
        }
        assert_eq!(*state, icws_truth(&server));
        streams.push(lines);
    }
    assert_eq!(streams[0], streams[1]);
    assert_eq!(end.now, start() + SignedDuration::from_secs(600));
}

#[tokio::test]
async fn a_snapshot_is_cut_mid_way_then_the_next_connection_gets_it_whole() {
    for dialect in [Dialect::Line, Dialect::Icws] {
        let server = server(config(30, dialect)).await;
        server.inject(Fault::DropMidSnapshot { connections: 2 });
        for _ in 0..2 {
            let mut cut = Client::connect(&server).await;
            let bytes = cut.rest().await;
            let text = String::from_utf8_lossy(&bytes);
            match dialect {
                Dialect::Line => {
                    assert!(text.starts_with("SNAPSHOT|BEGIN|"), "{text}");
                    assert!(!text.contains("SNAPSHOT|END"), "{text}");
                }
                Dialect::Icws => {
                    let lines: Vec<&str> = text.split('\n').collect();
                    assert_eq!(lines.len(), 2, "definitions, then part of the snapshot");
                    assert!(lines[1].starts_with('{') && !lines[1].ends_with("]}"));
                }
            }
        }
        let mut whole = Client::connect(&server).await;
        match dialect {
            Dialect::Line => assert_eq!(line_snapshot(&mut whole).await, expected_lines(&server)),
            Dialect::Icws => {
                whole.line().await;
                let snapshot: Value = serde_json::from_str(&whole.text_line().await).unwrap();
                let mut users = HashMap::new();
                apply_icws(&mut users, &snapshot);
                assert_eq!(users, icws_truth(&server));
            }
        }
        let stats = server.stats();
        assert_eq!((stats.accepted, stats.snapshots_cut), (3, 2));
    }
}

#[tokio::test]
async fn silence_keeps_the_connection_open_and_sends_nothing() {
    let server = server(config(10, Dialect::Line)).await;
    let mut silent = Client::connect(&server).await;
    line_snapshot(&mut silent).await;
    server.inject(Fault::Silence);
    let now = server.tick(60);
    silent.expect_quiet(Duration::from_millis(50)).await;
    assert_eq!(server.stats().open, 1, "still open");
    assert_eq!(server.stats().silenced, 1);
    // A new connection is served as usual.
    let mut fresh = Client::connect(&server).await;
    assert_eq!(line_snapshot(&mut fresh).await, expected_lines(&server));
    let later = server.tick(6);
    fresh.lines_until(|l| l == heartbeat(later)).await;
    assert!(later > now);
    silent.expect_quiet(Duration::from_millis(20)).await;
    // The silent connection ends with the server.
    server.kill().await;
    assert!(silent.rest().await.is_empty());
}

#[tokio::test]
async fn a_hung_server_accepts_and_sends_nothing_until_it_recovers() {
    let server = server(config(10, Dialect::Line)).await;
    let mut before = Client::connect(&server).await;
    line_snapshot(&mut before).await;
    server.inject(Fault::Hang);
    let mut during = Client::connect(&server).await;
    server.tick(12);
    before.expect_quiet(Duration::from_millis(30)).await;
    during.expect_quiet(Duration::from_millis(30)).await;
    assert_eq!(server.stats().open, 2);
    server.inject(Fault::Recover);
    let mut after = Client::connect(&server).await;
    assert_eq!(line_snapshot(&mut after).await, expected_lines(&server));
    during.expect_quiet(Duration::from_millis(10)).await;
    assert_eq!(server.stats().silenced, 2);
}

#[tokio::test]
async fn garbage_comes_between_records() {
    for dialect in [Dialect::Line, Dialect::Icws] {
        let mut config = config(10, dialect);
        config.heartbeat = Some(SignedDuration::from_secs(5));
        let server = server(config).await;
        let mut client = Client::connect(&server).await;
        let greeting = server.with_sim(|sim| sim.greeting().bytes);
        let mut got = Vec::new();
        while got.len() < greeting.len() {
            got.extend(client.line().await);
        }
        assert_eq!(got, greeting);
        server.inject(Fault::Garbage { lines: 12 });
        server.tick(1);
        let mut lines = Vec::new();
        for _ in 0..12 {
            lines.push(client.line().await);
        }
        // Then the tick: its heartbeat comes last.
        let beat = loop {
            let line = client.line().await;
            let text = String::from_utf8_lossy(&line).into_owned();
            match dialect {
                Dialect::Line if text.starts_with("HEARTBEAT|") => break text,
                Dialect::Icws if text.ends_with("\"userStatusList\":[]}\n") => break text,
                _ => {}
            }
        };
        assert!(!beat.is_empty());
        let end: &[u8] = if dialect == Dialect::Line {
            b"\r\n"
        } else {
            b"\n"
        };
        for line in &lines {
            assert!(line.ends_with(end), "{line:?}");
            let text = String::from_utf8_lossy(line);
            assert!(!text.starts_with("HEARTBEAT") && !text.contains("\"userId\""));
            if let Some(rest) = text.strip_prefix("STATUS|") {
                let f = fields(rest);
                assert!(
                    f.len() < 3 || f[1].is_empty(),
                    "no user id or no key: {text}"
                );
            }
        }
        assert!(lines.iter().any(|l| std::str::from_utf8(l).is_err()));
        assert!(lines.iter().any(|l| l.len() == end.len()), "a blank line");
        assert_eq!(server.stats().garbage_lines, 12);
        // An over-long line too.
        server.inject(Fault::OverLongLine { bytes: 100_000 });
        let long = client.line().await;
        assert_eq!(long.len(), 100_000 + end.len());
    }
}

#[tokio::test]
async fn split_writes_deliver_the_same_bytes_in_tiny_pieces() {
    let server = server(config(15, Dialect::Line)).await;
    server.inject(Fault::SplitWrites(Some(3)));
    let mut client = Client::connect(&server).await;
    assert_eq!(line_snapshot(&mut client).await, expected_lines(&server));
    let now = server.tick(12);
    client.lines_until(|l| l == heartbeat(now)).await;
    let stats = server.stats();
    assert!(stats.writes >= stats.bytes / 3, "{stats:?}");
    assert!(stats.writes > 100, "{stats:?}");
    // Whole writes again.
    server.inject(Fault::SplitWrites(None));
    let writes = server.stats().writes;
    let now = server.tick(6);
    client.lines_until(|l| l == heartbeat(now)).await;
    assert!(server.stats().writes - writes <= 6);
}

#[tokio::test]
async fn disconnect_closes_every_connection_and_clients_come_back() {
    let server = server(config(10, Dialect::Line)).await;
    let mut clients = [
        Client::connect(&server).await,
        Client::connect(&server).await,
    ];
    for client in &mut clients {
        line_snapshot(client).await;
    }
    server.tick(10);
    server.inject(Fault::Disconnect);
    let now = server.tick(10);
    for client in &mut clients {
        let rest = String::from_utf8(client.rest().await).unwrap();
        assert!(
            !rest.contains(&heartbeat(now)),
            "nothing after the disconnect"
        );
    }
    assert_eq!(server.stats().disconnects, 2);
    let mut back = Client::connect(&server).await;
    assert_eq!(line_snapshot(&mut back).await, expected_lines(&server));
}

#[tokio::test]
async fn kill_closes_the_listener_and_every_connection() {
    let server = server(config(10, Dialect::Icws)).await;
    let addr = server.local_addr();
    let mut clients = [
        Client::connect(&server).await,
        Client::connect(&server).await,
    ];
    for client in &mut clients {
        client.line().await;
        client.line().await;
    }
    server.inject(Fault::Silence);
    server.kill().await;
    assert!(server.is_killed());
    for client in &mut clients {
        assert!(client.rest().await.is_empty());
    }
    assert!(TcpStream::connect(addr).await.is_err(), "refused");
    assert_eq!(server.stats().open, 0);
    assert_eq!(server.truth().users.len(), 10, "the truth stays readable");
    // A new server can take the same address.
    let mut config = config(10, Dialect::Icws);
    config.seed = 99;
    let again = CicServer::start(CicServerConfig {
        listen: addr.to_string(),
        ..CicServerConfig::manual(config)
    })
    .await
    .unwrap();
    let mut client = Client::connect(&again).await;
    assert!(client.text_line().await.contains("statusMessagesMessage"));
}

/// Two servers of the same configuration send the same bytes, faults included.
#[tokio::test]
async fn the_same_seed_gives_the_same_stream_over_tcp() {
    let mut streams = Vec::new();
    for _ in 0..2 {
        let mut config = config(20, Dialect::Line);
        config.faults = CicFaults {
            garbage: 0.3,
            ..CicFaults::none()
        };
        let server = server(config).await;
        let mut client = Client::connect(&server).await;
        line_snapshot(&mut client).await;
        let now = server.tick(60);
        streams.push(client.lines_until(|l| l == heartbeat(now)).await);
    }
    assert_eq!(streams[0], streams[1]);
    assert!(streams[0].iter().any(|l| l == "GARBAGE" || l.is_empty()));
}

#[tokio::test]
async fn configured_faults_fire_by_themselves() {
    let mut config = config(10, Dialect::Line);
    config.faults.drop_snapshot = 1.0;
    let server = server(config).await;
    let mut client = Client::connect(&server).await;
    assert!(!String::from_utf8_lossy(&client.rest().await).contains("SNAPSHOT|END"));
    let mut config = self::config(10, Dialect::Line);
    config.faults.disconnect = 1.0;
    let server = self::server(config).await;
    let mut client = Client::connect(&server).await;
    line_snapshot(&mut client).await;
    server.tick(1);
    client.rest().await;
    assert_eq!(server.stats().disconnects, 1);
}

/// A paced clock of a minute per 2 ms, started at 00:30 in New York on the fall-back night:
/// the line dialect writes the repeated hour twice, without offsets.
#[tokio::test]
async fn a_paced_clock_crosses_the_autumn_change_in_local_time() {
    let start: Timestamp = "2026-11-01T04:30:00Z".parse().unwrap();
    let mut config = CicSimConfig::new(20, 3, start);
    config.zone = Zone::get("America/New_York").unwrap();
    config.tick = SignedDuration::from_secs(60);
    config.heartbeat = Some(SignedDuration::from_secs(600));
    config.history = true;
    let server = CicServer::start(CicServerConfig {
        interval: Some(Duration::from_millis(2)),
        ..CicServerConfig::manual(config)
    })
    .await
    .unwrap();
    let mut client = Client::connect(&server).await;
    // The server may have ticked a few times before it accepted the connection.
    let begin = client.text_line().await;
    let local: jiff::civil::DateTime = begin
        .strip_prefix("SNAPSHOT|BEGIN|")
        .unwrap()
        .parse()
        .unwrap();
    let zone = Zone::get("America/New_York").unwrap();
    let snapshot_time = zone.resolve(local, None).unwrap();
    assert!(
        snapshot_time < "2026-11-01T05:00:00Z".parse().unwrap(),
        "{begin}"
    );
    let snapshot = client.lines_until(|l| l.starts_with("SNAPSHOT|END|")).await;
    assert_eq!(snapshot.len(), 21);
    let lines = client
        .lines_until(|l| l == "HEARTBEAT|2026-11-01 02:10:00")
        .await;
    server.kill().await;
    let beats: Vec<&str> = lines
        .iter()
        .filter_map(|l| l.strip_prefix("HEARTBEAT|2026-11-01 "))
        .collect();
    let expected = [
        "00:40:00", "00:50:00", "01:00:00", "01:10:00", "01:20:00", "01:30:00", "01:40:00",
        "01:50:00", "01:00:00", "01:10:00", "01:20:00", "01:30:00", "01:40:00", "01:50:00",
        "02:00:00", "02:10:00",
    ];
    assert!(expected.ends_with(&beats), "{beats:?}");
    assert_eq!(beats.iter().filter(|&&b| b == "01:30:00").count(), 2);
    // Each change is written as the local time of its instant (the repeated hour without
    // offsets), in the order of the history.
    let history = server.history();
    let after: Vec<_> = history
        .iter()
        .filter(|c| c.presence.since > snapshot_time)
        .collect();
    let sent: Vec<&String> = lines.iter().filter(|l| l.starts_with("STATUS|")).collect();
    assert!(
        sent.len() >= 20 && sent.len() <= after.len(),
        "{} {}",
        sent.len(),
        after.len()
    );
    let tz = jiff::tz::TimeZone::get("America/New_York").unwrap();
    for (line, change) in sent.iter().zip(after) {
        let local = change.presence.since.to_zoned(tz.clone()).datetime();
        let fields = fields(line);
        assert_eq!(fields[1], local.strftime("%Y-%m-%d %H:%M:%S").to_string());
        assert_eq!(fields[2], &*change.user_id);
    }
    let repeated = |c: &&&String| {
        let time = &fields(c)[1];
        time.as_str() >= "2026-11-01 01:00:00" && time.as_str() < "2026-11-01 02:00:00"
    };
    assert!(sent.iter().filter(repeated).count() > 5);
}
