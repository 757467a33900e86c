//! # rta-model: the vocabulary every rta crate shares
//!
//! No I/O and no async runtime here: only the types that flow between the decoders, the state
//! table, the adherence evaluator and the subscribers.
//!
//! - **Ids**: [`IntegrationId`] and [`AgentKey`] are dense, `Copy` ids handed out by interners;
//!   [`Name`] (`ecow::EcoString`: up to 15 bytes inline, reference-counted beyond) carries
//!   names into events without an allocation.
//! - **Statuses**: a source status is a [`Status`] (code, optional [`Code`] reason and detail,
//!   skills) reduced to a canonical [`Phase`], with a [`Direction`].
//! - **Observations**: decoders emit an [`Observation`] per agent change. It borrows from the
//!   decoder's frame (`Cow::Borrowed`, no allocation on the hot path); `into_owned` gives the
//!   [`OwnedObservation`] that crosses threads.
//! - **Local time**: [`Zone`] turns a source's wall-clock times into UTC, resolving DST gaps and
//!   repeats as `specs/cic.md` requires.
//! - **Events**: [`Event`] with an [`EventBody`] per kind of `specs/adherence.md`; JSON and
//!   MessagePack share the field names.
//!
//! ```
//! use rta_model::{Event, EventBody, FeedEvent, FeedHealth};
//!
//! let event = Event {
//!     seq: 1,
//!     time: "2026-11-23T08:00:00Z".parse().unwrap(),
//!     body: EventBody::Feed(FeedEvent {
//!         integration: "cms-paris".into(),
//!         address: None,
//!         health: FeedHealth::Up,
//!         detail: None,
//!     }),
//! };
//! let json = event.to_json();
//! assert!(json.starts_with(r#"{"seq":1,"time":"2026-11-23T08:00:00Z","type":"feed""#));
//! assert_eq!(Event::from_msgpack(&event.to_msgpack()).unwrap(), event);
//! ```

mod encode;
mod event;
mod ids;
mod local_time;
mod observation;
mod phase;
mod queue;
mod rfc3339;
mod status;
mod text;

pub use event::{
    AdherenceEvent, AdherenceStatus, AgentStatusEvent, AlarmEvent, AlarmLevel, CodecError, Event,
    EventBody, FeedEvent, FeedHealth, QueueEvent, UnmappedEvent, UnmappedKind,
};
pub use ids::{AgentKey, IntegrationId, Name};
pub use jiff::Timestamp;
pub use local_time::{TimeOutOfRange, UnknownZone, Zone};
pub use observation::{Observation, OwnedObservation};
pub use phase::{Direction, Phase};
pub use queue::QueueStats;
pub use status::{Code, Status};
pub use text::utf8_or_latin1;
