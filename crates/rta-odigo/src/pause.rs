//! Pause with details (`specs/odigo.md`): when a PAUSE arrives without its code and label,
//! the engine asks Odigo's web service for the agent's current pause. This module is the
//! part without I/O: the answer's decoder ([`parse_pause_response`]), the cache of answers
//! per state change ([`PauseCache`]), and the interface of the look-up ([`PauseDetails`],
//! implemented by the engine's HTTP client, and by fakes in tests).
//!
//! ```
//! use rta_odigo::{PauseCache, parse_pause_response};
//! use rta_model::Timestamp;
//!
//! let pause = parse_pause_response(br#"{"login":"jdoe","pause":{"code":7,"label":"Lunch"}}"#)
//!     .unwrap();
//! assert_eq!(pause.code.as_deref(), Some("7"));
//! assert_eq!(pause.label.as_deref(), Some("Lunch"));
//!
//! let mut cache = PauseCache::new(10_000);
//! let changed: Timestamp = "2026-11-23T12:00:05Z".parse().unwrap();
//! cache.insert("jdoe", changed, pause.into_owned());
//! assert_eq!(cache.get("jdoe", changed).and_then(|p| p.label.as_deref()), Some("Lunch"));
//! ```
//!
//! ## Decisions
//! - **Answer shape** (a convention, Odigo's is not public): a JSON object with
//!   `pause: {code, label}`, or top-level `pauseCode` / `pauseLabel`; inside `pause` wins
//!   field by field. A code may be a string or a number (kept as written, `7` -> `"7"`).
//!   Other fields are ignored. `pause` absent or `null`, and blank strings, mean "no code",
//!   "no label"; an answer with neither means the agent is not in pause. Anything else (not
//!   JSON, not an object, a `pause` that is not an object, a code that is a boolean...) is a
//!   [`PauseResponseError`] whose message says where, never what was there.
//! - Text is borrowed from the answer where JSON has no escape.
//! - **Cache**: keyed by (login, time of the state change), so a retry of the same
//!   notification is answered without a second request, while the next pause of the same
//!   agent (another time) is looked up afresh. Bounded: at capacity the oldest entry is
//!   evicted (insertion order; a ring of keys beside a hash map).

use hashbrown::{Equivalent, HashMap};
use rta_model::Timestamp;
use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};
use std::borrow::Cow;
use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::hash::Hash;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;

use crate::Pause;

/// The look-up of an agent's current pause, implemented by the engine's web-service client.
pub trait PauseDetails: Send + Sync + fmt::Debug {
    /// The agent's current pause according to Odigo's web service; an empty [`Pause`] when
    /// the agent is not in pause.
    fn current_pause<'s>(
        &'s self,
        login: &'s str,
    ) -> Pin<Box<dyn Future<Output = Result<Pause<'static>, LookupError>> + Send + 's>>;
}

/// Why a look-up gave no answer. The messages name no URL credential and no password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LookupError {
    #[error("the web service did not answer in time")]
    TimedOut,
    #[error("the web service refused the user name and password")]
    Unauthorized,
    #[error("the web service answered HTTP {0}")]
    Status(u16),
    #[error("the web service could not be reached: {0}")]
    Transport(String),
    #[error("the web service's answer is unusable: {0}")]
    BadResponse(String),
    /// The login cannot be one path segment of the look-up URL (empty, `.` or `..`): no
    /// request is made.
    #[error("the agent login cannot be looked up (empty, `.` or `..`)")]
    BadLogin,
}

/// An answer of the web service that is not the expected JSON. Says where, never what.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PauseResponseError {
    #[error("not JSON (line {line}, column {column})")]
    Syntax { line: usize, column: usize },
    #[error("JSON ends early")]
    Truncated,
    #[error(
        "not an object with `pause: {{code, label}}` of text or numbers (line {line}, column {column})"
    )]
    Shape { line: usize, column: usize },
}

impl From<serde_json::Error> for PauseResponseError {
    fn from(error: serde_json::Error) -> PauseResponseError {
        let (line, column) = (error.line(), error.column());
        match error.classify() {
            serde_json::error::Category::Eof => PauseResponseError::Truncated,
            serde_json::error::Category::Syntax | serde_json::error::Category::Io => {
                PauseResponseError::Syntax { line, column }
            }
            serde_json::error::Category::Data => PauseResponseError::Shape { line, column },
        }
    }
}

/// Reads the web service's answer about one agent (see the module's decisions); an empty
/// [`Pause`] when the agent is not in pause.
pub fn parse_pause_response(body: &[u8]) -> Result<Pause<'_>, PauseResponseError> {
    let answer: Answer<'_> = serde_json::from_slice(body)?;
    let inner = answer.pause.unwrap_or_default();
    Ok(Pause {
        code: inner.code.or(answer.pause_code).and_then(Text::into_cow),
        label: inner.label.or(answer.pause_label).and_then(Text::into_cow),
    })
}

/// The answer's fields. Deserialized by hand, from an object only: serde's derived structs
/// also take arrays (`["7"]` would read as a code).
#[derive(Default)]
struct Answer<'a> {
    pause: Option<InnerPause<'a>>,
    pause_code: Option<Text<'a>>,
    pause_label: Option<Text<'a>>,
}

#[derive(Default)]
struct InnerPause<'a> {
    code: Option<Text<'a>>,
    label: Option<Text<'a>>,
}

#[derive(Deserialize)]
#[serde(field_identifier)]
enum Field {
    #[serde(rename = "pause")]
    Pause,
    #[serde(rename = "pauseCode")]
    PauseCode,
    #[serde(rename = "pauseLabel")]
    PauseLabel,
    #[serde(rename = "code")]
    Code,
    #[serde(rename = "label")]
    Label,
    #[serde(other)]
    Other,
}

/// Sets a field seen once; a second occurrence is an error, as JSON gives no order to prefer.
fn once<'de, T: Deserialize<'de>, M: MapAccess<'de>>(
    slot: &mut Option<T>,
    map: &mut M,
    name: &'static str,
) -> Result<(), M::Error> {
    if slot.is_some() {
        return Err(de::Error::duplicate_field(name));
    }
    *slot = map.next_value()?;
    Ok(())
}

impl<'de: 'a, 'a> Deserialize<'de> for Answer<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Answer<'a>, D::Error> {
        deserializer.deserialize_map(ObjectVisitor::<Answer<'a>>(PhantomData))
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for InnerPause<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<InnerPause<'a>, D::Error> {
        deserializer.deserialize_map(ObjectVisitor::<InnerPause<'a>>(PhantomData))
    }
}

/// Visits the object of an [`Answer`] or of an [`InnerPause`].
struct ObjectVisitor<T>(PhantomData<T>);

impl<'de: 'a, 'a> Visitor<'de> for ObjectVisitor<Answer<'a>> {
    type Value = Answer<'a>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Answer<'a>, M::Error> {
        let mut answer = Answer::default();
        while let Some(field) = map.next_key()? {
            match field {
                Field::Pause => {
                    // `null` is no pause; `once` would take a second `null` for a first.
                    let pause: Option<InnerPause<'a>> = map.next_value()?;
                    if answer.pause.is_some() && pause.is_some() {
                        return Err(de::Error::duplicate_field("pause"));
                    }
                    answer.pause = answer.pause.or(pause);
                }
                Field::PauseCode => once(&mut answer.pause_code, &mut map, "pauseCode")?,
                Field::PauseLabel => once(&mut answer.pause_label, &mut map, "pauseLabel")?,
                Field::Code | Field::Label | Field::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(answer)
    }
}

impl<'de: 'a, 'a> Visitor<'de> for ObjectVisitor<InnerPause<'a>> {
    type Value = InnerPause<'a>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<InnerPause<'a>, M::Error> {
        let mut pause = InnerPause::default();
        while let Some(field) = map.next_key()? {
            match field {
                Field::Code => once(&mut pause.code, &mut map, "code")?,
                Field::Label => once(&mut pause.label, &mut map, "label")?,
                Field::Pause | Field::PauseCode | Field::PauseLabel | Field::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(pause)
    }
}

/// A string (borrowed when unescaped) or a number (as written).
struct Text<'a>(Cow<'a, str>);

impl<'a> Text<'a> {
    /// Blank text says nothing: `None`.
    fn into_cow(self) -> Option<Cow<'a, str>> {
        (!self.0.trim().is_empty()).then_some(self.0)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Text<'a>, D::Error> {
        deserializer.deserialize_any(TextVisitor(PhantomData))
    }
}

struct TextVisitor<'a>(PhantomData<Text<'a>>);

impl<'de: 'a, 'a> Visitor<'de> for TextVisitor<'a> {
    type Value = Text<'a>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string or a number")
    }

    fn visit_borrowed_str<E: de::Error>(self, text: &'de str) -> Result<Text<'a>, E> {
        Ok(Text(Cow::Borrowed(text)))
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Text<'a>, E> {
        Ok(Text(Cow::Owned(text.to_owned())))
    }

    fn visit_string<E: de::Error>(self, text: String) -> Result<Text<'a>, E> {
        Ok(Text(Cow::Owned(text)))
    }

    fn visit_u64<E: de::Error>(self, number: u64) -> Result<Text<'a>, E> {
        Ok(Text(Cow::Owned(number.to_string())))
    }

    fn visit_i64<E: de::Error>(self, number: i64) -> Result<Text<'a>, E> {
        Ok(Text(Cow::Owned(number.to_string())))
    }

    fn visit_f64<E: de::Error>(self, number: f64) -> Result<Text<'a>, E> {
        Ok(Text(Cow::Owned(number.to_string())))
    }
}

/// The answers of recent look-ups, per (login, time of the state change). Bounded: holds at
/// most `capacity` entries, evicting the oldest inserted.
#[derive(Debug)]
pub struct PauseCache {
    capacity: usize,
    entries: HashMap<Key, Pause<'static>>,
    /// Keys in insertion order: the front is evicted first.
    order: VecDeque<Key>,
}

/// The login is shared between the map and the ring: one allocation per entry.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    login: Arc<str>,
    time: Timestamp,
}

/// A [`Key`] borrowed for look-ups; hashes the same (fields of the same types, in the same
/// order), so [`PauseCache::get`] allocates nothing.
#[derive(Hash)]
struct KeyRef<'a> {
    login: &'a str,
    time: Timestamp,
}

impl Equivalent<Key> for KeyRef<'_> {
    fn equivalent(&self, key: &Key) -> bool {
        *key.login == *self.login && key.time == self.time
    }
}

impl PauseCache {
    /// A cache of at most `capacity` answers (`0`: caches nothing).
    pub fn new(capacity: usize) -> PauseCache {
        // Memory grows with use, not with the configured bound.
        PauseCache {
            capacity,
            entries: HashMap::new(),
            order: VecDeque::new(),
        }
    }

    /// The answer for `login`'s state change at `time`, if cached.
    pub fn get(&self, login: &str, time: Timestamp) -> Option<&Pause<'static>> {
        self.entries.get(&KeyRef { login, time })
    }

    /// Caches `pause` (which may be empty: "not in pause") as the answer for `login`'s state
    /// change at `time`, replacing an earlier answer for it.
    pub fn insert(&mut self, login: &str, time: Timestamp, pause: Pause<'static>) {
        if self.capacity == 0 {
            return;
        }
        if let Some(cached) = self.entries.get_mut(&KeyRef { login, time }) {
            *cached = pause;
            return;
        }
        if self.order.len() == self.capacity {
            if let Some(oldest) = self.order.pop_front() {
                self.entries.remove(&oldest);
            }
        }
        let key = Key {
            login: Arc::from(login),
            time,
        };
        self.order.push_back(key.clone());
        self.entries.insert(key, pause);
    }

    pub fn len(&self) -> usize {
        self.order.len()
    }

    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }
}
