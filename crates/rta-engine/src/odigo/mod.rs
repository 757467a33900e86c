//! # The Odigo HTTP receiver
//!
//! (To be written.)

pub mod pause;

pub use pause::{
    Outcome, Password, PauseConfigError, PauseDetailsConfig, PauseResolver, PauseStats, WebService,
};
