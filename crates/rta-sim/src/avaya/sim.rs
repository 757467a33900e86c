//! The simulator: a virtual clock, the agents, and each refresh's batch as bytes, with the
//! ground truth of what those bytes tell a correct receiver.

use crate::avaya::agent::{SKILL_POOL, SimAgent};
use crate::avaya::config::{SimConfig, SkillColumn};
use crate::avaya::error::SimError;
use crate::avaya::truth::{GroundTruth, TypedRow};
use bytes::Bytes;
use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use rta_avaya::{AgentRow, Field, Layout, SkillList, TRAILER, WorkMode, encode_batch_start};

/// The tag of the time marks ([`SimConfig::time_marks`]): an `Fn` tag receivers ignore.
pub const TIME_MARK_TAG: &[u8] = b"F9";

/// Reads a time mark line (`F9|<RFC 3339 time>`): the virtual time of the batch it precedes.
pub fn parse_time_mark(line: &[u8]) -> Option<Timestamp> {
    let rest = line.strip_prefix(TIME_MARK_TAG)?.strip_prefix(b"|")?;
    std::str::from_utf8(rest).ok()?.trim().parse().ok()
}

/// One write of a batch to the socket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Write {
    Data(Bytes),
    /// Close the connection here; the next batch comes on a new one.
    Disconnect,
}

/// One refresh of the report, ready to send.
#[derive(Debug, Clone)]
pub struct SimBatch {
    /// 1 for the first batch.
    pub number: u64,
    /// The virtual time the batch is taken and sent at.
    pub time: Timestamp,
    pub writes: Vec<Write>,
}

impl SimBatch {
    /// The bytes of the batch, in one piece.
    pub fn bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for write in &self.writes {
            if let Write::Data(data) = write {
                out.extend_from_slice(data);
            }
        }
        out
    }

    /// True when the connection drops during this batch.
    pub fn disconnects(&self) -> bool {
        self.writes.contains(&Write::Disconnect)
    }
}

/// What a line is, for the ground truth.
#[derive(Debug)]
enum Meaning {
    BatchStart(DateTime),
    Row(TypedRow),
    BadRow(Option<(u32, Box<[u8]>)>),
    Trailer,
    /// Another `Fn` tag (time marks included) or a blank line.
    Other,
    NotARecord,
    OverLong,
}

#[derive(Debug)]
struct Line {
    bytes: Vec<u8>,
    meaning: Meaning,
}

/// A deterministic Avaya CMS rt_socket feed of simulated agents.
///
/// Each [`AvayaSim::next_batch`] moves the agents to the batch's virtual time, writes the
/// report (with the faults drawn for it) and feeds what a receiver gets of it to the
/// [`GroundTruth`]. The truth assumes each batch is received at its virtual time (what a
/// receiver that reads the time marks does) and that the stream ends with
/// [`AvayaSim::finish`].
///
/// ```
/// use rta_sim::avaya::{AvayaSim, SimConfig};
///
/// let start = "2026-11-23T08:00:00Z".parse().unwrap();
/// let mut sim = AvayaSim::new(SimConfig::new(3, 42, start)).unwrap();
/// let batch = sim.next_batch();
/// let text = String::from_utf8(batch.bytes()).unwrap();
/// assert!(text.starts_with("F0|2026-11-23 08:00:00\n"));
/// assert!(text.ends_with("F3|END_OF_RECORDS\n"));
/// sim.finish();
/// let first: usize = sim.truth().groups().iter().map(Vec::len).sum();
/// assert!(first <= 3);
/// ```
#[derive(Debug)]
pub struct AvayaSim {
    config: SimConfig,
    layout: Layout,
    tz: TimeZone,
    agents: Vec<SimAgent>,
    /// Drives the agents; the fault switches do not change what the agents do.
    behavior: SmallRng,
    faults: SmallRng,
    next_time: Timestamp,
    batches: u64,
    truth: GroundTruth,
}

fn roll(rng: &mut SmallRng, rate: f64) -> bool {
    rate > 0.0 && rng.random_bool(rate)
}

/// Replaces cell `cell` (0 is the tag) of a line without `|` inside cells.
fn replace_cell(line: &mut Vec<u8>, cell: usize, value: &[u8]) {
    let mut bounds = std::iter::once(0)
        .chain(
            line.iter()
                .enumerate()
                .filter(|&(_, &b)| b == b'|')
                .map(|(at, _)| at + 1),
        )
        .skip(cell);
    let Some(start) = bounds.next() else {
        return;
    };
    let end = bounds.next().map_or(line.len(), |next| next - 1);
    line.splice(start..end, value.iter().copied());
}

fn pad(value: &[u8], width: usize, padded: bool, left: bool) -> Vec<u8> {
    let fill = if padded {
        width.saturating_sub(value.len())
    } else {
        0
    };
    let mut out = Vec::with_capacity(value.len() + fill);
    if !left {
        out.resize(fill, b' ');
    }
    out.extend_from_slice(value);
    if left {
        out.resize(out.len() + fill, b' ');
    }
    out
}

impl AvayaSim {
    /// A simulator of `config.agents` agents, placed somewhere in their day at
    /// `config.start`.
    pub fn new(config: SimConfig) -> Result<AvayaSim, SimError> {
        config.check()?;
        let tz = TimeZone::get(config.zone.name())
            .map_err(|_| SimError::Zone(config.zone.name().to_owned()))?;
        let start = Timestamp::from_second(config.start.as_second())
            .expect("a timestamp's whole seconds are a timestamp");
        let mut behavior = SmallRng::seed_from_u64(config.seed);
        let faults = SmallRng::seed_from_u64(config.seed ^ 0x5eed_fa17_5eed_fa17);
        let max_skills = if config.multi_skill.is_some() { 3 } else { 1 };
        let agents = (0..config.agents)
            .map(|index| {
                let mut agent = SimAgent::new(index, max_skills, &mut behavior);
                agent.place(start, &mut behavior);
                agent
            })
            .collect();
        Ok(AvayaSim {
            layout: config.layout(),
            truth: GroundTruth::new(config.zone.clone(), config.detailed_statuses),
            tz,
            agents,
            behavior,
            faults,
            next_time: start,
            batches: 0,
            config,
        })
    }

    pub fn config(&self) -> &SimConfig {
        &self.config
    }

    /// The layout a receiver must read this feed with.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// The agents, as of the last batch.
    pub fn agents(&self) -> &[SimAgent] {
        &self.agents
    }

    /// The virtual time of the next batch.
    pub fn next_time(&self) -> Timestamp {
        self.next_time
    }

    /// How many batches were made.
    pub fn batches(&self) -> u64 {
        self.batches
    }

    /// What a correct receiver emits for everything delivered so far.
    pub fn truth(&self) -> &GroundTruth {
        &self.truth
    }

    /// The stream ends (the connection closes): a batch in progress is cut off.
    pub fn finish(&mut self) {
        self.truth.connection_lost();
    }

    /// Moves the clock to the next refresh and makes its batch.
    pub fn next_batch(&mut self) -> SimBatch {
        let time = self.next_time;
        self.next_time = time + self.config.refresh;
        self.batches += 1;
        for agent in &mut self.agents {
            agent.advance(time, &mut self.behavior);
        }
        let mut lines = self.lines(time);
        let marks = usize::from(self.config.time_marks);
        if roll(&mut self.faults, self.config.faults.garbage) {
            for _ in 0..self.faults.random_range(1..=3) {
                let at = self.faults.random_range(marks..=lines.len());
                let line = self.garbage();
                lines.insert(at, line);
            }
        }
        let cut = self.disconnect_point(&lines, marks);
        let ending: &[u8] = if self.config.crlf { b"\r\n" } else { b"\n" };
        let mut bytes = Vec::new();
        for (index, line) in lines.iter().enumerate() {
            if let Some((at, offset)) = cut {
                if index == at {
                    let whole = [&line.bytes[..], ending].concat();
                    bytes.extend_from_slice(&whole[..offset]);
                    if offset > 0 {
                        self.truth.truncated_line();
                    }
                    break;
                }
            }
            bytes.extend_from_slice(&line.bytes);
            bytes.extend_from_slice(ending);
            self.deliver(&line.meaning, time);
        }
        let mut writes = self.pieces(bytes);
        if cut.is_some() {
            self.truth.connection_lost();
            writes.push(Write::Disconnect);
        }
        SimBatch {
            number: self.batches,
            time,
            writes,
        }
    }

    fn deliver(&mut self, meaning: &Meaning, now: Timestamp) {
        let truth = &mut self.truth;
        match meaning {
            Meaning::BatchStart(local) => truth.batch_start(*local, now),
            Meaning::Row(row) => truth.row(row, now),
            Meaning::BadRow(key) => truth.bad_row(key.as_ref().map(|(a, l)| (*a, &l[..])), now),
            Meaning::Trailer => truth.trailer(now),
            Meaning::Other => truth.other_record(),
            Meaning::NotARecord => truth.not_a_record(),
            Meaning::OverLong => truth.over_long_line(),
        }
    }

    /// Where the connection drops in this batch, if it does: a line (never a time mark or
    /// an over-long line) and how many of its bytes, line end included, get through.
    fn disconnect_point(&mut self, lines: &[Line], marks: usize) -> Option<(usize, usize)> {
        if !roll(&mut self.faults, self.config.faults.disconnect) {
            return None;
        }
        let candidates: Vec<usize> = (marks..lines.len())
            .filter(|&i| !matches!(lines[i].meaning, Meaning::OverLong))
            .collect();
        if candidates.is_empty() {
            return None;
        }
        let line = candidates[self.faults.random_range(0..candidates.len())];
        let ending = if self.config.crlf { 2 } else { 1 };
        let offset = self
            .faults
            .random_range(0..lines[line].bytes.len() + ending);
        Some((line, offset))
    }

    /// The batch's bytes as writes: one, or several cut at random offsets.
    fn pieces(&mut self, bytes: Vec<u8>) -> Vec<Write> {
        let bytes = Bytes::from(bytes);
        if !self.config.faults.split_writes || bytes.len() < 2 {
            return vec![Write::Data(bytes)];
        }
        let mut cuts: Vec<usize> = (0..self.faults.random_range(1..=6))
            .map(|_| self.faults.random_range(1..bytes.len()))
            .collect();
        cuts.sort_unstable();
        cuts.dedup();
        let mut writes = Vec::new();
        let mut from = 0;
        for cut in cuts.into_iter().chain([bytes.len()]) {
            writes.push(Write::Data(bytes.slice(from..cut)));
            from = cut;
        }
        writes
    }

    /// The lines of the batch at `time`, with row faults and the trailer fault applied.
    fn lines(&mut self, time: Timestamp) -> Vec<Line> {
        let mut lines = Vec::new();
        if self.config.time_marks {
            let mut bytes = TIME_MARK_TAG.to_vec();
            bytes.push(b'|');
            bytes.extend_from_slice(time.to_string().as_bytes());
            lines.push(Line {
                bytes,
                meaning: Meaning::Other,
            });
        }
        if self.config.header {
            let local = time.to_zoned(self.tz.clone()).datetime();
            let mut bytes = Vec::new();
            encode_batch_start(local, &mut bytes);
            lines.push(Line {
                bytes,
                meaning: Meaning::BatchStart(local),
            });
        }
        let order: Vec<(usize, Option<u32>)> = match self.config.multi_skill {
            None => (0..self.agents.len())
                .filter(|&i| self.agents[i].activity.is_staffed())
                .map(|i| (i, None))
                .collect(),
            // Listed split by split, as a report grouped by skill would be.
            Some(_) => SKILL_POOL
                .iter()
                .flat_map(|&skill| {
                    self.agents
                        .iter()
                        .enumerate()
                        .filter(move |(_, a)| a.activity.is_staffed() && a.skills.contains(&skill))
                        .map(move |(i, _)| (i, Some(skill)))
                })
                .collect(),
        };
        for (index, skill) in order {
            let line = self.row(index, skill, time);
            lines.push(line);
        }
        if !roll(&mut self.faults, self.config.faults.cut_off) {
            lines.push(Line {
                bytes: TRAILER.to_vec(),
                meaning: Meaning::Trailer,
            });
        }
        lines
    }

    /// The row of agent `index` (for `skill` in multi-skill reports).
    fn row(&mut self, index: usize, skill: Option<u32>, time: Timestamp) -> Line {
        let agent = &self.agents[index];
        let activity = agent.activity;
        let seconds = time.duration_since(agent.since).as_secs();
        let duration = u32::try_from(seconds).expect("states last less than a century");
        let skill_text = skill.map(|s| s.to_string()).unwrap_or_default();
        let column = self.config.multi_skill;
        let on_hold = activity.state().mode == WorkMode::Acd && self.behavior.random_bool(0.1);
        let row = AgentRow {
            acd: agent.acd,
            logid: &agent.logid,
            extension: Some(&agent.extension),
            state: activity.state(),
            aux_reason: activity.aux_reason(),
            work_skill: activity.work_skill(),
            duration: Some(duration),
            da_in_queue: Some(u32::from(self.behavior.random_bool(0.05))),
            acd_on_hold: Some(u32::from(on_hold)),
            logon_skills: match column {
                Some(SkillColumn::LogonSkills) => {
                    SkillList::parse(skill_text.as_bytes()).expect("a number is a skill list")
                }
                _ => SkillList::default(),
            },
            split: skill.filter(|_| column == Some(SkillColumn::Split)),
        };
        let style = self.config.style;
        let mut bytes = Vec::new();
        row.encode(&self.layout, style, &mut bytes);
        if let Some(at) = self.layout.position(Field::Extra) {
            replace_cell(
                &mut bytes,
                at + 1,
                &pad(&agent.name, 20, style.padded, true),
            );
        }
        let mut typed = TypedRow {
            acd: agent.acd,
            logid: agent.logid.clone(),
            state: activity.state(),
            aux_reason: activity.aux_reason(),
            work_skill: activity.work_skill(),
            duration: Some(duration),
            skills: skill.into_iter().collect(),
        };
        let faults = self.config.faults;
        if roll(&mut self.faults, faults.overflow) {
            let at = self
                .layout
                .position(Field::AgDuration)
                .expect("agent layout")
                + 1;
            replace_cell(&mut bytes, at, &pad(b"*****", 6, style.padded, false));
            typed.duration = None;
        }
        if !roll(&mut self.faults, faults.bad_rows) {
            return Line {
                bytes,
                meaning: Meaning::Row(typed),
            };
        }
        let key = Some((typed.acd, typed.logid));
        let meaning = match self.faults.random_range(0..3) {
            0 => {
                let at = self.layout.position(Field::AgState).expect("agent layout") + 1;
                let bad: &[u8] = if style.numeric { b"99" } else { b"BREAK" };
                replace_cell(&mut bytes, at, &pad(bad, 7, style.padded, true));
                Meaning::BadRow(key)
            }
            1 => {
                // Cut after the third cell: the key (ACD, LOGID) is still readable.
                let end = bytes
                    .iter()
                    .enumerate()
                    .filter(|&(_, &b)| b == b'|')
                    .nth(3)
                    .map_or(bytes.len(), |(at, _)| at);
                bytes.truncate(end);
                Meaning::BadRow(key)
            }
            _ => {
                let at = self.layout.position(Field::LogId).expect("agent layout") + 1;
                replace_cell(&mut bytes, at, &pad(b"", 7, style.padded, false));
                Meaning::BadRow(None)
            }
        };
        Line { bytes, meaning }
    }

    /// A line that must not change what a receiver emits.
    fn garbage(&mut self) -> Line {
        let (bytes, meaning): (Vec<u8>, Meaning) = match self.faults.random_range(0..7) {
            0 => (b"F7|SYNONYMS RELOADED".to_vec(), Meaning::Other),
            1 => (b"F12|CMS R19.2|rt_socket".to_vec(), Meaning::Other),
            2 => (b"   ".to_vec(), Meaning::Other),
            3 => (b"hello from the switch".to_vec(), Meaning::NotARecord),
            4 => (
                b"\xe9t\xe9 | caf\xe9 cr\xe8me".to_vec(),
                Meaning::NotARecord,
            ),
            5 => {
                // A valid row of an agent that does not exist, padded past the limit: read,
                // it would be a new agent.
                let mut bytes = Vec::new();
                AgentRow {
                    acd: 1,
                    logid: b"PHANTOM",
                    extension: None,
                    state: rta_avaya::AgentState::new(WorkMode::Avail),
                    aux_reason: None,
                    work_skill: None,
                    duration: Some(1),
                    da_in_queue: None,
                    acd_on_hold: None,
                    logon_skills: SkillList::default(),
                    split: Some(101),
                }
                .encode(&self.layout, self.config.style, &mut bytes);
                let length = self.config.max_line + self.faults.random_range(1..2000);
                bytes.resize(length, b' ');
                (bytes, Meaning::OverLong)
            }
            _ => {
                let length = self.config.max_line + self.faults.random_range(1..9000);
                let bytes = (0..length)
                    .map(|i| b"ABCDEFGHIJ|KLMNOPQRST 0123456789"[i % 32])
                    .collect();
                (bytes, Meaning::OverLong)
            }
        };
        Line { bytes, meaning }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::avaya::agent::Activity;
    use crate::avaya::config::Faults;
    use crate::avaya::truth::Recorder;
    use jiff::SignedDuration;
    use rta_avaya::{Assembler, ChangeKind, LineCodec, Record, RowStyle, parse_record};
    use rta_model::{IntegrationId, Zone};
    use tokio_util::codec::Decoder;

    fn start() -> Timestamp {
        "2026-11-23T08:00:00Z".parse().unwrap()
    }

    fn run(config: &SimConfig, batches: usize) -> (Vec<Vec<u8>>, AvayaSim) {
        let mut sim = AvayaSim::new(config.clone()).unwrap();
        let bytes = (0..batches).map(|_| sim.next_batch().bytes()).collect();
        sim.finish();
        (bytes, sim)
    }

    #[test]
    fn same_seed_same_bytes_and_truth() {
        let mut config = SimConfig::new(60, 11, start());
        config.faults = Faults::all();
        config.multi_skill = Some(SkillColumn::Split);
        let (first, a) = run(&config, 30);
        let (second, b) = run(&config, 30);
        assert_eq!(first, second);
        assert_eq!(a.truth().groups(), b.truth().groups());
        assert_eq!(a.truth().stats(), b.truth().stats());
        config.seed = 12;
        let (other, _) = run(&config, 30);
        assert_ne!(first, other);
    }

    #[test]
    fn faults_do_not_change_what_agents_do() {
        let clean = SimConfig::new(40, 5, start());
        let mut faulty = clean.clone();
        faulty.faults = Faults::all();
        let (_, a) = run(&clean, 20);
        let (_, b) = run(&faulty, 20);
        let activities = |sim: &AvayaSim| -> Vec<(Activity, Timestamp)> {
            sim.agents().iter().map(|a| (a.activity, a.since)).collect()
        };
        assert_eq!(activities(&a), activities(&b));
    }

    #[test]
    fn time_marks_round_trip() {
        let mut config = SimConfig::new(2, 1, start());
        config.time_marks = true;
        let mut sim = AvayaSim::new(config).unwrap();
        sim.next_batch();
        let batch = sim.next_batch();
        let bytes = batch.bytes();
        let first = bytes.split(|&b| b == b'\n').next().unwrap();
        assert_eq!(parse_time_mark(first), Some(batch.time));
        assert_eq!(batch.time, start() + SignedDuration::from_secs(15));
        assert_eq!(parse_time_mark(b"F0|2026-11-23 08:00:00"), None);
    }

    #[test]
    fn cells_are_replaced_in_place() {
        let mut line = b"F1|a|bb|c".to_vec();
        replace_cell(&mut line, 2, b"XYZ");
        assert_eq!(line, b"F1|a|XYZ|c");
        replace_cell(&mut line, 3, b"");
        assert_eq!(line, b"F1|a|XYZ|");
        replace_cell(&mut line, 0, b"F9");
        assert_eq!(line, b"F9|a|XYZ|");
    }

    /// A clean run: after each batch the ground truth holds every agent's true status, and
    /// each change is dated at the true state start, or at the previous batch when the state
    /// began before it.
    #[test]
    fn truth_follows_the_agents_and_recovers_state_starts() {
        let mut config = SimConfig::new(80, 9, start());
        config.zone = Zone::get("Europe/Paris").unwrap();
        let mut sim = AvayaSim::new(config).unwrap();
        let mut previous: Option<Timestamp> = None;
        let mut seen_groups = 0;
        for _ in 0..40 {
            let batch = sim.next_batch();
            let truth = sim.truth();
            assert_eq!(truth.previous_batch_time(), Some(batch.time));
            for agent in sim.agents() {
                let status = truth.status_of(agent.acd, &agent.logid);
                match agent.activity {
                    Activity::LoggedOut => assert!(status.is_none_or(|s| !s.is_staffed())),
                    activity => {
                        let status = status.expect("a staffed agent is known");
                        assert_eq!(status.state, activity.state());
                        assert_eq!(status.aux_reason, activity.aux_reason());
                    }
                }
            }
            for group in &truth.groups()[seen_groups..] {
                for change in group {
                    let agent = sim
                        .agents()
                        .iter()
                        .find(|a| *a.logid == *change.logid)
                        .unwrap();
                    let expected = match change.kind {
                        ChangeKind::LoggedOut => batch.time,
                        _ => previous.map_or(agent.since, |p| agent.since.max(p)),
                    };
                    assert_eq!(change.time, expected, "{change}");
                }
            }
            seen_groups = truth.groups().len();
            previous = Some(batch.time);
        }
        assert!(seen_groups > 30);
    }

    fn assemble(sim: &mut AvayaSim, batches: usize) -> Recorder {
        let mut receiver = Recorder::new(Assembler::new(
            sim.config().assembler_config(IntegrationId(1)),
            sim.layout().clone(),
        ));
        let mut codec = LineCodec::new(sim.config().max_line);
        let mut buffer = bytes::BytesMut::new();
        let mut now = sim.next_time();
        for _ in 0..batches {
            for write in sim.next_batch().writes {
                match write {
                    Write::Data(data) => {
                        buffer.extend_from_slice(&data);
                        while let Some(frame) = codec.decode(&mut buffer).unwrap() {
                            if let Ok(line) = &frame {
                                now = parse_time_mark(line).unwrap_or(now);
                            }
                            receiver.push(Some(frame), now);
                        }
                    }
                    Write::Disconnect => {
                        while let Some(frame) = codec.decode_eof(&mut buffer).unwrap() {
                            receiver.push(Some(frame), now);
                        }
                        receiver.push(None, now);
                        codec = LineCodec::new(sim.config().max_line);
                    }
                }
            }
        }
        sim.finish();
        receiver.push(None, now);
        receiver
    }

    /// The assembler, fed the bytes in memory, emits exactly the ground truth (the loopback
    /// test does the same over TCP).
    #[test]
    fn assembler_agrees_in_memory() {
        let mut configs = Vec::new();
        let mut config = SimConfig::new(50, 21, start());
        config.time_marks = true;
        configs.push(config.clone());
        config.style = RowStyle {
            numeric: true,
            padded: false,
        };
        config.multi_skill = Some(SkillColumn::LogonSkills);
        config.detailed_statuses = true;
        config.faults = Faults::all();
        configs.push(config.clone());
        config.header = false;
        config.crlf = true;
        config.multi_skill = Some(SkillColumn::Split);
        configs.push(config);
        for config in configs {
            let mut sim = AvayaSim::new(config).unwrap();
            let receiver = assemble(&mut sim, 40);
            for (got, expected) in receiver.groups.iter().zip(sim.truth().groups()) {
                assert_eq!(got, expected);
            }
            assert_eq!(receiver.groups.len(), sim.truth().groups().len());
            assert_eq!(receiver.assembler.stats(), sim.truth().stats());
            let stats = sim.truth().stats();
            if sim.config().faults.disconnect > 0.0 {
                assert!(stats.batches_cut_off > 0 && stats.truncated_lines > 0);
                assert!(stats.bad_rows > 0 && stats.bad_lines > 0 && stats.over_long_lines > 0);
            }
        }
    }

    /// Batch times written in local time across the autumn repeated hour are read back as
    /// the simulator's clock.
    #[test]
    fn header_times_cross_the_repeated_hour() {
        let mut config = SimConfig::new(5, 2, "2026-11-01T05:50:00Z".parse().unwrap());
        config.zone = Zone::get("America/New_York").unwrap();
        config.refresh = SignedDuration::from_secs(60);
        let mut sim = AvayaSim::new(config).unwrap();
        let mut locals = Vec::new();
        for _ in 0..20 {
            let batch = sim.next_batch();
            assert_eq!(sim.truth().previous_batch_time(), Some(batch.time));
            locals.push(String::from_utf8(batch.bytes()[..22].to_vec()).unwrap());
        }
        assert_eq!(locals[0], "F0|2026-11-01 01:50:00");
        assert_eq!(locals[10], "F0|2026-11-01 01:00:00", "the hour repeats");
    }

    #[test]
    fn rows_read_back_as_the_sim_says() {
        let mut config = SimConfig::new(30, 4, start());
        config.faults.latin1_names = true;
        config.multi_skill = Some(SkillColumn::Split);
        let mut sim = AvayaSim::new(config).unwrap();
        sim.next_batch();
        let layout = sim.layout().clone();
        let name = layout.position(Field::Extra).unwrap();
        assert_eq!(layout.fields()[name], Field::Extra);
        let time = sim.next_time();
        let bytes = sim.next_batch().bytes();
        let mut rows = 0;
        for line in bytes
            .split(|&b| b == b'\n')
            .filter(|l| l.starts_with(b"F1"))
        {
            let Ok(Record::Agent(row)) = parse_record(line, &layout) else {
                panic!("{line:?}")
            };
            let agent = sim
                .agents()
                .iter()
                .find(|a| *a.logid == *row.logid)
                .unwrap();
            assert_eq!(row.state, agent.activity.state());
            assert_eq!(row.acd, agent.acd);
            let seconds = time.duration_since(agent.since).as_secs();
            assert_eq!(row.duration.map(i64::from), Some(seconds));
            assert!(agent.skills.contains(&row.split.unwrap()));
            assert_eq!(
                layout.extra_cell(line, "NAME"),
                Some(&agent.name[..]),
                "Latin-1 names pass through"
            );
            rows += 1;
        }
        let staffed: usize = sim
            .agents()
            .iter()
            .filter(|a| a.activity.is_staffed())
            .map(|a| a.skills.len())
            .sum();
        assert_eq!(rows, staffed);
        assert!(
            sim.agents().iter().any(|a| a.skills.len() > 1),
            "multi-skilled agents exist"
        );
    }
}
