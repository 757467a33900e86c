//! What can go wrong while preparing or running a load.

use std::net::SocketAddr;
use std::time::Duration;

/// Why a load could not be prepared or run.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("invalid load configuration: {0}")]
    Config(String),
    #[error("the traffic needs a target that was not given: {0}")]
    MissingTarget(&'static str),
    #[error("{given} {what} addresses given, the load has {expected}")]
    TargetCount {
        what: &'static str,
        given: usize,
        expected: usize,
    },
    #[error("a load drives one engine: its targets changed between runs")]
    TargetsChanged,
    #[error("bad URL {url}: {reason}")]
    Url { url: String, reason: String },
    #[error("cannot listen as a CIC server: {0}")]
    Listen(#[source] std::io::Error),
    #[error("cannot connect to {address}: {source}")]
    Connect {
        address: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("{source_name} connection to {address} failed: {source}")]
    Io {
        source_name: &'static str,
        address: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("the engine did not connect to CIC server {address} within {waited:?}")]
    CicNotConnected {
        address: SocketAddr,
        waited: Duration,
    },
    #[error("the engine's {what} answered something unreadable: {detail}")]
    Protocol { what: &'static str, detail: String },
    #[error("the {what} subscription was refused: {message}")]
    Refused { what: &'static str, message: String },
    #[error("a time is out of range: {0}")]
    Time(#[from] jiff::Error),
    #[error("a load task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
}
