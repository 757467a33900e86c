//! Retries are no-ops: a bounded window of the notifications recently seen.
//!
//! Odigo retries a notification it thinks was not delivered (a time-out, a `503`), so the same
//! change can arrive twice or more. A notification is a duplicate when one of its keys is among
//! those of the last `window` notifications recorded:
//!
//! - its `eventId`, when it has one (a retry with the same id is a duplicate even if its
//!   content differs: the id is the sender's word that it is the same event);
//! - its content, when it has an event time: login, state code, direction, pause code, pause
//!   label and time. Without a time, the content says nothing about *when*, and two agents
//!   going back to `AVAILABLE` twice would look alike, so only the id counts; a notification
//!   with neither is always new and not recorded.
//!
//! Memory is bounded whatever arrives: a ring of the last `window` notifications' keys and a
//! hash set of the same keys, both allocated once at their full size (under 1 MiB for the
//! default window). A key is a 64-bit digest
//! (SipHash-1-3 under a random key of this instance, std's `RandomState`), never the strings:
//! an attacker cannot aim collisions without the key, and two distinct notifications share a
//! digest with odds of about 2^-64 per pair (a false duplicate once in millions of years at
//! thousands of notifications a second). An id and a content are hashed under different tags,
//! so they never stand for each other. A duplicate is not recorded again: a notification
//! retried forever is forgotten `window` new notifications after it was first seen.
//!
//! ```
//! use rta_odigo::{BodyFormat, Dedup, Notification, decode};
//!
//! let body = br#"{"eventId":"e1","login":"jdoe","state":"READY"}"#;
//! let mut dedup = Dedup::new(rta_odigo::DEFAULT_DEDUP_WINDOW);
//! let mut fresh = Vec::new();
//! for _ in 0..3 {
//!     decode(BodyFormat::Json, body, |_, item| {
//!         if let Ok(Notification::AgentState(state)) = item {
//!             fresh.push(dedup.is_new(&state));
//!         }
//!     })
//!     .unwrap();
//! }
//! assert_eq!(fresh, [true, false, false]);
//! ```

use crate::AgentState;
use hashbrown::HashSet;
use std::collections::VecDeque;
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hash, Hasher};

/// The window the engine uses: a few minutes of a large contact center's changes.
pub const DEFAULT_DEDUP_WINDOW: usize = 10_000;

/// The keys of one recorded notification.
#[derive(Debug, Clone, Copy)]
struct Keys {
    id: Option<u64>,
    content: Option<u64>,
}

impl Keys {
    fn iter(self) -> impl Iterator<Item = u64> {
        self.id.into_iter().chain(self.content)
    }
}

/// The last `window` agent state changes of one integration, by event id and by content
/// (agent + state + time).
#[derive(Debug)]
pub struct Dedup {
    window: usize,
    /// Oldest first.
    ring: VecDeque<Keys>,
    seen: HashSet<u64>,
    digest: RandomState,
}

/// Tags that keep the digests of an id and of a content apart.
const ID: u8 = 1;
const CONTENT: u8 = 2;

impl Dedup {
    /// Remembers the last `window` notifications; 0 remembers none (nothing is a duplicate).
    pub fn new(window: usize) -> Dedup {
        Dedup {
            window,
            ring: VecDeque::with_capacity(window),
            // Two keys per notification, and twice that room: hashbrown reuses the slots of
            // removed keys by rehashing in place only while at most half of its capacity is
            // taken; fuller, it would grow.
            seen: HashSet::with_capacity(4 * window),
            digest: RandomState::new(),
        }
    }

    /// Records `state`; `false` when its event id, or its agent, state and time, are among the
    /// last `window` recorded (a duplicate).
    pub fn is_new(&mut self, state: &AgentState<'_>) -> bool {
        let keys = self.keys(state);
        if keys.iter().any(|key| self.seen.contains(&key)) {
            return false;
        }
        if self.window == 0 || keys.iter().next().is_none() {
            return true;
        }
        if self.ring.len() == self.window {
            if let Some(oldest) = self.ring.pop_front() {
                for key in oldest.iter() {
                    self.seen.remove(&key);
                }
            }
        }
        self.ring.push_back(keys);
        self.seen.extend(keys.iter());
        true
    }

    /// The number of notifications recorded (at most the window).
    pub fn len(&self) -> usize {
        self.ring.len()
    }

    /// Whether no notification is recorded.
    pub fn is_empty(&self) -> bool {
        self.ring.is_empty()
    }

    fn keys(&self, state: &AgentState<'_>) -> Keys {
        let id = state
            .event_id
            .as_deref()
            .map(|id| self.digest.hash_one((ID, id)));
        // `str` hashes with a terminator and `Option` with its discriminant, so the fields
        // cannot run into each other ("ab"+"c" and "a"+"bc" differ).
        let content = state.time.map(|time| {
            let mut hasher = self.digest.build_hasher();
            CONTENT.hash(&mut hasher);
            state.login.hash(&mut hasher);
            state.state.code().hash(&mut hasher);
            state.direction.hash(&mut hasher);
            state.pause.hash(&mut hasher);
            time.hash(&mut hasher);
            hasher.finish()
        });
        Keys { id, content }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Pause, State};
    use rta_model::{Direction, Timestamp};
    use std::borrow::Cow;

    fn state(id: Option<String>, login: &str, second: Option<i64>) -> AgentState<'static> {
        AgentState {
            event_id: id.map(Cow::Owned),
            tenant: None,
            login: Cow::Owned(login.to_owned()),
            state: State::Available,
            previous: None,
            direction: Direction::None,
            pause: Pause::default(),
            time: second.map(|s| Timestamp::from_second(1_795_000_000 + s).unwrap()),
        }
    }

    /// The ring and the set are allocated once: a million notifications through a window of
    /// 1,000 leave their allocations as they were.
    #[test]
    fn memory_stays_bounded() {
        let mut dedup = Dedup::new(1_000);
        let (ring, seen) = (dedup.ring.capacity(), dedup.seen.allocation_size());
        for i in 0..1_000_000 {
            assert!(dedup.is_new(&state(Some(i.to_string()), "jdoe", Some(i))));
        }
        assert_eq!(dedup.len(), 1_000);
        assert_eq!(dedup.seen.len(), 2_000);
        assert_eq!(
            (dedup.ring.capacity(), dedup.seen.allocation_size()),
            (ring, seen)
        );
    }
}
