//! # rta-state: who is doing what, right now
//!
//! The heart of the engine between the decoders and the adherence evaluator:
//! - [`StateTable::intern`] maps `(integration, external id bytes)` to a dense
//!   [`AgentKey`](rta_model::AgentKey) (known ids: no allocation);
//! - [`StateTable::observe`] applies an [`Observation`](rta_model::Observation): an identical
//!   status is [`Update::Unchanged`], an older one [`Update::OutOfOrder`] (counted, ignored),
//!   anything else [`Update::Changed`] with the previous and new status, for `agent_status`;
//! - readers ([`StateTable::get`], [`StateTable::view`]) never take a lock and never block
//!   writers: each agent's status sits in a seqlock of atomics;
//! - [`Snapshot`] reconciles full snapshots: agents a completed snapshot did not list are
//!   logged out, an aborted one changes nothing.
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
pub use writer::Writer;
