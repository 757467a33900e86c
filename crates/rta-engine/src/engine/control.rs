//! The integrations as an operator sees them (`GET /health` of `rtad`): paused or not, and
//! the health of their feeds as the adherence stage holds it.

use super::Engine;
use rta_model::{FeedHealth, Name};
use serde::Serialize;

/// One running integration's state ([`Engine::integration_states`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IntegrationState {
    pub name: Name,
    pub paused: bool,
    /// What adherence is told: `up` if any feed is up, else the least bad of the others;
    /// `down` while paused.
    pub health: FeedHealth,
    /// Each feed's last health (a CIC server, an Avaya connection...), by address.
    pub feeds: Vec<FeedState>,
}

/// One feed of an integration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FeedState {
    /// `None`: the integration's feed without an address of its own.
    pub address: Option<String>,
    pub health: FeedHealth,
}

impl Engine {
    /// Every running integration (removed ones are not), sorted by name.
    pub async fn integration_states(&self) -> Vec<IntegrationState> {
        // The integrations' lock first, as every edit takes it: the health read under it
        // belongs to the same set of integrations.
        let integrations = self.integrations.lock().await;
        self.adherence
            .integrations()
            .into_iter()
            .filter_map(|health| {
                let running = integrations.get(&health.name)?;
                Some(IntegrationState {
                    name: health.name,
                    paused: running.paused,
                    health: health.combined,
                    feeds: health
                        .feeds
                        .into_iter()
                        .map(|(address, health)| FeedState { address, health })
                        .collect(),
                })
            })
            .collect()
    }
}
