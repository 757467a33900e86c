//! The agent model: the states of an Odigo agent, how a simulated agent moves through them
//! in a shift, and the shared ground truth ([`Roster`]) the simulated web service answers
//! from.
//!
//! A shift: log in (mostly `AVAILABLE`, sometimes straight into a pause), take calls
//! (`ALERTING` then `IN_CALL` inbound, or `IN_CALL` outbound from `AVAILABLE`; `HOLD` and back
//! to `IN_CALL`; `WRAP_UP`; a missed call goes back to `AVAILABLE`), pauses with a code and
//! label, and `LOGGED_OUT` once the shift is over, then a new shift after some time off.
//! Times are milliseconds of the simulator's virtual clock.

use jiff::{SignedDuration, Timestamp};
use rand::Rng;
use rand::rngs::SmallRng;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};

/// The direction of a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    In,
    Out,
}

impl Direction {
    /// As the wire writes it: `IN` or `OUT`.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::In => "IN",
            Direction::Out => "OUT",
        }
    }
}

/// A pause code and its label, as configured in Odigo's administration.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PauseReason {
    pub code: Arc<str>,
    pub label: Arc<str>,
}

impl PauseReason {
    pub fn new(code: &str, label: &str) -> PauseReason {
        PauseReason {
            code: code.into(),
            label: label.into(),
        }
    }

    /// Break, lunch, training and meeting, and a label with a non-ASCII letter (decoders
    /// and look-ups must keep it intact).
    pub fn defaults() -> Vec<PauseReason> {
        [
            ("1", "Break"),
            ("2", "Lunch"),
            ("7", "Training"),
            ("9", "Meeting"),
            ("12", "Pause café"),
        ]
        .into_iter()
        .map(|(code, label)| PauseReason::new(code, label))
        .collect()
    }
}

/// What an agent is doing.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AgentState {
    LoggedOut,
    Available,
    /// A call is ringing at the agent (inbound).
    Alerting,
    InCall(Direction),
    /// A call on hold; it resumes in the same direction.
    Hold(Direction),
    WrapUp,
    Pause(PauseReason),
}

impl AgentState {
    /// The canonical name of `specs/odigo.md`: `LOGGED_OUT`, `AVAILABLE`, `ALERTING`,
    /// `IN_CALL`, `HOLD`, `WRAP_UP`, `PAUSE`.
    pub fn name(&self) -> &'static str {
        match self {
            AgentState::LoggedOut => "LOGGED_OUT",
            AgentState::Available => "AVAILABLE",
            AgentState::Alerting => "ALERTING",
            AgentState::InCall(_) => "IN_CALL",
            AgentState::Hold(_) => "HOLD",
            AgentState::WrapUp => "WRAP_UP",
            AgentState::Pause(_) => "PAUSE",
        }
    }

    /// The spec's other names for the state (`DISCONNECTED`, `READY`, `RINGING`, `BUSY`,
    /// `IN_COMMUNICATION`, `POST_CALL`); none for `HOLD` and `PAUSE`.
    pub fn synonyms(&self) -> &'static [&'static str] {
        match self {
            AgentState::LoggedOut => &["DISCONNECTED"],
            AgentState::Available => &["READY"],
            AgentState::Alerting => &["RINGING"],
            AgentState::InCall(_) => &["BUSY", "IN_COMMUNICATION"],
            AgentState::WrapUp => &["POST_CALL"],
            AgentState::Hold(_) | AgentState::Pause(_) => &[],
        }
    }

    /// The direction the wire sends with the state: only `IN_CALL` has one.
    pub fn direction(&self) -> Option<Direction> {
        match self {
            AgentState::InCall(direction) => Some(*direction),
            _ => None,
        }
    }

    pub fn pause(&self) -> Option<&PauseReason> {
        match self {
            AgentState::Pause(reason) => Some(reason),
            _ => None,
        }
    }
}

impl fmt::Display for AgentState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The ground truth of one agent: its current state and since when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentTruth {
    pub login: Arc<str>,
    /// Odigo's numeric agent id, as text.
    pub id: Arc<str>,
    pub state: AgentState,
    /// The time of the notification that set the state.
    pub since: Timestamp,
}

#[derive(Debug)]
struct RosterInner {
    /// Login -> index in `agents`; fixed at creation.
    index: HashMap<Arc<str>, usize>,
    agents: Mutex<Vec<AgentTruth>>,
}

/// The shared ground truth: every agent's current state, as of the simulator's clock.
///
/// A cheap handle ([`Clone`] shares it): the simulator ([`crate::odigo::OdigoSim`]) writes
/// it as agents change, the web service ([`crate::odigo::WebService`]) answers pause
/// look-ups from it, tests compare the engine's state table with it. Like Odigo's own web
/// service it holds the current state only: a look-up made after a later change of the
/// agent sees that change.
#[derive(Debug, Clone)]
pub struct Roster {
    inner: Arc<RosterInner>,
}

impl Roster {
    pub(crate) fn new(agents: Vec<AgentTruth>) -> Roster {
        let index = agents
            .iter()
            .enumerate()
            .map(|(i, agent)| (agent.login.clone(), i))
            .collect();
        Roster {
            inner: Arc::new(RosterInner {
                index,
                agents: Mutex::new(agents),
            }),
        }
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Vec<AgentTruth>> {
        // A panic while holding the lock leaves whole values behind: keep using them.
        self.inner.agents.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The agent whose login is `login` (exactly).
    pub fn get(&self, login: &str) -> Option<AgentTruth> {
        let index = *self.inner.index.get(login)?;
        Some(self.lock()[index].clone())
    }

    /// Every agent, in the order of the configured logins.
    pub fn agents(&self) -> Vec<AgentTruth> {
        self.lock().clone()
    }

    pub fn len(&self) -> usize {
        self.inner.index.len()
    }

    pub fn is_empty(&self) -> bool {
        self.inner.index.is_empty()
    }
}

/// `count` logins `agent0001@<tenant>.example`, `agent0002@...` (at least four digits).
pub fn logins(tenant: &str, count: usize) -> Vec<String> {
    (1..=count)
        .map(|n| format!("agent{n:04}@{tenant}.example"))
        .collect()
}

/// A duration between `low` and `high` inclusive, in whole milliseconds.
pub(crate) fn between(
    rng: &mut SmallRng,
    low: SignedDuration,
    high: SignedDuration,
) -> SignedDuration {
    // Durations beyond i64 milliseconds (292 million years) are clamped.
    let millis = |d: SignedDuration| i64::try_from(d.as_millis()).unwrap_or(i64::MAX);
    SignedDuration::from_millis(rng.random_range(millis(low)..=millis(high)))
}

/// The shape of the agents' days.
#[derive(Debug, Clone)]
pub(crate) struct Schedule {
    pub pauses: Vec<PauseReason>,
    pub shift: (SignedDuration, SignedDuration),
    pub off_duty: (SignedDuration, SignedDuration),
}

/// How long a state lasts, drawn when it begins.
fn length(state: &AgentState, rng: &mut SmallRng, schedule: &Schedule) -> SignedDuration {
    let secs = SignedDuration::from_secs;
    match state {
        AgentState::LoggedOut => between(rng, schedule.off_duty.0, schedule.off_duty.1),
        AgentState::Available => between(rng, secs(3), secs(90)),
        AgentState::Alerting => between(rng, secs(2), secs(20)),
        AgentState::InCall(_) => between(rng, secs(20), secs(600)),
        AgentState::Hold(_) => between(rng, secs(10), secs(120)),
        AgentState::WrapUp => between(rng, secs(5), secs(120)),
        AgentState::Pause(_) => between(rng, secs(120), secs(1800)),
    }
}

fn any_pause(rng: &mut SmallRng, schedule: &Schedule) -> AgentState {
    let index = rng.random_range(0..schedule.pauses.len());
    AgentState::Pause(schedule.pauses[index].clone())
}

/// The state after `state` at `at`, and how long it lasts; a log-in sets the end of the new
/// shift in `shift_end`. Logging out happens only once the shift is over, from `AVAILABLE`,
/// `WRAP_UP` or a pause (sometimes a pause ends a shift early).
pub(crate) fn next_state(
    state: &AgentState,
    at: Timestamp,
    shift_end: &mut Timestamp,
    rng: &mut SmallRng,
    schedule: &Schedule,
) -> (AgentState, SignedDuration) {
    let over = at >= *shift_end;
    let roll: f64 = rng.random();
    let next = match state {
        AgentState::LoggedOut => {
            *shift_end = at + between(rng, schedule.shift.0, schedule.shift.1);
            if roll < 0.9 {
                AgentState::Available
            } else {
                any_pause(rng, schedule)
            }
        }
        AgentState::Available if over => AgentState::LoggedOut,
        AgentState::Available => match roll {
            r if r < 0.65 => AgentState::Alerting,
            r if r < 0.82 => AgentState::InCall(Direction::Out),
            _ => any_pause(rng, schedule),
        },
        AgentState::Alerting if roll < 0.9 => AgentState::InCall(Direction::In),
        // Missed: back to waiting.
        AgentState::Alerting => AgentState::Available,
        AgentState::InCall(direction) => match roll {
            r if r < 0.15 => AgentState::Hold(*direction),
            r if r < 0.9 => AgentState::WrapUp,
            _ => AgentState::Available,
        },
        AgentState::Hold(direction) => AgentState::InCall(*direction),
        AgentState::WrapUp if over => AgentState::LoggedOut,
        AgentState::WrapUp if roll < 0.88 => AgentState::Available,
        AgentState::WrapUp => any_pause(rng, schedule),
        AgentState::Pause(_) if over || roll >= 0.97 => AgentState::LoggedOut,
        AgentState::Pause(_) => AgentState::Available,
    };
    let lasts = length(&next, rng, schedule);
    (next, lasts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use std::collections::HashSet;

    fn schedule() -> Schedule {
        Schedule {
            pauses: PauseReason::defaults(),
            shift: (SignedDuration::from_hours(1), SignedDuration::from_hours(2)),
            off_duty: (SignedDuration::from_mins(5), SignedDuration::from_mins(20)),
        }
    }

    #[test]
    fn logins_are_numbered_in_the_tenant_domain() {
        assert_eq!(
            logins("acme", 2),
            ["agent0001@acme.example", "agent0002@acme.example"]
        );
        assert_eq!(logins("acme", 12345)[12344], "agent12345@acme.example");
    }

    /// A long run visits every state and pause code, changes something at each step, and
    /// logs out only once the shift is over (or from a pause).
    #[test]
    fn a_long_run_visits_every_state() {
        let mut rng = SmallRng::seed_from_u64(3);
        let schedule = schedule();
        let mut state = AgentState::LoggedOut;
        let mut at: Timestamp = "2026-11-23T08:00:00Z".parse().unwrap();
        let mut shift_end = at;
        let mut seen = HashSet::new();
        for _ in 0..20_000 {
            let (next, lasts) = next_state(&state, at, &mut shift_end, &mut rng, &schedule);
            assert_ne!(next, state);
            if next == AgentState::LoggedOut && !matches!(state, AgentState::Pause(_)) {
                assert!(at >= shift_end, "{state} -> LOGGED_OUT mid-shift");
            }
            assert!(lasts >= SignedDuration::from_secs(2));
            seen.insert(match &next {
                AgentState::Pause(reason) => format!("PAUSE {}", reason.code),
                other => format!("{other} {:?}", other.direction()),
            });
            state = next;
            at += lasts;
        }
        assert_eq!(seen.len(), 7 + PauseReason::defaults().len(), "{seen:?}");
    }
}
