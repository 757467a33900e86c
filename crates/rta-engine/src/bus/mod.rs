//! The event bus: sequencing, filtered fan-out to bounded queues, lag recovery, resume ring.
//!
//! # Why one short `Mutex`
//!
//! A publish takes one lock for: assigning the seq, fanning the `Arc<Event>` out with
//! non-blocking `try_send`s, and pushing it into the ring. Holding seq assignment and fan-out
//! under the same lock is what makes every subscriber see seqs in strictly increasing order
//! and lets a resuming subscriber switch from ring replay to live delivery with no gap and no
//! duplicate; with a lock-free counter two publishers could enqueue out of order. The critical
//! section never waits for a consumer (every send is a `try_send` into a queue with room
//! checked first), never allocates the event (it is built, and its `Arc` allocated, before the
//! lock), and costs one filter check and at most one channel push per subscriber. The only
//! heavier step is a lagged subscriber's snapshot, taken once per lag episode.

mod filter;
mod ring;
mod subscriber;

pub use filter::{EventKind, Filter, NoTeams, Teams, employee_of, integration_of};
pub use subscriber::{AsyncSubscription, BusClosed, Delivery, Snapshot, Subscription};

use ring::Ring;
use rta_model::{Event, EventBody, Timestamp};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use subscriber::{Ctx, Handle, RESERVED, Sink, Subscriber};

/// Where the bus gets current statuses to resynchronise a lagged subscriber.
///
/// The engine implements it with the per-agent state table. It is called with the bus lock
/// held (so the snapshot is ordered with the live events around it): it must not publish to
/// or subscribe on the same bus, and should read without blocking.
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
pub const DEFAULT_CAPACITY: usize = 1024;
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

    fn ctx(&self, as_of: u64) -> Ctx<'_> {
        Ctx {
            source: &*self.source,
            teams: self.teams(),
            as_of,
        }
    }

    /// Resynchronises subscriber `id` now if it is lagged and has room.
    pub(crate) fn catch_up(&self, id: u64) {
        let mut inner = self.lock();
        let ctx = self.ctx(inner.next_seq - 1);
        if let Some(subscriber) = inner.subscribers.iter_mut().find(|s| s.id == id) {
            subscriber.try_recover(&ctx);
        }
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
        let mut event = Arc::new(Event { seq: 0, time, body });
        let mut inner = self.shared.lock();
        let seq = inner.next_seq;
        inner.next_seq += 1;
        if let Some(e) = Arc::get_mut(&mut event) {
            e.seq = seq;
        }
        let ctx = self.shared.ctx(seq - 1);
        let before = inner.subscribers.len();
        inner
            .subscribers
            .retain_mut(|subscriber| subscriber.on_publish(&event, &ctx));
        if inner.subscribers.len() != before {
            tracing::debug!(
                removed = before - inner.subscribers.len(),
                "bus subscribers with closed receivers removed"
            );
        }
        inner.ring.push(event);
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
            let ctx = shared.ctx(last);
            if from == last {
                // Nothing was missed.
            } else if from < last && inner.ring.holds_all_after(from) {
                for event in inner.ring.after(from) {
                    if subscriber.filter().matches(event, ctx.teams) {
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
                subscriber.resync(missed, &ctx);
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
