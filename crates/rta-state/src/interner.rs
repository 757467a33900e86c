//! The agent interner: `(integration, external id bytes)` to a dense [`AgentKey`].
//!
//! # Why not a `DashMap<Arc<[u8]>, AgentKey>`
//!
//! That was the first version. Its entries hold a second handle on every id (a 16-byte `Arc`
//! plus its 16-byte header) and hashbrown's doubling leaves up to half the buckets empty: at a
//! million agents the interner alone cost about 90 bytes per agent, most of the 277 the table
//! measured (`benches/RESULTS.md`). Here the table stores only the 4-byte key and compares
//! candidates against the id the agent record already holds, which brings the interner to
//! about 10 bytes per agent. It is sharded like a `DashMap`, by the id's hash, so concurrent
//! interning of different agents rarely meets on a lock, and the hash is computed once.

use hashbrown::HashTable;
use rta_model::{AgentKey, IntegrationId};
use std::hash::BuildHasher;
use std::sync::{PoisonError, RwLock};

/// Enough shards that threads interning at once seldom share one.
const SHARDS: usize = 64;

#[derive(Debug)]
pub(crate) struct AgentIds {
    shards: Box<[RwLock<HashTable<AgentKey>>]>,
    hasher: foldhash::fast::RandomState,
}

impl Default for AgentIds {
    fn default() -> Self {
        AgentIds {
            shards: (0..SHARDS).map(|_| RwLock::default()).collect(),
            hasher: foldhash::fast::RandomState::default(),
        }
    }
}

impl AgentIds {
    pub(crate) fn hash(&self, integration: IntegrationId, id: &[u8]) -> u64 {
        self.hasher.hash_one((integration.0, id))
    }

    fn shard(&self, hash: u64) -> &RwLock<HashTable<AgentKey>> {
        // The top bits pick the shard; hashbrown uses the low bits and the top 7 inside it.
        &self.shards[(hash >> 32) as usize % SHARDS]
    }

    /// The key whose agent `is` the one looked for, if interned.
    pub(crate) fn find(&self, hash: u64, is: impl Fn(AgentKey) -> bool) -> Option<AgentKey> {
        let shard = self
            .shard(hash)
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        shard.find(hash, |&key| is(key)).copied()
    }

    /// The key found as [`AgentIds::find`] does, or the one `add` makes (under the shard's
    /// lock, so an id is added once). `hash_of` recomputes a stored key's hash when the shard
    /// grows.
    pub(crate) fn find_or_add<E>(
        &self,
        hash: u64,
        is: impl Fn(AgentKey) -> bool,
        add: impl FnOnce() -> Result<AgentKey, E>,
        hash_of: impl Fn(AgentKey) -> u64,
    ) -> Result<AgentKey, E> {
        let mut shard = self
            .shard(hash)
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(&key) = shard.find(hash, |&key| is(key)) {
            return Ok(key);
        }
        let key = add()?;
        shard.insert_unique(hash, key, |&key| hash_of(key));
        Ok(key)
    }
}
