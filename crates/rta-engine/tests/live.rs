//! `LiveStatuses` end to end: a real state table fed observations, a bus resynchronising its
//! lagged subscribers from it.

use rta_engine::{
    Bus, Delivery, EventKind, Filter, LiveStatuses, Snapshot, SnapshotSource, SubscribeOptions,
    Subscription,
};
use rta_model::{Code, Direction, EventBody, IntegrationId, Observation, Phase, Status, Timestamp};
use rta_state::{StateTable, Update};
use std::borrow::Cow;
use std::sync::Arc;

fn at(seconds: i64) -> Timestamp {
    Timestamp::from_second(1_795_420_800 + seconds).unwrap()
}

/// One observation: the agent entered `code` at `since`, reported at `received`.
struct Seen<'a> {
    integration: IntegrationId,
    external_id: &'a [u8],
    phase: Phase,
    code: &'a str,
    reason: Option<Code<'a>>,
    detail: Option<Code<'a>>,
    since: i64,
    received: i64,
}

/// One line per agent of a snapshot, sorted: `integration/id phase status reason detail
/// since received` (times in seconds after [`at`]'s origin, `-` for none).
fn describe(snapshot: &Snapshot) -> Vec<String> {
    let seconds = |time: Timestamp| time.as_second() - at(0).as_second();
    let code = |code: &Option<Code<'_>>| code.as_ref().map_or("-".into(), ToString::to_string);
    let mut lines: Vec<String> = snapshot
        .events
        .iter()
        .map(|event| {
            let EventBody::AgentStatus(status) = &event.body else {
                panic!("a snapshot holds agent_status events, got {event:?}");
            };
            assert_eq!(event.seq, snapshot.as_of);
            assert_eq!(event.time, status.since);
            assert_eq!((&status.employee, &status.activity), (&None, &None));
            format!(
                "{}/{} {:?} {} {} {} {} {}",
                status.integration,
                status.external_id,
                status.phase,
                status.status,
                code(&status.reason),
                code(&status.detail),
                seconds(status.since),
                seconds(status.received),
            )
        })
        .collect();
    lines.sort();
    lines
}

/// The engine's order: update the table, then publish what it says changed. Returns the seq.
fn ingest(table: &StateTable, live: &LiveStatuses, bus: &Bus, seen: Seen<'_>) -> Option<u64> {
    let observation = Observation {
        integration: seen.integration,
        external_id: Cow::Borrowed(seen.external_id),
        phase: seen.phase,
        direction: Direction::None,
        status: Status {
            reason: seen.reason,
            detail: seen.detail,
            ..Status::new(seen.code)
        },
        time: at(seen.since),
        received: at(seen.received),
    };
    let (key, update) = table.observe(&observation).unwrap();
    let Update::Changed { current, .. } = update else {
        return None;
    };
    Some(bus.publish(current.since, live.status_event(key, &current)?))
}

struct Setup {
    bus: Bus,
    live: Arc<LiveStatuses>,
    everything: Subscription,
    cic_only: Subscription,
    published: Vec<u64>,
    cic_published: Vec<u64>,
}

/// Two named integrations and an unnamed one; two subscribers of capacity 1 that never read
/// while the agents below change.
fn setup() -> Setup {
    let table = Arc::new(StateTable::new(1_000));
    let cms = table.add_integration();
    let cic = table.add_integration();
    let unnamed = table.add_integration();
    let live = Arc::new(LiveStatuses::new(
        table.clone(),
        [(cms, "cms-paris"), (cic, "cic-lyon")],
    ));
    let bus = Bus::builder(live.clone()).ring_capacity(4).build();
    let subscribe = |filter: Filter| {
        bus.subscribe(SubscribeOptions::new(filter).capacity(1))
            .unwrap()
    };
    let everything = subscribe(Filter::all());
    let cic_only = subscribe(Filter::all().integrations(["cic-lyon"]));

    let seen = |integration, external_id: &'static [u8], phase, code: &'static str, since| Seen {
        integration,
        external_id,
        phase,
        code,
        reason: None,
        detail: None,
        since,
        received: since + 2,
    };
    let changes = [
        seen(cms, b"40101", Phase::Available, "AVAIL", 0),
        seen(cic, b"Ren\xe9", Phase::Available, "Available", 1),
        seen(cms, b"40102", Phase::Available, "AVAIL", 2),
        Seen {
            reason: Some(Code::Number(3)),
            ..seen(cms, b"40101", Phase::Away, "AUX", 10)
        },
        seen(unnamed, b"9", Phase::Talking, "ACD", 11),
        Seen {
            detail: Some(Code::Number(12)),
            ..seen(cms, b"40102", Phase::Talking, "ACDIN", 12)
        },
        Seen {
            reason: Some(Code::Text("Lunch".into())),
            ..seen(cic, b"Ren\xe9", Phase::Away, "Away", 20)
        },
        // The same status again: no event, only `last_seen` moves.
        Seen {
            detail: Some(Code::Number(12)),
            received: 40,
            ..seen(cms, b"40102", Phase::Talking, "ACDIN", 12)
        },
        // Older than 40101's current status: out of order, ignored.
        seen(cms, b"40101", Phase::Talking, "ACDIN", 5),
        seen(cic, b"ana", Phase::WrapUp, "ACW", 30),
    ];
    let (mut published, mut cic_published) = (Vec::new(), Vec::new());
    for change in changes {
        let integration = change.integration;
        if let Some(seq) = ingest(&table, &live, &bus, change) {
            published.push(seq);
            if integration == cic {
                cic_published.push(seq);
            }
        }
    }
    Setup {
        bus,
        live,
        everything,
        cic_only,
        published,
        cic_published,
    }
}

#[test]
fn a_lagged_subscriber_is_resynchronised_from_the_state_table() {
    let Setup {
        bus,
        everything,
        published,
        ..
    } = setup();
    // 7 changes of named integrations were published (not the unnamed one's, not the repeat,
    // not the out-of-order one).
    assert_eq!(published, (1..=7).collect::<Vec<_>>());
    assert_eq!(bus.last_seq(), 7);

    assert_eq!(everything.recv().unwrap().event().unwrap().seq, 1);
    assert_eq!(everything.recv().unwrap(), Delivery::Lagged { missed: 6 });
    let Delivery::Snapshot(snapshot) = everything.recv().unwrap() else {
        panic!("a snapshot follows the marker");
    };
    assert_eq!(snapshot.as_of, 7);
    assert_eq!(
        describe(&snapshot),
        [
            "cic-lyon/René Away Away Lunch - 20 22",
            "cic-lyon/ana WrapUp ACW - - 30 32",
            "cms-paris/40101 Away AUX 3 - 10 12",
            "cms-paris/40102 Talking ACDIN - 12 12 40",
        ]
    );
    assert!(everything.try_recv().unwrap().is_none());
}

#[test]
fn a_snapshot_covers_only_the_integrations_the_filter_names() {
    let Setup {
        bus: _bus,
        cic_only,
        cic_published,
        ..
    } = setup();
    assert_eq!(cic_published, vec![2, 6, 7]);
    assert_eq!(cic_only.recv().unwrap().event().unwrap().seq, 2);
    assert_eq!(cic_only.recv().unwrap(), Delivery::Lagged { missed: 2 });
    let Delivery::Snapshot(snapshot) = cic_only.recv().unwrap() else {
        panic!("a snapshot follows the marker");
    };
    assert_eq!(
        describe(&snapshot),
        [
            "cic-lyon/René Away Away Lunch - 20 22",
            "cic-lyon/ana WrapUp ACW - - 30 32",
        ]
    );
}

#[test]
fn snapshots_follow_the_filter_kinds_and_skip_unnamed_integrations() {
    let Setup { live, .. } = setup();
    assert_eq!(
        live.snapshot(&Filter::all()).len(),
        4,
        "not the unnamed one's agent"
    );
    assert!(
        live.snapshot(&Filter::all().kinds([EventKind::Feed]))
            .is_empty()
    );
    assert!(
        live.snapshot(&Filter::all().integrations(["odigo"]))
            .is_empty()
    );
    let both = Filter::all()
        .kinds([EventKind::AgentStatus])
        .integrations(["cms-paris", "cic-lyon"]);
    assert_eq!(live.snapshot(&both).len(), 4);
}
