//! The baseline's errors.

use std::net::SocketAddr;

/// The baseline could not start.
#[derive(Debug, thiserror::Error)]
pub enum NaiveError {
    #[error("cannot listen on {address}: {source}")]
    Listen {
        address: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot start the baseline's thread or runtime: {0}")]
    Runtime(#[source] std::io::Error),
    #[error("the Avaya layout of {0:?} has no LOGID or AGSTATE column")]
    Layout(String),
    #[error("two integrations are named {0:?}")]
    DuplicateName(String),
}
