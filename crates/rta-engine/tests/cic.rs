//! The CIC connector over real loopback TCP, against small hand-written line-dialect servers:
//! `all` and `failover` modes, per-address snapshot reconciliation, silence, back-off, cut
//! snapshots, shutdown, configuration errors.
//!
//! Every connector test runs on tokio's paused clock: the connector's timers (silence,
//! back-off, connect timeout) take no real time, and feed events are dated by a
//! [`TokioClock`] started with the test, so an event's time says exactly when the connector
//! acted. Waits have a guard far beyond any timer of the scenario, to turn a hang into a
//! failure rather than to order anything.

mod support;

use rta_cic::{Dialect, SessionConfig};
use rta_engine::cic::{
    AddressError, AddressProblem, CicConfig, CicConnector, CicHandle, CicStats, ConnectorError,
    Mode,
};
use rta_engine::{Bus, BusPublisher, LiveStatuses, TokioClock};
use rta_model::IntegrationId;
use rta_state::StateTable;
use std::sync::Arc;
use std::time::Duration;
use support::{PAUSED_GUARD as GUARD, Peer, origin};
use tokio::net::TcpListener;

/// The table, the bus and two subscriptions (feed health, statuses), wired as the engine
/// wires them, for one CIC integration named `cic`: the wiring the adapter tests share, with
/// this file's helpers.
type Engine = support::Wiring;

impl Engine {
    fn new() -> Engine {
        Engine::wire("cic")
    }

    fn config(&self, addresses: &str, mode: Mode) -> CicConfig {
        let session = SessionConfig::new(self.integration, Dialect::Line);
        let mut config = CicConfig::new("cic", addresses, session).unwrap();
        config.mode = mode;
        config.jitter_seed = Some(7);
        config
    }

    fn spawn(&self, config: CicConfig) -> CicHandle {
        CicConnector::new(config, self.table.clone(), self.publisher())
            .clock(Arc::new(TokioClock::starting_at(origin())))
            .spawn()
            .unwrap()
    }

    /// The next feed event: `address health @seconds after the start`.
    async fn feed(&mut self) -> String {
        let (time, feed) = support::next_feed(&mut self.feeds, GUARD).await;
        assert_eq!(&*feed.integration, "cic");
        let seconds = (time - origin()).get_seconds();
        let address = feed.address.as_deref().unwrap_or("-");
        format!("{address} {:?} @{seconds}", feed.health)
    }

    /// The next `n` feed events.
    async fn feeds(&mut self, n: usize) -> Vec<String> {
        let mut feeds = Vec::new();
        for _ in 0..n {
            feeds.push(self.feed().await);
        }
        feeds
    }

    /// No more status change was published.
    fn quiet_statuses(&mut self) {
        let more = self.statuses.try_recv().unwrap();
        assert!(more.is_none(), "unexpected: {more:?}");
    }
}

/// A CIC server on a loopback port.
struct Server {
    listener: TcpListener,
    address: String,
}

impl Server {
    async fn bind() -> Server {
        Server::bind_to("127.0.0.1:0").await
    }

    async fn bind_to(address: &str) -> Server {
        let listener = TcpListener::bind(address).await.unwrap();
        let address = listener.local_addr().unwrap().to_string();
        Server { listener, address }
    }

    async fn accept(&self) -> Peer {
        let (stream, _) = tokio::time::timeout(GUARD, self.listener.accept())
            .await
            .expect("the connector connects")
            .unwrap();
        Peer(stream)
    }
}

/// An address nobody listens on (a port just released).
async fn closed_address() -> String {
    Server::bind().await.address
}

/// A `STATUS` line of a user logged in on status `key` (an ACD status or not).
fn status(user: &str, key: &str, acd: bool) -> String {
    let acd = u8::from(acd);
    format!("STATUS|2026-11-23T07:59:00Z|{user}|{key}|{key}|GROUP|1|{acd}|0|0|0|7001\r\n")
}

/// A complete snapshot of `users`, all `Available`.
fn snapshot(users: &[&str]) -> String {
    let mut text = String::from("SNAPSHOT|BEGIN|2026-11-23T08:00:00Z\n");
    for user in users {
        text.push_str(&status(user, "Available", true));
    }
    text.push_str("SNAPSHOT|END|2026-11-23T08:00:00Z\n");
    text
}

fn sorted(mut lines: Vec<String>) -> Vec<String> {
    lines.sort();
    lines
}

fn available(user: &str) -> String {
    format!("{user} Available available")
}

fn logged_out(user: &str) -> String {
    format!("{user} LoggedOut logged out")
}

#[tokio::test(start_paused = true)]
async fn all_mode_two_servers_feed_one_integration() {
    let mut engine = Engine::new();
    let (acd1, acd2) = (Server::bind().await, Server::bind().await);
    let (one, two) = (acd1.address.clone(), acd2.address.clone());
    let handle = engine.spawn(engine.config(&format!(" {one} ,{two} "), Mode::All));
    assert_eq!(
        sorted(engine.feeds(2).await),
        sorted(vec![
            format!("{one} Waiting @0"),
            format!("{two} Waiting @0")
        ])
    );

    let mut peer1 = acd1.accept().await;
    let mut peer2 = acd2.accept().await;
    peer1.send(&snapshot(&["anna", "bob"])).await;
    assert_eq!(engine.feed().await, format!("{one} Up @0"));
    assert_eq!(
        engine.statuses(2).await,
        [available("anna"), available("bob")]
    );
    // acd2's snapshot lists its own users only: acd1's are not logged out.
    peer2.send(&snapshot(&["carl", "dora"])).await;
    assert_eq!(engine.feed().await, format!("{two} Up @0"));
    assert_eq!(
        engine.statuses(2).await,
        [available("carl"), available("dora")]
    );

    // acd1's next snapshot no longer lists bob: he is logged out at the snapshot's time;
    // acd2's users are untouched.
    peer1.send(&snapshot(&["anna"])).await;
    assert_eq!(engine.status().await, logged_out("bob"));
    // dora moves to acd1, then acd2 no longer lists her: she is acd1's now.
    peer1.send(&status("dora", "At Lunch", false)).await;
    assert_eq!(engine.status().await, "dora Away at lunch");
    peer2.send(&snapshot(&["carl"])).await;
    // A marker after the snapshot: everything before it has been applied.
    peer2.send(&status("zoe", "Available", true)).await;
    assert_eq!(engine.status().await, available("zoe"));
    assert_eq!(
        engine.agents(),
        [
            available("anna"),
            logged_out("bob"),
            available("carl"),
            "dora Away at lunch".to_owned(),
            available("zoe"),
        ]
    );
    let bob = engine.table.intern(engine.integration, b"bob").unwrap();
    assert_eq!(engine.table.get(bob).unwrap().since, origin());

    // Shutting down closes both connections and says so per address.
    handle.shutdown().await;
    peer1.closed().await;
    peer2.closed().await;
    assert_eq!(
        sorted(engine.feeds(2).await),
        sorted(vec![format!("{one} Down @0"), format!("{two} Down @0")])
    );
    engine.quiet();
}

#[tokio::test(start_paused = true)]
async fn failover_moves_on_when_the_first_server_dies() {
    let mut engine = Engine::new();
    let (primary, backup) = (Server::bind().await, Server::bind().await);
    let (one, two) = (primary.address.clone(), backup.address.clone());
    let handle = engine.spawn(engine.config(&format!("{one}, {two}"), Mode::Failover));
    assert_eq!(
        engine.feeds(2).await,
        [format!("{one} Waiting @0"), format!("{two} Waiting @0")]
    );

    let mut peer = primary.accept().await;
    peer.send(&snapshot(&["anna", "bob"])).await;
    assert_eq!(engine.feed().await, format!("{one} Up @0"));
    assert_eq!(
        engine.statuses(2).await,
        [available("anna"), available("bob")]
    );

    // Served for a minute, then the primary dies: the backup is tried at once, and its
    // snapshot speaks for the whole integration (anna, absent from it, is logged out).
    tokio::time::sleep(Duration::from_secs(60)).await;
    drop(peer);
    drop(primary);
    let mut peer = backup.accept().await;
    assert_eq!(engine.feed().await, format!("{one} Down @60"));
    peer.send(&snapshot(&["bob", "carl"])).await;
    assert_eq!(engine.feed().await, format!("{two} Up @60"));
    assert_eq!(
        engine.statuses(2).await,
        [logged_out("anna"), available("carl")]
    );
    assert_eq!(
        engine.agents(),
        [logged_out("anna"), available("bob"), available("carl")]
    );

    // The backup dies too: the primary is tried (refused, still `down`: no event), then
    // after each whole round of failures the back-off applies; a backup back after 5 s is
    // found by a later attempt.
    drop(peer);
    drop(backup);
    assert_eq!(engine.feed().await, format!("{two} Down @60"));
    tokio::time::sleep(Duration::from_secs(5)).await;
    let backup = Server::bind_to(&two).await;
    let mut peer = backup.accept().await;
    peer.send(&snapshot(&["bob", "carl"])).await;
    let up = engine.feed().await;
    let seconds: i64 = up.rsplit_once('@').unwrap().1.parse().unwrap();
    assert!(up.starts_with(&format!("{two} Up @")), "{up}");
    // Attempts at 60 (backup lost), 60 (primary), then waits of 1 s, 1-2 s, 2-4 s, 4-8 s ...
    assert!((65..=60 + 1 + 2 + 4 + 8).contains(&seconds), "{up}");
    handle.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn failover_skips_a_server_that_refuses() {
    let mut engine = Engine::new();
    let dead = closed_address().await;
    let backup = Server::bind().await;
    let two = backup.address.clone();
    let handle = engine.spawn(engine.config(&format!("{dead},{two}"), Mode::Failover));
    let mut peer = backup.accept().await;
    peer.send(&snapshot(&["anna"])).await;
    assert_eq!(
        engine.feeds(4).await,
        [
            format!("{dead} Waiting @0"),
            format!("{two} Waiting @0"),
            format!("{dead} Down @0"),
            format!("{two} Up @0"),
        ]
    );
    handle.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn silence_makes_the_address_stale_and_the_connector_reconnects() {
    let mut engine = Engine::new();
    let acd = Server::bind().await;
    let one = acd.address.clone();
    let handle = engine.spawn(engine.config(&one, Mode::All));
    assert_eq!(engine.feed().await, format!("{one} Waiting @0"));

    let mut peer = acd.accept().await;
    peer.send(&snapshot(&["anna"])).await;
    assert_eq!(engine.feed().await, format!("{one} Up @0"));
    // A heartbeat at 60 s keeps the connection; silence after it makes it stale 90 s later.
    tokio::time::sleep(Duration::from_secs(60)).await;
    peer.send("HEARTBEAT|2026-11-23T08:01:00Z\n").await;
    assert_eq!(engine.feed().await, format!("{one} Stale @150"));
    peer.closed().await;

    // The connection was up 150 s, so the back-off starts over: a new attempt 1 s later. The
    // address stays stale until the new connection's snapshot completes.
    let mut peer = acd.accept().await;
    tokio::time::sleep(Duration::from_secs(10)).await;
    peer.send(&snapshot(&["anna"])).await;
    assert_eq!(engine.feed().await, format!("{one} Up @161"));
    assert_eq!(engine.agents(), [available("anna")]);
    handle.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_snapshot_cut_off_by_a_disconnect_changes_nothing() {
    let mut engine = Engine::new();
    let acd = Server::bind().await;
    let one = acd.address.clone();
    let handle = engine.spawn(engine.config(&one, Mode::All));
    assert_eq!(engine.feed().await, format!("{one} Waiting @0"));

    let mut peer = acd.accept().await;
    peer.send(&snapshot(&["anna", "bob"])).await;
    assert_eq!(engine.feed().await, format!("{one} Up @0"));
    assert_eq!(
        engine.statuses(2).await,
        [available("anna"), available("bob")]
    );

    // A new snapshot that lists anna (in a new status) and is cut off before bob: her row
    // stands, bob is not logged out.
    peer.send("SNAPSHOT|BEGIN|2026-11-23T08:05:00Z\n").await;
    peer.send(&status("anna", "At Lunch", false)).await;
    drop(peer);
    assert_eq!(engine.status().await, "anna Away at lunch");
    assert_eq!(engine.feed().await, format!("{one} Down @0"));
    // The connection's counts are in before its `down` is published.
    assert_eq!(
        handle.stats(),
        CicStats {
            connections: 1,
            lines: 6,
            statuses: 3,
            snapshots_completed: 1,
            snapshots_aborted: 1,
            ..CicStats::default()
        }
    );
    assert_eq!(
        engine.agents(),
        ["anna Away at lunch".to_owned(), available("bob")]
    );

    // The reconnection (1 s later) gets a complete snapshot: statuses as they were.
    let mut peer = acd.accept().await;
    peer.send(&snapshot(&["bob"])).await;
    assert_eq!(engine.feed().await, format!("{one} Up @1"));
    assert_eq!(engine.status().await, logged_out("anna"));
    engine.quiet();
    handle.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn refused_attempts_back_off_and_report_down_once() {
    let mut engine = Engine::new();
    let address = closed_address().await;
    let handle = engine.spawn(engine.config(&address, Mode::All));
    assert_eq!(
        engine.feeds(2).await,
        [
            format!("{address} Waiting @0"),
            format!("{address} Down @0")
        ]
    );
    // Twenty seconds of refusals are one event; then the server comes up.
    tokio::time::sleep(Duration::from_secs(20)).await;
    engine.quiet();
    let acd = Server::bind_to(&address).await;
    let mut peer = acd.accept().await;
    peer.send(&snapshot(&["anna"])).await;
    let up = engine.feed().await;
    let seconds: i64 = up.rsplit_once('@').unwrap().1.parse().unwrap();
    // Attempts at 0, 1, 2-3, 4-7, 8-15, 16-31, 31-61: the first from 20 s on.
    assert!((20..=61).contains(&seconds), "{up}");
    handle.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn host_names_are_resolved() {
    let mut engine = Engine::new();
    let acd = Server::bind().await;
    let port = acd.address.rsplit_once(':').unwrap().1.to_owned();
    let address = format!("localhost:{port}");
    let handle = engine.spawn(engine.config(&address, Mode::All));
    let mut peer = acd.accept().await;
    peer.send(&snapshot(&["anna"])).await;
    assert_eq!(
        engine.feeds(2).await,
        [format!("{address} Waiting @0"), format!("{address} Up @0")]
    );
    handle.shutdown().await;
}

#[test]
fn configuration_errors_are_clear() {
    let session = SessionConfig::new(IntegrationId(0), Dialect::Line);
    let error = |addresses: &str| CicConfig::new("cic", addresses, session.clone()).unwrap_err();
    assert_eq!(error(" "), AddressError::NoAddress);
    assert_eq!(
        error("acd1:8080, acd2").to_string(),
        "ACD server address 2 (\"acd2\"): no port: write host:port"
    );
    assert_eq!(
        error("acd1:8080,,acd2:8080").to_string(),
        "ACD server address 2 (\"\"): the entry is empty"
    );
    assert!(matches!(
        error("[::1]:8080, [::1]:8080"),
        AddressError::Entry {
            position: 2,
            problem: AddressProblem::Duplicate,
            ..
        }
    ));
    let config = CicConfig::new("cic", "acd1:8080, [::1]:9000", session).unwrap();
    let shown: Vec<String> = config.addresses.iter().map(ToString::to_string).collect();
    assert_eq!(shown, ["acd1:8080", "[::1]:9000"]);

    assert_eq!(" Failover ".parse::<Mode>(), Ok(Mode::Failover));
    assert_eq!("all".parse::<Mode>(), Ok(Mode::All));
    assert_eq!(
        "primary".parse::<Mode>().unwrap_err().to_string(),
        "\"primary\" is not a CIC connection mode: all or failover"
    );
}

#[test]
fn spawn_refuses_what_cannot_run() {
    let table = Arc::new(StateTable::new(10));
    let live = Arc::new(LiveStatuses::new(
        table.clone(),
        [(IntegrationId(0), "cic")],
    ));
    let publisher = Arc::new(BusPublisher::new(Bus::builder(live.clone()).build(), live));
    let config = |integration| {
        CicConfig::new(
            "cic",
            "acd:8080",
            SessionConfig::new(integration, Dialect::Line),
        )
        .unwrap()
    };
    let spawn = |config| CicConnector::new(config, table.clone(), publisher.clone()).spawn();

    // Outside a runtime.
    let cic = table.add_integration();
    assert_eq!(spawn(config(cic)).unwrap_err(), ConnectorError::NoRuntime);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let _inside = runtime.enter();
    // An integration the table does not know.
    assert!(matches!(
        spawn(config(IntegrationId(9))),
        Err(ConnectorError::State { .. })
    ));
    // No address (the list was emptied after parsing).
    let mut empty = config(cic);
    empty.addresses.clear();
    assert_eq!(
        spawn(empty).unwrap_err().to_string(),
        "CIC integration \"cic\" has no ACD server address"
    );
}

#[tokio::test(start_paused = true)]
async fn a_reconnected_server_logs_out_only_its_own_missing_users() {
    let mut engine = Engine::new();
    let (acd1, acd2) = (Server::bind().await, Server::bind().await);
    let (one, two) = (acd1.address.clone(), acd2.address.clone());
    let handle = engine.spawn(engine.config(&format!("{one},{two}"), Mode::All));
    let mut peer1 = acd1.accept().await;
    let mut peer2 = acd2.accept().await;
    peer1.send(&snapshot(&["anna", "bob"])).await;
    assert_eq!(
        engine.statuses(2).await,
        [available("anna"), available("bob")]
    );
    peer2.send(&snapshot(&["carl"])).await;
    assert_eq!(engine.status().await, available("carl"));

    // acd1 restarts; its first snapshot no longer lists bob. Membership outlived the
    // connection: bob is logged out, carl (acd2's) is not.
    drop(peer1);
    let mut peer1 = acd1.accept().await;
    peer1.send(&snapshot(&["anna"])).await;
    assert_eq!(engine.status().await, logged_out("bob"));
    peer1.send(&status("zoe", "Available", true)).await;
    assert_eq!(engine.status().await, available("zoe"));
    assert_eq!(
        engine.agents(),
        [
            available("anna"),
            logged_out("bob"),
            available("carl"),
            available("zoe")
        ]
    );
    drop(peer2);
    handle.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn bad_records_are_skipped_and_the_connection_stays() {
    let mut engine = Engine::new();
    let acd = Server::bind().await;
    let one = acd.address.clone();
    let handle = engine.spawn(engine.config(&one, Mode::All));
    let mut peer = acd.accept().await;
    peer.send(&snapshot(&["anna"])).await;
    assert_eq!(engine.status().await, available("anna"));
    peer.send("garbage without fields\n").await;
    peer.send("STATUS|2026-11-23T08:01:00Z||Available|||1|1|0|0|0|\n")
        .await;
    peer.send("STATUS|yesterday|bob|Available|||1|1|0|0|0|\n")
        .await;
    peer.send(&format!("{}\n", "x".repeat(10_000))).await;
    peer.send("SNAPSHOT|END|2026-11-23T08:01:00Z\n").await;
    peer.send(&status("carl", "Available", true)).await;
    assert_eq!(engine.status().await, available("carl"));
    assert_eq!(
        engine.feeds(2).await,
        [format!("{one} Waiting @0"), format!("{one} Up @0")]
    );
    // A stray END is no empty snapshot: anna stays.
    assert_eq!(engine.agents(), [available("anna"), available("carl")]);
    engine.quiet();
    handle.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_shutdown_in_the_middle_of_a_snapshot_logs_nobody_out() {
    let mut engine = Engine::new();
    let acd = Server::bind().await;
    let handle = engine.spawn(engine.config(&acd.address, Mode::All));
    let mut peer = acd.accept().await;
    peer.send(&snapshot(&["anna", "bob"])).await;
    assert_eq!(
        engine.statuses(2).await,
        [available("anna"), available("bob")]
    );
    peer.send("SNAPSHOT|BEGIN|2026-11-23T08:05:00Z\n").await;
    peer.send(&status("carl", "Available", true)).await;
    assert_eq!(engine.status().await, available("carl"));
    handle.shutdown().await;
    peer.closed().await;
    assert_eq!(
        engine.agents(),
        [available("anna"), available("bob"), available("carl")]
    );
    engine.quiet_statuses();
}

/// icws: a whole snapshot is one message (begin, statuses and end in one frame); the status
/// definitions one server sends serve the integration's other connections (one vocabulary).
#[tokio::test(start_paused = true)]
async fn icws_snapshots_in_all_mode_share_the_vocabulary() {
    let mut engine = Engine::new();
    let (acd1, acd2) = (Server::bind().await, Server::bind().await);
    let (one, two) = (acd1.address.clone(), acd2.address.clone());
    let mut config = engine.config(&format!("{one},{two}"), Mode::All);
    config.session = SessionConfig::new(engine.integration, Dialect::Icws);
    let handle = engine.spawn(config);
    let mut peer1 = acd1.accept().await;
    let mut peer2 = acd2.accept().await;

    peer1.send(&icws_definitions()).await;
    peer1.send(&icws_snapshot(&["anna", "bob"])).await;
    assert_eq!(
        engine.statuses(2).await,
        [available("anna"), available("bob")]
    );
    // acd2 sent no definitions: `Available` is an ACD status by acd1's.
    peer2.send(&icws_snapshot(&["carl"])).await;
    assert_eq!(engine.status().await, available("carl"));
    assert_eq!(
        sorted(engine.feeds(4).await),
        sorted(vec![
            format!("{one} Up @0"),
            format!("{one} Waiting @0"),
            format!("{two} Up @0"),
            format!("{two} Waiting @0"),
        ])
    );

    peer1.send(&icws_snapshot(&["anna"])).await;
    assert_eq!(engine.status().await, logged_out("bob"));
    peer2.send(&icws_snapshot(&["carl"])).await;
    peer1.send(&icws_snapshot(&["anna"])).await;
    peer1.send(&icws_snapshot(&["anna", "dora"])).await;
    assert_eq!(engine.status().await, available("dora"));
    assert_eq!(
        engine.agents(),
        [
            available("anna"),
            logged_out("bob"),
            available("carl"),
            available("dora")
        ]
    );
    handle.shutdown().await;
}

fn icws_definitions() -> String {
    concat!(
        r#"{"__type":"urn:inin.com:status:statusMessagesMessage","isDelta":false,"#,
        r#""statusMessageList":[{"statusId":"Available","messageText":"Available","#,
        r#""groupTag":"AVAILABLE","isAcdStatus":true}]}"#,
        "\n"
    )
    .to_owned()
}

/// A full `userStatusMessage` of `users`, all `Available` since 07:58:12.
fn icws_snapshot(users: &[&str]) -> String {
    let items: Vec<String> = users
        .iter()
        .map(|user| {
            format!(
                r#"{{"userId":"{user}","statusId":"Available","statusChanged":"20261123T075812Z","loggedIn":true,"onPhone":false,"stations":["7001"]}}"#
            )
        })
        .collect();
    format!(
        r#"{{"__type":"urn:inin.com:status:userStatusMessage","isDelta":false,"userStatusList":[{}]}}"#,
        items.join(",")
    ) + "\n"
}
