//! The agent model: who the simulated agents are and how they move between CMS states.
//!
//! Each agent follows the life of a contact-center agent as CMS reports it: after login it is
//! `OTHER` for a few seconds, then in AUX reason 0 ("system AUX"), then it works: `AVAIL`,
//! `RING`, `ACDIN`, `ACW`, `AVAIL` again, with AUX breaks (reasons 1-99), outbound and inbound
//! extension calls while in AUX or ACW (`AUXOUT`, `AUXIN`, `ACWOUT`), direct agent calls
//! (`DACD`, `DACW`), logouts and later logins. Times are whole seconds of the simulator's
//! virtual clock.

use jiff::{SignedDuration, Timestamp};
use rand::Rng;
use rand::rngs::SmallRng;
use rand::seq::IndexedRandom;
use rta_avaya::{AgentState, WorkMode};
use rta_model::Direction;

/// What an agent is doing, as the simulator knows it (the typed truth behind each row).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Activity {
    /// Not staffed: absent from the report.
    LoggedOut,
    /// Just logged in (CMS shows `OTHER` for some seconds).
    Other,
    /// In AUX with a reason code (0 = system AUX right after login).
    Aux {
        reason: u32,
    },
    /// In AUX, on an inbound extension call (`AUXIN`).
    AuxIn {
        reason: u32,
    },
    /// In AUX, on an outbound call (`AUXOUT`).
    AuxOut {
        reason: u32,
    },
    Avail,
    /// An ACD call of this skill is ringing.
    Ring {
        skill: u32,
    },
    /// On an inbound ACD call of this skill (`ACDIN`).
    AcdIn {
        skill: u32,
    },
    /// After-call work, for the skill of the call (none for manual wrap-up).
    Acw {
        skill: Option<u32>,
    },
    /// After-call work, on an outbound call (`ACWOUT`).
    AcwOut {
        skill: Option<u32>,
    },
    /// On a direct agent call.
    Dacd,
    /// After-call work of a direct agent call.
    Dacw,
}

impl Activity {
    /// The CMS state (work mode and direction) the report shows.
    pub fn state(self) -> AgentState {
        let (mode, direction) = match self {
            Activity::LoggedOut => (WorkMode::Unstaffed, Direction::None),
            Activity::Other => (WorkMode::Other, Direction::None),
            Activity::Aux { .. } => (WorkMode::Aux, Direction::None),
            Activity::AuxIn { .. } => (WorkMode::Aux, Direction::In),
            Activity::AuxOut { .. } => (WorkMode::Aux, Direction::Out),
            Activity::Avail => (WorkMode::Avail, Direction::None),
            Activity::Ring { .. } => (WorkMode::Ring, Direction::None),
            Activity::AcdIn { .. } => (WorkMode::Acd, Direction::In),
            Activity::Acw { .. } => (WorkMode::Acw, Direction::None),
            Activity::AcwOut { .. } => (WorkMode::Acw, Direction::Out),
            Activity::Dacd => (WorkMode::Dacd, Direction::None),
            Activity::Dacw => (WorkMode::Dacw, Direction::None),
        };
        AgentState { mode, direction }
    }

    /// The `AUXREASON` cell: only in AUX.
    pub fn aux_reason(self) -> Option<u32> {
        match self {
            Activity::Aux { reason } | Activity::AuxIn { reason } | Activity::AuxOut { reason } => {
                Some(reason)
            }
            _ => None,
        }
    }

    /// The `WORKSKILL` cell: the skill of the current call or after-call work.
    pub fn work_skill(self) -> Option<u32> {
        match self {
            Activity::Ring { skill } | Activity::AcdIn { skill } => Some(skill),
            Activity::Acw { skill } | Activity::AcwOut { skill } => skill,
            _ => None,
        }
    }

    /// True unless logged out.
    pub fn is_staffed(self) -> bool {
        self != Activity::LoggedOut
    }
}

/// One simulated agent.
#[derive(Debug, Clone)]
pub struct SimAgent {
    /// The ACD number.
    pub acd: u32,
    /// The login id: opaque bytes, some with leading zeros.
    pub logid: Box<[u8]>,
    pub extension: Box<[u8]>,
    /// The agent's name (synonym), Latin-1 encoded.
    pub name: Box<[u8]>,
    /// The skills the agent logs in with (one row per skill in multi-skill reports).
    pub skills: Box<[u32]>,
    /// What the agent is doing now.
    pub activity: Activity,
    /// When the current activity began (the true state start).
    pub since: Timestamp,
    /// When the current activity ends.
    pub(crate) until: Timestamp,
}

const FIRST_NAMES: [&str; 12] = [
    "René",
    "Zoë",
    "Françoise",
    "Jürgen",
    "Ångström",
    "José",
    "Maëlle",
    "Søren",
    "Inès",
    "Björn",
    "Noémie",
    "Agnès",
];
const LAST_NAMES: [&str; 10] = [
    "Dupont",
    "Núñez",
    "Strauß",
    "Ødegaard",
    "Gómez",
    "Müller",
    "Lefèvre",
    "Çelik",
    "Brontë",
    "Martin",
];

/// Latin-1 bytes of a name whose characters are all below U+0100.
fn latin1(text: &str) -> Box<[u8]> {
    text.chars()
        .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
        .collect()
}

/// The skills agents log in with.
pub(crate) const SKILL_POOL: [u32; 8] = [101, 102, 103, 104, 105, 106, 107, 108];

fn seconds(rng: &mut SmallRng, low: i64, high: i64) -> SignedDuration {
    SignedDuration::from_secs(rng.random_range(low..=high))
}

fn break_reason(rng: &mut SmallRng) -> u32 {
    if rng.random_bool(0.8) {
        rng.random_range(1..=9)
    } else {
        rng.random_range(10..=99)
    }
}

impl SimAgent {
    /// Agent number `index`: its ids, name and skills (`max_skills` of them at most).
    pub(crate) fn new(index: usize, max_skills: usize, rng: &mut SmallRng) -> SimAgent {
        let number = 40101 + index;
        let logid = if index % 4 == 3 {
            format!("0{number}")
        } else {
            number.to_string()
        };
        let name = format!(
            "{} {}",
            FIRST_NAMES[index % FIRST_NAMES.len()],
            LAST_NAMES[(index / FIRST_NAMES.len() + index) % LAST_NAMES.len()]
        );
        let count = rng.random_range(1..=max_skills.clamp(1, SKILL_POOL.len()));
        let mut skills: Vec<u32> = SKILL_POOL
            .choose_multiple(rng, count)
            .copied()
            .collect::<Vec<_>>();
        skills.sort_unstable();
        SimAgent {
            acd: if index % 10 == 9 { 2 } else { 1 },
            logid: logid.into_bytes().into(),
            extension: (51001 + index).to_string().into_bytes().into(),
            name: latin1(&name),
            skills: skills.into(),
            activity: Activity::LoggedOut,
            since: Timestamp::UNIX_EPOCH,
            until: Timestamp::UNIX_EPOCH,
        }
    }

    /// Puts the agent somewhere in its day at `start`: most are staffed, in a state that began
    /// before `start`; the others log in a little later.
    pub(crate) fn place(&mut self, start: Timestamp, rng: &mut SmallRng) {
        if rng.random_bool(0.15) {
            self.activity = Activity::LoggedOut;
            self.since = start - seconds(rng, 60, 7200);
            self.until = start + seconds(rng, 1, 600);
            return;
        }
        let skill = *self.skills.choose(rng).expect("every agent has a skill");
        let activity = *[
            Activity::Avail,
            Activity::Avail,
            Activity::AcdIn { skill },
            Activity::AcdIn { skill },
            Activity::AcdIn { skill },
            Activity::Acw { skill: Some(skill) },
            Activity::Aux {
                reason: break_reason(rng),
            },
            Activity::Aux { reason: 0 },
            Activity::Ring { skill },
            Activity::Other,
            Activity::Dacd,
        ]
        .choose(rng)
        .expect("not empty");
        self.activity = activity;
        self.since = start - seconds(rng, 0, 5400);
        self.until = start + seconds(rng, 1, 300);
    }

    /// Applies every change due up to `now` (inclusive).
    pub(crate) fn advance(&mut self, now: Timestamp, rng: &mut SmallRng) {
        while self.until <= now {
            let at = self.until;
            let (next, length) = self.next_activity(rng);
            self.activity = next;
            self.since = at;
            self.until = at + length;
        }
    }

    /// The next activity and how long it lasts.
    fn next_activity(&self, rng: &mut SmallRng) -> (Activity, SignedDuration) {
        let roll: f64 = rng.random();
        let skill = *self.skills.choose(rng).expect("every agent has a skill");
        let next = match self.activity {
            Activity::LoggedOut => Activity::Other,
            Activity::Other => Activity::Aux { reason: 0 },
            Activity::Aux { reason: 0 } if roll < 0.9 => Activity::Avail,
            Activity::Aux { reason: 0 } => Activity::Aux {
                reason: break_reason(rng),
            },
            Activity::Aux { reason } => match roll {
                r if r < 0.75 => Activity::Avail,
                r if r < 0.85 => Activity::AuxOut { reason },
                r if r < 0.90 => Activity::AuxIn { reason },
                _ => Activity::LoggedOut,
            },
            Activity::AuxIn { reason } | Activity::AuxOut { reason } if roll < 0.8 => {
                Activity::Aux { reason }
            }
            Activity::AuxIn { .. } | Activity::AuxOut { .. } => Activity::Avail,
            Activity::Avail => match roll {
                r if r < 0.75 => Activity::Ring { skill },
                r if r < 0.87 => Activity::Aux {
                    reason: break_reason(rng),
                },
                r if r < 0.93 => Activity::Dacd,
                r if r < 0.97 => Activity::Acw { skill: None },
                _ => Activity::LoggedOut,
            },
            Activity::Ring { skill } if roll < 0.93 => Activity::AcdIn { skill },
            Activity::Ring { .. } => Activity::Avail,
            Activity::AcdIn { skill } if roll < 0.75 => Activity::Acw { skill: Some(skill) },
            Activity::AcdIn { .. } => Activity::Avail,
            Activity::Acw { skill } => match roll {
                r if r < 0.88 => Activity::Avail,
                r if r < 0.95 => Activity::AcwOut { skill },
                _ => Activity::Aux {
                    reason: break_reason(rng),
                },
            },
            Activity::AcwOut { skill } if roll < 0.6 => Activity::Acw { skill },
            Activity::AcwOut { .. } => Activity::Avail,
            Activity::Dacd if roll < 0.6 => Activity::Dacw,
            Activity::Dacd | Activity::Dacw => Activity::Avail,
        };
        let length = match next {
            Activity::LoggedOut => seconds(rng, 60, 3600),
            Activity::Other => seconds(rng, 3, 12),
            Activity::Aux { reason: 0 } => seconds(rng, 5, 90),
            // Breaks of a few minutes, now and then a lunch of an hour or more.
            Activity::Aux { .. } if rng.random_bool(0.1) => seconds(rng, 1800, 5400),
            Activity::Aux { .. } => seconds(rng, 30, 900),
            Activity::AuxIn { .. } | Activity::AuxOut { .. } => seconds(rng, 20, 400),
            Activity::Avail => seconds(rng, 5, 150),
            Activity::Ring { .. } => seconds(rng, 2, 25),
            Activity::AcdIn { .. } => seconds(rng, 20, 900),
            Activity::Acw { .. } => seconds(rng, 3, 180),
            Activity::AcwOut { .. } => seconds(rng, 15, 300),
            Activity::Dacd => seconds(rng, 20, 400),
            Activity::Dacw => seconds(rng, 3, 90),
        };
        (next, length)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn states_match_cms_codes() {
        assert_eq!(Activity::AcdIn { skill: 101 }.state().code(), "ACDIN");
        assert_eq!(Activity::AcwOut { skill: None }.state().code(), "ACWOUT");
        assert_eq!(Activity::AuxOut { reason: 3 }.state().code(), "AUXOUT");
        assert_eq!(Activity::AuxOut { reason: 3 }.aux_reason(), Some(3));
        assert_eq!(Activity::Avail.aux_reason(), None);
        assert_eq!(Activity::Ring { skill: 102 }.work_skill(), Some(102));
        assert_eq!(Activity::Dacw.state().code(), "DACW");
        assert!(!Activity::LoggedOut.is_staffed());
    }

    #[test]
    fn names_are_latin1() {
        assert_eq!(&*latin1("René"), b"Ren\xe9");
        assert_eq!(&*latin1("Strauß Ø"), b"Strau\xdf \xd8");
    }

    #[test]
    fn login_goes_through_other_then_system_aux() {
        let mut rng = SmallRng::seed_from_u64(7);
        let start: Timestamp = "2026-11-23T08:00:00Z".parse().unwrap();
        let mut agent = SimAgent::new(0, 1, &mut rng);
        agent.activity = Activity::LoggedOut;
        agent.until = start;
        agent.advance(start, &mut rng);
        assert_eq!(agent.activity, Activity::Other);
        assert_eq!(agent.since, start);
        let other_end = agent.until;
        agent.advance(other_end, &mut rng);
        assert_eq!(agent.activity, Activity::Aux { reason: 0 });
        assert_eq!(agent.since, other_end);
    }

    #[test]
    fn a_day_visits_every_state() {
        let mut rng = SmallRng::seed_from_u64(3);
        let start: Timestamp = "2026-11-23T08:00:00Z".parse().unwrap();
        let mut seen = std::collections::HashSet::new();
        for index in 0..20 {
            let mut agent = SimAgent::new(index, 3, &mut rng);
            agent.place(start, &mut rng);
            let mut now = start;
            for _ in 0..2000 {
                now += SignedDuration::from_secs(15);
                agent.advance(now, &mut rng);
                assert!(agent.since <= now && agent.until > now);
                seen.insert(agent.activity.state().code());
            }
        }
        for code in [
            "UNSTAFF", "OTHER", "AUX", "AUXIN", "AUXOUT", "AVAIL", "RING", "ACDIN", "ACW",
            "ACWOUT", "DACD", "DACW",
        ] {
            assert!(seen.contains(code), "{code} never seen: {seen:?}");
        }
    }
}
