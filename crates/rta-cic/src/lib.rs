//! # rta-cic: the Interactive Intelligence CIC (PureConnect) agent status feed
//!
//! Reads and writes the two dialects of `specs/cic.md`. Sans-IO: no sockets, no clock.
//!
//! Writing ([`line_status`], [`icws_user_statuses`], ...) serves the simulator and the tests.

mod encode;

pub use encode::{
    CicTime, StatusDefinition, UserStatus, icws_status_definitions, icws_user_statuses,
    line_heartbeat, line_snapshot_begin, line_snapshot_end, line_status,
};
