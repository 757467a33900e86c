//! The HTTP/1.1 server on `[http] listen`: the admin API, the JSON snapshots, the metrics
//! and the SSE stream.
//!
//! | route | answer |
//! |---|---|
//! | `GET /health` | `200`, JSON: `{"status":"ok","integrations":[{"name","kind","paused","health","feeds":[{"address","health"}]}]}` |
//! | `GET /agents` | `200`, JSON array: every agent's current status, employee and activity |
//! | `GET /adherence?team=T` | `200`, JSON array: each employee's (of team `T`, or all) adherence now and figures of the day |
//! | `GET /metrics` | `200`, Prometheus text format |
//! | `GET /events?...` | the SSE stream (when an `sse` output is configured; else `404`) |
//! | `POST /admin/reload` | `200` with what changed, `400` with the problems (nothing changed), `500` when a step failed |
//! | `POST /admin/integrations/{name}/pause`, `.../resume` | `200`; `404` for an unknown name |
//!
//! Any other path is `404`; a known path with another method `405` (with `Allow`). While
//! stopping, routes that need the engine answer `503`.

use super::{ReloadError, Shared};
use bytes::Bytes;
use http::header::{ALLOW, CONTENT_TYPE};
use http::{HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use rta_engine::engine::{Engine, EngineError};
use rta_engine::net::{accept, serve_http1};
use rta_engine::sinks::{SseBody, SseEndpoint};
use serde::Serialize;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};
use tokio_util::sync::CancellationToken;

/// The time a client has to send a request head.
const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// The longest the connections may take to finish once the server stops (an SSE consumer
/// that does not read its end of stream is dropped then).
const DRAIN_TIMEOUT: Duration = Duration::from_secs(30);

/// The running server.
#[derive(Debug)]
pub(crate) struct HttpServer {
    local_addr: SocketAddr,
    stop: CancellationToken,
    task: JoinHandle<()>,
}

/// What the requests are answered from.
#[derive(Debug)]
struct Routes {
    shared: Arc<Shared>,
    sse: Option<SseEndpoint>,
}

impl HttpServer {
    /// Serves `listener` until [`HttpServer::stop_accepting`].
    pub(crate) fn serve(
        listener: TcpListener,
        local_addr: SocketAddr,
        shared: Arc<Shared>,
        sse: Option<SseEndpoint>,
    ) -> HttpServer {
        let stop = CancellationToken::new();
        let routes = Arc::new(Routes { shared, sse });
        let task = tokio::spawn(accept_loop(listener, routes, stop.clone()));
        HttpServer {
            local_addr,
            stop,
            task,
        }
    }

    pub(crate) fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Stops accepting; open connections finish the request they are serving (an SSE
    /// stream ends when its output is shut down) and close.
    pub(crate) fn stop_accepting(&self) {
        self.stop.cancel();
    }

    /// Waits for the open connections to close, at most [`DRAIN_TIMEOUT`].
    pub(crate) async fn join(self) {
        self.stop.cancel();
        let mut task = self.task;
        if tokio::time::timeout(DRAIN_TIMEOUT, &mut task)
            .await
            .is_err()
        {
            tracing::warn!("HTTP connections still open after {DRAIN_TIMEOUT:?}: closed");
            task.abort();
        }
        tracing::info!(local_addr = %self.local_addr, "HTTP server stopped");
    }
}

async fn accept_loop(listener: TcpListener, routes: Arc<Routes>, stop: CancellationToken) {
    let mut open = JoinSet::new();
    loop {
        let failed = |error: &std::io::Error| tracing::warn!(%error, "HTTP server: accept failed");
        let (stream, peer) = tokio::select! {
            accepted = accept(&listener, failed) => accepted,
            () = stop.cancelled() => break,
        };
        open.spawn(serve_connection(stream, peer, routes.clone(), stop.clone()));
        // Reap finished connections so the set does not grow with the connections served.
        while open.try_join_next().is_some() {}
    }
    drop(listener);
    // Dropping the set (when `join` gives up) aborts what is left.
    while open.join_next().await.is_some() {}
}

async fn serve_connection(
    stream: TcpStream,
    peer: SocketAddr,
    routes: Arc<Routes>,
    stop: CancellationToken,
) {
    let service = service_fn(move |request| {
        let routes = routes.clone();
        async move { Ok::<_, Infallible>(routes.handle(request).await) }
    });
    // On the stop, the request in progress completes (an SSE stream when its output ends);
    // the server's shutdown bounds the wait for all of them ([`DRAIN_TIMEOUT`]).
    let served = serve_http1(stream, service, HEADER_TIMEOUT, stop.cancelled(), None).await;
    if let Some(Err(error)) = served {
        tracing::debug!(%peer, %error, "HTTP connection ended with an error");
    }
}

/// What a path is.
enum Route<'a> {
    Health,
    Agents,
    Adherence,
    Metrics,
    Events,
    Reload,
    /// `true`: pause, `false`: resume.
    Pause(&'a str, bool),
}

impl Route<'_> {
    fn of(path: &str) -> Option<Route<'_>> {
        let segments: Vec<&str> = path.strip_prefix('/')?.split('/').collect();
        Some(match segments.as_slice() {
            ["health"] => Route::Health,
            ["agents"] => Route::Agents,
            ["adherence"] => Route::Adherence,
            ["metrics"] => Route::Metrics,
            ["events"] => Route::Events,
            ["admin", "reload"] => Route::Reload,
            ["admin", "integrations", name, "pause"] if !name.is_empty() => {
                Route::Pause(name, true)
            }
            ["admin", "integrations", name, "resume"] if !name.is_empty() => {
                Route::Pause(name, false)
            }
            _ => return None,
        })
    }

    fn method(&self) -> Method {
        match self {
            Route::Reload | Route::Pause(..) => Method::POST,
            _ => Method::GET,
        }
    }
}

impl Routes {
    async fn handle(&self, request: Request<Incoming>) -> Response<SseBody> {
        let Some(route) = Route::of(request.uri().path()) else {
            return plain(StatusCode::NOT_FOUND, "not found\n");
        };
        let method = route.method();
        if *request.method() != method {
            let mut response = plain(StatusCode::METHOD_NOT_ALLOWED, "method not allowed\n");
            if let Ok(allow) = HeaderValue::from_str(method.as_str()) {
                response.headers_mut().insert(ALLOW, allow);
            }
            return response;
        }
        match route {
            Route::Events => match &self.sse {
                Some(sse) => sse.handle(&request),
                None => plain(
                    StatusCode::NOT_FOUND,
                    "no sse output is configured ([[output]] kind = \"sse\")\n",
                ),
            },
            Route::Reload => match self.shared.reload().await {
                Ok(report) if report.errors.is_empty() => json(StatusCode::OK, &report),
                Ok(report) => json(StatusCode::INTERNAL_SERVER_ERROR, &report),
                Err(ReloadError::ShuttingDown) => stopping(),
                Err(error) => json(
                    StatusCode::BAD_REQUEST,
                    &Problems {
                        problems: error.messages(),
                    },
                ),
            },
            Route::Health => self.health().await,
            route => {
                let engine = self.shared.engine.read().await;
                let Some(engine) = engine.as_ref() else {
                    return stopping();
                };
                with_engine(engine, route, request.uri().query()).await
            }
        }
    }

    async fn health(&self) -> Response<SseBody> {
        let states = {
            let engine = self.shared.engine.read().await;
            let Some(engine) = engine.as_ref() else {
                return stopping();
            };
            engine.integration_states().await
        };
        let applied = self.shared.applied.lock().await;
        let kinds = applied.kinds();
        let integrations = states
            .into_iter()
            .map(|state| IntegrationHealth {
                kind: kinds.get(&*state.name).map(ToString::to_string),
                state,
            })
            .collect();
        json(
            StatusCode::OK,
            &Health {
                status: "ok",
                integrations,
            },
        )
    }
}

/// The routes answered from the engine alone.
async fn with_engine(engine: &Engine, route: Route<'_>, query: Option<&str>) -> Response<SseBody> {
    match route {
        Route::Agents => json(StatusCode::OK, &engine.agents()),
        Route::Adherence => {
            let team = query.and_then(|query| {
                form_urlencoded::parse(query.as_bytes())
                    .find(|(key, _)| key == "team")
                    .map(|(_, team)| team.into_owned())
            });
            json(StatusCode::OK, &engine.adherence_view(team.as_deref()))
        }
        Route::Metrics => {
            let mut response = text(StatusCode::OK, engine.metrics_text().await);
            response.headers_mut().insert(
                CONTENT_TYPE,
                HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
            );
            response
        }
        Route::Pause(name, pause) => {
            let name = percent_encoding::percent_decode_str(name).decode_utf8_lossy();
            let result = if pause {
                engine.pause(&name).await
            } else {
                engine.resume(&name).await
            };
            let done = if pause { "paused" } else { "resumed" };
            match result {
                Ok(()) => {
                    tracing::info!(integration = &*name, "integration {done} over HTTP");
                    text(StatusCode::OK, format!("integration {name:?} {done}\n"))
                }
                Err(error @ EngineError::UnknownIntegration(_)) => {
                    text(StatusCode::NOT_FOUND, format!("{error}\n"))
                }
                Err(error) => {
                    tracing::error!(integration = &*name, %error, "integration not {done}");
                    text(StatusCode::INTERNAL_SERVER_ERROR, format!("{error}\n"))
                }
            }
        }
        // Answered by `Routes::handle` before.
        Route::Health | Route::Events | Route::Reload => {
            plain(StatusCode::NOT_FOUND, "not found\n")
        }
    }
}

/// `GET /health`.
#[derive(Serialize)]
struct Health {
    /// Always `ok`: the daemon answers; the feeds say how the sources are.
    status: &'static str,
    integrations: Vec<IntegrationHealth>,
}

#[derive(Serialize)]
struct IntegrationHealth {
    #[serde(flatten)]
    state: rta_engine::engine::IntegrationState,
    /// `avaya-cms`, `cic`, `odigo` (`None` only for an integration being reloaded).
    kind: Option<String>,
}

/// The answer to a refused reload.
#[derive(Serialize)]
struct Problems {
    problems: Vec<String>,
}

fn stopping() -> Response<SseBody> {
    plain(StatusCode::SERVICE_UNAVAILABLE, "rtad is stopping\n")
}

fn plain(status: StatusCode, message: &'static str) -> Response<SseBody> {
    text(status, message.to_owned())
}

fn text(status: StatusCode, body: String) -> Response<SseBody> {
    respond(status, "text/plain; charset=utf-8", body.into_bytes())
}

fn json<T: Serialize>(status: StatusCode, value: &T) -> Response<SseBody> {
    match serde_json::to_vec(value) {
        Ok(body) => respond(status, "application/json", body),
        Err(error) => {
            tracing::error!(%error, "cannot encode an HTTP answer");
            plain(
                StatusCode::INTERNAL_SERVER_ERROR,
                "cannot encode the answer\n",
            )
        }
    }
}

fn respond(status: StatusCode, content_type: &'static str, body: Vec<u8>) -> Response<SseBody> {
    let mut response = Response::new(Full::new(Bytes::from(body)).boxed());
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}
