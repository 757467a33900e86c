//! Starting the listener of one Avaya integration, and the handle that pauses, resumes and
//! stops it.

use super::config::AvayaConfig;
use super::feed::{self, Command, Shared};
use crate::adapter::Adapter;
use crate::counters::counters;
use rta_model::{FeedHealth, Name};
use rta_state::StateError;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

counters! {
    /// What the listener of one integration did so far.
    pub struct AvayaStats, live LiveStats {
        /// Connections accepted and read (the allow-list passed).
        connections,
        /// Lines read.
        lines,
        /// Agent rows decoded.
        agent_rows,
        /// Agent status changes the decoder found (each applied to the table).
        status_changes,
        /// Connections closed at once: the peer is not in the allow-list.
        refused_peers,
        /// Open connections replaced by a newer one.
        replaced,
        /// Input the decoder skipped: bad rows, lines that are no record, over-long lines.
        rejected_lines,
        /// Batches completed by their trailer.
        batches_completed,
        /// Batches cut off (by a disconnect, a replacement, a pause or the next `F0`).
        batches_cut_off,
        /// Split/skill rows decoded and not published: the [`Publisher`](crate::Publisher)
        /// carries agent statuses and feed health only.
        queue_updates,
    }
}

/// The listener could not start, or resume.
#[derive(Debug, thiserror::Error)]
pub enum ListenerError {
    /// Binding failed: with [`io::ErrorKind::AddrInUse`], another integration or process
    /// holds the port.
    #[error("Avaya integration {name:?} cannot listen on {address}: {source}")]
    Listen {
        name: Name,
        address: SocketAddr,
        source: io::Error,
    },
    #[error("Avaya integration {name:?}: {error}")]
    State { name: Name, error: StateError },
    #[error("the Avaya listener must be started inside a tokio runtime")]
    NoRuntime,
    /// The listener's task is gone (it panicked).
    #[error("the Avaya listener of {0:?} has stopped")]
    Stopped(Name),
}

/// Starts the listener of one Avaya integration ([`AvayaListener::spawn`]): the builder the
/// adapters share ([`Adapter::new`], [`Adapter::clock`], [`Adapter::capture`]).
pub type AvayaListener = Adapter<AvayaConfig>;

impl AvayaListener {
    /// Binds [`AvayaConfig::listen`] now, so that a port already taken is this call's
    /// error, then serves it on a task of the current tokio runtime until
    /// [`AvayaHandle::shutdown`] or the handle is dropped.
    pub fn spawn(self) -> Result<AvayaHandle, ListenerError> {
        let Adapter {
            config,
            table,
            publisher,
            clock,
            capture,
            shards,
        } = self;
        if let Err(error) = table.members(config.assembler.integration) {
            return Err(ListenerError::State {
                name: config.name,
                error,
            });
        }
        let runtime =
            tokio::runtime::Handle::try_current().map_err(|_| ListenerError::NoRuntime)?;
        let listener = bind(&config.name, config.listen)?;
        // The port actually bound (the configured one may be 0): `resume` binds it again.
        let local_addr = listener
            .local_addr()
            .map_err(|source| ListenerError::Listen {
                name: config.name.clone(),
                address: config.listen,
                source,
            })?;
        tracing::info!(
            integration = &*config.name,
            address = %local_addr,
            layout = %config.layout,
            refresh_s = config.assembler.refresh.as_secs(),
            allow_list = config.allowed_peers.is_some(),
            "Avaya listener starting"
        );
        let (health, _) = watch::channel(FeedHealth::Waiting);
        let shared = Arc::new(Shared {
            config,
            publisher,
            clock,
            capture,
            shards,
            counts: LiveStats::default(),
            health,
        });
        let (commands, receiver) = mpsc::channel(4);
        let cancel = CancellationToken::new();
        let task = runtime.spawn(feed::run(
            Arc::clone(&shared),
            table,
            listener,
            local_addr,
            receiver,
            cancel.clone(),
        ));
        Ok(AvayaHandle {
            local_addr,
            shared,
            commands,
            cancel,
            task,
        })
    }
}

/// Binds `address` with the standard library, synchronously, so the error reaches the
/// caller of [`AvayaListener::spawn`] or [`AvayaHandle::resume`]. Must run inside a tokio
/// runtime.
pub(super) fn bind(name: &Name, address: SocketAddr) -> Result<TcpListener, ListenerError> {
    let listen = || {
        // `std` sets SO_REUSEADDR on Unix: a resume rebinds the port while the connections
        // the pause closed are still in TIME_WAIT.
        let listener = std::net::TcpListener::bind(address)?;
        listener.set_nonblocking(true)?;
        TcpListener::from_std(listener)
    };
    listen().map_err(|source| ListenerError::Listen {
        name: name.clone(),
        address,
        source,
    })
}

/// The running listener of one integration. Dropping it stops the listener (at its next
/// await); [`AvayaHandle::shutdown`] stops it and waits.
#[derive(Debug)]
pub struct AvayaHandle {
    local_addr: SocketAddr,
    shared: Arc<Shared>,
    commands: mpsc::Sender<Command>,
    cancel: CancellationToken,
    task: JoinHandle<()>,
}

impl AvayaHandle {
    /// The address listened on (the port chosen when the configuration said 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The feed's health now.
    pub fn health(&self) -> FeedHealth {
        *self.shared.health.borrow()
    }

    /// The counters so far.
    pub fn stats(&self) -> AvayaStats {
        self.shared.counts.snapshot()
    }

    /// Closes the port and the connections (a batch in progress is cut off: its rows apply,
    /// nobody is logged out); health `down`. Returns once done; pausing a paused listener
    /// does nothing.
    pub async fn pause(&self) -> Result<(), ListenerError> {
        let (done, answer) = oneshot::channel();
        self.command(Command::Pause(done)).await?;
        answer.await.map_err(|_| self.stopped())
    }

    /// Listens again on [`AvayaHandle::local_addr`]; health `waiting` until a batch
    /// completes. An error (the port was taken meanwhile) leaves the listener paused.
    /// Resuming a listener that is not paused does nothing.
    pub async fn resume(&self) -> Result<(), ListenerError> {
        let (done, answer) = oneshot::channel();
        self.command(Command::Resume(done)).await?;
        answer.await.map_err(|_| self.stopped())?
    }

    /// Closes the port and the connections (a batch in progress is cut off), publishes
    /// `down`, and waits for the task to end.
    pub async fn shutdown(mut self) {
        self.cancel.cancel();
        match (&mut self.task).await {
            Err(error) if error.is_panic() => {
                tracing::error!(%error, "the Avaya listener task panicked");
            }
            _ => {}
        }
    }

    async fn command(&self, command: Command) -> Result<(), ListenerError> {
        self.commands
            .send(command)
            .await
            .map_err(|_| self.stopped())
    }

    fn stopped(&self) -> ListenerError {
        ListenerError::Stopped(self.shared.config.name.clone())
    }
}

impl Drop for AvayaHandle {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}
