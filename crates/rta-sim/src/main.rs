//! `rta-sim`: streams simulated source feeds to a running engine.
//!
//! ```text
//! rta-sim demo                      # the embedded demo: simulator -> decoder -> events
//! rta-sim avaya --port 5001 --agents 500 --refresh 15 --faults split,garbage
//! rta-sim cic --listen 127.0.0.1:8080 --users 200 --dialect icws --zone America/New_York
//! rta-sim odigo --url http://127.0.0.1:8080/odigo/TOKEN --agents 500 --rate 200 --batch 5 \
//!     --bare-pause-ratio 0.3 --malformed-every 100 --web-service-listen 127.0.0.1:9090
//! rta-sim load --avaya 127.0.0.1:5001,127.0.0.1:5002,127.0.0.1:5003,127.0.0.1:5004 \
//!     --odigo-url http://127.0.0.1:8080/odigo/TOKEN --msgpack 127.0.0.1:7300 \
//!     --sse-url http://127.0.0.1:8080/events --pace flood --duration 30s
//! ```

mod demo;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use futures::StreamExt;
use jiff::{SignedDuration, Timestamp};
use rta_avaya::RowStyle;
use rta_model::Zone;
use rta_sim::avaya::{AvayaSim, Faults, SimConfig, SkillColumn, StreamOptions, stream};
use rta_sim::cic::{CicFaults, CicServer, CicServerConfig, CicSimConfig, Dialect};
use rta_sim::odigo::{
    Body, Malformed, Notifier, NotifierConfig, OdigoSim, OdigoSimConfig, WebService,
    WebServiceConfig, WireOptions,
};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use tracing_subscriber::EnvFilter;

#[derive(Debug, Parser)]
#[command(
    name = "rta-sim",
    version,
    about = "Simulated contact-center source feeds"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the embedded demo: a simulated CMS streams into the real Avaya decoder over
    /// loopback, and every agent change is printed as an NDJSON event.
    Demo(demo::DemoArgs),
    /// Connect to an engine's Avaya listener and stream a CMS rt_socket agent report.
    Avaya(AvayaArgs),
    /// Listen as a CIC server: each client gets a snapshot of the users, then their changes
    /// and heartbeats.
    Cic(CicArgs),
    /// POST Odigo agent state notifications to an engine's token URL at a given rate, and
    /// print what the engine answered. With --web-service-listen, also serve the pause
    /// look-up of the same agents.
    Odigo(OdigoArgs),
    /// Drive a running engine with the end-to-end load (Avaya CMSs, CIC servers this command
    /// listens as, Odigo notifications, MessagePack and SSE subscribers) and report what it
    /// sustained: observations/s, events/s, agent_status latency percentiles.
    Load(LoadArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum LoadPace {
    /// Every source at its rate (an Avaya batch every refresh): for latency.
    Realtime,
    /// Every source as fast as the engine reads: for throughput.
    Flood,
}

/// `rta-sim load`: sources and subscribers absent from the command line are left out.
#[derive(Debug, clap::Args)]
struct LoadArgs {
    /// The engine's Avaya listeners, one per CMS connection (integrations cms-1, cms-2...).
    #[arg(long, value_delimiter = ',')]
    avaya: Vec<std::net::SocketAddr>,
    /// The engine's Odigo token URL (http://host:port/path/TOKEN).
    #[arg(long)]
    odigo_url: Option<String>,
    /// The engine's TCP MessagePack sink.
    #[arg(long)]
    msgpack: Option<std::net::SocketAddr>,
    /// The engine's SSE endpoint (http://host:port/events).
    #[arg(long)]
    sse_url: Option<String>,
    #[arg(long, value_enum, default_value_t = LoadPace::Realtime)]
    pace: LoadPace,
    /// Simulated time per run (`60s`, `5m`), rounded up to whole refreshes.
    #[arg(long, default_value = "60s", value_parser = parse_span)]
    duration: std::time::Duration,
    /// Runs one after the other, each reported (the traffic goes on).
    #[arg(long, default_value_t = 1)]
    runs: u32,
    /// Avaya agents, split over the --avaya connections.
    #[arg(long, default_value_t = 100_000)]
    agents: usize,
    /// Seconds between Avaya snapshots.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..=3600))]
    refresh: u64,
    /// CIC users (0: no CIC traffic).
    #[arg(long, default_value_t = 50_000)]
    cic_users: usize,
    #[arg(long, default_value_t = 2)]
    cic_servers: usize,
    /// CIC status changes per second, all servers.
    #[arg(long, default_value_t = 5_000.0)]
    cic_rate: f64,
    #[arg(long, default_value_t = 10_000)]
    odigo_agents: usize,
    #[arg(long, default_value_t = 4)]
    odigo_connections: usize,
    /// Odigo notifications per second, all connections.
    #[arg(long, default_value_t = 2_000.0)]
    odigo_rate: f64,
    #[arg(long, default_value_t = 8)]
    msgpack_subscribers: usize,
    #[arg(long, default_value_t = 8)]
    sse_subscribers: usize,
    /// IANA zone of the Avaya and CIC local times.
    #[arg(long, default_value = "Europe/Paris")]
    zone: String,
    #[arg(long, default_value_t = 8)]
    seed: u64,
    /// Seconds to wait for the engine's CIC connections and for the last events.
    #[arg(long, default_value_t = 120)]
    timeout: u64,
    /// Each report as one JSON line instead of text.
    #[arg(long)]
    json: bool,
}

fn parse_span(text: &str) -> Result<std::time::Duration, String> {
    let span: SignedDuration = text.parse().map_err(|error| format!("{error}"))?;
    std::time::Duration::try_from(span).map_err(|error| format!("{error}"))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FaultName {
    /// Write each batch in pieces cut at random offsets.
    Split,
    /// Drop the trailer of some batches.
    CutOff,
    /// Drop the connection in the middle of some batches, then reconnect.
    Disconnect,
    /// `*****` in AGDURATION now and then.
    Overflow,
    /// A NAME column with Latin-1 names.
    Latin1,
    /// Noise lines: unknown tags, blank lines, non-records, over-long lines.
    Garbage,
    /// Unreadable rows now and then.
    BadRows,
    /// Every fault.
    All,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum MultiSkill {
    /// One row per skill, a SPLIT column naming it.
    Split,
    /// One row per skill, a LOGONSKILLS column naming it.
    LogonSkills,
}

#[derive(Debug, clap::Args)]
struct AvayaArgs {
    /// The engine's listening port.
    #[arg(long)]
    port: u16,
    /// The engine's host.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// How many agents.
    #[arg(long, default_value_t = 100)]
    agents: usize,
    /// Seconds between batches (CMS: 15 by default, 3 at best).
    #[arg(long, default_value_t = 15, value_parser = clap::value_parser!(u64).range(1..=3600))]
    refresh: u64,
    /// Seed of every random choice.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Numeric AGSTATE and durations in seconds (the agent-numeric preset).
    #[arg(long)]
    numeric: bool,
    /// Cells without CMS padding.
    #[arg(long)]
    unpadded: bool,
    /// No F0 header: the receiver times each batch at its first row.
    #[arg(long)]
    no_header: bool,
    /// CR LF line ends.
    #[arg(long)]
    crlf: bool,
    /// The IANA zone of the F0 batch times.
    #[arg(long, default_value = "UTC")]
    zone: String,
    /// List multi-skilled agents once per skill.
    #[arg(long, value_enum)]
    multi_skill: Option<MultiSkill>,
    /// Precede each batch with an F9 line carrying its time (receivers ignore it).
    #[arg(long)]
    time_marks: bool,
    /// Stop after this many batches.
    #[arg(long)]
    batches: Option<u64>,
    /// Faults to inject, separated by commas.
    #[arg(long, value_enum, value_delimiter = ',')]
    faults: Vec<FaultName>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum CicDialect {
    /// `STATUS|...` records with local times.
    Line,
    /// ICWS messages as NDJSON.
    Icws,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum CicFaultName {
    /// Cut half the connections in the middle of their snapshot.
    DropSnapshot,
    /// Now and then stop sending to every connection without closing it.
    Silence,
    /// Garbage lines now and then.
    Garbage,
    /// Now and then close every connection.
    Disconnect,
    /// Write in pieces of up to 16 bytes.
    Split,
    /// Every fault.
    All,
}

#[derive(Debug, clap::Args)]
struct CicArgs {
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: String,
    /// How many users.
    #[arg(long, default_value_t = 100)]
    users: usize,
    /// The wire dialect.
    #[arg(long, value_enum, default_value = "line")]
    dialect: CicDialect,
    /// The ACD time zone (IANA) of line-dialect times.
    #[arg(long, default_value = "UTC")]
    zone: String,
    /// Line dialect: write UTC times with `Z` instead of local times.
    #[arg(long)]
    utc_times: bool,
    /// Seed of every random choice.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The simulated start: an RFC 3339 instant, or a local time in --zone
    /// (`2026-11-01T00:30:00`); default now.
    #[arg(long)]
    start: Option<String>,
    /// Real milliseconds between ticks.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..))]
    interval_ms: u64,
    /// Simulated seconds per tick (more than the interval runs the clock fast).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=86400))]
    tick_secs: u64,
    /// Simulated seconds between heartbeats; 0 for none.
    #[arg(long, default_value_t = 30)]
    heartbeat_secs: u64,
    /// Faults to inject, separated by commas.
    #[arg(long, value_enum, value_delimiter = ',')]
    faults: Vec<CicFaultName>,
}

#[derive(Debug, clap::Args)]
struct OdigoArgs {
    /// The engine's token URL, whole: `http://127.0.0.1:8080/odigo/<token>`. Logged with
    /// the token redacted.
    #[arg(long)]
    url: String,
    /// How many agents (`agent0001@<tenant>.example`...).
    #[arg(long, default_value_t = 100)]
    agents: usize,
    /// Notifications per second. Above the agents' own pace (roughly one change per agent
    /// every two or three minutes) the virtual clock, and so the notification times, runs
    /// ahead of the wall clock: add agents to keep it realistic. Without it: real time, at
    /// the agents' own pace, notification times on the wall clock.
    #[arg(long)]
    rate: Option<f64>,
    /// Stop after this many seconds; default: until interrupted.
    #[arg(long)]
    duration: Option<u64>,
    /// Notifications per request: more than one sends JSON arrays.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    batch: u64,
    /// Form bodies (`application/x-www-form-urlencoded`, one notification each).
    #[arg(long, conflicts_with = "batch")]
    form: bool,
    /// Vary the wire: alias keys, state synonyms, lower case, extra fields, epoch and
    /// offset times.
    #[arg(long)]
    varied: bool,
    /// Share of PAUSE notifications sent without code and label (the engine asks the web
    /// service).
    #[arg(long, default_value_t = 0.0)]
    bare_pause_ratio: f64,
    /// Share of accepted bodies sent once more (Odigo's duplicates).
    #[arg(long, default_value_t = 0.0)]
    retry_ratio: f64,
    /// After every K-th request, a malformed one (each kind in turn); 0: none.
    #[arg(long, default_value_t = 0)]
    malformed_every: u64,
    /// Requests in flight at most.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u64).range(1..=1024))]
    connections: u64,
    /// The tenant id.
    #[arg(long, default_value = "acme")]
    tenant: String,
    /// Seed of every random choice.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Serve the Odigo web service (pause look-ups of these very agents, as of the
    /// notifications sent) on this address; its URL with tenant id is logged.
    #[arg(long)]
    web_service_listen: Option<String>,
    /// The web service's Basic auth user.
    #[arg(long, default_value = "wfm")]
    web_service_user: String,
    /// The web service's Basic auth password (never logged).
    #[arg(long, default_value = "wfm-password")]
    web_service_password: String,
}

/// One request of a tick: notifications, or a malformed body.
#[derive(Debug)]
enum Job {
    Notify(Body),
    Malformed(Malformed, Body),
}

/// The requests of the notifications `batch`: one per notification (JSON or form), or JSON
/// arrays of `batch`.
fn bodies(notifications: &[rta_sim::odigo::SimNotification], args: &OdigoArgs) -> Vec<Body> {
    if args.form {
        notifications.iter().map(Body::form).collect()
    } else if args.batch == 1 {
        notifications.iter().map(Body::json).collect()
    } else {
        let batch = usize::try_from(args.batch).unwrap_or(usize::MAX);
        notifications.chunks(batch).map(Body::batch).collect()
    }
}

async fn odigo(args: OdigoArgs) -> anyhow::Result<()> {
    anyhow::ensure!(
        args.rate.is_none_or(|rate| rate.is_finite() && rate > 0.0),
        "--rate must be positive"
    );
    let start = Timestamp::from_millisecond(Timestamp::now().as_millisecond())?;
    let mut config = OdigoSimConfig::new(&args.tenant, args.agents, args.seed, start);
    if args.varied {
        config.wire = WireOptions::varied();
    }
    config.wire.bare_pause_ratio = args.bare_pause_ratio;
    let mut sim = OdigoSim::new(config).context("Odigo simulator")?;
    let mut notifier_config = NotifierConfig::new(&args.url);
    notifier_config.retry_ratio = args.retry_ratio;
    notifier_config.seed = args.seed;
    let notifier = Notifier::new(notifier_config).context("Odigo notifier")?;
    // Kept alive until the end of the run.
    let _service = match &args.web_service_listen {
        Some(listen) => {
            let mut config = WebServiceConfig::new(
                sim.roster(),
                &args.tenant,
                &args.web_service_user,
                &args.web_service_password,
            );
            config.listen = listen.clone();
            let service = WebService::start(config)
                .await
                .context("Odigo web service")?;
            tracing::info!(url = service.url(), user = %args.web_service_user, "serving pause look-ups");
            Some(service)
        }
        None => None,
    };
    tracing::info!(
        url = notifier.redacted_url(),
        agents = args.agents,
        rate = args.rate,
        batch = args.batch,
        form = args.form,
        "sending Odigo notifications"
    );
    let began = Instant::now();
    let mut timer = tokio::time::interval(Duration::from_millis(100));
    timer.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // Notifications the rate owed so far, and requests made.
    let (mut made, mut requests) = (0u64, 0u64);
    let mut malformed: BTreeMap<(&str, Option<u16>), u64> = BTreeMap::new();
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    loop {
        tokio::select! {
            _ = &mut ctrl_c => break,
            _ = timer.tick() => {}
        }
        let elapsed = began.elapsed();
        if args.duration.is_some_and(|secs| elapsed.as_secs() >= secs) {
            break;
        }
        let notifications = match args.rate {
            Some(rate) => {
                // What the rate owes since the last tick, but at most a second's worth: an
                // engine too slow for the rate gets fewer, not an ever-growing backlog.
                let owed = (rate * elapsed.as_secs_f64()) as u64;
                let count = owed.saturating_sub(made).min(rate.ceil() as u64);
                made = owed;
                (0..count).map_while(|_| sim.next_notification()).collect()
            }
            None => sim.step(start + SignedDuration::try_from(elapsed)?),
        };
        let mut jobs = Vec::new();
        for body in bodies(&notifications, &args) {
            jobs.push(Job::Notify(body));
            requests += 1;
            if args.malformed_every > 0 && requests % args.malformed_every == 0 {
                let turn = (requests / args.malformed_every - 1) as usize;
                let kind = Malformed::ALL[turn % Malformed::ALL.len()];
                jobs.extend(sim.malformed(kind).map(|body| Job::Malformed(kind, body)));
            }
        }
        let notifier = &notifier;
        let statuses: Vec<_> = futures::stream::iter(jobs)
            .map(|job| async move {
                match job {
                    Job::Notify(body) => {
                        notifier.send(&body).await;
                        None
                    }
                    Job::Malformed(kind, body) => {
                        let status = notifier.send_malformed(&body).await.ok();
                        Some((kind.name(), status.map(|s| s.as_u16())))
                    }
                }
            })
            .buffer_unordered(usize::try_from(args.connections)?)
            .collect()
            .await;
        for key in statuses.into_iter().flatten() {
            *malformed.entry(key).or_default() += 1;
        }
    }
    let stats = notifier.stats();
    println!(
        "{} bodies ({} notifications) in {:.1} s: {} accepted, {} rejected, {} given up; \
         {} resends, {} duplicates, {} malformed, {} requests without an answer",
        stats.sent,
        stats.notifications,
        began.elapsed().as_secs_f64(),
        stats.accepted,
        stats.rejected,
        stats.gave_up,
        stats.retried,
        stats.duplicates,
        stats.malformed,
        stats.transport_errors,
    );
    for (status, count) in &stats.by_status {
        println!("  HTTP {status}: {count} requests");
    }
    for ((kind, status), count) in &malformed {
        let status = status.map_or("no answer".to_owned(), |s| format!("HTTP {s}"));
        println!("  malformed {kind}: {status} x{count}");
    }
    let ahead = sim.now().duration_since(Timestamp::now());
    println!(
        "virtual clock {:.0} ({:+.0} s from the wall clock)",
        sim.now(),
        ahead.as_secs_f64()
    );
    Ok(())
}

fn cic_faults(names: &[CicFaultName]) -> CicFaults {
    let all = CicFaults::all();
    let mut faults = CicFaults::none();
    for name in names {
        match name {
            CicFaultName::DropSnapshot => faults.drop_snapshot = all.drop_snapshot,
            CicFaultName::Silence => faults.silence = all.silence,
            CicFaultName::Garbage => faults.garbage = all.garbage,
            CicFaultName::Disconnect => faults.disconnect = all.disconnect,
            CicFaultName::Split => faults.split_writes = all.split_writes,
            CicFaultName::All => faults = all,
        }
    }
    faults
}

/// An RFC 3339 instant, or a civil time in `zone` (a repeated time is the earlier one).
fn start_time(text: &str, zone: &Zone) -> anyhow::Result<Timestamp> {
    if let Ok(instant) = text.parse::<Timestamp>() {
        return Ok(instant);
    }
    let local: jiff::civil::DateTime = text.parse().with_context(|| {
        format!("--start {text:?}: neither an RFC 3339 instant nor a local time")
    })?;
    Ok(zone.resolve(local, None)?)
}

async fn cic(args: CicArgs) -> anyhow::Result<()> {
    let zone = Zone::get(&args.zone)?;
    let start = match &args.start {
        Some(text) => start_time(text, &zone)?,
        None => Timestamp::from_second(Timestamp::now().as_second())?,
    };
    let mut sim = CicSimConfig::new(args.users, args.seed, start);
    sim.dialect = match args.dialect {
        CicDialect::Line => Dialect::Line,
        CicDialect::Icws => Dialect::Icws,
    };
    sim.zone = zone;
    sim.utc_times = args.utc_times;
    sim.tick = SignedDuration::from_secs(i64::try_from(args.tick_secs)?);
    sim.heartbeat = (args.heartbeat_secs > 0)
        .then(|| i64::try_from(args.heartbeat_secs).map(SignedDuration::from_secs))
        .transpose()?;
    sim.faults = cic_faults(&args.faults);
    let dialect = sim.dialect;
    let server = CicServer::start(CicServerConfig {
        listen: args.listen,
        sim,
        interval: Some(Duration::from_millis(args.interval_ms)),
    })
    .await
    .context("CIC simulator")?;
    tracing::info!(
        addr = %server.local_addr(), users = args.users, ?dialect, zone = %args.zone, %start,
        "serving a CIC feed"
    );
    tokio::signal::ctrl_c().await?;
    tracing::info!(stats = ?server.stats(), now = %server.now(), "interrupted");
    server.kill().await;
    Ok(())
}

fn faults(names: &[FaultName]) -> Faults {
    let all = Faults::all();
    let mut faults = Faults::none();
    for name in names {
        match name {
            FaultName::Split => faults.split_writes = true,
            FaultName::CutOff => faults.cut_off = all.cut_off,
            FaultName::Disconnect => faults.disconnect = all.disconnect,
            FaultName::Overflow => faults.overflow = all.overflow,
            FaultName::Latin1 => faults.latin1_names = true,
            FaultName::Garbage => faults.garbage = all.garbage,
            FaultName::BadRows => faults.bad_rows = all.bad_rows,
            FaultName::All => faults = all,
        }
    }
    faults
}

async fn avaya(args: AvayaArgs) -> anyhow::Result<()> {
    let start = Timestamp::from_second(Timestamp::now().as_second())?;
    let mut config = SimConfig::new(args.agents, args.seed, start);
    config.refresh = SignedDuration::from_secs(i64::try_from(args.refresh)?);
    config.zone = Zone::get(&args.zone)?;
    config.style = RowStyle {
        numeric: args.numeric,
        padded: !args.unpadded,
    };
    config.header = !args.no_header;
    config.crlf = args.crlf;
    config.time_marks = args.time_marks;
    config.multi_skill = args.multi_skill.map(|column| match column {
        MultiSkill::Split => SkillColumn::Split,
        MultiSkill::LogonSkills => SkillColumn::LogonSkills,
    });
    config.faults = faults(&args.faults);
    let mut sim = AvayaSim::new(config).context("simulator configuration")?;
    let addr = if args.host.contains(':') && !args.host.starts_with('[') {
        format!("[{}]:{}", args.host, args.port)
    } else {
        format!("{}:{}", args.host, args.port)
    };
    tracing::info!(%addr, layout = %sim.layout(), agents = args.agents, "streaming Avaya CMS agent report");
    let mut options = StreamOptions::new(Duration::from_secs(args.refresh));
    options.batches = args.batches;
    let report = tokio::select! {
        report = stream(&mut sim, &addr, &options) => report?,
        _ = tokio::signal::ctrl_c() => {
            tracing::info!("interrupted");
            return Ok(());
        }
    };
    tracing::info!(?report, "done");
    Ok(())
}

async fn load(args: LoadArgs) -> anyhow::Result<()> {
    use rta_sim::load::{Load, LoadConfig, Pace, Targets};
    let refresh = std::time::Duration::from_secs(args.refresh);
    let refreshes = args.duration.as_secs_f64() / refresh.as_secs_f64();
    let config = LoadConfig {
        seed: args.seed,
        pace: match args.pace {
            LoadPace::Realtime => Pace::RealTime,
            LoadPace::Flood => Pace::Flood,
        },
        refreshes_per_run: (refreshes.ceil() as u32).max(1),
        zone: args.zone,
        avaya_connections: args.avaya.len(),
        avaya_agents: if args.avaya.is_empty() {
            0
        } else {
            args.agents
        },
        avaya_refresh: refresh,
        cic_servers: args.cic_servers,
        cic_users: args.cic_users,
        cic_rate: args.cic_rate,
        odigo_agents: args.odigo_url.as_ref().map_or(0, |_| args.odigo_agents),
        odigo_connections: args.odigo_connections,
        odigo_rate: args.odigo_rate,
        msgpack_subscribers: args.msgpack.map_or(0, |_| args.msgpack_subscribers),
        sse_subscribers: args.sse_url.as_ref().map_or(0, |_| args.sse_subscribers),
        timeout: std::time::Duration::from_secs(args.timeout),
        ..LoadConfig::default()
    };
    let start = Timestamp::from_second(Timestamp::now().as_second())?;
    let mut load = Load::prepare(config, start).await?;
    let cic: Vec<String> = load
        .cic_addresses()
        .iter()
        .map(ToString::to_string)
        .collect();
    if !cic.is_empty() {
        println!(
            "CIC servers listening on {} (integration cic, dialect line, zone {})",
            cic.join(", "),
            load.plan().zone
        );
    }
    let targets = Targets {
        avaya: args.avaya,
        odigo_url: args.odigo_url,
        msgpack: args.msgpack,
        sse_url: args.sse_url,
    };
    // The subscribers read on threads of their own, as consumers in other processes do: not
    // behind the writing of a CMS refresh.
    let subscribers = rta_sim::load::subscribers_runtime(1)?;
    load.subscribers_on(subscribers.handle().clone());
    let runs = async {
        for _ in 0..args.runs {
            let report = tokio::select! {
                report = load.run(&targets) => report?,
                _ = tokio::signal::ctrl_c() => break,
            };
            if args.json {
                println!("{}", serde_json::to_string(&report)?);
            } else {
                println!("{report}");
            }
        }
        anyhow::Ok(())
    }
    .await;
    // Dropping a runtime inside another one would panic.
    subscribers.shutdown_background();
    runs
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    match Cli::parse().command {
        Command::Demo(args) => demo::run(args).await,
        Command::Avaya(args) => avaya(args).await,
        Command::Cic(args) => cic(args).await,
        Command::Odigo(args) => odigo(args).await,
        Command::Load(args) => load(args).await,
    }
}
