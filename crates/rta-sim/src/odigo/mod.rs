//! A realistic, deterministic Odigo tenant (`specs/odigo.md`): the notifier that POSTs agent
//! state notifications to the engine's token URL, and the web service the engine asks for
//! pause details.
//!
//! - [`OdigoSim`] owns a virtual clock and N agents (`agent0001@<tenant>.example`...,
//!   [`OdigoSimConfig`]) who log in, take calls (`ALERTING`, `IN_CALL` in or out, `HOLD`,
//!   `WRAP_UP`), pause with a code and label ([`PauseReason`]) and log out at the end of
//!   their shift. [`OdigoSim::step`] gives the [`SimNotification`]s due up to a time (agent
//!   state changes and `HEARTBEAT`s, each with a unique `eventId`), [`OdigoSim::truth`] every
//!   agent's current state ([`AgentTruth`]). [`WireOptions`] vary how notifications are
//!   written: alias keys, state synonyms, lower case, extra fields, epoch or offset times,
//!   PAUSE without code and label ("bare").
//! - [`Body`] encodes them: a JSON object, a JSON array (a batch), a form with dotted keys,
//!   or a [`Malformed`] body the receiver must refuse.
//! - [`Notifier`] POSTs bodies over one keep-alive client, resends the same body after a 5xx
//!   or no answer with back-off, sends accepted bodies again now and then (duplicates),
//!   sends bursts concurrently, and counts everything ([`NotifierStats`]). It never logs the
//!   token: URLs are logged with their last path segment redacted.
//! - [`WebService`] answers `GET <tenant url>/agent/v1/agents/<login>` with Basic auth from
//!   the simulator's [`Roster`] (shared: it follows the simulator), with faults on its
//!   [`WebServiceHandle`] (down: 503, latency).
//!
//! A test starts both on loopback and shares the truth:
//!
//! ```no_run
//! # async fn example() -> Result<(), rta_sim::odigo::OdigoSimError> {
//! use rta_sim::odigo::*;
//!
//! let start = "2026-11-23T08:00:00Z".parse().unwrap();
//! let mut config = OdigoSimConfig::new("acme", 50, 7, start);
//! config.wire.bare_pause_ratio = 0.5;
//! let mut sim = OdigoSim::new(config)?;
//! let service =
//!     WebService::start(WebServiceConfig::new(sim.roster(), "acme", "wfm", "s3cret")).await?;
//! // The engine's Odigo integration: URL `service.url()`, user `wfm`, password `s3cret`.
//! let notifier = Notifier::new(NotifierConfig::new("http://127.0.0.1:8080/odigo/TOKEN"))?;
//! let notifications = sim.step("2026-11-23T09:00:00Z".parse().unwrap());
//! for batch in notifications.chunks(10) {
//!     notifier.send(&Body::batch(batch)).await;
//! }
//! // The engine's state table should now match `sim.truth()`.
//! # Ok(())
//! # }
//! ```
//!
//! Same seed and configuration, same notifications: the agents and the wire draw from
//! separate seeded generators, so varying the wire does not change what agents do.

mod agents;
mod config;
mod error;
mod notifier;
mod sim;
mod web_service;
mod wire;

pub use agents::{AgentState, AgentTruth, Direction, PauseReason, Roster, logins};
pub use config::{OdigoSimConfig, TimeFormat, WireOptions};
pub use error::OdigoSimError;
pub use notifier::{Notifier, NotifierConfig, NotifierStats, Outcome};
pub use sim::{Event, OdigoSim, SimNotification};
pub use web_service::{WebService, WebServiceConfig, WebServiceHandle};
pub use wire::{Body, Keys, Malformed, Style};
