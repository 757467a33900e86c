//! # rta-state: who is doing what, right now
//!
//! The heart of the engine between the decoders and the adherence evaluator:
//! - [`StateTable::intern`] maps `(integration, external id bytes)` to a dense
//!   [`AgentKey`](rta_model::AgentKey) (known ids: no allocation);
//! - each ingest worker (shard) writes through its own [`Writer`] ([`StateTable::writer`]);
//!   a thread that decodes for another to write packs each status first
//!   ([`Writer::pack`] -> [`PackedStatus`], no heap) and the writer applies it
//!   ([`Writer::apply`]);
//!   [`Writer::observe`] applies an [`Observation`](rta_model::Observation): an identical
//!   status is [`Update::Unchanged`] (only `last_seen` moves), an older one
//!   [`Update::OutOfOrder`] (counted, ignored), anything else [`Update::Changed`] with the
//!   previous and new status, for `agent_status`. [`StateTable::observe`] does the same for
//!   an occasional writer;
//! - readers ([`StateTable::get`], [`StateTable::view`]) never take a lock and never block
//!   writers: each agent's status sits in a seqlock of atomics;
//! - a [`Snapshot`] ([`Writer::begin_snapshot`]) reconciles full snapshots: agents a
//!   completed snapshot did not list are logged out, an aborted one changes nothing.
//!
//! ## Why seqlock slots (the numbers)
//!
//! `benches/state.rs` runs the table beside `Mutex<HashMap>`, `RwLock<HashMap>` and a plain
//! `DashMap` holding the same status, 100,000 agents, in the same run (`benches/RESULTS.md`
//! has the full figures and the machine, a noisy 2-core VM):
//!
//! | | rta | best of the three |
//! |---|---|---|
//! | updates/s, one writer, every update a change | 15-17 M | 11 M (`DashMap`) |
//! | the same, 9 rows in 10 a repeat (a CMS stream) | 33 M | 11 M (`Mutex`) |
//! | updates/s, 2 writers + 2 readers | 10-20 M | 2.5 M (`Mutex`) |
//! | reads/s while a writer writes | 30-62 M | 5.4 M (`DashMap`) |
//! | heap per agent at 1M agents | 87 bytes (ids up to 13 bytes inline) | |
//!
//! A lock, even a sharded one, puts every reader on the writers' cache line and makes a
//! dashboard's full scan compete with ingest; `DashMap` collapses (0.2-0.4 M/s) as soon as
//! readers and writers share its shards. A seqlock slot costs a writer one uncontended
//! compare-and-swap and a reader two loads of the version: readers retry only when they
//! overlap a write of that very agent, and never delay it. DashMap serves where contention
//! is rare and entries are few: the shared status vocabulary. The agent interner is a sharded
//! `hashbrown::HashTable` of bare keys (see the `interner` module for why not `DashMap`).
//!
//! ```
//! use rta_model::{Direction, Observation, Phase, Status};
//! use rta_state::{StateTable, Update};
//! use std::borrow::Cow;
//!
//! let table = StateTable::new(1_000);
//! let cms = table.add_integration();
//! let available = Observation {
//!     integration: cms,
//!     external_id: Cow::Borrowed(b"40101"),
//!     phase: Phase::Available,
//!     direction: Direction::None,
//!     status: Status::new("AVAIL"),
//!     time: "2026-11-23T08:00:00Z".parse().unwrap(),
//!     received: "2026-11-23T08:00:02Z".parse().unwrap(),
//! };
//! let (key, update) = table.observe(&available).unwrap();
//! assert!(matches!(update, Update::Changed { previous: None, .. }));
//! assert_eq!(table.observe(&available).unwrap().1, Update::Unchanged);
//! assert_eq!(table.get(key).unwrap().code, "AVAIL");
//!
//! // Ingest workers write through their own `Writer` (one per worker thread).
//! let mut writer = table.writer();
//! // A snapshot that no longer lists the agent logs it out.
//! let snapshot = writer.begin_snapshot(cms).unwrap();
//! let time = "2026-11-23T08:05:00Z".parse().unwrap();
//! let changes = snapshot.finish("UNSTAFF", time, time);
//! assert_eq!(changes.len(), 1);
//! assert_eq!(table.get(key).unwrap().phase, Phase::LoggedOut);
//! ```

mod interner;
mod segments;
mod slot;
mod snapshot;
mod status;
mod symbols;
mod table;
mod writer;

pub use snapshot::{Snapshot, SnapshotError};
pub use status::AgentStatus;
pub use symbols::{MAX_WORDS, OVERFLOW_WORD};
pub use table::{StateError, StateTable, Update, View};
pub use writer::{PackedStatus, Writer};
