//! The fuzz targets of `rta-avaya`, `rta-adherence`, `rta-cic` and `rta-odigo`, as plain
//! functions.
//!
//! Each `fuzz_targets/<name>.rs` calls the function of the same name through libFuzzer
//! (`cargo +nightly fuzz run <name>`); the stable `replay` binary calls them over the committed
//! seed corpus (`corpus/<name>/`) and, optionally, over mutations of it, so the targets run on
//! a machine without nightly too.
//!
//! - [`avaya_codec`]: arbitrary bytes, cut into arbitrary reads, through `LineCodec::decode` /
//!   `decode_eof` and every frame into `Assembler::push_frame`. No panic; the framing equals a
//!   reference model whatever the cuts; the read buffer stays under `max_line` + one read; the
//!   assembler never holds more than `max_agents` agents; its counters add up.
//! - [`avaya_roundtrip`]: (1) structured input (`arbitrary`) makes an `AgentRow` with a safe
//!   LOGID, written in every `RowStyle` under several layouts, framed and parsed back: equal.
//!   (2) every line of the input that parses under a layout is written again and parsed back:
//!   the same record (parse, encode, parse is a fixed point).
//! - [`adherence_files`]: the same bytes through the four CSV readers (user mappings, activity
//!   mappings, schedules, employees), whole, in random reads and with an I/O error part way.
//!   No panic; every `RowError.line` is in `1..=lines + 1` and the errors are in line order;
//!   rows + errors never exceed the lines; the same outcome whatever the reads; an I/O error is
//!   reported, near a line of the input; every good row is trimmed and valid (a reason list
//!   written back reads as itself).
//! - [`adherence_evaluator`]: structured input (`arbitrary`) makes a small configuration
//!   (activities with random thresholds, grace modes, tolerances, categories and accepts; up to
//!   8 employees in UTC, Paris or New York around a DST change; user and activity mappings with
//!   random codes, prefixes and reason lists; schedules of random, maybe overlapping, segments
//!   over 2 days; a policy; small limits) and up to 200 operations: statuses (agent, phase,
//!   code, reason, event time around now or far off), clock moves (mostly forward, sometimes
//!   back), health of integrations 0..3 (3 never named), mapping reloads, schedule
//!   replacements, figure checks. No panic; a configuration is refused exactly when it is
//!   invalid, a schedule exactly when it overlaps or is empty or names an unknown activity;
//!   every event time is within the clamped range and not after the clock; each employee's
//!   adherence and alarm events are in time order; the timers never outnumber the employees;
//!   at each figure check and at the end, for every employee: each day's five status measures
//!   add up to its length, O after grace <= O <= S, O + N <= S; the days follow each other up
//!   to now (days partition time) and `today` is one of them; a team's figures are its
//!   members' sums. `RTA_FUZZ_TRACE=1` prints the scenario an input decodes to.
//! - [`cic_line`] and [`cic_icws`]: arbitrary bytes through the framing checks of
//!   `avaya_codec` (`LineCodec` equals the reference model whole, in random reads and byte by
//!   byte) and then, framed whole and in random reads, through a CIC `Session` of that
//!   dialect (zone, case folding, `max_users` and the icws line limit from the hash): no
//!   panic; the two framings give the same outputs and errors (framing errors compared by
//!   kind); at most 4 + line length / 2 outputs per line; never more remembered users than
//!   `max_users` nor keys than the vocabulary's limit; every status has a user and a key;
//!   no snapshot left open after `connection_lost`; counters that add up.
//! - [`cic_roundtrip`]: (1) `arbitrary` makes user statuses (any text but line ends, any
//!   flags and station, local or UTC times from year 1 to 9998 to the nanosecond): written
//!   as line-dialect records and read by a session in UTC (one stream) and New York (each
//!   alone), and as icws status definitions then user status messages (one stream): each
//!   gives the observation the spec asks for (user, phase, folded key, reason, station,
//!   time; icws times in whole seconds). (2) every `STATUS` line of the input that parses and
//!   the encoder can write (UTF-8 user id, a time, no CR) is written again: it parses to the
//!   same values (absent flags written as 0) and writes the same bytes again.
//! - [`odigo_json`] and [`odigo_form`]: arbitrary bytes as an Odigo JSON or form body through
//!   `rta_odigo::decode`: no panic; the same body decodes the same twice; the callback's
//!   indexes count up to the returned count (at most `MAX_ITEMS`, one for a form) and a
//!   refused body hands nothing over; every agent state has non-blank texts, and the borrowed
//!   ones lie inside the body; every error's reason is one short line without a quote (no
//!   value of the body); every agent state written back as a canonical JSON body and as a
//!   form decodes to itself (the two formats agree). `odigo_form` also reads its input as a
//!   `Content-Type`: a supported one is supported in upper case too.

use arbitrary::{Arbitrary, Unstructured};
use bytes::{Bytes, BytesMut};
use rta_avaya::{
    AgentRow, AgentState, Assembler, AssemblerConfig, Field, FrameError, Layout, LineCodec, Output,
    Record, RowStyle, SkillList, WorkMode, encode_batch_start, parse_record,
};
use rta_model::{Direction, IntegrationId, Timestamp, Zone};
use std::sync::LazyLock;
use tokio_util::codec::Decoder;

mod adherence;
mod cic;
mod odigo;

pub use adherence::{adherence_evaluator, adherence_files};
pub use cic::{cic_icws, cic_line, cic_roundtrip};
pub use odigo::{odigo_form, odigo_json};

/// A fuzz target: one input in, a panic on a finding.
pub type Target = fn(&[u8]);

/// Every target, by name, for the replay binary.
pub const TARGETS: &[(&str, Target)] = &[
    ("avaya_codec", avaya_codec),
    ("avaya_roundtrip", avaya_roundtrip),
    ("adherence_files", adherence_files),
    ("adherence_evaluator", adherence_evaluator),
    ("cic_line", cic_line),
    ("cic_icws", cic_icws),
    ("cic_roundtrip", cic_roundtrip),
    ("odigo_json", odigo_json),
    ("odigo_form", odigo_form),
];

/// The target of a name.
pub fn target(name: &str) -> Option<Target> {
    TARGETS.iter().find(|(n, _)| *n == name).map(|&(_, f)| f)
}

/// FNV-1a: derives the fuzz parameters (limits, read sizes) from the input itself, so a
/// saved input replays exactly.
fn fnv1a(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// splitmix64.
#[derive(Debug, Clone)]
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

// ---------------------------------------------------------------------------------------------
// avaya_codec

/// What a frame is, for comparing framings (an error's snippet depends on how much of the line
/// was buffered, so only its kind is compared).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Framed {
    Line(Bytes),
    TooLong,
    Truncated,
}

impl From<&Result<Bytes, FrameError>> for Framed {
    fn from(frame: &Result<Bytes, FrameError>) -> Self {
        match frame {
            Ok(line) => Framed::Line(line.clone()),
            Err(FrameError::LineTooLong { .. }) => Framed::TooLong,
            Err(FrameError::Truncated { .. }) => Framed::Truncated,
        }
    }
}

/// The framing the spec asks for, written the simple way: split at LF, drop one CR before the
/// LF, a line over `max_line` bytes is one error, bytes after the last LF are cut off (or too
/// long, when they already are).
fn reference_framing(data: &[u8], max_line: usize) -> Vec<Framed> {
    let mut pieces: Vec<&[u8]> = data.split(|&b| b == b'\n').collect();
    let rest = pieces.pop().unwrap_or_default();
    let mut out: Vec<Framed> = pieces
        .into_iter()
        .map(|piece| {
            let line = piece.strip_suffix(b"\r").unwrap_or(piece);
            if line.len() > max_line {
                Framed::TooLong
            } else {
                Framed::Line(Bytes::copy_from_slice(line))
            }
        })
        .collect();
    // The codec reports a line as too long once it holds max_line + 2 bytes without a LF
    // (a line of max_line bytes may still be followed by CR LF).
    if rest.len() > max_line + 1 {
        out.push(Framed::TooLong);
    } else if !rest.is_empty() {
        out.push(Framed::Truncated);
    }
    out
}

/// Frames `data` read in pieces of the given sizes (cycled), checking the buffer bound.
fn frame(data: &[u8], max_line: usize, reads: &[usize]) -> Vec<Result<Bytes, FrameError>> {
    let mut codec = LineCodec::new(max_line);
    assert_eq!(codec.max_line(), max_line);
    let mut buf = BytesMut::new();
    let mut out = Vec::new();
    let mut rest = data;
    let mut sizes = reads.iter().cycle();
    while !rest.is_empty() {
        let size = (*sizes.next().expect("reads is not empty")).clamp(1, rest.len());
        let (read, after) = rest.split_at(size);
        rest = after;
        buf.extend_from_slice(read);
        assert!(
            buf.len() <= max_line + 1 + read.len(),
            "buffer of {} bytes with max_line {max_line} and a read of {}",
            buf.len(),
            read.len()
        );
        while let Some(item) = codec.decode(&mut buf).expect("LineCodec never fails") {
            out.push(item);
        }
        assert!(
            buf.len() <= max_line + 1,
            "{} bytes left buffered with max_line {max_line}",
            buf.len()
        );
    }
    while let Some(item) = codec.decode_eof(&mut buf).expect("LineCodec never fails") {
        out.push(item);
    }
    assert!(buf.is_empty(), "bytes left after decode_eof");
    for line in out.iter().filter_map(|item| item.as_ref().ok()) {
        assert!(line.len() <= max_line, "a line over the limit got through");
        assert!(!line.contains(&b'\n'), "a line holds a LF");
    }
    out
}

/// Read sizes: tiny, small and large pieces mixed, from the input's hash.
fn read_sizes(rng: &mut Rng) -> Vec<usize> {
    (0..1 + rng.below(16))
        .map(|_| match rng.below(4) {
            0 => 1 + rng.below(3),
            1 => 1 + rng.below(64),
            2 => 1 + rng.below(1024),
            _ => 1 + rng.below(16 * 1024),
        })
        .collect()
}

/// Frames `data` whole, in random reads and (when short) byte by byte: the three equal the
/// reference model.
fn check_framing(data: &[u8], max_line: usize, rng: &mut Rng) -> Vec<Result<Bytes, FrameError>> {
    let expected = reference_framing(data, max_line);
    let kinds = |items: &[Result<Bytes, FrameError>]| -> Vec<Framed> {
        items.iter().map(Framed::from).collect()
    };
    let whole = frame(data, max_line, &[data.len().max(1)]);
    assert_eq!(kinds(&whole), expected, "whole input, max_line {max_line}");
    let reads = read_sizes(rng);
    let cut = frame(data, max_line, &reads);
    assert_eq!(
        kinds(&cut),
        expected,
        "reads {reads:?}, max_line {max_line}"
    );
    if data.len() <= 512 {
        let bytewise = frame(data, max_line, &[1]);
        assert_eq!(
            kinds(&bytewise),
            expected,
            "byte by byte, max_line {max_line}"
        );
    }
    cut
}

const LAYOUTS: [&str; 4] = [
    "agent",
    "csplit",
    "LOGID,WORKMODE,DIRECTION,AGTIME,LOGONSKILLS,SPLIT",
    "SPLIT,ACD,NAME,EXTENSION,LOGID,LOGONSKILLS,AGSTATE,DIRECTION,AUXREASON,WORKSKILL,AGTIME,\
     DA_INQUEUE,ACDONHOLD",
];

/// The layouts, parsed once.
static PARSED_LAYOUTS: LazyLock<Vec<Layout>> = LazyLock::new(|| {
    LAYOUTS
        .iter()
        .map(|spec| spec.parse().expect("the fuzz layouts are valid"))
        .collect()
});

/// A zone with daylight saving time, loaded once.
static NEW_YORK: LazyLock<Zone> =
    LazyLock::new(|| Zone::get("America/New_York").expect("bundled tz database"));

fn layout(index: usize) -> &'static Layout {
    &PARSED_LAYOUTS[index % LAYOUTS.len()]
}

/// The framing and assembler target. See the crate documentation.
pub fn avaya_codec(data: &[u8]) {
    let mut rng = Rng(fnv1a(data));
    // A small limit from the hash, then the default one, whose frames feed the assembler.
    let small = [1, 2, 3, 8, 17, 48, 100, 300][rng.below(8)];
    check_framing(data, small, &mut rng);
    let frames = check_framing(data, LineCodec::DEFAULT_MAX_LINE, &mut rng);

    let mut config = AssemblerConfig::new(IntegrationId(7));
    config.max_agents = [1, 2, 5, 64][rng.below(4)];
    config.detailed_statuses = rng.below(2) == 0;
    if rng.below(2) == 0 {
        config.zone = NEW_YORK.clone();
    }
    let max_agents = config.max_agents;
    let layout = layout(rng.below(LAYOUTS.len()));
    let mut assembler = Assembler::new(config, layout.clone());
    let start = Timestamp::from_second(1_795_000_000).expect("in range");
    let mut sink = |output: Output<'_>| {
        if let Output::Agent(change) = output {
            assert!(!change.logid.is_empty(), "an agent without LOGID");
            let observation = change.observation(IntegrationId(7)).into_owned();
            assert_eq!(&observation.external_id[..], change.logid);
            assert!(change.status.skills.windows(2).all(|w| w[0] < w[1]));
        }
    };
    let (mut lines, mut framing_errors) = (0, 0);
    for (i, frame) in frames.iter().enumerate() {
        if let Ok(line) = frame {
            lines += 1;
            // Every layout reads every line without panicking.
            for layout in PARSED_LAYOUTS.iter() {
                let _ = parse_record(line, layout);
            }
        } else {
            framing_errors += 1;
        }
        let now = start
            .checked_add(jiff::SignedDuration::from_secs(i as i64))
            .expect("in range");
        let _ = assembler.push_frame(frame.clone(), now, &mut sink);
        assert!(
            assembler.agent_count() <= max_agents,
            "agent table over max_agents"
        );
        if i % 16 == 15 {
            assembler.tick(now, &mut sink);
        }
    }
    let end = start
        .checked_add(jiff::SignedDuration::from_secs(3600))
        .expect("in range");
    assembler.connection_lost(end, &mut sink);
    assembler.tick(end, &mut sink);
    let stats = assembler.stats();
    assert_eq!(stats.lines, lines, "{stats:?}");
    assert_eq!(
        stats.over_long_lines + stats.truncated_lines,
        framing_errors,
        "{stats:?}"
    );
    for count in [
        stats.rows,
        stats.bad_rows,
        stats.bad_lines,
        stats.other_records,
    ] {
        assert!(count <= lines, "{stats:?}");
    }
    // Every batch is opened by a line.
    assert!(
        stats.batches_completed + stats.batches_cut_off <= lines,
        "{stats:?}"
    );
    assert!(assembler.agent_count() <= max_agents);
}

// ---------------------------------------------------------------------------------------------
// avaya_roundtrip

/// An agent row as `arbitrary` makes it; [`RowInput::row`] makes its text safe to write.
#[derive(Debug, Arbitrary)]
pub struct RowInput {
    acd: u32,
    logid: Vec<u8>,
    extension: Vec<u8>,
    mode: u8,
    direction: u8,
    aux_reason: Option<u32>,
    work_skill: Option<u32>,
    duration: Option<u32>,
    da_in_queue: Option<u32>,
    acd_on_hold: Option<u32>,
    skills: Vec<u32>,
    split: Option<u32>,
    layout: u8,
    numeric: bool,
    padded: bool,
    crlf: bool,
}

/// Text a cell can carry: no `|`, no line end, no padding at either end.
fn cell_text(bytes: &[u8]) -> Vec<u8> {
    let kept: Vec<u8> = bytes
        .iter()
        .copied()
        .filter(|b| !matches!(b, b'|' | b'\n' | b'\r'))
        .collect();
    kept.trim_ascii().to_vec()
}

struct Texts {
    logid: Vec<u8>,
    extension: Vec<u8>,
    skills: String,
}

impl RowInput {
    fn texts(&self) -> Texts {
        let mut logid = cell_text(&self.logid);
        if logid.is_empty() {
            logid = b"40101".to_vec();
        }
        let skills: Vec<String> = self.skills.iter().take(8).map(u32::to_string).collect();
        Texts {
            logid,
            extension: cell_text(&self.extension),
            skills: skills.join(","),
        }
    }

    fn state(&self) -> AgentState {
        AgentState {
            mode: WorkMode::ALL[usize::from(self.mode) % WorkMode::ALL.len()],
            direction: match self.direction % 3 {
                0 => Direction::None,
                1 => Direction::In,
                _ => Direction::Out,
            },
        }
    }

    /// The row to write (every field set).
    fn row<'a>(&self, texts: &'a Texts) -> AgentRow<'a> {
        AgentRow {
            acd: self.acd,
            logid: &texts.logid,
            extension: Some(&texts.extension[..]).filter(|e| !e.is_empty()),
            state: self.state(),
            aux_reason: self.aux_reason,
            work_skill: self.work_skill,
            duration: self.duration,
            da_in_queue: self.da_in_queue,
            acd_on_hold: self.acd_on_hold,
            logon_skills: SkillList::parse(texts.skills.as_bytes()).expect("canonical skills"),
            split: self.split,
        }
    }
}

/// What reading `row` back under `layout` gives: the columns the layout lacks are defaults.
fn projected<'a>(row: &AgentRow<'a>, layout: &Layout) -> AgentRow<'a> {
    let has = |field| layout.position(field).is_some();
    let by_field = |field, value: Option<u32>| value.filter(|_| has(field));
    let mode = if has(Field::AgState) || has(Field::WorkMode) {
        row.state.mode
    } else {
        WorkMode::Unknown
    };
    let direction = if has(Field::AgState) || has(Field::Direction) {
        row.state.direction
    } else {
        Direction::None
    };
    AgentRow {
        acd: if has(Field::Acd) { row.acd } else { 0 },
        logid: row.logid,
        extension: row.extension.filter(|_| has(Field::Extension)),
        state: AgentState { mode, direction },
        aux_reason: by_field(Field::AuxReason, row.aux_reason),
        work_skill: by_field(Field::WorkSkill, row.work_skill),
        duration: by_field(Field::AgDuration, row.duration),
        da_in_queue: by_field(Field::DaInQueue, row.da_in_queue),
        acd_on_hold: by_field(Field::AcdOnHold, row.acd_on_hold),
        logon_skills: if has(Field::LogonSkills) {
            row.logon_skills
        } else {
            SkillList::default()
        },
        split: by_field(Field::Split, row.split),
    }
}

const STYLES: [RowStyle; 4] = [
    RowStyle {
        numeric: false,
        padded: false,
    },
    RowStyle {
        numeric: false,
        padded: true,
    },
    RowStyle {
        numeric: true,
        padded: false,
    },
    RowStyle {
        numeric: true,
        padded: true,
    },
];

/// Frames one written line through the codec: exactly that line comes out.
fn through_codec(line: &[u8], crlf: bool) -> Bytes {
    let mut buf = BytesMut::from(line);
    buf.extend_from_slice(if crlf { b"\r\n" } else { b"\n" });
    let mut codec = LineCodec::new(line.len().max(LineCodec::DEFAULT_MAX_LINE));
    let framed = codec
        .decode(&mut buf)
        .expect("LineCodec never fails")
        .expect("a whole line")
        .expect("within the limit");
    assert_eq!(&framed[..], line);
    assert!(codec.decode_eof(&mut buf).expect("never fails").is_none());
    framed
}

/// Part 1: arbitrary rows, written and read back.
fn structured_roundtrip(data: &[u8]) {
    let Ok(input) = RowInput::arbitrary_take_rest(Unstructured::new(data)) else {
        return;
    };
    let texts = input.texts();
    let row = input.row(&texts);
    // The agent preset, and one of the layouts (the csplit one, without LOGID, is skipped).
    let layouts = [layout(0), layout(usize::from(input.layout))];
    for layout in layouts
        .iter()
        .filter(|l| l.position(Field::LogId).is_some())
    {
        let expected = projected(&row, layout);
        let style = RowStyle {
            numeric: input.numeric,
            padded: input.padded,
        };
        for style in std::iter::once(style).chain(STYLES) {
            let mut line = Vec::new();
            row.encode(layout, style, &mut line);
            let framed = through_codec(&line, input.crlf);
            match parse_record(&framed, layout) {
                Ok(Record::Agent(read)) => assert_eq!(
                    read,
                    expected,
                    "{style:?} under {layout}: {:?}",
                    String::from_utf8_lossy(&line)
                ),
                other => panic!(
                    "{style:?} under {layout}: {:?} read as {other:?}",
                    String::from_utf8_lossy(&line)
                ),
            }
        }
    }
}

fn skills_of(list: &SkillList<'_>) -> Vec<u32> {
    list.iter().collect()
}

/// Part 2: a parsed line, written again in every style, reads back as the same record.
fn reparse(line: &[u8], layout: &Layout) {
    let Ok(record) = parse_record(line, layout) else {
        return;
    };
    let shown = || String::from_utf8_lossy(line).into_owned();
    match record {
        Record::Agent(row) => {
            for style in STYLES {
                let mut out = Vec::new();
                row.encode(layout, style, &mut out);
                let Ok(Record::Agent(again)) = parse_record(&out, layout) else {
                    panic!(
                        "{:?} from {:?} under {layout} does not read back",
                        String::from_utf8_lossy(&out),
                        shown()
                    );
                };
                // The skills cell is rewritten canonically ("101 102" -> "101,102").
                assert_eq!(skills_of(&again.logon_skills), skills_of(&row.logon_skills));
                let again = AgentRow {
                    logon_skills: row.logon_skills,
                    ..again
                };
                assert_eq!(again, row, "{style:?} under {layout} from {:?}", shown());
            }
        }
        Record::Queue(row) => {
            for style in STYLES {
                let mut out = Vec::new();
                row.encode(layout, style, &mut out);
                assert_eq!(
                    parse_record(&out, layout),
                    Ok(Record::Queue(row.clone())),
                    "{style:?} under {layout} from {:?}",
                    shown()
                );
            }
        }
        Record::BatchStart(time) => {
            let mut out = Vec::new();
            encode_batch_start(time, &mut out);
            let whole_seconds = time
                .with()
                .subsec_nanosecond(0)
                .build()
                .expect("a valid time");
            assert_eq!(
                parse_record(&out, layout),
                Ok(Record::BatchStart(whole_seconds)),
                "{:?} from {:?}",
                String::from_utf8_lossy(&out),
                shown()
            );
        }
        Record::Trailer | Record::Other { .. } => {}
    }
}

/// The round-trip target. See the crate documentation.
pub fn avaya_roundtrip(data: &[u8]) {
    structured_roundtrip(data);
    for line in data.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        for layout in PARSED_LAYOUTS.iter() {
            reparse(line, layout);
        }
    }
}
