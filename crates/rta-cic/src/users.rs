//! The users a session remembers, kept small: a session may hold a million of them.
//!
//! Each user is one 64-byte [`User`] in a `Vec`, found through a table of 4-byte indices (so
//! a grown table's empty buckets cost 5 bytes, not the size of a record), with the id, the
//! station and a status key the vocabulary had no room for in one allocation: the id is
//! stored once and compared in place on lookup. Times are kept as seconds and nanoseconds
//! with an out-of-range nanosecond for "none", and the optional flags are bits of one byte.

use crate::vocabulary::KeyId;
use hashbrown::{DefaultHashBuilder, HashTable};
use jiff::Timestamp;
use std::borrow::Cow;
use std::hash::BuildHasher;

/// A status key as a user's values hold it.
#[derive(Debug)]
pub(crate) enum StatusKey<'a> {
    Interned(KeyId),
    /// The vocabulary was full: the folded key itself.
    Folded(Cow<'a, str>),
}

/// A user's merged values, as they go into [`Users`].
#[derive(Debug)]
pub(crate) struct Values<'a> {
    pub key: StatusKey<'a>,
    pub logged_in: Option<bool>,
    pub on_phone: Option<bool>,
    pub status_changed: Option<Timestamp>,
    pub on_phone_changed: Option<Timestamp>,
    /// The last status's time, when the source gave one.
    pub time: Option<Timestamp>,
}

impl Values<'_> {
    /// The key's bytes when they are kept with the user.
    fn folded(&self) -> &[u8] {
        match &self.key {
            StatusKey::Folded(key) => key.as_bytes(),
            StatusKey::Interned(_) => &[],
        }
    }
}

/// The nanosecond of a time that is absent (a real one is within ±999,999,999).
const NO_TIME: i32 = i32::MIN;

const STATUS_CHANGED: usize = 0;
const ON_PHONE_CHANGED: usize = 1;
const TIME: usize = 2;

/// `logged_in` and `on_phone`: a bit for "known" and one for the value.
const LOGGED_IN_KNOWN: u8 = 1;
const LOGGED_IN: u8 = 1 << 1;
const ON_PHONE_KNOWN: u8 = 1 << 2;
const ON_PHONE: u8 = 1 << 3;
/// Listed by the snapshot in progress (cleared when one begins).
const LISTED: u8 = 1 << 4;
/// The key is folded text at the end of `bytes`, `key` its length.
const FOLDED_KEY: u8 = 1 << 5;

/// A user's last values, for icws deltas and the DST floor.
#[derive(Debug)]
pub(crate) struct User {
    /// The id, the station (empty: none), then a folded key.
    bytes: Box<[u8]>,
    seconds: [i64; 3],
    nanoseconds: [i32; 3],
    /// The key's index in the vocabulary, or with [`FOLDED_KEY`] the folded key's length.
    key: u32,
    station_len: u32,
    flags: u8,
}

fn flag(known: u8, set: u8, value: Option<bool>) -> u8 {
    match value {
        None => 0,
        Some(false) => known,
        Some(true) => known | set,
    }
}

impl User {
    /// A user listed (or not) by the snapshot in progress. Its bytes are at most
    /// [`Users::max_memory`], so their lengths fit a `u32`.
    fn new(id: &[u8], station: &str, values: &Values<'_>, listed: bool) -> User {
        let folded = values.folded();
        let mut user = User {
            bytes: [id, station.as_bytes(), folded].concat().into_boxed_slice(),
            seconds: [0; 3],
            nanoseconds: [NO_TIME; 3],
            key: folded.len() as u32,
            station_len: station.len() as u32,
            flags: 0,
        };
        user.set(values, listed);
        user
    }

    /// Takes `values` (the bytes are the caller's), keeping the remembered time when they
    /// have none.
    fn set(&mut self, values: &Values<'_>, listed: bool) {
        let time = values.time.or(self.time());
        for (slot, time) in [
            (STATUS_CHANGED, values.status_changed),
            (ON_PHONE_CHANGED, values.on_phone_changed),
            (TIME, time),
        ] {
            (self.seconds[slot], self.nanoseconds[slot]) =
                time.map_or((0, NO_TIME), |t| (t.as_second(), t.subsec_nanosecond()));
        }
        let folded = match values.key {
            StatusKey::Interned(id) => {
                self.key = id.0;
                0
            }
            StatusKey::Folded(_) => FOLDED_KEY,
        };
        self.flags = flag(LOGGED_IN_KNOWN, LOGGED_IN, values.logged_in)
            | flag(ON_PHONE_KNOWN, ON_PHONE, values.on_phone)
            | if listed { LISTED } else { 0 }
            | folded;
    }

    /// What [`User::cost`] will be after [`User::update`].
    fn cost_after(&self, values: &Values<'_>, station: Option<&str>) -> usize {
        let station = station.map_or(self.station_len as usize, str::len);
        self.id_len() + station + values.folded().len()
    }

    /// Takes `values` and `station` (`None` keeps the remembered one), reallocating the bytes
    /// only when the station or a folded key changes. The new bytes are at most
    /// [`Users::max_memory`].
    fn update(&mut self, values: &Values<'_>, station: Option<&str>, listed: bool) {
        let folded = values.folded();
        let id_len = self.id_len();
        let (old_station, old_folded) = self.bytes[id_len..].split_at(self.station_len as usize);
        let station = station.map_or(old_station, str::as_bytes);
        if station != old_station || folded != old_folded {
            let bytes = [self.id(), station, folded].concat().into_boxed_slice();
            self.station_len = station.len() as u32;
            self.key = folded.len() as u32;
            self.bytes = bytes;
        }
        self.set(values, listed);
    }

    fn id_len(&self) -> usize {
        let folded = if self.flags & FOLDED_KEY != 0 {
            self.key as usize
        } else {
            0
        };
        self.bytes.len() - self.station_len as usize - folded
    }

    pub fn id(&self) -> &[u8] {
        &self.bytes[..self.id_len()]
    }

    /// The bytes held apart from the record itself: what counts against the session's
    /// `max_memory`.
    pub fn cost(&self) -> usize {
        self.bytes.len()
    }

    pub fn station(&self) -> Option<&str> {
        let start = self.id_len();
        let station = &self.bytes[start..start + self.station_len as usize];
        (!station.is_empty()).then(|| text(station))
    }

    pub fn key(&self) -> StatusKey<'_> {
        if self.flags & FOLDED_KEY != 0 {
            let start = self.bytes.len() - self.key as usize;
            StatusKey::Folded(Cow::Borrowed(text(&self.bytes[start..])))
        } else {
            StatusKey::Interned(KeyId(self.key))
        }
    }

    fn flag(&self, known: u8, set: u8) -> Option<bool> {
        (self.flags & known != 0).then_some(self.flags & set != 0)
    }

    pub fn logged_in(&self) -> Option<bool> {
        self.flag(LOGGED_IN_KNOWN, LOGGED_IN)
    }

    pub fn on_phone(&self) -> Option<bool> {
        self.flag(ON_PHONE_KNOWN, ON_PHONE)
    }

    fn listed(&self) -> bool {
        self.flags & LISTED != 0
    }

    fn at(&self, slot: usize) -> Option<Timestamp> {
        let nanosecond = self.nanoseconds[slot];
        (nanosecond != NO_TIME).then(|| {
            Timestamp::new(self.seconds[slot], nanosecond).expect("taken apart from a timestamp")
        })
    }

    pub fn status_changed(&self) -> Option<Timestamp> {
        self.at(STATUS_CHANGED)
    }

    pub fn on_phone_changed(&self) -> Option<Timestamp> {
        self.at(ON_PHONE_CHANGED)
    }

    pub fn time(&self) -> Option<Timestamp> {
        self.at(TIME)
    }
}

/// A station or folded key, written from a `str` at a boundary the record keeps.
fn text(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).expect("written from a str")
}

/// Where [`Users::remember`] left a user.
#[derive(Debug)]
pub(crate) enum Kept {
    At(usize),
    /// Taken out: its values no longer fit.
    Forgotten(User),
    /// A new user that did not fit.
    Nowhere,
}

/// The remembered users, by id.
#[derive(Debug)]
pub(crate) struct Users {
    /// Indices into `records`, hashed by id.
    index: HashTable<u32>,
    records: Vec<User>,
    hasher: DefaultHashBuilder,
    max_users: usize,
    /// At most `u32::MAX`: a user's lengths are `u32`s.
    max_memory: usize,
}

impl Users {
    /// At most `max_users` users and `max_memory` bytes of theirs ([`User::cost`]), both
    /// capped at `u32::MAX`: indices and lengths are `u32`s.
    pub fn new(max_users: usize, max_memory: usize) -> Self {
        Users {
            index: HashTable::new(),
            records: Vec::new(),
            hasher: DefaultHashBuilder::default(),
            max_users: max_users.min(u32::MAX as usize),
            max_memory: max_memory.min(u32::MAX as usize),
        }
    }

    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn hash(&self, id: &[u8]) -> u64 {
        self.hasher.hash_one(id)
    }

    /// The place of the user `id` of hash `hash`.
    pub fn find(&self, hash: u64, id: &[u8]) -> Option<usize> {
        let records = &self.records;
        self.index
            .find(hash, |&at| records[at as usize].id() == id)
            .map(|&at| at as usize)
    }

    pub fn get(&self, at: usize) -> &User {
        &self.records[at]
    }

    /// Stores `values` for the user at `found` (or a new one, `id` of hash `hash`), within
    /// the limits (`memory`: the bytes held, kept up to date).
    /// `station`: `None` keeps the remembered one, `Some("")` none. `listed`: the user is
    /// listed by the snapshot in progress (else a known user stays as listed as it was).
    pub fn remember(
        &mut self,
        found: Option<usize>,
        (id, hash): (&[u8], u64),
        values: &Values<'_>,
        station: Option<&str>,
        listed: bool,
        memory: &mut usize,
    ) -> Kept {
        if let Some(at) = found {
            let user = &mut self.records[at];
            let before = user.cost();
            let after = user.cost_after(values, station);
            if *memory - before + after <= self.max_memory {
                let listed = listed || user.listed();
                user.update(values, station, listed);
                *memory = *memory - before + after;
                return Kept::At(at);
            }
            *memory -= before;
            // As it was: the caller only needs its station, the one the update would keep.
            return Kept::Forgotten(self.remove(at));
        }
        let station = station.unwrap_or("");
        let cost = id.len() + station.len() + values.folded().len();
        if self.records.len() >= self.max_users || *memory + cost > self.max_memory {
            return Kept::Nowhere;
        }
        *memory += cost;
        let at = self.records.len();
        let records = &self.records;
        let hasher = &self.hasher;
        self.index.insert_unique(hash, at as u32, |&at| {
            hasher.hash_one(records[at as usize].id())
        });
        self.records.push(User::new(id, station, values, listed));
        Kept::At(at)
    }

    /// Takes out the user at `at`; the last user takes its place.
    fn remove(&mut self, at: usize) -> User {
        let hash = self.hash(self.records[at].id());
        self.index
            .find_entry(hash, |&i| i as usize == at)
            .expect("every record is indexed")
            .remove();
        let user = self.records.swap_remove(at);
        if let Some(moved) = self.records.get(at) {
            let hash = self.hasher.hash_one(moved.id());
            let last = self.records.len() as u32;
            *self
                .index
                .find_mut(hash, |&i| i == last)
                .expect("every record is indexed") = at as u32;
        }
        user
    }

    /// A snapshot begins: nobody is listed yet.
    pub fn unlist_all(&mut self) {
        for user in &mut self.records {
            user.flags &= !LISTED;
        }
    }

    /// A snapshot completed: forgets the users it did not list, returns the bytes freed.
    pub fn keep_listed(&mut self) -> usize {
        let mut freed = 0;
        let before = self.records.len();
        self.records.retain(|user| {
            if !user.listed() {
                freed += user.cost();
            }
            user.listed()
        });
        if self.records.len() < before {
            let Users {
                index,
                records,
                hasher,
                ..
            } = self;
            index.clear();
            for (at, user) in records.iter().enumerate() {
                index.insert_unique(hasher.hash_one(user.id()), at as u32, |&at| {
                    hasher.hash_one(records[at as usize].id())
                });
            }
        }
        freed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(key: StatusKey<'static>, time: Option<Timestamp>) -> Values<'static> {
        Values {
            key,
            logged_in: Some(false),
            on_phone: None,
            status_changed: time,
            on_phone_changed: None,
            time,
        }
    }

    fn folded(key: &'static str) -> StatusKey<'static> {
        StatusKey::Folded(Cow::Borrowed(key))
    }

    fn remember(
        users: &mut Users,
        memory: &mut usize,
        id: &str,
        values: &Values<'_>,
        station: Option<&str>,
        listed: bool,
    ) -> Kept {
        let hash = users.hash(id.as_bytes());
        let found = users.find(hash, id.as_bytes());
        users.remember(
            found,
            (id.as_bytes(), hash),
            values,
            station,
            listed,
            memory,
        )
    }

    fn station_of<'u>(users: &'u Users, id: &str) -> Option<&'u str> {
        let at = users.find(users.hash(id.as_bytes()), id.as_bytes())?;
        users.get(at).station()
    }

    #[test]
    fn a_user_is_one_small_record() {
        assert_eq!(size_of::<User>(), 64);
    }

    #[test]
    fn times_and_flags_come_back_as_stored() {
        let mut users = Users::new(10, 1000);
        let mut memory = 0;
        for time in [
            "2026-11-23T07:58:12.123456789Z",
            "1969-12-31T23:59:59.5Z",
            "-009999-01-02T01:59:59Z",
        ] {
            let time: Timestamp = time.parse().unwrap();
            let mut stored = values(StatusKey::Interned(KeyId(3)), Some(time));
            stored.on_phone = Some(true);
            stored.on_phone_changed = Some(Timestamp::MAX);
            remember(&mut users, &mut memory, "u", &stored, None, false);
            let user = users.get(0);
            assert_eq!(user.status_changed(), Some(time));
            assert_eq!(user.on_phone_changed(), Some(Timestamp::MAX));
            assert_eq!(
                (user.logged_in(), user.on_phone()),
                (Some(false), Some(true))
            );
            assert!(matches!(user.key(), StatusKey::Interned(KeyId(3))));
        }
        // Without a time, the last one stays.
        remember(
            &mut users,
            &mut memory,
            "u",
            &values(StatusKey::Interned(KeyId(3)), None),
            None,
            false,
        );
        let user = users.get(0);
        assert_eq!(user.status_changed(), None);
        assert_eq!(
            user.time(),
            Some("-009999-01-02T01:59:59Z".parse().unwrap())
        );
        assert_eq!((user.logged_in(), user.on_phone()), (Some(false), None));
    }

    #[test]
    fn id_station_and_folded_key_share_the_bytes() {
        let mut users = Users::new(10, 1000);
        let mut memory = 0;
        // Key, station given, then the station, key and cost kept.
        let steps = [
            (
                folded("at lunch"),
                Some("7001"),
                Some("7001"),
                "at lunch",
                18,
            ),
            (folded("at lunch"), None, Some("7001"), "at lunch", 18),
            (folded("gone"), Some(""), None, "gone", 10),
            (StatusKey::Interned(KeyId(1)), Some("70"), Some("70"), "", 8),
            (folded("x"), None, Some("70"), "x", 9),
        ];
        for (key, station, expected_station, expected_key, cost) in steps {
            remember(
                &mut users,
                &mut memory,
                "jdoe12",
                &values(key, None),
                station,
                false,
            );
            let user = users.get(0);
            assert_eq!(user.id(), b"jdoe12");
            assert_eq!(user.station(), expected_station);
            match user.key() {
                StatusKey::Folded(key) => assert_eq!(key, expected_key),
                StatusKey::Interned(id) => assert_eq!((id, expected_key), (KeyId(1), "")),
            }
            assert_eq!((user.cost(), memory), (cost, cost));
        }
    }

    #[test]
    fn a_forgotten_user_makes_room_for_the_last_one() {
        let mut users = Users::new(10, 30);
        let mut memory = 0;
        let key = || values(StatusKey::Interned(KeyId(0)), None);
        for (id, station) in [("a", "1"), ("b", "22"), ("c", "333")] {
            let kept = remember(&mut users, &mut memory, id, &key(), Some(station), false);
            assert!(matches!(kept, Kept::At(_)));
        }
        assert_eq!(memory, 9);
        // 30 bytes would be exceeded: "a" is taken out, with its station as it was; "c" moves.
        let kept = remember(
            &mut users,
            &mut memory,
            "a",
            &key(),
            Some(&"9".repeat(30)),
            false,
        );
        assert!(matches!(kept, Kept::Forgotten(user) if user.station() == Some("1")));
        assert_eq!((users.len(), memory), (2, 7));
        assert_eq!(station_of(&users, "a"), None);
        assert_eq!(station_of(&users, "b"), Some("22"));
        assert_eq!(station_of(&users, "c"), Some("333"));
        // Forgetting the last record moves nothing.
        let kept = remember(
            &mut users,
            &mut memory,
            "b",
            &key(),
            Some(&"9".repeat(30)),
            false,
        );
        assert!(matches!(kept, Kept::Forgotten(_)));
        let kept = remember(
            &mut users,
            &mut memory,
            "c",
            &key(),
            Some(&"9".repeat(30)),
            false,
        );
        assert!(matches!(kept, Kept::Forgotten(_)));
        assert_eq!((users.len(), memory), (0, 0));
    }

    #[test]
    fn a_completed_snapshot_keeps_the_listed_users_findable() {
        let mut users = Users::new(100, 1000);
        let mut memory = 0;
        let key = || values(StatusKey::Interned(KeyId(0)), None);
        for n in 0..20 {
            remember(
                &mut users,
                &mut memory,
                &n.to_string(),
                &key(),
                Some("s"),
                false,
            );
        }
        users.unlist_all();
        for n in (0..20).filter(|n| n % 3 == 0) {
            remember(&mut users, &mut memory, &n.to_string(), &key(), None, true);
        }
        // Outside a snapshot a known user stays listed, a new one is not.
        remember(&mut users, &mut memory, "3", &key(), None, false);
        remember(&mut users, &mut memory, "new", &key(), None, false);
        // 6 of one digit and 7 of two, with their station; "new" without.
        assert_eq!(users.keep_listed(), 6 * 2 + 7 * 3 + 3);
        assert_eq!(users.len(), 7);
        for n in 0..20 {
            let expected = (n % 3 == 0).then_some("s");
            assert_eq!(station_of(&users, &n.to_string()), expected, "{n}");
        }
        assert_eq!(station_of(&users, "new"), None);
    }
}
