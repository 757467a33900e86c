//! A load generator and measuring client that drives a *running* engine over real loopback
//! sockets, as the real sources and consumers do, and reports what the engine sustained:
//! the criterion bench `benches/end_to_end` runs it against an in-process engine and a naive
//! baseline, `rta-sim load ...` against a running `rtad run`. It does not depend on the engine.
//!
//! ```no_run
//! # async fn demo() -> Result<(), rta_sim::load::LoadError> {
//! use rta_sim::load::{Load, LoadConfig, Pace, Targets};
//!
//! let config = LoadConfig { pace: Pace::Flood, refreshes_per_run: 1, ..LoadConfig::default() };
//! let mut load = Load::prepare(config, jiff::Timestamp::now()).await?;
//! // Configure the engine from load.plan() and point its CIC integration at
//! // load.cic_addresses(), then:
//! let targets = Targets {
//!     avaya: vec!["127.0.0.1:5001".parse().unwrap(); 4],
//!     odigo_url: Some("http://127.0.0.1:8080/odigo/TOKEN".into()),
//!     msgpack: Some("127.0.0.1:7300".parse().unwrap()),
//!     sse_url: Some("http://127.0.0.1:7301/events".into()),
//! };
//! let report = load.run(&targets).await?;
//! println!("{report}");
//! # Ok(())
//! # }
//! ```
//!
//! ## Traffic
//! Deterministic from [`LoadConfig::seed`]; the record times follow the `start` given to
//! [`Load::prepare`] and advance run after run. Each run's bytes are encoded before its clock
//! starts; during the run the drivers only write them (and pace them, [`Pace`]).
//! - **Avaya CMS**: `avaya_connections` CMSs, each one integration (`cms-1`...) with its own
//!   engine port (this load connects), each a share of `avaya_agents` written every refresh
//!   as a full snapshot with rta-avaya's encoder under the `agent` preset
//!   ([`AVAYA_LAYOUT_PRESET`], [`avaya_layout`]): padded text cells, batch times in
//!   [`LoadConfig::zone`]. Per refresh `avaya_change_ratio` of the staffed agents change status
//!   (each to a status other than their last: AVAIL, ACDIN/OUT, ACW, AUX with reasons 1-6,
//!   RING, DACD, DACW, OTHER), a few log out and in.
//! - **CIC**: `cic_servers` servers this load listens as ([`Load::cic_addresses`]; one
//!   integration `cic`, mode `all`), line dialect, local times in the zone: at the first run
//!   each server's snapshot of its users, then `cic_rate` changes/s in all and heartbeats.
//! - **Odigo**: `odigo_connections` keep-alive HTTP/1.1 connections POSTing one JSON
//!   notification per request at `odigo_rate`/s in all, each a new state for its agent.
//! - The ids and statuses of all of it: [`Plan`].
//!
//! ## A run
//! [`Load::run`] sends `refreshes_per_run` Avaya refreshes, with the CIC and Odigo traffic of
//! that span of simulated time, and waits until every subscriber has received every
//! `agent_status` event the traffic must cause: the first snapshot of every source (every
//! agent is new), then every Avaya change, log-out and log-in, every CIC change and every
//! accepted Odigo notification. The count is exact because each generated change differs
//! from the agent's last status and is dated after it.
//!
//! ## Decisions
//! - **One load drives one fresh engine**: the expected counts assume the engine knew none of
//!   the agents before the first run. Connections (CMS, CIC, Odigo, subscribers) are opened
//!   by the first run and kept across runs, as real sources and consumers stay connected, so
//!   a criterion iteration is one cheap run; a later run with other targets is refused.
//! - **A run is a span of simulated time** (`refreshes_per_run` refreshes), the same in both
//!   paces: in real time it lasts that long; in flood it is the same records as fast as the
//!   engine reads them, times still advancing by the refresh (so they run ahead of the clock).
//! - **Subscribers subscribe to everything**, as a wallboard does; every event is decoded
//!   (type, seq, received) in place, without allocating. Latency is measured on live
//!   `agent_status` events only: snapshot events are old by design.
//! - **Lagged subscribers**: a lagged subscriber's count can no longer be exact; it is done
//!   when it has caught up with the highest seq the others finished at. Its latencies stay in
//!   the histogram, but a lagged run is not fit for latency: the report counts the notices.
//! - **Wall time** ends with the last `agent_status` received by the last subscriber, so the
//!   waiting loop's own reaction time is not counted.

mod avaya;
mod cic;
mod config;
mod error;
mod odigo;
mod paced;
mod plan;
mod report;
mod subscriber;

pub use config::{LoadConfig, Pace, Targets};
pub use error::LoadError;
pub use plan::{
    AVAYA_ACD, AVAYA_LAYOUT_PRESET, ODIGO_STATES, OdigoState, Plan, PlannedIntegration,
    SourceStatus, avaya_layout,
};
pub use report::{Latency, OdigoAnswers, PerSource, Report, Shortfall};

use avaya::{Cms, CmsSettings};
use cic::{CicServer, CicUsers};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use odigo::{Endpoint, OdigoAgents, OdigoConnection, OdigoCounts};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;
use subscriber::{Sink, Tally};
use tokio::net::TcpStream;
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// Seeds of the sources, apart so that resizing one source does not change another's draws.
const AVAYA_SEED: u64 = 0xa7a7;
const CIC_SEED: u64 = 0xc1c1;
const ODIGO_SEED: u64 = 0x0d160;

/// The connections a load keeps between runs.
#[derive(Debug)]
struct Connected {
    targets: Targets,
    avaya: Vec<Option<TcpStream>>,
    odigo: Vec<Option<OdigoConnection>>,
    odigo_endpoint: Option<Endpoint>,
    subscribers: Vec<Subscriber>,
}

#[derive(Debug)]
struct Subscriber {
    name: String,
    tally: Arc<Tally>,
    task: JoinHandle<()>,
}

impl Drop for Subscriber {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A prepared load: the simulated sources, the CIC servers (listening), and once run, the
/// connections to the engine. See the [module docs](self).
#[derive(Debug)]
pub struct Load {
    config: LoadConfig,
    plan: Plan,
    cms: Vec<Cms>,
    cic: Option<CicUsers>,
    cic_servers: Vec<CicServer>,
    odigo: Option<OdigoAgents>,
    connected: Option<Connected>,
    epoch: Instant,
    notify: Arc<Notify>,
    /// Where the subscribers run ([`Load::subscribers_on`]); `None`: with the load.
    subscribers_runtime: Option<tokio::runtime::Handle>,
}

/// A runtime for the subscribers ([`Load::subscribers_on`]): `threads` worker threads named
/// `subscribers`. Shut it down with `shutdown_background` when it is dropped inside another
/// runtime (dropping it there would panic).
pub fn subscribers_runtime(threads: usize) -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .thread_name("subscribers")
        .enable_all()
        .build()
}

/// The tallies of one subscriber when a run starts.
#[derive(Debug, Clone, Copy)]
struct Baseline {
    events: u64,
    agent_status: u64,
    lagged: u64,
    missed: u64,
    snapshots: u64,
}

impl Baseline {
    fn of(tally: &Tally) -> Baseline {
        Baseline {
            events: tally.events.load(Ordering::Relaxed),
            agent_status: tally.agent_status.load(Ordering::Acquire),
            lagged: tally.lagged.load(Ordering::Relaxed),
            missed: tally.missed.load(Ordering::Relaxed),
            snapshots: tally.snapshots.load(Ordering::Relaxed),
        }
    }
}

/// How long the first run waits before trying a refused connection again.
const RETRY: Duration = Duration::from_millis(200);

/// `attempt` until it succeeds, tried again every [`RETRY`] for up to `timeout`: the engine
/// may still be starting (`rta-sim load` is started first, to learn its CIC ports), and a
/// CMS or a consumer tries again the same way.
async fn patiently<T, E, F, Fut>(timeout: Duration, mut attempt: F) -> Result<T, E>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, E>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        match attempt().await {
            Ok(done) => return Ok(done),
            Err(error) if Instant::now() >= deadline => return Err(error),
            Err(_) => tokio::time::sleep(RETRY).await,
        }
    }
}

/// How long a run waits between two looks at its subscribers when nothing woke it.
const POLL: Duration = Duration::from_millis(50);

impl Load {
    /// Builds the simulated sources (agents, users, their first statuses) and binds the CIC
    /// servers' listeners (loopback, port 0): the engine may connect to them from now on.
    /// Record times start at `start` (whole seconds; keep it near `Timestamp::now()` so the
    /// engine's adherence sees today).
    pub async fn prepare(config: LoadConfig, start: Timestamp) -> Result<Load, LoadError> {
        config.check()?;
        let refresh_secs = u32::try_from(config.avaya_refresh.as_secs())
            .ok()
            .filter(|secs| *secs > 0 && config.avaya_refresh.subsec_nanos() == 0)
            .ok_or_else(|| LoadError::Config("avaya_refresh must be whole seconds".into()))?;
        let zone = TimeZone::get(&config.zone)
            .map_err(|error| LoadError::Config(format!("zone {}: {error}", config.zone)))?;
        let start = Timestamp::from_second(start.as_second())?;
        let plan = Plan::new(&config);
        let cms = (0..config.avaya_connections)
            .map(|connection| {
                Cms::new(CmsSettings {
                    seed: config.seed ^ AVAYA_SEED ^ (connection as u64) << 32,
                    agents: plan::share(config.avaya_agents, config.avaya_connections, connection),
                    zone: &zone,
                    start,
                    refresh_secs,
                    change_ratio: config.avaya_change_ratio,
                    logout_ratio: config.avaya_logout_ratio,
                    login_ratio: config.avaya_login_ratio,
                })
            })
            .collect();
        let cic = (config.cic_users > 0).then(|| {
            CicUsers::new(
                config.seed ^ CIC_SEED,
                config.cic_users,
                config.cic_servers,
                &zone,
                start,
                config.cic_rate,
                config.cic_heartbeat,
            )
        });
        let mut cic_servers = Vec::new();
        if let Some(users) = &cic {
            for index in 0..config.cic_servers {
                cic_servers.push(CicServer::bind(users, index).await?);
            }
        }
        let odigo = (config.odigo_agents > 0).then(|| {
            OdigoAgents::new(
                config.seed ^ ODIGO_SEED,
                config.odigo_agents,
                config.odigo_connections,
                start,
                config.odigo_rate,
            )
        });
        Ok(Load {
            config,
            plan,
            cms,
            cic,
            cic_servers,
            odigo,
            connected: None,
            epoch: Instant::now(),
            notify: Arc::new(Notify::new()),
            subscribers_runtime: None,
        })
    }

    /// Runs the subscribers on `runtime` ([`subscribers_runtime`]) instead of the load's own:
    /// as consumers in other processes would, they then do not wait for the threads that
    /// write the traffic (a CMS refresh of 100,000 rows keeps them busy for milliseconds, the
    /// kernel's loopback work for the engine's sockets included). Takes effect at the first
    /// run.
    pub fn subscribers_on(&mut self, runtime: tokio::runtime::Handle) {
        self.subscribers_runtime = Some(runtime);
    }

    /// The ids and vocabularies of the traffic, for the engine's roster.
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    pub fn config(&self) -> &LoadConfig {
        &self.config
    }

    /// Where the CIC servers listen (the engine's CIC integration connects to all of them).
    pub fn cic_addresses(&self) -> Vec<SocketAddr> {
        self.cic_servers.iter().map(CicServer::address).collect()
    }

    /// Opens what the first run needs: the CMS connections, the subscribers (live before any
    /// traffic), and waits for the engine's CIC connections.
    async fn connect(&mut self, targets: &Targets) -> Result<Connected, LoadError> {
        let config = &self.config;
        if targets.avaya.len() != config.avaya_connections && config.avaya_agents > 0 {
            return Err(LoadError::TargetCount {
                what: "Avaya",
                given: targets.avaya.len(),
                expected: config.avaya_connections,
            });
        }
        let mut avaya = Vec::new();
        if config.avaya_agents > 0 {
            for &address in &targets.avaya {
                let stream = patiently(config.timeout, || TcpStream::connect(address))
                    .await
                    .map_err(|source| LoadError::Connect { address, source })?;
                let _ = stream.set_nodelay(true);
                avaya.push(Some(stream));
            }
        }
        let odigo_endpoint = match (&targets.odigo_url, config.odigo_agents) {
            (_, 0) => None,
            (Some(url), _) => Some(odigo::endpoint(url).await?),
            (None, _) => return Err(LoadError::MissingTarget("odigo_url")),
        };
        let odigo = match &odigo_endpoint {
            Some(endpoint) => (0..config.odigo_connections)
                .map(|_| Some(OdigoConnection::new(endpoint.clone())))
                .collect(),
            None => Vec::new(),
        };
        let mut sinks = Vec::new();
        if config.msgpack_subscribers > 0 {
            let address = targets.msgpack.ok_or(LoadError::MissingTarget("msgpack"))?;
            sinks.extend(
                (0..config.msgpack_subscribers)
                    .map(|i| (format!("msgpack-{}", i + 1), Sink::Msgpack(address))),
            );
        }
        if config.sse_subscribers > 0 {
            let url = targets
                .sse_url
                .as_deref()
                .ok_or(LoadError::MissingTarget("sse_url"))?;
            let endpoint = odigo::endpoint(url).await?;
            sinks.extend((0..config.sse_subscribers).map(|i| {
                let sink = Sink::Sse {
                    address: endpoint.address,
                    host: endpoint.host().to_owned(),
                    target: endpoint.target().to_owned(),
                };
                (format!("sse-{}", i + 1), sink)
            }));
        }
        let mut subscribers = Vec::new();
        for (name, sink) in sinks {
            let tally = Arc::new(Tally::new(self.epoch, self.notify.clone()));
            let timeout = config.timeout;
            let subscribed = {
                let tally = tally.clone();
                async move {
                    patiently(timeout, || {
                        subscriber::subscribe(sink.clone(), tally.clone())
                    })
                    .await
                }
            };
            let task = match &self.subscribers_runtime {
                Some(runtime) => runtime.spawn(subscribed).await??,
                None => subscribed.await?,
            };
            subscribers.push(Subscriber { name, tally, task });
        }
        for server in &self.cic_servers {
            server.connected(config.timeout).await?;
        }
        Ok(Connected {
            targets: targets.clone(),
            avaya,
            odigo,
            odigo_endpoint,
            subscribers,
        })
    }

    /// Runs the load against the engine once (see the [module docs](self)); may be called
    /// again with the same targets, the traffic continuing where it stopped.
    pub async fn run(&mut self, targets: &Targets) -> Result<Report, LoadError> {
        let mut connected = match self.connected.take() {
            Some(connected) if connected.targets != *targets => {
                self.connected = Some(connected);
                return Err(LoadError::TargetsChanged);
            }
            Some(connected) => connected,
            None => self.connect(targets).await?,
        };
        let result = self.run_connected(&mut connected).await;
        self.connected = Some(connected);
        result
    }

    async fn run_connected(&mut self, connected: &mut Connected) -> Result<Report, LoadError> {
        let config = self.config.clone();
        let span = config.run_span();
        // The traffic, before the clock starts.
        let avaya: Vec<_> = self
            .cms
            .iter_mut()
            .map(|cms| cms.next_run(config.refreshes_per_run))
            .collect::<Result<_, _>>()?;
        let cic = self
            .cic
            .as_mut()
            .map(|users| users.next_run(span))
            .transpose()?;
        let odigo = match (&mut self.odigo, &connected.odigo_endpoint) {
            (Some(agents), Some(endpoint)) => Some(agents.next_run(span, endpoint)?),
            _ => None,
        };
        let expected = avaya.iter().map(|traffic| traffic.changes).sum::<u64>()
            + cic.as_ref().map_or(0, |traffic| traffic.changes)
            + odigo.as_ref().map_or(0, |traffic| traffic.notifications);
        let baselines: Vec<Baseline> = connected
            .subscribers
            .iter()
            .map(|subscriber| {
                let baseline = Baseline::of(&subscriber.tally);
                subscriber.latency_reset();
                subscriber
                    .tally
                    .target
                    .store(baseline.agent_status + expected, Ordering::Release);
                baseline
            })
            .collect();
        let cic_reconnects_before: u64 = self.cic_servers.iter().map(CicServer::reconnects).sum();

        let pace = config.pace;
        let start = Instant::now();
        let mut avaya_tasks = Vec::new();
        let (mut avaya_rows, mut avaya_bytes) = (0, 0);
        for (slot, traffic) in connected.avaya.iter_mut().zip(avaya) {
            let mut stream = slot.take().expect("kept between runs");
            avaya_rows += traffic.rows;
            avaya_bytes += traffic.paced.len() as u64;
            avaya_tasks.push(tokio::spawn(async move {
                let result = traffic.paced.write_to(&mut stream, pace, start).await;
                (stream, result)
            }));
        }
        let mut odigo_tasks = Vec::new();
        if let Some(traffic) = odigo {
            for (slot, paced) in connected.odigo.iter_mut().zip(traffic.paced) {
                let mut connection = slot.take().expect("kept between runs");
                odigo_tasks.push(tokio::spawn(async move {
                    let result = connection.run(&paced, pace, start).await;
                    (connection, result)
                }));
            }
        }
        let (cic_records, mut cic_bytes) = (cic.as_ref().map_or(0, |traffic| traffic.records), 0);
        let cic_sends = cic
            .into_iter()
            .flat_map(|traffic| traffic.paced)
            .zip(&self.cic_servers)
            .map(|(paced, server)| {
                cic_bytes += paced.len() as u64;
                server.send(paced, pace, start)
            });
        let cic_results = futures::future::join_all(cic_sends.collect::<Vec<_>>()).await;

        let mut failure = None;
        for (slot, task) in connected.avaya.iter_mut().zip(avaya_tasks) {
            let (stream, result) = task.await?;
            let address = stream.peer_addr().ok();
            *slot = Some(stream);
            if let (Err(source), None) = (result, &failure) {
                failure = Some(LoadError::Io {
                    source_name: "Avaya",
                    address: address.unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 0))),
                    source,
                });
            }
        }
        let mut odigo_counts = OdigoCounts::default();
        for (slot, task) in connected.odigo.iter_mut().zip(odigo_tasks) {
            let (connection, result) = task.await?;
            *slot = Some(connection);
            match result {
                Ok(counts) => odigo_counts.add(&counts),
                Err(error) => failure = failure.or(Some(error)),
            }
        }
        for result in cic_results {
            if let Err(error) = result {
                failure = failure.or(Some(error));
            }
        }
        if let Some(error) = failure {
            return Err(error);
        }
        // A refused notification publishes nothing.
        let expected = expected - odigo_counts.refused;
        for (subscriber, baseline) in connected.subscribers.iter().zip(&baselines) {
            subscriber
                .tally
                .target
                .store(baseline.agent_status + expected, Ordering::Release);
        }
        let sent = Instant::now();
        let complete = self
            .wait(
                &connected.subscribers,
                &baselines,
                expected,
                sent + config.timeout,
            )
            .await;
        let end = if complete {
            connected
                .subscribers
                .iter()
                .map(|subscriber| subscriber.tally.last_status_at())
                .chain([sent])
                .max()
                .unwrap_or(sent)
        } else {
            Instant::now()
        };
        let wall = end.saturating_duration_since(start);
        Ok(self.report(ReportParts {
            connected,
            baselines: &baselines,
            expected,
            complete,
            wall,
            observations: PerSource::new(avaya_rows, cic_records, odigo_counts.accepted),
            bytes: PerSource::new(avaya_bytes, cic_bytes, odigo_counts.bytes),
            odigo: odigo_counts,
            cic_reconnects: self
                .cic_servers
                .iter()
                .map(CicServer::reconnects)
                .sum::<u64>()
                - cic_reconnects_before,
        }))
    }

    /// Waits until every subscriber is done (see the module docs) or `deadline`; true if all
    /// are. A subscriber whose stream ended is never done.
    async fn wait(
        &self,
        subscribers: &[Subscriber],
        baselines: &[Baseline],
        expected: u64,
        deadline: Instant,
    ) -> bool {
        loop {
            if all_done(subscribers, baselines, expected) {
                return true;
            }
            let now = Instant::now();
            if now >= deadline
                || subscribers
                    .iter()
                    .any(|s| s.tally.ended.load(Ordering::Acquire))
            {
                return false;
            }
            let _ = tokio::time::timeout((deadline - now).min(POLL), self.notify.notified()).await;
        }
    }

    fn report(&self, parts: ReportParts<'_>) -> Report {
        let subscribers = &parts.connected.subscribers;
        let mut histogram = subscriber::new_histogram();
        let (mut events, mut agent_status, mut lagged, mut missed, mut snapshots) = (0, 0, 0, 0, 0);
        let mut shortfalls = Vec::new();
        for (subscriber, baseline) in subscribers.iter().zip(parts.baselines) {
            let now = Baseline::of(&subscriber.tally);
            events += now.events - baseline.events;
            let received = now.agent_status - baseline.agent_status;
            agent_status += received;
            lagged += now.lagged - baseline.lagged;
            missed += now.missed - baseline.missed;
            snapshots += now.snapshots - baseline.snapshots;
            let _ = histogram.add(&*subscriber.latency());
            if !parts.complete && received < parts.expected {
                shortfalls.push(Shortfall {
                    subscriber: subscriber.name.clone(),
                    agent_status_received: received,
                    agent_status_expected: parts.expected,
                    lagged: now.lagged > baseline.lagged,
                    error: subscriber
                        .tally
                        .error
                        .lock()
                        .ok()
                        .and_then(|error| error.clone()),
                });
            }
        }
        let seconds = parts.wall.as_secs_f64().max(f64::MIN_POSITIVE);
        Report {
            pace: self.config.pace,
            complete: parts.complete,
            observations: parts.observations,
            bytes: parts.bytes,
            expected_agent_status: parts.expected,
            wall: parts.wall,
            observations_per_second: parts.observations.total as f64 / seconds,
            events_delivered: events,
            events_per_second: events as f64 / seconds,
            agent_status_delivered: agent_status,
            latency: Latency::of(&histogram),
            odigo: OdigoAnswers {
                accepted: parts.odigo.accepted,
                busy: parts.odigo.busy,
                refused: parts.odigo.refused,
                reconnects: parts.odigo.reconnects,
            },
            subscribers: subscribers.len(),
            lagged,
            missed,
            snapshots,
            cic_reconnects: parts.cic_reconnects,
            shortfalls,
            histogram,
        }
    }
}

/// What [`Load::report`] is built from.
struct ReportParts<'a> {
    connected: &'a Connected,
    baselines: &'a [Baseline],
    expected: u64,
    complete: bool,
    wall: Duration,
    observations: PerSource,
    bytes: PerSource,
    odigo: OdigoCounts,
    cic_reconnects: u64,
}

impl Subscriber {
    fn latency(&self) -> std::sync::MutexGuard<'_, hdrhistogram::Histogram<u64>> {
        self.tally
            .latency_us
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn latency_reset(&self) {
        self.latency().reset();
    }
}

/// Every subscriber has its count; a lagged one has caught up with the highest seq the
/// others finished at (none lagged: the counts alone decide).
fn all_done(subscribers: &[Subscriber], baselines: &[Baseline], expected: u64) -> bool {
    let mut caught_up_to = 0;
    let mut lagged = Vec::new();
    for (subscriber, baseline) in subscribers.iter().zip(baselines) {
        let tally = &subscriber.tally;
        if tally.lagged.load(Ordering::Relaxed) > baseline.lagged {
            lagged.push(tally);
        } else if tally.agent_status.load(Ordering::Acquire) - baseline.agent_status >= expected {
            caught_up_to = caught_up_to.max(tally.max_seq.load(Ordering::Relaxed));
        } else {
            return false;
        }
    }
    if lagged.is_empty() {
        return true;
    }
    lagged.len() < subscribers.len()
        && lagged
            .iter()
            .all(|tally| tally.max_seq.load(Ordering::Relaxed) >= caught_up_to)
}
