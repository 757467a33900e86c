//! Request bodies: JSON (one object or an array) and form-encoded.
//!
//! [`decode`] reads a body in one pass and hands each notification to a callback, borrowing
//! its strings from the body whenever they need no unescaping. The field names are the
//! convention of `specs/odigo.md`, with its aliases:
//!
//! | field | keys, in order of precedence |
//! |---|---|
//! | agent key (required) | `agent.login`, `login`, `agentLogin`, `userUid` |
//! | state (required for agent state events) | `state`, `status`, `agentState` |
//! | previous state | `previousState` |
//! | pause code | `pause.code`, `pauseCode`, `reasonCode` |
//! | pause label | `pause.label`, `pauseLabel`, `reason` |
//! | event time | `timestamp`, `date`, `eventDate` |
//! | other | `eventId`, `eventType`, `tenantId`, `direction` |
//!
//! Decisions, where the convention leaves room:
//!
//! - **Aliases**: when a notification holds two keys of one field, the first key of the table
//!   wins wherever it stands in the body (`login` beats `userUid` before or after it). A key
//!   repeated in one object (or form) keeps its first value. `null`, an empty string and a
//!   string of blanks count as absent: a blank `state` lets `status` speak, an empty `eventId`
//!   is no event id (it would make every such event a duplicate of the first).
//! - **Numbers as text**: Odigo ids are often numeric, so a JSON integer is accepted wherever
//!   text is expected (login, pause code and label, event id, tenant, states), as its decimal
//!   digits. A fraction, a boolean, an array or an object there is
//!   [`DecodeError::WrongType`] naming the key, and so is a non-object `agent` or `pause`
//!   (named `agent.login`, or `pause.code`).
//! - **Times**: RFC 3339 with `Z` or an offset (`2026-11-23T12:00:05.123Z`,
//!   `2026-11-23T14:00:05+02:00`), or epoch milliseconds as a JSON integer or a string of
//!   digits (the only form a form body has). A time before 1970 or past jiff's last instant
//!   (9999-12-30) is [`DecodeError::BadTime`]: such a value is a bug or an attack, not a
//!   state change. The common `YYYY-MM-DDTHH:MM:SS(.f)Z` shape is read at fixed places; any
//!   other text goes to jiff's parser. In a form body a `+` is a space, so an offset's `+`
//!   must be sent as `%2B`.
//! - **Event types**: `eventType` absent, blank or `AGENT_STATE_CHANGED` is an agent state
//!   change, `HEARTBEAT` a heartbeat, anything else [`Notification::Other`] (all
//!   case-insensitive). A heartbeat needs no agent or state; its time is still checked.
//! - **Direction**: `IN`/`INBOUND` and `OUT`/`OUTBOUND`, case-insensitive; any other value,
//!   of any type, is [`Direction::None`], never an error. `agent.id` and unknown keys, at any
//!   depth, are skipped.
//! - **States** are read by [`State::parse`]: unknown ones are kept as sent.
//!
//! JSON bodies: one object, or an array of at most [`MAX_ITEMS`] objects (an empty array is
//! `Ok(0)`). A UTF-8 byte-order mark at the start is skipped (some HTTP clients on Windows
//! write one). The whole body is read before the callback runs, so a body that turns out
//! malformed at its end (a syntax error, a truncation, too many items) is an `Err` and no
//! notification of it was handed over: a receiver accepts all of a body or none of it. An item
//! that is well-formed JSON but not a good notification (not an object, no agent, a bad time)
//! is an `Err` for that index only, and the other items still arrive. The decoder reads at
//! most three levels (array, notification, `agent` or `pause`); anything deeper is skipped by
//! serde_json without recursion, so no nesting can exhaust the stack (it costs a byte of
//! memory per level, bounded by the body).
//!
//! Form bodies (`application/x-www-form-urlencoded`): one notification, the same keys with
//! dots for nesting (`agent.login=jdoe&state=PAUSE&pause.code=7`). Keys and values are
//! percent-decoded (`+` is a space), borrowed when they hold no escape; a `%` not followed by
//! two hex digits is kept as is (as browsers do). A body, key or value that is not UTF-8 once
//! decoded is [`DecodeError::NotUtf8`], never replaced by U+FFFD (which is why this is not
//! `form_urlencoded::parse`, which replaces silently). Blanks around the whole body (a
//! trailing newline) are ignored.
//!
//! ```
//! use rta_odigo::{BodyFormat, Notification, State, decode};
//!
//! let body = br#"[{"login":"jdoe","state":"pause","pauseCode":7,"timestamp":1795435205123},
//!                 {"state":"AVAILABLE"}]"#;
//! let format = BodyFormat::from_content_type(b"application/json; charset=UTF-8").unwrap();
//! let mut states = Vec::new();
//! let count = decode(format, body, |index, item| match item {
//!     Ok(Notification::AgentState(state)) => states.push((index, state)),
//!     Ok(_) => {}
//!     Err(error) => assert_eq!((index, error.to_string().as_str()),
//!         (1, "missing agent key (agent.login, login, agentLogin or userUid)")),
//! })
//! .unwrap();
//! assert_eq!(count, 2);
//! assert_eq!(states[0].1.state, State::Pause);
//! assert_eq!(states[0].1.pause.code.as_deref(), Some("7"));
//! ```

use crate::{AgentState, DecodeError, Notification, Pause, State};
use rta_model::{Direction, Timestamp};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::borrow::Cow;
use std::fmt;

/// The most notifications one JSON array may hold: a body of more is refused whole
/// ([`DecodeError::TooManyItems`]), before the callback sees any.
pub const MAX_ITEMS: usize = 1_000;

/// The body formats the receiver accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyFormat {
    /// `application/json`.
    Json,
    /// `application/x-www-form-urlencoded`, same keys, dotted for nesting.
    Form,
}

impl BodyFormat {
    /// The format of a `Content-Type` header value, `None` when unsupported (the `415`).
    ///
    /// JSON is `application/json`, `text/json` or any `application/<name>+json` (RFC 6839
    /// structured syntax, e.g. `application/vnd.odigo+json`); form is
    /// `application/x-www-form-urlencoded`. The media type is case-insensitive, blanks around
    /// its parts are ignored, and so are parameters other than `charset`, which must be UTF-8
    /// (`utf-8`, `utf8` or its subset `us-ascii`, quoted or not, any case) when present: the
    /// decoder reads nothing else. A header that is not UTF-8 is unsupported.
    pub fn from_content_type(value: &[u8]) -> Option<BodyFormat> {
        let value = std::str::from_utf8(value).ok()?;
        let mut parts = value.split(';');
        let media = parts.next().unwrap_or_default().trim();
        let (kind, subtype) = media.split_once('/')?;
        let (kind, subtype) = (kind.trim(), subtype.trim());
        let format = if kind.eq_ignore_ascii_case("application") {
            if subtype.eq_ignore_ascii_case("json") || is_json_suffixed(subtype) {
                BodyFormat::Json
            } else if subtype.eq_ignore_ascii_case("x-www-form-urlencoded") {
                BodyFormat::Form
            } else {
                return None;
            }
        } else if kind.eq_ignore_ascii_case("text") && subtype.eq_ignore_ascii_case("json") {
            BodyFormat::Json
        } else {
            return None;
        };
        for parameter in parts {
            let Some((name, charset)) = parameter.split_once('=') else {
                continue;
            };
            if !name.trim().eq_ignore_ascii_case("charset") {
                continue;
            }
            let charset = charset.trim();
            let charset = charset
                .strip_prefix('"')
                .and_then(|quoted| quoted.strip_suffix('"'))
                .unwrap_or(charset);
            if !["utf-8", "utf8", "us-ascii"]
                .iter()
                .any(|utf8| charset.eq_ignore_ascii_case(utf8))
            {
                return None;
            }
        }
        Some(format)
    }
}

/// `<name>+json` with a name of token characters.
fn is_json_suffixed(subtype: &str) -> bool {
    let bytes = subtype.as_bytes();
    let Some(name_len) = bytes.len().checked_sub(5).filter(|&len| len > 0) else {
        return false;
    };
    bytes[name_len..].eq_ignore_ascii_case(b"+json")
        && bytes[..name_len]
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&b))
}

/// Decodes `body`: calls `each(index, result)` for every notification, in order (a bad item
/// does not stop the good ones after it). `Err` when the body as a whole cannot be read, in
/// which case `each` was not called. Returns the number of items.
///
/// See the [module documentation](self) for the keys, the aliases and the decisions.
pub fn decode<'a>(
    format: BodyFormat,
    body: &'a [u8],
    mut each: impl FnMut(usize, Result<Notification<'a>, DecodeError>),
) -> Result<usize, DecodeError> {
    match format {
        BodyFormat::Json => match decode_json(body)? {
            Body::One(item) => {
                each(0, item);
                Ok(1)
            }
            Body::Many(items) => {
                let count = items.len();
                for (index, item) in items.into_iter().enumerate() {
                    each(index, item);
                }
                Ok(count)
            }
        },
        BodyFormat::Form => {
            each(0, decode_form(body)?);
            Ok(1)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The fields of one notification, whatever the body format.

/// The fields of a notification, each with its aliases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Login,
    State,
    Previous,
    Code,
    Label,
    Time,
    EventId,
    EventType,
    Tenant,
    Direction,
}

const FIELDS: usize = 10;

/// Declares the keys once: `KEYS` names them in errors, `key_of` finds them (a `match`, which
/// the compiler turns into a length switch, several times faster than a search of `KEYS`).
macro_rules! keys {
    ($($key:literal => $field:ident $rank:literal,)+) => {
        /// Every key: its field and its rank among the field's aliases (0 wins).
        const KEYS: &[(&str, Field, u8)] = &[$(($key, Field::$field, $rank),)+];

        /// The field and rank of a key, dotted names included (a form's keys; in JSON a flat
        /// `"agent.login"` is read too).
        fn key_of(key: &str) -> Option<(Field, u8)> {
            match key {
                $($key => Some((Field::$field, $rank)),)+
                _ => None,
            }
        }
    };
}

keys! {
    "agent.login" => Login 0,
    "login" => Login 1,
    "agentLogin" => Login 2,
    "userUid" => Login 3,
    "state" => State 0,
    "status" => State 1,
    "agentState" => State 2,
    "previousState" => Previous 0,
    "pause.code" => Code 0,
    "pauseCode" => Code 1,
    "reasonCode" => Code 2,
    "pause.label" => Label 0,
    "pauseLabel" => Label 1,
    "reason" => Label 2,
    "timestamp" => Time 0,
    "date" => Time 1,
    "eventDate" => Time 2,
    "eventId" => EventId 0,
    "eventType" => EventType 0,
    "tenantId" => Tenant 0,
    "direction" => Direction 0,
}

/// The key of `field` at `rank`, for an error.
fn key_name(field: Field, rank: u8) -> &'static str {
    KEYS.iter()
        .find(|&&(_, f, r)| f == field && r == rank)
        .map_or("a field", |&(key, _, _)| key)
}

/// A field's value as sent.
#[derive(Debug)]
enum Value<'a> {
    Text(Cow<'a, str>),
    Unsigned(u64),
    Negative(i64),
    /// A value of a type the field cannot have (a fraction, a boolean, an array, an object).
    Wrong,
}

/// The best value seen for each field: its alias rank and the value.
#[derive(Debug, Default)]
struct Fields<'a> {
    values: [Option<(u8, Value<'a>)>; FIELDS],
}

impl<'a> Fields<'a> {
    /// Keeps `value` unless a key of better rank, or the same key, was seen first; blank text
    /// is absent.
    fn set(&mut self, field: Field, rank: u8, value: Value<'a>) {
        // Not `trim().is_empty()`: this stops at the first character, which is not blank in
        // nearly every value, where trimming scans both ends (a tenth of the decoding time).
        if matches!(&value, Value::Text(text) if text.chars().all(char::is_whitespace)) {
            return;
        }
        let slot = &mut self.values[field as usize];
        if slot.as_ref().is_none_or(|&(best, _)| rank < best) {
            *slot = Some((rank, value));
        }
    }

    /// Whether `field` already has a value at `rank` or better (the new one would be dropped).
    fn has(&self, field: Field, rank: u8) -> bool {
        self.values[field as usize]
            .as_ref()
            .is_some_and(|&(best, _)| best <= rank)
    }

    fn take(&mut self, field: Field) -> Option<(u8, Value<'a>)> {
        self.values[field as usize].take()
    }

    fn text(&mut self, field: Field) -> Result<Option<Cow<'a, str>>, DecodeError> {
        Ok(match self.take(field) {
            None => None,
            Some((_, Value::Text(text))) => Some(text),
            Some((_, Value::Unsigned(number))) => Some(Cow::Owned(number.to_string())),
            Some((_, Value::Negative(number))) => Some(Cow::Owned(number.to_string())),
            Some((rank, Value::Wrong)) => {
                let field = key_name(field, rank);
                return Err(DecodeError::WrongType { field });
            }
        })
    }

    fn time(&mut self) -> Result<Option<Timestamp>, DecodeError> {
        let Some((rank, value)) = self.take(Field::Time) else {
            return Ok(None);
        };
        let time = match value {
            Value::Text(text) => parse_time(&text),
            Value::Unsigned(millis) => from_millis(millis),
            Value::Negative(_) => None,
            Value::Wrong => {
                let field = key_name(Field::Time, rank);
                return Err(DecodeError::WrongType { field });
            }
        };
        time.map(Some).ok_or_else(|| DecodeError::BadTime {
            field: key_name(Field::Time, rank),
        })
    }

    fn direction(&mut self) -> Direction {
        match self.take(Field::Direction) {
            Some((_, Value::Text(text))) => {
                let text = text.trim();
                if text.eq_ignore_ascii_case("IN") || text.eq_ignore_ascii_case("INBOUND") {
                    Direction::In
                } else if text.eq_ignore_ascii_case("OUT") || text.eq_ignore_ascii_case("OUTBOUND")
                {
                    Direction::Out
                } else {
                    Direction::None
                }
            }
            _ => Direction::None,
        }
    }

    /// The notification these fields make.
    fn finish(mut self) -> Result<Notification<'a>, DecodeError> {
        let event_id = self.text(Field::EventId)?;
        match self.text(Field::EventType)? {
            Some(kind) if kind.trim().eq_ignore_ascii_case("HEARTBEAT") => {
                return Ok(Notification::Heartbeat {
                    event_id,
                    time: self.time()?,
                });
            }
            Some(kind) if !kind.trim().eq_ignore_ascii_case("AGENT_STATE_CHANGED") => {
                return Ok(Notification::Other {
                    event_type: kind,
                    event_id,
                });
            }
            _ => {}
        }
        let login = self.text(Field::Login)?.ok_or(DecodeError::MissingAgent)?;
        let state = self.text(Field::State)?.ok_or(DecodeError::MissingState)?;
        Ok(Notification::AgentState(AgentState {
            event_id,
            tenant: self.text(Field::Tenant)?,
            login,
            state: State::parse(state),
            previous: self.text(Field::Previous)?.map(State::parse),
            direction: self.direction(),
            pause: Pause {
                code: self.text(Field::Code)?,
                label: self.text(Field::Label)?,
            },
            time: self.time()?,
        }))
    }
}

// ---------------------------------------------------------------------------------------------
// Times.

/// Epoch milliseconds of 1970 to 9999.
fn from_millis(millis: u64) -> Option<Timestamp> {
    Timestamp::from_millisecond(i64::try_from(millis).ok()?).ok()
}

/// An RFC 3339 time (with `Z` or an offset) or epoch milliseconds as digits, from 1970 on.
fn parse_time(text: &str) -> Option<Timestamp> {
    let text = text.trim_ascii();
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return from_millis(text.parse().ok()?);
    }
    let time = match utc_fast(text.as_bytes()) {
        Some(time) => time,
        None => text.parse::<Timestamp>().ok()?,
    };
    (time >= Timestamp::UNIX_EPOCH).then_some(time)
}

/// `YYYY-MM-DDTHH:MM:SS(.f{1,9})Z`, what Odigo sends, read at fixed places; `None` for any
/// other shape or an impossible date (jiff's parser then decides). A leap second (`:60`) is
/// left to jiff too.
fn utc_fast(text: &[u8]) -> Option<Timestamp> {
    let digits = |range: std::ops::Range<usize>| -> Option<i64> {
        text.get(range)?.iter().try_fold(0i64, |number, &b| {
            b.is_ascii_digit()
                .then(|| number * 10 + i64::from(b - b'0'))
        })
    };
    if text.len() < 20
        || text[text.len() - 1] != b'Z'
        || [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')]
            .iter()
            .any(|&(at, separator)| text[at] != separator)
    {
        return None;
    }
    let (year, month, day) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
    let (hour, minute, second) = (digits(11..13)?, digits(14..16)?, digits(17..19)?);
    let nanos = match &text[19..text.len() - 1] {
        [] => 0,
        [b'.', fraction @ ..] if (1..=9).contains(&fraction.len()) => {
            digits(20..text.len() - 1)? * 10i64.pow(9 - fraction.len() as u32)
        }
        _ => return None,
    };
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let month_days = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        1..=12 => 31,
        _ => return None,
    };
    if day == 0 || day > month_days || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    // Days from 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil,
    // with March as the first month so that the leap day ends the year).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    let days = era * 146_097 + day_of_era - 719_468;
    let seconds = days * 86_400 + hour * 3_600 + minute * 60 + second;
    Timestamp::new(seconds, i32::try_from(nanos).ok()?).ok()
}

// ---------------------------------------------------------------------------------------------
// JSON.

/// A JSON body, read whole before the callback runs.
enum Body<'a> {
    One(Result<Notification<'a>, DecodeError>),
    Many(Vec<Result<Notification<'a>, DecodeError>>),
}

fn decode_json(body: &[u8]) -> Result<Body<'_>, DecodeError> {
    let body = body.strip_prefix(b"\xef\xbb\xbf").unwrap_or(body);
    // Checked once here, so serde_json reads a `str` and borrows its strings unchecked.
    let text = std::str::from_utf8(body).map_err(|_| DecodeError::NotUtf8)?;
    match text
        .trim_start_matches([' ', '\t', '\n', '\r'])
        .bytes()
        .next()
    {
        None => return Err(DecodeError::Empty),
        Some(b'{' | b'[') => {}
        Some(_) => return Err(DecodeError::NotJsonObject),
    }
    let mut too_many = false;
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let body = deserializer
        .deserialize_any(BodyVisitor {
            too_many: &mut too_many,
        })
        .and_then(|body| deserializer.end().map(|()| body));
    body.map_err(|error| {
        if too_many {
            return DecodeError::TooManyItems { max: MAX_ITEMS };
        }
        let (line, column) = (error.line(), error.column());
        if error.is_eof() {
            DecodeError::Truncated { line, column }
        } else {
            DecodeError::Syntax { line, column }
        }
    })
}

/// The top level of a JSON body: an object or an array (checked before).
struct BodyVisitor<'f> {
    too_many: &'f mut bool,
}

impl<'de> Visitor<'de> for BodyVisitor<'_> {
    type Value = Body<'de>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a notification or an array of notifications")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Body<'de>, A::Error> {
        let mut fields = Fields::default();
        ObjectSeed {
            fields: &mut fields,
            scope: Scope::Top,
        }
        .visit_map(map)?;
        Ok(Body::One(fields.finish()))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Body<'de>, A::Error> {
        let mut items = Vec::new();
        while items.len() < MAX_ITEMS {
            match seq.next_element_seed(ItemSeed)? {
                Some(item) => items.push(item),
                None => return Ok(Body::Many(items)),
            }
        }
        if seq.next_element::<IgnoredAny>()?.is_some() {
            *self.too_many = true;
            return Err(de::Error::custom("too many items"));
        }
        Ok(Body::Many(items))
    }
}

/// One item of a JSON array.
struct ItemSeed;

impl<'de> DeserializeSeed<'de> for ItemSeed {
    type Value = Result<Notification<'de>, DecodeError>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        let mut fields = Fields::default();
        let shape = ObjectSeed {
            fields: &mut fields,
            scope: Scope::Top,
        }
        .deserialize(deserializer)?;
        Ok(match shape {
            Shape::Object => fields.finish(),
            Shape::Null | Shape::Other => Err(DecodeError::NotAnObject),
        })
    }
}

/// Which object a key belongs to.
#[derive(Debug, Clone, Copy)]
enum Scope {
    /// The notification.
    Top,
    /// Its `agent` object.
    Agent,
    /// Its `pause` object.
    Pause,
}

/// What an object's key is.
enum Key {
    Field(Field, u8),
    Agent,
    Pause,
    Ignored,
}

struct KeySeed(Scope);

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Key;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Key, D::Error> {
        deserializer.deserialize_identifier(self)
    }
}

impl Visitor<'_> for KeySeed {
    type Value = Key;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a key")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Key, E> {
        Ok(match (self.0, key) {
            (Scope::Top, "agent") => Key::Agent,
            (Scope::Top, "pause") => Key::Pause,
            (Scope::Top, key) => key_of(key).map_or(Key::Ignored, |(f, r)| Key::Field(f, r)),
            (Scope::Agent, "login") => Key::Field(Field::Login, 0),
            (Scope::Pause, "code") => Key::Field(Field::Code, 0),
            (Scope::Pause, "label") => Key::Field(Field::Label, 0),
            (Scope::Agent | Scope::Pause, _) => Key::Ignored,
        })
    }
}

/// What a value that should be an object turned out to be.
enum Shape {
    Object,
    Null,
    Other,
}

/// Reads an object's keys into `fields`, or skips a value of another type.
struct ObjectSeed<'f, 'a> {
    fields: &'f mut Fields<'a>,
    scope: Scope,
}

impl<'de> DeserializeSeed<'de> for ObjectSeed<'_, 'de> {
    type Value = Shape;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Shape, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ObjectSeed<'_, 'de> {
    type Value = Shape;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Shape, A::Error> {
        while let Some(key) = map.next_key_seed(KeySeed(self.scope))? {
            match key {
                // A value that would lose to one already kept is only skipped.
                Key::Field(field, rank) if !self.fields.has(field, rank) => {
                    if let Some(value) = map.next_value_seed(ValueSeed)? {
                        self.fields.set(field, rank, value);
                    }
                }
                Key::Agent | Key::Pause => {
                    let (scope, fields): (_, &[Field]) = match key {
                        Key::Agent => (Scope::Agent, &[Field::Login]),
                        _ => (Scope::Pause, &[Field::Code, Field::Label]),
                    };
                    let nested = ObjectSeed {
                        fields: &mut *self.fields,
                        scope,
                    };
                    if let Shape::Other = map.next_value_seed(nested)? {
                        for &field in fields {
                            self.fields.set(field, 0, Value::Wrong);
                        }
                    }
                }
                Key::Field(..) | Key::Ignored => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Shape::Object)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Shape, E> {
        Ok(Shape::Null)
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Shape, E> {
        Ok(Shape::Other)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Shape, E> {
        Ok(Shape::Other)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Shape, E> {
        Ok(Shape::Other)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Shape, E> {
        Ok(Shape::Other)
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Shape, E> {
        Ok(Shape::Other)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Shape, A::Error> {
        IgnoredAny.visit_seq(seq)?;
        Ok(Shape::Other)
    }
}

/// A field's value: `None` for `null`.
struct ValueSeed;

impl<'de> DeserializeSeed<'de> for ValueSeed {
    type Value = Option<Value<'de>>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ValueSeed {
    type Value = Option<Value<'de>>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a value")
    }

    fn visit_borrowed_str<E: de::Error>(self, text: &'de str) -> Result<Self::Value, E> {
        Ok(Some(Value::Text(Cow::Borrowed(text))))
    }

    /// A string with escapes, unescaped by serde_json into a buffer of its own.
    fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
        Ok(Some(Value::Text(Cow::Owned(text.to_owned()))))
    }

    fn visit_u64<E: de::Error>(self, number: u64) -> Result<Self::Value, E> {
        Ok(Some(Value::Unsigned(number)))
    }

    fn visit_i64<E: de::Error>(self, number: i64) -> Result<Self::Value, E> {
        Ok(Some(match u64::try_from(number) {
            Ok(number) => Value::Unsigned(number),
            Err(_) => Value::Negative(number),
        }))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Some(Value::Wrong))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Some(Value::Wrong))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        IgnoredAny.visit_seq(seq)?;
        Ok(Some(Value::Wrong))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        IgnoredAny.visit_map(map)?;
        Ok(Some(Value::Wrong))
    }
}

// ---------------------------------------------------------------------------------------------
// Forms.

/// A form body: one notification (its own `Err` when the fields do not make one).
fn decode_form(body: &[u8]) -> Result<Result<Notification<'_>, DecodeError>, DecodeError> {
    let text = std::str::from_utf8(body)
        .map_err(|_| DecodeError::NotUtf8)?
        .trim_matches(|c: char| c.is_ascii_whitespace());
    if text.is_empty() {
        return Err(DecodeError::Empty);
    }
    let mut fields = Fields::default();
    for pair in text.split('&').filter(|pair| !pair.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let key = percent_decode(key)?;
        // Decoded even when the key is unknown: a body is UTF-8 as a whole or refused.
        let value = percent_decode(value)?;
        if let Some((field, rank)) = key_of(&key) {
            fields.set(field, rank, Value::Text(value));
        }
    }
    Ok(fields.finish())
}

/// Percent-decodes a form key or value (`+` is a space), borrowing when there is nothing to
/// decode; a `%` without two hex digits after it stays.
fn percent_decode(text: &str) -> Result<Cow<'_, str>, DecodeError> {
    let bytes = text.as_bytes();
    if !bytes.iter().any(|&b| b == b'%' || b == b'+') {
        return Ok(Cow::Borrowed(text));
    }
    let hex = |b: u8| char::from(b).to_digit(16);
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        let escaped = match bytes[at..] {
            [b'%', high, low, ..] => hex(high).zip(hex(low)),
            _ => None,
        };
        match (bytes[at], escaped) {
            (_, Some((high, low))) => {
                // Two hex digits: at most 0xff.
                out.push((high * 16 + low) as u8);
                at += 3;
            }
            (b'+', None) => {
                out.push(b' ');
                at += 1;
            }
            (byte, None) => {
                out.push(byte);
                at += 1;
            }
        }
    }
    String::from_utf8(out)
        .map(Cow::Owned)
        .map_err(|_| DecodeError::NotUtf8)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn every_key_has_a_distinct_field_and_rank() {
        for (index, &(key, field, rank)) in KEYS.iter().enumerate() {
            assert_eq!(key_of(key), Some((field, rank)));
            assert_eq!(key_name(field, rank), key);
            assert!(
                !KEYS[..index]
                    .iter()
                    .any(|&(_, f, r)| f == field && r == rank)
            );
        }
    }

    #[test]
    fn fast_times_read_as_jiff_reads_them() {
        for text in [
            "2026-11-23T12:00:05.123Z",
            "2026-11-23T12:00:05Z",
            "2024-02-29T23:59:59.999999999Z",
            "1970-01-01T00:00:00Z",
            "2000-03-01T00:00:00.5Z",
        ] {
            assert_eq!(utc_fast(text.as_bytes()), text.parse().ok(), "{text}");
        }
        for text in [
            "2025-02-29T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-11-23T24:00:00Z",
            "2026-11-23T12:00:60Z",
            "2026-11-23T12:00:05.Z",
            "2026-11-23T12:00:05.1234567890Z",
            "2026-11-23T12:00:05+00:00",
            "2026-11-23 12:00:05Z",
            "+026-11-23T12:00:05Z",
        ] {
            assert_eq!(utc_fast(text.as_bytes()), None, "{text}");
        }
    }

    proptest! {
        #[test]
        fn fast_times_agree_with_jiff(seconds in 0i64..253_402_207_200, nanos in 0i32..1_000_000_000) {
            let time = Timestamp::new(seconds, nanos).unwrap();
            let text = time.to_string();
            prop_assert_eq!(utc_fast(text.as_bytes()), Some(time));
            prop_assert_eq!(parse_time(&text), Some(time));
        }

        #[test]
        fn fast_path_never_disagrees(text in "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,9})?Z") {
            if let Some(time) = utc_fast(text.as_bytes()) {
                prop_assert_eq!(Some(time), text.parse::<Timestamp>().ok());
            }
        }

        #[test]
        fn percent_decoding_matches_form_urlencoded(text in "[a-z%+0-9A-F.=é]{0,24}") {
            let ours = percent_decode(&text);
            let theirs: Vec<u8> = form_urlencoded::parse(format!("k={text}").as_bytes())
                .map(|(_, value)| value.into_owned().into_bytes())
                .next()
                .unwrap_or_default();
            match ours {
                Ok(value) => prop_assert_eq!(value.as_bytes(), &theirs[..]),
                Err(_) => prop_assert!(String::from_utf8(theirs).unwrap().contains(char::REPLACEMENT_CHARACTER)),
            }
        }
    }
}
