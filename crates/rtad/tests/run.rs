//! `rtad run` as a real process: a temporary configuration with one integration of each
//! kind on loopback, fed by the `rta-sim` simulators; a TCP MessagePack and an SSE subscriber
//! read the outputs; the admin API pauses, resumes and reloads; SIGTERM stops it.
//!
//! Every wait is for something observable (an event, an answer), under a guard that only
//! turns a hang into a failure. The child is killed by a drop guard, so a failing test
//! leaves no process behind; its log is printed when a test fails.

use futures::StreamExt;
use rta_model::{AdherenceStatus, Event, EventBody, FeedHealth};
use rta_sim::avaya::{AvayaSim, SimConfig, StreamOptions};
use rta_sim::cic::{CicServer, CicServerConfig, CicServerHandle, CicSimConfig};
use rta_sim::odigo::{
    Body, Event as OdigoEvent, Notifier, NotifierConfig, OdigoSim, OdigoSimConfig,
};
use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;

const GUARD: Duration = Duration::from_secs(20);

/// A port nothing listens on now: bound by the OS, then released.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The temporary directory of one test: the configuration, its files, the state.
struct Site {
    dir: tempfile::TempDir,
}

impl Site {
    fn new() -> Site {
        Site {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn write(&self, name: &str, content: &str) {
        std::fs::write(self.path(name), content).unwrap();
    }

    fn rtad(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_rtad"));
        command
            .args(args)
            .arg("--config")
            .arg(self.path("rtad.toml"))
            .env("RUST_LOG", "info");
        command
    }

    /// `rtad run`, its log in `rtad.log`.
    fn start(&self) -> Rtad {
        self.start_with(&["run"])
    }

    /// `rtad` with `args` (`run` and its options), its log in `rtad.log`.
    fn start_with(&self, args: &[&str]) -> Rtad {
        let log = self.path("rtad.log");
        let child = self
            .rtad(args)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        Rtad { child, log }
    }

    /// `rtad run` on a configuration expected to be refused.
    fn refused(&self) -> Output {
        let mut child = self
            .rtad(&["run"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        wait_exit(&mut child);
        child.wait_with_output().unwrap()
    }
}

/// A running `rtad`; killed when dropped.
struct Rtad {
    child: Child,
    log: PathBuf,
}

impl Rtad {
    fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Rtad {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        if std::thread::panicking() {
            eprintln!("--- rtad's log ---\n{}", self.log());
        }
    }
}

/// Waits for `child` to exit, at most [`GUARD`].
fn wait_exit(child: &mut Child) -> ExitStatus {
    let deadline = Instant::now() + GUARD;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(Instant::now() < deadline, "rtad did not exit");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Polls `check` until it gives a value, at most [`GUARD`].
async fn eventually<T, F: Future<Output = Option<T>>>(
    what: &str,
    mut check: impl FnMut() -> F,
) -> T {
    let deadline = tokio::time::Instant::now() + GUARD;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(tokio::time::Instant::now() < deadline, "{what}: timed out");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The admin API and snapshots.
struct Http {
    base: String,
    client: reqwest::Client,
}

impl Http {
    fn new(port: u16) -> Http {
        Http {
            base: format!("http://127.0.0.1:{port}"),
            client: reqwest::Client::new(),
        }
    }

    async fn get(&self, path: &str) -> (u16, String) {
        self.answer(self.client.get(format!("{}{path}", self.base)))
            .await
    }

    async fn post(&self, path: &str) -> (u16, String) {
        self.answer(self.client.post(format!("{}{path}", self.base)))
            .await
    }

    async fn answer(&self, request: reqwest::RequestBuilder) -> (u16, String) {
        let response = tokio::time::timeout(GUARD, request.send())
            .await
            .unwrap()
            .unwrap();
        let status = response.status().as_u16();
        (status, response.text().await.unwrap())
    }

    /// Waits until the daemon answers `/health`.
    async fn ready(&self) -> serde_json::Value {
        eventually("GET /health", || async {
            let response = self
                .client
                .get(format!("{}/health", self.base))
                .send()
                .await
                .ok()?;
            assert_eq!(response.status(), 200);
            serde_json::from_str(&response.text().await.ok()?).ok()
        })
        .await
    }
}

/// A TCP MessagePack subscriber from seq 1: its events arrive on the channel until EOF.
async fn msgpack_subscriber(port: u16) -> mpsc::UnboundedReceiver<Event> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    stream.write_all(b"{\"resume_from\":0}\n").await.unwrap();
    let (events, received) = mpsc::unbounded_channel();
    let mut first = true;
    tokio::spawn(async move {
        loop {
            let mut length = [0u8; 4];
            if stream.read_exact(&mut length).await.is_err() {
                return; // EOF: the stream ended.
            }
            let mut frame = vec![0u8; u32::from_be_bytes(length) as usize];
            stream.read_exact(&mut frame).await.unwrap();
            if std::mem::take(&mut first) {
                continue; // {"type":"subscribed"}
            }
            let event = Event::from_msgpack(&frame).expect("an event, not a control message");
            if events.send(event).is_err() {
                return;
            }
        }
    });
    received
}

/// An SSE subscriber from seq 1: its events arrive on the channel until the body ends.
async fn sse_subscriber(http: &Http) -> mpsc::UnboundedReceiver<Event> {
    let response = http
        .client
        .get(format!("{}/events?resume_from=0", http.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let (events, received) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut body = response.bytes_stream();
        let mut buffer = String::new();
        while let Some(Ok(chunk)) = body.next().await {
            buffer.push_str(std::str::from_utf8(&chunk).unwrap());
            while let Some(end) = buffer.find("\n\n") {
                let message: String = buffer.drain(..end + 2).collect();
                let Some(data) = message.lines().find_map(|line| line.strip_prefix("data: "))
                else {
                    continue; // a keep-alive comment
                };
                let event = Event::from_json(data).expect("an event, not a control message");
                if events.send(event).is_err() {
                    return;
                }
            }
        }
    });
    received
}

/// What a test waits for: its description and the test of an event.
type Wanted<'w> = (&'w str, &'w dyn Fn(&Event) -> bool);

/// Reads `events` (keeping them in `seen`) until one satisfies `wanted`.
async fn until(
    events: &mut mpsc::UnboundedReceiver<Event>,
    seen: &mut Vec<Event>,
    what: &str,
    wanted: impl Fn(&Event) -> bool,
) {
    until_each(events, seen, &[(what, &wanted)]).await;
}

/// Reads `events` (keeping them in `seen`) until each of `wanted` was satisfied by one, in
/// whatever order they come.
async fn until_each(
    events: &mut mpsc::UnboundedReceiver<Event>,
    seen: &mut Vec<Event>,
    wanted: &[Wanted<'_>],
) {
    let mut missing: Vec<&Wanted<'_>> = wanted.iter().collect();
    while !missing.is_empty() {
        let what: Vec<&str> = missing.iter().map(|(what, _)| *what).collect();
        let event = tokio::time::timeout(GUARD, events.recv())
            .await
            .unwrap_or_else(|_| panic!("waiting for {what:?}: timed out"))
            .unwrap_or_else(|| panic!("waiting for {what:?}: the stream ended"));
        missing.retain(|(_, wanted)| !wanted(&event));
        seen.push(event);
    }
}

/// The rest of a subscriber's events, to the end of its stream.
async fn rest(events: &mut mpsc::UnboundedReceiver<Event>, seen: &mut Vec<Event>) {
    while let Some(event) = tokio::time::timeout(GUARD, events.recv())
        .await
        .expect("the stream ends")
    {
        seen.push(event);
    }
}

fn status_of<'e>(event: &'e Event, integration: &str) -> Option<&'e rta_model::AgentStatusEvent> {
    match &event.body {
        EventBody::AgentStatus(status) if &*status.integration == integration => Some(status),
        _ => None,
    }
}

/// Whether `event` says the feed at `address` is `health`.
fn feed_is(event: &Event, address: &str, health: FeedHealth) -> bool {
    matches!(&event.body, EventBody::Feed(feed)
        if feed.address.as_deref() == Some(address) && feed.health == health)
}

/// The adherence `event` gives one of [`write_adherence`]'s employees (`E0`, `E1`, ..).
fn employee_adherence(event: &Event) -> Option<AdherenceStatus> {
    match &event.body {
        EventBody::Adherence(adherence) if adherence.employee.starts_with('E') => {
            Some(adherence.status)
        }
        _ => None,
    }
}

/// The simulator's next agent state change (heartbeats skipped) and the agent's login.
fn next_change(odigo: &mut OdigoSim) -> (Body, Arc<str>) {
    std::iter::from_fn(|| odigo.next_notification())
        .find_map(|notification| match &notification.event {
            OdigoEvent::StateChanged { login, .. } => {
                Some((Body::json(&notification), login.clone()))
            }
            OdigoEvent::Heartbeat => None,
        })
        .expect("a state change")
}

struct Ports {
    http: u16,
    avaya: u16,
    msgpack: u16,
    odigo: u16,
}

impl Ports {
    fn new() -> Ports {
        Ports {
            http: free_port(),
            avaya: free_port(),
            msgpack: free_port(),
            odigo: free_port(),
        }
    }
}

/// A configuration: the HTTP API on `http`, the CIC integration `cic` on `cic_server`, the
/// adherence files of [`write_adherence`], a MessagePack output on `msgpack`, then `more`.
fn daemon_config(http: u16, cic_server: SocketAddr, msgpack: u16, more: &str) -> String {
    format!(
        r#"
state_dir = "state"

[http]
listen = "127.0.0.1:{http}"

[[integration]]
name = "cic"
kind = "cic"
timezone = "UTC"
servers = "{cic_server}"

[adherence]
user_mappings = "users.csv"
activity_mappings = "activities.csv"
activities = "activities.toml"
schedules = "schedules.csv"

[[output]]
kind = "tcp-msgpack"
listen = "127.0.0.1:{msgpack}"
{more}"#
    )
}

/// One integration of each kind, the Odigo receiver and an SSE output besides.
fn config(ports: &Ports, cic: SocketAddr) -> String {
    let more = format!(
        r#"
[odigo]
listen = "127.0.0.1:{odigo}"
public_url = "http://127.0.0.1:{odigo}/odigo"

[[integration]]
name = "cms"
kind = "avaya-cms"
timezone = "UTC"
realtime_port = {avaya}

[[integration]]
name = "odigo"
kind = "odigo"
timezone = "UTC"

[[output]]
kind = "sse"
"#,
        odigo = ports.odigo,
        avaya = ports.avaya,
    );
    daemon_config(ports.http, cic, ports.msgpack, &more)
}

/// Every CIC user is an employee scheduled on Phone around now; every CIC status is
/// `activity`.
fn write_adherence(site: &Site, cic: &CicServerHandle, activity: &str) {
    let now = jiff::Timestamp::now();
    let hour = jiff::SignedDuration::from_hours(1);
    let mut users = String::from("integration,external_id,employee\n");
    let mut schedules = String::from("employee,start,end,activity\n");
    for (index, user) in cic.truth().users.iter().enumerate() {
        users.push_str(&format!("cic,\"{}\",E{index}\n", user.user_id));
        schedules.push_str(&format!("E{index},{},{},Phone\n", now - hour, now + hour));
    }
    site.write("users.csv", &users);
    site.write("schedules.csv", &schedules);
    site.write(
        "activities.csv",
        &format!("integration,status,reason,detail,activity\ncic,*,,,{activity}\n"),
    );
    site.write(
        "activities.toml",
        "[[activities]]\nname = \"Phone\"\nproductive = true\n\n[[activities]]\nname = \"Break\"\n",
    );
}

async fn cic_server(users: usize) -> CicServerHandle {
    let sim = CicSimConfig::new(users, 7, jiff::Timestamp::now());
    CicServer::start(CicServerConfig::manual(sim))
        .await
        .unwrap()
}

/// The URL `rtad token` prints for `integration`.
fn token_url(site: &Site, integration: &str) -> String {
    let output = site
        .rtad(&["token", "--integration", integration])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .find(|line| line.starts_with("http://"))
        .expect("the URL")
        .to_owned()
}

/// `POST /admin/integrations/{name}/pause` (or `/resume`): `200`, and `/health` shows it.
async fn set_paused(http: &Http, name: &str, paused: bool) {
    let action = if paused { "pause" } else { "resume" };
    let (status, answer) = http
        .post(&format!("/admin/integrations/{name}/{action}"))
        .await;
    assert_eq!(status, 200, "{answer}");
    let health = http.ready().await;
    let integration = health["integrations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|integration| integration["name"] == name)
        .unwrap_or_else(|| panic!("{name} in {health}"));
    assert_eq!(integration["paused"], paused, "{health}");
}

/// Pauses (or resumes) the `cic` integration over HTTP and reads `events` until its feed at
/// `address` is `down` (`up`) and, published after the request, one of [`write_adherence`]'s
/// employees is `unknown` (`out`: on Break instead of Phone).
async fn set_cic_paused(
    http: &Http,
    events: &mut mpsc::UnboundedReceiver<Event>,
    seen: &mut Vec<Event>,
    address: &str,
    paused: bool,
) {
    let (health, adherence) = if paused {
        (FeedHealth::Down, AdherenceStatus::Unknown)
    } else {
        (FeedHealth::Up, AdherenceStatus::Out)
    };
    let before = published(http).await;
    set_paused(http, "cic", paused).await;
    let feed = format!("the CIC server {health:?}");
    let employee = format!("an employee {adherence:?}");
    until_each(
        events,
        seen,
        &[
            (&feed, &|event| feed_is(event, address, health)),
            (&employee, &|event| {
                event.seq > before && employee_adherence(event) == Some(adherence)
            }),
        ],
    )
    .await;
}

/// The `rta_events_published_total` of `/metrics`: the last seq published.
async fn published(http: &Http) -> u64 {
    let (status, metrics) = http.get("/metrics").await;
    assert_eq!(status, 200);
    metrics
        .lines()
        .find_map(|line| line.strip_prefix("rta_events_published_total "))
        .expect("the published counter")
        .parse()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_sources_two_subscribers_reloads_pauses_and_a_clean_stop() {
    let site = Site::new();
    let ports = Ports::new();
    let first_cic = cic_server(4).await;
    write_adherence(&site, &first_cic, "Phone");
    site.write("rtad.toml", &config(&ports, first_cic.local_addr()));
    let odigo_url = token_url(&site, "odigo");
    let rtad = site.start();
    let http = Http::new(ports.http);
    let health = http.ready().await;
    let kinds: Vec<(&str, &str)> = health["integrations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["name"].as_str().unwrap(), i["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(
        kinds,
        [("cic", "cic"), ("cms", "avaya-cms"), ("odigo", "odigo")]
    );
    let mut tcp = msgpack_subscriber(ports.msgpack).await;
    let mut sse = sse_subscriber(&http).await;
    let mut seen = Vec::new();

    // CIC: the snapshot's statuses, mapped to Phone.
    until(&mut tcp, &mut seen, "a CIC status on Phone", |event| {
        status_of(event, "cic").is_some_and(|status| status.activity.as_deref() == Some("Phone"))
    })
    .await;
    // Avaya: two batches of the CMS simulator.
    let mut cms = AvayaSim::new(SimConfig::new(3, 5, jiff::Timestamp::now())).unwrap();
    let avaya = format!("127.0.0.1:{}", ports.avaya);
    rta_sim::avaya::stream(&mut cms, &avaya, &StreamOptions::immediate(2))
        .await
        .unwrap();
    until(&mut tcp, &mut seen, "an Avaya status", |event| {
        status_of(event, "cms").is_some()
    })
    .await;
    // Odigo: a notification to the URL `rtad token` printed.
    let mut odigo =
        OdigoSim::new(OdigoSimConfig::new("acme", 2, 3, jiff::Timestamp::now())).unwrap();
    let notifier = Notifier::new(NotifierConfig::new(&odigo_url)).unwrap();
    let (notification, _) = next_change(&mut odigo);
    assert!(notifier.send(&notification).await.accepted());
    until(&mut tcp, &mut seen, "an Odigo status", |event| {
        status_of(event, "odigo").is_some()
    })
    .await;

    let (status, agents) = http.get("/agents").await;
    assert_eq!(status, 200);
    let agents: Vec<serde_json::Value> = serde_json::from_str(&agents).unwrap();
    for integration in ["cic", "cms", "odigo"] {
        assert!(
            agents
                .iter()
                .any(|agent| agent["integration"] == integration),
            "{integration} in {agents:?}"
        );
    }
    let health = http.ready().await;
    assert_eq!(health["integrations"][0]["health"], "up", "{health}");

    // A file with problems changes nothing: 400 with the problems.
    site.write(
        "rtad.toml",
        &config(&ports, first_cic.local_addr()).replace("UTC", "Mars/Olympus"),
    );
    let (status, refused) = http.post("/admin/reload").await;
    assert_eq!(status, 400, "{refused}");
    assert!(
        refused.contains("unknown time zone \\\"Mars/Olympus\\\""),
        "{refused}"
    );

    // A mapping change applies at once: the employees on Phone are now on Break.
    site.write("rtad.toml", &config(&ports, first_cic.local_addr()));
    write_adherence(&site, &first_cic, "Break");
    let (status, report) = http.post("/admin/reload").await;
    assert_eq!(status, 200, "{report}");
    assert!(report.contains("adherence mappings reloaded"), "{report}");
    until(&mut tcp, &mut seen, "adherence on Break", |event| {
        matches!(&event.body, EventBody::Adherence(adherence)
            if adherence.actual_activity.as_deref() == Some("Break"))
    })
    .await;

    // A new CIC server address (SIGHUP this time): the engine connects to it.
    let second_cic = cic_server(4).await;
    site.write("rtad.toml", &config(&ports, second_cic.local_addr()));
    rtad.signal("HUP");
    let second = second_cic.local_addr().to_string();
    until(&mut tcp, &mut seen, "the new CIC server up", |event| {
        feed_is(event, &second, FeedHealth::Up)
    })
    .await;
    assert_eq!(second_cic.stats().accepted, 1);

    // Pause and resume over HTTP. Avaya: the port closes and opens again.
    set_paused(&http, "cms", true).await;
    assert!(TcpStream::connect(&avaya).await.is_err(), "paused: refused");
    set_paused(&http, "cms", false).await;
    TcpStream::connect(&avaya).await.expect("resumed: accepted");

    // CIC: the connection closes and the employees' adherence is unknown; resumed, a new
    // connection and their adherence is known again (Break instead of Phone: out).
    set_cic_paused(&http, &mut tcp, &mut seen, &second, true).await;
    eventually("the CIC server sees its connection closed", || async {
        (second_cic.stats().open == 0).then_some(())
    })
    .await;
    assert_eq!(second_cic.stats().accepted, 1, "no connection while paused");
    set_cic_paused(&http, &mut tcp, &mut seen, &second, false).await;
    assert_eq!(second_cic.stats().accepted, 2, "one new connection");

    // Odigo: a notification is refused with 503 while paused (nothing kept: no retry here),
    // and accepted after the resume, when it reaches the subscribers.
    let once = Notifier::new(NotifierConfig {
        retries: 0,
        ..NotifierConfig::new(&odigo_url)
    })
    .unwrap();
    let (notification, login) = next_change(&mut odigo);
    set_paused(&http, "odigo", true).await;
    let answer = |outcome: rta_sim::odigo::Outcome| outcome.status().map(|status| status.as_u16());
    assert_eq!(answer(once.send(&notification).await), Some(503));
    set_paused(&http, "odigo", false).await;
    assert_eq!(answer(once.send(&notification).await), Some(204));
    until(&mut tcp, &mut seen, "the resumed Odigo status", |event| {
        status_of(event, "odigo").is_some_and(|status| *status.external_id == *login)
    })
    .await;

    // The admin routes' other answers.
    assert_eq!(http.post("/admin/integrations/nobody/pause").await.0, 404);
    assert_eq!(http.get("/admin/integrations/cms/pause").await.0, 405);
    assert_eq!(http.get("/nothing/here").await.0, 404);

    // SIGTERM: everything published before it reaches both subscribers, then their ends.
    let before = published(&http).await;
    rtad.signal("TERM");
    let mut rtad = rtad;
    assert_eq!(wait_exit(&mut rtad.child).code(), Some(0), "{}", rtad.log());
    rest(&mut tcp, &mut seen).await;
    let mut over_sse = Vec::new();
    rest(&mut sse, &mut over_sse).await;
    let seqs: Vec<u64> = seen.iter().map(|event| event.seq).collect();
    assert_eq!(
        seqs,
        (1..=seqs.len() as u64).collect::<Vec<_>>(),
        "no gap, no duplicate"
    );
    assert!(seqs.len() as u64 >= before, "{} < {before}", seqs.len());
    assert_eq!(over_sse, seen, "SSE and MessagePack carry the same events");
}

#[test]
fn a_configuration_with_problems_starts_nothing() {
    let site = Site::new();
    let http = free_port();
    site.write(
        "rtad.toml",
        &format!(
            r#"
state_dir = "state"
[http]
listen = "127.0.0.1:{http}"
[[integration]]
name = "twice"
kind = "cic"
timezone = "Europe/Pariss"
servers = "127.0.0.1:1"
[[integration]]
name = "twice"
kind = "cic"
timezone = "UTC"
servers = "127.0.0.1:2"
[adherence]
user_mappings = "missing.csv"
activity_mappings = "missing.csv"
activities = "missing.toml"
"#
        ),
    );
    let output = site.refused();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    for problem in [
        "integration[0].timezone: unknown time zone \"Europe/Pariss\"",
        "integration[1].name: \"twice\" is also integration[0]'s name",
        "adherence.user_mappings: cannot read",
        "nothing was started",
    ] {
        assert!(stderr.contains(problem), "{problem} in {stderr}");
    }
    assert!(!stderr.contains("rtad running"), "{stderr}");
    TcpListener::bind(("127.0.0.1", http)).expect("the HTTP port was never taken");
}

#[test]
fn an_odigo_integration_without_a_token_is_refused() {
    let site = Site::new();
    let (http, odigo) = (free_port(), free_port());
    site.write(
        "rtad.toml",
        &format!(
            "state_dir = \"state\"\n[http]\nlisten = \"127.0.0.1:{http}\"\n\
             [odigo]\nlisten = \"127.0.0.1:{odigo}\"\npublic_url = \"http://127.0.0.1/odigo\"\n\
             [[integration]]\nname = \"odigo-paris\"\nkind = \"odigo\"\ntimezone = \"UTC\"\n"
        ),
    );
    let output = site.refused();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("run `rtad token --integration odigo-paris`"),
        "{stderr}"
    );
}

/// `--capture` records the CIC feed while the daemon runs; `rtad replay` of that file gives
/// the same agent statuses the live daemon published.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_capture_replays_to_the_live_statuses() {
    let site = Site::new();
    let (http_port, msgpack) = (free_port(), free_port());
    let cic = cic_server(5).await;
    write_adherence(&site, &cic, "Phone");
    site.write(
        "rtad.toml",
        &daemon_config(http_port, cic.local_addr(), msgpack, ""),
    );
    let capture = site.path("input.capture");
    let mut rtad = site.start_with(&["run", "--capture", capture.to_str().unwrap()]);
    let http = Http::new(http_port);
    http.ready().await;
    let mut live = msgpack_subscriber(msgpack).await;
    let mut seen = Vec::new();
    // Sorted: the daemon applies on several shards, so its order across agents depends on
    // their threads, where the replay applies inline in capture order. Each agent's own
    // statuses keep their order (the sort is stable, by agent).
    let statuses = |events: &[Event]| -> Vec<String> {
        let mut statuses: Vec<_> = events
            .iter()
            .filter_map(|event| status_of(event, "cic"))
            .map(|status| {
                let text = format!("{} {} {}", status.external_id, status.status, status.since);
                (status.external_id.clone(), text)
            })
            .collect();
        statuses.sort_by(|a, b| a.0.cmp(&b.0));
        statuses.into_iter().map(|(_, text)| text).collect()
    };
    // The server's snapshot: one status per user.
    let counted = std::cell::Cell::new(0);
    until(&mut live, &mut seen, "the users' statuses", |event| {
        counted.set(counted.get() + usize::from(status_of(event, "cic").is_some()));
        counted.get() == 5
    })
    .await;
    rtad.signal("TERM");
    assert_eq!(wait_exit(&mut rtad.child).code(), Some(0), "{}", rtad.log());
    rest(&mut live, &mut seen).await;
    let live_statuses = statuses(&seen);
    assert!(live_statuses.len() >= 5, "{live_statuses:?}");

    let replayed = site
        .rtad(&["replay", "--input", capture.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(replayed.status.success(), "{replayed:?}");
    let replayed: Vec<Event> = String::from_utf8(replayed.stdout)
        .unwrap()
        .lines()
        .map(|line| Event::from_json(line).unwrap())
        .collect();
    assert_eq!(statuses(&replayed), live_statuses);
}
