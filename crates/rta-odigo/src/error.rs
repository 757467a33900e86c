//! Why a body or a notification could not be decoded.

/// A body, or one notification of it, that cannot be decoded. The `Display` text is the short
/// plain-text reason of the `400` answer: it names fields and positions, never echoes a value
/// of the body (a value could be anything, a password pasted in the wrong field included).
///
/// [`decode`](crate::decode) returns the body-level variants (`Empty` to `TooManyItems`) as its
/// `Err`, and hands the item-level ones (`NotAnObject` to `MissingState`) to its callback for
/// the one notification they concern.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// No body, or only blanks (after a byte-order mark).
    #[error("empty body")]
    Empty,
    /// The body, or a percent-decoded form key or value, is not UTF-8 (e.g. Latin-1).
    #[error("the body is not UTF-8 text")]
    NotUtf8,
    /// Malformed JSON (a stray byte, a control character in a string, trailing data).
    #[error("malformed JSON at line {line} column {column}")]
    Syntax { line: usize, column: usize },
    /// The JSON text ends in the middle of a value.
    #[error("truncated JSON at line {line} column {column}")]
    Truncated { line: usize, column: usize },
    /// The JSON body is neither an object nor an array.
    #[error("the body is neither a JSON object nor an array of objects")]
    NotJsonObject,
    /// An array of more notifications than [`MAX_ITEMS`](crate::MAX_ITEMS).
    #[error("more than {max} notifications in one body")]
    TooManyItems { max: usize },

    /// An item of a JSON array that is not an object.
    #[error("notification is not a JSON object")]
    NotAnObject,
    /// A field of the wrong JSON type (e.g. an object for the state, a fraction for the login).
    #[error("{field} has the wrong JSON type")]
    WrongType { field: &'static str },
    /// A time that is neither RFC 3339 with an offset nor epoch milliseconds of years 1970 to
    /// 9999.
    #[error("{field} is not an RFC 3339 time or epoch milliseconds (years 1970 to 9999)")]
    BadTime { field: &'static str },
    #[error("missing agent key (agent.login, login, agentLogin or userUid)")]
    MissingAgent,
    #[error("missing state (state, status or agentState)")]
    MissingState,
}
