//! What a subscriber wants to see: event kinds, integrations, employees or teams.

use rta_model::{Event, EventBody, Name};
use std::collections::{HashMap, HashSet};
use std::hash::BuildHasher;

/// The kind of an [`EventBody`], as named in `specs/adherence.md` ("Events").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventKind {
    AgentStatus,
    Adherence,
    Alarm,
    Unmapped,
    Feed,
    Queue,
}

impl EventKind {
    /// Every kind, in the order of the spec.
    pub const ALL: [EventKind; 6] = [
        EventKind::AgentStatus,
        EventKind::Adherence,
        EventKind::Alarm,
        EventKind::Unmapped,
        EventKind::Feed,
        EventKind::Queue,
    ];

    /// The kind of `body`.
    pub fn of(body: &EventBody) -> EventKind {
        match body {
            EventBody::AgentStatus(_) => EventKind::AgentStatus,
            EventBody::Adherence(_) => EventKind::Adherence,
            EventBody::Alarm(_) => EventKind::Alarm,
            EventBody::Unmapped(_) => EventKind::Unmapped,
            EventBody::Feed(_) => EventKind::Feed,
            EventBody::Queue(_) => EventKind::Queue,
        }
    }

    /// The `type` tag of the kind in JSON and MessagePack (`agent_status`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::AgentStatus => "agent_status",
            EventKind::Adherence => "adherence",
            EventKind::Alarm => "alarm",
            EventKind::Unmapped => "unmapped",
            EventKind::Feed => "feed",
            EventKind::Queue => "queue",
        }
    }
}

/// Team membership, used by filters that name teams.
///
/// Given once, at bus construction ([`crate::BusBuilder::teams`]), and asked at delivery time,
/// so a roster that changes (the implementation may use interior mutability) is followed
/// without resubscribing. It is called on the publish path for subscribers that filter by team:
/// keep it cheap and non-blocking.
pub trait Teams: Send + Sync {
    /// Whether `employee` belongs to `team`.
    fn is_member(&self, employee: &str, team: &str) -> bool;
}

/// A roster as a map from employee to their team.
impl<S: BuildHasher + Send + Sync> Teams for HashMap<Name, Name, S> {
    fn is_member(&self, employee: &str, team: &str) -> bool {
        self.get(employee).is_some_and(|t| &**t == team)
    }
}

/// No teams at all: nobody is a member of anything.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoTeams;

impl Teams for NoTeams {
    fn is_member(&self, _employee: &str, _team: &str) -> bool {
        false
    }
}

/// A subscription filter. The empty filter ([`Filter::all`]) lets everything through.
///
/// Dimensions combine with AND, values within a dimension with OR:
/// - **kinds**: the event's [`EventKind`] is one of them;
/// - **integrations**: the event carries an integration (`agent_status`, `unmapped`, `feed`,
///   `queue`) and it is one of them;
/// - **employees and teams** (one dimension, "who"): the event carries an employee
///   (`agent_status` of a mapped agent, `adherence`, `alarm`) that is one of the employees or
///   a member of one of the teams.
///
/// An event that does not carry the attribute a non-empty dimension asks about does not match:
/// filtering by integration excludes `adherence` events, filtering by employee excludes `feed`.
///
/// ```
/// use rta_engine::{EventKind, Filter};
///
/// let filter = Filter::all()
///     .kinds([EventKind::Adherence, EventKind::Alarm])
///     .teams(["sales"])
///     .employees(["E42"]);
/// assert!(!filter.is_all());
/// assert!(filter.wants_kind(EventKind::Alarm));
/// assert!(!filter.wants_kind(EventKind::Feed));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    kinds: HashSet<EventKind>,
    integrations: HashSet<Name>,
    employees: HashSet<Name>,
    teams: HashSet<Name>,
}

fn names<I, N>(values: I) -> impl Iterator<Item = Name>
where
    I: IntoIterator<Item = N>,
    N: Into<Name>,
{
    values.into_iter().map(Into::into)
}

impl Filter {
    /// The filter that lets every event through.
    pub fn all() -> Filter {
        Filter::default()
    }

    /// Adds event kinds.
    pub fn kinds(mut self, kinds: impl IntoIterator<Item = EventKind>) -> Filter {
        self.kinds.extend(kinds);
        self
    }

    /// Adds integrations (by name, as in the events).
    pub fn integrations<I, N>(mut self, integrations: I) -> Filter
    where
        I: IntoIterator<Item = N>,
        N: Into<Name>,
    {
        self.integrations.extend(names(integrations));
        self
    }

    /// Adds employees.
    pub fn employees<I, N>(mut self, employees: I) -> Filter
    where
        I: IntoIterator<Item = N>,
        N: Into<Name>,
    {
        self.employees.extend(names(employees));
        self
    }

    /// Adds teams (resolved through the bus's [`Teams`]).
    pub fn teams<I, N>(mut self, teams: I) -> Filter
    where
        I: IntoIterator<Item = N>,
        N: Into<Name>,
    {
        self.teams.extend(names(teams));
        self
    }

    /// Whether this filter lets everything through.
    pub fn is_all(&self) -> bool {
        self.kinds.is_empty()
            && self.integrations.is_empty()
            && self.employees.is_empty()
            && self.teams.is_empty()
    }

    /// The kinds asked for (empty = all).
    pub fn kind_set(&self) -> &HashSet<EventKind> {
        &self.kinds
    }

    /// The integrations asked for (empty = all).
    pub fn integration_set(&self) -> &HashSet<Name> {
        &self.integrations
    }

    /// The employees asked for (empty with no teams = all).
    pub fn employee_set(&self) -> &HashSet<Name> {
        &self.employees
    }

    /// The teams asked for (empty with no employees = all).
    pub fn team_set(&self) -> &HashSet<Name> {
        &self.teams
    }

    /// Whether events of `kind` can pass the kind dimension.
    pub fn wants_kind(&self, kind: EventKind) -> bool {
        self.kinds.is_empty() || self.kinds.contains(&kind)
    }

    /// Whether `event` passes the filter, resolving teams through `teams`.
    pub fn matches(&self, event: &Event, teams: &dyn Teams) -> bool {
        let body = &event.body;
        if !self.wants_kind(EventKind::of(body)) {
            return false;
        }
        if !self.integrations.is_empty() {
            match integration_of(body) {
                Some(integration) if self.integrations.contains(integration) => {}
                _ => return false,
            }
        }
        if !self.employees.is_empty() || !self.teams.is_empty() {
            let Some(employee) = employee_of(body) else {
                return false;
            };
            if !self.employees.contains(employee)
                && !self
                    .teams
                    .iter()
                    .any(|team| teams.is_member(employee, team))
            {
                return false;
            }
        }
        true
    }
}

/// The integration an event is about, if it names one.
pub fn integration_of(body: &EventBody) -> Option<&str> {
    match body {
        EventBody::AgentStatus(e) => Some(&e.integration),
        EventBody::Unmapped(e) => Some(&e.integration),
        EventBody::Feed(e) => Some(&e.integration),
        EventBody::Queue(e) => Some(&e.integration),
        EventBody::Adherence(_) | EventBody::Alarm(_) => None,
    }
}

/// The employee an event is about, if it names one.
pub fn employee_of(body: &EventBody) -> Option<&str> {
    match body {
        EventBody::AgentStatus(e) => e.employee.as_deref(),
        EventBody::Adherence(e) => Some(&e.employee),
        EventBody::Alarm(e) => Some(&e.employee),
        EventBody::Unmapped(_) | EventBody::Feed(_) | EventBody::Queue(_) => None,
    }
}
