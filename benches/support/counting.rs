//! The global allocator of the benchmarks that report memory (`state`, `memory`): the system
//! allocator, counting the heap bytes asked for and not yet freed (its own rounding and
//! bookkeeping are not included). Included with `#[path]`; including it installs it.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

static LIVE: AtomicUsize = AtomicUsize::new(0);

/// Heap bytes allocated and not yet freed, by the whole process.
pub fn live_bytes() -> usize {
    LIVE.load(Ordering::Relaxed)
}

struct Counting;

// SAFETY: forwards every call to the system allocator unchanged; it only keeps a count of live
// bytes, which touches no allocated memory.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        // SAFETY: the caller's contract, passed on.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: `ptr` came from `System.alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;
