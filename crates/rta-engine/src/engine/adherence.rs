//! The adherence stage: every status change the adapters make in the table, and every feed
//! health change, goes through the evaluator, and what it emits goes on the bus.
//!
//! The evaluator is one deterministic state machine (employees may have agents in several
//! integrations, written by different adapter tasks), so it sits behind one mutex: an
//! `observe` is a few hundred nanoseconds (`benches/RESULTS.md`), held only while the
//! evaluator runs, and the emitted events are published in the same critical section so that
//! `seq` order is the evaluator's order.

use crate::bus::Bus;
use crate::keys::TableKeys;
use crate::odigo::PAUSE_DETAILS_ADDRESS;
use crate::publisher::Publisher;
use rta_adherence::{Emitted, Evaluator, Mappings, ScheduleRow};
use rta_model::{
    AgentKey, EventBody, FeedEvent, FeedHealth, IntegrationId, Name, Observation, Status, Timestamp,
};
use rta_state::{AgentStatus, StateTable};
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// Whether a feed event's address is a feed of the integration: Odigo's pause look-up is a
/// helper service, whose health does not decide the integration's.
fn is_feed_address(address: Option<&str>) -> bool {
    address != Some(PAUSE_DETAILS_ADDRESS)
}

/// The evaluator, the table it reads identities from, and the bus it publishes on.
#[derive(Debug)]
pub(crate) struct Adherence {
    state: Mutex<State>,
    table: Arc<StateTable>,
    bus: Bus,
}

#[derive(Debug)]
struct State {
    evaluator: Evaluator,
    /// Each integration's feeds (addresses) and their last health.
    feeds: HashMap<Name, Feeds>,
}

#[derive(Debug)]
struct Feeds {
    id: IntegrationId,
    by_address: HashMap<Option<String>, FeedHealth>,
    /// Paused by the operator: unknown whatever the feeds say.
    paused: bool,
    status_changes: u64,
}

impl Feeds {
    /// The integration's health: `up` if any of its feeds is up (a CIC integration in `all`
    /// mode is healthy while one server feeds it), else the least bad of the others.
    fn combined(&self) -> FeedHealth {
        if self.paused {
            return FeedHealth::Down;
        }
        [
            FeedHealth::Up,
            FeedHealth::Stale,
            FeedHealth::Waiting,
            FeedHealth::Down,
        ]
        .into_iter()
        .find(|wanted| self.by_address.values().any(|health| health == wanted))
        .unwrap_or(FeedHealth::Waiting)
    }
}

/// One integration's health as the adherence stage holds it ([`Adherence::integrations`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct IntegrationHealth {
    pub(crate) name: Name,
    pub(crate) id: IntegrationId,
    /// What the evaluator is told: the feeds combined, `down` while paused.
    pub(crate) combined: FeedHealth,
    /// Each feed's last health, by address (`None`: a feed without one), sorted.
    pub(crate) feeds: Vec<(Option<String>, FeedHealth)>,
    /// Status changes of its agents that went through the evaluator (each one an
    /// `agent_status` event out).
    pub(crate) status_changes: u64,
}

impl Adherence {
    pub(crate) fn new(evaluator: Evaluator, table: Arc<StateTable>, bus: Bus) -> Adherence {
        Adherence {
            state: Mutex::new(State {
                evaluator: evaluator.with_keys(TableKeys(table.clone())),
                feeds: HashMap::new(),
            }),
            table,
            bus,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Names integration `id` for the evaluator and starts its health at `waiting`.
    pub(crate) fn add_integration(&self, id: IntegrationId, name: &Name) {
        let mut state = self.lock();
        if let Err(error) = state.evaluator.add_integration(id, name.clone()) {
            tracing::error!(%error, integration = &**name, "the evaluator refused an integration");
        }
        state.feeds.insert(
            name.clone(),
            Feeds {
                id,
                by_address: HashMap::new(),
                paused: false,
                status_changes: 0,
            },
        );
    }

    /// Pauses or resumes `name` for adherence: paused, its employees are `unknown`.
    pub(crate) fn set_paused(&self, name: &str, paused: bool, now: Timestamp) {
        self.edit_feeds(name, now, |integration| integration.paused = paused);
    }

    /// Forgets the feeds of `name` (its adapter restarted with other settings: a CIC server
    /// no longer configured must not stay listed); it is `waiting` until its new feeds speak.
    pub(crate) fn forget_feeds(&self, name: &str, now: Timestamp) {
        self.edit_feeds(name, now, |integration| integration.by_address.clear());
    }

    fn edit_feeds(&self, name: &str, now: Timestamp, edit: impl FnOnce(&mut Feeds)) {
        let mut state = self.lock();
        let State { evaluator, feeds } = &mut *state;
        if let Some(integration) = feeds.get_mut(name) {
            edit(integration);
            let emitted = evaluator.set_health(integration.id, integration.combined(), now);
            publish(&self.bus, emitted);
        }
    }

    /// Moves the evaluator's clock: schedule boundaries and alarms fire.
    pub(crate) fn advance(&self, now: Timestamp) {
        let mut state = self.lock();
        publish(&self.bus, state.evaluator.advance(now));
    }

    pub(crate) fn reload_mappings(&self, mappings: &Mappings, now: Timestamp) {
        let mut state = self.lock();
        publish(&self.bus, state.evaluator.reload_mappings(mappings, now));
    }

    pub(crate) fn replace_schedule(
        &self,
        employee: &str,
        rows: &[ScheduleRow],
        now: Timestamp,
    ) -> Result<(), rta_adherence::ScheduleError> {
        let mut state = self.lock();
        let emitted = state.evaluator.replace_schedule(employee, rows, now)?;
        publish(&self.bus, emitted);
        Ok(())
    }

    /// Every integration ever added (a removed one stays, paused: the table keeps its
    /// agents), sorted by name.
    pub(crate) fn integrations(&self) -> Vec<IntegrationHealth> {
        let state = self.lock();
        let mut integrations: Vec<IntegrationHealth> = state
            .feeds
            .iter()
            .map(|(name, feeds)| {
                let mut by_address: Vec<(Option<String>, FeedHealth)> = feeds
                    .by_address
                    .iter()
                    .map(|(address, health)| (address.clone(), *health))
                    .collect();
                by_address.sort_by(|a, b| a.0.cmp(&b.0));
                IntegrationHealth {
                    name: name.clone(),
                    id: feeds.id,
                    combined: feeds.combined(),
                    feeds: by_address,
                    status_changes: feeds.status_changes,
                }
            })
            .collect();
        integrations.sort_by(|a, b| a.name.cmp(&b.name));
        integrations
    }

    /// Runs `read` on the evaluator (figures, current adherence).
    pub(crate) fn read<T>(&self, read: impl FnOnce(&Evaluator) -> T) -> T {
        read(&self.lock().evaluator)
    }
}

fn publish(bus: &Bus, emitted: impl Iterator<Item = Emitted>) {
    for Emitted { time, body } in emitted {
        bus.publish(time, body);
    }
}

impl Publisher for Adherence {
    /// Publishes the feed event, then gives the evaluator the integration's combined health.
    fn feed(&self, time: Timestamp, event: FeedEvent) {
        let mut state = self.lock();
        let State { evaluator, feeds } = &mut *state;
        let feed = is_feed_address(event.address.as_deref())
            .then(|| feeds.get_mut(&event.integration))
            .flatten();
        let change = feed.map(|integration| {
            let before = integration.combined();
            integration
                .by_address
                .insert(event.address.clone(), event.health);
            (integration.id, before, integration.combined())
        });
        self.bus.publish(time, EventBody::Feed(event));
        if let Some((id, before, after)) = change
            && before != after
        {
            publish(&self.bus, evaluator.set_health(id, after, time));
        }
    }

    /// The evaluator's `agent_status` (with employee and activity) and what follows from it.
    fn status(&self, key: AgentKey, current: &AgentStatus<'_>) {
        let Some((integration, external_id)) = self.table.identity(key) else {
            return;
        };
        let observation = Observation {
            integration,
            external_id: Cow::Borrowed(external_id),
            phase: current.phase,
            direction: current.direction,
            status: Status {
                code: Cow::Borrowed(current.code),
                // Borrowed from the table, like the code: nothing is copied.
                reason: current.reason.clone(),
                detail: current.detail.clone(),
                skills: Cow::Borrowed(&[]),
            },
            time: current.since,
            received: current.last_seen,
        };
        let mut state = self.lock();
        let State { evaluator, feeds } = &mut *state;
        // A handful of integrations: a scan beats a second map to keep in step.
        if let Some(feeds) = feeds.values_mut().find(|feeds| feeds.id == integration) {
            feeds.status_changes += 1;
        }
        // The evaluator's clock follows the latest arrival: a status is never in its future.
        let now = current.last_seen.max(current.since);
        publish(&self.bus, evaluator.observe_key(key, &observation, now));
    }
}
