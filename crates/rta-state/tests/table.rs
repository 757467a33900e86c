//! The state table's behaviour: interning, update semantics, snapshots, concurrent use.

use rta_model::{AgentKey, Code, Direction, IntegrationId, Observation, Phase, Status, Timestamp};
use rta_state::{SnapshotError, StateError, StateTable, Update};
use std::borrow::Cow;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

fn at(second: i64) -> Timestamp {
    Timestamp::from_second(1_795_420_800 + second).unwrap()
}

fn observation(
    integration: IntegrationId,
    id: &str,
    code: &str,
    second: i64,
) -> Observation<'static> {
    let phase = match code {
        "AVAIL" => Phase::Available,
        "ACDIN" => Phase::Talking,
        "UNSTAFF" => Phase::LoggedOut,
        _ => Phase::Away,
    };
    Observation {
        integration,
        external_id: Cow::Owned(id.as_bytes().to_vec()),
        phase,
        direction: Direction::None,
        status: Status::new(code.to_string()),
        time: at(second),
        received: at(second + 1),
    }
}

#[test]
fn interning_is_per_integration_and_stable() {
    let table = StateTable::new(10);
    let (a, b) = (table.add_integration(), table.add_integration());
    let first = table.intern(a, b"0042").unwrap();
    assert_eq!(table.intern(a, b"0042").unwrap(), first);
    assert_ne!(
        table.intern(a, b"42").unwrap(),
        first,
        "ids are bytes, not numbers"
    );
    assert_ne!(table.intern(b, b"0042").unwrap(), first);
    assert_eq!(table.identity(first), Some((a, &b"0042"[..])));
    assert_eq!(table.len(), 3);
    assert_eq!(
        table.find(a, b"0042"),
        Some(first),
        "found, not interned again"
    );
    assert_eq!(table.find(b, b"42"), None, "finding interns nothing");
    assert_eq!(table.find(IntegrationId(9), b"0042"), None);
    assert_eq!(table.len(), 3);
    assert_eq!(
        table.intern(IntegrationId(9), b"x"),
        Err(StateError::UnknownIntegration(IntegrationId(9)))
    );
}

#[test]
fn the_table_is_bounded() {
    let table = StateTable::new(2);
    let cms = table.add_integration();
    table.intern(cms, b"1").unwrap();
    table.intern(cms, b"2").unwrap();
    assert_eq!(table.intern(cms, b"3"), Err(StateError::Full { limit: 2 }));
    assert!(
        table.intern(cms, b"1").is_ok(),
        "known agents still resolve"
    );
}

#[test]
fn changes_repeats_and_out_of_order() {
    let table = StateTable::new(10);
    let cms = table.add_integration();
    let (key, first) = table
        .observe(&observation(cms, "40101", "AVAIL", 0))
        .unwrap();
    let Update::Changed {
        previous: None,
        current,
    } = first
    else {
        panic!("{first:?}")
    };
    assert_eq!(
        (current.code, current.phase, current.sequence),
        ("AVAIL", Phase::Available, 1)
    );

    // The same status later: unchanged, but seen.
    assert_eq!(
        table
            .observe(&observation(cms, "40101", "AVAIL", 30))
            .unwrap()
            .1,
        Update::Unchanged
    );
    let status = table.get(key).unwrap();
    assert_eq!((status.since, status.last_seen), (at(0), at(31)));

    let mut talking = observation(cms, "40101", "ACDIN", 40);
    talking.status.detail = Some(Code::Number(101));
    let Update::Changed {
        previous: Some(previous),
        current,
    } = table.observe(&talking).unwrap().1
    else {
        panic!()
    };
    assert_eq!(previous.code, "AVAIL");
    assert_eq!(
        (
            current.code,
            current.detail,
            current.since,
            current.sequence
        ),
        ("ACDIN", Some(Code::Number(101)), at(40), 2)
    );

    // A detail change is a change; an older status is not applied.
    let mut other_skill = talking.clone();
    other_skill.status.detail = Some(Code::Text(Cow::Borrowed("102")));
    other_skill.time = at(50);
    assert!(matches!(
        table.observe(&other_skill).unwrap().1,
        Update::Changed { .. }
    ));
    assert_eq!(
        table
            .observe(&observation(cms, "40101", "AUX", 45))
            .unwrap()
            .1,
        Update::OutOfOrder
    );
    assert_eq!(table.out_of_order(), 1);
    assert_eq!(
        table.get(key).unwrap().detail,
        Some(Code::Text(Cow::Borrowed("102")))
    );
    // Same instant, other status: the later arrival wins.
    assert!(matches!(
        table
            .observe(&observation(cms, "40101", "AUX", 50))
            .unwrap()
            .1,
        Update::Changed { .. }
    ));
}

fn keys(changes: &[(AgentKey, Update<'_>)]) -> Vec<AgentKey> {
    changes.iter().map(|(key, _)| *key).collect()
}

#[test]
fn completed_snapshots_log_out_the_absent() {
    let table = StateTable::new(10);
    let (cic, other) = (table.add_integration(), table.add_integration());
    let mut writer = table.writer();
    let mut first = writer.begin_snapshot(cic).unwrap();
    let jdoe = first
        .observe(&observation(cic, "jdoe", "AVAIL", 0))
        .unwrap()
        .0;
    let asmith = first
        .observe(&observation(cic, "asmith", "AUX", 0))
        .unwrap()
        .0;
    assert!(first.finish("Gone Home", at(0), at(1)).is_empty());
    let bystander = table
        .observe(&observation(other, "jdoe", "AVAIL", 0))
        .unwrap()
        .0;

    let mut second = writer.begin_snapshot(cic).unwrap();
    second
        .observe(&observation(cic, "jdoe", "AVAIL", 0))
        .unwrap();
    assert_eq!(
        second
            .observe(&observation(other, "x", "AVAIL", 0))
            .unwrap_err(),
        SnapshotError::OtherIntegration {
            expected: cic,
            got: other
        }
    );
    let changes = second.finish("Gone Home", at(60), at(61));
    assert_eq!(keys(&changes), [asmith]);
    let gone = table.get(asmith).unwrap();
    assert_eq!(
        (gone.phase, gone.code, gone.since),
        (Phase::LoggedOut, "Gone Home", at(60))
    );
    assert_eq!(table.get(jdoe).unwrap().phase, Phase::Available);
    assert_eq!(
        table.get(bystander).unwrap().phase,
        Phase::Available,
        "other integrations untouched"
    );

    // Already logged out: not logged out again.
    let third = writer
        .begin_snapshot(cic)
        .unwrap()
        .finish("Gone Home", at(120), at(121));
    assert_eq!(keys(&third), [jdoe]);
}

#[test]
fn an_aborted_snapshot_logs_nobody_out() {
    let table = StateTable::new(10);
    let cic = table.add_integration();
    let agent = table
        .observe(&observation(cic, "jdoe", "AVAIL", 0))
        .unwrap()
        .0;
    let mut writer = table.writer();
    let mut cut = writer.begin_snapshot(cic).unwrap();
    cut.observe(&observation(cic, "asmith", "AUX", 10)).unwrap();
    drop(cut); // the connection dropped mid-snapshot
    assert_eq!(table.get(agent).unwrap().phase, Phase::Available);
    assert_eq!(
        table.view(cic, 3).unwrap().agents.len(),
        2,
        "the rows themselves were applied"
    );
}

#[test]
fn a_quiet_view_is_a_point_in_time() {
    let table = StateTable::new(10);
    let cms = table.add_integration();
    for id in ["a", "b", "c"] {
        table.observe(&observation(cms, id, "AVAIL", 0)).unwrap();
    }
    table.intern(cms, b"never-observed").unwrap();
    let view = table.view(cms, 1).unwrap();
    assert!(view.point_in_time);
    assert_eq!(
        view.agents.len(),
        3,
        "interned but never observed agents have no status"
    );
}

/// Two writers, each the only writer of its half of the agents, and two readers. Every status
/// written encodes one number n in its code, detail and time; a reader that ever sees them
/// disagree saw a torn status. At the end every agent holds its last write (no lost update).
#[test]
fn concurrent_writers_and_readers_see_no_torn_status_and_lose_no_update() {
    const AGENTS: usize = 64;
    const ROUNDS: i64 = 2_000;
    let table = Arc::new(StateTable::new(AGENTS));
    let cms = table.add_integration();
    let keys: Vec<AgentKey> = (0..AGENTS)
        .map(|i| table.intern(cms, format!("{i}").as_bytes()).unwrap())
        .collect();
    let done = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..2)
        .map(|shard| {
            let table = Arc::clone(&table);
            let keys = keys.clone();
            std::thread::spawn(move || {
                let mut writer = table.writer();
                for n in 1..=ROUNDS {
                    for (i, &key) in keys.iter().enumerate().filter(|(i, _)| i % 2 == shard) {
                        let mut status = observation(cms, &format!("{i}"), &format!("S{n}"), n);
                        status.status.detail = Some(Code::Number(n as u32));
                        assert!(matches!(
                            writer.update(key, &status),
                            Update::Changed { .. }
                        ));
                    }
                }
            })
        })
        .collect();
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let (table, keys, done) = (Arc::clone(&table), keys.clone(), Arc::clone(&done));
            std::thread::spawn(move || {
                let mut reads = 0u64;
                while !done.load(Ordering::Acquire) {
                    for &key in &keys {
                        if let Some(status) = table.get(key) {
                            let n: i64 = status.code[1..].parse().unwrap();
                            assert_eq!(
                                status.detail,
                                Some(Code::Number(n as u32)),
                                "torn: {status:?}"
                            );
                            assert_eq!(status.since, at(n), "torn: {status:?}");
                            assert_eq!(status.sequence, n as u64, "torn: {status:?}");
                            reads += 1;
                        }
                    }
                }
                reads
            })
        })
        .collect();
    for writer in writers {
        writer.join().unwrap();
    }
    done.store(true, Ordering::Release);
    for reader in readers {
        assert!(reader.join().unwrap() > 0);
    }
    for &key in &keys {
        let status = table.get(key).unwrap();
        assert_eq!(
            (status.code, status.sequence),
            (&*format!("S{ROUNDS}"), ROUNDS as u64)
        );
    }
}

#[test]
fn writers_and_the_table_share_one_vocabulary() {
    let table = StateTable::new(10);
    let cms = table.add_integration();
    let (mut first, mut second) = (table.writer(), table.writer());
    let mut aux = observation(cms, "40101", "AUX", 0);
    aux.status.reason = Some(Code::Text("Lunch".into()));
    let (key, _) = first.observe(&aux).unwrap();
    aux.received = at(5);
    assert_eq!(second.observe(&aux).unwrap().1, Update::Unchanged);
    assert_eq!(table.observe(&aux).unwrap().1, Update::Unchanged);
    let status = table.get(key).unwrap();
    assert_eq!(
        (status.code, status.reason, status.last_seen),
        ("AUX", Some(Code::Text("Lunch".into())), at(5))
    );
}

#[test]
fn threads_interning_the_same_ids_get_the_same_keys() {
    const IDS: usize = 2_000;
    let table = StateTable::new(2 * IDS);
    let (cms, cic) = (table.add_integration(), table.add_integration());
    let per_thread: Vec<Vec<AgentKey>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4)
            .map(|thread| {
                let table = &table;
                scope.spawn(move || {
                    // Each thread walks the ids in another order (a step coprime with IDS), so
                    // they race on every id.
                    let step = [1, 3, 7, 9][thread];
                    (0..IDS)
                        .map(|i| {
                            let i = (i * step + thread * 7) % IDS;
                            let integration = if i % 2 == 0 { cms } else { cic };
                            (
                                i,
                                table
                                    .intern(integration, format!("{i}").as_bytes())
                                    .unwrap(),
                            )
                        })
                        .fold(vec![AgentKey(0); IDS], |mut keys, (i, key)| {
                            keys[i] = key;
                            keys
                        })
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(per_thread.iter().all(|keys| *keys == per_thread[0]));
    assert_eq!(table.len(), IDS, "each id interned once");
    for (i, &key) in per_thread[0].iter().enumerate() {
        let integration = if i % 2 == 0 { cms } else { cic };
        assert_eq!(
            table.identity(key),
            Some((integration, format!("{i}").as_bytes()))
        );
    }
    assert_eq!(table.members(cms).unwrap().len(), IDS / 2);
}

#[test]
fn the_vocabulary_is_bounded_and_known_words_stay_exact() {
    let table = StateTable::new(2);
    let cms = table.add_integration();
    let mut writer = table.writer();
    let (key, _) = writer
        .observe(&observation(cms, "40101", "AVAIL", 0))
        .unwrap();
    // A hostile feed: a new reason text in every row.
    for n in 0..rta_state::MAX_WORDS as i64 {
        let mut aux = observation(cms, "40102", "AUX", n);
        aux.status.reason = Some(Code::Text(format!("free text {n}").into()));
        writer.observe(&aux).unwrap();
    }
    let last = table.get(table.intern(cms, b"40102").unwrap()).unwrap();
    assert_eq!(
        last.reason,
        Some(Code::Text(rta_state::OVERFLOW_WORD.into()))
    );
    assert_eq!(last.code, "AUX", "known words stay exact");
    assert_eq!(table.overflowed_words(), 2, "AVAIL and AUX took two places");
    assert_eq!(table.get(key).unwrap().code, "AVAIL");
}
