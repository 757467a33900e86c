//! # rta-naive: the straightforward baseline the end-to-end benchmark compares rta with
//!
//! Issue 8 asks for results as ratios: the same load through rta and through "a
//! straightforward implementation (owned strings, one global `Mutex<HashMap>`,
//! `serde_json::Value`, one thread)". This crate is that implementation. It speaks exactly
//! what rta speaks on the wire (the same ports, protocols and event maps), does the same work
//! in the obvious way, and is written the way a competent engineer writes a first version
//! without thinking about speed: no sleeps, no deliberate waste, and none of rta's
//! techniques (no zero-copy framing, no interning, no sharding, no seqlocks, no
//! encode-once, no batched writes). It is for benchmarks and comparisons, never for
//! production.
//!
//! ```no_run
//! use rta_naive::{NaiveAvaya, NaiveConfig, NaiveEngine};
//!
//! let engine = NaiveEngine::start(NaiveConfig {
//!     avaya: vec![NaiveAvaya {
//!         name: "cms-1".into(),
//!         listen: "127.0.0.1:0".parse().unwrap(),
//!         layout: rta_avaya::Layout::agent(),
//!         zone: jiff::tz::TimeZone::UTC,
//!     }],
//!     cic: vec![],
//!     odigo: None,
//!     msgpack_listen: Some("127.0.0.1:0".parse().unwrap()),
//!     sse_listen: Some("127.0.0.1:0".parse().unwrap()),
//!     adherence: rta_adherence::Config::default(),
//! })
//! .unwrap();
//! let cms = engine.avaya_address("cms-1").unwrap(); // connect the CMS feed here
//! let events = engine.msgpack_address().unwrap();   // subscribers here, or engine.sse_url()
//! # let _ = (cms, events);
//! engine.shutdown();
//! ```
//!
//! ## How it works
//! - **One thread**: [`NaiveEngine::start`] binds every port (so a taken port is its error),
//!   then runs a tokio `current_thread` runtime on a thread of its own; every task below runs
//!   there. [`NaiveEngine::shutdown`] (or dropping the engine) ends them all.
//! - **State**: one global `Mutex<HashMap<(String, String), AgentState>>` keyed by
//!   (integration name, external id), `String` fields, the reason and detail as
//!   `serde_json::Value`. A status equal to the stored one, or older than it, changes
//!   nothing; anything else replaces it and is published.
//! - **Avaya CMS** (`specs/avaya-rt-socket.md`): one listening port per integration, one task
//!   per connection; `lines()` gives a `String` per line, split on `|` into trimmed owned
//!   `String`s. `F0` opens a batch (its time read in the integration's zone), `F1` rows are
//!   collected (columns found through the given [`rta_avaya::Layout`]), `F3` completes it:
//!   each row is compared with the global map (the first row of an agent wins), changes are
//!   dated batch time minus `AGDURATION` (not before the previous batch, not after this
//!   one), and the staffed agents of the integration the batch did not list, found by
//!   scanning the whole map, are logged out (`UNSTAFF`). A batch cut off (the next `F0`, EOF)
//!   applies its rows and logs nobody out. The status code is rta's (`ACDIN`, `RING`,
//!   `UNSTAFF`, numeric states read with the spec's table); the AUX reason is a number, in
//!   AUX only; no detail (rta without detailed statuses).
//! - **CIC** (`specs/cic.md`, line dialect): one task per server, reconnecting a second
//!   after a failure or EOF; fields split with `\|` and `\\` unescaped into `String`s; local
//!   times through jiff in the integration's zone (a repeated hour is its earlier instant);
//!   the code is the status key in lower case (rta folds it so), the reason the same key in
//!   the `away` phase, the detail the station. A completed snapshot logs out
//!   (`logged out`) the users that server listed before and no longer lists. Heartbeats need
//!   no answer.
//! - **Odigo** (`specs/odigo.md`): hyper HTTP/1.1 (keep-alive), `POST` or `PUT` to exactly
//!   `<base path>/<token>` (a plain string compare), anything else `404`; the body (at most
//!   64 KiB, else `413`) parsed into a `serde_json::Value`, one notification or an array;
//!   the spec's names and aliases picked by path; a state's synonyms give rta's code; the
//!   pause code and label become reason and detail (text). `204` once applied; `400` when an
//!   item lacks its login or state (the good items of an array are still applied).
//! - **Adherence** (`specs/adherence.md`) from the [`rta_adherence::Config`]: `HashMap`s of
//!   user mappings, activities and schedules built the obvious way. Each stored status is
//!   mapped by scanning the integration's mapping rows (exact code, then `prefix*`, then
//!   `*`; within each an exact reason, then a range, then any; the first row that fits),
//!   then the employee is judged at the status time by scanning their schedule rows. Every
//!   second every employee is judged again at the wall-clock time: the naive way to see
//!   schedule boundaries.
//! - **Events** are `serde_json::Value`s of rta's shape (`crates/rta-model/src/event.rs`):
//!   `agent_status` (`integration`, `external_id`, `employee`, `phase`, `status`, `reason`,
//!   `detail`, `activity`, `since`, `received`) and `adherence` (`employee`, `status`,
//!   `previous`, `scheduled_activity`, `actual_activity`, `since`), with `seq` (strictly
//!   increasing, given under the publisher's lock) and `time`. `received` is when the input
//!   record that completed the change was read (the trailer for Avaya, the line for CIC,
//!   the request body for Odigo): the benchmark measures latency from it.
//! - **Subscribers** (the protocols of `rta-engine`'s sinks): every event goes, as one shared
//!   `Arc<Value>`, into each subscriber's unbounded `tokio::sync::mpsc` queue, and each
//!   subscriber serializes it itself and writes it at once (one write per event):
//!   - TCP MessagePack: the one-line JSON hello, a `{"type":"subscribed"}` frame, then a
//!     4-byte big-endian length and `rmp_serde::to_vec_named` of the event (the same map as
//!     `Event::to_msgpack`; `rta_model::Event::from_msgpack` reads it: tested);
//!   - SSE: `GET /events` answers `text/event-stream` with `id: <seq>`, `event: <type>`,
//!     `data: <JSON>` and a blank line per event.
//!
//! ## What it simplifies (decisions)
//! The baseline does the work that costs on the hot path and leaves out what a load run never
//! exercises:
//! - **Adherence**: rules 1 (health: an integration is healthy from its first completed
//!   batch, snapshot or notification, and never goes stale), 2, 3, 4 and 5 of the spec
//!   (`in` when the actual activity is the scheduled one, one it accepts, or of the same
//!   category); no boundary tolerance (rule 6), no alarms, no figures, no `unmapped` or
//!   `feed` events. Boundaries seen by the ticker are dated at the tick, not at the
//!   boundary. With several integrations the latest status wins.
//! - **Mappings**: among several prefixes the first row wins (rta: the longest), among
//!   several ranges the first (rta: the narrowest).
//! - **Avaya**: no allow-list, no line-length guard, no liveness watchdog, no detailed
//!   statuses (skills), queue (csplit) reports ignored, a connection does not replace the
//!   previous one of its integration (each is read until EOF), a line that is not UTF-8
//!   ends its connection.
//! - **CIC**: the line dialect only, `all` mode only, no silence watchdog, no DST floor (a
//!   repeated local time is always its earlier instant).
//! - **Odigo**: JSON bodies only (no forms), no HTTPS, no de-duplication window (a retry of
//!   the current state is equal to it and changes nothing anyway), no pause-detail look-up,
//!   no back-pressure (`503`).
//! - **Subscribers**: filters and `resume_from` are accepted and not applied (every
//!   subscriber gets every event, live); queues are unbounded, so there is no `lagged`
//!   resynchronisation; no SSE keep-alive comments.

mod adherence;
mod avaya;
mod cic;
mod config;
mod core;
mod engine;
mod error;
mod odigo;
mod sinks;

pub use config::{NaiveAvaya, NaiveCic, NaiveConfig, NaiveOdigo};
pub use engine::NaiveEngine;
pub use error::NaiveError;
