//! The decoder: the spec's body, every alias, arrays with bad items, borrowing, times, states,
//! event types, hostile bodies, form bodies and content types.

use proptest::prelude::*;
use rta_model::{Direction, Timestamp};
use rta_odigo::{
    AgentState, BodyFormat, DecodeError, MAX_ITEMS, Notification, Pause, State, decode,
};
use serde_json::json;
use std::borrow::Cow;

type Items<'a> = Vec<Result<Notification<'a>, DecodeError>>;

/// Every item of a body, checking that the indexes count up from 0 and match the count.
fn items(format: BodyFormat, body: &[u8]) -> Result<Items<'_>, DecodeError> {
    let mut items = Vec::new();
    let count = decode(format, body, |index, item| {
        assert_eq!(index, items.len());
        items.push(item);
    });
    match count {
        Ok(count) => assert_eq!(count, items.len()),
        Err(_) => assert!(items.is_empty(), "the callback ran for a refused body"),
    }
    count.map(|_| items)
}

/// The one item of a JSON body.
fn one(body: &str) -> Result<Notification<'_>, DecodeError> {
    let mut items = items(BodyFormat::Json, body.as_bytes()).expect("a readable body");
    assert_eq!(items.len(), 1);
    items.remove(0)
}

/// The agent state of a JSON body that must hold one.
fn agent(body: &str) -> AgentState<'_> {
    match one(body) {
        Ok(Notification::AgentState(state)) => state,
        other => panic!("{body}: {other:?}"),
    }
}

fn error(body: &str) -> DecodeError {
    one(body).expect_err(body)
}

fn body_error(format: BodyFormat, body: &[u8]) -> DecodeError {
    items(format, body).expect_err("a refused body")
}

fn time(text: &str) -> Timestamp {
    text.parse().unwrap()
}

const SPEC: &str = r#"{"eventId":"6c1f...","eventType":"AGENT_STATE_CHANGED","tenantId":"acme",
 "timestamp":"2026-11-23T12:00:05.123Z",
 "agent":{"login":"jdoe@acme.example","id":"10452"},
 "state":"PAUSE","previousState":"AVAILABLE","pause":{"code":"7","label":"Lunch"}}"#;

#[test]
fn the_spec_example() {
    let state = agent(SPEC);
    assert_eq!(
        state,
        AgentState {
            event_id: Some("6c1f...".into()),
            tenant: Some("acme".into()),
            login: "jdoe@acme.example".into(),
            state: State::Pause,
            previous: Some(State::Available),
            direction: Direction::None,
            pause: Pause {
                code: Some("7".into()),
                label: Some("Lunch".into()),
            },
            time: Some(time("2026-11-23T12:00:05.123Z")),
        }
    );
    for text in [
        &state.event_id,
        &state.tenant,
        &state.pause.code,
        &state.pause.label,
    ] {
        assert!(matches!(text, Some(Cow::Borrowed(_))));
    }
    assert!(matches!(state.login, Cow::Borrowed(_)));
}

#[test]
fn every_alias_is_read() {
    for (key, login) in [
        (r#""agent":{"login":"a"}"#, "a"),
        (r#""login":"b""#, "b"),
        (r#""agentLogin":"c""#, "c"),
        (r#""userUid":"d""#, "d"),
        (r#""agent.login":"e""#, "e"),
    ] {
        let body = format!(r#"{{{key},"state":"READY"}}"#);
        assert_eq!(agent(&body).login, login, "{body}");
    }
    for key in ["state", "status", "agentState"] {
        let body = format!(r#"{{"login":"a","{key}":"HOLD"}}"#);
        assert_eq!(agent(&body).state, State::Hold, "{body}");
    }
    for (code, label) in [
        (r#""pause":{"code":"1"}"#, r#""pause":{"label":"L"}"#),
        (r#""pauseCode":"1""#, r#""pauseLabel":"L""#),
        (r#""reasonCode":"1""#, r#""reason":"L""#),
    ] {
        let body = format!(r#"{{"login":"a","state":"PAUSE",{code},{label}}}"#);
        let state = agent(&body);
        assert_eq!(state.pause.code.as_deref(), Some("1"), "{body}");
        assert_eq!(state.pause.label.as_deref(), Some("L"), "{body}");
    }
    for key in ["timestamp", "date", "eventDate"] {
        let body = format!(r#"{{"login":"a","state":"READY","{key}":"2026-11-23T12:00:05Z"}}"#);
        assert_eq!(agent(&body).time, Some(time("2026-11-23T12:00:05Z")));
    }
}

#[test]
fn the_first_alias_of_the_table_wins_wherever_it_stands() {
    let state = agent(
        r#"{"userUid":"4","agentLogin":"3","login":"2","agent":{"id":"x","login":"1"},
            "agentState":"HOLD","status":"BUSY","state":"READY",
            "reason":"r3","pauseLabel":"r2","pause":{"label":"r1","code":"c1"},"reasonCode":"c3",
            "eventDate":"2026-01-01T00:00:03Z","date":"2026-01-01T00:00:02Z",
            "timestamp":"2026-01-01T00:00:01Z"}"#,
    );
    assert_eq!(state.login, "1");
    assert_eq!(state.state, State::Available);
    assert_eq!(state.pause.label.as_deref(), Some("r1"));
    assert_eq!(state.pause.code.as_deref(), Some("c1"));
    assert_eq!(state.time, Some(time("2026-01-01T00:00:01Z")));
}

#[test]
fn null_and_blank_values_are_absent() {
    let state = agent(
        r#"{"agent":null,"login":"","agentLogin":"  ","userUid":"u","state":null,"status":"READY",
            "eventId":"","tenantId":null,"pause":null,"pauseLabel":" ","timestamp":null}"#,
    );
    assert_eq!(state.login, "u");
    assert_eq!(state.state, State::Available);
    assert_eq!(
        (state.event_id, state.tenant, state.time),
        (None, None, None)
    );
    assert!(state.pause.is_empty());
    assert_eq!(
        error(r#"{"login":"","state":"READY"}"#),
        DecodeError::MissingAgent
    );
    assert_eq!(
        error(r#"{"login":"a","state":" "}"#),
        DecodeError::MissingState
    );
    assert_eq!(error(r#"{"login":"a"}"#), DecodeError::MissingState);
    assert_eq!(error(r#"{"state":"READY"}"#), DecodeError::MissingAgent);
    assert_eq!(error("{}"), DecodeError::MissingAgent);
}

#[test]
fn a_repeated_key_keeps_its_first_value() {
    let state = agent(r#"{"login":"first","login":"second","state":"READY","state":"HOLD"}"#);
    assert_eq!(
        (state.login.as_ref(), state.state),
        ("first", State::Available)
    );
    // A null first value is absent: the second one counts.
    assert_eq!(
        agent(r#"{"login":null,"login":"b","state":"x"}"#).login,
        "b"
    );
}

#[test]
fn integers_are_text_where_text_is_expected() {
    let state = agent(
        r#"{"login":10452,"state":"PAUSE","pauseCode":7,"pauseLabel":-1,"eventId":18446744073709551615,
            "tenantId":0}"#,
    );
    assert_eq!(state.login, "10452");
    assert_eq!(state.pause.code.as_deref(), Some("7"));
    assert_eq!(state.pause.label.as_deref(), Some("-1"));
    assert_eq!(state.event_id.as_deref(), Some("18446744073709551615"));
    assert_eq!(state.tenant.as_deref(), Some("0"));
}

#[test]
fn wrong_types_name_their_key() {
    for (body, field) in [
        (r#"{"login":"a","state":{"code":"READY"}}"#, "state"),
        (r#"{"login":"a","status":["READY"]}"#, "status"),
        (r#"{"login":true,"state":"READY"}"#, "login"),
        (r#"{"userUid":1.5,"state":"READY"}"#, "userUid"),
        (r#"{"agent":"jdoe","state":"READY"}"#, "agent.login"),
        (
            r#"{"agent":{"login":{"x":1}},"state":"READY"}"#,
            "agent.login",
        ),
        (r#"{"login":"a","state":"PAUSE","pause":"7"}"#, "pause.code"),
        (r#"{"login":"a","state":"PAUSE","reason":false}"#, "reason"),
        (r#"{"login":"a","state":"READY","date":{}}"#, "date"),
        (r#"{"login":"a","state":"READY","eventId":[1]}"#, "eventId"),
        (r#"{"eventType":7.5}"#, "eventType"),
    ] {
        assert_eq!(error(body), DecodeError::WrongType { field }, "{body}");
    }
    // A losing alias is not read, whatever its type.
    assert_eq!(
        agent(r#"{"status":{},"state":"READY","login":"a"}"#).state,
        State::Available
    );
}

#[test]
fn unknown_keys_are_skipped_at_any_depth() {
    let state = agent(
        r#"{"x":{"y":[1,{"login":"no"},[[[]]]],"z":null},"agent":{"id":10452,"team":{"a":[]},
            "login":"jdoe"},"pause":{"extra":{"code":"no"}},"state":"READY","n":-1.5e300,"b":true}"#,
    );
    assert_eq!(state.login, "jdoe");
    assert!(state.pause.is_empty());
}

#[test]
fn arrays_report_every_item_and_a_bad_one_stops_nothing() {
    let body = br#"[{"login":"a","state":"READY"}, 7, {"state":"READY"}, null, [], {"login":"b",
        "state":"HOLD","timestamp":"yesterday"}, {"login":"c","state":"BUSY"}]"#;
    let items = items(BodyFormat::Json, body).unwrap();
    let logins: Vec<_> = items
        .iter()
        .map(|item| match item {
            Ok(Notification::AgentState(state)) => Ok(state.login.as_ref()),
            Ok(other) => panic!("{other:?}"),
            Err(error) => Err(error.clone()),
        })
        .collect();
    assert_eq!(
        logins,
        [
            Ok("a"),
            Err(DecodeError::NotAnObject),
            Err(DecodeError::MissingAgent),
            Err(DecodeError::NotAnObject),
            Err(DecodeError::NotAnObject),
            Err(DecodeError::BadTime { field: "timestamp" }),
            Ok("c"),
        ]
    );
    assert_eq!(decode(BodyFormat::Json, b" [ ] ", |_, _| panic!()), Ok(0));
}

#[test]
fn too_many_items_refuse_the_body_before_any_is_handed_over() {
    let body = |n: usize| {
        format!(
            "[{}]",
            vec![r#"{"login":"a","state":"READY"}"#; n].join(",")
        )
    };
    assert_eq!(
        items(BodyFormat::Json, body(MAX_ITEMS).as_bytes())
            .unwrap()
            .len(),
        MAX_ITEMS
    );
    assert_eq!(
        body_error(BodyFormat::Json, body(MAX_ITEMS + 1).as_bytes()),
        DecodeError::TooManyItems { max: MAX_ITEMS }
    );
    let many_nulls = format!("[{}]", vec!["null"; 100_000].join(","));
    assert_eq!(
        body_error(BodyFormat::Json, many_nulls.as_bytes()),
        DecodeError::TooManyItems { max: MAX_ITEMS }
    );
}

#[test]
fn a_malformed_end_refuses_the_items_before_it() {
    let body = br#"[{"login":"a","state":"READY"},{"login":"b","state":"READY"} x]"#;
    assert!(matches!(
        body_error(BodyFormat::Json, body),
        DecodeError::Syntax { line: 1, .. }
    ));
    let body = br#"[{"login":"a","state":"READY"},{"login":"b""#;
    assert!(matches!(
        body_error(BodyFormat::Json, body),
        DecodeError::Truncated { .. }
    ));
}

#[test]
fn escaped_strings_are_owned_plain_ones_borrowed() {
    let state = agent(
        r#"{"login":"j\u00e9r\u00f4me","state":"Custom \"break\"","reason":"plain","eventId":"a\/b"}"#,
    );
    assert!(matches!(&state.login, Cow::Owned(login) if login == "jérôme"));
    assert!(matches!(&state.state, State::Other(Cow::Owned(code)) if code == "Custom \"break\""));
    assert!(matches!(state.pause.label, Some(Cow::Borrowed("plain"))));
    assert!(matches!(state.event_id, Some(Cow::Owned(id)) if id == "a/b"));
    let state = agent(r#"{"login":"jérôme","state":"Custom"}"#);
    assert!(matches!(state.login, Cow::Borrowed("jérôme")));
    assert!(matches!(state.state, State::Other(Cow::Borrowed("Custom"))));
}

#[test]
fn times() {
    let at = |value: &str| {
        agent(&format!(
            r#"{{"login":"a","state":"READY","timestamp":{value}}}"#
        ))
        .time
    };
    let expected = Some(time("2026-11-23T12:00:05.123Z"));
    for value in [
        r#""2026-11-23T12:00:05.123Z""#,
        r#""2026-11-23T14:00:05.123+02:00""#,
        r#""2026-11-23T07:00:05.123-05:00""#,
        r#""2026-11-23T12:00:05.123000000Z""#,
        r#""2026-11-23t12:00:05.123z""#,
        "1795435205123",
        r#""1795435205123""#,
        r#"" 1795435205123 ""#,
    ] {
        assert_eq!(at(value), expected, "{value}");
    }
    assert_eq!(
        at(r#""2026-11-23T12:00:05Z""#),
        Some(time("2026-11-23T12:00:05Z"))
    );
    assert_eq!(at(r#""1970-01-01T00:00:00Z""#), Some(Timestamp::UNIX_EPOCH));
    assert_eq!(at("0"), Some(Timestamp::UNIX_EPOCH));
    assert_eq!(
        at(r#""2024-02-29T23:59:59.5Z""#),
        Some(time("2024-02-29T23:59:59.5Z"))
    );
    for value in [
        r#""yesterday""#,
        r#""2026-11-23T12:00:05""#,
        r#""2026-11-23""#,
        r#""2025-02-29T00:00:00Z""#,
        r#""1969-12-31T23:59:59Z""#,
        r#""-000001-01-01T00:00:00Z""#,
        "-1",
        r#""-1""#,
        "253402300800000",
        "18446744073709551615",
        r#""99999999999999999999999""#,
        r#""1795435205123.5""#,
    ] {
        let body = format!(r#"{{"login":"a","state":"READY","eventDate":{value}}}"#);
        assert_eq!(
            error(&body),
            DecodeError::BadTime { field: "eventDate" },
            "{value}"
        );
    }
    assert_eq!(
        error(r#"{"login":"a","state":"READY","date":1795435205123.5}"#),
        DecodeError::WrongType { field: "date" }
    );
}

#[test]
fn states_are_case_insensitive_and_unknown_ones_kept() {
    for (text, expected) in [
        ("logged_out", State::LoggedOut),
        ("Disconnected", State::LoggedOut),
        ("available", State::Available),
        ("READY", State::Available),
        ("alerting", State::Alerting),
        ("Ringing", State::Alerting),
        ("in_call", State::InCall),
        ("busy", State::InCall),
        ("IN_COMMUNICATION", State::InCall),
        ("hold", State::Hold),
        ("wrap_up", State::WrapUp),
        ("POST_CALL", State::WrapUp),
        ("pause", State::Pause),
        (" PAUSE ", State::Pause),
        ("TRAINING", State::Other("TRAINING".into())),
        ("Réunion", State::Other("Réunion".into())),
    ] {
        let body = format!(r#"{{"login":"a","state":"{text}","previousState":"{text}"}}"#);
        let state = agent(&body);
        assert_eq!(state.state, expected, "{text}");
        assert_eq!(state.previous, Some(expected), "{text}");
    }
    assert_eq!(
        agent(r#"{"login":"a","state":42}"#).state,
        State::Other("42".into())
    );
}

#[test]
fn directions() {
    for (text, expected) in [
        (r#""IN""#, Direction::In),
        (r#""inbound""#, Direction::In),
        (r#""Out""#, Direction::Out),
        (r#""OUTBOUND""#, Direction::Out),
        (r#""sideways""#, Direction::None),
        ("1", Direction::None),
        ("{}", Direction::None),
        ("null", Direction::None),
    ] {
        let body = format!(r#"{{"login":"a","state":"BUSY","direction":{text}}}"#);
        assert_eq!(agent(&body).direction, expected, "{text}");
    }
}

#[test]
fn event_types() {
    assert_eq!(
        one(r#"{"eventType":"heartbeat","eventId":"h1","timestamp":1795435205123}"#),
        Ok(Notification::Heartbeat {
            event_id: Some("h1".into()),
            time: Some(time("2026-11-23T12:00:05.123Z")),
        })
    );
    assert_eq!(
        one(r#"{"eventType":"HEARTBEAT"}"#),
        Ok(Notification::Heartbeat {
            event_id: None,
            time: None
        })
    );
    assert_eq!(
        one(r#"{"eventType":"HEARTBEAT","timestamp":"noon"}"#),
        Err(DecodeError::BadTime { field: "timestamp" })
    );
    assert_eq!(
        one(r#"{"eventType":"ADHERENCE","eventId":5,"timestamp":"noon"}"#),
        Ok(Notification::Other {
            event_type: "ADHERENCE".into(),
            event_id: Some("5".into()),
        })
    );
    for event_type in [r#""agent_state_changed""#, r#""""#, "null"] {
        let body = format!(r#"{{"eventType":{event_type},"login":"a","state":"READY"}}"#);
        assert_eq!(agent(&body).login, "a");
    }
}

#[test]
fn hostile_json_bodies() {
    // A 64 KiB string is read, and borrowed.
    let long = "x".repeat(64 * 1024);
    let body = format!(r#"{{"login":"{long}","state":"READY"}}"#);
    assert!(matches!(agent(&body).login, Cow::Borrowed(login) if login.len() == 64 * 1024));

    // A million brackets: skipped without recursion, as an item or as an unknown value.
    let open = "[".repeat(1_000_000);
    let close = "]".repeat(1_000_000);
    let deep = format!("{open}{close}");
    assert_eq!(
        items(BodyFormat::Json, deep.as_bytes()),
        Ok(vec![Err(DecodeError::NotAnObject)])
    );
    let skipped = format!(r#"{{"login":"a","state":"READY","x":{deep}}}"#);
    assert_eq!(agent(&skipped).login, "a");
    let objects = format!(
        r#"{}null{}"#,
        r#"{"x":"#.repeat(100_000),
        "}".repeat(100_000)
    );
    assert_eq!(error(&objects), DecodeError::MissingAgent);
    for unclosed in [
        open.clone(),
        format!(r#"{{"login":"a","state":"READY","x":{open}"#),
    ] {
        assert!(matches!(
            body_error(BodyFormat::Json, unclosed.as_bytes()),
            DecodeError::Truncated { .. }
        ));
    }

    // NUL: raw in a string or between tokens is malformed; escaped, it is text.
    for body in [
        &b"{\"login\":\"a\0\",\"state\":\"READY\"}"[..],
        b"{\0}",
        b"\0",
    ] {
        assert!(matches!(
            body_error(BodyFormat::Json, body),
            DecodeError::Syntax { .. } | DecodeError::NotJsonObject
        ));
    }
    assert_eq!(
        agent(r#"{"login":"a\u0000b","state":"READY"}"#).login,
        "a\0b"
    );

    // A byte-order mark is skipped, once.
    let bom = [b"\xef\xbb\xbf", SPEC.as_bytes()].concat();
    assert_eq!(items(BodyFormat::Json, &bom).unwrap().len(), 1);
    let two = [b"\xef\xbb\xbf\xef\xbb\xbf", SPEC.as_bytes()].concat();
    assert_eq!(
        body_error(BodyFormat::Json, &two),
        DecodeError::NotJsonObject
    );

    // Latin-1, a lone surrogate escape, other encodings.
    assert_eq!(
        body_error(
            BodyFormat::Json,
            b"{\"login\":\"j\xe9r\xf4me\",\"state\":\"READY\"}"
        ),
        DecodeError::NotUtf8
    );
    let utf16: Vec<u8> = r#"{"login":"a"}"#.encode_utf16().flat_map(u16::to_le_bytes).collect();
    // UTF-16 is ASCII with NUL bytes between: malformed at the first NUL.
    assert_eq!(
        body_error(BodyFormat::Json, &utf16),
        DecodeError::Syntax { line: 1, column: 2 }
    );
    assert!(matches!(
        body_error(BodyFormat::Json, br#"{"login":"\ud800","state":"READY"}"#),
        DecodeError::Syntax { .. }
    ));

    // Empty, blank, not an object.
    for body in [&b""[..], b" \r\n\t ", b"\xef\xbb\xbf", b"\xef\xbb\xbf  "] {
        assert_eq!(
            body_error(BodyFormat::Json, body),
            DecodeError::Empty,
            "{body:?}"
        );
    }
    for body in [&b"null"[..], b"\"login\"", b"42", b"true", b"  x"] {
        assert_eq!(
            body_error(BodyFormat::Json, body),
            DecodeError::NotJsonObject,
            "{body:?}"
        );
    }
}

#[test]
fn every_truncation_of_the_spec_example_is_truncated() {
    let body = SPEC.as_bytes();
    for end in 1..body.len() {
        let error = body_error(BodyFormat::Json, &body[..end]);
        assert!(
            matches!(error, DecodeError::Truncated { .. }),
            "{end}: {error:?}"
        );
    }
}

#[test]
fn syntax_errors_say_where_never_what() {
    let body = "{\"login\":\"s3cret\",\n\"state\":\"READY\" \"x\"}";
    let error = body_error(BodyFormat::Json, body.as_bytes());
    assert_eq!(
        error,
        DecodeError::Syntax {
            line: 2,
            column: 17
        }
    );
    assert_eq!(error.to_string(), "malformed JSON at line 2 column 17");
    for error in [
        DecodeError::Empty,
        DecodeError::NotUtf8,
        DecodeError::Syntax {
            line: usize::MAX,
            column: usize::MAX,
        },
        DecodeError::Truncated {
            line: usize::MAX,
            column: usize::MAX,
        },
        DecodeError::NotJsonObject,
        DecodeError::TooManyItems { max: MAX_ITEMS },
        DecodeError::NotAnObject,
        DecodeError::WrongType {
            field: "previousState",
        },
        DecodeError::BadTime { field: "timestamp" },
        DecodeError::MissingAgent,
        DecodeError::MissingState,
    ] {
        let text = error.to_string();
        assert!(
            !text.is_empty() && text.len() <= 120 && !text.contains('\n'),
            "{text}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Forms.

fn form(body: &str) -> Result<Notification<'_>, DecodeError> {
    let mut items = items(BodyFormat::Form, body.as_bytes()).expect("a readable form");
    assert_eq!(items.len(), 1);
    items.remove(0)
}

fn form_agent(body: &str) -> AgentState<'_> {
    match form(body) {
        Ok(Notification::AgentState(state)) => state,
        other => panic!("{body}: {other:?}"),
    }
}

#[test]
fn form_bodies_use_the_same_keys_dotted() {
    let state = form_agent(
        "eventId=6c1f&tenantId=acme&timestamp=2026-11-23T12%3A00%3A05.123Z&agent.login=jdoe%40acme.example\
         &agent.id=10452&state=PAUSE&previousState=AVAILABLE&pause.code=7&pause.label=Lunch+break\n",
    );
    assert_eq!(state.login, "jdoe@acme.example");
    assert!(matches!(state.login, Cow::Owned(_)));
    assert!(matches!(state.event_id, Some(Cow::Borrowed("6c1f"))));
    assert_eq!(state.state, State::Pause);
    assert_eq!(state.previous, Some(State::Available));
    assert_eq!(state.pause.code.as_deref(), Some("7"));
    assert_eq!(state.pause.label.as_deref(), Some("Lunch break"));
    assert_eq!(state.time, Some(time("2026-11-23T12:00:05.123Z")));

    for (body, login) in [
        ("login=b&state=READY", "b"),
        ("agentLogin=c&state=READY", "c"),
        ("userUid=d&userUid=e&state=READY", "d"),
        ("userUid=d&login=&agent.login=a&state=READY", "a"),
        ("login=100%25+%2Bsure%&state=READY", "100% +sure%"),
        ("login=%zz%4&state=READY", "%zz%4"),
    ] {
        assert_eq!(form_agent(body).login, login, "{body}");
    }
    let state =
        form_agent("login=a&status=busy&direction=out&reasonCode=3&reason=x&date=1795435205123");
    assert_eq!(state.state, State::InCall);
    assert_eq!(state.direction, Direction::Out);
    assert_eq!(state.time, Some(time("2026-11-23T12:00:05.123Z")));
    assert_eq!(
        form_agent("login=a&state=READY&eventDate=2026-11-23T14%3A00%3A05.123%2B02%3A00").time,
        Some(time("2026-11-23T12:00:05.123Z"))
    );
}

#[test]
fn form_errors() {
    assert_eq!(form("state=READY"), Err(DecodeError::MissingAgent));
    assert_eq!(form("login=a&state="), Err(DecodeError::MissingState));
    assert_eq!(form("&&=&x"), Err(DecodeError::MissingAgent));
    // An unencoded `+` in an offset is a space: not a time.
    assert_eq!(
        form("login=a&state=READY&timestamp=2026-11-23T14:00:05+02:00"),
        Err(DecodeError::BadTime { field: "timestamp" })
    );
    assert_eq!(
        form("eventType=HEARTBEAT&eventId=h"),
        Ok(Notification::Heartbeat {
            event_id: Some("h".into()),
            time: None
        })
    );
    for body in [&b""[..], b" \r\n"] {
        assert_eq!(body_error(BodyFormat::Form, body), DecodeError::Empty);
    }
    for body in [
        &b"login=j\xe9r\xf4me&state=READY"[..],
        b"login=j%E9r%F4me&state=READY",
        b"unknown=%FF&login=a&state=READY",
        b"%C3=a&login=a&state=READY",
    ] {
        assert_eq!(
            body_error(BodyFormat::Form, body),
            DecodeError::NotUtf8,
            "{body:?}"
        );
    }
    // NUL bytes are text in a form: they reach the fields as sent.
    assert_eq!(
        form_agent("login=a%00b&state=READY\0").state,
        State::Other("READY\0".into())
    );
}

#[test]
fn content_types() {
    for (value, format) in [
        (&b"application/json"[..], Some(BodyFormat::Json)),
        (b"Application/JSON", Some(BodyFormat::Json)),
        (
            b" application/json ; charset=utf-8 ",
            Some(BodyFormat::Json),
        ),
        (
            b"application/json;charset=\"UTF-8\"",
            Some(BodyFormat::Json),
        ),
        (
            b"application/json; CHARSET=us-ascii; boundary=x",
            Some(BodyFormat::Json),
        ),
        (b"application/json; foo", Some(BodyFormat::Json)),
        (b"text/json", Some(BodyFormat::Json)),
        (b"application/vnd.odigo.v1+json", Some(BodyFormat::Json)),
        (b"application/x-www-form-urlencoded", Some(BodyFormat::Form)),
        (
            b"application/X-WWW-Form-Urlencoded; charset=utf8",
            Some(BodyFormat::Form),
        ),
        (b"application/json; charset=iso-8859-1", None),
        (b"application/json; charset=utf-16", None),
        (b"application/x-www-form-urlencoded; charset=latin1", None),
        (b"application/+json", None),
        (b"application/a b+json", None),
        (b"application/xml", None),
        (b"text/plain", None),
        (b"multipart/form-data; boundary=x", None),
        (b"json", None),
        (b"", None),
        (b"application/json\xff", None),
        (b"application/json; charset=\xe9", None),
    ] {
        assert_eq!(
            BodyFormat::from_content_type(value),
            format,
            "{}",
            String::from_utf8_lossy(value)
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Properties.

/// A state string: a known one in any case, or any text.
fn state_text() -> impl Strategy<Value = String> {
    prop_oneof![
        (
            prop::sample::select(vec![
                "LOGGED_OUT",
                "DISCONNECTED",
                "AVAILABLE",
                "READY",
                "ALERTING",
                "RINGING",
                "IN_CALL",
                "BUSY",
                "IN_COMMUNICATION",
                "HOLD",
                "WRAP_UP",
                "POST_CALL",
                "PAUSE",
            ]),
            any::<u32>()
        )
            .prop_map(|(name, cases)| {
                name.chars()
                    .enumerate()
                    .map(|(i, c)| {
                        if cases >> (i % 32) & 1 == 1 {
                            c.to_ascii_lowercase()
                        } else {
                            c
                        }
                    })
                    .collect()
            }),
        text(),
    ]
}

/// Non-blank text of any characters.
fn text() -> impl Strategy<Value = String> {
    "\\PC{1,12}".prop_filter("blank", |text| !text.trim().is_empty())
}

#[derive(Debug, Clone, Copy)]
enum TimeForm {
    Rfc3339,
    MillisText,
    MillisNumber,
}

#[derive(Debug, Clone)]
struct Input {
    event_id: Option<String>,
    tenant: Option<String>,
    login: String,
    state: String,
    previous: Option<String>,
    direction: Option<(&'static str, Direction)>,
    code: Option<String>,
    label: Option<String>,
    time: Option<(Timestamp, TimeForm)>,
    /// Which alias of each aliased field to use (login, state, code, label, time).
    aliases: [usize; 5],
    event_type: bool,
}

fn input() -> impl Strategy<Value = Input> {
    let direction = prop::option::of(prop::sample::select(vec![
        ("IN", Direction::In),
        ("inbound", Direction::In),
        ("Out", Direction::Out),
        ("OUTBOUND", Direction::Out),
        ("lateral", Direction::None),
    ]));
    let forms = prop::sample::select(vec![
        TimeForm::Rfc3339,
        TimeForm::MillisText,
        TimeForm::MillisNumber,
    ]);
    let time = prop::option::of(
        (0i64..253_402_207_200_000, 0i32..1_000_000, forms).prop_map(|(millis, nanos, form)| {
            let time = Timestamp::from_millisecond(millis).unwrap();
            match form {
                // RFC 3339 carries nanoseconds.
                TimeForm::Rfc3339 => {
                    let nanos = time.subsec_nanosecond() + nanos;
                    (Timestamp::new(time.as_second(), nanos).unwrap(), form)
                }
                TimeForm::MillisText | TimeForm::MillisNumber => (time, form),
            }
        }),
    );
    (
        (
            prop::option::of(text()),
            prop::option::of(text()),
            text(),
            state_text(),
        ),
        (
            prop::option::of(state_text()),
            direction,
            prop::option::of(text()),
            prop::option::of(text()),
        ),
        (time, [0..4usize, 0..3, 0..3, 0..3, 0..3], any::<bool>()),
    )
        .prop_map(
            |(
                (event_id, tenant, login, state),
                (previous, direction, code, label),
                (time, aliases, event_type),
            )| {
                Input {
                    event_id,
                    tenant,
                    login,
                    state,
                    previous,
                    direction,
                    code,
                    label,
                    time,
                    aliases,
                    event_type,
                }
            },
        )
}

impl Input {
    fn expected(&self) -> AgentState<'static> {
        let owned = |text: &Option<String>| text.clone().map(Cow::Owned);
        AgentState {
            event_id: owned(&self.event_id),
            tenant: owned(&self.tenant),
            login: Cow::Owned(self.login.clone()),
            state: State::parse(Cow::Owned(self.state.clone())),
            previous: self.previous.clone().map(|p| State::parse(Cow::Owned(p))),
            direction: self.direction.map_or(Direction::None, |(_, d)| d),
            pause: Pause {
                code: owned(&self.code),
                label: owned(&self.label),
            },
            time: self.time.map(|(time, _)| time),
        }
    }

    /// The flat keys and values (dotted names for nesting), and whether JSON sends the value
    /// as a number.
    fn pairs(&self) -> Vec<(&'static str, String, bool)> {
        const LOGIN: [&str; 4] = ["agent.login", "login", "agentLogin", "userUid"];
        const STATE: [&str; 3] = ["state", "status", "agentState"];
        const CODE: [&str; 3] = ["pause.code", "pauseCode", "reasonCode"];
        const LABEL: [&str; 3] = ["pause.label", "pauseLabel", "reason"];
        const TIME: [&str; 3] = ["timestamp", "date", "eventDate"];
        let [login, state, code, label, time_alias] = self.aliases;
        let mut pairs = vec![
            (LOGIN[login], self.login.clone(), false),
            (STATE[state], self.state.clone(), false),
        ];
        if let Some((time, form)) = self.time {
            pairs.push(match form {
                TimeForm::Rfc3339 => (TIME[time_alias], time.to_string(), false),
                TimeForm::MillisText => {
                    (TIME[time_alias], time.as_millisecond().to_string(), false)
                }
                TimeForm::MillisNumber => {
                    (TIME[time_alias], time.as_millisecond().to_string(), true)
                }
            });
        }
        let optional = [
            ("eventId", self.event_id.clone()),
            ("tenantId", self.tenant.clone()),
            ("previousState", self.previous.clone()),
            ("direction", self.direction.map(|(text, _)| text.to_owned())),
            (CODE[code], self.code.clone()),
            (LABEL[label], self.label.clone()),
            (
                "eventType",
                self.event_type.then(|| "AGENT_STATE_CHANGED".to_owned()),
            ),
        ];
        pairs.extend(
            optional
                .into_iter()
                .filter_map(|(key, value)| Some((key, value?, false))),
        );
        pairs
    }

    fn json(&self) -> Vec<u8> {
        let mut object = serde_json::Map::new();
        for (key, value, number) in self.pairs() {
            let value = match number {
                true => json!(value.parse::<i64>().unwrap()),
                false => json!(value),
            };
            match key.split_once('.') {
                Some((outer, inner)) => {
                    object.entry(outer).or_insert_with(|| json!({}))[inner] = value;
                }
                None => {
                    object.insert(key.to_owned(), value);
                }
            }
        }
        serde_json::to_vec(&object).unwrap()
    }

    fn form(&self) -> Vec<u8> {
        let mut form = form_urlencoded::Serializer::new(String::new());
        for (key, value, _) in self.pairs() {
            form.append_pair(key, &value);
        }
        form.finish().into_bytes()
    }
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(body in prop::collection::vec(any::<u8>(), 0..256)) {
        for format in [BodyFormat::Json, BodyFormat::Form] {
            let _ = items(format, &body);
        }
    }

    #[test]
    fn json_like_bytes_never_panic(body in "[\\[\\]{}\":,0-9a-zA-Z \\\\.-]{0,64}") {
        let _ = items(BodyFormat::Json, body.as_bytes());
    }

    #[test]
    fn json_and_form_give_back_what_was_sent(input in input()) {
        let expected = Notification::AgentState(input.expected());
        for (format, body) in [(BodyFormat::Json, input.json()), (BodyFormat::Form, input.form())] {
            let items = items(format, &body).unwrap();
            prop_assert_eq!(&items, &[Ok(expected.clone())], "{}", String::from_utf8_lossy(&body));
        }
    }
}
