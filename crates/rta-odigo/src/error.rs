//! Why a body or a notification could not be decoded. (Owner: the decoder.)

/// A body, or one notification of it, that cannot be decoded. The `Display` text is the short
/// plain-text reason of the `400` answer: it names fields, never echoes their values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("missing agent key (agent.login, login, agentLogin or userUid)")]
    MissingAgent,
    #[error("missing state (state, status or agentState)")]
    MissingState,
}
