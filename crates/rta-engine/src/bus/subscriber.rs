//! One subscriber: its bounded queue, its lag state, and the receivers handed to consumers.

use super::filter::{EventKind, Filter, Teams};
use super::{Shared, SnapshotSource};
use rta_model::Event;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

/// What a subscriber receives.
///
/// In order: live [`Delivery::Event`]s with strictly increasing seqs; after an overflow, one
/// [`Delivery::Lagged`] marker immediately followed by one [`Delivery::Snapshot`], then live
/// events again (with seqs greater than the snapshot's `as_of`).
#[derive(Debug, Clone, PartialEq)]
pub enum Delivery {
    /// A published event, shared with every other subscriber (no payload copy).
    Event(Arc<Event>),
    /// The queue overflowed: `missed` events that matched the filter were not delivered (for a
    /// resume from a seq older than the ring: every event published after that seq, filtered or
    /// not, since events no longer held cannot be filtered).
    Lagged { missed: u64 },
    /// Current statuses, replacing whatever the subscriber missed.
    Snapshot(Snapshot),
}

impl Delivery {
    /// The event, if this is a live or replayed event.
    pub fn event(&self) -> Option<&Arc<Event>> {
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
    /// event carries it as its `seq`; the live events that follow have greater seqs, so it is
    /// the point to resume from after reading the snapshot.
    pub as_of: u64,
    pub events: Vec<Arc<Event>>,
}

/// The consumer dropped its receiver, or the bus is gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the bus is closed")]
pub struct BusClosed;

/// Room kept in every queue beyond its capacity, for the `Lagged` marker and the snapshot. A
/// lagged subscriber recovers once a live slot is free; the event being published at that
/// moment takes it, so the queue never holds more than `capacity + RESERVED` deliveries.
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

/// What a subscriber needs from the bus while it is locked.
pub(crate) struct Ctx<'a> {
    pub(crate) source: &'a dyn SnapshotSource,
    pub(crate) teams: &'a dyn Teams,
    /// The seq of the last event published before this moment.
    pub(crate) as_of: u64,
}

/// A subscriber as the bus holds it (under the bus lock).
#[derive(Debug)]
pub(crate) struct Subscriber {
    pub(crate) id: u64,
    filter: Filter,
    sink: Sink,
    capacity: usize,
    /// `Some(n)` while lagged: `n` matching events were not delivered.
    missed: Option<u64>,
    /// Mirrors `missed.is_some()` for receivers, so they only lock the bus when lagged.
    lagged: Arc<AtomicBool>,
    closed: bool,
}

impl Subscriber {
    pub(crate) fn new(id: u64, filter: Filter, sink: Sink, capacity: usize) -> Subscriber {
        Subscriber {
            id,
            filter,
            sink,
            capacity,
            missed: None,
            lagged: Arc::new(AtomicBool::new(false)),
            closed: false,
        }
    }

    pub(crate) fn lagged_flag(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.lagged)
    }

    pub(crate) fn filter(&self) -> &Filter {
        &self.filter
    }

    /// Handles one published event; returns false once the consumer is gone.
    pub(crate) fn on_publish(&mut self, event: &Arc<Event>, ctx: &Ctx<'_>) -> bool {
        if self.closed || self.sink.is_closed() {
            return false;
        }
        let matches = self.filter.matches(event, ctx.teams);
        if self.missed.is_some() && self.try_recover(ctx) && matches {
            // Recovery needed a free live slot, and the marker and snapshot went to the reserved
            // room: that free slot takes this event.
            self.send_event(event);
        } else if matches {
            self.deliver(event);
        }
        !self.closed
    }

    /// Queues `event` (which matched the filter) or counts it as missed.
    pub(crate) fn deliver(&mut self, event: &Arc<Event>) {
        if let Some(missed) = &mut self.missed {
            *missed += 1;
            return;
        }
        // Only the bus sends, under its lock, so the room seen here cannot shrink before the
        // send; the consumer can only make more.
        if self.sink.len() < self.capacity {
            self.send_event(event);
            return;
        }
        self.start_lag(event.seq);
    }

    fn start_lag(&mut self, seq: u64) {
        self.missed = Some(1);
        self.lagged.store(true, Ordering::Release);
        tracing::warn!(
            subscriber = self.id,
            capacity = self.capacity,
            seq,
            "bus subscriber lagged: queue full, counting missed events until it has room"
        );
    }

    /// If lagged and the queue has room again: queues `Lagged` and a fresh snapshot. Returns
    /// whether it did.
    pub(crate) fn try_recover(&mut self, ctx: &Ctx<'_>) -> bool {
        if let Some(missed) = self.missed
            && self.sink.len() < self.capacity
        {
            self.resync(missed, ctx);
            return self.missed.is_none();
        }
        false
    }

    fn send_event(&mut self, event: &Arc<Event>) {
        match self.sink.try_send(Delivery::Event(Arc::clone(event))) {
            Ok(()) => {}
            Err(SendError::Closed) => self.closed = true,
            Err(SendError::Full) => self.start_lag(event.seq),
        }
    }

    /// Queues `Lagged { missed }` and a snapshot, and leaves the lagged state. The queue must
    /// have at least [`RESERVED`] free slots beyond its live capacity used.
    pub(crate) fn resync(&mut self, missed: u64, ctx: &Ctx<'_>) {
        let events: Vec<Arc<Event>> = if self.filter.wants_kind(EventKind::AgentStatus) {
            ctx.source
                .snapshot(&self.filter)
                .into_iter()
                .filter(|e| {
                    EventKind::of(&e.body) == EventKind::AgentStatus
                        && self.filter.matches(e, ctx.teams)
                })
                .map(|mut e| {
                    e.seq = ctx.as_of;
                    Arc::new(e)
                })
                .collect()
        } else {
            Vec::new()
        };
        let snapshot_len = events.len();
        let sent = self
            .sink
            .try_send(Delivery::Lagged { missed })
            .and_then(|()| {
                self.sink.try_send(Delivery::Snapshot(Snapshot {
                    as_of: ctx.as_of,
                    events,
                }))
            });
        match sent {
            Ok(()) => {
                self.missed = None;
                self.lagged.store(false, Ordering::Release);
                tracing::info!(
                    subscriber = self.id,
                    missed,
                    snapshot = snapshot_len,
                    as_of = ctx.as_of,
                    "bus subscriber resynchronised: lagged marker and snapshot queued"
                );
            }
            Err(SendError::Closed) => self.closed = true,
            // Cannot happen with the reserved room; stay lagged and retry later.
            Err(SendError::Full) => {}
        }
    }
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
    fn catch_up(&self) {
        if !self.lagged.load(Ordering::Acquire) {
            return;
        }
        if let Some(shared) = self.shared.upgrade() {
            shared.catch_up(self.id);
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

    /// Waits for the next delivery. A lagged subscriber whose queue is empty gets its
    /// `Lagged` marker and snapshot at once, without waiting for the next publish.
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

    /// Like [`Subscription::recv`], giving up after `timeout` with `Ok(None)`.
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
            Err(crossbeam_channel::TryRecvError::Empty) => {
                self.handle.catch_up();
                match self.rx.try_recv() {
                    Ok(delivery) => Ok(Some(delivery)),
                    Err(crossbeam_channel::TryRecvError::Empty) => Ok(None),
                    Err(crossbeam_channel::TryRecvError::Disconnected) => Err(BusClosed),
                }
            }
        }
    }

    /// Queues the `Lagged` marker and snapshot now if the subscriber is lagged and has room
    /// (what `recv` does by itself; for consumers that `select!` on [`Subscription::receiver`]).
    pub fn catch_up(&self) {
        self.handle.catch_up();
    }

    /// The underlying channel, for `crossbeam_channel::select!`. A lagged subscriber read this
    /// way recovers on the next publish, or at once with [`Subscription::catch_up`].
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

    /// Waits for the next delivery. A lagged subscriber whose queue is empty gets its
    /// `Lagged` marker and snapshot at once, without waiting for the next publish.
    pub async fn recv(&mut self) -> Result<Delivery, BusClosed> {
        match self.rx.try_recv() {
            Ok(delivery) => Ok(delivery),
            Err(tokio::sync::mpsc::error::TryRecvError::Disconnected) => Err(BusClosed),
            Err(tokio::sync::mpsc::error::TryRecvError::Empty) => {
                self.handle.catch_up();
                self.rx.recv().await.ok_or(BusClosed)
            }
        }
    }

    /// The next delivery if one is queued (catching up a lagged subscriber first when empty).
    pub fn try_recv(&mut self) -> Result<Option<Delivery>, BusClosed> {
        use tokio::sync::mpsc::error::TryRecvError;
        match self.rx.try_recv() {
            Ok(delivery) => Ok(Some(delivery)),
            Err(TryRecvError::Disconnected) => Err(BusClosed),
            Err(TryRecvError::Empty) => {
                self.handle.catch_up();
                match self.rx.try_recv() {
                    Ok(delivery) => Ok(Some(delivery)),
                    Err(TryRecvError::Empty) => Ok(None),
                    Err(TryRecvError::Disconnected) => Err(BusClosed),
                }
            }
        }
    }

    /// Queues the `Lagged` marker and snapshot now if the subscriber is lagged and has room.
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
