//! The fuzz targets of `rta-cic`: both dialects through framing and a session, and the
//! encoder read back by the decoder.

use crate::{NEW_YORK, Rng, check_framing, fnv1a, frame};
use arbitrary::{Arbitrary, Unstructured};
use bytes::Bytes;
use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use rta_cic::{
    CicError, CicTime, Dialect, FrameError, LineCodec, LineRecord, Output, Session, SessionConfig,
    StatusDefinition, UserStatus, Vocabulary, icws_status_definitions, icws_user_statuses,
    line_status, parse_line,
};
use rta_model::{Code, IntegrationId, OwnedObservation, Phase, Zone};
use std::borrow::Cow;

/// The line dialect target: see the crate documentation.
pub fn cic_line(data: &[u8]) {
    check_session(data, Dialect::Line);
}

/// The icws dialect target: see the crate documentation.
pub fn cic_icws(data: &[u8]) {
    check_session(data, Dialect::Icws);
}

/// What a session did with a framing, comparable between framings (a framing error's snippet
/// depends on how much of the line was buffered, so only its kind is kept).
fn transcript(frames: &[Result<Bytes, FrameError>], config: &SessionConfig) -> Vec<String> {
    let mut session = Session::new(config.clone());
    let mut vocabulary = Vocabulary::with_limits(8, 256);
    let received = Timestamp::from_second(1_793_500_000).expect("in range");
    let mut out = Vec::new();
    let (mut lines, mut framing_errors) = (0, 0);
    for frame in frames {
        let before = out.len();
        let line_len = frame.as_ref().map_or(0, Bytes::len);
        let result = session.push_frame(frame.clone(), received, &mut vocabulary, &mut |output| {
            if let Output::Status(observation) = &output {
                assert!(!observation.external_id.is_empty(), "a status without user");
                assert!(!observation.status.code.is_empty(), "a status without key");
                assert_eq!(observation.integration, config.integration);
                assert_eq!(observation.received, received);
            }
            out.push(format!("{output:?}"));
        });
        match result {
            Err(CicError::Frame(error)) => out.push(match error {
                FrameError::LineTooLong { .. } => "too long".to_string(),
                FrameError::Truncated { .. } => "truncated".to_string(),
            }),
            Err(error) => out.push(error.to_string()),
            Ok(()) => {}
        }
        match frame {
            Ok(_) => lines += 1,
            Err(_) => framing_errors += 1,
        }
        // A line is one record (an abort, a begin) or one message (an abort, a begin, an end,
        // and items of at least two bytes each), plus its error.
        let bound = 4 + line_len / 2;
        assert!(
            out.len() - before <= bound,
            "{} outputs for one line",
            out.len() - before
        );
        assert!(
            session.user_count() <= config.max_users,
            "users over the limit"
        );
        assert!(vocabulary.len() <= 8, "vocabulary over the limit");
    }
    session.connection_lost(&mut |output| out.push(format!("{output:?}")));
    assert!(!session.snapshot_in_progress());
    let stats = session.stats();
    assert_eq!(stats.lines, lines, "{stats:?}");
    assert_eq!(
        stats.over_long_lines + stats.truncated_lines,
        framing_errors,
        "{stats:?}"
    );
    for count in [
        stats.bad_records,
        stats.ignored,
        stats.heartbeats,
        stats.snapshots_completed,
    ] {
        assert!(count <= lines, "{stats:?}");
    }
    assert!(stats.users_over_limit <= stats.statuses, "{stats:?}");
    out
}

fn check_session(data: &[u8], dialect: Dialect) {
    let mut rng = Rng(fnv1a(data));
    let small = [1, 2, 3, 8, 17, 48, 100, 300][rng.below(8)];
    check_framing(data, small, &mut rng);
    let max_line = match dialect {
        Dialect::Line => LineCodec::DEFAULT_MAX_LINE,
        Dialect::Icws => [256, 4096, Dialect::Icws.default_max_line()][rng.below(3)],
    };
    let cut = check_framing(data, max_line, &mut rng);
    let whole = frame(data, max_line, &[data.len().max(1)]);

    let mut config = SessionConfig::new(IntegrationId(9), dialect);
    config.max_line = max_line;
    config.max_users = [1, 2, 5, 64][rng.below(4)];
    config.max_memory = [0, 16, 4096][rng.below(3)];
    config.case_insensitive_users = rng.below(2) == 0;
    if rng.below(2) == 0 {
        config.zone = NEW_YORK.clone();
    }
    for line in whole.iter().flatten() {
        let _ = parse_line(line);
    }
    assert_eq!(
        transcript(&whole, &config),
        transcript(&cut, &config),
        "the same stream read whole and in pieces"
    );
}

// ---------------------------------------------------------------------------------------------
// cic_roundtrip

/// A user status as `arbitrary` makes it; [`StatusInput::texts`] makes it writable.
#[derive(Debug, Arbitrary)]
pub struct StatusInput {
    user_id: String,
    status_key: String,
    status_text: String,
    group: String,
    flags: u8,
    station: Option<String>,
    local: bool,
    seconds: i64,
    nanos: u32,
}

/// The input of [`cic_roundtrip`]'s first part.
#[derive(Debug, Arbitrary)]
pub struct RoundtripInput {
    statuses: Vec<StatusInput>,
    is_delta: bool,
}

struct Texts {
    user_id: String,
    status_key: String,
    status_text: String,
    group: String,
    station: Option<String>,
}

/// Text the line dialect can carry: no line end (the encoder writes those as spaces).
fn line_text(text: &str) -> String {
    text.replace(['\r', '\n'], "")
}

fn or(text: String, default: &str) -> String {
    if text.is_empty() {
        default.to_string()
    } else {
        text
    }
}

impl StatusInput {
    fn texts(&self) -> Texts {
        Texts {
            user_id: or(line_text(&self.user_id), "jdoe"),
            status_key: or(line_text(&self.status_key), "Available"),
            status_text: line_text(&self.status_text),
            group: line_text(&self.group),
            station: self.station.as_deref().map(line_text),
        }
    }

    /// Years 0001 to 9998, any nanosecond; local times are that instant's UTC wall clock.
    fn time(&self) -> CicTime {
        const FIRST: i64 = -62_135_596_800; // 0001-01-01T00:00:00Z
        const LAST: i64 = 253_370_764_800; // 9998-12-31T00:00:00Z
        let second = FIRST + self.seconds.rem_euclid(LAST - FIRST);
        let instant =
            Timestamp::new(second, (self.nanos % 1_000_000_000) as i32).expect("in range");
        if self.local {
            CicTime::Local(TimeZone::UTC.to_datetime(instant))
        } else {
            CicTime::Utc(instant)
        }
    }

    fn status<'a>(&self, texts: &'a Texts) -> UserStatus<'a> {
        let flag = |bit: u8| self.flags & (1 << bit) != 0;
        UserStatus {
            user_id: &texts.user_id,
            status_key: &texts.status_key,
            status_text: &texts.status_text,
            group: &texts.group,
            logged_in: flag(0),
            acd: flag(1),
            dnd: flag(2),
            acw: flag(3),
            on_phone: flag(4),
            station: texts.station.as_deref(),
            time: self.time(),
        }
    }
}

fn definition<'a>(status: &UserStatus<'a>) -> StatusDefinition<'a> {
    StatusDefinition {
        status_key: status.status_key,
        text: status.status_text,
        group: status.group,
        acd: status.acd,
        acw: status.acw,
        dnd: status.dnd,
    }
}

/// Decodes `lines` with one session, returning the statuses.
fn observe(dialect: Dialect, zone: &Zone, lines: &[Vec<u8>]) -> Vec<OwnedObservation> {
    let mut config = SessionConfig::new(IntegrationId(4), dialect);
    config.zone = zone.clone();
    let mut session = Session::new(config);
    let mut vocabulary = Vocabulary::new();
    let received = Timestamp::from_second(1_793_500_000).expect("in range");
    let mut seen = Vec::new();
    for line in lines {
        let line = line.strip_suffix(b"\n").unwrap_or(line);
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        session
            .push_line(line, received, &mut vocabulary, &mut |output| {
                if let Output::Status(observation) = output {
                    seen.push(observation.into_owned());
                }
            })
            .unwrap_or_else(|error| panic!("{error} in {:?}", String::from_utf8_lossy(line)));
    }
    seen
}

/// The observation `specs/cic.md` asks for.
fn check(observation: &OwnedObservation, status: &UserStatus<'_>, time: Timestamp) {
    let phase = match status {
        s if !s.logged_in => Phase::LoggedOut,
        s if s.on_phone => Phase::Talking,
        s if s.acd => Phase::Available,
        s if s.acw => Phase::WrapUp,
        _ => Phase::Away,
    };
    let code: String = status
        .status_key
        .chars()
        .flat_map(char::to_lowercase)
        .collect();
    assert_eq!(&observation.external_id[..], status.user_id.as_bytes());
    assert_eq!(observation.phase, phase, "{status:?}");
    assert_eq!(observation.status.code, code);
    let reason = (phase == Phase::Away).then(|| Code::Text(Cow::Owned(code.clone())));
    assert_eq!(observation.status.reason, reason);
    let detail = status
        .station
        .filter(|s| !s.is_empty())
        .map(|s| Code::Text(Cow::Owned(s.to_string())));
    assert_eq!(observation.status.detail, detail);
    assert_eq!(observation.time, time, "{status:?}");
}

/// The encoder, read back: see the crate documentation.
pub fn cic_roundtrip(data: &[u8]) {
    let mut u = Unstructured::new(data);
    if let Ok(input) = RoundtripInput::arbitrary(&mut u) {
        let texts: Vec<Texts> = input.statuses.iter().map(StatusInput::texts).collect();
        let statuses: Vec<UserStatus<'_>> = input
            .statuses
            .iter()
            .zip(&texts)
            .map(|(input, texts)| input.status(texts))
            .collect();
        roundtrip_statuses(&statuses, input.is_delta);
    }
    for line in data.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        line_fixed_point(line);
    }
}

fn roundtrip_statuses(statuses: &[UserStatus<'_>], is_delta: bool) {
    let utc = Zone::utc();
    let zone: &Zone = &NEW_YORK;
    // Line dialect, one stream in UTC (no local time is ambiguous there).
    let lines: Vec<Vec<u8>> = statuses
        .iter()
        .map(|status| {
            let mut line = Vec::new();
            line_status(&mut line, status);
            line
        })
        .collect();
    let observed = observe(Dialect::Line, &utc, &lines);
    assert_eq!(observed.len(), statuses.len());
    for (observation, status) in observed.iter().zip(statuses) {
        check(
            observation,
            status,
            status.time.resolve(&utc, None).expect("in range"),
        );
    }
    // Line dialect in New York, each status alone: a repeated local time is its earlier
    // instant.
    for (line, status) in lines.iter().zip(statuses) {
        let Ok(time) = status.time.resolve(zone, None) else {
            continue; // 0001-01-01 00:00 in New York is before the first instant.
        };
        let observed = observe(Dialect::Line, zone, std::slice::from_ref(line));
        check(&observed[0], status, time);
    }
    // icws, one stream: each status after its definition (keys may repeat in any case), its
    // time in whole seconds.
    let mut messages = Vec::new();
    for status in statuses {
        if status.time.resolve(zone, None).is_err() {
            continue;
        }
        let mut definitions = Vec::new();
        icws_status_definitions(&mut definitions, &[definition(status)]);
        let mut line = Vec::new();
        icws_user_statuses(&mut line, is_delta, &[*status], zone);
        messages.push((status, definitions, line));
    }
    let lines: Vec<Vec<u8>> = messages
        .iter()
        .flat_map(|(_, definitions, line)| [definitions.clone(), line.clone()])
        .collect();
    let observed = observe(Dialect::Icws, zone, &lines);
    assert_eq!(observed.len(), messages.len());
    for (observation, (status, _, _)) in observed.iter().zip(&messages) {
        let instant = status.time.resolve(zone, None).expect("checked");
        let civil: DateTime = TimeZone::UTC.to_datetime(instant);
        let whole = civil.with().subsec_nanosecond(0).build().expect("valid");
        check(
            observation,
            status,
            TimeZone::UTC.to_timestamp(whole).expect("in range"),
        );
    }
}

/// A `STATUS` line that parses, written again, parses to the same record (absent values as
/// the encoder writes them) and writes the same bytes.
fn line_fixed_point(line: &[u8]) {
    let Ok(LineRecord::Status(record)) = parse_line(line) else {
        return;
    };
    let Ok(user_id) = std::str::from_utf8(&record.user_id) else {
        return; // the encoder writes text
    };
    let Some(time) = record.time else {
        return; // the encoder always writes a time
    };
    let texts = [
        Some(user_id),
        Some(&*record.status_key),
        record.status_text.as_deref(),
        record.group.as_deref(),
        record.station.as_deref(),
    ];
    if texts.iter().flatten().any(|text| text.contains('\r')) {
        return; // the encoder cannot carry a CR
    }
    let status = UserStatus {
        user_id,
        status_key: &record.status_key,
        status_text: record.status_text.as_deref().unwrap_or(""),
        group: record.group.as_deref().unwrap_or(""),
        logged_in: record.logged_in.unwrap_or(false),
        acd: record.acd.unwrap_or(false),
        dnd: record.dnd.unwrap_or(false),
        acw: record.acw.unwrap_or(false),
        on_phone: record.on_phone.unwrap_or(false),
        station: record.station.as_deref(),
        time,
    };
    let mut once = Vec::new();
    line_status(&mut once, &status);
    let again = match parse_line(&once[..once.len() - 2]) {
        Ok(LineRecord::Status(again)) => again,
        other => panic!(
            "{:?} read back as {other:?}",
            String::from_utf8_lossy(&once)
        ),
    };
    assert_eq!(again.time, Some(time));
    assert_eq!(&*again.user_id, user_id.as_bytes());
    assert_eq!(again.status_key, record.status_key);
    assert_eq!(again.status_text, record.status_text);
    assert_eq!(again.group, record.group);
    assert_eq!(again.station, record.station);
    let flags = [
        again.logged_in,
        again.acd,
        again.dnd,
        again.acw,
        again.on_phone,
    ];
    let written = [
        status.logged_in,
        status.acd,
        status.dnd,
        status.acw,
        status.on_phone,
    ];
    assert_eq!(flags, written.map(Some));
    let again_texts = (
        std::str::from_utf8(&again.user_id).expect("written as text"),
        again.status_text.as_deref().unwrap_or(""),
        again.group.as_deref().unwrap_or(""),
    );
    let twice_status = UserStatus {
        user_id: again_texts.0,
        status_key: &again.status_key,
        status_text: again_texts.1,
        group: again_texts.2,
        station: again.station.as_deref(),
        ..status
    };
    let mut twice = Vec::new();
    line_status(&mut twice, &twice_status);
    assert_eq!(once, twice, "parse, write, parse, write is a fixed point");
}
