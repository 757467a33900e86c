//! The simulated Odigo web service: the agent look-up the engine calls for a PAUSE that came
//! without its code and label (`specs/odigo.md`, "Pause with details").
//!
//! `GET <tenant url>/agent/v1/agents/<login>` (the login percent-encoded) with HTTP Basic
//! auth answers, from the shared [`Roster`]:
//!
//! - `200` `{"login":..,"id":..,"state":"PAUSE","since":..,"pause":{"code":"7","label":"Training"}}`
//!   (`"pause":null` out of a pause);
//! - `401` with `WWW-Authenticate` for missing or wrong credentials;
//! - `404` for an unknown agent or any other path, `405` for another method;
//! - `503` while [`WebServiceHandle::set_down`] is on.
//!
//! Every answer waits [`WebServiceHandle::set_latency`] first, to exercise the engine's
//! time-out. A real HTTP/1.1 server (hyper) with keep-alive.

use crate::odigo::agents::{AgentTruth, Roster};
use crate::odigo::error::OdigoSimError;
use base64::Engine as _;
use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{ALLOW, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue, WWW_AUTHENTICATE};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::fmt;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::task::{JoinHandle, JoinSet};
use tokio_util::sync::CancellationToken;

/// How the web service listens and whom it lets in. Its debug output hides the password.
#[derive(Clone)]
pub struct WebServiceConfig {
    /// The address to listen on; port 0 picks a free port ([`WebServiceHandle::url`]).
    pub listen: String,
    /// The tenant id: the first path segment of the service's URL.
    pub tenant: String,
    pub user: String,
    pub password: String,
    /// The truth it answers from (usually [`crate::odigo::OdigoSim::roster`]).
    pub roster: Roster,
}

impl WebServiceConfig {
    /// A service on a free loopback port.
    pub fn new(roster: Roster, tenant: &str, user: &str, password: &str) -> WebServiceConfig {
        WebServiceConfig {
            listen: "127.0.0.1:0".to_owned(),
            tenant: tenant.to_owned(),
            user: user.to_owned(),
            password: password.to_owned(),
            roster,
        }
    }
}

impl fmt::Debug for WebServiceConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebServiceConfig")
            .field("listen", &self.listen)
            .field("tenant", &self.tenant)
            .field("user", &self.user)
            .field("agents", &self.roster.len())
            .finish_non_exhaustive()
    }
}

struct Shared {
    roster: Roster,
    /// `/<tenant>/agent/v1/agents/`.
    base: String,
    /// `user:password`, as Basic auth carries it.
    credentials: Vec<u8>,
    down: AtomicBool,
    latency_micros: AtomicU64,
    requests: AtomicU64,
}

impl fmt::Debug for Shared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Shared")
            .field("base", &self.base)
            .field("down", &self.down)
            .field("latency_micros", &self.latency_micros)
            .field("requests", &self.requests)
            .finish_non_exhaustive()
    }
}

/// A simulated Odigo web service ([`WebService::start`]).
#[derive(Debug)]
pub struct WebService;

impl WebService {
    /// Listens on `config.listen` and answers look-ups until the handle is stopped or
    /// dropped. Needs a tokio runtime.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use rta_sim::odigo::{OdigoSim, OdigoSimConfig, WebService, WebServiceConfig};
    ///
    /// let start = "2026-11-23T08:00:00Z".parse().unwrap();
    /// let sim = OdigoSim::new(OdigoSimConfig::new("acme", 3, 1, start)).unwrap();
    /// let config = WebServiceConfig::new(sim.roster(), "acme", "wfm", "s3cret");
    /// let service = WebService::start(config).await.unwrap();
    /// let url = format!("{}/agent/v1/agents/agent0001%40acme.example", service.url());
    /// let answer = reqwest::Client::new()
    ///     .get(url)
    ///     .basic_auth("wfm", Some("s3cret"))
    ///     .send()
    ///     .await
    ///     .unwrap();
    /// assert_eq!(answer.status(), 200);
    /// let text = answer.text().await.unwrap();
    /// assert!(text.contains(r#""state":"LOGGED_OUT""#), "{text}");
    /// service.stop().await;
    /// # }
    /// ```
    pub async fn start(config: WebServiceConfig) -> Result<WebServiceHandle, OdigoSimError> {
        let listen_error = |source| OdigoSimError::Listen {
            addr: config.listen.clone(),
            source,
        };
        let listener = TcpListener::bind(&config.listen)
            .await
            .map_err(listen_error)?;
        let addr = listener.local_addr().map_err(listen_error)?;
        let shared = Arc::new(Shared {
            roster: config.roster,
            base: format!("/{}/agent/v1/agents/", config.tenant),
            credentials: format!("{}:{}", config.user, config.password).into_bytes(),
            down: AtomicBool::new(false),
            latency_micros: AtomicU64::new(0),
            requests: AtomicU64::new(0),
        });
        let cancel = CancellationToken::new();
        let task = tokio::spawn(accept(listener, shared.clone(), cancel.clone()));
        let url = format!("http://{addr}/{}", config.tenant);
        tracing::info!(%url, "Odigo web service listening");
        Ok(WebServiceHandle {
            addr,
            url,
            shared,
            cancel,
            task: Mutex::new(Some(task)),
        })
    }
}

/// A running [`WebService`]: its URL, faults on demand, its request count. Dropping it stops
/// the service (as [`WebServiceHandle::stop`] does, without waiting).
#[derive(Debug)]
pub struct WebServiceHandle {
    addr: SocketAddr,
    url: String,
    shared: Arc<Shared>,
    cancel: CancellationToken,
    task: Mutex<Option<JoinHandle<()>>>,
}

impl WebServiceHandle {
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The Odigo URL with tenant id, as the engine's configuration takes it:
    /// `http://127.0.0.1:PORT/<tenant>`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// While down, every request is answered `503`.
    pub fn set_down(&self, down: bool) {
        tracing::debug!(down, "web service fault");
        self.shared.down.store(down, Ordering::Relaxed);
    }

    /// Every answer waits this long first (zero: none).
    pub fn set_latency(&self, latency: Duration) {
        let micros = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
        self.shared.latency_micros.store(micros, Ordering::Relaxed);
    }

    /// Requests received (every path, every answer), counted as they arrive.
    pub fn requests(&self) -> u64 {
        self.shared.requests.load(Ordering::Relaxed)
    }

    /// Stops the service: closes the listener (the port is free on return) and every
    /// connection, in-flight requests unanswered.
    pub async fn stop(&self) {
        self.cancel.cancel();
        let task = self.task.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(task) = task {
            let _ = task.await;
        }
        tracing::info!(addr = %self.addr, "Odigo web service stopped");
    }
}

impl Drop for WebServiceHandle {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

async fn accept(listener: TcpListener, shared: Arc<Shared>, cancel: CancellationToken) {
    let mut connections = JoinSet::new();
    loop {
        while connections.try_join_next().is_some() {}
        let socket = tokio::select! {
            _ = cancel.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok((socket, _)) => socket,
                Err(error) => {
                    // Out of descriptors and the like: wait a little, keep listening.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let shared = shared.clone();
        connections.spawn(async move {
            let service = service_fn(move |request| answer(request, shared.clone()));
            let connection = http1::Builder::new().serve_connection(TokioIo::new(socket), service);
            if let Err(error) = connection.await {
                tracing::debug!(%error, "web service connection ended");
            }
        });
    }
    drop(listener);
    // Aborts the connections, in-flight answers with them.
    connections.shutdown().await;
}

async fn answer(
    request: Request<Incoming>,
    shared: Arc<Shared>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    shared.requests.fetch_add(1, Ordering::Relaxed);
    let latency = Duration::from_micros(shared.latency_micros.load(Ordering::Relaxed));
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let response = route(&request, &shared);
    tracing::debug!(
        method = %request.method(), path = request.uri().path(), status = response.status().as_u16(),
        "web service answered"
    );
    Ok(response)
}

fn route(request: &Request<Incoming>, shared: &Shared) -> Response<Full<Bytes>> {
    if shared.down.load(Ordering::Relaxed) {
        return text(StatusCode::SERVICE_UNAVAILABLE, "service unavailable");
    }
    if !authorized(request.headers(), &shared.credentials) {
        let mut response = text(StatusCode::UNAUTHORIZED, "authentication required");
        response.headers_mut().insert(
            WWW_AUTHENTICATE,
            HeaderValue::from_static(r#"Basic realm="Odigo", charset="UTF-8""#),
        );
        return response;
    }
    if request.method() != Method::GET {
        let mut response = text(StatusCode::METHOD_NOT_ALLOWED, "method not allowed");
        response
            .headers_mut()
            .insert(ALLOW, HeaderValue::from_static("GET"));
        return response;
    }
    let login = request
        .uri()
        .path()
        .strip_prefix(shared.base.as_str())
        .and_then(|raw| percent_encoding::percent_decode_str(raw).decode_utf8().ok());
    match login.and_then(|login| shared.roster.get(&login)) {
        Some(agent) => json(StatusCode::OK, agent_json(&agent)),
        None => json(
            StatusCode::NOT_FOUND,
            serde_json::json!({"error": "unknown agent"}),
        ),
    }
}

/// True when the request carries Basic credentials equal to the configured ones.
fn authorized(headers: &HeaderMap, credentials: &[u8]) -> bool {
    let Some((scheme, encoded)) = headers
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split_once(' '))
    else {
        return false;
    };
    scheme.eq_ignore_ascii_case("basic")
        && base64::engine::general_purpose::STANDARD
            .decode(encoded.trim())
            .is_ok_and(|decoded| decoded == credentials)
}

fn agent_json(agent: &AgentTruth) -> serde_json::Value {
    let pause = agent
        .state
        .pause()
        .map(|reason| serde_json::json!({"code": &*reason.code, "label": &*reason.label}));
    serde_json::json!({
        "login": &*agent.login,
        "id": &*agent.id,
        "state": agent.state.name(),
        "since": format!("{:.3}", agent.since),
        "pause": pause,
    })
}

fn respond(status: StatusCode, content_type: &'static str, body: String) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

fn text(status: StatusCode, reason: &str) -> Response<Full<Bytes>> {
    respond(status, "text/plain; charset=utf-8", reason.to_owned())
}

fn json(status: StatusCode, value: serde_json::Value) -> Response<Full<Bytes>> {
    respond(status, "application/json", value.to_string())
}
