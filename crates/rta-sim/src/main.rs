//! `rta-sim`: streams simulated source feeds to a running engine.
//!
//! ```text
//! rta-sim demo                      # the embedded demo: simulator -> decoder -> events
//! rta-sim avaya --port 5001 --agents 500 --refresh 15 --faults split,garbage
//! ```

mod demo;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use jiff::{SignedDuration, Timestamp};
use rta_avaya::RowStyle;
use rta_model::Zone;
use rta_sim::avaya::{AvayaSim, Faults, SimConfig, SkillColumn, StreamOptions, stream};
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
    }
}
