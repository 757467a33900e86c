//! The output sinks over real sockets and real HTTP: NDJSON into a pipe and a file, the TCP
//! MessagePack server, the SSE endpoint; filters, resume, errors, shutdown, lag.

mod support;

use rta_engine::sinks::{Control, MsgpackServer, NdjsonSink, ServerConfig, SseServer};
use rta_engine::{Bus, EventKind, Filter, SnapshotSource, SubscribeOptions};
use rta_model::{Event, EventBody};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpSocket, TcpStream};

use support::{adherence, at, feed, status};

/// How long a test waits for something that happens at once when the code is right: a guard
/// that turns a hang into a failure, never a way to order tasks.
const GUARD: Duration = Duration::from_secs(30);

/// The current status of each agent, as the state table keeps it: what a lagged consumer's
/// snapshot is made of.
#[derive(Debug, Default)]
struct Statuses(Mutex<BTreeMap<String, Event>>);

impl SnapshotSource for Statuses {
    fn snapshot(&self, _filter: &Filter) -> Vec<Event> {
        self.0.lock().unwrap().values().cloned().collect()
    }
}

/// A bus over [`Statuses`], and what has been published on it.
struct World {
    bus: Bus,
    statuses: Arc<Statuses>,
    published: Vec<Event>,
}

impl World {
    fn new() -> World {
        let statuses = Arc::new(Statuses::default());
        let bus = Bus::builder(statuses.clone()).build();
        World {
            bus,
            statuses,
            published: Vec::new(),
        }
    }

    /// Publishes `body` (recording an agent's status first, as the engine does) and returns
    /// the event as published.
    fn publish(&mut self, body: EventBody) -> Event {
        let seq = self.bus.publish(at(), body.clone());
        let event = Event {
            seq,
            time: at(),
            body,
        };
        if let EventBody::AgentStatus(status) = &event.body {
            self.statuses
                .0
                .lock()
                .unwrap()
                .insert(status.external_id.to_string(), event.clone());
        }
        self.published.push(event.clone());
        event
    }

    /// A mix of every kind the filters below tell apart, for agents A1..A3 (employees E1..E3)
    /// on integrations `cms` and `cic`.
    fn publish_mix(&mut self, rounds: usize) {
        for round in 0..rounds {
            for agent in 1..=3 {
                let integration = if agent == 3 { "cic" } else { "cms" };
                let code = format!("AUX{round}");
                self.publish(status(
                    integration,
                    &format!("A{agent}"),
                    Some(&format!("E{agent}")),
                    &code,
                ));
                self.publish(adherence(&format!("E{agent}"), Some("Phone")));
            }
            self.publish(feed("cms"));
        }
    }

    /// What was published that `filter` lets through.
    fn matching(&self, filter: &Filter) -> Vec<Event> {
        self.published
            .iter()
            .filter(|event| filter.matches(event, &rta_engine::NoTeams))
            .cloned()
            .collect()
    }
}

fn localhost() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

/// What a consumer reads: an event, or a control message.
#[derive(Debug, Clone, PartialEq)]
enum Message {
    Event(Box<Event>),
    Control(Control),
}

impl Message {
    fn event(self) -> Event {
        match self {
            Message::Event(event) => *event,
            Message::Control(control) => panic!("expected an event, got {control:?}"),
        }
    }
}

/// A TCP MessagePack consumer.
struct TcpClient {
    stream: BufReader<TcpStream>,
}

impl TcpClient {
    /// Connects and sends `hello` (a line without its `\n`).
    async fn send_hello(addr: SocketAddr, hello: &str) -> TcpClient {
        TcpClient::send_hello_on(TcpSocket::new_v4().unwrap(), addr, hello).await
    }

    async fn send_hello_on(socket: TcpSocket, addr: SocketAddr, hello: &str) -> TcpClient {
        let mut stream = socket.connect(addr).await.unwrap();
        stream.write_all(hello.as_bytes()).await.unwrap();
        stream.write_all(b"\n").await.unwrap();
        TcpClient {
            stream: BufReader::new(stream),
        }
    }

    /// Subscribes to everything (as [`TcpClient::subscribe`]) with a small receive buffer,
    /// so that the socket cannot absorb the whole stream of a consumer that does not read.
    async fn subscribe_small(addr: SocketAddr) -> TcpClient {
        let socket = TcpSocket::new_v4().unwrap();
        socket.set_recv_buffer_size(4096).unwrap();
        let mut client = TcpClient::send_hello_on(socket, addr, "").await;
        assert_eq!(
            client.next().await,
            Some(Message::Control(Control::Subscribed))
        );
        client
    }

    /// Connects with `hello` and waits for the server's `subscribed`.
    async fn subscribe(addr: SocketAddr, hello: &str) -> TcpClient {
        let mut client = TcpClient::send_hello(addr, hello).await;
        assert_eq!(
            client.next().await,
            Some(Message::Control(Control::Subscribed))
        );
        client
    }

    /// The next frame, decoded; `None` at EOF.
    async fn next(&mut self) -> Option<Message> {
        let mut length = [0u8; 4];
        match tokio::time::timeout(GUARD, self.stream.read_exact(&mut length))
            .await
            .expect("a frame before the guard")
        {
            Ok(_) => {}
            Err(error) if error.kind() == std::io::ErrorKind::UnexpectedEof => return None,
            Err(error) => panic!("reading a frame: {error}"),
        }
        let mut payload = vec![0u8; u32::from_be_bytes(length) as usize];
        self.stream.read_exact(&mut payload).await.unwrap();
        // A control frame's `type` is none of the event kinds, and the other way round.
        Some(match rmp_serde::from_slice::<Control>(&payload) {
            Ok(control) => Message::Control(control),
            Err(_) => Message::Event(Box::new(Event::from_msgpack(&payload).unwrap())),
        })
    }

    /// The next `count` messages, which must all be events.
    async fn events(&mut self, count: usize) -> Vec<Event> {
        let mut events = Vec::with_capacity(count);
        while events.len() < count {
            events.push(self.next().await.expect("an event, not EOF").event());
        }
        events
    }

    /// Every message up to EOF.
    async fn rest(&mut self) -> Vec<Message> {
        let mut messages = Vec::new();
        while let Some(message) = self.next().await {
            messages.push(message);
        }
        messages
    }
}

/// One SSE message as read off the wire.
#[derive(Debug, Clone, PartialEq)]
struct SseMessage {
    id: Option<u64>,
    event: String,
    data: String,
}

/// An SSE consumer reading the body chunk by chunk.
struct SseClient {
    response: reqwest::Response,
    buffer: String,
    /// `: keep-alive` comments seen.
    heartbeats: usize,
}

impl SseClient {
    async fn get(addr: SocketAddr, query: &str, last_event_id: Option<u64>) -> reqwest::Response {
        let mut request = reqwest::Client::new().get(format!("http://{addr}/events{query}"));
        if let Some(id) = last_event_id {
            request = request.header("Last-Event-ID", id.to_string());
        }
        tokio::time::timeout(GUARD, request.send())
            .await
            .unwrap()
            .unwrap()
    }

    /// Opens the stream; the subscription is live once the answer's head has arrived.
    async fn open(addr: SocketAddr, query: &str, last_event_id: Option<u64>) -> SseClient {
        let response = SseClient::get(addr, query, last_event_id).await;
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "text/event-stream");
        SseClient {
            response,
            buffer: String::new(),
            heartbeats: 0,
        }
    }

    /// The next message (comments are counted, not returned); `None` at the end of the body.
    async fn next(&mut self) -> Option<SseMessage> {
        loop {
            while let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                if let Some(message) = self.parse(&block) {
                    return Some(message);
                }
            }
            let chunk = tokio::time::timeout(GUARD, self.response.chunk())
                .await
                .expect("a chunk before the guard")
                .unwrap()?;
            self.buffer.push_str(std::str::from_utf8(&chunk).unwrap());
        }
    }

    fn parse(&mut self, block: &str) -> Option<SseMessage> {
        let mut message = SseMessage {
            id: None,
            event: String::new(),
            data: String::new(),
        };
        for line in block.lines().filter(|line| !line.is_empty()) {
            if line == ": keep-alive" {
                self.heartbeats += 1;
                return None;
            }
            let (field, value) = line.split_once(": ").expect("field: value");
            match field {
                "id" => message.id = Some(value.parse().unwrap()),
                "event" => message.event = value.to_owned(),
                "data" => message.data = value.to_owned(),
                other => panic!("unexpected field {other}"),
            }
        }
        Some(message)
    }

    /// The next `count` messages, which must all be events: each checked against its `id` and
    /// `event` fields.
    async fn events(&mut self, count: usize) -> Vec<Event> {
        let mut events = Vec::with_capacity(count);
        while events.len() < count {
            let message = self.next().await.expect("an event, not the end");
            let event = Event::from_json(&message.data).unwrap();
            assert_eq!(message.id, Some(event.seq));
            assert_eq!(message.event, EventKind::of(&event.body).as_str());
            events.push(event);
        }
        events
    }
}

#[tokio::test]
async fn ndjson_lines_are_the_events_json_in_seq_order() {
    let mut world = World::new();
    let (writer, mut reader) = tokio::io::duplex(256);
    let sink = NdjsonSink::spawn(&world.bus, SubscribeOptions::new(Filter::all()), writer).unwrap();
    // The pipe holds 256 bytes: the sink writes while the reader reads.
    let read = tokio::spawn(async move {
        let mut text = String::new();
        reader.read_to_string(&mut text).await.unwrap();
        text
    });
    world.publish_mix(5);
    sink.shutdown().await.unwrap();
    let text = tokio::time::timeout(GUARD, read).await.unwrap().unwrap();
    let expected: String = world
        .published
        .iter()
        .map(|event| event.to_json() + "\n")
        .collect();
    assert_eq!(text, expected);
}

#[tokio::test]
async fn ndjson_appends_to_a_file_it_creates_or_continues() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.ndjson");
    let mut world = World::new();
    let options = || SubscribeOptions::new(Filter::all().kinds([EventKind::Feed]));
    let first = NdjsonSink::append_to(&path, &world.bus, options())
        .await
        .unwrap();
    let one = world.publish(feed("cms"));
    world.publish(adherence("E1", Some("Phone")));
    first.shutdown().await.unwrap();
    let second = NdjsonSink::append_to(&path, &world.bus, options())
        .await
        .unwrap();
    let two = world.publish(feed("cic"));
    second.shutdown().await.unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text, format!("{}\n{}\n", one.to_json(), two.to_json()));
}

#[tokio::test]
async fn ndjson_tells_a_slow_writer_what_it_missed_then_the_snapshot() {
    let mut world = World::new();
    let (writer, mut reader) = tokio::io::duplex(64 * 1024);
    let sink = NdjsonSink::spawn(
        &world.bus,
        SubscribeOptions::new(Filter::all()).capacity(4),
        writer,
    )
    .unwrap();
    // On this single-threaded runtime the sink cannot run while the test publishes: 4 events
    // fit its queue, the other 17 are missed, and publishing never waits for it.
    world.publish_mix(3);
    assert_eq!(world.published.len(), 21);
    let read = tokio::spawn(async move {
        let mut text = String::new();
        reader.read_to_string(&mut text).await.unwrap();
        text
    });
    // Whether the sink resynchronises before the stop or while draining at the stop, the
    // lagged notice and the snapshot are part of what it writes.
    let last = world.published.last().unwrap().seq;
    sink.shutdown().await.unwrap();
    let text = tokio::time::timeout(GUARD, read).await.unwrap().unwrap();
    let lines: Vec<&str> = text.lines().collect();
    for (line, event) in lines[..4].iter().zip(&world.published) {
        assert_eq!(*line, event.to_json());
    }
    assert_eq!(lines[4], r#"{"type":"lagged","missed":17}"#);
    assert_eq!(
        lines[5],
        format!(r#"{{"type":"snapshot","as_of":{last},"events":3}}"#)
    );
    let snapshot: Vec<Event> = lines[6..]
        .iter()
        .map(|line| Event::from_json(line).unwrap())
        .collect();
    let mut current: Vec<Event> = world.statuses.0.lock().unwrap().values().cloned().collect();
    for event in &mut current {
        event.seq = last;
    }
    assert_eq!(snapshot, current);
}

#[tokio::test]
async fn tcp_subscribers_with_different_filters_each_get_exactly_theirs_in_order() {
    let mut world = World::new();
    let server = MsgpackServer::start(localhost(), world.bus.clone())
        .await
        .unwrap();
    let addr = server.local_addr();
    let mut cms = TcpClient::subscribe(
        addr,
        r#"{"filter":{"kinds":["agent_status","feed"],"integrations":["cms"]}}"#,
    )
    .await;
    let mut e3 = TcpClient::subscribe(
        addr,
        r#"{"filter":{"employees":["E3"],"kinds":["adherence"]}}"#,
    )
    .await;
    let mut everything = TcpClient::subscribe(addr, "").await;
    world.publish_mix(20);

    let cms_filter = Filter::all()
        .kinds([EventKind::AgentStatus, EventKind::Feed])
        .integrations(["cms"]);
    let e3_filter = Filter::all()
        .kinds([EventKind::Adherence])
        .employees(["E3"]);
    let cms_expected = world.matching(&cms_filter);
    let e3_expected = world.matching(&e3_filter);
    assert_eq!(cms_expected.len(), 60);
    assert_eq!(e3_expected.len(), 20);
    assert_eq!(cms.events(cms_expected.len()).await, cms_expected);
    assert_eq!(e3.events(e3_expected.len()).await, e3_expected);
    assert_eq!(
        everything.events(world.published.len()).await,
        world.published
    );

    server.shutdown().await;
    for client in [&mut cms, &mut e3, &mut everything] {
        assert_eq!(client.rest().await, []);
    }
}

#[tokio::test]
async fn a_tcp_consumer_resumes_after_a_reconnect_with_no_gap_and_no_duplicate() {
    let mut world = World::new();
    let server = MsgpackServer::start(localhost(), world.bus.clone())
        .await
        .unwrap();
    let hello = r#"{"filter":{"kinds":["agent_status"]}}"#;
    let mut client = TcpClient::subscribe(server.local_addr(), hello).await;
    world.publish_mix(4);
    let mut seen = client.events(5).await;
    drop(client);
    // Published while the consumer is away.
    world.publish_mix(4);

    let last = seen.last().unwrap().seq;
    let resumed = format!(r#"{{"filter":{{"kinds":["agent_status"]}},"resume_from":{last}}}"#);
    let mut client = TcpClient::subscribe(server.local_addr(), &resumed).await;
    let filter = Filter::all().kinds([EventKind::AgentStatus]);
    let expected = world.matching(&filter);
    seen.extend(client.events(expected.len() - seen.len()).await);
    assert_eq!(seen, expected);
    server.shutdown().await;
    assert_eq!(client.rest().await, []);
}

#[tokio::test]
async fn sse_gets_the_same_events_as_tcp_and_resumes_from_last_event_id() {
    let mut world = World::new();
    let tcp = MsgpackServer::start(localhost(), world.bus.clone())
        .await
        .unwrap();
    let sse = SseServer::start(localhost(), world.bus.clone())
        .await
        .unwrap();
    let mut tcp_client = TcpClient::subscribe(
        tcp.local_addr(),
        r#"{"filter":{"kinds":["agent_status","adherence"],"employees":["E1","E2"]}}"#,
    )
    .await;
    let query = "?kinds=agent_status,adherence&employees=E1&employees=E2";
    let mut sse_client = SseClient::open(sse.local_addr(), query, None).await;
    world.publish_mix(10);

    let filter = Filter::all()
        .kinds([EventKind::AgentStatus, EventKind::Adherence])
        .employees(["E1", "E2"]);
    let expected = world.matching(&filter);
    assert_eq!(expected.len(), 40);
    let over_tcp = tcp_client.events(expected.len()).await;
    let over_sse = sse_client.events(expected.len()).await;
    assert_eq!(over_tcp, expected);
    assert_eq!(over_sse, over_tcp);

    // A browser reconnecting sends Last-Event-ID, which wins over the URL's older resume_from.
    drop(sse_client);
    let cut = expected[25].seq;
    let query = format!("{query}&resume_from=1");
    let mut resumed = SseClient::open(sse.local_addr(), &query, Some(cut)).await;
    assert_eq!(resumed.events(14).await, expected[26..]);

    sse.shutdown().await;
    tcp.shutdown().await;
    assert_eq!(resumed.next().await, None);
}

#[tokio::test]
async fn a_bad_hello_gets_one_error_frame_naming_the_problem_then_the_connection_closes() {
    let world = World::new();
    let mut config = ServerConfig::new(localhost());
    config.max_hello_bytes = 100;
    config.hello_timeout = Duration::from_millis(200);
    let server = MsgpackServer::start_with(config, world.bus.clone())
        .await
        .unwrap();
    let addr = server.local_addr();
    let long = format!(r#"{{"filter":{{"employees":["{}"]}}}}"#, "x".repeat(200));
    for (hello, expected) in [
        (
            r#"{"filter":{"kinds":["adherence","agentstatus"]}}"#,
            "\"agentstatus\"",
        ),
        ("hello", "not a JSON object"),
        (r#"{"filtre":{}}"#, "filtre"),
        (r#"{"resume_from":-3}"#, "`-3`"),
        (r#"{"filter":{"teams":["sales"]}}"#, "team directory"),
        (long.as_str(), "longer than 100 bytes"),
    ] {
        let mut client = TcpClient::send_hello(addr, hello).await;
        let messages = client.rest().await;
        let [Message::Control(Control::Error { message })] = &messages[..] else {
            panic!("one error frame for {hello:?}, got {messages:?}");
        };
        assert!(message.contains(expected), "{hello:?}: {message}");
    }
    // Silence: the time-out's error frame.
    let mut silent = TcpStream::connect(addr).await.unwrap();
    let mut frames = Vec::new();
    tokio::time::timeout(GUARD, silent.read_to_end(&mut frames))
        .await
        .unwrap()
        .unwrap();
    let control: Control = rmp_serde::from_slice(&frames[4..]).unwrap();
    assert_eq!(
        control,
        Control::Error {
            message: "no hello line within 200ms".into()
        }
    );
    assert_eq!(world.bus.subscriber_count(), 0);
    server.shutdown().await;
}

#[tokio::test]
async fn a_bad_query_gets_400_with_the_reason() {
    let world = World::new();
    let server = SseServer::start(localhost(), world.bus.clone())
        .await
        .unwrap();
    let addr = server.local_addr();
    for (query, expected) in [
        ("?kinds=adherence,nope", "unknown event kind \"nope\""),
        ("?kind=adherence", "unknown query parameter \"kind\""),
        ("?resume_from=last", "resume_from must be a seq"),
        ("?teams=sales", "team directory"),
    ] {
        let response = SseClient::get(addr, query, None).await;
        assert_eq!(response.status(), 400, "{query}");
        let body = response.text().await.unwrap();
        assert!(body.contains(expected), "{query}: {body}");
    }
    let client = reqwest::Client::new();
    let bad_id = client
        .get(format!("http://{addr}/events"))
        .header("Last-Event-ID", "abc")
        .send()
        .await
        .unwrap();
    assert_eq!(bad_id.status(), 400);
    let body = bad_id.text().await.unwrap();
    assert!(body.contains("Last-Event-ID must be a seq"), "{body}");
    let other = client
        .get(format!("http://{addr}/agents"))
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 404);
    let post = client
        .post(format!("http://{addr}/events"))
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), 405);
    assert_eq!(post.headers()["allow"], "GET");
    assert_eq!(world.bus.subscriber_count(), 0);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_delivers_everything_published_before_it_then_eof() {
    const N: usize = 2_000;
    let mut world = World::new();
    // Room for all N: this is about the stop, not about lag.
    let mut config = ServerConfig::new(localhost());
    config.capacity = N;
    let tcp = MsgpackServer::start_with(config.clone(), world.bus.clone())
        .await
        .unwrap();
    let sse = SseServer::start_with(config, world.bus.clone())
        .await
        .unwrap();
    let mut tcp_client = TcpClient::subscribe(tcp.local_addr(), "").await;
    let mut sse_client = SseClient::open(sse.local_addr(), "", None).await;
    for i in 0..N {
        world.publish(feed(&format!("cms-{i}")));
    }
    // Neither consumer has read anything yet: the servers wait for them to take the rest.
    let stopping = tokio::spawn(async move {
        tcp.shutdown().await;
        sse.shutdown().await;
    });
    assert_eq!(tcp_client.events(N).await, world.published);
    assert_eq!(tcp_client.rest().await, []);
    assert_eq!(sse_client.events(N).await, world.published);
    assert_eq!(sse_client.next().await, None);
    tokio::time::timeout(GUARD, stopping)
        .await
        .unwrap()
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tcp_consumer_that_does_not_read_is_lagged_never_blocking_the_publisher() {
    const N: usize = 100_000;
    let mut world = World::new();
    let mut config = ServerConfig::new(localhost());
    config.capacity = 16;
    let server = MsgpackServer::start_with(config, world.bus.clone())
        .await
        .unwrap();
    let mut client = TcpClient::subscribe_small(server.local_addr()).await;
    // The consumer reads nothing while all of this is published.
    for i in 0..N {
        world.publish(status(
            "cms",
            &format!("A{}", i % 50),
            Some("E1"),
            &format!("S{i}"),
        ));
    }
    let last = world.published.last().unwrap().seq;
    // The stop drains the subscription (its last resynchronisation included), then EOF.
    let stopping = tokio::spawn(server.shutdown());
    let received = client.rest().await;
    tokio::time::timeout(GUARD, stopping)
        .await
        .unwrap()
        .unwrap();
    // Events, then for each lag: `lagged`, `snapshot` and its events, then events again,
    // seqs strictly increasing outside snapshots, and every event accounted for.
    let mut lags = 0;
    let mut accounted = 0u64;
    let mut previous = 0u64;
    let mut messages = received.into_iter();
    while let Some(message) = messages.next() {
        match message {
            Message::Event(event) => {
                assert!(event.seq > previous, "{} after {previous}", event.seq);
                assert_eq!(*event, world.published[event.seq as usize - 1]);
                previous = event.seq;
                accounted += 1;
            }
            Message::Control(Control::Lagged { missed }) => {
                lags += 1;
                let Some(Message::Control(Control::Snapshot { as_of, events })) = messages.next()
                else {
                    panic!("a snapshot after the lagged notice");
                };
                assert_eq!(
                    accounted + missed,
                    as_of,
                    "missed events are counted exactly"
                );
                // One status per agent known when the snapshot was read: every agent of
                // the first `as_of` events, maybe some published since (agents A0..A49 come
                // in turn, so all 50 after the first 50 events).
                let known_at_as_of = usize::try_from(as_of).unwrap().min(50);
                assert!(
                    (known_at_as_of..=50).contains(&events),
                    "one status per agent: {events} as of {as_of}"
                );
                for _ in 0..events {
                    let event = messages.next().unwrap().event();
                    assert_eq!(event.seq, as_of);
                }
                accounted = as_of;
                previous = as_of;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(lags >= 1, "the consumer was lagged");
    assert_eq!(accounted, last);
}

#[tokio::test]
async fn an_idle_sse_stream_sends_keep_alive_comments() {
    let mut world = World::new();
    let mut config = ServerConfig::new(localhost());
    config.heartbeat = Duration::from_millis(50);
    let server = SseServer::start_with(config, world.bus.clone())
        .await
        .unwrap();
    let mut client = SseClient::open(server.local_addr(), "?kinds=feed", None).await;
    // Nothing matches for a while, then something does.
    while client.heartbeats < 2 {
        let chunk = client.response.chunk().await.unwrap().unwrap();
        client.buffer.push_str(std::str::from_utf8(&chunk).unwrap());
        while let Some(end) = client.buffer.find("\n\n") {
            let block: String = client.buffer.drain(..end + 2).collect();
            assert_eq!(client.parse(&block), None, "only comments yet");
        }
    }
    let event = world.publish(feed("cms"));
    assert_eq!(client.events(1).await, [event]);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_does_not_wait_for_a_consumer_that_never_reads() {
    const N: usize = 50_000;
    let mut world = World::new();
    let mut config = ServerConfig::new(localhost());
    config.capacity = N;
    config.write_timeout = Duration::from_millis(200);
    let server = MsgpackServer::start_with(config, world.bus.clone())
        .await
        .unwrap();
    let client = TcpClient::subscribe_small(server.local_addr()).await;
    // More than the sockets hold, all of it queued for a consumer that reads no further.
    for i in 0..N {
        world.publish(status("cms", &format!("A{i}"), Some("E1"), "AUX"));
    }
    let started = std::time::Instant::now();
    tokio::time::timeout(GUARD, server.shutdown())
        .await
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    // Open until now: the server gave up on the consumer, the consumer did not go away.
    drop(client);
}
