//! The capture line: `<receive time RFC 3339>\t<integration>\t<payload>\n`.
//!
//! The integration and the payload are **escaped** so that a line is one line of UTF-8 text
//! whatever the input was, and reads back byte for byte:
//! - `\` is written `\\`, TAB `\t`, LF `\n`, CR `\r`;
//! - a byte that is not part of valid UTF-8 (an Avaya line in Latin-1, binary garbage) is
//!   written `\xHH` (two lowercase hex digits);
//! - everything else, other control characters included, is written as it is.
//!
//! Reading ([`parse_line`]) accepts exactly these escapes (hex digits in either case); any
//! other backslash sequence is an error, never guessed at, because a capture that does not
//! read back exactly would replay something else than what was received.

use rta_model::Timestamp;
use std::fmt;

/// One captured input record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// When the engine received it (its clock).
    pub received: Timestamp,
    /// The integration's name, as configured (for a CIC server, see the module docs of
    /// [`crate::capture`]).
    pub integration: String,
    /// The raw input: an Avaya or CIC line without its line end, or an Odigo body.
    pub payload: Vec<u8>,
}

/// What is wrong with one capture line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LineError {
    #[error("expected 3 tab-separated fields (time, integration, payload), found {0}")]
    Fields(usize),
    #[error("the receive time {text:?} is not an RFC 3339 time: {problem}")]
    Time { text: String, problem: String },
    #[error("the integration name is empty")]
    NoIntegration,
    #[error("byte {column} of the {field}: {problem}")]
    Escape {
        field: Field,
        /// 1-based byte position in the field.
        column: usize,
        problem: EscapeProblem,
    },
    #[error("the {0} is not UTF-8 text: the writer escapes invalid bytes as \\xHH")]
    NotText(Field),
}

/// The field of a line an error is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Integration,
    Payload,
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Field::Integration => "integration",
            Field::Payload => "payload",
        })
    }
}

/// A backslash sequence that is not one the writer makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EscapeProblem {
    #[error("a backslash ends the field")]
    Dangling,
    #[error("unknown escape \\{0}")]
    Unknown(char),
    #[error("\\x needs two hex digits")]
    BadHex,
}

/// Appends the capture line of `received`, `integration` and `payload` to `out`, `\n`
/// included.
pub fn write_line(out: &mut Vec<u8>, received: Timestamp, integration: &str, payload: &[u8]) {
    use std::io::Write as _;
    // Writing to a Vec cannot fail.
    let _ = write!(out, "{received}\t");
    escape(integration.as_bytes(), out);
    out.push(b'\t');
    escape(payload, out);
    out.push(b'\n');
}

/// Appends `bytes` escaped (module docs) to `out`.
pub fn escape(bytes: &[u8], out: &mut Vec<u8>) {
    for chunk in bytes.utf8_chunks() {
        for &byte in chunk.valid().as_bytes() {
            match byte {
                b'\\' => out.extend_from_slice(b"\\\\"),
                b'\t' => out.extend_from_slice(b"\\t"),
                b'\n' => out.extend_from_slice(b"\\n"),
                b'\r' => out.extend_from_slice(b"\\r"),
                other => out.push(other),
            }
        }
        for &byte in chunk.invalid() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.extend_from_slice(&[
                b'\\',
                b'x',
                HEX[usize::from(byte >> 4)],
                HEX[usize::from(byte & 0xf)],
            ]);
        }
    }
}

/// The bytes `escaped` stands for: the inverse of [`escape`].
pub fn unescape(escaped: &[u8]) -> Result<Vec<u8>, (usize, EscapeProblem)> {
    let mut out = Vec::with_capacity(escaped.len());
    let mut at = 0;
    while let Some(offset) = memchr_backslash(&escaped[at..]) {
        out.extend_from_slice(&escaped[at..at + offset]);
        let slash = at + offset;
        let column = slash + 1;
        let Some(&kind) = escaped.get(slash + 1) else {
            return Err((column, EscapeProblem::Dangling));
        };
        at = slash + 2;
        match kind {
            b'\\' => out.push(b'\\'),
            b't' => out.push(b'\t'),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b'x' => {
                let digits = escaped
                    .get(at..at + 2)
                    .ok_or((column, EscapeProblem::BadHex))?;
                let text =
                    std::str::from_utf8(digits).map_err(|_| (column, EscapeProblem::BadHex))?;
                let byte =
                    u8::from_str_radix(text, 16).map_err(|_| (column, EscapeProblem::BadHex))?;
                // `from_str_radix` takes a sign: `+f` is no hex pair.
                if !digits.iter().all(u8::is_ascii_hexdigit) {
                    return Err((column, EscapeProblem::BadHex));
                }
                out.push(byte);
                at += 2;
            }
            other => {
                let shown = std::str::from_utf8(&escaped[slash + 1..])
                    .ok()
                    .and_then(|rest| rest.chars().next())
                    .unwrap_or(char::from(other));
                return Err((column, EscapeProblem::Unknown(shown)));
            }
        }
    }
    out.extend_from_slice(&escaped[at..]);
    Ok(out)
}

fn memchr_backslash(bytes: &[u8]) -> Option<usize> {
    bytes.iter().position(|&byte| byte == b'\\')
}

/// Reads one capture line (without its `\n`; a final `\r` is taken for a CRLF line end).
pub fn parse_line(line: &[u8]) -> Result<Record, LineError> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let fields: Vec<&[u8]> = line.splitn(3, |&byte| byte == b'\t').collect();
    let &[time, integration, payload] = fields.as_slice() else {
        return Err(LineError::Fields(fields.len()));
    };
    let time_text = String::from_utf8_lossy(time);
    let received: Timestamp = time_text
        .parse()
        .map_err(|error: jiff::Error| LineError::Time {
            text: time_text.chars().take(64).collect(),
            problem: error.to_string(),
        })?;
    let field = |field: Field, bytes: &[u8]| {
        if std::str::from_utf8(bytes).is_err() {
            return Err(LineError::NotText(field));
        }
        unescape(bytes).map_err(|(column, problem)| LineError::Escape {
            field,
            column,
            problem,
        })
    };
    let integration = field(Field::Integration, integration)?;
    if integration.is_empty() {
        return Err(LineError::NoIntegration);
    }
    let integration =
        String::from_utf8(integration).map_err(|_| LineError::NotText(Field::Integration))?;
    let payload = field(Field::Payload, payload)?;
    Ok(Record {
        received,
        integration,
        payload,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn at() -> Timestamp {
        "2026-11-23T08:00:00.123456789Z".parse().unwrap()
    }

    #[test]
    fn escapes_separators_backslashes_and_invalid_utf8() {
        let mut line = Vec::new();
        write_line(
            &mut line,
            at(),
            "cms\tparis",
            b"F1|a\\b\tc\r\n|Andr\xe9|caf\xc3\xa9",
        );
        assert_eq!(
            line,
            b"2026-11-23T08:00:00.123456789Z\tcms\\tparis\tF1|a\\\\b\\tc\\r\\n|Andr\\xe9|caf\xc3\xa9\n"
        );
        let record = parse_line(line.strip_suffix(b"\n").unwrap()).unwrap();
        assert_eq!(record.received, at());
        assert_eq!(record.integration, "cms\tparis");
        assert_eq!(record.payload, b"F1|a\\b\tc\r\n|Andr\xe9|caf\xc3\xa9");
    }

    #[test]
    fn bad_lines_say_what_is_wrong() {
        let problem = |line: &[u8]| parse_line(line).unwrap_err().to_string();
        assert_eq!(
            problem(b"2026-11-23T08:00:00Z\tcms"),
            "expected 3 tab-separated fields (time, integration, payload), found 2"
        );
        assert!(problem(b"yesterday\tcms\tF3").starts_with("the receive time \"yesterday\""));
        assert_eq!(
            problem(b"2026-11-23T08:00:00Z\t\tF3"),
            "the integration name is empty"
        );
        assert_eq!(
            problem(b"2026-11-23T08:00:00Z\tcms\tF3\\q"),
            "byte 3 of the payload: unknown escape \\q"
        );
        assert_eq!(
            problem(b"2026-11-23T08:00:00Z\tcms\tF3\\x4"),
            "byte 3 of the payload: \\x needs two hex digits"
        );
        assert_eq!(
            problem(b"2026-11-23T08:00:00Z\tcms\tF3\\x+f"),
            "byte 3 of the payload: \\x needs two hex digits"
        );
        assert_eq!(
            problem(b"2026-11-23T08:00:00Z\tcms\tF3\\"),
            "byte 3 of the payload: a backslash ends the field"
        );
        assert!(problem(b"2026-11-23T08:00:00Z\tcms\tF3\xe9").contains("not UTF-8"));
    }

    #[test]
    fn a_crlf_line_end_is_not_payload() {
        let record = parse_line(b"2026-11-23T08:00:00Z\tcms\tF3|END\r").unwrap();
        assert_eq!(record.payload, b"F3|END");
    }

    proptest! {
        #[test]
        fn any_payload_and_name_round_trip(
            payload in proptest::collection::vec(any::<u8>(), 0..200),
            name in "[^\\x00]{1,20}",
            seconds in 0i64..4_000_000_000,
            nanos in 0i32..1_000_000_000,
        ) {
            let received = Timestamp::new(seconds, nanos).unwrap();
            let mut line = Vec::new();
            write_line(&mut line, received, &name, &payload);
            prop_assert!(std::str::from_utf8(&line).is_ok());
            prop_assert_eq!(line.iter().filter(|&&b| b == b'\n').count(), 1);
            prop_assert_eq!(line.last(), Some(&b'\n'));
            let record = parse_line(&line[..line.len() - 1]).unwrap();
            prop_assert_eq!(record.received, received);
            prop_assert_eq!(record.integration, name);
            prop_assert_eq!(record.payload, payload);
        }
    }
}
