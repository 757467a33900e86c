//! How an adapter reads a feed in bulk: the frames already buffered in a burst, then a turn
//! for the runtime's other tasks, and for the machine's other threads.
//!
//! The adapters decode on the same tokio worker threads as the sinks and the Odigo receiver.
//! Three costs showed in `benches/RESULTS.md` (`end_to_end`):
//! - **A `select!` per line.** The adapter's loop waits on its connection, its commands, its
//!   timers and its cancellation; going back through it for every line polled all of them
//!   per line. The frames the codec already holds are taken in one burst instead
//!   ([`Burst`]).
//! - **No turn for the others.** A CMS batch of 25,000 rows arrives at once and is decoded
//!   from the socket's buffer without the read ever waiting, so tokio's cooperative budget
//!   (one unit per read of 64 KiB) let a batch hold a worker for about 18 ms, and every other
//!   source's events waited that long to be written (p99 24 ms at 100,000 observations/s).
//!   After a full burst (more may be buffered) the adapter yields; a burst that ran out of
//!   ready frames does not (the adapter waits on its socket anyway), which also keeps
//!   tests on tokio's paused clock from seeing the clock jump at every read (a yielded task
//!   counts as idle there).
//! - **No core for the consumers.** While a refresh is decoded, the runtime's workers keep
//!   both cores of a small machine busy, and a consumer's thread woken by an event waits for
//!   the scheduler's next turn (milliseconds) before it can read it. After a full burst the
//!   worker thread also yields to the operating system (`sched_yield`), which runs a thread
//!   waiting for the core, if any, and returns at once otherwise.
//!
//! Short bursts and yields cost throughput: the sinks write smaller batches more often, and
//! every yield that finds a thread waiting is a context switch (a snapshot flood ran at less
//! than half its speed with them). So the pace adapts to the load, as a network card
//! moderates its interrupts. An adapter measures, over windows of [`WINDOW`], how long its
//! input was backlogged (from the start of a full burst to the start of the next one). Below
//! a quarter of a window, it takes short bursts ([`LATENCY_FRAMES`]) and yields to the operating
//! system after each; above, for the next window, long bursts ([`BATCH_FRAMES`]) without
//! yielding to the operating system. A CMS refresh (input every few seconds, decoded in tens
//! of milliseconds) is read for latency; a flood, for throughput.

use futures::{FutureExt as _, Stream, StreamExt as _};
use std::time::Duration;
use tokio::time::Instant;

/// The most frames taken in one burst while the input keeps up (about 30 us of decoding).
const LATENCY_FRAMES: usize = 32;

/// The most frames taken in one burst once the input is saturated (about 0.2 ms).
const BATCH_FRAMES: usize = 256;

/// The window over which an adapter measures how long its input was backlogged.
const WINDOW: Duration = Duration::from_millis(500);

/// One adapter's pace: how long its input was backlogged in the current window.
#[derive(Debug, Default)]
pub(crate) struct Turns {
    window_start: Option<Instant>,
    backlogged: Duration,
    /// The start of the last burst, if it was full (its input was still backlogged).
    full_burst_started: Option<Instant>,
    /// Backlogged for a quarter of the last window or more: long bursts, no yields to the
    /// operating system.
    saturated: bool,
}

impl Turns {
    /// A burst whose first frame was already taken, starting `now`.
    pub(crate) fn burst(&mut self, now: Instant) -> Burst {
        if let Some(started) = self.full_burst_started.take() {
            self.backlogged += now.saturating_duration_since(started);
        }
        let window_start = *self.window_start.get_or_insert(now);
        let window = now.saturating_duration_since(window_start);
        if window >= WINDOW {
            self.saturated = self.backlogged * 4 >= window;
            self.window_start = Some(now);
            self.backlogged = Duration::ZERO;
        }
        let frames = if self.saturated {
            BATCH_FRAMES
        } else {
            LATENCY_FRAMES
        };
        Burst {
            left: frames - 1,
            started: now,
        }
    }

    /// After `burst`: a full one (more may be buffered) gives the runtime's other tasks a
    /// turn, and the machine's other threads too unless the input is saturated.
    pub(crate) async fn end(&mut self, burst: Burst) {
        if burst.left > 0 {
            return;
        }
        self.full_burst_started = Some(burst.started);
        if !self.saturated {
            std::thread::yield_now();
        }
        tokio::task::yield_now().await;
    }

    /// Whether the next burst is long.
    #[cfg(test)]
    fn saturated(&self) -> bool {
        self.saturated
    }
}

/// The frames of a stream that are ready now, after the one the `select!` got: at most
/// [`LATENCY_FRAMES`] or [`BATCH_FRAMES`] in all, `None` as soon as reading would wait. An item
/// that ends the stream is handed out like the others (the caller handles the end as it does
/// after a `select!`).
#[derive(Debug)]
pub(crate) struct Burst {
    left: usize,
    started: Instant,
}

impl Burst {
    /// The next ready item of `stream` (`Some(None)`: the stream ended), or `None`.
    pub(crate) fn next<S: Stream + Unpin>(&mut self, stream: &mut S) -> Option<Option<S::Item>> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        stream.next().now_or_never()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::stream;

    /// Takes one burst of `stream` at `now`, as an adapter does: how many frames it took.
    async fn take<S: Stream + Unpin>(turns: &mut Turns, stream: &mut S, now: Instant) -> usize {
        let mut burst = turns.burst(now);
        let mut taken = 1;
        while let Some(Some(_)) = burst.next(stream) {
            taken += 1;
        }
        turns.end(burst).await;
        taken
    }

    /// A burst of `stream` at each of `times` (milliseconds after `start`).
    async fn bursts<S: Stream + Unpin>(
        turns: &mut Turns,
        stream: &mut S,
        start: Instant,
        times: impl IntoIterator<Item = u64>,
    ) {
        for ms in times {
            take(turns, stream, start + Duration::from_millis(ms)).await;
        }
    }

    /// The frames a burst at the end of the first window takes, after the input was
    /// backlogged for its first `backlogged_ms`.
    async fn after_a_window_backlogged_for(backlogged_ms: u64) -> usize {
        let mut turns = Turns::default();
        let mut backlog = stream::iter(0..);
        let mut few = stream::iter(0..3).chain(stream::pending());
        let start = Instant::now();
        bursts(
            &mut turns,
            &mut backlog,
            start,
            (0..backlogged_ms).step_by(10),
        )
        .await;
        let caught_up = start + Duration::from_millis(backlogged_ms);
        assert_eq!(take(&mut turns, &mut few, caught_up).await, 4);
        assert!(!turns.saturated(), "decided at the end of the window");
        take(&mut turns, &mut backlog, start + WINDOW).await
    }

    #[tokio::test(start_paused = true)]
    async fn long_bursts_after_a_window_backlogged_for_a_quarter_of_its_time() {
        assert_eq!(after_a_window_backlogged_for(120).await, LATENCY_FRAMES);
        assert_eq!(after_a_window_backlogged_for(130).await, BATCH_FRAMES);
    }

    #[tokio::test(start_paused = true)]
    async fn a_refresh_now_and_then_is_read_for_latency() {
        let mut turns = Turns::default();
        let mut backlog = stream::iter(0..);
        let start = Instant::now();
        // 100 ms of backlog every second, each ending in a short burst.
        for second in 0..3 {
            let at = second * 1_000;
            bursts(&mut turns, &mut backlog, start, (at..at + 100).step_by(5)).await;
            let mut few = stream::iter(0..3).chain(stream::pending());
            let caught_up = start + Duration::from_millis(at + 100);
            assert_eq!(take(&mut turns, &mut few, caught_up).await, 4);
            assert!(!turns.saturated());
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_quiet_window_ends_saturation() {
        let mut turns = Turns::default();
        let mut backlog = stream::iter(0..);
        let mut few = stream::iter(0..3).chain(stream::pending());
        let start = Instant::now();
        bursts(&mut turns, &mut backlog, start, (0..=500).step_by(10)).await;
        assert!(turns.saturated());
        assert_eq!(
            take(&mut turns, &mut few, start + Duration::from_millis(510)).await,
            4
        );
        assert!(turns.saturated(), "until the window ends");
        take(&mut turns, &mut few, start + Duration::from_millis(1_010)).await;
        assert!(!turns.saturated());
    }
}
