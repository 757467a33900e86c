//! What one Odigo notification says, borrowed from the request body where JSON has no escape.

use rta_model::{Code, Direction, IntegrationId, Observation, Phase, Status, Timestamp};
use std::borrow::Cow;

/// One decoded notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notification<'a> {
    /// An agent's state changed (`eventType` absent or `AGENT_STATE_CHANGED`).
    AgentState(AgentState<'a>),
    /// `eventType: HEARTBEAT`: refreshes the feed's health, changes no agent.
    Heartbeat {
        event_id: Option<Cow<'a, str>>,
        time: Option<Timestamp>,
    },
    /// Any other `eventType` (e.g. `ADHERENCE`): counted and acknowledged, nothing else.
    Other {
        event_type: Cow<'a, str>,
        event_id: Option<Cow<'a, str>>,
    },
}

/// An agent state change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentState<'a> {
    pub event_id: Option<Cow<'a, str>>,
    pub tenant: Option<Cow<'a, str>>,
    /// The agent key (`agent.login | login | agentLogin | userUid`): the external id.
    pub login: Cow<'a, str>,
    pub state: State<'a>,
    pub previous: Option<State<'a>>,
    /// `direction` (`IN`/`OUT`, also `INBOUND`/`OUTBOUND`), for calls.
    pub direction: Direction,
    pub pause: Pause<'a>,
    /// The event time; `None` when the notification has none (the receive time is used).
    pub time: Option<Timestamp>,
}

/// A pause's code and label (`pause.code | pauseCode | reasonCode`,
/// `pause.label | pauseLabel | reason`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Pause<'a> {
    pub code: Option<Cow<'a, str>>,
    pub label: Option<Cow<'a, str>>,
}

impl Pause<'_> {
    /// Neither a code nor a label.
    pub fn is_empty(&self) -> bool {
        self.code.is_none() && self.label.is_none()
    }

    /// Copies what is borrowed.
    pub fn into_owned(self) -> Pause<'static> {
        Pause {
            code: self.code.map(|code| Cow::Owned(code.into_owned())),
            label: self.label.map(|label| Cow::Owned(label.into_owned())),
        }
    }
}

/// The state vocabulary of `specs/odigo.md`, matched case-insensitively with its synonyms;
/// anything else is kept as an opaque code, as sent.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum State<'a> {
    /// `LOGGED_OUT`, `DISCONNECTED`.
    LoggedOut,
    /// `AVAILABLE`, `READY`.
    Available,
    /// `ALERTING`, `RINGING`.
    Alerting,
    /// `IN_CALL`, `BUSY`, `IN_COMMUNICATION`.
    InCall,
    /// `HOLD`.
    Hold,
    /// `WRAP_UP`, `POST_CALL`.
    WrapUp,
    /// `PAUSE`.
    Pause,
    /// Any other state string, as sent: it can still be mapped to an activity.
    Other(Cow<'a, str>),
}

impl<'a> State<'a> {
    /// Reads a state string (known states case-insensitively, surrounding blanks ignored).
    pub fn parse(text: Cow<'a, str>) -> State<'a> {
        const KNOWN: [(&str, State<'static>); 12] = [
            ("LOGGED_OUT", State::LoggedOut),
            ("DISCONNECTED", State::LoggedOut),
            ("AVAILABLE", State::Available),
            ("READY", State::Available),
            ("ALERTING", State::Alerting),
            ("RINGING", State::Alerting),
            ("IN_CALL", State::InCall),
            ("BUSY", State::InCall),
            ("IN_COMMUNICATION", State::InCall),
            ("HOLD", State::Hold),
            ("WRAP_UP", State::WrapUp),
            ("POST_CALL", State::WrapUp),
        ];
        let trimmed = text.trim();
        if trimmed.eq_ignore_ascii_case("PAUSE") {
            return State::Pause;
        }
        match KNOWN
            .iter()
            .find(|(name, _)| trimmed.eq_ignore_ascii_case(name))
        {
            Some((_, state)) => state.clone(),
            None => State::Other(text),
        }
    }

    /// The status code given to the state table and the mappings: the canonical name of a
    /// known state (`IN_CALL` for `busy`), an unknown state as sent.
    pub fn code(&self) -> &str {
        match self {
            State::LoggedOut => "LOGGED_OUT",
            State::Available => "AVAILABLE",
            State::Alerting => "ALERTING",
            State::InCall => "IN_CALL",
            State::Hold => "HOLD",
            State::WrapUp => "WRAP_UP",
            State::Pause => "PAUSE",
            State::Other(code) => code,
        }
    }

    /// The canonical phase (`specs/adherence.md`): a call on hold is still a call
    /// (`talking`), a pause is `away`, an unknown state `unknown`.
    pub fn phase(&self) -> Phase {
        match self {
            State::LoggedOut => Phase::LoggedOut,
            State::Available => Phase::Available,
            State::Alerting => Phase::Ringing,
            State::InCall | State::Hold => Phase::Talking,
            State::WrapUp => Phase::WrapUp,
            State::Pause => Phase::Away,
            State::Other(_) => Phase::Unknown,
        }
    }

    /// Copies what is borrowed.
    pub fn into_owned(self) -> State<'static> {
        match self {
            State::LoggedOut => State::LoggedOut,
            State::Available => State::Available,
            State::Alerting => State::Alerting,
            State::InCall => State::InCall,
            State::Hold => State::Hold,
            State::WrapUp => State::WrapUp,
            State::Pause => State::Pause,
            State::Other(code) => State::Other(Cow::Owned(code.into_owned())),
        }
    }
}

impl AgentState<'_> {
    /// The observation for the state table: the login as external id, the state's
    /// [`code`](State::code) and [`phase`](State::phase), the pause code as reason and the
    /// pause label as detail (both text; mappings read a decimal code as a number), at the
    /// event time or, without one, at `received`. Borrows from `self`: no allocation.
    pub fn observation(&self, integration: IntegrationId, received: Timestamp) -> Observation<'_> {
        Observation {
            integration,
            external_id: Cow::Borrowed(self.login.as_bytes()),
            phase: self.state.phase(),
            direction: self.direction,
            status: Status {
                code: Cow::Borrowed(self.state.code()),
                reason: borrowed_code(&self.pause.code),
                detail: borrowed_code(&self.pause.label),
                skills: Cow::Borrowed(&[]),
            },
            time: self.time.unwrap_or(received),
            received,
        }
    }

    /// Whether this is a pause that says neither its code nor its label: the case the
    /// pause-detail look-up completes.
    pub fn is_bare_pause(&self) -> bool {
        self.state == State::Pause && self.pause.is_empty()
    }

    /// Copies what is borrowed.
    pub fn into_owned(self) -> AgentState<'static> {
        let owned = |value: Option<Cow<'_, str>>| value.map(|v| Cow::Owned(v.into_owned()));
        AgentState {
            event_id: owned(self.event_id),
            tenant: owned(self.tenant),
            login: Cow::Owned(self.login.into_owned()),
            state: self.state.into_owned(),
            previous: self.previous.map(State::into_owned),
            direction: self.direction,
            pause: self.pause.into_owned(),
            time: self.time,
        }
    }
}

fn borrowed_code<'s>(value: &'s Option<Cow<'_, str>>) -> Option<Code<'s>> {
    value
        .as_deref()
        .map(|value| Code::Text(Cow::Borrowed(value)))
}
