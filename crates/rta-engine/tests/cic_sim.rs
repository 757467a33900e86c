//! The CIC connector fed by the CIC simulator of `rta-sim` (a primary/backup pair of identical
//! servers, failover mode) through garbage, split writes, over-long lines, cut snapshots,
//! disconnects, silence, servers that accept and never answer, and the death of a server: every user ends in the state table as the
//! simulator's ground truth says (phase, status, since), in both dialects.
//!
//! Paused tokio clock: the silence watchdog and the back-off take no real time.

use jiff::SignedDuration;
use rta_cic::{Dialect, SessionConfig};
use rta_engine::cic::{CicConfig, CicConnector, Mode};
use rta_engine::{
    AsyncSubscription, Bus, BusPublisher, Delivery, EventKind, Filter, LiveStatuses,
    SubscribeOptions, TokioClock,
};
use rta_model::{EventBody, FeedHealth, Timestamp, Zone};
use rta_sim::cic::{CicServer, CicServerConfig, CicServerHandle, CicSimConfig, CicTruth, Fault};
use rta_state::StateTable;
use std::sync::Arc;
use std::time::Duration;

const GUARD: Duration = Duration::from_secs(24 * 3_600);

fn start() -> Timestamp {
    "2026-11-23T08:00:00Z".parse().unwrap()
}

/// Each user's `id phase status` and status start, as the table has them, sorted by id.
fn table_users(table: &StateTable, cic: rta_model::IntegrationId) -> Vec<(String, Timestamp)> {
    let view = table.view(cic, 3).unwrap();
    let mut users: Vec<(String, Timestamp)> = view
        .agents
        .iter()
        .map(|(key, status)| {
            let (_, id) = table.identity(*key).unwrap();
            let id = String::from_utf8_lossy(id);
            (
                format!("{id} {:?} {}", status.phase, status.code),
                status.since,
            )
        })
        .collect();
    users.sort();
    users
}

/// The same as the simulator's ground truth says (status keys fold to lower case).
fn truth_users(truth: &CicTruth) -> Vec<(String, Timestamp)> {
    let mut users: Vec<(String, Timestamp)> = truth
        .users
        .iter()
        .map(|user| {
            let presence = &user.presence;
            let status = format!(
                "{} {:?} {}",
                user.user_id,
                presence.phase(),
                presence.status.key.to_lowercase()
            );
            (status, presence.since)
        })
        .collect();
    users.sort();
    users
}

fn statuses(users: &[(String, Timestamp)]) -> Vec<&str> {
    users.iter().map(|(status, _)| status.as_str()).collect()
}

/// Health events of the run: `address health`.
fn drain_feeds(feeds: &mut AsyncSubscription, into: &mut Vec<(String, FeedHealth)>) {
    while let Some(delivery) = feeds.try_recv().unwrap() {
        let Delivery::Event(event) = delivery else {
            panic!("lagged: {delivery:?}");
        };
        if let EventBody::Feed(feed) = &event.body {
            into.push((feed.address.clone().unwrap_or_default(), feed.health));
        }
    }
}

async fn run(dialect: Dialect) {
    let mut sim = CicSimConfig::new(40, 5, start());
    sim.dialect = dialect;
    sim.tick = SignedDuration::from_secs(5);
    sim.zone = Zone::get("Europe/Paris").unwrap();
    let start_server = || async {
        CicServer::start(CicServerConfig::manual(sim.clone()))
            .await
            .unwrap()
    };
    let (primary, backup): (CicServerHandle, CicServerHandle) =
        (start_server().await, start_server().await);
    let servers = [&primary, &backup];

    let table = Arc::new(StateTable::new(1_000));
    let cic = table.add_integration();
    let live = Arc::new(LiveStatuses::new(table.clone(), [(cic, "cic")]));
    let bus = Bus::builder(live.clone()).build();
    let mut feeds = bus
        .subscribe_async(SubscribeOptions::new(
            Filter::all().kinds([EventKind::Feed]),
        ))
        .unwrap();
    let mut session = SessionConfig::new(cic, dialect);
    session.zone = sim.zone.clone();
    let addresses = format!("{}, {}", primary.local_addr(), backup.local_addr());
    let mut config = CicConfig::new("cic", &addresses, session).unwrap();
    config.mode = Mode::Failover;
    config.jitter_seed = Some(3);
    let handle = CicConnector::new(
        config,
        table.clone(),
        Arc::new(BusPublisher::new(bus.clone(), live)),
    )
    .clock(Arc::new(TokioClock::starting_at(start())))
    .spawn()
    .unwrap();

    let mut health = Vec::new();
    for round in 0..60u32 {
        let live_servers: Vec<&CicServerHandle> =
            servers.into_iter().filter(|s| !s.is_killed()).collect();
        let inject = |fault| live_servers.iter().for_each(|s| s.inject(fault));
        match round {
            5 => inject(Fault::Garbage { lines: 14 }),
            10 => inject(Fault::SplitWrites(Some(3))),
            15 => inject(Fault::OverLongLine { bytes: 20_000 }),
            20 => {
                // The next connection to each server is cut in its snapshot, and the current
                // one closed: two cut snapshots, then a back-off, then a whole one.
                inject(Fault::DropMidSnapshot { connections: 1 });
                inject(Fault::Disconnect);
            }
            25 => inject(Fault::SplitWrites(None)),
            30 => {
                inject(Fault::Silence);
                tokio::time::sleep(Duration::from_secs(100)).await;
            }
            35 => {
                // Both servers accept and say nothing for a while: connections go stale
                // in turn until they answer again.
                inject(Fault::Hang);
                tokio::time::sleep(Duration::from_secs(200)).await;
                inject(Fault::Recover);
            }
            40 => primary.kill().await,
            _ => {}
        }
        for server in servers.iter().filter(|s| !s.is_killed()) {
            server.tick(1);
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
        drain_feeds(&mut feeds, &mut health);
    }

    // The connector catches up with what was sent.
    let truth = truth_users(&backup.truth());
    assert_eq!(truth.len(), 40);
    tokio::time::timeout(GUARD, async {
        while statuses(&table_users(&table, cic)) != statuses(&truth) {
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    })
    .await
    .unwrap_or_else(|_| {
        panic!(
            "the table never matched the truth:\n{:#?}\n{:#?}",
            table_users(&table, cic),
            truth
        )
    });
    // Each status began when the truth says, except where the user left a status and came
    // back to the same one while the connector was not connected (during the hang): the
    // table saw the same status again, which is no change, and keeps its first start.
    for ((status, since), (_, truth_since)) in table_users(&table, cic).iter().zip(&truth) {
        assert!(
            since <= truth_since,
            "{status}: since {since}, truth {truth_since}"
        );
    }
    drain_feeds(&mut feeds, &mut health);

    // Both addresses went stale or down at some point and one is up at the end.
    let primary_address = primary.local_addr().to_string();
    let backup_address = backup.local_addr().to_string();
    let last = |address: &str| {
        health
            .iter()
            .rev()
            .find(|(a, _)| a == address)
            .map(|(_, h)| *h)
    };
    assert!(
        health.contains(&(primary_address.clone(), FeedHealth::Up)),
        "{health:?}"
    );
    assert!(
        health.iter().any(|(_, h)| *h == FeedHealth::Stale),
        "{health:?}"
    );
    assert_eq!(last(&primary_address), Some(FeedHealth::Down), "{health:?}");
    assert_eq!(last(&backup_address), Some(FeedHealth::Up), "{health:?}");
    // No event repeats the health before it (changes only).
    for address in [&primary_address, &backup_address] {
        let states: Vec<FeedHealth> = health
            .iter()
            .filter(|(a, _)| a == address)
            .map(|(_, h)| *h)
            .collect();
        assert!(states.windows(2).all(|w| w[0] != w[1]), "{states:?}");
    }
    let cut: u64 = servers.iter().map(|s| s.stats().snapshots_cut).sum();
    assert_eq!(cut, 2, "both servers cut a snapshot");
    handle.shutdown().await;
    backup.kill().await;
}

#[tokio::test(start_paused = true)]
async fn line_dialect_through_faults_and_failover_matches_the_truth() {
    run(Dialect::Line).await;
}

#[tokio::test(start_paused = true)]
async fn icws_dialect_through_faults_and_failover_matches_the_truth() {
    run(Dialect::Icws).await;
}
