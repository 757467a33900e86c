//! # The CIC client connector
//!
//! For a CIC (PureConnect) integration the engine is the TCP client (`specs/cic.md`,
//! "Transport"): it connects to each ACD server address of the integration form, reads the
//! feed through [`LineCodec`](rta_lines::LineCodec) and the sans-IO decoder of `rta-cic`,
//! applies the statuses to the state table, reconciles snapshots, and publishes status changes
//! and per-address feed health through a [`Publisher`](crate::Publisher).
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use rta_cic::{Dialect, SessionConfig};
//! use rta_engine::cic::{CicConfig, CicConnector, Mode};
//! use rta_engine::{Bus, BusPublisher, LiveStatuses};
//! use rta_state::StateTable;
//! use std::sync::Arc;
//!
//! let table = Arc::new(StateTable::new(100_000));
//! let cic = table.add_integration();
//! let live = Arc::new(LiveStatuses::new(table.clone(), [(cic, "cic-lyon")]));
//! let bus = Bus::builder(live.clone()).build();
//!
//! let mut config = CicConfig::new(
//!     "cic-lyon",
//!     "acd1.example.com:8080, acd2.example.com:8080", // from the form; checked here
//!     SessionConfig::new(cic, Dialect::Line),
//! )?;
//! config.mode = Mode::Failover;
//! let handle = CicConnector::new(config, table, Arc::new(BusPublisher::new(bus, live))).spawn()?;
//! // ... later
//! handle.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! ## Decisions
//! - **Addresses** are checked when the configuration is built ([`parse_addresses`]): every
//!   bad entry is refused with its position and text, duplicates included. Host names are
//!   resolved again on every connection attempt (`TcpStream::connect((host, port))`), so a
//!   DNS change is followed without a restart; all the addresses a name resolves to are tried.
//! - **Modes.** [`Mode::All`]: one task per address, each with its own connection, back-off
//!   and health, all writing the same integration. [`Mode::Failover`]: one task; the first
//!   address that answers is used; when its connection ends the next address is tried at
//!   once, in order, wrapping around; when a whole round failed (refused, or connections that
//!   did not stay up for [`BackoffConfig::stable_after`]) it waits a back-off delay. There is
//!   no fail-back: a working backup is kept until it fails.
//! - **Back-off** ([`Backoff`]): 1 s doubling to 30 s, the upper half of each delay random
//!   (seeded: [`CicConfig::jitter_seed`]), never giving up; reset by a connection that stayed
//!   up 30 s.
//! - **Silence**: no line at all (heartbeats, and lines the decoder rejects, count as signs of
//!   life) for [`CicConfig::silence`] (90 s): the address is `stale`, the connection is dropped
//!   and a new one made after the back-off delay. A connection attempt takes at most
//!   [`CicConfig::connect_timeout`].
//! - **Health per address** (`FeedEvent::address` is the address as the form writes it):
//!   `waiting` when the connector starts; `up` when a snapshot completes (a server that never
//!   completed a snapshot is not healthy, records before it do not count); `stale` on silence;
//!   `down` when an attempt fails or the connection ends, and when the connector shuts down.
//!   Only changes are published and logged (a server refusing for an hour is one `down`, one
//!   warning; each attempt is a `debug` line). In failover mode a backup never tried stays
//!   `waiting`. Combining the addresses into one integration health is left to the consumer.
//! - **Snapshots.** Statuses are applied to the table as they arrive, inside a snapshot too.
//!   A completed snapshot logs out, at its `SNAPSHOT|END` time with status
//!   [`CicConfig::logged_out_code`], the agents it speaks for and did not list; a snapshot
//!   cut off by a disconnect (or by a new `BEGIN`) logs nobody out. Whom a snapshot speaks
//!   for depends on the mode: in failover mode (and with a single address) the whole
//!   integration; in `all` mode **only the agents of its own server**, because each ACD lists
//!   its own users. An agent belongs to the address that last told a status of it that the
//!   table took (decided where the status is applied: in the engine, on the agent's shard),
//!   so an agent who moved from `acd1` to `acd2` is not logged out by `acd1`'s
//!   next snapshot; membership survives reconnects, so the first snapshot after one logs out
//!   who the server listed before and no longer does. The table's own `Snapshot` is not used:
//!   it logs out the whole integration, and it borrows its writer for the whole snapshot,
//!   which a snapshot spread over many reads and decoded through a callback cannot hold.
//! - **Decoding**: one `rta_cic::Session` per task, kept across its connections and told of
//!   each lost one: what it read before a reconnect (the stream's clock, each user's last
//!   time) is the floor that places the local times of a repeated autumn hour, which a fresh
//!   decoder would take an hour early (and the table refuse as out of order). The
//!   integration's status vocabulary is shared by its tasks behind a mutex held for one frame.
//!   A record the decoder rejects is logged with its line and skipped; the connection stays.
//! - **Time**: records are stamped `received` from the connector's [`Clock`](crate::Clock),
//!   feed events too; timers (silence, back-off, connect timeout) are tokio's, so a test on a
//!   paused runtime runs 90 s of silence instantly.

mod addresses;
mod backoff;
mod connector;
mod ingest;
mod membership;
mod watchdog;

pub use addresses::{Address, AddressError, AddressProblem, parse_addresses};
pub use backoff::{Backoff, BackoffConfig};
pub(crate) use connector::capture_labels;
pub use connector::{
    CicConfig, CicConnector, CicHandle, CicStats, ConnectorError, DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_LOGGED_OUT_CODE, Mode, ModeError,
};
pub(crate) use ingest::Ingest;
pub(crate) use membership::{Claim, Membership};
pub use watchdog::DEFAULT_SILENCE;
pub(crate) use watchdog::silence_detail;
