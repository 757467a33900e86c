//! # The Odigo HTTP receiver
//!
//! Odigo pushes agent state notifications to a secret URL (`specs/odigo.md`): the engine is
//! the HTTP server. [`OdigoReceiver`] listens once for every Odigo integration of the engine
//! (HTTP/1.1, HTTPS through rustls when [`ReceiverConfig::tls`] names a certificate and key),
//! finds the integration by the token ending the path, decodes the body with `rta-odigo`,
//! completes bare pauses from Odigo's web service when the integration asks for it, and hands
//! the agent state changes to its pipeline, which drops retries and applies the rest to the
//! state table, publishing each status change and the feed health through a
//! [`Publisher`](crate::Publisher).
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use rta_engine::odigo::{OdigoIntegration, OdigoReceiver, ReceiverConfig};
//! use rta_engine::{Bus, BusPublisher, LiveStatuses, SystemClock};
//! use rta_odigo::TokenStore;
//! use rta_state::StateTable;
//! use std::sync::Arc;
//!
//! let table = Arc::new(StateTable::new(100_000));
//! let odigo = table.add_integration();
//! let live = Arc::new(LiveStatuses::new(table.clone(), [(odigo, "odigo-acme")]));
//! let bus = Bus::builder(live.clone()).build();
//! let publisher = Arc::new(BusPublisher::new(bus, live));
//!
//! // The token: generated once, shown once, only its hash kept (0600, in the state directory).
//! let tokens = TokenStore::new("/var/lib/rta");
//! let hash = match tokens.load("odigo-acme")? {
//!     Some(hash) => hash,
//!     None => {
//!         let token = tokens.rotate("odigo-acme")?;
//!         println!("notification URL: https://wfm.example/odigo/{}", token.expose());
//!         token.hash()
//!     }
//! };
//!
//! let config = ReceiverConfig::new("0.0.0.0:8443".parse()?);
//! let receiver = OdigoReceiver::start(config, table, publisher, Arc::new(SystemClock)).await?;
//! receiver.add(OdigoIntegration::new("odigo-acme", odigo, hash))?;
//! // ... later
//! receiver.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! ## Answers
//! | answer | when |
//! |---|---|
//! | `204` | the body's notifications are accepted into the pipeline (retries included: they are acknowledged and ignored) |
//! | `400` | the body cannot be decoded (short plain-text reason); or some items of an array are bad: the good ones **are** accepted, the answer lists the bad ones (`item 3: missing state ...`), so a retry is harmless and nothing good is lost |
//! | `404` | the path is not `<base_path>/.../<token>` of a served integration: a wrong token, a removed integration and an unknown path get the same answer |
//! | `405` | a method other than `POST`/`PUT` on a valid token URL (only the token's holder can tell) |
//! | `408` | the request was not read and answered within [`ReceiverConfig::request_timeout`] |
//! | `413` | the body is over [`ReceiverConfig::body_limit`] (declared, or found while reading) |
//! | `415` | the `Content-Type` is not JSON or form-encoded (or JSON in another charset than UTF-8) |
//! | `503` | back-pressure: a queue of the pipeline is full, or [`ReceiverConfig::max_in_flight`] requests are being handled (`Retry-After: 1`); or the integration is paused (`Retry-After: 30`). Nothing of the request is kept, so its retry is new |
//!
//! ## Decisions
//! - **Token.** Only hashes are held ([`rta_odigo::TokenHash`]); each request's candidate is
//!   compared with every integration's hash in constant time, without early exit. The path
//!   is never logged, and no answer or error names it. Rotation ([`OdigoReceiver::set_token`])
//!   takes effect at the next request.
//! - **Acceptance** is entry into the bounded queues ([`ReceiverConfig::queue_capacity`]) of
//!   the pipeline's shard tasks ([`ReceiverConfig::shards`], the cores by default): each
//!   agent's changes go to one shard, by its login, so each shard is the only writer of its
//!   agents and applies their changes in the order they were accepted (changes of different
//!   agents may be applied in any order). A request's changes enter their shards all or
//!   none. Retries are recognised in the shards ([`rta_odigo::Dedup`], by event id or by
//!   agent+state+time, per integration), after acceptance, so a refused request never makes
//!   its retry a duplicate.
//! - **Concurrency.** At most [`ReceiverConfig::max_connections`] connections (more wait in
//!   the OS backlog) and [`ReceiverConfig::max_in_flight`] requests at once (more get `503`).
//!   A connection is HTTP/1.1, so it carries one request at a time: pipelined requests are
//!   answered in order. Kept-alive connections idle for [`ReceiverConfig::idle_timeout`] are
//!   closed.
//! - **Pause with details** ([`OdigoIntegration::pause_details`]): a `PAUSE` without code and
//!   label is completed before acceptance, all of a request's look-ups at once, each bounded
//!   by its time-out (2 s); a failure leaves the plain `PAUSE` (never dropped, never held
//!   longer). The web service's health is a feed of its own,
//!   [`address`](rta_model::FeedEvent::address) [`PAUSE_DETAILS_ADDRESS`]: `down` with the
//!   reason after a failed look-up, `up` after an answer.
//! - **Feed health** of the push channel (address `None`): `waiting` until the first
//!   notification is accepted (a `404`, or a body that cannot be decoded, is no sign of
//!   life), `up` after it and after every later one (heartbeats included), `stale` after
//!   [`OdigoIntegration::stale_after`] of silence (checked every second).
//! - **Paused** integrations ([`OdigoReceiver::set_paused`]) answer `503` with
//!   `Retry-After: 30` (issue 7: a paused integration takes no input), so Odigo keeps and
//!   retries; counted in [`IntegrationStats::refused_while_paused`].
//! - **Shutdown** stops accepting, lets open connections finish their request, then applies
//!   everything accepted before returning.

mod config;
mod error;
mod handler;
mod ingest;
pub mod pause;
mod registry;
mod server;

pub use config::{OdigoIntegration, ReceiverConfig, TlsFiles};
pub use error::ReceiverError;
pub use handler::ReceiverStats;
pub(crate) use handler::decode_body;
pub(crate) use ingest::{Batch, apply_batch};
pub use pause::{
    DEFAULT_CACHE_CAPACITY, DEFAULT_TIMEOUT, MAX_ANSWER_BYTES, Outcome, Password, PauseConfigError,
    PauseDetailsConfig, PauseResolver, PauseStats, WebService,
};
pub(crate) use registry::{Integration as OdigoFeed, Registry};
pub use registry::{IntegrationStats, PAUSE_DETAILS_ADDRESS};
pub use server::OdigoReceiver;
