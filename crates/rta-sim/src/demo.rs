//! `rta-sim demo`: the embedded demo. A simulated Avaya CMS streams over loopback TCP into a
//! receiver built from the real decoder (`rta_avaya::LineCodec` and `Assembler`); every agent
//! change is printed as an `agent_status` event (NDJSON on stdout), feed health as `feed`
//! events, and rejected input as warnings on stderr.
//!
//! Time is virtual: each batch is one CMS refresh (15 s) of the simulator's clock, sent every
//! `--interval-ms` of real time, and the receiver takes the simulator's time marks as receive
//! times, so a working day plays in minutes and the change times stay exact.

use futures::StreamExt;
use jiff::Timestamp;
use rta_avaya::{AgentChange, Assembler, LineCodec, Output};
use rta_model::{
    AgentStatusEvent, Event, EventBody, FeedEvent, IntegrationId, Name, utf8_or_latin1,
};
use rta_sim::avaya::{AvayaSim, Faults, SimConfig, StreamOptions, parse_time_mark, stream};
use std::io::Write;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio_util::codec::FramedRead;

/// What the demo runs.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// How many agents.
    #[arg(long, default_value_t = 12)]
    agents: usize,
    /// How many batches (refreshes of 15 s of simulated time).
    #[arg(long, default_value_t = 40)]
    batches: u64,
    /// Real milliseconds between batches.
    #[arg(long, default_value_t = 100)]
    interval_ms: u64,
    /// Seed of every random choice.
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// Inject every fault the simulator knows (split writes, cut batches, disconnects,
    /// `*****`, Latin-1 names, garbage and bad rows).
    #[arg(long)]
    faults: bool,
}

const INTEGRATION: IntegrationId = IntegrationId(0);

/// Prints the pipeline's output as events with an engine-wide sequence.
struct Printer {
    integration: Name,
    seq: u64,
    out: std::io::StdoutLock<'static>,
}

impl Printer {
    fn print(&mut self, time: Timestamp, body: EventBody) -> anyhow::Result<()> {
        self.seq += 1;
        let event = Event {
            seq: self.seq,
            time,
            body,
        };
        writeln!(self.out, "{}", event.to_json())?;
        Ok(())
    }

    fn output(&mut self, output: Output<'_>, now: Timestamp) -> anyhow::Result<()> {
        match output {
            Output::Agent(change) => self.agent(&change),
            Output::Health(health) => self.print(
                now,
                EventBody::Feed(FeedEvent {
                    integration: self.integration.clone(),
                    address: None,
                    health,
                    detail: None,
                }),
            ),
            Output::Queue(_) => Ok(()),
        }
    }

    fn agent(&mut self, change: &AgentChange<'_>) -> anyhow::Result<()> {
        let observation = change.observation(INTEGRATION);
        let body = EventBody::AgentStatus(AgentStatusEvent {
            integration: self.integration.clone(),
            external_id: utf8_or_latin1(&observation.external_id).into(),
            employee: None,
            phase: observation.phase,
            status: observation.status.code.into(),
            reason: observation.status.reason.map(|r| r.into_owned()),
            detail: observation.status.detail.map(|d| d.into_owned()),
            skills: observation.status.skills.into_owned(),
            activity: None,
            since: observation.time,
            received: observation.received,
        });
        self.print(observation.time, body)
    }
}

/// Reads one connection into the assembler, printing what it emits.
async fn receive(
    socket: TcpStream,
    assembler: &mut Assembler,
    printer: &mut Printer,
    now: &mut Timestamp,
) -> anyhow::Result<()> {
    let mut frames = FramedRead::new(socket, LineCodec::default());
    let mut failure = Ok(());
    while let Some(frame) = frames.next().await {
        let frame = frame?;
        if let Some(time) = frame.as_ref().ok().and_then(|line| parse_time_mark(line)) {
            *now = time;
        }
        let at = *now;
        let result = assembler.push_frame(frame, at, &mut |output| {
            if failure.is_ok() {
                failure = printer.output(output, at);
            }
        });
        if let Err(error) = result {
            tracing::warn!(%error, "rejected input");
        }
        std::mem::replace(&mut failure, Ok(()))?;
    }
    let at = *now;
    assembler.connection_lost(at, &mut |output| {
        if failure.is_ok() {
            failure = printer.output(output, at);
        }
    });
    tracing::info!("CMS disconnected");
    failure
}

pub async fn run(args: DemoArgs) -> anyhow::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?.to_string();
    let start = Timestamp::from_second(Timestamp::now().as_second())?;
    let mut config = SimConfig::new(args.agents, args.seed, start);
    config.time_marks = true;
    if args.faults {
        config.faults = Faults::all();
    }
    let mut sim = AvayaSim::new(config)?;
    let mut assembler = Assembler::new(
        sim.config().assembler_config(INTEGRATION),
        sim.layout().clone(),
    );
    let mut now = sim.next_time();
    tracing::info!(%addr, layout = %sim.layout(), agents = args.agents, "listening for the simulated CMS");

    let mut options = StreamOptions::new(Duration::from_millis(args.interval_ms));
    options.batches = Some(args.batches);
    let mut client = tokio::spawn(async move { stream(&mut sim, &addr, &options).await });
    let mut printer = Printer {
        integration: "demo-cms".into(),
        seq: 0,
        out: std::io::stdout().lock(),
    };
    let mut open_connections = 0u64;
    let report = loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (socket, peer) = accepted?;
                tracing::info!(%peer, "CMS connected");
                open_connections += 1;
                receive(socket, &mut assembler, &mut printer, &mut now).await?;
            }
            joined = &mut client => break joined??,
        }
    };
    // The last connection may still hold unread batches after the client returned.
    if report.connections > open_connections {
        let (socket, _) = listener.accept().await?;
        receive(socket, &mut assembler, &mut printer, &mut now).await?;
    }
    let stats = assembler.stats();
    tracing::info!(
        agents = assembler.agent_count(),
        rows = stats.rows,
        batches = stats.batches_completed,
        cut_off = stats.batches_cut_off,
        bad_rows = stats.bad_rows,
        bad_lines = stats.bad_lines,
        events = printer.seq,
        "demo finished"
    );
    Ok(())
}
