//! A realistic, deterministic Interactive Intelligence CIC feed server (`specs/cic.md`).
//!
//! - [`CicSim`] owns a virtual clock and N users ([`SimUser`], [`Presence`]) who move through
//!   the statuses of a CIC server ([`STATUSES`]: the defaults plus customer ones such as
//!   `ACW - Manual` and `Break, Short`, each with its group and flags): log in, take ACD
//!   calls, follow up, take breaks, meetings, training, DND, outbound calls, log out. It
//!   writes, with the encoder of `rta-cic`, a snapshot for each new connection
//!   ([`CicSim::greeting`]) and each tick's changes and heartbeats ([`CicSim::tick`]) in
//!   either [`Dialect`]: `line` (times local to the configured zone, without offset, so a
//!   clock run across a DST change repeats or skips wall-clock times) or `icws` (status
//!   definitions, then an `isDelta:false` snapshot, then deltas; heartbeats are empty
//!   deltas).
//! - [`CicServer`] serves it over TCP to any number of clients: each gets a snapshot, then
//!   every change and heartbeat. Its [`CicServerHandle`] moves the clock (or the server
//!   paces it), injects [`Fault`]s (a snapshot cut mid-way, silence without closing, a hung
//!   server, garbage lines, over-long lines, split writes, disconnects), gives the ground
//!   truth ([`CicTruth`], [`Change`] history) and kills the server. Clients that never read
//!   are buffered without bound: a simulator for tests, not a production server.
//!
//! Same seed and configuration, same bytes: users and faults draw from separate seeded
//! generators, so switching faults on does not change what users do.

mod config;
mod error;
mod faults;
mod server;
mod sim;
mod users;

pub use config::{CicFaults, CicSimConfig};
pub use error::CicSimError;
pub use faults::Fault;
/// The dialects, as the decoder names them.
pub use rta_cic::Dialect;
pub use server::{CicServer, CicServerConfig, CicServerHandle, CicTruth, ServerStats};
pub use sim::{Change, CicSim, Greeting, Tick};
pub use users::{CicStatus, Presence, STATUSES, SimUser, status};
