//! `rtad`: the standalone rta daemon.
//!
//! ```text
//! rtad check --config rtad.toml                            # every problem, one a line
//! rtad token --config rtad.toml --integration odigo-paris  # a new Odigo URL, shown once
//! rtad run --config rtad.toml                              # the daemon (SIGHUP reloads)
//! ```
//!
//! Logs go to standard error, filtered by `RUST_LOG` (default `info`); what a command is
//! asked for (problems, the URL) goes to standard output.

mod demo;

use anyhow::{Context, anyhow, bail};
use clap::{Args, Parser, Subcommand};
use rta_odigo::TokenStore;
use rtad::run::{Daemon, StartError};
use rtad::{Config, Kind};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use tracing_subscriber::EnvFilter;

#[derive(Debug, Parser)]
#[command(
    name = "rtad",
    version,
    about = "Real-time agent status and adherence daemon"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check a configuration file: print every problem, each with its key, and exit with 1
    /// if there is any.
    Check(ConfigArg),
    /// Generate a new URL token for an Odigo integration: print the URL to paste into Odigo
    /// once and store only the token's hash in the state directory. The previous URL stops
    /// working.
    Token(TokenArgs),
    /// Run the daemon: the integrations, the outputs and the HTTP server. SIGHUP (or
    /// `POST /admin/reload`) re-reads the configuration; SIGINT or SIGTERM stops it after
    /// every event emitted is delivered to the outputs.
    Run(RunArgs),
    /// The demo: the engine fed live by simulated Avaya CMS, CIC and Odigo sources on
    /// loopback, with a generated site and schedule; a summary every second and an SSE
    /// stream of the events. Ctrl-C stops it.
    Demo(demo::DemoArgs),
    /// Replay a capture (`rtad run --capture`) through the decoders and the evaluator on a
    /// virtual clock that follows the receive times: the events on standard output as
    /// NDJSON, the same bytes for the same capture and configuration.
    Replay(rtad::replay::ReplayArgs),
}

#[derive(Debug, Args)]
struct ConfigArg {
    /// The configuration file (TOML; see docs/config.md).
    #[arg(long, short, value_name = "FILE")]
    config: PathBuf,
}

#[derive(Debug, Args)]
struct RunArgs {
    #[command(flatten)]
    config: ConfigArg,
    /// Record every raw input record (Avaya and CIC lines, accepted Odigo bodies) in FILE,
    /// appended, for `rtad replay`. The file holds agent ids and statuses: personal data.
    #[arg(long, value_name = "FILE")]
    capture: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct TokenArgs {
    #[command(flatten)]
    config: ConfigArg,
    /// The name of the Odigo integration.
    #[arg(long, value_name = "NAME")]
    integration: String,
}

fn main() -> anyhow::Result<ExitCode> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    match Cli::parse().command {
        Command::Check(args) => Ok(check(&args.config)),
        Command::Token(args) => token(&args.config.config, &args.integration),
        Command::Run(args) => run(&args.config.config, args.capture.as_deref()),
        Command::Demo(args) => demo::run(args).map(|()| ExitCode::SUCCESS),
        Command::Replay(args) => rtad::replay::command(&args)
            .map(|()| ExitCode::SUCCESS)
            .map_err(Into::into),
    }
}

/// `rtad check`: problems on standard output, one a line; a file that does not parse is one
/// problem.
fn check(path: &Path) -> ExitCode {
    let config = match Config::load(path) {
        Ok(config) => config,
        Err(error) => {
            println!("{error}");
            return ExitCode::FAILURE;
        }
    };
    let problems = config.check();
    for problem in &problems {
        println!("{problem}");
    }
    if !problems.is_empty() {
        return ExitCode::FAILURE;
    }
    println!("config OK: {} integrations", config.integrations.len());
    // Not a problem (the token is made after the configuration is right), but nothing can
    // reach such an integration yet.
    let store = TokenStore::new(&config.state_dir);
    for integration in &config.integrations {
        if integration.kind() == Kind::Odigo && matches!(store.load(&integration.name), Ok(None)) {
            println!(
                "note: odigo integration {:?} has no URL token yet: run rtad token --config {} \
                 --integration {:?}",
                integration.name,
                path.display(),
                integration.name
            );
        }
    }
    ExitCode::SUCCESS
}

/// `rtad token`.
fn token(path: &Path, name: &str) -> anyhow::Result<ExitCode> {
    let config = Config::load(path)?;
    let Some(integration) = config.integration(name) else {
        let names: Vec<&str> = config
            .integrations
            .iter()
            .map(|i| i.name.as_str())
            .collect();
        bail!(
            "{path:?} has no integration named {name:?} (its integrations: {})",
            names.join(", ")
        );
    };
    if integration.kind() != Kind::Odigo {
        bail!(
            "{name:?} is not an odigo integration (its kind is {}): only odigo integrations \
             have a URL token",
            integration.kind()
        );
    }
    let receiver = config
        .odigo
        .as_ref()
        .context("the configuration has no [odigo] section: its public_url starts the URL")?;
    // Before the rotation: a URL that cannot be printed must not cost the current token.
    receiver
        .public_url()
        .map_err(|error| anyhow!("odigo.public_url {error}"))?;
    let token = TokenStore::new(&config.state_dir)
        .rotate(name)
        .with_context(|| format!("storing the new token of {name:?}"))?;
    let url = receiver.token_url(token.expose())?;
    tracing::info!(
        integration = name,
        state_dir = %config.state_dir.display(),
        "generated a new Odigo URL token (its hash is stored; any previous token is revoked)"
    );
    println!(
        "The URL for Odigo integration {name:?}, shown only this once: paste it into Odigo's \
         agent state notification settings."
    );
    println!("{url}");
    println!("The previous URL of {name:?}, if there was one, no longer works.");
    Ok(ExitCode::SUCCESS)
}

/// `rtad run`: a configuration with problems prints them all (standard error) and starts
/// nothing.
fn run(path: &Path, capture: Option<&Path>) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    runtime.block_on(async {
        let daemon = match Daemon::start(path, capture).await {
            Ok(daemon) => daemon,
            Err(StartError::Problems(problems)) => {
                eprintln!(
                    "{} has {} problem(s); nothing was started:",
                    path.display(),
                    problems.len()
                );
                for problem in &problems {
                    eprintln!("{problem}");
                }
                return Ok(ExitCode::FAILURE);
            }
            Err(error) => return Err(anyhow::Error::new(error).context("rtad could not start")),
        };
        daemon.run_until_stopped().await;
        Ok(ExitCode::SUCCESS)
    })
}
