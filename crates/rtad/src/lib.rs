//! # rtad: the standalone rta daemon
//!
//! The binary's library half, so that what it reads can be tested and reused by the code
//! that builds the engine: the configuration file ([`Config`]), its check ([`Problem`]) and
//! the conversions of its parts into the engine's settings. See the `config` module's
//! documentation below [`Config`]; `docs/config.md` documents every key. The command line
//! lives in `main.rs`.

mod config;

pub use config::{
    AdherenceFiles, AvayaSettings, CicSettings, Config, ConnectionString, HttpSettings,
    Integration, Kind, LayoutSpec, LoadError, LoadedAdherence, NdjsonOutput, NdjsonTarget,
    NdjsonTargetError, OdigoSettings, Output, PasswordError, PauseSettingsError, Problem,
    PublicUrlError, ReceiverSettings, Settings, TlsSettings,
};
