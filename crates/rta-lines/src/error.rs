//! What framing can find wrong with a line, and the snippet of a line an error keeps.

use std::fmt;

/// The start of an offending line, kept for the error message (at most [`Snippet::MAX`]
/// bytes; longer lines end in `…`). Latin-1 bytes are shown as such.
#[derive(Clone, PartialEq, Eq)]
pub struct Snippet {
    bytes: Box<[u8]>,
    truncated: bool,
}

impl Snippet {
    /// How many bytes of a line an error keeps.
    pub const MAX: usize = 96;

    /// Keeps the first [`Snippet::MAX`] bytes of `line`.
    pub fn of(line: &[u8]) -> Snippet {
        let kept = &line[..line.len().min(Self::MAX)];
        Snippet {
            bytes: kept.into(),
            truncated: line.len() > Self::MAX,
        }
    }

    /// The bytes kept.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }
}

impl fmt::Display for Snippet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = rta_model::utf8_or_latin1(&self.bytes);
        write!(f, "{:?}", text.as_ref())?;
        if self.truncated {
            f.write_str("…")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Snippet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// A framing problem: the line is dropped, the connection stays up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("line longer than {limit} bytes dropped: {line}")]
    LineTooLong { limit: usize, line: Snippet },
    #[error("connection ended in the middle of a line, dropped: {line}")]
    Truncated { line: Snippet },
}
