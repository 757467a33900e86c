//! An append-only, bounded array of cells that never moves a cell: fixed-size segments,
//! each allocated on first use.
//!
//! # Why not `boxcar::Vec`
//!
//! The table first kept agents in a `boxcar::Vec`. Its buckets double, and it allocates the
//! next bucket eagerly once the current one is 7/8 full: at a million agents that is a second
//! million entries allocated ahead (~90 bytes per agent of the 218 then measured), plus an
//! initialised flag beside every entry. Here the bound is known up front (the table's
//! `max_agents`), so segments are fixed at [`SEGMENT`] cells: the slack is at most one
//! segment, and a cell costs exactly its own size.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Cells per segment.
const SEGMENT: usize = 4096;

#[derive(Debug)]
pub(crate) struct Segments<T> {
    segments: Box<[OnceLock<Box<[T]>>]>,
    /// log2 of the segment length: a cell's place is a shift and a mask, not two divisions.
    segment_shift: u32,
    claimed: AtomicUsize,
    capacity: usize,
}

impl<T: Default> Segments<T> {
    pub(crate) fn new(capacity: usize) -> Self {
        // Small tables (tests, one small site) get one small segment, not 4096 cells.
        let segment_len = capacity.clamp(1, SEGMENT).next_power_of_two();
        Segments {
            segments: (0..capacity.div_ceil(segment_len))
                .map(|_| OnceLock::new())
                .collect(),
            segment_shift: segment_len.trailing_zeros(),
            claimed: AtomicUsize::new(0),
            capacity,
        }
    }

    /// Claims the next cell for the caller to fill; `None` once `capacity` cells are claimed.
    pub(crate) fn claim(&self) -> Option<(usize, &T)> {
        let index = self
            .claimed
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
                (n < self.capacity).then_some(n + 1)
            })
            .ok()?;
        let segment = self.segments[index >> self.segment_shift]
            .get_or_init(|| (0..self.segment_len()).map(|_| T::default()).collect());
        Some((index, &segment[index & (self.segment_len() - 1)]))
    }

    fn segment_len(&self) -> usize {
        1 << self.segment_shift
    }

    /// The cell at `index`, if its segment exists (a claimed cell may not be filled yet).
    pub(crate) fn get(&self, index: usize) -> Option<&T> {
        let segment = self.segments.get(index >> self.segment_shift)?.get()?;
        segment.get(index & (self.segment_len() - 1))
    }

    /// How many cells were claimed.
    pub(crate) fn claimed(&self) -> usize {
        self.claimed.load(Ordering::Relaxed)
    }

    /// The claimed cells in order (a cell claimed concurrently may not be filled yet).
    pub(crate) fn iter(&self) -> impl Iterator<Item = &T> {
        (0..self.claimed()).filter_map(|index| self.get(index))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicU32;

    #[test]
    fn cells_are_claimed_once_up_to_the_capacity() {
        let cells: Segments<AtomicU32> = Segments::new(10_000);
        let claimed: Vec<usize> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..4)
                .map(|_| {
                    scope.spawn(|| {
                        let mut mine = Vec::new();
                        while let Some((index, cell)) = cells.claim() {
                            cell.store(index as u32 + 1, Ordering::Relaxed);
                            mine.push(index);
                        }
                        mine
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().unwrap())
                .collect()
        });
        let mut sorted = claimed.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..10_000).collect::<Vec<_>>());
        assert_eq!(cells.claimed(), 10_000);
        assert!(cells.claim().is_none());
        for (index, cell) in cells.iter().enumerate() {
            assert_eq!(cell.load(Ordering::Relaxed), index as u32 + 1);
        }
        assert!(
            cells
                .get(10_000)
                .is_none_or(|c| c.load(Ordering::Relaxed) == 0)
        );
    }

    #[test]
    fn a_small_capacity_gets_a_small_segment() {
        let cells: Segments<u64> = Segments::new(3);
        assert_eq!(cells.segment_len(), 4);
        assert!(
            cells.get(0).is_none(),
            "nothing allocated before the first claim"
        );
        assert_eq!(cells.claim().map(|(i, _)| i), Some(0));
        assert_eq!(cells.get(0), Some(&0));
    }
}
