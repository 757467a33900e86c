//! The shared state: one global `Mutex<HashMap>` of agents, the adherence judge, and the
//! publisher (the seq counter and every subscriber's queue).

use crate::adherence::Adherence;
use jiff::Timestamp;
use rta_model::Phase;
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

/// A status as an adapter read it, every field owned.
#[derive(Debug, Clone)]
pub(crate) struct StatusUpdate {
    pub(crate) integration: String,
    pub(crate) external_id: String,
    pub(crate) phase: Phase,
    pub(crate) status: String,
    /// A JSON number (Avaya AUX reason) or string (CIC status key, Odigo pause code); `Null`
    /// when there is none.
    pub(crate) reason: Value,
    pub(crate) detail: Value,
    /// When the status began (source time).
    pub(crate) time: Timestamp,
    /// When the input record that told it was read.
    pub(crate) received: Timestamp,
}

/// An agent's last status in the global map.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct AgentState {
    pub(crate) phase: Phase,
    pub(crate) status: String,
    pub(crate) reason: Value,
    pub(crate) detail: Value,
    pub(crate) since: Timestamp,
}

/// What an event queue carries: one `Value` shared by the subscribers, each of which
/// serializes it itself.
pub(crate) type Queue = UnboundedReceiver<Arc<Value>>;

#[derive(Debug, Default)]
struct Publisher {
    seq: u64,
    subscribers: Vec<UnboundedSender<Arc<Value>>>,
}

/// Everything the adapters and the subscribers share.
#[derive(Debug)]
pub(crate) struct Core {
    /// Every agent, by (integration name, external id).
    agents: Mutex<HashMap<(String, String), AgentState>>,
    adherence: Mutex<Adherence>,
    publisher: Mutex<Publisher>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Core {
    pub(crate) fn new(adherence: Adherence) -> Core {
        Core {
            agents: Mutex::new(HashMap::new()),
            adherence: Mutex::new(adherence),
            publisher: Mutex::new(Publisher::default()),
        }
    }

    /// Stores the status if it differs from the agent's last one (and is not older), then
    /// publishes its `agent_status` event and any adherence change. Returns whether it changed.
    pub(crate) fn apply(&self, update: StatusUpdate) -> bool {
        let state = AgentState {
            phase: update.phase,
            status: update.status.clone(),
            reason: update.reason.clone(),
            detail: update.detail.clone(),
            since: update.time,
        };
        {
            let mut agents = lock(&self.agents);
            let key = (update.integration.clone(), update.external_id.clone());
            if let Some(current) = agents.get(&key) {
                let same = current.phase == state.phase
                    && current.status == state.status
                    && current.reason == state.reason
                    && current.detail == state.detail;
                // An older status than the current one (out of order) changes nothing.
                if same || update.time < current.since {
                    return false;
                }
            }
            agents.insert(key, state);
        }
        let events = lock(&self.adherence).observe(&update);
        self.publish_all(events);
        true
    }

    /// The external ids of the integration's agents that are not logged out.
    pub(crate) fn staffed_agents(&self, integration: &str) -> HashSet<String> {
        lock(&self.agents)
            .iter()
            .filter(|((name, _), state)| name == integration && state.phase != Phase::LoggedOut)
            .map(|((_, external_id), _)| external_id.clone())
            .collect()
    }

    /// The integration delivered a complete snapshot or a notification: its agents' adherence
    /// is judged from now on (before it, `unknown`).
    pub(crate) fn mark_up(&self, integration: &str, now: Timestamp) {
        let events = lock(&self.adherence).mark_up(integration, now);
        self.publish_all(events);
    }

    /// Re-judges every employee at `now` (schedule boundaries).
    pub(crate) fn tick(&self, now: Timestamp) {
        let events = lock(&self.adherence).judge_everyone(now);
        self.publish_all(events);
    }

    /// A new subscriber: every event published from now on.
    pub(crate) fn subscribe(&self) -> Queue {
        let (sender, receiver) = unbounded_channel();
        lock(&self.publisher).subscribers.push(sender);
        receiver
    }

    fn publish_all(&self, events: Vec<Value>) {
        if events.is_empty() {
            return;
        }
        let mut publisher = lock(&self.publisher);
        for mut event in events {
            publisher.seq += 1;
            event["seq"] = Value::from(publisher.seq);
            let event = Arc::new(event);
            // A subscriber that went away is dropped here.
            publisher
                .subscribers
                .retain(|subscriber| subscriber.send(Arc::clone(&event)).is_ok());
        }
    }
}
