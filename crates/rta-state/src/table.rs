//! The agent interner and the per-agent state table.

use crate::interner::AgentIds;
use crate::segments::Segments;
use crate::slot::Slot;
use crate::status::{self, AgentStatus};
use crate::symbols::{Symbol, Symbols};
use crate::writer::PackedStatus;
use ecow::EcoBytes;
use rta_model::{AgentKey, IntegrationId, Observation};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

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

#[derive(Debug, Default)]
struct Agent {
    slot: Slot,
    /// The integration id (2 bytes, little-endian) then the external id: inline up to 13
    /// bytes of id (no allocation for the usual ids), one allocation beyond; a cell of 72
    /// bytes rather than 80 with a separate field.
    identity: OnceLock<EcoBytes>,
}

impl Agent {
    fn identity(&self) -> Option<(IntegrationId, &[u8])> {
        let identity = self.identity.get()?;
        let (integration, external_id) = identity.split_first_chunk::<2>()?;
        Some((IntegrationId(u16::from_le_bytes(*integration)), external_id))
    }

    fn is(&self, integration: IntegrationId, external_id: &[u8]) -> bool {
        self.identity() == Some((integration, external_id))
    }
}

/// An integration's member: its agent's key + 1, or 0 while being added.
#[derive(Debug, Default)]
struct Member(AtomicU32);

#[derive(Debug)]
struct Integration {
    members: Segments<Member>,
}

/// Every agent's current status, shared by ingest (writers) and dashboards (readers).
///
/// - Agents are interned from `(integration, external id bytes)` to a dense [`AgentKey`];
///   looking up a known id allocates nothing.
/// - Each agent's status lives in a seqlock slot of atomics: readers never lock and never
///   block writers. Writers are sharded: each ingest worker holds its own [`Writer`](crate::Writer) and owns
///   its agents, which keeps every write uncontended.
/// - Agents live in fixed-size segments allocated on first use, up to `max_agents`: growing
///   the table never moves a slot under a reader, and costs no more than the agents it holds
///   (72 bytes of cell each: the 48-byte slot and the identity).
#[derive(Debug)]
pub struct StateTable {
    integrations: boxcar::Vec<Integration>,
    agents: Segments<Agent>,
    ids: AgentIds,
    pub(crate) symbols: Symbols,
    max_agents: usize,
    out_of_order: AtomicU64,
}

impl Integration {
    /// The members' keys, in order of first sight (one being added right now may be missing).
    fn keys(&self) -> impl Iterator<Item = AgentKey> {
        self.members.iter().filter_map(|member| {
            let key = member.0.load(Ordering::Acquire);
            key.checked_sub(1).map(AgentKey)
        })
    }
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
            agents: Segments::new(max_agents),
            ids: AgentIds::default(),
            symbols: Symbols::default(),
            max_agents,
            out_of_order: AtomicU64::new(0),
        }
    }

    /// Registers an integration; its id is dense, in order of addition.
    pub fn add_integration(&self) -> IntegrationId {
        let index = self.integrations.push(Integration {
            members: Segments::new(self.max_agents),
        });
        IntegrationId(u16::try_from(index).expect("fewer than 65536 integrations"))
    }

    fn integration(&self, id: IntegrationId) -> Result<&Integration, StateError> {
        self.integrations
            .get(usize::from(id.0))
            .ok_or(StateError::UnknownIntegration(id))
    }

    /// The key of an agent already interned.
    pub fn find(&self, integration: IntegrationId, external_id: &[u8]) -> Option<AgentKey> {
        let hash = self.ids.hash(integration, external_id);
        self.ids
            .find(hash, |key| self.is(key, integration, external_id))
    }

    fn is(&self, key: AgentKey, integration: IntegrationId, external_id: &[u8]) -> bool {
        self.agents
            .get(key.index())
            .is_some_and(|agent| agent.is(integration, external_id))
    }

    /// The key of an agent, interning it on first sight.
    pub fn intern(
        &self,
        integration: IntegrationId,
        external_id: &[u8],
    ) -> Result<AgentKey, StateError> {
        let members = &self.integration(integration)?.members;
        let is = |key: AgentKey| self.is(key, integration, external_id);
        let hash = self.ids.hash(integration, external_id);
        if let Some(key) = self.ids.find(hash, is) {
            return Ok(key);
        }
        let add = || {
            let full = StateError::Full {
                limit: self.max_agents,
            };
            let (index, agent) = self.agents.claim().ok_or(full)?;
            agent.identity.get_or_init(|| {
                let mut identity = EcoBytes::with_capacity(2 + external_id.len());
                identity.extend_from_slice(&integration.0.to_le_bytes());
                identity.extend_from_slice(external_id);
                identity
            });
            let key = AgentKey(u32::try_from(index).expect("fewer than 2^32 agents"));
            let (_, member) = members
                .claim()
                .expect("an integration has room for every agent");
            member.0.store(key.0 + 1, Ordering::Release);
            Ok(key)
        };
        let hash_of = |key: AgentKey| {
            let (integration, external_id) = self.identity(key).expect("an interned agent");
            self.ids.hash(integration, external_id)
        };
        self.ids.find_or_add(hash, is, add, hash_of)
    }

    /// The integration and external id of an agent.
    pub fn identity(&self, key: AgentKey) -> Option<(IntegrationId, &[u8])> {
        self.agents.get(key.index())?.identity()
    }

    /// Applies an observation: interns its agent and updates the live status. For occasional
    /// writes; ingest workers use a [`Writer`](crate::Writer), which skips the shared symbol map.
    pub fn observe(
        &self,
        observation: &Observation<'_>,
    ) -> Result<(AgentKey, Update<'_>), StateError> {
        let key = self.intern(observation.integration, &observation.external_id)?;
        Ok((key, self.update(key, observation)))
    }

    /// Updates an interned agent (see [`Update`] for the three outcomes). For occasional
    /// writes, like [`StateTable::observe`].
    ///
    /// # Panics
    /// If `key` was not handed out by this table.
    pub fn update(&self, key: AgentKey, observation: &Observation<'_>) -> Update<'_> {
        self.apply(key, observation, |word| self.symbols.intern(word))
    }

    /// The one update rule, whichever way the words are interned.
    #[inline]
    pub(crate) fn apply(
        &self,
        key: AgentKey,
        observation: &Observation<'_>,
        intern: impl FnMut(&str) -> Symbol,
    ) -> Update<'_> {
        self.apply_packed(key, &PackedStatus::new(intern, observation))
    }

    /// [`StateTable::apply`] of a status already packed.
    #[inline]
    pub(crate) fn apply_packed(&self, key: AgentKey, status: &PackedStatus) -> Update<'_> {
        let agent = self.agents.get(key.index()).expect("a key of this table");
        let what = status.what;
        let (since, seen) = (
            status::pack_time(status.time),
            status::pack_time(status.received),
        );
        let mut out_of_order = false;
        let written = agent.slot.write(|words| {
            if !status::is_present(words) {
                return Some(status::changed(words, what, since, seen));
            }
            if status::is_older(words, since) {
                out_of_order = true;
                return None;
            }
            if status::same_what(words, &what) {
                return Some(status::seen_again(words, seen));
            }
            Some(status::changed(words, what, since, seen))
        });
        match written {
            None if out_of_order => {
                self.out_of_order.fetch_add(1, Ordering::Relaxed);
                Update::OutOfOrder
            }
            Some((before, after)) if status::sequence(&before) != status::sequence(&after) => {
                Update::Changed {
                    previous: status::unpack(&self.symbols, &before),
                    current: status::unpack_written(
                        &self.symbols,
                        &after,
                        status.time,
                        status.received,
                    ),
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

    /// Status words replaced by [`OVERFLOW_WORD`](crate::OVERFLOW_WORD) because the vocabulary
    /// was full ([`MAX_WORDS`](crate::MAX_WORDS)).
    pub fn overflowed_words(&self) -> u64 {
        self.symbols.overflowed()
    }

    /// How many agents were interned.
    pub fn len(&self) -> usize {
        self.agents.claimed()
    }

    /// True before the first agent.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The keys of an integration's agents, in order of first sight.
    pub fn members(&self, integration: IntegrationId) -> Result<Vec<AgentKey>, StateError> {
        Ok(self.integration(integration)?.keys().collect())
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
            for key in agents_of.keys() {
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
