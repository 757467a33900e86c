//! The ids and status vocabularies a load's traffic uses, so that a roster (employees, user
//! mappings, activity mappings, schedules) can cover every agent it sends.

use super::LoadConfig;
use crate::cic::CicStatus;
use rta_avaya::{AgentState, Layout, WorkMode};
use rta_model::Direction;
use serde::Serialize;

/// The Avaya report preset the CMS connections write (`agent`: `ACD|LOGID|EXTENSION|AGSTATE|
/// AUXREASON|WORKSKILL|AGDURATION|DA_INQUEUE|ACDONHOLD`, text states, CMS clock durations,
/// space-padded cells). The engine's Avaya integrations must read the same layout.
pub const AVAYA_LAYOUT_PRESET: &str = "agent";

/// The [`Layout`] of [`AVAYA_LAYOUT_PRESET`].
pub fn avaya_layout() -> Layout {
    Layout::agent()
}

/// The ACD number in every Avaya row.
pub const AVAYA_ACD: u32 = 1;

/// An Avaya status the traffic sends: the normalized `AGSTATE` code and, in AUX, the reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct AvayaStatus {
    pub(crate) state: AgentState,
    pub(crate) reason: Option<u32>,
    /// Relative frequency of a change to this status.
    pub(crate) weight: u32,
}

const fn avaya(
    mode: WorkMode,
    direction: Direction,
    reason: Option<u32>,
    weight: u32,
) -> AvayaStatus {
    AvayaStatus {
        state: AgentState { mode, direction },
        reason,
        weight,
    }
}

/// What staffed Avaya agents change to, with a realistic mix (mostly calls and available,
/// some wrap-up, breaks with reasons 1-6, ringing, direct calls). Logging in shows `OTHER`.
pub(crate) const AVAYA_STATUSES: [AvayaStatus; 15] = [
    avaya(WorkMode::Avail, Direction::None, None, 25),
    avaya(WorkMode::Acd, Direction::In, None, 30),
    avaya(WorkMode::Acd, Direction::Out, None, 5),
    avaya(WorkMode::Acw, Direction::In, None, 10),
    avaya(WorkMode::Acw, Direction::Out, None, 2),
    avaya(WorkMode::Aux, Direction::None, Some(1), 3),
    avaya(WorkMode::Aux, Direction::None, Some(2), 3),
    avaya(WorkMode::Aux, Direction::None, Some(3), 2),
    avaya(WorkMode::Aux, Direction::None, Some(4), 2),
    avaya(WorkMode::Aux, Direction::None, Some(5), 1),
    avaya(WorkMode::Aux, Direction::None, Some(6), 1),
    avaya(WorkMode::Ring, Direction::None, None, 5),
    avaya(WorkMode::Dacd, Direction::In, None, 2),
    avaya(WorkMode::Dacw, Direction::In, None, 1),
    avaya(WorkMode::Other, Direction::None, None, 3),
];

/// The index in [`AVAYA_STATUSES`] of the status an agent shows right after logging in.
pub(crate) const AVAYA_LOGIN_STATUS: usize = 14;

/// The CIC statuses users change between (keys of the simulated server's catalog,
/// [`crate::cic::STATUSES`]): logged-in statuses, and `Gone Home` for logging out.
pub(crate) static CIC_STATUSES: [&CicStatus; 11] = {
    use crate::cic::STATUSES as ALL;
    // Available, Available No ACD, At Lunch, Do Not Disturb, Follow Up, Gone Home,
    // In a Meeting, At a Training Session, ACW - Manual, Break Short, Project Work.
    [
        ALL[0], ALL[1], ALL[2], ALL[3], ALL[4], ALL[5], ALL[6], ALL[7], ALL[11], ALL[12], ALL[14],
    ]
};

/// An Odigo state the traffic sends, with its pause code and label for `PAUSE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct OdigoState {
    pub state: &'static str,
    pub pause_code: Option<&'static str>,
    pub pause_label: Option<&'static str>,
}

const fn odigo(state: &'static str, pause: Option<(&'static str, &'static str)>) -> OdigoState {
    match pause {
        Some((code, label)) => OdigoState {
            state,
            pause_code: Some(code),
            pause_label: Some(label),
        },
        None => OdigoState {
            state,
            pause_code: None,
            pause_label: None,
        },
    }
}

/// The Odigo states notifications carry (spec `odigo.md`): canonical names, pauses with codes.
pub const ODIGO_STATES: [OdigoState; 8] = [
    odigo("AVAILABLE", None),
    odigo("ALERTING", None),
    odigo("IN_CALL", None),
    odigo("WRAP_UP", None),
    odigo("PAUSE", Some(("1", "Break"))),
    odigo("PAUSE", Some(("2", "Lunch"))),
    odigo("PAUSE", Some(("7", "Training"))),
    odigo("LOGGED_OUT", None),
];

/// One status a source sends, as the source spells it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceStatus {
    /// Avaya: the normalized `AGSTATE` code (`ACDIN`, `AUX`, `UNSTAFF` for a logout); CIC:
    /// the status key; Odigo: the state.
    pub code: String,
    /// Avaya: the AUX reason; Odigo: the pause code; CIC: none.
    pub reason: Option<String>,
    /// CIC: the status group; Odigo: the pause label.
    pub label: Option<String>,
    /// The agent is logged out in this status.
    pub logged_out: bool,
}

/// One integration of the load: its name, its agents' external ids (as the engine sees
/// them: Avaya LOGIDs, CIC user ids, Odigo logins) and the statuses it sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlannedIntegration {
    pub name: String,
    pub external_ids: Vec<String>,
    pub statuses: Vec<SourceStatus>,
}

/// Everything a roster needs to know of a load: integrations `cms-1..cms-N` (Avaya, one per
/// connection), `cic` (all CIC servers) and `odigo`, each with every external id and status.
/// Built from the [`LoadConfig`] alone: the same config, the same plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Plan {
    /// IANA zone of the Avaya and CIC local times.
    pub zone: String,
    /// The Avaya layout preset ([`AVAYA_LAYOUT_PRESET`]).
    pub avaya_layout: &'static str,
    /// One per CMS connection, in the order of [`Targets::avaya`](super::Targets).
    pub avaya: Vec<PlannedIntegration>,
    /// `None` without CIC users.
    pub cic: Option<PlannedIntegration>,
    /// `None` without Odigo agents.
    pub odigo: Option<PlannedIntegration>,
}

/// An Avaya LOGID: numeric, 7 digits, unique over all CMSs (the agent's index in the load).
pub(crate) fn avaya_logid(index: usize) -> String {
    (1_000_000 + index).to_string()
}

/// A CIC user id: text, with a dot, as IC login names are.
pub(crate) fn cic_user_id(index: usize) -> String {
    format!("agent.{index:06}")
}

/// An Odigo login: an e-mail address.
pub(crate) fn odigo_login(index: usize) -> String {
    format!("agent{index:06}@tenant.example")
}

/// The agents of part `part` of `count` split evenly over `parts` (the first parts take one
/// more when it does not divide).
pub(crate) fn share(count: usize, parts: usize, part: usize) -> std::ops::Range<usize> {
    let base = count / parts;
    let extra = count % parts;
    let start = part * base + part.min(extra);
    start..start + base + usize::from(part < extra)
}

impl Plan {
    /// The plan of `config`'s traffic.
    pub fn new(config: &LoadConfig) -> Plan {
        let avaya_statuses: Vec<SourceStatus> = AVAYA_STATUSES
            .iter()
            .map(|status| SourceStatus {
                code: status.state.code().to_owned(),
                reason: status.reason.map(|reason| reason.to_string()),
                label: None,
                logged_out: false,
            })
            .chain([SourceStatus {
                code: AgentState::new(WorkMode::Unstaffed).code().to_owned(),
                reason: None,
                label: None,
                logged_out: true,
            }])
            .collect();
        let avaya = (0..config.avaya_connections)
            .map(|connection| PlannedIntegration {
                name: format!("cms-{}", connection + 1),
                external_ids: share(config.avaya_agents, config.avaya_connections, connection)
                    .map(avaya_logid)
                    .collect(),
                statuses: avaya_statuses.clone(),
            })
            .collect();
        let cic = (config.cic_users > 0).then(|| PlannedIntegration {
            name: "cic".to_owned(),
            external_ids: (0..config.cic_users).map(cic_user_id).collect(),
            statuses: CIC_STATUSES
                .iter()
                .map(|status| SourceStatus {
                    code: status.key.to_owned(),
                    reason: None,
                    label: Some(status.group.to_owned()),
                    logged_out: !status.logged_in,
                })
                .collect(),
        });
        let odigo = (config.odigo_agents > 0).then(|| PlannedIntegration {
            name: "odigo".to_owned(),
            external_ids: (0..config.odigo_agents).map(odigo_login).collect(),
            statuses: ODIGO_STATES
                .iter()
                .map(|state| SourceStatus {
                    code: state.state.to_owned(),
                    reason: state.pause_code.map(str::to_owned),
                    label: state.pause_label.map(str::to_owned),
                    logged_out: state.state == "LOGGED_OUT",
                })
                .collect(),
        });
        Plan {
            zone: config.zone.clone(),
            avaya_layout: AVAYA_LAYOUT_PRESET,
            avaya,
            cic,
            odigo,
        }
    }

    /// Every integration of the plan, Avaya first.
    pub fn integrations(&self) -> impl Iterator<Item = &PlannedIntegration> {
        self.avaya.iter().chain(&self.cic).chain(&self.odigo)
    }
}
