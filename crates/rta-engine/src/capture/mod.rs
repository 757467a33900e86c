//! # Capture: every raw input record, for support and for replay
//!
//! With capture on ([`EngineBuilder::capture`](crate::engine::EngineBuilder::capture)), each
//! adapter hands every raw input record it decodes to a [`Capture`], which writes it as one
//! line of a text file:
//!
//! ```text
//! <receive time RFC 3339>\t<integration>\t<payload>
//! 2026-11-23T07:58:00Z→cms-paris→F0|2026-11-23 07:58:00
//! 2026-11-23T07:58:00Z→cms-paris→F1|1|40101|51001|OTHER||||0|0
//! ```
//! (`→` stands for a tab.)
//!
//! - **payload**: an Avaya CMS line or a CIC line without its line end, or an Odigo request
//!   body (the whole body on one line), escaped as [`format`] says (tabs, line ends,
//!   backslashes, and bytes that are not UTF-8 as `\xHH`), so that any input reads back byte
//!   for byte ([`parse_line`]).
//! - **integration**: the integration's name; for a CIC integration, `name@server` (the
//!   server as the integration's `servers` list writes it, [`cic_label`]): each server's
//!   feed is its own stream with its own snapshots, and in failover mode the server that
//!   fed tells when the connection moved. A CIC record labelled with the bare name is taken
//!   as its first server's.
//! - **time**: when the engine received the record, from the engine's clock: the replay's
//!   virtual clock follows it ([`crate::replay`]).
//! - Lines starting with `#` and blank lines are comments (a capture made by the engine has
//!   none; hand-written test captures may explain themselves).
//!
//! What is recorded: the Avaya lines the listener read (a line over the length limit is cut
//! by the codec and recorded as nothing), the CIC frames the decoder got, and the Odigo
//! bodies the receiver **accepted** (decoded and taken into the pipeline: a `503`, a `400`
//! for a body that does not decode, a `404` are not inputs). Connections opening and closing,
//! pauses and resumes are not records.
//!
//! ## Cost and back-pressure
//! The adapters hold an `Option<Arc<Capture>>`: with capture off a record costs a branch and
//! nothing is allocated. With capture on, a record is formatted into one buffer on the
//! adapter's task and sent through a bounded channel ([`Capture::DEFAULT_QUEUE`] lines) to a
//! writer task. **A full channel drops the record**, counts it ([`CaptureStats::dropped`]) and
//! logs a warning (the first drop, then every 1,024th): the adapters feed the live engine,
//! and a slow disk must not stall the CMS socket or make Odigo's requests time out. A
//! capture with drops is incomplete and says so ([`Capture::finish`] logs the total); its
//! replay is not the live run.

mod format;
mod reader;

pub use format::{
    EscapeProblem, Field, LineError, Record, escape, parse_line, unescape, write_line,
};
pub use reader::{ReadError, Reader};

use rta_model::Timestamp;
use std::io;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use tokio::io::{AsyncWrite, AsyncWriteExt, BufWriter};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

/// The capture label of a CIC server's records: `name@server`, the server as the
/// integration's `servers` list writes it.
pub fn cic_label(integration: &str, server: &str) -> String {
    format!("{integration}@{server}")
}

/// Counts of a capture.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CaptureStats {
    /// Lines written.
    pub written: u64,
    /// Records dropped: the channel was full, or the capture was finished.
    pub dropped: u64,
}

/// A capture could not start or finish.
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    #[error("cannot open the capture file {path:?}: {source}")]
    Open {
        path: std::path::PathBuf,
        source: io::Error,
    },
    #[error("writing the capture failed: {0}")]
    Write(#[source] io::Error),
    #[error("a capture must be started inside a tokio runtime")]
    NoRuntime,
}

/// Where the adapters send their raw input (module docs). Share it as `Arc<Capture>`.
#[derive(Debug)]
pub struct Capture {
    lines: mpsc::Sender<Vec<u8>>,
    dropped: AtomicU64,
    written: Arc<AtomicU64>,
    /// Taken by the first [`Capture::finish`].
    writer: Mutex<Option<Writer>>,
}

/// The writer task and what stops it.
type Writer = (oneshot::Sender<()>, JoinHandle<io::Result<()>>);

impl Capture {
    /// Lines queued for the writer task at most; more are dropped (module docs).
    pub const DEFAULT_QUEUE: usize = 65_536;

    /// Captures to the file at `path`, created or truncated (one capture, one run).
    pub async fn to_file(path: impl AsRef<Path>) -> Result<Arc<Capture>, CaptureError> {
        let path = path.as_ref();
        let file = tokio::fs::File::create(path)
            .await
            .map_err(|source| CaptureError::Open {
                path: path.to_owned(),
                source,
            })?;
        Capture::to_writer(file, Capture::DEFAULT_QUEUE)
    }

    /// Captures to `writer`, with a queue of `queue` lines (at least 1).
    pub fn to_writer(
        writer: impl AsyncWrite + Send + Unpin + 'static,
        queue: usize,
    ) -> Result<Arc<Capture>, CaptureError> {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| CaptureError::NoRuntime)?;
        let (lines, receiver) = mpsc::channel(queue.max(1));
        let (stop, stopped) = oneshot::channel();
        let written = Arc::new(AtomicU64::new(0));
        let task = runtime.spawn(write_lines(
            BufWriter::new(writer),
            receiver,
            stopped,
            written.clone(),
        ));
        Ok(Arc::new(Capture {
            lines,
            dropped: AtomicU64::new(0),
            written,
            writer: Mutex::new(Some((stop, task))),
        }))
    }

    /// Records one raw input of `integration` received at `received`. Never blocks: a full
    /// queue drops it (module docs).
    pub fn record(&self, received: Timestamp, integration: &str, payload: &[u8]) {
        // Escaping adds little to most lines; a few bytes of room spare a reallocation.
        let mut line = Vec::with_capacity(40 + integration.len() + payload.len() + 16);
        write_line(&mut line, received, integration, payload);
        if self.lines.try_send(line).is_err() {
            let dropped = self.dropped.fetch_add(1, Ordering::Relaxed) + 1;
            if dropped % 1_024 == 1 {
                tracing::warn!(
                    integration,
                    dropped,
                    "capture queue full (the disk is slower than the feeds): records dropped, \
                     the capture is incomplete"
                );
            }
        }
    }

    /// The counts so far.
    pub fn stats(&self) -> CaptureStats {
        CaptureStats {
            written: self.written.load(Ordering::Relaxed),
            dropped: self.dropped.load(Ordering::Relaxed),
        }
    }

    /// Writes what is queued, flushes and stops the writer; later records are dropped.
    /// Finishing twice does nothing more.
    pub async fn finish(&self) -> Result<CaptureStats, CaptureError> {
        let writer = self
            .writer
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some((stop, task)) = writer {
            let _ = stop.send(());
            match task.await {
                Ok(result) => result.map_err(CaptureError::Write)?,
                Err(error) => {
                    return Err(CaptureError::Write(io::Error::other(error.to_string())));
                }
            }
            let stats = self.stats();
            if stats.dropped > 0 {
                tracing::warn!(
                    written = stats.written,
                    dropped = stats.dropped,
                    "capture finished incomplete"
                );
            } else {
                tracing::info!(written = stats.written, "capture finished");
            }
        }
        Ok(self.stats())
    }
}

/// The writer task: lines in queue order; flushed whenever the queue is empty, so the file
/// is current while the engine idles; at `stop`, what is queued is written and flushed.
async fn write_lines(
    mut out: BufWriter<impl AsyncWrite + Unpin>,
    mut lines: mpsc::Receiver<Vec<u8>>,
    mut stop: oneshot::Receiver<()>,
    written: Arc<AtomicU64>,
) -> io::Result<()> {
    let mut stopping = false;
    loop {
        let line = if stopping {
            lines.recv().await
        } else {
            tokio::select! {
                line = lines.recv() => line,
                _ = &mut stop => {
                    // No more lines are taken; those queued are still written.
                    stopping = true;
                    lines.close();
                    continue;
                }
            }
        };
        let Some(line) = line else { break };
        out.write_all(&line).await?;
        written.fetch_add(1, Ordering::Relaxed);
        if lines.is_empty() {
            out.flush().await?;
        }
    }
    out.flush().await?;
    out.shutdown().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn records_are_written_in_order_and_a_full_queue_drops() {
        let (client, mut server) = tokio::io::duplex(1 << 16);
        let capture = Capture::to_writer(client, 4).unwrap();
        let at: Timestamp = "2026-11-23T08:00:00Z".parse().unwrap();
        // The writer task cannot run before this test yields: a queue of 4 takes 4.
        for index in 0..6u8 {
            capture.record(at, "cms", &[b'0' + index]);
        }
        let stats = capture.finish().await.unwrap();
        assert_eq!(
            stats,
            CaptureStats {
                written: 4,
                dropped: 2
            }
        );
        capture.record(at, "cms", b"late");
        assert_eq!(capture.finish().await.unwrap().dropped, 3);
        let mut text = String::new();
        tokio::io::AsyncReadExt::read_to_string(&mut server, &mut text)
            .await
            .unwrap();
        assert_eq!(
            text,
            "2026-11-23T08:00:00Z\tcms\t0\n2026-11-23T08:00:00Z\tcms\t1\n\
             2026-11-23T08:00:00Z\tcms\t2\n2026-11-23T08:00:00Z\tcms\t3\n"
        );
    }
}
