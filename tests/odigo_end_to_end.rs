//! Odigo end to end over loopback HTTP: the simulated tenant's notifier POSTs two hours of
//! 40 agents' day (every alias, time format and body shape, bare pauses, retries of accepted
//! notifications) to the engine's receiver, which completes the bare pauses from the
//! simulated web service; at the end the state table says exactly what the simulator's
//! truth says, for every agent.

use rta_engine::odigo::{
    OdigoIntegration, OdigoReceiver, Password, PauseDetailsConfig, PauseResolver, ReceiverConfig,
};
use rta_engine::{Bus, BusPublisher, LiveStatuses, SystemClock};
use rta_model::Timestamp;
use rta_odigo::Token;
use rta_sim::odigo::{
    Body, Notifier, NotifierConfig, OdigoSim, OdigoSimConfig, WebService, WebServiceConfig,
    WireOptions,
};
use rta_state::StateTable;
use std::sync::Arc;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_simulated_tenant_ends_where_the_table_ends() {
    let start: Timestamp = "2026-11-23T08:00:00Z".parse().unwrap();
    let mut config = OdigoSimConfig::new("acme", 40, 7, start);
    config.wire = WireOptions::varied();
    config.wire.bare_pause_ratio = 0.4;
    let mut sim = OdigoSim::new(config).unwrap();
    let service = WebService::start(WebServiceConfig::new(sim.roster(), "acme", "wfm", "s3cret"))
        .await
        .unwrap();

    let table = Arc::new(StateTable::new(1_000));
    let odigo = table.add_integration();
    let live = Arc::new(LiveStatuses::new(table.clone(), [(odigo, "odigo-acme")]));
    let publisher = Arc::new(BusPublisher::new(Bus::builder(live.clone()).build(), live));
    let receiver = OdigoReceiver::start(
        ReceiverConfig::new("127.0.0.1:0".parse().unwrap()),
        table.clone(),
        publisher,
        Arc::new(SystemClock),
    )
    .await
    .unwrap();
    let token = Token::generate().unwrap();
    let mut integration = OdigoIntegration::new("odigo-acme", odigo, token.hash());
    let pause_details = PauseDetailsConfig::new(service.url(), "wfm", Password::new("s3cret"));
    integration.pause_details = Some(Arc::new(
        PauseResolver::from_config(&pause_details).unwrap(),
    ));
    receiver.add(integration).unwrap();

    let url = format!("http://{}/odigo/{}", receiver.local_addr(), token.expose());
    let mut notifier_config = NotifierConfig::new(&url);
    notifier_config.retry_ratio = 0.1;
    let notifier = Notifier::new(notifier_config).unwrap();

    // Two hours, five minutes at a time, each slice sent in a different shape.
    let mut sent = 0;
    for slice in 1..=24_i64 {
        let until = start
            .checked_add(jiff::SignedDuration::from_mins(5 * slice))
            .unwrap();
        let notifications = sim.step(until);
        sent += notifications.len();
        let bodies: Vec<Body> = match slice % 3 {
            0 => notifications.chunks(7).map(Body::batch).collect(),
            1 => notifications.iter().map(Body::form).collect(),
            _ => notifications.iter().map(Body::json).collect(),
        };
        for body in &bodies {
            let outcome = notifier.send(body).await;
            assert!(outcome.accepted(), "{outcome:?}");
        }
    }
    assert!(sent > 500, "only {sent} notifications in two hours");
    let stats = notifier.stats();
    assert!(stats.duplicates > 0 && stats.rejected == 0, "{stats:?}");

    // Shutting down applies everything that was accepted.
    let integration_stats = receiver.integration_stats("odigo-acme").unwrap();
    receiver.shutdown().await;
    assert!(integration_stats.duplicates >= stats.duplicates);
    assert!(service.requests() > 0, "no bare pause was looked up");

    let view = table.view(odigo, 3).unwrap();
    let mut in_table: Vec<String> = view
        .agents
        .iter()
        .map(|(key, status)| {
            let (_, login) = table.identity(*key).unwrap();
            let text = |code: &Option<rta_model::Code<'_>>| {
                code.as_ref().map_or("-".to_string(), ToString::to_string)
            };
            format!(
                "{} {} {} {} {:?} {}",
                String::from_utf8_lossy(login),
                status.code,
                text(&status.reason),
                text(&status.detail),
                status.direction,
                status.since
            )
        })
        .collect();
    in_table.sort();
    let mut truth: Vec<String> = sim
        .truth()
        .iter()
        .filter(|agent| agent.since > start || agent.state.name() != "LOGGED_OUT")
        .map(|agent| {
            let pause = agent.state.pause();
            let direction = match agent.state.direction().map(|d| d.as_str()) {
                Some("IN") => "In",
                Some("OUT") => "Out",
                _ => "None",
            };
            format!(
                "{} {} {} {} {direction} {}",
                agent.login,
                agent.state.name(),
                pause.map_or("-", |p| &*p.code),
                pause.map_or("-", |p| &*p.label),
                agent.since
            )
        })
        .collect();
    truth.sort();
    assert_eq!(in_table, truth);
}
