//! Pause with details: the web-service client against a real loopback HTTP server playing
//! Odigo's web service, and the resolver against fake sources on tokio's paused clock.

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full, StreamBody, combinators::BoxBody};
use hyper::body::{Frame, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use rta_engine::odigo::{
    MAX_ANSWER_BYTES, Outcome, Password, PauseConfigError, PauseDetailsConfig, PauseResolver,
    PauseStats, WebService,
};
use rta_model::{Direction, Timestamp};
use rta_odigo::{AgentState, LookupError, Pause, PauseDetails, State};
use rta_sim::logs::CapturedLogs;
use std::borrow::Cow;
use std::collections::VecDeque;
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;

const USER: &str = "rta-ws";
const PASSWORD: &str = "s3cret-Pa55w0rd";
/// `Basic` + base64 of `rta-ws:s3cret-Pa55w0rd`: what must never be logged either.
const BASIC: &str = "cnRhLXdzOnMzY3JldC1QYTU1dzByZA==";

// ---------------------------------------------------------------------------------------
// A loopback Odigo web service.

/// What the simulated service answers to an authenticated request.
enum Reply {
    Json(u16, String),
    /// Answers after this long (real time).
    Slow(Duration),
    /// `200` with this body and its length announced.
    Body(Vec<u8>),
    /// `200` with this many bytes, chunked (no length announced).
    Chunked(usize),
    /// `302` to this location.
    Redirect(String),
}

type Handler = Arc<dyn Fn(&str) -> Reply + Send + Sync>;

/// One request as the service saw it.
#[derive(Debug, Clone)]
struct Seen {
    /// The path as sent (still percent-encoded).
    path: String,
    authorization: Option<String>,
    accept: Option<String>,
}

struct Service {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Service {
    /// The Odigo URL with a tenant id, as the integration form has it.
    fn url(&self) -> String {
        format!("http://{}/acme", self.addr)
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

/// A service checking Basic auth (`401` without the right credentials) and answering the
/// rest with `handler`, given the request path.
async fn serve(handler: impl Fn(&str) -> Reply + Send + Sync + 'static) -> Service {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let handler: Handler = Arc::new(handler);
    let recorded = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let (handler, recorded) = (handler.clone(), recorded.clone());
            let service = service_fn(move |request: Request<Incoming>| {
                let (handler, recorded) = (handler.clone(), recorded.clone());
                async move { Ok::<_, Infallible>(answer(&request, &*handler, &recorded).await) }
            });
            tokio::spawn(http1::Builder::new().serve_connection(TokioIo::new(stream), service));
        }
    });
    Service { addr, seen }
}

async fn answer(
    request: &Request<Incoming>,
    handler: &(dyn Fn(&str) -> Reply + Send + Sync),
    recorded: &Mutex<Vec<Seen>>,
) -> Response<BoxBody<Bytes, Infallible>> {
    let header = |name| {
        request
            .headers()
            .get(name)
            .map(|value| value.to_str().unwrap().to_owned())
    };
    let seen = Seen {
        path: request.uri().path().to_owned(),
        authorization: header(hyper::header::AUTHORIZATION),
        accept: header(hyper::header::ACCEPT),
    };
    recorded.lock().unwrap().push(seen.clone());
    if seen.authorization.as_deref() != Some(&format!("Basic {BASIC}")) {
        return respond(401, r#"{"error":"unauthorized"}"#);
    }
    match handler(&seen.path) {
        Reply::Json(status, body) => respond(status, body),
        Reply::Slow(delay) => {
            tokio::time::sleep(delay).await;
            respond(200, LUNCH)
        }
        Reply::Body(body) => respond(200, body),
        Reply::Chunked(size) => {
            let chunks =
                (0..size.div_ceil(8192)).map(|_| Ok(Frame::data(Bytes::from(vec![b' '; 8192]))));
            Response::new(StreamBody::new(futures::stream::iter(chunks)).boxed())
        }
        Reply::Redirect(location) => Response::builder()
            .status(302)
            .header(hyper::header::LOCATION, location)
            .body(Full::new(Bytes::new()).boxed())
            .unwrap(),
    }
}

fn respond(status: u16, body: impl Into<Bytes>) -> Response<BoxBody<Bytes, Infallible>> {
    Response::builder()
        .status(status)
        .header(hyper::header::CONTENT_TYPE, "application/json")
        .body(Full::new(body.into()).boxed())
        .unwrap()
}

const LUNCH: &str = r#"{"login":"jdoe","state":"PAUSE","pause":{"code":7,"label":"Lunch"}}"#;

/// The usual service: agents in lunch pause, but `idle`, who is available.
fn odigo(path: &str) -> Reply {
    if path.ends_with("/idle") {
        Reply::Json(
            200,
            r#"{"login":"idle","state":"AVAILABLE","pause":null}"#.into(),
        )
    } else {
        Reply::Json(200, LUNCH.into())
    }
}

fn config(url: &str) -> PauseDetailsConfig {
    PauseDetailsConfig::new(url, USER, Password::new(PASSWORD))
}

fn web_service(url: &str) -> WebService {
    WebService::new(&config(url)).unwrap()
}

fn lunch() -> Pause<'static> {
    Pause {
        code: Some(Cow::Borrowed("7")),
        label: Some(Cow::Borrowed("Lunch")),
    }
}

// ---------------------------------------------------------------------------------------
// The web-service client.

#[tokio::test]
async fn the_right_credentials_get_the_pause() {
    let service = serve(odigo).await;
    let pause = web_service(&service.url()).current_pause("jdoe").await;
    assert_eq!(pause, Ok(lunch()));
    let seen = service.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].path, "/acme/agent/v1/agents/jdoe");
    assert_eq!(
        seen[0].authorization.as_deref(),
        Some(&*format!("Basic {BASIC}"))
    );
    assert_eq!(seen[0].accept.as_deref(), Some("application/json"));
}

#[tokio::test]
async fn a_trailing_slash_in_the_url_changes_nothing() {
    let service = serve(odigo).await;
    let url = format!("{}/", service.url());
    assert_eq!(web_service(&url).current_pause("jdoe").await, Ok(lunch()));
    assert_eq!(service.seen()[0].path, "/acme/agent/v1/agents/jdoe");
}

#[tokio::test]
async fn an_agent_not_in_pause_gets_an_empty_pause() {
    let service = serve(odigo).await;
    let pause = web_service(&service.url()).current_pause("idle").await;
    assert_eq!(pause, Ok(Pause::default()));
}

#[tokio::test]
async fn wrong_credentials_are_unauthorized() {
    let service = serve(odigo).await;
    let mut config = config(&service.url());
    config.password = Password::new("wrong");
    let pause = WebService::new(&config)
        .unwrap()
        .current_pause("jdoe")
        .await;
    assert_eq!(pause, Err(LookupError::Unauthorized));
}

#[tokio::test]
async fn other_statuses_are_reported() {
    for (status, expected) in [
        (403, LookupError::Unauthorized),
        (404, LookupError::Status(404)),
        (500, LookupError::Status(500)),
        (503, LookupError::Status(503)),
        (204, LookupError::Status(204)),
    ] {
        let service = serve(move |_: &str| Reply::Json(status, "{}".into())).await;
        let pause = web_service(&service.url()).current_pause("jdoe").await;
        assert_eq!(pause, Err(expected), "{status}");
    }
}

#[tokio::test]
async fn a_slow_answer_times_out() {
    let service = serve(|_: &str| Reply::Slow(Duration::from_secs(5))).await;
    let mut config = config(&service.url());
    config.timeout = Duration::from_millis(200);
    let started = std::time::Instant::now();
    let pause = WebService::new(&config)
        .unwrap()
        .current_pause("jdoe")
        .await;
    assert_eq!(pause, Err(LookupError::TimedOut));
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_millis(200) && elapsed < Duration::from_secs(1),
        "{elapsed:?}"
    );
}

#[tokio::test]
async fn a_garbage_body_is_a_bad_response() {
    for body in [
        &b"<html>oops</html>"[..],
        b"",
        b"[1,2]",
        b"{\"pause\":\"Lunch\"}",
        b"\xff\xfe",
    ] {
        let service = serve(move |_: &str| Reply::Body(body.to_vec())).await;
        let pause = web_service(&service.url()).current_pause("jdoe").await;
        assert!(
            matches!(pause, Err(LookupError::BadResponse(_))),
            "{body:?}: {pause:?}"
        );
    }
}

#[tokio::test]
async fn a_huge_body_is_refused() {
    let announced = serve(|_: &str| Reply::Body(vec![b' '; 10 * MAX_ANSWER_BYTES])).await;
    let chunked = serve(|_: &str| Reply::Chunked(10 * MAX_ANSWER_BYTES)).await;
    for service in [announced, chunked] {
        let pause = web_service(&service.url()).current_pause("jdoe").await;
        let Err(LookupError::BadResponse(reason)) = pause else {
            panic!("{pause:?}");
        };
        assert!(reason.contains("64 KiB"), "{reason}");
    }
    // Just under the limit is read (blanks around the object).
    let padded = format!("{LUNCH}{}", " ".repeat(MAX_ANSWER_BYTES - LUNCH.len()));
    let service = serve(move |_: &str| Reply::Body(padded.clone().into_bytes())).await;
    assert_eq!(
        web_service(&service.url()).current_pause("jdoe").await,
        Ok(lunch())
    );
}

#[tokio::test]
async fn a_refused_connection_is_a_transport_error() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}/acme");
    let pause = web_service(&url).current_pause("jdoe").await;
    let Err(LookupError::Transport(reason)) = pause else {
        panic!("{pause:?}");
    };
    assert!(reason.to_lowercase().contains("refused"), "{reason}");
    assert!(!reason.contains(PASSWORD) && !reason.contains(BASIC));
}

#[tokio::test]
async fn logins_are_one_percent_encoded_path_segment() {
    let service = serve(odigo).await;
    let client = web_service(&service.url());
    let cases = [
        ("a/b", "a%2Fb"),
        ("jean dupont", "jean%20dupont"),
        ("jdoe@acme.example", "jdoe%40acme.example"),
        ("é東", "%C3%A9%E6%9D%B1"),
        ("50%?#x", "50%25%3F%23x"),
        ("../admin", "..%2Fadmin"),
        ("...", "..."),
        ("a~b_c-d.e", "a~b_c-d.e"),
    ];
    for (login, _) in cases {
        assert_eq!(client.current_pause(login).await, Ok(lunch()), "{login}");
    }
    let paths: Vec<String> = service.seen().into_iter().map(|seen| seen.path).collect();
    let expected: Vec<String> = cases
        .iter()
        .map(|(_, segment)| format!("/acme/agent/v1/agents/{segment}"))
        .collect();
    assert_eq!(paths, expected);
}

#[tokio::test]
async fn logins_that_cannot_be_a_segment_are_not_looked_up() {
    let service = serve(odigo).await;
    let client = web_service(&service.url());
    for login in ["", ".", ".."] {
        assert_eq!(
            client.current_pause(login).await,
            Err(LookupError::BadLogin)
        );
    }
    assert!(service.seen().is_empty());
}

#[tokio::test]
async fn redirects_are_followed_on_the_same_origin_only() {
    let elsewhere = serve(odigo).await;
    let to_elsewhere = format!("{}/agent/v1/agents/jdoe", elsewhere.url());
    let service = serve(move |path: &str| match path {
        "/acme/agent/v1/agents/moved" => Reply::Redirect("/acme/agent/v1/agents/jdoe".into()),
        "/acme/agent/v1/agents/away" => Reply::Redirect(to_elsewhere.clone()),
        "/acme/agent/v1/agents/loop" => Reply::Redirect(path.into()),
        _ => odigo(path),
    })
    .await;
    let client = web_service(&service.url());
    assert_eq!(client.current_pause("moved").await, Ok(lunch()));
    assert_eq!(
        client.current_pause("away").await,
        Err(LookupError::Status(302))
    );
    assert!(elsewhere.seen().is_empty(), "the credentials stay home");
    assert_eq!(
        client.current_pause("loop").await,
        Err(LookupError::Status(302))
    );
}

#[test]
fn bad_configurations_are_refused_without_echoing_secrets() {
    let cases = [
        ("not a url", PauseConfigError::UrlSyntax(String::new())),
        (
            "ftp://odigo.example/acme",
            PauseConfigError::UrlScheme("ftp".into()),
        ),
        (
            "https://rta-ws:s3cret-Pa55w0rd@odigo.example/acme",
            PauseConfigError::UrlCredentials,
        ),
        (
            "https://rta-ws@odigo.example/acme",
            PauseConfigError::UrlCredentials,
        ),
        (
            "https://odigo.example/acme?tenant=1",
            PauseConfigError::UrlQuery,
        ),
        ("https://odigo.example/acme#x", PauseConfigError::UrlQuery),
    ];
    for (url, expected) in cases {
        let error = WebService::new(&config(url)).unwrap_err();
        assert_eq!(
            std::mem::discriminant(&error),
            std::mem::discriminant(&expected),
            "{url}: {error}"
        );
        for shown in [format!("{error}"), format!("{error:?}")] {
            assert!(!shown.contains(PASSWORD), "{shown}");
        }
    }
    assert_eq!(
        WebService::new(&config("ftp://odigo.example/acme")).unwrap_err(),
        PauseConfigError::UrlScheme("ftp".into())
    );
    for user in ["", "rta:ws"] {
        let mut config = config("https://odigo.example/acme");
        config.user = user.into();
        assert_eq!(
            WebService::new(&config).unwrap_err(),
            PauseConfigError::User
        );
    }
    let mut config = config("https://odigo.example/acme");
    config.timeout = Duration::ZERO;
    assert_eq!(
        WebService::new(&config).unwrap_err(),
        PauseConfigError::ZeroTimeout
    );
}

#[test]
fn the_defaults_are_the_specs() {
    let config = config("https://odigo.example/acme");
    assert_eq!(config.timeout, Duration::from_secs(2));
    assert_eq!(config.cache_capacity, 10_000);
}

#[test]
fn the_password_never_shows_in_debug_output() {
    let password = Password::new(PASSWORD);
    assert_eq!(format!("{password:?}"), "Password(<redacted>)");
    assert_eq!(password.expose(), PASSWORD);

    let with_credentials = config("https://rta-ws:s3cret-Pa55w0rd@odigo.example/acme");
    let unparsable = config("https://rta-ws:s3cret-Pa55w0rd@odigo.example:99999999/acme");
    let good = config("https://odigo.example/acme");
    let client = WebService::new(&good).unwrap();
    let resolver = PauseResolver::from_config(&good).unwrap();
    let shown = [
        format!("{with_credentials:?}"),
        format!("{unparsable:?}"),
        format!("{good:#?}"),
        format!("{client:?}"),
        format!("{client:#?}"),
        format!("{resolver:?}"),
    ];
    for text in &shown {
        assert!(!text.contains(PASSWORD), "{text}");
        assert!(!text.contains(BASIC), "{text}");
    }
    assert!(shown[0].contains("odigo.example"), "{}", shown[0]);
}

#[tokio::test]
async fn the_password_never_shows_in_logs() {
    let logs = CapturedLogs::start();

    let service = serve(odigo).await;
    let resolver = PauseResolver::from_config(&config(&service.url())).unwrap();
    let mut wrong = config(&service.url());
    wrong.password = Password::new(format!("{PASSWORD}-old"));
    let refused = PauseResolver::from_config(&wrong).unwrap();
    let received = Timestamp::from_second(1_795_000_000).unwrap();
    for (n, resolver) in [&resolver, &refused, &resolver].into_iter().enumerate() {
        let mut state = bare_pause("jdoe", Some(received + Duration::from_secs(n as u64)));
        resolver.complete(&mut state, received).await;
    }
    assert_eq!(refused.last_failure(), Some(LookupError::Unauthorized));

    let text = logs.text();
    assert!(text.contains("pause-detail look-up failed"), "{text}");
    assert!(text.contains("jdoe"), "{text}");
    assert!(!text.contains(PASSWORD), "{text}");
    assert!(!text.contains(BASIC), "{text}");
}

// ---------------------------------------------------------------------------------------
// The resolver.

fn bare_pause(login: &str, time: Option<Timestamp>) -> AgentState<'static> {
    AgentState {
        event_id: None,
        tenant: None,
        login: Cow::Owned(login.to_owned()),
        state: State::Pause,
        previous: Some(State::Available),
        direction: Direction::None,
        pause: Pause::default(),
        time,
    }
}

fn at(second: i64) -> Timestamp {
    Timestamp::from_second(1_795_000_000 + second).unwrap()
}

/// A source answering from a list, one answer per call, and never once the list is spent.
#[derive(Debug, Default)]
struct Fake {
    answers: Mutex<VecDeque<Result<Pause<'static>, LookupError>>>,
    calls: AtomicUsize,
}

impl Fake {
    fn answering(
        answers: impl IntoIterator<Item = Result<Pause<'static>, LookupError>>,
    ) -> Arc<Fake> {
        Arc::new(Fake {
            answers: Mutex::new(answers.into_iter().collect()),
            calls: AtomicUsize::new(0),
        })
    }

    fn calls(&self) -> usize {
        self.calls.load(Ordering::Relaxed)
    }
}

impl PauseDetails for Fake {
    fn current_pause<'s>(
        &'s self,
        _login: &'s str,
    ) -> Pin<Box<dyn Future<Output = Result<Pause<'static>, LookupError>> + Send + 's>> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        match self.answers.lock().unwrap().pop_front() {
            Some(answer) => Box::pin(async move {
                // A service takes some time: the resolver waits for it within the time-out.
                tokio::time::sleep(Duration::from_millis(50)).await;
                answer
            }),
            None => Box::pin(std::future::pending()),
        }
    }
}

const TIMEOUT: Duration = Duration::from_secs(2);

fn resolver(fake: &Arc<Fake>) -> PauseResolver {
    PauseResolver::new(fake.clone(), TIMEOUT, 100)
}

#[tokio::test(start_paused = true)]
async fn a_source_that_never_answers_times_out_after_exactly_the_time_out() {
    let fake = Fake::answering([]);
    let resolver = resolver(&fake);
    let mut state = bare_pause("jdoe", Some(at(0)));
    let started = tokio::time::Instant::now();
    let outcome = resolver.complete(&mut state, at(1)).await;
    assert_eq!(outcome, Outcome::Failed(LookupError::TimedOut));
    assert_eq!(started.elapsed(), TIMEOUT);
    assert_eq!(state, bare_pause("jdoe", Some(at(0))), "kept a plain PAUSE");
    assert_eq!(resolver.last_failure(), Some(LookupError::TimedOut));
}

#[tokio::test(start_paused = true)]
async fn many_hanging_look_ups_together_take_one_time_out() {
    let fake = Fake::answering([]);
    let resolver = resolver(&fake);
    let mut states: Vec<_> = (0..50)
        .map(|n| bare_pause(&format!("agent{n}"), Some(at(0))))
        .collect();
    let started = tokio::time::Instant::now();
    let outcomes = futures::future::join_all(
        states
            .iter_mut()
            .map(|state| resolver.complete(state, at(0))),
    )
    .await;
    assert_eq!(started.elapsed(), TIMEOUT);
    assert!(
        outcomes
            .iter()
            .all(|o| *o == Outcome::Failed(LookupError::TimedOut))
    );
    assert_eq!(resolver.stats().failures, 50);
}

#[tokio::test(start_paused = true)]
async fn a_bare_pause_is_completed() {
    let fake = Fake::answering([Ok(lunch())]);
    let resolver = resolver(&fake);
    let mut state = bare_pause("jdoe", Some(at(0)));
    let started = tokio::time::Instant::now();
    assert_eq!(
        resolver.complete(&mut state, at(1)).await,
        Outcome::Completed
    );
    assert_eq!(
        started.elapsed(),
        Duration::from_millis(50),
        "no longer than the answer"
    );
    assert_eq!(state.pause, lunch());
    assert_eq!(state.state, State::Pause);
    assert_eq!(resolver.last_failure(), None);
}

#[tokio::test(start_paused = true)]
async fn only_bare_pauses_are_looked_up() {
    let fake = Fake::answering([Ok(lunch())]);
    let resolver = resolver(&fake);
    let mut available = bare_pause("jdoe", Some(at(0)));
    available.state = State::Available;
    let mut with_code = bare_pause("jdoe", Some(at(0)));
    with_code.pause.code = Some(Cow::Borrowed("3"));
    let mut with_label = bare_pause("jdoe", Some(at(0)));
    with_label.pause.label = Some(Cow::Borrowed("Training"));
    for mut state in [available, with_code, with_label] {
        let before = state.clone();
        assert_eq!(
            resolver.complete(&mut state, at(1)).await,
            Outcome::NotNeeded
        );
        assert_eq!(state, before);
    }
    assert_eq!(fake.calls(), 0);
    assert_eq!(resolver.stats(), PauseStats::default());
}

#[tokio::test(start_paused = true)]
async fn not_in_pause_leaves_a_plain_pause() {
    let fake = Fake::answering([Ok(Pause::default())]);
    let resolver = resolver(&fake);
    let mut state = bare_pause("jdoe", Some(at(0)));
    assert_eq!(
        resolver.complete(&mut state, at(1)).await,
        Outcome::NotInPause
    );
    assert_eq!(state, bare_pause("jdoe", Some(at(0))));
    // The answer is cached too: a retry does not ask again.
    assert_eq!(
        resolver.complete(&mut state, at(5)).await,
        Outcome::NotInPause
    );
    assert_eq!(fake.calls(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_retry_of_the_same_change_hits_the_cache() {
    let fake = Fake::answering([Ok(lunch()), Ok(Pause::default())]);
    let resolver = resolver(&fake);
    let mut first = bare_pause("jdoe", Some(at(0)));
    assert_eq!(
        resolver.complete(&mut first, at(1)).await,
        Outcome::Completed
    );

    // Odigo retries the same notification later: same login and event time.
    let mut retry = bare_pause("jdoe", Some(at(0)));
    let started = tokio::time::Instant::now();
    assert_eq!(
        resolver.complete(&mut retry, at(30)).await,
        Outcome::Completed
    );
    assert_eq!(started.elapsed(), Duration::ZERO, "answered at once");
    assert_eq!(retry.pause, lunch());
    assert_eq!(fake.calls(), 1);

    // Another change of the same agent is looked up afresh.
    let mut next = bare_pause("jdoe", Some(at(60)));
    assert_eq!(
        resolver.complete(&mut next, at(61)).await,
        Outcome::NotInPause
    );
    assert_eq!(fake.calls(), 2);
    assert_eq!(
        resolver.stats(),
        PauseStats {
            lookups: 2,
            completed: 2,
            not_in_pause: 1,
            failures: 0,
            cache_hits: 1,
        }
    );
}

#[tokio::test(start_paused = true)]
async fn without_an_event_time_the_receive_time_is_the_key() {
    let fake = Fake::answering([Ok(lunch()), Ok(lunch())]);
    let resolver = resolver(&fake);
    for received in [at(0), at(0), at(1)] {
        let mut state = bare_pause("jdoe", None);
        assert_eq!(
            resolver.complete(&mut state, received).await,
            Outcome::Completed
        );
    }
    assert_eq!(fake.calls(), 2);
    assert_eq!(resolver.stats().cache_hits, 1);
}

#[tokio::test(start_paused = true)]
async fn failures_are_not_cached_and_clear_on_success() {
    let fake = Fake::answering([
        Err(LookupError::Status(500)),
        Err(LookupError::Unauthorized),
        Ok(lunch()),
    ]);
    let resolver = resolver(&fake);
    let expected = [
        Outcome::Failed(LookupError::Status(500)),
        Outcome::Failed(LookupError::Unauthorized),
        Outcome::Completed,
    ];
    let failures = [
        Some(LookupError::Status(500)),
        Some(LookupError::Unauthorized),
        None,
    ];
    for (outcome, failure) in expected.into_iter().zip(failures) {
        let mut state = bare_pause("jdoe", Some(at(0)));
        assert_eq!(resolver.complete(&mut state, at(1)).await, outcome);
        assert_eq!(resolver.last_failure(), failure);
        if outcome != Outcome::Completed {
            assert!(state.pause.is_empty(), "kept a plain PAUSE");
        }
    }
    assert_eq!(fake.calls(), 3);
    let stats = resolver.stats();
    assert_eq!((stats.lookups, stats.failures, stats.completed), (3, 2, 1));
}

#[tokio::test(start_paused = true)]
async fn the_cache_is_bounded() {
    let fake = Fake::answering((0..4).map(|_| Ok(lunch())));
    let resolver = PauseResolver::new(fake.clone(), TIMEOUT, 2);
    for login in ["a", "b", "c"] {
        resolver
            .complete(&mut bare_pause(login, Some(at(0))), at(0))
            .await;
    }
    // "a" was evicted by "c"; "c" is still there.
    resolver
        .complete(&mut bare_pause("c", Some(at(0))), at(0))
        .await;
    assert_eq!(fake.calls(), 3);
    resolver
        .complete(&mut bare_pause("a", Some(at(0))), at(0))
        .await;
    assert_eq!(fake.calls(), 4);
}

/// A source that ignores time-outs and would answer much later: the resolver's own bound
/// still holds.
#[derive(Debug)]
struct Sluggish;

impl PauseDetails for Sluggish {
    fn current_pause<'s>(
        &'s self,
        _login: &'s str,
    ) -> Pin<Box<dyn Future<Output = Result<Pause<'static>, LookupError>> + Send + 's>> {
        Box::pin(async {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            Ok(lunch())
        })
    }
}

#[tokio::test(start_paused = true)]
async fn a_misbehaving_source_cannot_hold_the_notification() {
    let resolver = PauseResolver::new(Arc::new(Sluggish), Duration::from_millis(300), 10);
    let mut state = bare_pause("jdoe", Some(at(0)));
    let started = tokio::time::Instant::now();
    assert_eq!(
        resolver.complete(&mut state, at(0)).await,
        Outcome::Failed(LookupError::TimedOut)
    );
    assert_eq!(started.elapsed(), Duration::from_millis(300));
}

#[tokio::test]
async fn the_resolver_over_the_web_service_caches_per_change() {
    let service = serve(odigo).await;
    let resolver = PauseResolver::from_config(&config(&service.url())).unwrap();
    for received in [at(1), at(2), at(3)] {
        let mut state = bare_pause("jdoe", Some(at(0)));
        assert_eq!(
            resolver.complete(&mut state, received).await,
            Outcome::Completed
        );
        assert_eq!(state.pause, lunch());
    }
    assert_eq!(service.seen().len(), 1, "retries answered from the cache");
    let mut idle = bare_pause("idle", Some(at(0)));
    assert_eq!(
        resolver.complete(&mut idle, at(1)).await,
        Outcome::NotInPause
    );
    assert_eq!(service.seen().len(), 2);
}

#[tokio::test]
async fn the_web_service_down_keeps_a_plain_pause() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let resolver =
        PauseResolver::from_config(&config(&format!("http://127.0.0.1:{port}/acme"))).unwrap();
    let mut state = bare_pause("jdoe", Some(at(0)));
    let outcome = resolver.complete(&mut state, at(1)).await;
    assert!(
        matches!(outcome, Outcome::Failed(LookupError::Transport(_))),
        "{outcome:?}"
    );
    assert_eq!(state, bare_pause("jdoe", Some(at(0))));
    assert!(matches!(
        resolver.last_failure(),
        Some(LookupError::Transport(_))
    ));
}
