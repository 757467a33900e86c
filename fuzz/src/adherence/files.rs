//! `adherence_files`: the four CSV readers of `rta-adherence` over arbitrary bytes.

use crate::{Rng, fnv1a, read_sizes};
use rta_adherence::{
    FileError, Loaded, ReasonSpec, RowError, read_activity_mappings, read_employees,
    read_schedules, read_user_mappings,
};
use std::fmt::Debug;
use std::io::{self, Read};

/// A reader handing out `data` in pieces of the given sizes (cycled), and failing with an I/O
/// error once `fail_at` bytes are out, when set.
#[derive(Debug)]
struct Pieces<'a> {
    data: &'a [u8],
    sizes: &'a [usize],
    next: usize,
    given: usize,
    fail_at: Option<usize>,
}

impl<'a> Pieces<'a> {
    fn new(data: &'a [u8], sizes: &'a [usize], fail_at: Option<usize>) -> Self {
        Pieces {
            data,
            sizes,
            next: 0,
            given: 0,
            fail_at,
        }
    }
}

impl Read for Pieces<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.fail_at.is_some_and(|at| self.given >= at) {
            return Err(io::Error::other("the fuzz reader fails here"));
        }
        let mut size = self.sizes[self.next % self.sizes.len()];
        self.next += 1;
        if let Some(at) = self.fail_at {
            size = size.min(at - self.given);
        }
        let size = size.min(buf.len()).min(self.data.len());
        let (piece, rest) = self.data.split_at(size);
        buf[..size].copy_from_slice(piece);
        self.data = rest;
        self.given += size;
        Ok(size)
    }
}

/// The lines of `data`: its line feeds, plus the last line when it is not ended by one.
fn line_count(data: &[u8]) -> u64 {
    let feeds = data.iter().filter(|&&b| b == b'\n').count() as u64;
    feeds + u64::from(data.last().is_some_and(|&b| b != b'\n'))
}

/// A field the readers hand out: trimmed, one line, non-empty when `required`.
fn check_text(what: &str, value: &str, required: bool) {
    assert_eq!(value, value.trim(), "{what} {value:?} is not trimmed");
    assert!(
        !value.contains(['\n', '\r']),
        "{what} {value:?} spans lines"
    );
    if required {
        assert!(!value.is_empty(), "{what} is blank");
    }
}

/// Reads `data` with `read` whole, in pieces, and failing part way: the same outcome whole
/// and in pieces, sane line numbers, a good row checked by `check_row`.
fn check_reader<T: Debug + PartialEq>(
    format: &str,
    data: &[u8],
    sizes: &[usize],
    fail_at: usize,
    read: impl Fn(Pieces<'_>) -> Result<Loaded<T>, FileError>,
    check_row: impl Fn(&T),
) {
    let lines = line_count(data);
    let loaded = match read(Pieces::new(data, &[usize::MAX], None)) {
        Ok(loaded) => loaded,
        Err(error) => panic!("{format}: an I/O error from a reader that never fails: {error}"),
    };
    let check_line = |line: u64, what: &dyn Debug| {
        assert!(
            (1..=lines + 1).contains(&line),
            "{format}: line {line} of {what:?} in an input of {lines} lines"
        );
    };
    for error in &loaded.errors {
        check_line(error.line, error);
        assert!(!error.message.is_empty(), "{format}: an empty message");
        let shown = error.to_string();
        assert!(
            shown.starts_with(&format!("line {}: ", error.line)),
            "{shown}"
        );
    }
    // In file order; a row starts on its own line.
    for pair in loaded.errors.windows(2) {
        assert!(
            pair[0].line < pair[1].line,
            "{format}: errors out of order: {pair:?}"
        );
    }
    let found = (loaded.rows.len() + loaded.errors.len()) as u64;
    assert!(
        found <= lines,
        "{format}: {} rows and {} errors in {lines} lines",
        loaded.rows.len(),
        loaded.errors.len()
    );
    loaded.rows.iter().for_each(&check_row);

    // Whatever the reads, the same rows and errors.
    let pieces = read(Pieces::new(data, sizes, None))
        .unwrap_or_else(|error| panic!("{format}: an I/O error in pieces: {error}"));
    assert_eq!(pieces, loaded, "{format}: read in pieces of {sizes:?}");

    // An I/O error part way stops reading, reported near a line of the input.
    if !data.is_empty() {
        let fail_at = fail_at % data.len();
        match read(Pieces::new(data, sizes, Some(fail_at))) {
            Ok(loaded) => panic!(
                "{format}: the reader failed after {fail_at} bytes, yet {} rows and {} errors",
                loaded.rows.len(),
                loaded.errors.len()
            ),
            Err(error) => {
                let FileError::Io { line, .. } = &error;
                check_line(*line, &error);
                let _ = error.to_string();
            }
        }
    }
    let _: Result<Vec<T>, Vec<RowError>> = loaded.into_result();
}

/// The CSV readers target. See the crate documentation.
pub fn adherence_files(data: &[u8]) {
    let mut rng = Rng(fnv1a(data));
    let sizes = read_sizes(&mut rng);
    let fail_at = rng.below(usize::MAX);
    check_reader(
        "user mappings",
        data,
        &sizes,
        fail_at,
        |r| read_user_mappings(r),
        |row| {
            check_text("integration", &row.integration, true);
            check_text("external_id", &row.external_id, true);
            check_text("employee", &row.employee, true);
        },
    );
    check_reader(
        "activity mappings",
        data,
        &sizes,
        fail_at,
        |r| read_activity_mappings(r),
        |row| {
            check_text("integration", &row.integration, true);
            check_text("status", &row.status, true);
            check_text("activity", &row.activity, true);
            if let Some(detail) = &row.detail {
                check_text("detail", detail, true);
            }
            let star = row.status.find('*');
            assert!(
                star.is_none_or(|at| at == row.status.len() - 1),
                "status {:?}",
                row.status
            );
            // A reason list written back reads as itself.
            let written = String::from(row.reason.clone());
            assert_eq!(
                written.parse::<ReasonSpec>().as_ref(),
                Ok(&row.reason),
                "reason {written:?}"
            );
        },
    );
    check_reader(
        "schedules",
        data,
        &sizes,
        fail_at,
        |r| read_schedules(r),
        |row| {
            check_text("employee", &row.employee, true);
            check_text("activity", &row.activity, true);
            assert!(row.start < row.end, "{row:?}");
        },
    );
    check_reader(
        "employees",
        data,
        &sizes,
        fail_at,
        |r| read_employees(r),
        |row| {
            check_text("employee", &row.id, true);
            if let Some(team) = &row.team {
                check_text("team", team, true);
            }
            if let Some(zone) = &row.time_zone {
                check_text("time_zone", zone, true);
                assert!(jiff::tz::TimeZone::get(zone).is_ok(), "zone {zone:?}");
            }
        },
    );
}
