//! What a decoder emits for one agent: a status at an event time.

use crate::{Direction, IntegrationId, Phase, Status};
use jiff::Timestamp;
use std::borrow::Cow;

/// One agent's status as a source reported it, normalized to UTC.
///
/// The borrowed form (`Observation<'frame>`) points into the decoder's frame or state and costs
/// no allocation; [`Observation::into_owned`] gives the `'static` form ([`OwnedObservation`])
/// that crosses threads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observation<'a> {
    pub integration: IntegrationId,
    /// The agent's id in the source: opaque bytes, never parsed as a number.
    pub external_id: Cow<'a, [u8]>,
    pub phase: Phase,
    pub direction: Direction,
    pub status: Status<'a>,
    /// When the status began, by the source's account (UTC).
    pub time: Timestamp,
    /// When the engine received the record that told it.
    pub received: Timestamp,
}

/// An observation that owns its data.
pub type OwnedObservation = Observation<'static>;

impl Observation<'_> {
    /// Copies everything borrowed.
    pub fn into_owned(self) -> OwnedObservation {
        Observation {
            integration: self.integration,
            external_id: Cow::Owned(self.external_id.into_owned()),
            phase: self.phase,
            direction: self.direction,
            status: self.status.into_owned(),
            time: self.time,
            received: self.received,
        }
    }
}
