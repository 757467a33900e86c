//! # rta-adherence: schedule adherence, deterministic and sans-IO
//!
//! (crate docs: being written)

mod config;

pub use config::{
    Activity, ActivityMapping, BadReason, Config, Defaults, Employee, GraceMode, Mappings,
    OFFLINE, Policies, ReasonItem, ReasonSpec, Rules, ScheduleRow, Thresholds,
    UnscheduledWorking, UserMapping,
};
