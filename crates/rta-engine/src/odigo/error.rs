//! What can go wrong starting or editing the receiver (request errors are HTTP answers).

use std::io;
use std::path::PathBuf;

/// The receiver could not start, or an edit was refused.
#[derive(Debug, thiserror::Error)]
pub enum ReceiverError {
    #[error("cannot listen on {address}: {source}")]
    Listen {
        address: std::net::SocketAddr,
        source: io::Error,
    },
    #[error("the base path {0:?} must start with '/' and have no '?' or '#'")]
    BasePath(String),
    #[error("cannot read the TLS file {path}: {reason}")]
    TlsFile { path: PathBuf, reason: String },
    #[error("the TLS certificate and key do not make a server configuration: {0}")]
    Tls(String),
    #[error("an Odigo integration named {0:?} is already served")]
    DuplicateName(String),
    #[error("the token of Odigo integration {0:?} is already another integration's")]
    DuplicateToken(String),
    #[error("no Odigo integration named {0:?} is served")]
    UnknownIntegration(String),
    #[error("the receiver must be started inside a tokio runtime")]
    NoRuntime,
}
