//! The hot paths allocate nothing once warm: interning a known id, and a writer's update
//! (changes and repeats alike). Counted per thread (`allocation-counter`), so the test
//! harness's own threads do not interfere.

use rta_model::{Code, Direction, IntegrationId, Observation, Phase, Status, Timestamp};
use rta_state::{StateTable, Update};
use std::borrow::Cow;
use std::mem::{Discriminant, discriminant};

fn allocations_in(work: impl FnOnce()) -> u64 {
    allocation_counter::measure(work).count_total
}

fn at(second: i64) -> Timestamp {
    Timestamp::from_second(1_795_420_800 + second).unwrap()
}

/// Agent 40101 of `integration` in `phase`, status `code` (with AUX `reason`), from `second`.
fn row(
    integration: IntegrationId,
    phase: Phase,
    code: &'static str,
    reason: Option<u32>,
    second: i64,
) -> Observation<'static> {
    Observation {
        integration,
        external_id: Cow::Borrowed(b"40101"),
        phase,
        direction: Direction::None,
        status: Status {
            reason: reason.map(Code::Number),
            ..Status::new(code)
        },
        time: at(second),
        received: at(second),
    }
}

/// The kinds of update, to compare outcomes whatever the statuses they carry.
fn kinds(table: &StateTable, key: rta_model::AgentKey) -> [Discriminant<Update<'_>>; 3] {
    let changed = discriminant(&Update::Changed {
        previous: None,
        current: table.get(key).unwrap(),
    });
    [
        changed,
        discriminant(&Update::Unchanged),
        discriminant(&Update::OutOfOrder),
    ]
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
    let row = |code: &'static str, second: i64| row(cms, Phase::Available, code, None, second);
    // Warm-up: the agent and both words are new once.
    let (key, _) = writer.observe(&row("AVAIL", 0)).unwrap();
    writer.observe(&row("ACDIN", 1)).unwrap();

    let mut outcomes = Vec::with_capacity(4);
    let counted = allocations_in(|| {
        assert_eq!(table.intern(cms, b"40101").unwrap(), key);
        for (second, code) in [(2, "AVAIL"), (3, "AVAIL"), (4, "ACDIN")] {
            let update = writer.observe(&row(code, second)).unwrap().1;
            outcomes.push(discriminant(&update));
        }
        outcomes.push(discriminant(&writer.update(key, &row("AVAIL", 1))));
    });
    assert_eq!(counted, 0);
    let [changed, unchanged, out_of_order] = kinds(&table, key);
    assert_eq!(outcomes, [changed, unchanged, changed, out_of_order]);
}

/// The hand-over of a status from a decoding thread to the agent's writer: packing (words
/// already interned) and applying the packed status allocate nothing, whoever packed it.
#[test]
fn packing_and_applying_a_status_allocate_nothing() {
    let table = StateTable::new(100);
    let cms = table.add_integration();
    let (mut packer, mut writer) = (table.writer(), table.writer());
    let row = |code: &'static str, reason: u32, second: i64| {
        row(cms, Phase::Away, code, Some(reason), second)
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
            outcomes.push(discriminant(&writer.apply(key, &packed)));
        }
    });
    assert_eq!(counted, 0);
    assert_eq!(outcomes, kinds(&table, key));
    let status = table.get(key).unwrap();
    assert_eq!((status.code, status.reason), ("AUX", Some(Code::Number(3))));
    assert_eq!(status.since, at(2));
}
