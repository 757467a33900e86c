//! The step every adapter ends with: apply an observation to the state table through the
//! adapter's [`Writer`], and publish the status change the table reports, if any.
//!
//! A refusal of the table (the integration unknown to it, the table full) is the same for
//! every later record, so it is logged once per connection ([`Apply::rearm`]), not per row.

use crate::publisher::Publisher;
use rta_model::{AgentKey, IntegrationId, Observation, Timestamp};
use rta_state::{StateTable, Update, Writer};
use std::sync::Arc;

/// One task's writer into the table and where it publishes the changes.
#[derive(Debug)]
pub(crate) struct Apply<'t> {
    writer: Writer<'t>,
    publisher: Arc<dyn Publisher>,
    /// The kind of source, for the log line (`"CIC"`, `"Avaya"`).
    source: &'static str,
    /// A refusal was logged since the last [`Apply::rearm`].
    refusal_logged: bool,
}

impl<'t> Apply<'t> {
    pub(crate) fn new(
        table: &'t StateTable,
        publisher: Arc<dyn Publisher>,
        source: &'static str,
    ) -> Apply<'t> {
        Apply {
            writer: table.writer(),
            publisher,
            source,
            refusal_logged: false,
        }
    }

    /// The table written to.
    pub(crate) fn table(&self) -> &'t StateTable {
        self.writer.table()
    }

    /// A new connection: its first refusal is logged again.
    pub(crate) fn rearm(&mut self) {
        self.refusal_logged = false;
    }

    /// Applies `observation`; a change is published. `None` when the table refused it.
    pub(crate) fn observe(
        &mut self,
        observation: &Observation<'_>,
    ) -> Option<(AgentKey, Update<'t>)> {
        match self.writer.observe(observation) {
            Ok((key, update)) => {
                if let Update::Changed { current, .. } = &update {
                    self.publisher.status(key, current);
                }
                Some((key, update))
            }
            Err(error) => {
                self.refused(observation.integration, &error);
                None
            }
        }
    }

    /// Logs agent `key` out with status `code` at `time` ([`Writer::log_out`]); the change is
    /// published. Returns whether the status changed.
    pub(crate) fn log_out(
        &mut self,
        key: AgentKey,
        code: &str,
        time: Timestamp,
        received: Timestamp,
    ) -> bool {
        match self.writer.log_out(key, code, time, received) {
            Some(Update::Changed { current, .. }) => {
                self.publisher.status(key, &current);
                true
            }
            _ => false,
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
