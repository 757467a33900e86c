//! The line dialect (`specs/cic.md`, "Line dialect"): one framed line in, one record out,
//! borrowing from the line.
//!
//! ```text
//! line     = type *("|" field)
//! field    = *(escape / byte)        ; byte: anything but "|" and "\"
//! escape   = "\" byte                ; "\|" is "|", "\\" is "\"
//! STATUS   = "STATUS|" time "|" user "|" key "|" text "|" group "|" in "|" acd "|" dnd "|"
//!            acw "|" phone "|" station
//! SNAPSHOT = "SNAPSHOT|" ("BEGIN" / "END") "|" time
//! HEARTBEAT= "HEARTBEAT|" time
//! ```
//! Decisions where the spec is silent:
//! - Record types and `BEGIN`/`END` are matched without regard to case.
//! - A backslash before any other byte, or ending the line, is kept as written: a stray
//!   backslash in a value is more likely than a new escape.
//! - An empty field is an absent one, like a missing trailing field: an empty time is the
//!   receive time, an empty flag is unknown (see [`crate::Session`] for the defaults).
//! - Fields after the station are ignored, so a server may add some.
//! - Values are UTF-8 or, failing that, Latin-1 ([`rta_model::utf8_or_latin1`]); the user
//!   id stays bytes.

use crate::error::RecordError;
use crate::time::{CicTime, parse_time};
use rta_model::utf8_or_latin1;
use std::borrow::Cow;

/// One line of the line dialect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineRecord<'a> {
    Status(StatusRecord<'a>),
    /// `SNAPSHOT|BEGIN|time`; `None`: no time given.
    SnapshotBegin(Option<CicTime>),
    /// `SNAPSHOT|END|time`.
    SnapshotEnd(Option<CicTime>),
    /// `HEARTBEAT|time`.
    Heartbeat(Option<CicTime>),
    /// Another record type (ignored and counted), or a blank line (empty `kind`).
    Other {
        kind: &'a [u8],
    },
}

/// A `STATUS` line. Values borrow from the line unless an escape had to be removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusRecord<'a> {
    pub time: Option<CicTime>,
    pub user_id: Cow<'a, [u8]>,
    /// As sent (not folded).
    pub status_key: Cow<'a, str>,
    pub status_text: Option<Cow<'a, str>>,
    pub group: Option<Cow<'a, str>>,
    pub logged_in: Option<bool>,
    pub acd: Option<bool>,
    pub dnd: Option<bool>,
    pub acw: Option<bool>,
    pub on_phone: Option<bool>,
    pub station: Option<Cow<'a, str>>,
}

/// Parses one framed line (without its line end).
pub fn parse_line(line: &[u8]) -> Result<LineRecord<'_>, RecordError> {
    parse_line_cached(line, &mut TimeCache::default())
}

/// [`parse_line`], with the time of the last plain status line remembered.
pub(crate) fn parse_line_cached<'a>(
    line: &'a [u8],
    times: &mut TimeCache,
) -> Result<LineRecord<'a>, RecordError> {
    match plain_status(line, times) {
        Some(record) => record.map(LineRecord::Status),
        None => parse_general(line),
    }
}

/// The last time read from a plain status line, as written and as read: the statuses a
/// server sends in one second share their time, which is then read once. Times up to
/// [`TimeCache::MAX`] bytes, kept inline.
#[derive(Debug, Clone, Default)]
pub(crate) struct TimeCache {
    /// 0: nothing kept.
    len: u8,
    bytes: [u8; TimeCache::MAX],
    time: Option<CicTime>,
}

impl TimeCache {
    const MAX: usize = 32;

    /// [`parse_time`] of `field`, from the cache when it is the last one read.
    fn parse(&mut self, field: &[u8]) -> Option<CicTime> {
        let len = usize::from(self.len);
        if len == field.len() && self.bytes[..len] == *field {
            return self.time;
        }
        let time = parse_time(field);
        if let Some(bytes) = self.bytes.get_mut(..field.len()) {
            bytes.copy_from_slice(field);
            self.len = field.len() as u8;
            self.time = time;
        }
        time
    }
}

/// A `STATUS` line without escapes that is UTF-8 (nearly every line), read in one pass: the
/// line is checked once as a whole, split at its `|` up to the station's end (from a mask of
/// the `|` and a test for `\` of 8 bytes at a time, in a `u64`, instead of a search per
/// field), and
/// its fields are slices of its text (no escape to look for, no UTF-8 check per field).
/// `None` for any other line, which [`parse_general`] reads. Both read a plain line alike
/// (tested): an absent field and an empty one are both `None`.
fn plain_status<'a>(
    line: &'a [u8],
    times: &mut TimeCache,
) -> Option<Result<StatusRecord<'a>, RecordError>> {
    let text = std::str::from_utf8(line).ok()?;
    // Where the type, the 11 fields of a status, and the first of any that follow (ignored)
    // end; a field starts after the end of the one before.
    let mut ends = [line.len(); 13];
    let mut count = 0;
    // 8 bytes at a time: a mask of the `|` (the high bit of each byte) and whether there
    // is a `\`.
    let mut chunks = line.chunks_exact(8);
    let mut base = 0;
    for chunk in chunks.by_ref() {
        let word = u64::from_le_bytes(chunk.try_into().expect("8 bytes"));
        if zero_bytes(word ^ (REPEAT * u64::from(b'\\'))) != 0 {
            return None;
        }
        let mut bits = zero_bytes(word ^ (REPEAT * u64::from(b'|')));
        while bits != 0 && count < ends.len() {
            ends[count] = base + bits.trailing_zeros() as usize / 8;
            count += 1;
            bits &= bits - 1;
        }
        base += 8;
    }
    for (at, &byte) in chunks.remainder().iter().enumerate() {
        match byte {
            b'\\' => return None,
            b'|' if count < ends.len() => {
                ends[count] = base + at;
                count += 1;
            }
            _ => {}
        }
    }
    if !line[..ends[0]].eq_ignore_ascii_case(b"STATUS") {
        return None;
    }
    // Field `at` (1 to 11) as bytes or text; `None` when empty or absent.
    let span = |at: usize| Some((ends[at - 1] + 1, ends[at])).filter(|(start, end)| start < end);
    let bytes = |at: usize| span(at).map(|(start, end)| &line[start..end]);
    let text = |at: usize| span(at).map(|(start, end)| Cow::Borrowed(&text[start..end]));
    let flag = |at: usize, field| match bytes(at) {
        None => Ok(None),
        Some(b"0") => Ok(Some(false)),
        Some(b"1") => Ok(Some(true)),
        Some(_) => Err(RecordError::BadFlag { field }),
    };
    Some((|| {
        Ok(StatusRecord {
            time: bytes(1)
                .map(|field| {
                    times
                        .parse(field)
                        .ok_or(RecordError::BadTime { field: "time" })
                })
                .transpose()?,
            user_id: Cow::Borrowed(bytes(2).ok_or(RecordError::MissingUserId)?),
            status_key: text(3).ok_or(RecordError::MissingStatusKey)?,
            status_text: text(4),
            group: text(5),
            logged_in: flag(6, "logged in")?,
            acd: flag(7, "acd")?,
            dnd: flag(8, "dnd")?,
            acw: flag(9, "acw")?,
            on_phone: flag(10, "on phone")?,
            station: text(11),
        })
    })())
}

/// A byte of ones in each of a word's bytes.
const REPEAT: u64 = u64::from_le_bytes([1; 8]);

/// The high bit of each zero byte of `word`, exactly (no carry between bytes).
fn zero_bytes(word: u64) -> u64 {
    let low7 = REPEAT * 0x7f;
    !(((word & low7) + low7) | word) & !low7
}

/// Any line, a field at a time (see [`Fields`]).
fn parse_general(line: &[u8]) -> Result<LineRecord<'_>, RecordError> {
    let mut fields = Fields { rest: Some(line) };
    let kind = fields.next_raw().unwrap_or_default();
    if kind.eq_ignore_ascii_case(b"STATUS") {
        parse_status(fields).map(LineRecord::Status)
    } else if kind.eq_ignore_ascii_case(b"SNAPSHOT") {
        let marker = fields.next_raw().unwrap_or_default();
        let time = optional_time(fields.next())?;
        if marker.eq_ignore_ascii_case(b"BEGIN") {
            Ok(LineRecord::SnapshotBegin(time))
        } else if marker.eq_ignore_ascii_case(b"END") {
            Ok(LineRecord::SnapshotEnd(time))
        } else {
            Err(RecordError::BadSnapshotMarker)
        }
    } else if kind.eq_ignore_ascii_case(b"HEARTBEAT") {
        optional_time(fields.next()).map(LineRecord::Heartbeat)
    } else {
        Ok(LineRecord::Other { kind })
    }
}

fn parse_status(mut fields: Fields<'_>) -> Result<StatusRecord<'_>, RecordError> {
    let time = optional_time(fields.next())?;
    let user_id = fields.next().ok_or(RecordError::MissingUserId)?;
    let status_key = fields.next().ok_or(RecordError::MissingStatusKey)?;
    let status_text = fields.next().map(text);
    let group = fields.next().map(text);
    let mut flag = |field| flag(fields.next(), field);
    Ok(StatusRecord {
        time,
        user_id,
        status_key: text(status_key),
        status_text,
        group,
        logged_in: flag("logged in")?,
        acd: flag("acd")?,
        dnd: flag("dnd")?,
        acw: flag("acw")?,
        on_phone: flag("on phone")?,
        station: fields.next().map(text),
    })
}

fn optional_time(field: Option<Cow<'_, [u8]>>) -> Result<Option<CicTime>, RecordError> {
    field
        .map(|field| parse_time(&field).ok_or(RecordError::BadTime { field: "time" }))
        .transpose()
}

fn flag(field: Option<Cow<'_, [u8]>>, name: &'static str) -> Result<Option<bool>, RecordError> {
    match field.as_deref() {
        None => Ok(None),
        Some(b"0") => Ok(Some(false)),
        Some(b"1") => Ok(Some(true)),
        Some(_) => Err(RecordError::BadFlag { field: name }),
    }
}

/// Field bytes as text: UTF-8, else Latin-1.
fn text(field: Cow<'_, [u8]>) -> Cow<'_, str> {
    match field {
        Cow::Borrowed(bytes) => utf8_or_latin1(bytes),
        Cow::Owned(bytes) => Cow::Owned(
            String::from_utf8(bytes)
                .unwrap_or_else(|error| utf8_or_latin1(error.as_bytes()).into_owned()),
        ),
    }
}

/// A field as written: a run of escapes and other bytes up to a `|` or the end (the
/// `field` rule of the module docs: an escape takes the byte after its `\`, whatever it is,
/// and a `\` ending the input stands alone). Returns the rest (from the `|`, or empty), the
/// field, and whether it holds a `\`. One `memchr2` scan per field: a field has no escape in
/// the usual case.
fn raw_field(input: &[u8]) -> (&[u8], &[u8], bool) {
    let mut from = 0;
    let mut escaped = false;
    while let Some(offset) = memchr::memchr2(b'|', b'\\', &input[from..]) {
        let at = from + offset;
        if input[at] == b'|' {
            return (&input[at..], &input[..at], escaped);
        }
        escaped = true;
        from = (at + 2).min(input.len());
    }
    (&[], input, escaped)
}

/// The fields of a line, unescaped; an empty field is `None`.
struct Fields<'a> {
    /// What follows the last field taken; `None` after the last field.
    rest: Option<&'a [u8]>,
}

impl<'a> Fields<'a> {
    /// The next field as written and whether it holds a `\`; `None` past the last one.
    fn next_field(&mut self) -> Option<(&'a [u8], bool)> {
        let input = self.rest?;
        let (rest, field, escaped) = raw_field(input);
        self.rest = rest.strip_prefix(b"|");
        Some((field, escaped))
    }

    /// The next field as written, `None` past the last one.
    fn next_raw(&mut self) -> Option<&'a [u8]> {
        self.next_field().map(|(field, _)| field)
    }

    /// The next field unescaped; `None` when empty or missing.
    fn next(&mut self) -> Option<Cow<'a, [u8]>> {
        match self.next_field()? {
            (b"", _) => None,
            (field, true) => Some(unescape(field)),
            (field, false) => Some(Cow::Borrowed(field)),
        }
    }
}

/// Removes the escapes of `\|` and `\\`; borrowed when there are none.
fn unescape(field: &[u8]) -> Cow<'_, [u8]> {
    if memchr::memchr(b'\\', field).is_none() {
        return Cow::Borrowed(field);
    }
    let mut out = Vec::with_capacity(field.len());
    let mut bytes = field.iter();
    while let Some(&byte) = bytes.next() {
        match (byte, bytes.as_slice().first()) {
            (b'\\', Some(&next @ (b'\\' | b'|'))) => {
                out.push(next);
                bytes.next();
            }
            _ => out.push(byte),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn status(line: &str) -> StatusRecord<'_> {
        match parse_line(line.as_bytes()) {
            Ok(LineRecord::Status(record)) => record,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_spec_status_line() {
        let record =
            status("STATUS|2026-11-23 07:58:12|jdoe|Available|Available|AVAILABLE|1|1|0|0|0|7001");
        assert_eq!(
            record,
            StatusRecord {
                time: Some(CicTime::Local(date(2026, 11, 23).at(7, 58, 12, 0))),
                user_id: Cow::Borrowed(b"jdoe"),
                status_key: Cow::Borrowed("Available"),
                status_text: Some(Cow::Borrowed("Available")),
                group: Some(Cow::Borrowed("AVAILABLE")),
                logged_in: Some(true),
                acd: Some(true),
                dnd: Some(false),
                acw: Some(false),
                on_phone: Some(false),
                station: Some(Cow::Borrowed("7001")),
            }
        );
        assert!(matches!(record.user_id, Cow::Borrowed(_)), "no copy");
        let gone =
            status("STATUS|2026-11-22 17:02:40|asmith|Gone Home|Gone Home|UNAVAILABLE|0|0|0|0|0|");
        assert_eq!(gone.station, None);
        assert_eq!(gone.logged_in, Some(false));
    }

    #[test]
    fn escapes_are_removed_and_only_then_copied() {
        let record = status(r"STATUS||a\|b\\c|Available, No ACD|x\y|\|");
        assert_eq!(&*record.user_id, br"a|b\c");
        assert!(matches!(record.user_id, Cow::Owned(_)));
        assert!(matches!(
            record.status_key,
            Cow::Borrowed("Available, No ACD")
        ));
        assert_eq!(
            record.status_text.as_deref(),
            Some(r"x\y"),
            "unknown escape kept"
        );
        assert_eq!(record.group.as_deref(), Some("|"));
        let trailing = status(r"STATUS||jdoe|Away\");
        assert_eq!(trailing.status_key, r"Away\", "a final backslash is kept");
        let escaped_end = status(r"STATUS||jdoe|Away\\|text");
        assert_eq!(escaped_end.status_key, r"Away\");
        assert_eq!(escaped_end.status_text.as_deref(), Some("text"));
    }

    #[test]
    fn missing_trailing_fields_are_absent() {
        let record = status("STATUS|2026-11-23T07:58:12Z|jdoe|At Lunch");
        assert_eq!(
            record.time,
            Some(CicTime::Utc("2026-11-23T07:58:12Z".parse().unwrap()))
        );
        assert_eq!(
            (
                record.status_text,
                record.group,
                record.logged_in,
                record.station
            ),
            (None, None, None, None)
        );
        let empty = status("STATUS||jdoe|At Lunch||||1|||");
        assert_eq!(
            (empty.time, empty.acd, empty.logged_in),
            (None, Some(true), None)
        );
    }

    #[test]
    fn bad_status_lines() {
        fn parse(line: &str) -> Result<LineRecord<'_>, RecordError> {
            parse_line(line.as_bytes())
        }
        assert_eq!(parse("STATUS"), Err(RecordError::MissingUserId));
        assert_eq!(
            parse("STATUS|2026-11-23 07:58:12||Available"),
            Err(RecordError::MissingUserId)
        );
        assert_eq!(
            parse("STATUS|2026-11-23 07:58:12|jdoe"),
            Err(RecordError::MissingStatusKey)
        );
        assert_eq!(parse("STATUS||jdoe|"), Err(RecordError::MissingStatusKey));
        assert_eq!(
            parse("STATUS|yesterday|jdoe|Available"),
            Err(RecordError::BadTime { field: "time" })
        );
        assert_eq!(
            parse("STATUS||jdoe|Available|||yes"),
            Err(RecordError::BadFlag { field: "logged in" })
        );
    }

    #[test]
    fn other_records() {
        let at = Some(CicTime::Local(date(2026, 11, 23).at(8, 0, 0, 0)));
        assert_eq!(
            parse_line(b"SNAPSHOT|BEGIN|2026-11-23 08:00:00"),
            Ok(LineRecord::SnapshotBegin(at))
        );
        assert_eq!(
            parse_line(b"snapshot|end|2026-11-23 08:00:00"),
            Ok(LineRecord::SnapshotEnd(at))
        );
        assert_eq!(
            parse_line(b"SNAPSHOT|END"),
            Ok(LineRecord::SnapshotEnd(None))
        );
        assert_eq!(
            parse_line(b"SNAPSHOT|MIDDLE|"),
            Err(RecordError::BadSnapshotMarker)
        );
        assert_eq!(
            parse_line(b"HEARTBEAT|2026-11-23 08:00:00"),
            Ok(LineRecord::Heartbeat(at))
        );
        assert_eq!(parse_line(b"HEARTBEAT"), Ok(LineRecord::Heartbeat(None)));
        assert_eq!(
            parse_line(b"QUEUE|1|2"),
            Ok(LineRecord::Other { kind: b"QUEUE" })
        );
        assert_eq!(parse_line(b""), Ok(LineRecord::Other { kind: b"" }));
        assert_eq!(
            parse_line(b"\xff|\\"),
            Ok(LineRecord::Other { kind: b"\xff" })
        );
    }

    /// The `field` rule in nom, as first written: the reference for [`raw_field`].
    fn raw_field_nom(input: &[u8]) -> nom::IResult<&[u8], &[u8]> {
        use nom::Parser;
        use nom::branch::alt;
        use nom::bytes::complete::{is_not, tag, take};
        use nom::combinator::recognize;
        use nom::multi::many0_count;
        use nom::sequence::pair;
        recognize(many0_count(alt((
            recognize(pair(tag(&b"\\"[..]), take(1usize))),
            is_not(&b"\\|"[..]),
            tag(&b"\\"[..]),
        ))))
        .parse(input)
    }

    #[test]
    fn fields_are_split_as_the_grammar_says() {
        for input in [
            &b""[..],
            b"|",
            b"||",
            b"abc",
            b"abc|def",
            br"a\|b|c",
            br"a\\|b",
            br"\",
            br"ab\",
            br"\\",
            br"\x|y",
            br"\\\|\\||",
        ] {
            let (rest, field, escaped) = raw_field(input);
            assert_eq!(
                Ok((rest, field)),
                raw_field_nom(input),
                "{:?}",
                String::from_utf8_lossy(input)
            );
            assert_eq!(escaped, field.contains(&b'\\'));
        }
    }

    proptest::proptest! {
        #[test]
        fn fields_split_like_the_nom_grammar(
            input in proptest::collection::vec(
                proptest::sample::select(&b"ab|\\\xff"[..]),
                0..40,
            )
        ) {
            let (rest, field, escaped) = raw_field(&input);
            proptest::prop_assert_eq!(Ok((rest, field)), raw_field_nom(&input));
            proptest::prop_assert_eq!(escaped, field.contains(&b'\\'));
        }
    }

    /// Both paths on one line: the same record or error.
    fn both_paths(line: &[u8]) -> Result<LineRecord<'_>, RecordError> {
        let general = parse_general(line);
        assert_eq!(
            parse_line(line),
            general,
            "{:?}",
            String::from_utf8_lossy(line)
        );
        general
    }

    #[test]
    fn plain_lines_read_as_the_general_path_reads_them() {
        let mut plain = 0;
        for line in [
            &b"STATUS"[..],
            b"STATUS|",
            b"STATUS|2026-11-23 07:58:12|jdoe|Available|Available|AVAILABLE|1|1|0|0|0|7001",
            b"STATUS|2026-11-23 07:58:12|jdoe|Available|Available|AVAILABLE|1|1|0|0|0|7001|",
            b"STATUS|2026-11-23 07:58:12|jdoe|Available|Available|AVAILABLE|1|1|0|0|0|7001|x|y",
            b"status||jdoe|At Lunch||||1|||",
            b"Status||jdoe|",
            b"STATUS||jdoe|Away|D\xc3\xa9jeuner|||||||x|y",
            b"STATUS||jdoe|Away|||yes",
            b"STATUS|yesterday|jdoe|Away",
            b"STATUS|2026-11-23T07:58:12Z||Away",
        ] {
            plain += usize::from(plain_status(line, &mut TimeCache::default()).is_some());
            both_paths(line).ok();
        }
        assert_eq!(plain, 11);
        for other in [
            &b""[..],
            b"|",
            b"STATUSX|",
            b"SNAPSHOT|BEGIN|2026-11-23 08:00:00",
            b"HEARTBEAT|2026-11-23 08:00:00|",
            b"STATUS||a\\|b",
            b"STATUS||ren\xe9|b",
        ] {
            assert!(plain_status(other, &mut TimeCache::default()).is_none());
            both_paths(other).ok();
        }
    }

    proptest::proptest! {
        /// Any line reads alike on both paths: lines of random fields built of bytes that
        /// matter (separators, escapes, flags, UTF-8 and Latin-1 letters, times).
        #[test]
        fn lines_read_alike_on_both_paths(
            kind in proptest::sample::select(&["STATUS", "status", "SNAPSHOT", "HEARTBEAT", "X", ""][..]),
            fields in proptest::collection::vec(
                proptest::collection::vec(
                    proptest::sample::select(&[
                        "a", "Z", " ", ",", "0", "1", "|", "\\", "\u{e9}", "\u{212a}",
                        "\u{1f600}", "BEGIN", "end", "2026-11-23 07:58:12", "20261123T075812Z",
                    ][..]),
                    0..4,
                ),
                0..15,
            ),
            latin1 in proptest::option::of(0usize..200),
        ) {
            let mut line = kind.as_bytes().to_vec();
            for field in fields {
                line.push(b'|');
                line.extend(field.concat().bytes());
            }
            if let Some(at) = latin1 {
                if at < line.len() {
                    line.insert(at, 0xe9);
                }
            }
            both_paths(&line).ok();
        }
    }

    proptest::proptest! {
        /// A run of lines read with one time cache reads as each line alone: times that
        /// repeat, change, are empty, bad, or too long to keep.
        #[test]
        fn cached_times_read_as_parsed_ones(
            times in proptest::collection::vec(proptest::sample::select(&[
                "", "2026-11-23 07:58:12", "2026-11-23 07:58:13", "2026-11-23T07:58:12Z",
                "20261123T075812", "2026-11-23 07:58:12.123456789123456789", "2026-11-23 07:58:1",
                "2026-11-23 07:58:12.1234567891234567891", "yesterday",
            ][..]), 1..30),
        ) {
            let mut cache = TimeCache::default();
            for time in times {
                let line = format!("STATUS|{time}|jdoe|Available|||1");
                proptest::prop_assert_eq!(
                    parse_line_cached(line.as_bytes(), &mut cache),
                    parse_general(line.as_bytes())
                );
            }
        }
    }

    #[test]
    fn zero_bytes_are_found_exactly() {
        // Every byte beside every neighbour that could carry or borrow into it.
        for byte in 0..=255u8 {
            for neighbour in [0u8, 1, 0x7f, 0x80, 0x81, 0xff] {
                for at in 0..8 {
                    let mut bytes = [neighbour; 8];
                    bytes[at] = byte;
                    let expected = bytes.iter().enumerate().fold(0u64, |mask, (i, &b)| {
                        mask | (u64::from(b == 0) << (8 * i + 7))
                    });
                    assert_eq!(zero_bytes(u64::from_le_bytes(bytes)), expected, "{bytes:?}");
                }
            }
        }
    }

    #[test]
    fn latin1_values_are_decoded() {
        let record = status("STATUS||ren\u{e9}|Pause|D\u{e9}jeuner");
        assert_eq!(record.status_text.as_deref(), Some("Déjeuner"));
        match parse_line(b"STATUS||ren\xe9|Pause|D\xe9jeuner\\|") {
            Ok(LineRecord::Status(record)) => {
                assert_eq!(&*record.user_id, b"ren\xe9");
                assert_eq!(record.status_text.as_deref(), Some("Déjeuner|"));
            }
            other => panic!("{other:?}"),
        }
    }
}
