//! The hot paths allocate nothing once warm: interning a known id, and a writer's update
//! (changes and repeats alike). Counted per thread by a wrapping allocator, so the test
//! harness's own threads do not interfere.

use rta_model::{Direction, Observation, Phase, Status, Timestamp};
use rta_state::{StateTable, Update};
use std::alloc::{GlobalAlloc, Layout, System};
use std::borrow::Cow;
use std::cell::Cell;

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

// SAFETY: forwards every call to the system allocator unchanged; it only counts calls in a
// thread-local `Cell` with a const initialiser, which never allocates.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|count| count.set(count.get() + 1));
        // SAFETY: the caller's contract, passed on.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System.alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn allocations_in(work: impl FnOnce()) -> u64 {
    let before = ALLOCATIONS.with(Cell::get);
    work();
    ALLOCATIONS.with(Cell::get) - before
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
