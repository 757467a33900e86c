//! Errors of the Odigo simulator. None of them carries the notification URL: its last path
//! segment is the engine's secret token.

/// A configuration the simulator refuses, a socket it could not open, or a request that got
/// no answer.
#[derive(Debug, thiserror::Error)]
pub enum OdigoSimError {
    #[error("ratio {name} must be between 0 and 1, not {value}")]
    Ratio { name: &'static str, value: f64 },
    #[error("the list of pause codes is empty")]
    NoPauses,
    #[error("login {0:?} is listed twice")]
    DuplicateLogin(String),
    #[error("the {name} range must be positive and in order, not {low}..={high}")]
    Range {
        name: &'static str,
        low: jiff::SignedDuration,
        high: jiff::SignedDuration,
    },
    #[error("the heartbeat interval must be positive, not {0}")]
    Heartbeat(jiff::SignedDuration),
    /// The reason only: the URL itself holds the token.
    #[error("invalid notification URL: {0}")]
    Url(String),
    #[error("could not build the HTTP client")]
    Client(#[source] reqwest::Error),
    /// A request that got no HTTP answer (the error carries no URL).
    #[error("request failed")]
    Request(#[source] reqwest::Error),
    #[error("could not listen on {addr}")]
    Listen {
        addr: String,
        #[source]
        source: std::io::Error,
    },
}
