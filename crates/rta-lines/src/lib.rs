//! # rta-lines: line framing for the line-based feeds
//!
//! The Avaya rt_socket feed and both CIC dialects are lines of text. [`LineCodec`] is the
//! `tokio_util` decoder they share: each line is a `Bytes` view of the read buffer (no copy),
//! CR LF and LF both end a line, an over-long line is dropped and reported without dropping
//! the connection, and a line cut by the end of the stream is reported, not decoded.
//! [`Snippet`] is the start of an offending line that every error of the decoders keeps.

mod codec;
mod error;

pub use codec::LineCodec;
pub use error::{FrameError, Snippet};
