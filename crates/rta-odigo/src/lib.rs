//! # rta-odigo: Odigo agent status notifications (sans-IO)
//!
//! Odigo pushes each agent state change to a secret URL as an HTTP request (`specs/odigo.md`).
//! This crate holds everything about those requests that needs no socket and no clock; the
//! HTTP server is `rta-engine`'s Odigo receiver, the web-service client is there too.
//!
//! - **Decoding** ([`decode`]): a JSON body (one notification or an array of them) or a
//!   form-encoded one ([`BodyFormat`], from the `Content-Type`), in one pass, borrowing
//!   strings from the body where they have no escape. Each item is a [`Notification`]: an
//!   [`AgentState`] change, a heartbeat, or another event type; or a [`DecodeError`] whose
//!   text is the short reason of a `400` (it names fields, never echoes values). A bad item
//!   does not stop the good ones around it.
//! - **States** ([`State`]): the spec's vocabulary with its synonyms, case-insensitive;
//!   unknown states are kept as sent, so they can still be mapped. [`AgentState::observation`]
//!   gives the state table's [`Observation`](rta_model::Observation): the login as external
//!   id, the canonical state as status code, the pause code and label as reason and detail.
//! - **Retries** ([`Dedup`]): a bounded window of recent notifications, by event id or by
//!   agent + state + time, per integration.
//! - **The URL token** ([`Token`], [`TokenHash`], [`TokenStore`]): 256 bits from the OS
//!   random source, shown once, stored only as a hash in a `0600` file, compared in constant
//!   time, never in a log or a `Debug` output.
//! - **Pause with details**: the [`PauseDetails`] look-up a bare `PAUSE` triggers (the
//!   engine implements it over HTTP), the answer's parser ([`parse_pause_response`]) and its
//!   cache per agent and change ([`PauseCache`]).
//!
//! ```
//! use rta_model::{IntegrationId, Phase, Timestamp};
//! use rta_odigo::{BodyFormat, Dedup, Notification, decode};
//!
//! let body = br#"{"eventId":"6c1f","eventType":"AGENT_STATE_CHANGED","tenantId":"acme",
//!     "timestamp":"2026-11-23T12:00:05.123Z","agent":{"login":"jdoe@acme.example","id":"10452"},
//!     "state":"PAUSE","previousState":"AVAILABLE","pause":{"code":"7","label":"Lunch"}}"#;
//! let format = BodyFormat::from_content_type(b"application/json; charset=utf-8").unwrap();
//! let received: Timestamp = "2026-11-23T12:00:05.400Z".parse().unwrap();
//! let mut dedup = Dedup::new(10_000);
//!
//! let mut observations = Vec::new();
//! let items = decode(format, body, |_index, item| match item {
//!     Ok(Notification::AgentState(state)) if dedup.is_new(&state) => {
//!         let observation = state.observation(IntegrationId(0), received);
//!         assert_eq!(observation.phase, Phase::Away);
//!         observations.push(observation.into_owned());
//!     }
//!     Ok(_) => {} // a retry, a heartbeat, another event type
//!     Err(error) => panic!("answer 400: {error}"),
//! })
//! .unwrap();
//! assert_eq!(items, 1);
//! assert_eq!(&*observations[0].external_id, b"jdoe@acme.example");
//! assert_eq!(observations[0].status.code, "PAUSE");
//! assert_eq!(observations[0].time.to_string(), "2026-11-23T12:00:05.123Z");
//!
//! // The same notification again (Odigo retried) is recognised.
//! decode(format, body, |_, item| {
//!     let Ok(Notification::AgentState(state)) = item else { unreachable!() };
//!     assert!(!dedup.is_new(&state));
//! })
//! .unwrap();
//! ```

mod decode;
mod dedup;
mod error;
mod notification;
mod pause;
mod token;

pub use decode::{BodyFormat, MAX_ITEMS, decode};
pub use dedup::{DEFAULT_DEDUP_WINDOW, Dedup};
pub use error::DecodeError;
pub use notification::{AgentState, Notification, Pause, State};
pub use pause::{LookupError, PauseCache, PauseDetails, PauseResponseError, parse_pause_response};
pub use token::{Token, TokenError, TokenHash, TokenStore};
