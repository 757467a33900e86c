//! Errors of the CIC simulator.

/// A configuration the simulator refuses, or a socket it could not open.
#[derive(Debug, thiserror::Error)]
pub enum CicSimError {
    #[error("the virtual tick must be at least one whole second, not {0}")]
    Tick(jiff::SignedDuration),
    #[error("the virtual heartbeat interval must be at least one whole second, not {0}")]
    Heartbeat(jiff::SignedDuration),
    #[error("fault rate {name} must be between 0 and 1, not {value}")]
    Rate { name: &'static str, value: f64 },
    #[error("split writes need pieces of at least one byte")]
    SplitWrites,
    #[error("time zone {0:?} is not in the bundled tz database")]
    Zone(String),
    #[error("could not listen on {addr}")]
    Listen {
        addr: String,
        #[source]
        source: std::io::Error,
    },
}
