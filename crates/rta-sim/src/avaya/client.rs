//! The async shell: streams a simulator's batches to a receiver over TCP, as the CMS
//! rt_socket module does (it connects out to the receiver, writes, never reads, and
//! reconnects by itself).

use crate::avaya::error::SimError;
use crate::avaya::sim::{AvayaSim, Write};
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::time::Instant;

/// How [`stream`] paces and connects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamOptions {
    /// Real time between batches (CMS: 3 to 15 s); zero sends them as fast as the receiver
    /// reads, for tests. The simulator's virtual clock advances by its own refresh either way.
    pub interval: Duration,
    /// Stop after this many batches; `None` streams until cancelled.
    pub batches: Option<u64>,
    /// Connection attempts in a row before giving up; `None` tries forever.
    pub connect_attempts: Option<u32>,
    /// The first wait after a failed connection attempt; it doubles up to `max_backoff`.
    pub backoff: Duration,
    pub max_backoff: Duration,
}

impl StreamOptions {
    /// A batch every `interval`, forever, retrying connections forever (250 ms to 10 s).
    pub fn new(interval: Duration) -> Self {
        StreamOptions {
            interval,
            batches: None,
            connect_attempts: None,
            backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(10),
        }
    }

    /// `batches` batches back to back, for tests: no pacing, a few quick connection attempts.
    pub fn immediate(batches: u64) -> Self {
        StreamOptions {
            interval: Duration::ZERO,
            batches: Some(batches),
            connect_attempts: Some(5),
            backoff: Duration::from_millis(20),
            max_backoff: Duration::from_millis(200),
        }
    }
}

/// What [`stream`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StreamReport {
    pub batches: u64,
    /// Connections opened (the receiver sees as many).
    pub connections: u64,
    /// Connections dropped on purpose (the disconnect fault).
    pub disconnects: u64,
    pub bytes: u64,
    /// Writes the peer refused (the connection is then dropped); the ground truth assumes
    /// none.
    pub write_failures: u64,
}

/// Streams `sim`'s batches to `addr` (`host:port`), then ends the stream
/// ([`AvayaSim::finish`]) and closes the connection.
///
/// Each batch is written as the simulator cut it (split writes hand the receiver partial
/// lines); a planned disconnect closes the connection and the next batch opens a new one.
/// Connection attempts are retried with back-off; a write error drops the connection, is
/// counted, and the next batch reconnects.
pub async fn stream(
    sim: &mut AvayaSim,
    addr: &str,
    options: &StreamOptions,
) -> Result<StreamReport, SimError> {
    let started = Instant::now();
    let mut report = StreamReport::default();
    let mut connection: Option<TcpStream> = None;
    while options.batches.is_none_or(|limit| report.batches < limit) {
        if !options.interval.is_zero() && report.batches > 0 {
            let ticks = u32::try_from(report.batches).unwrap_or(u32::MAX);
            tokio::time::sleep_until(started + options.interval.saturating_mul(ticks)).await;
        }
        let batch = sim.next_batch();
        report.batches += 1;
        let mut socket = match connection.take() {
            Some(socket) => socket,
            None => {
                let socket = connect(addr, options).await?;
                report.connections += 1;
                socket
            }
        };
        let split = batch.writes.len() > 1;
        let mut open = true;
        for write in batch.writes {
            match write {
                Write::Data(data) => {
                    if let Err(error) = socket.write_all(&data).await {
                        tracing::warn!(%addr, %error, batch = batch.number, "write failed, reconnecting");
                        report.write_failures += 1;
                        open = false;
                        break;
                    }
                    report.bytes += data.len() as u64;
                    if split {
                        // Let the receiver read the partial line before the rest comes.
                        tokio::task::yield_now().await;
                    }
                }
                Write::Disconnect => {
                    let _ = socket.shutdown().await;
                    report.disconnects += 1;
                    open = false;
                    tracing::debug!(%addr, batch = batch.number, "disconnected mid-batch");
                }
            }
        }
        if open {
            connection = Some(socket);
        }
        tracing::trace!(batch = batch.number, time = %batch.time, "batch sent");
    }
    sim.finish();
    if let Some(mut socket) = connection {
        let _ = socket.shutdown().await;
    }
    Ok(report)
}

async fn connect(addr: &str, options: &StreamOptions) -> Result<TcpStream, SimError> {
    let mut delay = options.backoff;
    let mut attempts = 0;
    loop {
        attempts += 1;
        match TcpStream::connect(addr).await {
            Ok(socket) => {
                // Small writes go out as written, so split writes reach the receiver split.
                let _ = socket.set_nodelay(true);
                tracing::info!(%addr, attempts, "connected");
                return Ok(socket);
            }
            Err(source) if options.connect_attempts.is_some_and(|max| attempts >= max) => {
                return Err(SimError::Connect {
                    addr: addr.to_owned(),
                    attempts,
                    source,
                });
            }
            Err(error) => {
                tracing::warn!(%addr, attempts, %error, ?delay, "connection failed, retrying");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(options.max_backoff);
            }
        }
    }
}
