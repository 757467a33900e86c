//! # rta-adherence: schedule adherence, deterministic and sans-IO
//!
//! (crate docs: being written)

mod config;
mod files;

pub use config::{
    Activity, ActivityMapping, BadReason, Config, Defaults, Employee, GraceMode, Mappings,
    OFFLINE, Policies, ReasonItem, ReasonSpec, Rules, ScheduleRow, Thresholds,
    UnscheduledWorking, UserMapping,
};
pub use files::{
    FileError, Loaded, MAX_ROW_BYTES, RowError, read_activity_mappings, read_employees,
    read_schedules, read_user_mappings,
};
