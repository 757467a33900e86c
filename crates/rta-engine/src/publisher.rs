//! Where the tokio adapters send what they learn: status changes of the state table and feed
//! health. [`BusPublisher`] publishes both on the [`Bus`]; tests and embedders may implement
//! [`Publisher`] for anything else.

use crate::bus::Bus;
use crate::live::LiveStatuses;
use rta_model::{AgentKey, EventBody, FeedEvent, Timestamp};
use rta_state::AgentStatus;
use std::fmt;
use std::sync::Arc;

/// Receives what an adapter changed. Called on the adapter's tasks: must not block.
pub trait Publisher: Send + Sync + fmt::Debug {
    /// A feed's health changed at `time`.
    fn feed(&self, time: Timestamp, event: FeedEvent);
    /// Agent `key`'s status in the state table changed to `current` (the table is already
    /// updated).
    fn status(&self, key: AgentKey, current: &AgentStatus<'_>);
}

/// Publishes on a [`Bus`]: status changes as `agent_status` events (through
/// [`LiveStatuses::status_event`], at the status's `since`), feed health as `feed` events.
#[derive(Debug, Clone)]
pub struct BusPublisher {
    bus: Bus,
    live: Arc<LiveStatuses>,
}

impl BusPublisher {
    /// `live` names the integrations whose statuses are published; changes of agents of
    /// other integrations are dropped.
    pub fn new(bus: Bus, live: Arc<LiveStatuses>) -> BusPublisher {
        BusPublisher { bus, live }
    }
}

impl Publisher for BusPublisher {
    fn feed(&self, time: Timestamp, event: FeedEvent) {
        self.bus.publish(time, EventBody::Feed(event));
    }

    fn status(&self, key: AgentKey, current: &AgentStatus<'_>) {
        if let Some(body) = self.live.status_event(key, current) {
            self.bus.publish(current.since, body);
        }
    }
}
