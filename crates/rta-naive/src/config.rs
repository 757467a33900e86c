//! What the baseline is started with: the same integrations, outputs and adherence
//! configuration as the real engine, in plain types.

use jiff::tz::TimeZone;
use std::net::SocketAddr;

/// Everything [`crate::NaiveEngine::start`] needs. Port 0 anywhere picks a free port (read it
/// back from the engine).
#[derive(Debug, Clone)]
pub struct NaiveConfig {
    pub avaya: Vec<NaiveAvaya>,
    pub cic: Vec<NaiveCic>,
    pub odigo: Option<NaiveOdigo>,
    /// The TCP MessagePack subscriber server (`None`: not started).
    pub msgpack_listen: Option<SocketAddr>,
    /// The Server-Sent Events server (`None`: not started).
    pub sse_listen: Option<SocketAddr>,
    /// Employees, user and activity mappings, activities, schedules.
    pub adherence: rta_adherence::Config,
}

/// One Avaya CMS integration: the baseline listens, the CMS connects.
#[derive(Debug, Clone)]
pub struct NaiveAvaya {
    pub name: String,
    pub listen: SocketAddr,
    /// The report's columns (the load uses the `agent` preset).
    pub layout: rta_avaya::Layout,
    /// The zone of the `F0|YYYY-MM-DD HH:MM:SS` batch times.
    pub zone: TimeZone,
}

/// One CIC integration (line dialect): the baseline connects to every server.
#[derive(Debug, Clone)]
pub struct NaiveCic {
    pub name: String,
    pub servers: Vec<SocketAddr>,
    /// The ACD zone of the local times.
    pub zone: TimeZone,
}

/// The Odigo integration: the baseline serves `POST <base_path>/<token>`.
#[derive(Debug, Clone)]
pub struct NaiveOdigo {
    pub name: String,
    pub listen: SocketAddr,
    /// The path the token URL starts with, e.g. `/odigo`.
    pub base_path: String,
    /// The token, compared as a plain string.
    pub token: String,
}
