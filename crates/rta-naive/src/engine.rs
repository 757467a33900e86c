//! Starting the baseline on its own thread, and stopping it.

use crate::adherence::Adherence;
use crate::config::NaiveConfig;
use crate::core::Core;
use crate::error::NaiveError;
use crate::{avaya, cic, odigo, sinks};
use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;
use tokio::sync::oneshot;

/// How often every employee is judged again (the way the baseline sees schedule boundaries).
const JUDGE_EVERY: Duration = Duration::from_secs(1);

/// The running baseline: one thread, one current-thread tokio runtime, every task on it.
/// Dropping it stops it too.
#[derive(Debug)]
pub struct NaiveEngine {
    avaya: Vec<(String, SocketAddr)>,
    odigo_url: Option<String>,
    msgpack: Option<SocketAddr>,
    sse: Option<SocketAddr>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

/// A bound listening socket, ready to be handed to the runtime.
fn bind(address: SocketAddr) -> Result<(std::net::TcpListener, SocketAddr), NaiveError> {
    let error = |source| NaiveError::Listen { address, source };
    let listener = std::net::TcpListener::bind(address).map_err(error)?;
    listener.set_nonblocking(true).map_err(error)?;
    let local = listener.local_addr().map_err(error)?;
    Ok((listener, local))
}

fn bind_optional(
    address: Option<SocketAddr>,
) -> Result<Option<(std::net::TcpListener, SocketAddr)>, NaiveError> {
    address.map(bind).transpose()
}

/// What the runtime thread starts.
struct Start {
    config: NaiveConfig,
    avaya: Vec<(std::net::TcpListener, avaya::Integration)>,
    odigo: Option<(std::net::TcpListener, odigo::Integration)>,
    msgpack: Option<std::net::TcpListener>,
    sse: Option<std::net::TcpListener>,
}

impl NaiveEngine {
    /// Binds every listening port now (an error names the address), then runs everything on
    /// a thread of its own until [`NaiveEngine::shutdown`].
    pub fn start(config: NaiveConfig) -> Result<NaiveEngine, NaiveError> {
        let mut names = HashSet::new();
        let all_names = config
            .avaya
            .iter()
            .map(|a| &a.name)
            .chain(config.cic.iter().map(|c| &c.name))
            .chain(config.odigo.iter().map(|o| &o.name));
        for name in all_names {
            if !names.insert(name.clone()) {
                return Err(NaiveError::DuplicateName(name.clone()));
            }
        }
        let mut avaya_listeners = Vec::new();
        let mut avaya_addresses = Vec::new();
        for integration in &config.avaya {
            let columns = avaya::Columns::of(integration)?;
            let (listener, local) = bind(integration.listen)?;
            avaya_addresses.push((integration.name.clone(), local));
            avaya_listeners.push((
                listener,
                avaya::Integration {
                    name: integration.name.clone(),
                    zone: integration.zone.clone(),
                    columns,
                },
            ));
        }
        let mut odigo_url = None;
        let odigo = match &config.odigo {
            Some(settings) => {
                let (listener, local) = bind(settings.listen)?;
                let path = format!(
                    "{}/{}",
                    settings.base_path.trim_end_matches('/'),
                    settings.token
                );
                odigo_url = Some(format!("http://{local}{path}"));
                Some((
                    listener,
                    odigo::Integration {
                        name: settings.name.clone(),
                        path,
                    },
                ))
            }
            None => None,
        };
        let msgpack = bind_optional(config.msgpack_listen)?;
        let sse = bind_optional(config.sse_listen)?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(NaiveError::Runtime)?;
        let msgpack_address = msgpack.as_ref().map(|(_, local)| *local);
        let sse_address = sse.as_ref().map(|(_, local)| *local);
        let start = Start {
            config,
            avaya: avaya_listeners,
            odigo,
            msgpack: msgpack.map(|(listener, _)| listener),
            sse: sse.map(|(listener, _)| listener),
        };
        let (stop, stopped) = oneshot::channel();
        let thread = std::thread::Builder::new()
            .name("rta-naive".into())
            .spawn(move || {
                runtime.block_on(run(start, stopped));
                // Dropping the runtime here ends every task.
            })
            .map_err(NaiveError::Runtime)?;
        Ok(NaiveEngine {
            avaya: avaya_addresses,
            odigo_url,
            msgpack: msgpack_address,
            sse: sse_address,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// The address the Avaya integration `name` listens on.
    pub fn avaya_address(&self, name: &str) -> Option<SocketAddr> {
        self.avaya
            .iter()
            .find(|(known, _)| known == name)
            .map(|(_, address)| *address)
    }

    /// The full Odigo notification URL, token included: `http://<address><base>/<token>`.
    pub fn odigo_url(&self) -> Option<String> {
        self.odigo_url.clone()
    }

    /// The address of the TCP MessagePack subscriber server.
    pub fn msgpack_address(&self) -> Option<SocketAddr> {
        self.msgpack
    }

    /// The Server-Sent Events URL: `http://<address>/events`.
    pub fn sse_url(&self) -> Option<String> {
        self.sse.map(|address| format!("http://{address}/events"))
    }

    /// Stops every task (connections are closed, queued events dropped) and joins the thread.
    pub fn shutdown(self) {
        drop(self);
    }
}

impl Drop for NaiveEngine {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            tracing::error!("the baseline's thread panicked");
        }
    }
}

fn listener(std: std::net::TcpListener) -> Option<tokio::net::TcpListener> {
    tokio::net::TcpListener::from_std(std)
        .inspect_err(|error| tracing::error!(%error, "naive: cannot register a listener"))
        .ok()
}

async fn run(start: Start, stopped: oneshot::Receiver<()>) {
    let core = Arc::new(Core::new(Adherence::new(&start.config.adherence)));
    for (std, integration) in start.avaya {
        if let Some(listener) = listener(std) {
            tokio::spawn(avaya::serve(listener, Arc::new(integration), core.clone()));
        }
    }
    for settings in &start.config.cic {
        let integration = Arc::new(cic::Integration {
            name: settings.name.clone(),
            zone: settings.zone.clone(),
        });
        for &server in &settings.servers {
            tokio::spawn(cic::follow(server, integration.clone(), core.clone()));
        }
    }
    if let Some((std, integration)) = start.odigo
        && let Some(listener) = listener(std)
    {
        tokio::spawn(odigo::serve(listener, Arc::new(integration), core.clone()));
    }
    if let Some(listener) = start.msgpack.and_then(listener) {
        tokio::spawn(sinks::serve_msgpack(listener, core.clone()));
    }
    if let Some(listener) = start.sse.and_then(listener) {
        tokio::spawn(sinks::serve_sse(listener, core.clone()));
    }
    let judge = core.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(JUDGE_EVERY);
        loop {
            every.tick().await;
            judge.tick(jiff::Timestamp::now());
        }
    });
    let _ = stopped.await;
}
