//! The fuzz targets of `rta-odigo`: JSON and form bodies through the decoder.

use rta_model::Direction;
use rta_odigo::{AgentState, BodyFormat, DecodeError, MAX_ITEMS, Notification, State, decode};
use std::borrow::Cow;

/// The JSON target: see the crate documentation.
pub fn odigo_json(data: &[u8]) {
    check(BodyFormat::Json, data);
}

/// The form target: see the crate documentation.
pub fn odigo_form(data: &[u8]) {
    check(BodyFormat::Form, data);
    // A content type is attacker's bytes too.
    if let Some(format) = BodyFormat::from_content_type(data) {
        let text = std::str::from_utf8(data).expect("a supported content type is UTF-8");
        assert_eq!(
            BodyFormat::from_content_type(text.to_ascii_uppercase().as_bytes()),
            Some(format),
            "content types are case-insensitive"
        );
    }
}

type Items<'a> = Result<Vec<Result<Notification<'a>, DecodeError>>, DecodeError>;

/// Decodes `body`, checking the callback's indexes and that a refused body handed nothing over.
fn items(format: BodyFormat, body: &[u8]) -> Items<'_> {
    let mut items = Vec::new();
    let result = decode(format, body, |index, item| {
        assert_eq!(index, items.len(), "indexes count up from 0");
        items.push(item);
    });
    match result {
        Ok(count) => {
            assert_eq!(count, items.len(), "the count is the items handed over");
            Ok(items)
        }
        Err(error) => {
            assert!(
                items.is_empty(),
                "a refused body handed items over: {error:?}"
            );
            Err(error)
        }
    }
}

fn check(format: BodyFormat, body: &[u8]) {
    let first = items(format, body);
    assert_eq!(first, items(format, body), "the same body decodes the same");
    let items = match first {
        Ok(items) => items,
        Err(error) => return check_error(&error),
    };
    let max = match format {
        BodyFormat::Json => MAX_ITEMS,
        BodyFormat::Form => 1,
    };
    assert!(items.len() <= max, "{} items", items.len());
    for item in items {
        match item {
            Ok(Notification::AgentState(state)) => {
                check_borrowed(body, &state);
                round_trip(&state);
            }
            Ok(Notification::Heartbeat { event_id, .. }) => {
                assert!(event_id.is_none_or(|id| !id.trim().is_empty()));
            }
            Ok(Notification::Other { event_type, .. }) => {
                assert!(
                    !event_type.trim().is_empty(),
                    "a blank event type is absent"
                );
            }
            Err(error) => check_error(&error),
        }
    }
}

/// The 400 reason: short, one line, no value of the body (the reasons are fixed texts with
/// key names and numbers: no quote ever).
fn check_error(error: &DecodeError) {
    let text = error.to_string();
    assert!(!text.is_empty() && text.len() <= 120, "{text}");
    assert!(!text.contains(['\n', '"']), "{text}");
}

/// Every borrowed string lies inside the body, every present text is not blank.
fn check_borrowed(body: &[u8], state: &AgentState<'_>) {
    let texts = [
        Some(&state.login),
        state.event_id.as_ref(),
        state.tenant.as_ref(),
        state.pause.code.as_ref(),
        state.pause.label.as_ref(),
    ];
    let states = [Some(&state.state), state.previous.as_ref()];
    let codes = states.into_iter().flatten().filter_map(|s| match s {
        State::Other(code) => Some(code),
        _ => None,
    });
    let range = body.as_ptr_range();
    for text in texts.into_iter().flatten().chain(codes) {
        assert!(!text.trim().is_empty(), "a blank text is absent");
        if let Cow::Borrowed(text) = text {
            let inside = text.as_bytes().as_ptr_range();
            assert!(range.start <= inside.start && inside.end <= range.end);
        }
    }
}

/// The state written back as a canonical JSON body and as a form decodes to itself.
fn round_trip(state: &AgentState<'_>) {
    let mut pairs: Vec<(&str, String)> = vec![
        ("agent.login", state.login.to_string()),
        ("state", state.state.code().to_owned()),
    ];
    let optional = [
        ("eventId", state.event_id.as_deref()),
        ("tenantId", state.tenant.as_deref()),
        ("previousState", state.previous.as_ref().map(State::code)),
        ("pause.code", state.pause.code.as_deref()),
        ("pause.label", state.pause.label.as_deref()),
        (
            "direction",
            match state.direction {
                Direction::In => Some("IN"),
                Direction::Out => Some("OUT"),
                Direction::None => None,
            },
        ),
    ];
    pairs.extend(
        optional
            .into_iter()
            .filter_map(|(key, value)| Some((key, value?.to_owned()))),
    );
    if let Some(time) = state.time {
        pairs.push(("timestamp", time.to_string()));
    }

    let mut object = serde_json::Map::new();
    let mut form = form_urlencoded::Serializer::new(String::new());
    for (key, value) in &pairs {
        form.append_pair(key, value);
        match key.split_once('.') {
            Some((outer, inner)) => {
                object.entry(outer).or_insert_with(|| serde_json::json!({}))[inner] =
                    serde_json::json!(value);
            }
            None => {
                object.insert((*key).to_owned(), serde_json::json!(value));
            }
        }
    }
    let json = serde_json::to_vec(&object).expect("a JSON body");
    let form = form.finish().into_bytes();
    let expected = Ok(vec![Ok(Notification::AgentState(state.clone()))]);
    assert_eq!(
        items(BodyFormat::Json, &json),
        expected,
        "JSON written back"
    );
    assert_eq!(
        items(BodyFormat::Form, &form),
        expected,
        "form written back"
    );
}
