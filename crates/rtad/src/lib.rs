//! # rtad: the standalone rta daemon
//!
//! The binary's library half, so that what it reads can be tested and reused by the code
//! that builds the engine; the command line (`rtad check`, `rtad token`) lives in `main.rs`.
//!
//! ## The configuration file
//! One TOML file (`docs/config.md` documents every key; `rtad.example.toml` at the
//! repository root is a commented example). It is read in two steps:
//! 1. [`Config::load`] parses it. Syntax errors, unknown keys (every table denies them, so a
//!    typo is an error rather than a silently ignored setting) and values of the wrong type
//!    stop here, with the line and column. Relative paths are made relative to the file's
//!    directory, so the daemon does not depend on its working directory.
//! 2. [`Config::check`] looks at what parsed and reports **every** [`Problem`] at once, each
//!    with its key path (`integration[2].timezone`): unknown zones, duplicate names, ports
//!    used twice, unreadable files and bad rows, server lists, layouts, missing secrets.
//!
//! A configuration without problems is turned into the engine's types by the methods of
//! its parts: [`Integration::engine_settings`] (built from [`AvayaSettings::engine_settings`],
//! [`CicSettings::engine_settings`] and [`OdigoSettings::engine_settings`], with the Odigo
//! token hash from the state directory), [`ReceiverSettings::receiver_config`],
//! [`AdherenceFiles::load`]. What they convert is checked again, by them or by the engine
//! when it starts, so a configuration that was not checked gives an error, never a wrong
//! value.
//!
//! ```
//! use rtad::Config;
//!
//! let text = r#"
//!     state_dir = "/var/lib/rtad"
//!
//!     [[integration]]
//!     name = "cic-lyon"
//!     kind = "cic"
//!     timezone = "Europe/Pariss"
//!     servers = "acd1.example.com:8080, acd2.example.com"
//! "#;
//! let config = Config::from_toml(text, "/etc/rtad".as_ref()).unwrap();
//! let problems: Vec<String> = config.check().iter().map(ToString::to_string).collect();
//! assert_eq!(
//!     problems,
//!     [
//!         "integration[0].timezone: unknown time zone \"Europe/Pariss\" (expected an IANA name such as \"Europe/Paris\")",
//!         "integration[0].servers: ACD server address 2 (\"acd2.example.com\"): no port: write host:port",
//!     ]
//! );
//! ```
//!
//! ## Secrets
//! The Avaya `connection_string` ([`ConnectionString`]) and the Odigo web-service password
//! ([`rta_engine::odigo::Password`]) have redacted `Debug` output and no `Display`. The
//! password is never written in the file: it comes from an environment variable or a file
//! (`ws_password` is refused). Parse errors are reported as line, column and message,
//! without the excerpt of the file that toml's own messages include, because that line
//! may hold a secret (a duplicated `connection_string`, for example).

mod config;
pub mod replay;
pub mod run;

pub use config::{
    AdherenceFiles, AvayaSettings, CicSettings, Config, ConnectionString, EngineSettingsError,
    HttpSettings, Integration, Kind, LayoutSpec, LoadError, LoadedAdherence, NdjsonOutput,
    NdjsonTarget, NdjsonTargetError, OdigoSettings, Output, PasswordError, PauseSettingsError,
    Problem, PublicUrlError, ReceiverSettings, Settings, TlsSettings,
};
