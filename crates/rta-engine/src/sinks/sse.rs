//! Server-Sent Events at `/events`: an endpoint to mount in any hyper service, and a
//! standalone server that serves only it.

use super::request::{RequestError, StreamRequest, parse_seq};
use super::server::Running;
use super::wire::{Feed, SSE_HEARTBEAT, Sse};
use super::{DEFAULT_HEARTBEAT, ServerConfig, SinkError};
use crate::bus::{Bus, DEFAULT_CAPACITY};
use crate::net::serve_http1;
use bytes::Bytes;
use http::header::{ALLOW, CACHE_CONTROL, CONTENT_TYPE};
use http::{HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::Frame;
use hyper::service::service_fn;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_util::sync::CancellationToken;

/// The body of every answer of the endpoint (the stream, or a short plain-text error).
pub type SseBody = BoxBody<Bytes, Infallible>;

/// The `/events` endpoint: turns a request into a `text/event-stream` response fed by its own
/// bus subscription. Cheap to clone; all clones share one stop signal
/// ([`SseEndpoint::shutdown`]).
///
/// ```no_run
/// # async fn route(endpoint: rta_engine::sinks::SseEndpoint, request: http::Request<hyper::body::Incoming>)
/// # -> http::Response<rta_engine::sinks::SseBody> {
/// // Inside a bigger hyper service:
/// match request.uri().path() {
///     "/events" => endpoint.handle(&request),
///     // "/agents", "/metrics", ...
///     _ => unreachable!(),
/// }
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct SseEndpoint {
    bus: Bus,
    capacity: usize,
    heartbeat: Duration,
    stop: CancellationToken,
}

impl SseEndpoint {
    /// Streams from `bus`, each consumer with a queue of [`DEFAULT_CAPACITY`] events and a
    /// heartbeat after [`DEFAULT_HEARTBEAT`] of silence.
    pub fn new(bus: Bus) -> SseEndpoint {
        SseEndpoint {
            bus,
            capacity: DEFAULT_CAPACITY,
            heartbeat: DEFAULT_HEARTBEAT,
            stop: CancellationToken::new(),
        }
    }

    /// The queue capacity of each consumer's subscription.
    pub fn capacity(mut self, capacity: usize) -> SseEndpoint {
        self.capacity = capacity;
        self
    }

    /// The silence after which a `: keep-alive` comment is sent.
    pub fn heartbeat(mut self, heartbeat: Duration) -> SseEndpoint {
        self.heartbeat = heartbeat;
        self
    }

    /// The stream for a query string (without `?`) and a `Last-Event-ID` header value. The
    /// header, sent by a reconnecting `EventSource`, wins over `resume_from`: the browser
    /// reconnects to the same URL, whose `resume_from` is older.
    pub fn response(
        &self,
        query: Option<&str>,
        last_event_id: Option<&str>,
    ) -> Result<Response<SseBody>, RequestError> {
        let mut request = StreamRequest::from_query(query)?;
        // An empty Last-Event-ID is the spec's "no id yet".
        if let Some(id) = last_event_id.filter(|id| !id.trim().is_empty()) {
            request.resume_from = Some(parse_seq("Last-Event-ID", id)?);
        }
        let resume_from = request.resume_from;
        let subscription = self.bus.subscribe_async(request.options(self.capacity))?;
        tracing::info!(
            subscriber = subscription.id(),
            ?resume_from,
            "SSE sink: consumer subscribed"
        );
        let state = Stream {
            feed: Feed::new(subscription, Sse, self.stop.clone()),
            heartbeat: self.heartbeat,
        };
        let body = StreamBody::new(futures::stream::unfold(state, Stream::next)).boxed();
        let mut response = Response::new(body);
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        // nginx buffers responses by default, which would hold events back.
        headers.insert("x-accel-buffering", HeaderValue::from_static("no"));
        Ok(response)
    }

    /// The whole answer to a request routed to `/events`: the stream for a `GET`; `400` with
    /// the reason as plain text for a bad query or `Last-Event-ID`; `405` for other methods.
    pub fn handle<B>(&self, request: &Request<B>) -> Response<SseBody> {
        if request.method() != Method::GET {
            let mut response = plain(StatusCode::METHOD_NOT_ALLOWED, "only GET\n".into());
            response
                .headers_mut()
                .insert(ALLOW, HeaderValue::from_static("GET"));
            return response;
        }
        // Not text is not a seq either: the lossy text makes the refusal name what came.
        let last_event_id = request
            .headers()
            .get("last-event-id")
            .map(|value| String::from_utf8_lossy(value.as_bytes()));
        match self.response(request.uri().query(), last_event_id.as_deref()) {
            Ok(response) => response,
            Err(error) => {
                tracing::info!(%error, "SSE sink: request refused");
                plain(StatusCode::BAD_REQUEST, format!("{error}\n"))
            }
        }
    }

    /// Ends every stream of this endpoint (and its clones): each sends what was already
    /// delivered to its subscription, then its body ends.
    pub fn shutdown(&self) {
        self.stop.cancel();
    }
}

fn plain(status: StatusCode, text: String) -> Response<SseBody> {
    let mut response = Response::new(Full::new(Bytes::from(text)).boxed());
    *response.status_mut() = status;
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

/// One consumer's stream: its feed, and the heartbeat that fills its silences.
struct Stream {
    feed: Feed<Sse>,
    heartbeat: Duration,
}

impl Stream {
    async fn next(mut self) -> Option<(Result<Frame<Bytes>, Infallible>, Stream)> {
        let chunk = tokio::select! {
            batch = self.feed.next() => match batch {
                Ok(Some(batch)) => batch,
                Ok(None) => return None,
                Err(error) => {
                    // Ending the stream (rather than skipping) keeps the no-gap promise: the
                    // consumer reconnects with its Last-Event-ID.
                    tracing::error!(%error, "SSE sink: stream ended");
                    return None;
                }
            },
            // A fresh timer per chunk: the heartbeat only fills silences.
            () = tokio::time::sleep(self.heartbeat) => Bytes::from_static(SSE_HEARTBEAT),
        };
        Some((Ok(Frame::data(chunk)), self))
    }
}

/// A standalone HTTP/1.1 server answering `/events` ([`SseEndpoint::handle`]) and `404`
/// elsewhere: for tests and simple embedding.
#[derive(Debug)]
pub struct SseServer {
    running: Running,
}

impl SseServer {
    /// Listens on `listen` with the default [`ServerConfig`].
    pub async fn start(listen: SocketAddr, bus: Bus) -> Result<SseServer, SinkError> {
        SseServer::start_with(ServerConfig::new(listen), bus).await
    }

    /// Listens on `config.listen`.
    pub async fn start_with(config: ServerConfig, bus: Bus) -> Result<SseServer, SinkError> {
        let endpoint = SseEndpoint::new(bus)
            .capacity(config.capacity)
            .heartbeat(config.heartbeat);
        // One signal for the accept loop, the connections and the streams.
        let stop = endpoint.stop.clone();
        let config = Arc::new(config);
        let serve = {
            let config = config.clone();
            move |stream, peer| serve(stream, peer, endpoint.clone(), config.clone())
        };
        let running =
            Running::start("sse", config.listen, config.max_connections, stop, serve).await?;
        Ok(SseServer { running })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.running.local_addr()
    }

    /// Stops accepting; every open stream sends what was already delivered to it and ends
    /// (each connection within [`ServerConfig::write_timeout`]). Returns once all are closed.
    pub async fn shutdown(self) {
        self.running.shutdown().await;
    }
}

async fn serve(
    stream: TcpStream,
    peer: SocketAddr,
    endpoint: SseEndpoint,
    config: Arc<ServerConfig>,
) {
    let stop = endpoint.stop.clone();
    let service = service_fn(move |request: Request<hyper::body::Incoming>| {
        let response = match request.uri().path() {
            "/events" => endpoint.handle(&request),
            _ => plain(StatusCode::NOT_FOUND, "not found\n".into()),
        };
        async move { Ok::<_, Infallible>(response) }
    });
    // On the stop, the stream itself ends after its queue: the response then completes and
    // the connection closes, unless the consumer does not read it within the write time-out.
    let drain = Some(config.write_timeout);
    match serve_http1(
        stream,
        service,
        config.hello_timeout,
        stop.cancelled(),
        drain,
    )
    .await
    {
        Some(Ok(())) => {}
        Some(Err(error)) => {
            tracing::debug!(%peer, %error, "SSE sink: connection ended with an error");
        }
        None => tracing::info!(%peer, "SSE sink: consumer not reading at shutdown, dropped"),
    }
}
