//! NDJSON: one JSON object per line, to stdout, a file, or any async writer.

use super::SinkError;
use super::wire::{Feed, Ndjson, pump};
use crate::bus::{Bus, SubscribeError, SubscribeOptions};
use std::path::Path;
use tokio::io::AsyncWrite;
use tokio::task::JoinHandle;
use tokio_util::sync::{CancellationToken, DropGuard};

/// A running NDJSON sink: a task writing one bus subscription to a writer.
///
/// Lines: each event is [`Event::to_json`](rta_model::Event::to_json); a consumer that did
/// not keep up gets a `{"type":"lagged","missed":N}` line, then a
/// `{"type":"snapshot","as_of":S,"events":K}` line and the `K` `agent_status` lines of the
/// snapshot (see [`Control`](super::Control)). Each batch of deliveries available at once is
/// written and flushed together.
///
/// Dropping it stops it too (the task drains and flushes on its own, unawaited).
#[derive(Debug)]
pub struct NdjsonSink {
    stop: CancellationToken,
    task: JoinHandle<Result<(), SinkError>>,
    _guard: DropGuard,
}

impl NdjsonSink {
    /// Subscribes to `bus` with `options` and writes to `writer` until shut down, the bus
    /// closes, or a write fails. Must be called within a tokio runtime.
    pub fn spawn<W>(
        bus: &Bus,
        options: SubscribeOptions,
        writer: W,
    ) -> Result<NdjsonSink, SubscribeError>
    where
        W: AsyncWrite + Send + Unpin + 'static,
    {
        let subscription = bus.subscribe_async(options)?;
        let stop = CancellationToken::new();
        let subscriber = subscription.id();
        let mut feed = Feed::new(subscription, Ndjson, stop.clone());
        let task = tokio::spawn(async move {
            let mut writer = writer;
            // No write time-out: stdout piped into a pager, or a slow disk, may stall for a
            // while and the bus lags the sink meanwhile; nothing better is possible for them.
            let result = pump(&mut feed, &mut writer, None).await;
            match &result {
                Ok(()) => tracing::debug!(subscriber, "NDJSON sink stopped"),
                Err(error) => tracing::error!(subscriber, %error, "NDJSON sink failed"),
            }
            result
        });
        tracing::info!(subscriber, "NDJSON sink started");
        Ok(NdjsonSink {
            _guard: stop.clone().drop_guard(),
            stop,
            task,
        })
    }

    /// An NDJSON sink on the process's standard output.
    pub fn stdout(bus: &Bus, options: SubscribeOptions) -> Result<NdjsonSink, SubscribeError> {
        NdjsonSink::spawn(bus, options, tokio::io::stdout())
    }

    /// An NDJSON sink appending to `path` (created if missing): a restart continues the file.
    pub async fn append_to(
        path: impl AsRef<Path>,
        bus: &Bus,
        options: SubscribeOptions,
    ) -> Result<NdjsonSink, SinkError> {
        let path = path.as_ref();
        let file = tokio::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(path)
            .await
            .map_err(|source| SinkError::Open {
                path: path.to_path_buf(),
                source,
            })?;
        tracing::info!(path = %path.display(), "NDJSON sink appends to a file");
        Ok(NdjsonSink::spawn(bus, options, file)?)
    }

    /// Whether the sink has ended (shut down, the bus closed, or a write failed).
    pub fn is_finished(&self) -> bool {
        self.task.is_finished()
    }

    /// Writes what was already delivered to the subscription, flushes, and stops. Returns the
    /// error that ended the sink early, if one did.
    pub async fn shutdown(self) -> Result<(), SinkError> {
        self.stop.cancel();
        match self.task.await {
            Ok(result) => result,
            Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
            // Only a runtime shutting down cancels the task: nothing is left to wait for.
            Err(_) => Ok(()),
        }
    }
}
