//! Small, `Copy` identifiers handed out by interners, and the shared name type.

use serde::{Deserialize, Serialize};

/// A name shown to people and written into events (integration names, employee ids).
///
/// Up to 15 bytes (most ids and codes) are kept inline in its 16 bytes, so a name costs no
/// allocation; a longer one is reference-counted, so cloning it into every event costs one
/// atomic increment either way.
pub type Name = ecow::EcoString;

/// Dense id of a configured integration, assigned by the engine in configuration order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct IntegrationId(pub u16);

/// Dense id of one agent of one integration, assigned by the agent interner: the key of the
/// per-agent state table. Cheap to copy and to hash, unlike the external id bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct AgentKey(pub u32);

impl AgentKey {
    /// The position of this agent in dense per-agent arrays.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}
