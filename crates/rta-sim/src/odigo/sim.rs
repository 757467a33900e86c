//! The simulator: a virtual clock, the agents, and the notifications Odigo would send.

use crate::odigo::agents::{AgentState, AgentTruth, Roster, Schedule, between, next_state};
use crate::odigo::config::{OdigoSimConfig, TimeFormat};
use crate::odigo::error::OdigoSimError;
use crate::odigo::wire::{Body, Keys, Malformed, Style};
use jiff::Timestamp;
use jiff::tz::Offset;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::Arc;

/// What a notification reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// `AGENT_STATE_CHANGED`: an agent went from `previous` to `state`.
    StateChanged {
        /// The agent's index in the configured logins.
        agent: usize,
        login: Arc<str>,
        id: Arc<str>,
        state: AgentState,
        previous: AgentState,
    },
    /// `HEARTBEAT`: nothing changed, the feed is alive.
    Heartbeat,
}

impl Event {
    /// The `eventType` of the wire.
    pub fn event_type(&self) -> &'static str {
        match self {
            Event::StateChanged { .. } => "AGENT_STATE_CHANGED",
            Event::Heartbeat => "HEARTBEAT",
        }
    }
}

/// One notification: what happened, when, and how the wire writes it ([`Body`] encodes it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimNotification {
    /// A random UUID (version 4 layout), unique per notification.
    pub event_id: String,
    pub tenant: Arc<str>,
    /// The virtual time of the event (milliseconds).
    pub time: Timestamp,
    pub event: Event,
    pub style: Style,
}

/// The due time of an agent's next change, or of the next heartbeat.
type Due = Reverse<(Timestamp, usize)>;

/// The queue index of the heartbeat (agents are `0..n`).
const HEARTBEAT: usize = usize::MAX;

/// A deterministic Odigo tenant of simulated agents.
///
/// The agents start logged out at the configured start and move on their own schedule;
/// [`OdigoSim::step`] gives every notification due up to a time, in time order,
/// [`OdigoSim::next_notification`] the next one whatever its time (for a sender paced by
/// its own rate). The [`Roster`] is the ground truth as of the clock.
///
/// ```
/// use rta_sim::odigo::{Body, Event, OdigoSim, OdigoSimConfig};
///
/// let start = "2026-11-23T08:00:00Z".parse().unwrap();
/// let mut sim = OdigoSim::new(OdigoSimConfig::new("acme", 3, 42, start)).unwrap();
/// let first = sim.step("2026-11-23T08:10:00Z".parse().unwrap());
/// assert!(first.iter().all(|n| n.time <= sim.now()));
/// let body = Body::json(&first[0]);
/// let text = std::str::from_utf8(&body.bytes).unwrap();
/// assert!(text.starts_with(r#"{"eventId":""#), "{text}");
/// assert!(text.contains(r#""tenantId":"acme""#));
/// // The last notification of each agent is its truth.
/// for agent in sim.truth() {
///     let last = first.iter().rev().find_map(|n| match &n.event {
///         Event::StateChanged { login, state, .. } if *login == agent.login => Some(state),
///         _ => None,
///     });
///     assert_eq!(last, Some(&agent.state));
/// }
/// ```
#[derive(Debug)]
pub struct OdigoSim {
    config: OdigoSimConfig,
    tenant: Arc<str>,
    schedule: Schedule,
    roster: Roster,
    shift_ends: Vec<Timestamp>,
    queue: BinaryHeap<Due>,
    /// The agents' moves: apart from the wire's choices, so varying the wire keeps them.
    agents_rng: SmallRng,
    /// Event ids, wire styles, and the agents that malformed bodies name.
    wire_rng: SmallRng,
    now: Timestamp,
    /// The `sequence` extra field: counts the notifications made.
    sequence: u64,
}

impl OdigoSim {
    pub fn new(config: OdigoSimConfig) -> Result<OdigoSim, OdigoSimError> {
        config.check()?;
        let mut agents_rng = SmallRng::seed_from_u64(config.seed);
        // A different stream from the same seed (the constant is the golden ratio).
        let wire_rng = SmallRng::seed_from_u64(config.seed ^ 0x9e37_79b9_7f4a_7c15);
        let start = config.start;
        let truths = config
            .logins
            .iter()
            .enumerate()
            .map(|(index, login)| AgentTruth {
                login: login.as_str().into(),
                id: (10_001 + index).to_string().into(),
                state: AgentState::LoggedOut,
                since: start,
            })
            .collect();
        let mut queue: BinaryHeap<Due> = (0..config.logins.len())
            .map(|agent| {
                let login = between(
                    &mut agents_rng,
                    jiff::SignedDuration::ZERO,
                    config.login_spread,
                );
                Reverse((start + login, agent))
            })
            .collect();
        if let Some(every) = config.heartbeat {
            queue.push(Reverse((start + every, HEARTBEAT)));
        }
        Ok(OdigoSim {
            tenant: config.tenant.as_str().into(),
            schedule: Schedule {
                pauses: config.pauses.clone(),
                shift: config.shift,
                off_duty: config.off_duty,
            },
            roster: Roster::new(truths),
            shift_ends: vec![start; config.logins.len()],
            queue,
            agents_rng,
            wire_rng,
            now: start,
            sequence: 0,
            config,
        })
    }

    pub fn config(&self) -> &OdigoSimConfig {
        &self.config
    }

    /// The virtual clock: every notification up to it was made.
    pub fn now(&self) -> Timestamp {
        self.now
    }

    /// The shared ground truth (a handle: it follows the simulator).
    pub fn roster(&self) -> Roster {
        self.roster.clone()
    }

    /// Every agent's current state, in the order of the configured logins.
    pub fn truth(&self) -> Vec<AgentTruth> {
        self.roster.agents()
    }

    /// The time of the next notification, if any will come (none without agents and
    /// heartbeats).
    pub fn next_time(&self) -> Option<Timestamp> {
        self.queue.peek().map(|Reverse((at, _))| *at)
    }

    /// Moves the clock to `until` (if later) and gives every notification due up to it, in
    /// time order.
    pub fn step(&mut self, until: Timestamp) -> Vec<SimNotification> {
        let mut out = Vec::new();
        while self.next_time().is_some_and(|at| at <= until) {
            out.extend(self.next_notification());
        }
        self.now = self.now.max(until);
        out
    }

    /// The next notification whatever its time; the clock moves to it.
    pub fn next_notification(&mut self) -> Option<SimNotification> {
        let Reverse((at, who)) = self.queue.pop()?;
        self.now = self.now.max(at);
        let event = if who == HEARTBEAT {
            if let Some(every) = self.config.heartbeat {
                self.queue.push(Reverse((at + every, HEARTBEAT)));
            }
            Event::Heartbeat
        } else {
            let mut agents = self.roster.lock();
            let truth = &mut agents[who];
            let (state, lasts) = next_state(
                &truth.state,
                at,
                &mut self.shift_ends[who],
                &mut self.agents_rng,
                &self.schedule,
            );
            let previous = std::mem::replace(&mut truth.state, state.clone());
            truth.since = at;
            let event = Event::StateChanged {
                agent: who,
                login: truth.login.clone(),
                id: truth.id.clone(),
                state,
                previous,
            };
            drop(agents);
            self.queue.push(Reverse((at + lasts, who)));
            event
        };
        Some(self.notification(at, event))
    }

    /// A body of `kind` naming a random agent in its current state (a repeat, with a fresh
    /// event id, stamped with the clock): were it accepted, the agent's state would not
    /// change. `None` without agents.
    pub fn malformed(&mut self, kind: Malformed) -> Option<Body> {
        if self.roster.is_empty() {
            return None;
        }
        let who = self.wire_rng.random_range(0..self.roster.len());
        let truth = self.roster.lock()[who].clone();
        let event = Event::StateChanged {
            agent: who,
            login: truth.login,
            id: truth.id,
            previous: truth.state.clone(),
            state: truth.state,
        };
        let notification = self.notification(self.now, event);
        Some(Body::malformed(kind, &notification))
    }

    fn notification(&mut self, time: Timestamp, event: Event) -> SimNotification {
        self.sequence += 1;
        let event_id = event_id(&mut self.wire_rng);
        let style = self.style(&event);
        SimNotification {
            event_id,
            tenant: self.tenant.clone(),
            time,
            event,
            style,
        }
    }

    /// How the wire writes this notification, drawn from the wire options.
    fn style(&mut self, event: &Event) -> Style {
        let wire = self.config.wire;
        let rng = &mut self.wire_rng;
        let aliases = rng.random_bool(wire.alias_ratio);
        let keys = if aliases {
            Keys::draw(rng)
        } else {
            Keys::CANONICAL
        };
        let synonym = aliases && rng.random_bool(0.5);
        let lowercase = rng.random_bool(wire.lowercase_ratio);
        let time = match wire.time_format {
            TimeFormat::Mixed => match rng.random_range(0..4) {
                0 => TimeFormat::Utc,
                1 => TimeFormat::EpochMillis,
                2 => TimeFormat::Offset(Offset::constant(1)),
                _ => TimeFormat::Offset(Offset::constant(-5)),
            },
            format => format,
        };
        let extra = rng
            .random_bool(wire.extra_fields_ratio)
            .then_some(self.sequence);
        let paused = matches!(
            event,
            Event::StateChanged {
                state: AgentState::Pause(_),
                ..
            }
        );
        let bare_pause = paused && rng.random_bool(wire.bare_pause_ratio);
        Style {
            keys,
            synonym,
            lowercase,
            time,
            extra,
            bare_pause,
        }
    }
}

/// A random UUID in the version 4 layout (`xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx`).
fn event_id(rng: &mut SmallRng) -> String {
    let bits: u128 = rng.random();
    let bits = (bits & !(0xf << 76)) | (0x4 << 76);
    let bits = (bits & !(0x3 << 62)) | (0x2 << 62);
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        bits >> 96,
        (bits >> 80) & 0xffff,
        (bits >> 64) & 0xffff,
        (bits >> 48) & 0xffff,
        bits & 0xffff_ffff_ffff
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn start() -> Timestamp {
        "2026-11-23T08:00:00Z".parse().unwrap()
    }

    #[test]
    fn event_ids_look_like_uuids_and_differ() {
        let mut rng = SmallRng::seed_from_u64(1);
        let ids: HashSet<_> = (0..1000).map(|_| event_id(&mut rng)).collect();
        assert_eq!(ids.len(), 1000);
        for id in ids {
            assert_eq!(id.len(), 36);
            assert_eq!(&id[14..15], "4", "{id}");
            assert!("89ab".contains(&id[19..20]), "{id}");
        }
    }

    #[test]
    fn notifications_come_in_time_order_with_heartbeats() {
        let mut sim = OdigoSim::new(OdigoSimConfig::new("acme", 20, 7, start())).unwrap();
        let until = start() + jiff::SignedDuration::from_hours(3);
        let all = sim.step(until);
        assert_eq!(sim.now(), until);
        assert!(all.windows(2).all(|w| w[0].time <= w[1].time));
        let heartbeats = all.iter().filter(|n| n.event == Event::Heartbeat).count();
        assert_eq!(heartbeats, 180);
        assert!(all.len() > 20 * 40, "{}", all.len());
        assert!(sim.next_time().unwrap() > until);
    }

    /// Each agent's wire moves are independent of the wire options.
    #[test]
    fn wire_options_do_not_change_what_agents_do() {
        let moves = |config: OdigoSimConfig| {
            let mut sim = OdigoSim::new(config).unwrap();
            sim.step(start() + jiff::SignedDuration::from_hours(2))
                .into_iter()
                .map(|n| (n.time, n.event))
                .collect::<Vec<_>>()
        };
        let plain = OdigoSimConfig::new("acme", 5, 9, start());
        let mut varied = plain.clone();
        varied.wire = crate::odigo::WireOptions::varied();
        varied.wire.bare_pause_ratio = 0.5;
        assert_eq!(moves(plain), moves(varied));
    }
}
