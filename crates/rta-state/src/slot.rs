//! One agent's status in a seqlock built from atomics: readers never lock and never block the
//! writer; a reader that overlaps a write retries.
//!
//! The protocol (Boehm, "Can seqlocks get along with programming language memory models?",
//! 2012): the writer makes the version odd, publishes with a release fence, stores the words,
//! and makes the version even again with a release store; a reader loads the version with
//! acquire, loads the words, issues an acquire fence, and accepts the words only if the
//! version is unchanged and even. Every word is an atomic, so no read is ever a data race: a
//! torn read is only ever discarded, never seen. Writers take the odd version with a
//! compare-and-swap, so even two writers of one slot (which sharding rules out) stay correct.

use std::sync::atomic::{AtomicU64, Ordering, fence};

/// How many 64-bit words a status packs into.
pub(crate) const WORDS: usize = 5;

/// A packed status, as stored.
pub(crate) type Packed = [u64; WORDS];

#[derive(Debug, Default)]
pub(crate) struct Slot {
    version: AtomicU64,
    words: [AtomicU64; WORDS],
}

impl Slot {
    /// A consistent copy of the words.
    pub(crate) fn read(&self) -> Packed {
        self.read_versioned().1
    }

    /// The slot's version: it changes with every write, so an unchanged version means the
    /// words read before are still the slot's.
    pub(crate) fn version(&self) -> u64 {
        self.version.load(Ordering::Acquire)
    }

    /// A consistent copy of the words, with the version they belong to.
    pub(crate) fn read_versioned(&self) -> (u64, Packed) {
        loop {
            let before = self.version.load(Ordering::Acquire);
            if before % 2 == 1 {
                std::hint::spin_loop();
                continue;
            }
            let words = std::array::from_fn(|i| self.words[i].load(Ordering::Relaxed));
            fence(Ordering::Acquire);
            if self.version.load(Ordering::Relaxed) == before {
                return (before, words);
            }
        }
    }

    /// Replaces the words with what `change` makes of them; returns the previous and new words.
    /// `change` returns `None` to leave the slot untouched (no version bump).
    pub(crate) fn write(
        &self,
        change: impl FnOnce(&Packed) -> Option<Packed>,
    ) -> Option<(Packed, Packed)> {
        let version = loop {
            let version = self.version.load(Ordering::Relaxed);
            if version % 2 == 0
                && self
                    .version
                    .compare_exchange_weak(
                        version,
                        version + 1,
                        Ordering::Acquire,
                        Ordering::Relaxed,
                    )
                    .is_ok()
            {
                break version;
            }
            std::hint::spin_loop();
        };
        fence(Ordering::Release);
        let current: Packed = std::array::from_fn(|i| self.words[i].load(Ordering::Relaxed));
        let result = change(&current).map(|next| {
            for (word, value) in self.words.iter().zip(next) {
                word.store(value, Ordering::Relaxed);
            }
            (current, next)
        });
        // Untouched words leave the version where it was: readers need not retry.
        let done = if result.is_some() {
            version + 2
        } else {
            version
        };
        self.version.store(done, Ordering::Release);
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn reads_are_never_torn_under_a_busy_writer() {
        let slot = Arc::new(Slot::default());
        let writer = {
            let slot = Arc::clone(&slot);
            std::thread::spawn(move || {
                for n in 1..=200_000u64 {
                    slot.write(|_| Some([n; WORDS]));
                }
            })
        };
        let readers: Vec<_> = (0..3)
            .map(|_| {
                let slot = Arc::clone(&slot);
                std::thread::spawn(move || {
                    let mut last = 0;
                    while last < 200_000 {
                        let words = slot.read();
                        assert!(words.iter().all(|&w| w == words[0]), "torn read {words:?}");
                        assert!(words[0] >= last, "went back from {last} to {}", words[0]);
                        last = words[0];
                    }
                })
            })
            .collect();
        writer.join().unwrap();
        for reader in readers {
            reader.join().unwrap();
        }
    }

    #[test]
    fn two_writers_lose_no_update() {
        let slot = Arc::new(Slot::default());
        let writers: Vec<_> = (0..2)
            .map(|_| {
                let slot = Arc::clone(&slot);
                std::thread::spawn(move || {
                    for _ in 0..100_000 {
                        slot.write(|words| Some([words[0] + 1; WORDS]));
                    }
                })
            })
            .collect();
        for writer in writers {
            writer.join().unwrap();
        }
        assert_eq!(slot.read(), [200_000; WORDS]);
    }
}
