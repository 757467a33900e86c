//! The Avaya CMS listener over real loopback TCP: hand-written rt_socket lines and the
//! `rta-sim` simulator connect to it as the CMS does. Snapshots to the table and the bus,
//! logouts by completed batches only, staleness, reconnection and replacement, the peer
//! allow-list, pause and resume, port clashes, bad input.
//!
//! Every test runs on tokio's paused clock: the listener's staleness check takes no real
//! time, and events are dated by a [`TokioClock`] started with the test, so an event's time
//! says exactly when the listener acted. Waits have a guard far beyond any timer of the
//! scenario, to turn a hang into a failure rather than to order anything.

mod support;

use rta_avaya::Layout;
use rta_engine::TokioClock;
use rta_engine::avaya::{AvayaConfig, AvayaHandle, AvayaListener, ListenerError};
use rta_model::{FeedHealth, IntegrationId, Timestamp};
use rta_sim::avaya::{AvayaSim, Faults, SimConfig, StreamOptions, stream};
use std::io::ErrorKind;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use support::{PAUSED_GUARD as GUARD, Peer as Cms, origin};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpSocket, TcpStream};

/// The table, the bus and two subscriptions (feed health, statuses), wired as the engine
/// wires them, for one Avaya integration named `cms`: the wiring the adapter tests share, with
/// this file's helpers.
type Engine = support::Wiring;

impl Engine {
    fn new() -> Engine {
        Engine::wire("cms")
    }

    /// The defaults, on a free loopback port.
    fn config(&self) -> AvayaConfig {
        AvayaConfig::new("cms", self.integration, "127.0.0.1:0".parse().unwrap())
    }

    fn listener(&self, config: AvayaConfig) -> AvayaListener {
        AvayaListener::new(config, self.table.clone(), self.publisher())
            .clock(Arc::new(TokioClock::starting_at(origin())))
    }

    /// Starts a listener and reads its first feed event, `waiting`.
    async fn spawn(&mut self, config: AvayaConfig) -> AvayaHandle {
        let handle = self.listener(config).spawn().unwrap();
        assert_eq!(self.feed().await, "Waiting @0");
        assert_eq!(handle.health(), FeedHealth::Waiting);
        handle
    }

    /// The next feed event: `health @seconds after the start`.
    async fn feed(&mut self) -> String {
        let (time, feed) = support::next_feed(&mut self.feeds, GUARD).await;
        assert_eq!(&*feed.integration, "cms");
        assert_eq!(feed.address, None);
        let seconds = (time - origin()).get_seconds();
        format!("{:?} @{seconds}", feed.health)
    }

    /// When agent `logid`'s current status began.
    fn since(&self, logid: &str) -> Timestamp {
        let key = self
            .table
            .intern(self.integration, logid.as_bytes())
            .unwrap();
        self.table.get(key).unwrap().since
    }
}

// The CMS side of one connection: the CMS connects to the listener.
impl Cms {
    async fn connect(address: SocketAddr) -> Cms {
        Cms(TcpStream::connect(address).await.unwrap())
    }
}

/// An `agent` layout row: `logid` in `state` (AUX `reason`) for `duration`.
fn row(logid: &str, state: &str, reason: &str, duration: &str) -> String {
    format!("F1|1|  {logid}| 5{logid}|{state:<7}|{reason:>2}|    |{duration:>5}|  0|  0\n")
}

/// A complete batch at `08:MM:SS` (`time`) of `rows`.
fn batch(time: &str, rows: &[String]) -> String {
    format!("F0|2026-11-23 {time}\n{}F3|END_OF_RECORDS\n", rows.concat())
}

fn avail(logid: &str) -> String {
    row(logid, "AVAIL", "", ":10")
}

#[tokio::test(start_paused = true)]
async fn snapshots_reach_the_table_and_the_bus_and_completed_batches_log_out_the_absent() {
    let mut engine = Engine::new();
    let handle = engine.spawn(engine.config()).await;
    let mut cms = Cms::connect(handle.local_addr()).await;

    cms.send(&batch(
        "08:00:00",
        &[
            avail("40101"),
            row("40102", "ACDIN", "", "2:17"),
            row("40103", "AUX", "2", "14:05"),
        ],
    ))
    .await;
    assert_eq!(
        engine.statuses(3).await,
        [
            "40101 Available AVAIL",
            "40102 Talking ACDIN",
            "40103 Away AUX"
        ]
    );
    assert_eq!(engine.feed().await, "Up @0");
    assert_eq!(handle.health(), FeedHealth::Up);
    // Each change is dated by the batch time minus the time in state.
    assert_eq!(
        engine.since("40102"),
        "2026-11-23T07:57:43Z".parse().unwrap()
    );

    // The same snapshot again is no event; then 40103 is absent from a completed batch: he is
    // logged out at its time, and 40101 goes on a call.
    cms.send(&batch(
        "08:00:15",
        &[
            avail("40101"),
            row("40102", "ACDIN", "", "2:32"),
            row("40103", "AUX", "2", "14:20"),
        ],
    ))
    .await;
    cms.send(&batch(
        "08:00:30",
        &[
            row("40101", "ACDIN", "", ":05"),
            row("40102", "ACDIN", "", "2:47"),
        ],
    ))
    .await;
    assert_eq!(
        engine.statuses(2).await,
        ["40101 Talking ACDIN", "40103 LoggedOut UNSTAFF"]
    );
    assert_eq!(
        engine.since("40103"),
        "2026-11-23T08:00:30Z".parse().unwrap()
    );
    assert_eq!(
        engine.agents(),
        [
            "40101 Talking ACDIN",
            "40102 Talking ACDIN",
            "40103 LoggedOut UNSTAFF"
        ]
    );
    assert_eq!(handle.stats().batches_completed, 3);
    engine.quiet();

    // Shutting down closes the connection and says so.
    handle.shutdown().await;
    cms.closed().await;
    assert_eq!(engine.feed().await, "Down @0");
    engine.quiet();
}

#[tokio::test(start_paused = true)]
async fn a_batch_cut_by_a_disconnect_logs_nobody_out_and_the_reconnection_does() {
    let mut engine = Engine::new();
    let handle = engine.spawn(engine.config()).await;
    let mut cms = Cms::connect(handle.local_addr()).await;
    cms.send(&batch("08:00:00", &[avail("40101"), avail("40102")]))
        .await;
    assert_eq!(
        engine.statuses(2).await,
        ["40101 Available AVAIL", "40102 Available AVAIL"]
    );
    assert_eq!(engine.feed().await, "Up @0");

    // A batch that lists 40101 in a new state and is cut off before 40102: the row stands,
    // 40102 is not logged out, and the lost connection is `down`.
    tokio::time::sleep(Duration::from_secs(15)).await;
    cms.send("F0|2026-11-23 08:00:15\n").await;
    cms.send(&row("40101", "AUX", "0", ":03")).await;
    drop(cms);
    assert_eq!(engine.status().await, "40101 Away AUX");
    assert_eq!(engine.feed().await, "Down @15");
    assert_eq!(engine.agents(), ["40101 Away AUX", "40102 Available AVAIL"]);
    assert_eq!(handle.stats().batches_cut_off, 1);

    // CMS reconnects; its first complete batch no longer lists 40102: logged out.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let mut cms = Cms::connect(handle.local_addr()).await;
    cms.send(&batch("08:00:20", &[row("40101", "AUX", "0", ":08")]))
        .await;
    assert_eq!(engine.status().await, "40102 LoggedOut UNSTAFF");
    assert_eq!(engine.feed().await, "Up @20");
    let stats = handle.stats();
    assert_eq!((stats.connections, stats.replaced), (2, 0));
    handle.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn stale_after_three_refresh_intervals_without_a_completed_batch() {
    let mut engine = Engine::new();
    let handle = engine.spawn(engine.config()).await;
    let mut cms = Cms::connect(handle.local_addr()).await;
    cms.send(&batch("08:00:00", &[avail("40101")])).await;
    assert_eq!(engine.status().await, "40101 Available AVAIL");
    assert_eq!(engine.feed().await, "Up @0");

    // A batch that never completes is no sign of life: 15 s refresh, stale after 45 s
    // (seen by the check of the next second).
    tokio::time::sleep(Duration::from_secs(30)).await;
    cms.send("F0|2026-11-23 08:00:30\n").await;
    cms.send(&avail("40101")).await;
    assert_eq!(engine.feed().await, "Stale @46");
    assert_eq!(handle.health(), FeedHealth::Stale);

    // The next completed batch makes it `up` again.
    tokio::time::sleep(Duration::from_secs(14)).await;
    cms.send(&batch("08:01:00", &[avail("40101")])).await;
    assert_eq!(engine.feed().await, "Up @60");
    engine.quiet();
    handle.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_new_connection_replaces_the_open_one() {
    let mut engine = Engine::new();
    let handle = engine.spawn(engine.config()).await;
    let mut old = Cms::connect(handle.local_addr()).await;
    old.send(&batch("08:00:00", &[avail("40101"), avail("40102")]))
        .await;
    assert_eq!(engine.statuses(2).await.len(), 2);
    assert_eq!(engine.feed().await, "Up @0");

    // The old connection is in the middle of a batch when CMS connects again: what it sent
    // before applies (cut off: nobody logged out), then the new connection is the feed.
    old.send("F0|2026-11-23 08:00:15\n").await;
    old.send(&row("40101", "ACDIN", "", ":04")).await;
    let mut new = Cms::connect(handle.local_addr()).await;
    assert_eq!(engine.status().await, "40101 Talking ACDIN");
    new.send(&batch(
        "08:00:15",
        &[row("40101", "ACDIN", "", ":04"), avail("40103")],
    ))
    .await;
    assert_eq!(
        engine.statuses(2).await,
        ["40102 LoggedOut UNSTAFF", "40103 Available AVAIL"]
    );

    // The old connection is still read, and ignored: its complete batch changes nothing.
    old.send(&batch("08:00:16", &[avail("40109")])).await;
    new.send(&batch(
        "08:00:30",
        &[row("40101", "ACW", "", ":02"), avail("40103")],
    ))
    .await;
    assert_eq!(engine.status().await, "40101 WrapUp ACW");
    assert_eq!(
        engine.agents(),
        [
            "40101 WrapUp ACW",
            "40102 LoggedOut UNSTAFF",
            "40103 Available AVAIL"
        ]
    );
    let stats = handle.stats();
    assert_eq!(
        (stats.connections, stats.replaced, stats.batches_completed),
        (2, 1, 3)
    );

    // The replacement was no loss of the feed; the newest connection's end is.
    drop(new);
    assert_eq!(engine.feed().await, "Down @0");
    handle.shutdown().await;
    old.closed().await;
    engine.quiet();
}

#[tokio::test(start_paused = true)]
async fn the_allow_list_refuses_a_foreign_peer() {
    let mut engine = Engine::new();
    let mut config = engine.config();
    config.allowed_peers = Some(vec!["127.0.0.1".parse().unwrap()]);
    let handle = engine.spawn(config).await;

    // Linux routes all of 127.0.0.0/8 to the loopback: 127.0.0.2 is another peer.
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.2:0".parse().unwrap()).unwrap();
    let mut foreign = Cms(socket.connect(handle.local_addr()).await.unwrap());
    let _ = foreign
        .0
        .write_all(batch("08:00:00", &[avail("40666")]).as_bytes())
        .await;
    foreign.closed().await;
    assert_eq!(handle.stats().refused_peers, 1);

    let mut cms = Cms::connect(handle.local_addr()).await;
    cms.send(&batch("08:00:00", &[avail("40101")])).await;
    assert_eq!(engine.status().await, "40101 Available AVAIL");
    assert_eq!(engine.feed().await, "Up @0");
    assert_eq!(engine.agents(), ["40101 Available AVAIL"]);
    assert_eq!(handle.stats().connections, 1);
    handle.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn pause_closes_the_port_and_resume_opens_it_again() {
    let mut engine = Engine::new();
    let handle = engine.spawn(engine.config()).await;
    let address = handle.local_addr();
    let mut cms = Cms::connect(address).await;
    cms.send(&batch("08:00:00", &[avail("40101"), avail("40102")]))
        .await;
    assert_eq!(engine.statuses(2).await.len(), 2);
    assert_eq!(engine.feed().await, "Up @0");

    // Paused: the connection is closed, and so is the port.
    tokio::time::sleep(Duration::from_secs(10)).await;
    handle.pause().await.unwrap();
    assert_eq!(engine.feed().await, "Down @10");
    assert_eq!(handle.health(), FeedHealth::Down);
    cms.closed().await;
    let refused = TcpStream::connect(address).await.unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::ConnectionRefused);
    handle.pause().await.unwrap();

    // Someone takes the port meanwhile: resume says so and stays paused.
    let squatter = std::net::TcpListener::bind(address).unwrap();
    let Err(ListenerError::Listen { source, .. }) = handle.resume().await else {
        panic!("resume on a taken port fails");
    };
    assert_eq!(source.kind(), ErrorKind::AddrInUse);
    drop(squatter);

    // Resumed on the same address: `waiting`, then the first complete batch logs out whoever
    // logged off during the pause.
    handle.resume().await.unwrap();
    assert_eq!(engine.feed().await, "Waiting @10");
    assert_eq!(handle.local_addr(), address);
    let mut cms = Cms::connect(address).await;
    cms.send(&batch("08:00:10", &[avail("40101")])).await;
    assert_eq!(engine.status().await, "40102 LoggedOut UNSTAFF");
    assert_eq!(engine.feed().await, "Up @10");
    handle.resume().await.unwrap();
    engine.quiet();
    handle.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_port_clash_at_start_is_a_clear_error() {
    let engine = Engine::new();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap();
    let mut config = engine.config();
    config.listen = address;
    let Err(error) = engine.listener(config).spawn() else {
        panic!("the port is taken");
    };
    let ListenerError::Listen { source, .. } = &error else {
        panic!("a listen error: {error}");
    };
    assert_eq!(source.kind(), ErrorKind::AddrInUse);
    let message = error.to_string();
    assert!(
        message.starts_with(&format!(
            "Avaya integration \"cms\" cannot listen on {address}: "
        )),
        "{message}"
    );
}

#[tokio::test(start_paused = true)]
async fn an_integration_unknown_to_the_table_is_refused() {
    let engine = Engine::new();
    let mut config = engine.config();
    config.assembler.integration = IntegrationId(9);
    let error = engine.listener(config).spawn().unwrap_err();
    assert!(
        matches!(&error, ListenerError::State { name, .. } if &**name == "cms"),
        "{error}"
    );
}

#[test]
fn spawn_needs_a_tokio_runtime() {
    let engine = Engine::new();
    let error = engine.listener(engine.config()).spawn().unwrap_err();
    assert!(matches!(error, ListenerError::NoRuntime), "{error}");
}

#[tokio::test(start_paused = true)]
async fn garbage_lines_are_skipped_and_the_good_rows_around_them_kept() {
    let mut engine = Engine::new();
    let mut config = engine.config();
    config.max_line = 256;
    let handle = engine.spawn(config).await;
    let mut cms = Cms::connect(handle.local_addr()).await;
    let garbage = [
        "this is no record\n".to_owned(),
        "F1|1|40102|short\n".to_owned(),
        format!("F1|{}\n", "x".repeat(300)),
        "F7|an unknown record, ignored\n".to_owned(),
    ];
    let mut rows = vec![avail("40101")];
    rows.extend(garbage);
    rows.push(row("40103", "AUX", "7", ":30"));
    cms.send(&batch("08:00:00", &rows)).await;
    assert_eq!(
        engine.statuses(2).await,
        ["40101 Available AVAIL", "40103 Away AUX"]
    );
    assert_eq!(engine.feed().await, "Up @0");
    let stats = handle.stats();
    assert_eq!((stats.rejected_lines, stats.batches_completed), (3, 1));
    assert_eq!(stats.connections, 1);
    handle.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn the_simulated_cms_with_faults_ends_as_its_ground_truth() {
    let mut engine = Engine::new();
    let mut sim_config = SimConfig::new(40, 11, origin());
    // Every fault but the Latin-1 name column, so that the closing row below fits the
    // default layout.
    sim_config.faults = Faults {
        latin1_names: false,
        ..Faults::all()
    };
    let mut sim = AvayaSim::new(sim_config).unwrap();
    let mut config = engine.config();
    config.layout = sim.layout().clone();
    config.max_line = sim.config().max_line;
    config.assembler = sim.config().assembler_config(engine.integration);
    assert_eq!(config.layout, Layout::agent());
    let handle = engine.spawn(config).await;

    let address = handle.local_addr().to_string();
    let streamed = tokio::spawn(async move {
        let report = stream(&mut sim, &address, &StreamOptions::immediate(60)).await;
        (sim, report.unwrap())
    });
    let (sim, report) = streamed.await.unwrap();
    assert!(report.disconnects > 0, "{report:?}");

    // A last connection with a closing row, cut off: once it is in, everything before it is
    // (the open connection is read to its end before the next one is accepted).
    let mut cms = Cms::connect(handle.local_addr()).await;
    cms.send(&format!("F0|2026-11-23 09:00:00\n{}", avail("99999")))
        .await;
    drop(cms);
    let expected: usize = sim.truth().groups().iter().map(Vec::len).sum();
    for _ in 0..expected {
        let status = engine.status().await;
        assert!(!status.starts_with("99999"), "{status}");
    }
    assert_eq!(engine.status().await, "99999 Available AVAIL");

    let mut truth: Vec<String> = sim
        .agents()
        .iter()
        .filter_map(|agent| {
            let status = sim.truth().status_of(agent.acd, &agent.logid)?;
            let logid = String::from_utf8_lossy(&agent.logid);
            Some(format!(
                "{logid} {:?} {}",
                status.state.mode.phase(),
                status.state.code()
            ))
        })
        .collect();
    truth.push("99999 Available AVAIL".to_owned());
    truth.sort();
    assert_eq!(engine.agents(), truth);

    // The closing row is applied as it is read, maybe before its connection's end: pausing
    // cuts the batch if the end has not been read yet, and nothing more if it has, so the
    // last batch is cut off exactly once either way.
    handle.pause().await.unwrap();
    let (stats, expected) = (handle.stats(), sim.truth().stats());
    assert_eq!(stats.connections, report.connections + 1);
    assert_eq!(stats.batches_completed, expected.batches_completed);
    assert_eq!(stats.batches_cut_off, expected.batches_cut_off + 1);
    assert_eq!(
        stats.rejected_lines,
        expected.bad_rows
            + expected.bad_lines
            + expected.over_long_lines
            + expected.truncated_lines
    );
    handle.shutdown().await;
}
