//! The agent interner and the per-agent state table.

use crate::slot::Slot;
use crate::status::{self, AgentStatus};
use crate::symbols::Symbols;
use dashmap::DashMap;
use rta_model::{AgentKey, IntegrationId, Observation};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// What the table refuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StateError {
    #[error("integration {0:?} was not added to the state table")]
    UnknownIntegration(IntegrationId),
    #[error("the state table is full ({limit} agents)")]
    Full { limit: usize },
}

/// What an observation did to an agent's live status.
// Returned by value and consumed at once, never stored: boxing `Changed` would allocate on
// every change of the hot path.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Update<'t> {
    /// The status changed (`previous` is `None` for an agent never seen before).
    Changed {
        previous: Option<AgentStatus<'t>>,
        current: AgentStatus<'t>,
    },
    /// The same status again: only `last_seen` moved.
    Unchanged,
    /// Older than the agent's current status: counted, live state untouched.
    OutOfOrder,
}

#[derive(Debug)]
struct Agent {
    integration: IntegrationId,
    external_id: Arc<[u8]>,
    slot: Slot,
}

#[derive(Debug, Default)]
struct Integration {
    ids: DashMap<Arc<[u8]>, AgentKey, foldhash::fast::RandomState>,
    members: boxcar::Vec<AgentKey>,
}

/// Every agent's current status, shared by ingest (writers) and dashboards (readers).
///
/// - Agents are interned from `(integration, external id bytes)` to a dense [`AgentKey`];
///   looking up a known id allocates nothing.
/// - Each agent's status lives in a seqlock slot of atomics: readers never lock and never
///   block writers. Writers are expected to be sharded by agent (one writer per agent), which
///   keeps every write uncontended.
/// - Agents and words are stored in append-only concurrent vectors (`boxcar`), so growing the
///   table never moves a slot under a reader.
#[derive(Debug)]
pub struct StateTable {
    integrations: boxcar::Vec<Integration>,
    agents: boxcar::Vec<Agent>,
    symbols: Symbols,
    max_agents: usize,
    out_of_order: AtomicU64,
}

/// A consistent view of one integration's agents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct View<'t> {
    pub agents: Vec<(AgentKey, AgentStatus<'t>)>,
    /// No write touched the integration during the pass, so the view is one instant's. A
    /// view taken under constant writes may not get such a pass (see [`StateTable::view`]);
    /// each agent's status is consistent either way.
    pub point_in_time: bool,
}

impl StateTable {
    /// A table of at most `max_agents` agents.
    pub fn new(max_agents: usize) -> Self {
        StateTable {
            integrations: boxcar::Vec::new(),
            agents: boxcar::Vec::new(),
            symbols: Symbols::default(),
            max_agents,
            out_of_order: AtomicU64::new(0),
        }
    }

    /// Registers an integration; its id is dense, in order of addition.
    pub fn add_integration(&self) -> IntegrationId {
        let index = self.integrations.push(Integration::default());
        IntegrationId(u16::try_from(index).expect("fewer than 65536 integrations"))
    }

    fn integration(&self, id: IntegrationId) -> Result<&Integration, StateError> {
        self.integrations
            .get(usize::from(id.0))
            .ok_or(StateError::UnknownIntegration(id))
    }

    /// The key of an agent, interning it on first sight.
    pub fn intern(
        &self,
        integration: IntegrationId,
        external_id: &[u8],
    ) -> Result<AgentKey, StateError> {
        let agents_of = self.integration(integration)?;
        if let Some(key) = agents_of.ids.get(external_id) {
            return Ok(*key);
        }
        let external_id: Arc<[u8]> = external_id.into();
        let entry = agents_of.ids.entry(Arc::clone(&external_id));
        let key = entry.or_try_insert_with(|| {
            if self.agents.count() >= self.max_agents {
                return Err(StateError::Full {
                    limit: self.max_agents,
                });
            }
            let index = self.agents.push(Agent {
                integration,
                external_id,
                slot: Slot::default(),
            });
            let key = AgentKey(u32::try_from(index).expect("fewer than 2^32 agents"));
            agents_of.members.push(key);
            Ok(key)
        })?;
        Ok(*key)
    }

    /// The integration and external id of an agent.
    pub fn identity(&self, key: AgentKey) -> Option<(IntegrationId, &[u8])> {
        self.agents
            .get(key.index())
            .map(|agent| (agent.integration, &agent.external_id[..]))
    }

    /// Applies an observation: interns its agent and updates the live status.
    pub fn observe(
        &self,
        observation: &Observation<'_>,
    ) -> Result<(AgentKey, Update<'_>), StateError> {
        let key = self.intern(observation.integration, &observation.external_id)?;
        Ok((key, self.update(key, observation)))
    }

    /// Updates an interned agent (see [`Update`] for the three outcomes).
    ///
    /// # Panics
    /// If `key` was not handed out by this table.
    pub fn update(&self, key: AgentKey, observation: &Observation<'_>) -> Update<'_> {
        let agent = self.agents.get(key.index()).expect("a key of this table");
        let what = status::pack_what(&self.symbols, observation);
        let mut outcome = Update::Unchanged;
        let written = agent.slot.write(|words| {
            if status::is_present(words) && observation.time < status::since(words) {
                outcome = Update::OutOfOrder;
                return None;
            }
            if status::is_present(words) && status::same_what(words, &what) {
                return Some(status::seen_again(words, observation.received));
            }
            Some(status::changed(
                words,
                what,
                observation.time,
                observation.received,
            ))
        });
        match (&outcome, written) {
            (Update::OutOfOrder, _) => {
                self.out_of_order.fetch_add(1, Ordering::Relaxed);
                outcome
            }
            (_, Some((before, after)))
                if !status::is_present(&before)
                    || !status::same_what(&before, &[after[0], after[1], after[2]]) =>
            {
                Update::Changed {
                    previous: status::unpack(&self.symbols, &before),
                    current: status::unpack(&self.symbols, &after).expect("just written"),
                }
            }
            _ => Update::Unchanged,
        }
    }

    /// An agent's current status, if it was ever observed.
    pub fn get(&self, key: AgentKey) -> Option<AgentStatus<'_>> {
        let agent = self.agents.get(key.index())?;
        status::unpack(&self.symbols, &agent.slot.read())
    }

    /// Observations ignored because they were older than the agent's current status.
    pub fn out_of_order(&self) -> u64 {
        self.out_of_order.load(Ordering::Relaxed)
    }

    /// How many agents were interned.
    pub fn len(&self) -> usize {
        self.agents.count()
    }

    /// True before the first agent.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The keys of an integration's agents, in order of first sight.
    pub fn members(&self, integration: IntegrationId) -> Result<Vec<AgentKey>, StateError> {
        Ok(self
            .integration(integration)?
            .members
            .iter()
            .map(|(_, &key)| key)
            .collect())
    }

    /// Every observed agent of an integration, each consistent; the whole a point in time
    /// when a second pass finds every agent's slot version unchanged (a "double collect":
    /// nothing was written in between, so all statuses held at once). Up to `attempts`
    /// passes are made; writers are never slowed down for it.
    pub fn view(
        &self,
        integration: IntegrationId,
        attempts: usize,
    ) -> Result<View<'_>, StateError> {
        let agents_of = self.integration(integration)?;
        let mut collected = Vec::new();
        let mut point_in_time = false;
        for _ in 0..attempts.max(1) {
            collected.clear();
            for (_, &key) in agents_of.members.iter() {
                if let Some(agent) = self.agents.get(key.index()) {
                    let (version, words) = agent.slot.read_versioned();
                    collected.push((key, version, words));
                }
            }
            point_in_time = collected.iter().all(|&(key, version, _)| {
                self.agents
                    .get(key.index())
                    .is_some_and(|agent| agent.slot.version() == version)
            });
            if point_in_time {
                break;
            }
        }
        let agents = collected
            .iter()
            .filter_map(|(key, _, words)| Some((*key, status::unpack(&self.symbols, words)?)))
            .collect();
        Ok(View {
            agents,
            point_in_time,
        })
    }
}
