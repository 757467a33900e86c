//! Event times as RFC 3339 text, written without `core::fmt` and without allocating.
//!
//! jiff serializes a `Timestamp` with `collect_str` through its `Display`: a pass through
//! `core::fmt`, and for MessagePack (`rmp_serde` collects into a `String`) an allocation per
//! time, three per `agent_status` event. The same printer jiff's `Display` uses
//! ([`DateTimePrinter`], default settings, so the text is the same byte for byte) writes here
//! into a buffer on the stack, handed to the serializer as one `&str`. The printer itself
//! stays the cost of a time (about 730 instructions, `benches/RESULTS.md`, instruction
//! counts): a formatter of its own would be the next step.

use jiff::Timestamp;
use jiff::fmt::temporal::DateTimePrinter;
use serde::Serializer;

/// The longest text a timestamp prints to is 33 bytes (`-009999-01-02T01:59:59.999999999Z`).
const LONGEST: usize = 40;

/// `#[serde(serialize_with = "rfc3339::serialize")]` for a `Timestamp` field: the same text
/// as jiff's own `Serialize` impl.
pub(crate) fn serialize<S: Serializer>(time: &Timestamp, serializer: S) -> Result<S::Ok, S::Error> {
    let mut text = Text::default();
    let printed = DateTimePrinter::new().print_timestamp(time, &mut text);
    match (printed, text.as_str()) {
        (Ok(()), Some(text)) => serializer.serialize_str(text),
        // Cannot happen (see `LONGEST`); jiff's own way is still right.
        _ => serializer.collect_str(time),
    }
}

/// A fixed buffer on the stack that jiff's printers write into.
struct Text {
    bytes: [u8; LONGEST],
    len: usize,
    overflowed: bool,
}

impl Default for Text {
    fn default() -> Text {
        Text {
            bytes: [0; LONGEST],
            len: 0,
            overflowed: false,
        }
    }
}

impl Text {
    /// What was written, unless it did not fit.
    fn as_str(&self) -> Option<&str> {
        if self.overflowed {
            return None;
        }
        std::str::from_utf8(&self.bytes[..self.len]).ok()
    }
}

impl jiff::fmt::Write for Text {
    fn write_str(&mut self, string: &str) -> Result<(), jiff::Error> {
        let end = self.len + string.len();
        match self.bytes.get_mut(self.len..end) {
            Some(room) => {
                room.copy_from_slice(string.as_bytes());
                self.len = end;
            }
            // jiff offers no error to return: remembered, and `serialize` falls back.
            None => self.overflowed = true,
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Serialize)]
    struct At(#[serde(serialize_with = "serialize")] Timestamp);

    #[test]
    fn the_text_is_jiffs_own() {
        for text in [
            "2026-11-23T10:00:00Z",
            "2026-11-23T10:00:00.5Z",
            "2026-11-23T10:00:00.123456789Z",
            "1970-01-01T00:00:00Z",
            "1969-12-31T23:59:59.999999999Z",
        ] {
            let time: Timestamp = text.parse().unwrap();
            assert_eq!(
                serde_json::to_string(&At(time)).unwrap(),
                serde_json::to_string(&time).unwrap()
            );
        }
        for time in [Timestamp::MIN, Timestamp::MAX] {
            assert_eq!(
                serde_json::to_string(&At(time)).unwrap(),
                serde_json::to_string(&time).unwrap()
            );
            assert!(time.to_string().len() <= LONGEST);
        }
        let time: Timestamp = "2026-11-23T10:00:00.25Z".parse().unwrap();
        assert_eq!(
            rmp_serde::to_vec(&At(time)).unwrap(),
            rmp_serde::to_vec(&time).unwrap()
        );
    }
}
