//! Pre-encoded traffic with its schedule: one buffer, cut at marks that say when each piece
//! is due, written as one piece (flood) or piece by piece at its time (real time).

use super::Pace;
use bytes::Bytes;
use std::time::Duration;
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::time::Instant;

/// Bytes to send and when: piece `i` is `bytes[marks[i-1].end..marks[i].end]`, due at
/// `marks[i].due` after the start of the run.
#[derive(Debug, Clone, Default)]
pub(crate) struct Paced {
    pub(crate) bytes: Bytes,
    marks: Vec<Mark>,
}

#[derive(Debug, Clone, Copy)]
struct Mark {
    due: Duration,
    end: usize,
}

/// Builds a [`Paced`]: append bytes, then cut a piece due at a time.
#[derive(Debug, Default)]
pub(crate) struct PacedBuilder {
    pub(crate) out: Vec<u8>,
    marks: Vec<Mark>,
}

impl PacedBuilder {
    pub(crate) fn with_capacity(bytes: usize) -> PacedBuilder {
        PacedBuilder {
            out: Vec::with_capacity(bytes),
            marks: Vec::new(),
        }
    }

    /// Ends the piece written since the last cut; it is due `due` after the run starts. An
    /// empty piece is dropped.
    pub(crate) fn cut(&mut self, due: Duration) {
        let start = self.marks.last().map_or(0, |mark| mark.end);
        if self.out.len() > start {
            self.marks.push(Mark {
                due,
                end: self.out.len(),
            });
        }
    }

    pub(crate) fn finish(mut self, due: Duration) -> Paced {
        self.cut(due);
        Paced {
            bytes: Bytes::from(self.out),
            marks: self.marks,
        }
    }
}

impl Paced {
    /// The pieces with their due times, in order (views of one buffer: no copy).
    pub(crate) fn pieces(&self) -> impl Iterator<Item = (Duration, Bytes)> + '_ {
        let mut start = 0;
        self.marks.iter().map(move |mark| {
            let piece = self.bytes.slice(start..mark.end);
            start = mark.end;
            (mark.due, piece)
        })
    }

    pub(crate) fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Writes everything: in [`Pace::Flood`] at once (the kernel takes it as fast as the
    /// reader reads), in [`Pace::RealTime`] each piece at its due time after `start` (late
    /// pieces go at once, so a slow reader is caught up with, not skipped).
    pub(crate) async fn write_to<W: AsyncWrite + Unpin>(
        &self,
        writer: &mut W,
        pace: Pace,
        start: Instant,
    ) -> std::io::Result<()> {
        match pace {
            Pace::Flood => writer.write_all(&self.bytes).await?,
            Pace::RealTime => {
                for (due, piece) in self.pieces() {
                    tokio::time::sleep_until(start + due).await;
                    writer.write_all(&piece).await?;
                }
            }
        }
        writer.flush().await
    }
}
