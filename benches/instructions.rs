//! The instruction-count benchmark of CI (issue 8): a fixed capture of all three sources
//! replayed through the engine's pipeline ([`rta_engine::replay`]: the live decoders, the
//! apply step into the state table, the adherence stage, the bus and each event serialized as
//! NDJSON) and counted by valgrind's callgrind, which counts instructions, not time: the
//! counts do not move with the machine's load, so a regression shows as a number.
//!
//! `.ci/instructions` runs it (see there for the comparison with the committed reference
//! counts `benches/instructions.txt`); by hand:
//!
//! ```sh
//! cargo bench --bench instructions                  # every mode natively: records, events, time
//! .ci/instructions                                  # the counts under callgrind, against the reference
//! # one mode by hand: write the capture, then count the replay only
//! target/release/deps/instructions-<hash> --write-capture /tmp/fixed.capture
//! valgrind --tool=callgrind --toggle-collect='instructions::counted_replay' \
//!     target/release/deps/instructions-<hash> --capture /tmp/fixed.capture all
//! ```
//!
//! ## The fixed capture
//! Generated here, never committed: the simulators of `rta-sim` with fixed seeds, merged in
//! time order and written in the capture format ([`rta_engine::capture::write_line`]), as a
//! live engine with capture on would have recorded them. [`CAPTURE_MINUTES`] of virtual time
//! from [`START`]:
//! - `cms` (Avaya CMS, `agent` layout): [`AVAYA_AGENTS`] agents, a snapshot every 15 s (about
//!   12 % of the agents change per refresh, the simulator's realistic mix);
//! - `cic` (CIC, line dialect, one server `acd1.example:8080`): [`CIC_USERS`] users, their
//!   greeting snapshot then 1 s ticks of changes, a heartbeat every 30 s;
//! - `odigo`: [`ODIGO_AGENTS`] agents logging in within a minute, one JSON notification a
//!   body, a `HEARTBEAT` a minute (Odigo's keep-alive).
//!
//! Every agent of every source is an employee (`<integration>:<external id>`), scheduled
//! from an hour before the start to two hours after it in 15-minute segments, so that the
//! evaluator crosses a boundary every 15 minutes: Phone, except one segment in four on
//! Break (which one depends on the employee). The worked example's rules: Phone
//! productive, Break, Away; per source, breaks and pauses map to Break, AUX to Away, the
//! rest to Phone.
//!
//! Two generations are compared byte for byte by the native run (`cargo bench`): same seeds,
//! same capture. The counting run reads the capture from a file, so generating it is not
//! counted and not slowed down 50 times by valgrind.
//!
//! ## Modes
//! Each mode replays the same capture with the same configuration, keeping only some records:
//! `all` (every record), `avaya`, `cic`, `odigo` (one source's records, the others' agents
//! never heard of), and `bare` (every record, no employees, mappings or schedules: the
//! difference to `all` is what adherence costs).
//!
//! ## Stable counts
//! Callgrind counts the same instructions for the same binary and input, except where the
//! process draws entropy: std's `RandomState` (from `getrandom`) and foldhash's global seed
//! (from the wall clock) seed the engine's hash maps, and another seed means other probe
//! lengths (0.01-0.1 % between two runs). `.ci/instructions` preloads
//! `.ci/fixed_entropy.c`, which makes both constant: two runs then agree to the instruction.
//! The replay itself reads no clock.
//!
//! ## Decisions
//! - **A bench binary and a script, not gungraun** (iai-callgrind's successor): gungraun
//!   needs its runner at the exact library version (`cargo install gungraun-runner`, minutes
//!   of CI build), its MSRV (1.88) is above the workspace's (1.85), and what this benchmark
//!   must do is outside it anyway: instructions per record and per mode, a reference
//!   committed in the repository (gungraun's baselines live in `target/`), and the top
//!   functions from `callgrind_annotate`.
//! - **The capture is generated, not committed**: a few seconds natively, 28 MB as text.
//!   The native run checks that two generations are byte-identical; the simulators are
//!   deterministic by design (their seeds fix every byte).
//!
//! ## What is counted
//! [`counted_replay`] only: feeding the parsed records to a started [`Replay`] and finishing
//! it (the events drained and written as NDJSON to a sink, the replay's state dropped).
//! Reading and parsing the capture file, building the configuration, the state table and
//! the evaluator ([`Replayer::start`]) are not: they are set-up, not the pipeline.

use rta_adherence::{
    Activity, ActivityMapping, Config, Defaults, Employee, Mappings, Rules, ScheduleRow,
    UserMapping,
};
use rta_cic::Dialect;
use rta_engine::capture::{Reader, Record, cic_label, write_line};
use rta_engine::cic::Mode as CicMode;
use rta_engine::engine::{AvayaSettings, CicSettings, IntegrationSettings, OdigoSettings, Source};
use rta_engine::replay::{Replay, Replayer, Summary};
use rta_model::{Name, Timestamp, Zone};
use rta_odigo::TokenHash;
use rta_sim::avaya::{AvayaSim, SimConfig};
use rta_sim::cic::{CicSim, CicSimConfig};
use rta_sim::odigo::{Body, OdigoSim, OdigoSimConfig};
use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// The capture's first time (a Monday morning).
const START: &str = "2026-11-23T08:00:00Z";
/// Virtual minutes of traffic: two schedule boundaries (08:15, 08:30) and a part of a third
/// segment.
const CAPTURE_MINUTES: i64 = 40;
const AVAYA_AGENTS: usize = 2_000;
const AVAYA_REFRESH_SECONDS: u64 = 15;
const CIC_USERS: usize = 2_000;
const ODIGO_AGENTS: usize = 1_000;
/// Length of a schedule segment: a boundary every 15 minutes.
const SEGMENT_MINUTES: i64 = 15;

const CMS: &str = "cms";
const CIC: &str = "cic";
const CIC_SERVER: &str = "acd1.example:8080";
const ODIGO: &str = "odigo";

/// Which records a replay keeps, and with which adherence configuration (module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    All,
    Avaya,
    Cic,
    Odigo,
    Bare,
}

impl Mode {
    const EVERY: [Mode; 5] = [Mode::All, Mode::Avaya, Mode::Cic, Mode::Odigo, Mode::Bare];

    fn name(self) -> &'static str {
        match self {
            Mode::All => "all",
            Mode::Avaya => "avaya",
            Mode::Cic => "cic",
            Mode::Odigo => "odigo",
            Mode::Bare => "bare",
        }
    }

    fn parse(text: &str) -> Option<Mode> {
        Mode::EVERY.into_iter().find(|mode| mode.name() == text)
    }

    /// The integration whose records this mode keeps; `None`: all of them.
    fn integration(self) -> Option<&'static str> {
        match self {
            Mode::All | Mode::Bare => None,
            Mode::Avaya => Some(CMS),
            Mode::Cic => Some(CIC),
            Mode::Odigo => Some(ODIGO),
        }
    }

    fn keeps(self, record: &Record) -> bool {
        self.integration()
            .is_none_or(|name| integration_of(&record.integration) == name)
    }
}

/// The integration of a capture label (`cic@server` is `cic`'s).
fn integration_of(label: &str) -> &str {
    label.split_once('@').map_or(label, |(name, _)| name)
}

fn start() -> Timestamp {
    START.parse().expect("a valid time")
}

/// The engine's settings of the three integrations (addresses and tokens are not used by a
/// replay).
fn integrations() -> Vec<IntegrationSettings> {
    vec![
        IntegrationSettings {
            name: CMS.into(),
            source: Source::Avaya(AvayaSettings {
                listen: "127.0.0.1:0".parse().expect("an address"),
                layout: rta_avaya::Layout::agent(),
                refresh: Duration::from_secs(AVAYA_REFRESH_SECONDS),
                detailed_statuses: false,
                zone: Zone::utc(),
                allowed_peers: None,
            }),
        },
        IntegrationSettings {
            name: CIC.into(),
            source: Source::Cic(CicSettings {
                servers: CIC_SERVER.into(),
                mode: CicMode::All,
                dialect: Dialect::Line,
                zone: Zone::utc(),
            }),
        },
        IntegrationSettings {
            name: ODIGO.into(),
            source: Source::Odigo(OdigoSettings {
                token: TokenHash::from_hex(&"1".repeat(64)).expect("64 hex digits"),
                pause_details: None,
                stale_after: Duration::from_secs(600),
            }),
        },
    ]
}

/// One record of the capture being generated.
struct Generated {
    received: Timestamp,
    label: String,
    payload: Vec<u8>,
}

/// The lines of `bytes` without their line ends (LF or CR LF).
fn lines(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    bytes
        .split(|&byte| byte == b'\n')
        .filter(|line| !line.is_empty())
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line))
}

/// The fixed capture (module docs) and the agents of each integration, sorted.
struct Fixture {
    capture: Vec<u8>,
    agents: Vec<(&'static str, BTreeSet<String>)>,
}

fn generate() -> Fixture {
    let start = start();
    let end = start + jiff::SignedDuration::from_mins(CAPTURE_MINUTES);
    let mut records: Vec<Generated> = Vec::new();

    let mut avaya_config = SimConfig::new(AVAYA_AGENTS, 8_001, start);
    avaya_config.refresh = jiff::SignedDuration::from_secs(AVAYA_REFRESH_SECONDS as i64);
    let mut avaya = AvayaSim::new(avaya_config).expect("a valid Avaya simulation");
    let avaya_agents = avaya
        .agents()
        .iter()
        .map(|agent| String::from_utf8_lossy(&agent.logid).into_owned())
        .collect();
    while avaya.next_time() < end {
        let batch = avaya.next_batch();
        records.extend(lines(&batch.bytes()).map(|line| Generated {
            received: batch.time,
            label: CMS.into(),
            payload: line.to_vec(),
        }));
    }

    let mut cic =
        CicSim::new(CicSimConfig::new(CIC_USERS, 8_002, start)).expect("a valid CIC simulation");
    let cic_users = cic
        .users()
        .iter()
        .map(|user| user.user_id.to_string())
        .collect();
    let cic_label = cic_label(CIC, CIC_SERVER);
    let greeting = cic.greeting();
    let mut chunks = vec![(start, greeting.bytes)];
    while cic.now() < end {
        let tick = cic.tick();
        chunks.push((tick.time, tick.bytes));
    }
    for (time, bytes) in chunks {
        records.extend(lines(&bytes).map(|line| Generated {
            received: time,
            label: cic_label.clone(),
            payload: line.to_vec(),
        }));
    }

    let odigo_config = OdigoSimConfig::new("acme", ODIGO_AGENTS, 8_003, start);
    let odigo_agents = odigo_config.logins.iter().cloned().collect();
    let mut odigo = OdigoSim::new(odigo_config).expect("a valid Odigo simulation");
    records.extend(odigo.step(end).iter().map(|notification| Generated {
        received: notification.time,
        label: ODIGO.into(),
        payload: Body::json(notification).bytes.to_vec(),
    }));

    // Stable: each source keeps its own order; at one time, the sources in this order.
    records.sort_by_key(|record| record.received);
    let mut capture = Vec::new();
    for record in &records {
        write_line(
            &mut capture,
            record.received,
            &record.label,
            &record.payload,
        );
    }
    Fixture {
        capture,
        agents: vec![(CMS, avaya_agents), (CIC, cic_users), (ODIGO, odigo_agents)],
    }
}

/// The adherence configuration of the fixture's agents (module docs); `bare`: none.
fn adherence(mode: Mode, agents: &[(&'static str, BTreeSet<String>)]) -> Config {
    if mode == Mode::Bare {
        return Config::default();
    }
    let (phone, brk): (Name, Name) = ("Phone".into(), "Break".into());
    let first = start() - jiff::SignedDuration::from_hours(1);
    let segments = (3 * 60) / SEGMENT_MINUTES;
    let mut employees = Vec::new();
    let mut users = Vec::new();
    let mut schedules = Vec::new();
    for (integration, ids) in agents {
        for external_id in ids {
            let employee: Name = format!("{integration}:{external_id}").as_str().into();
            let offset = employees.len() as i64;
            for segment in 0..segments {
                let at = |segment: i64| {
                    first + jiff::SignedDuration::from_mins(segment * SEGMENT_MINUTES)
                };
                schedules.push(ScheduleRow {
                    employee: employee.clone(),
                    start: at(segment),
                    end: at(segment + 1),
                    activity: if (segment + offset) % 4 == 3 {
                        brk.clone()
                    } else {
                        phone.clone()
                    },
                });
            }
            users.push(UserMapping {
                integration: (*integration).into(),
                external_id: external_id.clone(),
                employee: employee.clone(),
            });
            employees.push(Employee {
                id: employee,
                team: None,
                time_zone: None,
            });
        }
    }
    let mapping = |integration: &str, status: &str, reason: &str, activity: &str| ActivityMapping {
        integration: integration.into(),
        status: status.into(),
        reason: reason.parse().expect("a reason"),
        detail: None,
        activity: activity.into(),
    };
    let activities = vec![
        mapping(CMS, "AUX", "2", "Break"),
        mapping(CMS, "AUX", "", "Away"),
        mapping(CMS, "*", "", "Phone"),
        mapping(CIC, "at lunch", "", "Break"),
        mapping(CIC, "break, short", "", "Break"),
        mapping(CIC, "*", "", "Phone"),
        mapping(ODIGO, "PAUSE", "", "Break"),
        mapping(ODIGO, "*", "", "Phone"),
    ];
    Config {
        rules: Rules {
            activities: vec![
                Activity::new("Phone").productive(),
                Activity::new("Break"),
                Activity::new("Away"),
            ],
            defaults: Defaults {
                alarm_after: 60,
                severe_after: 300,
                time_zone: "UTC".into(),
                ..Defaults::default()
            },
            ..Rules::default()
        },
        employees,
        mappings: Mappings { users, activities },
        schedules,
    }
}

/// What is counted (module docs): never inlined, so that callgrind's `--toggle-collect` finds
/// it by name.
#[inline(never)]
fn counted_replay(mut replay: Replay<'_>, records: &[(usize, Record)]) -> Summary {
    let mut out = std::io::sink();
    for (line, record) in records {
        replay
            .feed(*line, record, &mut out)
            .expect("the fixed capture replays");
    }
    replay
        .finish(None, &mut out)
        .expect("a sink takes everything")
}

/// Replays the records of `capture` that `mode` keeps; the wall time is of the counted part.
fn replay(
    mode: Mode,
    capture: &[u8],
    fixture_agents: &[(&'static str, BTreeSet<String>)],
) -> (Summary, Duration) {
    let records: Vec<(usize, Record)> = Reader::new(capture)
        .map(|item| item.expect("the fixed capture reads"))
        .filter(|(_, record)| mode.keeps(record))
        .collect();
    let Some((_, first)) = records.first() else {
        return (Summary::default(), Duration::ZERO);
    };
    let mut replayer = Replayer::new(integrations(), adherence(mode, fixture_agents))
        .expect("a valid configuration");
    let replay = replayer.start(first.received).expect("a replay starts");
    let began = Instant::now();
    let summary = counted_replay(replay, &records);
    (summary, began.elapsed())
}

/// The agents of each integration, read back from a capture (the counting run has no
/// simulator): Avaya `F1` rows' LOGID (second cell), CIC `STATUS` lines' user (third),
/// Odigo bodies' `login`.
fn agents_of(capture: &[u8]) -> Vec<(&'static str, BTreeSet<String>)> {
    let mut agents: Vec<(&'static str, BTreeSet<String>)> =
        [CMS, CIC, ODIGO].map(|name| (name, BTreeSet::new())).into();
    for item in Reader::new(capture) {
        let (_, record) = item.expect("the fixed capture reads");
        let payload = String::from_utf8_lossy(&record.payload);
        let agent = match integration_of(&record.integration) {
            CMS if payload.starts_with("F1|") => payload.split('|').nth(2),
            CIC if payload.starts_with("STATUS|") => payload.split('|').nth(2),
            ODIGO => payload
                .split_once(r#""login":""#)
                .and_then(|(_, rest)| rest.split('"').next()),
            _ => None,
        };
        if let Some(agent) = agent
            && let Some((_, ids)) = agents
                .iter_mut()
                .find(|(name, _)| *name == integration_of(&record.integration))
        {
            ids.insert(agent.trim().to_owned());
        }
    }
    agents
}

const USAGE: &str = "usage: instructions [--write-capture FILE] [--capture FILE MODE]
  (no argument)            generate the capture twice (must be identical), replay every mode, print
  --write-capture FILE     write the fixed capture to FILE
  --capture FILE MODE      replay FILE in MODE (all, avaya, cic, odigo, bare): what callgrind counts";

fn main() -> ExitCode {
    // `cargo bench` passes `--bench`; criterion's other flags mean nothing here.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|arg| arg != "--bench")
        .collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        [] => native(),
        ["--write-capture", path] => {
            let fixture = generate();
            std::fs::write(path, &fixture.capture).expect("the capture is written");
            println!("capture: {path}: {} bytes", fixture.capture.len());
        }
        ["--capture", path, mode] => {
            let Some(mode) = Mode::parse(mode) else {
                eprintln!("{USAGE}");
                return ExitCode::FAILURE;
            };
            counted(mode, Path::new(path));
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}

/// One mode from a capture file: the line `.ci/instructions` reads.
fn counted(mode: Mode, path: &Path) {
    let capture = std::fs::read(path).expect("the capture file reads");
    let agents = agents_of(&capture);
    let (summary, _) = replay(mode, &capture, &agents);
    print_summary(mode, &summary, None);
}

fn print_summary(mode: Mode, summary: &Summary, time: Option<Duration>) {
    let mut out = std::io::stdout().lock();
    let _ = write!(
        out,
        "mode={} records={} events={} rejected={}",
        mode.name(),
        summary.records,
        summary.events,
        summary.rejected
    );
    if let Some(time) = time {
        let _ = write!(
            out,
            " time={:.3}s per_record={:.0}ns",
            time.as_secs_f64(),
            time.as_nanos() as f64 / summary.records.max(1) as f64
        );
    }
    let _ = writeln!(out);
}

/// The native run: the capture generated twice and compared, every mode replayed and timed.
fn native() {
    let began = Instant::now();
    let fixture = generate();
    let generated = began.elapsed();
    assert!(
        generate().capture == fixture.capture,
        "two generations of the fixed capture differ: a simulator is not deterministic"
    );
    let lines = fixture
        .capture
        .iter()
        .filter(|&&byte| byte == b'\n')
        .count();
    println!(
        "capture: {lines} records, {} bytes, generated in {:.2}s; a second generation is identical",
        fixture.capture.len(),
        generated.as_secs_f64()
    );
    // The agents read back from the capture are those the simulators have, or the counting
    // run's configuration would differ from this one.
    let read_back = agents_of(&fixture.capture);
    for ((name, simulated), (_, read)) in fixture.agents.iter().zip(&read_back) {
        assert!(
            read.is_subset(simulated),
            "{name}: the capture names agents the simulator does not have"
        );
        println!(
            "{name}: {} agents, {} heard of",
            simulated.len(),
            read.len()
        );
    }
    for mode in Mode::EVERY {
        let (summary, time) = replay(mode, &fixture.capture, &read_back);
        print_summary(mode, &summary, Some(time));
    }
}
