//! Errors of the CIC layer. Each carries the offending line, truncated, and never the types of
//! nom or serde_json. The stream continues after every one of them.

use rta_lines::{FrameError, Snippet};

/// Why a record (a line-dialect line, an icws message or one item of it) was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    #[error("no user id")]
    MissingUserId,
    #[error("no status key")]
    MissingStatusKey,
    #[error("{field} is not a time (YYYY-MM-DD HH:MM:SS[.fff], RFC 3339, yyyyMMddTHHmmssZ)")]
    BadTime { field: &'static str },
    #[error("{field} is not 0 or 1")]
    BadFlag { field: &'static str },
    #[error("SNAPSHOT is followed by neither BEGIN nor END")]
    BadSnapshotMarker,
    /// The icws message is not JSON of the expected shape (the reason is serde_json's text).
    #[error("not an icws message ({reason})")]
    Json { reason: Box<str> },
}

/// Anything the CIC decoder rejects.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CicError {
    #[error(transparent)]
    Frame(#[from] FrameError),
    #[error("bad record skipped ({error}): {line}")]
    BadRecord { error: RecordError, line: Snippet },
    /// Items of an icws message were rejected; the message's other items were applied.
    #[error("icws item {index} skipped ({error}), {bad} bad item(s) in the message: {line}")]
    BadItem {
        index: usize,
        bad: usize,
        error: RecordError,
        line: Snippet,
    },
    /// Statuses of users past the session's limit were emitted but not remembered: icws deltas
    /// about them cannot be merged with their earlier values.
    #[error("{count} user(s) past the limit of {limit} not remembered: {line}")]
    TooManyUsers {
        limit: usize,
        count: usize,
        line: Snippet,
    },
}
