//! The async shell: a CIC feed server over TCP. It listens; each accepted connection gets a
//! full snapshot, then every tick's changes and heartbeats, until it closes, the server
//! drops it (a fault) or the server is killed. Clients send nothing; what they send is read
//! and ignored (it tells the server when they close).
//!
//! The simulator ([`CicSim`]) sits behind one lock with the list of connections: a new
//! connection's snapshot and its registration for the next ticks happen together, so every
//! connection sees each change exactly once, after its snapshot.

use crate::cic::config::CicSimConfig;
use crate::cic::error::CicSimError;
use crate::cic::faults::{Fault, split_lengths};
use crate::cic::sim::{Change, CicSim};
use crate::cic::users::SimUser;
use bytes::Bytes;
use jiff::Timestamp;
use rand::rngs::SmallRng;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::{JoinHandle, JoinSet};
use tokio_util::sync::CancellationToken;

/// How a [`CicServer`] listens and paces its clock.
#[derive(Debug, Clone)]
pub struct CicServerConfig {
    /// The address to listen on; port 0 picks a free port ([`CicServerHandle::local_addr`]).
    pub listen: String,
    pub sim: CicSimConfig,
    /// Real time between ticks (each moves the virtual clock by `sim.tick`); `None`: the
    /// clock moves only by [`CicServerHandle::tick`], for tests.
    pub interval: Option<Duration>,
}

impl CicServerConfig {
    /// A server on a free loopback port whose clock moves only when told.
    pub fn manual(sim: CicSimConfig) -> CicServerConfig {
        CicServerConfig {
            listen: "127.0.0.1:0".to_owned(),
            sim,
            interval: None,
        }
    }
}

/// Counters of a running server.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ServerStats {
    /// Connections accepted.
    pub accepted: u64,
    /// Connections open now (silent ones included).
    pub open: usize,
    /// Connections cut in the middle of their snapshot.
    pub snapshots_cut: u64,
    /// Connections made silent.
    pub silenced: u64,
    /// Garbage lines sent (counted once per injection, not per connection).
    pub garbage_lines: u64,
    /// Connections the server closed on purpose ([`Fault::Disconnect`]).
    pub disconnects: u64,
    /// Writes to sockets (a split write counts each piece), counted as they start.
    pub writes: u64,
    /// Bytes written to sockets, counted as their writes start.
    pub bytes: u64,
}

/// The ground truth at a moment: the clock and every user's current state.
#[derive(Debug, Clone)]
pub struct CicTruth {
    /// The virtual clock (every change up to it was sent).
    pub now: Timestamp,
    pub ticks: u64,
    pub users: Vec<SimUser>,
}

impl CicTruth {
    /// The user whose id is `user_id` (exactly).
    pub fn user(&self, user_id: &str) -> Option<&SimUser> {
        self.users.iter().find(|u| &*u.user_id == user_id)
    }
}

/// What a connection task is told.
#[derive(Debug)]
enum Out {
    Data(Bytes),
    Close,
}

#[derive(Debug)]
struct Client {
    id: u64,
    tx: mpsc::UnboundedSender<Out>,
    silent: bool,
}

#[derive(Debug)]
struct State {
    sim: CicSim,
    clients: Vec<Client>,
    /// Connections still to cut mid-snapshot ([`Fault::DropMidSnapshot`]).
    drop_snapshots: u32,
    /// New connections get nothing ([`Fault::Hang`]).
    hung: bool,
    stats: ServerStats,
}

impl State {
    /// Sends `bytes` to every connection that is not silent.
    fn broadcast(&mut self, bytes: Vec<u8>) {
        if bytes.is_empty() {
            return;
        }
        let bytes = Bytes::from(bytes);
        self.clients
            .retain(|c| c.silent || c.tx.send(Out::Data(bytes.clone())).is_ok());
    }

    fn apply(&mut self, fault: Fault, split: &AtomicUsize) {
        match fault {
            Fault::DropMidSnapshot { connections } => {
                self.drop_snapshots = self.drop_snapshots.saturating_add(connections);
            }
            Fault::Hang => {
                self.hung = true;
                self.apply(Fault::Silence, split);
            }
            Fault::Recover => self.hung = false,
            Fault::Silence => {
                for client in self.clients.iter_mut().filter(|c| !c.silent) {
                    client.silent = true;
                    self.stats.silenced += 1;
                    tracing::debug!(connection = client.id, "silent");
                }
            }
            Fault::Garbage { lines } => {
                let bytes = self.sim.garbage(lines);
                self.stats.garbage_lines += u64::from(lines);
                self.broadcast(bytes);
            }
            Fault::OverLongLine { bytes } => {
                let line = self.sim.over_long_line(bytes);
                self.broadcast(line);
            }
            Fault::SplitWrites(max) => split.store(max.unwrap_or(0), Ordering::Relaxed),
            Fault::Disconnect => {
                for client in self.clients.drain(..) {
                    let _ = client.tx.send(Out::Close);
                    self.stats.disconnects += 1;
                    tracing::debug!(connection = client.id, "disconnected");
                }
            }
        }
    }

    /// One tick: its records to every connection, then the faults drawn for it.
    fn tick(&mut self, split: &AtomicUsize) {
        let tick = self.sim.tick();
        self.broadcast(tick.bytes);
        let faults = self.sim.config().faults;
        if self.sim.roll(faults.garbage) {
            let lines = 1 + u32::from(self.sim.roll(0.5)) + u32::from(self.sim.roll(0.5));
            self.apply(Fault::Garbage { lines }, split);
        }
        if self.sim.roll(faults.silence) {
            self.apply(Fault::Silence, split);
        }
        if self.sim.roll(faults.disconnect) {
            self.apply(Fault::Disconnect, split);
        }
    }
}

#[derive(Debug)]
struct Shared {
    state: Mutex<State>,
    /// The largest piece of a split write; 0: whole writes.
    split: AtomicUsize,
    open: AtomicUsize,
    writes: AtomicU64,
    bytes: AtomicU64,
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves a usable simulator: keep serving.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A simulated CIC server ([`CicServer::start`]).
#[derive(Debug)]
pub struct CicServer;

impl CicServer {
    /// Listens on `config.listen` and serves the simulated feed until the handle is killed
    /// or dropped. Needs a tokio runtime.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use rta_sim::cic::{CicServer, CicServerConfig, CicSimConfig};
    /// use tokio::io::{AsyncBufReadExt, BufReader};
    ///
    /// let sim = CicSimConfig::new(5, 1, "2026-11-23T08:00:00Z".parse().unwrap());
    /// let server = CicServer::start(CicServerConfig::manual(sim)).await.unwrap();
    /// let client = tokio::net::TcpStream::connect(server.local_addr()).await.unwrap();
    /// let mut lines = BufReader::new(client).lines();
    /// let first = lines.next_line().await.unwrap().unwrap();
    /// assert_eq!(first, "SNAPSHOT|BEGIN|2026-11-23 08:00:00");
    /// server.tick(60);
    /// while let Some(line) = lines.next_line().await.unwrap() {
    ///     if line == "HEARTBEAT|2026-11-23 08:01:00" {
    ///         break;
    ///     }
    /// }
    /// assert_eq!(server.truth().users.len(), 5);
    /// server.kill().await;
    /// assert_eq!(lines.next_line().await.unwrap(), None);
    /// # }
    /// ```
    pub async fn start(config: CicServerConfig) -> Result<CicServerHandle, CicSimError> {
        let sim = CicSim::new(config.sim)?;
        let listener =
            TcpListener::bind(&config.listen)
                .await
                .map_err(|source| CicSimError::Listen {
                    addr: config.listen.clone(),
                    source,
                })?;
        let addr = listener
            .local_addr()
            .map_err(|source| CicSimError::Listen {
                addr: config.listen.clone(),
                source,
            })?;
        let split = sim.config().faults.split_writes.unwrap_or(0);
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                sim,
                clients: Vec::new(),
                drop_snapshots: 0,
                hung: false,
                stats: ServerStats::default(),
            }),
            split: AtomicUsize::new(split),
            open: AtomicUsize::new(0),
            writes: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
        });
        let cancel = CancellationToken::new();
        let mut tasks = vec![tokio::spawn(accept(
            listener,
            shared.clone(),
            cancel.clone(),
        ))];
        if let Some(interval) = config.interval {
            tasks.push(tokio::spawn(ticker(
                interval,
                shared.clone(),
                cancel.clone(),
            )));
        }
        tracing::info!(%addr, "CIC simulator listening");
        Ok(CicServerHandle {
            addr,
            shared,
            cancel,
            tasks: Mutex::new(tasks),
        })
    }
}

/// A running [`CicServer`]: its address, its clock, faults on demand, the ground truth.
/// Dropping it stops the server (as [`CicServerHandle::kill`] does, without waiting).
#[derive(Debug)]
pub struct CicServerHandle {
    addr: SocketAddr,
    shared: Arc<Shared>,
    cancel: CancellationToken,
    tasks: Mutex<Vec<JoinHandle<()>>>,
}

impl CicServerHandle {
    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Moves the virtual clock `ticks` ticks now and queues their records to every
    /// connection (also with a paced clock). Returns the clock after them.
    pub fn tick(&self, ticks: u64) -> Timestamp {
        let mut state = self.shared.state();
        for _ in 0..ticks {
            state.tick(&self.shared.split);
        }
        state.sim.now()
    }

    /// Injects a fault (see [`Fault`] for each).
    pub fn inject(&self, fault: Fault) {
        tracing::debug!(?fault, "fault injected");
        self.shared.state().apply(fault, &self.shared.split);
    }

    /// The virtual clock.
    pub fn now(&self) -> Timestamp {
        self.shared.state().sim.now()
    }

    /// The ground truth: the clock and every user's current state, as sent.
    pub fn truth(&self) -> CicTruth {
        let state = self.shared.state();
        CicTruth {
            now: state.sim.now(),
            ticks: state.sim.ticks(),
            users: state.sim.users().to_vec(),
        }
    }

    /// Every change sent, in order (needs [`CicSimConfig::history`]).
    pub fn history(&self) -> Vec<Change> {
        self.shared.state().sim.history().to_vec()
    }

    /// Runs `f` on the simulator, the clock stopped meanwhile.
    pub fn with_sim<R>(&self, f: impl FnOnce(&CicSim) -> R) -> R {
        f(&self.shared.state().sim)
    }

    pub fn stats(&self) -> ServerStats {
        let mut stats = self.shared.state().stats;
        stats.open = self.shared.open.load(Ordering::Relaxed);
        stats.writes = self.shared.writes.load(Ordering::Relaxed);
        stats.bytes = self.shared.bytes.load(Ordering::Relaxed);
        stats
    }

    /// Stops the server: closes the listener and every connection, and waits until they are
    /// closed. The ground truth stays readable.
    pub async fn kill(&self) {
        self.cancel.cancel();
        let tasks = std::mem::take(&mut *self.tasks.lock().unwrap_or_else(|e| e.into_inner()));
        for task in tasks {
            let _ = task.await;
        }
        tracing::info!(addr = %self.addr, "CIC simulator stopped");
    }

    /// True once [`CicServerHandle::kill`] was called.
    pub fn is_killed(&self) -> bool {
        self.cancel.is_cancelled()
    }
}

impl Drop for CicServerHandle {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

async fn ticker(interval: Duration, shared: Arc<Shared>, cancel: CancellationToken) {
    let mut timer = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
    timer.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = timer.tick() => shared.state().tick(&shared.split),
        }
    }
}

async fn accept(listener: TcpListener, shared: Arc<Shared>, cancel: CancellationToken) {
    let mut connections = JoinSet::new();
    loop {
        while connections.try_join_next().is_some() {}
        let (socket, peer) = tokio::select! {
            _ = cancel.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of descriptors and the like: wait a little, keep listening.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        // Small writes go out as written, so split writes reach the client split.
        let _ = socket.set_nodelay(true);
        let (tx, rx) = mpsc::unbounded_channel();
        let (id, rng) = {
            let mut state = shared.state();
            state.stats.accepted += 1;
            let id = state.stats.accepted;
            if state.hung {
                state.stats.silenced += 1;
                state.clients.push(Client {
                    id,
                    tx,
                    silent: true,
                });
                tracing::info!(connection = id, %peer, "accepted; hanging");
            } else if cut_snapshot(&mut state) {
                let greeting = state.sim.greeting();
                let at = state.sim.snapshot_cut(&greeting);
                let mut bytes = greeting.bytes;
                bytes.truncate(at);
                let _ = tx.send(Out::Data(bytes.into()));
                let _ = tx.send(Out::Close);
                state.stats.snapshots_cut += 1;
                tracing::info!(connection = id, %peer, at, "accepted; snapshot cut");
            } else {
                let _ = tx.send(Out::Data(state.sim.greeting().bytes.into()));
                state.clients.push(Client {
                    id,
                    tx,
                    silent: false,
                });
                tracing::info!(connection = id, %peer, "accepted");
            }
            (id, state.sim.split_rng(id))
        };
        shared.open.fetch_add(1, Ordering::Relaxed);
        connections.spawn(serve(socket, rx, shared.clone(), id, rng, cancel.clone()));
    }
    drop(listener);
    shared.state().clients.clear();
    while connections.join_next().await.is_some() {}
}

/// Whether the connection being accepted gets its snapshot cut: an injected cut first, else
/// the configured rate.
fn cut_snapshot(state: &mut State) -> bool {
    if state.drop_snapshots > 0 {
        state.drop_snapshots -= 1;
        return true;
    }
    let rate = state.sim.config().faults.drop_snapshot;
    state.sim.roll(rate)
}

/// Writes what connection `id` is told until told to close, the client closes, or the
/// server stops.
async fn serve(
    socket: TcpStream,
    mut rx: mpsc::UnboundedReceiver<Out>,
    shared: Arc<Shared>,
    id: u64,
    mut rng: SmallRng,
    cancel: CancellationToken,
) {
    let (mut reader, mut writer) = socket.into_split();
    let mut input = [0u8; 512];
    let why = loop {
        tokio::select! {
            biased;
            _ = cancel.cancelled() => break "server stopped",
            out = rx.recv() => match out {
                Some(Out::Data(data)) => {
                    if let Err(error) = write(&mut writer, &data, &shared, &mut rng, &cancel).await {
                        tracing::debug!(connection = id, %error, "write failed");
                        break "write failed";
                    }
                }
                Some(Out::Close) | None => break "closed by the server",
            },
            read = reader.read(&mut input) => match read {
                Ok(0) => break "closed by the client",
                Ok(_) => {}
                Err(_) => break "read failed",
            },
        }
    };
    let _ = writer.shutdown().await;
    shared.state().clients.retain(|c| c.id != id);
    shared.open.fetch_sub(1, Ordering::Relaxed);
    tracing::info!(connection = id, why, "connection closed");
}

async fn write(
    writer: &mut tokio::net::tcp::OwnedWriteHalf,
    data: &[u8],
    shared: &Shared,
    rng: &mut SmallRng,
    cancel: &CancellationToken,
) -> std::io::Result<()> {
    let max = shared.split.load(Ordering::Relaxed);
    // Counted before the write: a client that read the bytes sees them counted.
    if max == 0 {
        shared.writes.fetch_add(1, Ordering::Relaxed);
        shared.bytes.fetch_add(data.len() as u64, Ordering::Relaxed);
        return writer.write_all(data).await;
    }
    let mut from = 0;
    for len in split_lengths(rng, data.len(), max) {
        if cancel.is_cancelled() {
            return Ok(());
        }
        shared.writes.fetch_add(1, Ordering::Relaxed);
        shared.bytes.fetch_add(len as u64, Ordering::Relaxed);
        writer.write_all(&data[from..from + len]).await?;
        writer.flush().await?;
        from += len;
        // Let the client read the piece before the next one comes.
        tokio::task::yield_now().await;
    }
    Ok(())
}
