//! A realistic, deterministic Avaya CMS rt_socket simulator (`specs/avaya-rt-socket.md`).
//!
//! - [`AvayaSim`] owns a virtual clock and N agents ([`SimAgent`], [`Activity`]) who log in
//!   (`OTHER`, then AUX reason 0), take calls (`AVAIL`, `RING`, `ACDIN`, `ACW`), take breaks
//!   (AUX reasons 1-99), make and take extension calls (`AUXOUT`, `AUXIN`, `ACWOUT`), answer
//!   direct agent calls (`DACD`, `DACW`), log out and log in again. Each
//!   [`AvayaSim::next_batch`] is one refresh of the report as bytes ([`SimBatch`]): text or
//!   numeric states, padded cells, an optional `F0` header in a chosen zone, one row per
//!   skill for multi-skilled agents ([`SkillColumn`]), and the [`Faults`] drawn for it.
//! - Alongside, [`GroundTruth`] computes what a correct receiver must emit for what was
//!   actually delivered ([`ExpectedChange`]s in groups, one per batch end, and the counters
//!   of `rta_avaya::Stats`), from the simulator's typed knowledge, not from the bytes.
//! - [`Recorder`] groups what a real `rta_avaya::Assembler` emits the same way, for the
//!   comparison.
//! - [`stream`] sends the batches to a receiver over TCP, paced in real time or not, with
//!   reconnection ([`StreamOptions`], [`StreamReport`]).
//!
//! Same seed and configuration, same bytes, faults included: the agents and the faults draw
//! from separate seeded generators, so switching faults on does not change what agents do.

mod agent;
mod client;
mod config;
mod error;
mod sim;
mod truth;

pub use agent::{Activity, SimAgent};
pub use client::{StreamOptions, StreamReport, stream};
pub use config::{Faults, SimConfig, SkillColumn};
pub use error::SimError;
pub use sim::{AvayaSim, SimBatch, TIME_MARK_TAG, Write, parse_time_mark};
pub use truth::{ExpectedChange, ExpectedStatus, GroundTruth, Recorder, TypedRow};
