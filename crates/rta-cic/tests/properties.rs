//! Properties of the whole decoder: framing is independent of how TCP cuts the stream, no
//! input makes it panic, and what the encoder writes reads back the same.

use bytes::{Bytes, BytesMut};
use jiff::civil::{DateTime, date};
use jiff::tz::TimeZone;
use proptest::prelude::*;
use rta_cic::{
    CicTime, Dialect, LineRecord, Output, Session, SessionConfig, StatusDefinition, UserStatus,
    Vocabulary, icws_status_definitions, icws_user_statuses, line_heartbeat, line_snapshot_begin,
    line_snapshot_end, line_status, parse_line,
};
use rta_model::{Code, IntegrationId, Phase, Timestamp, Zone};
use std::borrow::Cow;
use tokio_util::codec::Decoder;

fn received() -> Timestamp {
    "2026-11-01T06:30:00Z".parse().unwrap()
}

fn zone() -> Zone {
    Zone::get("America/New_York").unwrap()
}

/// Everything observable the decoder produced: frames, outputs and errors, in order.
fn decode(dialect: Dialect, chunks: &[&[u8]], max_line: usize) -> Vec<String> {
    let mut config = SessionConfig::new(IntegrationId(1), dialect);
    config.zone = zone();
    config.max_users = 8;
    config.max_memory = 48;
    config.max_line = max_line;
    let mut codec = config.codec();
    let mut session = Session::new(config);
    let mut vocabulary = Vocabulary::with_limits(16, 64);
    let mut transcript = Vec::new();
    let mut handle = |frame: Result<Bytes, _>, transcript: &mut Vec<String>| {
        transcript.push(format!("frame {frame:?}"));
        let result = session.push_frame(frame, received(), &mut vocabulary, &mut |output| {
            transcript.push(format!("{output:?}"));
        });
        if let Err(error) = result {
            transcript.push(error.to_string());
        }
    };
    let mut buf = BytesMut::new();
    for chunk in chunks {
        buf.extend_from_slice(chunk);
        while let Some(frame) = codec.decode(&mut buf).unwrap() {
            handle(frame, &mut transcript);
        }
        assert!(
            buf.len() <= max_line + 2 + chunk.len(),
            "buffer grew to {}",
            buf.len()
        );
    }
    while let Some(frame) = codec.decode_eof(&mut buf).unwrap() {
        handle(frame, &mut transcript);
    }
    session.connection_lost(&mut |output| transcript.push(format!("{output:?}")));
    transcript
}

fn cut<'a>(bytes: &'a [u8], cuts: &[usize]) -> Vec<&'a [u8]> {
    let mut points: Vec<usize> = cuts.iter().map(|c| c % (bytes.len() + 1)).collect();
    points.sort_unstable();
    let mut chunks = Vec::new();
    let mut start = 0;
    for point in points {
        chunks.push(&bytes[start..point]);
        start = point;
    }
    chunks.push(&bytes[start..]);
    chunks
}

/// A status that owns its text, for strategies.
#[derive(Debug, Clone)]
struct Owned {
    user_id: String,
    status_key: String,
    status_text: String,
    group: String,
    flags: [bool; 5],
    station: Option<String>,
    time: CicTime,
}

impl Owned {
    fn status(&self) -> UserStatus<'_> {
        let [logged_in, acd, dnd, acw, on_phone] = self.flags;
        UserStatus {
            user_id: &self.user_id,
            status_key: &self.status_key,
            status_text: &self.status_text,
            group: &self.group,
            logged_in,
            acd,
            dnd,
            acw,
            on_phone,
            station: self.station.as_deref(),
            time: self.time,
        }
    }

    fn definition(&self) -> StatusDefinition<'_> {
        let status = self.status();
        StatusDefinition {
            status_key: status.status_key,
            text: status.status_text,
            group: status.group,
            acd: status.acd,
            acw: status.acw,
            dnd: status.dnd,
        }
    }
}

/// Times around the New York autumn change (2026-11-01, 01:00-01:59 twice).
fn dst_time() -> impl Strategy<Value = CicTime> {
    (0i8..4, 0i8..60, any::<bool>()).prop_map(|(hour, minute, local)| {
        let civil = date(2026, 11, 1).at(hour, minute, 0, 0);
        if local {
            CicTime::Local(civil)
        } else {
            CicTime::Utc(TimeZone::UTC.to_timestamp(civil).unwrap())
        }
    })
}

/// Any time the formats can carry: years 0001 to 9998, any nanosecond.
fn any_time() -> impl Strategy<Value = CicTime> {
    (
        1i16..9999,
        1i8..13,
        1i8..29,
        0i8..24,
        0i8..60,
        0i8..60,
        0i32..1_000_000_000,
        any::<bool>(),
    )
        .prop_map(|(y, mo, d, h, mi, s, ns, local)| {
            let civil = DateTime::new(y, mo, d, h, mi, s, ns).unwrap();
            if local {
                CicTime::Local(civil)
            } else {
                CicTime::Utc(TimeZone::UTC.to_timestamp(civil).unwrap())
            }
        })
}

fn owned(text: &'static str, time: BoxedStrategy<CicTime>) -> impl Strategy<Value = Owned> {
    (
        (
            text,
            prop::sample::select(vec![
                "Available",
                "AVAILABLE",
                "At Lunch",
                "ACW - Manual",
                "Gone Home",
            ]),
            text,
        ),
        text,
        prop::array::uniform5(any::<bool>()),
        prop::option::of(text),
        time,
    )
        .prop_map(
            |((user_id, status_key, status_text), group, flags, station, time)| Owned {
                user_id,
                status_key: status_key.to_string(),
                status_text,
                group,
                flags,
                station,
                time,
            },
        )
}

const SMALL_TEXT: &str = r"[abAB|\\ é]{0,4}";

fn line_record() -> impl Strategy<Value = Vec<u8>> {
    let status = owned(SMALL_TEXT, dst_time().boxed()).prop_map(|owned| {
        let mut out = Vec::new();
        line_status(&mut out, &owned.status());
        out
    });
    let marker = (0u8..3, dst_time()).prop_map(|(kind, time)| {
        let mut out = Vec::new();
        match kind {
            0 => line_snapshot_begin(&mut out, time),
            1 => line_snapshot_end(&mut out, time),
            _ => line_heartbeat(&mut out, time),
        }
        out
    });
    let text =
        |pattern: &'static str| pattern.prop_map(|line: String| format!("{line}\n").into_bytes());
    prop_oneof![
        6 => status,
        3 => marker,
        1 => text(r"STATUS\|[0-9: -]{0,20}\|[a|\\]{0,3}\|[A-Za-z|\\]{0,5}(\|[01x]?){0,6}"),
        1 => text("(SNAPSHOT|HEARTBEAT|QUEUE)?[|A-Z ]{0,12}"),
        1 => text("[ -~]{0,40}"),
        1 => text("x{130,300}"),
    ]
}

fn icws_record() -> impl Strategy<Value = Vec<u8>> {
    let statuses = (
        any::<bool>(),
        prop::collection::vec(owned(SMALL_TEXT, dst_time().boxed()), 0..5),
    )
        .prop_map(|(is_delta, owned)| {
            let statuses: Vec<UserStatus<'_>> = owned.iter().map(Owned::status).collect();
            let mut out = Vec::new();
            icws_user_statuses(&mut out, is_delta, &statuses, &zone());
            out
        });
    let definitions =
        prop::collection::vec(owned(SMALL_TEXT, dst_time().boxed()), 0..4).prop_map(|owned| {
            let definitions: Vec<StatusDefinition<'_>> =
                owned.iter().map(Owned::definition).collect();
            let mut out = Vec::new();
            icws_status_definitions(&mut out, &definitions);
            out
        });
    let text =
        |pattern: &'static str| pattern.prop_map(|line: String| format!("{line}\n").into_bytes());
    prop_oneof![
        4 => statuses,
        2 => definitions,
        1 => text(r#"\{"__type":"urn:inin.com:status:userStatusMessage","isDelta":(true|false),"userStatusList":\[\{"userId":"[ab]","(statusId|onPhone|loggedIn|stations)":("x"|true|\["1"\]|7)\}\]\}"#),
        1 => text(r#"\{"userStatusList":\[\{"userId":"a","statusId":"x"\}\],"__type":"urn:inin.com:status:userStatusMessage"\}"#),
        1 => text(r#"[\[\]{}":,a-z0-9 ]{0,40}"#),
        1 => text("x{130,300}"),
    ]
}

fn stream(record: impl Strategy<Value = Vec<u8>>) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(record, 0..40).prop_map(|records| records.concat())
}

fn split_is_identical(dialect: Dialect, bytes: &[u8], cuts: &[usize]) -> Result<(), TestCaseError> {
    let whole = decode(dialect, &[bytes], 1024);
    prop_assert_eq!(&whole, &decode(dialect, &cut(bytes, cuts), 1024));
    let one_by_one: Vec<&[u8]> = bytes.chunks(1).collect();
    prop_assert_eq!(&whole, &decode(dialect, &one_by_one, 1024));
    Ok(())
}

/// The canonical phase, as `specs/cic.md` words it.
fn expected_phase(status: &UserStatus<'_>) -> Phase {
    match status {
        s if !s.logged_in => Phase::LoggedOut,
        s if s.on_phone => Phase::Talking,
        s if s.acd => Phase::Available,
        s if s.acw => Phase::WrapUp,
        _ => Phase::Away,
    }
}

fn folded(key: &str) -> String {
    key.chars().flat_map(char::to_lowercase).collect()
}

/// Decodes one line with a fresh session of `dialect`, after the vocabulary learnt
/// `definitions` (an icws line, or nothing).
fn observe(dialect: Dialect, definitions: &[u8], line: &[u8]) -> Vec<rta_model::OwnedObservation> {
    let mut config = SessionConfig::new(IntegrationId(1), dialect);
    config.zone = zone();
    let mut session = Session::new(config);
    let mut vocabulary = Vocabulary::new();
    let mut seen = Vec::new();
    for line in [definitions, line] {
        let line = line.strip_suffix(b"\n").unwrap_or(line);
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if !line.is_empty() {
            session
                .push_line(line, received(), &mut vocabulary, &mut |output| {
                    if let Output::Status(observation) = output {
                        seen.push(observation.into_owned());
                    }
                })
                .unwrap();
        }
    }
    seen
}

fn check_observation(
    observation: &rta_model::OwnedObservation,
    status: &UserStatus<'_>,
    time: Timestamp,
) -> Result<(), TestCaseError> {
    let phase = expected_phase(status);
    let code = folded(status.status_key);
    prop_assert_eq!(&*observation.external_id, status.user_id.as_bytes());
    prop_assert_eq!(observation.phase, phase);
    prop_assert_eq!(&*observation.status.code, code.as_str());
    prop_assert_eq!(
        observation.status.reason.clone(),
        (phase == Phase::Away).then(|| Code::Text(Cow::Owned(code.clone())))
    );
    prop_assert_eq!(
        observation.status.detail.clone(),
        status
            .station
            .filter(|s| !s.is_empty())
            .map(|s| Code::Text(Cow::Owned(s.to_string())))
    );
    prop_assert_eq!(observation.time, time);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_byte_split_decodes_line_streams_identically(bytes in stream(line_record()), cuts in prop::collection::vec(any::<usize>(), 0..40)) {
        split_is_identical(Dialect::Line, &bytes, &cuts)?;
    }

    #[test]
    fn any_byte_split_decodes_icws_streams_identically(bytes in stream(icws_record()), cuts in prop::collection::vec(any::<usize>(), 0..40)) {
        split_is_identical(Dialect::Icws, &bytes, &cuts)?;
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048), cuts in prop::collection::vec(any::<usize>(), 0..20), max_line in 1usize..300) {
        for dialect in [Dialect::Line, Dialect::Icws] {
            decode(dialect, &cut(&bytes, &cuts), max_line);
        }
    }

    #[test]
    fn line_statuses_read_back_equal(owned in owned(r"[^\r\n]{1,12}", any_time().boxed())) {
        let status = owned.status();
        let mut line = Vec::new();
        line_status(&mut line, &status);
        prop_assert!(line.ends_with(b"\r\n"));
        let record = match parse_line(&line[..line.len() - 2]) {
            Ok(LineRecord::Status(record)) => record,
            other => return Err(TestCaseError::fail(format!("{other:?}"))),
        };
        let present = |text: &str| Some(text).filter(|t| !t.is_empty()).map(str::to_string);
        prop_assert_eq!(record.time, Some(status.time));
        prop_assert_eq!(&*record.user_id, status.user_id.as_bytes());
        prop_assert_eq!(&*record.status_key, status.status_key);
        prop_assert_eq!(record.status_text.map(Cow::into_owned), present(status.status_text));
        prop_assert_eq!(record.group.map(Cow::into_owned), present(status.group));
        let flags = [record.logged_in, record.acd, record.dnd, record.acw, record.on_phone];
        prop_assert_eq!(flags, owned.flags.map(Some));
        prop_assert_eq!(record.station.map(Cow::into_owned), status.station.and_then(present));

        let observed = observe(Dialect::Line, b"", &line);
        prop_assert_eq!(observed.len(), 1);
        let time = status.time.resolve(&zone(), None).unwrap();
        check_observation(&observed[0], &status, time)?;
    }

    #[test]
    fn icws_statuses_read_back_equal(owned in owned(r"\PC{1,12}", any_time().boxed()), is_delta in any::<bool>()) {
        let status = owned.status();
        let mut definitions = Vec::new();
        icws_status_definitions(&mut definitions, &[owned.definition()]);
        let mut line = Vec::new();
        icws_user_statuses(&mut line, is_delta, &[status], &zone());
        let observed = observe(Dialect::Icws, &definitions, &line);
        prop_assert_eq!(observed.len(), 1);
        let instant = status.time.resolve(&zone(), None).unwrap();
        // The fraction is cut from the civil time (as_second would round negative instants up).
        let civil = TimeZone::UTC.to_datetime(instant);
        let whole_seconds = TimeZone::UTC.to_timestamp(civil.with().subsec_nanosecond(0).build().unwrap()).unwrap();
        check_observation(&observed[0], &status, whole_seconds)?;
    }
}
