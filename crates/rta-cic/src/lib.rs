//! # rta-cic: the Interactive Intelligence CIC (PureConnect) agent status feed
//!
//! Reads the two dialects of `specs/cic.md` (the `STATUS|...` line dialect and the icws
//! NDJSON dialect): bytes in, agent statuses out. Sans-IO: no sockets and no clock here; the
//! receive time is an argument, so the same input always gives the same output.
//!
//! The layers:
//! 1. [`LineCodec`] (shared with the Avaya feed) frames lines without copying; both dialects
//!    are lines, icws with a large limit ([`Dialect::default_max_line`]: 16 MiB) because a
//!    snapshot is one JSON line.
//! 2. [`parse_line`] reads a line-dialect record borrowing from the line (escapes `\|` and
//!    `\\` copy only the values that have them); icws messages are read as a stream by the
//!    session, their strings borrowed where JSON has no escape.
//! 3. [`Session`], one per stream of connections to a server (kept across reconnects, so
//!    that a reconnect inside a repeated DST hour still knows how far each user's time got,
//!    see [`Session::connection_lost`]), turns records into [`Output`]s: statuses as
//!    [`rta_model::Observation`]s in the canonical phase, snapshot begin/end/abort, heartbeats;
//!    it converts local times in the integration's zone (DST repeats and gaps as the spec
//!    says), merges icws deltas with each user's previous values, and counts what it ignores.
//! 4. [`Vocabulary`], one per integration, shared by its connections: the status keys seen
//!    (case-insensitive, stored folded once) and the status definitions (group and flags).
//!
//! Bad input is a typed [`CicError`] carrying the line; the session goes on with the next one.
//!
//! ```
//! use bytes::BytesMut;
//! use rta_cic::{Dialect, Output, Session, SessionConfig, Vocabulary};
//! use rta_model::{IntegrationId, Timestamp, Zone};
//! use tokio_util::codec::Decoder;
//!
//! let mut config = SessionConfig::new(IntegrationId(0), Dialect::Line);
//! config.zone = Zone::get("Europe/Paris").unwrap();
//! let mut codec = config.codec();
//! let mut session = Session::new(config);
//! let mut vocabulary = Vocabulary::new(); // one per integration
//!
//! let mut bytes = BytesMut::from(
//!     "SNAPSHOT|BEGIN|2026-11-23 08:00:00\r\n\
//!      STATUS|2026-11-23 07:58:12|jdoe|Available|Available|AVAILABLE|1|1|0|0|0|7001\r\n\
//!      SNAPSHOT|END|2026-11-23 08:00:00\r\n\
//!      STATUS|2026-11-23 12:00:05|jdoe|At Lunch|At Lunch|BREAK|1|0|0|0|0|7001\r\n",
//! );
//! let received: Timestamp = "2026-11-23T11:00:06Z".parse().unwrap();
//! let mut seen = Vec::new();
//! while let Some(frame) = codec.decode(&mut bytes).unwrap() {
//!     let result = session.push_frame(frame, received, &mut vocabulary, &mut |output| {
//!         match output {
//!             Output::Status(status) => seen.push(format!(
//!                 "{} {} {} {}",
//!                 String::from_utf8_lossy(&status.external_id),
//!                 status.phase,
//!                 status.status.code,
//!                 status.time
//!             )),
//!             Output::SnapshotEnd { .. } => seen.push("snapshot complete".into()),
//!             _ => {}
//!         }
//!     });
//!     if let Err(error) = result {
//!         eprintln!("{error}"); // bad input is reported; the stream goes on
//!     }
//! }
//! session.connection_lost(&mut |_| {}); // at EOF: a snapshot in progress would be aborted
//! assert_eq!(
//!     seen,
//!     [
//!         "jdoe available available 2026-11-23T06:58:12Z",
//!         "snapshot complete",
//!         "jdoe away at lunch 2026-11-23T11:00:05Z",
//!     ]
//! );
//! ```
//!
//! Writing both dialects ([`line_status`], [`icws_user_statuses`], ...) serves the simulator,
//! the tests and the round-trip fuzz target.

mod case;
mod encode;
mod error;
mod icws;
mod line;
mod session;
mod time;
mod users;
mod vocabulary;

pub use encode::{
    StatusDefinition, UserStatus, icws_status_definitions, icws_user_statuses, line_heartbeat,
    line_snapshot_begin, line_snapshot_end, line_status,
};
pub use error::{CicError, RecordError};
pub use line::{LineRecord, StatusRecord, parse_line};
pub use rta_lines::{FrameError, LineCodec, Snippet};
pub use session::{Dialect, Output, Session, SessionConfig, Stats};
pub use time::CicTime;
pub use vocabulary::{Definition, Vocabulary};
