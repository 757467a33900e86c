//! The pipeline behind the receiver: one task that owns a table writer, drops retries and
//! applies the accepted agent state changes in the order they were accepted.
//!
//! A request is answered once its batch is in this task's bounded queue ("accepted into the
//! pipeline"); a full queue is the receiver's `503`. Duplicates are recognised here, after
//! acceptance, so a request refused with `503` leaves no trace and its retry is not taken
//! for a duplicate.

use super::registry::Integration;
use crate::apply::Apply;
use crate::counters::add;
use crate::publisher::Publisher;
use rta_model::{IntegrationId, Timestamp};
use rta_odigo::{AgentState, Dedup};
use rta_state::{StateTable, Update};
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::{mpsc, watch};

/// The agent state changes of one request.
#[derive(Debug)]
pub(crate) struct Batch {
    pub(crate) integration: Arc<Integration>,
    pub(crate) received: Timestamp,
    pub(crate) states: Vec<AgentState<'static>>,
}

/// Applies batches until every sender is gone, or, once `drain` says so, until the batches
/// already accepted are applied.
pub(crate) async fn run(
    mut queue: mpsc::Receiver<Batch>,
    mut drain: watch::Receiver<bool>,
    table: Arc<StateTable>,
    publisher: Arc<dyn Publisher>,
) {
    let mut apply = Apply::new(&table, publisher, "Odigo");
    let mut dedups: HashMap<IntegrationId, Dedup> = HashMap::new();
    loop {
        let batch = tokio::select! {
            batch = queue.recv() => batch,
            _ = drain.changed() => {
                queue.close();
                queue.recv().await
            }
        };
        let Some(batch) = batch else { break };
        let integration = &batch.integration;
        let config = &integration.config;
        let dedup = dedups
            .entry(config.id)
            .or_insert_with(|| Dedup::new(config.dedup_window));
        for state in &batch.states {
            if !dedup.is_new(state) {
                add(&integration.counts.duplicates, 1);
                continue;
            }
            let applied = apply.observe(&state.observation(config.id, batch.received));
            if matches!(applied, Some((_, Update::Unchanged | Update::OutOfOrder))) {
                add(&integration.counts.unchanged, 1);
            }
        }
    }
}
