//! Line framing: a `tokio_util` [`Decoder`] that hands out each line
//! as a [`Bytes`] view of the read buffer (`split_to().freeze()`: no copy).

use crate::{FrameError, Snippet};
use bytes::{Buf, Bytes, BytesMut};
use tokio_util::codec::Decoder;

/// Frames LF-terminated lines; a CR before the LF is removed.
///
/// A line longer than `max_line` bytes is dropped up to its LF and reported once as
/// [`FrameError::LineTooLong`] (with its first bytes); the lines after it decode normally, and
/// the buffer never holds more than `max_line` bytes of a line. At end of stream, bytes without
/// a final LF are reported as [`FrameError::Truncated`] rather than decoded: a row cut by a
/// disconnect would otherwise be read with wrong values.
///
/// Framing problems are items (`Some(Err(..))`), not decoder errors, because a tokio
/// `FramedRead` stops at the first decoder error and this stream must go on.
#[derive(Debug, Clone)]
pub struct LineCodec {
    max_line: usize,
    /// How far the buffer has been searched for a LF already.
    searched: usize,
    /// Dropping the rest of an over-long line.
    discarding: bool,
}

impl LineCodec {
    /// The default line limit: 4 KiB.
    pub const DEFAULT_MAX_LINE: usize = 4096;

    /// A codec with the given line limit (at least 1 byte).
    pub fn new(max_line: usize) -> Self {
        LineCodec {
            max_line: max_line.max(1),
            searched: 0,
            discarding: false,
        }
    }

    /// The line limit in bytes, line end excluded.
    pub fn max_line(&self) -> usize {
        self.max_line
    }
}

impl Default for LineCodec {
    fn default() -> Self {
        Self::new(Self::DEFAULT_MAX_LINE)
    }
}

impl LineCodec {
    fn too_long(&self, line: &[u8]) -> FrameError {
        FrameError::LineTooLong {
            limit: self.max_line,
            line: Snippet::of(line),
        }
    }
}

fn without_cr(mut line: BytesMut) -> Bytes {
    if line.last() == Some(&b'\r') {
        line.truncate(line.len() - 1);
    }
    line.freeze()
}

impl Decoder for LineCodec {
    type Item = Result<Bytes, FrameError>;
    type Error = std::io::Error;

    fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<Self::Item>, Self::Error> {
        loop {
            if self.discarding {
                match memchr::memchr(b'\n', buf) {
                    Some(end) => {
                        buf.advance(end + 1);
                        self.discarding = false;
                        continue;
                    }
                    None => {
                        buf.clear();
                        return Ok(None);
                    }
                }
            }
            // A line of max_line bytes may still be followed by CR LF.
            let window = buf.len().min(self.max_line + 2);
            // A buffer shorter than what was searched is not the one searched (a caller reused
            // the codec): search it from its start.
            let start = if self.searched > window {
                0
            } else {
                self.searched
            };
            match memchr::memchr(b'\n', &buf[start..window]) {
                Some(offset) => {
                    let end = start + offset;
                    self.searched = 0;
                    let mut line = buf.split_to(end + 1);
                    line.truncate(end);
                    let limit = self.max_line + usize::from(line.last() == Some(&b'\r'));
                    if line.len() > limit {
                        return Ok(Some(Err(self.too_long(&line))));
                    }
                    return Ok(Some(Ok(without_cr(line))));
                }
                None if window > self.max_line + 1 => {
                    let error = self.too_long(&buf[..window]);
                    buf.advance(window);
                    self.searched = 0;
                    self.discarding = true;
                    return Ok(Some(Err(error)));
                }
                None => {
                    self.searched = window;
                    return Ok(None);
                }
            }
        }
    }

    fn decode_eof(&mut self, buf: &mut BytesMut) -> Result<Option<Self::Item>, Self::Error> {
        match self.decode(buf)? {
            Some(item) => Ok(Some(item)),
            None if self.discarding || buf.is_empty() => {
                buf.clear();
                self.searched = 0;
                self.discarding = false;
                Ok(None)
            }
            None => {
                let line = Snippet::of(buf);
                buf.clear();
                self.searched = 0;
                Ok(Some(Err(FrameError::Truncated { line })))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame_all(codec: &mut LineCodec, chunks: &[&[u8]]) -> Vec<Result<Bytes, FrameError>> {
        let mut buf = BytesMut::new();
        let mut out = Vec::new();
        for chunk in chunks {
            buf.extend_from_slice(chunk);
            while let Some(item) = codec.decode(&mut buf).unwrap() {
                out.push(item);
            }
        }
        while let Some(item) = codec.decode_eof(&mut buf).unwrap() {
            out.push(item);
        }
        out
    }

    fn lines(items: &[Result<Bytes, FrameError>]) -> Vec<&[u8]> {
        items
            .iter()
            .filter_map(|i| i.as_ref().ok().map(|b| &b[..]))
            .collect()
    }

    #[test]
    fn lines_split_across_reads_and_crlf() {
        let mut codec = LineCodec::default();
        let items = frame_all(&mut codec, &[b"F1|a", b"b\r", b"\nF3\nF1|c\r\nF1|", b"d\n"]);
        assert_eq!(lines(&items), [&b"F1|ab"[..], b"F3", b"F1|c", b"F1|d"]);
        assert_eq!(items.len(), 4);
    }

    #[test]
    fn over_long_line_is_dropped_and_the_next_line_survives() {
        let mut codec = LineCodec::new(8);
        let items = frame_all(
            &mut codec,
            &[b"F1|ok\nF1|0123456789", b"abcdef", b"xyz\nF3|ok\n"],
        );
        assert_eq!(lines(&items), [&b"F1|ok"[..], b"F3|ok"]);
        let errors: Vec<_> = items.iter().filter_map(|i| i.as_ref().err()).collect();
        assert_eq!(errors.len(), 1, "one error per over-long line: {errors:?}");
        assert!(matches!(
            errors[0],
            FrameError::LineTooLong { limit: 8, .. }
        ));
    }

    #[test]
    fn over_long_line_inside_one_read() {
        let mut codec = LineCodec::new(4);
        let items = frame_all(&mut codec, &[b"abcdefgh\nabcd\r\nabcde\n"]);
        assert_eq!(lines(&items), [&b"abcd"[..]]);
        assert_eq!(items.len(), 3);
    }

    #[test]
    fn line_of_exactly_the_limit_passes_with_or_without_cr() {
        let mut codec = LineCodec::new(4);
        let items = frame_all(&mut codec, &[b"abcd\r\n", b"wxyz\n"]);
        assert_eq!(lines(&items), [&b"abcd"[..], b"wxyz"]);
    }

    #[test]
    fn buffer_stays_bounded_while_discarding() {
        let mut codec = LineCodec::new(16);
        let mut buf = BytesMut::new();
        let mut errors = 0;
        for _ in 0..1000 {
            buf.extend_from_slice(&[b'x'; 100]);
            while let Some(item) = codec.decode(&mut buf).unwrap() {
                errors += usize::from(item.is_err());
            }
            assert!(buf.len() <= 100 + 18);
        }
        assert_eq!(errors, 1);
    }

    #[test]
    fn partial_line_at_eof_is_reported_not_decoded() {
        let mut codec = LineCodec::default();
        let items = frame_all(&mut codec, &[b"F1|a\nF1|1|401"]);
        assert_eq!(lines(&items), [&b"F1|a"[..]]);
        assert!(
            matches!(&items[1], Err(FrameError::Truncated { line }) if line.as_bytes() == b"F1|1|401")
        );
    }

    #[test]
    fn a_new_shorter_buffer_is_searched_from_its_start() {
        let mut codec = LineCodec::default();
        let mut first = BytesMut::from(&b"F1|1|401"[..]);
        assert_eq!(codec.decode(&mut first).unwrap(), None);
        let mut second = BytesMut::from(&b"F3\n"[..]);
        assert_eq!(
            codec.decode(&mut second).unwrap(),
            Some(Ok(Bytes::from_static(b"F3")))
        );
    }

    #[test]
    fn frames_share_the_read_buffer() {
        let mut codec = LineCodec::default();
        let mut buf = BytesMut::from(&b"F1|a\nF1|b\n"[..]);
        let base = buf.as_ptr() as usize;
        let first = codec.decode(&mut buf).unwrap().unwrap().unwrap();
        let second = codec.decode(&mut buf).unwrap().unwrap().unwrap();
        assert_eq!(first.as_ptr() as usize, base, "no copy");
        assert_eq!(second.as_ptr() as usize, base + 5, "no copy");
    }
}
