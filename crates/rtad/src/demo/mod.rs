//! `rtad demo`: the engine, fed live by the three simulated sources, summarised every second.
//!
//! ```text
//! rtad demo [--agents 300] [--seconds N] [--seed 7] [--sse-listen 127.0.0.1:0] [--plain]
//! ```
//!
//! One process holds everything, on loopback:
//! - the engine ([`Engine::builder`]) with an embedded configuration: three integrations,
//!   `cms` (Avaya CMS), `cic` (CIC) and `odigo` (Odigo, with pause details), and the
//!   adherence configuration of a generated site ([`rta_sim::roster`]): one employee per agent
//!   (`E001`...) in teams of ten, user mappings from the simulators' own agent ids, activity
//!   mappings of each source's statuses, and a shift for today laid around the start;
//! - the simulators of `rta-sim` feeding it in real time ([`sources`]): `rta-sim` is a
//!   dependency of `rtad` for this command only;
//! - an SSE server on the engine's bus ([`SseServer`]): its URL is printed, `curl -N` it to
//!   see the events themselves;
//! - the summary ([`summary`]), redrawn every second: feed health and agents per
//!   integration, agents per phase, what is scheduled now, employees per adherence status,
//!   alarms, unmapped ids and codes, events published. On a terminal the screen is cleared
//!   and redrawn; with `--plain`, or when standard output is not a terminal, each summary is
//!   appended after a blank line (for logs and tests).
//!
//! Ctrl-C, or the end of `--seconds`, stops the simulators, then the engine (which delivers
//! what it emitted to its subscribers), then the SSE server, and prints one final line.
//! Logs go to standard error as for every command (`RUST_LOG=warn` keeps a terminal quiet).

mod sources;
mod summary;

use jiff::Timestamp;
use rta_engine::engine::Engine;
use rta_engine::odigo::ReceiverConfig;
use rta_engine::sinks::SseServer;
use rta_engine::{EventKind, Filter, SubscribeOptions};
use rta_sim::roster::{Roster, Segments};
use sources::Sources;
use std::io::{IsTerminal as _, Write as _};
use std::net::SocketAddr;
use std::time::Duration;
use summary::{Header, Log, Reading};
use tokio::time::{Instant, MissedTickBehavior};

/// The integration names, as the roster's mappings and the summary name them.
const CMS: &str = "cms";
const CIC: &str = "cic";
const ODIGO: &str = "odigo";

/// How often the summary is redrawn.
const REDRAW: Duration = Duration::from_secs(1);
/// Clears the screen and moves the cursor home (ANSI), before each redraw on a terminal.
const CLEAR: &str = "\x1b[H\x1b[2J";

/// What `rtad demo` runs.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Simulated agents, split evenly over the Avaya CMS, CIC and Odigo simulators.
    #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u32).range(3..=30_000))]
    agents: u32,
    /// Stop after this many seconds (default: run until Ctrl-C).
    #[arg(long, value_name = "N")]
    seconds: Option<u64>,
    /// Seed of the simulators: the same seed, the same agents and the same day.
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// Where the SSE stream of the engine's events listens (port 0: a free port).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
    sse_listen: SocketAddr,
    /// Append one summary a second instead of redrawing the screen (for logs and tests;
    /// the default when standard output is not a terminal).
    #[arg(long)]
    plain: bool,
}

/// Runs the demo on its own runtime until Ctrl-C or `--seconds`.
pub fn run(args: DemoArgs) -> anyhow::Result<()> {
    tokio::runtime::Runtime::new()?.block_on(demo(args))
}

async fn demo(args: DemoArgs) -> anyhow::Result<()> {
    let agents = usize::try_from(args.agents)?;
    let started = Instant::now();
    let now = Timestamp::now();
    let sources = Sources::start(agents, args.seed, now).await?;
    let roster = Roster::generate(&sources.agents(), now, Segments::PerActivity);
    let mut engine = Engine::builder()
        .adherence(roster.config.clone())
        .odigo_receiver(ReceiverConfig::new("127.0.0.1:0".parse()?));
    for integration in sources.integrations()? {
        engine = engine.integration(integration);
    }
    let engine = engine.start().await?;
    // From the first seq: the feeds' first `waiting` came while the engine started.
    let mut events = engine.subscribe_async(
        SubscribeOptions::new(Filter::all().kinds([
            EventKind::Feed,
            EventKind::Alarm,
            EventKind::Unmapped,
        ]))
        .resume_from(0),
    )?;
    let sse = SseServer::start(args.sse_listen, engine.bus().clone()).await?;
    let sse_url = format!("http://{}/events", sse.local_addr());
    println!("rtad demo: {agents} agents, SSE stream at {sse_url} (Ctrl-C stops)");
    let feeding = sources.feed(&engine).await?;

    let plain = args.plain || !std::io::stdout().is_terminal();
    // Made once, outside the loop: a Ctrl-C between two turns is not lost.
    let deadline = sleep_until(args.seconds.map(|s| started + Duration::from_secs(s)));
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(deadline, ctrl_c);
    let mut ticks = tokio::time::interval_at(started + REDRAW, REDRAW);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut log = Log::default();
    let stop_reason = loop {
        tokio::select! {
            delivery = events.recv() => match delivery {
                Ok(delivery) => log.apply(&delivery),
                Err(_) => break "the engine's bus closed",
            },
            _ = ticks.tick() => {
                let header = Header {
                    agents,
                    running: started.elapsed(),
                    now: Timestamp::now(),
                    sse_url: &sse_url,
                };
                let reading = Reading::take(&engine, &roster.employees);
                draw(plain, &summary::render(&header, &log, &reading))?;
            }
            () = &mut deadline => break "time is up",
            signal = &mut ctrl_c => {
                signal?;
                break "Ctrl-C";
            }
        }
    };

    feeding.stop().await;
    let published = engine.bus().last_seq();
    engine.shutdown().await;
    sse.shutdown().await;
    println!(
        "rtad demo stopped ({stop_reason}) after {} s: {published} events published, {} alarms \
         raised",
        started.elapsed().as_secs(),
        log.raised(),
    );
    Ok(())
}

/// Writes a summary: after a blank line in plain mode, else over the cleared screen.
fn draw(plain: bool, text: &str) -> std::io::Result<()> {
    let mut stdout = std::io::stdout().lock();
    if plain {
        writeln!(stdout)?;
    } else {
        write!(stdout, "{CLEAR}")?;
    }
    write!(stdout, "{text}")?;
    stdout.flush()
}

/// Sleeps until `deadline`, or forever without one.
async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}
