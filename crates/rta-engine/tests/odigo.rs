//! The Odigo receiver over real loopback HTTP (and HTTPS): what each answer means for the
//! state table, the bus and the feed health.
//!
//! These tests run on real time: HTTP clients and servers have their own timers, which
//! tokio's paused clock would fire while the sockets wait. Nothing here sleeps to order
//! events: every wait is for an answer or an event, under a guard that only turns a hang
//! into a failure.

mod support;

use bytes::Bytes;
use http_body_util::Full;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use rta_engine::odigo::{
    OdigoIntegration, OdigoReceiver, PAUSE_DETAILS_ADDRESS, Password, PauseDetailsConfig,
    PauseResolver, ReceiverConfig, ReceiverError, TlsFiles,
};
use rta_engine::{AsyncSubscription, Bus, BusPublisher, LiveStatuses, Publisher, SystemClock};
use rta_model::{FeedHealth, IntegrationId};
use rta_odigo::Token;
use rta_state::StateTable;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const GUARD: Duration = Duration::from_secs(20);

const JSON: &str = "application/json";
const FORM: &str = "application/x-www-form-urlencoded";

/// A receiver serving one integration (`odigo`), wired to a table and a bus as the engine
/// wires them, and an HTTP client.
struct Engine {
    receiver: OdigoReceiver,
    table: Arc<StateTable>,
    odigo: IntegrationId,
    token: Token,
    feeds: AsyncSubscription,
    statuses: AsyncSubscription,
    client: reqwest::Client,
    base: String,
}

impl Engine {
    async fn start(
        config: impl FnOnce(&mut ReceiverConfig),
        integration: impl FnOnce(&mut OdigoIntegration),
    ) -> Engine {
        Engine::start_with(config, integration, |bus, live| {
            Arc::new(BusPublisher::new(bus, live))
        })
        .await
    }

    async fn start_with(
        config: impl FnOnce(&mut ReceiverConfig),
        integration: impl FnOnce(&mut OdigoIntegration),
        publisher: impl FnOnce(Bus, Arc<LiveStatuses>) -> Arc<dyn Publisher>,
    ) -> Engine {
        let support::Wiring {
            table,
            integration: odigo,
            bus,
            live,
            feeds,
            statuses,
            ..
        } = support::Wiring::wire("odigo");
        let mut receiver_config = ReceiverConfig::new("127.0.0.1:0".parse().unwrap());
        config(&mut receiver_config);
        let https = receiver_config.tls.is_some();
        let receiver = OdigoReceiver::start(
            receiver_config,
            table.clone(),
            publisher(bus, live),
            Arc::new(SystemClock),
        )
        .await
        .unwrap();
        let token = Token::generate().unwrap();
        let mut odigo_integration = OdigoIntegration::new("odigo", odigo, token.hash());
        integration(&mut odigo_integration);
        receiver.add(odigo_integration).unwrap();
        let scheme = if https { "https" } else { "http" };
        let base = format!("{scheme}://localhost:{}", receiver.local_addr().port());
        let mut engine = Engine {
            receiver,
            table,
            odigo,
            token,
            feeds,
            statuses,
            client: reqwest::Client::new(),
            base,
        };
        assert_eq!(engine.feed().await, "- Waiting");
        engine
    }

    fn url(&self) -> String {
        format!("{}/odigo/{}", self.base, self.token.expose())
    }

    async fn post(&self, content_type: &str, body: impl Into<reqwest::Body>) -> (u16, String) {
        self.send_to(&self.url(), content_type, body).await
    }

    async fn send_to(
        &self,
        url: &str,
        content_type: &str,
        body: impl Into<reqwest::Body>,
    ) -> (u16, String) {
        let response = tokio::time::timeout(
            GUARD,
            self.client
                .post(url)
                .header("content-type", content_type)
                .body(body)
                .send(),
        )
        .await
        .expect("an answer before the guard")
        .expect("an HTTP answer");
        let status = response.status().as_u16();
        (status, response.text().await.unwrap())
    }

    /// Sends `request` as it is on a new connection; returns what came back until the
    /// server closed the connection or the first answer was complete.
    async fn raw(&self, request: &str) -> String {
        let mut stream = TcpStream::connect(self.receiver.local_addr())
            .await
            .unwrap();
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut answer = Vec::new();
        let mut buffer = [0; 4_096];
        loop {
            let n = tokio::time::timeout(GUARD, stream.read(&mut buffer))
                .await
                .expect("an answer before the guard")
                .unwrap_or(0);
            answer.extend_from_slice(&buffer[..n]);
            let text = String::from_utf8_lossy(&answer);
            if n == 0 || text.contains("\r\n\r\n") {
                return text.into_owned();
            }
        }
    }

    /// The next feed event: `address health`.
    async fn feed(&mut self) -> String {
        let (_, feed) = support::next_feed(&mut self.feeds, GUARD).await;
        assert_eq!(&*feed.integration, "odigo");
        format!(
            "{} {:?}",
            feed.address.as_deref().unwrap_or("-"),
            feed.health
        )
    }

    /// The next status change: `login phase code reason detail`.
    async fn status(&mut self) -> String {
        let status = support::next_status(&mut self.statuses, GUARD).await;
        let text = |code: &Option<rta_model::Code<'_>>| {
            code.as_ref().map_or("-".to_string(), ToString::to_string)
        };
        format!(
            "{} {} {} {} {}",
            status.external_id,
            status.phase,
            status.status,
            text(&status.reason),
            text(&status.detail)
        )
    }

    /// No status change of `login` was published by what was accepted before: the pipeline
    /// applies each agent's changes in order, so one more change of the same agent, waited
    /// for, proves the earlier ones are done.
    async fn no_status_change_before(&mut self, login: &str) {
        let marker = r#"{"login":"LOGIN","state":"MARKER","timestamp":"2026-11-23T23:00:00Z"}"#;
        let (status, _) = self.post(JSON, marker.replace("LOGIN", login)).await;
        assert_eq!(status, 204);
        let next = self.status().await;
        assert_eq!(
            next,
            format!("{login} unknown MARKER - -"),
            "unexpected change before the marker"
        );
    }

    /// The next `n` status changes, sorted: the changes of different agents may be applied
    /// in any order (each agent's in its own order).
    async fn statuses(&mut self, n: usize) -> Vec<String> {
        let mut statuses = Vec::new();
        for _ in 0..n {
            statuses.push(self.status().await);
        }
        statuses.sort();
        statuses
    }

    /// The agents in the table: `login Phase code`, sorted.
    fn agents(&self) -> Vec<String> {
        support::agents(&self.table, self.odigo)
    }
}

/// One agent state notification as JSON, with an event id when given.
fn agent_state(login: &str, state: &str, event_id: Option<&str>) -> String {
    let mut value = serde_json::json!({
        "eventType": "AGENT_STATE_CHANGED",
        "tenantId": "acme",
        "timestamp": "2026-11-23T12:00:05.123Z",
        "agent": {"login": login, "id": "10452"},
        "state": state,
    });
    if let Some(id) = event_id {
        value["eventId"] = id.into();
    }
    value.to_string()
}

#[tokio::test]
async fn accepted_notifications_reach_the_state_table() {
    let mut engine = Engine::start(|_| {}, |_| {}).await;

    let pause = r#"{"eventId":"e1","eventType":"AGENT_STATE_CHANGED","tenantId":"acme",
        "timestamp":"2026-11-23T12:00:05.123Z","agent":{"login":"jdoe@acme.example","id":"10452"},
        "state":"PAUSE","previousState":"AVAILABLE","pause":{"code":"7","label":"Lunch"}}"#;
    assert_eq!(engine.post(JSON, pause).await, (204, String::new()));
    assert_eq!(engine.feed().await, "- Up");
    assert_eq!(
        engine.status().await,
        "jdoe@acme.example away PAUSE 7 Lunch"
    );

    // A form body, and PUT.
    let form = "agent.login=asmith%40acme.example&state=in_call&direction=OUT\
                &timestamp=1795435205123";
    let response = engine
        .client
        .put(engine.url())
        .header("content-type", FORM)
        .body(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 204);
    assert_eq!(
        engine.status().await,
        "asmith@acme.example talking IN_CALL - -"
    );

    // An array: every item.
    let array = format!(
        "[{},{}]",
        agent_state("b1", "READY", None),
        agent_state("b2", "wrap_up", None)
    );
    assert_eq!(engine.post(JSON, array).await.0, 204);
    assert_eq!(
        engine.statuses(2).await,
        ["b1 available AVAILABLE - -", "b2 wrap_up WRAP_UP - -"]
    );

    assert_eq!(
        engine.agents(),
        [
            "asmith@acme.example Talking IN_CALL",
            "b1 Available AVAILABLE",
            "b2 WrapUp WRAP_UP",
            "jdoe@acme.example Away PAUSE",
        ]
    );
    let stats = engine.receiver.integration_stats("odigo").unwrap();
    assert_eq!(stats.accepted, 4);
    assert_eq!(engine.receiver.health("odigo"), Some(FeedHealth::Up));
}

#[tokio::test]
async fn a_wrong_token_is_404_like_any_unknown_path_and_changes_nothing() {
    let mut engine = Engine::start(|_| {}, |_| {}).await;
    let body = agent_state("jdoe", "AVAILABLE", None);
    let token = engine.token.expose().to_string();
    let mut wrong = token.clone().into_bytes();
    wrong[0] = if wrong[0] == b'A' { b'B' } else { b'A' };
    let wrong = String::from_utf8(wrong).unwrap();
    let mut answers = Vec::new();
    for path in [
        format!("/odigo/{wrong}"),
        format!("/odigo/{}", &token[..token.len() - 1]),
        format!("/odigo/{token}x"),
        format!("/other/{token}"),
        "/odigo/".to_string(),
        "/".to_string(),
    ] {
        let url = format!("{}{path}", engine.base);
        answers.push(engine.send_to(&url, JSON, body.clone()).await);
    }
    assert!(
        answers
            .iter()
            .all(|answer| *answer == (404, "not found\n".into())),
        "{answers:?}"
    );
    // A GET on an unknown path is the same 404; on the token URL, 405.
    let get = |url: String| {
        let client = engine.client.clone();
        async move { client.get(url).send().await.unwrap().status().as_u16() }
    };
    assert_eq!(get(format!("{}/odigo/{wrong}", engine.base)).await, 404);
    assert_eq!(get(engine.url()).await, 405);

    // The token as the last segment of a longer path is accepted.
    let longer = format!("{}/odigo/acme/agents/{token}/", engine.base);
    assert_eq!(engine.send_to(&longer, JSON, body.clone()).await.0, 204);
    assert_eq!(engine.status().await, "jdoe available AVAILABLE - -");
    assert_eq!(engine.receiver.stats().not_found, 7);
}

#[tokio::test]
async fn bad_bodies_get_the_right_answer_and_lose_nothing_good() {
    let mut engine = Engine::start(|config| config.body_limit = 4_096, |_| {}).await;

    let (status, reason) = engine.post(JSON, r#"{"state":"PAUSE""#).await;
    assert_eq!(status, 400);
    assert!(!reason.is_empty() && reason.len() < 200, "{reason}");

    let (status, reason) = engine.post(JSON, r#"{"state":"PAUSE"}"#).await;
    assert_eq!(status, 400);
    assert!(reason.contains("agent"), "{reason}");

    assert_eq!(engine.post("text/plain", "state=PAUSE").await.0, 415);
    assert_eq!(
        engine
            .post("application/json; charset=iso-8859-1", "{}")
            .await
            .0,
        415
    );

    // Over the limit: with a Content-Length, and streamed without one.
    let big = format!(
        r#"{{"login":"x","state":"PAUSE","padding":"{}"}}"#,
        "a".repeat(5_000)
    );
    assert_eq!(engine.post(JSON, big.clone()).await.0, 413);
    let chunked: String = big
        .as_bytes()
        .chunks(1_000)
        .map(|chunk| {
            format!(
                "{:x}\r\n{}\r\n",
                chunk.len(),
                std::str::from_utf8(chunk).unwrap()
            )
        })
        .chain(["0\r\n\r\n".to_string()])
        .collect();
    let request = format!(
        "POST /odigo/{} HTTP/1.1\r\nHost: odigo\r\nContent-Type: application/json\r\n\
         Transfer-Encoding: chunked\r\n\r\n{chunked}",
        engine.token.expose()
    );
    assert!(engine.raw(&request).await.starts_with("HTTP/1.1 413 "));

    // An array with a bad item: the good ones are applied, the answer lists the bad one.
    let array = format!(
        r#"[{},{{"login":"nobody"}},{}]"#,
        agent_state("g1", "AVAILABLE", None),
        agent_state("g2", "HOLD", None)
    );
    let (status, reason) = engine.post(JSON, array).await;
    assert_eq!(status, 400);
    assert!(reason.starts_with("item 1: "), "{reason}");
    assert_eq!(
        engine.statuses(2).await,
        ["g1 available AVAILABLE - -", "g2 talking HOLD - -"]
    );

    let stats = engine.receiver.stats();
    assert_eq!(
        (stats.bad_request, stats.unsupported_type, stats.too_large),
        (3, 2, 2)
    );
    assert_eq!(engine.agents().len(), 2);
}

#[tokio::test]
async fn retries_are_no_ops() {
    let mut engine = Engine::start(|_| {}, |_| {}).await;
    let first = agent_state("jdoe", "PAUSE", Some("e-1"));
    assert_eq!(engine.post(JSON, first.clone()).await.0, 204);
    assert_eq!(engine.status().await, "jdoe away PAUSE - -");
    let available = agent_state("jdoe", "AVAILABLE", Some("e-2"));
    let available = available.replace("12:00:05", "12:01:00");
    assert_eq!(engine.post(JSON, available).await.0, 204);
    assert_eq!(engine.status().await, "jdoe available AVAILABLE - -");

    // The same event again (Odigo retried), and the same change without an id: both
    // acknowledged, neither applied.
    assert_eq!(engine.post(JSON, first.clone()).await.0, 204);
    let no_id = agent_state("jdoe", "PAUSE", None);
    assert_eq!(engine.post(JSON, no_id).await.0, 204);
    engine.no_status_change_before("jdoe").await;
    let stats = engine.receiver.integration_stats("odigo").unwrap();
    assert_eq!(stats.duplicates, 2);
}

#[tokio::test]
async fn feed_health_waits_for_the_first_notification_then_goes_stale_in_silence() {
    let mut engine = Engine::start(
        |_| {},
        |integration| integration.stale_after = Duration::from_millis(200),
    )
    .await;
    assert_eq!(engine.receiver.health("odigo"), Some(FeedHealth::Waiting));
    // A 404 or a bad body is not a sign of life.
    assert_eq!(engine.post("text/plain", "x").await.0, 415);
    assert_eq!(engine.receiver.health("odigo"), Some(FeedHealth::Waiting));

    let heartbeat = r#"{"eventType":"HEARTBEAT","timestamp":"2026-11-23T12:00:00Z"}"#;
    assert_eq!(engine.post(JSON, heartbeat).await.0, 204);
    assert_eq!(engine.feed().await, "- Up");
    assert_eq!(engine.feed().await, "- Stale");
    assert_eq!(engine.post(JSON, heartbeat).await.0, 204);
    assert_eq!(engine.feed().await, "- Up");
    let stats = engine.receiver.integration_stats("odigo").unwrap();
    assert_eq!((stats.heartbeats, stats.accepted), (2, 0));
}

/// Odigo's web service, for the pause look-ups: `GET <base>/agent/v1/agents/<login>` with
/// Basic auth, answering each known agent's pause; `down` answers 503.
struct WebServiceStub {
    url: String,
    requests: Arc<AtomicUsize>,
}

/// A real HTTP server on loopback standing for Odigo's web service: answers `jdoe`'s pause,
/// after `delay`, or 503 when `down`.
async fn web_service(delay: Duration, down: bool) -> WebServiceStub {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/acme", listener.local_addr().unwrap());
    let requests = Arc::new(AtomicUsize::new(0));
    let counted = requests.clone();
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let counted = counted.clone();
            tokio::spawn(async move {
                let service = service_fn(move |request: hyper::Request<_>| {
                    counted.fetch_add(1, Ordering::SeqCst);
                    async move {
                        tokio::time::sleep(delay).await;
                        let authorized = request
                            .headers()
                            .get("authorization")
                            .is_some_and(|value| value == "Basic d2ZtOnMzY3JldA=="); // wfm:s3cret
                        let (status, body) = match (down, authorized, request.uri().path()) {
                            (true, _, _) => (503, String::new()),
                            (_, false, _) => (401, String::new()),
                            (_, _, "/acme/agent/v1/agents/jdoe") => (
                                200,
                                r#"{"login":"jdoe","state":"PAUSE","pause":{"code":"7","label":"Lunch"}}"#
                                    .to_string(),
                            ),
                            _ => (404, String::new()),
                        };
                        let mut response = hyper::Response::new(Full::new(Bytes::from(body)));
                        *response.status_mut() = hyper::StatusCode::from_u16(status).unwrap();
                        Ok::<_, std::convert::Infallible>(response)
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    WebServiceStub { url, requests }
}

fn pause_details(stub: &WebServiceStub, timeout: Duration) -> Arc<PauseResolver> {
    let mut config = PauseDetailsConfig::new(&stub.url, "wfm", Password::new("s3cret"));
    config.timeout = timeout;
    Arc::new(PauseResolver::from_config(&config).unwrap())
}

#[tokio::test]
async fn pause_details_complete_bare_pauses_when_on() {
    let stub = web_service(Duration::ZERO, false).await;
    let option = pause_details(&stub, Duration::from_secs(2));
    let mut engine = Engine::start(
        |_| {},
        |integration| integration.pause_details = Some(option),
    )
    .await;
    assert_eq!(engine.feed().await, "pause-details Waiting");

    let bare = agent_state("jdoe", "PAUSE", Some("p-1"));
    assert_eq!(engine.post(JSON, bare.clone()).await.0, 204);
    assert_eq!(engine.status().await, "jdoe away PAUSE 7 Lunch");
    assert_eq!(engine.feed().await, "pause-details Up");
    assert_eq!(engine.feed().await, "- Up");

    // A retry of the same change is answered from the cache (and is a duplicate).
    assert_eq!(engine.post(JSON, bare).await.0, 204);
    // A pause that says its code is not looked up.
    let told =
        r#"{"login":"jdoe","state":"PAUSE","pauseCode":"9","timestamp":"2026-11-23T12:10:00Z"}"#;
    assert_eq!(engine.post(JSON, told).await.0, 204);
    assert_eq!(engine.status().await, "jdoe away PAUSE 9 -");
    assert_eq!(stub.requests.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn pause_details_off_leaves_bare_pauses_plain() {
    let stub = web_service(Duration::ZERO, false).await;
    let mut engine = Engine::start(|_| {}, |_| {}).await;
    assert_eq!(
        engine
            .post(JSON, agent_state("jdoe", "PAUSE", None))
            .await
            .0,
        204
    );
    assert_eq!(engine.status().await, "jdoe away PAUSE - -");
    assert_eq!(stub.requests.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_failing_web_service_keeps_the_plain_pause_and_says_so_in_feed_health() {
    for (delay, down, reason) in [
        (Duration::ZERO, true, "503"),
        (Duration::from_secs(5), false, "in time"),
    ] {
        let stub = web_service(delay, down).await;
        let option = pause_details(&stub, Duration::from_millis(300));
        let mut engine = Engine::start(
            |_| {},
            |integration| integration.pause_details = Some(option),
        )
        .await;
        assert_eq!(engine.feed().await, "pause-details Waiting");
        let started = std::time::Instant::now();
        let (status, _) = engine.post(JSON, agent_state("jdoe", "PAUSE", None)).await;
        assert_eq!(status, 204);
        // Never held much past the look-up's time-out (a generous bound for a busy machine).
        assert!(started.elapsed() < Duration::from_secs(3));
        assert_eq!(engine.status().await, "jdoe away PAUSE - -");
        let (_, feed) = support::next_feed(&mut engine.feeds, GUARD).await;
        assert_eq!(feed.address.as_deref(), Some(PAUSE_DETAILS_ADDRESS));
        assert_eq!(feed.health, FeedHealth::Down);
        let detail = feed.detail.clone().unwrap_or_default();
        assert!(detail.to_lowercase().contains(reason), "{reason}: {detail}");
        assert!(!detail.contains("s3cret"));
    }
}

/// A publisher that holds the pipeline on its first status change until released.
#[derive(Debug)]
struct Gate {
    inner: BusPublisher,
    entered: std::sync::mpsc::SyncSender<()>,
    release: Mutex<std::sync::mpsc::Receiver<()>>,
}

impl Publisher for Gate {
    fn feed(&self, time: rta_model::Timestamp, event: rta_model::FeedEvent) {
        self.inner.feed(time, event);
    }

    fn status(&self, key: rta_model::AgentKey, current: &rta_state::AgentStatus<'_>) {
        let _ = self.entered.try_send(());
        let _ = self.release.lock().unwrap().recv();
        self.inner.status(key, current);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_full_pipeline_answers_503_and_the_retry_is_accepted() {
    let (entered_tx, entered) = std::sync::mpsc::sync_channel(8);
    let (release, release_rx) = std::sync::mpsc::channel();
    let release_rx = Mutex::new(release_rx);
    let mut engine = Engine::start_with(
        |config| {
            // One shard, so that the three agents share its queue.
            config.shards = 1;
            config.queue_capacity = 1;
        },
        |_| {},
        |bus, live| {
            Arc::new(Gate {
                inner: BusPublisher::new(bus, live),
                entered: entered_tx,
                release: release_rx,
            })
        },
    )
    .await;
    // The first change holds the pipeline; the second fills its queue; the third is refused.
    assert_eq!(
        engine
            .post(JSON, agent_state("a1", "AVAILABLE", None))
            .await
            .0,
        204
    );
    tokio::task::spawn_blocking(move || entered.recv_timeout(GUARD).unwrap())
        .await
        .unwrap();
    assert_eq!(
        engine
            .post(JSON, agent_state("a2", "AVAILABLE", None))
            .await
            .0,
        204
    );
    let refused = agent_state("a3", "AVAILABLE", Some("r-1"));
    let (status, _) = engine.post(JSON, refused.clone()).await;
    assert_eq!(status, 503);
    for _ in 0..3 {
        release.send(()).unwrap();
    }
    assert_eq!(engine.status().await, "a1 available AVAILABLE - -");
    assert_eq!(engine.status().await, "a2 available AVAILABLE - -");
    // The refused request left no trace: its retry is not a duplicate.
    assert_eq!(engine.post(JSON, refused).await.0, 204);
    assert_eq!(engine.status().await, "a3 available AVAILABLE - -");
    let stats = engine.receiver.integration_stats("odigo").unwrap();
    assert_eq!((stats.refused, stats.duplicates), (1, 0));
}

#[tokio::test]
async fn keep_alive_serves_pipelined_requests_in_order_on_one_connection() {
    let mut engine = Engine::start(|_| {}, |_| {}).await;
    let mut stream = TcpStream::connect(engine.receiver.local_addr())
        .await
        .unwrap();
    let request = |login: &str| {
        let body = agent_state(login, "AVAILABLE", None);
        format!(
            "POST /odigo/{} HTTP/1.1\r\nHost: odigo\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\n\r\n{body}",
            engine.token.expose(),
            body.len()
        )
    };
    let both = format!("{}{}", request("k1"), request("k2"));
    stream.write_all(both.as_bytes()).await.unwrap();
    let mut answers = String::new();
    let mut buffer = [0; 1_024];
    while answers.matches("HTTP/1.1 204").count() < 2 {
        let n = tokio::time::timeout(GUARD, stream.read(&mut buffer))
            .await
            .unwrap()
            .unwrap();
        assert_ne!(n, 0, "the connection closed: {answers}");
        answers.push_str(std::str::from_utf8(&buffer[..n]).unwrap());
    }
    assert_eq!(
        engine.statuses(2).await,
        ["k1 available AVAILABLE - -", "k2 available AVAILABLE - -"]
    );
}

#[tokio::test]
async fn rotation_pause_and_removal_take_effect_at_once() {
    let mut engine = Engine::start(|_| {}, |_| {}).await;
    let old_url = engine.url();
    let new = Token::generate().unwrap();
    engine.receiver.set_token("odigo", new.hash()).unwrap();
    let body = agent_state("jdoe", "AVAILABLE", None);
    assert_eq!(engine.send_to(&old_url, JSON, body.clone()).await.0, 404);
    let new_url = format!("{}/odigo/{}", engine.base, new.expose());
    assert_eq!(engine.send_to(&new_url, JSON, body.clone()).await.0, 204);
    assert_eq!(engine.status().await, "jdoe available AVAILABLE - -");

    // Paused: refused, so Odigo keeps it and retries; after the resume the retry is applied.
    engine.receiver.set_paused("odigo", true).unwrap();
    let pause = agent_state("jdoe", "PAUSE", Some("p-9")).replace("12:00:05", "12:30:00");
    let (status, text) = engine.send_to(&new_url, JSON, pause.clone()).await;
    assert_eq!((status, text.as_str()), (503, "paused\n"));
    engine.token = new;
    engine.receiver.set_paused("odigo", false).unwrap();
    assert_eq!(engine.post(JSON, pause).await.0, 204);
    assert_eq!(engine.status().await, "jdoe away PAUSE - -");
    let stats = engine.receiver.integration_stats("odigo").unwrap();
    assert_eq!((stats.refused_while_paused, stats.duplicates), (1, 0));

    assert!(matches!(
        engine.receiver.set_paused("nobody", true),
        Err(ReceiverError::UnknownIntegration(_))
    ));
    let duplicate = OdigoIntegration::new("odigo", engine.odigo, Token::generate().unwrap().hash());
    assert!(matches!(
        engine.receiver.add(duplicate),
        Err(ReceiverError::DuplicateName(_))
    ));
    assert!(engine.receiver.remove("odigo"));
    assert_eq!(engine.send_to(&new_url, JSON, body).await.0, 404);
}

#[tokio::test]
async fn https_with_a_configured_certificate() {
    let certificate = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    let directory = tempfile::tempdir().unwrap();
    let chain = directory.path().join("chain.pem");
    let key = directory.path().join("key.pem");
    std::fs::write(&chain, certificate.cert.pem()).unwrap();
    std::fs::write(&key, certificate.key_pair.serialize_pem()).unwrap();
    let files = TlsFiles {
        certificate_chain: chain,
        private_key: key.clone(),
    };
    let mut engine = Engine::start(|config| config.tls = Some(files.clone()), |_| {}).await;
    engine.client = reqwest::Client::builder()
        .add_root_certificate(
            reqwest::Certificate::from_pem(certificate.cert.pem().as_bytes()).unwrap(),
        )
        .build()
        .unwrap();
    assert_eq!(
        engine
            .post(JSON, agent_state("jdoe", "READY", None))
            .await
            .0,
        204
    );
    assert_eq!(engine.status().await, "jdoe available AVAILABLE - -");
    // Plain HTTP on the HTTPS port gets no answer.
    let plain = format!(
        "http://localhost:{}/odigo/x",
        engine.receiver.local_addr().port()
    );
    assert!(reqwest::Client::new().post(plain).send().await.is_err());

    // A missing or wrong key file is a clear start error.
    let mut config = ReceiverConfig::new("127.0.0.1:0".parse().unwrap());
    config.tls = Some(TlsFiles {
        certificate_chain: files.certificate_chain.clone(),
        private_key: directory.path().join("missing.pem"),
    });
    let table = Arc::new(StateTable::new(10));
    let live = Arc::new(LiveStatuses::new(
        table.clone(),
        [] as [(IntegrationId, &str); 0],
    ));
    let publisher = Arc::new(BusPublisher::new(Bus::builder(live.clone()).build(), live));
    let error = OdigoReceiver::start(config, table, publisher, Arc::new(SystemClock))
        .await
        .unwrap_err();
    assert!(matches!(error, ReceiverError::TlsFile { .. }), "{error}");
}

#[tokio::test]
async fn shutdown_applies_what_was_accepted() {
    let engine = Engine::start(|_| {}, |_| {}).await;
    let array = format!(
        "[{}]",
        (0..50)
            .map(|i| agent_state(&format!("s{i:02}"), "AVAILABLE", None))
            .collect::<Vec<_>>()
            .join(",")
    );
    assert_eq!(engine.post(JSON, array).await.0, 204);
    let Engine {
        receiver, table, ..
    } = engine;
    let address = receiver.local_addr();
    receiver.shutdown().await;
    assert_eq!(table.len(), 50);
    assert!(TcpStream::connect(address).await.is_err());
}

#[tokio::test]
async fn idle_and_silent_connections_are_closed() {
    let mut engine = Engine::start(
        |config| config.idle_timeout = Duration::from_millis(300),
        |_| {},
    )
    .await;
    // A client that connects and never sends a request, and one that goes quiet after its
    // first: both are closed by the server, not kept forever.
    let mut silent = TcpStream::connect(engine.receiver.local_addr())
        .await
        .unwrap();
    let body = agent_state("idle", "AVAILABLE", None);
    let request = format!(
        "POST /odigo/{} HTTP/1.1\r\nHost: odigo\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n{body}",
        engine.token.expose(),
        body.len()
    );
    let mut quiet = TcpStream::connect(engine.receiver.local_addr())
        .await
        .unwrap();
    quiet.write_all(request.as_bytes()).await.unwrap();
    assert_eq!(engine.status().await, "idle available AVAILABLE - -");
    for stream in [&mut silent, &mut quiet] {
        let mut rest = Vec::new();
        let closed = tokio::time::timeout(GUARD, stream.read_to_end(&mut rest)).await;
        assert!(closed.is_ok(), "the connection was not closed");
    }
}

#[tokio::test]
async fn a_request_not_sent_in_time_is_408() {
    let engine = Engine::start(
        |config| config.request_timeout = Duration::from_millis(300),
        |_| {},
    )
    .await;
    // The head promises 100 bytes of body; 10 come, then nothing.
    let request = format!(
        "POST /odigo/{} HTTP/1.1\r\nHost: odigo\r\nContent-Type: application/json\r\n\
         Content-Length: 100\r\n\r\n{{\"login\":",
        engine.token.expose()
    );
    assert!(engine.raw(&request).await.starts_with("HTTP/1.1 408 "));
    assert_eq!(engine.receiver.stats().timed_out, 1);
}

#[tokio::test]
async fn requests_beyond_the_in_flight_limit_are_503() {
    // One request at a time; the first waits for a slow pause look-up.
    let stub = web_service(Duration::from_millis(800), false).await;
    let resolver = pause_details(&stub, Duration::from_secs(2));
    let mut engine = Engine::start(
        |config| config.max_in_flight = 1,
        |integration| integration.pause_details = Some(resolver),
    )
    .await;
    let slow = engine.post(JSON, agent_state("jdoe", "PAUSE", None));
    let refused = async {
        // Sent once the slow one holds the permit (its look-up reached the web service).
        while stub.requests.load(Ordering::SeqCst) == 0 {
            tokio::task::yield_now().await;
        }
        engine
            .post(JSON, agent_state("other", "AVAILABLE", None))
            .await
    };
    let ((slow, _), (refused, _)) = tokio::join!(slow, refused);
    assert_eq!((slow, refused), (204, 503));
    assert_eq!(engine.status().await, "jdoe away PAUSE 7 Lunch");
    assert_eq!(engine.receiver.stats().busy, 1);
}
