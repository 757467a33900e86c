//! What the adapter and engine tests share: waiting for the next bus event (as is, or as a
//! line of text), reading the table, and activity mappings.
// Each test binary compiles this module and uses part of it.
#![allow(dead_code)]

use rta_adherence::{ActivityMapping, ReasonSpec};
use rta_engine::{AsyncSubscription, Delivery};
use rta_model::{Event, EventBody, IntegrationId};
use rta_state::StateTable;
use std::sync::Arc;
use std::time::Duration;

/// How long the engine tests wait for an event they expect: only turns a hang into a failure.
pub const EVENT_GUARD: Duration = Duration::from_secs(20);

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

/// Maps `status` (any reason) of `integration` to `activity`.
pub fn activity_mapping(integration: &str, status: &str, activity: &str) -> ActivityMapping {
    ActivityMapping {
        integration: integration.into(),
        status: status.into(),
        reason: ReasonSpec::Any,
        detail: None,
        activity: activity.into(),
    }
}

/// The next event of interest, as text: `agent_status ext employee activity`,
/// `adherence employee status`, `alarm employee level`, `feed integration health` (an
/// integration's own feed, or a CIC server's).
pub async fn next_text(events: &mut AsyncSubscription) -> String {
    loop {
        let event = next(events, EVENT_GUARD).await;
        return match &event.body {
            EventBody::AgentStatus(status) => format!(
                "agent_status {} {} {}",
                status.external_id,
                status.employee.as_deref().unwrap_or("-"),
                status.activity.as_deref().unwrap_or("-")
            ),
            EventBody::Adherence(adherence) => {
                format!("adherence {} {:?}", adherence.employee, adherence.status)
            }
            EventBody::Alarm(alarm) => format!("alarm {} {:?}", alarm.employee, alarm.level),
            EventBody::Feed(feed)
                if feed.address.is_none() || feed.integration.as_ref() == "cic" =>
            {
                format!("feed {} {:?}", feed.integration, feed.health)
            }
            _ => continue,
        };
    }
}

/// Events (as [`next_text`]) until one equal to `wanted`; returns those before it.
pub async fn until(events: &mut AsyncSubscription, wanted: &str) -> Vec<String> {
    let mut before = Vec::new();
    loop {
        let event = next_text(events).await;
        if event == wanted {
            return before;
        }
        before.push(event);
    }
}
