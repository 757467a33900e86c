//! The TCP server streaming MessagePack frames: a hello line in, length-prefixed frames out.

use super::request::{RequestError, StreamRequest};
use super::server::Running;
use super::wire::{Control, Feed, Msgpack, pump};
use super::{ServerConfig, SinkError};
use crate::bus::Bus;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio_util::sync::CancellationToken;

/// A running TCP MessagePack server: any number of consumers, each its own bus
/// subscription. See the [module docs](super) for the protocol.
#[derive(Debug)]
pub struct MsgpackServer {
    running: Running,
}

impl MsgpackServer {
    /// Listens on `listen` with the default [`ServerConfig`].
    pub async fn start(listen: SocketAddr, bus: Bus) -> Result<MsgpackServer, SinkError> {
        MsgpackServer::start_with(ServerConfig::new(listen), bus).await
    }

    /// Listens on `config.listen`.
    pub async fn start_with(config: ServerConfig, bus: Bus) -> Result<MsgpackServer, SinkError> {
        let config = Arc::new(config);
        let stop = CancellationToken::new();
        let serve = {
            let stop = stop.clone();
            let config = config.clone();
            move |stream, peer| serve(stream, peer, bus.clone(), config.clone(), stop.clone())
        };
        let running = Running::start(
            "msgpack",
            config.listen,
            config.max_connections,
            stop,
            serve,
        )
        .await?;
        Ok(MsgpackServer { running })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.running.local_addr()
    }

    /// Stops accepting; every connected consumer gets what was already delivered to its
    /// subscription (each within [`ServerConfig::write_timeout`]), then the connection is
    /// closed (EOF). Returns once all connections are closed.
    pub async fn shutdown(self) {
        self.running.shutdown().await;
    }
}

/// One consumer: its hello, then its frames until the stop, its close, or a write error.
async fn serve(
    stream: TcpStream,
    peer: SocketAddr,
    bus: Bus,
    config: Arc<ServerConfig>,
    stop: CancellationToken,
) {
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    let hello = tokio::select! {
        () = stop.cancelled() => return,
        hello = tokio::time::timeout(config.hello_timeout, read_hello(&mut read, config.max_hello_bytes)) => hello,
    };
    let request = match hello {
        Ok(Ok(Some(line))) => StreamRequest::from_hello(&line),
        Ok(Ok(None)) => {
            tracing::debug!(%peer, "msgpack sink: closed before a hello");
            return;
        }
        Ok(Err(error)) => Err(error),
        Err(_) => Err(RequestError::HelloTimeout(config.hello_timeout)),
    };
    let subscription = request.and_then(|request| {
        let resume_from = request.resume_from;
        let subscription = bus.subscribe_async(request.options(config.capacity))?;
        tracing::info!(%peer, subscriber = subscription.id(), ?resume_from, "msgpack sink: consumer subscribed");
        Ok(subscription)
    });
    let (subscription, answer) = match subscription {
        Ok(subscription) => (Some(subscription), Control::Subscribed),
        Err(error) => {
            tracing::info!(%peer, %error, "msgpack sink: hello refused");
            let message = error.to_string();
            (None, Control::Error { message })
        }
    };
    let answered = match Msgpack::control(&answer) {
        Ok(frame) => write_frame(&mut write, &frame, &config).await,
        Err(error) => Err(error),
    };
    if let Err(error) = answered {
        tracing::debug!(%peer, %error, "msgpack sink: could not answer the hello");
        return;
    }
    let Some(subscription) = subscription else {
        // The error frame is the whole answer. Closing with unread input (the rest of a long
        // hello) would reset the connection and could destroy the frame before the consumer
        // reads it: send EOF, then wait (bounded) for the consumer to close its side.
        let _ = write.shutdown().await;
        let _ = tokio::time::timeout(config.hello_timeout, closed_by_consumer(read)).await;
        return;
    };
    let subscriber = subscription.id();
    let mut feed = Feed::new(subscription, Msgpack, stop);
    let result = tokio::select! {
        result = pump(&mut feed, &mut write, Some(config.write_timeout)) => result,
        () = closed_by_consumer(read) => {
            tracing::debug!(%peer, subscriber, "msgpack sink: consumer closed the connection");
            return;
        }
    };
    match result {
        Ok(()) => {
            let _ = write.shutdown().await;
            tracing::debug!(%peer, subscriber, "msgpack sink: connection closed after draining");
        }
        Err(error) => tracing::info!(%peer, subscriber, %error, "msgpack sink: consumer dropped"),
    }
}

async fn write_frame(
    write: &mut OwnedWriteHalf,
    frame: &[u8],
    config: &ServerConfig,
) -> Result<(), SinkError> {
    tokio::time::timeout(config.write_timeout, write.write_all(frame))
        .await
        .map_err(|_| SinkError::WriteStalled(config.write_timeout))?
        .map_err(SinkError::Write)
}

/// Reads the hello line (the `\n` may be missing only if it would be byte `limit + 1`).
/// `Ok(None)`: the consumer closed without sending anything.
async fn read_hello<R>(read: &mut R, limit: usize) -> Result<Option<Vec<u8>>, RequestError>
where
    R: AsyncBufRead + Unpin,
{
    let mut line = Vec::new();
    // One byte more than the limit, to tell "exactly at the limit" from "over it".
    let taken = (&mut *read)
        .take(limit as u64 + 1)
        .read_until(b'\n', &mut line)
        .await
        .map_err(|_| RequestError::HelloIncomplete)?;
    match line.last() {
        _ if taken == 0 => Ok(None),
        Some(b'\n') => Ok(Some(line)),
        _ if line.len() > limit => Err(RequestError::HelloTooLong { limit }),
        _ => Err(RequestError::HelloIncomplete),
    }
}

/// Reads and discards anything the consumer sends after its hello, and returns when it
/// closes (or resets) the connection, so a quiet subscription is not kept for a gone
/// consumer until the next event fails to be written. A half-close looks the same as a
/// close from here, so it ends the stream too (documented).
async fn closed_by_consumer(mut read: BufReader<OwnedReadHalf>) {
    let mut scratch = [0u8; 1024];
    while let Ok(1..) = read.read(&mut scratch).await {}
}
