//! Counters that tasks bump without locks and callers read as one plain struct.

use std::sync::atomic::{AtomicU64, Ordering};

/// Declares a public statistics struct of `u64` counts (what callers read, `Copy`) and its
/// live counterpart of `AtomicU64`s (what the tasks add to), whose `snapshot()` reads them
/// all. Each count is read on its own: a snapshot taken while tasks count is not one
/// instant, which counters do not need.
macro_rules! counters {
    (
        $(#[$meta:meta])*
        pub struct $stats:ident, live $live:ident {
            $( $(#[$field_meta:meta])* $field:ident ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
        pub struct $stats {
            $( $(#[$field_meta])* pub $field: u64, )*
        }

        #[derive(Debug, Default)]
        pub(crate) struct $live {
            $( pub(crate) $field: std::sync::atomic::AtomicU64, )*
        }

        impl $live {
            pub(crate) fn snapshot(&self) -> $stats {
                $stats {
                    $( $field: self.$field.load(std::sync::atomic::Ordering::Relaxed), )*
                }
            }
        }
    };
}
pub(crate) use counters;

/// Adds `n` to a live count.
pub(crate) fn add(counter: &AtomicU64, n: u64) {
    // Most per-line counts are 0 (no batch ended, nothing cut off): no locked add for them.
    if n != 0 {
        counter.fetch_add(n, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    counters! {
        /// Two counts.
        pub struct Seen, live LiveSeen {
            /// The first.
            first,
            second,
        }
    }

    #[test]
    fn a_snapshot_reads_every_count() {
        let live = LiveSeen::default();
        add(&live.first, 2);
        add(&live.second, 5);
        add(&live.first, 1);
        assert_eq!(
            live.snapshot(),
            Seen {
                first: 3,
                second: 5
            }
        );
    }
}
