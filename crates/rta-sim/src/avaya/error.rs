//! Errors of the Avaya simulator.

/// A configuration the simulator refuses, or a connection it could not make.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("the virtual refresh interval must be at least one whole second, not {0}")]
    Refresh(jiff::SignedDuration),
    #[error("fault rate {name} must be between 0 and 1, not {value}")]
    Rate { name: &'static str, value: f64 },
    #[error("a line limit of {0} bytes is too small for the simulator's rows (at least 256)")]
    LineLimit(usize),
    #[error("time zone {0:?} is not in the bundled tz database")]
    Zone(String),
    #[error("could not connect to {addr} after {attempts} attempts")]
    Connect {
        addr: String,
        attempts: u32,
        #[source]
        source: std::io::Error,
    },
}
