//! The state table's current statuses as `agent_status` events: what a lagged subscriber is
//! resynchronised from.

use crate::bus::{EventKind, Filter, SnapshotSource};
use rta_model::{
    AgentKey, AgentStatusEvent, Code, Event, EventBody, IntegrationId, Name, utf8_or_latin1,
};
use rta_state::{AgentStatus, StateTable};
use std::sync::{Arc, PoisonError, RwLock};

/// How many double-collect passes a snapshot makes per integration before it settles for a
/// view whose agents are each consistent but not all of one instant ([`StateTable::view`]).
pub const DEFAULT_VIEW_ATTEMPTS: usize = 3;

/// Every observed agent's current status in a [`StateTable`], for the integrations it was
/// given names for: the [`SnapshotSource`] the engine builds its [`Bus`](crate::Bus) with, and
/// the one conversion from a table status to an `agent_status` body
/// ([`LiveStatuses::status_event`]), so live events and snapshots say the same thing.
///
/// A snapshot holds one `agent_status` event per agent, per integration in the order given,
/// agents in the order the table lists them; each event's `time` is the status's `since`.
/// Until agents are mapped to employees (a later issue) `employee` and `activity` are `None`
/// and `skills` is empty.
///
/// ```
/// use rta_engine::{Bus, Delivery, Filter, LiveStatuses, SubscribeOptions};
/// use rta_model::{Direction, Observation, Phase, Status};
/// use rta_state::{StateTable, Update};
/// use std::borrow::Cow;
/// use std::sync::Arc;
///
/// let table = Arc::new(StateTable::new(1_000));
/// let cms = table.add_integration();
/// let live = Arc::new(LiveStatuses::new(table.clone(), [(cms, "cms-paris")]));
/// let bus = Bus::builder(live.clone()).build();
/// let sub = bus.subscribe(SubscribeOptions::new(Filter::all()).capacity(1)).unwrap();
///
/// let time = "2026-11-23T08:00:00Z".parse().unwrap();
/// for (id, code) in [("40101", "AVAIL"), ("40102", "AUX"), ("40101", "ACDIN")] {
///     let observation = Observation {
///         integration: cms,
///         external_id: Cow::Borrowed(id.as_bytes()),
///         phase: Phase::Available,
///         direction: Direction::None,
///         status: Status::new(code),
///         time,
///         received: time,
///     };
///     // State first, then the event (as the engine does it).
///     if let (key, Update::Changed { current, .. }) = table.observe(&observation).unwrap() {
///         bus.publish(current.since, live.status_event(key, &current).unwrap());
///     }
/// }
///
/// // The subscriber held 1 event and missed 2: it gets the table's current statuses.
/// assert_eq!(sub.recv().unwrap().event().unwrap().seq, 1);
/// assert_eq!(sub.recv().unwrap(), Delivery::Lagged { missed: 2 });
/// let Delivery::Snapshot(snapshot) = sub.recv().unwrap() else { panic!("a snapshot") };
/// assert_eq!(snapshot.as_of, 3);
/// assert_eq!(snapshot.events.len(), 2);
/// ```
#[derive(Debug)]
pub struct LiveStatuses {
    table: Arc<StateTable>,
    /// Added to while the engine runs (an integration added by a configuration reload).
    integrations: RwLock<Vec<(IntegrationId, Name)>>,
    attempts: usize,
}

impl LiveStatuses {
    /// The statuses of `table` for `integrations` (each id with its name, as events carry it).
    pub fn new<I, N>(table: Arc<StateTable>, integrations: I) -> LiveStatuses
    where
        I: IntoIterator<Item = (IntegrationId, N)>,
        N: Into<Name>,
    {
        LiveStatuses {
            table,
            integrations: RwLock::new(
                integrations
                    .into_iter()
                    .map(|(id, name)| (id, name.into()))
                    .collect(),
            ),
            attempts: DEFAULT_VIEW_ATTEMPTS,
        }
    }

    /// Covers integration `id`, named `name`, from now on (a name given again replaces the
    /// earlier one).
    pub fn add_integration(&self, id: IntegrationId, name: impl Into<Name>) {
        let mut integrations = self.integrations();
        integrations.retain(|(known, _)| *known != id);
        integrations.push((id, name.into()));
    }

    fn integrations(&self) -> std::sync::RwLockWriteGuard<'_, Vec<(IntegrationId, Name)>> {
        self.integrations
            .write()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn names(&self) -> Vec<(IntegrationId, Name)> {
        self.integrations
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Double-collect passes per integration (at least 1; default
    /// [`DEFAULT_VIEW_ATTEMPTS`]).
    pub fn view_attempts(mut self, attempts: usize) -> LiveStatuses {
        self.attempts = attempts.max(1);
        self
    }

    /// The `agent_status` body for agent `key` in `status`; `None` if the key is not the
    /// table's or its integration was given no name.
    pub fn status_event(&self, key: AgentKey, status: &AgentStatus<'_>) -> Option<EventBody> {
        let (integration, external_id) = self.table.identity(key)?;
        let integrations = self
            .integrations
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        let (_, name) = integrations.iter().find(|(id, _)| *id == integration)?;
        Some(status_body(name, external_id, status))
    }

    /// Appends one event per observed agent of `integration`.
    fn collect(&self, integration: IntegrationId, name: &Name, events: &mut Vec<Event>) {
        let view = match self.table.view(integration, self.attempts) {
            Ok(view) => view,
            Err(error) => {
                tracing::warn!(%error, integration = &**name, "no snapshot of an integration");
                return;
            }
        };
        if !view.point_in_time {
            tracing::debug!(
                integration = &**name,
                attempts = self.attempts,
                agents = view.agents.len(),
                "snapshot under constant writes: each status consistent, not all of one instant"
            );
        }
        events.reserve(view.agents.len());
        for (key, status) in &view.agents {
            if let Some((_, external_id)) = self.table.identity(*key) {
                events.push(Event {
                    seq: 0,
                    time: status.since,
                    body: status_body(name, external_id, status),
                });
            }
        }
    }
}

impl SnapshotSource for LiveStatuses {
    /// Narrowed by the filter's kinds and integrations (whole integrations are skipped); the
    /// bus applies the rest of the filter.
    fn snapshot(&self, filter: &Filter) -> Vec<Event> {
        let mut events = Vec::new();
        if !filter.wants_kind(EventKind::AgentStatus) {
            return events;
        }
        let wanted = filter.integration_set();
        for (integration, name) in &self.names() {
            if wanted.is_empty() || wanted.contains(name) {
                self.collect(*integration, name, &mut events);
            }
        }
        events
    }
}

fn status_body(integration: &Name, external_id: &[u8], status: &AgentStatus<'_>) -> EventBody {
    EventBody::AgentStatus(AgentStatusEvent {
        integration: integration.clone(),
        external_id: utf8_or_latin1(external_id).into(),
        employee: None,
        phase: status.phase,
        status: status.code.into(),
        reason: status.reason.clone().map(Code::into_owned),
        detail: status.detail.clone().map(Code::into_owned),
        skills: Vec::new(),
        activity: None,
        since: status.since,
        received: status.last_seen,
    })
}
