//! The ground truth: what a correct receiver must emit for what was actually delivered.
//!
//! A second implementation of the snapshot semantics of `specs/avaya-rt-socket.md`
//! ("Meaning"), as `rta_avaya::Assembler` documents them, over typed data: the simulator
//! tells it what each delivered line *is* (a batch header, an agent's row with its typed
//! state, an unreadable row, a trailer, noise) instead of bytes, and it derives the changes:
//! - a batch is opened by `F0` (its time is the local time read in the zone, a repeated hour
//!   resolved as `rta_model::Zone::resolve` specifies) or, without one, by its first row (the
//!   row's receive time);
//! - it is completed by a trailer, or cut off by the next `F0` or by the connection's end;
//! - per agent key (ACD, LOGID) the first row of a batch gives the status; later rows of the
//!   same agent add their skills (detailed statuses); the AUX reason counts only in AUX;
//! - an unreadable row whose key is known keeps a staffed agent's status for the batch;
//! - at the end of a batch each status that differs from the agent's last is a change (`New`
//!   when the agent was not staffed, else `Changed`), dated batch time minus `AGDURATION`,
//!   not before the previous batch's time (completed or not) and not after this one's, or the
//!   batch time without a duration; a completed batch logs out every staffed agent it did not
//!   list, at the batch time.
//!
//! Changes come in groups, one per batch end, sorted by agent key: a receiver emits the
//! changes of one batch by its end (as each row is read, or at the end), in an order the
//! spec leaves open.

use bytes::Bytes;
use jiff::civil::DateTime;
use jiff::{SignedDuration, Timestamp};
use rta_avaya::{
    AgentChange, AgentState, Assembler, ChangeKind, FrameError, Output, Stats, WorkMode,
};
use rta_model::Zone;
use std::collections::HashMap;
use std::fmt;

/// An agent status as the ground truth tracks it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedStatus {
    pub state: AgentState,
    /// Only in AUX.
    pub aux_reason: Option<u32>,
    /// Only with detailed statuses.
    pub work_skill: Option<u32>,
    /// Only with detailed statuses: sorted, without duplicates.
    pub skills: Vec<u32>,
}

impl ExpectedStatus {
    /// Not staffed.
    pub fn logged_out() -> Self {
        ExpectedStatus {
            state: AgentState::new(WorkMode::Unstaffed),
            aux_reason: None,
            work_skill: None,
            skills: Vec::new(),
        }
    }

    /// True unless logged out.
    pub fn is_staffed(&self) -> bool {
        self.state.mode != WorkMode::Unstaffed
    }

    fn add_skills(&mut self, skills: &[u32]) {
        for &skill in skills {
            if let Err(at) = self.skills.binary_search(&skill) {
                self.skills.insert(at, skill);
            }
        }
    }
}

/// One change a correct receiver emits.
#[derive(Clone, PartialEq, Eq)]
pub struct ExpectedChange {
    pub acd: u32,
    pub logid: Vec<u8>,
    pub kind: ChangeKind,
    pub status: ExpectedStatus,
    /// When the new status began, as the feed lets a receiver know it.
    pub time: Timestamp,
}

impl ExpectedChange {
    /// The agent key (ACD, LOGID), the order of changes within a group.
    pub fn key(&self) -> (u32, &[u8]) {
        (self.acd, &self.logid)
    }
}

impl From<&AgentChange<'_>> for ExpectedChange {
    /// What an assembler emitted, in the ground truth's terms (for comparison).
    fn from(change: &AgentChange<'_>) -> Self {
        ExpectedChange {
            acd: change.acd,
            logid: change.logid.to_vec(),
            kind: change.kind,
            status: ExpectedStatus {
                state: change.status.state,
                aux_reason: change.status.aux_reason,
                work_skill: change.status.work_skill,
                skills: change.status.skills.to_vec(),
            },
            time: change.time,
        }
    }
}

impl fmt::Display for ExpectedChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{} {:?} {}",
            self.acd,
            rta_model::utf8_or_latin1(&self.logid),
            self.kind,
            self.status.state.code()
        )?;
        if let Some(reason) = self.status.aux_reason {
            write!(f, " reason {reason}")?;
        }
        if let Some(skill) = self.status.work_skill {
            write!(f, " on {skill}")?;
        }
        if !self.status.skills.is_empty() {
            write!(f, " skills {:?}", self.status.skills)?;
        }
        write!(f, " at {}", self.time)
    }
}

impl fmt::Debug for ExpectedChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// What one delivered, readable agent row says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypedRow {
    pub acd: u32,
    pub logid: Box<[u8]>,
    pub state: AgentState,
    pub aux_reason: Option<u32>,
    pub work_skill: Option<u32>,
    /// `AGDURATION` in seconds; `None` when it overflowed (`*****`).
    pub duration: Option<u32>,
    /// The skills the row names (`LOGONSKILLS` and `SPLIT`).
    pub skills: Vec<u32>,
}

#[derive(Debug)]
struct Known {
    acd: u32,
    logid: Box<[u8]>,
    /// `None` until a batch that listed the agent ended.
    status: Option<ExpectedStatus>,
}

#[derive(Debug)]
struct Said {
    status: ExpectedStatus,
    duration: Option<u32>,
}

#[derive(Debug)]
struct OpenBatch {
    time: Timestamp,
    /// The agents the batch speaks of, in the order it first did, and what it said.
    listed: Vec<(usize, Said)>,
    positions: HashMap<usize, usize>,
}

/// The receiver semantics over typed input (see the module docs).
#[derive(Debug)]
pub struct GroundTruth {
    zone: Zone,
    detailed: bool,
    known: Vec<Known>,
    keys: HashMap<(u32, Box<[u8]>), usize>,
    open: Option<OpenBatch>,
    previous_batch_time: Option<Timestamp>,
    /// An `F0` was seen: a trailer with no batch open is then a stray.
    headers: bool,
    groups: Vec<Vec<ExpectedChange>>,
    stats: Stats,
}

impl GroundTruth {
    /// A receiver reading `F0` times in `zone`, with or without detailed statuses.
    pub fn new(zone: Zone, detailed_statuses: bool) -> Self {
        GroundTruth {
            zone,
            detailed: detailed_statuses,
            known: Vec::new(),
            keys: HashMap::new(),
            open: None,
            previous_batch_time: None,
            headers: false,
            groups: Vec::new(),
            stats: Stats::default(),
        }
    }

    /// The changes so far: one group per batch end that changed something, each sorted by
    /// agent key.
    pub fn groups(&self) -> &[Vec<ExpectedChange>] {
        &self.groups
    }

    /// The counters a receiver's assembler must show (`rta_avaya::Stats`).
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// The last status emitted for an agent.
    pub fn status_of(&self, acd: u32, logid: &[u8]) -> Option<&ExpectedStatus> {
        let index = *self.keys.get(&(acd, Box::from(logid)))?;
        self.known[index].status.as_ref()
    }

    /// The time of the batch that ended last.
    pub fn previous_batch_time(&self) -> Option<Timestamp> {
        self.previous_batch_time
    }

    /// `F0` with this local time, received at `now`.
    pub fn batch_start(&mut self, local: DateTime, now: Timestamp) {
        self.stats.lines += 1;
        self.headers = true;
        self.end(false);
        let time = self
            .zone
            .resolve(local, self.previous_batch_time)
            .unwrap_or(now);
        self.open_at(time);
    }

    /// A readable agent row received at `now`.
    pub fn row(&mut self, row: &TypedRow, now: Timestamp) {
        self.stats.lines += 1;
        self.stats.rows += 1;
        let index = match self.keys.get(&(row.acd, row.logid.clone())) {
            Some(&index) => index,
            None => {
                self.known.push(Known {
                    acd: row.acd,
                    logid: row.logid.clone(),
                    status: None,
                });
                self.keys
                    .insert((row.acd, row.logid.clone()), self.known.len() - 1);
                self.known.len() - 1
            }
        };
        let detailed = self.detailed;
        let batch = self.batch(now);
        match batch.positions.get(&index) {
            Some(&position) => {
                if detailed {
                    let said = &mut batch.listed[position].1;
                    said.status.add_skills(&row.skills);
                    said.status.work_skill = said.status.work_skill.or(row.work_skill);
                }
            }
            None => {
                let mut status = ExpectedStatus {
                    state: row.state,
                    aux_reason: row.aux_reason.filter(|_| row.state.mode == WorkMode::Aux),
                    work_skill: row.work_skill.filter(|_| detailed),
                    skills: Vec::new(),
                };
                if detailed {
                    status.add_skills(&row.skills);
                }
                batch.say(
                    index,
                    Said {
                        status,
                        duration: row.duration,
                    },
                );
            }
        }
    }

    /// An unreadable agent row received at `now`; `key` when its ACD and LOGID can be read.
    pub fn bad_row(&mut self, key: Option<(u32, &[u8])>, now: Timestamp) {
        self.stats.lines += 1;
        self.stats.bad_rows += 1;
        let Some((acd, logid)) = key else {
            return;
        };
        let known = self
            .keys
            .get(&(acd, Box::from(logid)))
            .map(|&index| (index, self.known[index].status.clone()));
        let batch = self.batch(now);
        if let Some((index, Some(status))) = known {
            if status.is_staffed() && !batch.positions.contains_key(&index) {
                batch.say(
                    index,
                    Said {
                        status,
                        duration: None,
                    },
                );
            }
        }
    }

    /// A trailer (`F3`) received at `now`.
    pub fn trailer(&mut self, now: Timestamp) {
        self.stats.lines += 1;
        if self.open.is_none() && self.headers {
            self.stats.stray_trailers += 1;
            return;
        }
        self.batch(now);
        self.end(true);
    }

    /// A line with another `Fn` tag, or a blank line: ignored.
    pub fn other_record(&mut self) {
        self.stats.lines += 1;
        self.stats.other_records += 1;
    }

    /// A line that is not a record: ignored.
    pub fn not_a_record(&mut self) {
        self.stats.lines += 1;
        self.stats.bad_lines += 1;
    }

    /// A line longer than the receiver's limit: dropped.
    pub fn over_long_line(&mut self) {
        self.stats.over_long_lines += 1;
    }

    /// The start of a line the connection's end cut: dropped.
    pub fn truncated_line(&mut self) {
        self.stats.truncated_lines += 1;
    }

    /// The connection ended: a batch in progress is cut off.
    pub fn connection_lost(&mut self) {
        self.end(false);
    }

    fn open_at(&mut self, time: Timestamp) -> &mut OpenBatch {
        self.open.insert(OpenBatch {
            time,
            listed: Vec::new(),
            positions: HashMap::new(),
        })
    }

    fn batch(&mut self, now: Timestamp) -> &mut OpenBatch {
        match self.open {
            Some(ref mut batch) => batch,
            None => self.open_at(now),
        }
    }

    fn end(&mut self, completed: bool) {
        let Some(batch) = self.open.take() else {
            return;
        };
        let floor = self.previous_batch_time;
        let mut group = Vec::new();
        for (index, mut said) in batch.listed {
            let known = &mut self.known[index];
            // A cut-off batch may lack a skill's rows: its skills add to the known ones.
            if let Some(status) = known
                .status
                .as_ref()
                .filter(|_| !completed && self.detailed)
            {
                said.status.add_skills(&status.skills);
            }
            if known.status.as_ref() == Some(&said.status) {
                continue;
            }
            let kind = match &known.status {
                Some(status) if status.is_staffed() => ChangeKind::Changed,
                _ => ChangeKind::New,
            };
            let time = match said.duration {
                None => batch.time,
                Some(seconds) => {
                    let started = batch.time - SignedDuration::from_secs(i64::from(seconds));
                    match floor {
                        Some(floor) if started < floor => floor.min(batch.time),
                        _ => started,
                    }
                }
            };
            known.status = Some(said.status.clone());
            group.push(ExpectedChange {
                acd: known.acd,
                logid: known.logid.to_vec(),
                kind,
                status: said.status,
                time,
            });
        }
        if completed {
            for (index, known) in self.known.iter_mut().enumerate() {
                let staffed = known.status.as_ref().is_some_and(|s| s.is_staffed());
                if staffed && !batch.positions.contains_key(&index) {
                    known.status = Some(ExpectedStatus::logged_out());
                    group.push(ExpectedChange {
                        acd: known.acd,
                        logid: known.logid.to_vec(),
                        kind: ChangeKind::LoggedOut,
                        status: ExpectedStatus::logged_out(),
                        time: batch.time,
                    });
                }
            }
            self.stats.batches_completed += 1;
        } else {
            self.stats.batches_cut_off += 1;
        }
        self.previous_batch_time = Some(batch.time);
        if !group.is_empty() {
            group.sort_by(|a, b| a.key().cmp(&b.key()));
            self.groups.push(group);
        }
    }
}

impl OpenBatch {
    fn say(&mut self, index: usize, said: Said) {
        self.positions.insert(index, self.listed.len());
        self.listed.push((index, said));
    }
}

/// The receiving side of a comparison with [`GroundTruth`]: an assembler, and what it emitted
/// grouped the way [`GroundTruth::groups`] groups it: one group per batch, everything emitted
/// from its first line to the call that ended it (the assembler emits a plain status as its
/// row is read, the rest at the end), sorted by agent key, since the spec fixes no order
/// within a batch.
#[derive(Debug)]
pub struct Recorder {
    pub assembler: Assembler,
    pub groups: Vec<Vec<ExpectedChange>>,
    /// What the batch in progress emitted so far.
    open: Vec<ExpectedChange>,
}

impl Recorder {
    /// Records what `assembler` emits.
    pub fn new(assembler: Assembler) -> Self {
        Recorder {
            assembler,
            groups: Vec::new(),
            open: Vec::new(),
        }
    }

    /// Feeds a frame, or the connection's end (`None`), received at `now`. Rejected input is
    /// counted by the assembler (compared through its stats) and otherwise ignored.
    pub fn push(&mut self, frame: Option<Result<Bytes, FrameError>>, now: Timestamp) {
        let ended_before = Self::batches_ended(self.assembler.stats());
        let open = &mut self.open;
        let mut sink = |output: Output<'_>| {
            if let Output::Agent(change) = output {
                open.push(ExpectedChange::from(&change));
            }
        };
        match frame {
            Some(frame) => {
                let _ = self.assembler.push_frame(frame, now, &mut sink);
            }
            None => self.assembler.connection_lost(now, &mut sink),
        }
        let ended = Self::batches_ended(self.assembler.stats()) != ended_before;
        if ended && !self.open.is_empty() {
            let mut group = std::mem::take(&mut self.open);
            group.sort_by(|a, b| a.key().cmp(&b.key()));
            self.groups.push(group);
        }
    }

    fn batches_ended(stats: Stats) -> u64 {
        stats.batches_completed + stats.batches_cut_off
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use rta_model::Direction;

    fn ts(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    fn row(logid: &str, mode: WorkMode, duration: Option<u32>) -> TypedRow {
        TypedRow {
            acd: 1,
            logid: logid.as_bytes().into(),
            state: AgentState::new(mode),
            aux_reason: None,
            work_skill: None,
            duration,
            skills: Vec::new(),
        }
    }

    fn batch(truth: &mut GroundTruth, at: &str, rows: &[TypedRow], trailer: bool) {
        let now = ts(at);
        let local = now.to_zoned(jiff::tz::TimeZone::UTC).datetime();
        truth.batch_start(local, now);
        for row in rows {
            truth.row(row, now);
        }
        if trailer {
            truth.trailer(now);
        }
    }

    fn summary(group: &[ExpectedChange]) -> Vec<(String, ChangeKind, &'static str, String)> {
        group
            .iter()
            .map(|c| {
                (
                    String::from_utf8(c.logid.clone()).unwrap(),
                    c.kind,
                    c.status.state.code(),
                    c.time.to_string(),
                )
            })
            .collect()
    }

    fn entry(
        logid: &str,
        kind: ChangeKind,
        code: &'static str,
        time: &str,
    ) -> (String, ChangeKind, &'static str, String) {
        (logid.into(), kind, code, time.into())
    }

    #[test]
    fn first_batch_dates_changes_from_agduration_without_a_floor() {
        let mut truth = GroundTruth::new(Zone::utc(), false);
        batch(
            &mut truth,
            "2026-11-23T09:31:03Z",
            &[
                row("40101", WorkMode::Avail, Some(42)),
                row("40102", WorkMode::Acd, Some(3600)),
            ],
            true,
        );
        assert_eq!(
            summary(&truth.groups()[0]),
            [
                entry("40101", ChangeKind::New, "AVAIL", "2026-11-23T09:30:21Z"),
                entry("40102", ChangeKind::New, "ACD", "2026-11-23T08:31:03Z"),
            ]
        );
    }

    #[test]
    fn change_time_is_bounded_by_the_previous_batch() {
        let mut truth = GroundTruth::new(Zone::utc(), false);
        batch(
            &mut truth,
            "2026-11-23T09:00:00Z",
            &[row("1", WorkMode::Avail, Some(5))],
            true,
        );
        // Changed 4 s before the batch: the time is recovered exactly.
        batch(
            &mut truth,
            "2026-11-23T09:00:15Z",
            &[row("1", WorkMode::Ring, Some(4))],
            true,
        );
        // A duration reaching past the previous batch is cut at the previous batch.
        batch(
            &mut truth,
            "2026-11-23T09:00:30Z",
            &[row("1", WorkMode::Acd, Some(100))],
            true,
        );
        // An identical row is nothing; an overflowed duration dates at the batch.
        batch(
            &mut truth,
            "2026-11-23T09:00:45Z",
            &[row("1", WorkMode::Acd, Some(115))],
            true,
        );
        batch(
            &mut truth,
            "2026-11-23T09:01:00Z",
            &[row("1", WorkMode::Acw, None)],
            true,
        );
        let all: Vec<_> = truth.groups().iter().flat_map(|g| summary(g)).collect();
        assert_eq!(
            all,
            [
                entry("1", ChangeKind::New, "AVAIL", "2026-11-23T08:59:55Z"),
                entry("1", ChangeKind::Changed, "RING", "2026-11-23T09:00:11Z"),
                entry("1", ChangeKind::Changed, "ACD", "2026-11-23T09:00:15Z"),
                entry("1", ChangeKind::Changed, "ACW", "2026-11-23T09:01:00Z"),
            ]
        );
    }

    #[test]
    fn completed_batches_log_out_the_absent_and_cut_off_batches_do_not() {
        let mut truth = GroundTruth::new(Zone::utc(), false);
        let both = [
            row("1", WorkMode::Avail, Some(1)),
            row("2", WorkMode::Avail, Some(1)),
        ];
        batch(&mut truth, "2026-11-23T09:00:00Z", &both, true);
        // Cut off by the next F0: its row applies, agent 2 stays.
        batch(
            &mut truth,
            "2026-11-23T09:00:15Z",
            &[row("1", WorkMode::Ring, Some(2))],
            false,
        );
        // Cut off by the connection's end.
        truth.connection_lost();
        assert_eq!(truth.stats().batches_cut_off, 1);
        batch(
            &mut truth,
            "2026-11-23T09:00:30Z",
            &[row("1", WorkMode::Ring, Some(17))],
            false,
        );
        truth.connection_lost();
        batch(
            &mut truth,
            "2026-11-23T09:00:45Z",
            &[row("1", WorkMode::Ring, Some(32))],
            true,
        );
        batch(&mut truth, "2026-11-23T09:01:00Z", &both, true);
        let groups: Vec<_> = truth.groups().iter().map(|g| summary(g)).collect();
        assert_eq!(
            groups,
            [
                vec![
                    entry("1", ChangeKind::New, "AVAIL", "2026-11-23T08:59:59Z"),
                    entry("2", ChangeKind::New, "AVAIL", "2026-11-23T08:59:59Z"),
                ],
                vec![entry(
                    "1",
                    ChangeKind::Changed,
                    "RING",
                    "2026-11-23T09:00:13Z"
                )],
                vec![entry(
                    "2",
                    ChangeKind::LoggedOut,
                    "UNSTAFF",
                    "2026-11-23T09:00:45Z"
                )],
                vec![
                    entry("1", ChangeKind::Changed, "AVAIL", "2026-11-23T09:00:59Z"),
                    entry("2", ChangeKind::New, "AVAIL", "2026-11-23T09:00:59Z"),
                ],
            ]
        );
        let stats = truth.stats();
        assert_eq!((stats.batches_completed, stats.batches_cut_off), (3, 2));
    }

    #[test]
    fn multi_skill_rows_merge_and_the_first_row_gives_the_state() {
        let mut truth = GroundTruth::new(Zone::utc(), true);
        let mut first = row("1", WorkMode::Acd, Some(10));
        first.state.direction = Direction::In;
        first.work_skill = Some(102);
        first.skills = vec![102];
        let mut second = row("1", WorkMode::Avail, Some(99));
        second.skills = vec![101];
        batch(&mut truth, "2026-11-23T09:00:00Z", &[first, second], true);
        let change = &truth.groups()[0][0];
        assert_eq!(change.status.state.code(), "ACDIN");
        assert_eq!(change.status.work_skill, Some(102));
        assert_eq!(change.status.skills, [101, 102]);
        assert_eq!(change.time, ts("2026-11-23T08:59:50Z"));
        // Without detailed statuses skills are not part of the status.
        let mut plain = GroundTruth::new(Zone::utc(), false);
        let mut only = row("1", WorkMode::Aux, Some(10));
        only.aux_reason = Some(0);
        only.work_skill = Some(7);
        only.skills = vec![101];
        batch(&mut plain, "2026-11-23T09:00:00Z", &[only], true);
        let status = &plain.groups()[0][0].status;
        assert_eq!(
            (status.aux_reason, status.work_skill, status.skills.len()),
            (Some(0), None, 0)
        );
    }

    #[test]
    fn aux_reason_counts_only_in_aux() {
        let mut truth = GroundTruth::new(Zone::utc(), false);
        let mut avail = row("1", WorkMode::Avail, Some(1));
        avail.aux_reason = Some(4);
        batch(&mut truth, "2026-11-23T09:00:00Z", &[avail], true);
        assert_eq!(truth.groups()[0][0].status.aux_reason, None);
        let mut aux = row("1", WorkMode::Aux, Some(1));
        aux.aux_reason = Some(0);
        batch(&mut truth, "2026-11-23T09:00:15Z", &[aux.clone()], true);
        aux.aux_reason = Some(7);
        batch(&mut truth, "2026-11-23T09:00:30Z", &[aux], true);
        let reasons: Vec<_> = truth.groups()[1..]
            .iter()
            .map(|g| g[0].status.aux_reason)
            .collect();
        assert_eq!(reasons, [Some(0), Some(7)], "reason 0 is a real code");
    }

    #[test]
    fn a_bad_row_with_a_key_keeps_a_staffed_agent() {
        let mut truth = GroundTruth::new(Zone::utc(), false);
        let now = ts("2026-11-23T09:00:15Z");
        batch(
            &mut truth,
            "2026-11-23T09:00:00Z",
            &[row("1", WorkMode::Avail, Some(1))],
            true,
        );
        truth.batch_start(date(2026, 11, 23).at(9, 0, 15, 0), now);
        truth.bad_row(Some((1, b"1")), now);
        // The later, readable row of the same agent no longer gives the state.
        truth.row(&row("1", WorkMode::Acd, Some(3)), now);
        truth.bad_row(Some((1, b"unknown")), now);
        truth.bad_row(None, now);
        truth.trailer(now);
        assert_eq!(truth.groups().len(), 1, "nothing changed, nobody left");
        // Without a readable key the agent is absent.
        batch(&mut truth, "2026-11-23T09:00:30Z", &[], false);
        truth.bad_row(None, ts("2026-11-23T09:00:30Z"));
        truth.trailer(ts("2026-11-23T09:00:30Z"));
        let last = &truth.groups()[1][0];
        assert_eq!(last.kind, ChangeKind::LoggedOut);
        // A logged-out agent's bad row keeps nothing: the next row is New.
        batch(&mut truth, "2026-11-23T09:00:45Z", &[], false);
        truth.bad_row(Some((1, b"1")), ts("2026-11-23T09:00:45Z"));
        truth.trailer(ts("2026-11-23T09:00:45Z"));
        assert_eq!(truth.groups().len(), 2);
        batch(
            &mut truth,
            "2026-11-23T09:01:00Z",
            &[row("1", WorkMode::Other, Some(5))],
            true,
        );
        assert_eq!(truth.groups()[2][0].kind, ChangeKind::New);
        assert_eq!(truth.stats().bad_rows, 5);
    }

    #[test]
    fn without_a_header_the_first_row_times_the_batch() {
        let mut truth = GroundTruth::new(Zone::utc(), false);
        let now = ts("2026-11-23T09:00:00Z");
        truth.other_record();
        truth.row(&row("1", WorkMode::Avail, None), now);
        // Rows after a missing trailer join the open batch: the first row still wins.
        truth.row(
            &row("1", WorkMode::Acd, Some(3)),
            ts("2026-11-23T09:00:15Z"),
        );
        truth.trailer(ts("2026-11-23T09:00:15Z"));
        assert_eq!(
            summary(&truth.groups()[0]),
            [entry("1", ChangeKind::New, "AVAIL", "2026-11-23T09:00:00Z")]
        );
        assert_eq!(truth.previous_batch_time(), Some(now));
    }

    #[test]
    fn header_times_are_local_to_the_zone() {
        let mut truth = GroundTruth::new(Zone::get("Europe/Paris").unwrap(), false);
        let now = ts("2026-11-23T08:31:05Z");
        truth.batch_start(date(2026, 11, 23).at(9, 31, 3, 0), now);
        truth.row(&row("1", WorkMode::Avail, Some(3)), now);
        truth.trailer(now);
        assert_eq!(truth.groups()[0][0].time, ts("2026-11-23T08:31:00Z"));
        assert_eq!(truth.status_of(1, b"1").unwrap().state.code(), "AVAIL");
    }
}
