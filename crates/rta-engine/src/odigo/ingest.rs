//! The pipeline behind the receiver: shard tasks, each owning a table writer, dropping
//! retries and applying the accepted agent state changes in the order they were accepted.
//!
//! An agent's changes always go to the same shard (by a hash of its login), so each shard is
//! the only writer of its agents and an agent's changes keep their order. A request is
//! answered once its changes are in their shards' bounded queues ("accepted into the
//! pipeline"), all of them or none: a place is reserved in every queue concerned before
//! anything is sent, and one full queue is the receiver's `503`. Duplicates are recognised
//! in the shards, after acceptance, so a request refused with `503` leaves no trace and its
//! retry is not taken for a duplicate.

use super::registry::Integration;
use crate::apply::Apply;
use crate::counters::add;
use crate::publisher::Publisher;
use rta_model::{IntegrationId, Timestamp};
use rta_odigo::{AgentState, Dedup};
use rta_state::{StateTable, Update};
use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::Arc;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

/// The agent state changes of one request.
#[derive(Debug)]
pub(crate) struct Batch {
    pub(crate) integration: Arc<Integration>,
    pub(crate) received: Timestamp,
    pub(crate) states: Vec<AgentState<'static>>,
}

/// The queues of the shard tasks.
#[derive(Debug)]
pub(crate) struct Shards {
    queues: Vec<mpsc::Sender<Batch>>,
    hasher: RandomState,
}

impl Shards {
    /// `count` shard tasks (at least one), each with a queue of `capacity` batches, applying
    /// to `table` until the senders are gone or `drain` says so.
    pub(crate) fn start(
        count: usize,
        capacity: usize,
        drain: &watch::Receiver<bool>,
        table: &Arc<StateTable>,
        publisher: &Arc<dyn Publisher>,
    ) -> (Shards, Vec<JoinHandle<()>>) {
        let (queues, tasks) = (0..count.max(1))
            .map(|_| {
                let (queue, batches) = mpsc::channel(capacity.max(1));
                let task = tokio::spawn(run(
                    batches,
                    drain.clone(),
                    table.clone(),
                    publisher.clone(),
                ));
                (queue, task)
            })
            .unzip();
        let shards = Shards {
            queues,
            hasher: RandomState::new(),
        };
        (shards, tasks)
    }

    /// Hands `states` to their shards, all or none: `false` when a queue concerned is full.
    pub(crate) fn accept(
        &self,
        integration: &Arc<Integration>,
        received: Timestamp,
        states: Vec<AgentState<'_>>,
    ) -> bool {
        let mut groups: Vec<Vec<AgentState<'static>>> = vec![Vec::new(); self.queues.len()];
        for state in states {
            let shard = self.hasher.hash_one(&*state.login) as usize % self.queues.len();
            groups[shard].push(state.into_owned());
        }
        let mut permits = Vec::with_capacity(groups.len());
        for (queue, group) in self.queues.iter().zip(&mut groups) {
            if group.is_empty() {
                continue;
            }
            match queue.try_reserve() {
                Ok(permit) => permits.push((permit, std::mem::take(group))),
                // Dropping the permits taken so far gives their places back.
                Err(_) => return false,
            }
        }
        for (permit, states) in permits {
            permit.send(Batch {
                integration: integration.clone(),
                received,
                states,
            });
        }
        true
    }
}

/// Applies batches until every sender is gone, or, once `drain` says so, until the batches
/// already accepted are applied.
async fn run(
    mut queue: mpsc::Receiver<Batch>,
    mut drain: watch::Receiver<bool>,
    table: Arc<StateTable>,
    publisher: Arc<dyn Publisher>,
) {
    let mut apply = Apply::new(&table, publisher, None, "Odigo");
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
        apply_batch(&mut apply, &mut dedups, &batch);
    }
}

/// Applies the states of `batch` in order through `apply`, retries (recognised by the
/// integration's [`Dedup`] in `dedups`) dropped. A shard task's step, and the replayer's
/// ([`crate::replay`]).
pub(crate) fn apply_batch(
    apply: &mut Apply<'_>,
    dedups: &mut HashMap<IntegrationId, Dedup>,
    batch: &Batch,
) {
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
        let applied = apply.observe(&state.observation(config.id, batch.received), None);
        if matches!(
            applied,
            Some((_, Some(Update::Unchanged | Update::OutOfOrder)))
        ) {
            add(&integration.counts.unchanged, 1);
        }
    }
}
