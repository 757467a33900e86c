//! Errors of the Avaya layer. Each carries the offending line, truncated, and never nom's
//! types.

use crate::record::RowError;
use rta_lines::{FrameError, Snippet};

/// Anything the Avaya decoder rejects. The stream continues after every one of them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AvayaError {
    #[error(transparent)]
    Frame(#[from] FrameError),
    #[error("not an rt_socket record (no Fn tag): {line}")]
    NotARecord { line: Snippet },
    #[error("F0 batch time is not YYYY-MM-DD HH:MM:SS, batch timed at receipt: {line}")]
    BadBatchTime { line: Snippet },
    #[error("bad row, skipped ({error}): {line}")]
    BadRow { error: RowError, line: Snippet },
    #[error("agent table full ({limit} agents), row skipped: {line}")]
    TooManyAgents { limit: usize, line: Snippet },
}
