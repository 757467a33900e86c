//! One subscriber: its bounded queue, its lag state, and the receivers handed to consumers.

use super::filter::{EventKind, Filter, Teams};
use super::ring::Ring;
use super::{Published, Shared, SnapshotSource};
use rta_model::Event;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

/// What a subscriber receives.
///
/// In order: live [`Delivery::Event`]s with strictly increasing seqs; after an overflow, one
/// [`Delivery::Lagged`] marker immediately followed by one [`Delivery::Snapshot`], then the
/// events with seqs greater than the snapshot's `as_of`, with no gap: those published while the
/// snapshot was built (replayed from the ring) and live ones. If the ring lost some of them
/// before they could be replayed, another `Lagged` + `Snapshot` pair says so.
#[derive(Debug, Clone, PartialEq)]
pub enum Delivery {
    /// A published event, shared with every other subscriber (no payload copy), with its
    /// encodings made once for all sinks.
    Event(Arc<Published>),
    /// The queue overflowed: `missed` events that matched the filter, up to the following
    /// snapshot's `as_of`, were not delivered (for a resume from a seq older than the ring:
    /// every event published after that seq, filtered or not, since events no longer held
    /// cannot be filtered).
    Lagged { missed: u64 },
    /// Current statuses, replacing whatever the subscriber missed.
    Snapshot(Snapshot),
}

impl Delivery {
    /// The event, if this is a live or replayed event.
    pub fn event(&self) -> Option<&Arc<Published>> {
        match self {
            Delivery::Event(event) => Some(event),
            _ => None,
        }
    }
}

/// A point-in-time view of current agent statuses (`agent_status` events, filtered like the
/// subscription).
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    /// The seq of the last event published before the snapshot was taken. Every snapshot
    /// event carries it as its `seq`; the events that follow have greater seqs, so it is the
    /// point to resume from after reading the snapshot.
    ///
    /// The snapshot is read while publishing goes on, so a status in it may be newer than
    /// `as_of`: an event that follows may repeat it. `agent_status` events carry the whole
    /// status, so applying one again changes nothing.
    pub as_of: u64,
    pub events: Vec<Arc<Published>>,
}

/// The consumer dropped its receiver, or the bus is gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the bus is closed")]
pub struct BusClosed;

/// Room kept in every queue beyond its capacity, for the `Lagged` marker and the snapshot. A
/// lagged subscriber is resynchronised only when a live slot is free; the marker and the
/// snapshot go into this room and the replayed events into the live slots, so the queue never
/// holds more than `capacity + RESERVED` deliveries.
pub(crate) const RESERVED: usize = 2;

/// The sending half of a subscriber's queue.
#[derive(Debug)]
pub(crate) enum Sink {
    Sync(crossbeam_channel::Sender<Delivery>),
    Async(tokio::sync::mpsc::Sender<Delivery>),
}

enum SendError {
    Full,
    Closed,
}

impl Sink {
    fn len(&self) -> usize {
        match self {
            Sink::Sync(tx) => tx.len(),
            Sink::Async(tx) => tx.max_capacity() - tx.capacity(),
        }
    }

    fn try_send(&self, delivery: Delivery) -> Result<(), SendError> {
        match self {
            Sink::Sync(tx) => tx.try_send(delivery).map_err(|e| match e {
                crossbeam_channel::TrySendError::Full(_) => SendError::Full,
                crossbeam_channel::TrySendError::Disconnected(_) => SendError::Closed,
            }),
            Sink::Async(tx) => tx.try_send(delivery).map_err(|e| match e {
                tokio::sync::mpsc::error::TrySendError::Full(_) => SendError::Full,
                tokio::sync::mpsc::error::TrySendError::Closed(_) => SendError::Closed,
            }),
        }
    }

    fn is_closed(&self) -> bool {
        match self {
            // crossbeam has no `is_disconnected` on senders: a dropped receiver is found by the
            // next send, or removed by the receiver's own drop.
            Sink::Sync(_) => false,
            Sink::Async(tx) => tx.is_closed(),
        }
    }
}

/// Where a subscriber is in its lag cycle. Only read and changed under the bus lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Matching events are queued while the queue has room.
    Live,
    /// The queue overflowed: `missed` matching events were not delivered. Publishes only count
    /// them; the subscriber's own receiver resynchronises it ([`Shared::catch_up`]).
    Lagged { missed: u64 },
    /// The receiver is building a snapshot as of seq `as_of`, without the bus lock. Publishes
    /// skip the subscriber and count the matching events in `skipped`; the ring replays them
    /// once the snapshot is queued.
    Resyncing {
        missed: u64,
        as_of: u64,
        skipped: u64,
    },
}

/// A subscriber's queue, as [`Bus::queues`](crate::Bus::queues) reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueState {
    /// The subscription's id, in order of subscription.
    pub subscriber: u64,
    /// Deliveries waiting in its queue.
    pub queued: usize,
    /// Events it may queue ([`SubscribeOptions::capacity`](crate::SubscribeOptions::capacity)).
    pub capacity: usize,
    /// Whether it is lagged (or being resynchronised): matching events are counted, not
    /// queued.
    pub lagged: bool,
    /// Events missed so far in its current lag (0 while live).
    pub missed: u64,
}

/// A subscriber as the bus holds it (under the bus lock).
#[derive(Debug)]
pub(crate) struct Subscriber {
    pub(crate) id: u64,
    filter: Arc<Filter>,
    /// `filter.is_all()`, so the publish path skips the filter for the common subscriber.
    all: bool,
    sink: Sink,
    capacity: usize,
    mode: Mode,
    /// Whether `mode` is not `Live`, for receivers: they only lock the bus when it is set.
    lagged: Arc<AtomicBool>,
    closed: bool,
}

impl Subscriber {
    pub(crate) fn new(id: u64, filter: Filter, sink: Sink, capacity: usize) -> Subscriber {
        Subscriber {
            id,
            all: filter.is_all(),
            filter: Arc::new(filter),
            sink,
            capacity,
            mode: Mode::Live,
            lagged: Arc::new(AtomicBool::new(false)),
            closed: false,
        }
    }

    pub(crate) fn lagged_flag(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.lagged)
    }

    pub(crate) fn queue_state(&self) -> QueueState {
        let missed = match self.mode {
            Mode::Live => 0,
            Mode::Lagged { missed } => missed,
            Mode::Resyncing {
                missed, skipped, ..
            } => missed + skipped,
        };
        QueueState {
            subscriber: self.id,
            queued: self.sink.len(),
            capacity: self.capacity,
            lagged: self.mode != Mode::Live,
            missed,
        }
    }

    /// Whether `event` passes the subscriber's filter.
    pub(crate) fn wants(&self, event: &Event, teams: &dyn Teams) -> bool {
        self.all || self.filter.matches(event, teams)
    }

    /// Handles one published event; returns false once the consumer is gone. Never builds a
    /// snapshot: a lagged or resyncing subscriber only has the event counted.
    pub(crate) fn on_publish(&mut self, event: &Arc<Published>, teams: &dyn Teams) -> bool {
        if self.closed || self.sink.is_closed() {
            return false;
        }
        if self.wants(event, teams) {
            self.deliver(event);
        }
        !self.closed
    }

    /// Queues `event` (which matched the filter) or counts it as missed.
    pub(crate) fn deliver(&mut self, event: &Arc<Published>) {
        self.push(event, self.capacity);
    }

    /// Queues `event` if fewer than `limit` deliveries are queued, else starts a lag. Only the
    /// bus sends, under its lock, so the room seen here cannot shrink before the send; the
    /// consumer can only make more.
    fn push(&mut self, event: &Arc<Published>, limit: usize) {
        match &mut self.mode {
            Mode::Live if self.sink.len() < limit => self.send_event(event),
            Mode::Live => self.start_lag(1, event.seq),
            Mode::Lagged { missed } => *missed += 1,
            Mode::Resyncing { skipped, .. } => *skipped += 1,
        }
    }

    /// Lags with `missed` events already missed, up to `seq`.
    pub(crate) fn start_lag(&mut self, missed: u64, seq: u64) {
        self.mode = Mode::Lagged { missed };
        self.lagged.store(true, Ordering::Release);
        tracing::warn!(
            subscriber = self.id,
            capacity = self.capacity,
            missed,
            seq,
            "bus subscriber lagged: counting missed events until its receiver resynchronises it"
        );
    }

    fn send_event(&mut self, event: &Arc<Published>) {
        match self.sink.try_send(Delivery::Event(Arc::clone(event))) {
            Ok(()) => {}
            Err(SendError::Closed) => self.closed = true,
            Err(SendError::Full) => self.start_lag(1, event.seq),
        }
    }

    /// Step 1 of a resync (bus locked): if lagged and the queue has a free live slot (so the
    /// marker and the snapshot fit in the reserved room), marks the subscriber resyncing as of
    /// `as_of` and returns its filter, for the snapshot to be built without the lock.
    pub(crate) fn begin_resync(&mut self, as_of: u64) -> Option<Arc<Filter>> {
        match self.mode {
            Mode::Lagged { missed } if self.sink.len() < self.capacity => {
                self.mode = Mode::Resyncing {
                    missed,
                    as_of,
                    skipped: 0,
                };
                Some(Arc::clone(&self.filter))
            }
            _ => None,
        }
    }

    /// Step 3 of a resync (bus locked again): queues `Lagged` and the snapshot, then replays
    /// from `ring` the matching events published while the snapshot was built. If the ring no
    /// longer holds them all, the subscriber is lagged again by exactly that many events.
    pub(crate) fn finish_resync(
        &mut self,
        events: Vec<Arc<Published>>,
        ring: &Ring,
        teams: &dyn Teams,
    ) {
        let Mode::Resyncing {
            missed,
            as_of,
            skipped,
        } = self.mode
        else {
            return;
        };
        let snapshot_len = events.len();
        let sent = self
            .sink
            .try_send(Delivery::Lagged { missed })
            .and_then(|()| {
                self.sink
                    .try_send(Delivery::Snapshot(Snapshot { as_of, events }))
            });
        match sent {
            Ok(()) => {}
            Err(SendError::Closed) => {
                self.closed = true;
                return;
            }
            // Cannot happen: nothing was queued since `begin_resync` saw the reserved room
            // free. Stay lagged by everything, and retry later.
            Err(SendError::Full) => {
                self.mode = Mode::Lagged {
                    missed: missed + skipped,
                };
                return;
            }
        }
        self.mode = Mode::Live;
        if skipped > 0 && !ring.holds_all_after(as_of) {
            tracing::warn!(
                subscriber = self.id,
                as_of,
                skipped,
                oldest_in_ring = ring.oldest_seq(),
                "bus subscriber's snapshot outlived the ring: lagged again"
            );
            self.start_lag(skipped, as_of + skipped);
        } else if skipped > 0 {
            // The marker and the snapshot sit in the reserved room: the live slots are free.
            let limit = self.capacity + RESERVED;
            for event in ring.after(as_of) {
                if self.wants(event, teams) {
                    self.push(event, limit);
                }
            }
        }
        if self.mode == Mode::Live {
            self.lagged.store(false, Ordering::Release);
        }
        tracing::info!(
            subscriber = self.id,
            missed,
            snapshot = snapshot_len,
            as_of,
            replayed = skipped,
            "bus subscriber resynchronised: lagged marker and snapshot queued"
        );
    }

    /// Undoes step 1 when no snapshot is coming (the source panicked): lagged again, by every
    /// event missed so far.
    pub(crate) fn abandon_resync(&mut self) {
        if let Mode::Resyncing {
            missed, skipped, ..
        } = self.mode
        {
            self.mode = Mode::Lagged {
                missed: missed + skipped,
            };
        }
    }
}

/// The snapshot a subscriber with `filter` gets as of `as_of`: the source's `agent_status`
/// events that pass the filter, each carrying `as_of` as its seq.
pub(crate) fn snapshot_events(
    source: &dyn SnapshotSource,
    filter: &Filter,
    teams: &dyn Teams,
    as_of: u64,
) -> Vec<Arc<Published>> {
    if !filter.wants_kind(EventKind::AgentStatus) {
        return Vec::new();
    }
    source
        .snapshot(filter)
        .into_iter()
        .filter(|e| EventKind::of(&e.body) == EventKind::AgentStatus && filter.matches(e, teams))
        .map(|mut e| {
            e.seq = as_of;
            Arc::new(Published::new(e))
        })
        .collect()
}

/// The receiver side's link to its subscription: catches up a lagged subscriber on demand and
/// removes the subscription when dropped.
#[derive(Debug)]
pub(crate) struct Handle {
    pub(crate) id: u64,
    pub(crate) shared: Weak<Shared>,
    pub(crate) lagged: Arc<AtomicBool>,
}

impl Handle {
    /// The bus, if this subscriber is lagged (one atomic load when it is not).
    fn lagged_bus(&self) -> Option<Arc<Shared>> {
        if self.lagged.load(Ordering::Acquire) {
            self.shared.upgrade()
        } else {
            None
        }
    }

    /// Resynchronises a lagged subscriber on the calling thread.
    /// Whether the subscriber was lagged (and so resynchronised).
    fn catch_up(&self) -> bool {
        let lagged = self.lagged_bus();
        if let Some(shared) = &lagged {
            shared.catch_up(self.id);
        }
        lagged.is_some()
    }

    /// Resynchronises a lagged subscriber on tokio's blocking pool when there is a runtime, so
    /// a large snapshot does not hold up the executor.
    async fn catch_up_async(&self) {
        let Some(shared) = self.lagged_bus() else {
            return;
        };
        let id = self.id;
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                if let Err(error) = runtime.spawn_blocking(move || shared.catch_up(id)).await
                    && error.is_panic()
                {
                    std::panic::resume_unwind(error.into_panic());
                }
            }
            Err(_) => shared.catch_up(id),
        }
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        if let Some(shared) = self.shared.upgrade() {
            shared.remove(self.id);
        }
    }
}

/// A synchronous subscription, delivered over a bounded `crossbeam-channel`.
///
/// Dropping it ends the subscription.
#[derive(Debug)]
pub struct Subscription {
    pub(crate) rx: crossbeam_channel::Receiver<Delivery>,
    pub(crate) handle: Handle,
}

impl Subscription {
    /// The subscription's id (as in the bus's tracing fields).
    pub fn id(&self) -> u64 {
        self.handle.id
    }

    /// Waits for the next delivery. A lagged subscriber whose queue is empty is resynchronised
    /// here, on this thread: the snapshot is built (without the bus lock) and the `Lagged`
    /// marker, the snapshot and the events published meanwhile are queued before it returns.
    pub fn recv(&self) -> Result<Delivery, BusClosed> {
        match self.rx.try_recv() {
            Ok(delivery) => Ok(delivery),
            Err(crossbeam_channel::TryRecvError::Disconnected) => Err(BusClosed),
            Err(crossbeam_channel::TryRecvError::Empty) => {
                self.handle.catch_up();
                self.rx.recv().map_err(|_| BusClosed)
            }
        }
    }

    /// Like [`Subscription::recv`], giving up after `timeout` with `Ok(None)` (the time a
    /// resync takes to build its snapshot is not bounded by `timeout`).
    pub fn recv_timeout(&self, timeout: Duration) -> Result<Option<Delivery>, BusClosed> {
        if let Some(delivery) = self.try_recv()? {
            return Ok(Some(delivery));
        }
        match self.rx.recv_timeout(timeout) {
            Ok(delivery) => Ok(Some(delivery)),
            Err(crossbeam_channel::RecvTimeoutError::Timeout) => Ok(None),
            Err(crossbeam_channel::RecvTimeoutError::Disconnected) => Err(BusClosed),
        }
    }

    /// The next delivery if one is queued (catching up a lagged subscriber first when empty).
    pub fn try_recv(&self) -> Result<Option<Delivery>, BusClosed> {
        match self.rx.try_recv() {
            Ok(delivery) => Ok(Some(delivery)),
            Err(crossbeam_channel::TryRecvError::Disconnected) => Err(BusClosed),
            // Looked again only if the catch-up queued something: an empty poll is one try.
            Err(crossbeam_channel::TryRecvError::Empty) if !self.handle.catch_up() => Ok(None),
            Err(crossbeam_channel::TryRecvError::Empty) => match self.rx.try_recv() {
                Ok(delivery) => Ok(Some(delivery)),
                Err(crossbeam_channel::TryRecvError::Empty) => Ok(None),
                Err(crossbeam_channel::TryRecvError::Disconnected) => Err(BusClosed),
            },
        }
    }

    /// Resynchronises the subscriber now if it is lagged and its queue has room (what `recv`
    /// does by itself when the queue is empty). One atomic load when it is not lagged.
    pub fn catch_up(&self) {
        self.handle.catch_up();
    }

    /// The underlying channel, for `crossbeam_channel::select!`. Publishing never resynchronises
    /// a lagged subscriber (it only counts what it misses), so a consumer that reads this way
    /// calls [`Subscription::catch_up`] before each wait, or a lagged subscriber with an empty
    /// queue would wait for nothing.
    pub fn receiver(&self) -> &crossbeam_channel::Receiver<Delivery> {
        &self.rx
    }

    /// Deliveries queued now.
    pub fn len(&self) -> usize {
        self.rx.len()
    }

    /// Whether nothing is queued now.
    pub fn is_empty(&self) -> bool {
        self.rx.is_empty()
    }
}

/// An async subscription, delivered over a bounded `tokio::sync::mpsc` channel.
///
/// Dropping it ends the subscription.
#[derive(Debug)]
pub struct AsyncSubscription {
    pub(crate) rx: tokio::sync::mpsc::Receiver<Delivery>,
    pub(crate) handle: Handle,
}

impl AsyncSubscription {
    /// The subscription's id (as in the bus's tracing fields).
    pub fn id(&self) -> u64 {
        self.handle.id
    }

    /// Waits for the next delivery. A lagged subscriber whose queue is empty is resynchronised
    /// first: within a tokio runtime its snapshot is built on the blocking pool
    /// (`spawn_blocking`), so a large one does not hold up the executor.
    pub async fn recv(&mut self) -> Result<Delivery, BusClosed> {
        match self.rx.try_recv() {
            Ok(delivery) => Ok(delivery),
            Err(tokio::sync::mpsc::error::TryRecvError::Disconnected) => Err(BusClosed),
            Err(tokio::sync::mpsc::error::TryRecvError::Empty) => {
                self.handle.catch_up_async().await;
                self.rx.recv().await.ok_or(BusClosed)
            }
        }
    }

    /// The next delivery if one is queued (catching up a lagged subscriber first when empty,
    /// on the calling thread).
    pub fn try_recv(&mut self) -> Result<Option<Delivery>, BusClosed> {
        use tokio::sync::mpsc::error::TryRecvError;
        match self.rx.try_recv() {
            Ok(delivery) => Ok(Some(delivery)),
            Err(TryRecvError::Disconnected) => Err(BusClosed),
            Err(TryRecvError::Empty) if !self.handle.catch_up() => Ok(None),
            Err(TryRecvError::Empty) => match self.rx.try_recv() {
                Ok(delivery) => Ok(Some(delivery)),
                Err(TryRecvError::Empty) => Ok(None),
                Err(TryRecvError::Disconnected) => Err(BusClosed),
            },
        }
    }

    /// Resynchronises the subscriber now, on the calling thread, if it is lagged and its queue
    /// has room.
    pub fn catch_up(&self) {
        self.handle.catch_up();
    }

    /// Deliveries queued now.
    pub fn len(&self) -> usize {
        self.rx.len()
    }

    /// Whether nothing is queued now.
    pub fn is_empty(&self) -> bool {
        self.rx.is_empty()
    }
}
