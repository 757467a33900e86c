//! Benchmarks of the CIC decoder (`rta-cic`) against naive baselines.
//!
//! Both workloads are one connection of a 10,000-user CIC server, written by the simulator of
//! `rta-sim` (`CicSim`, which encodes with rta-cic's own encoder): the snapshot a new
//! connection gets, then about 100,000 changes as they come, one tick (1 s) at a time, with the
//! heartbeats. Users move through the default and customer statuses (keys with spaces and
//! commas such as `Available, No ACD` and `Break, Short`; a status text with a `|` that the line
//! dialect escapes, on 1,258 lines); user ids of five styles (`jdoe`, `anna.smith`,
//! `tom.o'brien@corp.example`, `Li wei`, `pedro_alvarez`).
//!
//! - `cic_line`: the line dialect, local times in America/New_York. `rta` is
//!   [`LineCodec`](rta_cic::LineCodec) over a `BytesMut` fed 64 KiB reads plus
//!   [`Session::push_frame`] for every line (parse, time zone, vocabulary, the users' memory,
//!   one `Observation` per status); `baseline` is what a
//!   first implementation would do: `BufRead::lines` (a `String` per line), `split('|')` into a
//!   `Vec<String>` (a character loop instead when the line holds a `\` escape), and the same
//!   fields parsed into an owned status the simplest way (`str::parse` of the time with jiff,
//!   the zone applied, the key lower-cased, flags, phase).
//! - `cic_icws`: the icws dialect (NDJSON): the status definitions, a snapshot of all users as
//!   one message, then one `isDelta:true` message per tick with the tick's changes (empty
//!   deltas for heartbeats). `rta` is the same codec and session (a streaming reader that hands
//!   each list item over as it is read, strings borrowed); `baseline` reads each line into a
//!   reused buffer, `serde_json::from_slice::<serde_json::Value>`, and walks the value into
//!   the same owned statuses (a map of the definitions for the ACD and ACW flags, a map of
//!   each user's last values for the deltas, as rta keeps).
//!
//! The timed loops start a new connection (session and vocabulary, or the baseline's maps)
//! per iteration and hand each status to `black_box`. A run outside them converts every status
//! of both sides to the same owned form and requires the two lists to be equal (same order),
//! with the same snapshot and heartbeat counts and no errors.
//!
//! Run with `cargo bench --bench cic`; results are in `benches/RESULTS.md`.
//!
//! Instruction counts, which unlike times do not depend on what else the machine runs: with
//! `CIC_PROFILE=<routine>` set, the bench binary runs one routine a fixed number of times
//! inside `measured` and exits, for
//! `valgrind --tool=callgrind --toggle-collect='cic::measured*' target/release/deps/cic-<hash>`.
//! Routines: `line-rta`, `line-baseline`, `icws-rta`, `icws-baseline`. It prints the number of
//! statuses and bytes measured.

use bytes::BytesMut;
use criterion::{Criterion, SamplingMode, Throughput, criterion_group};
use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use jiff::{Timestamp, Zoned};
use rta_cic::{Dialect, Output, Session, SessionConfig, Vocabulary};
use rta_model::{Code, IntegrationId, Observation, Phase, Zone};
use rta_sim::cic::{CicSim, CicSimConfig};
use serde_json::Value;
use std::collections::HashMap;
use std::hint::black_box;
use std::io::BufRead;
use std::time::Duration;
use tokio_util::codec::Decoder;

/// Users of the simulated CIC server.
const USERS: usize = 10_000;
/// Changes after the snapshot (at least; whole ticks).
const CHANGES: usize = 100_000;
/// The simulator's seed.
const SEED: u64 = 0x00c1_c0be;
/// The ACD's zone: line-dialect times are local to it.
const ZONE: &str = "America/New_York";
/// 08:00 in New York, a Monday far from a DST change.
const START: &str = "2026-11-23T13:00:00Z";
/// When every line is received (sans-IO: the caller's clock).
const RECEIVED: &str = "2026-11-23T16:00:00Z";
/// Bytes per socket read.
const READ: usize = 64 * 1024;

fn received() -> Timestamp {
    RECEIVED.parse().expect("a timestamp")
}

// ---------------------------------------------------------------------------------------------
// The workload.

/// One connection's bytes.
struct Workload {
    bytes: Vec<u8>,
    /// Statuses in it (snapshot and changes).
    statuses: usize,
    /// Lines (icws: messages).
    lines: usize,
    ticks: u64,
}

fn generate(dialect: Dialect) -> Workload {
    let mut config = CicSimConfig::new(USERS, SEED, START.parse().expect("a timestamp"));
    config.dialect = match dialect {
        Dialect::Line => rta_sim::cic::Dialect::Line,
        Dialect::Icws => rta_sim::cic::Dialect::Icws,
    };
    config.zone = Zone::get(ZONE).expect("a bundled zone");
    let mut sim = CicSim::new(config).expect("a valid configuration");
    let mut bytes = sim.greeting().bytes;
    let mut changes = 0;
    while changes < CHANGES {
        let tick = sim.tick();
        changes += tick.changes;
        bytes.extend_from_slice(&tick.bytes);
    }
    Workload {
        lines: memchr::memchr_iter(b'\n', &bytes).count(),
        bytes,
        statuses: USERS + changes,
        ticks: sim.ticks(),
    }
}

// ---------------------------------------------------------------------------------------------
// What both sides produce, for the equality check.

/// What reading a connection gave (the statuses themselves go to a visitor).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Summary {
    statuses: u64,
    snapshot_begins: u64,
    snapshot_ends: u64,
    snapshot_aborts: u64,
    heartbeats: u64,
    errors: u64,
}

/// A status in one owned form, whichever side read it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Outcome {
    user_id: Vec<u8>,
    phase: Phase,
    code: String,
    reason: Option<String>,
    station: Option<String>,
    time: Timestamp,
}

fn text(code: &Option<Code<'_>>) -> Option<String> {
    code.as_ref().map(|code| match code {
        Code::Text(text) => text.to_string(),
        Code::Number(number) => number.to_string(),
    })
}

impl Outcome {
    fn of_rta(observation: &Observation<'_>) -> Outcome {
        Outcome {
            user_id: observation.external_id.to_vec(),
            phase: observation.phase,
            code: observation.status.code.to_string(),
            reason: text(&observation.status.reason),
            station: text(&observation.status.detail),
            time: observation.time,
        }
    }

    fn of_naive(status: &NaiveStatus) -> Outcome {
        Outcome {
            user_id: status.user_id.as_bytes().to_vec(),
            phase: status.phase,
            code: status.key.clone(),
            reason: status.reason.clone(),
            station: status.station.clone(),
            time: status.time,
        }
    }
}

/// The canonical phase of a CIC status (`specs/cic.md`, "Status model"), as both compute it.
fn phase(logged_in: bool, on_phone: bool, acd: bool, acw: bool) -> Phase {
    if !logged_in {
        Phase::LoggedOut
    } else if on_phone {
        Phase::Talking
    } else if acd {
        Phase::Available
    } else if acw {
        Phase::WrapUp
    } else {
        Phase::Away
    }
}

// ---------------------------------------------------------------------------------------------
// rta: LineCodec + Session::push_frame.

fn rta_config(dialect: Dialect) -> SessionConfig {
    let mut config = SessionConfig::new(IntegrationId(1), dialect);
    config.zone = Zone::get(ZONE).expect("a bundled zone");
    config
}

/// One connection: the capture as it would arrive (64 KiB reads into a `BytesMut`), every
/// frame into a new session.
fn rta_read(
    capture: &[u8],
    config: &SessionConfig,
    visit: &mut impl FnMut(&Observation<'_>),
) -> Summary {
    let mut codec = config.codec();
    let mut session = Session::new(config.clone());
    let mut vocabulary = Vocabulary::new();
    let mut buf = BytesMut::with_capacity(READ);
    let mut summary = Summary::default();
    let received = received();
    let mut sink = |output: Output<'_>| match output {
        Output::Status(observation) => {
            summary.statuses += 1;
            visit(&observation);
        }
        Output::SnapshotBegin { .. } => summary.snapshot_begins += 1,
        Output::SnapshotEnd { .. } => summary.snapshot_ends += 1,
        Output::SnapshotAborted => summary.snapshot_aborts += 1,
        Output::Heartbeat { .. } => summary.heartbeats += 1,
    };
    let mut errors = 0;
    for read in capture.chunks(READ) {
        buf.extend_from_slice(read);
        while let Some(frame) = codec.decode(&mut buf).expect("LineCodec never fails") {
            errors += u64::from(
                session
                    .push_frame(frame, received, &mut vocabulary, &mut sink)
                    .is_err(),
            );
        }
    }
    while let Some(frame) = codec.decode_eof(&mut buf).expect("LineCodec never fails") {
        errors += u64::from(
            session
                .push_frame(frame, received, &mut vocabulary, &mut sink)
                .is_err(),
        );
    }
    session.connection_lost(&mut sink);
    summary.errors = errors;
    summary
}

// ---------------------------------------------------------------------------------------------
// The naive baselines: owned strings everywhere.

/// An owned status, as a first implementation would hold it.
#[derive(Debug, Clone)]
#[allow(dead_code)] // text and group are read as a first implementation would, never used
struct NaiveStatus {
    user_id: String,
    /// Lower case.
    key: String,
    text: Option<String>,
    group: Option<String>,
    logged_in: Option<bool>,
    acd: Option<bool>,
    dnd: Option<bool>,
    acw: Option<bool>,
    on_phone: Option<bool>,
    station: Option<String>,
    time: Timestamp,
    phase: Phase,
    /// The key, when away.
    reason: Option<String>,
}

/// `STATUS|time|user|key|text|group|in|acd|dnd|acw|phone|station` split into owned fields.
fn naive_fields(line: &str) -> Vec<String> {
    if !line.contains('\\') {
        return line.split('|').map(str::to_string).collect();
    }
    // `\|` and `\\` are escapes; any other backslash is kept.
    let mut fields = vec![String::new()];
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if matches!(chars.peek(), Some('|' | '\\')) => {
                let escaped = chars.next().expect("peeked");
                fields.last_mut().expect("one field").push(escaped);
            }
            '|' => fields.push(String::new()),
            c => fields.last_mut().expect("one field").push(c),
        }
    }
    fields
}

/// A line-dialect time: local in `tz`, or RFC 3339 with an offset.
fn naive_line_time(cell: &str, tz: &TimeZone) -> Option<Timestamp> {
    if cell.ends_with(['Z', 'z']) || cell.get(19..).is_some_and(|s| s.contains(['+', '-'])) {
        return cell.parse().ok();
    }
    let local: DateTime = cell.parse().ok()?;
    let zoned: Zoned = local.to_zoned(tz.clone()).ok()?;
    Some(zoned.timestamp())
}

fn naive_flag(cell: Option<&String>) -> Result<Option<bool>, ()> {
    match cell.map(String::as_str) {
        None | Some("") => Ok(None),
        Some("0") => Ok(Some(false)),
        Some("1") => Ok(Some(true)),
        Some(_) => Err(()),
    }
}

fn non_empty(cell: Option<&mut String>) -> Option<String> {
    cell.filter(|cell| !cell.is_empty()).map(std::mem::take)
}

impl NaiveStatus {
    fn from_fields(mut fields: Vec<String>, tz: &TimeZone) -> Option<NaiveStatus> {
        let time = match fields.get(1).map(String::as_str) {
            None | Some("") => received(),
            Some(cell) => naive_line_time(cell, tz)?,
        };
        let user_id = non_empty(fields.get_mut(2))?;
        let key = non_empty(fields.get_mut(3))?.to_lowercase();
        let text = non_empty(fields.get_mut(4));
        let group = non_empty(fields.get_mut(5));
        let logged_in = naive_flag(fields.get(6)).ok()?;
        let acd = naive_flag(fields.get(7)).ok()?;
        let dnd = naive_flag(fields.get(8)).ok()?;
        let acw = naive_flag(fields.get(9)).ok()?;
        let on_phone = naive_flag(fields.get(10)).ok()?;
        let station = non_empty(fields.get_mut(11));
        let phase = phase(
            logged_in.unwrap_or(true),
            on_phone.unwrap_or(false),
            acd.unwrap_or(false),
            acw.unwrap_or(false),
        );
        Some(NaiveStatus {
            reason: (phase == Phase::Away).then(|| key.clone()),
            user_id,
            key,
            text,
            group,
            logged_in,
            acd,
            dnd,
            acw,
            on_phone,
            station,
            time,
            phase,
        })
    }
}

/// The line dialect through a `BufReader` of the same 64 KiB, a `String` per line.
fn naive_line(capture: &[u8], tz: &TimeZone, visit: &mut impl FnMut(&NaiveStatus)) -> Summary {
    let reader = std::io::BufReader::with_capacity(READ, capture);
    let mut summary = Summary::default();
    for line in reader.lines() {
        let line = line.expect("the capture is UTF-8");
        let line = line.strip_suffix('\r').unwrap_or(&line);
        let mut fields = naive_fields(line);
        let kind = fields[0].to_uppercase();
        match kind.as_str() {
            "STATUS" => match NaiveStatus::from_fields(fields, tz) {
                Some(status) => {
                    summary.statuses += 1;
                    visit(&status);
                }
                None => summary.errors += 1,
            },
            "SNAPSHOT" => {
                let marker = fields.get_mut(1).map(std::mem::take).unwrap_or_default();
                match marker.to_uppercase().as_str() {
                    "BEGIN" => summary.snapshot_begins += 1,
                    "END" => summary.snapshot_ends += 1,
                    _ => summary.errors += 1,
                }
            }
            "HEARTBEAT" => summary.heartbeats += 1,
            _ => summary.errors += 1,
        }
    }
    summary
}

/// A user's last values, for the icws deltas.
struct NaiveUser {
    key: String,
    status_changed: Option<Timestamp>,
    on_phone_changed: Option<Timestamp>,
    logged_in: Option<bool>,
    on_phone: Option<bool>,
    station: Option<String>,
}

#[derive(Default)]
struct NaiveIcws {
    /// Folded status key -> (ACD, after-call work).
    definitions: HashMap<String, (bool, bool)>,
    users: HashMap<String, NaiveUser>,
}

/// An ICWS time: basic (`20261123T075812Z`) or extended ISO 8601 with an offset.
fn naive_icws_time(value: Option<&Value>) -> Result<Option<Timestamp>, ()> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(value) => {
            let text = value.as_str().ok_or(())?;
            text.parse().map(Some).map_err(|_| ())
        }
    }
}

impl NaiveIcws {
    fn message(
        &mut self,
        message: &Value,
        summary: &mut Summary,
        visit: &mut impl FnMut(&NaiveStatus),
    ) {
        let is_delta = message["isDelta"].as_bool().unwrap_or(false);
        match message["__type"].as_str() {
            Some("urn:inin.com:status:statusMessagesMessage") => {
                for item in message["statusMessageList"]
                    .as_array()
                    .into_iter()
                    .flatten()
                {
                    let Some(key) = item["statusId"].as_str().filter(|key| !key.is_empty()) else {
                        summary.errors += 1;
                        continue;
                    };
                    let acd = item
                        .get("isAcdStatus")
                        .or_else(|| item.get("isACDStatus"))
                        .and_then(Value::as_bool)
                        .unwrap_or(false);
                    let acw = item["isAfterCallWorkStatus"].as_bool().unwrap_or(false);
                    self.definitions.insert(key.to_lowercase(), (acd, acw));
                }
            }
            Some("urn:inin.com:status:userStatusMessage") => {
                if !is_delta {
                    summary.snapshot_begins += 1;
                    self.users.clear();
                }
                for item in message["userStatusList"].as_array().into_iter().flatten() {
                    match self.user_status(item, is_delta) {
                        Some(status) => {
                            summary.statuses += 1;
                            visit(&status);
                        }
                        None => summary.errors += 1,
                    }
                }
                if !is_delta {
                    summary.snapshot_ends += 1;
                }
            }
            _ => {}
        }
    }

    fn user_status(&mut self, item: &Value, is_delta: bool) -> Option<NaiveStatus> {
        let user_id = item["userId"]
            .as_str()
            .filter(|id| !id.is_empty())?
            .to_string();
        let previous = if is_delta {
            self.users.get(&user_id)
        } else {
            None
        };
        let key = match item["statusId"].as_str().filter(|key| !key.is_empty()) {
            Some(key) => key.to_lowercase(),
            None => previous?.key.clone(),
        };
        let status_changed = naive_icws_time(item.get("statusChanged"))
            .ok()?
            .or_else(|| previous.and_then(|user| user.status_changed));
        let on_phone_changed = naive_icws_time(item.get("onPhoneChanged"))
            .ok()?
            .or_else(|| previous.and_then(|user| user.on_phone_changed));
        let logged_in = item["loggedIn"]
            .as_bool()
            .or_else(|| previous.and_then(|user| user.logged_in));
        let on_phone = item["onPhone"]
            .as_bool()
            .or_else(|| previous.and_then(|user| user.on_phone));
        let station = match item["stations"].as_array() {
            Some(stations) => stations
                .first()
                .and_then(Value::as_str)
                .filter(|station| !station.is_empty())
                .map(str::to_string),
            None => previous.and_then(|user| user.station.clone()),
        };
        let (acd, acw) = self.definitions.get(&key).copied().unwrap_or_default();
        let phase = phase(
            logged_in.unwrap_or(true),
            on_phone.unwrap_or(false),
            acd,
            acw,
        );
        let status = NaiveStatus {
            user_id: user_id.clone(),
            reason: (phase == Phase::Away).then(|| key.clone()),
            key: key.clone(),
            text: None,
            group: None,
            logged_in,
            acd: Some(acd),
            dnd: None,
            acw: Some(acw),
            on_phone,
            station: station.clone(),
            time: status_changed
                .max(on_phone_changed)
                .unwrap_or_else(received),
            phase,
        };
        self.users.insert(
            user_id,
            NaiveUser {
                key,
                status_changed,
                on_phone_changed,
                logged_in,
                on_phone,
                station,
            },
        );
        Some(status)
    }
}

/// The icws dialect: each line into a reused buffer, a `serde_json::Value` per message.
fn naive_icws(capture: &[u8], visit: &mut impl FnMut(&NaiveStatus)) -> Summary {
    let mut reader = std::io::BufReader::with_capacity(READ, capture);
    let mut line = Vec::new();
    let mut state = NaiveIcws::default();
    let mut summary = Summary::default();
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line).expect("reading memory") == 0 {
            break;
        }
        if line.trim_ascii().is_empty() {
            continue;
        }
        match serde_json::from_slice::<Value>(&line) {
            Ok(message) => state.message(&message, &mut summary, visit),
            Err(_) => summary.errors += 1,
        }
    }
    summary
}

// ---------------------------------------------------------------------------------------------
// The equality check and the benchmarks.

/// Both sides over the workload, outside the timed loops: the same statuses in the same order.
fn check(
    name: &str,
    workload: &Workload,
    rta: &SessionConfig,
    naive: impl Fn(&mut dyn FnMut(&NaiveStatus)) -> Summary,
) {
    let mut rta_statuses = Vec::with_capacity(workload.statuses);
    let rta_summary = rta_read(&workload.bytes, rta, &mut |observation| {
        rta_statuses.push(Outcome::of_rta(observation));
    });
    let mut naive_statuses = Vec::with_capacity(workload.statuses);
    let naive_summary = naive(&mut |status| naive_statuses.push(Outcome::of_naive(status)));
    assert_eq!(rta_summary.errors, 0, "{name}: rta rejected some lines");
    assert_eq!(rta_summary.statuses, workload.statuses as u64, "{name}");
    assert_eq!(
        rta_summary, naive_summary,
        "{name}: rta and the baseline disagree"
    );
    if let Some(i) = (0..rta_statuses.len()).find(|&i| rta_statuses[i] != naive_statuses[i]) {
        panic!(
            "{name}: status {i} differs:\n  rta      {:?}\n  baseline {:?}",
            rta_statuses[i], naive_statuses[i]
        );
    }
    let phases = [
        Phase::LoggedOut,
        Phase::Available,
        Phase::Talking,
        Phase::WrapUp,
        Phase::Away,
    ]
    .map(|phase| rta_statuses.iter().filter(|s| s.phase == phase).count());
    let escaped = memchr::memmem::find_iter(&workload.bytes, br"\|").count();
    eprintln!(
        "{name}: {} bytes, {} lines, {} statuses ({USERS} in the snapshot, {} changes in {} ticks), \
         {:.1} bytes/status, {} heartbeats, {escaped} escaped `|`; phases \
         logged_out/available/talking/wrap_up/away {phases:?}; rta and baseline equal",
        workload.bytes.len(),
        workload.lines,
        workload.statuses,
        workload.statuses - USERS,
        workload.ticks,
        workload.bytes.len() as f64 / workload.statuses as f64,
        rta_summary.heartbeats,
    );
}

fn group<'c>(
    c: &'c mut Criterion,
    name: &str,
) -> criterion::BenchmarkGroup<'c, criterion::measurement::WallTime> {
    let mut group = c.benchmark_group(name);
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    group
}

fn bench_line(c: &mut Criterion) {
    let workload = generate(Dialect::Line);
    let config = rta_config(Dialect::Line);
    let tz = TimeZone::get(ZONE).expect("a bundled zone");
    check("cic_line", &workload, &config, |visit| {
        naive_line(&workload.bytes, &tz, &mut |s| visit(s))
    });

    let mut group = group(c, "cic_line");
    group.throughput(Throughput::Bytes(workload.bytes.len() as u64));
    group.bench_function("rta", |b| {
        b.iter(|| {
            rta_read(black_box(&workload.bytes), &config, &mut |observation| {
                black_box(observation);
            })
        })
    });
    group.bench_function("baseline", |b| {
        b.iter(|| {
            naive_line(black_box(&workload.bytes), &tz, &mut |status| {
                black_box(status);
            })
        })
    });
    group.finish();
}

fn bench_icws(c: &mut Criterion) {
    let workload = generate(Dialect::Icws);
    let config = rta_config(Dialect::Icws);
    check("cic_icws", &workload, &config, |visit| {
        naive_icws(&workload.bytes, &mut |s| visit(s))
    });
    let lines: Vec<&[u8]> = workload.bytes.split(|&b| b == b'\n').collect();
    let deltas: Vec<usize> = lines
        .iter()
        .filter(|line| line.windows(14).any(|w| w == br#""isDelta":true"#))
        .map(|line| line.len())
        .collect();
    eprintln!(
        "cic_icws: definitions {} bytes, snapshot {} bytes, {} deltas of {:.0} bytes on average \
         (largest {})",
        lines[0].len(),
        lines[1].len(),
        deltas.len(),
        deltas.iter().sum::<usize>() as f64 / deltas.len() as f64,
        deltas.iter().max().copied().unwrap_or(0),
    );

    let mut group = group(c, "cic_icws");
    group.throughput(Throughput::Bytes(workload.bytes.len() as u64));
    group.bench_function("rta", |b| {
        b.iter(|| {
            rta_read(black_box(&workload.bytes), &config, &mut |observation| {
                black_box(observation);
            })
        })
    });
    group.bench_function("baseline", |b| {
        b.iter(|| {
            naive_icws(black_box(&workload.bytes), &mut |status| {
                black_box(status);
            })
        })
    });
    group.finish();
}

// ---------------------------------------------------------------------------------------------
// Instruction counts (CIC_PROFILE).

/// The code callgrind counts (`--toggle-collect='cic::measured*'`).
#[inline(never)]
fn measured<R>(f: impl FnOnce() -> R) -> R {
    f()
}

/// Connections read per profile run.
const PROFILE_RUNS: usize = 2;

fn profile(routine: &str) {
    let dialect = match routine {
        "line-rta" | "line-baseline" => Dialect::Line,
        "icws-rta" | "icws-baseline" => Dialect::Icws,
        other => {
            eprintln!("CIC_PROFILE: unknown routine {other:?}");
            std::process::exit(2);
        }
    };
    let workload = generate(dialect);
    let config = rta_config(dialect);
    let tz = TimeZone::get(ZONE).expect("a bundled zone");
    let mut statuses = 0;
    for _ in 0..PROFILE_RUNS {
        let summary = measured(|| match routine {
            "line-rta" | "icws-rta" => rta_read(black_box(&workload.bytes), &config, &mut |o| {
                black_box(o);
            }),
            "line-baseline" => naive_line(black_box(&workload.bytes), &tz, &mut |s| {
                black_box(s);
            }),
            _ => naive_icws(black_box(&workload.bytes), &mut |s| {
                black_box(s);
            }),
        });
        statuses += summary.statuses;
    }
    println!(
        "{routine}: {statuses} statuses, {} bytes measured",
        PROFILE_RUNS * workload.bytes.len()
    );
}

criterion_group!(benches, bench_line, bench_icws);

fn main() {
    if let Ok(routine) = std::env::var("CIC_PROFILE") {
        profile(&routine);
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
