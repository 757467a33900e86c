//! The three simulated sources of `rta-sim`, on loopback, and how each feeds the engine:
//!
//! - **Avaya CMS** (`cms`): an [`AvayaSim`] streams its report to the engine's listening
//!   port, one refresh a second of real time (its virtual clock moves a second per batch, so
//!   it keeps time with the wall clock).
//! - **CIC** (`cic`): a [`CicServer`] listens, the engine's connector connects to it; the
//!   server ticks a second of its clock every second.
//! - **Odigo** (`odigo`): an [`OdigoSim`] makes notifications, a task POSTs them to the
//!   engine's receiver at the token URL as they fall due, and a [`WebService`] answers the
//!   engine's pause-detail look-ups for the pauses the simulator sends without code and
//!   label.
//!
//! Each simulator starts at the wall clock, with every agent somewhere in their day (Odigo's
//! log in during the first second: their notifications of the minute before the start are
//! sent at once), and is seeded by `--seed`.

use super::{CIC, CMS, ODIGO};
use anyhow::Context;
use jiff::{SignedDuration, Timestamp};
use rta_cic::Dialect;
use rta_engine::cic::Mode;
use rta_engine::engine::{
    AvayaSettings, CicSettings, Engine, IntegrationSettings, OdigoSettings, Source,
};
use rta_engine::odigo::{Password, PauseDetailsConfig};
use rta_model::Zone;
use rta_odigo::Token;
use rta_sim::avaya::{AvayaSim, SimConfig, StreamOptions, stream};
use rta_sim::cic::{CicServer, CicServerConfig, CicServerHandle, CicSimConfig};
use rta_sim::odigo::{
    Body, Notifier, NotifierConfig, OdigoSim, OdigoSimConfig, WebService, WebServiceConfig,
    WebServiceHandle,
};
use rta_sim::roster::Agents;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The CMS refresh, and the real time between batches.
const AVAYA_REFRESH: Duration = Duration::from_secs(1);
/// Real time between CIC ticks (a tick is a second of the server's clock).
const CIC_TICK: Duration = Duration::from_secs(1);
/// Silence after which the Odigo feed is stale: the simulated tenant sends a heartbeat a
/// minute, so only a stopped notifier gets there.
const ODIGO_STALE_AFTER: Duration = Duration::from_secs(120);
/// Notifications per request (a JSON array); more due at once go in several requests.
const ODIGO_BATCH: usize = 50;
/// The longest the notifier sleeps without looking at the simulator's queue.
const ODIGO_IDLE: Duration = Duration::from_secs(1);
const ODIGO_TENANT: &str = "acme";
const ODIGO_WS_USER: &str = "wfm-demo";
/// The sites' zones: each simulator writes its local times in it, and its integration reads
/// them in the same one.
const AVAYA_ZONE: &str = "America/New_York";
const CIC_ZONE: &str = "Europe/Paris";

/// How many agents each source has: a third each, the remainder to the first ones.
fn split(agents: usize) -> [usize; 3] {
    let third = agents / 3;
    let rest = agents % 3;
    [0, 1, 2].map(|i| third + usize::from(i < rest))
}

/// The simulators, started or ready to start, and the secrets the engine is given.
#[derive(Debug)]
pub(super) struct Sources {
    avaya: AvayaSim,
    cic: CicServerHandle,
    odigo: OdigoSim,
    web_service: WebServiceHandle,
    /// The Odigo URL token: only its hash goes to the engine, the token to the notifier.
    token: Token,
    /// The web-service password, random like a token (never shown).
    password: Password,
}

impl Sources {
    /// Makes the simulators of `agents` agents from `seed`, starting at `now`; starts the
    /// CIC server and the Odigo web service (the engine connects to them).
    pub(super) async fn start(agents: usize, seed: u64, now: Timestamp) -> anyhow::Result<Sources> {
        let [avaya_agents, cic_users, odigo_agents] = split(agents);

        let mut avaya = SimConfig::new(avaya_agents, seed, now);
        avaya.refresh = SignedDuration::try_from(AVAYA_REFRESH)?;
        avaya.zone = Zone::get(AVAYA_ZONE)?;
        let avaya = AvayaSim::new(avaya).context("the Avaya CMS simulator")?;

        let mut cic = CicSimConfig::new(cic_users, seed, now);
        cic.zone = Zone::get(CIC_ZONE)?;
        let cic = CicServer::start(CicServerConfig {
            interval: Some(CIC_TICK),
            ..CicServerConfig::manual(cic)
        })
        .await
        .context("the CIC server simulator")?;

        let mut odigo = OdigoSimConfig::new(ODIGO_TENANT, odigo_agents, seed, now);
        // Logged in by the start: their logins are the first notifications sent.
        odigo.start = now - odigo.login_spread;
        // Half the pauses come bare, so the engine asks the web service for their reason.
        odigo.wire.bare_pause_ratio = 0.5;
        let odigo = OdigoSim::new(odigo).context("the Odigo simulator")?;

        let token = Token::generate().context("a URL token for the Odigo integration")?;
        let password = Password::new(
            Token::generate()
                .context("a web-service password")?
                .expose(),
        );
        let web_service = WebService::start(WebServiceConfig::new(
            odigo.roster(),
            ODIGO_TENANT,
            ODIGO_WS_USER,
            password.expose(),
        ))
        .await
        .context("the Odigo web service simulator")?;
        Ok(Sources {
            avaya,
            cic,
            odigo,
            web_service,
            token,
            password,
        })
    }

    /// Every simulated agent's id, as its feed writes it.
    pub(super) fn agents(&self) -> Agents {
        let cms = self
            .avaya
            .agents()
            .iter()
            .map(|agent| String::from_utf8_lossy(&agent.logid).into_owned())
            .collect();
        let cic = self
            .cic
            .with_sim(|sim| sim.users().iter().map(|u| u.user_id.to_string()).collect());
        Agents {
            avaya: vec![(CMS.to_owned(), cms)],
            cic: vec![(CIC.to_owned(), cic)],
            odigo: vec![(ODIGO.to_owned(), self.odigo.config().logins.clone())],
        }
    }

    /// The engine's three integrations, reading these simulators.
    pub(super) fn integrations(&self) -> anyhow::Result<[IntegrationSettings; 3]> {
        let avaya = self.avaya.config();
        Ok([
            IntegrationSettings {
                name: CMS.into(),
                source: Source::Avaya(AvayaSettings {
                    listen: "127.0.0.1:0".parse()?,
                    layout: self.avaya.layout().clone(),
                    refresh: AVAYA_REFRESH,
                    detailed_statuses: avaya.detailed_statuses,
                    zone: avaya.zone.clone(),
                    allowed_peers: None,
                }),
            },
            IntegrationSettings {
                name: CIC.into(),
                source: Source::Cic(CicSettings {
                    servers: self.cic.local_addr().to_string(),
                    mode: Mode::Failover,
                    dialect: Dialect::Line,
                    zone: self.cic.with_sim(|sim| sim.config().zone.clone()),
                }),
            },
            IntegrationSettings {
                name: ODIGO.into(),
                source: Source::Odigo(OdigoSettings {
                    token: self.token.hash(),
                    pause_details: Some(PauseDetailsConfig::new(
                        self.web_service.url(),
                        ODIGO_WS_USER,
                        self.password.clone(),
                    )),
                    stale_after: ODIGO_STALE_AFTER,
                }),
            },
        ])
    }

    /// Starts feeding `engine`: the CMS connects to its `cms` port, the notifier posts to
    /// its Odigo receiver (the CIC connector is the engine's own).
    pub(super) async fn feed(self, engine: &Engine) -> anyhow::Result<Feeding> {
        let cms = engine
            .listen_address(CMS)
            .await
            .context("the cms integration has no port")?;
        let receiver = engine
            .odigo_receiver()
            .context("the engine has no Odigo receiver")?
            .local_addr();
        let notifier = Notifier::new(NotifierConfig::new(&format!(
            "http://{receiver}/odigo/{}",
            self.token.expose()
        )))?;
        let (stop, stopped) = watch::channel(());
        let tasks = vec![
            tokio::spawn(stream_avaya(self.avaya, cms.to_string(), stopped.clone())),
            tokio::spawn(notify_odigo(self.odigo, notifier, stopped)),
        ];
        Ok(Feeding {
            stop,
            tasks,
            cic: self.cic,
            web_service: self.web_service,
        })
    }
}

/// The simulators while they feed the engine.
#[derive(Debug)]
pub(super) struct Feeding {
    /// Dropped to stop the tasks.
    stop: watch::Sender<()>,
    tasks: Vec<JoinHandle<()>>,
    cic: CicServerHandle,
    web_service: WebServiceHandle,
}

impl Feeding {
    /// Stops every simulator: the CMS disconnects, the notifier stops posting, the CIC server
    /// closes its connections, the web service its port.
    pub(super) async fn stop(self) {
        drop(self.stop);
        for task in self.tasks {
            if let Err(error) = task.await {
                tracing::error!(%error, "a simulator task failed");
            }
        }
        self.cic.kill().await;
        self.web_service.stop().await;
    }
}

/// Streams the CMS report to `address` until stopped.
async fn stream_avaya(mut sim: AvayaSim, address: String, mut stopped: watch::Receiver<()>) {
    let options = StreamOptions::new(AVAYA_REFRESH);
    tokio::select! {
        result = stream(&mut sim, &address, &options) => {
            if let Err(error) = result {
                tracing::error!(%error, "the Avaya CMS simulator stopped");
            }
        }
        // Dropping the stream closes the connection, as a CMS going away does.
        _ = stopped.changed() => {}
    }
}

/// Posts each notification of `sim` when it falls due on the wall clock, until stopped.
async fn notify_odigo(mut sim: OdigoSim, notifier: Notifier, mut stopped: watch::Receiver<()>) {
    let posting = async {
        loop {
            let due = sim.step(Timestamp::now());
            for batch in due.chunks(ODIGO_BATCH) {
                let outcome = notifier.send(&Body::batch(batch)).await;
                if !outcome.accepted() {
                    let status = outcome.status();
                    tracing::warn!(?status, "the engine refused Odigo notifications");
                }
            }
            let wait = sim.next_time().map_or(ODIGO_IDLE, |next| {
                let until = Timestamp::now().duration_until(next);
                Duration::try_from(until)
                    .unwrap_or(Duration::ZERO)
                    .min(ODIGO_IDLE)
            });
            tokio::time::sleep(wait).await;
        }
    };
    tokio::select! {
        _ = posting => {}
        _ = stopped.changed() => {}
    }
}
