//! The snapshot assembler: consecutive CMS batches in, per-agent changes out.
//!
//! CMS re-runs the report every refresh and sends every staffed agent, so the feed is a
//! series of snapshots. The assembler keeps each agent's last known status and emits what
//! changed (`specs/avaya-rt-socket.md`, "Meaning"), each change as soon as it is known: as
//! its row is read (with detailed statuses, where the rows of an agent's skills make one
//! status, when the batch ends), the log-outs when a completed batch ends:
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
//! - A cut-off batch cannot tell that an agent logged off a skill (the rows of that skill may
//!   simply not have arrived), so with detailed statuses its skills add to the known ones.
//! - An `F3` with no batch open is an empty completed batch (everybody logged out) on a feed
//!   without `F0` headers, where it is the only way CMS can say nobody is staffed; on a feed
//!   that sends headers it is a stray trailer, counted and ignored, so a repeated `F3` never
//!   logs everybody out.
//! - The number of distinct agents is capped ([`AssemblerConfig::max_agents`]) so hostile input
//!   cannot grow memory without bound; rows of new agents past the cap are rejected.
//! - Agents are found by a `HashTable<u32>` of slot numbers comparing against the slot's
//!   (ACD, LOGID), so the LOGID is held once (`benches/memory.rs`: the assembler holds about
//!   120 bytes per agent at 1M agents, most of it the slot's current status; a status being
//!   assembled from several rows is kept beside the slots, for the agents the batch touched).
//!
//! Liveness: the feed has no heartbeat, so completed batches are the signal. Health is
//! `waiting` until the first completed batch, `up` after one, and `stale` when none completed
//! for more than three refresh intervals ([`Assembler::tick`]).

use crate::error::AvayaError;
use crate::layout::Layout;
use crate::record::{AgentRow, QueueRow, Record, RecordError, parse_record};
use crate::state::{AgentState, WorkMode};
use bytes::Bytes;
use ecow::EcoBytes;
use hashbrown::DefaultHashBuilder;
use hashbrown::HashTable;
use jiff::{SignedDuration, Timestamp};
use rta_lines::{FrameError, Snippet};
use rta_model::{Code, FeedHealth, IntegrationId, Observation, QueueStats, Status, Zone};
use smallvec::SmallVec;
use std::borrow::Cow;
use std::hash::BuildHasher;

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
        self.add_skills(row.logon_skills.iter().chain(row.split));
    }

    fn add_skills(&mut self, skills: impl Iterator<Item = u32>) {
        for skill in skills {
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
    /// When the row that told it was received (a log-out: the batch's trailer; with detailed
    /// statuses: the end of the batch).
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
    pub stray_trailers: u64,
}

/// One agent: its key and its current status, 56 bytes: a million agents keep a million
/// slots (`benches/memory.rs`). The status is kept in parts, not as an
/// [`AgentStatus`] (48 bytes with its inline skills): the skills and work skill of detailed
/// statuses are boxed, absent from plain ones, and `since` is a timestamp in its two parts.
#[derive(Debug)]
struct AgentSlot {
    /// Inline up to 15 bytes (LOGIDs are a few digits): every row compares it, and a boxed
    /// id was a second cache miss per row, after the slot's own (4 % of a snapshot flood's
    /// time). 16 bytes, where a `SmallVec` of as many took 24.
    logid: EcoBytes,
    /// The current status's work skill and skills, if it has any (detailed statuses).
    detail: Option<Box<Detail>>,
    /// When the current status began: seconds and nanoseconds of a valid `Timestamp`.
    since_second: i64,
    since_nanosecond: i32,
    acd: u32,
    /// The low 32 bits of the number of the batch that last listed this agent (they repeat
    /// after 2^32 batches, four centuries at the shortest refresh).
    seen_in: u32,
    /// With detailed statuses, where its status of the batch `seen_in` is assembled: an
    /// index into [`Assembler::pending`], valid while that batch is open.
    pending: u32,
    /// The current status's AUX reason, if `has_aux_reason`.
    aux_reason: u32,
    /// `None` until first seen.
    state: Option<AgentState>,
    has_aux_reason: bool,
}

/// The parts of a detailed status a plain one lacks.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Detail {
    work_skill: Option<u32>,
    skills: Skills,
}

/// The low 32 bits of a batch number, as a slot keeps it.
fn batch_mark(number: u64) -> u32 {
    number as u32
}

/// An agent's status being assembled from its rows of the open batch (detailed statuses,
/// whose rows of several skills make one status, and rejected rows, which keep the last).
/// Kept beside the slots, for the agents the batch touched only: in every slot it was most
/// of the assembler's memory (`benches/memory.rs`).
#[derive(Debug)]
struct Pending {
    slot: u32,
    status: AgentStatus,
    /// `AGDURATION`, the time in the status.
    duration: Option<u32>,
}

impl AgentSlot {
    fn new(acd: u32, logid: &[u8], since: Timestamp) -> AgentSlot {
        let mut slot = AgentSlot {
            logid: EcoBytes::from(logid),
            detail: None,
            since_second: 0,
            since_nanosecond: 0,
            acd,
            seen_in: 0,
            pending: 0,
            aux_reason: 0,
            state: None,
            has_aux_reason: false,
        };
        slot.set_since(since);
        slot
    }

    fn since(&self) -> Timestamp {
        // The parts of a timestamp that was valid when set.
        Timestamp::new(self.since_second, self.since_nanosecond).unwrap_or_default()
    }

    fn set_since(&mut self, since: Timestamp) {
        self.since_second = since.as_second();
        self.since_nanosecond = since.subsec_nanosecond();
    }

    /// The current status; `None` until first seen.
    fn current(&self) -> Option<AgentStatus> {
        let state = self.state?;
        let (work_skill, skills) = match self.detail.as_deref() {
            Some(detail) => (detail.work_skill, detail.skills.clone()),
            None => (None, Skills::new()),
        };
        Some(AgentStatus {
            state,
            aux_reason: self.has_aux_reason.then_some(self.aux_reason),
            work_skill,
            skills,
        })
    }

    fn is_current(&self, status: &AgentStatus) -> bool {
        let detail_is = match self.detail.as_deref() {
            Some(detail) => {
                detail.work_skill == status.work_skill && detail.skills == status.skills
            }
            None => status.work_skill.is_none() && status.skills.is_empty(),
        };
        self.state == Some(status.state)
            && self.has_aux_reason.then_some(self.aux_reason) == status.aux_reason
            && detail_is
    }

    fn set_current(&mut self, status: &AgentStatus) {
        self.state = Some(status.state);
        self.has_aux_reason = status.aux_reason.is_some();
        self.aux_reason = status.aux_reason.unwrap_or(0);
        if status.work_skill.is_none() && status.skills.is_empty() {
            self.detail = None;
        } else if let Some(detail) = &mut self.detail {
            detail.work_skill = status.work_skill;
            detail.skills.clone_from(&status.skills);
        } else {
            self.detail = Some(Box::new(Detail {
                work_skill: status.work_skill,
                skills: status.skills.clone(),
            }));
        }
    }

    fn is_staffed(&self) -> bool {
        self.state
            .is_some_and(|state| state.mode != WorkMode::Unstaffed)
    }

    /// Makes `status` current and emits the change, if it is one: dated by the batch time
    /// and the row's `duration`, never before `floor` (the previous batch's time).
    fn settle(
        &mut self,
        status: &AgentStatus,
        duration: Option<u32>,
        batch_time: Timestamp,
        floor: Option<Timestamp>,
        now: Timestamp,
        sink: &mut impl FnMut(Output<'_>),
    ) {
        if self.is_current(status) {
            return;
        }
        let kind = if self.is_staffed() {
            ChangeKind::Changed
        } else {
            ChangeKind::New
        };
        let since = change_time(batch_time, duration, floor);
        self.set_since(since);
        self.set_current(status);
        sink(Output::Agent(AgentChange {
            acd: self.acd,
            logid: &self.logid,
            kind,
            status,
            time: since,
            received: now,
        }));
    }
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
    /// Slots by `(ACD, LOGID)`, compared against the slot: the id is held once (a map keyed
    /// by the id held a second copy and 24-byte slots, about 58 bytes an agent at 1M agents
    /// against about 10 now).
    index: HashTable<u32>,
    hasher: DefaultHashBuilder,
    /// The statuses of the open batch still being assembled, in the order their agents came.
    /// Drained at the batch's end, keeping its capacity: a refresh does not allocate.
    pending: Vec<Pending>,
    /// The slot after the last row's: CMS lists agents in the same order every refresh, so
    /// this is usually the next row's agent, found without hashing.
    cursor: usize,
    batch: Option<OpenBatch>,
    batches_opened: u64,
    /// The feed sends `F0` headers.
    headers: bool,
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
            index: HashTable::new(),
            hasher: DefaultHashBuilder::default(),
            pending: Vec::new(),
            cursor: 0,
            batch: None,
            batches_opened: 0,
            headers: false,
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
                self.headers = true;
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
                self.apply_row(&row, batch, line, now, sink)
            }
            Ok(Record::Queue(row)) => {
                self.stats.rows += 1;
                let batch = self.current_batch(now);
                emit_queue(&row, batch.time, sink);
                Ok(())
            }
            Ok(Record::Trailer) if self.batch.is_none() && self.headers => {
                self.stats.stray_trailers += 1;
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
    pub fn status_of(&self, acd: u32, logid: &[u8]) -> Option<(AgentStatus, Timestamp)> {
        let slot = &self.agents[self.find(acd, logid)? as usize];
        slot.current().map(|status| (status, slot.since()))
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

    /// The slot of `(acd, logid)`, by the index.
    fn find(&self, acd: u32, logid: &[u8]) -> Option<u32> {
        let agents = &self.agents;
        self.index
            .find(self.hasher.hash_one((acd, logid)), |&i| {
                let slot = &agents[i as usize];
                slot.acd == acd && *slot.logid == *logid
            })
            .copied()
    }

    fn slot_of(&mut self, acd: u32, logid: &[u8]) -> Option<u32> {
        let guess = self.agents.get(self.cursor);
        let index = match guess.filter(|slot| slot.acd == acd && *slot.logid == *logid) {
            Some(_) => u32::try_from(self.cursor).ok()?,
            None => self.find(acd, logid)?,
        };
        self.cursor = index as usize + 1;
        Some(index)
    }

    /// Takes an agent's row into the batch. A plain status is the first row's alone, so its
    /// change is emitted here, at once; a detailed one waits for the end of the batch (the
    /// agent's rows of other skills may follow).
    fn apply_row(
        &mut self,
        row: &AgentRow<'_>,
        batch: OpenBatch,
        line: &[u8],
        now: Timestamp,
        sink: &mut impl FnMut(Output<'_>),
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
                self.agents
                    .push(AgentSlot::new(row.acd, row.logid, batch.time));
                let (agents, hasher) = (&self.agents, &self.hasher);
                self.index
                    .insert_unique(hasher.hash_one((row.acd, row.logid)), index, |&i| {
                        let slot = &agents[i as usize];
                        hasher.hash_one((slot.acd, &*slot.logid))
                    });
                self.cursor = self.agents.len();
                index
            }
        };
        let slot = &mut self.agents[index as usize];
        if slot.seen_in == batch_mark(batch.number) {
            if detailed {
                let pending = &mut self.pending[slot.pending as usize].status;
                pending.merge_skills(row);
                pending.work_skill = pending.work_skill.or(row.work_skill);
            }
        } else {
            slot.seen_in = batch_mark(batch.number);
            let status = AgentStatus::of_row(row, detailed);
            if detailed {
                slot.pending = pending_index(&self.pending);
                self.pending.push(Pending {
                    slot: index,
                    status,
                    duration: row.duration,
                });
            } else {
                let floor = self.previous_batch_time;
                slot.settle(&status, row.duration, batch.time, floor, now, sink);
            }
        }
        Ok(())
    }

    /// A row of this agent was rejected: keep its last status for this batch.
    fn hold_agent(&mut self, acd: u32, logid: &[u8], batch: u64) {
        let Some(index) = self.slot_of(acd, logid) else {
            return;
        };
        let slot = &mut self.agents[index as usize];
        if slot.seen_in == batch_mark(batch) {
            return;
        }
        if let Some(current) = slot.current().filter(AgentStatus::is_staffed) {
            self.pending.push(Pending {
                slot: index,
                status: current,
                duration: None,
            });
            slot.seen_in = batch_mark(batch);
            slot.pending = pending_index(&self.pending) - 1;
        }
    }

    fn end_batch(&mut self, completed: bool, now: Timestamp, sink: &mut impl FnMut(Output<'_>)) {
        let Some(batch) = self.batch.take() else {
            return;
        };
        let floor = self.previous_batch_time;
        let keep_skills = !completed && self.config.detailed_statuses;
        for mut pending in self.pending.drain(..) {
            let slot = &mut self.agents[pending.slot as usize];
            if let Some(known) = slot.detail.as_deref().filter(|_| keep_skills) {
                pending.status.add_skills(known.skills.iter().copied());
            }
            slot.settle(
                &pending.status,
                pending.duration,
                batch.time,
                floor,
                now,
                sink,
            );
        }
        if completed {
            let logged_out = AgentStatus::logged_out();
            for slot in &mut self.agents {
                if slot.is_staffed() && slot.seen_in != batch_mark(batch.number) {
                    slot.set_since(batch.time);
                    slot.set_current(&logged_out);
                    sink(Output::Agent(AgentChange {
                        acd: slot.acd,
                        logid: &slot.logid,
                        kind: ChangeKind::LoggedOut,
                        status: &logged_out,
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

/// The index the next pending status takes: slots are at most `max_agents`, which fits in
/// `u32`, and an agent is pending at most once per batch.
fn pending_index(pending: &[Pending]) -> u32 {
    u32::try_from(pending.len()).expect("at most one pending status per slot")
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

#[cfg(test)]
mod tests {
    use super::*;
    use rta_model::{Direction, Phase};

    #[test]
    fn a_slot_keeps_every_part_of_a_status_in_56_bytes() {
        assert_eq!(size_of::<AgentSlot>(), 56);
        let since: Timestamp = "2026-11-23T09:31:04.123456789Z".parse().unwrap();
        let mut slot = AgentSlot::new(7, b"40101", since);
        assert_eq!((slot.current(), slot.since()), (None, since));
        assert!(!slot.is_staffed());
        let aux = AgentStatus {
            state: AgentState::new(WorkMode::Aux),
            aux_reason: Some(u32::MAX),
            work_skill: None,
            skills: Skills::new(),
        };
        let detailed = AgentStatus {
            state: AgentState::new(WorkMode::Acd),
            aux_reason: None,
            work_skill: Some(101),
            skills: Skills::from_slice(&[101, 102, 103, 104, 105]),
        };
        for status in [&aux, &detailed, &aux, &AgentStatus::logged_out()] {
            slot.set_current(status);
            assert!(slot.is_current(status));
            assert_eq!(slot.current().as_ref(), Some(status));
            assert_eq!(slot.detail.is_some(), !status.skills.is_empty());
        }
        assert!(!slot.is_current(&aux));
        slot.set_current(&AgentStatus {
            aux_reason: Some(0),
            ..aux.clone()
        });
        assert!(!slot.is_current(&aux), "reason 0 is not reason u32::MAX");
        assert!(slot.is_staffed());
        let later: Timestamp = "2262-04-11T23:47:16.854775807Z".parse().unwrap();
        slot.set_since(later);
        assert_eq!(slot.since(), later);
    }

    const SPEC_BATCH: &str = "\
F0|2026-11-23 09:31:03
F1|1|  40101| 51001|AVAIL  |  |    |   :42|  0|  0
F1|1|  40102| 51002|ACDIN  |  | 101| 2:17|  0|  0
F1|1|  40103| 51003|AUX    | 2|    |14:05|  0|  0
F1|1|  40104| 51004|ACWOUT |  | 101|  :09|  0|  0
F1|1|  40105| 51005|RINGING|  | 102|  :03|  0|  0
F1|1|  40106| 51006|OTHER  |  |    |  :06|  0|  0
F3|END_OF_RECORDS";

    /// A change as plain data: (logid, kind, code, aux reason, time).
    type Seen = (String, ChangeKind, &'static str, Option<u32>, String);

    struct Harness {
        assembler: Assembler,
        changes: Vec<Seen>,
        health: Vec<FeedHealth>,
        errors: Vec<AvayaError>,
    }

    fn ts(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    impl Harness {
        fn new(config: AssemblerConfig, layout: Layout) -> Self {
            Harness {
                assembler: Assembler::new(config, layout),
                changes: Vec::new(),
                health: Vec::new(),
                errors: Vec::new(),
            }
        }

        fn agent() -> Self {
            Self::new(AssemblerConfig::new(IntegrationId(1)), Layout::agent())
        }

        fn sink<'s>(
            changes: &'s mut Vec<Seen>,
            health: &'s mut Vec<FeedHealth>,
        ) -> impl FnMut(Output<'_>) + 's {
            move |output| match output {
                Output::Agent(change) => changes.push((
                    String::from_utf8(change.logid.to_vec()).unwrap(),
                    change.kind,
                    change.status.state.code(),
                    change.status.aux_reason,
                    change.time.to_string(),
                )),
                Output::Health(h) => health.push(h),
                Output::Queue(_) => {}
            }
        }

        /// Feeds the lines received at `now`; returns the changes they caused.
        fn feed(&mut self, text: &str, now: &str) -> Vec<Seen> {
            let now = ts(now);
            {
                let mut sink = Self::sink(&mut self.changes, &mut self.health);
                for line in text.lines() {
                    if let Err(error) = self.assembler.push_line(line.as_bytes(), now, &mut sink) {
                        self.errors.push(error);
                    }
                }
            }
            std::mem::take(&mut self.changes)
        }

        fn disconnect(&mut self, now: &str) -> Vec<Seen> {
            self.assembler.connection_lost(
                ts(now),
                &mut Self::sink(&mut self.changes, &mut self.health),
            );
            std::mem::take(&mut self.changes)
        }

        fn tick(&mut self, now: &str) -> Vec<FeedHealth> {
            self.assembler.tick(
                ts(now),
                &mut Self::sink(&mut self.changes, &mut self.health),
            );
            std::mem::take(&mut self.health)
        }
    }

    fn seen(
        logid: &str,
        kind: ChangeKind,
        code: &'static str,
        reason: Option<u32>,
        time: &str,
    ) -> Seen {
        (logid.into(), kind, code, reason, time.into())
    }

    fn batch(time: &str, rows: &[&str]) -> String {
        let mut text = format!("F0|{time}\n");
        for row in rows {
            text.push_str(row);
            text.push('\n');
        }
        text.push_str("F3|END_OF_RECORDS\n");
        text
    }

    use ChangeKind::{Changed, LoggedOut, New};

    #[test]
    fn first_batch_dates_every_agent_from_its_duration() {
        let mut h = Harness::agent();
        let changes = h.feed(SPEC_BATCH, "2026-11-23T09:31:04Z");
        assert_eq!(
            changes,
            [
                seen("40101", New, "AVAIL", None, "2026-11-23T09:30:21Z"),
                seen("40102", New, "ACDIN", None, "2026-11-23T09:28:46Z"),
                seen("40103", New, "AUX", Some(2), "2026-11-23T09:16:58Z"),
                seen("40104", New, "ACWOUT", None, "2026-11-23T09:30:54Z"),
                seen("40105", New, "RING", None, "2026-11-23T09:31:00Z"),
                seen("40106", New, "OTHER", None, "2026-11-23T09:30:57Z"),
            ]
        );
        assert!(h.errors.is_empty(), "{:?}", h.errors);
        assert_eq!(h.health, [FeedHealth::Up]);
    }

    #[test]
    fn identical_batch_is_no_change_and_changes_are_bounded_by_the_previous_batch() {
        let mut h = Harness::agent();
        h.feed(SPEC_BATCH, "2026-11-23T09:31:04Z");
        let same = SPEC_BATCH.replace("09:31:03", "09:31:18");
        assert_eq!(h.feed(&same, "2026-11-23T09:31:19Z"), []);

        let next = batch(
            "2026-11-23 09:31:33",
            &[
                // Changed 10 s ago: dated from the duration.
                "F1|1|  40101| 51001|ACDIN  |  | 101|  :10|  0|  0",
                // Duration says 10 minutes, but the previous batch showed ACDIN: bounded.
                "F1|1|  40102| 51002|ACW    |  | 101|10:00|  0|  0",
                // Duration unknown: the batch time.
                "F1|1|  40103| 51003|AUX    | 7|    |*****|  0|  0",
                "F1|1|  40104| 51004|ACWOUT |  | 101|  :39|  0|  0",
                "F1|1|  40105| 51005|RINGING|  | 102|  :33|  0|  0",
                "F1|1|  40106| 51006|OTHER  |  |    |  :36|  0|  0",
            ],
        );
        assert_eq!(
            h.feed(&next, "2026-11-23T09:31:34Z"),
            [
                seen("40101", Changed, "ACDIN", None, "2026-11-23T09:31:23Z"),
                seen("40102", Changed, "ACW", None, "2026-11-23T09:31:18Z"),
                seen("40103", Changed, "AUX", Some(7), "2026-11-23T09:31:33Z"),
            ]
        );
        let (status, since) = h.assembler.status_of(1, b"40102").unwrap();
        assert_eq!(status.state, AgentState::new(WorkMode::Acw));
        assert_eq!(since, ts("2026-11-23T09:31:18Z"));
    }

    #[test]
    fn absent_from_a_completed_batch_is_logged_out_and_may_come_back() {
        let mut h = Harness::agent();
        h.feed(SPEC_BATCH, "2026-11-23T09:31:04Z");
        let rows: Vec<&str> = SPEC_BATCH
            .lines()
            .filter(|l| !l.contains("40103"))
            .skip(1)
            .collect();
        let without = format!("F0|2026-11-23 09:31:18\n{}\n", rows.join("\n"));
        assert_eq!(
            h.feed(&without, "2026-11-23T09:31:19Z"),
            [seen(
                "40103",
                LoggedOut,
                "UNSTAFF",
                None,
                "2026-11-23T09:31:18Z"
            )]
        );
        assert_eq!(
            h.feed(&without.replace(":18", ":33"), "2026-11-23T09:31:34Z"),
            []
        );
        let back = batch(
            "2026-11-23 09:31:48",
            &["F1|1|40103|51003|OTHER||| :05|0|0"],
        );
        let changes = h.feed(&back, "2026-11-23T09:31:49Z");
        assert_eq!(
            changes[0],
            seen("40103", New, "OTHER", None, "2026-11-23T09:31:43Z")
        );
        assert_eq!(
            changes.len(),
            6,
            "the five others are absent now: {changes:?}"
        );
        assert!(changes[1..].iter().all(|c| c.1 == LoggedOut));
    }

    #[test]
    fn an_empty_completed_batch_logs_everybody_out() {
        let mut h = Harness::agent();
        h.feed(SPEC_BATCH, "2026-11-23T09:31:04Z");
        let changes = h.feed(
            "F0|2026-11-23 09:31:18\nF3|END_OF_RECORDS\n",
            "2026-11-23T09:31:19Z",
        );
        assert_eq!(changes.len(), 6);
        assert!(
            changes
                .iter()
                .all(|c| c.1 == LoggedOut && c.4 == "2026-11-23T09:31:18Z")
        );
        // On a feed with headers, a trailer with no batch open is a stray: ignored.
        h.feed(SPEC_BATCH, "2026-11-23T09:31:34Z");
        assert_eq!(
            h.feed("F3\nF3|END_OF_RECORDS\n", "2026-11-23T09:31:49Z"),
            []
        );
        assert_eq!(h.assembler.stats().stray_trailers, 2);
        // Without headers, a bare trailer is the empty snapshot.
        let mut bare = Harness::agent();
        let rows: Vec<&str> = SPEC_BATCH.lines().skip(1).collect();
        bare.feed(&rows.join("\n"), "2026-11-23T09:31:04Z");
        assert_eq!(bare.feed("F3\n", "2026-11-23T09:31:19Z").len(), 6);
    }

    /// A plain status goes out as its row is read, received then; a detailed one (rows of
    /// other skills may follow) and a log-out when the batch ends.
    #[test]
    fn changes_go_out_with_their_row_and_log_outs_with_the_trailer() {
        let received = |detailed: bool| {
            let mut config = AssemblerConfig::new(IntegrationId(0));
            config.detailed_statuses = detailed;
            let mut assembler = Assembler::new(config, Layout::agent());
            let mut out: Vec<(String, ChangeKind, Timestamp)> = Vec::new();
            let lines = [
                ("F0|2026-11-23 09:31:03", "2026-11-23T09:31:04Z"),
                ("F1|1|40101|51001|AVAIL|||:05|0|0", "2026-11-23T09:31:05Z"),
                (
                    "F1|1|40102|51002|ACDIN||101|2:17|0|0",
                    "2026-11-23T09:31:06Z",
                ),
                ("F3|END_OF_RECORDS", "2026-11-23T09:31:07Z"),
                ("F0|2026-11-23 09:31:18", "2026-11-23T09:31:19Z"),
                (
                    "F1|1|40101|51001|ACDIN||101|:03|0|0",
                    "2026-11-23T09:31:20Z",
                ),
                ("F3|END_OF_RECORDS", "2026-11-23T09:31:21Z"),
            ];
            for (line, now) in lines {
                let mut sink = |output: Output<'_>| {
                    if let Output::Agent(change) = output {
                        let logid = String::from_utf8(change.logid.to_vec()).unwrap();
                        out.push((logid, change.kind, change.received));
                    }
                };
                assembler
                    .push_line(line.as_bytes(), ts(now), &mut sink)
                    .unwrap();
            }
            out
        };
        assert_eq!(
            received(false),
            [
                ("40101".into(), New, ts("2026-11-23T09:31:05Z")),
                ("40102".into(), New, ts("2026-11-23T09:31:06Z")),
                ("40101".into(), Changed, ts("2026-11-23T09:31:20Z")),
                ("40102".into(), LoggedOut, ts("2026-11-23T09:31:21Z")),
            ]
        );
        assert_eq!(
            received(true),
            [
                ("40101".into(), New, ts("2026-11-23T09:31:07Z")),
                ("40102".into(), New, ts("2026-11-23T09:31:07Z")),
                ("40101".into(), Changed, ts("2026-11-23T09:31:21Z")),
                ("40102".into(), LoggedOut, ts("2026-11-23T09:31:21Z")),
            ]
        );
    }

    #[test]
    fn cut_off_batches_apply_their_rows_and_log_nobody_out() {
        let mut h = Harness::agent();
        h.feed(SPEC_BATCH, "2026-11-23T09:31:04Z");
        // The next F0 arrives before a trailer: the cut batch's rows still count (each
        // change is out as its row is read), and nobody is logged out.
        let cut = "F0|2026-11-23 09:31:18\nF1|1|40101|51001|AUX|4||:05|0|0\n";
        assert_eq!(
            h.feed(cut, "2026-11-23T09:31:19Z"),
            [seen(
                "40101",
                Changed,
                "AUX",
                Some(4),
                "2026-11-23T09:31:13Z"
            )]
        );
        assert_eq!(
            h.feed("F0|2026-11-23 09:31:33\n", "2026-11-23T09:31:34Z"),
            []
        );
        // A disconnect cuts the batch too.
        assert_eq!(
            h.feed("F1|1|40102|51002|AVAIL|||:02|0|0\n", "2026-11-23T09:31:35Z"),
            [seen(
                "40102",
                Changed,
                "AVAIL",
                None,
                "2026-11-23T09:31:31Z"
            )]
        );
        assert_eq!(h.disconnect("2026-11-23T09:31:36Z"), []);
        assert_eq!(h.assembler.stats().batches_cut_off, 2);
        assert_eq!(h.assembler.stats().batches_completed, 1);
        for logid in ["40103", "40104", "40105", "40106"] {
            assert!(
                h.assembler
                    .status_of(1, logid.as_bytes())
                    .unwrap()
                    .0
                    .is_staffed()
            );
        }
    }

    #[test]
    fn without_f0_the_batch_is_timed_at_the_first_row() {
        let mut h = Harness::agent();
        let text = "F1|1|40101|51001|AVAIL|||:42|0|0\nF3|END_OF_RECORDS\n";
        assert_eq!(
            h.feed(text, "2026-11-23T09:31:04Z"),
            [seen("40101", New, "AVAIL", None, "2026-11-23T09:30:22Z")]
        );
    }

    #[test]
    fn bad_batch_time_is_reported_and_the_batch_timed_at_receipt() {
        let mut h = Harness::agent();
        let text = "F0|23/11/2026 09:31\nF1|1|40101|51001|AVAIL|||:42|0|0\nF3\n";
        assert_eq!(
            h.feed(text, "2026-11-23T09:31:04Z"),
            [seen("40101", New, "AVAIL", None, "2026-11-23T09:30:22Z")]
        );
        assert!(matches!(h.errors[..], [AvayaError::BadBatchTime { .. }]));
    }

    #[test]
    fn garbage_and_bad_rows_lose_nothing_around_them() {
        let mut h = Harness::agent();
        h.feed(SPEC_BATCH, "2026-11-23T09:31:04Z");
        let text = batch(
            "2026-11-23 09:31:18",
            &[
                "F1|1|  40101| 51001|AVAIL  |  |    |   :57|  0|  0",
                "#### line noise ####",
                "F1|1|  40102| 51002|ACDIN  |  | 101| 2:32",
                "F1|1|  40103| 51003|NAPPING| 2|    |14:20|  0|  0",
                "F1|1|  40104| 51004|ACWOUT |  | 101|  :24|  0|  0",
                "F9|future record",
                "F1|1|  40105| 51005|ACDIN  |  | 102|  :05|  0|  0",
                "F1|1|  40106| 51006|OTHER  |  |    |  :21|  0|  0",
                "F1|1|  40107| 51007|GARBLED|  |    |  :21|  0|  0",
            ],
        );
        assert_eq!(
            h.feed(&text, "2026-11-23T09:31:19Z"),
            [seen(
                "40105",
                Changed,
                "ACDIN",
                None,
                "2026-11-23T09:31:13Z"
            )],
            "the agents of the rejected rows keep their status"
        );
        assert_eq!(h.errors.len(), 4, "{:?}", h.errors);
        assert!(matches!(h.errors[0], AvayaError::NotARecord { .. }));
        assert!(
            h.errors[1].to_string().contains("40102"),
            "errors carry the line: {}",
            h.errors[1]
        );
        let stats = h.assembler.stats();
        assert_eq!(
            (stats.bad_rows, stats.bad_lines, stats.other_records),
            (3, 1, 1)
        );
        assert_eq!(
            h.assembler.agent_count(),
            6,
            "an unreadable new agent is not invented"
        );
    }

    #[test]
    fn aux_reason_counts_only_in_aux() {
        let mut h = Harness::agent();
        h.feed(
            &batch("2026-11-23 09:00:00", &["F1|1|7|1|AVAIL|3|||0|0"]),
            "2026-11-23T09:00:01Z",
        );
        assert_eq!(
            h.feed(
                &batch("2026-11-23 09:00:15", &["F1|1|7|1|AVAIL|5|||0|0"]),
                "2026-11-23T09:00:16Z"
            ),
            []
        );
        assert_eq!(
            h.feed(
                &batch("2026-11-23 09:00:30", &["F1|1|7|1|AUX|0|||0|0"]),
                "2026-11-23T09:00:31Z"
            ),
            [seen("7", Changed, "AUX", Some(0), "2026-11-23T09:00:30Z")],
            "reason 0 is a real reason"
        );
        assert_eq!(
            h.feed(
                &batch("2026-11-23 09:00:45", &["F1|1|7|1|AUX|2|||0|0"]),
                "2026-11-23T09:00:46Z"
            ),
            [seen("7", Changed, "AUX", Some(2), "2026-11-23T09:00:45Z")]
        );
    }

    #[test]
    fn per_skill_rows_are_one_agent_with_merged_skills() {
        let layout: Layout = "ACD,LOGID,SPLIT,AGSTATE,AUXREASON,WORKSKILL,AGDURATION,LOGONSKILLS"
            .parse()
            .unwrap();
        let mut config = AssemblerConfig::new(IntegrationId(1));
        config.detailed_statuses = true;
        let mut assembler = Assembler::new(config, layout.clone());
        let rows = [
            "F0|2026-11-23 09:00:00",
            "F1|1|40101|101|ACDIN||102|:30|",
            "F1|1|40101|102|ACDIN||102|:30|",
            "F1|1|40101|205|ACDIN||102|:30|7",
            "F3",
        ];
        let mut observations = Vec::new();
        for line in rows {
            assembler
                .push_line(line.as_bytes(), ts("2026-11-23T09:00:01Z"), &mut |output| {
                    if let Output::Agent(change) = output {
                        observations.push(change.observation(IntegrationId(1)).into_owned());
                    }
                })
                .unwrap();
        }
        assert_eq!(observations.len(), 1);
        let observation = &observations[0];
        assert_eq!(&observation.external_id[..], b"40101");
        assert_eq!(observation.phase, Phase::Talking);
        assert_eq!(observation.direction, Direction::In);
        assert_eq!(observation.status.code, "ACDIN");
        assert_eq!(observation.status.detail, Some(Code::Number(102)));
        assert_eq!(&observation.status.skills[..], [7, 101, 102, 205]);
        assert_eq!(observation.time, ts("2026-11-23T08:59:30Z"));

        // A cut-off batch adds skills; it cannot take one away.
        for line in ["F0|2026-11-23 09:00:15", "F1|1|40101|101|ACDIN||102|:45|"] {
            assembler
                .push_line(line.as_bytes(), ts("2026-11-23T09:00:16Z"), &mut |_| {})
                .unwrap();
        }
        let mut cut = Vec::new();
        assembler.connection_lost(ts("2026-11-23T09:00:17Z"), &mut |output| {
            if let Output::Agent(change) = output {
                cut.push(change.status.skills.to_vec());
            }
        });
        assert_eq!(cut, Vec::<Vec<u32>>::new(), "no skill-only change");
        let (status, _) = assembler.status_of(1, b"40101").unwrap();
        assert_eq!(&status.skills[..], [7, 101, 102, 205]);

        // Plain statuses ignore skills: a skill change is no change.
        let mut plain = Harness::new(AssemblerConfig::new(IntegrationId(1)), layout);
        plain.feed(
            &batch("2026-11-23 09:00:00", &["F1|1|40101|101|ACDIN||102|:30|"]),
            "2026-11-23T09:00:01Z",
        );
        assert_eq!(
            plain.feed(
                &batch(
                    "2026-11-23 09:00:15",
                    &[
                        "F1|1|40101|101|ACDIN||101|:45|",
                        "F1|1|40101|103|ACDIN||101|:45|"
                    ]
                ),
                "2026-11-23T09:00:16Z"
            ),
            []
        );
    }

    #[test]
    fn batch_times_cross_the_autumn_repeat_without_going_back() {
        let mut config = AssemblerConfig::new(IntegrationId(1));
        config.zone = Zone::get("America/New_York").unwrap();
        let mut h = Harness::new(config, Layout::agent());
        let row = |state: &str| format!("F1|1|40101|51001|{state}|||:01|0|0");
        h.feed(
            &batch("2026-11-01 01:59:50", &[&row("AVAIL")]),
            "2026-11-01T05:59:51Z",
        );
        // 01:00:05 happens twice; the first reading (EDT) would go back an hour.
        let changes = h.feed(
            &batch("2026-11-01 01:00:05", &[&row("ACDIN")]),
            "2026-11-01T06:00:06Z",
        );
        assert_eq!(
            changes,
            [seen(
                "40101",
                Changed,
                "ACDIN",
                None,
                "2026-11-01T06:00:04Z"
            )]
        );
        // Spring forward: 02:30 does not exist; read as 03:30 EDT.
        let changes = h.feed(
            &batch("2027-03-14 02:30:00", &[&row("AVAIL")]),
            "2027-03-14T07:30:01Z",
        );
        assert_eq!(
            changes,
            [seen(
                "40101",
                Changed,
                "AVAIL",
                None,
                "2027-03-14T07:29:59Z"
            )]
        );
    }

    #[test]
    fn the_agent_table_is_capped() {
        let mut config = AssemblerConfig::new(IntegrationId(1));
        config.max_agents = 2;
        let mut h = Harness::new(config, Layout::agent());
        let text = batch(
            "2026-11-23 09:00:00",
            &[
                "F1|1|1|1|AVAIL||||0|0",
                "F1|1|2|1|AVAIL||||0|0",
                "F1|1|3|1|AVAIL||||0|0",
            ],
        );
        assert_eq!(h.feed(&text, "2026-11-23T09:00:01Z").len(), 2);
        assert!(matches!(
            h.errors[..],
            [AvayaError::TooManyAgents { limit: 2, .. }]
        ));
        assert_eq!(h.assembler.agent_count(), 2);
    }

    #[test]
    fn liveness_waiting_up_stale_up() {
        let mut config = AssemblerConfig::new(IntegrationId(1));
        config.refresh = SignedDuration::from_secs(5);
        let mut h = Harness::new(config, Layout::agent());
        assert_eq!(h.tick("2026-11-23T09:00:00Z"), []);
        assert_eq!(
            h.assembler.health(ts("2026-11-23T09:00:00Z")),
            FeedHealth::Waiting
        );
        h.feed(SPEC_BATCH, "2026-11-23T09:00:01Z");
        assert_eq!(std::mem::take(&mut h.health), [FeedHealth::Up]);
        assert_eq!(
            h.tick("2026-11-23T09:00:16Z"),
            [],
            "exactly 3 x refresh is not stale yet"
        );
        assert_eq!(h.tick("2026-11-23T09:00:17Z"), [FeedHealth::Stale]);
        assert_eq!(h.tick("2026-11-23T09:00:20Z"), [], "reported once");
        // Rows without a trailer are not a completed batch: still stale.
        h.feed("F1|1|40101|51001|AVAIL|||:42|0|0\n", "2026-11-23T09:00:21Z");
        assert_eq!(h.tick("2026-11-23T09:00:22Z"), []);
        h.feed("F3\n", "2026-11-23T09:00:23Z");
        assert_eq!(std::mem::take(&mut h.health), [FeedHealth::Up]);
    }

    #[test]
    fn queue_rows_carry_the_batch_time() {
        let mut assembler =
            Assembler::new(AssemblerConfig::new(IntegrationId(1)), Layout::csplit());
        let mut updates = Vec::new();
        let lines = [
            "F0|2026-11-23 09:31:03",
            "F1| 101|  3| 2|  :12| 4|1| 1:05| 57| 3:10|  :40|1|5|2|0|3|12|  :00| :30| 1:00|0| 87| 20| 66",
            "F1| 102|  0| 1|  :00| 0|1|  :00|  0|  :00|  :00|0|0|0|0|0| 1|  :00| :00|  :00|0|100| 20|  0",
            "F3|END_OF_RECORDS",
        ];
        for line in lines {
            assembler
                .push_line(line.as_bytes(), ts("2026-11-23T09:31:04Z"), &mut |output| {
                    if let Output::Queue(update) = output {
                        updates.push((update.split, update.stats.calls_offered, update.time));
                    }
                })
                .unwrap();
        }
        let time = ts("2026-11-23T09:31:03Z");
        assert_eq!(updates, [(101, Some(66), time), (102, Some(0), time)]);
    }
}
