//! The step every adapter ends with: apply an observation to the state table and publish the
//! status change the table reports, if any.
//!
//! Two modes. **Inline**: through the adapter's own [`Writer`], on the adapter's task; the
//! outcome ([`Update`]) is known at once. Standalone adapters, the Odigo shard tasks and the
//! replayer (which must stay deterministic) apply inline. **Sharded**: the agent is interned
//! here (synchronously, so its key is known at once), the status packed (no heap) and handed
//! to the agent's shard ([`crate::shards`]), which applies and publishes it; the outcome is
//! not known here.
//! The Avaya and CIC adapters the engine opens are sharded, unless the engine has no shard
//! threads (`EngineBuilder::shards(0)`).
//!
//! A refusal of the table (the integration unknown to it, the table full) is the same for
//! every later record, so it is logged once per connection ([`Apply::rearm`]), not per row.

use crate::cic::Claim;
use crate::publisher::Publisher;
use crate::shards::{Job, Shards};
use rta_model::{AgentKey, IntegrationId, Name, Observation, Phase, Timestamp};
use rta_state::{StateTable, Update, Writer};
use std::sync::Arc;

/// Where an [`Apply`] writes.
#[derive(Debug)]
enum Mode<'t> {
    /// Its own writer; changes published here.
    Inline {
        writer: Writer<'t>,
        publisher: Arc<dyn Publisher>,
    },
    /// The agents' shards, which publish the changes; the writer only packs statuses
    /// ([`Writer::pack`]) for them.
    Sharded {
        packer: Writer<'t>,
        shards: Arc<Shards>,
    },
}

/// One task's way into the table and to where the changes are published.
#[derive(Debug)]
pub(crate) struct Apply<'t> {
    mode: Mode<'t>,
    /// The kind of source, for the log line (`"CIC"`, `"Avaya"`).
    source: &'static str,
    /// A refusal was logged since the last [`Apply::rearm`].
    refusal_logged: bool,
}

impl<'t> Apply<'t> {
    /// Applies to `table` inline, publishing to `publisher`; or through `shards` when given
    /// (they publish to their own publisher).
    pub(crate) fn new(
        table: &'t StateTable,
        publisher: Arc<dyn Publisher>,
        shards: Option<Arc<Shards>>,
        source: &'static str,
    ) -> Apply<'t> {
        let mode = match shards {
            Some(shards) => Mode::Sharded {
                packer: table.writer(),
                shards,
            },
            None => Mode::Inline {
                writer: table.writer(),
                publisher,
            },
        };
        Apply {
            mode,
            source,
            refusal_logged: false,
        }
    }

    /// The table written to.
    pub(crate) fn table(&self) -> &'t StateTable {
        match &self.mode {
            Mode::Inline { writer, .. } | Mode::Sharded { packer: writer, .. } => writer.table(),
        }
    }

    /// Whether the outcomes are the shards' to know (see the module docs).
    pub(crate) fn is_sharded(&self) -> bool {
        matches!(self.mode, Mode::Sharded { .. })
    }

    /// A new connection: its first refusal is logged again.
    pub(crate) fn rearm(&mut self) {
        self.refusal_logged = false;
    }

    /// Applies `observation`; a change is published, and `claim` made if the table took the
    /// status (wherever it is applied). `None` when the table refused it, else the agent's
    /// key and, inline, the outcome (sharded: `None`, not known yet).
    pub(crate) fn observe(
        &mut self,
        observation: &Observation<'_>,
        claim: Option<&Claim>,
    ) -> Option<(AgentKey, Option<Update<'t>>)> {
        let applied = match &mut self.mode {
            Mode::Inline { writer, publisher } => {
                writer.observe(observation).map(|(key, update)| {
                    if let Some(claim) = claim {
                        claim.apply(key, &update);
                    }
                    if let Update::Changed { current, .. } = &update {
                        publisher.status(key, current);
                    }
                    (key, Some(update))
                })
            }
            Mode::Sharded { packer, shards } => packer
                .table()
                .intern(observation.integration, &observation.external_id)
                .map(|key| {
                    shards.send(Job::Observe {
                        key,
                        status: packer.pack(observation),
                        claim: claim.cloned(),
                    });
                    (key, None)
                }),
        };
        match applied {
            Ok(applied) => Some(applied),
            Err(error) => {
                self.refused(observation.integration, &error);
                None
            }
        }
    }

    /// Logs agent `key` out with status `code` at `time` ([`Writer::log_out`]); the change is
    /// published. Inline, returns whether the status changed; sharded, whether the log-out
    /// was requested of an agent the table showed staffed (its shard decides: a status still
    /// queued may come first).
    pub(crate) fn log_out(
        &mut self,
        key: AgentKey,
        code: &Name,
        time: Timestamp,
        received: Timestamp,
    ) -> bool {
        match &mut self.mode {
            Mode::Inline { writer, publisher } => match writer.log_out(key, code, time, received) {
                Some(Update::Changed { current, .. }) => {
                    publisher.status(key, &current);
                    true
                }
                _ => false,
            },
            Mode::Sharded { packer, shards } => {
                let staffed = packer
                    .table()
                    .get(key)
                    .is_some_and(|status| status.phase != Phase::LoggedOut);
                // Sent even when the table shows the agent logged out: the shard's writer
                // applies the rule itself, after whatever is still queued for the agent.
                shards.send(Job::LogOut {
                    key,
                    code: code.clone(),
                    time,
                    received,
                });
                staffed
            }
        }
    }

    fn refused(&mut self, integration: IntegrationId, error: &rta_state::StateError) {
        if !self.refusal_logged {
            self.refusal_logged = true;
            tracing::error!(
                %error,
                integration = integration.0,
                source = self.source,
                "the state table refused a status (further refusals on this connection are \
                 not logged)"
            );
        }
    }
}
