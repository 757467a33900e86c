//! The write side of the table as an ingest worker holds it.

use crate::status;
use crate::symbols::{Symbol, SymbolCache};
use crate::table::{StateError, StateTable, Update};
use rta_model::{AgentKey, Direction, Observation, Phase, Status, Timestamp};
use std::borrow::Cow;

/// One ingest worker's handle on the table: the shard writer.
///
/// The engine runs one writer per worker thread and routes each agent to one worker, so no
/// two threads write the same agent (two writers of one agent would still be correct, the
/// slot's compare-and-swap serialises them, only slower). A writer keeps its own copy of the
/// status words it has interned, so once warm an update touches no shared state but the
/// agent's own slot: this is what takes an update from ~100 ns to the figures in
/// `benches/RESULTS.md`.
#[derive(Debug)]
pub struct Writer<'t> {
    table: &'t StateTable,
    symbols: SymbolCache,
}

impl StateTable {
    /// A writer for one ingest worker (see [`Writer`]).
    pub fn writer(&self) -> Writer<'_> {
        Writer {
            table: self,
            symbols: SymbolCache::default(),
        }
    }
}

impl<'t> Writer<'t> {
    /// The table written to.
    pub fn table(&self) -> &'t StateTable {
        self.table
    }

    /// Applies an observation: interns its agent and updates the live status.
    pub fn observe(
        &mut self,
        observation: &Observation<'_>,
    ) -> Result<(AgentKey, Update<'t>), StateError> {
        let key = self
            .table
            .intern(observation.integration, &observation.external_id)?;
        Ok((key, self.update(key, observation)))
    }

    /// Updates an interned agent (see [`Update`] for the three outcomes).
    ///
    /// # Panics
    /// If `key` was not handed out by this writer's table.
    #[inline]
    pub fn update(&mut self, key: AgentKey, observation: &Observation<'_>) -> Update<'t> {
        let table = self.table;
        let symbols = &mut self.symbols;
        table.apply(key, observation, |word| {
            symbols.intern(&table.symbols, word)
        })
    }

    /// Packs the status of `observation` for [`Writer::apply`], interning its words in the
    /// table (through this writer's cache): what an ingest thread does before handing the
    /// status to the thread that writes the agent.
    pub fn pack(&mut self, observation: &Observation<'_>) -> PackedStatus {
        let table = self.table;
        let symbols = &mut self.symbols;
        PackedStatus::new(|word| symbols.intern(&table.symbols, word), observation)
    }

    /// [`Writer::update`] with a status packed by any writer of the same table
    /// ([`Writer::pack`]).
    ///
    /// # Panics
    /// If `key` was not handed out by this writer's table.
    #[inline]
    pub fn apply(&mut self, key: AgentKey, status: &PackedStatus) -> Update<'t> {
        self.table.apply_packed(key, status)
    }

    /// Logs agent `key` out with status `code` at `time`, unless it is logged out already (or
    /// unknown): the rule by which a completed snapshot logs out the agents it no longer lists.
    /// Returns the update when the status changed.
    pub fn log_out(
        &mut self,
        key: AgentKey,
        code: &str,
        time: Timestamp,
        received: Timestamp,
    ) -> Option<Update<'t>> {
        let table = self.table;
        let staffed = table
            .get(key)
            .is_some_and(|status| status.phase != Phase::LoggedOut);
        let (integration, external_id) = table.identity(key).filter(|_| staffed)?;
        let logged_out = Observation {
            integration,
            external_id: Cow::Borrowed(external_id),
            phase: Phase::LoggedOut,
            direction: Direction::None,
            status: Status::new(code),
            time,
            received,
        };
        let update = self.update(key, &logged_out);
        matches!(update, Update::Changed { .. }).then_some(update)
    }
}

/// A status packed for the table ([`Writer::pack`]): the words that say what the agent does,
/// and when. Plain data (`Copy`, 48 bytes, no heap), so an ingest thread hands a status to the
/// agent's shard thread without copying its strings: its words are interned in the table, and
/// a packed status is only meaningful to writers of the table that packed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PackedStatus {
    pub(crate) what: status::What,
    pub(crate) time: Timestamp,
    pub(crate) received: Timestamp,
}

impl PackedStatus {
    pub(crate) fn new(intern: impl FnMut(&str) -> Symbol, observation: &Observation<'_>) -> Self {
        PackedStatus {
            what: status::pack_what(intern, observation),
            time: observation.time,
            received: observation.received,
        }
    }

    /// When the status began (source time).
    pub fn time(&self) -> Timestamp {
        self.time
    }
}
