//! A published event with its wire encodings, each made at most once.

use rta_model::Event;
use std::fmt;
use std::ops::Deref;
use std::sync::OnceLock;

/// An event as the bus hands it out: the [`Event`] (reached through `Deref`), shared by every
/// subscriber and the resume ring, and its JSON and MessagePack encodings, made the first
/// time a sink asks for them and then shared by every other sink writing the same event.
///
/// Why: with 16 consumers, encoding per consumer was 16 serializations (and allocations) of
/// each event, the largest cost of the pipeline under load (`benches/RESULTS.md`,
/// `end_to_end`). Encoding is lazy so that in-process subscribers, which never need the
/// bytes, do not pay for them.
pub struct Published {
    event: Event,
    // `Vec`s as written: shrinking them to boxes cost a `realloc` per event.
    json: OnceLock<Vec<u8>>,
    msgpack: OnceLock<Vec<u8>>,
}

impl Published {
    pub fn new(event: Event) -> Published {
        Published {
            event,
            json: OnceLock::new(),
            msgpack: OnceLock::new(),
        }
    }

    pub fn event(&self) -> &Event {
        &self.event
    }

    /// Sets the seq of an event not yet shared (the bus numbers it under its lock).
    pub(crate) fn set_seq(&mut self, seq: u64) {
        self.event.seq = seq;
    }

    /// [`Event::to_json`], made once.
    pub fn json(&self) -> &[u8] {
        self.json.get_or_init(|| self.event.to_json().into_bytes())
    }

    /// [`Event::to_msgpack`], made once.
    pub fn msgpack(&self) -> &[u8] {
        self.msgpack.get_or_init(|| self.event.to_msgpack())
    }
}

impl Deref for Published {
    type Target = Event;

    fn deref(&self) -> &Event {
        &self.event
    }
}

impl PartialEq for Published {
    /// The events compared; whether their encodings were made yet does not matter.
    fn eq(&self, other: &Published) -> bool {
        self.event == other.event
    }
}

impl fmt::Debug for Published {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.event.fmt(f)
    }
}

impl From<Event> for Published {
    fn from(event: Event) -> Published {
        Published::new(event)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rta_model::{EventBody, FeedEvent, FeedHealth};

    #[test]
    fn encodings_are_the_events_and_made_once() {
        let event = Event {
            seq: 3,
            time: "2026-11-23T10:00:00Z".parse().unwrap(),
            body: EventBody::Feed(FeedEvent {
                integration: "cms".into(),
                address: None,
                health: FeedHealth::Up,
                detail: None,
            }),
        };
        let published = Published::new(event.clone());
        let json = published.json();
        assert_eq!(json, event.to_json().as_bytes());
        assert!(std::ptr::eq(json, published.json()), "made once");
        let msgpack = published.msgpack();
        assert_eq!(msgpack, event.to_msgpack());
        assert!(std::ptr::eq(msgpack, published.msgpack()));
        assert_eq!(published.seq, 3);
    }
}
