//! # The engine: the pieces assembled
//!
//! [`Engine::builder`] takes the adherence configuration and the integrations; [`EngineBuilder::start`]
//! makes the state table, the bus, the adherence stage and one adapter per integration (an
//! Avaya listener, a CIC connector, or an integration of the shared Odigo receiver), and
//! returns the running
//! [`Engine`]: subscribe to its events, read its statuses, pause, resume or change an
//! integration, reload mappings, replace schedules, and shut it down.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use rta_cic::Dialect;
//! use rta_engine::cic::Mode;
//! use rta_engine::engine::{CicSettings, Engine, IntegrationSettings, Source};
//! use rta_engine::{Filter, SubscribeOptions};
//! use rta_model::Zone;
//!
//! let engine = Engine::builder()
//!     .adherence(rta_adherence::Config::default())
//!     .integration(IntegrationSettings {
//!         name: "cic-lyon".into(),
//!         source: Source::Cic(CicSettings {
//!             servers: "acd1.example.com:8080, acd2.example.com:8080".into(),
//!             mode: Mode::Failover,
//!             dialect: Dialect::Line,
//!             zone: Zone::get("Europe/Paris")?,
//!         }),
//!     })
//!     .start()
//!     .await?;
//! let events = engine.subscribe(SubscribeOptions::new(Filter::all()))?;
//! while let Ok(delivery) = events.recv() {
//!     println!("{delivery:?}");
//! #   break;
//! }
//! engine.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! ## How events flow
//! Adapters decode their feeds on their own tasks (an Avaya integration's connection task,
//! each CIC server's task) and hand each status to the engine's shard workers
//! ([`EngineBuilder::shards`], cores by default; none with `shards(0)`, where each adapter
//! applies its statuses itself: see "Sharded or inline" below): an agent always goes to the
//! same shard, by its key in the table, so each shard is the only writer of its agents and
//! applies their statuses in order, through a `rta_state::Writer` of its own. Decoding and applying thus
//! spread over the cores even when one busy CMS connection carries everything; a full shard
//! queue makes the adapter wait, which slows its socket. The Odigo receiver keeps shard tasks
//! of its own (by the agent's login), because it answers `503` rather than wait. Every
//! status the table says changed, and every feed health change, goes to the adherence stage, which runs the `rta-adherence` evaluator and publishes what
//! it emits on the bus: `agent_status` (with the employee and the activity), `adherence`,
//! `alarm`, `unmapped`, and the `feed` events themselves. A ticker advances the evaluator
//! every second, so schedule boundaries and alarms fire on time without any input. The
//! evaluator finds its agents by their keys in the table ([`crate::TableKeys`]): an agent has
//! one key and one index by external id in the whole engine, and the agents user mappings
//! name are interned in the table when their integration is added.
//!
//! ## Sharded or inline
//! [`EngineBuilder::shards`] chooses where the Avaya and CIC statuses are applied, and so
//! where the adherence stage runs and the events are published:
//! - **Sharded** (the default, one shard thread per core): the adapters decode; the shard
//!   threads apply, evaluate and publish. Decoding overlaps the adherence stage, and the
//!   sinks, woken from the shards, write large batches. The highest throughput: about
//!   2.6-2.8 M observations/s for a snapshot flood on 2 cores, 16 subscribers included
//!   (`benches/RESULTS.md`, `end_to_end`).
//! - **Inline** (`shards(0)`): each adapter applies, evaluates and publishes on its own task.
//!   One hand-over less between threads: measured at 100,000 observations/s (a CMS refresh
//!   of 100,000 rows each second, with CIC and Odigo changes), p99 from read to subscriber
//!   **0.9-1.6 ms instead of 1.2-1.9 ms** (p50 0.2-0.3 ms either way; 2.4 and 7.6-10 ms
//!   before the adapters yielded their core while reading a refresh, see the `turns`
//!   module). A shard thread that
//!   published a lot is, for Linux's scheduler, a thread that used its share: woken for the
//!   next status, it waited for a core about 0.5 ms at the median and several ms at the p99
//!   (measured with timestamps at each stage), while the adapters decoding a refresh kept
//!   both cores. The
//!   cost is throughput: the sinks are woken after every burst an adapter decodes, so they
//!   write more often, in smaller writes (4.7 times as often before they gathered their
//!   batches over three turns of the runtime); a snapshot flood runs about 17 % slower, a
//!   mixed one as fast.
//!
//! Sharded suits a site whose feeds come in floods (a large CMS at a short refresh, a replay
//! of a day); inline suits a site that wants each change out at once, which is what a site of
//! up to a few hundred thousand observations a second produces. Either way an agent's
//! statuses are applied and published in the order its adapter read them.
//!
//! ## Decisions
//! - **Integration health** for adherence combines an integration's feeds: `up` if any is up
//!   (one CIC server of several is enough in `all` mode), else `stale`, `waiting`, `down` in
//!   that order. Odigo's pause-detail service is not a feed. A paused integration is `down`:
//!   its employees are `unknown`.
//! - **Pause** closes the source: an Avaya integration closes its port, a CIC integration
//!   disconnects (its connector stops; resume starts a new one), an Odigo integration
//!   answers `503`. The table keeps the agents, so a
//!   resume starts from what was known.
//! - **Update** of an integration keeps its id, so the table, the evaluator and the
//!   subscribers keep its agents; the old adapter stops before the new one starts.
//! - **Snapshots** ([`Engine::status_snapshot`], and a lagged subscriber's resync) come from
//!   the table and carry no employee or activity; live `agent_status` events carry both.
//! - **Shutdown** stops the adapters, then the shards once they have applied what the adapters
//!   queued (every accepted input is applied), then the ticker; the events published by then
//!   stay in the subscribers' queues until read.

pub(crate) mod adherence;
mod control;
mod metrics;
mod settings;
mod views;

pub use control::{FeedState, IntegrationState};
pub use settings::{
    AvayaSettings, CicSettings, IntegrationSettings, OdigoSettings, SettingsError, Source,
};
pub use views::{AgentView, EmployeeAdherence};

use crate::avaya::{AvayaHandle, AvayaListener, ListenerError};
use crate::bus::{Bus, SubscribeError, SubscribeOptions, Subscription};
use crate::capture::Capture;
use crate::cic::{CicConnector, CicHandle, ConnectorError};
use crate::clock::{Clock, SystemClock};
use crate::live::LiveStatuses;
use crate::odigo::{OdigoReceiver, ReceiverConfig, ReceiverError};
use crate::publisher::Publisher;
use crate::shards::Shards;
use crate::{AsyncSubscription, Filter, SnapshotSource};
use adherence::Adherence;
use rta_adherence::{Config, Evaluator, Limits, Mappings, ScheduleRow};
use rta_model::{Event, IntegrationId, Name};
use rta_state::StateTable;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, watch};
use tokio::task::JoinHandle;

/// How often the evaluator's clock is moved when nothing arrives.
const TICK: Duration = Duration::from_secs(1);

/// Builds an [`Engine`].
#[derive(Debug)]
pub struct EngineBuilder {
    max_agents: usize,
    ring_capacity: usize,
    adherence: Config,
    limits: Limits,
    clock: Arc<dyn Clock>,
    odigo: Option<ReceiverConfig>,
    integrations: Vec<IntegrationSettings>,
    capture: Option<Arc<Capture>>,
    shards: usize,
}

/// The engine could not start, or an edit was refused.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("the adherence configuration: {0}")]
    Adherence(#[from] rta_adherence::ConfigError),
    #[error("two integrations are named {0:?}")]
    DuplicateName(String),
    #[error("no integration is named {0:?}")]
    UnknownIntegration(String),
    #[error("integration {0:?} changes kind: remove it and add it again")]
    KindChanged(String),
    #[error("the state table: {0}")]
    State(#[from] rta_state::StateError),
    #[error(transparent)]
    Settings(#[from] SettingsError),
    #[error(transparent)]
    Cic(#[from] ConnectorError),
    #[error(transparent)]
    Avaya(#[from] ListenerError),
    #[error(transparent)]
    Odigo(#[from] ReceiverError),
    #[error("an Odigo integration needs the Odigo receiver: EngineBuilder::odigo_receiver")]
    NoOdigoReceiver,
    #[error(transparent)]
    Schedule(#[from] rta_adherence::ScheduleError),
    #[error("the shard threads could not start: {0}")]
    Shards(std::io::Error),
}

impl Default for EngineBuilder {
    fn default() -> Self {
        EngineBuilder {
            max_agents: 100_000,
            ring_capacity: crate::DEFAULT_RING_CAPACITY,
            adherence: Config::default(),
            limits: Limits::default(),
            clock: Arc::new(SystemClock),
            odigo: None,
            integrations: Vec::new(),
            capture: None,
            shards: std::thread::available_parallelism().map_or(1, usize::from),
        }
    }
}

impl EngineBuilder {
    /// Agents the state table holds at most (default 100,000), those the user mappings name
    /// included: they are interned when their integration is added, before they are seen
    /// (the evaluator finds its agents by their keys in the table). A mapping row past the
    /// limit maps nobody.
    pub fn max_agents(mut self, max_agents: usize) -> Self {
        self.max_agents = max_agents;
        self
    }

    /// Recent events kept for subscribers that resume (default
    /// [`DEFAULT_RING_CAPACITY`](crate::DEFAULT_RING_CAPACITY)).
    pub fn ring_capacity(mut self, events: usize) -> Self {
        self.ring_capacity = events;
        self
    }

    /// Activities, employees, mappings and schedules (default: none, so every agent is
    /// unmapped).
    pub fn adherence(mut self, config: Config) -> Self {
        self.adherence = config;
        self
    }

    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Where the time comes from (default the system clock).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The HTTP receiver Odigo integrations are served on.
    pub fn odigo_receiver(mut self, config: ReceiverConfig) -> Self {
        self.odigo = Some(config);
        self
    }

    /// Records every raw input of every integration in `capture` (`rtad run --capture`,
    /// [`crate::capture`]), e.g. `.capture(Capture::to_file(path).await?)`. The engine
    /// finishes it (writes what is queued, flushes) at [`Engine::shutdown`].
    pub fn capture(mut self, capture: Arc<Capture>) -> Self {
        self.capture = Some(capture);
        self
    }

    /// Shard threads applying the Avaya and CIC statuses (default: one per core). `0`: no
    /// shard threads, each adapter applies and publishes on its own task. See "Sharded or
    /// inline" in [`crate::engine`] for what each costs.
    pub fn shards(mut self, count: usize) -> Self {
        self.shards = count;
        self
    }

    pub fn integration(mut self, settings: IntegrationSettings) -> Self {
        self.integrations.push(settings);
        self
    }

    /// Starts everything; an integration that cannot start stops the whole start (what
    /// started is stopped again).
    pub async fn start(self) -> Result<Engine, EngineError> {
        let table = Arc::new(StateTable::new(self.max_agents));
        let live = Arc::new(LiveStatuses::new(
            table.clone(),
            Vec::<(IntegrationId, Name)>::new(),
        ));
        let bus = Bus::builder(live.clone() as Arc<dyn SnapshotSource>)
            .ring_capacity(self.ring_capacity)
            .build();
        let evaluator = Evaluator::new(&self.adherence, self.limits, self.clock.now())?;
        let adherence = Arc::new(Adherence::new(evaluator, table.clone(), bus.clone()));
        // Before the receiver: nothing is left running when the threads cannot start.
        let shards = match self.shards {
            0 => None,
            count => Some(Arc::new(
                Shards::start(count, table.clone(), adherence.clone())
                    .map_err(EngineError::Shards)?,
            )),
        };
        let odigo = match self.odigo {
            Some(mut config) => {
                config.capture = config.capture.or_else(|| self.capture.clone());
                let publisher = adherence.clone();
                Some(
                    OdigoReceiver::start(config, table.clone(), publisher, self.clock.clone())
                        .await?,
                )
            }
            None => None,
        };
        let (stop, stopped) = watch::channel(false);
        let ticker = tokio::spawn(tick(adherence.clone(), self.clock.clone(), stopped));
        let engine = Engine {
            table,
            live,
            bus,
            adherence,
            clock: self.clock,
            odigo,
            shards,
            integrations: Mutex::new(HashMap::new()),
            stop,
            ticker,
            capture: self.capture,
        };
        for settings in self.integrations {
            if let Err(error) = engine.add_integration(settings).await {
                engine.shutdown().await;
                return Err(error);
            }
        }
        Ok(engine)
    }
}

/// A running integration.
#[derive(Debug)]
struct Running {
    id: IntegrationId,
    settings: IntegrationSettings,
    paused: bool,
    /// The CIC connector while connected (`None` while paused).
    cic: Option<CicHandle>,
    /// The Avaya listener (kept while paused: its port is closed).
    avaya: Option<AvayaHandle>,
}

/// The running engine ([`Engine::builder`]).
#[derive(Debug)]
pub struct Engine {
    table: Arc<StateTable>,
    live: Arc<LiveStatuses>,
    bus: Bus,
    adherence: Arc<Adherence>,
    clock: Arc<dyn Clock>,
    odigo: Option<OdigoReceiver>,
    /// Where the Avaya and CIC adapters send their statuses; `None`: they apply them on
    /// their own tasks.
    shards: Option<Arc<Shards>>,
    integrations: Mutex<HashMap<Name, Running>>,
    stop: watch::Sender<bool>,
    ticker: JoinHandle<()>,
    /// Where the adapters record their raw input ([`EngineBuilder::capture`]).
    capture: Option<Arc<Capture>>,
}

impl Engine {
    pub fn builder() -> EngineBuilder {
        EngineBuilder::default()
    }

    /// The bus every event is published on.
    pub fn bus(&self) -> &Bus {
        &self.bus
    }

    /// The state table (current status of every agent).
    pub fn table(&self) -> &Arc<StateTable> {
        &self.table
    }

    /// The Odigo receiver, when configured (its address, statistics, token rotation).
    pub fn odigo_receiver(&self) -> Option<&OdigoReceiver> {
        self.odigo.as_ref()
    }

    /// The address an Avaya integration listens on (its port, when configured as 0).
    pub async fn listen_address(&self, name: &str) -> Option<std::net::SocketAddr> {
        let integrations = self.integrations.lock().await;
        Some(integrations.get(name)?.avaya.as_ref()?.local_addr())
    }

    /// A synchronous (crossbeam) subscription.
    pub fn subscribe(&self, options: SubscribeOptions) -> Result<Subscription, SubscribeError> {
        self.bus.subscribe(options)
    }

    /// An async (tokio) subscription.
    pub fn subscribe_async(
        &self,
        options: SubscribeOptions,
    ) -> Result<AsyncSubscription, SubscribeError> {
        self.bus.subscribe_async(options)
    }

    /// Every known agent's current status, as `agent_status` events (seq 0).
    pub fn status_snapshot(&self) -> Vec<Event> {
        self.live.snapshot(&Filter::all())
    }

    /// Reads the evaluator (current adherence, figures) under its lock.
    pub fn adherence<T>(&self, read: impl FnOnce(&rta_adherence::Evaluator) -> T) -> T {
        self.adherence.read(read)
    }

    /// Adds and starts an integration.
    pub async fn add_integration(&self, settings: IntegrationSettings) -> Result<(), EngineError> {
        let mut integrations = self.integrations.lock().await;
        if integrations.contains_key(&settings.name) {
            return Err(EngineError::DuplicateName(settings.name.to_string()));
        }
        let id = self.table.add_integration();
        let mut running = Running {
            id,
            settings,
            paused: false,
            cic: None,
            avaya: None,
        };
        self.live.add_integration(id, running.settings.name.clone());
        self.adherence.add_integration(id, &running.settings.name);
        self.open(&mut running)?;
        integrations.insert(running.settings.name.clone(), running);
        Ok(())
    }

    /// Starts the adapter of `running`.
    fn open(&self, running: &mut Running) -> Result<(), EngineError> {
        let settings = &running.settings;
        match &settings.source {
            Source::Avaya(avaya) => {
                let config = settings.avaya_config(running.id, avaya);
                let handle = AvayaListener::new(config, self.table.clone(), self.adherence.clone())
                    .clock(self.clock.clone())
                    .capture(self.capture.clone())
                    .shards(self.shards.clone())
                    .spawn()?;
                running.avaya = Some(handle);
            }
            Source::Cic(cic) => {
                let config = settings.cic_config(running.id, cic)?;
                let publisher: Arc<dyn Publisher> = self.adherence.clone();
                let handle = CicConnector::new(config, self.table.clone(), publisher)
                    .clock(self.clock.clone())
                    .capture(self.capture.clone())
                    .shards(self.shards.clone())
                    .spawn()?;
                running.cic = Some(handle);
            }
            Source::Odigo(odigo) => {
                let receiver = self.odigo.as_ref().ok_or(EngineError::NoOdigoReceiver)?;
                receiver.add(settings.odigo_integration(running.id, odigo)?)?;
            }
        }
        Ok(())
    }

    /// Stops the adapter of `running` (the table keeps its agents).
    async fn close(&self, running: &mut Running) {
        if let Some(handle) = running.cic.take() {
            handle.shutdown().await;
        }
        if let Some(handle) = running.avaya.take() {
            handle.shutdown().await;
        }
        if let (Source::Odigo(_), Some(receiver)) = (&running.settings.source, &self.odigo) {
            receiver.remove(&running.settings.name);
        }
    }

    /// Replaces the settings of `name` (same kind): its adapter restarts with them, the
    /// table, the evaluator and the subscribers keep its agents.
    pub async fn update_integration(
        &self,
        settings: IntegrationSettings,
    ) -> Result<(), EngineError> {
        let mut integrations = self.integrations.lock().await;
        let name = settings.name.to_string();
        let running = integrations
            .get_mut(&*name)
            .ok_or_else(|| EngineError::UnknownIntegration(name.clone()))?;
        if std::mem::discriminant(&running.settings.source)
            != std::mem::discriminant(&settings.source)
        {
            return Err(EngineError::KindChanged(name));
        }
        self.close(running).await;
        self.adherence.forget_feeds(&name, self.clock.now());
        running.settings = settings;
        if running.paused {
            return Ok(());
        }
        self.open(running)
    }

    /// Stops and forgets `name` (its agents stay in the table, no longer fed).
    pub async fn remove_integration(&self, name: &str) -> Result<(), EngineError> {
        let mut integrations = self.integrations.lock().await;
        let mut running = integrations
            .remove(name)
            .ok_or_else(|| EngineError::UnknownIntegration(name.into()))?;
        self.close(&mut running).await;
        self.adherence.set_paused(name, true, self.clock.now());
        Ok(())
    }

    /// Pauses `name`: its source is closed and its employees' adherence is `unknown`.
    pub async fn pause(&self, name: &str) -> Result<(), EngineError> {
        self.set_paused(name, true).await
    }

    /// Resumes `name` after [`Engine::pause`].
    pub async fn resume(&self, name: &str) -> Result<(), EngineError> {
        self.set_paused(name, false).await
    }

    async fn set_paused(&self, name: &str, paused: bool) -> Result<(), EngineError> {
        let mut integrations = self.integrations.lock().await;
        let running = integrations
            .get_mut(name)
            .ok_or_else(|| EngineError::UnknownIntegration(name.into()))?;
        if running.paused == paused {
            return Ok(());
        }
        running.paused = paused;
        match (&running.settings.source, &self.odigo, &running.avaya) {
            (Source::Odigo(_), Some(receiver), _) => receiver.set_paused(name, paused)?,
            (Source::Avaya(_), _, Some(listener)) if paused => listener.pause().await?,
            (Source::Avaya(_), _, Some(listener)) => listener.resume().await?,
            _ if paused => self.close(running).await,
            _ => self.open(running)?,
        }
        self.adherence.set_paused(name, paused, self.clock.now());
        Ok(())
    }

    /// The integrations' names and whether each is paused.
    pub async fn integrations(&self) -> Vec<(Name, bool)> {
        let integrations = self.integrations.lock().await;
        let mut list: Vec<(Name, bool)> = integrations
            .values()
            .map(|running| (running.settings.name.clone(), running.paused))
            .collect();
        list.sort();
        list
    }

    /// New user and activity mappings, applied at once to every current status.
    pub fn reload_mappings(&self, mappings: &Mappings) {
        self.adherence.reload_mappings(mappings, self.clock.now());
    }

    /// An intraday schedule change for `employee`, effective now.
    pub fn replace_schedule(
        &self,
        employee: &str,
        rows: &[ScheduleRow],
    ) -> Result<(), EngineError> {
        Ok(self
            .adherence
            .replace_schedule(employee, rows, self.clock.now())?)
    }

    /// Stops the adapters, then the shards (applying what the adapters accepted), then the
    /// ticker. Events published before stay in the subscribers' queues.
    pub async fn shutdown(mut self) {
        let mut integrations = std::mem::take(&mut *self.integrations.lock().await);
        for running in integrations.values_mut() {
            self.close(running).await;
        }
        if let Some(receiver) = self.odigo.take() {
            receiver.shutdown().await;
        }
        // No adapter sends any more: the shards apply what is queued and stop, before the
        // last advance and the end of the capture. Joining blocks, so off the runtime.
        if let Some(shards) = self.shards.clone()
            && tokio::task::spawn_blocking(move || shards.close_and_join())
                .await
                .is_err()
        {
            tracing::error!("the shards could not be stopped");
        }
        let _ = self.stop.send(true);
        let _ = self.ticker.await;
        // Every adapter has stopped: nothing more is recorded.
        if let Some(capture) = &self.capture
            && let Err(error) = capture.finish().await
        {
            tracing::error!(%error, "the capture could not be completed");
        }
        self.adherence.advance(self.clock.now());
    }
}

/// Moves the evaluator's clock every [`TICK`] until stopped.
async fn tick(
    adherence: Arc<Adherence>,
    clock: Arc<dyn Clock>,
    mut stopped: watch::Receiver<bool>,
) {
    let mut ticks = tokio::time::interval(TICK);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticks.tick() => adherence.advance(clock.now()),
            _ = stopped.changed() => return,
        }
    }
}
