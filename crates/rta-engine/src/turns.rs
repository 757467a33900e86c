//! How an adapter reads a feed in bulk: the frames already buffered in a burst, then a turn
//! for the runtime's other tasks.
//!
//! The adapters decode on the same tokio worker threads as the sinks and the Odigo receiver.
//! Two costs showed in `benches/RESULTS.md` (`end_to_end`):
//! - **A `select!` per line.** The adapter's loop waits on its connection, its commands, its
//!   timers and its cancellation; going back through it for every line polled all of them
//!   per line. The frames the codec already holds are taken in one burst instead
//!   ([`Burst`]), up to [`FRAMES`].
//! - **No turn for the others.** A CMS batch of 25,000 rows arrives at once and is decoded
//!   from the socket's buffer without the read ever waiting, so tokio's cooperative budget
//!   (one unit per read of 64 KiB) let a batch hold a worker for about 18 ms, and every other
//!   source's events waited that long to be written (p99 24 ms at 100,000 observations/s).
//!   After a full burst (more may be buffered) the adapter yields; a burst that ran out of
//!   ready frames does not (the adapter waits on its socket anyway), which also keeps
//!   tests on tokio's paused clock from seeing the clock jump at every read (a yielded task
//!   counts as idle there).

use futures::{FutureExt as _, Stream, StreamExt as _};

/// The most frames taken in one burst (about 0.2 ms of decoding).
pub(crate) const FRAMES: usize = 256;

/// The frames of a stream that are ready now, after the one the `select!` got: at most
/// [`FRAMES`] in all, `None` as soon as reading would wait. An item that ends the stream is
/// handed out like the others (the caller handles the end as it does after a `select!`).
#[derive(Debug)]
pub(crate) struct Burst {
    left: usize,
}

impl Burst {
    /// A burst whose first frame was already taken.
    pub(crate) fn after_first() -> Burst {
        Burst { left: FRAMES - 1 }
    }

    /// The next ready item of `stream` (`Some(None)`: the stream ended), or `None`.
    pub(crate) fn next<S: Stream + Unpin>(&mut self, stream: &mut S) -> Option<Option<S::Item>> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        stream.next().now_or_never()
    }
}

impl Burst {
    /// After the burst: gives the runtime's other tasks a turn if it took all [`FRAMES`].
    pub(crate) async fn end(self) {
        if self.left == 0 {
            tokio::task::yield_now().await;
        }
    }
}
