//! Reading a capture file line by line, each error with its line number.

use super::format::{LineError, Record, parse_line};
use std::io::{self, BufRead};

/// A capture could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("capture line {line}: {error}")]
    Line { line: usize, error: LineError },
    #[error("reading the capture failed after line {line}: {source}")]
    Io { line: usize, source: io::Error },
}

/// The records of a capture, in file order, with their 1-based line numbers; comments
/// (`#`) and blank lines skipped.
#[derive(Debug)]
pub struct Reader<R> {
    input: R,
    line: usize,
    buffer: Vec<u8>,
}

impl<R: BufRead> Reader<R> {
    pub fn new(input: R) -> Reader<R> {
        Reader {
            input,
            line: 0,
            buffer: Vec::new(),
        }
    }
}

impl<R: BufRead> Iterator for Reader<R> {
    type Item = Result<(usize, Record), ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            self.buffer.clear();
            match self.input.read_until(b'\n', &mut self.buffer) {
                Ok(0) => return None,
                Ok(_) => {}
                Err(source) => {
                    return Some(Err(ReadError::Io {
                        line: self.line,
                        source,
                    }));
                }
            }
            self.line += 1;
            let text = self.buffer.strip_suffix(b"\n").unwrap_or(&self.buffer);
            let text = text.strip_suffix(b"\r").unwrap_or(text);
            if text.is_empty() || text.starts_with(b"#") {
                continue;
            }
            let line = self.line;
            return Some(
                parse_line(text)
                    .map(|record| (line, record))
                    .map_err(|error| ReadError::Line { line, error }),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_come_with_their_line_numbers() {
        let text = "# a comment\n\n2026-11-23T08:00:00Z\tcms\tF3\r\nbad line\n";
        let mut reader = Reader::new(text.as_bytes());
        let (line, record) = reader.next().unwrap().unwrap();
        assert_eq!((line, record.payload.as_slice()), (3, &b"F3"[..]));
        let error = reader.next().unwrap().unwrap_err();
        assert_eq!(
            error.to_string(),
            "capture line 4: expected 3 tab-separated fields (time, integration, payload), \
             found 1"
        );
        assert!(reader.next().is_none());
    }
}
