//! The status vocabulary of one integration: every status key seen, folded once, and the
//! definitions (group and flags) the servers sent for them.
//!
//! Sharing: a [`Vocabulary`] belongs to an integration, not to a connection, and the
//! [`crate::Session`] of each connection borrows it mutably for the duration of one
//! `push_frame` call. There is no lock inside: the caller that drives several connections of
//! one integration either drives them from one task (the sessions take turns) or puts the
//! vocabulary behind its own lock, held for one frame. This keeps the decoder free of
//! synchronization and the choice with the code that knows how connections are scheduled.
//!
//! Interning: a status key is case-insensitive, so its canonical spelling is its folded form
//! (lower case, see `case.rs`): `"At Lunch"` and `"AT LUNCH"` are the status `at lunch`. The
//! vocabulary stores that spelling once per key, and observations borrow it, so a record
//! costs a hash of the key and no allocation. The number of keys and the bytes of keys, texts
//! and groups are bounded ([`Vocabulary::with_limits`]); past them, keys are still folded but
//! not kept (each such record allocates its folded key), and definitions that do not fit are
//! dropped and counted.
//! Definitions are added or replaced, never removed: a full list from a server does not
//! forget a key another server (or an earlier list) defined.

use crate::case::{fold_str, folded_eq, hash_folded};
use hashbrown::{DefaultHashBuilder, HashTable};
use std::borrow::Cow;
use std::hash::BuildHasher;

/// What a status definition says about a status key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Definition {
    /// The localized status text.
    pub text: Box<str>,
    /// The status group (`AVAILABLE`, `BREAK`, ..., or customer-defined).
    pub group: Box<str>,
    /// The status allows ACD calls.
    pub acd: bool,
    /// An after-call-work status.
    pub acw: bool,
    /// A do-not-disturb status.
    pub dnd: bool,
}

/// A status key kept by a [`Vocabulary`]: an index that stays valid as long as the vocabulary
/// (keys are never removed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct KeyId(pub(crate) u32);

#[derive(Debug)]
struct Entry {
    /// The folded key.
    key: Box<str>,
    definition: Option<Definition>,
}

/// The status keys and definitions of one integration. See the module docs for how to share it.
#[derive(Debug)]
pub struct Vocabulary {
    table: HashTable<KeyId>,
    entries: Vec<Entry>,
    hasher: DefaultHashBuilder,
    max_keys: usize,
    /// Bytes of keys, texts and groups held.
    bytes: usize,
    max_bytes: usize,
    definitions_dropped: u64,
}

impl Default for Vocabulary {
    fn default() -> Self {
        Self::new()
    }
}

impl Vocabulary {
    /// The default bound on distinct status keys: CIC systems define tens to hundreds.
    pub const DEFAULT_MAX_KEYS: usize = 10_000;
    /// The default bound on the bytes of keys, texts and groups: 4 MiB.
    pub const DEFAULT_MAX_BYTES: usize = 4 << 20;

    /// An empty vocabulary with the default bounds.
    pub fn new() -> Self {
        Self::with_limits(Self::DEFAULT_MAX_KEYS, Self::DEFAULT_MAX_BYTES)
    }

    /// An empty vocabulary keeping at most `max_keys` distinct keys and `max_bytes` bytes of
    /// keys, status texts and groups.
    pub fn with_limits(max_keys: usize, max_bytes: usize) -> Self {
        Vocabulary {
            table: HashTable::new(),
            entries: Vec::new(),
            hasher: DefaultHashBuilder::default(),
            max_keys: max_keys.min(u32::MAX as usize),
            bytes: 0,
            max_bytes,
            definitions_dropped: 0,
        }
    }

    /// The definition of a status key (any case), if a server sent one.
    pub fn definition(&self, status_key: &str) -> Option<&Definition> {
        let id = self.find(status_key)?;
        self.entries[id.0 as usize].definition.as_ref()
    }

    /// Defines (or redefines) a status key. Returns false, and counts it, when the key is new
    /// and the vocabulary is full, or the definition does not fit in its bytes.
    pub fn define(&mut self, status_key: &str, definition: Definition) -> bool {
        let size = |d: &Definition| d.text.len() + d.group.len();
        let Some(id) = self.intern(status_key) else {
            self.definitions_dropped += 1;
            return false;
        };
        let slot = &mut self.entries[id.0 as usize].definition;
        if slot.as_ref() == Some(&definition) {
            return true;
        }
        let bytes = self.bytes - slot.as_ref().map_or(0, size) + size(&definition);
        if bytes > self.max_bytes {
            self.definitions_dropped += 1;
            return false;
        }
        self.bytes = bytes;
        *slot = Some(definition);
        true
    }

    /// How many distinct status keys are kept.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when no key was seen yet.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Definitions dropped because the vocabulary was full.
    pub fn definitions_dropped(&self) -> u64 {
        self.definitions_dropped
    }

    fn hash(hasher: &DefaultHashBuilder, key: &str) -> u64 {
        let mut state = hasher.build_hasher();
        hash_folded(key, &mut state);
        std::hash::Hasher::finish(&state)
    }

    fn find(&self, key: &str) -> Option<KeyId> {
        let hash = Self::hash(&self.hasher, key);
        self.table
            .find(hash, |id| folded_eq(&self.entries[id.0 as usize].key, key))
            .copied()
    }

    /// The id of a key (any case), added if new and there is room.
    pub(crate) fn intern(&mut self, key: &str) -> Option<KeyId> {
        if let Some(id) = self.find(key) {
            return Some(id);
        }
        if self.entries.len() >= self.max_keys {
            return None;
        }
        let folded = fold_str(Cow::Borrowed(key));
        if self.bytes + folded.len() > self.max_bytes {
            return None;
        }
        self.bytes += folded.len();
        let id = KeyId(self.entries.len() as u32);
        let folded: Box<str> = folded.into();
        let Vocabulary {
            table,
            entries,
            hasher,
            ..
        } = self;
        let hash = Self::hash(hasher, &folded);
        entries.push(Entry {
            key: folded,
            definition: None,
        });
        table.insert_unique(hash, id, |id| {
            Self::hash(hasher, &entries[id.0 as usize].key)
        });
        Some(id)
    }

    /// The folded key and its definition. `None` for an id of another vocabulary.
    pub(crate) fn get(&self, id: KeyId) -> Option<(&str, Option<&Definition>)> {
        let entry = self.entries.get(id.0 as usize)?;
        Some((&entry.key, entry.definition.as_ref()))
    }
}

/// A connection's last status keys as sent, with their ids: a key sent again byte for byte
/// (the usual case: a server spells each status one way) takes its id from here without
/// the vocabulary's hash of its folded form. Direct-mapped, keys of at most
/// [`KeyCache::MAX_KEY`] bytes kept inline (no allocation); a miss or a longer key goes to
/// [`Vocabulary::intern`]. Valid for one vocabulary, as the ids of a session are.
#[derive(Debug, Clone)]
pub(crate) struct KeyCache {
    slots: [KeySlot; KeyCache::SLOTS],
}

#[derive(Debug, Clone, Copy)]
struct KeySlot {
    /// 0: empty (an empty key is never looked up).
    len: u8,
    bytes: [u8; KeyCache::MAX_KEY],
    id: KeyId,
}

impl Default for KeyCache {
    fn default() -> Self {
        KeyCache {
            slots: [KeySlot {
                len: 0,
                bytes: [0; KeyCache::MAX_KEY],
                id: KeyId(0),
            }; KeyCache::SLOTS],
        }
    }
}

impl KeyCache {
    const SLOTS: usize = 32;
    const MAX_KEY: usize = 32;

    /// [`Vocabulary::intern`], through the cache.
    pub(crate) fn intern(&mut self, key: &str, vocabulary: &mut Vocabulary) -> Option<KeyId> {
        let bytes = key.as_bytes();
        let (Some(&first), Some(&last)) = (bytes.first(), bytes.last()) else {
            return vocabulary.intern(key);
        };
        if bytes.len() > Self::MAX_KEY {
            return vocabulary.intern(key);
        }
        let slot = &mut self.slots
            [(bytes.len() * 7 + usize::from(first) * 3 + usize::from(last)) % Self::SLOTS];
        let len = usize::from(slot.len);
        if len == bytes.len() && slot.bytes[..len] == *bytes {
            return Some(slot.id);
        }
        let id = vocabulary.intern(key)?;
        slot.len = bytes.len() as u8;
        slot.bytes[..bytes.len()].copy_from_slice(bytes);
        slot.id = id;
        Some(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn break_status() -> Definition {
        Definition {
            text: "Mittagspause".into(),
            group: "BREAK".into(),
            ..Definition::default()
        }
    }

    #[test]
    fn keys_are_case_insensitive_and_kept_folded() {
        let mut vocabulary = Vocabulary::new();
        let id = vocabulary.intern("At Lunch").unwrap();
        assert_eq!(vocabulary.intern("AT LUNCH"), Some(id));
        assert_eq!(vocabulary.get(id), Some(("at lunch", None)));
        assert!(vocabulary.define("at lunch", break_status()));
        assert_eq!(vocabulary.definition("At lunch"), Some(&break_status()));
        assert_eq!(vocabulary.definition("Available"), None);
        assert_eq!(vocabulary.len(), 1);
    }

    #[test]
    fn the_number_of_keys_is_bounded() {
        let mut vocabulary = Vocabulary::with_limits(2, 1000);
        assert!(vocabulary.intern("a").is_some());
        assert!(vocabulary.intern("b").is_some());
        assert!(vocabulary.intern("c").is_none());
        assert!(vocabulary.intern("B").is_some(), "known keys still resolve");
        assert!(!vocabulary.define("c", break_status()));
        assert!(vocabulary.define("A", break_status()));
        assert_eq!(vocabulary.definitions_dropped(), 1);
        assert_eq!(vocabulary.len(), 2);
    }

    #[test]
    fn the_bytes_are_bounded() {
        let mut vocabulary = Vocabulary::with_limits(10, 16);
        assert!(vocabulary.intern("Available").is_some());
        assert!(vocabulary.intern("At Lunch").is_none(), "9 + 8 bytes > 16");
        let long = Definition {
            text: "Verfügbar".into(),
            ..Definition::default()
        };
        assert!(!vocabulary.define("available", long), "9 + 10 bytes > 16");
        let short = Definition {
            group: "A".into(),
            ..Definition::default()
        };
        assert!(vocabulary.define("available", short.clone()));
        assert_eq!(vocabulary.definition("AVAILABLE"), Some(&short));
        assert_eq!(vocabulary.definitions_dropped(), 1);
    }

    proptest::proptest! {
        /// The cache gives the vocabulary's ids: keys in any case, of every length around
        /// the cache's limit, colliding in its slots, with a vocabulary that fills up.
        #[test]
        fn cached_keys_intern_as_the_vocabulary_does(
            keys in proptest::collection::vec(
                (proptest::sample::select(&[
                    "", "a", "A", "b", "Available", "AVAILABLE", "Available, No ACD",
                    "At Lunch", "at lunch", "ACW - Manual", "D\u{e9}jeuner", "\u{212a}ey", "key",
                    "abcdefghijklmnopqrstuvwxyz012345", "abcdefghijklmnopqrstuvwxyz0123456",
                    "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345",
                ][..]), 0usize..40),
                1..80,
            ),
            max_keys in 1usize..20,
        ) {
            let mut direct = Vocabulary::with_limits(max_keys, 1000);
            let mut cached = Vocabulary::with_limits(max_keys, 1000);
            let mut cache = KeyCache::default();
            for (key, n) in keys {
                // Numbered keys fill the slots and the vocabulary.
                let key = if n < 20 { key.to_owned() } else { format!("{key}{n}") };
                let id = cache.intern(&key, &mut cached);
                proptest::prop_assert_eq!(id, direct.intern(&key), "{}", key);
                proptest::prop_assert_eq!(
                    id.and_then(|id| cached.get(id)).map(|(key, _)| key.to_owned()),
                    id.and_then(|id| direct.get(id)).map(|(key, _)| key.to_owned())
                );
            }
        }
    }

    #[test]
    fn many_keys_are_found_again() {
        let mut vocabulary = Vocabulary::new();
        let ids: Vec<_> = (0..500)
            .map(|i| vocabulary.intern(&format!("Status {i}")).unwrap())
            .collect();
        for (i, id) in ids.iter().enumerate() {
            assert_eq!(vocabulary.intern(&format!("STATUS {i}")), Some(*id));
        }
        assert!(vocabulary.get(KeyId(500)).is_none());
    }
}
