//! Request bodies: JSON (one object or an array) and form-encoded. (Owner: the decoder.)

use crate::{DecodeError, Notification};

/// The body formats the receiver accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyFormat {
    /// `application/json`.
    Json,
    /// `application/x-www-form-urlencoded`, same keys, dotted for nesting.
    Form,
}

impl BodyFormat {
    /// The format of a `Content-Type` header value, `None` when unsupported (the `415`).
    pub fn from_content_type(value: &[u8]) -> Option<BodyFormat> {
        let _ = value;
        todo!("decoder")
    }
}

/// Decodes `body`: calls `each(index, result)` for every notification, in order (a bad item
/// does not stop the good ones after it). `Err` when the body as a whole cannot be read.
/// Returns the number of items.
pub fn decode<'a>(
    format: BodyFormat,
    body: &'a [u8],
    each: impl FnMut(usize, Result<Notification<'a>, DecodeError>),
) -> Result<usize, DecodeError> {
    let _ = (format, body, each);
    todo!("decoder")
}
