//! `rtad replay`: a capture (`rtad run --capture`) through the engine's decoders and
//! evaluator on a virtual clock ([`rta_engine::replay`]), the events printed as NDJSON.
//!
//! The configuration is the daemon's: its integrations become the engine's settings as
//! `rtad run` makes them ([`Integration::engine_settings`]), its `[adherence]` files the
//! evaluator's configuration. What a replay does not use is not required: an Odigo
//! integration needs no URL token (the stored hash is used if there is one, else a
//! placeholder) and its pause details are off (the web service is not called, so its
//! password is not read); ports, outputs and the HTTP server are ignored. Problems of the
//! `[adherence]` files are errors, all listed, as `rtad run` refuses them.

use crate::config::{EngineSettingsError, Problem};
use crate::{Config, LoadError, OdigoSettings, Settings};
use rta_engine::engine::IntegrationSettings;
use rta_engine::replay::{ReplayError, Replayer, Summary};
use rta_model::Timestamp;
use rta_odigo::{TokenHash, TokenStore};
use std::fs::File;
use std::io::{BufReader, Write};
use std::path::{Path, PathBuf};

/// `rtad replay`'s arguments.
#[derive(Debug, clap::Args)]
pub struct ReplayArgs {
    /// The configuration the capture was made with (TOML; see docs/config.md).
    #[arg(long, short, value_name = "FILE")]
    pub config: PathBuf,
    /// The capture file (`rtad run --capture FILE`).
    #[arg(long, short, value_name = "FILE")]
    pub input: PathBuf,
    /// Stop the virtual clock at this time (RFC 3339, e.g. 2026-11-23T10:00:00Z): later
    /// records are not read; timers due by then fire.
    #[arg(long, value_name = "TIME")]
    pub until: Option<Timestamp>,
}

/// `rtad replay`: the events on standard output, one JSON object a line; a summary logged.
pub fn command(args: &ReplayArgs) -> Result<(), ReplayCommandError> {
    let stdout = std::io::stdout().lock();
    let summary = replay(
        &args.config,
        &args.input,
        args.until,
        std::io::BufWriter::new(stdout),
    )?;
    tracing::info!(
        records = summary.records,
        events = summary.events,
        rejected = summary.rejected,
        end = ?summary.end.map(|end| end.to_string()),
        "replay finished"
    );
    Ok(())
}

/// `rtad replay` could not replay.
#[derive(Debug, thiserror::Error)]
pub enum ReplayCommandError {
    #[error(transparent)]
    Config(#[from] LoadError),
    #[error("integration {name:?}: {source}")]
    Integration {
        name: String,
        source: EngineSettingsError,
    },
    #[error("the adherence files have problems:\n{}", list(.0))]
    Adherence(Vec<Problem>),
    #[error("cannot read the capture {path:?}: {source}")]
    Input {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the configuration cannot be replayed: {0}")]
    Replayer(#[source] ReplayError),
    #[error("{path:?}: {source}")]
    Replay { path: PathBuf, source: ReplayError },
}

fn list(problems: &[Problem]) -> String {
    let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
    lines.join("\n")
}

/// Replays the capture at `input` with the configuration at `config` up to `until`,
/// writing the events to `out` as NDJSON.
pub fn replay(
    config: &Path,
    input: &Path,
    until: Option<Timestamp>,
    out: impl Write,
) -> Result<Summary, ReplayCommandError> {
    let config = Config::load(config)?;
    let mut replayer = replayer(&config)?;
    let file = File::open(input).map_err(|source| ReplayCommandError::Input {
        path: input.to_owned(),
        source,
    })?;
    replayer
        .run(BufReader::new(file), until, out)
        .map_err(|source| ReplayCommandError::Replay {
            path: input.to_owned(),
            source,
        })
}

/// The replayer of `config`'s integrations and adherence files (module docs).
pub fn replayer(config: &Config) -> Result<Replayer, ReplayCommandError> {
    let tokens = TokenStore::new(&config.state_dir);
    let integrations = config
        .integrations
        .iter()
        .enumerate()
        .map(|(index, integration)| {
            let mut integration = integration.clone();
            if let Settings::Odigo(odigo) = &mut integration.settings {
                odigo.pause_details = false;
                if !matches!(tokens.load(&integration.name), Ok(Some(_))) {
                    return odigo_placeholder(&integration.name, odigo, index);
                }
            }
            integration
                .engine_settings(&tokens)
                .map_err(|source| ReplayCommandError::Integration {
                    name: integration.name.clone(),
                    source,
                })
        })
        .collect::<Result<Vec<IntegrationSettings>, _>>()?;
    let adherence = match &config.adherence {
        Some(files) => {
            let problems = files.check();
            if !problems.is_empty() {
                return Err(ReplayCommandError::Adherence(problems));
            }
            files.load().config
        }
        None => rta_adherence::Config::default(),
    };
    // Duplicate names and unusable settings are `rtad check`'s to report; a replay of such
    // a configuration fails with the engine's error.
    Replayer::new(integrations, adherence).map_err(ReplayCommandError::Replayer)
}

/// The settings of an Odigo integration without a stored token: its place in the file
/// makes a hash no other integration has (a replay routes records by name, not by token).
fn odigo_placeholder(
    name: &str,
    odigo: &OdigoSettings,
    index: usize,
) -> Result<IntegrationSettings, ReplayCommandError> {
    let placeholder = TokenHash::from_hex(&format!("{:064x}", index + 1))
        .expect("64 hex digits are a token hash");
    let source =
        odigo
            .engine_settings(placeholder)
            .map_err(|source| ReplayCommandError::Integration {
                name: name.to_owned(),
                source: source.into(),
            })?;
    Ok(IntegrationSettings {
        name: name.into(),
        source: rta_engine::engine::Source::Odigo(source),
    })
}
