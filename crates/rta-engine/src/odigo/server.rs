//! The listening socket, TLS, connection limits, the pipeline task and the silence watchdog.

use super::config::{OdigoIntegration, ReceiverConfig, TlsFiles};
use super::error::ReceiverError;
use super::handler::{ReceiverStats, Shared, handle};
use super::ingest::Shards;
use super::registry::IntegrationStats;
use crate::clock::Clock;
use crate::net::{accept, serve_http1};
use crate::publisher::Publisher;
use hyper::service::service_fn;
use rta_model::FeedHealth;
use rta_odigo::TokenHash;
use rta_state::StateTable;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tokio::task::{JoinHandle, JoinSet};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls;

/// How often the feeds' silence is checked.
const WATCHDOG_PERIOD: Duration = Duration::from_secs(1);

/// The time a TLS client has to finish its handshake.
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// A running receiver: the handle to edit what it serves, read its counters and stop it.
/// Dropping it stops the receiver too (without waiting).
#[derive(Debug)]
pub struct OdigoReceiver {
    shared: Arc<Shared>,
    local_addr: SocketAddr,
    stop: watch::Sender<bool>,
    drain: watch::Sender<bool>,
    /// The accept loop and the watchdog.
    front: JoinSet<()>,
    /// The shard tasks.
    pipeline: Vec<JoinHandle<()>>,
}

impl OdigoReceiver {
    /// Binds `config.listen` and starts serving (no integration yet: every URL answers `404`
    /// until [`OdigoReceiver::add`]). Accepted agent state changes are applied to `table`;
    /// status changes and feed health go to `publisher`; times come from `clock`.
    pub async fn start(
        config: ReceiverConfig,
        table: Arc<StateTable>,
        publisher: Arc<dyn Publisher>,
        clock: Arc<dyn Clock>,
    ) -> Result<OdigoReceiver, ReceiverError> {
        tokio::runtime::Handle::try_current().map_err(|_| ReceiverError::NoRuntime)?;
        if !config.base_path.starts_with('/') || config.base_path.contains(['?', '#']) {
            return Err(ReceiverError::BasePath(config.base_path));
        }
        let tls = config.tls.as_ref().map(tls_acceptor).transpose()?;
        let listener =
            TcpListener::bind(config.listen)
                .await
                .map_err(|source| ReceiverError::Listen {
                    address: config.listen,
                    source,
                })?;
        let local_addr = listener
            .local_addr()
            .map_err(|source| ReceiverError::Listen {
                address: config.listen,
                source,
            })?;
        let (stop, stopped) = watch::channel(false);
        let (drain, draining) = watch::channel(false);
        let (shards, pipeline) = Shards::start(
            config.shards,
            config.queue_capacity,
            &draining,
            &table,
            &publisher,
        );
        let shared = Arc::new(Shared::new(config, shards, clock, publisher));
        let mut front = JoinSet::new();
        front.spawn(accept_loop(listener, tls, shared.clone(), stopped.clone()));
        front.spawn(watchdog(shared.clone(), stopped));
        tracing::info!(%local_addr, tls = shared.config.tls.is_some(), "Odigo receiver listening");
        Ok(OdigoReceiver {
            shared,
            local_addr,
            stop,
            drain,
            front,
            pipeline,
        })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Serves `integration` from now on; its health starts `waiting` (published).
    pub fn add(&self, integration: OdigoIntegration) -> Result<(), ReceiverError> {
        let shared = &self.shared;
        shared
            .registry
            .add(integration, shared.clock.now(), &*shared.publisher)
    }

    /// Stops serving `name`: its URL answers `404`. Returns whether it was served.
    pub fn remove(&self, name: &str) -> bool {
        self.shared.registry.remove(name)
    }

    /// Replaces the token of `name` (after [`rta_odigo::TokenStore::rotate`]): the old URL
    /// answers `404` from the next request on.
    pub fn set_token(&self, name: &str, token: TokenHash) -> Result<(), ReceiverError> {
        self.shared.registry.set_token(name, token)
    }

    /// Pauses or resumes the import of `name`. While paused, its URL answers `503` with
    /// `Retry-After: 30`: nothing is imported, and Odigo keeps what it could not deliver and
    /// retries, so a resume picks up what happened meanwhile (as far as Odigo keeps it).
    pub fn set_paused(&self, name: &str, paused: bool) -> Result<(), ReceiverError> {
        self.shared.registry.set_paused(name, paused)
    }

    /// The feed health of `name`.
    pub fn health(&self, name: &str) -> Option<FeedHealth> {
        Some(self.shared.registry.by_name(name)?.health())
    }

    /// What `name` counted.
    pub fn integration_stats(&self, name: &str) -> Option<IntegrationStats> {
        Some(self.shared.registry.by_name(name)?.stats())
    }

    /// What the receiver answered.
    pub fn stats(&self) -> ReceiverStats {
        self.shared.stats()
    }

    /// Stops accepting connections, lets open ones finish their request, and waits for the
    /// pipeline to apply what was accepted.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        while self.front.join_next().await.is_some() {}
        let _ = self.drain.send(true);
        for shard in std::mem::take(&mut self.pipeline) {
            let _ = shard.await;
        }
        tracing::info!(local_addr = %self.local_addr, "Odigo receiver stopped");
    }
}

impl Drop for OdigoReceiver {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

fn tls_acceptor(files: &TlsFiles) -> Result<TlsAcceptor, ReceiverError> {
    let file_error = |path: &std::path::Path| {
        let path = path.to_path_buf();
        move |error: rustls_pki_types::pem::Error| ReceiverError::TlsFile {
            path,
            reason: error.to_string(),
        }
    };
    let chain = CertificateDer::pem_file_iter(&files.certificate_chain)
        .map_err(file_error(&files.certificate_chain))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(file_error(&files.certificate_chain))?;
    if chain.is_empty() {
        return Err(ReceiverError::TlsFile {
            path: files.certificate_chain.clone(),
            reason: "no certificate in it".into(),
        });
    }
    let key =
        PrivateKeyDer::from_pem_file(&files.private_key).map_err(file_error(&files.private_key))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|error| ReceiverError::Tls(error.to_string()))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|error| ReceiverError::Tls(error.to_string()))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

async fn accept_loop(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    shared: Arc<Shared>,
    mut stopped: watch::Receiver<bool>,
) {
    let connections = Arc::new(Semaphore::new(shared.config.max_connections.max(1)));
    let mut open = JoinSet::new();
    loop {
        // At the limit, stop accepting: new clients wait in the OS backlog.
        let permit = tokio::select! {
            permit = connections.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
            _ = stopped.changed() => break,
        };
        let failed = |error: &std::io::Error| {
            tracing::warn!(%error, "Odigo receiver: accept failed");
        };
        let (stream, peer) = tokio::select! {
            accepted = accept(&listener, failed) => accepted,
            _ = stopped.changed() => break,
        };
        let _ = stream.set_nodelay(true);
        let shared = shared.clone();
        let tls = tls.clone();
        let stopped = stopped.clone();
        open.spawn(async move {
            let _permit = permit;
            match tls {
                None => serve_connection(stream, shared, stopped).await,
                Some(acceptor) => {
                    match tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await
                    {
                        Ok(Ok(stream)) => serve_connection(stream, shared, stopped).await,
                        Ok(Err(error)) => {
                            tracing::debug!(%peer, %error, "Odigo receiver: TLS handshake failed");
                        }
                        Err(_) => tracing::debug!(%peer, "Odigo receiver: TLS handshake timed out"),
                    }
                }
            }
        });
        // Reap finished connections so the set does not grow with the connections served.
        while open.try_join_next().is_some() {}
    }
    drop(listener);
    while open.join_next().await.is_some() {}
}

async fn serve_connection<S>(stream: S, shared: Arc<Shared>, mut stopped: watch::Receiver<bool>)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = {
        let shared = shared.clone();
        service_fn(move |request| handle(shared.clone(), request))
    };
    // Keep-alive is hyper's default: a sender posts many notifications on one connection.
    let stop = async {
        let _ = stopped.changed().await;
    };
    let idle_timeout = shared.config.idle_timeout;
    if let Some(Err(error)) = serve_http1(stream, service, idle_timeout, stop, None).await {
        // Client-side trouble (a reset, a malformed request, an idle time-out): not the
        // receiver's, so not above debug. The error never contains the request's path.
        tracing::debug!(%error, "Odigo receiver: connection ended with an error");
    }
}

/// Marks silent feeds `stale`.
async fn watchdog(shared: Arc<Shared>, mut stopped: watch::Receiver<bool>) {
    let mut ticks = tokio::time::interval(WATCHDOG_PERIOD);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticks.tick() => {}
            _ = stopped.changed() => return,
        }
        let now = shared.clock.now();
        for integration in shared.registry.all() {
            integration.check_silence(now, &*shared.publisher);
        }
    }
}
