//! What can be wrong with what the evaluator is told. Bad input from a source is never an
//! error here: it is counted ([`crate::Stats`]) or reported as an `unmapped` event.

use jiff::Timestamp;

/// The configuration as a whole cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("activity {0:?} is defined twice")]
    DuplicateActivity(String),
    #[error("activity {0:?} is not defined")]
    UnknownActivity(String),
    #[error("{0} activities are more than the 65534 supported")]
    TooManyActivities(usize),
    #[error("employee {0:?} is defined twice")]
    DuplicateEmployee(String),
    #[error("time zone {zone:?} of {whose} is not a known IANA zone")]
    UnknownZone { whose: String, zone: String },
    #[error("integration id {0} is already named")]
    IntegrationTaken(u16),
    #[error(transparent)]
    Schedule(#[from] ScheduleError),
}

/// One mapping row that was not applied; the other rows were.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MappingError {
    #[error("activity mapping {row}: activity {activity:?} is not defined")]
    UnknownActivity { row: usize, activity: String },
    #[error("activity mapping {row}: empty status")]
    EmptyStatus { row: usize },
    #[error(
        "activity mapping {row}: same integration, status, reason and detail as mapping {first}, to another activity"
    )]
    ConflictingActivity { row: usize, first: usize },
    #[error(
        "user mapping {row}: external id {external_id:?} of {integration:?} is already mapped to {employee:?}"
    )]
    ConflictingUser {
        row: usize,
        integration: String,
        external_id: String,
        employee: String,
    },
}

/// A schedule that was not applied (the employee keeps the previous one).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    #[error(
        "schedule of {employee:?}: {first_start}..{first_end} overlaps {second_start}..{second_end}"
    )]
    Overlap {
        employee: String,
        first_start: Timestamp,
        first_end: Timestamp,
        second_start: Timestamp,
        second_end: Timestamp,
    },
    #[error("schedule of {employee:?}: segment at {start} does not end after it starts")]
    Empty { employee: String, start: Timestamp },
    #[error("schedule of {employee:?} holds a segment of {other:?}")]
    OtherEmployee { employee: String, other: String },
    #[error("schedule of {employee:?}: activity {activity:?} is not defined")]
    UnknownActivity { employee: String, activity: String },
}
