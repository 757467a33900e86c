//! Readers of the CSV files the standalone binary loads: user mappings, activity mappings,
//! schedules and employees.
//!
//! # Common rules
//!
//! - Comma-separated, UTF-8 (a leading byte-order mark is ignored). A field holding a comma
//!   (a reason list such as `1-5,7`) must be quoted: `"1-5,7"`.
//! - The header row is optional: a first row that equals the column names (any case) is skipped.
//!   Any other row whose first field is the first column name (`integration`, `employee`) is
//!   reported as a misplaced or mismatched header rather than read as data.
//! - Fields are trimmed. Blank lines are ignored. Lines starting with `#` are comments (quote a
//!   first field that really starts with `#`: `"#7",...`).
//! - A bad row does not stop the file: it is reported as a [`RowError`] with its 1-based line
//!   number (the line where the row starts) and a message naming the field and its value, and
//!   the other rows still load ([`Loaded`]). Rows with too few or too many fields, fields that
//!   are not UTF-8, values that span several lines and rows over 64 KiB are such errors too.
//!   Only I/O errors stop reading ([`FileError`]).
//!
//! # User mappings: `integration,external_id,employee`
//!
//! Which employee an integration's agent id is ([`UserMapping`]). All three are required.
//!
//! ```text
//! integration,external_id,employee
//! cms,4711,alice
//! cms,4712,bob
//! ```
//!
//! # Activity mappings: `integration,status,reason,detail,activity`
//!
//! Which activity an integration's state is ([`ActivityMapping`]). `status` is a code (`AUX`),
//! a prefix ending in `*` (`ACD*`) or `*` alone (any code). `reason` is blank or `*` (any
//! reason) or a list of values and inclusive numeric ranges ([`ReasonSpec`]); `detail` is blank
//! (any detail) or a value.
//!
//! ```text
//! integration,status,reason,detail,activity
//! cms,ACD*,,,Phone
//! cms,AUX,"1-5,7",,Break
//! cms,AUX,LUNCH,,Lunch
//! cms,*,*,,Offline
//! ```
//!
//! # Schedules: `employee,start,end,activity`
//!
//! One scheduled segment `[start, end)` ([`ScheduleRow`]). Times are RFC 3339 with an offset
//! (`Z` or `+01:00`); `start` must be before `end`.
//!
//! ```text
//! employee,start,end,activity
//! alice,2025-03-03T08:00:00Z,2025-03-03T12:00:00Z,Phone
//! alice,2025-03-03T13:00:00+01:00,2025-03-03T13:15:00+01:00,Break
//! ```
//!
//! # Employees: `employee,team,time_zone`
//!
//! [`Employee`]s with their team and IANA time zone, both optional (blank: no team, the default
//! zone).
//!
//! ```text
//! employee,team,time_zone
//! alice,Blue,Europe/Berlin
//! bob,,
//! ```
//!
//! ```
//! let csv = "employee,team,time_zone\nalice,Blue,Europe/Berlin\nbob,,Mars/Olympus\n";
//! let loaded = rta_adherence::read_employees(csv.as_bytes()).unwrap();
//! assert_eq!(loaded.rows.len(), 1);
//! assert_eq!(loaded.errors[0].line, 3);
//! ```

use std::fmt::Display;
use std::io::{self, Read};

use jiff::Timestamp;
use rta_model::Name;

use crate::config::{ActivityMapping, Employee, ReasonSpec, ScheduleRow, UserMapping};

/// Longest row accepted, in bytes; longer rows are reported and skipped.
pub const MAX_ROW_BYTES: usize = 64 * 1024;

/// The UTF-8 byte-order mark some editors put at the start of a file.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Values longer than this many characters are shortened in messages.
const SHOWN_CHARS: usize = 60;

/// The rows of a file that could be read, and what was wrong with the others.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loaded<T> {
    /// The good rows, in file order.
    pub rows: Vec<T>,
    /// One error per bad row, in file order.
    pub errors: Vec<RowError>,
}

impl<T> Loaded<T> {
    /// The rows if every row was good, otherwise the errors.
    pub fn into_result(self) -> Result<Vec<T>, Vec<RowError>> {
        if self.errors.is_empty() {
            Ok(self.rows)
        } else {
            Err(self.errors)
        }
    }
}

/// A row that could not be read. Displays as `line 7: ...`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct RowError {
    /// 1-based line where the row starts.
    pub line: u64,
    /// What is wrong, naming the field and its value.
    pub message: String,
}

/// Reading stopped altogether.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// The input could not be read.
    #[error("reading failed near line {line}: {source}")]
    Io {
        /// The line reading had reached.
        line: u64,
        source: io::Error,
    },
}

/// Reads user mappings: `integration,external_id,employee`.
pub fn read_user_mappings(input: impl Read) -> Result<Loaded<UserMapping>, FileError> {
    read(
        input,
        ["integration", "external_id", "employee"],
        |[integration, external_id, employee]| {
            Ok(UserMapping {
                integration: integration.name()?,
                external_id: external_id.required()?.to_owned(),
                employee: employee.name()?,
            })
        },
    )
}

/// Reads activity mappings: `integration,status,reason,detail,activity`.
pub fn read_activity_mappings(input: impl Read) -> Result<Loaded<ActivityMapping>, FileError> {
    read(
        input,
        ["integration", "status", "reason", "detail", "activity"],
        |[integration, status, reason, detail, activity]| {
            let code = status.required()?;
            if code.find('*').is_some_and(|at| at != code.len() - 1) {
                return Err(status.invalid("`*` may only end a status (`ACD*`) or stand alone"));
            }
            Ok(ActivityMapping {
                integration: integration.name()?,
                status: code.to_owned(),
                reason: reason
                    .value
                    .parse::<ReasonSpec>()
                    .map_err(|bad| reason.invalid(bad.why))?,
                detail: detail.optional(),
                activity: activity.name()?,
            })
        },
    )
}

/// Reads schedule segments: `employee,start,end,activity`, times in RFC 3339.
pub fn read_schedules(input: impl Read) -> Result<Loaded<ScheduleRow>, FileError> {
    read(
        input,
        ["employee", "start", "end", "activity"],
        |[employee, start_field, end_field, activity]| {
            let employee = employee.name()?;
            let start = start_field.time()?;
            let end = end_field.time()?;
            if start >= end {
                return Err(
                    end_field.invalid(format_args!("not after the start {}", start_field.value))
                );
            }
            Ok(ScheduleRow {
                employee,
                start,
                end,
                activity: activity.name()?,
            })
        },
    )
}

/// Reads employees: `employee,team,time_zone`.
pub fn read_employees(input: impl Read) -> Result<Loaded<Employee>, FileError> {
    read(
        input,
        ["employee", "team", "time_zone"],
        |[employee, team, zone]| {
            let time_zone = zone.optional();
            if time_zone.is_some() && jiff::tz::TimeZone::get(zone.value).is_err() {
                return Err(zone.invalid("not a known IANA time zone"));
            }
            Ok(Employee {
                id: employee.name()?,
                team: team.optional().map(Name::from),
                time_zone,
            })
        },
    )
}

/// One trimmed field of a row, with the name of its column.
#[derive(Debug, Clone, Copy)]
struct Field<'a> {
    column: &'static str,
    value: &'a str,
}

impl Field<'_> {
    /// An error message naming the column and the value.
    fn invalid(&self, why: impl Display) -> String {
        format!("{} {}: {why}", self.column, shown(self.value))
    }

    fn required(&self) -> Result<&str, String> {
        if self.value.is_empty() {
            Err(format!("{} is blank", self.column))
        } else {
            Ok(self.value)
        }
    }

    fn name(&self) -> Result<Name, String> {
        self.required().map(Name::from)
    }

    /// Blank is `None`.
    fn optional(&self) -> Option<String> {
        (!self.value.is_empty()).then(|| self.value.to_owned())
    }

    fn time(&self) -> Result<Timestamp, String> {
        self.required()?
            .parse()
            .map_err(|err| self.invalid(format_args!("not an RFC 3339 time with offset ({err})")))
    }
}

/// `value` quoted, shortened when long.
fn shown(value: &str) -> String {
    match value.char_indices().nth(SHOWN_CHARS) {
        Some((cut, _)) => format!("{:?}...", &value[..cut]),
        None => format!("{value:?}"),
    }
}

/// The input without a leading byte-order mark, however the reads cut it.
///
/// The first bytes are read until there are enough to tell (a read may return fewer), and
/// handed on in one piece of at least four bytes: csv-core strips a mark of its own from its
/// first buffer and takes a buffer left empty by that for the end of the input, which a
/// second mark read alone would otherwise cause.
fn without_bom(mut input: impl Read) -> io::Result<impl Read> {
    let mut head = Vec::with_capacity(2 * BOM.len() + 1);
    (&mut input)
        .take(2 * BOM.len() as u64 + 1)
        .read_to_end(&mut head)?;
    let mut head = io::Cursor::new(head);
    if head.get_ref().starts_with(BOM) {
        head.set_position(BOM.len() as u64);
    }
    Ok(head.chain(input))
}

/// Notes whether the input has run out: a row read after that was not ended by a line break,
/// which the line numbering must know.
struct Ending<R> {
    inner: R,
    ended: bool,
}

impl<R: Read> Read for Ending<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let read = self.inner.read(buf)?;
        if read == 0 && !buf.is_empty() {
            self.ended = true;
        }
        Ok(read)
    }
}

/// Reads a file of `N` columns, turning each row into a `T` with `parse_row` (which gets the
/// trimmed fields and returns a message naming the bad field).
fn read<T, const N: usize>(
    input: impl Read,
    columns: [&'static str; N],
    parse_row: impl Fn([Field<'_>; N]) -> Result<T, String>,
) -> Result<Loaded<T>, FileError> {
    let io_error = |line, source| FileError::Io { line, source };
    let input = without_bom(input).map_err(|err| io_error(1, err))?;
    // Rows end at `\n` only (a `\r` before it is trimmed away with the last field), so that each
    // row consumes exactly its own line breaks and its start line can be worked out.
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .comment(Some(b'#'))
        .terminator(csv::Terminator::Any(b'\n'))
        .from_reader(Ending {
            inner: input,
            ended: false,
        });
    let mut loaded = Loaded {
        rows: Vec::new(),
        errors: Vec::new(),
    };
    let mut record = csv::ByteRecord::new();
    let mut first_row = true;
    while reader
        .read_byte_record(&mut record)
        .map_err(|err| io_error(reader.position().line(), err.into()))?
    {
        if record.len() == 1 && record[0].trim_ascii().is_empty() {
            continue;
        }
        // csv gives the position before the blank and comment lines it skipped; count back from
        // the end instead: the line breaks inside the row, and the one that ended it.
        let breaks_inside = record.as_slice().iter().filter(|&&b| b == b'\n').count() as u64;
        let ended_by_break = !reader.get_ref().ended;
        let line = reader.position().line() - breaks_inside - u64::from(ended_by_break);
        let header_allowed = std::mem::replace(&mut first_row, false);
        let row = fields(&record, &columns).and_then(|values| {
            if values[0].eq_ignore_ascii_case(columns[0]) {
                return header(&values, &columns, header_allowed).map(|()| None);
            }
            parse_row(std::array::from_fn(|i| Field {
                column: columns[i],
                value: values[i],
            }))
            .map(Some)
        });
        match row {
            Ok(Some(row)) => loaded.rows.push(row),
            Ok(None) => {}
            Err(message) => loaded.errors.push(RowError { line, message }),
        }
    }
    Ok(loaded)
}

/// The trimmed UTF-8 fields of a non-blank `record`, or what is wrong with it.
fn fields<'a, const N: usize>(
    record: &'a csv::ByteRecord,
    columns: &[&str; N],
) -> Result<[&'a str; N], String> {
    let size = record.as_slice().len() + record.len();
    if size > MAX_ROW_BYTES {
        return Err(format!(
            "row too long: {size} bytes (at most {MAX_ROW_BYTES})"
        ));
    }
    if record.len() != N {
        let hint = if record.len() > N {
            "; a value holding a comma must be quoted"
        } else {
            ""
        };
        return Err(format!(
            "expected {N} fields ({}), found {}{hint}",
            columns.join(","),
            record.len(),
        ));
    }
    let mut values = [""; N];
    for ((value, bytes), column) in values.iter_mut().zip(record).zip(columns) {
        *value = std::str::from_utf8(bytes)
            .map_err(|_| {
                format!(
                    "{column} is not valid UTF-8: {}",
                    shown(&String::from_utf8_lossy(bytes))
                )
            })?
            .trim();
        if value.contains(['\n', '\r']) {
            return Err(format!(
                "{column} {} spans several lines (a quote left open?)",
                shown(value)
            ));
        }
    }
    Ok(values)
}

/// Accepts the expected header on the first row; reports any other header-like row.
fn header(values: &[&str], columns: &[&str], allowed: bool) -> Result<(), String> {
    let matches = values
        .iter()
        .zip(columns)
        .all(|(value, column)| value.eq_ignore_ascii_case(column));
    match (matches, allowed) {
        (true, true) => Ok(()),
        (true, false) => Err("a header is only allowed on the first row".into()),
        (false, _) => Err(format!(
            "header {} does not match the columns {}",
            shown(&values.join(",")),
            columns.join(",")
        )),
    }
}
