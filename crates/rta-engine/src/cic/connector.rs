//! The tokio side of a CIC integration: connection tasks, their modes, back-off, silence, and
//! the glue from the sans-IO decoder (`rta_cic::Session`) to the state table.

use super::addresses::{Address, AddressError, parse_addresses};
use super::backoff::{Backoff, BackoffConfig};
use super::ingest::Ingest;
use super::membership::Membership;
use super::watchdog::{DEFAULT_SILENCE, Watchdog, silence_detail};
use crate::adapter::Adapter;
use crate::capture::{Capture, cic_label};
use crate::clock::Clock;
use crate::counters::{add, counters};
use crate::health::Health;
use crate::publisher::Publisher;
use crate::shards::Shards;
use crate::turns::Turns;
use futures::StreamExt;
use rand::SeedableRng;
use rand::rngs::SmallRng;
use rta_cic::{Session, SessionConfig, Vocabulary};
use rta_model::{FeedHealth, Name, Timestamp};
use rta_state::{StateError, StateTable};
use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::str::FromStr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_util::codec::FramedRead;
use tokio_util::sync::CancellationToken;

counters! {
    /// What the connections of one CIC integration did since its connector started (a
    /// pause, resume or update starts a new connector, counting from zero).
    pub struct CicStats, live LiveStats {
        /// Connections made.
        connections,
        /// Lines read (framing errors excluded).
        lines,
        /// Agent statuses decoded.
        statuses,
        snapshots_completed,
        /// Snapshots cut off (by a disconnect, a new snapshot or a malformed message).
        snapshots_aborted,
        /// Lines or icws messages rejected whole.
        bad_records,
        /// icws list items rejected.
        bad_items,
        over_long_lines,
        truncated_lines,
        /// Statuses of users past the session's user limit.
        users_over_limit,
    }
}

/// How the addresses of an integration are used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// One connection per address, all feeding the integration (several ACDs).
    #[default]
    All,
    /// One connection at a time: the first address that answers; on loss the next one, in
    /// order, wrapping around (a primary/backup pair).
    Failover,
}

impl FromStr for Mode {
    type Err = ModeError;

    /// `all` or `failover`, in any case.
    fn from_str(text: &str) -> Result<Mode, ModeError> {
        match text.trim() {
            mode if mode.eq_ignore_ascii_case("all") => Ok(Mode::All),
            mode if mode.eq_ignore_ascii_case("failover") => Ok(Mode::Failover),
            other => Err(ModeError(other.to_owned())),
        }
    }
}

/// A mode name that is neither `all` nor `failover`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a CIC connection mode: all or failover")]
pub struct ModeError(String);

/// The logged-out status given to agents a completed snapshot no longer lists.
pub const DEFAULT_LOGGED_OUT_CODE: &str = "logged out";
/// How long a connection attempt may take, name resolution included.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// One CIC integration's connector configuration.
#[derive(Debug, Clone)]
pub struct CicConfig {
    /// The integration's name, as feed events carry it.
    pub name: Name,
    /// The ACD servers, at least one ([`parse_addresses`]).
    pub addresses: Vec<Address>,
    pub mode: Mode,
    /// Nothing received for this long (heartbeats included): `stale`, reconnect.
    pub silence: Duration,
    pub backoff: BackoffConfig,
    pub connect_timeout: Duration,
    /// Seed of the back-off jitter; `None`: a different one per process.
    pub jitter_seed: Option<u64>,
    /// Status code of agents logged out by a snapshot that no longer lists them.
    pub logged_out_code: Name,
    /// The decoder's settings: the integration's id in the state table, the dialect, the
    /// zone, user id comparison, the line limit.
    pub session: SessionConfig,
}

impl CicConfig {
    /// The defaults for the integration form's values: `addresses` is the form's string
    /// (`host:port`, comma-separated), checked here; `session` names the integration's id in
    /// the state table and how its feed is decoded.
    pub fn new(
        name: impl Into<Name>,
        addresses: &str,
        session: SessionConfig,
    ) -> Result<CicConfig, AddressError> {
        Ok(CicConfig {
            name: name.into(),
            addresses: parse_addresses(addresses)?,
            mode: Mode::default(),
            silence: DEFAULT_SILENCE,
            backoff: BackoffConfig::default(),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            jitter_seed: None,
            logged_out_code: DEFAULT_LOGGED_OUT_CODE.into(),
            session,
        })
    }
}

/// The connector could not start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConnectorError {
    #[error("CIC integration {0:?} has no ACD server address")]
    NoAddress(Name),
    #[error("CIC integration {name:?}: {error}")]
    State { name: Name, error: StateError },
    #[error("the CIC connector must be started inside a tokio runtime")]
    NoRuntime,
}

/// Starts the connection tasks of one CIC integration ([`CicConnector::spawn`]): the builder
/// the adapters share ([`Adapter::new`], [`Adapter::clock`], [`Adapter::capture`]).
pub type CicConnector = Adapter<CicConfig>;

impl CicConnector {
    /// Starts the tasks on the current tokio runtime: one per address in [`Mode::All`], one
    /// in [`Mode::Failover`]. They run until [`CicHandle::shutdown`] or the handle is
    /// dropped, and never give up on a server.
    pub fn spawn(self) -> Result<CicHandle, ConnectorError> {
        let Adapter {
            config,
            table,
            publisher,
            clock,
            capture,
            shards,
        } = self;
        if config.addresses.is_empty() {
            return Err(ConnectorError::NoAddress(config.name));
        }
        if let Err(error) = table.members(config.session.integration) {
            return Err(ConnectorError::State {
                name: config.name,
                error,
            });
        }
        let runtime =
            tokio::runtime::Handle::try_current().map_err(|_| ConnectorError::NoRuntime)?;
        let membership = Membership::of(&config);
        let cancel = CancellationToken::new();
        let counts = Arc::new(LiveStats::default());
        let capture_labels = capture_labels(&config);
        let jitter_seed = config.jitter_seed.unwrap_or_else(random_seed);
        let shared = Arc::new(Shared {
            vocabulary: Mutex::new(Vocabulary::new()),
            membership: Arc::new(membership),
            config,
            table,
            publisher,
            clock,
            cancel: cancel.clone(),
            jitter_seed,
            counts: Arc::clone(&counts),
            capture,
            capture_labels,
            shards,
        });
        tracing::info!(
            integration = &*shared.config.name,
            mode = ?shared.config.mode,
            addresses = %AddressList(&shared.config.addresses),
            "CIC connector starting"
        );
        let tasks = match shared.config.mode {
            Mode::All => (0..shared.config.addresses.len())
                .map(|index| runtime.spawn(Arc::clone(&shared).serve_address(index)))
                .collect(),
            Mode::Failover => vec![runtime.spawn(Arc::clone(&shared).serve_failover())],
        };
        Ok(CicHandle {
            cancel,
            tasks,
            counts,
        })
    }
}

/// The running connector of one integration. Dropping it stops the tasks (at their next
/// await); [`CicHandle::shutdown`] stops them and waits for them.
#[derive(Debug)]
pub struct CicHandle {
    cancel: CancellationToken,
    tasks: Vec<JoinHandle<()>>,
    counts: Arc<LiveStats>,
}

impl CicHandle {
    /// Stops every connection (a snapshot in progress is dropped, logging nobody out),
    /// publishes `down` for each address that was not, and waits for the tasks to end.
    pub async fn shutdown(mut self) {
        self.cancel.cancel();
        for task in std::mem::take(&mut self.tasks) {
            match task.await {
                Err(error) if error.is_panic() => {
                    tracing::error!(%error, "a CIC connection task panicked");
                }
                _ => {}
            }
        }
    }

    /// The counters so far, every connection task's summed.
    pub fn stats(&self) -> CicStats {
        self.counts.snapshot()
    }

    /// Whether every task has ended (only after a shutdown, or a panic).
    pub fn is_finished(&self) -> bool {
        self.tasks.iter().all(JoinHandle::is_finished)
    }
}

impl Drop for CicHandle {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

/// What the tasks of one integration share.
#[derive(Debug)]
struct Shared {
    config: CicConfig,
    table: Arc<StateTable>,
    publisher: Arc<dyn Publisher>,
    clock: Arc<dyn Clock>,
    membership: Arc<Membership>,
    /// The integration's status vocabulary: each connection's session borrows it for one
    /// frame at a time.
    vocabulary: Mutex<Vocabulary>,
    cancel: CancellationToken,
    jitter_seed: u64,
    /// The tasks' decoders count per task; what they add up to is counted here.
    counts: Arc<LiveStats>,
    capture: Option<Arc<Capture>>,
    /// The capture label of each address's records.
    capture_labels: Vec<String>,
    /// The engine's shards, which apply the statuses; `None`: applied on the tasks.
    shards: Option<Arc<Shards>>,
}

/// The capture label of each address ([`crate::capture::cic_label`]).
pub(crate) fn capture_labels(config: &CicConfig) -> Vec<String> {
    config
        .addresses
        .iter()
        .map(|address| cic_label(&config.name, &address.to_string()))
        .collect()
}

/// How a connection attempt ended.
enum Outcome {
    /// The connector is shutting down.
    Shutdown,
    /// No connection was made.
    Failed,
    /// A connection was made and ended after `up_for`.
    Ended { up_for: Duration },
}

/// Why a connection ended.
enum End {
    Shutdown,
    Closed,
    Error(std::io::Error),
    Silent,
}

impl Shared {
    /// [`Mode::All`]: one address, for ever.
    async fn serve_address(self: Arc<Self>, index: usize) {
        let table = Arc::clone(&self.table);
        let mut ingest = self.ingest(&table);
        let mut session = self.session();
        let mut health = self.health(index);
        let mut backoff = Backoff::new(self.config.backoff);
        let mut rng = self.rng(index);
        loop {
            match self
                .attempt(index, &mut ingest, &mut session, &mut health)
                .await
            {
                Outcome::Shutdown => break,
                Outcome::Failed => {}
                Outcome::Ended { up_for } => {
                    backoff.connection_ended(up_for);
                }
            }
            let wait = backoff.next_delay(&mut rng);
            if !self.pause(index, wait).await {
                break;
            }
        }
        self.stopped(&mut health);
    }

    /// [`Mode::Failover`]: the addresses in turn. After a connection that stayed up the next
    /// address is tried at once; a whole round of addresses that failed (or served only
    /// briefly) is followed by a back-off wait.
    async fn serve_failover(self: Arc<Self>) {
        let table = Arc::clone(&self.table);
        let mut ingest = self.ingest(&table);
        let mut session = self.session();
        let mut healths: Vec<Health> = (0..self.config.addresses.len())
            .map(|index| self.health(index))
            .collect();
        let mut backoff = Backoff::new(self.config.backoff);
        let mut rng = self.rng(0);
        let mut index = 0;
        let mut failed_in_round = 0;
        loop {
            let health = &mut healths[index];
            match self.attempt(index, &mut ingest, &mut session, health).await {
                Outcome::Shutdown => break,
                Outcome::Failed => failed_in_round += 1,
                Outcome::Ended { up_for } => {
                    if backoff.connection_ended(up_for) {
                        failed_in_round = 0;
                    } else {
                        failed_in_round += 1;
                    }
                }
            }
            index = (index + 1) % healths.len();
            if failed_in_round >= healths.len() {
                failed_in_round = 0;
                let wait = backoff.next_delay(&mut rng);
                if !self.pause(index, wait).await {
                    break;
                }
            }
        }
        for health in &mut healths {
            self.stopped(health);
        }
    }

    fn ingest<'t>(&self, table: &'t StateTable) -> Ingest<'t> {
        Ingest::new(
            table,
            self.config.session.integration,
            Arc::clone(&self.membership),
            Arc::clone(&self.publisher),
            self.shards.clone(),
            self.config.logged_out_code.clone(),
        )
    }

    /// The decoder of a task, kept from one connection to the next (see "Decoding" in the
    /// module docs: what it read before a reconnect places the local times of a repeated
    /// autumn hour after it).
    fn session(&self) -> Session {
        Session::new(self.config.session.clone())
    }

    /// The health of address `index`, announced (`waiting`).
    fn health(&self, index: usize) -> Health {
        let health = Health::new(
            "CIC",
            self.config.name.clone(),
            Some(self.config.addresses[index].to_string()),
        );
        health.announce(self.clock.now(), &*self.publisher);
        health
    }

    fn rng(&self, index: usize) -> SmallRng {
        // Distinct streams per address, so that addresses do not retry in step.
        SmallRng::seed_from_u64(
            self.jitter_seed ^ (index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15),
        )
    }

    fn stopped(&self, health: &mut Health) {
        health.set(
            FeedHealth::Down,
            Some("connector shut down".into()),
            self.clock.now(),
            &*self.publisher,
        );
    }

    /// Waits `wait` before the next attempt; `false` if shut down meanwhile.
    async fn pause(&self, index: usize, wait: Duration) -> bool {
        tracing::debug!(
            integration = &*self.config.name,
            address = %self.config.addresses[index],
            wait_ms = wait.as_millis() as u64,
            "CIC connector waiting before the next attempt"
        );
        tokio::select! {
            () = self.cancel.cancelled() => false,
            () = tokio::time::sleep(wait) => true,
        }
    }

    /// One connection attempt to address `index`, and the connection until it ends.
    async fn attempt(
        &self,
        index: usize,
        ingest: &mut Ingest<'_>,
        session: &mut Session,
        health: &mut Health,
    ) -> Outcome {
        let address = &self.config.addresses[index];
        let stream = tokio::select! {
            () = self.cancel.cancelled() => return Outcome::Shutdown,
            connected = self.connect(address) => connected,
        };
        let stream = match stream {
            Ok(stream) => stream,
            Err(problem) => {
                tracing::debug!(
                    integration = &*self.config.name,
                    %address,
                    %problem,
                    "CIC connection attempt failed"
                );
                health.set(
                    FeedHealth::Down,
                    Some(problem),
                    self.clock.now(),
                    &*self.publisher,
                );
                return Outcome::Failed;
            }
        };
        let connected_at = Instant::now();
        tracing::debug!(
            integration = &*self.config.name,
            %address,
            peer = ?stream.peer_addr().ok(),
            "CIC connection up"
        );
        ingest.connected(index);
        add(&self.counts.connections, 1);
        let end = self.read(stream, ingest, session, health).await;
        let before = session.stats();
        let cut = ingest.connection_lost(session);
        self.count(before, session.stats());
        if cut {
            tracing::info!(
                integration = &*self.config.name,
                %address,
                "CIC snapshot cut off by the end of the connection: nobody logged out"
            );
        }
        let up_for = connected_at.elapsed();
        let (health_now, detail) = match end {
            End::Shutdown => return Outcome::Shutdown,
            End::Closed => (
                FeedHealth::Down,
                "the server closed the connection".to_owned(),
            ),
            End::Error(error) => (FeedHealth::Down, format!("connection lost: {error}")),
            End::Silent => (FeedHealth::Stale, silence_detail(self.config.silence)),
        };
        tracing::debug!(
            integration = &*self.config.name,
            %address,
            up_ms = up_for.as_millis() as u64,
            detail,
            stats = ?session.stats(),
            "CIC connection ended"
        );
        health.set(health_now, Some(detail), self.clock.now(), &*self.publisher);
        Outcome::Ended { up_for }
    }

    /// Resolves `address` (every attempt: DNS answers change) and connects, within the
    /// connect timeout. The error is a sentence for the feed event.
    async fn connect(&self, address: &Address) -> Result<TcpStream, String> {
        let host = address.host();
        let connecting = TcpStream::connect((host.as_str(), address.port()));
        match tokio::time::timeout(self.config.connect_timeout, connecting).await {
            Ok(Ok(stream)) => Ok(stream),
            Ok(Err(error)) => Err(format!("cannot connect: {error}")),
            Err(_) => Err(format!(
                "cannot connect: no answer within {} s",
                self.config.connect_timeout.as_secs()
            )),
        }
    }

    /// Reads and decodes the connection until it ends.
    async fn read(
        &self,
        stream: TcpStream,
        ingest: &mut Ingest<'_>,
        session: &mut Session,
        health: &mut Health,
    ) -> End {
        let mut frames = FramedRead::new(stream, self.config.session.codec());
        let mut watchdog = Watchdog::new(self.config.silence, Instant::now());
        let timer = tokio::time::sleep_until(watchdog.deadline());
        tokio::pin!(timer);
        let mut turns = Turns::default();
        loop {
            tokio::select! {
                biased;
                () = self.cancel.cancelled() => return End::Shutdown,
                frame = frames.next() => {
                    let mut frame = frame;
                    // One reading of the clocks for the burst: its frames were buffered
                    // together.
                    let now = Instant::now();
                    let mut burst = turns.burst(now);
                    watchdog.heard(now);
                    let received = self.clock.now();
                    loop {
                        match frame {
                            None => return End::Closed,
                            Some(Err(error)) => return End::Error(error),
                            Some(Ok(frame)) => self.decode(frame, received, ingest, session, health),
                        }
                        match burst.next(&mut frames) {
                            Some(next) => frame = next,
                            None => break,
                        }
                    }
                    turns.end(burst).await;
                }
                () = &mut timer => {
                    if watchdog.is_silent(Instant::now()) {
                        return End::Silent;
                    }
                    timer.as_mut().reset(watchdog.deadline());
                }
            }
        }
    }

    /// One frame, `received` then, through the decoder into the table.
    fn decode(
        &self,
        frame: Result<bytes::Bytes, rta_lines::FrameError>,
        received: Timestamp,
        ingest: &mut Ingest<'_>,
        session: &mut Session,
        health: &mut Health,
    ) {
        if let (Some(capture), Ok(line)) = (&self.capture, &frame) {
            capture.record(received, &self.capture_labels[ingest.address()], line);
        }
        let before = session.stats();
        let pushed = {
            let mut vocabulary = self
                .vocabulary
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            ingest.push_frame(session, &mut vocabulary, health, frame, received)
        };
        self.count(before, session.stats());
        let address = &self.config.addresses[ingest.address()];
        if pushed.aborted {
            tracing::warn!(
                integration = &*self.config.name,
                %address,
                "CIC snapshot cut off by a new one or a malformed message: nobody logged out"
            );
        }
        if let Err(error) = pushed.decoded {
            tracing::warn!(
                integration = &*self.config.name,
                %address,
                %error,
                "CIC record skipped"
            );
        }
        if let Some(done) = pushed.completed {
            tracing::debug!(
                integration = &*self.config.name,
                %address,
                listed = done.listed,
                logged_out = done.logged_out,
                "CIC snapshot completed"
            );
        }
    }

    /// Adds what a decoder counted between `before` and `after` to the integration's counts.
    fn count(&self, before: rta_cic::Stats, after: rta_cic::Stats) {
        let counts = &self.counts;
        // Each decoder count feeds the integration's count of the same name.
        macro_rules! moved {
            ($($field:ident),*) => {
                [$((&counts.$field, before.$field, after.$field)),*]
            };
        }
        for (counter, before, after) in moved!(
            lines,
            statuses,
            snapshots_completed,
            snapshots_aborted,
            bad_records,
            bad_items,
            over_long_lines,
            truncated_lines,
            users_over_limit
        ) {
            // Most frames move one or two counts: no atomic add for the others.
            if after > before {
                add(counter, after - before);
            }
        }
    }
}

/// A seed that differs between processes (the standard library's random hasher keys).
fn random_seed() -> u64 {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(0x5EED);
    hasher.finish()
}

/// Addresses as the form writes them.
struct AddressList<'a>(&'a [Address]);

impl fmt::Display for AddressList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, address) in self.0.iter().enumerate() {
            if index > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{address}")?;
        }
        Ok(())
    }
}
