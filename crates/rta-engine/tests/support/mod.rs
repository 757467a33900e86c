//! What the adapter tests share: waiting for the next bus event, and reading the table.
// Each test binary compiles this module and uses part of it.
#![allow(dead_code)]

use rta_engine::{AsyncSubscription, Delivery};
use rta_model::{Event, IntegrationId};
use rta_state::StateTable;
use std::sync::Arc;
use std::time::Duration;

/// The next event of `subscription`; fails the test if none comes within `guard`, or if the
/// subscriber lagged.
pub async fn next(subscription: &mut AsyncSubscription, guard: Duration) -> Arc<Event> {
    let delivery = tokio::time::timeout(guard, subscription.recv())
        .await
        .expect("an event before the guard")
        .expect("the bus is open");
    match delivery {
        Delivery::Event(event) => event,
        other => panic!("the subscriber lagged: {other:?}"),
    }
}

/// Each agent of `integration` in `table`: `external_id Phase code`, sorted.
pub fn agents(table: &StateTable, integration: IntegrationId) -> Vec<String> {
    let view = table.view(integration, 3).unwrap();
    let mut agents: Vec<String> = view
        .agents
        .iter()
        .map(|(key, status)| {
            let (_, id) = table.identity(*key).unwrap();
            let id = String::from_utf8_lossy(id);
            format!("{id} {:?} {}", status.phase, status.code)
        })
        .collect();
    agents.sort();
    agents
}
