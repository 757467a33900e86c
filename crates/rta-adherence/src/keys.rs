//! Where the evaluator's agents get their keys: the dense [`AgentKey`]s of the engine's state
//! table, shared, or keys of its own ([`OwnKeys`]) when it is used without one.
//!
//! An agent is found by its key, an index into the evaluator's agents: the evaluator keeps no
//! index of its own by external id. In the engine the key comes with each status
//! ([`Evaluator::observe_key`](crate::Evaluator::observe_key)) and the table's interner makes
//! the keys of agents that user mappings name before they are seen.

use hashbrown::{Equivalent, HashMap};
use rta_model::{AgentKey, IntegrationId};

/// The keys of agents: dense (from 0, so that they index a `Vec`), one per
/// `(integration, external id)`, the same for the life of the evaluator.
pub trait AgentKeys: Send + std::fmt::Debug {
    /// The key of an agent, made on first sight; `None` when no more agents fit.
    fn key(&mut self, integration: IntegrationId, external_id: &[u8]) -> Option<AgentKey>;

    /// The key of an agent already made.
    fn find(&self, integration: IntegrationId, external_id: &[u8]) -> Option<AgentKey>;
}

/// Keys of the evaluator's own, in order of first sight, for up to a limit of agents.
#[derive(Debug)]
pub struct OwnKeys {
    keys: HashMap<(IntegrationId, Box<[u8]>), AgentKey, foldhash::fast::RandomState>,
    limit: usize,
}

/// An agent looked up by borrowed id: hashed as the map's `(IntegrationId, Box<[u8]>)` is,
/// so that a lookup allocates nothing.
#[derive(Hash)]
struct Query<'a>(IntegrationId, &'a [u8]);

impl Equivalent<(IntegrationId, Box<[u8]>)> for Query<'_> {
    fn equivalent(&self, key: &(IntegrationId, Box<[u8]>)) -> bool {
        self.0 == key.0 && *self.1 == *key.1
    }
}

impl OwnKeys {
    /// Keys for up to `limit` agents.
    pub fn new(limit: usize) -> OwnKeys {
        OwnKeys {
            keys: HashMap::default(),
            limit: limit.min(u32::MAX as usize),
        }
    }
}

impl AgentKeys for OwnKeys {
    fn key(&mut self, integration: IntegrationId, external_id: &[u8]) -> Option<AgentKey> {
        if let Some(key) = self.find(integration, external_id) {
            return Some(key);
        }
        let next = self.keys.len();
        (next < self.limit).then(|| {
            let key = AgentKey(next as u32);
            self.keys.insert((integration, external_id.into()), key);
            key
        })
    }

    fn find(&self, integration: IntegrationId, external_id: &[u8]) -> Option<AgentKey> {
        self.keys.get(&Query(integration, external_id)).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_dense_per_agent_and_bounded() {
        let mut keys = OwnKeys::new(2);
        let (cms, cic) = (IntegrationId(0), IntegrationId(1));
        assert_eq!(keys.key(cms, b"40101"), Some(AgentKey(0)));
        assert_eq!(
            keys.key(cic, b"40101"),
            Some(AgentKey(1)),
            "another integration"
        );
        assert_eq!(keys.key(cms, b"40101"), Some(AgentKey(0)), "the same agent");
        assert_eq!(keys.key(cms, b"40102"), None, "over the limit");
        assert_eq!(keys.find(cic, b"40101"), Some(AgentKey(1)));
        assert_eq!(keys.find(cms, b"40102"), None);
    }
}
