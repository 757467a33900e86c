//! The task of one Avaya integration: it owns the listening socket, the connection being
//! read, the integration's [`Assembler`] and its feed health, and handles pause and resume.
//!
//! One task, one `select!` loop: the assembler is the integration's memory of the last
//! snapshot, so every line, whichever connection brings it, goes through it in order, and
//! no lock is needed.

use super::config::AvayaConfig;
use super::listener::{ListenerError, LiveStats, bind};
use crate::apply::Apply;
use crate::capture::Capture;
use crate::clock::Clock;
use crate::counters::add;
use crate::health::Health;
use crate::publisher::Publisher;
use crate::shards::Shards;
use crate::turns::Turns;
use bytes::Bytes;
use futures::StreamExt;
use jiff::SignedDuration;
use rta_avaya::{Assembler, FrameError, LineCodec, Output, Stats};
use rta_model::{FeedHealth, IntegrationId, Timestamp};
use rta_state::StateTable;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinSet;
use tokio_util::codec::FramedRead;
use tokio_util::sync::CancellationToken;

/// How often the feed is checked for staleness: often enough that `stale` comes within a
/// second of three silent refresh intervals, for any refresh CMS allows (3 s and more).
pub(super) const STALE_CHECK: Duration = Duration::from_secs(1);

/// After a failed `accept` (out of file descriptors, say), the wait before the next one, so
/// that a lasting failure does not spin.
const ACCEPT_RETRY: Duration = Duration::from_millis(100);

/// What the task shares with the handle.
#[derive(Debug)]
pub(super) struct Shared {
    pub(super) config: AvayaConfig,
    pub(super) publisher: Arc<dyn Publisher>,
    pub(super) clock: Arc<dyn Clock>,
    /// Where every line read is recorded, when capture is on.
    pub(super) capture: Option<Arc<Capture>>,
    /// The engine's shards, which apply the statuses; `None`: applied on the task.
    pub(super) shards: Option<Arc<Shards>>,
    pub(super) counts: LiveStats,
    /// The current health, for [`AvayaHandle::health`](super::AvayaHandle::health).
    pub(super) health: watch::Sender<FeedHealth>,
}

/// What the handle asks of the task; the answer comes back once done.
#[derive(Debug)]
pub(super) enum Command {
    Pause(oneshot::Sender<()>),
    Resume(oneshot::Sender<Result<(), ListenerError>>),
}

/// The connection being read.
#[derive(Debug)]
struct Connection {
    frames: FramedRead<TcpStream, LineCodec>,
    peer: SocketAddr,
}

/// One read from the connection: a line or a framing error, an I/O error, or the end.
type Read = Option<io::Result<Result<Bytes, FrameError>>>;

/// The task's state.
struct Feed<'t> {
    shared: &'t Shared,
    decoder: Decoder<'t>,
    /// `None` while paused.
    listener: Option<TcpListener>,
    /// Where `resume` listens again.
    address: SocketAddr,
    current: Option<Connection>,
    /// Replaced connections, read to their end and ignored.
    drains: JoinSet<()>,
}

/// Serves the integration until `cancel`, or until the handle is gone.
pub(super) async fn run(
    shared: Arc<Shared>,
    table: Arc<StateTable>,
    listener: TcpListener,
    address: SocketAddr,
    mut commands: mpsc::Receiver<Command>,
    cancel: CancellationToken,
) {
    let mut feed = Feed {
        shared: &shared,
        decoder: Decoder::new(
            &shared.config,
            &table,
            Arc::clone(&shared.publisher),
            shared.shards.clone(),
            shared.clock.now(),
        ),
        listener: Some(listener),
        address,
        current: None,
        drains: JoinSet::new(),
    };
    let mut turns = Turns::default();
    let mut ticker = tokio::time::interval(STALE_CHECK);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        // Lines of the open connection before new connections: when CMS drops a connection
        // and reconnects at once, what it sent on the old one is read to its end first.
        tokio::select! {
            biased;
            () = cancel.cancelled() => break,
            command = commands.recv() => match command {
                Some(Command::Pause(done)) => {
                    feed.pause().await;
                    let _ = done.send(());
                }
                Some(Command::Resume(done)) => {
                    let _ = done.send(feed.resume());
                }
                None => break,
            },
            read = next_line(&mut feed.current) => {
                // One reading of the clock for the burst: its frames were buffered together,
                // and a reading per row was 2 % of a snapshot flood.
                let now = feed.shared.clock.now();
                feed.read(read, now);
                let mut burst = turns.burst(tokio::time::Instant::now());
                while let Some(read) = feed
                    .current
                    .as_mut()
                    .and_then(|connection| burst.next(&mut connection.frames))
                {
                    feed.read(read, now);
                }
                turns.end(burst).await;
            }
            accepted = accept(feed.listener.as_ref()) => feed.accepted(accepted),
            _ = ticker.tick() => feed.tick(),
        }
    }
    feed.close("listener shut down").await;
}

/// The next read of the connection; never, without one.
async fn next_line(current: &mut Option<Connection>) -> Read {
    match current {
        Some(connection) => connection.frames.next().await,
        None => std::future::pending().await,
    }
}

/// The next connection; never, while paused.
async fn accept(listener: Option<&TcpListener>) -> io::Result<(TcpStream, SocketAddr)> {
    let Some(listener) = listener else {
        return std::future::pending().await;
    };
    let accepted = listener.accept().await;
    if accepted.is_err() {
        tokio::time::sleep(ACCEPT_RETRY).await;
    }
    accepted
}

/// Reads a replaced connection to its end, ignoring it: closing it could make the CMS
/// process behind it reconnect and replace the newest connection in turn.
async fn drain(mut stream: TcpStream) {
    let _ = tokio::io::copy(&mut stream, &mut tokio::io::sink()).await;
}

/// Where the assembler's output goes.
fn deliver(output: Output<'_>, apply: &mut Apply<'_>, counts: &LiveStats, id: IntegrationId) {
    match output {
        Output::Agent(change) => {
            add(&counts.status_changes, 1);
            apply.observe(&change.observation(id), None);
        }
        Output::Queue(_) => add(&counts.queue_updates, 1),
        // Health is the connection's business as much as the batches': see `Feed::ended`.
        Output::Health(_) => {}
    }
}

/// The sans-IO half of an integration: lines through the assembler into the table, and
/// what the batches say of the feed's health. The listener's task drives it from its socket
/// and its staleness timer; the replayer ([`crate::replay`]) from a capture and its virtual
/// clock, so both decode alike.
#[derive(Debug)]
pub(crate) struct Decoder<'t> {
    assembler: Assembler,
    apply: Apply<'t>,
    publisher: Arc<dyn Publisher>,
    health: Health,
    integration: IntegrationId,
    refresh: SignedDuration,
    /// When the feed turns `stale` if no batch completes before: set when one completes (the
    /// replayer asks before every record).
    stale_at: Option<Timestamp>,
}

impl<'t> Decoder<'t> {
    /// A decoder for `config`, its health `waiting` (announced at `now`).
    pub(crate) fn new(
        config: &AvayaConfig,
        table: &'t StateTable,
        publisher: Arc<dyn Publisher>,
        shards: Option<Arc<Shards>>,
        now: Timestamp,
    ) -> Decoder<'t> {
        let health = Health::new("Avaya", config.name.clone(), None);
        health.announce(now, &*publisher);
        Decoder {
            assembler: Assembler::new(config.assembler.clone(), config.layout.clone()),
            apply: Apply::new(table, Arc::clone(&publisher), shards, "Avaya"),
            publisher,
            health,
            integration: config.assembler.integration,
            refresh: config.assembler.refresh,
            stale_at: None,
        }
    }

    pub(crate) fn health(&self) -> FeedHealth {
        self.health.current()
    }

    /// One line (or framing error) received at `now` through the assembler into the
    /// table; an error is the input skipped (counted here, logged by the caller).
    pub(crate) fn line(
        &mut self,
        frame: Result<Bytes, FrameError>,
        now: Timestamp,
        counts: &LiveStats,
    ) -> Result<(), rta_avaya::AvayaError> {
        let before = self.assembler.stats();
        let (apply, id) = (&mut self.apply, self.integration);
        let pushed = self
            .assembler
            .push_frame(frame, now, &mut |output| deliver(output, apply, counts, id));
        if pushed.is_err() {
            add(&counts.rejected_lines, 1);
        }
        self.ended(&before, now, counts);
        pushed
    }

    /// Counts the batches that ended since `before`; a completed one makes the feed `up`.
    fn ended(&mut self, before: &Stats, now: Timestamp, counts: &LiveStats) {
        let after = self.assembler.stats();
        add(&counts.lines, after.lines - before.lines);
        add(&counts.agent_rows, after.rows - before.rows);
        add(
            &counts.batches_cut_off,
            after.batches_cut_off - before.batches_cut_off,
        );
        let completed = after.batches_completed - before.batches_completed;
        add(&counts.batches_completed, completed);
        if completed > 0 {
            // `Assembler::health` says stale once strictly more than three refreshes passed:
            // at the next millisecond, the evaluator's resolution, so that the feed event and
            // the adherence it causes carry the same time.
            self.stale_at = now
                .checked_add(self.refresh * 3)
                .and_then(|at| at.checked_add(SignedDuration::from_millis(1)))
                .ok();
            self.set_health(FeedHealth::Up, None, now);
        }
    }

    /// The batch in progress, if any, is cut off: its rows apply, nobody is logged out.
    pub(crate) fn cut(&mut self, now: Timestamp, counts: &LiveStats) {
        let before = self.assembler.stats();
        let (apply, id) = (&mut self.apply, self.integration);
        self.assembler
            .connection_lost(now, &mut |output| deliver(output, apply, counts, id));
        self.ended(&before, now, counts);
    }

    /// `stale` when an `up` feed has completed no batch for three refresh intervals.
    pub(crate) fn check_stale(&mut self, now: Timestamp) {
        if self.health.current() == FeedHealth::Up
            && self.assembler.health(now) == FeedHealth::Stale
        {
            let silence = self.refresh * 3;
            let detail = format!("no completed batch for {} s", silence.as_secs());
            self.set_health(FeedHealth::Stale, Some(detail), now);
        }
    }

    /// When an `up` feed turns `stale` if no batch completes meanwhile (the replayer's
    /// timer); `None` when it is not `up`.
    pub(crate) fn stale_at(&self) -> Option<Timestamp> {
        self.stale_at
            .filter(|_| self.health.current() == FeedHealth::Up)
    }

    fn set_health(&mut self, health: FeedHealth, detail: Option<String>, now: Timestamp) {
        self.health.set(health, detail, now, &*self.publisher);
    }
}

impl Feed<'_> {
    fn name(&self) -> &str {
        &self.shared.config.name
    }

    /// One read of the connection, at `now`.
    fn read(&mut self, read: Read, now: Timestamp) {
        match read {
            Some(Ok(frame)) => self.line(frame, now),
            None => self.lost("the CMS closed the connection".to_owned()),
            Some(Err(error)) => self.lost(format!("connection lost: {error}")),
        }
    }

    /// One line (or framing error) through the decoder into the table, recorded first when
    /// capture is on.
    fn line(&mut self, frame: Result<Bytes, FrameError>, now: Timestamp) {
        if let (Some(capture), Ok(line)) = (&self.shared.capture, &frame) {
            capture.record(now, self.name(), line);
        }
        if let Err(error) = self.decoder.line(frame, now, &self.shared.counts) {
            tracing::debug!(integration = self.name(), %error, "Avaya input skipped");
        }
        self.sync_health();
    }

    /// The batch in progress, if any, is cut off: its rows apply, nobody is logged out.
    fn cut(&mut self, now: Timestamp) {
        self.decoder.cut(now, &self.shared.counts);
        self.sync_health();
    }

    /// The connection ended by itself: `down`.
    fn lost(&mut self, detail: String) {
        let now = self.shared.clock.now();
        if let Some(connection) = self.current.take() {
            tracing::debug!(
                integration = self.name(),
                peer = %connection.peer,
                detail,
                stats = ?self.decoder.assembler.stats(),
                "Avaya connection ended"
            );
        }
        self.cut(now);
        self.set_health(FeedHealth::Down, Some(detail), now);
    }

    fn accepted(&mut self, accepted: io::Result<(TcpStream, SocketAddr)>) {
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(error) => {
                tracing::warn!(integration = self.name(), %error, "accepting a CMS connection failed");
                return;
            }
        };
        let counts = &self.shared.counts;
        if !self.shared.config.allows(peer.ip()) {
            add(&counts.refused_peers, 1);
            tracing::warn!(
                integration = self.name(),
                peer = %peer.ip(),
                "Avaya connection refused: the peer is not in the allow-list"
            );
            return;
        }
        add(&counts.connections, 1);
        // Finished drains are reaped here, so the set holds only open connections.
        while self.drains.try_join_next().is_some() {}
        if let Some(old) = self.current.take() {
            add(&counts.replaced, 1);
            tracing::info!(
                integration = self.name(),
                old = %old.peer,
                new = %peer,
                "a new CMS connection replaces the open one (the old one is read to its end \
                 and ignored)"
            );
            self.cut(self.shared.clock.now());
            self.drains.spawn(drain(old.frames.into_inner()));
        } else {
            tracing::info!(integration = self.name(), %peer, "CMS connected");
        }
        self.decoder.apply.rearm();
        let codec = LineCodec::new(self.shared.config.max_line);
        self.current = Some(Connection {
            frames: FramedRead::new(stream, codec),
            peer,
        });
    }

    /// `stale` when an `up` feed has completed no batch for three refresh intervals.
    fn tick(&mut self) {
        self.decoder.check_stale(self.shared.clock.now());
        self.sync_health();
    }

    async fn pause(&mut self) {
        if self.listener.is_none() {
            return;
        }
        tracing::info!(integration = self.name(), "Avaya listener paused");
        self.close("integration paused").await;
    }

    fn resume(&mut self) -> Result<(), ListenerError> {
        if self.listener.is_some() {
            return Ok(());
        }
        self.listener = Some(bind(&self.shared.config.name, self.address)?);
        tracing::info!(integration = self.name(), address = %self.address, "Avaya listener resumed");
        let now = self.shared.clock.now();
        self.set_health(FeedHealth::Waiting, Some("listening again".into()), now);
        Ok(())
    }

    /// Closes the port and every connection: `down` with `detail`.
    async fn close(&mut self, detail: &str) {
        self.listener = None;
        self.current = None;
        self.drains.shutdown().await;
        let now = self.shared.clock.now();
        self.cut(now);
        self.set_health(FeedHealth::Down, Some(detail.to_owned()), now);
    }

    fn set_health(&mut self, health: FeedHealth, detail: Option<String>, now: Timestamp) {
        self.decoder.set_health(health, detail, now);
        self.sync_health();
    }

    /// Shows the decoder's health to [`AvayaHandle::health`](super::AvayaHandle::health).
    fn sync_health(&self) {
        let health = self.decoder.health();
        self.shared
            .health
            .send_if_modified(|shown| std::mem::replace(shown, health) != health);
    }
}
