//! The integrations of a replay: each kind's live decoding step, driven by capture records
//! and the virtual clock instead of sockets and tokio timers.

use super::ReplayError;
use crate::apply::Apply;
use crate::avaya::{Decoder, LiveStats};
use crate::cic::{Address, Ingest, Membership, capture_labels, silence_detail};
use crate::engine::adherence::Adherence;
use crate::engine::{IntegrationSettings, Source};
use crate::health::Health;
use crate::odigo::{Batch, OdigoFeed, Registry, apply_batch, decode_body};
use crate::publisher::Publisher;
use bytes::Bytes;
use rta_cic::{Session, Vocabulary};
use rta_model::{FeedHealth, IntegrationId, Timestamp};
use rta_odigo::{AgentState, BodyFormat, Dedup};
use rta_state::StateTable;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// Where a record goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Target {
    Avaya(usize),
    Cic { integration: usize, address: usize },
    Odigo(usize),
}

/// A timer of a source: what [`Sources::fire`] wakes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Timer {
    /// An Avaya feed's `stale`.
    Avaya(usize),
    /// A CIC connection's silence.
    Cic { integration: usize, task: usize },
    /// An Odigo feed's `stale`.
    Odigo(usize),
}

/// Every integration of a replay.
#[derive(Debug)]
pub(super) struct Sources<'r> {
    /// Looked up for every record: foldhash, not SipHash (164 instructions a record).
    labels: HashMap<String, Target, foldhash::fast::RandomState>,
    publisher: Arc<dyn Publisher>,
    avaya: Vec<Decoder<'r>>,
    avaya_counts: LiveStats,
    cic: Vec<Cic<'r>>,
    odigo: Vec<Odigo>,
    /// The Odigo pipeline's step (one writer: the replay has one shard).
    odigo_apply: Apply<'r>,
    dedups: HashMap<IntegrationId, Dedup>,
}

/// A CIC integration: its connection tasks as the connector runs them (one per server in
/// `all` mode, one in failover mode), and a health per server.
#[derive(Debug)]
struct Cic<'r> {
    tasks: Vec<CicTask<'r>>,
    healths: Vec<Health>,
    vocabulary: Vocabulary,
    silence: Duration,
    failover: bool,
}

/// One connection task of a CIC integration.
#[derive(Debug)]
struct CicTask<'r> {
    ingest: Ingest<'r>,
    /// Kept across connections, as the connector keeps it.
    session: Session,
    /// The server of the connection, while one is up.
    current: Option<usize>,
    /// When the connection is silent too long if nothing is heard before: the last line's
    /// time and the silence, added when it arrives (the replayer asks before every record).
    silent_at: Option<Timestamp>,
}

/// An Odigo integration as the receiver holds it.
#[derive(Debug)]
struct Odigo {
    feed: Arc<OdigoFeed>,
    /// When the feed is silent too long if nothing is seen before (as `silent_at` of CIC).
    stale_at: Option<Timestamp>,
}

impl<'r> Sources<'r> {
    /// Adds every integration to `table` and `adherence` and starts its source at `at`, as
    /// the engine does at its start.
    pub(super) fn new(
        integrations: &[IntegrationSettings],
        table: &'r StateTable,
        adherence: &Arc<Adherence>,
        at: Timestamp,
    ) -> Result<Sources<'r>, ReplayError> {
        let publisher: Arc<dyn Publisher> = adherence.clone();
        let mut sources = Sources {
            labels: HashMap::default(),
            publisher: publisher.clone(),
            avaya: Vec::new(),
            avaya_counts: LiveStats::default(),
            cic: Vec::new(),
            odigo: Vec::new(),
            odigo_apply: Apply::new(table, publisher.clone(), None, "Odigo"),
            dedups: HashMap::new(),
        };
        let odigo_registry = Registry::default();
        for settings in integrations {
            let id = table.add_integration();
            adherence.add_integration(id, &settings.name);
            let name = settings.name.to_string();
            match &settings.source {
                Source::Avaya(avaya) => {
                    let config = settings.avaya_config(id, avaya);
                    let decoder = Decoder::new(&config, table, publisher.clone(), None, at);
                    sources
                        .labels
                        .insert(name, Target::Avaya(sources.avaya.len()));
                    sources.avaya.push(decoder);
                }
                Source::Cic(cic) => {
                    let config = settings.cic_config(id, cic)?;
                    let integration = sources.cic.len();
                    // The bare name: the first server (hand-written captures).
                    sources.labels.insert(
                        name,
                        Target::Cic {
                            integration,
                            address: 0,
                        },
                    );
                    for (address, label) in capture_labels(&config).into_iter().enumerate() {
                        sources.labels.insert(
                            label,
                            Target::Cic {
                                integration,
                                address,
                            },
                        );
                    }
                    sources.cic.push(Cic::new(&config, table, &publisher, at));
                }
                Source::Odigo(odigo) => {
                    // Pause details are not replayed (module docs): no web service.
                    let mut odigo = odigo.clone();
                    odigo.pause_details = None;
                    let config = settings.odigo_integration(id, &odigo)?;
                    odigo_registry.add(config, at, &*publisher)?;
                    let feed = odigo_registry
                        .by_name(&name)
                        .ok_or_else(|| ReplayError::DuplicateName(name.clone()))?;
                    sources
                        .labels
                        .insert(name, Target::Odigo(sources.odigo.len()));
                    let stale_at = at.checked_add(feed.config.stale_after).ok();
                    sources.odigo.push(Odigo { feed, stale_at });
                }
            }
        }
        Ok(sources)
    }

    /// The target of a record's label.
    pub(super) fn find(&self, label: &str) -> Option<Target> {
        self.labels.get(label).copied()
    }

    /// The labels records may carry, sorted, for an error message.
    pub(super) fn labels(&self) -> String {
        let mut labels: Vec<&str> = self.labels.keys().map(String::as_str).collect();
        labels.sort_unstable();
        labels.join(", ")
    }

    /// Decodes one payload received at `at`; `false` when the decoder skipped it.
    pub(super) fn feed(&mut self, target: Target, payload: &[u8], at: Timestamp) -> bool {
        match target {
            Target::Avaya(index) => {
                let line = Ok(Bytes::copy_from_slice(payload));
                self.avaya[index].line(line, at, &self.avaya_counts).is_ok()
            }
            Target::Cic {
                integration,
                address,
            } => self.cic[integration].feed(address, payload, at),
            Target::Odigo(index) => self.feed_odigo(index, payload, at),
        }
    }

    /// An Odigo body: decoded, the feed seen, its states through the pipeline's step. The
    /// receiver marks the feed seen before the pipeline applies the states it queued.
    fn feed_odigo(&mut self, index: usize, body: &[u8], at: Timestamp) -> bool {
        let odigo = &mut self.odigo[index];
        let Ok(decoded) = decode_body(body_format(body), body) else {
            return false;
        };
        if decoded.any() {
            odigo.feed.seen(at, &*self.publisher);
            odigo.stale_at = at.checked_add(odigo.feed.config.stale_after).ok();
        }
        let complete = decoded.rejected.is_empty();
        let batch = Batch {
            integration: odigo.feed.clone(),
            received: at,
            states: decoded
                .states
                .into_iter()
                .map(AgentState::into_owned)
                .collect(),
        };
        apply_batch(&mut self.odigo_apply, &mut self.dedups, &batch);
        complete
    }

    /// The earliest timer, if any (ties: the first source in configuration order).
    pub(super) fn next_timer(&self) -> Option<(Timestamp, Timer)> {
        // Loops, not an iterator chain: this runs before every record replayed.
        let mut earliest: Option<(Timestamp, Timer)> = None;
        let mut consider = |due: Option<Timestamp>, timer: Timer| {
            if let Some(due) = due
                && earliest.is_none_or(|(first, _)| due < first)
            {
                earliest = Some((due, timer));
            }
        };
        for (index, decoder) in self.avaya.iter().enumerate() {
            consider(decoder.stale_at(), Timer::Avaya(index));
        }
        for (integration, cic) in self.cic.iter().enumerate() {
            for (task, state) in cic.tasks.iter().enumerate() {
                let due = state.current.and(state.silent_at);
                consider(due, Timer::Cic { integration, task });
            }
        }
        for (index, odigo) in self.odigo.iter().enumerate() {
            let up = odigo.feed.health() == FeedHealth::Up;
            consider(odigo.stale_at.filter(|_| up), Timer::Odigo(index));
        }
        earliest
    }

    /// Runs `timer` at `at`.
    pub(super) fn fire(&mut self, timer: Timer, at: Timestamp) {
        match timer {
            Timer::Avaya(index) => self.avaya[index].check_stale(at),
            Timer::Cic { integration, task } => {
                self.cic[integration].silent(task, at, &*self.publisher);
            }
            Timer::Odigo(index) => self.odigo[index].feed.check_silence(at, &*self.publisher),
        }
    }
}

impl<'r> Cic<'r> {
    fn new(
        config: &crate::cic::CicConfig,
        table: &'r StateTable,
        publisher: &Arc<dyn Publisher>,
        at: Timestamp,
    ) -> Cic<'r> {
        let membership = Arc::new(Membership::of(config));
        let failover = config.mode == crate::cic::Mode::Failover;
        let tasks = if failover { 1 } else { config.addresses.len() };
        let tasks = (0..tasks)
            .map(|_| CicTask {
                ingest: Ingest::new(
                    table,
                    config.session.integration,
                    membership.clone(),
                    publisher.clone(),
                    None,
                    config.logged_out_code.clone(),
                ),
                session: Session::new(config.session.clone()),
                current: None,
                silent_at: at.checked_add(config.silence).ok(),
            })
            .collect();
        let healths = config
            .addresses
            .iter()
            .map(|address: &Address| {
                let health = Health::new("CIC", config.name.clone(), Some(address.to_string()));
                health.announce(at, &**publisher);
                health
            })
            .collect();
        Cic {
            tasks,
            healths,
            vocabulary: Vocabulary::new(),
            silence: config.silence,
            failover,
        }
    }

    /// A line from server `address`: on that server's connection (a new one if it was not
    /// the current one).
    fn feed(&mut self, address: usize, line: &[u8], at: Timestamp) -> bool {
        let task = &mut self.tasks[if self.failover { 0 } else { address }];
        if task.current != Some(address) {
            if task.current.is_some() {
                task.ingest.connection_lost(&mut task.session);
            }
            task.ingest.connected(address);
            task.current = Some(address);
        }
        task.silent_at = at.checked_add(self.silence).ok();
        let frame = Ok(Bytes::copy_from_slice(line));
        let health = &mut self.healths[address];
        task.ingest
            .push_frame(&mut task.session, &mut self.vocabulary, health, frame, at)
            .decoded
            .is_ok()
    }

    /// The connection of `task` has been silent too long: dropped, `stale`, as live.
    fn silent(&mut self, task: usize, at: Timestamp, publisher: &dyn Publisher) {
        let task = &mut self.tasks[task];
        if let Some(address) = task.current.take() {
            task.ingest.connection_lost(&mut task.session);
            self.healths[address].set(
                FeedHealth::Stale,
                Some(silence_detail(self.silence)),
                at,
                publisher,
            );
        }
    }
}

/// An Odigo body's format: the capture keeps no `Content-Type`, and a JSON body starts with
/// `{` or `[` where a form body starts with a key.
fn body_format(body: &[u8]) -> BodyFormat {
    match body.iter().find(|byte| !byte.is_ascii_whitespace()) {
        Some(b'{' | b'[') => BodyFormat::Json,
        _ => BodyFormat::Form,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::cic_label;

    #[test]
    fn the_body_format_is_read_from_the_first_byte() {
        assert_eq!(body_format(b" {\"a\":1}"), BodyFormat::Json);
        assert_eq!(body_format(b"[]"), BodyFormat::Json);
        assert_eq!(body_format(b"agentId=a&state=READY"), BodyFormat::Form);
        assert_eq!(body_format(b""), BodyFormat::Form);
    }

    #[test]
    fn cic_labels_name_the_server() {
        assert_eq!(cic_label("cic-lyon", "acd1:8080"), "cic-lyon@acd1:8080");
    }
}
