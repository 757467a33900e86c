//! What the receiver and each Odigo integration are configured with.

use super::pause::PauseResolver;
use crate::capture::Capture;
use rta_model::{IntegrationId, Name};
use rta_odigo::{DEFAULT_DEDUP_WINDOW, TokenHash};
use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// The HTTP server shared by every Odigo integration of the engine.
#[derive(Debug, Clone)]
pub struct ReceiverConfig {
    /// Where to listen (`0.0.0.0:8443`; port 0 picks a free one, see
    /// [`OdigoReceiver::local_addr`](super::OdigoReceiver::local_addr)).
    pub listen: SocketAddr,
    /// The path the token URLs start with: `POST <base_path>/<token>` (default `/odigo`).
    pub base_path: String,
    /// Largest accepted body (default 64 KiB); more is `413`.
    pub body_limit: usize,
    /// Time to read a request and answer it (default 10 s); beyond it the answer is `408`.
    /// The pause-detail look-up has its own, shorter time-out inside it.
    pub request_timeout: Duration,
    /// Time a connection may take to send a request head, and stay idle between two
    /// requests of a kept-alive connection (default 60 s); then it is closed.
    pub idle_timeout: Duration,
    /// Open connections at most (default 1,024); beyond it new connections wait in the OS
    /// backlog until one closes.
    pub max_connections: usize,
    /// Requests being handled at once at most, over all connections (default 512); beyond
    /// it the answer is `503`, so Odigo retries.
    pub max_in_flight: usize,
    /// Batches accepted into each shard of the pipeline and not yet applied, at most
    /// (default 4,096); beyond it the answer is `503` (back-pressure).
    pub queue_capacity: usize,
    /// Shard tasks of the pipeline (default: the available cores); each agent's changes go
    /// to one of them, by its login.
    pub shards: usize,
    /// HTTPS with this certificate and key; plain HTTP when `None`.
    pub tls: Option<TlsFiles>,
    /// Where each accepted body is recorded, with its receive time ([`crate::capture`]);
    /// `None` (default): not recorded.
    pub capture: Option<Arc<Capture>>,
}

impl ReceiverConfig {
    /// The defaults above, listening on `listen`.
    pub fn new(listen: SocketAddr) -> ReceiverConfig {
        ReceiverConfig {
            listen,
            base_path: "/odigo".into(),
            body_limit: 64 * 1024,
            request_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            max_connections: 1_024,
            max_in_flight: 512,
            queue_capacity: 4_096,
            shards: std::thread::available_parallelism().map_or(1, usize::from),
            tls: None,
            capture: None,
        }
    }
}

/// PEM files of the server's certificate chain and private key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    pub certificate_chain: PathBuf,
    pub private_key: PathBuf,
}

/// One Odigo integration served by the receiver.
#[derive(Clone)]
pub struct OdigoIntegration {
    /// Its unique name (in events and logs).
    pub name: Name,
    /// Its id in the state table.
    pub id: IntegrationId,
    /// The hash of its URL token (see [`rta_odigo::TokenStore`]).
    pub token: TokenHash,
    /// Nothing received for this long: `stale` (default 10 min). Odigo only sends changes,
    /// and heartbeats if configured so, so this is long.
    pub stale_after: Duration,
    /// Notifications remembered to recognise retries (default
    /// [`DEFAULT_DEDUP_WINDOW`]).
    pub dedup_window: usize,
    /// "Import pause with details": what completes bare pauses
    /// ([`PauseResolver::from_config`] for Odigo's web service); `None` when the option is
    /// off.
    pub pause_details: Option<Arc<PauseResolver>>,
}

impl OdigoIntegration {
    /// An integration with the defaults above and pause details off.
    pub fn new(name: impl Into<Name>, id: IntegrationId, token: TokenHash) -> OdigoIntegration {
        OdigoIntegration {
            name: name.into(),
            id,
            token,
            stale_after: Duration::from_secs(600),
            dedup_window: DEFAULT_DEDUP_WINDOW,
            pause_details: None,
        }
    }
}

// By hand: the token hash stays out of debug output (it is not the token, but there is no
// reason to spread it).
impl fmt::Debug for OdigoIntegration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OdigoIntegration")
            .field("name", &self.name)
            .field("id", &self.id)
            .field("stale_after", &self.stale_after)
            .field("dedup_window", &self.dedup_window)
            .field("pause_details", &self.pause_details)
            .finish_non_exhaustive()
    }
}
