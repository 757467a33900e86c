//! Benchmarks of the Avaya rt_socket path (`rta-avaya`) against naive baselines.
//!
//! - `avaya_parse`: framing + parsing of a 100k-row capture. `rta` is [`LineCodec`] over a
//!   `BytesMut` fed in 64 KiB reads plus [`parse_record`] for every line; `baseline` is what a
//!   first implementation would do: `BufRead::lines` (a `String` per line), `split('|')`, an
//!   owned `String` per trimmed field, and `str::parse` for every number, duration and state.
//!   Both read every field of the `agent` preset; the timed loops hand each row to `black_box`,
//!   and a run outside them folds every field into a checksum that must be equal on both
//!   sides. Two captures: `padded` (text states and clock durations, space-padded like the
//!   spec example) and `numeric` (`agent-numeric` style).
//! - `avaya_assemble`: 1,000 consecutive batches (snapshots) of 10k agents through the
//!   [`Assembler`] (`push_line`: parse + snapshot diff), one batch per iteration, cycling over
//!   the 1,000; against a baseline that builds a `HashMap` of owned rows per batch and diffs it
//!   with the previous batch's map. Both emit the same changes (checked once, outside the timed
//!   loops, by count and checksum).
//!
//! Run with `cargo bench --bench avaya`; results are in `benches/RESULTS.md`.
//!
//! Instruction counts, which unlike times do not depend on what else the machine runs: with
//! `AVAYA_PROFILE=<routine>` set, the bench binary runs one routine a fixed number of times
//! inside `measured` and exits, for
//! `valgrind --tool=callgrind --toggle-collect='avaya::measured*' target/release/deps/avaya-<hash>`.
//! Routines: `parse-rta`, `parse-baseline`, `parse-rta-numeric`, `parse-baseline-numeric`,
//! `assemble-rta`, `assemble-baseline`. It prints the number of lines measured.

use bytes::BytesMut;
use criterion::{Criterion, SamplingMode, Throughput, criterion_group};
use jiff::SignedDuration;
use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use rta_avaya::{
    AgentRow, AgentState, Assembler, AssemblerConfig, ChangeKind, Layout, LineCodec, Output,
    Record, RowStyle, SkillList, TRAILER, WorkMode, encode_batch_start, parse_record,
};
use rta_model::{Direction, IntegrationId, Timestamp};
use std::cell::OnceCell;
use std::collections::HashMap;
use std::hint::black_box;
use std::io::BufRead;
use std::time::{Duration, Instant};
use tokio_util::codec::Decoder;

/// Agents of the simulated CMS; about 10k of them are staffed (listed) in each batch, as
/// 1 in 26 is logged out at any time.
const AGENTS: usize = 10_400;
/// Batches in the parse capture (10 x 10k = 100k rows).
const PARSE_BATCHES: usize = 10;
/// Batches in the assemble run.
const ASSEMBLE_BATCHES: usize = 1_000;
/// The simulator's seed for the assemble run.
const ASSEMBLE_SEED: u64 = 0x5eed_ab1e;
/// Bytes per socket read.
const READ: usize = 64 * 1024;
/// The CMS refresh interval.
const REFRESH_SECS: i64 = 15;

// ---------------------------------------------------------------------------------------------
// A deterministic CMS: agents that change state, log out and back in, between 15 s refreshes.

/// splitmix64: small, fast, deterministic.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u32) -> u32 {
        (self.next() % u64::from(n)) as u32
    }

    /// True with probability `per_mille` / 1000.
    fn chance(&mut self, per_mille: u32) -> bool {
        self.below(1000) < per_mille
    }
}

struct SimAgent {
    logid: Vec<u8>,
    extension: Vec<u8>,
    staffed: bool,
    state: AgentState,
    aux_reason: Option<u32>,
    work_skill: Option<u32>,
    /// Seconds in the current state.
    in_state: u32,
}

struct Cms {
    rng: Rng,
    agents: Vec<SimAgent>,
    time: DateTime,
    layout: Layout,
    style: RowStyle,
}

impl Cms {
    fn new(seed: u64, style: RowStyle) -> Cms {
        let mut rng = Rng(seed);
        let agents = (0..AGENTS)
            .map(|i| {
                let mut agent = SimAgent {
                    logid: (40101 + i).to_string().into_bytes(),
                    extension: (51001 + i).to_string().into_bytes(),
                    staffed: !rng.chance(38),
                    state: AgentState::new(WorkMode::Avail),
                    aux_reason: None,
                    work_skill: None,
                    in_state: 0,
                };
                new_state(&mut rng, &mut agent);
                // Some agents sit in a state for over an hour (H:MM:SS durations).
                let longest = if rng.chance(50) { 7200 } else { 900 };
                agent.in_state = rng.below(longest);
                agent
            })
            .collect();
        Cms {
            rng,
            agents,
            time: jiff::civil::date(2026, 11, 23).at(8, 0, 0, 0),
            layout: Layout::agent(),
            style,
        }
    }

    /// Advances one refresh and writes the batch (`F0`, one `F1` per staffed agent, `F3`),
    /// one line per LF. Returns the number of rows.
    fn batch(&mut self, out: &mut Vec<u8>) -> usize {
        self.step(Some(out))
    }

    /// Advances one refresh, writing the batch if `out` is given; the same draws either way.
    fn step(&mut self, mut out: Option<&mut Vec<u8>>) -> usize {
        self.time = self
            .time
            .checked_add(SignedDuration::from_secs(REFRESH_SECS))
            .expect("in range");
        if let Some(out) = out.as_deref_mut() {
            encode_batch_start(self.time, out);
            out.push(b'\n');
        }
        let mut rows = 0;
        for agent in &mut self.agents {
            let rng = &mut self.rng;
            if !agent.staffed {
                if rng.chance(50) {
                    agent.staffed = true;
                    agent.state = AgentState::new(WorkMode::Other);
                    agent.aux_reason = None;
                    agent.work_skill = None;
                    agent.in_state = rng.below(15);
                }
            } else if rng.chance(2) {
                agent.staffed = false;
            } else if rng.chance(120) {
                new_state(rng, agent);
            } else {
                agent.in_state += REFRESH_SECS as u32;
            }
            if !agent.staffed {
                continue;
            }
            let row = AgentRow {
                acd: 1,
                logid: &agent.logid,
                extension: Some(&agent.extension),
                state: agent.state,
                aux_reason: agent.aux_reason,
                work_skill: agent.work_skill,
                duration: Some(agent.in_state),
                da_in_queue: Some(0),
                acd_on_hold: Some(u32::from(
                    agent.state.mode == WorkMode::Acd && rng.chance(30),
                )),
                logon_skills: SkillList::default(),
                split: None,
            };
            if let Some(out) = out.as_deref_mut() {
                row.encode(&self.layout, self.style, out);
                out.push(b'\n');
            }
            rows += 1;
        }
        if let Some(out) = out {
            out.extend_from_slice(TRAILER);
            out.push(b'\n');
        }
        rows
    }
}

/// A new state with a realistic mix: mostly ACD and AVAIL, some ACW, AUX, ringing, direct calls.
fn new_state(rng: &mut Rng, agent: &mut SimAgent) {
    let pick = rng.below(100);
    let (mode, direction) = match pick {
        0..25 => (WorkMode::Avail, Direction::None),
        25..60 => (WorkMode::Acd, Direction::In),
        60..65 => (WorkMode::Acd, Direction::Out),
        65..77 => (WorkMode::Acw, Direction::In),
        77..80 => (WorkMode::Acw, Direction::Out),
        80..90 => (WorkMode::Aux, Direction::None),
        90..95 => (WorkMode::Ring, Direction::None),
        95..97 => (WorkMode::Dacd, Direction::In),
        _ => (WorkMode::Other, Direction::None),
    };
    agent.state = AgentState { mode, direction };
    agent.aux_reason = (mode == WorkMode::Aux).then(|| rng.below(10));
    agent.work_skill = matches!(
        mode,
        WorkMode::Acd | WorkMode::Acw | WorkMode::Ring | WorkMode::Dacd
    )
    .then(|| 101 + rng.below(10));
    agent.in_state = rng.below(REFRESH_SECS as u32);
}

// ---------------------------------------------------------------------------------------------
// What both sides compute, so that the comparison is honest.

fn mix(hash: u64, value: u64) -> u64 {
    (hash ^ value).wrapping_mul(0x0100_0000_01b3).rotate_left(5)
}

fn mix_bytes(hash: u64, bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .fold(mix(hash, bytes.len() as u64), |h, &b| mix(h, u64::from(b)))
}

fn opt(value: Option<u32>) -> u64 {
    value.map_or(u64::MAX, u64::from)
}

/// One row's fields folded into a hash.
#[allow(clippy::too_many_arguments)]
fn row_hash(
    acd: u32,
    logid: &[u8],
    extension: &[u8],
    code: &str,
    aux_reason: Option<u32>,
    work_skill: Option<u32>,
    duration: Option<u32>,
    da_in_queue: Option<u32>,
    acd_on_hold: Option<u32>,
) -> u64 {
    let mut h = mix(0, u64::from(acd));
    h = mix_bytes(h, logid);
    h = mix_bytes(h, extension);
    h = mix_bytes(h, code.as_bytes());
    for value in [aux_reason, work_skill, duration, da_in_queue, acd_on_hold] {
        h = mix(h, opt(value));
    }
    h
}

/// What reading a capture gave (the rows themselves go to a visitor).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Summary {
    rows: u64,
    batch_starts: u64,
    trailers: u64,
    bad: u64,
    /// Hash of the batch times.
    times: u64,
}

impl Summary {
    fn batch_start(&mut self, second: i64) {
        self.batch_starts += 1;
        self.times = mix(self.times, second as u64);
    }
}

// ---------------------------------------------------------------------------------------------
// avaya_parse, rta side: LineCodec + parse_record.

/// Reads one line; agent rows go to `visit`.
#[inline]
fn rta_record(
    summary: &mut Summary,
    line: &[u8],
    layout: &Layout,
    visit: &mut impl FnMut(&AgentRow<'_>),
) {
    match parse_record(line, layout) {
        Ok(Record::Agent(row)) => {
            summary.rows += 1;
            visit(&row);
        }
        Ok(Record::BatchStart(time)) => summary.batch_start(utc_second(time)),
        Ok(Record::Trailer) => summary.trailers += 1,
        Ok(Record::Queue(_) | Record::Other { .. }) | Err(_) => summary.bad += 1,
    }
}

/// Frames the capture as it would arrive (64 KiB reads into a `BytesMut`) and parses every
/// line.
fn rta_parse(capture: &[u8], layout: &Layout, visit: &mut impl FnMut(&AgentRow<'_>)) -> Summary {
    let mut codec = LineCodec::default();
    let mut buf = BytesMut::with_capacity(READ);
    let mut summary = Summary::default();
    for read in capture.chunks(READ) {
        buf.extend_from_slice(read);
        while let Some(frame) = codec.decode(&mut buf).expect("LineCodec never fails") {
            match frame {
                Ok(line) => rta_record(&mut summary, &line, layout, visit),
                Err(_) => summary.bad += 1,
            }
        }
    }
    while let Some(frame) = codec.decode_eof(&mut buf).expect("LineCodec never fails") {
        match frame {
            Ok(line) => rta_record(&mut summary, &line, layout, visit),
            Err(_) => summary.bad += 1,
        }
    }
    summary
}

/// The checksum of every field of a row, as the baseline computes it from its own rows.
fn rta_row_hash(row: &AgentRow<'_>) -> u64 {
    row_hash(
        row.acd,
        row.logid,
        row.extension.unwrap_or_default(),
        row.state.code(),
        row.aux_reason,
        row.work_skill,
        row.duration,
        row.da_in_queue,
        row.acd_on_hold,
    )
}

fn utc_second(time: DateTime) -> i64 {
    time.to_zoned(TimeZone::UTC)
        .expect("in range")
        .timestamp()
        .as_second()
}

// ---------------------------------------------------------------------------------------------
// The naive baseline: a String per line, an owned String per field, str::parse.

/// An owned agent row, as a first implementation would hold it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct NaiveRow {
    acd: u32,
    logid: String,
    extension: String,
    /// Normalized state code (`ACDIN`, `AUX`, `RING`...).
    state: String,
    aux_reason: Option<u32>,
    work_skill: Option<u32>,
    duration: Option<u32>,
    da_in_queue: Option<u32>,
    acd_on_hold: Option<u32>,
}

impl NaiveRow {
    /// Reads `F1|ACD|LOGID|EXTENSION|AGSTATE|AUXREASON|WORKSKILL|AGDURATION|DA_INQUEUE|ACDONHOLD`.
    fn from_fields(fields: &[String]) -> Option<NaiveRow> {
        if fields.len() < 10 || fields[2].is_empty() {
            return None;
        }
        Some(NaiveRow {
            acd: naive_integer(&fields[1]).ok()?.unwrap_or(0),
            logid: fields[2].clone(),
            extension: fields[3].clone(),
            state: naive_state(&fields[4])?,
            aux_reason: naive_integer(&fields[5]).ok()?,
            work_skill: naive_integer(&fields[6]).ok()?,
            duration: naive_duration(&fields[7]).ok()?,
            da_in_queue: naive_integer(&fields[8]).ok()?,
            acd_on_hold: naive_integer(&fields[9]).ok()?,
        })
    }

    fn hash(&self) -> u64 {
        row_hash(
            self.acd,
            self.logid.as_bytes(),
            self.extension.as_bytes(),
            &self.state,
            self.aux_reason,
            self.work_skill,
            self.duration,
            self.da_in_queue,
            self.acd_on_hold,
        )
    }

    /// What the snapshot diff compares: the state, and the AUX reason in AUX.
    fn status(&self) -> (&str, Option<u32>) {
        let aux = self.aux_reason.filter(|_| self.state.starts_with("AUX"));
        (&self.state, aux)
    }
}

fn is_overflow(cell: &str) -> bool {
    !cell.is_empty() && cell.chars().all(|c| c == '*')
}

fn naive_integer(cell: &str) -> Result<Option<u32>, std::num::ParseIntError> {
    if cell.is_empty() || is_overflow(cell) {
        return Ok(None);
    }
    cell.parse().map(Some)
}

fn naive_duration(cell: &str) -> Result<Option<u32>, std::num::ParseIntError> {
    if cell.is_empty() || is_overflow(cell) {
        return Ok(None);
    }
    if !cell.contains(':') {
        return cell.parse().map(Some);
    }
    let parts: Vec<u32> = cell
        .split(':')
        .map(|part| if part.is_empty() { Ok(0) } else { part.parse() })
        .collect::<Result<_, _>>()?;
    Ok(match parts[..] {
        [minutes, seconds] => Some(minutes * 60 + seconds),
        [hours, minutes, seconds] => Some(hours * 3600 + minutes * 60 + seconds),
        _ => None,
    })
}

fn naive_state(cell: &str) -> Option<String> {
    if cell.is_empty() {
        return Some("UNKNOWN".to_string());
    }
    if cell.starts_with(|c: char| c.is_ascii_digit()) {
        let number: u32 = cell.parse().ok()?;
        let mode = match number / 10 {
            1 => "UNSTAFF",
            2 => "AVAIL",
            3 => "ACD",
            4 => "ACW",
            5 => "AUX",
            6 => "DACD",
            7 => "DACW",
            8 => "RING",
            22 => "OTHER",
            _ => return None,
        };
        let direction = match number % 10 {
            0 => "",
            1 => "OUT",
            2 => "IN",
            _ => return None,
        };
        return Some(format!("{mode}{direction}"));
    }
    let upper = cell.to_uppercase();
    let (mode, direction) = if let Some(mode) = upper.strip_suffix("OUT") {
        (mode, "OUT")
    } else if let Some(mode) = upper.strip_suffix("IN") {
        (mode, "IN")
    } else {
        (upper.as_str(), "")
    };
    let mode = match mode {
        "UNSTAFF" | "UNSTAFFED" => "UNSTAFF",
        "AVAIL" => "AVAIL",
        "ACD" => "ACD",
        "ACW" => "ACW",
        "AUX" => "AUX",
        "DACD" => "DACD",
        "DACW" => "DACW",
        "RING" | "RINGING" => "RING",
        "OTHER" => "OTHER",
        "UNKNOWN" => "UNKNOWN",
        _ => return None,
    };
    Some(format!("{mode}{direction}"))
}

fn naive_fields(line: &str) -> Vec<String> {
    let line = line.strip_suffix('\r').unwrap_or(line);
    line.split('|')
        .map(|cell| cell.trim().to_string())
        .collect()
}

fn naive_batch_time(cell: &str) -> Option<i64> {
    let time: DateTime = cell.parse().ok()?;
    Some(utc_second(time))
}

/// Reads the capture through a `BufReader` of the same 64 KiB, a `String` per line.
fn naive_parse(capture: &[u8], visit: &mut impl FnMut(&NaiveRow)) -> Summary {
    let reader = std::io::BufReader::with_capacity(READ, capture);
    let mut summary = Summary::default();
    for line in reader.lines() {
        let line = line.expect("the capture is ASCII");
        let fields = naive_fields(&line);
        match fields[0].as_str() {
            "F0" => match fields.get(1).and_then(|cell| naive_batch_time(cell)) {
                Some(second) => summary.batch_start(second),
                None => summary.bad += 1,
            },
            "F1" => match NaiveRow::from_fields(&fields) {
                Some(row) => {
                    summary.rows += 1;
                    visit(&row);
                }
                None => summary.bad += 1,
            },
            "F3" => summary.trailers += 1,
            _ => summary.bad += 1,
        }
    }
    summary
}

// ---------------------------------------------------------------------------------------------
// avaya_assemble.

/// Receives each change: kind, LOGID, status code, AUX reason, change time (UTC seconds).
trait OnChange: FnMut(ChangeKind, &[u8], &str, Option<u32>, i64) {}

impl<F: FnMut(ChangeKind, &[u8], &str, Option<u32>, i64)> OnChange for F {}

/// Changes emitted over a run, by kind, and an order-independent checksum of them.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Changes {
    new: u64,
    changed: u64,
    logged_out: u64,
    checksum: u64,
}

impl Changes {
    fn add(&mut self, kind: ChangeKind, logid: &[u8], code: &str, aux: Option<u32>, time: i64) {
        let number = match kind {
            ChangeKind::New => {
                self.new += 1;
                1
            }
            ChangeKind::Changed => {
                self.changed += 1;
                2
            }
            ChangeKind::LoggedOut => {
                self.logged_out += 1;
                3
            }
        };
        let mut h = mix(0, number);
        h = mix_bytes(h, logid);
        h = mix_bytes(h, code.as_bytes());
        h = mix(h, opt(aux));
        h = mix(h, time as u64);
        self.checksum = self.checksum.wrapping_add(h);
    }
}

/// One batch of the feed: its bytes and where each line ends (the LF excluded).
struct Batch {
    bytes: Vec<u8>,
    ends: Vec<u32>,
}

impl Batch {
    fn lines(&self) -> impl Iterator<Item = &[u8]> {
        let mut start = 0;
        self.ends.iter().map(move |&end| {
            let line = &self.bytes[start..end as usize];
            start = end as usize + 1;
            line
        })
    }
}

fn generate_batches(count: usize, style: RowStyle) -> (Vec<Batch>, usize) {
    let mut cms = Cms::new(ASSEMBLE_SEED, style);
    let mut rows = 0;
    let batches = (0..count)
        .map(|_| {
            let mut bytes = Vec::with_capacity(AGENTS * 56);
            rows += cms.batch(&mut bytes);
            let ends = memchr::memchr_iter(b'\n', &bytes)
                .map(|end| u32::try_from(end).expect("a batch is under 4 GiB"))
                .collect();
            Batch { bytes, ends }
        })
        .collect();
    (batches, rows)
}

/// A snapshot assembler under test: rta's or the baseline.
trait AssembleBatch {
    fn batch(&mut self, batch: &Batch, on_change: &mut impl OnChange);
}

struct RtaAssemble {
    assembler: Assembler,
    now: Timestamp,
}

impl RtaAssemble {
    fn new() -> Self {
        RtaAssemble {
            assembler: Assembler::new(AssemblerConfig::new(IntegrationId(0)), Layout::agent()),
            now: "2026-11-23T09:00:00Z".parse().expect("a timestamp"),
        }
    }
}

impl AssembleBatch for RtaAssemble {
    fn batch(&mut self, batch: &Batch, on_change: &mut impl OnChange) {
        let mut sink = |output: Output<'_>| {
            if let Output::Agent(change) = output {
                on_change(
                    change.kind,
                    change.logid,
                    change.status.state.code(),
                    change.status.aux_reason,
                    change.time.as_second(),
                );
            }
        };
        for line in batch.lines() {
            let result = self.assembler.push_line(line, self.now, &mut sink);
            debug_assert!(result.is_ok(), "{result:?}");
        }
    }
}

/// The baseline assembler: a map of owned rows per batch, diffed with the previous one.
#[derive(Default)]
struct NaiveAssemble {
    previous: HashMap<(u32, String), NaiveRow>,
    current: HashMap<(u32, String), NaiveRow>,
    batch_time: Option<i64>,
    previous_batch_time: Option<i64>,
}

impl AssembleBatch for NaiveAssemble {
    fn batch(&mut self, batch: &Batch, on_change: &mut impl OnChange) {
        for line in batch.lines() {
            let line = String::from_utf8(line.to_vec()).expect("the feed is ASCII");
            self.line(&line, on_change);
        }
    }
}

impl NaiveAssemble {
    fn line(&mut self, line: &str, on_change: &mut impl OnChange) {
        let fields = naive_fields(line);
        match fields[0].as_str() {
            "F0" => self.batch_time = fields.get(1).and_then(|cell| naive_batch_time(cell)),
            "F1" => {
                if let Some(row) = NaiveRow::from_fields(&fields) {
                    self.current
                        .entry((row.acd, row.logid.clone()))
                        .or_insert(row);
                }
            }
            "F3" => self.complete(on_change),
            _ => {}
        }
    }

    fn complete(&mut self, on_change: &mut impl OnChange) {
        let time = self.batch_time.take().expect("every batch has F0");
        let floor = self.previous_batch_time;
        for (key, row) in &self.current {
            let kind = match self.previous.get(key) {
                Some(old) if old.status() == row.status() => continue,
                Some(_) => ChangeKind::Changed,
                None => ChangeKind::New,
            };
            let started = time - i64::from(row.duration.unwrap_or(0));
            let since = match floor {
                Some(floor) if started < floor => floor.min(time),
                _ => started,
            };
            let (code, aux) = row.status();
            on_change(kind, key.1.as_bytes(), code, aux, since);
        }
        for key in self.previous.keys() {
            if !self.current.contains_key(key) {
                on_change(
                    ChangeKind::LoggedOut,
                    key.1.as_bytes(),
                    "UNSTAFF",
                    None,
                    time,
                );
            }
        }
        std::mem::swap(&mut self.previous, &mut self.current);
        self.current.clear();
        self.previous_batch_time = Some(time);
    }
}

// ---------------------------------------------------------------------------------------------
// The benchmarks.

fn bench_parse(c: &mut Criterion) {
    let layout = Layout::agent();
    let mut group = c.benchmark_group("avaya_parse");
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    let styles = [
        (
            "padded",
            RowStyle {
                numeric: false,
                padded: true,
            },
        ),
        (
            "numeric",
            RowStyle {
                numeric: true,
                padded: false,
            },
        ),
    ];
    for (name, style) in styles {
        let mut cms = Cms::new(0x00ca_970e, style);
        let mut capture = Vec::new();
        let rows: usize = (0..PARSE_BATCHES).map(|_| cms.batch(&mut capture)).sum();
        // Equal work, checked once outside the timed loops: the same rows, every field equal
        // (by checksum). The timed loops hand each row to black_box instead.
        let (mut rta_sum, mut naive_sum) = (0u64, 0u64);
        let rta = rta_parse(&capture, &layout, &mut |row| {
            rta_sum = mix(rta_sum, rta_row_hash(row));
        });
        let naive = naive_parse(&capture, &mut |row| naive_sum = mix(naive_sum, row.hash()));
        assert_eq!(rta, naive, "{name}: rta and the baseline disagree");
        assert_eq!(
            rta_sum, naive_sum,
            "{name}: rta and the baseline read different rows"
        );
        assert_eq!(rta.rows, rows as u64);
        assert_eq!(rta.bad, 0);
        assert_eq!(rta.trailers, PARSE_BATCHES as u64);
        eprintln!(
            "avaya_parse/{name}: {rows} rows, {} bytes ({:.1} bytes/row), checksum {rta_sum:016x}",
            capture.len(),
            capture.len() as f64 / rows as f64,
        );

        group.throughput(Throughput::Bytes(capture.len() as u64));
        group.bench_function(format!("rta/{name}"), |b| {
            b.iter(|| {
                rta_parse(black_box(&capture), &layout, &mut |row| {
                    black_box(row);
                })
            })
        });
        group.bench_function(format!("baseline/{name}"), |b| {
            b.iter(|| {
                naive_parse(black_box(&capture), &mut |row| {
                    black_box(row);
                })
            })
        });
    }
    group.finish();
}

/// The 1,000 batches, and a check that both sides emit the same changes over them.
fn prepare_assemble(style: RowStyle) -> Vec<Batch> {
    let started = Instant::now();
    let (batches, rows) = generate_batches(ASSEMBLE_BATCHES, style);
    let bytes: usize = batches.iter().map(|b| b.bytes.len()).sum();
    let mut rta_changes = Changes::default();
    let mut rta = RtaAssemble::new();
    for batch in &batches {
        rta.batch(batch, &mut |kind, logid, code, aux, time| {
            rta_changes.add(kind, logid, code, aux, time)
        });
    }
    let stats = rta.assembler.stats();
    assert_eq!((stats.bad_rows, stats.bad_lines), (0, 0));
    assert_eq!(stats.batches_completed, ASSEMBLE_BATCHES as u64);
    let mut naive_changes = Changes::default();
    let mut naive = NaiveAssemble::default();
    for batch in &batches {
        naive.batch(batch, &mut |kind, logid, code, aux, time| {
            naive_changes.add(kind, logid, code, aux, time)
        });
    }
    assert_eq!(rta_changes, naive_changes, "rta and the baseline disagree");
    assert!(rta_changes.logged_out > 0 && rta_changes.changed > 0);
    eprintln!(
        "avaya_assemble: {ASSEMBLE_BATCHES} batches, {rows} rows ({} per batch), {bytes} bytes, \
         {rta_changes:?}, prepared and checked in {:.1?}",
        rows / ASSEMBLE_BATCHES,
        started.elapsed()
    );
    batches
}

fn bench_assemble(c: &mut Criterion) {
    let style = RowStyle {
        numeric: false,
        padded: true,
    };
    // Rows per batch from a run of the simulator that writes nothing (the same draws); the
    // half-gigabyte of batches is only written when a benchmark of this group runs.
    let mut cms = Cms::new(ASSEMBLE_SEED, style);
    let rows: usize = (0..ASSEMBLE_BATCHES).map(|_| cms.step(None)).sum();
    let prepared = OnceCell::new();

    let mut group = c.benchmark_group("avaya_assemble");
    group
        .sample_size(30)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(8));
    // One iteration = the next batch of the 1,000 (cycling), so the figure is time per batch.
    group.throughput(Throughput::Elements((rows / ASSEMBLE_BATCHES) as u64));
    let batches = || prepared.get_or_init(|| prepare_assemble(style));
    bench_assembler(&mut group, "rta", batches, RtaAssemble::new());
    bench_assembler(&mut group, "baseline", batches, NaiveAssemble::default());
    group.finish();
}

/// One iteration = the next of the prepared batches (cycling), so the figure is per batch.
fn bench_assembler<'b>(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    batches: impl Fn() -> &'b Vec<Batch>,
    mut assembler: impl AssembleBatch,
) {
    group.bench_function(name, |b| {
        let batches = batches();
        let mut changes = 0u64;
        let mut count = |_: ChangeKind, logid: &[u8], code: &str, aux, time| {
            black_box((logid, code, aux, time));
            changes += 1;
        };
        let mut next = 0;
        b.iter_custom(|iterations| {
            let start = Instant::now();
            for _ in 0..iterations {
                assembler.batch(&batches[next % batches.len()], &mut count);
                next += 1;
            }
            start.elapsed()
        });
        black_box(changes);
    });
}

// ---------------------------------------------------------------------------------------------
// Instruction counts (AVAYA_PROFILE).

/// The code callgrind counts (`--toggle-collect='avaya::measured*'`).
#[inline(never)]
fn measured<R>(f: impl FnOnce() -> R) -> R {
    f()
}

/// Parse captures read per profile run.
const PROFILE_PARSE_RUNS: usize = 3;
/// Batches of a profile run of the assemblers: the first warm the tables up, uncounted.
const PROFILE_WARM_BATCHES: usize = 5;
const PROFILE_BATCHES: usize = 20;

fn profile(routine: &str) {
    let numeric = routine.ends_with("-numeric");
    let style = RowStyle {
        numeric,
        padded: !numeric,
    };
    let layout = Layout::agent();
    let lines = match routine.trim_end_matches("-numeric") {
        "parse-rta" | "parse-baseline" => {
            let mut cms = Cms::new(0x00ca_970e, style);
            let mut capture = Vec::new();
            for _ in 0..PARSE_BATCHES {
                cms.batch(&mut capture);
            }
            let mut lines = 0;
            for _ in 0..PROFILE_PARSE_RUNS {
                lines += if routine.starts_with("parse-rta") {
                    let summary = measured(|| {
                        rta_parse(black_box(&capture), &layout, &mut |row| {
                            black_box(row);
                        })
                    });
                    summary.rows + summary.batch_starts + summary.trailers
                } else {
                    let summary = measured(|| {
                        naive_parse(black_box(&capture), &mut |row| {
                            black_box(row);
                        })
                    });
                    summary.rows + summary.batch_starts + summary.trailers
                };
            }
            lines
        }
        "assemble-rta" | "assemble-baseline" => {
            let (batches, _) = generate_batches(PROFILE_BATCHES, style);
            let (warm, counted) = batches.split_at(PROFILE_WARM_BATCHES);
            let mut changes = 0u64;
            let mut count = |_: ChangeKind, logid: &[u8], code: &str, aux, time| {
                black_box((logid, code, aux, time));
                changes += 1;
            };
            if routine == "assemble-rta" {
                let mut rta = RtaAssemble::new();
                warm.iter().for_each(|batch| rta.batch(batch, &mut count));
                measured(|| {
                    counted
                        .iter()
                        .for_each(|batch| rta.batch(batch, &mut count))
                });
            } else {
                let mut naive = NaiveAssemble::default();
                warm.iter().for_each(|batch| naive.batch(batch, &mut count));
                measured(|| {
                    counted
                        .iter()
                        .for_each(|batch| naive.batch(batch, &mut count))
                });
            }
            black_box(changes);
            counted.iter().map(|batch| batch.ends.len() as u64).sum()
        }
        other => {
            eprintln!("AVAYA_PROFILE: unknown routine {other:?}");
            std::process::exit(2);
        }
    };
    println!("{routine}: {lines} lines measured");
}

criterion_group!(benches, bench_parse, bench_assemble);

fn main() {
    if let Ok(routine) = std::env::var("AVAYA_PROFILE") {
        profile(&routine);
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
