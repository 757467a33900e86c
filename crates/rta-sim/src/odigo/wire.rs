//! The wire: notifications as request bodies (a JSON object, a JSON array, a form with dotted
//! keys) and the malformed bodies a receiver must refuse.
//!
//! A notification is first listed as fields with dotted keys in wire order (`eventId`,
//! `eventType`, `tenantId`, the time, `agent.login`, `agent.id`, `state`, `previousState`,
//! `direction`, `pause.code`, `pause.label`, extras); JSON nests the dotted keys into
//! objects, a form keeps them as they are. Both encodings thus carry the same keys.

use crate::odigo::agents::AgentState;
use crate::odigo::config::TimeFormat;
use crate::odigo::sim::{Event, SimNotification};
use bytes::Bytes;
use rand::Rng;
use rand::rngs::SmallRng;
use std::borrow::Cow;
use std::fmt::Write as _;

/// The keys a notification is written with: the canonical ones or the spec's aliases. A
/// dotted key is nested in JSON (`agent.login` is `"agent":{"login":..}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keys {
    /// `agent.login`, `login`, `agentLogin` or `userUid`. With a flat login key, the agent
    /// id is `agentId`.
    pub login: &'static str,
    /// `state`, `status` or `agentState`.
    pub state: &'static str,
    /// `pause.code`, `pauseCode` or `reasonCode`.
    pub code: &'static str,
    /// `pause.label`, `pauseLabel` or `reason`.
    pub label: &'static str,
    /// `timestamp`, `date` or `eventDate`.
    pub time: &'static str,
}

impl Keys {
    pub const CANONICAL: Keys = Keys {
        login: "agent.login",
        state: "state",
        code: "pause.code",
        label: "pause.label",
        time: "timestamp",
    };

    /// An alias for each key, drawn key by key.
    pub(crate) fn draw(rng: &mut SmallRng) -> Keys {
        let mut pick = |aliases: &[&'static str]| aliases[rng.random_range(0..aliases.len())];
        Keys {
            login: pick(&["login", "agentLogin", "userUid"]),
            state: pick(&["status", "agentState"]),
            code: pick(&["pauseCode", "reasonCode"]),
            label: pick(&["pauseLabel", "reason"]),
            time: pick(&["date", "eventDate"]),
        }
    }
}

/// How one notification is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    pub keys: Keys,
    /// The state's first synonym of the spec instead of its canonical name, when it has one
    /// (`READY` for `AVAILABLE`...).
    pub synonym: bool,
    /// The state names in lower case.
    pub lowercase: bool,
    /// Never [`TimeFormat::Mixed`]: the format drawn for this notification.
    pub time: TimeFormat,
    /// Extra fields the decoder must ignore, with this `sequence` number.
    pub extra: Option<u64>,
    /// A PAUSE without its code and label.
    pub bare_pause: bool,
}

/// A field value.
#[derive(Debug, Clone)]
enum Value<'a> {
    Str(Cow<'a, str>),
    Int(i64),
    Null,
    List(&'static [&'static str]),
}

type Fields<'a> = Vec<(&'static str, Value<'a>)>;

fn state_word(state: &AgentState, style: &Style) -> Cow<'static, str> {
    let name = match state.synonyms().first() {
        Some(synonym) if style.synonym => synonym,
        _ => state.name(),
    };
    if style.lowercase {
        Cow::Owned(name.to_ascii_lowercase())
    } else {
        Cow::Borrowed(name)
    }
}

fn time_value(n: &SimNotification) -> Value<'static> {
    // Milliseconds, as Odigo stamps its events.
    match n.style.time {
        TimeFormat::EpochMillis => Value::Int(n.time.as_millisecond()),
        TimeFormat::Offset(offset) => {
            Value::Str(format!("{:.3}", n.time.display_with_offset(offset)).into())
        }
        TimeFormat::Utc | TimeFormat::Mixed => Value::Str(format!("{:.3}", n.time).into()),
    }
}

/// The notification's fields, in wire order.
fn fields(n: &SimNotification) -> Fields<'_> {
    let style = &n.style;
    let keys = &style.keys;
    let mut fields: Fields<'_> = vec![
        ("eventId", Value::Str(n.event_id.as_str().into())),
        ("eventType", Value::Str(n.event.event_type().into())),
        ("tenantId", Value::Str(n.tenant.as_ref().into())),
        (keys.time, time_value(n)),
    ];
    if let Event::StateChanged {
        login,
        id,
        state,
        previous,
        ..
    } = &n.event
    {
        let id_key = if keys.login == Keys::CANONICAL.login {
            "agent.id"
        } else {
            "agentId"
        };
        fields.push((keys.login, Value::Str(login.as_ref().into())));
        fields.push((id_key, Value::Str(id.as_ref().into())));
        fields.push((keys.state, Value::Str(state_word(state, style))));
        fields.push(("previousState", Value::Str(state_word(previous, style))));
        if let Some(direction) = state.direction() {
            fields.push(("direction", Value::Str(direction.as_str().into())));
        }
        if let Some(pause) = state.pause().filter(|_| !style.bare_pause) {
            fields.push((keys.code, Value::Str(pause.code.as_ref().into())));
            fields.push((keys.label, Value::Str(pause.label.as_ref().into())));
        }
    }
    if let Some(sequence) = style.extra {
        fields.extend([
            (
                "sequence",
                Value::Int(i64::try_from(sequence).unwrap_or(i64::MAX)),
            ),
            ("channel", Value::Str("VOICE".into())),
            ("skills", Value::List(&["sales", "support"])),
            ("site.id", Value::Str("lyon-1".into())),
            ("site.name", Value::Str("Lyon Part-Dieu".into())),
            ("supervisor", Value::Null),
        ]);
    }
    fields
}

fn json_string(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c < ' ' => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn json_value(out: &mut String, value: &Value<'_>) {
    match value {
        Value::Str(text) => json_string(out, text),
        Value::Int(n) => {
            let _ = write!(out, "{n}");
        }
        Value::Null => out.push_str("null"),
        Value::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json_string(out, item);
            }
            out.push(']');
        }
    }
}

/// A JSON object of `fields`, dotted keys nested one level (the fields of one prefix are
/// gathered where the prefix first appears).
fn json_object(out: &mut String, fields: &Fields<'_>) {
    out.push('{');
    let mut prefixes: Vec<&str> = Vec::new();
    for (i, (key, value)) in fields.iter().enumerate() {
        let prefix = match key.split_once('.') {
            None => {
                if i > 0 {
                    out.push(',');
                }
                json_string(out, key);
                out.push(':');
                json_value(out, value);
                continue;
            }
            Some((prefix, _)) if prefixes.contains(&prefix) => continue,
            Some((prefix, _)) => prefix,
        };
        prefixes.push(prefix);
        if i > 0 {
            out.push(',');
        }
        json_string(out, prefix);
        out.push_str(":{");
        let inner = fields[i..]
            .iter()
            .filter_map(|(key, value)| Some((key.strip_prefix(prefix)?.strip_prefix('.')?, value)));
        for (j, (name, value)) in inner.enumerate() {
            if j > 0 {
                out.push(',');
            }
            json_string(out, name);
            out.push(':');
            json_value(out, value);
        }
        out.push('}');
    }
    out.push('}');
}

fn json_text(fields: &Fields<'_>) -> String {
    let mut out = String::with_capacity(384);
    json_object(&mut out, fields);
    out
}

fn form_text(fields: &Fields<'_>) -> String {
    let mut form = form_urlencoded::Serializer::new(String::with_capacity(384));
    for (key, value) in fields {
        match value {
            Value::Str(text) => {
                form.append_pair(key, text);
            }
            Value::Int(n) => {
                form.append_pair(key, &n.to_string());
            }
            // A form has no null: the key is left out.
            Value::Null => {}
            Value::List(items) => {
                for item in *items {
                    form.append_pair(key, item);
                }
            }
        }
    }
    form.finish()
}

pub(crate) const JSON: &str = "application/json";
pub(crate) const JSON_UTF8: &str = "application/json; charset=utf-8";
pub(crate) const FORM: &str = "application/x-www-form-urlencoded";
pub(crate) const TEXT: &str = "text/plain; charset=utf-8";

/// The body of one request: bytes, their content type, how many notifications they carry.
/// Cloning shares the bytes: a retry sends the very same body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Body {
    pub content_type: &'static str,
    pub bytes: Bytes,
    /// Notifications in the body (0 for a malformed one).
    pub notifications: usize,
}

impl Body {
    fn new(content_type: &'static str, bytes: impl Into<Bytes>, notifications: usize) -> Body {
        Body {
            content_type,
            bytes: bytes.into(),
            notifications,
        }
    }

    /// One notification as a JSON object; with extra fields, the content type says
    /// `charset=utf-8`.
    pub fn json(n: &SimNotification) -> Body {
        let content_type = if n.style.extra.is_some() {
            JSON_UTF8
        } else {
            JSON
        };
        Body::new(content_type, json_text(&fields(n)), 1)
    }

    /// Several notifications in one request: a JSON array (one element is still an array).
    pub fn batch(notifications: &[SimNotification]) -> Body {
        let mut out = String::from("[");
        for (i, n) in notifications.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            json_object(&mut out, &fields(n));
        }
        out.push(']');
        Body::new(JSON, out, notifications.len())
    }

    /// One notification as `application/x-www-form-urlencoded` with dotted keys
    /// (`agent.login=...&state=PAUSE&pause.code=7`); a list repeats its key, a null is left
    /// out.
    pub fn form(n: &SimNotification) -> Body {
        Body::new(FORM, form_text(&fields(n)), 1)
    }

    /// A body of `kind` made from `n`, an agent-state notification
    /// ([`crate::odigo::OdigoSim::malformed`] makes one).
    pub fn malformed(kind: Malformed, n: &SimNotification) -> Body {
        let mut fields = fields(n);
        let bytes: Vec<u8> = match kind {
            Malformed::TruncatedJson => {
                let text = json_text(&fields);
                text.as_bytes()[..text.len() / 2].to_vec()
            }
            Malformed::NotJson => form_text(&fields).into_bytes(),
            Malformed::InvalidUtf8 => {
                // The whole body in Latin-1: one byte per character (é is 0xE9, never valid
                // UTF-8 before an ASCII byte).
                fields.push(("site.name", Value::Str("Montréal".into())));
                json_text(&fields)
                    .chars()
                    .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
                    .collect()
            }
            Malformed::MissingState => {
                let state = n.style.keys.state;
                fields.retain(|(key, _)| *key != state);
                json_text(&fields).into_bytes()
            }
            Malformed::MissingLogin => {
                let login = n.style.keys.login;
                fields.retain(|(key, _)| ![login, "agent.id", "agentId"].contains(key));
                json_text(&fields).into_bytes()
            }
            Malformed::WrongContentType | Malformed::Oversized => {
                if kind == Malformed::Oversized {
                    fields.push(("padding", Value::Str("x".repeat(OVERSIZED).into())));
                }
                json_text(&fields).into_bytes()
            }
            Malformed::Empty => Vec::new(),
        };
        let content_type = match kind {
            Malformed::WrongContentType => TEXT,
            _ => JSON,
        };
        Body::new(content_type, bytes, 0)
    }
}

/// The padding of an oversized body: over the receiver's default limit of 64 KiB by itself.
const OVERSIZED: usize = 64 * 1024 + 4096;

/// The malformed bodies [`Body::malformed`] makes. Each is refused by a receiver that
/// follows `specs/odigo.md`: 400 (unreadable), 413 (too large) or 415 (content type).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Malformed {
    /// A JSON object cut in the middle.
    TruncatedJson,
    /// A form body sent as `application/json`.
    NotJson,
    /// JSON in Latin-1 with a non-ASCII letter: not UTF-8.
    InvalidUtf8,
    /// No state under any alias.
    MissingState,
    /// No agent login (nor agent id) under any alias.
    MissingLogin,
    /// A good JSON notification sent as `text/plain`.
    WrongContentType,
    /// A good JSON notification over 64 KiB (an extra `padding` field).
    Oversized,
    /// No body at all, as `application/json`.
    Empty,
}

impl Malformed {
    pub const ALL: [Malformed; 8] = [
        Malformed::TruncatedJson,
        Malformed::NotJson,
        Malformed::InvalidUtf8,
        Malformed::MissingState,
        Malformed::MissingLogin,
        Malformed::WrongContentType,
        Malformed::Oversized,
        Malformed::Empty,
    ];

    /// A short name for reports: `truncated-json`, `not-json`...
    pub fn name(self) -> &'static str {
        match self {
            Malformed::TruncatedJson => "truncated-json",
            Malformed::NotJson => "not-json",
            Malformed::InvalidUtf8 => "invalid-utf8",
            Malformed::MissingState => "missing-state",
            Malformed::MissingLogin => "missing-login",
            Malformed::WrongContentType => "wrong-content-type",
            Malformed::Oversized => "oversized",
            Malformed::Empty => "empty",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::odigo::agents::{Direction, PauseReason};
    use std::sync::Arc;

    fn notification(state: AgentState, style: Style) -> SimNotification {
        SimNotification {
            event_id: "6c1f0000-0000-4000-8000-000000000001".to_owned(),
            tenant: "acme".into(),
            time: "2026-11-23T12:00:05.123Z".parse().unwrap(),
            event: Event::StateChanged {
                agent: 0,
                login: Arc::from("jdoe@acme.example"),
                id: Arc::from("10452"),
                state,
                previous: AgentState::Available,
            },
            style,
        }
    }

    fn canonical() -> Style {
        Style {
            keys: Keys::CANONICAL,
            synonym: false,
            lowercase: false,
            time: TimeFormat::Utc,
            extra: None,
            bare_pause: false,
        }
    }

    fn text(body: &Body) -> &str {
        std::str::from_utf8(&body.bytes).unwrap()
    }

    #[test]
    fn the_canonical_body_is_the_spec_example() {
        let lunch = AgentState::Pause(PauseReason::new("7", "Lunch"));
        let body = Body::json(&notification(lunch, canonical()));
        assert_eq!(body.content_type, "application/json");
        assert_eq!(
            text(&body),
            r#"{"eventId":"6c1f0000-0000-4000-8000-000000000001","eventType":"AGENT_STATE_CHANGED","tenantId":"acme","timestamp":"2026-11-23T12:00:05.123Z","agent":{"login":"jdoe@acme.example","id":"10452"},"state":"PAUSE","previousState":"AVAILABLE","pause":{"code":"7","label":"Lunch"}}"#
        );
    }

    #[test]
    fn aliases_offsets_synonyms_and_extras() {
        let style = Style {
            keys: Keys {
                login: "userUid",
                state: "agentState",
                code: "reasonCode",
                label: "reason",
                time: "eventDate",
            },
            synonym: true,
            lowercase: true,
            time: TimeFormat::Offset(jiff::tz::Offset::constant(1)),
            extra: Some(12),
            bare_pause: false,
        };
        let body = Body::json(&notification(AgentState::InCall(Direction::Out), style));
        assert_eq!(body.content_type, "application/json; charset=utf-8");
        assert_eq!(
            text(&body),
            r#"{"eventId":"6c1f0000-0000-4000-8000-000000000001","eventType":"AGENT_STATE_CHANGED","tenantId":"acme","eventDate":"2026-11-23T13:00:05.123+01:00","userUid":"jdoe@acme.example","agentId":"10452","agentState":"busy","previousState":"ready","direction":"OUT","sequence":12,"channel":"VOICE","skills":["sales","support"],"site":{"id":"lyon-1","name":"Lyon Part-Dieu"},"supervisor":null}"#
        );
    }

    #[test]
    fn forms_keep_dotted_keys_and_bare_pauses_have_no_reason() {
        let pause = AgentState::Pause(PauseReason::new("12", "Pause café"));
        let mut style = canonical();
        style.time = TimeFormat::EpochMillis;
        let body = Body::form(&notification(pause.clone(), style));
        assert_eq!(
            text(&body),
            "eventId=6c1f0000-0000-4000-8000-000000000001&eventType=AGENT_STATE_CHANGED&tenantId=acme&timestamp=1795435205123&agent.login=jdoe%40acme.example&agent.id=10452&state=PAUSE&previousState=AVAILABLE&pause.code=12&pause.label=Pause+caf%C3%A9"
        );
        style.bare_pause = true;
        let body = Body::json(&notification(pause, style));
        assert!(!text(&body).contains("pause"), "{}", text(&body));
    }

    #[test]
    fn malformed_bodies_are_what_they_say() {
        let n = notification(AgentState::Available, canonical());
        let good = Body::json(&n);
        for kind in Malformed::ALL {
            let body = Body::malformed(kind, &n);
            let parsed = serde_json::from_slice::<serde_json::Value>(&body.bytes);
            match kind {
                Malformed::TruncatedJson | Malformed::NotJson | Malformed::Empty => {
                    assert!(parsed.is_err(), "{kind:?}")
                }
                Malformed::InvalidUtf8 => {
                    assert!(std::str::from_utf8(&body.bytes).is_err());
                    let latin1: String = body.bytes.iter().map(|&b| char::from(b)).collect();
                    assert!(latin1.contains("Montréal"));
                }
                Malformed::MissingState => {
                    assert!(parsed.unwrap().get("state").is_none())
                }
                Malformed::MissingLogin => {
                    assert!(parsed.unwrap().get("agent").is_none())
                }
                Malformed::WrongContentType => {
                    assert_eq!(body.bytes, good.bytes);
                    assert_eq!(body.content_type, TEXT);
                }
                Malformed::Oversized => assert!(body.bytes.len() > 64 * 1024),
            }
        }
    }
}
