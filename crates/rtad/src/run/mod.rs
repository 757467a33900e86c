//! `rtad run`: the daemon. [`Daemon::start`] checks the configuration, starts the engine, the
//! outputs and the HTTP server; [`Daemon::run_until_stopped`] serves until SIGINT or SIGTERM,
//! reloading the configuration on SIGHUP; then everything stops in the order that delivers
//! every event emitted before the signal.
//!
//! ## Starting
//! 1. The file is loaded and checked ([`Config::check`]); any problem, or an Odigo
//!    integration without a stored URL token, refuses the start before anything listens.
//! 2. The HTTP listener is bound, then the engine starts (with the Odigo receiver when there
//!    is an Odigo integration, and the adherence files' configuration), then the outputs
//!    subscribe to its bus, and only then are the integrations added, in file order (a
//!    `paused` one is started, then paused): the outputs see every event, the first `feed`
//!    events included.
//!
//! ## Editing while running
//! SIGHUP or `POST /admin/reload` re-reads the file; see [`reload`] for what is applied and
//! what needs a restart.
//!
//! ## Stopping
//! SIGINT or SIGTERM: the HTTP server stops accepting, the engine shuts down (applying what
//! its sources had accepted), then every output sends what its consumers had been delivered
//! (NDJSON flushes, TCP and SSE consumers get the rest of their stream, then the end of it),
//! and the HTTP connections close.

mod http;
mod outputs;
mod reload;

pub use reload::{ReloadError, ReloadReport};

use crate::{Config, LoadError, Problem};
use http::HttpServer;
use outputs::Outputs;
use reload::Applied;
use rta_engine::capture::{Capture, CaptureError};
use rta_engine::engine::{Engine, EngineError};
use rta_engine::sinks::SinkError;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::signal::unix::{Signal, SignalKind, signal};
use tokio::sync::{Mutex, RwLock};

/// The daemon could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Load(#[from] LoadError),
    /// Every problem of the configuration, as [`Config::check`] reports them.
    #[error("{}", Lines(.0))]
    Problems(Vec<Problem>),
    #[error("cannot listen on {address} (http.listen): {source}")]
    Http {
        address: SocketAddr,
        source: std::io::Error,
    },
    #[error("the engine: {0}")]
    Engine(#[from] EngineError),
    #[error("an output: {0}")]
    Output(#[from] SinkError),
    #[error("the capture: {0}")]
    Capture(#[from] CaptureError),
    #[error("cannot handle signals: {0}")]
    Signals(std::io::Error),
}

/// Problems one a line.
struct Lines<'a>(&'a [Problem]);

impl fmt::Display for Lines<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, problem) in self.0.iter().enumerate() {
            if index > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{problem}")?;
        }
        Ok(())
    }
}

/// What the HTTP handlers and the signal loop share.
#[derive(Debug)]
pub(crate) struct Shared {
    /// `None` once shutting down: the engine is taken out to be shut down (it is consumed),
    /// which waits for the handlers using it.
    engine: RwLock<Option<Engine>>,
    /// What the engine was told, for the next reload's comparison. Its lock also makes
    /// reloads one at a time.
    applied: Mutex<Applied>,
    config_path: PathBuf,
}

impl Shared {
    /// Re-reads the configuration file and applies what changed ([`reload`]).
    pub(crate) async fn reload(&self) -> Result<ReloadReport, ReloadError> {
        let mut applied = self.applied.lock().await;
        let engine = self.engine.read().await;
        let engine = engine.as_ref().ok_or(ReloadError::ShuttingDown)?;
        applied.reload(engine, &self.config_path).await
    }
}

/// The running daemon.
#[derive(Debug)]
pub struct Daemon {
    shared: Arc<Shared>,
    outputs: Outputs,
    http: HttpServer,
    signals: Signals,
}

/// The signals the daemon handles, taken over from their default actions when it starts, so
/// that a SIGTERM during the start still stops it cleanly once started.
#[derive(Debug)]
struct Signals {
    hangup: Signal,
    terminate: Signal,
    interrupt: Signal,
}

impl Signals {
    fn new() -> Result<Signals, StartError> {
        let take = |kind| signal(kind).map_err(StartError::Signals);
        Ok(Signals {
            hangup: take(SignalKind::hangup())?,
            terminate: take(SignalKind::terminate())?,
            interrupt: take(SignalKind::interrupt())?,
        })
    }
}

impl Daemon {
    /// Starts everything from the configuration file at `path` (see the module docs), and
    /// records the raw input in `capture` when given (for `rtad replay`).
    pub async fn start(path: &Path, capture: Option<&Path>) -> Result<Daemon, StartError> {
        let config = Config::load(path)?;
        let signals = Signals::new()?;
        let prepared = reload::Prepared::new(config).map_err(StartError::Problems)?;
        let listen = prepared.config.http.listen;
        let http_error = |source| StartError::Http {
            address: listen,
            source,
        };
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(http_error)?;
        let local_addr = listener.local_addr().map_err(http_error)?;
        let mut builder = Engine::builder().adherence(prepared.adherence.clone());
        if let Some(shards) = prepared.config.shards {
            builder = builder.shards(shards);
        }
        if let Some(capture) = capture {
            builder = builder.capture(Capture::to_file(capture).await?);
        }
        if prepared.has_odigo() {
            // Prepared::new checked that the [odigo] section is there.
            if let Some(receiver) = &prepared.config.odigo {
                builder = builder.odigo_receiver(receiver.receiver_config());
            }
        }
        let engine = builder.start().await?;
        let outputs = match Outputs::start(&prepared.config.outputs, engine.bus()).await {
            Ok(outputs) => outputs,
            Err(error) => {
                engine.shutdown().await;
                return Err(error.into());
            }
        };
        if let Err(error) = prepared.add_integrations(&engine).await {
            engine.shutdown().await;
            outputs.shutdown().await;
            return Err(error.into());
        }
        if let Some(receiver) = engine.odigo_receiver() {
            tracing::info!(listen = %receiver.local_addr(), "Odigo receiver ready");
        }
        let shared = Arc::new(Shared {
            engine: RwLock::new(Some(engine)),
            applied: Mutex::new(Applied::new(prepared)),
            config_path: path.to_owned(),
        });
        let http = HttpServer::serve(listener, local_addr, shared.clone(), outputs.sse().cloned());
        tracing::info!(
            http = %http.local_addr(),
            config = %path.display(),
            "rtad running"
        );
        Ok(Daemon {
            shared,
            outputs,
            http,
            signals,
        })
    }

    /// Serves until SIGINT or SIGTERM, reloading on SIGHUP, then stops everything.
    pub async fn run_until_stopped(mut self) {
        let signals = &mut self.signals;
        loop {
            tokio::select! {
                _ = signals.hangup.recv() => {
                    tracing::info!("SIGHUP: reloading the configuration");
                    // The outcome is logged by the reload itself.
                    let _ = self.shared.reload().await;
                }
                _ = signals.terminate.recv() => break,
                _ = signals.interrupt.recv() => break,
            }
        }
        tracing::info!("stopping");
        self.shutdown().await;
    }

    /// Stops in the order that loses nothing: no new HTTP requests, the engine (its sources
    /// apply what they accepted), the outputs (each consumer gets what it was delivered),
    /// then the HTTP connections, whose SSE streams the outputs just ended.
    pub async fn shutdown(self) {
        self.http.stop_accepting();
        let engine = self.shared.engine.write().await.take();
        if let Some(engine) = engine {
            engine.shutdown().await;
        }
        self.outputs.shutdown().await;
        self.http.join().await;
        tracing::info!("rtad stopped");
    }
}
