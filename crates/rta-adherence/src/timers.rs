//! The timer queue: one pending wake-up per employee (its next schedule change or alarm
//! deadline) in an indexed binary min-heap.
//!
//! Each employee holds at most one entry, which is moved in place when its wake-up changes,
//! so the queue never holds more entries than employees and `advance` touches only the
//! employees whose wake-up has come: O(log n) per expired or moved timer, never O(employees).

use crate::instant::Millis;

const ABSENT: u32 = u32::MAX;

/// `(when, employee)` in 12 bytes, not the 16 of an `(i64, u32)` tuple's padding: one per
/// employee, so it counts at a million of them. The fields' order is the heap's: `when`'s
/// signed high half, then its unsigned low half, order as `when` does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Entry {
    when_high: i32,
    when_low: u32,
    employee: u32,
}

impl Entry {
    fn new(when: Millis, employee: u32) -> Entry {
        Entry {
            when_high: (when >> 32) as i32,
            when_low: when as u32,
            employee,
        }
    }

    fn when(self) -> Millis {
        Millis::from(self.when_high) << 32 | Millis::from(self.when_low)
    }

    fn key(self) -> (Millis, u32) {
        (self.when(), self.employee)
    }
}

#[derive(Debug, Default)]
pub(crate) struct Timers {
    /// A binary heap ordered by [`Entry::key`].
    heap: Vec<Entry>,
    /// Position of each employee's entry in `heap`, or [`ABSENT`].
    position: Vec<u32>,
}

impl Timers {
    /// Room for `employees` wake-ups without growing (a doubling `Vec` can hold up to twice
    /// the room it needs).
    pub(crate) fn with_capacity(employees: usize) -> Timers {
        Timers {
            heap: Vec::with_capacity(employees),
            position: Vec::with_capacity(employees),
        }
    }

    /// Sets (or moves) the wake-up of `employee`.
    pub(crate) fn set(&mut self, employee: u32, when: Millis) {
        let slot = employee as usize;
        if slot >= self.position.len() {
            self.position.resize(slot + 1, ABSENT);
        }
        match self.position[slot] {
            ABSENT => {
                self.heap.push(Entry::new(when, employee));
                self.place(self.heap.len() - 1);
                self.sift_up(self.heap.len() - 1);
            }
            at => {
                let at = at as usize;
                let entry = Entry::new(when, employee);
                let earlier = entry < self.heap[at];
                self.heap[at] = entry;
                if earlier {
                    self.sift_up(at);
                } else {
                    self.sift_down(at);
                }
            }
        }
    }

    /// The wake-up of `employee`, if one is set.
    pub(crate) fn get(&self, employee: u32) -> Option<Millis> {
        match *self.position.get(employee as usize)? {
            ABSENT => None,
            at => Some(self.heap[at as usize].when()),
        }
    }

    /// Removes the wake-up of `employee`, if any.
    pub(crate) fn cancel(&mut self, employee: u32) {
        let Some(&at) = self.position.get(employee as usize) else {
            return;
        };
        if at == ABSENT {
            return;
        }
        self.remove_at(at as usize);
    }

    /// The earliest wake-up if it is due at `now`. It stays queued: the caller moves it
    /// ([`Timers::set`], one sift from the root) or cancels it, which costs half of taking it
    /// out and putting it back.
    pub(crate) fn peek_due(&self, now: Millis) -> Option<(Millis, u32)> {
        self.heap
            .first()
            .map(|entry| entry.key())
            .filter(|&(when, _)| when <= now)
    }

    pub(crate) fn len(&self) -> usize {
        self.heap.len()
    }

    fn remove_at(&mut self, at: usize) {
        let removed = self.heap.swap_remove(at);
        self.position[removed.employee as usize] = ABSENT;
        if at < self.heap.len() {
            self.place(at);
            self.sift_down(at);
            self.sift_up(at);
        }
    }

    fn place(&mut self, at: usize) {
        self.position[self.heap[at].employee as usize] = at as u32;
    }

    fn sift_up(&mut self, mut at: usize) {
        while at > 0 {
            let parent = (at - 1) / 2;
            if self.heap[at] >= self.heap[parent] {
                break;
            }
            self.heap.swap(at, parent);
            self.place(at);
            self.place(parent);
            at = parent;
        }
    }

    fn sift_down(&mut self, mut at: usize) {
        loop {
            let left = 2 * at + 1;
            if left >= self.heap.len() {
                break;
            }
            let right = left + 1;
            let child = if right < self.heap.len() && self.heap[right] < self.heap[left] {
                right
            } else {
                left
            };
            if self.heap[child] >= self.heap[at] {
                break;
            }
            self.heap.swap(at, child);
            self.place(at);
            self.place(child);
            at = child;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    #[test]
    fn an_entry_keeps_any_time_in_12_bytes() {
        assert_eq!(size_of::<Entry>(), 12);
        for when in [Millis::MIN, -1, 0, 1, 1 << 40, Millis::MAX] {
            assert_eq!(Entry::new(when, 7).key(), (when, 7));
        }
        let mut times = [
            Millis::MIN,
            -(1 << 33),
            -1,
            0,
            1,
            u32::MAX.into(),
            1 << 40,
            Millis::MAX,
        ];
        times.sort();
        for pair in times.windows(2) {
            assert!(Entry::new(pair[0], 9) < Entry::new(pair[1], 0));
            assert!(Entry::new(pair[0], 0) < Entry::new(pair[0], 9));
        }
    }

    proptest! {
        /// Against a map of employee -> wake-up: the queue pops exactly the due entries, in
        /// time order, whatever sequence of sets, moves and cancels came before.
        #[test]
        fn pops_what_a_map_would_in_time_order(
            operations in prop::collection::vec((0u32..40, 0i64..1_000, any::<bool>()), 0..300),
            now in 0i64..1_000,
        ) {
            let mut timers = Timers::default();
            let mut model = BTreeMap::new();
            for (employee, when, cancel) in operations {
                if cancel {
                    timers.cancel(employee);
                    model.remove(&employee);
                } else {
                    timers.set(employee, when);
                    model.insert(employee, when);
                }
                prop_assert_eq!(timers.len(), model.len());
                prop_assert_eq!(timers.get(employee), model.get(&employee).copied());
            }
            let mut due: Vec<(i64, u32)> =
                model.iter().filter(|(_, when)| **when <= now).map(|(e, w)| (*w, *e)).collect();
            due.sort();
            let mut popped = Vec::new();
            while let Some((when, employee)) = timers.peek_due(now) {
                popped.push((when, employee));
                timers.cancel(employee);
            }
            prop_assert_eq!(popped, due);
            prop_assert_eq!(timers.len(), model.values().filter(|when| **when > now).count());
        }
    }
}
