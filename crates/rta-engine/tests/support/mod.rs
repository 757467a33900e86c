//! What the adapter and engine tests share: one integration's table and bus wired as the
//! engine wires them, waiting for the next bus event (as is, as a feed or status event, or as
//! a line of text), reading the table, subscribing to a started engine, activity mappings, and
//! the event bodies the bus and sink tests publish.
// Each test binary compiles this module and uses part of it.
#![allow(dead_code)]

use rta_adherence::{ActivityMapping, ReasonSpec};
use rta_engine::engine::Engine;
use rta_engine::{
    AsyncSubscription, Bus, BusPublisher, Delivery, EventKind, Filter, LiveStatuses, Published,
    SubscribeOptions,
};
use rta_model::{
    AdherenceEvent, AdherenceStatus, AgentStatusEvent, EventBody, FeedEvent, FeedHealth,
    IntegrationId, Phase, Timestamp,
};
use rta_odigo::Token;
use rta_state::StateTable;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// How long the engine tests wait for an event they expect: only turns a hang into a failure.
pub const EVENT_GUARD: Duration = Duration::from_secs(20);

/// The guard of the tests on tokio's paused clock: far beyond every timer of their scenarios
/// (virtual time: costs nothing).
pub const PAUSED_GUARD: Duration = Duration::from_secs(24 * 3_600);

/// When the paused-clock tests start: their adapter's `TokioClock` starts here, so an event's
/// time less this says exactly when the adapter acted.
pub fn origin() -> Timestamp {
    "2026-11-23T08:00:00Z".parse().unwrap()
}

/// One integration's table, its bus and two subscriptions (feed health, statuses), wired as
/// the engine wires them: what an adapter under test publishes to. A test file adds its own
/// helpers to it in an `impl` of its own.
pub struct Wiring {
    /// The integration's name, as in its events.
    pub name: &'static str,
    pub table: Arc<StateTable>,
    pub integration: IntegrationId,
    pub bus: Bus,
    pub live: Arc<LiveStatuses>,
    pub feeds: AsyncSubscription,
    pub statuses: AsyncSubscription,
}

impl Wiring {
    /// A table of one integration named `name`, and its bus.
    pub fn wire(name: &'static str) -> Wiring {
        let table = Arc::new(StateTable::new(1_000));
        let integration = table.add_integration();
        let live = Arc::new(LiveStatuses::new(table.clone(), [(integration, name)]));
        let bus = Bus::builder(live.clone()).build();
        let subscribe = |kind| {
            bus.subscribe_async(SubscribeOptions::new(Filter::all().kinds([kind])))
                .unwrap()
        };
        Wiring {
            name,
            feeds: subscribe(EventKind::Feed),
            statuses: subscribe(EventKind::AgentStatus),
            table,
            integration,
            live,
            bus,
        }
    }

    /// A publisher to the bus, as the engine gives one to an adapter.
    pub fn publisher(&self) -> Arc<BusPublisher> {
        Arc::new(BusPublisher::new(self.bus.clone(), self.live.clone()))
    }

    /// The next status change (on the paused clock): `external_id phase code`.
    pub async fn status(&mut self) -> String {
        let status = next_status(&mut self.statuses, PAUSED_GUARD).await;
        assert_eq!(&*status.integration, self.name);
        format!(
            "{} {:?} {}",
            status.external_id, status.phase, status.status
        )
    }

    /// The next `n` status changes, sorted (the order within a batch, or of several
    /// connections writing at once, is open).
    pub async fn statuses(&mut self, n: usize) -> Vec<String> {
        let mut statuses = Vec::new();
        for _ in 0..n {
            statuses.push(self.status().await);
        }
        statuses.sort();
        statuses
    }

    /// Nothing more was published.
    pub fn quiet(&mut self) {
        for subscription in [&mut self.feeds, &mut self.statuses] {
            let more = subscription.try_recv().unwrap();
            assert!(more.is_none(), "unexpected: {more:?}");
        }
    }

    /// Each agent of the integration in the table: `external_id Phase code`, sorted.
    pub fn agents(&self) -> Vec<String> {
        agents(&self.table, self.integration)
    }
}

/// One TCP connection with an adapter that only reads (the Avaya listener, the CIC
/// connector): the test writes the feed's text and watches the adapter close it.
pub struct Peer(pub TcpStream);

impl Peer {
    pub async fn send(&mut self, text: &str) {
        self.0.write_all(text.as_bytes()).await.unwrap();
    }

    /// Waits (on the paused clock) until the adapter closes the connection.
    pub async fn closed(&mut self) {
        let mut buffer = [0u8; 64];
        let read = tokio::time::timeout(PAUSED_GUARD, self.0.read(&mut buffer)).await;
        assert!(
            matches!(read, Ok(Ok(0) | Err(_))),
            "the adapter sends nothing and closes: {read:?}"
        );
    }
}

/// The one time the bus and sink tests date their events with.
pub fn at() -> Timestamp {
    "2026-11-23T10:00:00Z".parse().unwrap()
}

/// Agent `external_id` of `integration` (of `employee`, if mapped) away in `code`, at [`at`].
pub fn status(
    integration: &str,
    external_id: &str,
    employee: Option<&str>,
    code: &str,
) -> EventBody {
    EventBody::AgentStatus(AgentStatusEvent {
        integration: integration.into(),
        external_id: external_id.into(),
        employee: employee.map(Into::into),
        phase: Phase::Away,
        status: code.into(),
        reason: None,
        detail: None,
        skills: Vec::new(),
        activity: None,
        since: at(),
        received: at(),
    })
}

/// `employee` turned out (from in), scheduled for `scheduled_activity`, at [`at`].
pub fn adherence(employee: &str, scheduled_activity: Option<&str>) -> EventBody {
    EventBody::Adherence(AdherenceEvent {
        employee: employee.into(),
        status: AdherenceStatus::Out,
        previous: Some(AdherenceStatus::In),
        scheduled_activity: scheduled_activity.map(Into::into),
        actual_activity: None,
        since: at(),
    })
}

/// The feed of `integration` is up.
pub fn feed(integration: &str) -> EventBody {
    EventBody::Feed(FeedEvent {
        integration: integration.into(),
        address: None,
        health: FeedHealth::Up,
        detail: None,
    })
}

/// A subscription to the events of `kinds` of a started engine.
pub fn subscribe(engine: &Engine, kinds: impl IntoIterator<Item = EventKind>) -> AsyncSubscription {
    engine
        .subscribe_async(SubscribeOptions::new(Filter::all().kinds(kinds)))
        .unwrap()
}

/// Where the engine's Odigo receiver takes the notifications of the integration of `token`.
pub fn odigo_url(engine: &Engine, token: &Token) -> String {
    format!(
        "http://{}/odigo/{}",
        engine.odigo_receiver().unwrap().local_addr(),
        token.expose()
    )
}

/// The next event of `subscription`; fails the test if none comes within `guard`, or if the
/// subscriber lagged.
pub async fn next(subscription: &mut AsyncSubscription, guard: Duration) -> Arc<Published> {
    let delivery = tokio::time::timeout(guard, subscription.recv())
        .await
        .expect("an event before the guard")
        .expect("the bus is open");
    match delivery {
        Delivery::Event(event) => event,
        other => panic!("the subscriber lagged: {other:?}"),
    }
}

/// The next event of `subscription`, which must be a feed event: its time and body.
pub async fn next_feed(
    subscription: &mut AsyncSubscription,
    guard: Duration,
) -> (Timestamp, FeedEvent) {
    let event = next(subscription, guard).await;
    let EventBody::Feed(feed) = &event.body else {
        panic!("a feed event: {event:?}");
    };
    (event.time, feed.clone())
}

/// The next event of `subscription`, which must be a status change.
pub async fn next_status(
    subscription: &mut AsyncSubscription,
    guard: Duration,
) -> AgentStatusEvent {
    let event = next(subscription, guard).await;
    let EventBody::AgentStatus(status) = &event.body else {
        panic!("an agent_status event: {event:?}");
    };
    status.clone()
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
            EventBody::Feed(feed) if feed.address.is_none() || feed.integration == "cic" => {
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
