//! Point-in-time views for dashboards and HTTP snapshots (`GET /agents`, `GET /adherence`):
//! every agent's current status, every employee's adherence and figures of the day, as
//! plain serialisable rows.
//!
//! A view reads the state table (lock-free) and then the evaluator (under its lock, once per
//! view), so an agent's activity may be one status behind its table status for the
//! microseconds between the two reads; each row is consistent with itself otherwise.

use super::Engine;
use jiff::civil::Date;
use rta_adherence::{AgentMapping, Evaluator};
use rta_model::{
    AdherenceStatus, AlarmLevel, Code, Direction, Name, Phase, Timestamp, utf8_or_latin1,
};
use serde::Serialize;

/// One agent's current status ([`Engine::agents`]), with what the evaluator makes of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgentView {
    pub integration: Name,
    /// The id the source gives the agent, as text (UTF-8, or Latin-1 decoded).
    pub external_id: String,
    pub phase: Phase,
    pub direction: Direction,
    /// The source's status code.
    pub status: String,
    pub reason: Option<Code<'static>>,
    pub detail: Option<Code<'static>>,
    /// When the status began (source time).
    pub since: Timestamp,
    /// When the engine last received a record for the agent.
    pub last_seen: Timestamp,
    /// The employee the user mappings give the agent.
    pub employee: Option<Name>,
    /// The activity the status maps to (`None`: unmapped).
    pub activity: Option<Name>,
}

/// One employee's adherence now and figures of the day so far ([`Engine::adherence_view`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EmployeeAdherence {
    pub employee: Name,
    pub team: Option<Name>,
    /// `None` until the evaluator has judged the employee once (at most a second after the
    /// engine starts or the employee appears).
    pub status: Option<AdherenceStatus>,
    /// When `status` began.
    pub since: Option<Timestamp>,
    pub scheduled_activity: Option<Name>,
    pub actual_activity: Option<Name>,
    /// `raised` or `severe` while an alarm is on.
    pub alarm: Option<AlarmLevel>,
    /// The employee's day in progress: its local date in the employee's zone (a shift
    /// crossing midnight belongs to the day it starts).
    pub date: Option<Date>,
    /// Adherence so far today, grace applied: `None` before any judged scheduled time.
    pub adherence_percent: Option<f64>,
    /// Productive time so far today against productive time scheduled: `None` before any
    /// productive scheduled time.
    pub conformance_percent: Option<f64>,
}

impl Engine {
    /// Every agent in the state table, sorted by integration then external id, with the
    /// employee and activity the evaluator gives it. Agents of a removed integration stay
    /// (the table keeps them; they are no longer fed).
    ///
    /// Serialise with `serde_json::to_string(&engine.agents())`.
    pub fn agents(&self) -> Vec<AgentView> {
        let mut agents = Vec::with_capacity(self.table.len());
        let mut identities = Vec::with_capacity(self.table.len());
        for integration in self.adherence.integrations() {
            let view = match self
                .table
                .view(integration.id, crate::DEFAULT_VIEW_ATTEMPTS)
            {
                Ok(view) => view,
                Err(error) => {
                    tracing::warn!(%error, integration = &*integration.name, "no view of an integration");
                    continue;
                }
            };
            for (key, status) in view.agents {
                let Some((id, external_id)) = self.table.identity(key) else {
                    continue;
                };
                identities.push((id, external_id));
                agents.push(AgentView {
                    integration: integration.name.clone(),
                    external_id: utf8_or_latin1(external_id).into_owned(),
                    phase: status.phase,
                    direction: status.direction,
                    status: status.code.to_owned(),
                    reason: status.reason.map(Code::into_owned),
                    detail: status.detail.map(Code::into_owned),
                    since: status.since,
                    last_seen: status.last_seen,
                    employee: None,
                    activity: None,
                });
            }
        }
        // One evaluator lock for the whole view: adapters wait on it to publish.
        self.adherence.read(|evaluator| {
            for (agent, (id, external_id)) in agents.iter_mut().zip(identities) {
                if let Some(AgentMapping { employee, activity }) =
                    evaluator.agent_mapping(id, external_id)
                {
                    agent.employee = employee;
                    agent.activity = activity;
                }
            }
        });
        agents.sort_by(|a, b| {
            (&a.integration, &a.external_id).cmp(&(&b.integration, &b.external_id))
        });
        agents
    }

    /// Every employee of `team` (every employee when `None`), sorted by employee id: the
    /// current adherence, alarm, and today's adherence and conformance so far, "today" being
    /// the employee's own day in its zone.
    ///
    /// Serialise with `serde_json::to_string(&engine.adherence_view(Some("sales")))`.
    pub fn adherence_view(&self, team: Option<&str>) -> Vec<EmployeeAdherence> {
        let now = self.clock.now();
        let mut employees = self.adherence.read(|evaluator| {
            evaluator
                .employees()
                .filter(|(_, of)| team.is_none() || of.map(|of| &**of) == team)
                .map(|(employee, team)| employee_adherence(evaluator, employee, team, now))
                .collect::<Vec<_>>()
        });
        employees.sort_by(|a, b| a.employee.cmp(&b.employee));
        employees
    }
}

fn employee_adherence(
    evaluator: &Evaluator,
    employee: &Name,
    team: Option<&Name>,
    now: Timestamp,
) -> EmployeeAdherence {
    let mut row = EmployeeAdherence {
        employee: employee.clone(),
        team: team.cloned(),
        status: None,
        since: None,
        scheduled_activity: None,
        actual_activity: None,
        alarm: None,
        date: None,
        adherence_percent: None,
        conformance_percent: None,
    };
    if let Some(current) = evaluator.adherence(employee) {
        row.status = Some(current.status);
        row.since = Some(current.since);
        row.scheduled_activity = current.scheduled_activity;
        row.actual_activity = current.actual_activity;
        row.alarm = current.alarm;
    }
    if let Some(today) = evaluator.today(employee, now) {
        row.date = Some(today.date);
        row.adherence_percent = today.total.adherence_percent();
        row.conformance_percent = today.total.conformance_percent();
    }
    row
}
