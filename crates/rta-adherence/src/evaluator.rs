//! The evaluator: statuses and the passing of time in, events out.

use crate::activities::{Activities, ActivityId, Grace};
use crate::config::{Config, Employee, Mappings, Rules, ScheduleRow, UnscheduledWorking};
use crate::error::{ConfigError, MappingError, ScheduleError};
use crate::figures::{Calendar, DayFigures, Span, Tracker};
use crate::instant::{Millis, millis, timestamp};
use crate::keys::{AgentKeys, OwnKeys};
use crate::mapping::{Named, ResolvedMappings};
use crate::schedule::{Schedule, Scheduled};
use crate::timers::Timers;
use hashbrown::{HashMap, HashSet, HashTable};
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use rta_model::{
    AdherenceEvent, AdherenceStatus, AgentKey, AgentStatusEvent, AlarmEvent, AlarmLevel, Code,
    Direction, EventBody, FeedHealth, IntegrationId, Name, Observation, Phase, UnmappedEvent,
    UnmappedKind, utf8_or_latin1,
};
use std::borrow::Cow;
use std::hash::BuildHasher;

/// Capacity of the event buffer kept between calls: a call that emits more allocates for the
/// burst, the next call frees it.
const EVENTS_KEPT: usize = 1024;

/// An event the evaluator produced, at its event time; the bus gives it a `seq`.
#[derive(Debug, Clone, PartialEq)]
pub struct Emitted {
    pub time: Timestamp,
    pub body: EventBody,
}

/// Bounds that keep a hostile feed from growing the evaluator without end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Agents tracked across all integrations: keys from 0 to this (excluded); statuses of
    /// further agents are counted in [`Stats::agents_refused`] and ignored.
    pub max_agents: usize,
    /// Distinct unmapped status codes reported (and status codes remembered); beyond it
    /// unmapped codes are counted in [`Stats::unmapped_unreported`].
    pub max_status_codes: usize,
    /// Days of figures kept per employee (today included).
    pub figure_days: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_agents: 4 << 20,
            max_status_codes: 65_536,
            figure_days: 2,
        }
    }
}

/// Counters of what was not applied.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Statuses older than the agent's current one.
    pub out_of_order: u64,
    /// Statuses of agents beyond [`Limits::max_agents`], or given no key (the keys were full).
    pub agents_refused: u64,
    /// Statuses of integrations never named with [`Evaluator::add_integration`].
    pub unknown_integration: u64,
    /// Unmapped codes beyond [`Limits::max_status_codes`].
    pub unmapped_unreported: u64,
}

/// An agent as the evaluator maps it ([`Evaluator::agent_mapping`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentMapping {
    /// The employee its user mapping names, if any.
    pub employee: Option<Name>,
    /// The activity its current status maps to: `None` before its first status, or while
    /// that status is unmapped.
    pub activity: Option<Name>,
}

/// An employee's adherence now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Adherence {
    pub status: AdherenceStatus,
    pub since: Timestamp,
    pub scheduled_activity: Option<Name>,
    pub actual_activity: Option<Name>,
    /// `Raised` or `Severe` while an alarm is on.
    pub alarm: Option<AlarmLevel>,
}

#[derive(Debug, Clone)]
struct Integration {
    name: Name,
    health: FeedHealth,
}

/// The parts of a status most statuses do without (an AUX reason is the usual exception):
/// boxed, so that an agent pays 8 bytes for them, not 64.
#[derive(Debug, Clone, PartialEq)]
struct StatusDetails {
    reason: Option<Code<'static>>,
    detail: Option<Code<'static>>,
    skills: Box<[u32]>,
    /// The status code when it has no id ([`Agent::UNNUMBERED`]: the vocabulary was full).
    code: Option<Name>,
}

impl StatusDetails {
    fn of(
        reason: &Option<Code<'static>>,
        detail: &Option<Code<'static>>,
        skills: &[u32],
        code: Option<Name>,
    ) -> Option<Box<StatusDetails>> {
        let none = reason.is_none() && detail.is_none() && skills.is_empty() && code.is_none();
        (!none).then(|| {
            Box::new(StatusDetails {
                reason: reason.clone(),
                detail: detail.clone(),
                skills: skills.into(),
                code,
            })
        })
    }
}

/// An agent. Its external id is kept once, as the text of its events (`label`): the bytes
/// the feed sends are that text's UTF-8 bytes, or, for an id that was not UTF-8, its
/// characters as Latin-1 bytes ([`utf8_or_latin1`] is one-to-one either way).
///
/// Its last status is kept as fields of its own (`code` to `details`), not as an
/// `Option<Status>`: the small fields share the padding the option's would take (72 bytes in
/// all, not 80).
#[derive(Debug, Clone)]
struct Agent {
    integration: IntegrationId,
    /// The id as text, shared by every event of the agent (and with its user mapping).
    label: Name,
    /// The id was not UTF-8: `label` is its Latin-1 reading.
    latin1: bool,
    employee: Link,
    /// The next agent of the same employee: an employee's agents are a list through its
    /// agents (4 bytes here, in padding otherwise lost, instead of a 24-byte list in every
    /// employee, most of whom have one agent).
    next: Link,
    /// The status code's id in [`Evaluator::code_names`] ([`Agent::UNNUMBERED`]: the code
    /// is in `details`): 4 bytes, not a 16-byte name. Before the first status (`order` 0) it
    /// and the fields up to `activity` mean nothing.
    code: u32,
    phase: Phase,
    direction: Direction,
    /// `None` when the status has no reason, no detail and no skills.
    details: Option<Box<StatusDetails>>,
    /// When the status began (source time).
    time: Millis,
    /// Arrival order, the tie-break between integrations of one employee; 0 before the
    /// first status.
    order: u64,
    activity: Option<ActivityId>,
    reported: bool,
}

/// A status as [`Evaluator::resolve_remembered`] remembers it (the code by its dense id).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct ResolveKey {
    integration: IntegrationId,
    code: u32,
    logged_out: bool,
    reason: Option<Code<'static>>,
    detail: Option<Code<'static>>,
}

/// A remembered `Option<ActivityId>`, or not yet resolved, in 4 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Remembered(u32);

impl Agent {
    /// The code of a status whose code has no id: it is kept in the details.
    const UNNUMBERED: u32 = u32::MAX;
    /// The integration of a vacant place: a key that is not an agent of this evaluator (yet).
    /// Integration ids are the engine's, dense from 0: it never names 65,536 of them.
    const VACANT: IntegrationId = IntegrationId(u16::MAX);

    fn vacant() -> Agent {
        Agent {
            integration: Agent::VACANT,
            label: Name::new(),
            latin1: false,
            employee: Link::NONE,
            next: Link::NONE,
            code: Agent::UNNUMBERED,
            phase: Phase::LoggedOut,
            direction: Direction::None,
            details: None,
            time: 0,
            order: 0,
            activity: None,
            reported: false,
        }
    }

    fn is_vacant(&self) -> bool {
        self.integration == Agent::VACANT
    }

    /// The status code (empty before the first status).
    fn code<'a>(&'a self, names: &'a [Name]) -> &'a str {
        match self.code {
            Agent::UNNUMBERED => self
                .details
                .as_ref()
                .and_then(|details| details.code.as_deref())
                .unwrap_or_default(),
            id => &names[id as usize],
        }
    }

    /// Whether a status was observed: the fields from `code` to `activity` hold it.
    fn has_status(&self) -> bool {
        self.order != 0
    }

    fn reason(&self) -> Option<&Code<'static>> {
        self.details.as_ref()?.reason.as_ref()
    }

    fn detail(&self) -> Option<&Code<'static>> {
        self.details.as_ref()?.detail.as_ref()
    }

    fn skills(&self) -> &[u32] {
        self.details.as_ref().map_or(&[], |details| &details.skills)
    }

    /// Whether this agent's id is `external_id`, as the feed sends it.
    fn is(&self, integration: IntegrationId, external_id: &[u8]) -> bool {
        self.integration == integration
            && if self.latin1 {
                self.label
                    .chars()
                    .map(|c| c as u32)
                    .eq(external_id.iter().map(|&b| u32::from(b)))
            } else {
                self.label.as_bytes() == external_id
            }
    }

    /// The id as the feed sends it (allocated only for an id that was not UTF-8).
    fn external_id(&self) -> Cow<'_, [u8]> {
        if self.latin1 {
            // Every character of a Latin-1 reading is below 256.
            Cow::Owned(self.label.chars().map(|c| c as u8).collect())
        } else {
            Cow::Borrowed(self.label.as_bytes())
        }
    }
}

impl Remembered {
    const NOT_YET: Remembered = Remembered(0);
    const UNMAPPED: Remembered = Remembered(1);

    fn of(activity: Option<ActivityId>) -> Remembered {
        activity.map_or(Remembered::UNMAPPED, |a| Remembered(a.index() as u32 + 2))
    }

    fn get(self) -> Option<Option<ActivityId>> {
        match self {
            Remembered::NOT_YET => None,
            Remembered::UNMAPPED => Some(None),
            Remembered(n) => Some(ActivityId::new((n - 2) as usize)),
        }
    }
}

/// What the employee is actually doing, as far as the evaluator can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Actual {
    Doing(ActivityId),
    Unmapped,
    NoSource,
}

/// [`Actual`] in 2 bytes, not 4 (in every employee's judgement): an activity's id, 0 for
/// unmapped, `u16::MAX` (never an id: [`MAX_ACTIVITIES`](crate::activities::MAX_ACTIVITIES))
/// for no source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct PackedActual(u16);

impl PackedActual {
    const UNMAPPED: u16 = 0;
    const NO_SOURCE: u16 = u16::MAX;

    fn of(actual: Actual) -> PackedActual {
        PackedActual(match actual {
            Actual::Doing(activity) => activity.index() as u16 + 1,
            Actual::Unmapped => PackedActual::UNMAPPED,
            Actual::NoSource => PackedActual::NO_SOURCE,
        })
    }

    fn get(self) -> Actual {
        match self.0 {
            PackedActual::UNMAPPED => Actual::Unmapped,
            PackedActual::NO_SOURCE => Actual::NoSource,
            id => ActivityId::new(usize::from(id) - 1).map_or(Actual::NoSource, Actual::Doing),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Judgement {
    status: AdherenceStatus,
    scheduled: Option<ActivityId>,
    actual: PackedActual,
}

/// An out period's alarm. Its thresholds are those of the activity scheduled when the
/// period began, kept as that activity's id (6 bytes, not 32 with the thresholds). The period
/// began at the employee's `since`: an alarm lives exactly as long as its `out` status.
#[derive(Debug, Clone, Copy)]
struct Alarm {
    level: Option<AlarmLevel>,
    /// `None`: nothing was scheduled, the defaults apply.
    scheduled: Option<ActivityId>,
}

impl Alarm {
    /// The next deadline of an alarm in progress, out since `out_since`. A `severe_after`
    /// shorter than `alarm_after` (an activity overriding only one of them) makes the alarm
    /// severe when it is raised, never before: an employee's events stay in time order.
    fn deadline(&self, activities: &Activities, out_since: Millis) -> Option<Millis> {
        let thresholds = match self.scheduled {
            Some(activity) => activities.get(activity),
            None => activities.unscheduled(),
        };
        match self.level {
            None => Some(out_since + thresholds.alarm_after),
            Some(AlarmLevel::Raised) => {
                Some(out_since + thresholds.severe_after.max(thresholds.alarm_after))
            }
            _ => None,
        }
    }
}

/// An optional index in 4 bytes (an `Option<u32>` takes 8, in every employee and agent).
/// Indexes of agents and employees are below `u32::MAX`: they are `u32`s counted from 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Link(u32);

impl Link {
    const NONE: Link = Link(u32::MAX);

    fn of(index: Option<u32>) -> Link {
        index.map_or(Link::NONE, Link)
    }

    fn get(self) -> Option<u32> {
        (self != Link::NONE).then_some(self.0)
    }
}

#[derive(Debug, Clone)]
struct EmployeeState {
    id: Name,
    /// Into [`Evaluator::teams`].
    team: Link,
    /// Into [`Evaluator::zones`]: 2 bytes, not an 8-byte zone handle.
    zone: u16,
    /// The first of its agents, which are linked by [`Agent::next`].
    agents: Link,
    schedule: Schedule,
    /// Where lookups in `schedule` start (see [`Schedule`]).
    cursor: u32,
    current: Option<Judgement>,
    since: Millis,
    /// The last instant this employee was evaluated at: its history is never rewritten.
    last: Millis,
    alarm: Option<Alarm>,
    tracker: Tracker,
}

impl EmployeeState {
    fn calendar<'a>(&'a self, zones: &'a [TimeZone]) -> Calendar<'a> {
        Calendar {
            zone: &zones[usize::from(self.zone)],
            schedule: &self.schedule,
        }
    }
}

/// The schedule-adherence evaluator of `specs/adherence.md`. See the crate docs.
#[derive(Debug)]
pub struct Evaluator {
    rules: Rules,
    limits: Limits,
    activities: Activities,
    mappings: ResolvedMappings,
    mapping_errors: Vec<MappingError>,
    schedule_errors: Vec<ScheduleError>,
    /// The distinct zones of the employees, the defaults' first.
    zones: Vec<TimeZone>,
    integrations: Vec<Option<Integration>>,
    /// Indexed by the agents' keys (vacant where a key is not an agent of this evaluator).
    agents: Vec<Agent>,
    keys: Box<dyn AgentKeys>,
    hasher: foldhash::fast::RandomState,
    employees: Vec<EmployeeState>,
    /// Distinct team names, and where they are in `teams`: an employee holds 4 bytes for its
    /// team, not a 16-byte name.
    teams: Vec<Name>,
    team_index: HashMap<Name, u32>,
    /// Employees by id: indexes into `employees`, compared against the id stored there (a
    /// `HashMap<Name, u32>` would hold a second handle of every id: 24 bytes a slot).
    employee_index: HashTable<u32>,
    /// The distinct status codes by id, and their ids by code (compared against
    /// `code_names`: each code is held once).
    code_names: Vec<Name>,
    codes: HashTable<u32>,
    resolved: HashMap<ResolveKey, Option<ActivityId>>,
    /// Per integration, by `2 x code id + logged out`: the activity of a status with neither
    /// reason nor detail.
    plain: Vec<Vec<Remembered>>,
    reported_codes: HashSet<(IntegrationId, Name, Option<Code<'static>>)>,
    timers: Timers,
    now: Millis,
    arrivals: u64,
    stats: Stats,
    events: Vec<Emitted>,
}

impl Evaluator {
    /// An evaluator starting at `now`. Every employee is evaluated at the first
    /// [`Evaluator::advance`] (their first `adherence` event has no `previous`); until an
    /// integration is reported [`FeedHealth::Up`] its employees are `unknown`.
    ///
    /// Fails only on a configuration that cannot be used at all (unknown zones, activity
    /// definitions); bad mapping rows and bad schedules are skipped and listed in
    /// [`Evaluator::mapping_errors`] and [`Evaluator::schedule_errors`].
    pub fn new(config: &Config, limits: Limits, now: Timestamp) -> Result<Evaluator, ConfigError> {
        let activities = Activities::new(&config.rules)?;
        let default_zone = zone(&config.rules.defaults.time_zone, "the defaults")?;
        let now = millis(now);
        let mut evaluator = Evaluator {
            rules: config.rules.clone(),
            limits,
            activities,
            mappings: ResolvedMappings::default(),
            mapping_errors: Vec::new(),
            schedule_errors: Vec::new(),
            zones: vec![default_zone],
            integrations: Vec::new(),
            agents: Vec::new(),
            keys: Box::new(OwnKeys::new(limits.max_agents)),
            hasher: foldhash::fast::RandomState::default(),
            employees: Vec::new(),
            teams: Vec::new(),
            team_index: HashMap::new(),
            employee_index: HashTable::new(),
            code_names: Vec::new(),
            codes: HashTable::new(),
            resolved: HashMap::new(),
            plain: Vec::new(),
            reported_codes: HashSet::new(),
            timers: Timers::with_capacity(config.employees.len()),
            now,
            arrivals: 0,
            stats: Stats::default(),
            events: Vec::new(),
        };
        // Exact sizes where the count is known: at a million employees a doubling `Vec` can
        // hold up to twice the room it needs.
        evaluator.employees.reserve_exact(config.employees.len());
        for employee in &config.employees {
            evaluator.add_employee(employee)?;
        }
        let mut schedules: HashMap<&str, Vec<&ScheduleRow>> = HashMap::new();
        for row in &config.schedules {
            schedules.entry(&row.employee).or_default().push(row);
        }
        for (employee, rows) in schedules {
            let index = evaluator.employee(employee);
            match evaluator.build_schedule(employee, rows) {
                Ok(schedule) => {
                    let state = &mut evaluator.employees[index as usize];
                    state.schedule = schedule;
                    state.cursor = 0;
                }
                Err(error) => evaluator.schedule_errors.push(error),
            }
        }
        evaluator.apply_mappings(&config.mappings);
        for index in 0..evaluator.employees.len() as u32 {
            evaluator.timers.set(index, now);
        }
        Ok(evaluator)
    }

    /// Names an integration. Ids are the engine's (`IntegrationId` of the state table);
    /// statuses of unnamed integrations are counted and ignored.
    pub fn add_integration(
        &mut self,
        id: IntegrationId,
        name: impl Into<Name>,
    ) -> Result<(), ConfigError> {
        let slot = usize::from(id.0);
        if self.integrations.len() <= slot {
            self.integrations.resize(slot + 1, None);
            self.plain.resize(slot + 1, Vec::new());
        }
        if self.integrations[slot].is_some() {
            return Err(ConfigError::IntegrationTaken(id.0));
        }
        let name = name.into();
        self.integrations[slot] = Some(Integration {
            name: name.clone(),
            health: FeedHealth::Waiting,
        });
        let mapped: Vec<(IntegrationId, Box<[u8]>)> = self
            .mappings
            .users()
            .filter(|(integration, _)| **integration == name)
            .map(|(_, external_id)| (id, Box::from(external_id)))
            .collect();
        self.make_agents(mapped);
        self.mappings
            .drop_users_of(|integration| *integration == *name);
        Ok(())
    }

    /// Applies one status of an agent at its event time, then advances the clock to `now`:
    /// timers due before the event time fire first, those due between it and `now` after it,
    /// so a status that arrives late still prevents an alarm it would have prevented on time.
    /// A status dated after `now` takes effect at `now`; one dated before the employee's last
    /// transition takes effect at that transition (published history is never rewritten).
    #[must_use = "the events are the result"]
    pub fn observe(
        &mut self,
        status: &Observation<'_>,
        now: Timestamp,
    ) -> std::vec::Drain<'_, Emitted> {
        // No key is made for an integration that was not named: its statuses are ignored.
        let key = self
            .integration(status.integration)
            .and_then(|_| self.keys.key(status.integration, &status.external_id));
        self.observe_at(key, status, now)
    }

    /// [`Evaluator::observe`] for a caller that knows the agent's key (the engine: the state
    /// table's, which [`Evaluator::with_keys`] shares), so no lookup by external id is made.
    /// `key` must be the key of `(status.integration, status.external_id)`.
    #[must_use = "the events are the result"]
    pub fn observe_key(
        &mut self,
        key: AgentKey,
        status: &Observation<'_>,
        now: Timestamp,
    ) -> std::vec::Drain<'_, Emitted> {
        self.observe_at(Some(key), status, now)
    }

    fn observe_at(
        &mut self,
        key: Option<AgentKey>,
        status: &Observation<'_>,
        now: Timestamp,
    ) -> std::vec::Drain<'_, Emitted> {
        let now = self.tick(now);
        // What was due before the status happened happens first; what fell between its
        // event time and its arrival comes after it. A timer due at the very instant of the
        // status is judged together with it (one transition, not a zero-length one).
        self.fire(millis(status.time).min(now) - 1);
        self.apply(key, status, now);
        self.fire(now);
        self.events.drain(..)
    }

    /// The evaluator takes its agents' keys from `keys` (the engine: its state table's) instead
    /// of making its own. Called before any integration is named, while it has no agents.
    ///
    /// # Panics
    /// If an agent was already made (its key came from the keys being replaced).
    pub fn with_keys(mut self, keys: impl AgentKeys + 'static) -> Evaluator {
        assert!(
            self.agents.is_empty(),
            "keys are chosen before the first agent"
        );
        self.keys = Box::new(keys);
        self
    }

    /// Moves the clock to `now`: schedule boundaries and alarm deadlines up to it take effect,
    /// each at its own time. Costs O(log n) per employee whose timer expired.
    #[must_use = "the events are the result"]
    pub fn advance(&mut self, now: Timestamp) -> std::vec::Drain<'_, Emitted> {
        let now = self.tick(now);
        self.fire(now);
        self.events.drain(..)
    }

    /// The health of an integration's feed changed: its employees are re-evaluated at `now`.
    #[must_use = "the events are the result"]
    pub fn set_health(
        &mut self,
        integration: IntegrationId,
        health: FeedHealth,
        now: Timestamp,
    ) -> std::vec::Drain<'_, Emitted> {
        let now = self.tick(now);
        self.fire(now);
        if let Some(Some(state)) = self.integrations.get_mut(usize::from(integration.0)) {
            if state.health != health {
                state.health = health;
                // A scan of every agent, not a list per integration (4 bytes an agent): a
                // feed's health changes seldom, and a million agents scan in milliseconds.
                let mut employees: Vec<u32> = (self.agents.iter())
                    .filter(|agent| agent.integration == integration)
                    .filter_map(|agent| agent.employee.get())
                    .collect();
                employees.sort_unstable();
                employees.dedup();
                for employee in employees {
                    self.step(employee, now);
                }
            }
        }
        self.events.drain(..)
    }

    /// Replaces the user and activity mappings. Every agent's current status is mapped again
    /// and every employee re-evaluated at `now`: nothing has to be re-sent. Rows that cannot
    /// be applied are in [`Evaluator::mapping_errors`].
    #[must_use = "the events are the result"]
    pub fn reload_mappings(
        &mut self,
        mappings: &Mappings,
        now: Timestamp,
    ) -> std::vec::Drain<'_, Emitted> {
        let now = self.tick(now);
        self.fire(now);
        self.apply_mappings(mappings);
        for employee in 0..self.employees.len() as u32 {
            self.step(employee, now);
        }
        self.fire(now);
        self.events.drain(..)
    }

    /// Replaces an employee's schedule (an intraday change): it takes effect at `now`, which
    /// is when the employee is re-evaluated. Figures already counted stay as they were.
    pub fn replace_schedule(
        &mut self,
        employee: &str,
        rows: &[ScheduleRow],
        now: Timestamp,
    ) -> Result<std::vec::Drain<'_, Emitted>, ScheduleError> {
        if let Some(row) = rows.iter().find(|row| *row.employee != *employee) {
            return Err(ScheduleError::OtherEmployee {
                employee: employee.to_owned(),
                other: row.employee.to_string(),
            });
        }
        let schedule = self.build_schedule(employee, rows.iter())?;
        let now = self.tick(now);
        self.fire(now);
        let index = self.employee(employee);
        let days = self.limits.figure_days;
        let state = &mut self.employees[index as usize];
        let calendar = Calendar {
            zone: &self.zones[usize::from(state.zone)],
            schedule: &state.schedule,
        };
        state.tracker.schedule_changing(now, calendar, days);
        state.schedule = schedule;
        state.cursor = 0;
        self.step(index, now);
        self.fire(now);
        Ok(self.events.drain(..))
    }

    /// The adherence of an employee as of the last evaluation.
    pub fn adherence(&self, employee: &str) -> Option<Adherence> {
        let state = &self.employees[self.find_employee(employee)? as usize];
        let judgement = state.current?;
        Some(Adherence {
            status: judgement.status,
            since: timestamp(state.since),
            scheduled_activity: self.name(judgement.scheduled),
            actual_activity: self.actual_name(judgement.actual.get()),
            alarm: state.alarm.and_then(|alarm| alarm.level),
        })
    }

    /// Every employee (configured, named by a mapping or a schedule) with its team, in no
    /// particular order.
    pub fn employees(&self) -> impl Iterator<Item = (&Name, Option<&Name>)> {
        self.employees
            .iter()
            .map(|state| (&state.id, self.team(state)))
    }

    /// The employee and current activity of an agent; `None` for an agent the evaluator has
    /// neither seen nor been given a mapping for.
    pub fn agent_mapping(
        &self,
        integration: IntegrationId,
        external_id: &[u8],
    ) -> Option<AgentMapping> {
        let key = self.keys.find(integration, external_id)?;
        let agent = self
            .agents
            .get(key.index())
            .filter(|agent| !agent.is_vacant())?;
        Some(AgentMapping {
            employee: agent
                .employee
                .get()
                .map(|employee| self.employees[employee as usize].id.clone()),
            activity: self.name(agent.activity),
        })
    }

    /// The figures of an employee's day (its local date; a shift crossing midnight belongs to
    /// the day it starts), up to `now` for the day in progress, but never past the
    /// evaluator's clock: boundaries and deadlines it has not applied yet are not guessed.
    /// `None` for a day not tracked.
    pub fn figures(&self, employee: &str, date: Date, now: Timestamp) -> Option<DayFigures> {
        let state = &self.employees[self.find_employee(employee)? as usize];
        let now = millis(now).min(self.now);
        state.tracker.report(
            date,
            now,
            state.calendar(&self.zones),
            self.limits.figure_days,
        )
    }

    /// The figures of the day in progress of an employee: today so far.
    pub fn today(&self, employee: &str, now: Timestamp) -> Option<DayFigures> {
        let state = &self.employees[self.find_employee(employee)? as usize];
        let date = state.calendar(&self.zones).window(millis(now)).date;
        self.figures(employee, date, now)
    }

    /// A team's figures of a date: the members' times summed (never their percentages
    /// averaged). `None` when no member has figures of that date.
    pub fn team_figures(&self, team: &str, date: Date, now: Timestamp) -> Option<DayFigures> {
        self.employees
            .iter()
            .filter(|state| self.team(state).is_some_and(|name| **name == *team))
            .filter_map(|state| self.figures(&state.id, date, now))
            .reduce(|mut sum, figures| {
                sum.absorb(&figures);
                sum
            })
    }

    /// Mapping rows not applied by the last load or reload.
    pub fn mapping_errors(&self) -> &[MappingError] {
        &self.mapping_errors
    }

    /// Schedules of the configuration not applied.
    pub fn schedule_errors(&self) -> &[ScheduleError] {
        &self.schedule_errors
    }

    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// Employees with a timer set (a coming schedule change or alarm deadline).
    pub fn pending_timers(&self) -> usize {
        self.timers.len()
    }

    /// Moves the clock, and gives back what a burst of events left in the event buffer (the
    /// previous call's events are drained by now): a reload or a feed going down at 1M
    /// employees emits millions at once, and the buffer would keep that capacity for good.
    fn tick(&mut self, now: Timestamp) -> Millis {
        if self.events.capacity() > EVENTS_KEPT {
            self.events.clear();
            self.events.shrink_to(EVENTS_KEPT);
        }
        self.now = self.now.max(millis(now));
        self.now
    }

    /// Runs every timer due at `now`, earliest first.
    fn fire(&mut self, now: Millis) {
        while let Some((when, employee)) = self.timers.peek_due(now) {
            self.step(employee, when);
            // A step always moves its own wake-up past `when`; should it ever not, the timer
            // is dropped rather than fired forever.
            if self.timers.peek_due(when) == Some((when, employee)) {
                self.timers.cancel(employee);
            }
        }
    }

    fn apply(&mut self, key: Option<AgentKey>, observation: &Observation<'_>, now: Millis) {
        let Some(integration) = self.integration(observation.integration) else {
            self.stats.unknown_integration += 1;
            return;
        };
        let agent =
            key.and_then(|key| self.agent(key, observation.integration, &observation.external_id));
        let Some(agent) = agent else {
            self.stats.agents_refused += 1;
            return;
        };
        let time = millis(observation.time).min(now);
        let state = &self.agents[agent as usize];
        if state.has_status() && time < state.time {
            self.stats.out_of_order += 1;
            return;
        }
        let status = &observation.status;
        let unchanged = state.has_status()
            && state.phase == observation.phase
            && state.direction == observation.direction
            && *state.code(&self.code_names) == *status.code
            && state.reason() == status.reason.as_ref()
            && state.detail() == status.detail.as_ref()
            && state.skills() == &*status.skills;
        if unchanged {
            return;
        }
        let (code, code_id) = self.code(&status.code);
        let reason = status.reason.clone().map(Code::into_owned);
        let detail = status.detail.clone().map(Code::into_owned);
        let activity = self.resolve_remembered(
            observation.integration,
            &integration,
            observation.phase,
            (&code, code_id),
            &reason,
            &detail,
        );
        let at = timestamp(time);
        self.arrivals += 1;
        let state = &mut self.agents[agent as usize];
        state.code = code_id.unwrap_or(Agent::UNNUMBERED);
        state.phase = observation.phase;
        state.direction = observation.direction;
        let unnumbered = code_id.is_none().then(|| code.clone());
        state.details = StatusDetails::of(&reason, &detail, &status.skills, unnumbered);
        state.time = time;
        state.order = self.arrivals;
        state.activity = activity;
        let employee = state.employee.get();
        let report_agent = employee.is_none() && !std::mem::replace(&mut state.reported, true);
        self.events.push(Emitted {
            time: at,
            body: EventBody::AgentStatus(AgentStatusEvent {
                integration: integration.clone(),
                external_id: self.agents[agent as usize].label.clone(),
                employee: employee.map(|e| self.employees[e as usize].id.clone()),
                phase: observation.phase,
                status: code.clone(),
                reason: reason.clone(),
                detail,
                skills: status.skills.to_vec(),
                activity: self.name(activity),
                since: at,
                received: observation.received,
            }),
        });
        if report_agent {
            self.unmapped(
                at,
                &integration,
                UnmappedKind::Agent,
                utf8_or_latin1(&observation.external_id).into_owned(),
            );
        }
        if activity.is_none() {
            self.report_code(at, observation.integration, &integration, code, reason);
        }
        if let Some(employee) = employee {
            self.step(employee, time);
        }
    }

    /// [`Evaluator::resolve`], remembered per `(integration, interned code, reason, detail)`
    /// until the mappings change: a status seen before costs one lookup, not a ranking; one
    /// with neither reason nor detail (most of them) an array index.
    fn resolve_remembered(
        &mut self,
        id: IntegrationId,
        integration: &str,
        phase: Phase,
        (code, code_id): (&Name, Option<u32>),
        reason: &Option<Code<'static>>,
        detail: &Option<Code<'static>>,
    ) -> Option<ActivityId> {
        let Some(code_id) = code_id else {
            return self.resolve(integration, phase, code, reason.as_ref(), detail.as_ref());
        };
        let logged_out = phase == Phase::LoggedOut;
        if reason.is_none() && detail.is_none() {
            let slot = 2 * code_id as usize + usize::from(logged_out);
            let plain = &mut self.plain[usize::from(id.0)];
            if let Some(known) = plain.get(slot).and_then(|known| known.get()) {
                return known;
            }
            let activity = self.resolve(integration, phase, code, None, None);
            let plain = &mut self.plain[usize::from(id.0)];
            if plain.len() <= slot {
                plain.resize(slot + 1, Remembered::NOT_YET);
            }
            plain[slot] = Remembered::of(activity);
            return activity;
        }
        let key = ResolveKey {
            integration: id,
            code: code_id,
            logged_out,
            reason: reason.clone(),
            detail: detail.clone(),
        };
        if let Some(known) = self.resolved.get(&key) {
            return *known;
        }
        let activity = self.resolve(integration, phase, code, reason.as_ref(), detail.as_ref());
        if self.resolved.len() < self.limits.max_status_codes {
            self.resolved.insert(key, activity);
        }
        activity
    }

    /// The activity of a status; a logged-out status nobody mapped is `Offline`.
    fn resolve(
        &self,
        integration: &str,
        phase: Phase,
        code: &str,
        reason: Option<&Code<'_>>,
        detail: Option<&Code<'_>>,
    ) -> Option<ActivityId> {
        self.mappings
            .statuses(integration)
            .and_then(|rules| rules.resolve(code, reason, detail))
            .or((phase == Phase::LoggedOut).then(|| self.activities.offline()))
    }

    fn report_code(
        &mut self,
        at: Timestamp,
        id: IntegrationId,
        integration: &Name,
        code: Name,
        reason: Option<Code<'static>>,
    ) {
        let key = (id, code, reason);
        if self.reported_codes.contains(&key) {
            return;
        }
        if self.reported_codes.len() >= self.limits.max_status_codes {
            self.stats.unmapped_unreported += 1;
            return;
        }
        let value = match &key.2 {
            Some(reason) => format!("{}/{reason}", key.1),
            None => key.1.to_string(),
        };
        self.reported_codes.insert(key);
        self.unmapped(at, integration, UnmappedKind::Status, value);
    }

    fn unmapped(&mut self, time: Timestamp, integration: &Name, kind: UnmappedKind, value: String) {
        self.events.push(Emitted {
            time,
            body: EventBody::Unmapped(UnmappedEvent {
                integration: integration.clone(),
                kind,
                value,
            }),
        });
    }

    /// Evaluates an employee at `t` (or at its last evaluation, if later): emits what
    /// changed, feeds the figures, sets the next timer.
    fn step(&mut self, employee: u32, t: Millis) {
        let index = employee as usize;
        let t = t.max(self.employees[index].last);
        let (judgement, span, grace) = self.judge(index, t);
        let days = self.limits.figure_days;
        let state = &mut self.employees[index];
        let calendar = Calendar {
            zone: &self.zones[usize::from(state.zone)],
            schedule: &state.schedule,
        };
        state.tracker.transition(t, span, grace, calendar, days);
        state.last = t;
        let previous = state.current.replace(judgement);
        if previous != Some(judgement) {
            let previous_status = previous.map(|p| p.status);
            if previous_status != Some(judgement.status) {
                let out_since = std::mem::replace(&mut state.since, t);
                if let Some(alarm) = state.alarm.take() {
                    if alarm.level.is_some() {
                        self.alarm(index, AlarmLevel::Cleared, out_since, t);
                    }
                }
                if judgement.status == AdherenceStatus::Out {
                    self.employees[index].alarm = Some(Alarm {
                        level: None,
                        scheduled: judgement.scheduled,
                    });
                }
            }
            let state = &self.employees[index];
            self.events.push(Emitted {
                time: timestamp(t),
                body: EventBody::Adherence(AdherenceEvent {
                    employee: state.id.clone(),
                    status: judgement.status,
                    previous: previous_status,
                    scheduled_activity: self.name(judgement.scheduled),
                    actual_activity: self.actual_name(judgement.actual.get()),
                    since: timestamp(state.since),
                }),
            });
        }
        while let Some(mut alarm) = self.employees[index].alarm {
            let out_since = self.employees[index].since;
            let Some(deadline) = alarm
                .deadline(&self.activities, out_since)
                .filter(|deadline| *deadline <= t)
            else {
                break;
            };
            let level = match alarm.level {
                None => AlarmLevel::Raised,
                _ => AlarmLevel::Severe,
            };
            alarm.level = Some(level);
            self.employees[index].alarm = Some(alarm);
            self.alarm(index, level, out_since, deadline);
        }
        let state = &mut self.employees[index];
        let next_change = state
            .schedule
            .next_change(&mut state.cursor, t, &self.activities);
        let deadline = state
            .alarm
            .and_then(|alarm| alarm.deadline(&self.activities, state.since));
        let wake = next_change.into_iter().chain(deadline).min();
        if wake != self.timers.get(employee) {
            match wake {
                Some(when) => self.timers.set(employee, when),
                None => self.timers.cancel(employee),
            }
        }
    }

    fn alarm(&mut self, employee: usize, level: AlarmLevel, out_since: Millis, at: Millis) {
        let state = &self.employees[employee];
        let judgement = state.current;
        self.events.push(Emitted {
            time: timestamp(at),
            body: EventBody::Alarm(AlarmEvent {
                employee: state.id.clone(),
                level,
                out_since: timestamp(out_since),
                scheduled_activity: judgement.and_then(|j| self.name(j.scheduled)),
                actual_activity: judgement.and_then(|j| self.actual_name(j.actual.get())),
            }),
        });
    }

    /// The rules of `specs/adherence.md`, "Adherence status of an employee at instant t".
    /// Also the grace an out period beginning now would get.
    fn judge(&mut self, employee: usize, t: Millis) -> (Judgement, Span, Grace) {
        let actual = self.actual(employee);
        let state = &mut self.employees[employee];
        let scheduled = state.schedule.at(&mut state.cursor, t, &self.activities);
        let activities = &self.activities;
        let status = match (actual, scheduled) {
            (Actual::NoSource | Actual::Unmapped, _) => AdherenceStatus::Unknown,
            (Actual::Doing(actual), None) if actual == activities.offline() => {
                AdherenceStatus::NotScheduled
            }
            (Actual::Doing(_), None) => match self.rules.policies.unscheduled_working {
                UnscheduledWorking::NotScheduled => AdherenceStatus::NotScheduled,
                UnscheduledWorking::Out => AdherenceStatus::Out,
            },
            (Actual::Doing(_), Some(s)) if !activities.get(s.activity).counts => {
                AdherenceStatus::Neutral
            }
            (
                Actual::Doing(actual),
                Some(Scheduled {
                    activity,
                    before,
                    after,
                }),
            ) => {
                let doing = |scheduled| activities.counts_as(actual, scheduled);
                if doing(activity) || before.is_some_and(doing) || after.is_some_and(doing) {
                    AdherenceStatus::In
                } else {
                    AdherenceStatus::Out
                }
            }
        };
        let scheduled_activity = scheduled.map(|s| s.activity);
        let scheduled = scheduled_activity.map(|s| activities.get(s));
        let span = Span {
            status,
            counted: scheduled.is_some_and(|s| s.counts),
            scheduled_productive: scheduled.is_some_and(|s| s.productive),
            actual_productive: matches!(actual, Actual::Doing(a) if activities.get(a).productive),
        };
        let grace = scheduled.unwrap_or(activities.unscheduled()).grace;
        let judgement = Judgement {
            status,
            scheduled: scheduled_activity,
            actual: PackedActual::of(actual),
        };
        (judgement, span, grace)
    }

    /// The most recent status change among the employee's agents wins; with none at all, a
    /// healthy source means logged out.
    fn actual(&self, employee: usize) -> Actual {
        let first = self.employees[employee].agents;
        // Agents have distinct `order`s: the list's order does not matter.
        let latest = self
            .agents_of(first)
            .filter(|agent| agent.has_status())
            .max_by_key(|agent| (agent.time, agent.order));
        match latest {
            Some(agent) if !self.healthy(agent.integration) => Actual::NoSource,
            Some(agent) => agent.activity.map_or(Actual::Unmapped, Actual::Doing),
            None if first != Link::NONE
                && self
                    .agents_of(first)
                    .all(|agent| self.healthy(agent.integration)) =>
            {
                Actual::Doing(self.activities.offline())
            }
            None => Actual::NoSource,
        }
    }

    /// The agents of the list beginning at `first` (an employee's `agents`).
    fn agents_of(&self, first: Link) -> impl Iterator<Item = &Agent> {
        std::iter::successors(first.get().map(|a| &self.agents[a as usize]), |agent| {
            agent.next.get().map(|a| &self.agents[a as usize])
        })
    }

    fn team(&self, state: &EmployeeState) -> Option<&Name> {
        state.team.get().map(|team| &self.teams[team as usize])
    }

    fn healthy(&self, integration: IntegrationId) -> bool {
        matches!(
            self.integrations.get(usize::from(integration.0)),
            Some(Some(Integration {
                health: FeedHealth::Up,
                ..
            }))
        )
    }

    fn integration(&self, id: IntegrationId) -> Option<Name> {
        Some(
            self.integrations
                .get(usize::from(id.0))?
                .as_ref()?
                .name
                .clone(),
        )
    }

    fn name(&self, activity: Option<ActivityId>) -> Option<Name> {
        activity.map(|a| self.activities.get(a).name.clone())
    }

    fn actual_name(&self, actual: Actual) -> Option<Name> {
        match actual {
            Actual::Doing(activity) => self.name(Some(activity)),
            _ => None,
        }
    }

    /// The interned code and its dense id, so that agents and events share one allocation per
    /// distinct code; no id when the vocabulary is full and the code is a copy of its own.
    fn code(&mut self, code: &str) -> (Name, Option<u32>) {
        let (names, hasher) = (&self.code_names, &self.hasher);
        let hash = hasher.hash_one(code);
        if let Some(&id) = self.codes.find(hash, |&id| *names[id as usize] == *code) {
            return (names[id as usize].clone(), Some(id));
        }
        let name = Name::from(code);
        let room = self.limits.max_status_codes.min(Agent::UNNUMBERED as usize);
        if names.len() >= room {
            return (name, None);
        }
        let id = names.len() as u32;
        self.codes
            .insert_unique(hash, id, |&id| hasher.hash_one(&*names[id as usize]));
        self.code_names.push(name.clone());
        (name, Some(id))
    }

    /// The agents of `rows`, made (and mapped) where they are new; the agents' `Vec` grown
    /// exactly to the largest key first (a doubling `Vec` of a million agents can hold up to
    /// twice the room it needs).
    fn make_agents(&mut self, rows: Vec<(IntegrationId, Box<[u8]>)>) {
        let keyed: Vec<(AgentKey, IntegrationId, Box<[u8]>)> = rows
            .into_iter()
            .filter_map(|(integration, external_id)| {
                let key = self.keys.key(integration, &external_id)?;
                Some((key, integration, external_id))
            })
            .collect();
        let end = keyed.iter().map(|(key, ..)| key.index() + 1).max();
        let end = end.unwrap_or(0).min(self.limits.max_agents);
        self.agents
            .reserve_exact(end.saturating_sub(self.agents.len()));
        for (key, integration, external_id) in keyed {
            self.agent(key, integration, &external_id);
        }
    }

    /// The index of agent `key`, `(integration, external_id)`, made (and mapped) on first
    /// sight; `None` past [`Limits::max_agents`].
    fn agent(
        &mut self,
        key: AgentKey,
        integration: IntegrationId,
        external_id: &[u8],
    ) -> Option<u32> {
        let index = key.index();
        if index >= self.limits.max_agents {
            return None;
        }
        if self.agents.len() <= index {
            self.agents.resize_with(index + 1, Agent::vacant);
        }
        let agent = &mut self.agents[index];
        if agent.is_vacant() {
            let label = utf8_or_latin1(external_id);
            agent.latin1 = matches!(label, Cow::Owned(_));
            agent.label = Name::from(label);
            agent.integration = integration;
            self.map_agent(key.0);
        }
        debug_assert!(
            self.agents[index].is(integration, external_id),
            "one key, one agent"
        );
        Some(key.0)
    }

    /// Links an agent to its employee by the current user mappings.
    fn map_agent(&mut self, agent: u32) {
        let state = &self.agents[agent as usize];
        let named = self
            .integration(state.integration)
            .and_then(|integration| self.mappings.employee(&integration, &state.external_id()));
        let employee = Link::of(named.map(|named| match named {
            Named::Index(index) => index,
            Named::Name(name) => self.employee(&name),
        }));
        let state = &mut self.agents[agent as usize];
        if state.employee == employee {
            return;
        }
        let old = std::mem::replace(&mut state.employee, employee);
        let next = std::mem::replace(&mut state.next, Link::NONE);
        if let Some(old) = old.get() {
            // Unlinked where it is: from the employee's head, or from the agent before it.
            let head = &mut self.employees[old as usize].agents;
            if *head == Link(agent) {
                *head = next;
            } else {
                let mut at = *head;
                while let Some(before) = at.get() {
                    let before = &mut self.agents[before as usize];
                    if before.next == Link(agent) {
                        before.next = next;
                        break;
                    }
                    at = before.next;
                }
            }
        }
        if let Some(new) = employee.get() {
            let head = &mut self.employees[new as usize].agents;
            self.agents[agent as usize].next = std::mem::replace(head, Link(agent));
        }
    }

    fn apply_mappings(&mut self, mappings: &Mappings) {
        let (resolved, errors) =
            ResolvedMappings::new(&mappings.users, &mappings.activities, &self.activities);
        self.mappings = resolved;
        self.mapping_errors = errors;
        self.resolved.clear();
        self.plain.iter_mut().for_each(Vec::clear);
        let named: Vec<(IntegrationId, Box<[u8]>)> = self
            .integrations
            .iter()
            .enumerate()
            .filter_map(|(slot, state)| Some((IntegrationId(slot as u16), state.as_ref()?)))
            .flat_map(|(id, state)| {
                self.mappings
                    .users()
                    .filter(move |(integration, _)| ***integration == *state.name)
                    .map(move |(_, external_id)| (id, Box::from(external_id)))
            })
            .collect();
        for agent in 0..self.agents.len() as u32 {
            self.map_agent(agent);
            let state = &self.agents[agent as usize];
            let integration = self.integration(state.integration);
            if let Some(integration) = integration.filter(|_| state.has_status()) {
                let activity = self.resolve(
                    &integration,
                    state.phase,
                    state.code(&self.code_names),
                    state.reason(),
                    state.detail(),
                );
                self.agents[agent as usize].activity = activity;
            }
        }
        self.make_agents(named);
        // Every employee a mapping names exists, and the rows hold its index.
        let mut mappings = std::mem::take(&mut self.mappings);
        mappings.index_employees(|employee| self.employee(employee));
        let integrations = &self.integrations;
        mappings.drop_users_of(|name| {
            integrations
                .iter()
                .flatten()
                .any(|integration| *integration.name == *name)
        });
        self.mappings = mappings;
    }

    fn add_employee(&mut self, employee: &Employee) -> Result<u32, ConfigError> {
        if self.find_employee(&employee.id).is_some() {
            return Err(ConfigError::DuplicateEmployee(employee.id.to_string()));
        }
        let zone = match &employee.time_zone {
            Some(name) => self.zone_id(zone(name, &format!("employee {:?}", employee.id))?),
            None => 0,
        };
        let index = self.employees.len() as u32;
        let team = employee.team.as_ref().map(|team| self.team_id(team));
        self.employees.push(EmployeeState {
            id: employee.id.clone(),
            team: Link::of(team),
            zone,
            agents: Link::NONE,
            schedule: Schedule::default(),
            cursor: 0,
            current: None,
            since: self.now,
            last: self.now,
            alarm: None,
            tracker: Tracker::new(self.now),
        });
        let (employees, hasher) = (&self.employees, &self.hasher);
        self.employee_index
            .insert_unique(hasher.hash_one(&*employee.id), index, |&e| {
                hasher.hash_one(&*employees[e as usize].id)
            });
        self.timers.set(index, self.now);
        Ok(index)
    }

    /// The index of `zone` in [`Evaluator::zones`], added if new. Zones come from the time
    /// zone database, which names far fewer than 65,536 of them.
    fn zone_id(&mut self, zone: TimeZone) -> u16 {
        let index = match self.zones.iter().position(|known| *known == zone) {
            Some(index) => index,
            None => {
                self.zones.push(zone);
                self.zones.len() - 1
            }
        };
        u16::try_from(index).expect("fewer than 65536 time zones")
    }

    /// The index of `team` in [`Evaluator::teams`], added if new.
    fn team_id(&mut self, team: &Name) -> u32 {
        if let Some(&id) = self.team_index.get(team) {
            return id;
        }
        let id = self.teams.len() as u32;
        self.teams.push(team.clone());
        self.team_index.insert(team.clone(), id);
        id
    }

    /// The index of the employee named `id`, if known.
    fn find_employee(&self, id: &str) -> Option<u32> {
        let employees = &self.employees;
        self.employee_index
            .find(self.hasher.hash_one(id), |&e| {
                *employees[e as usize].id == *id
            })
            .copied()
    }

    /// The employee named `id`, created with the default zone and no team if unknown.
    fn employee(&mut self, id: &str) -> u32 {
        if let Some(index) = self.find_employee(id) {
            return index;
        }
        let employee = Employee {
            id: id.into(),
            team: None,
            time_zone: None,
        };
        self.add_employee(&employee)
            .expect("an unknown employee without a zone is always accepted")
    }

    fn build_schedule<'r>(
        &self,
        employee: &str,
        rows: impl IntoIterator<Item = &'r ScheduleRow>,
    ) -> Result<Schedule, ScheduleError> {
        let parts = rows
            .into_iter()
            .map(|row| {
                let activity = self.activities.id(&row.activity).ok_or_else(|| {
                    ScheduleError::UnknownActivity {
                        employee: employee.to_owned(),
                        activity: row.activity.to_string(),
                    }
                })?;
                let (start, end) = (millis(row.start), millis(row.end));
                if start >= end {
                    return Err(ScheduleError::Empty {
                        employee: employee.to_owned(),
                        start: row.start,
                    });
                }
                Ok((start, end, activity))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Schedule::new(parts).map_err(|overlap| ScheduleError::Overlap {
            employee: employee.to_owned(),
            first_start: timestamp(overlap.0.0),
            first_end: timestamp(overlap.0.1),
            second_start: timestamp(overlap.1.0),
            second_end: timestamp(overlap.1.1),
        })
    }
}

fn zone(name: &str, whose: &str) -> Result<TimeZone, ConfigError> {
    TimeZone::get(name).map_err(|_| ConfigError::UnknownZone {
        whose: whose.to_owned(),
        zone: name.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::UserMapping;
    use proptest::prelude::*;

    fn users(rows: &[(u8, u8)]) -> Mappings {
        Mappings {
            users: rows
                .iter()
                .map(|(agent, employee)| UserMapping {
                    integration: "cms".into(),
                    external_id: format!("a{agent}"),
                    employee: format!("E{employee}").into(),
                })
                .collect(),
            activities: Vec::new(),
        }
    }

    #[test]
    fn what_an_employee_does_packs_into_2_bytes_and_back() {
        let last = crate::activities::MAX_ACTIVITIES - 1;
        let actuals = [0, 1, last].map(|index| Actual::Doing(ActivityId::new(index).unwrap()));
        for actual in actuals
            .into_iter()
            .chain([Actual::Unmapped, Actual::NoSource])
        {
            assert_eq!(PackedActual::of(actual).get(), actual);
        }
        assert_eq!(ActivityId::new(last + 1), None);
        assert_eq!(size_of::<Option<Judgement>>(), 6);
    }

    /// The records a million agents and employees are kept in (see `benches/memory.rs`).
    #[test]
    fn agents_and_employees_keep_their_records_small() {
        assert_eq!(size_of::<Agent>(), 64);
        assert_eq!(size_of::<EmployeeState>(), 128);
    }

    /// A user row is dropped once its integration is named and its agent made; the agents
    /// keep the mapping, for integrations named at construction or later, across reloads.
    #[test]
    fn user_rows_give_way_to_the_agents_they_map() {
        let start = Timestamp::UNIX_EPOCH;
        let mut config = Config {
            mappings: users(&[(1, 1), (2, 2)]),
            ..Config::default()
        };
        config.mappings.users.push(UserMapping {
            integration: "cic".into(),
            external_id: "a1".into(),
            employee: "E2".into(),
        });
        let mut evaluator = Evaluator::new(&config, Limits::default(), start).unwrap();
        assert_eq!(evaluator.mappings.users().count(), 3);
        let (cms, cic) = (IntegrationId(0), IntegrationId(1));
        evaluator.add_integration(cms, "cms").unwrap();
        let rows: Vec<_> = evaluator
            .mappings
            .users()
            .map(|(i, id)| (i.to_string(), id.to_vec()))
            .collect();
        assert_eq!(rows, [("cic".to_owned(), b"a1".to_vec())]);
        evaluator.add_integration(cic, "cic").unwrap();
        assert_eq!(evaluator.mappings.users().count(), 0);
        let employee_of = |evaluator: &Evaluator, integration, id: &[u8]| {
            evaluator
                .agent_mapping(integration, id)
                .and_then(|mapping| mapping.employee)
                .map(|employee| employee.to_string())
        };
        assert_eq!(employee_of(&evaluator, cms, b"a1").as_deref(), Some("E1"));
        assert_eq!(employee_of(&evaluator, cms, b"a2").as_deref(), Some("E2"));
        assert_eq!(employee_of(&evaluator, cic, b"a1").as_deref(), Some("E2"));
        // An agent no row names is made on sight, unmapped.
        let key = evaluator.keys.key(cms, b"a3").unwrap();
        assert_eq!(evaluator.agent(key, cms, b"a3"), Some(key.0));
        assert_eq!(employee_of(&evaluator, cms, b"a3"), None);
        // A reload maps by its own rows, then drops them too.
        let _ = evaluator
            .reload_mappings(&users(&[(1, 2), (3, 1)]), start)
            .count();
        assert_eq!(evaluator.mappings.users().count(), 0);
        assert_eq!(employee_of(&evaluator, cms, b"a1").as_deref(), Some("E2"));
        assert_eq!(employee_of(&evaluator, cms, b"a2"), None);
        assert_eq!(employee_of(&evaluator, cms, b"a3").as_deref(), Some("E1"));
        assert_eq!(employee_of(&evaluator, cic, b"a1"), None);
    }

    proptest! {
        /// Whatever the reloads move where, each employee's list holds exactly the agents
        /// naming it, once each.
        #[test]
        fn an_employees_agents_are_the_agents_naming_it(
            reloads in prop::collection::vec(
                prop::collection::vec((0u8..6, 0u8..3), 0..8),
                1..6,
            ),
        ) {
            let start = Timestamp::UNIX_EPOCH;
            let mut evaluator = Evaluator::new(&Config::default(), Limits::default(), start)
                .expect("an empty configuration");
            evaluator.add_integration(IntegrationId(0), "cms").expect("a new id");
            for rows in reloads {
                let _ = evaluator.reload_mappings(&users(&rows), start).count();
                for (index, state) in evaluator.employees.iter().enumerate() {
                    let mut listed: Vec<*const Agent> =
                        evaluator.agents_of(state.agents).map(|a| a as *const Agent).collect();
                    let mut naming: Vec<*const Agent> = evaluator
                        .agents
                        .iter()
                        .filter(|agent| agent.employee == Link(index as u32))
                        .map(|a| a as *const Agent)
                        .collect();
                    listed.sort();
                    naming.sort();
                    prop_assert_eq!(listed, naming);
                }
            }
        }
    }
}
