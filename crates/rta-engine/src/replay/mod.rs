//! # Replay: a capture through the live decoders and evaluator, on a virtual clock
//!
//! [`Replayer::run`] reads a capture ([`crate::capture`]) and feeds every record, at its
//! receive time, through what the live engine runs: the Avaya listener's decoder (the
//! `rta-avaya` assembler and the feed health it drives), the CIC connector's ingest (the
//! `rta-cic` session, snapshot reconciliation and membership), the Odigo receiver's body
//! decoding, retry dedup and pipeline step, the shared `apply` step into a state table, and
//! the engine's adherence stage, which publishes on a bus. Every event published is written
//! as one NDJSON line ([`Event::to_json`](rta_model::Event::to_json)), `seq` from that bus.
//! Nothing reads the system clock, spawns a task or opens a socket: **the same capture and
//! configuration give the same bytes**.
//!
//! ```
//! use rta_engine::replay::Replayer;
//!
//! let capture = "2026-11-23T08:00:00Z\tcms\tF0|2026-11-23 08:00:00\n\
//!                2026-11-23T08:00:00Z\tcms\tF1|1|40101|51001|AVAIL|||:05|0|0\n\
//!                2026-11-23T08:00:00Z\tcms\tF3|END_OF_RECORDS\n";
//! # use rta_engine::engine::{AvayaSettings, IntegrationSettings, Source};
//! # let cms = IntegrationSettings {
//! #     name: "cms".into(),
//! #     source: Source::Avaya(AvayaSettings {
//! #         listen: "127.0.0.1:0".parse().unwrap(),
//! #         layout: rta_avaya::Layout::agent(),
//! #         refresh: std::time::Duration::from_secs(15),
//! #         detailed_statuses: false,
//! #         zone: rta_model::Zone::utc(),
//! #         allowed_peers: None,
//! #     }),
//! # };
//! let mut replayer = Replayer::new(vec![cms], rta_adherence::Config::default())?;
//! let mut ndjson = Vec::new();
//! let summary = replayer.run(capture.as_bytes(), None, &mut ndjson)?;
//! assert_eq!(summary.records, 3);
//! let text = String::from_utf8(ndjson)?;
//! assert!(text.lines().any(|line| line.contains(r#""type":"agent_status""#)));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## The virtual clock
//! It starts at the first record's receive time (the engine's start, as far as the capture
//! knows) and moves to each record's time before the record is decoded. On the way, timers
//! fire **at their own times**, in time order: the evaluator's schedule boundaries and
//! alarm deadlines (the evaluator dates them exactly, as live), an Avaya feed's `stale`
//! (the millisecond after three refreshes without a completed batch), a CIC server's silence (no line for
//! the connector's `silence`: `stale`, its snapshot cut off, as the live connector drops the
//! connection) and an Odigo feed's `stale` (`stale_after` of silence). Live, the feed checks
//! run once a second, so a live `stale` may come up to a second after the replayed one;
//! adherence and alarm events carry the same times either way. A record dated before the
//! clock (the adapters' tasks record concurrently, so a capture may be out of order by a
//! few microseconds) is taken at the clock's time: the clock never goes back.
//! With `until`, records after it are not read and the clock is moved to it at the end, so
//! the timers due by then fire; without, the replay ends at the last record.
//!
//! ## What is not in a capture, hence not replayed
//! - Connections opening and closing, pauses and resumes: no `down` feed events. An Avaya
//!   batch cut off by a disconnect is cut off in the replay by the next `F0` (same effect: its
//!   rows apply, nobody is logged out). A CIC snapshot cut off by a disconnect is cut off by
//!   the next `SNAPSHOT|BEGIN` or by the silence timer. A CIC record from another server
//!   than the last one, in failover mode, is a new connection (the old one's snapshot is cut
//!   off).
//! - Odigo's pause details: the captured body is what Odigo sent and the receiver accepted;
//!   bare pauses stay bare (the web service is not called, and its `pause-details` feed is
//!   not announced). The body's format is read from its first byte (`{` or `[`: JSON, else
//!   form), since the capture keeps no headers.
//! - Lines the live codec cut for being over-long are not recorded.
//!
//! ## Decisions
//! - **A record of an integration the configuration does not have** is an error naming its
//!   line ([`ReplayError::UnknownIntegration`]): replaying with the wrong configuration
//!   would print plausible and wrong events.
//! - **A capture line that does not read** is an error with its line number
//!   ([`ReplayError::Read`]); what was printed before it stands.
//! - **Events per record** are bounded ([`EVENTS_PER_STEP`]): the bus queue the replay reads
//!   is drained after every record and every timer; one that publishes more (a CMS batch
//!   logging out tens of thousands of agents at once) is an error rather than a lagged
//!   subscriber, whose snapshot would make the output depend on timing.

mod sources;

use crate::bus::{Bus, Delivery, EmptySource, Filter, SubscribeOptions, Subscription};
use crate::capture::{ReadError, Reader, Record};
use crate::engine::adherence::Adherence;
use crate::engine::{IntegrationSettings, SettingsError};
use crate::odigo::ReceiverError;
use rta_adherence::{Config, ConfigError, Evaluator, Limits};
use rta_model::Timestamp;
use rta_state::{StateError, StateTable};
use sources::Sources;
use std::io::{self, BufRead, Write};
use std::sync::Arc;

/// Events one record (or one timer) may publish at most.
pub const EVENTS_PER_STEP: usize = 1 << 16;

/// A replay could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error(
        "capture line {line}: no integration {label:?} in the configuration (its \
         integrations: {known})"
    )]
    UnknownIntegration {
        line: usize,
        label: String,
        known: String,
    },
    #[error("two integrations are named {0:?}")]
    DuplicateName(String),
    #[error("the adherence configuration: {0}")]
    Adherence(#[from] ConfigError),
    #[error(transparent)]
    Settings(#[from] SettingsError),
    #[error("the state table: {0}")]
    State(#[from] StateError),
    #[error(transparent)]
    Odigo(#[from] ReceiverError),
    #[error("capture line {line}: more than {EVENTS_PER_STEP} events from one record or timer")]
    TooManyEvents { line: usize },
    #[error("writing the events failed: {0}")]
    Write(#[source] io::Error),
}

/// What a replay did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    /// Records fed.
    pub records: u64,
    /// Events written.
    pub events: u64,
    /// Records (or parts of Odigo bodies) the decoders skipped.
    pub rejected: u64,
    /// Where the virtual clock ended; `None` when nothing was replayed.
    pub end: Option<Timestamp>,
}

/// Replays captures with one configuration ([module docs](self)).
#[derive(Debug)]
pub struct Replayer {
    integrations: Vec<IntegrationSettings>,
    config: Config,
    limits: Limits,
    max_agents: usize,
    table: Arc<StateTable>,
    /// The adherence stage of the last replay, for its figures.
    adherence: Option<Arc<Adherence>>,
}

impl Replayer {
    /// A replayer of captures of `integrations` (the engine's settings: a listen address,
    /// a token, pause-detail settings are not used), evaluated with `config`.
    pub fn new(
        integrations: Vec<IntegrationSettings>,
        config: Config,
    ) -> Result<Replayer, ReplayError> {
        for (index, settings) in integrations.iter().enumerate() {
            if integrations[..index]
                .iter()
                .any(|other| other.name == settings.name)
            {
                return Err(ReplayError::DuplicateName(settings.name.to_string()));
            }
        }
        let limits = Limits::default();
        // Refused now rather than at the first record.
        Evaluator::new(&config, limits, Timestamp::UNIX_EPOCH)?;
        let max_agents = 100_000;
        Ok(Replayer {
            integrations,
            config,
            limits,
            max_agents,
            table: Arc::new(StateTable::new(max_agents)),
            adherence: None,
        })
    }

    /// The evaluator's bounds (default [`Limits::default`]), as the engine's.
    pub fn limits(mut self, limits: Limits) -> Replayer {
        self.limits = limits;
        self
    }

    /// Agents the state table holds at most (default 100,000, as the engine's).
    pub fn max_agents(mut self, max_agents: usize) -> Replayer {
        self.max_agents = max_agents;
        self
    }

    /// Replays the capture `input` up to `until` (module docs), writing every event to
    /// `out` as NDJSON.
    pub fn run(
        &mut self,
        input: impl BufRead,
        until: Option<Timestamp>,
        mut out: impl Write,
    ) -> Result<Summary, ReplayError> {
        let mut records = Reader::new(input).peekable();
        if let Some(Err(_)) = records.peek()
            && let Some(Err(error)) = records.next()
        {
            return Err(error.into());
        }
        let first = records
            .peek()
            .and_then(|item| item.as_ref().ok())
            .map(|(_, record)| record.received);
        let start = match (first, until) {
            (Some(first), Some(until)) => first.min(until),
            (Some(time), None) | (None, Some(time)) => time,
            (None, None) => return Ok(Summary::default()),
        };
        let mut replay = self.start(start)?;
        for item in records {
            let (line, record) = item?;
            if until.is_some_and(|until| record.received > until) {
                break;
            }
            replay.feed(line, &record, &mut out)?;
        }
        replay.finish(until, &mut out)
    }

    /// Starts a replay whose clock starts at `at` (what [`Replayer::run`] does with the
    /// first record's time): a new state table, bus and evaluator, every integration
    /// announced `waiting`. Feed it records with [`Replay::feed`].
    pub fn start(&mut self, at: Timestamp) -> Result<Replay<'_>, ReplayError> {
        self.table = Arc::new(StateTable::new(self.max_agents));
        let bus = Bus::builder(Arc::new(EmptySource)).build();
        let events = bus
            .subscribe(SubscribeOptions::new(Filter::all()).capacity(EVENTS_PER_STEP))
            .expect("a subscription with a capacity above 0");
        let evaluator = Evaluator::new(&self.config, self.limits, at)?;
        let adherence = Arc::new(Adherence::new(evaluator, self.table.clone(), bus));
        self.adherence = Some(adherence.clone());
        let sources = Sources::new(&self.integrations, &self.table, &adherence, at)?;
        Ok(Replay {
            adherence,
            events,
            sources,
            now: at,
            summary: Summary {
                end: Some(at),
                ..Summary::default()
            },
        })
    }

    /// Reads the evaluator of the last replay (its figures, current adherence); `None`
    /// before any.
    pub fn evaluator<T>(&self, read: impl FnOnce(&Evaluator) -> T) -> Option<T> {
        self.adherence
            .as_ref()
            .map(|adherence| adherence.read(read))
    }
}

/// A replay in progress ([`Replayer::start`]).
#[derive(Debug)]
pub struct Replay<'r> {
    adherence: Arc<Adherence>,
    events: Subscription,
    sources: Sources<'r>,
    now: Timestamp,
    summary: Summary,
}

impl Replay<'_> {
    /// The virtual clock.
    pub fn now(&self) -> Timestamp {
        self.now
    }

    /// Moves the clock to the record's time (timers fire on the way), decodes it, and
    /// writes what that published. `line` names the record in errors.
    pub fn feed(
        &mut self,
        line: usize,
        record: &Record,
        out: &mut impl Write,
    ) -> Result<(), ReplayError> {
        let at = record.received.max(self.now);
        self.advance(at, line, out)?;
        let source = self.sources.find(&record.integration).ok_or_else(|| {
            ReplayError::UnknownIntegration {
                line,
                label: record.integration.clone(),
                known: self.sources.labels(),
            }
        })?;
        if !self.sources.feed(source, &record.payload, at) {
            self.summary.rejected += 1;
        }
        self.summary.records += 1;
        self.drain(line, out)
    }

    /// Moves the clock to `until` if given (timers fire on the way) and ends the replay.
    pub fn finish(
        mut self,
        until: Option<Timestamp>,
        out: &mut impl Write,
    ) -> Result<Summary, ReplayError> {
        if let Some(until) = until {
            // Errors from here on have no capture line: 0 says "after the last one".
            self.advance(until.max(self.now), 0, out)?;
        }
        out.flush().map_err(ReplayError::Write)?;
        Ok(self.summary)
    }

    /// Fires every timer due by `at`, each at its own time, then sets the clock to `at`.
    fn advance(
        &mut self,
        at: Timestamp,
        line: usize,
        out: &mut impl Write,
    ) -> Result<(), ReplayError> {
        let mut fired = None;
        while let Some((due, timer)) = self.sources.next_timer().filter(|(due, _)| *due <= at) {
            // A timer firing leaves its state; one that did not would fire for ever.
            if fired.replace((due, timer)) == Some((due, timer)) {
                debug_assert!(false, "timer {timer:?} at {due} fired twice");
                break;
            }
            // The evaluator's timers due before the feed's fire first, as live.
            self.adherence.advance(due);
            self.sources.fire(timer, due);
            self.now = self.now.max(due);
            self.drain(line, out)?;
        }
        self.adherence.advance(at);
        self.now = at;
        self.summary.end = Some(at);
        self.drain(line, out)
    }

    /// Writes what the bus has for the replay's subscription.
    fn drain(&mut self, line: usize, out: &mut impl Write) -> Result<(), ReplayError> {
        while let Ok(Some(delivery)) = self.events.try_recv() {
            let Delivery::Event(event) = delivery else {
                return Err(ReplayError::TooManyEvents { line });
            };
            out.write_all(event.json()).map_err(ReplayError::Write)?;
            out.write_all(b"\n").map_err(ReplayError::Write)?;
            self.summary.events += 1;
        }
        Ok(())
    }
}
