//! # rta-engine: the embeddable rta pipeline
//!
//! For now this crate holds the **event bus** (`issues show 3`, part 2),
//! [`LiveStatuses`], the state table seen as the bus's snapshot source, and two tokio
//! adapters, which write the table (inline, or through the engine's shard workers) and report
//! status changes and feed health through a
//! [`Publisher`] ([`BusPublisher`] onto the bus) and read the time from a [`Clock`]:
//! - the **CIC client connector** ([`cic`]): the engine connects to the CIC servers;
//! - the **Odigo HTTP receiver** ([`odigo`]): Odigo pushes to the engine's secret token URL
//!   (HTTP or HTTPS), with the pause-detail look-up on Odigo's web service;
//! - the **Avaya CMS listener** ([`avaya`]): the engine listens, the CMS connects and streams
//!   a snapshot of its agents every refresh;
//! - the **output sinks** ([`sinks`]): NDJSON to stdout or a file, a TCP server streaming
//!   MessagePack frames, and Server-Sent Events, each consumer its own bus subscription.
//!
//! The sharded workers will join them.
//!
//! ## The bus
//! - [`Bus::publish`] gives every event an engine-wide, strictly increasing `seq` and fans it
//!   out as one `Arc<Published>` (no payload copies; its encodings made once) to every
//!   subscriber whose [`Filter`] matches:
//!   event kinds, integrations, employees or teams (teams resolve through the [`Teams`] given
//!   to the [`BusBuilder`]).
//! - Consumers are synchronous ([`Bus::subscribe`], a `crossbeam-channel` queue) or async
//!   ([`Bus::subscribe_async`], a `tokio::sync::mpsc` queue). Each receives [`Delivery`]s.
//! - Publishing never blocks and memory stays bounded: each queue holds at most
//!   `capacity` events (plus 2 reserved slots). A subscriber that does not keep up is
//!   *lagged*: matching events are counted, not queued, and the publisher does nothing more
//!   for it. When its receiver finds its queue empty (`recv`, `try_recv`, `recv_timeout`, or
//!   [`Subscription::catch_up`]) the subscriber resynchronises itself, on its own thread and
//!   without holding up publishers: it gets [`Delivery::Lagged`] with the exact count, a
//!   [`Delivery::Snapshot`] of current statuses from the bus's [`SnapshotSource`] (as of a
//!   seq, possibly slightly newer), the events published while the snapshot was built, then
//!   live events: no gap, seqs strictly increasing.
//! - A ring keeps the most recent events: [`SubscribeOptions::resume_from`] replays what
//!   followed a seq with no gap and no duplicate, or, if the ring no longer holds it all,
//!   starts with `Lagged` + snapshot.
//! - Dropping a receiver ends its subscription.
//!
//! ## Current statuses: [`LiveStatuses`]
//! The bus is built with a [`SnapshotSource`]; in the engine it is [`LiveStatuses`]: an
//! `Arc<rta_state::StateTable>` and the names of the integrations it covers. A snapshot is one
//! `agent_status` event per observed agent, read through the table's lock-free
//! point-in-time views (`StateTable::view`), narrowed to the integrations a filter names.
//! [`LiveStatuses::status_event`] is the same conversion for live publishing: update the
//! table, then publish what it says changed (the example on [`LiveStatuses`]).
//!
//! ```
//! use rta_engine::{Bus, Delivery, EmptySource, EventKind, Filter, SubscribeOptions};
//! use rta_model::{EventBody, FeedEvent, FeedHealth, Timestamp};
//! use std::sync::Arc;
//!
//! let bus = Bus::builder(Arc::new(EmptySource)).ring_capacity(1_000).build();
//! let feeds = bus
//!     .subscribe(SubscribeOptions::new(Filter::all().kinds([EventKind::Feed])).capacity(64))
//!     .unwrap();
//!
//! let time: Timestamp = "2026-11-23T08:00:00Z".parse().unwrap();
//! let feed = |health| {
//!     EventBody::Feed(FeedEvent {
//!         integration: "cms-paris".into(),
//!         address: None,
//!         health,
//!         detail: None,
//!     })
//! };
//! let first = bus.publish(time, feed(FeedHealth::Up));
//! let second = bus.publish(time, feed(FeedHealth::Stale));
//! assert!(second > first);
//!
//! let Delivery::Event(event) = feeds.recv().unwrap() else { panic!("an event") };
//! assert_eq!(event.seq, first);
//!
//! // A consumer that reconnects resumes after the last seq it saw.
//! let again = bus
//!     .subscribe(SubscribeOptions::new(Filter::all()).resume_from(first))
//!     .unwrap();
//! assert_eq!(again.recv().unwrap().event().map(|e| e.seq), Some(second));
//!
//! drop(again);
//! assert_eq!(bus.subscriber_count(), 1);
//! ```

pub mod adapter;
mod apply;
pub mod avaya;
mod bus;
pub mod capture;
pub mod cic;
mod clock;
mod counters;
pub mod engine;
mod health;
mod keys;
mod live;
pub mod net;
pub mod odigo;
mod publisher;
pub mod replay;
mod shards;
pub mod sinks;
mod turns;

pub use bus::{
    AsyncSubscription, Bus, BusBuilder, BusClosed, DEFAULT_CAPACITY, DEFAULT_RING_CAPACITY,
    Delivery, EmptySource, EventKind, Filter, NoTeams, Published, QueueState, Snapshot,
    SnapshotSource, SubscribeError, SubscribeOptions, Subscription, Teams, employee_of,
    integration_of,
};
pub use clock::{Clock, SystemClock, TokioClock};
pub use keys::TableKeys;
pub use live::{DEFAULT_VIEW_ATTEMPTS, LiveStatuses};
pub use publisher::{BusPublisher, Publisher};
