//! The bus: sequencing, filters, sync and async delivery, bounded queues with lag recovery,
//! resume from the ring, removal of dropped receivers. Deterministic: no sleeps.

mod support;

use rta_engine::{
    Bus, BusClosed, Delivery, EventKind, Filter, Snapshot, SnapshotSource, SubscribeError,
    SubscribeOptions, Subscription,
};
use rta_model::{Event, EventBody, Name};
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use support::{adherence, at, feed, status};

/// How long a test waits for something that happens at once when the code is right: a guard
/// that turns a hang into a failure, never a way to order threads.
const GUARD: Duration = Duration::from_secs(30);

/// Current statuses by (integration, external id), as the state table will provide them.
#[derive(Debug, Default)]
struct MapSource {
    current: Mutex<BTreeMap<(String, String), Event>>,
    calls: Mutex<usize>,
}

impl SnapshotSource for MapSource {
    fn snapshot(&self, _filter: &Filter) -> Vec<Event> {
        *self.calls.lock().unwrap() += 1;
        self.current.lock().unwrap().values().cloned().collect()
    }
}

/// Updates the source like the engine will (state first), then publishes.
fn publish_status(
    bus: &Bus,
    source: &MapSource,
    integration: &str,
    external_id: &str,
    employee: Option<&str>,
    code: &str,
) -> u64 {
    let body = status(integration, external_id, employee, code);
    source.current.lock().unwrap().insert(
        (integration.into(), external_id.into()),
        Event {
            seq: 0,
            time: at(),
            body: body.clone(),
        },
    );
    bus.publish(at(), body)
}

fn new_bus(ring: usize) -> (Bus, Arc<MapSource>) {
    let source = Arc::new(MapSource::default());
    let bus = Bus::builder(source.clone()).ring_capacity(ring).build();
    (bus, source)
}

fn drain(sub: &Subscription) -> Vec<Delivery> {
    let mut out = Vec::new();
    while let Some(delivery) = sub.try_recv().unwrap() {
        out.push(delivery);
    }
    out
}

fn seqs(deliveries: &[Delivery]) -> Vec<u64> {
    deliveries
        .iter()
        .map(|d| match d {
            Delivery::Event(event) => event.seq,
            other => panic!("expected only events, got {other:?}"),
        })
        .collect()
}

fn snapshot_ids(snapshot: &Snapshot) -> Vec<(String, String)> {
    snapshot
        .events
        .iter()
        .map(|e| match &e.body {
            EventBody::AgentStatus(s) => (s.external_id.to_string(), s.status.to_string()),
            other => panic!("snapshot holds only agent_status, got {other:?}"),
        })
        .collect()
}

#[test]
fn seqs_strictly_increase_across_publisher_threads() {
    const THREADS: u64 = 4;
    const EACH: u64 = 500;
    let (bus, _source) = new_bus(16);
    let sub = bus
        .subscribe(SubscribeOptions::new(Filter::all()).capacity((THREADS * EACH) as usize))
        .unwrap();
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let bus = bus.clone();
            std::thread::spawn(move || {
                (0..EACH)
                    .map(|i| bus.publish(at(), feed(&format!("t{t}-{i}"))))
                    .collect::<Vec<u64>>()
            })
        })
        .collect();
    let mut all = Vec::new();
    for handle in handles {
        let mine = handle.join().unwrap();
        assert!(mine.windows(2).all(|w| w[0] < w[1]), "per-thread order");
        all.extend(mine);
    }
    all.sort_unstable();
    assert_eq!(
        all,
        (1..=THREADS * EACH).collect::<Vec<_>>(),
        "unique, no gap"
    );
    assert_eq!(bus.last_seq(), THREADS * EACH);

    let received = seqs(&drain(&sub));
    assert_eq!(received, (1..=THREADS * EACH).collect::<Vec<_>>());
}

#[test]
fn filters_by_kind_integration_employee_and_team() {
    let roster: HashMap<Name, Name> = [("E1".into(), "sales".into()), ("E2".into(), "care".into())]
        .into_iter()
        .collect();
    let bus = Bus::builder(Arc::new(MapSource::default()))
        .teams(Arc::new(roster))
        .build();
    let sub = |filter: Filter| bus.subscribe(SubscribeOptions::new(filter)).unwrap();
    let everything = sub(Filter::all());
    let kinds = sub(Filter::all().kinds([EventKind::Adherence, EventKind::Feed]));
    let integration = sub(Filter::all().integrations(["cms"]));
    let employee = sub(Filter::all().employees(["E2"]));
    let team = sub(Filter::all().teams(["sales"]));
    let team_or_employee = sub(Filter::all().teams(["sales"]).employees(["E3"]));
    let team_statuses = sub(Filter::all()
        .teams(["sales"])
        .kinds([EventKind::AgentStatus]));

    let s1 = bus.publish(at(), status("cms", "1", Some("E1"), "AUX"));
    let s2 = bus.publish(at(), status("cic", "2", Some("E2"), "Available"));
    let s3 = bus.publish(at(), status("cms", "3", None, "ACD"));
    let s4 = bus.publish(at(), adherence("E1", None));
    let s5 = bus.publish(at(), adherence("E3", None));
    let s6 = bus.publish(at(), feed("cms"));
    let s7 = bus.publish(at(), feed("odigo"));

    assert_eq!(seqs(&drain(&everything)), vec![s1, s2, s3, s4, s5, s6, s7]);
    assert_eq!(seqs(&drain(&kinds)), vec![s4, s5, s6, s7]);
    assert_eq!(seqs(&drain(&integration)), vec![s1, s3, s6]);
    assert_eq!(seqs(&drain(&employee)), vec![s2]);
    assert_eq!(seqs(&drain(&team)), vec![s1, s4]);
    assert_eq!(seqs(&drain(&team_or_employee)), vec![s1, s4, s5]);
    assert_eq!(seqs(&drain(&team_statuses)), vec![s1]);
}

#[test]
fn subscriptions_are_validated() {
    let (bus, _source) = new_bus(16);
    assert_eq!(
        bus.subscribe(SubscribeOptions::new(Filter::all().teams(["sales"])))
            .unwrap_err(),
        SubscribeError::NoTeamDirectory
    );
    assert_eq!(
        bus.subscribe_async(SubscribeOptions::default().capacity(0))
            .unwrap_err(),
        SubscribeError::ZeroCapacity
    );
    assert_eq!(bus.subscriber_count(), 0);
}

#[tokio::test]
async fn sync_and_async_consumers_both_receive() {
    let (bus, _source) = new_bus(16);
    let sync = bus.subscribe(SubscribeOptions::default()).unwrap();
    let mut async_sub = bus.subscribe_async(SubscribeOptions::default()).unwrap();

    let publisher = {
        let bus = bus.clone();
        std::thread::spawn(move || {
            (0..50)
                .map(|_| bus.publish(at(), feed("cms")))
                .collect::<Vec<u64>>()
        })
    };
    let mut got = Vec::new();
    for _ in 0..50 {
        match async_sub.recv().await.unwrap() {
            Delivery::Event(event) => got.push(event.seq),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(publisher.join().unwrap(), (1..=50).collect::<Vec<_>>());
    assert_eq!(got, (1..=50).collect::<Vec<_>>());
    let sync_seqs: Vec<u64> = (0..50)
        .map(|_| sync.recv().unwrap().event().unwrap().seq)
        .collect();
    assert_eq!(sync_seqs, got);
    assert!(async_sub.try_recv().unwrap().is_none());
}

#[test]
fn slow_subscriber_stays_bounded_then_gets_lagged_snapshot_and_live() {
    const CAPACITY: usize = 8;
    let (bus, source) = new_bus(1_000);
    let fast = bus
        .subscribe(SubscribeOptions::default().capacity(1_000))
        .unwrap();
    let slow = bus
        .subscribe(SubscribeOptions::new(Filter::all().integrations(["cms"])).capacity(CAPACITY))
        .unwrap();

    let mut cms = 0u64;
    for i in 0..200u64 {
        let integration = if i % 2 == 0 { "cms" } else { "cic" };
        publish_status(
            &bus,
            &source,
            integration,
            &format!("{}", i % 5),
            None,
            &format!("S{i}"),
        );
        if integration == "cms" {
            cms += 1;
        }
        assert!(slow.len() <= CAPACITY, "slow queue exceeded its capacity");
    }
    assert_eq!(
        slow.len(),
        CAPACITY,
        "the slow queue holds exactly its capacity"
    );
    assert_eq!(seqs(&drain(&fast)), (1..=200).collect::<Vec<_>>());
    assert_eq!(
        *source.calls.lock().unwrap(),
        0,
        "no snapshot while still full"
    );

    // The slow consumer reads what it holds: the first 8 cms events (odd seqs).
    let held: Vec<u64> = (0..CAPACITY)
        .map(|_| slow.receiver().try_recv().unwrap().event().unwrap().seq)
        .collect();
    assert_eq!(
        held,
        (0..CAPACITY as u64).map(|i| 2 * i + 1).collect::<Vec<_>>()
    );

    // The queue has room again, but publishing never builds a snapshot: it only counts.
    let last = publish_status(&bus, &source, "cms", "9", None, "LAST");
    assert_eq!(*source.calls.lock().unwrap(), 0, "no snapshot on publish");
    assert!(slow.is_empty());
    // The receiver resynchronises itself: Lagged with the exact count, then the snapshot.
    let missed = cms + 1 - CAPACITY as u64;
    assert_eq!(slow.try_recv().unwrap(), Some(Delivery::Lagged { missed }));
    let Some(Delivery::Snapshot(snapshot)) = slow.try_recv().unwrap() else {
        panic!("a snapshot follows the lagged marker");
    };
    assert_eq!(snapshot.as_of, last);
    assert!(snapshot.events.iter().all(|e| e.seq == last));
    // Current statuses of cms agents only (the filter applies to snapshots too).
    assert_eq!(
        snapshot_ids(&snapshot),
        [
            ("0", "S190"),
            ("1", "S196"),
            ("2", "S192"),
            ("3", "S198"),
            ("4", "S194"),
            ("9", "LAST"),
        ]
        .map(|(id, code)| (id.to_string(), code.to_string()))
    );
    assert!(slow.try_recv().unwrap().is_none());
    // Live again: a cic event is filtered out, the next cms one arrives.
    publish_status(&bus, &source, "cic", "1", None, "X");
    let live = publish_status(&bus, &source, "cms", "1", None, "Y");
    assert_eq!(seqs(&drain(&slow)), vec![live]);
    assert_eq!(*source.calls.lock().unwrap(), 1);
}

#[test]
fn a_drained_lagged_subscriber_catches_up_without_a_publish() {
    let (bus, source) = new_bus(100);
    let slow = bus
        .subscribe(SubscribeOptions::default().capacity(2))
        .unwrap();
    for i in 0..5 {
        publish_status(&bus, &source, "cms", &format!("{i}"), None, "AUX");
    }
    assert_eq!(slow.len(), 2);
    assert_eq!(
        seqs(&[slow.recv().unwrap(), slow.recv().unwrap()]),
        vec![1, 2]
    );
    // Empty queue, no further publish: recv delivers the marker and snapshot at once.
    assert_eq!(slow.recv().unwrap(), Delivery::Lagged { missed: 3 });
    let Delivery::Snapshot(snapshot) = slow.recv().unwrap() else {
        panic!("snapshot");
    };
    assert_eq!(snapshot.as_of, 5);
    assert_eq!(snapshot.events.len(), 5);
    assert!(slow.try_recv().unwrap().is_none());
    let live = publish_status(&bus, &source, "cms", "0", None, "ACD");
    assert_eq!(seqs(&drain(&slow)), vec![live]);
}

#[tokio::test]
async fn a_slow_async_subscriber_is_bounded_and_recovers() {
    let (bus, source) = new_bus(100);
    let mut slow = bus
        .subscribe_async(SubscribeOptions::default().capacity(3))
        .unwrap();
    for i in 0..10 {
        publish_status(&bus, &source, "cms", &format!("{i}"), None, "AUX");
    }
    assert_eq!(slow.len(), 3);
    for expected in 1..=3 {
        assert_eq!(slow.recv().await.unwrap().event().unwrap().seq, expected);
    }
    assert_eq!(slow.recv().await.unwrap(), Delivery::Lagged { missed: 7 });
    match slow.recv().await.unwrap() {
        Delivery::Snapshot(snapshot) => assert_eq!(snapshot.events.len(), 10),
        other => panic!("{other:?}"),
    }
    let live = bus.publish(at(), feed("cms"));
    assert_eq!(slow.recv().await.unwrap().event().unwrap().seq, live);
}

#[test]
fn resume_from_a_seq_in_the_ring_replays_exactly() {
    let (bus, source) = new_bus(50);
    for i in 0..30u64 {
        let integration = if i % 3 == 0 { "cms" } else { "cic" };
        publish_status(&bus, &source, integration, "1", None, "AUX");
    }
    let all = bus
        .subscribe(SubscribeOptions::default().resume_from(10))
        .unwrap();
    let cms = bus
        .subscribe(SubscribeOptions::new(Filter::all().integrations(["cms"])).resume_from(10))
        .unwrap();
    let up_to_date = bus
        .subscribe(SubscribeOptions::default().resume_from(30))
        .unwrap();
    let live = bus.publish(at(), feed("cms"));
    assert_eq!(live, 31);

    assert_eq!(seqs(&drain(&all)), (11..=31).collect::<Vec<_>>());
    // cms events are seqs 1, 4, 7, ... (i % 3 == 0 -> seq = i + 1).
    let mut expected: Vec<u64> = (11..=30).filter(|s| (s - 1) % 3 == 0).collect();
    expected.push(31);
    assert_eq!(seqs(&drain(&cms)), expected);
    assert_eq!(seqs(&drain(&up_to_date)), vec![31]);
    assert_eq!(*source.calls.lock().unwrap(), 0);
}

#[test]
fn resume_from_the_oldest_seq_still_covered() {
    let (bus, _source) = new_bus(10);
    for _ in 0..30 {
        bus.publish(at(), feed("cms"));
    }
    assert_eq!(bus.ring_len(), (10, 10));
    // The ring holds 21..=30: resuming after 20 is a replay, after 19 is not.
    let edge = bus
        .subscribe(SubscribeOptions::default().resume_from(20))
        .unwrap();
    assert_eq!(seqs(&drain(&edge)), (21..=30).collect::<Vec<_>>());
    let past = bus
        .subscribe(SubscribeOptions::default().resume_from(19))
        .unwrap();
    assert_eq!(
        past.try_recv().unwrap(),
        Some(Delivery::Lagged { missed: 11 })
    );
}

#[test]
fn resume_from_a_seq_too_old_gets_lagged_and_snapshot() {
    let (bus, source) = new_bus(10);
    for i in 0..30 {
        publish_status(
            &bus,
            &source,
            "cms",
            &format!("{}", i % 4),
            None,
            &format!("S{i}"),
        );
    }
    let sub = bus
        .subscribe(SubscribeOptions::default().resume_from(5))
        .unwrap();
    assert_eq!(
        sub.try_recv().unwrap(),
        Some(Delivery::Lagged { missed: 25 })
    );
    let Some(Delivery::Snapshot(snapshot)) = sub.try_recv().unwrap() else {
        panic!("snapshot");
    };
    assert_eq!(snapshot.as_of, 30);
    assert_eq!(
        snapshot_ids(&snapshot),
        vec![
            ("0".into(), "S28".into()),
            ("1".into(), "S29".into()),
            ("2".into(), "S26".into()),
            ("3".into(), "S27".into()),
        ]
    );
    assert!(sub.try_recv().unwrap().is_none());
    let live = bus.publish(at(), feed("cms"));
    assert_eq!(seqs(&drain(&sub)), vec![live]);

    // A seq this bus never issued (another run's): resynchronise from a snapshot too.
    let stranger = bus
        .subscribe(SubscribeOptions::default().resume_from(1_000))
        .unwrap();
    assert_eq!(
        stranger.try_recv().unwrap(),
        Some(Delivery::Lagged { missed: 0 })
    );
    assert!(matches!(
        stranger.try_recv().unwrap(),
        Some(Delivery::Snapshot(_))
    ));
}

#[test]
fn a_replay_larger_than_the_queue_lags_instead_of_growing() {
    let (bus, _source) = new_bus(100);
    for _ in 0..20 {
        bus.publish(at(), feed("cms"));
    }
    let sub = bus
        .subscribe(SubscribeOptions::default().capacity(5).resume_from(0))
        .unwrap();
    assert_eq!(sub.len(), 5);
    let first: Vec<Delivery> = (0..5).map(|_| sub.try_recv().unwrap().unwrap()).collect();
    assert_eq!(seqs(&first), vec![1, 2, 3, 4, 5]);
    assert_eq!(
        sub.try_recv().unwrap(),
        Some(Delivery::Lagged { missed: 15 })
    );
    assert!(matches!(sub.try_recv().unwrap(), Some(Delivery::Snapshot(s)) if s.as_of == 20));
}

#[test]
fn dropped_receivers_are_removed() {
    let (bus, _source) = new_bus(16);
    let a = bus.subscribe(SubscribeOptions::default()).unwrap();
    let b = bus.subscribe(SubscribeOptions::default()).unwrap();
    let c = bus.subscribe_async(SubscribeOptions::default()).unwrap();
    assert_eq!(bus.subscriber_count(), 3);
    drop(b);
    assert_eq!(bus.subscriber_count(), 2);
    drop(c);
    assert_eq!(bus.subscriber_count(), 1);
    bus.publish(at(), feed("cms"));
    assert_eq!(seqs(&drain(&a)), vec![1]);

    // Dropping the bus closes the remaining subscriptions.
    drop(bus);
    assert_eq!(a.recv(), Err(BusClosed));
}

/// A source that announces each snapshot it starts and waits for the test to release it, so
/// a test can act while a subscriber's snapshot is being built.
struct GatedSource {
    statuses: MapSource,
    started: crossbeam_channel::Sender<()>,
    release: crossbeam_channel::Receiver<()>,
}

/// The test's side of a [`GatedSource`].
struct Gate {
    started: crossbeam_channel::Receiver<()>,
    release: crossbeam_channel::Sender<()>,
}

impl Gate {
    /// Waits until a snapshot has started (and is now blocked in the source).
    fn wait_started(&self) {
        self.started
            .recv_timeout(GUARD)
            .expect("the subscriber started building its snapshot");
    }

    /// Lets the blocked snapshot finish.
    fn release(&self) {
        self.release.send(()).unwrap();
    }
}

fn gated_bus(ring: usize) -> (Bus, Arc<GatedSource>, Gate) {
    let (started_tx, started_rx) = crossbeam_channel::unbounded();
    let (release_tx, release_rx) = crossbeam_channel::unbounded();
    let source = Arc::new(GatedSource {
        statuses: MapSource::default(),
        started: started_tx,
        release: release_rx,
    });
    let bus = Bus::builder(source.clone()).ring_capacity(ring).build();
    let gate = Gate {
        started: started_rx,
        release: release_tx,
    };
    (bus, source, gate)
}

impl SnapshotSource for GatedSource {
    fn snapshot(&self, filter: &Filter) -> Vec<Event> {
        self.started.send(()).unwrap();
        self.release
            .recv_timeout(GUARD)
            .expect("the test releases the snapshot");
        self.statuses.snapshot(filter)
    }
}

/// Reads `count` deliveries on another thread (where a lagged subscriber builds its snapshot).
fn read_in_thread(sub: Subscription, count: usize) -> JoinHandle<Vec<Delivery>> {
    std::thread::spawn(move || (0..count).map(|_| sub.recv().unwrap()).collect())
}

#[test]
fn a_snapshot_being_built_blocks_no_publisher() {
    let (bus, source, gate) = gated_bus(100);
    let lagging = bus
        .subscribe(SubscribeOptions::default().capacity(3))
        .unwrap();
    let other = bus.subscribe(SubscribeOptions::default()).unwrap();
    for i in 0..6 {
        publish_status(&bus, &source.statuses, "cms", &format!("{i}"), None, "AUX");
    }
    // 3 queued, 3 missed. The reader drains the 3, then resynchronises on its own thread.
    let reader = read_in_thread(lagging, 3 + 2 + 3);
    gate.wait_started();

    // The snapshot is blocked in the source: publishing goes on, and reaches the others.
    let during: Vec<u64> = ["0", "1", "2"]
        .iter()
        .map(|id| publish_status(&bus, &source.statuses, "cms", id, None, "ACD"))
        .collect();
    assert_eq!(during, vec![7, 8, 9]);
    assert_eq!(bus.last_seq(), 9);
    assert_eq!(seqs(&drain(&other)), (1..=9).collect::<Vec<_>>());

    gate.release();
    let got = reader.join().unwrap();
    assert_eq!(seqs(&got[..3]), vec![1, 2, 3]);
    assert_eq!(got[3], Delivery::Lagged { missed: 3 });
    let Delivery::Snapshot(snapshot) = &got[4] else {
        panic!("a snapshot follows the marker, got {:?}", got[4]);
    };
    assert_eq!(snapshot.as_of, 6);
    // Read after the publishes above: newer than `as_of` for agents 0-2. The events replayed
    // next repeat those statuses, which changes nothing for the consumer.
    let codes = ["ACD", "ACD", "ACD", "AUX", "AUX", "AUX"];
    assert_eq!(
        snapshot_ids(snapshot),
        (0..6)
            .map(|i| (i.to_string(), codes[i].to_string()))
            .collect::<Vec<_>>()
    );
    assert_eq!(seqs(&got[5..]), during);
    assert_eq!(*source.statuses.calls.lock().unwrap(), 1);
}

#[test]
fn events_published_during_a_snapshot_follow_it_filtered_and_in_order() {
    let (bus, source, gate) = gated_bus(100);
    let cms = bus
        .subscribe(SubscribeOptions::new(Filter::all().integrations(["cms"])).capacity(4))
        .unwrap();
    for i in 0..6 {
        publish_status(&bus, &source.statuses, "cms", &format!("{i}"), None, "AUX");
    }
    bus.publish(at(), feed("cic"));
    // 4 queued, 2 missed (the cic feed event is not the subscriber's).
    let reader = read_in_thread(cms, 4 + 2 + 4);
    gate.wait_started();
    let mut wanted = Vec::new();
    for i in 0..8u64 {
        let integration = if i % 2 == 0 { "cms" } else { "cic" };
        let seq = publish_status(&bus, &source.statuses, integration, "7", None, "ACD");
        if integration == "cms" {
            wanted.push(seq);
        }
    }
    gate.release();

    let got = reader.join().unwrap();
    assert_eq!(seqs(&got[..4]), vec![1, 2, 3, 4]);
    assert_eq!(got[4], Delivery::Lagged { missed: 2 });
    assert!(matches!(&got[5], Delivery::Snapshot(s) if s.as_of == 7));
    // Every matching event published meanwhile, after the snapshot, in seq order.
    assert_eq!(seqs(&got[6..]), wanted);
    assert_eq!(wanted, vec![8, 10, 12, 14]);
}

#[test]
fn a_snapshot_outlived_by_the_ring_lags_again_with_the_exact_count() {
    let (bus, source, gate) = gated_bus(3);
    let sub = bus
        .subscribe(SubscribeOptions::default().capacity(2))
        .unwrap();
    for i in 0..4 {
        publish_status(&bus, &source.statuses, "cms", &format!("{i}"), None, "AUX");
    }
    let reader = read_in_thread(sub, 2 + 2 + 2 + 1);
    gate.wait_started();
    // 5 events while the snapshot (as of 4) is built: the ring (3) loses seqs 5 and 6.
    for _ in 0..5 {
        bus.publish(at(), feed("cms"));
    }
    gate.release();
    // Lagged again by exactly those 5: a second resync, as of 9.
    gate.wait_started();
    gate.release();
    let live = bus.publish(at(), feed("cms"));

    let got = reader.join().unwrap();
    assert_eq!(seqs(&got[..2]), vec![1, 2]);
    assert_eq!(got[2], Delivery::Lagged { missed: 2 });
    assert!(matches!(&got[3], Delivery::Snapshot(s) if s.as_of == 4));
    assert_eq!(got[4], Delivery::Lagged { missed: 5 });
    assert!(matches!(&got[5], Delivery::Snapshot(s) if s.as_of == 9));
    assert_eq!(seqs(&got[6..]), vec![live]);
}

#[test]
fn a_panicking_source_leaves_the_subscriber_lagged_not_stuck() {
    #[derive(Default)]
    struct FailsOnce {
        calls: AtomicUsize,
    }
    impl SnapshotSource for FailsOnce {
        fn snapshot(&self, _filter: &Filter) -> Vec<Event> {
            let calls = self.calls.fetch_add(1, Ordering::Relaxed) + 1;
            assert!(calls > 1, "the first snapshot fails");
            Vec::new()
        }
    }
    let bus = Bus::builder(Arc::new(FailsOnce::default())).build();
    let sub = bus
        .subscribe(SubscribeOptions::default().capacity(1))
        .unwrap();
    for _ in 0..3 {
        bus.publish(at(), feed("cms"));
    }
    assert_eq!(seqs(&[sub.recv().unwrap()]), vec![1]);
    let failed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| sub.try_recv()));
    assert!(failed.is_err(), "the source's panic reaches the reader");
    // Still lagged, counting: the next read resynchronises with every missed event.
    bus.publish(at(), feed("cms"));
    assert_eq!(
        sub.try_recv().unwrap(),
        Some(Delivery::Lagged { missed: 3 })
    );
    assert!(matches!(sub.try_recv().unwrap(), Some(Delivery::Snapshot(s)) if s.as_of == 4));
    let live = bus.publish(at(), feed("cms"));
    assert_eq!(seqs(&drain(&sub)), vec![live]);
}

#[tokio::test]
async fn an_async_subscriber_builds_its_snapshot_off_the_executor() {
    let (bus, source, gate) = gated_bus(100);
    let mut sub = bus
        .subscribe_async(SubscribeOptions::default().capacity(1))
        .unwrap();
    for i in 0..3 {
        publish_status(&bus, &source.statuses, "cms", &format!("{i}"), None, "AUX");
    }
    assert_eq!(sub.recv().await.unwrap().event().unwrap().seq, 1);
    // This single-threaded runtime must stay free while the snapshot is built: the task that
    // publishes and releases the snapshot runs on it.
    let helper = tokio::spawn({
        let bus = bus.clone();
        async move {
            let gate = tokio::task::spawn_blocking(move || {
                gate.wait_started();
                gate
            })
            .await
            .unwrap();
            let seq = bus.publish(at(), feed("cms"));
            gate.release();
            seq
        }
    });
    assert_eq!(sub.recv().await.unwrap(), Delivery::Lagged { missed: 2 });
    assert!(matches!(sub.recv().await.unwrap(), Delivery::Snapshot(s) if s.as_of == 3));
    let during = helper.await.unwrap();
    assert_eq!(sub.recv().await.unwrap().event().unwrap().seq, during);
}

#[test]
fn concurrent_lags_and_resyncs_never_leave_a_silent_gap() {
    const EVENTS: u64 = 20_000;
    let (bus, source) = new_bus(64);
    for i in 0..100 {
        publish_status(&bus, &source, "cms", &format!("{i}"), None, "AUX");
    }
    let sub = bus
        .subscribe(SubscribeOptions::default().capacity(4))
        .unwrap();
    let first = bus.last_seq();
    let lagged_once = Arc::new(Barrier::new(2));
    let publisher = std::thread::spawn({
        let (bus, lagged_once) = (bus.clone(), lagged_once.clone());
        move || {
            for i in 0..EVENTS {
                bus.publish(at(), feed("cms"));
                if i == 10 {
                    lagged_once.wait();
                }
            }
        }
    });
    lagged_once.wait();

    // Every seq is either delivered or counted by a marker whose snapshot covers it.
    let (mut position, mut lags) = (first, 0);
    while position < first + EVENTS {
        match sub.recv_timeout(GUARD).unwrap().expect("the bus delivers") {
            Delivery::Event(event) => {
                assert_eq!(event.seq, position + 1, "no gap, no reordering");
                position = event.seq;
            }
            Delivery::Lagged { missed } => {
                let Some(Delivery::Snapshot(snapshot)) = sub.try_recv().unwrap() else {
                    panic!("a snapshot follows the marker");
                };
                assert_eq!(snapshot.as_of, position + missed, "the exact count");
                assert_eq!(snapshot.events.len(), 100);
                position = snapshot.as_of;
                lags += 1;
            }
            Delivery::Snapshot(_) => panic!("a snapshot without a marker"),
        }
    }
    publisher.join().unwrap();
    assert!(lags >= 1);
    assert!(sub.try_recv().unwrap().is_none());
}
