//! The user model: the status catalog of a CIC server and how simulated users move through it.
//!
//! Statuses are those of a default CIC install (`Available`, `Available, No ACD`, `At Lunch`,
//! `Do Not Disturb`, `Follow Up`, `Gone Home`, `In a Meeting`, `At a Training Session`,
//! `Out of the Office`, `On Vacation`, `AcdAgentNotAnswering`) plus customer ones with
//! spaces, commas, a `-` and customer groups (`ACW - Manual`, `Break, Short`, `Coaching 1:1`,
//! `Project Work`); one status text holds a `|` the line dialect must escape. Each status
//! fixes its group and its ACD, DND and after-call-work flags; a user adds the logged-in and
//! on-phone flags, and every combination the model produces is one a CIC server reports:
//! logged out only in a logged-out status, on the phone only while logged in.
//!
//! A working day: log in (mostly `Available`), take ACD calls (on the phone while
//! `Available`), then `Follow Up` or `ACW - Manual`, breaks and lunch, meetings, training,
//! coaching, DND with extension calls, outbound calls in `Available, No ACD` and callbacks
//! in `Follow Up`, a missed call (`AcdAgentNotAnswering`) now and then, log out (`Gone Home`,
//! sometimes `Out of the Office` or `On Vacation`) and log in again later. Times are whole
//! seconds of the simulator's virtual clock.

use jiff::{SignedDuration, Timestamp};
use rand::Rng;
use rand::rngs::SmallRng;
use rta_model::Phase;
use std::collections::HashSet;
use std::sync::Arc;

/// A status of the server's catalog: its key, localized text, group and flags.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct CicStatus {
    /// The unlocalized id (`statusId`).
    pub key: &'static str,
    /// The localized text.
    pub text: &'static str,
    pub group: &'static str,
    /// The status allows ACD calls.
    pub acd: bool,
    /// An after-call-work status.
    pub acw: bool,
    /// Do not disturb.
    pub dnd: bool,
    /// A status users hold while logged in; the others are the statuses of logged-out users.
    pub logged_in: bool,
}

impl CicStatus {
    const fn new(key: &'static str, text: &'static str, group: &'static str) -> CicStatus {
        CicStatus {
            key,
            text,
            group,
            acd: false,
            acw: false,
            dnd: false,
            logged_in: true,
        }
    }

    const fn acd(mut self) -> CicStatus {
        self.acd = true;
        self
    }

    const fn acw(mut self) -> CicStatus {
        self.acw = true;
        self
    }

    const fn dnd(mut self) -> CicStatus {
        self.dnd = true;
        self
    }

    const fn logged_out(mut self) -> CicStatus {
        self.logged_in = false;
        self
    }

    /// The icws status definition of this status.
    pub fn definition(&self) -> rta_cic::StatusDefinition<'static> {
        rta_cic::StatusDefinition {
            status_key: self.key,
            text: self.text,
            group: self.group,
            acd: self.acd,
            acw: self.acw,
            dnd: self.dnd,
        }
    }
}

pub static AVAILABLE: CicStatus = CicStatus::new("Available", "Available", "AVAILABLE").acd();
pub static AVAILABLE_NO_ACD: CicStatus =
    CicStatus::new("Available, No ACD", "Available, No ACD", "AVAILABLE");
pub static AT_LUNCH: CicStatus = CicStatus::new("At Lunch", "At Lunch", "BREAK");
pub static DO_NOT_DISTURB: CicStatus =
    CicStatus::new("Do Not Disturb", "Do Not Disturb", "UNAVAILABLE").dnd();
pub static FOLLOW_UP: CicStatus = CicStatus::new("Follow Up", "Follow Up", "FOLLOWUP").acw();
pub static GONE_HOME: CicStatus =
    CicStatus::new("Gone Home", "Gone Home", "UNAVAILABLE").logged_out();
pub static IN_A_MEETING: CicStatus = CicStatus::new("In a Meeting", "In a Meeting", "UNAVAILABLE");
pub static AT_TRAINING: CicStatus =
    CicStatus::new("At a Training Session", "At a Training Session", "TRAINING");
pub static OUT_OF_THE_OFFICE: CicStatus =
    CicStatus::new("Out of the Office", "Out of the Office", "UNAVAILABLE").logged_out();
pub static ON_VACATION: CicStatus =
    CicStatus::new("On Vacation", "On Vacation", "UNAVAILABLE").logged_out();
pub static NOT_ANSWERING: CicStatus = CicStatus::new(
    "AcdAgentNotAnswering",
    "ACD - Agent Not Answering",
    "UNAVAILABLE",
);
/// Customer-defined: manual after-call work.
pub static ACW_MANUAL: CicStatus =
    CicStatus::new("ACW - Manual", "After Call Work - Manual", "FOLLOWUP").acw();
/// Customer-defined: a short break, a comma in the key.
pub static BREAK_SHORT: CicStatus = CicStatus::new("Break, Short", "Short Break", "BREAK");
/// Customer-defined, in a customer group; the text holds a `|`.
pub static COACHING: CicStatus = CicStatus::new("Coaching 1:1", "Coaching | 1:1", "COACHING");
/// Customer-defined, in a customer group.
pub static PROJECT_WORK: CicStatus =
    CicStatus::new("Project Work", "Project Work (back office)", "BACKOFFICE");

/// Every status of the simulated server, in the order of its definitions message.
pub static STATUSES: [&CicStatus; 15] = [
    &AVAILABLE,
    &AVAILABLE_NO_ACD,
    &AT_LUNCH,
    &DO_NOT_DISTURB,
    &FOLLOW_UP,
    &GONE_HOME,
    &IN_A_MEETING,
    &AT_TRAINING,
    &OUT_OF_THE_OFFICE,
    &ON_VACATION,
    &NOT_ANSWERING,
    &ACW_MANUAL,
    &BREAK_SHORT,
    &COACHING,
    &PROJECT_WORK,
];

/// Finds a status of the catalog by key (case-insensitively, as CIC compares them).
pub fn status(key: &str) -> Option<&'static CicStatus> {
    STATUSES
        .iter()
        .copied()
        .find(|s| s.key.eq_ignore_ascii_case(key))
}

/// What a user is doing: the status and the user's own flags, and since when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Presence {
    pub status: &'static CicStatus,
    pub logged_in: bool,
    pub on_phone: bool,
    /// When any of the above last changed (the time the feed sends).
    pub since: Timestamp,
}

impl Presence {
    /// The canonical phase of `specs/cic.md`: not logged in = logged out; on the phone =
    /// talking; an ACD status while logged in = available; an after-call-work status =
    /// wrap-up; anything else = away.
    pub fn phase(&self) -> Phase {
        if !self.logged_in {
            Phase::LoggedOut
        } else if self.on_phone {
            Phase::Talking
        } else if self.status.acd {
            Phase::Available
        } else if self.status.acw {
            Phase::WrapUp
        } else {
            Phase::Away
        }
    }

    /// The reason of an away phase: the status key.
    pub fn reason(&self) -> Option<&'static str> {
        (self.phase() == Phase::Away).then_some(self.status.key)
    }

    /// True when the flags agree with the status: logged in exactly in logged-in statuses,
    /// on the phone only while logged in.
    pub fn is_consistent(&self) -> bool {
        self.logged_in == self.status.logged_in && (self.logged_in || !self.on_phone)
    }
}

/// One simulated user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimUser {
    /// The IC user id: a login name with dots, `@`, spaces or an apostrophe.
    pub user_id: Arc<str>,
    /// The station the user logs in at.
    pub station: Arc<str>,
    pub presence: Presence,
    /// When the current presence ends.
    pub(crate) until: Timestamp,
}

impl SimUser {
    /// The station as the feed shows it: none while logged out.
    pub fn station(&self) -> Option<&str> {
        self.presence.logged_in.then_some(&*self.station)
    }

    /// The user's status as the encoder writes it, stamped `time`.
    pub fn encoded(&self, time: rta_cic::CicTime) -> rta_cic::UserStatus<'_> {
        let presence = &self.presence;
        rta_cic::UserStatus {
            user_id: &self.user_id,
            status_key: presence.status.key,
            status_text: presence.status.text,
            group: presence.status.group,
            logged_in: presence.logged_in,
            acd: presence.status.acd,
            dnd: presence.status.dnd,
            acw: presence.status.acw,
            on_phone: presence.on_phone,
            station: self.station(),
            time,
        }
    }
}

const FIRST_NAMES: [&str; 12] = [
    "john", "anna", "marie", "li", "pedro", "sven", "aisha", "tom", "noor", "olga", "ravi", "kate",
];
const LAST_NAMES: [&str; 10] = [
    "doe", "smith", "curie", "wei", "alvarez", "berg", "khan", "o'brien", "haddad", "ivanova",
];

fn seconds(rng: &mut SmallRng, low: i64, high: i64) -> SignedDuration {
    SignedDuration::from_secs(rng.random_range(low..=high))
}

/// `count` distinct user ids (also distinct ignoring case), in several login-name styles.
pub(crate) fn user_ids(count: usize) -> Vec<String> {
    let mut seen = HashSet::new();
    let mut ids = Vec::with_capacity(count);
    for index in 0..count {
        let first = FIRST_NAMES[index % FIRST_NAMES.len()];
        let last = LAST_NAMES[(index / FIRST_NAMES.len() + index) % LAST_NAMES.len()];
        let base = match index % 5 {
            0 => format!("{}{last}", &first[..1]),
            1 => format!("{first}.{last}"),
            2 => format!("{first}.{last}@corp.example"),
            3 => {
                let mut name = first.to_owned();
                name[..1].make_ascii_uppercase();
                format!("{name} {last}")
            }
            _ => format!("{first}_{last}"),
        };
        let mut id = base.clone();
        let mut n = 1;
        while !seen.insert(id.to_ascii_lowercase()) {
            n += 1;
            id = match base.split_once('@') {
                Some((user, domain)) => format!("{user}{n}@{domain}"),
                None => format!("{base}{n}"),
            };
        }
        ids.push(id);
    }
    ids
}

/// A logged-out status: mostly `Gone Home`.
fn logout_status(rng: &mut SmallRng) -> &'static CicStatus {
    match rng.random_range(0..20) {
        0 => &ON_VACATION,
        1..=3 => &OUT_OF_THE_OFFICE,
        _ => &GONE_HOME,
    }
}

/// A break: mostly short, now and then lunch.
fn break_status(rng: &mut SmallRng) -> &'static CicStatus {
    if rng.random_bool(0.3) {
        &AT_LUNCH
    } else {
        &BREAK_SHORT
    }
}

impl SimUser {
    pub(crate) fn new(user_id: String, index: usize) -> SimUser {
        SimUser {
            user_id: user_id.into(),
            station: (7001 + index).to_string().into(),
            presence: Presence {
                status: &GONE_HOME,
                logged_in: false,
                on_phone: false,
                since: Timestamp::UNIX_EPOCH,
            },
            until: Timestamp::UNIX_EPOCH,
        }
    }

    /// Puts the user somewhere in the day at `start`: most are logged in, in a presence that
    /// began before `start`; the others log in later.
    pub(crate) fn place(&mut self, start: Timestamp, rng: &mut SmallRng) {
        if rng.random_bool(0.15) {
            self.presence = Presence {
                status: logout_status(rng),
                logged_in: false,
                on_phone: false,
                since: start - seconds(rng, 600, 14 * 3600),
            };
            self.until = start + seconds(rng, 1, 900);
            return;
        }
        let (status, on_phone) = match rng.random_range(0..14) {
            0..=2 => (&AVAILABLE, false),
            3..=6 => (&AVAILABLE, true),
            7 => (&FOLLOW_UP, false),
            8 => (&ACW_MANUAL, false),
            9 => (break_status(rng), false),
            10 => (&AVAILABLE_NO_ACD, true),
            11 => (&DO_NOT_DISTURB, false),
            12 => (&IN_A_MEETING, false),
            _ => (&COACHING, false),
        };
        self.presence = Presence {
            status,
            logged_in: true,
            on_phone,
            since: start - seconds(rng, 0, 5400),
        };
        self.until = start + seconds(rng, 1, 300);
    }

    /// The time of the user's next change.
    pub(crate) fn until(&self) -> Timestamp {
        self.until
    }

    /// Makes the change due at `self.until`.
    pub(crate) fn step(&mut self, rng: &mut SmallRng) {
        let at = self.until;
        let (status, on_phone, length) = self.next(rng);
        self.presence = Presence {
            status,
            logged_in: status.logged_in,
            on_phone,
            since: at,
        };
        self.until = at + length;
    }

    /// The next status and phone flag, and how long they last.
    fn next(&self, rng: &mut SmallRng) -> (&'static CicStatus, bool, SignedDuration) {
        let current = self.presence.status;
        let on_phone = self.presence.on_phone;
        let roll: f64 = rng.random();
        let same = |s: &CicStatus| current.key == s.key;
        let (next, phone) = if !self.presence.logged_in {
            match roll {
                r if r < 0.75 => (&AVAILABLE, false),
                r if r < 0.85 => (&AVAILABLE_NO_ACD, false),
                r if r < 0.92 => (&IN_A_MEETING, false),
                _ => (&DO_NOT_DISTURB, false),
            }
        } else if same(&AVAILABLE) && on_phone {
            // The ACD call ends.
            match roll {
                r if r < 0.6 => (&FOLLOW_UP, false),
                r if r < 0.75 => (&ACW_MANUAL, false),
                _ => (&AVAILABLE, false),
            }
        } else if same(&AVAILABLE) {
            match roll {
                r if r < 0.7 => (&AVAILABLE, true),
                r if r < 0.78 => (break_status(rng), false),
                r if r < 0.81 => (&DO_NOT_DISTURB, false),
                r if r < 0.83 => (&IN_A_MEETING, false),
                r if r < 0.84 => (&AT_TRAINING, false),
                r if r < 0.86 => (&COACHING, false),
                r if r < 0.87 => (&PROJECT_WORK, false),
                r if r < 0.90 => (&NOT_ANSWERING, false),
                r if r < 0.94 => (&AVAILABLE_NO_ACD, false),
                r if r < 0.97 => (&FOLLOW_UP, false),
                _ => (logout_status(rng), false),
            }
        } else if same(&AVAILABLE_NO_ACD) && on_phone {
            // The outbound call ends.
            if roll < 0.5 {
                (&AVAILABLE_NO_ACD, false)
            } else {
                (&AVAILABLE, false)
            }
        } else if same(&AVAILABLE_NO_ACD) {
            match roll {
                r if r < 0.45 => (&AVAILABLE_NO_ACD, true),
                r if r < 0.9 => (&AVAILABLE, false),
                _ => (break_status(rng), false),
            }
        } else if (same(&FOLLOW_UP) || same(&DO_NOT_DISTURB)) && on_phone {
            // A callback or an extension call ends.
            if roll < 0.7 {
                (current, false)
            } else {
                (&AVAILABLE, false)
            }
        } else if same(&FOLLOW_UP) || same(&ACW_MANUAL) || same(&DO_NOT_DISTURB) {
            match roll {
                r if r < 0.12 && !same(&ACW_MANUAL) => (current, true),
                r if r < 0.9 => (&AVAILABLE, false),
                r if r < 0.95 => (&AVAILABLE_NO_ACD, false),
                _ => (break_status(rng), false),
            }
        } else if same(&NOT_ANSWERING) {
            (&AVAILABLE, false)
        } else {
            // Breaks, meetings, training, coaching, project work.
            match roll {
                r if r < 0.88 => (&AVAILABLE, false),
                r if r < 0.92 => (&AVAILABLE_NO_ACD, false),
                _ => (logout_status(rng), false),
            }
        };
        let length = match (next.key, phone) {
            ("Available", true) => seconds(rng, 20, 900),
            (_, true) => seconds(rng, 20, 400),
            ("Available", false) => seconds(rng, 5, 150),
            ("Available, No ACD", false) => seconds(rng, 10, 300),
            ("Follow Up" | "ACW - Manual", false) => seconds(rng, 5, 180),
            ("At Lunch", _) => seconds(rng, 1800, 3600),
            ("Break, Short", _) => seconds(rng, 300, 900),
            ("Do Not Disturb", _) => seconds(rng, 30, 600),
            ("AcdAgentNotAnswering", _) => seconds(rng, 10, 120),
            ("In a Meeting" | "At a Training Session" | "Coaching 1:1", _) => {
                seconds(rng, 900, 3600)
            }
            ("Project Work", _) => seconds(rng, 600, 2400),
            ("On Vacation", _) => seconds(rng, 4 * 3600, 12 * 3600),
            _ if !next.logged_in => seconds(rng, 60, 3600),
            _ => seconds(rng, 60, 600),
        };
        (next, phone, length)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use std::collections::HashMap;

    #[test]
    fn the_catalog_has_the_spec_defaults_and_customer_statuses() {
        for key in [
            "Available",
            "Available, No ACD",
            "At Lunch",
            "Do Not Disturb",
            "Follow Up",
            "Gone Home",
            "In a Meeting",
            "At a Training Session",
            "Out of the Office",
            "On Vacation",
            "AcdAgentNotAnswering",
            "ACW - Manual",
        ] {
            assert!(status(key).is_some(), "{key}");
        }
        assert_eq!(status("available, no acd"), Some(&AVAILABLE_NO_ACD));
        let keys: HashSet<_> = STATUSES.iter().map(|s| s.key).collect();
        assert_eq!(keys.len(), STATUSES.len());
        for s in STATUSES {
            // Flags agree with groups: ACD statuses are AVAILABLE, after-call work FOLLOWUP.
            assert!(!s.acd || s.group == "AVAILABLE", "{}", s.key);
            assert_eq!(s.acw, s.group == "FOLLOWUP", "{}", s.key);
            assert!(!(s.acd && (s.acw || s.dnd)), "{}", s.key);
            assert!(s.logged_in || !(s.acd || s.acw || s.dnd), "{}", s.key);
        }
    }

    #[test]
    fn user_ids_are_distinct_ignoring_case() {
        let ids = user_ids(500);
        let lower: HashSet<_> = ids.iter().map(|id| id.to_ascii_lowercase()).collect();
        assert_eq!(lower.len(), 500);
        assert!(ids.iter().any(|id| id.contains(' ')));
        assert!(ids.iter().any(|id| id.contains('@')));
        assert!(ids.iter().any(|id| id.contains('.')));
        assert_eq!(ids[..2], ["jdoe", "anna.smith"]);
    }

    #[test]
    fn encoded_statuses_carry_status_and_flags() {
        let mut user = SimUser::new("Kate o'brien".to_owned(), 3);
        let since = "2026-11-23T08:00:00Z".parse().unwrap();
        user.presence = Presence {
            status: &COACHING,
            logged_in: true,
            on_phone: true,
            since,
        };
        let mut out = Vec::new();
        rta_cic::line_status(&mut out, &user.encoded(rta_cic::CicTime::Utc(since)));
        assert_eq!(
            std::str::from_utf8(&out).unwrap(),
            "STATUS|2026-11-23T08:00:00Z|Kate o'brien|Coaching 1:1|Coaching \\| 1:1|COACHING|1|0|0|0|1|7004\r\n"
        );
        user.presence.status = &GONE_HOME;
        user.presence.logged_in = false;
        user.presence.on_phone = false;
        assert_eq!(user.encoded(rta_cic::CicTime::Utc(since)).station, None);
    }

    #[test]
    fn phases_follow_the_spec() {
        let at = Timestamp::UNIX_EPOCH;
        let presence = |status, logged_in, on_phone| Presence {
            status,
            logged_in,
            on_phone,
            since: at,
        };
        assert_eq!(presence(&GONE_HOME, false, false).phase(), Phase::LoggedOut);
        assert_eq!(presence(&AVAILABLE, true, true).phase(), Phase::Talking);
        assert_eq!(presence(&FOLLOW_UP, true, true).phase(), Phase::Talking);
        assert_eq!(presence(&AVAILABLE, true, false).phase(), Phase::Available);
        assert_eq!(presence(&ACW_MANUAL, true, false).phase(), Phase::WrapUp);
        let away = presence(&AVAILABLE_NO_ACD, true, false);
        assert_eq!(away.phase(), Phase::Away);
        assert_eq!(away.reason(), Some("Available, No ACD"));
        assert!(!presence(&GONE_HOME, true, false).is_consistent());
        assert!(!presence(&AVAILABLE, false, false).is_consistent());
    }

    /// Every presence the model reaches is consistent, every status is visited, and every
    /// phase too.
    #[test]
    fn a_day_is_consistent_and_visits_every_status() {
        let mut rng = SmallRng::seed_from_u64(5);
        let start: Timestamp = "2026-11-23T08:00:00Z".parse().unwrap();
        let mut seen = HashMap::new();
        let mut phases = HashSet::new();
        for (index, id) in user_ids(30).into_iter().enumerate() {
            let mut user = SimUser::new(id, index);
            user.place(start, &mut rng);
            assert!(user.presence.is_consistent());
            for _ in 0..1500 {
                let before = user.presence;
                user.step(&mut rng);
                let now = user.presence;
                assert!(now.is_consistent(), "{now:?}");
                assert!(now.since < user.until());
                assert!(
                    (now.status, now.on_phone) != (before.status, before.on_phone),
                    "a change changes something: {before:?}"
                );
                *seen.entry(now.status.key).or_insert(0) += 1;
                phases.insert(now.phase());
            }
        }
        for s in STATUSES {
            assert!(seen.contains_key(s.key), "{} never seen: {seen:?}", s.key);
        }
        for phase in [
            Phase::LoggedOut,
            Phase::Talking,
            Phase::Available,
            Phase::WrapUp,
            Phase::Away,
        ] {
            assert!(phases.contains(&phase), "{phase}");
        }
    }
}
