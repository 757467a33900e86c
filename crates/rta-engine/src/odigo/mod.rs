//! # The Odigo HTTP receiver
//!
//! (To be written.)

pub mod pause;
