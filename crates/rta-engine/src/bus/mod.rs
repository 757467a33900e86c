//! The event bus: sequencing, filtered fan-out to bounded queues, lag recovery, resume ring.
//!
//! # Publishing: one short `Mutex`
//!
//! A publish takes one lock for: assigning the seq, fanning the `Arc<Published>` out with
//! non-blocking `try_send`s, and pushing it into the ring. Holding seq assignment and fan-out
//! under the same lock is what makes every subscriber see seqs in strictly increasing order
//! and lets a resuming or resyncing subscriber switch from ring replay to live delivery with no
//! gap and no duplicate; with a lock-free counter two publishers could enqueue out of order.
//! The critical section never waits for a consumer (every send is a `try_send` into a queue
//! with room checked first), never allocates or frees an event (it is built, and its `Arc`
//! allocated, before the lock; the one the ring evicts is dropped after it), never builds a
//! snapshot, and costs at most one filter check (none for `Filter::all()`) and one channel push
//! per subscriber (a lagged subscriber costs a counter increment).
//!
//! # Resynchronising a lagged subscriber, off the publisher's path
//!
//! A snapshot of a million agents takes milliseconds; ingest must not wait for it. So the
//! publisher only counts what a lagged subscriber misses, and the subscriber's own receiver
//! (`recv`, `try_recv`, `recv_timeout`, `catch_up`; async `recv` on tokio's blocking pool)
//! resynchronises it when its queue has room again:
//! 1. under the lock: `as_of` = the last published seq; the subscriber is marked resyncing
//!    (publishes skip it, counting the matching events);
//! 2. without the lock: [`SnapshotSource::snapshot`], filtered, every event stamped `as_of`;
//! 3. under the lock again: `Lagged { missed }` and `Snapshot { as_of, .. }` are queued (in
//!    the room reserved for them), then the matching events with a seq above `as_of` are
//!    replayed from the ring, and the subscriber is live again. If the ring no longer holds them
//!    all, it is lagged again by exactly that many events (another marker and snapshot follow),
//!    never left with a silent gap.
//!
//! The snapshot is read while publishing goes on, so some of its statuses may be newer than
//! `as_of`, and a replayed event may repeat a status the snapshot already shows. That is
//! harmless: an `agent_status` event carries the agent's whole status (not a delta), so
//! applying it again leaves the consumer's view unchanged, and after the replay the view is
//! exactly the live one.

mod filter;
mod published;
mod ring;
mod subscriber;

pub use filter::{EventKind, Filter, NoTeams, Teams, employee_of, integration_of};
pub use published::Published;
pub use subscriber::{AsyncSubscription, BusClosed, Delivery, QueueState, Snapshot, Subscription};

use ring::Ring;
use rta_model::{Event, EventBody, Timestamp};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use subscriber::{Handle, RESERVED, Sink, Subscriber, snapshot_events};

/// Where the bus gets current statuses to resynchronise a lagged subscriber.
///
/// [`LiveStatuses`](crate::LiveStatuses) implements it over the per-agent state table. It is
/// called on the lagged subscriber's receiving thread (or tokio's blocking pool), **without**
/// the bus lock: publishing goes on meanwhile and other subscribers are unaffected, so it may
/// take the time a large snapshot needs. It must not wait for that subscriber to read. Its
/// statuses may be newer than the snapshot's `as_of` (see [`Snapshot::as_of`]).
pub trait SnapshotSource: Send + Sync {
    /// One `agent_status` event per agent describing its current status, preferably already
    /// narrowed by `filter` (the bus filters the result again, and replaces each `seq`).
    fn snapshot(&self, filter: &Filter) -> Vec<Event>;
}

/// A source with no agents (every snapshot is empty).
#[derive(Debug, Clone, Copy, Default)]
pub struct EmptySource;

impl SnapshotSource for EmptySource {
    fn snapshot(&self, _filter: &Filter) -> Vec<Event> {
        Vec::new()
    }
}

/// Default queue capacity of a subscription ([`SubscribeOptions::capacity`]).
///
/// Sized for bursts, not for the average rate: the first snapshot of a large CMS makes one
/// `agent_status` event per agent within milliseconds, and a consumer that is fast on average
/// must not be lagged (and resynchronised with a full snapshot, more work again) by it. At
/// 1,024, every consumer of the end-to-end benchmark lagged at the first snapshot of 25,000
/// agents. An async queue allocates as it fills; a sync one holds its slots from the start
/// (about 3 MB at this size).
pub const DEFAULT_CAPACITY: usize = 65_536;
/// Default number of recent events the ring holds ([`BusBuilder::ring_capacity`]).
pub const DEFAULT_RING_CAPACITY: usize = 65_536;

/// A subscription could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SubscribeError {
    #[error("a subscription needs a queue capacity of at least 1")]
    ZeroCapacity,
    #[error("the filter names teams but the bus was built without a team directory")]
    NoTeamDirectory,
}

/// How to subscribe: a filter, a queue capacity, and optionally a seq to resume after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscribeOptions {
    pub filter: Filter,
    /// Live events the queue holds before the subscriber is lagged (2 more slots are kept for
    /// the `Lagged` marker and the snapshot).
    pub capacity: usize,
    /// The last seq the consumer has seen: replay what follows from the ring if it still holds
    /// all of it, else `Lagged` + snapshot. `None` = live events only.
    pub resume_from: Option<u64>,
}

impl SubscribeOptions {
    /// Everything matching `filter`, live, with the default capacity.
    pub fn new(filter: Filter) -> SubscribeOptions {
        SubscribeOptions {
            filter,
            capacity: DEFAULT_CAPACITY,
            resume_from: None,
        }
    }

    /// Sets the queue capacity.
    pub fn capacity(mut self, capacity: usize) -> SubscribeOptions {
        self.capacity = capacity;
        self
    }

    /// Resumes after `seq`.
    pub fn resume_from(mut self, seq: u64) -> SubscribeOptions {
        self.resume_from = Some(seq);
        self
    }
}

impl Default for SubscribeOptions {
    fn default() -> SubscribeOptions {
        SubscribeOptions::new(Filter::all())
    }
}

/// Builds a [`Bus`].
pub struct BusBuilder {
    source: Arc<dyn SnapshotSource>,
    teams: Option<Arc<dyn Teams>>,
    ring_capacity: usize,
    next_seq: u64,
}

impl fmt::Debug for BusBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BusBuilder")
            .field("teams", &self.teams.is_some())
            .field("ring_capacity", &self.ring_capacity)
            .field("next_seq", &self.next_seq)
            .finish_non_exhaustive()
    }
}

impl BusBuilder {
    /// How many recent events to keep for resuming subscribers (0 = no resume).
    pub fn ring_capacity(mut self, events: usize) -> BusBuilder {
        self.ring_capacity = events;
        self
    }

    /// The team directory that filters naming teams are resolved through.
    pub fn teams(mut self, teams: Arc<dyn Teams>) -> BusBuilder {
        self.teams = Some(teams);
        self
    }

    /// The seq of the first event (default 1), e.g. to continue a numbering persisted
    /// elsewhere. Must be at least 1.
    pub fn first_seq(mut self, seq: u64) -> BusBuilder {
        self.next_seq = seq.max(1);
        self
    }

    pub fn build(self) -> Bus {
        Bus {
            shared: Arc::new(Shared {
                inner: Mutex::new(Inner {
                    next_seq: self.next_seq,
                    next_id: 1,
                    ring: Ring::new(self.ring_capacity),
                    subscribers: Vec::new(),
                }),
                source: self.source,
                teams: self.teams,
            }),
        }
    }
}

/// The event bus. Cheap to clone (one `Arc`); publish from any number of threads.
///
/// Dropping the last clone closes every subscription (receivers then return [`BusClosed`]).
#[derive(Clone)]
pub struct Bus {
    shared: Arc<Shared>,
}

impl fmt::Debug for Bus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = self.shared.lock();
        f.debug_struct("Bus")
            .field("last_seq", &(inner.next_seq - 1))
            .field("subscribers", &inner.subscribers.len())
            .field("ring", &inner.ring.len())
            .finish_non_exhaustive()
    }
}

pub(crate) struct Shared {
    inner: Mutex<Inner>,
    source: Arc<dyn SnapshotSource>,
    teams: Option<Arc<dyn Teams>>,
}

impl fmt::Debug for Shared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Shared").finish_non_exhaustive()
    }
}

#[derive(Debug)]
struct Inner {
    next_seq: u64,
    next_id: u64,
    ring: Ring,
    subscribers: Vec<Subscriber>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // Nothing under the lock leaves the state half-updated in a way a panic elsewhere
        // could expose, so a poisoned lock is still usable.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn teams(&self) -> &dyn Teams {
        match &self.teams {
            Some(teams) => &**teams,
            None => &NoTeams,
        }
    }

    /// Runs `f` on subscriber `id` (if it still exists) and the ring, with the bus locked;
    /// `f` also gets the last published seq.
    fn with_subscriber<R>(
        &self,
        id: u64,
        f: impl FnOnce(&mut Subscriber, &Ring, u64) -> R,
    ) -> Option<R> {
        let mut inner = self.lock();
        let Inner {
            next_seq,
            ring,
            subscribers,
            ..
        } = &mut *inner;
        let subscriber = subscribers.iter_mut().find(|s| s.id == id)?;
        Some(f(subscriber, ring, *next_seq - 1))
    }

    /// Resynchronises subscriber `id` if it is lagged and has room, on the calling thread (the
    /// subscriber's receiver), building the snapshot without the bus lock (see the module docs).
    pub(crate) fn catch_up(&self, id: u64) {
        let Some((filter, as_of)) = self
            .with_subscriber(id, |subscriber, _, last_seq| {
                subscriber
                    .begin_resync(last_seq)
                    .map(|filter| (filter, last_seq))
            })
            .flatten()
        else {
            return;
        };
        let mut resync = Resync {
            shared: self,
            id,
            done: false,
        };
        let events = snapshot_events(&*self.source, &filter, self.teams(), as_of);
        resync.done = true;
        self.with_subscriber(id, |subscriber, ring, _| {
            subscriber.finish_resync(events, ring, self.teams());
        });
    }

    /// Forgets subscriber `id`.
    pub(crate) fn remove(&self, id: u64) {
        let removed = {
            let mut inner = self.lock();
            let before = inner.subscribers.len();
            inner.subscribers.retain(|s| s.id != id);
            before != inner.subscribers.len()
        };
        if removed {
            tracing::debug!(subscriber = id, "bus subscriber removed");
        }
    }
}

/// A resync between its first and last step: if the source panics, the subscriber is put back
/// to lagged (counting every event missed), instead of being skipped by publishes forever.
struct Resync<'a> {
    shared: &'a Shared,
    id: u64,
    done: bool,
}

impl Drop for Resync<'_> {
    fn drop(&mut self) {
        if !self.done {
            self.shared
                .with_subscriber(self.id, |subscriber, _, _| subscriber.abandon_resync());
        }
    }
}

impl Bus {
    /// A bus that resynchronises lagged subscribers from `source`.
    pub fn builder(source: Arc<dyn SnapshotSource>) -> BusBuilder {
        BusBuilder {
            source,
            teams: None,
            ring_capacity: DEFAULT_RING_CAPACITY,
            next_seq: 1,
        }
    }

    /// Publishes an event and returns its seq. Never blocks on a subscriber.
    pub fn publish(&self, time: Timestamp, body: EventBody) -> u64 {
        let mut event = Arc::new(Published::new(Event { seq: 0, time, body }));
        let mut inner = self.shared.lock();
        let seq = inner.next_seq;
        inner.next_seq += 1;
        if let Some(e) = Arc::get_mut(&mut event) {
            e.set_seq(seq);
        }
        let teams = self.shared.teams();
        let before = inner.subscribers.len();
        inner
            .subscribers
            .retain_mut(|subscriber| subscriber.on_publish(&event, teams));
        if inner.subscribers.len() != before {
            tracing::debug!(
                removed = before - inner.subscribers.len(),
                "bus subscribers with closed receivers removed"
            );
        }
        let evicted = inner.ring.push(event);
        drop(inner);
        // Freeing the oldest event (often its last reference: a few deallocations) is done
        // after the lock is released.
        drop(evicted);
        seq
    }

    /// Subscribes a synchronous consumer (a `crossbeam-channel` queue).
    pub fn subscribe(&self, options: SubscribeOptions) -> Result<Subscription, SubscribeError> {
        self.check(&options)?;
        let (tx, rx) = crossbeam_channel::bounded(options.capacity + RESERVED);
        let handle = self.attach(options, Sink::Sync(tx));
        Ok(Subscription { rx, handle })
    }

    /// Subscribes an async consumer (a `tokio::sync::mpsc` queue). Needs no runtime to call.
    pub fn subscribe_async(
        &self,
        options: SubscribeOptions,
    ) -> Result<AsyncSubscription, SubscribeError> {
        self.check(&options)?;
        let (tx, rx) = tokio::sync::mpsc::channel(options.capacity + RESERVED);
        let handle = self.attach(options, Sink::Async(tx));
        Ok(AsyncSubscription { rx, handle })
    }

    /// The seq of the last published event (0 before the first with the default numbering).
    pub fn last_seq(&self) -> u64 {
        self.shared.lock().next_seq - 1
    }

    /// Live subscriptions.
    pub fn subscriber_count(&self) -> usize {
        self.shared.lock().subscribers.len()
    }

    /// Every live subscription's queue: depth and lag.
    pub fn queues(&self) -> Vec<QueueState> {
        let inner = self.shared.lock();
        inner
            .subscribers
            .iter()
            .map(Subscriber::queue_state)
            .collect()
    }

    /// Events held in the ring now, and its capacity.
    pub fn ring_len(&self) -> (usize, usize) {
        let inner = self.shared.lock();
        (inner.ring.len(), inner.ring.capacity())
    }

    fn check(&self, options: &SubscribeOptions) -> Result<(), SubscribeError> {
        if options.capacity == 0 {
            return Err(SubscribeError::ZeroCapacity);
        }
        if !options.filter.team_set().is_empty() && self.shared.teams.is_none() {
            return Err(SubscribeError::NoTeamDirectory);
        }
        Ok(())
    }

    fn attach(&self, options: SubscribeOptions, sink: Sink) -> Handle {
        let shared = &*self.shared;
        let mut inner = shared.lock();
        let id = inner.next_id;
        inner.next_id += 1;
        let last = inner.next_seq - 1;
        let mut subscriber = Subscriber::new(id, options.filter, sink, options.capacity);
        if let Some(from) = options.resume_from {
            if from == last {
                // Nothing was missed.
            } else if from < last && inner.ring.holds_all_after(from) {
                let teams = shared.teams();
                for event in inner.ring.after(from) {
                    if subscriber.wants(event, teams) {
                        subscriber.deliver(event);
                    }
                }
            } else {
                // Older than the ring, or unknown here (a seq from the future, e.g. from
                // another run): only a snapshot can bring the consumer up to date.
                let missed = last.saturating_sub(from);
                tracing::info!(
                    subscriber = id,
                    resume_from = from,
                    last_seq = last,
                    oldest_in_ring = inner.ring.oldest_seq(),
                    "bus subscriber cannot resume from the ring"
                );
                // The receiver builds the snapshot when it first reads (off this lock).
                subscriber.start_lag(missed, last);
            }
        }
        let lagged = subscriber.lagged_flag();
        inner.subscribers.push(subscriber);
        Handle {
            id,
            shared: Arc::downgrade(&self.shared),
            lagged,
        }
    }
}
