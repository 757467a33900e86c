//! The web service's pause answer and the cache of answers.

use proptest::prelude::*;
use rta_model::Timestamp;
use rta_odigo::{LookupError, Pause, PauseCache, PauseResponseError, parse_pause_response};
use std::borrow::Cow;

fn pause(code: Option<&str>, label: Option<&str>) -> Pause<'static> {
    Pause {
        code: code.map(|code| Cow::Owned(code.to_owned())),
        label: label.map(|label| Cow::Owned(label.to_owned())),
    }
}

fn at(second: i64) -> Timestamp {
    Timestamp::from_second(1_795_000_000 + second).unwrap()
}

#[test]
fn the_pause_object_gives_code_and_label() {
    let body =
        br#"{"login":"jdoe","state":"PAUSE","pause":{"code":"7","label":"Lunch","since":3}}"#;
    let parsed = parse_pause_response(body).unwrap();
    assert_eq!(parsed, pause(Some("7"), Some("Lunch")));
    assert!(
        matches!(parsed.label, Some(Cow::Borrowed(_))),
        "unescaped text is borrowed"
    );
}

#[test]
fn codes_may_be_numbers() {
    for (body, code) in [
        (r#"{"pause":{"code":7}}"#, "7"),
        (r#"{"pause":{"code":-3}}"#, "-3"),
        (r#"{"pause":{"code":7.5}}"#, "7.5"),
        (r#"{"pauseCode":12}"#, "12"),
    ] {
        assert_eq!(
            parse_pause_response(body.as_bytes()).unwrap(),
            pause(Some(code), None),
            "{body}"
        );
    }
}

#[test]
fn top_level_aliases_fill_what_the_pause_object_lacks() {
    let parsed = |body: &str| parse_pause_response(body.as_bytes()).unwrap().into_owned();
    assert_eq!(
        parsed(r#"{"pauseCode":"3","pauseLabel":"Training"}"#),
        pause(Some("3"), Some("Training"))
    );
    assert_eq!(
        parsed(r#"{"pause":{"label":"Lunch"},"pauseCode":"7","pauseLabel":"ignored"}"#),
        pause(Some("7"), Some("Lunch"))
    );
}

#[test]
fn escaped_text_is_decoded() {
    let parsed = parse_pause_response(br#"{"pause":{"label":"Caf\u00e9 \"break\""}}"#).unwrap();
    assert_eq!(parsed.label.as_deref(), Some("Café \"break\""));
}

#[test]
fn no_pause_is_an_empty_pause() {
    for body in [
        "{}",
        r#"{"pause":null}"#,
        r#"{"pause":{}}"#,
        r#"{"pause":{"code":null,"label":null}}"#,
        r#"{"pause":{"code":"","label":"  "}}"#,
        r#"{"state":"AVAILABLE","pauseCode":null}"#,
        " \n{ } \n",
    ] {
        let parsed = parse_pause_response(body.as_bytes()).unwrap();
        assert!(parsed.is_empty(), "{body}: {parsed:?}");
    }
}

#[test]
fn other_shapes_are_refused_without_echoing_values() {
    for body in [
        "",
        "not json",
        "[]",
        r#""pause""#,
        "42",
        "null",
        r#"{"pause":"Lunch-secret"}"#,
        r#"{"pause":["Lunch-secret"]}"#,
        r#"{"pause":{"code":true}}"#,
        r#"{"pause":{"label":{"text":"Lunch-secret"}}}"#,
        r#"{"pause":{"code":"1"},"pause":{"code":"2"}}"#,
        r#"{"pause":{"code":"7"}"#,
        r#"{"pause":{"code":"7"}} trailing"#,
        "{\"pause\":{\"label\":\"\u{0}\"}}",
    ] {
        let error = parse_pause_response(body.as_bytes()).expect_err(body);
        let message = error.to_string();
        assert!(!message.contains("secret"), "{message}");
        assert!(!message.is_empty());
        if body.is_empty() || body == r#"{"pause":{"code":"7"}"# {
            assert_eq!(error, PauseResponseError::Truncated, "{body}");
        }
    }
    assert!(matches!(
        parse_pause_response(b"{\"pause\":x}").unwrap_err(),
        PauseResponseError::Syntax {
            line: 1,
            column: 10
        }
    ));
    assert!(matches!(
        parse_pause_response(br#"{"pause":{"code":true}}"#).unwrap_err(),
        PauseResponseError::Shape { line: 1, .. }
    ));
    assert!(parse_pause_response(b"{\"pause\":{\"label\":\"\xff\"}}").is_err());
}

#[test]
fn lookup_errors_say_what_went_wrong() {
    for (error, text) in [
        (LookupError::TimedOut, "in time"),
        (LookupError::Unauthorized, "user name and password"),
        (LookupError::Status(500), "HTTP 500"),
        (LookupError::Transport("refused".into()), "refused"),
        (LookupError::BadResponse("not JSON".into()), "not JSON"),
        (LookupError::BadLogin, "login"),
    ] {
        assert!(error.to_string().contains(text), "{error}");
    }
}

#[test]
fn the_cache_answers_per_login_and_time() {
    let mut cache = PauseCache::new(10);
    assert!(cache.is_empty());
    cache.insert("jdoe", at(0), pause(Some("7"), Some("Lunch")));
    cache.insert("jdoe", at(60), Pause::default());
    assert_eq!(
        cache.get("jdoe", at(0)),
        Some(&pause(Some("7"), Some("Lunch")))
    );
    assert_eq!(cache.get("jdoe", at(60)), Some(&Pause::default()));
    assert_eq!(cache.get("jdoe", at(1)), None);
    assert_eq!(cache.get("asmith", at(0)), None);
    assert_eq!(cache.len(), 2);

    // A new answer for the same change replaces the old one, taking no more room.
    cache.insert("jdoe", at(0), pause(Some("8"), None));
    assert_eq!(cache.get("jdoe", at(0)), Some(&pause(Some("8"), None)));
    assert_eq!(cache.len(), 2);
}

#[test]
fn the_cache_evicts_the_oldest_at_capacity() {
    let mut cache = PauseCache::new(3);
    assert_eq!(cache.capacity(), 3);
    for second in 0..3 {
        cache.insert("jdoe", at(second), pause(Some(&second.to_string()), None));
    }
    cache.insert("jdoe", at(0), pause(Some("again"), None)); // no change of order
    cache.insert("jdoe", at(3), pause(Some("3"), None));
    assert_eq!(cache.len(), 3);
    assert_eq!(cache.get("jdoe", at(0)), None, "the oldest went first");
    for second in 1..4 {
        assert!(cache.get("jdoe", at(second)).is_some(), "{second}");
    }
    for second in 4..1_000 {
        cache.insert("jdoe", at(second), Pause::default());
        assert_eq!(cache.len(), 3);
    }
    assert!(cache.get("jdoe", at(999)).is_some());
}

#[test]
fn a_cache_of_capacity_zero_keeps_nothing() {
    let mut cache = PauseCache::new(0);
    cache.insert("jdoe", at(0), pause(Some("7"), None));
    assert!(cache.is_empty());
    assert_eq!(cache.get("jdoe", at(0)), None);
}

proptest! {
    #[test]
    fn parsing_never_panics(body in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = parse_pause_response(&body);
    }

    #[test]
    fn parsing_json_like_text_never_panics(body in r#"[{}\[\]":,0-9a-zA-Z .\\-]{0,80}"#) {
        let _ = parse_pause_response(body.as_bytes());
    }

    #[test]
    fn any_code_and_label_round_trip(code in "\\PC{0,20}", label in "\\PC{0,20}") {
        let body = serde_json::json!({"pause": {"code": code, "label": label}}).to_string();
        let parsed = parse_pause_response(body.as_bytes()).unwrap();
        let kept = |text: &str| (!text.trim().is_empty()).then(|| text.to_owned());
        prop_assert_eq!(parsed.code.map(Cow::into_owned), kept(&code));
        prop_assert_eq!(parsed.label.map(Cow::into_owned), kept(&label));
    }

    #[test]
    fn the_cache_never_exceeds_its_capacity(
        capacity in 0usize..8,
        inserts in proptest::collection::vec((0u8..4, 0i64..6), 0..64),
    ) {
        let mut cache = PauseCache::new(capacity);
        for (login, second) in inserts {
            let login = login.to_string();
            cache.insert(&login, at(second), pause(Some(&login), None));
            prop_assert!(cache.len() <= capacity);
            if capacity > 0 {
                prop_assert_eq!(cache.get(&login, at(second)), Some(&pause(Some(&login), None)));
            }
        }
    }
}
