//! What every server of the engine and of `rtad` does the same way: taking the next
//! connection despite transient accept errors, and serving one HTTP/1 connection until a
//! stop signal, then shutting it down gracefully.

use hyper::body::{Body, Incoming};
use hyper::rt::{Read, Write};
use hyper::server::conn::http1;
use hyper::service::HttpService;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::error::Error;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};

/// How long a server waits after a failed accept before it tries again.
const ACCEPT_RETRY: Duration = Duration::from_millis(100);

/// The next connection of `listener`. A failed accept (out of file descriptors and the
/// like) is given to `failed` (to log it as the server does), then retried after a pause
/// instead of spinning: a server never stops accepting by itself.
pub async fn accept(
    listener: &TcpListener,
    failed: impl Fn(&io::Error),
) -> (TcpStream, SocketAddr) {
    loop {
        match listener.accept().await {
            Ok(accepted) => return accepted,
            Err(error) => {
                failed(&error);
                tokio::time::sleep(ACCEPT_RETRY).await;
            }
        }
    }
}

/// Serves one HTTP/1 connection with `service` (a request's header must come within
/// `header_read_timeout`) until the client ends it or `stop` completes. On `stop` the
/// connection shuts down gracefully: the response in progress completes (a stream when its
/// output ends), for at most `drain` if given. `None`: `drain` ran out first, the connection
/// was dropped.
pub async fn serve_http1<I, S>(
    io: I,
    service: S,
    header_read_timeout: Duration,
    stop: impl Future<Output = ()>,
    drain: Option<Duration>,
) -> Option<hyper::Result<()>>
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    TokioIo<I>: Read + Write,
    S: HttpService<Incoming>,
    S::Error: Into<Box<dyn Error + Send + Sync>>,
    S::ResBody: 'static,
    <S::ResBody as Body>::Error: Into<Box<dyn Error + Send + Sync>>,
{
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(header_read_timeout);
    let connection = builder.serve_connection(TokioIo::new(io), service);
    tokio::pin!(connection);
    tokio::select! {
        result = connection.as_mut() => Some(result),
        () = stop => {
            connection.as_mut().graceful_shutdown();
            match drain {
                Some(drain) => tokio::time::timeout(drain, connection).await.ok(),
                None => Some(connection.await),
            }
        }
    }
}
