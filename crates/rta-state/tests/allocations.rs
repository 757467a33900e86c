//! The hot paths allocate nothing once warm: interning a known id, and a writer's update
//! (changes and repeats alike). Counted per thread (`allocation-counter`), so the test
//! harness's own threads do not interfere.

use rta_model::{Direction, Observation, Phase, Status, Timestamp};
use rta_state::{StateTable, Update};
use std::borrow::Cow;

fn allocations_in(work: impl FnOnce()) -> u64 {
    allocation_counter::measure(work).count_total
}

#[test]
fn known_ids_and_warm_updates_allocate_nothing() {
    assert_eq!(
        allocations_in(|| drop(std::hint::black_box(vec![0u8; 8]))),
        1,
        "the counter counts"
    );
    let table = StateTable::new(100);
    let cms = table.add_integration();
    let mut writer = table.writer();
    let at = |second: i64| Timestamp::from_second(1_795_420_800 + second).unwrap();
    let row = |code: &'static str, second: i64| Observation {
        integration: cms,
        external_id: Cow::Borrowed(b"40101"),
        phase: Phase::Available,
        direction: Direction::None,
        status: Status::new(code),
        time: at(second),
        received: at(second),
    };
    // Warm-up: the agent and both words are new once.
    let (key, _) = writer.observe(&row("AVAIL", 0)).unwrap();
    writer.observe(&row("ACDIN", 1)).unwrap();

    let mut outcomes = Vec::with_capacity(4);
    let counted = allocations_in(|| {
        assert_eq!(table.intern(cms, b"40101").unwrap(), key);
        for (second, code) in [(2, "AVAIL"), (3, "AVAIL"), (4, "ACDIN")] {
            let update = writer.observe(&row(code, second)).unwrap().1;
            outcomes.push(std::mem::discriminant(&update));
        }
        outcomes.push(std::mem::discriminant(
            &writer.update(key, &row("AVAIL", 1)),
        ));
    });
    assert_eq!(counted, 0);
    let changed = std::mem::discriminant(&Update::Changed {
        previous: None,
        current: table.get(key).unwrap(),
    });
    assert_eq!(
        outcomes,
        [
            changed,
            std::mem::discriminant(&Update::Unchanged),
            changed,
            std::mem::discriminant(&Update::OutOfOrder)
        ]
    );
}

/// The hand-over of a status from a decoding thread to the agent's writer: packing (words
/// already interned) and applying the packed status allocate nothing, whoever packed it.
#[test]
fn packing_and_applying_a_status_allocate_nothing() {
    let table = StateTable::new(100);
    let cms = table.add_integration();
    let (mut packer, mut writer) = (table.writer(), table.writer());
    let at = |second: i64| Timestamp::from_second(1_795_420_800 + second).unwrap();
    let row = |code: &'static str, reason: u32, second: i64| Observation {
        integration: cms,
        external_id: Cow::Borrowed(b"40101"),
        phase: Phase::Away,
        direction: Direction::None,
        status: Status {
            reason: Some(rta_model::Code::Number(reason)),
            ..Status::new(code)
        },
        time: at(second),
        received: at(second),
    };
    let key = table.intern(cms, b"40101").unwrap();
    // Warm-up: both writers meet the word once.
    let warm = packer.pack(&row("AUX", 1, 0));
    writer.apply(key, &warm);
    writer.update(key, &row("AUX", 2, 1));

    let mut outcomes = Vec::with_capacity(3);
    let counted = allocations_in(|| {
        for (second, reason) in [(2, 3), (3, 3), (1, 4)] {
            let packed = packer.pack(&row("AUX", reason, second));
            outcomes.push(std::mem::discriminant(&writer.apply(key, &packed)));
        }
    });
    assert_eq!(counted, 0);
    let changed = std::mem::discriminant(&Update::Changed {
        previous: None,
        current: table.get(key).unwrap(),
    });
    assert_eq!(
        outcomes,
        [
            changed,
            std::mem::discriminant(&Update::Unchanged),
            std::mem::discriminant(&Update::OutOfOrder)
        ]
    );
    let status = table.get(key).unwrap();
    assert_eq!(
        (status.code, status.reason),
        ("AUX", Some(rta_model::Code::Number(3)))
    );
    assert_eq!(status.since, at(2));
}
