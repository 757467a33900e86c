//! The CIC connector fed by the CIC simulator of `rta-sim`, over loopback TCP.
//!
//! - A primary/backup pair of identical servers (failover mode) through garbage, split
//!   writes, over-long lines, cut snapshots, disconnects, silence, servers that accept and
//!   never answer, and the death of a server: every user ends in the state table as the
//!   simulator's ground truth says (phase, status, since), in both dialects.
//! - The scenarios of the issue, each asserted exactly through a recording publisher: `all`
//!   mode with two servers and their own users (a reconnecting server's snapshot logs out
//!   none of the other's); failover when the primary is killed (the backup's snapshot
//!   reconciles: who it does not list is logged out); silence, `stale`, reconnect and a fresh
//!   snapshot; a New York fall-back night published whole, in order, at exact instants, also
//!   across a reconnect inside the repeated hour.
//!
//! Paused tokio clock: the silence watchdog and the back-off take no real time.

use jiff::SignedDuration;
use jiff::civil::date;
use jiff::tz::TimeZone;
use rta_cic::{Dialect, SessionConfig};
use rta_engine::cic::{CicConfig, CicConnector, CicHandle, Mode};
use rta_engine::{
    AsyncSubscription, Bus, BusPublisher, Clock, Delivery, EventKind, Filter, LiveStatuses,
    Publisher, SubscribeOptions, TokioClock,
};
use rta_model::{
    AgentKey, EventBody, FeedEvent, FeedHealth, IntegrationId, Phase, Timestamp, Zone,
};
use rta_sim::cic::{
    CicServer, CicServerConfig, CicServerHandle, CicSimConfig, CicTruth, Fault, Presence,
};
use rta_state::{AgentStatus, StateTable};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

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

// ---------------------------------------------------------------------------------------------
// Scenarios of the issue, end to end: the real connector and real simulated servers over
// loopback, with a publisher that records what the connector published, in order. All on
// tokio's paused clock: the simulators move only by `tick`, the connector's timers (silence,
// back-off) fire in virtual time, and feed events are dated by a `TokioClock` started with the
// test, so their times are exact.
// ---------------------------------------------------------------------------------------------

/// A user as the table holds it (or as a truth says it should): phase, status code, since.
type Row = (Phase, String, Timestamp);
/// Users by external id.
type Rows = BTreeMap<String, Row>;

/// What the connector published, in order.
#[derive(Debug, Clone, PartialEq)]
enum Published {
    Feed {
        address: String,
        health: FeedHealth,
        time: Timestamp,
    },
    Status {
        key: AgentKey,
        row: Row,
    },
}

/// A [`Publisher`] keeping everything, in the order the connector published it.
#[derive(Debug, Default)]
struct Recorder(Mutex<Vec<Published>>);

impl Publisher for Recorder {
    fn feed(&self, time: Timestamp, event: FeedEvent) {
        self.0.lock().unwrap().push(Published::Feed {
            address: event.address.unwrap_or_default(),
            health: event.health,
            time,
        });
    }

    fn status(&self, key: AgentKey, current: &AgentStatus<'_>) {
        let row = (current.phase, current.code.to_owned(), current.since);
        self.0.lock().unwrap().push(Published::Status { key, row });
    }
}

/// One integration's table, the recording publisher and the clock of the connector.
struct Rig {
    table: Arc<StateTable>,
    cic: IntegrationId,
    recorder: Arc<Recorder>,
    clock: TokioClock,
    origin: Timestamp,
}

impl Rig {
    fn new(origin: Timestamp) -> Rig {
        let table = Arc::new(StateTable::new(1_000));
        let cic = table.add_integration();
        Rig {
            table,
            cic,
            recorder: Arc::default(),
            clock: TokioClock::starting_at(origin),
            origin,
        }
    }

    /// A connector to `addresses`, decoding the feed as `sim` writes it.
    fn spawn(&self, addresses: &[SocketAddr], mode: Mode, sim: &CicSimConfig) -> CicHandle {
        let mut session = SessionConfig::new(self.cic, sim.dialect);
        session.zone = sim.zone.clone();
        let addresses: Vec<String> = addresses.iter().map(ToString::to_string).collect();
        let mut config = CicConfig::new("cic", &addresses.join(", "), session).unwrap();
        config.mode = mode;
        config.jitter_seed = Some(5);
        CicConnector::new(config, self.table.clone(), self.recorder.clone())
            .clock(Arc::new(self.clock))
            .spawn()
            .unwrap()
    }

    /// The connector's clock.
    fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// Every user of the integration in the table.
    fn rows(&self) -> Rows {
        let view = self.table.view(self.cic, 3).unwrap();
        view.agents
            .iter()
            .map(|(key, status)| {
                let row = (status.phase, status.code.to_owned(), status.since);
                (self.id(*key), row)
            })
            .collect()
    }

    fn id(&self, key: AgentKey) -> String {
        let (_, id) = self.table.identity(key).unwrap();
        String::from_utf8(id.to_vec()).unwrap()
    }

    /// What was published from event number `from` on.
    fn published(&self, from: usize) -> Vec<Published> {
        self.recorder.0.lock().unwrap()[from..].to_vec()
    }

    /// How many events were published.
    fn mark(&self) -> usize {
        self.recorder.0.lock().unwrap().len()
    }

    /// The feed events from event number `from` on: `address health @seconds`, the seconds
    /// counted from the origin.
    fn feeds(&self, from: usize) -> Vec<String> {
        self.published(from)
            .into_iter()
            .filter_map(|event| match event {
                Published::Feed {
                    address,
                    health,
                    time,
                } => {
                    let seconds = time.duration_since(self.origin).as_secs_f64();
                    Some(format!("{address} {health:?} @{seconds}"))
                }
                Published::Status { .. } => None,
            })
            .collect()
    }

    /// The status changes from event number `from` on, with their user ids.
    fn statuses(&self, from: usize) -> Vec<(String, Row)> {
        self.published(from)
            .into_iter()
            .filter_map(|event| match event {
                Published::Status { key, row } => Some((self.id(key), row)),
                Published::Feed { .. } => None,
            })
            .collect()
    }

    /// Lets the connector work, a virtual second at a time, until `done` (at most a minute,
    /// less than the silence limit: the caller then asserts what it expected, for a readable
    /// failure).
    async fn settle(&self, done: impl Fn(&Rig) -> bool) {
        for _ in 0..60 {
            if done(self) {
                return;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }
}

async fn simulator(sim: &CicSimConfig) -> CicServerHandle {
    CicServer::start(CicServerConfig::manual(sim.clone()))
        .await
        .unwrap()
}

/// A simulated feed: `users` users from `seed`, a tick of 5 s, in Paris.
fn sim_config(users: usize, seed: u64, start: Timestamp) -> CicSimConfig {
    let mut sim = CicSimConfig::new(users, seed, start);
    sim.tick = SignedDuration::from_secs(5);
    sim.zone = Zone::get("Europe/Paris").unwrap();
    sim
}

/// A truth's users as the table should hold them, their ids after `prefix`.
fn truth_rows(truth: &CicTruth, prefix: &str) -> Rows {
    truth
        .users
        .iter()
        .map(|user| {
            (
                format!("{prefix}{}", user.user_id),
                presence_row(&user.presence),
            )
        })
        .collect()
}

/// A simulated presence as the table should hold it (status keys fold to lower case).
fn presence_row(presence: &Presence) -> Row {
    (
        presence.phase(),
        presence.status.key.to_lowercase(),
        presence.since,
    )
}

/// What the table holds after missing the changes from truth `before` to truth `after` and
/// then reading a snapshot of `after`: each user as `after` says, except one found in the
/// same status as before (phase and code: left and re-entered meanwhile), who keeps the start
/// the table had, since the table sees no change.
fn after_gap(before: &Rows, after: &Rows) -> Rows {
    after
        .iter()
        .map(|(id, row)| {
            let row = match before.get(id) {
                Some(old) if (&old.0, &old.1) == (&row.0, &row.1) => old.clone(),
                _ => row.clone(),
            };
            (id.clone(), row)
        })
        .collect()
}

/// What the table holds once every change from truth `then` to truth `now` was read live,
/// the table having held `expected` at `then`: the users who changed as `now` says, the others
/// as they were.
fn carry(expected: &Rows, then: &Rows, now: &Rows) -> Rows {
    now.iter()
        .map(|(id, row)| {
            let row = if then.get(id) == Some(row) {
                expected[id].clone()
            } else {
                row.clone()
            };
            (id.clone(), row)
        })
        .collect()
}

/// The simulator names its users by position only (every server of the same size has the
/// same users) and has no option for a prefix. To give each server of the `all`-mode test its
/// own users, this loopback relay stands in front of a server and puts `prefix` before the
/// user id of each line-dialect `STATUS` record on its way to the connector; everything else
/// passes as it is. Each connection to the relay is one connection to the server, and a close
/// on either side closes both (a cut snapshot arrives cut).
struct Renamer {
    address: SocketAddr,
    task: JoinHandle<()>,
}

impl Renamer {
    async fn start(server: SocketAddr, prefix: &'static str) -> Renamer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                tokio::spawn(relay(client, server, prefix));
            }
        });
        Renamer { address, task }
    }
}

impl Drop for Renamer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn relay(client: TcpStream, server: SocketAddr, prefix: &'static str) {
    let Ok(upstream) = TcpStream::connect(server).await else {
        return;
    };
    let (mut from_client, mut to_client) = client.into_split();
    let mut upstream = BufReader::new(upstream);
    let mut line = Vec::new();
    let mut ignored = [0u8; 256];
    loop {
        tokio::select! {
            // Not cancel-safe, but what it read stays in `line` for the next turn.
            read = upstream.read_until(b'\n', &mut line) => {
                if matches!(read, Ok(0) | Err(_)) {
                    break;
                }
                // A line cut by the server's close is passed on as it is, then the close.
                if to_client.write_all(&renamed(&line, prefix)).await.is_err() {
                    break;
                }
                line.clear();
            }
            read = from_client.read(&mut ignored) => {
                if matches!(read, Ok(0) | Err(_)) {
                    break;
                }
            }
        }
    }
}

/// `STATUS|<time>|<user id>|...` with `prefix` before a user id that is not empty (the time
/// holds no `|`); any other line as it is.
fn renamed(line: &[u8], prefix: &str) -> Vec<u8> {
    const STATUS: &[u8] = b"STATUS|";
    let id_at = line
        .strip_prefix(STATUS)
        .and_then(|rest| rest.iter().position(|&b| b == b'|'))
        .map(|time_len| STATUS.len() + time_len + 1)
        .filter(|&at| line.get(at).is_some_and(|b| !b"|\r\n".contains(b)));
    match id_at {
        Some(at) => [&line[..at], prefix.as_bytes(), &line[at..]].concat(),
        None => line.to_vec(),
    }
}

#[test]
fn the_renamer_prefixes_user_ids_only() {
    let renamed = |line: &str| String::from_utf8(renamed(line.as_bytes(), "b/")).unwrap();
    assert_eq!(
        renamed("STATUS|2026-11-23 08:00:00|jdoe|Available|x\r\n"),
        "STATUS|2026-11-23 08:00:00|b/jdoe|Available|x\r\n"
    );
    for line in [
        "STATUS|2026-11-23 08:00:00||Available\r\n",
        "SNAPSHOT|BEGIN|2026-11-23 08:00:00\r\n",
        "HEARTBEAT|2026-11-23 08:00:00\r\n",
        "STATUS|2026-11-23 08:00",
    ] {
        assert_eq!(renamed(line), line);
    }
}

/// `all` mode, two servers with their own users (seeds 21 and 22; ids `acd1/...` and
/// `acd2/...` through [`Renamer`]s): the table holds every user of both as each server's
/// truth says, live; one server drops its connection and moves on meanwhile, and its
/// snapshot on the new connection brings its users up to date without touching the other
/// server's (none of them is logged out, no status of theirs is published).
#[tokio::test(start_paused = true)]
async fn all_mode_two_servers_with_their_own_users_reconcile_separately() {
    let (sim1, sim2) = (sim_config(15, 21, start()), sim_config(15, 22, start()));
    let (acd1, acd2) = (simulator(&sim1).await, simulator(&sim2).await);
    let one = Renamer::start(acd1.local_addr(), "acd1/").await;
    let two = Renamer::start(acd2.local_addr(), "acd2/").await;
    let rig = Rig::new(start());
    let handle = rig.spawn(&[one.address, two.address], Mode::All, &sim1);
    let truth = || {
        let mut rows = truth_rows(&acd1.truth(), "acd1/");
        rows.extend(truth_rows(&acd2.truth(), "acd2/"));
        rows
    };
    rig.settle(|rig| rig.rows() == truth()).await;
    assert_eq!(rig.rows(), truth(), "both snapshots");
    assert_eq!(rig.rows().len(), 30);

    for _ in 0..20 {
        acd1.tick(1);
        acd2.tick(1);
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    rig.settle(|rig| rig.rows() == truth()).await;
    assert_eq!(rig.rows(), truth(), "live changes of both servers");

    // acd1 closes the connection, and a minute passes on it before the connector is back.
    let mark = rig.mark();
    let before = truth_rows(&acd1.truth(), "acd1/");
    acd1.inject(Fault::Disconnect);
    acd1.tick(12);
    let at = rig.now().duration_since(start()).as_secs();
    let back = [
        format!("{} Down @{at}", one.address),
        format!("{} Up @{}", one.address, at + 1),
    ];
    rig.settle(|rig| rig.feeds(mark) == back).await;
    assert_eq!(rig.feeds(mark), back, "down, then up 1 s later");
    let mut want = after_gap(&before, &truth_rows(&acd1.truth(), "acd1/"));
    want.extend(truth_rows(&acd2.truth(), "acd2/"));
    assert_eq!(rig.rows(), want, "acd1 reconciled, acd2 untouched");
    let changed = rig.statuses(mark);
    assert!(!changed.is_empty(), "acd1's snapshot brought news");
    assert!(
        changed.iter().all(|(id, _)| id.starts_with("acd1/")),
        "only acd1's users changed: {changed:#?}"
    );

    // Both live again.
    let (expected, then) = (rig.rows(), truth());
    for _ in 0..10 {
        acd1.tick(1);
        acd2.tick(1);
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let want = || carry(&expected, &then, &truth());
    rig.settle(|rig| rig.rows() == want()).await;
    assert_eq!(rig.rows(), want(), "live again");
    // Each address's health, in order (the two tasks interleave as they please).
    let feeds = |address: SocketAddr| -> Vec<String> {
        let address = address.to_string();
        let feeds = rig.feeds(0);
        feeds
            .into_iter()
            .filter(|f| f.starts_with(&address))
            .collect()
    };
    assert_eq!(
        feeds(one.address),
        [
            format!("{} Waiting @0", one.address),
            format!("{} Up @0", one.address),
            back[0].clone(),
            back[1].clone(),
        ]
    );
    assert_eq!(
        feeds(two.address),
        [
            format!("{} Waiting @0", two.address),
            format!("{} Up @0", two.address),
        ]
    );
    assert_eq!(rig.table.out_of_order(), 0);
    assert_eq!(acd1.stats().accepted, 2);
    assert_eq!(acd2.stats().accepted, 1);
    handle.shutdown().await;
}

/// Failover: the primary (30 users) serves, then is killed; the connector moves on to the
/// backup at once, whose snapshot lists 20 of them (the simulator names users by position:
/// the backup's are the primary's first 20), in states of its own (another seed). The 10 it
/// does not list are logged out at its `SNAPSHOT|END` time (those still staffed); the others
/// are as the backup says. The backup's clock is a day ahead, so that each status it reports
/// is newer than the primary's: an older one would be refused by the table as out of order,
/// a rule of the table that is not what this test is about.
#[tokio::test(start_paused = true)]
async fn failover_when_the_primary_is_killed_the_backup_snapshot_reconciles() {
    let primary_sim = sim_config(30, 31, start());
    let backup_sim = sim_config(20, 32, start() + SignedDuration::from_hours(24));
    let (primary, backup) = (simulator(&primary_sim).await, simulator(&backup_sim).await);
    let (one, two) = (primary.local_addr(), backup.local_addr());
    let rig = Rig::new(start());
    let handle = rig.spawn(&[one, two], Mode::Failover, &primary_sim);
    for _ in 0..20 {
        primary.tick(1);
        backup.tick(1);
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let truth = || truth_rows(&primary.truth(), "");
    rig.settle(|rig| rig.rows() == truth()).await;
    assert_eq!(rig.rows(), truth(), "the primary's users");
    assert_eq!(
        rig.feeds(0),
        [
            format!("{one} Waiting @0"),
            format!("{two} Waiting @0"),
            format!("{one} Up @0"),
        ]
    );

    let (mark, at) = (rig.mark(), rig.now().duration_since(start()).as_secs());
    let before = rig.rows();
    primary.kill().await;
    let moved = [format!("{one} Down @{at}"), format!("{two} Up @{at}")];
    rig.settle(|rig| rig.feeds(mark) == moved).await;
    assert_eq!(rig.feeds(mark), moved, "primary down, backup up at once");

    let listed = truth_rows(&backup.truth(), "");
    let end = backup.now();
    let mut want = after_gap(&before, &listed);
    let mut logged_out = Vec::new();
    for (id, row) in before.iter().filter(|(id, _)| !listed.contains_key(*id)) {
        let row = if row.0 == Phase::LoggedOut {
            row.clone()
        } else {
            logged_out.push(id.clone());
            (Phase::LoggedOut, "logged out".to_owned(), end)
        };
        want.insert(id.clone(), row);
    }
    assert_eq!(listed.len(), 20);
    assert_eq!(want.len(), 30);
    assert_eq!(rig.rows(), want, "the backup's snapshot reconciled");
    assert!(
        !logged_out.is_empty(),
        "someone absent from the backup was staffed"
    );
    let mut published_logouts: Vec<String> = rig
        .statuses(mark)
        .into_iter()
        .filter(|(_, row)| row.1 == "logged out")
        .map(|(id, _)| id)
        .collect();
    published_logouts.sort();
    assert_eq!(published_logouts, logged_out);

    // The backup live.
    let (expected, then) = (rig.rows(), listed);
    for _ in 0..10 {
        backup.tick(1);
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let want = || {
        let mut rows = expected.clone();
        rows.extend(carry(&expected, &then, &truth_rows(&backup.truth(), "")));
        rows
    };
    rig.settle(|rig| rig.rows() == want()).await;
    assert_eq!(rig.rows(), want(), "live from the backup");
    assert_eq!(rig.table.out_of_order(), 0);
    assert_eq!(rig.feeds(mark), moved, "nothing more");
    handle.shutdown().await;
}

/// Silence: the server stops sending on the connection (without closing it) and moves on;
/// the address is `stale` exactly the silence limit after the last line, the connector
/// reconnects 1 s later (the connection was stable: the back-off starts over), the new
/// connection's snapshot brings the table up to date (`up`), and changes flow again.
async fn silence_then_reconnect(dialect: Dialect) {
    let mut sim = sim_config(20, 41, start());
    sim.dialect = dialect;
    // A heartbeat every tick: the connector hears a line at each tick.
    sim.heartbeat = Some(SignedDuration::from_secs(5));
    let acd = simulator(&sim).await;
    let address = acd.local_addr();
    let rig = Rig::new(start());
    let handle = rig.spawn(&[address], Mode::All, &sim);
    let truth = || truth_rows(&acd.truth(), "");
    for _ in 0..40 {
        acd.tick(1);
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    rig.settle(|rig| rig.rows() == truth()).await;
    assert_eq!(rig.rows(), truth(), "live");

    // A last tick the connector hears, then nothing on that connection; the server goes on.
    acd.tick(1);
    let heard = rig.now().duration_since(start()).as_secs();
    let before = truth();
    acd.inject(Fault::Silence);
    acd.tick(12);
    let mark = rig.mark();
    tokio::time::sleep(Duration::from_secs(95)).await;
    assert_eq!(
        rig.feeds(mark),
        [
            format!("{address} Stale @{}", heard + 90),
            format!("{address} Up @{}", heard + 91),
        ]
    );
    let want = after_gap(&before, &truth());
    assert_eq!(rig.rows(), want, "the new snapshot");
    assert_eq!(
        (acd.stats().silenced, acd.stats().accepted, acd.stats().open),
        (1, 2, 1),
        "the silent connection was dropped"
    );

    let then = truth();
    for _ in 0..10 {
        acd.tick(1);
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let want = || carry(&want, &then, &truth());
    rig.settle(|rig| rig.rows() == want()).await;
    assert_eq!(rig.rows(), want(), "live again");
    assert_eq!(rig.feeds(mark).len(), 2, "nothing more");
    handle.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn line_dialect_silence_then_reconnect_with_a_fresh_snapshot() {
    silence_then_reconnect(Dialect::Line).await;
}

#[tokio::test(start_paused = true)]
async fn icws_dialect_silence_then_reconnect_with_a_fresh_snapshot() {
    silence_then_reconnect(Dialect::Icws).await;
}

/// The New York fall-back night in the line dialect (local times without offset): a clock
/// from 00:30 EDT to 02:30 EST, a minute a tick, through 01:00-02:00 twice. Every status the
/// connector published is, in order, the snapshot then each change of the simulator's
/// history, at the exact instant (UTC) the simulator made it: none dropped, none reordered,
/// none an hour off.
#[tokio::test(start_paused = true)]
async fn a_new_york_fall_back_night_arrives_whole_in_order_at_exact_instants() {
    let zone = "America/New_York";
    let tz = TimeZone::get(zone).unwrap();
    let night = date(2026, 11, 1);
    let start = night
        .at(0, 30, 0, 0)
        .to_zoned(tz.clone())
        .unwrap()
        .timestamp();
    assert_eq!(start, "2026-11-01T04:30:00Z".parse::<Timestamp>().unwrap());
    let mut sim = CicSimConfig::new(40, 51, start);
    sim.zone = Zone::get(zone).unwrap();
    sim.tick = SignedDuration::from_secs(60);
    sim.history = true;
    let acd = simulator(&sim).await;
    let address = acd.local_addr();
    let greeted = acd.truth();
    let rig = Rig::new(start);
    let handle = rig.spawn(&[address], Mode::All, &sim);
    let up = [format!("{address} Waiting @0"), format!("{address} Up @0")];
    rig.settle(|rig| rig.feeds(0) == up).await;
    assert_eq!(rig.feeds(0), up);

    for _ in 0..180 {
        acd.tick(1);
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let end = acd.now();
    assert_eq!(
        end.to_zoned(tz.clone()).datetime(),
        night.at(2, 30, 0, 0),
        "02:30 EST"
    );
    let history = acd.history();
    // The snapshot lists the users in order, then come the changes.
    let expected: Vec<(String, Row)> = greeted
        .users
        .iter()
        .map(|user| (user.user_id.to_string(), presence_row(&user.presence)))
        .chain(
            history
                .iter()
                .map(|change| (change.user_id.to_string(), presence_row(&change.presence))),
        )
        .collect();
    rig.settle(|rig| rig.statuses(0).len() >= expected.len())
        .await;
    let published = rig.statuses(0);
    // Readable: the first difference, with its local time.
    let local = |row: &Row| {
        row.2
            .to_zoned(tz.clone())
            .strftime("%H:%M:%S %Z")
            .to_string()
    };
    if let Some((index, (got, want))) = published
        .iter()
        .zip(&expected)
        .enumerate()
        .find(|(_, (got, want))| got != want)
    {
        panic!(
            "status {index}: published {got:?} ({}), the simulator {want:?} ({})",
            local(&got.1),
            local(&want.1)
        );
    }
    assert_eq!(published.len(), expected.len(), "none dropped, none added");
    assert_eq!(rig.rows(), truth_rows(&acd.truth(), ""));
    assert_eq!(rig.table.out_of_order(), 0);
    assert_eq!(rig.feeds(0), up, "never silent");

    // The night did cross the trap: changes in both passes of the repeated hour, each pass
    // written with the same local times.
    let repeated = |offset: i8| {
        history
            .iter()
            .filter(|change| {
                let zoned = change.presence.since.to_zoned(tz.clone());
                zoned.hour() == 1 && zoned.offset().seconds() == i32::from(offset) * 3_600
            })
            .count()
    };
    let (first, second) = (repeated(-4), repeated(-5));
    assert!(first > 20 && second > 20, "{first} in EDT, {second} in EST");
    handle.shutdown().await;
}

/// The same night, with the connection lost at 01:20 EST, in the second pass of the repeated
/// hour, and made again at once: the new connection's times (`SNAPSHOT|BEGIN|2026-11-01
/// 01:20:00`, then `01:20:22`, ...) are the later instants, as what the connector read before
/// the loss says (the stream had passed 06:00Z, and each user's last time is known): the
/// snapshot changes nothing, and every change after it is published at its exact instant,
/// none dropped as older than what the table holds.
#[tokio::test(start_paused = true)]
async fn a_reconnect_inside_the_repeated_hour_keeps_the_later_instants() {
    let zone = "America/New_York";
    let tz = TimeZone::get(zone).unwrap();
    let night = date(2026, 11, 1);
    let start = night
        .at(0, 30, 0, 0)
        .to_zoned(tz.clone())
        .unwrap()
        .timestamp();
    let mut sim = CicSimConfig::new(40, 51, start);
    sim.zone = Zone::get(zone).unwrap();
    sim.tick = SignedDuration::from_secs(60);
    sim.history = true;
    let acd = simulator(&sim).await;
    let address = acd.local_addr();
    let rig = Rig::new(start);
    let handle = rig.spawn(&[address], Mode::All, &sim);
    let truth = || truth_rows(&acd.truth(), "");
    rig.settle(|rig| rig.rows() == truth()).await;
    // To 01:20 EST (06:20Z).
    for _ in 0..110 {
        acd.tick(1);
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let now = acd.now().to_zoned(tz.clone());
    assert_eq!(
        (now.datetime(), now.offset().seconds()),
        (night.at(1, 20, 0, 0), -5 * 3_600)
    );
    rig.settle(|rig| rig.rows() == truth()).await;
    assert_eq!(rig.rows(), truth());

    let (mark, at) = (rig.mark(), rig.now().duration_since(start).as_secs());
    acd.inject(Fault::Disconnect);
    rig.settle(|rig| rig.feeds(mark).len() == 2).await;
    assert_eq!(
        rig.feeds(mark),
        [
            format!("{address} Down @{at}"),
            format!("{address} Up @{}", at + 1)
        ]
    );
    assert_eq!(rig.statuses(mark), [], "the snapshot changed nothing");
    assert_eq!(
        rig.table.out_of_order(),
        0,
        "nor was it taken an hour early"
    );

    // To 02:00 EST and past it.
    let (mark, seen) = (rig.mark(), acd.history().len());
    for _ in 0..50 {
        acd.tick(1);
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let expected: Vec<(String, Row)> = acd.history()[seen..]
        .iter()
        .map(|change| (change.user_id.to_string(), presence_row(&change.presence)))
        .collect();
    assert!(expected.len() > 100, "{}", expected.len());
    rig.settle(|rig| rig.statuses(mark).len() >= expected.len())
        .await;
    assert_eq!(rig.statuses(mark), expected);
    assert_eq!(rig.rows(), truth());
    assert_eq!(rig.table.out_of_order(), 0);
    handle.shutdown().await;
}
