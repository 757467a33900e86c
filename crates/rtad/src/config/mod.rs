//! The configuration file: its types, [`Config::load`] (parsing) and [`Config::check`]
//! (the problems). The crate documentation explains the two steps.

mod adherence;
mod check;
mod integration;
mod output;
mod receiver;
mod secret;

pub use adherence::{AdherenceFiles, LoadedAdherence};
pub use check::Problem;
pub use integration::{
    AvayaSettings, CicSettings, EngineSettingsError, Integration, Kind, LayoutSpec, OdigoSettings,
    PauseSettingsError, Settings,
};
pub use output::{NdjsonOutput, NdjsonTarget, NdjsonTargetError, Output};
pub use receiver::{PublicUrlError, ReceiverSettings, TlsSettings};
pub use secret::{ConnectionString, PasswordError};

use serde::Deserialize;
use serde::de::DeserializeOwned;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};

/// The whole configuration file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Where the daemon keeps its state (the Odigo token hashes).
    pub state_dir: PathBuf,
    /// The HTTP server of the admin API, the SSE stream and the metrics.
    #[serde(default)]
    pub http: HttpSettings,
    /// The HTTP(S) server Odigo pushes to; required when there is an Odigo integration.
    pub odigo: Option<ReceiverSettings>,
    /// The sources, in file order (which is the order of their ids in the engine).
    #[serde(default, rename = "integration")]
    pub integrations: Vec<Integration>,
    /// The files of the adherence evaluator; without it, statuses are not evaluated.
    pub adherence: Option<AdherenceFiles>,
    /// Where events go.
    #[serde(default, rename = "output")]
    pub outputs: Vec<Output>,
    /// Shard threads applying the Avaya and CIC statuses (default: one per core). `0`: each
    /// adapter applies its own, for the lowest latency at the cost of flood throughput
    /// (`rta_engine::engine`, "Sharded or inline").
    pub shards: Option<usize>,
}

/// `[http]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpSettings {
    /// Default `127.0.0.1:8080`: the admin API is not exposed unless asked.
    pub listen: SocketAddr,
}

impl Default for HttpSettings {
    fn default() -> HttpSettings {
        HttpSettings {
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 8080)),
        }
    }
}

/// The configuration file could not be read or parsed.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read {path:?}: {source}")]
    Read { path: PathBuf, source: io::Error },
    /// `message` is toml's or serde's, which name keys and types; the excerpt of the file
    /// toml adds is left out (see the module's notes on secrets).
    #[error("{path:?}, line {line}, column {column}: {message}")]
    Parse {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
}

impl Config {
    /// Reads and parses the file at `path`; relative paths in it are taken from its
    /// directory.
    pub fn load(path: &Path) -> Result<Config, LoadError> {
        let text = read_text(path)?;
        let config: Config = parse_toml(&text, path)?;
        Ok(config.relative_to(path.parent().unwrap_or(Path::new(""))))
    }

    /// Parses `text` as if read from a file in `base_dir` (tests, embedded configurations).
    pub fn from_toml(text: &str, base_dir: &Path) -> Result<Config, LoadError> {
        let config: Config = parse_toml(text, &base_dir.join("<text>"))?;
        Ok(config.relative_to(base_dir))
    }

    /// The integration called `name`.
    pub fn integration(&self, name: &str) -> Option<&Integration> {
        self.integrations.iter().find(|entry| entry.name == name)
    }

    /// Every path made absolute from `base` (`Path::join` keeps absolute paths as they are).
    fn relative_to(mut self, base: &Path) -> Config {
        let join = |path: &mut PathBuf| *path = base.join(&*path);
        join(&mut self.state_dir);
        if let Some(tls) = self.odigo.as_mut().and_then(|odigo| odigo.tls.as_mut()) {
            join(&mut tls.certificate_chain);
            join(&mut tls.private_key);
        }
        for integration in &mut self.integrations {
            if let Settings::Odigo(odigo) = &mut integration.settings {
                odigo.ws_password_file.iter_mut().for_each(join);
            }
        }
        if let Some(files) = &mut self.adherence {
            files.paths_mut().for_each(join);
        }
        for output in &mut self.outputs {
            if let Output::Ndjson(ndjson) = output {
                ndjson.path.iter_mut().for_each(join);
            }
        }
        self
    }
}

/// The file's text; a file that is not UTF-8 is refused by toml anyway, with a position.
fn read_text(path: &Path) -> Result<String, LoadError> {
    std::fs::read_to_string(path).map_err(|source| LoadError::Read {
        path: path.to_owned(),
        source,
    })
}

/// Parses TOML text read from `path` into `T`, errors as [`LoadError::Parse`].
fn parse_toml<T: DeserializeOwned>(text: &str, path: &Path) -> Result<T, LoadError> {
    toml::from_str(text).map_err(|error| {
        let (line, column) = line_column(text, error.span().map_or(0, |span| span.start));
        LoadError::Parse {
            path: path.to_owned(),
            line,
            column,
            message: error.message().trim_end().to_owned(),
        }
    })
}

/// 1-based line and column (in characters) of byte `offset` of `text`.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line_start = before.rfind('\n').map_or(0, |at| at + 1);
    (
        before.matches('\n').count() + 1,
        before[line_start..].chars().count() + 1,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_lines_and_characters() {
        assert_eq!(line_column("abc", 0), (1, 1));
        assert_eq!(line_column("a\nbé c", 6), (2, 4));
        assert_eq!(line_column("a\n", 2), (2, 1));
    }

    #[test]
    fn parse_errors_have_a_position_and_no_excerpt() {
        let text = "state_dir = \"s\"\n[[integration]]\nname = \"x\"\nkind = \"cic\"\n\
                    timezone = \"UTC\"\nservers = \"a:1\"\nconnection_string = \"PWD=hunter2\"\n";
        let error = Config::from_toml(text, Path::new("/etc")).unwrap_err();
        let shown = error.to_string();
        assert!(shown.contains("line 2, column 1"), "{shown}");
        assert!(
            shown.contains("unknown field `connection_string`"),
            "{shown}"
        );
        assert!(!shown.contains("hunter2"), "{shown}");
    }

    #[test]
    fn relative_paths_start_at_the_file() {
        let text = "state_dir = \"state\"\n[adherence]\nuser_mappings = \"/abs/users.csv\"\n\
                    activity_mappings = \"m/activities.csv\"\nactivities = \"a.toml\"\n";
        let config = Config::from_toml(text, Path::new("/etc/rtad")).unwrap();
        assert_eq!(config.state_dir, Path::new("/etc/rtad/state"));
        let files = config.adherence.unwrap();
        assert_eq!(files.user_mappings, Path::new("/abs/users.csv"));
        assert_eq!(
            files.activity_mappings,
            Path::new("/etc/rtad/m/activities.csv")
        );
        assert_eq!(config.http, HttpSettings::default());
        assert_eq!(config.shards, None);
    }

    #[test]
    fn shards_zero_is_read() {
        let config =
            Config::from_toml("state_dir = \"s\"\nshards = 0\n", Path::new("/etc")).unwrap();
        assert_eq!(config.shards, Some(0));
    }

    #[test]
    fn debug_output_holds_no_secret() {
        let text = "state_dir = \"s\"\n\
                    [[integration]]\nname = \"cms\"\nkind = \"avaya-cms\"\ntimezone = \"UTC\"\n\
                    realtime_port = 5000\nconnection_string = \"DSN=cms;PWD=hunter2\"\n\
                    [[integration]]\nname = \"o\"\nkind = \"odigo\"\ntimezone = \"UTC\"\n\
                    ws_password = \"swordfish\"\n";
        let shown = format!("{:?}", Config::from_toml(text, Path::new("/")).unwrap());
        assert!(shown.contains("ConnectionString(<redacted>)"), "{shown}");
        assert!(
            !shown.contains("hunter2") && !shown.contains("swordfish"),
            "{shown}"
        );
    }
}
