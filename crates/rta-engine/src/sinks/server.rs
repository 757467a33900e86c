//! The accept loop the TCP and SSE servers share: the listening socket, the connection
//! limit, the stop signal, and waiting for open connections to finish on shutdown.

use super::SinkError;
use crate::net::accept;
use std::future::Future;
use std::net::SocketAddr;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::task::{JoinHandle, JoinSet};
use tokio_util::sync::{CancellationToken, DropGuard};

/// A listening server: its address, its stop signal, its accept loop.
#[derive(Debug)]
pub(crate) struct Running {
    what: &'static str,
    local_addr: SocketAddr,
    stop: CancellationToken,
    accept: JoinHandle<()>,
    /// Dropping the server without `shutdown` stops it too (without waiting).
    _guard: DropGuard,
}

impl Running {
    /// Binds `listen` and serves each accepted connection with `serve`, at most
    /// `max_connections` at once (more wait in the OS backlog). `serve` gets `stop` (a clone
    /// of the token given here): on shutdown it must finish promptly.
    pub(crate) async fn start<S, Fut>(
        what: &'static str,
        listen: SocketAddr,
        max_connections: usize,
        stop: CancellationToken,
        serve: S,
    ) -> Result<Running, SinkError>
    where
        S: Fn(TcpStream, SocketAddr) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let listen_error = |source| SinkError::Listen {
            address: listen,
            source,
        };
        let listener = TcpListener::bind(listen).await.map_err(listen_error)?;
        let local_addr = listener.local_addr().map_err(listen_error)?;
        let accept = tokio::spawn(accept_loop(
            what,
            listener,
            max_connections.max(1),
            stop.clone(),
            serve,
        ));
        tracing::info!(%local_addr, server = what, "sink server listening");
        Ok(Running {
            what,
            local_addr,
            _guard: stop.clone().drop_guard(),
            stop,
            accept,
        })
    }

    pub(crate) fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Stops accepting, and waits for every open connection to finish.
    pub(crate) async fn shutdown(self) {
        self.stop.cancel();
        if let Err(error) = self.accept.await
            && error.is_panic()
        {
            std::panic::resume_unwind(error.into_panic());
        }
        tracing::info!(local_addr = %self.local_addr, server = self.what, "sink server stopped");
    }
}

async fn accept_loop<S, Fut>(
    what: &'static str,
    listener: TcpListener,
    max_connections: usize,
    stop: CancellationToken,
    serve: S,
) where
    S: Fn(TcpStream, SocketAddr) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let connections = std::sync::Arc::new(Semaphore::new(max_connections));
    let mut open = JoinSet::new();
    loop {
        let permit = tokio::select! {
            permit = connections.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
            () = stop.cancelled() => break,
        };
        let failed = |error: &std::io::Error| {
            tracing::warn!(%error, server = what, "sink server: accept failed");
        };
        let (stream, peer) = tokio::select! {
            accepted = accept(&listener, failed) => accepted,
            () = stop.cancelled() => break,
        };
        // Events are small and latency matters more than packet count.
        let _ = stream.set_nodelay(true);
        tracing::debug!(%peer, server = what, "sink server: connection accepted");
        let connection = serve(stream, peer);
        open.spawn(async move {
            let _permit = permit;
            connection.await;
        });
        // Reap finished connections so the set does not grow with the connections served.
        while open.try_join_next().is_some() {}
    }
    drop(listener);
    while let Some(result) = open.join_next().await {
        if let Err(error) = result
            && error.is_panic()
        {
            std::panic::resume_unwind(error.into_panic());
        }
    }
}
