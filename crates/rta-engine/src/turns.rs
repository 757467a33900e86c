//! Turns on the runtime's threads for the latency-bound tasks while a feed is decoded in bulk.
//!
//! The adapters decode on the same tokio worker threads as the sinks and the Odigo receiver.
//! A CMS batch of 25,000 rows arrives at once and is decoded from the socket's buffer without
//! the read ever waiting, so tokio's cooperative budget (one unit per read of 64 KiB) lets a
//! batch run for about 18 ms before another task gets the thread: the events of every other
//! source waited that long to be written (`benches/RESULTS.md`, `end_to_end`: p99 24 ms at
//! 100,000 observations/s). An adapter now yields every [`FRAMES`] frames (about 0.2 ms of
//! decoding), which costs a yield (a few hundred nanoseconds) per [`FRAMES`] frames.

/// Frames decoded between two turns given away.
pub(crate) const FRAMES: u32 = 256;

/// Counts an adapter's frames and yields every [`FRAMES`].
#[derive(Debug)]
pub(crate) struct Turns {
    left: u32,
}

impl Default for Turns {
    fn default() -> Turns {
        Turns { left: FRAMES }
    }
}

impl Turns {
    /// Counts one frame; every [`FRAMES`]th gives the runtime's other tasks a turn.
    pub(crate) async fn frame(&mut self) {
        self.left -= 1;
        if self.left == 0 {
            self.left = FRAMES;
            tokio::task::yield_now().await;
        }
    }
}
