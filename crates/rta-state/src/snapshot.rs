//! Snapshot reconciliation, shared by every source that sends full snapshots (Avaya batches,
//! CIC snapshots): begin, rows, end. Agents of the integration that a completed snapshot did
//! not list are logged out; an aborted snapshot (dropped without [`Snapshot::finish`]) logs
//! nobody out, though its rows have been applied like any observation.

use crate::table::{StateError, Update};
use crate::writer::Writer;
use rta_model::{AgentKey, IntegrationId, Observation, Timestamp};
use std::collections::HashSet;

/// A snapshot in progress for one integration, written through one [`Writer`].
#[derive(Debug)]
pub struct Snapshot<'w, 't> {
    writer: &'w mut Writer<'t>,
    integration: IntegrationId,
    seen: HashSet<AgentKey>,
}

/// The snapshot's row belongs to another integration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SnapshotError {
    #[error("a snapshot of {expected:?} got a row of {got:?}")]
    OtherIntegration {
        expected: IntegrationId,
        got: IntegrationId,
    },
    #[error(transparent)]
    State(#[from] StateError),
}

impl<'t> Writer<'t> {
    /// Begins a snapshot of `integration`.
    pub fn begin_snapshot(
        &mut self,
        integration: IntegrationId,
    ) -> Result<Snapshot<'_, 't>, StateError> {
        self.table().members(integration)?;
        Ok(Snapshot {
            writer: self,
            integration,
            seen: HashSet::new(),
        })
    }
}

impl<'t> Snapshot<'_, 't> {
    /// Applies one row and marks its agent as listed.
    pub fn observe(
        &mut self,
        observation: &Observation<'_>,
    ) -> Result<(AgentKey, Update<'t>), SnapshotError> {
        if observation.integration != self.integration {
            return Err(SnapshotError::OtherIntegration {
                expected: self.integration,
                got: observation.integration,
            });
        }
        let (key, update) = self.writer.observe(observation)?;
        self.seen.insert(key);
        Ok((key, update))
    }

    /// Completes the snapshot: every agent of the integration not listed, and not logged out
    /// already, is logged out at `time` with the source's logged-out status `code`. Returns
    /// those changes.
    pub fn finish(
        self,
        code: &str,
        time: Timestamp,
        received: Timestamp,
    ) -> Vec<(AgentKey, Update<'t>)> {
        let table = self.writer.table();
        let members = table.members(self.integration).unwrap_or_default();
        let mut changes = Vec::new();
        for key in members {
            if self.seen.contains(&key) {
                continue;
            }
            if let Some(update) = self.writer.log_out(key, code, time, received) {
                changes.push((key, update));
            }
        }
        changes
    }
}
