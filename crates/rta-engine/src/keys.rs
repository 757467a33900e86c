//! The evaluator's agents keyed by the state table: [`TableKeys`].

use rta_adherence::AgentKeys;
use rta_model::{AgentKey, IntegrationId};
use rta_state::StateTable;
use std::sync::Arc;

/// The state table's interner as the evaluator's [`AgentKeys`]: an agent has one key in the
/// whole engine, and the evaluator finds its agents by it with no index of its own. The
/// agents a user mapping names are interned in the table when their integration is named
/// (before they are seen: they take room in the table, and show in no view until they have a
/// status).
#[derive(Debug, Clone)]
pub struct TableKeys(pub Arc<StateTable>);

impl AgentKeys for TableKeys {
    fn key(&mut self, integration: IntegrationId, external_id: &[u8]) -> Option<AgentKey> {
        self.0.intern(integration, external_id).ok()
    }

    fn find(&self, integration: IntegrationId, external_id: &[u8]) -> Option<AgentKey> {
        self.0.find(integration, external_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rta_adherence::{Config, Evaluator, Limits, Mappings, UserMapping};
    use rta_model::{Direction, Observation, Phase, Status, Timestamp};
    use std::borrow::Cow;

    /// The agents user mappings name are interned in the table when their integration is
    /// named, and show in its views only once they have a status; the evaluator finds them
    /// by the table's keys.
    #[test]
    fn mapped_agents_take_the_tables_keys() {
        let table = Arc::new(StateTable::new(10));
        let cms = table.add_integration();
        let early = table.intern(cms, b"seen-first").unwrap();
        let user = |id: &str, employee: &str| UserMapping {
            integration: "cms".into(),
            external_id: id.to_owned(),
            employee: employee.into(),
        };
        let config = Config {
            mappings: Mappings {
                users: vec![user("40101", "E1"), user("seen-first", "E2")],
                activities: Vec::new(),
            },
            ..Config::default()
        };
        let now = Timestamp::UNIX_EPOCH;
        let mut evaluator = Evaluator::new(&config, Limits::default(), now)
            .unwrap()
            .with_keys(TableKeys(table.clone()));
        evaluator.add_integration(cms, "cms").unwrap();
        let mapped = table
            .find(cms, b"40101")
            .expect("interned when cms was named");
        assert_eq!(table.len(), 2, "an agent interned before keeps its key");
        assert!(
            table.view(cms, 1).unwrap().agents.is_empty(),
            "no status yet"
        );
        let employee_of = |evaluator: &Evaluator, id: &[u8]| {
            let mapping = evaluator.agent_mapping(cms, id)?;
            mapping.employee.map(|employee| employee.to_string())
        };
        assert_eq!(employee_of(&evaluator, b"40101").as_deref(), Some("E1"));
        assert_eq!(
            employee_of(&evaluator, b"seen-first").as_deref(),
            Some("E2")
        );

        let observation = Observation {
            integration: cms,
            external_id: Cow::Borrowed(b"40101"),
            phase: Phase::Available,
            direction: Direction::None,
            status: Status::new("AVAIL"),
            time: now,
            received: now,
        };
        let (key, _) = table.observe(&observation).unwrap();
        assert_eq!(key, mapped);
        let employees: Vec<_> = evaluator
            .observe_key(key, &observation, now)
            .filter_map(|emitted| match emitted.body {
                rta_model::EventBody::AgentStatus(status) => status.employee,
                _ => None,
            })
            .collect();
        assert_eq!(employees, ["E1"]);
        assert_ne!(early, mapped);
    }
}
