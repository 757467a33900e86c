//! # rta-adherence: schedule adherence, deterministic and sans-IO
//!
//! (crate docs: being written)

mod activities;
mod config;
mod error;
mod evaluator;
mod figures;
mod files;
mod instant;
mod mapping;
mod schedule;
mod timers;

pub use config::{
    Activity, ActivityMapping, BadReason, Config, Defaults, Employee, GraceMode, Mappings, OFFLINE,
    Policies, ReasonItem, ReasonSpec, Rules, ScheduleRow, Thresholds, UnscheduledWorking,
    UserMapping,
};
pub use error::{ConfigError, MappingError, ScheduleError};
pub use evaluator::{Adherence, Emitted, Evaluator, Limits, Stats};
pub use figures::{DayFigures, Figures, Measure};
pub use files::{
    FileError, Loaded, MAX_ROW_BYTES, RowError, read_activity_mappings, read_employees,
    read_schedules, read_user_mappings,
};
