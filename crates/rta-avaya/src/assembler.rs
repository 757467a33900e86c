//! The snapshot assembler: consecutive CMS batches in, per-agent changes out.
//!
//! CMS re-runs the report every refresh and sends every staffed agent, so the feed is a
//! series of snapshots. The assembler keeps each agent's last known status and, when a batch
//! ends, emits what changed (`specs/avaya-rt-socket.md`, "Meaning"):
//! - a row whose status differs from the agent's last one is a change ([`ChangeKind::New`] for
//!   an agent not staffed before, else [`ChangeKind::Changed`]); an identical row is nothing;
//! - an agent staffed before and absent from a *completed* batch (`F3` seen) is logged out;
//!   a batch cut off by a disconnect or by the next `F0` applies its rows and logs nobody out;
//! - an agent listed once per logged-in skill is one agent, keyed by (ACD, LOGID): the first
//!   row gives the state, the rows' skills are merged (detailed statuses);
//! - the change time is the batch time minus `AGDURATION`, never before the previous batch
//!   time and never after this one; without a duration it is the batch time. Changes shorter
//!   than a refresh never reach this feed, and none are invented.
//!
//! Decisions where the spec is silent:
//! - A rejected row whose key can be read keeps that agent's last status for the batch, so a
//!   single garbled row never logs an agent out.
//! - The AUX reason is part of the status only in AUX; elsewhere it is ignored.
//! - The external id of an observation is the LOGID alone: one integration's ACDs are
//!   expected to use distinct login ids, as one CMS does.
//! - The number of distinct agents is capped ([`AssemblerConfig::max_agents`]) so hostile input
//!   cannot grow memory without bound; rows of new agents past the cap are rejected.
//!
//! Liveness: the feed has no heartbeat, so completed batches are the signal. Health is
//! `waiting` until the first completed batch, `up` after one, and `stale` when none completed
//! for more than three refresh intervals ([`Assembler::tick`]).

use crate::error::{AvayaError, FrameError, Snippet};
use crate::layout::Layout;
use crate::record::{AgentRow, QueueRow, Record, RecordError, parse_record};
use crate::state::{AgentState, WorkMode};
use bytes::Bytes;
use hashbrown::HashMap;
use jiff::{SignedDuration, Timestamp};
use rta_model::{Code, FeedHealth, IntegrationId, Observation, QueueStats, Status, Zone};
use smallvec::SmallVec;
use std::borrow::Cow;

/// How one integration's feed is read.
#[derive(Debug, Clone)]
pub struct AssemblerConfig {
    pub integration: IntegrationId,
    /// The zone of the `F0` batch times.
    pub zone: Zone,
    /// The report's refresh interval (CMS: 15 s by default, 3 s at best).
    pub refresh: SignedDuration,
    /// Attach `WORKSKILL` and the logged-in skills to each status.
    pub detailed_statuses: bool,
    /// The most distinct agents kept.
    pub max_agents: usize,
}

impl AssemblerConfig {
    /// Defaults: UTC, 15 s refresh, plain statuses, at most one million agents.
    pub fn new(integration: IntegrationId) -> Self {
        AssemblerConfig {
            integration,
            zone: Zone::utc(),
            refresh: SignedDuration::from_secs(15),
            detailed_statuses: false,
            max_agents: 1_000_000,
        }
    }
}

/// Skills attached to a status, sorted and without duplicates.
pub type Skills = SmallVec<[u32; 4]>;

/// An agent's status as the assembler tracks it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentStatus {
    pub state: AgentState,
    /// Only in AUX.
    pub aux_reason: Option<u32>,
    /// Only with detailed statuses.
    pub work_skill: Option<u32>,
    /// Only with detailed statuses.
    pub skills: Skills,
}

impl AgentStatus {
    /// The status of an agent absent from a completed batch.
    pub fn logged_out() -> Self {
        AgentStatus {
            state: AgentState::new(WorkMode::Unstaffed),
            aux_reason: None,
            work_skill: None,
            skills: Skills::new(),
        }
    }

    fn of_row(row: &AgentRow<'_>, detailed: bool) -> Self {
        let mut status = AgentStatus {
            state: row.state,
            aux_reason: row.aux_reason.filter(|_| row.state.mode == WorkMode::Aux),
            work_skill: row.work_skill.filter(|_| detailed),
            skills: Skills::new(),
        };
        if detailed {
            status.merge_skills(row);
        }
        status
    }

    fn merge_skills(&mut self, row: &AgentRow<'_>) {
        for skill in row.logon_skills.iter().chain(row.split) {
            if let Err(at) = self.skills.binary_search(&skill) {
                self.skills.insert(at, skill);
            }
        }
    }

    /// True unless logged out.
    pub fn is_staffed(&self) -> bool {
        self.state.mode != WorkMode::Unstaffed
    }
}

/// What kind of change an [`AgentChange`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    /// First seen, or staffed again after a logout.
    New,
    Changed,
    /// Absent from a completed batch.
    LoggedOut,
}

/// One agent's change, borrowing from the assembler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AgentChange<'a> {
    pub acd: u32,
    pub logid: &'a [u8],
    pub kind: ChangeKind,
    pub status: &'a AgentStatus,
    /// When the new status began.
    pub time: Timestamp,
    /// When the batch that told it was received.
    pub received: Timestamp,
}

impl<'a> AgentChange<'a> {
    /// The change as the observation the rest of the pipeline consumes (no allocation).
    pub fn observation(&self, integration: IntegrationId) -> Observation<'a> {
        let status = self.status;
        Observation {
            integration,
            external_id: Cow::Borrowed(self.logid),
            phase: status.state.mode.phase(),
            direction: status.state.direction,
            status: Status {
                code: Cow::Borrowed(status.state.code()),
                reason: status.aux_reason.map(Code::Number),
                detail: status.work_skill.map(Code::Number),
                skills: Cow::Borrowed(&status.skills),
            },
            time: self.time,
            received: self.received,
        }
    }
}

/// A split's statistics from one csplit row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueUpdate<'a> {
    pub split: u32,
    pub stats: &'a QueueStats,
    /// The batch time.
    pub time: Timestamp,
}

/// What the assembler emits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output<'a> {
    Agent(AgentChange<'a>),
    Queue(QueueUpdate<'a>),
    /// The feed's health changed.
    Health(FeedHealth),
}

/// Counters, for metrics and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    pub lines: u64,
    pub rows: u64,
    pub bad_rows: u64,
    pub bad_lines: u64,
    pub other_records: u64,
    pub over_long_lines: u64,
    pub truncated_lines: u64,
    pub batches_completed: u64,
    pub batches_cut_off: u64,
}

#[derive(Debug)]
struct AgentSlot {
    acd: u32,
    logid: Box<[u8]>,
    /// `None` until first seen.
    current: Option<AgentStatus>,
    since: Timestamp,
    /// The batch that last listed this agent.
    seen_in: u64,
    pending: AgentStatus,
    pending_duration: Option<u32>,
}

#[derive(Debug, Clone, Copy)]
struct OpenBatch {
    number: u64,
    time: Timestamp,
}

/// Turns the lines of one integration's feed into agent changes. Sans-IO: lines and the
/// receive time go in, [`Output`]s come out through a callback.
///
/// ```
/// use rta_avaya::{Assembler, AssemblerConfig, Layout, Output};
/// use rta_model::IntegrationId;
///
/// let mut assembler = Assembler::new(AssemblerConfig::new(IntegrationId(0)), Layout::agent());
/// let now = "2026-11-23T09:31:04Z".parse().unwrap();
/// let mut changes = Vec::new();
/// let mut sink = |output: Output<'_>| {
///     if let Output::Agent(change) = output {
///         changes.push((change.status.state.code(), change.time.to_string()));
///     }
/// };
/// for line in ["F0|2026-11-23 09:31:03", "F1|1|40102|51002|ACDIN||101|2:17|0|0", "F3|END_OF_RECORDS"] {
///     assembler.push_line(line.as_bytes(), now, &mut sink).unwrap();
/// }
/// assert_eq!(changes, [("ACDIN", "2026-11-23T09:28:46Z".to_string())]);
/// ```
#[derive(Debug)]
pub struct Assembler {
    config: AssemblerConfig,
    layout: Layout,
    agents: Vec<AgentSlot>,
    index: HashMap<u32, HashMap<Box<[u8]>, u32>>,
    touched: Vec<u32>,
    batch: Option<OpenBatch>,
    batches_opened: u64,
    previous_batch_time: Option<Timestamp>,
    last_completed: Option<Timestamp>,
    health: FeedHealth,
    stats: Stats,
}

impl Assembler {
    /// An assembler for one integration reading `layout`.
    pub fn new(config: AssemblerConfig, layout: Layout) -> Self {
        Assembler {
            config,
            layout,
            agents: Vec::new(),
            index: HashMap::new(),
            touched: Vec::new(),
            batch: None,
            batches_opened: 0,
            previous_batch_time: None,
            last_completed: None,
            health: FeedHealth::Waiting,
            stats: Stats::default(),
        }
    }

    /// The counters so far.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// The layout rows are read with.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// Feeds one item of [`crate::LineCodec`]: a line, or a framing error to count and return.
    pub fn push_frame(
        &mut self,
        frame: Result<Bytes, FrameError>,
        now: Timestamp,
        sink: &mut impl FnMut(Output<'_>),
    ) -> Result<(), AvayaError> {
        match frame {
            Ok(line) => self.push_line(&line, now, sink),
            Err(error) => {
                match error {
                    FrameError::LineTooLong { .. } => self.stats.over_long_lines += 1,
                    FrameError::Truncated { .. } => self.stats.truncated_lines += 1,
                }
                Err(error.into())
            }
        }
    }

    /// Feeds one line (without its line end), received at `now`.
    pub fn push_line(
        &mut self,
        line: &[u8],
        now: Timestamp,
        sink: &mut impl FnMut(Output<'_>),
    ) -> Result<(), AvayaError> {
        self.stats.lines += 1;
        match parse_record(line, &self.layout) {
            Ok(Record::BatchStart(local)) => {
                self.end_batch(false, now, sink);
                let time = self
                    .config
                    .zone
                    .resolve(local, self.previous_batch_time)
                    .unwrap_or(now);
                self.open_batch(time);
                Ok(())
            }
            Ok(Record::Agent(row)) => {
                self.stats.rows += 1;
                let batch = self.current_batch(now);
                self.apply_row(&row, batch, line)
            }
            Ok(Record::Queue(row)) => {
                self.stats.rows += 1;
                let batch = self.current_batch(now);
                emit_queue(&row, batch.time, sink);
                Ok(())
            }
            Ok(Record::Trailer) => {
                self.current_batch(now);
                self.end_batch(true, now, sink);
                Ok(())
            }
            Ok(Record::Other { .. }) => {
                self.stats.other_records += 1;
                Ok(())
            }
            Err(RecordError::BadBatchTime) => {
                self.stats.bad_lines += 1;
                self.end_batch(false, now, sink);
                self.open_batch(now);
                Err(AvayaError::BadBatchTime {
                    line: Snippet::of(line),
                })
            }
            Err(RecordError::NotARecord) => {
                self.stats.bad_lines += 1;
                Err(AvayaError::NotARecord {
                    line: Snippet::of(line),
                })
            }
            Err(RecordError::BadRow { error, agent }) => {
                self.stats.bad_rows += 1;
                if let Some((acd, logid)) = agent {
                    let batch = self.current_batch(now);
                    self.hold_agent(acd, logid, batch.number);
                }
                Err(AvayaError::BadRow {
                    error,
                    line: Snippet::of(line),
                })
            }
        }
    }

    /// The connection ended: a batch in progress is cut off (its rows apply, nobody is
    /// logged out).
    pub fn connection_lost(&mut self, now: Timestamp, sink: &mut impl FnMut(Output<'_>)) {
        self.end_batch(false, now, sink);
    }

    /// The watchdog: call periodically; emits [`Output::Health`] when the feed goes stale.
    pub fn tick(&mut self, now: Timestamp, sink: &mut impl FnMut(Output<'_>)) {
        let health = self.health(now);
        if health != self.health {
            self.health = health;
            sink(Output::Health(health));
        }
    }

    /// The feed's health at `now`.
    pub fn health(&self, now: Timestamp) -> FeedHealth {
        match self.last_completed {
            None => FeedHealth::Waiting,
            Some(last) if now.duration_since(last) > self.config.refresh * 3 => FeedHealth::Stale,
            Some(_) => FeedHealth::Up,
        }
    }

    /// The last known status of an agent, if it was ever seen.
    pub fn status_of(&self, acd: u32, logid: &[u8]) -> Option<(&AgentStatus, Timestamp)> {
        let slot = &self.agents[*self.index.get(&acd)?.get(logid)? as usize];
        slot.current.as_ref().map(|status| (status, slot.since))
    }

    /// How many distinct agents were seen.
    pub fn agent_count(&self) -> usize {
        self.agents.len()
    }

    fn open_batch(&mut self, time: Timestamp) -> OpenBatch {
        self.batches_opened += 1;
        let batch = OpenBatch {
            number: self.batches_opened,
            time,
        };
        self.batch = Some(batch);
        batch
    }

    fn current_batch(&mut self, now: Timestamp) -> OpenBatch {
        match self.batch {
            Some(batch) => batch,
            None => self.open_batch(now),
        }
    }

    fn slot_of(&mut self, acd: u32, logid: &[u8]) -> Option<u32> {
        self.index.get(&acd)?.get(logid).copied()
    }

    fn apply_row(
        &mut self,
        row: &AgentRow<'_>,
        batch: OpenBatch,
        line: &[u8],
    ) -> Result<(), AvayaError> {
        let detailed = self.config.detailed_statuses;
        let index = match self.slot_of(row.acd, row.logid) {
            Some(index) => index,
            None if self.agents.len() >= self.config.max_agents => {
                self.stats.bad_rows += 1;
                return Err(AvayaError::TooManyAgents {
                    limit: self.config.max_agents,
                    line: Snippet::of(line),
                });
            }
            None => {
                let index = u32::try_from(self.agents.len()).expect("max_agents fits in u32");
                self.agents.push(AgentSlot {
                    acd: row.acd,
                    logid: row.logid.into(),
                    current: None,
                    since: batch.time,
                    seen_in: 0,
                    pending: AgentStatus::logged_out(),
                    pending_duration: None,
                });
                self.index
                    .entry(row.acd)
                    .or_default()
                    .insert(row.logid.into(), index);
                index
            }
        };
        let slot = &mut self.agents[index as usize];
        if slot.seen_in == batch.number {
            if detailed {
                slot.pending.merge_skills(row);
                slot.pending.work_skill = slot.pending.work_skill.or(row.work_skill);
            }
        } else {
            slot.seen_in = batch.number;
            slot.pending = AgentStatus::of_row(row, detailed);
            slot.pending_duration = row.duration;
            self.touched.push(index);
        }
        Ok(())
    }

    /// A row of this agent was rejected: keep its last status for this batch.
    fn hold_agent(&mut self, acd: u32, logid: &[u8], batch: u64) {
        let Some(index) = self.slot_of(acd, logid) else {
            return;
        };
        let slot = &mut self.agents[index as usize];
        if slot.seen_in == batch {
            return;
        }
        if let Some(current) = slot.current.as_ref().filter(|s| s.is_staffed()) {
            slot.pending.clone_from(current);
            slot.pending_duration = None;
            slot.seen_in = batch;
            self.touched.push(index);
        }
    }

    fn end_batch(&mut self, completed: bool, now: Timestamp, sink: &mut impl FnMut(Output<'_>)) {
        let Some(batch) = self.batch.take() else {
            return;
        };
        let floor = self.previous_batch_time;
        for &index in &self.touched {
            let slot = &mut self.agents[index as usize];
            if slot.current.as_ref() == Some(&slot.pending) {
                continue;
            }
            let kind = match &slot.current {
                Some(status) if status.is_staffed() => ChangeKind::Changed,
                _ => ChangeKind::New,
            };
            slot.since = change_time(batch.time, slot.pending_duration, floor);
            match &mut slot.current {
                Some(current) => current.clone_from(&slot.pending),
                None => slot.current = Some(slot.pending.clone()),
            }
            sink(Output::Agent(AgentChange {
                acd: slot.acd,
                logid: &slot.logid,
                kind,
                status: slot.current.as_ref().expect("just set"),
                time: slot.since,
                received: now,
            }));
        }
        self.touched.clear();
        if completed {
            let logged_out = AgentStatus::logged_out();
            for slot in &mut self.agents {
                let staffed = slot.current.as_ref().is_some_and(AgentStatus::is_staffed);
                if staffed && slot.seen_in != batch.number {
                    slot.since = batch.time;
                    slot.current = Some(logged_out.clone());
                    sink(Output::Agent(AgentChange {
                        acd: slot.acd,
                        logid: &slot.logid,
                        kind: ChangeKind::LoggedOut,
                        status: slot.current.as_ref().expect("just set"),
                        time: batch.time,
                        received: now,
                    }));
                }
            }
            self.stats.batches_completed += 1;
            self.last_completed = Some(now);
            if self.health != FeedHealth::Up {
                self.health = FeedHealth::Up;
                sink(Output::Health(FeedHealth::Up));
            }
        } else {
            self.stats.batches_cut_off += 1;
        }
        self.previous_batch_time = Some(batch.time);
    }
}

fn emit_queue(row: &QueueRow, time: Timestamp, sink: &mut impl FnMut(Output<'_>)) {
    sink(Output::Queue(QueueUpdate {
        split: row.split,
        stats: &row.stats,
        time,
    }));
}

/// Batch time minus the time in state, kept between the previous batch and this one.
fn change_time(batch: Timestamp, duration: Option<u32>, floor: Option<Timestamp>) -> Timestamp {
    let Some(seconds) = duration else {
        return batch;
    };
    let started = batch
        .checked_sub(SignedDuration::from_secs(i64::from(seconds)))
        .unwrap_or(Timestamp::MIN);
    match floor {
        Some(floor) if started < floor => floor.min(batch),
        _ => started,
    }
}
