//! `rta-sim`: streams simulated source feeds to a running engine.
//!
//! ```text
//! rta-sim demo                      # the embedded demo: simulator -> decoder -> events
//! rta-sim avaya --port 5001 --agents 500 --refresh 15 --faults split,garbage
//! rta-sim cic --listen 127.0.0.1:8080 --users 200 --dialect icws --zone America/New_York
//! ```

mod demo;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use jiff::{SignedDuration, Timestamp};
use rta_avaya::RowStyle;
use rta_model::Zone;
use rta_sim::avaya::{AvayaSim, Faults, SimConfig, SkillColumn, StreamOptions, stream};
use rta_sim::cic::{CicFaults, CicServer, CicServerConfig, CicSimConfig, Dialect};
use std::time::Duration;
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
    }
}
