//! What one connection's decoded records do to the state table: statuses are applied as they
//! come, snapshots are tracked from `SNAPSHOT|BEGIN` to `SNAPSHOT|END` and reconciled when
//! complete (see `membership` for whom a snapshot speaks for). A snapshot cut off by a
//! disconnect, or by a new `BEGIN`, logs nobody out; its rows stay applied like any status.

use super::membership::{Claim, Membership};
use crate::apply::Apply;
use crate::health::Health;
use crate::publisher::Publisher;
use crate::shards::Shards;
use bytes::Bytes;
use rta_cic::{CicError, Output, Session, Vocabulary};
use rta_lines::FrameError;
use rta_model::{AgentKey, FeedHealth, IntegrationId, Name, Observation, Timestamp};
use rta_state::StateTable;
use std::collections::HashSet;
use std::sync::Arc;

/// A snapshot completed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Completed {
    /// Agents it listed.
    pub(crate) listed: usize,
    /// Agents it logged out; when the statuses are applied by the engine's shards, agents it
    /// asked to log out that the table showed staffed (the shard has the last word).
    pub(crate) logged_out: usize,
}

/// What one frame did ([`Ingest::push_frame`]).
#[derive(Debug)]
pub(crate) struct Pushed {
    /// The decoder's verdict: an error is the record skipped.
    pub(crate) decoded: Result<(), CicError>,
    /// A snapshot completed (the feed is `up`).
    pub(crate) completed: Option<Completed>,
    /// A snapshot in progress was cut off by a new one or a malformed message.
    pub(crate) aborted: bool,
}

/// One address task's writer into the table, and the snapshot in progress on its connection.
#[derive(Debug)]
pub(crate) struct Ingest<'t> {
    apply: Apply<'t>,
    publisher: Arc<dyn Publisher>,
    integration: IntegrationId,
    /// The membership of the integration's agents and the address of the current
    /// connection (its index in the configuration), which claims the agents it reports.
    claim: Claim,
    logged_out_code: Name,
    /// Agents listed by the snapshot in progress, if one is.
    snapshot: Option<HashSet<AgentKey>>,
}

impl<'t> Ingest<'t> {
    pub(crate) fn new(
        table: &'t StateTable,
        integration: IntegrationId,
        membership: Arc<Membership>,
        publisher: Arc<dyn Publisher>,
        shards: Option<Arc<Shards>>,
        logged_out_code: Name,
    ) -> Ingest<'t> {
        Ingest {
            apply: Apply::new(table, Arc::clone(&publisher), shards, "CIC"),
            publisher,
            integration,
            claim: Claim {
                membership,
                address: 0,
            },
            logged_out_code,
            snapshot: None,
        }
    }

    /// A new connection to address `address` (its index in the configuration).
    pub(crate) fn connected(&mut self, address: usize) {
        self.claim.address = address;
        self.snapshot = None;
        self.apply.rearm();
    }

    /// The index of the address of the current connection.
    pub(crate) fn address(&self) -> usize {
        self.claim.address
    }

    /// One frame received at `received` through the connection's decoder into the table; a
    /// completed snapshot makes `health` `up`. The sans-IO step the connector's tasks and the
    /// replayer ([`crate::replay`]) share.
    pub(crate) fn push_frame(
        &mut self,
        session: &mut Session,
        vocabulary: &mut Vocabulary,
        health: &mut Health,
        frame: Result<Bytes, FrameError>,
        received: Timestamp,
    ) -> Pushed {
        let mut completed = None;
        let mut aborted = false;
        let decoded = session.push_frame(frame, received, vocabulary, &mut |output| match output {
            Output::Status(observation) => self.status(&observation),
            Output::SnapshotBegin { .. } => self.snapshot_begin(),
            Output::SnapshotEnd { time } => {
                completed = self.snapshot_end(time, received).or(completed);
            }
            Output::SnapshotAborted => aborted |= self.snapshot_aborted(),
            Output::Heartbeat { .. } => {}
        });
        if let Some(done) = completed {
            health.set(
                FeedHealth::Up,
                Some(format!(
                    "snapshot of {} user(s), {} logged out{}",
                    done.listed,
                    done.logged_out,
                    // See `Completed::logged_out`.
                    if self.apply.is_sharded() {
                        " (requested)"
                    } else {
                        ""
                    }
                )),
                received,
                &*self.publisher,
            );
        }
        Pushed {
            decoded,
            completed,
            aborted,
        }
    }

    /// The connection ended: whatever the decoder says, no snapshot outlives it (nobody is
    /// logged out). Returns whether one was cut off.
    pub(crate) fn connection_lost(&mut self, session: &mut Session) -> bool {
        let mut cut = false;
        session.connection_lost(&mut |output| {
            if output == Output::SnapshotAborted {
                cut |= self.snapshot_aborted();
            }
        });
        self.snapshot_aborted() || cut
    }

    /// Applies one status; its address claims the agent unless the table finds the status
    /// out of order (decided where it is applied: on the agent's shard when sharded).
    pub(crate) fn status(&mut self, observation: &Observation<'_>) {
        debug_assert_eq!(observation.integration, self.integration);
        if let Some((key, _)) = self.apply.observe(observation, Some(&self.claim)) {
            if let Some(seen) = &mut self.snapshot {
                seen.insert(key);
            }
        }
    }

    /// `SNAPSHOT|BEGIN`: a snapshot still open is abandoned (it logs nobody out; the decoder
    /// reports that first, as [`Ingest::snapshot_aborted`]).
    pub(crate) fn snapshot_begin(&mut self) {
        self.snapshot = Some(HashSet::new());
    }

    /// The snapshot in progress was cut off: it logs nobody out. Returns whether one was in
    /// progress.
    pub(crate) fn snapshot_aborted(&mut self) -> bool {
        self.snapshot.take().is_some()
    }

    /// `SNAPSHOT|END` at `time`: logs out the agents the snapshot speaks for and did not
    /// list. `None` for an end without a beginning (ignored).
    pub(crate) fn snapshot_end(
        &mut self,
        time: Timestamp,
        received: Timestamp,
    ) -> Option<Completed> {
        let Some(seen) = self.snapshot.take() else {
            tracing::debug!(
                integration = self.integration.0,
                "a CIC snapshot end without a beginning, ignored"
            );
            return None;
        };
        let absent = self.claim.membership.absent(
            self.apply.table(),
            self.integration,
            self.claim.address,
            &seen,
        );
        let mut logged_out = 0;
        for key in absent {
            if self
                .apply
                .log_out(key, &self.logged_out_code, time, received)
            {
                logged_out += 1;
            }
        }
        Some(Completed {
            listed: seen.len(),
            logged_out,
        })
    }
}
