//! The bounded ring of the most recent events, for resuming subscribers.

use super::Published;
use std::collections::VecDeque;
use std::sync::Arc;

/// The last `capacity` published events, oldest first, with contiguous seqs.
#[derive(Debug)]
pub(crate) struct Ring {
    events: VecDeque<Arc<Published>>,
    capacity: usize,
}

impl Ring {
    pub(crate) fn new(capacity: usize) -> Ring {
        Ring {
            events: VecDeque::with_capacity(capacity),
            capacity,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.events.len()
    }

    pub(crate) fn capacity(&self) -> usize {
        self.capacity
    }

    /// Appends the newest event; when full, returns the oldest, which it no longer holds (for
    /// the caller to drop once it has released the bus lock).
    pub(crate) fn push(&mut self, event: Arc<Published>) -> Option<Arc<Published>> {
        if self.capacity == 0 {
            return Some(event);
        }
        let evicted = if self.events.len() == self.capacity {
            self.events.pop_front()
        } else {
            None
        };
        self.events.push_back(event);
        evicted
    }

    /// The seq of the oldest event held.
    pub(crate) fn oldest_seq(&self) -> Option<u64> {
        self.events.front().map(|e| e.seq)
    }

    /// Whether every event after `seq` (up to the newest) is still held; `seq` must be older
    /// than the newest published event.
    pub(crate) fn holds_all_after(&self, seq: u64) -> bool {
        self.oldest_seq()
            .is_some_and(|oldest| oldest <= seq.saturating_add(1))
    }

    /// The held events with a seq greater than `seq`, oldest first.
    pub(crate) fn after(&self, seq: u64) -> impl Iterator<Item = &Arc<Published>> {
        let skip = self
            .oldest_seq()
            .map_or(0, |oldest| seq.saturating_add(1).saturating_sub(oldest));
        let skip = usize::try_from(skip).unwrap_or(usize::MAX);
        self.events.iter().skip(skip)
    }
}
