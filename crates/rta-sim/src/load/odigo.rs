//! The Odigo side of a load: keep-alive HTTP/1.1 connections POSTing one JSON notification
//! per request (spec `odigo.md`, the canonical keys) to the engine's token URL, one request
//! in flight per connection. Every notification is a new state for its agent.
//!
//! The requests (head and body) are encoded before the run; the client is a plain socket
//! loop (write a request, read the answer's head and body) so the load costs the engine's
//! machine as little as possible. `503` (the engine's back-pressure) is counted and the same
//! request sent again; any other non-2xx answer is counted as refused (its notification will
//! publish nothing).

use super::paced::{Paced, PacedBuilder};
use super::plan::{ODIGO_STATES, odigo_login};
use super::{LoadError, Pace};
use bytes::{Buf, BytesMut};
use jiff::Timestamp;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use std::io::Write;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;

/// Where notifications go: the receiver's address and the request target (path and query).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Endpoint {
    pub(crate) address: SocketAddr,
    host: String,
    target: String,
}

impl Endpoint {
    /// The `Host` header value.
    pub(crate) fn host(&self) -> &str {
        &self.host
    }

    /// The request target (path and query).
    pub(crate) fn target(&self) -> &str {
        &self.target
    }
}

/// Reads an `http://host:port/path?query` URL (a loopback load: no TLS), resolving the host.
pub(crate) async fn endpoint(url: &str) -> Result<Endpoint, LoadError> {
    let bad = |reason: &str| LoadError::Url {
        url: redact(url),
        reason: reason.to_owned(),
    };
    let parsed = reqwest::Url::parse(url).map_err(|error| bad(&error.to_string()))?;
    if parsed.scheme() != "http" {
        return Err(bad("only http:// (the load client speaks plain HTTP/1.1)"));
    }
    let host = parsed.host_str().ok_or_else(|| bad("no host"))?.to_owned();
    let port = parsed.port_or_known_default().unwrap_or(80);
    let address = tokio::net::lookup_host((host.as_str(), port))
        .await
        .map_err(|error| bad(&error.to_string()))?
        .next()
        .ok_or_else(|| bad("the host has no address"))?;
    let target = match parsed.query() {
        Some(query) => format!("{}?{query}", parsed.path()),
        None => parsed.path().to_owned(),
    };
    Ok(Endpoint {
        address,
        host: format!("{host}:{port}"),
        target,
    })
}

/// A URL without its path, which may hold a secret token.
pub(crate) fn redact(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(parsed) => format!(
            "{}://{}/<redacted>",
            parsed.scheme(),
            parsed.host_str().unwrap_or_default()
        ),
        Err(_) => "<unreadable URL>".to_owned(),
    }
}

/// What one run sends on each connection: one piece per request.
#[derive(Debug)]
pub(crate) struct OdigoTraffic {
    pub(crate) paced: Vec<Paced>,
    pub(crate) notifications: u64,
}

/// The Odigo agents and their current states (indices in [`ODIGO_STATES`]).
#[derive(Debug)]
pub(crate) struct OdigoAgents {
    logins: Vec<Box<str>>,
    states: Vec<u8>,
    rng: SmallRng,
    seed: u64,
    start: Timestamp,
    rate: f64,
    connections: usize,
    generated: u64,
    elapsed: Duration,
}

impl OdigoAgents {
    pub(crate) fn new(
        seed: u64,
        agents: usize,
        connections: usize,
        start: Timestamp,
        rate: f64,
    ) -> OdigoAgents {
        let mut rng = SmallRng::seed_from_u64(seed);
        OdigoAgents {
            logins: (0..agents)
                .map(|i| odigo_login(i).into_boxed_str())
                .collect(),
            states: (0..agents)
                .map(|_| rng.random_range(0..ODIGO_STATES.len()) as u8)
                .collect(),
            rng,
            seed,
            start,
            rate,
            connections,
            generated: 0,
            elapsed: Duration::ZERO,
        }
    }

    /// The requests of the next `span` of simulated time, each agent's on one connection
    /// (`agent % connections`): an agent's notifications then arrive in the order they were
    /// made. Dealt over the connections in turn, two of an agent's could overtake each other
    /// on the way, and the engine rightly drops the older one that arrives second (an
    /// out-of-order status), which the expected count would not know.
    pub(crate) fn next_run(
        &mut self,
        span: Duration,
        endpoint: &Endpoint,
    ) -> Result<OdigoTraffic, jiff::Error> {
        let mut builders: Vec<PacedBuilder> = (0..self.connections)
            .map(|_| PacedBuilder::default())
            .collect();
        let target = ((self.elapsed + span).as_secs_f64() * self.rate).floor() as u64;
        let mut body = Vec::with_capacity(256);
        for n in self.generated..target {
            let at = Duration::from_secs_f64(n as f64 / self.rate);
            let time = self.start.checked_add(at)?;
            let agent = self.rng.random_range(0..self.logins.len());
            let state = self.rng.random_range(0..ODIGO_STATES.len() - 1) as u8;
            let state = if state >= self.states[agent] {
                state + 1
            } else {
                state
            };
            self.states[agent] = state;
            let odigo = &ODIGO_STATES[usize::from(state)];
            body.clear();
            let _ = write!(
                body,
                r#"{{"eventId":"load-{:x}-{n}","eventType":"AGENT_STATE_CHANGED","tenantId":"load","timestamp":"{time}","agent":{{"login":"{}"}},"state":"{}""#,
                self.seed, self.logins[agent], odigo.state
            );
            if let (Some(code), Some(label)) = (odigo.pause_code, odigo.pause_label) {
                let _ = write!(body, r#","pause":{{"code":"{code}","label":"{label}"}}"#);
            }
            body.push(b'}');
            let builder = &mut builders[agent % self.connections];
            let _ = write!(
                builder.out,
                "POST {} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                endpoint.target,
                endpoint.host,
                body.len()
            );
            builder.out.extend_from_slice(&body);
            builder.cut(at.saturating_sub(self.elapsed));
        }
        let notifications = target.saturating_sub(self.generated);
        self.generated = target.max(self.generated);
        self.elapsed += span;
        Ok(OdigoTraffic {
            paced: builders
                .into_iter()
                .map(|builder| builder.finish(span))
                .collect(),
            notifications,
        })
    }
}

/// What one connection saw in one run.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct OdigoCounts {
    pub(crate) accepted: u64,
    /// `503` answers (each followed by a resend).
    pub(crate) busy: u64,
    /// Other non-2xx answers.
    pub(crate) refused: u64,
    pub(crate) reconnects: u64,
    pub(crate) bytes: u64,
}

impl OdigoCounts {
    pub(crate) fn add(&mut self, other: &OdigoCounts) {
        self.accepted += other.accepted;
        self.busy += other.busy;
        self.refused += other.refused;
        self.reconnects += other.reconnects;
        self.bytes += other.bytes;
    }
}

/// One keep-alive connection to the receiver.
#[derive(Debug)]
pub(crate) struct OdigoConnection {
    endpoint: Endpoint,
    stream: Option<TcpStream>,
    read: BytesMut,
}

/// Connection failures in a row before a run gives up.
const ATTEMPTS: u32 = 3;

impl OdigoConnection {
    pub(crate) fn new(endpoint: Endpoint) -> OdigoConnection {
        OdigoConnection {
            endpoint,
            stream: None,
            read: BytesMut::with_capacity(4096),
        }
    }

    fn io(&self, source: std::io::Error) -> LoadError {
        LoadError::Io {
            source_name: "Odigo",
            address: self.endpoint.address,
            source,
        }
    }

    /// Sends every request of `paced` (each at its due time in real time), one at a time.
    pub(crate) async fn run(
        &mut self,
        paced: &Paced,
        pace: Pace,
        start: Instant,
    ) -> Result<OdigoCounts, LoadError> {
        let mut counts = OdigoCounts::default();
        for (due, request) in paced.pieces() {
            if pace == Pace::RealTime {
                tokio::time::sleep_until(start + due).await;
            }
            let mut failures = 0;
            loop {
                match self.exchange(&request).await {
                    Ok(status) => {
                        counts.bytes += request.len() as u64;
                        match status {
                            200..=299 => counts.accepted += 1,
                            503 => {
                                counts.busy += 1;
                                continue;
                            }
                            _ => counts.refused += 1,
                        }
                        break;
                    }
                    Err(error) => {
                        self.stream = None;
                        failures += 1;
                        counts.reconnects += 1;
                        if failures == ATTEMPTS {
                            return Err(self.io(error));
                        }
                    }
                }
            }
        }
        Ok(counts)
    }

    /// One request and its answer's status; reconnects first if needed.
    async fn exchange(&mut self, request: &[u8]) -> std::io::Result<u16> {
        if self.stream.is_none() {
            let stream = TcpStream::connect(self.endpoint.address).await?;
            stream.set_nodelay(true)?;
            self.stream = Some(stream);
            self.read.clear();
        }
        let stream = self.stream.as_mut().expect("connected above");
        stream.write_all(request).await?;
        let (status, close) = read_answer(stream, &mut self.read).await?;
        if close {
            self.stream = None;
        }
        Ok(status)
    }
}

/// Reads one answer (head and `Content-Length` body): its status and whether the server
/// closes the connection after it.
async fn read_answer(stream: &mut TcpStream, read: &mut BytesMut) -> std::io::Result<(u16, bool)> {
    loop {
        let mut headers = [httparse::EMPTY_HEADER; 16];
        let mut answer = httparse::Response::new(&mut headers);
        let parsed = answer.parse(read).map_err(std::io::Error::other)?;
        if let httparse::Status::Complete(head) = parsed {
            let status = answer.code.unwrap_or_default();
            let mut length = 0;
            let mut close = false;
            for header in answer.headers.iter() {
                if header.name.eq_ignore_ascii_case("content-length") {
                    length = std::str::from_utf8(header.value)
                        .ok()
                        .and_then(|text| text.trim().parse::<usize>().ok())
                        .ok_or_else(|| std::io::Error::other("bad Content-Length"))?;
                } else if header.name.eq_ignore_ascii_case("connection") {
                    close = header.value.eq_ignore_ascii_case(b"close");
                }
            }
            while read.len() < head + length {
                if stream.read_buf(read).await? == 0 {
                    return Err(std::io::ErrorKind::UnexpectedEof.into());
                }
            }
            read.advance(head + length);
            return Ok((status, close));
        }
        if stream.read_buf(read).await? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
    }
}
