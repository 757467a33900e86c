//! The CSV readers: each format's good path, each kind of bad row reported on its line while the
//! other rows load, and line numbers that survive blank lines, comments and multi-line fields.

use std::io::{self, Read};

use jiff::Timestamp;
use rta_adherence::{
    ActivityMapping, Employee, FileError, Loaded, MAX_ROW_BYTES, ReasonItem, ReasonSpec, RowError,
    ScheduleRow, UserMapping, read_activity_mappings, read_employees, read_schedules,
    read_user_mappings,
};

fn user(integration: &str, external_id: &str, employee: &str) -> UserMapping {
    UserMapping {
        integration: integration.into(),
        external_id: external_id.into(),
        employee: employee.into(),
    }
}

fn employee(id: &str, team: Option<&str>, time_zone: Option<&str>) -> Employee {
    Employee {
        id: id.into(),
        team: team.map(Into::into),
        time_zone: time_zone.map(Into::into),
    }
}

fn time(text: &str) -> Timestamp {
    text.parse().unwrap()
}

/// The rows and the lines of the errors, checking every error message contains its snippet.
fn split<T>(loaded: Loaded<T>, expected: &[(u64, &str)]) -> Vec<T> {
    let got: Vec<_> = loaded.errors.iter().map(|e| e.line).collect();
    let want: Vec<_> = expected.iter().map(|(line, _)| *line).collect();
    assert_eq!(got, want, "error lines; errors: {:#?}", loaded.errors);
    for (error, (_, snippet)) in loaded.errors.iter().zip(expected) {
        assert!(
            error.message.contains(snippet),
            "{error} should mention {snippet:?}"
        );
    }
    loaded.rows
}

#[test]
fn user_mappings_with_header_comments_and_blank_lines() {
    let csv = "\
# user mappings
integration,external_id,employee

cms, 4711 ,alice
  # indented lines are not comments, but this one is blank:
   
cms,4712,bob
";
    let loaded = read_user_mappings(csv.as_bytes()).unwrap();
    // The indented "comment" is a row with one field: reported, not skipped.
    let rows = split(loaded, &[(5, "expected 3 fields")]);
    assert_eq!(
        rows,
        [user("cms", "4711", "alice"), user("cms", "4712", "bob")]
    );
}

#[test]
fn the_header_is_optional_and_read_in_any_case() {
    let without = read_user_mappings("cms,1,alice\ncms,2,bob".as_bytes()).unwrap();
    let with = read_user_mappings(
        " Integration , EXTERNAL_ID,employee\ncms,1,alice\ncms,2,bob\n".as_bytes(),
    )
    .unwrap();
    assert_eq!(without, with);
    assert_eq!(
        without.into_result().unwrap(),
        [user("cms", "1", "alice"), user("cms", "2", "bob")]
    );
}

#[test]
fn crlf_line_ends_and_a_byte_order_mark_are_accepted() {
    let csv = "\u{feff}integration,external_id,employee\r\n\r\n# note\r\ncms,1,\"alice\"\r\ncms,2,bob\r\ncms,,carol\r\n";
    let loaded = read_user_mappings(csv.as_bytes()).unwrap();
    let rows = split(loaded, &[(6, "external_id is blank")]);
    assert_eq!(rows, [user("cms", "1", "alice"), user("cms", "2", "bob")]);
}

#[test]
fn activity_mappings_with_quoted_reason_lists_prefixes_and_wildcards() {
    let csv = "\
integration,status,reason,detail,activity
cms,ACD*,,,Phone
cms,AUX,\"1-5, 7\",,Break
cms,AUX,LUNCH,desk 4,Lunch
cms,*,*,,Offline
";
    let rows = read_activity_mappings(csv.as_bytes())
        .unwrap()
        .into_result()
        .unwrap();
    let mapping =
        |status: &str, reason: ReasonSpec, detail: Option<&str>, activity: &str| ActivityMapping {
            integration: "cms".into(),
            status: status.into(),
            reason,
            detail: detail.map(Into::into),
            activity: activity.into(),
        };
    assert_eq!(
        rows,
        [
            mapping("ACD*", ReasonSpec::Any, None, "Phone"),
            mapping(
                "AUX",
                ReasonSpec::List(vec![ReasonItem::Range(1, 5), ReasonItem::Exact("7".into())]),
                None,
                "Break"
            ),
            mapping(
                "AUX",
                ReasonSpec::List(vec![ReasonItem::Exact("LUNCH".into())]),
                Some("desk 4"),
                "Lunch"
            ),
            mapping("*", ReasonSpec::Any, None, "Offline"),
        ]
    );
}

#[test]
fn bad_activity_mappings_are_reported_on_their_lines() {
    let csv = "\
cms,AUX,1-5,7,,Break
cms,AUX,\"5-1\",,Break
cms,,1,,Break
cms,A*X,1,,Break
cms,AUX,\"1,,2\",,Break
cms,AUX,1,,
cms,AUX,\"1-5,7\",,Break
";
    let loaded = read_activity_mappings(csv.as_bytes()).unwrap();
    let rows = split(
        loaded,
        &[
            (
                1,
                "expected 5 fields (integration,status,reason,detail,activity), found 6",
            ),
            (2, "reason \"5-1\": range runs backwards"),
            (3, "status is blank"),
            (4, "status \"A*X\""),
            (5, "reason \"1,,2\": empty list element"),
            (6, "activity is blank"),
        ],
    );
    assert_eq!(rows.len(), 1);
    assert_eq!(String::from(rows[0].reason.clone()), "1-5,7");
}

#[test]
fn schedules_read_rfc_3339_times_with_offsets() {
    let csv = "\
employee,start,end,activity
alice,2025-03-03T08:00:00Z,2025-03-03T12:00:00Z,Phone
alice,2025-03-03T13:00:00+01:00,2025-03-03T13:15:00+01:00,Break
";
    let rows = read_schedules(csv.as_bytes())
        .unwrap()
        .into_result()
        .unwrap();
    assert_eq!(
        rows,
        [
            ScheduleRow {
                employee: "alice".into(),
                start: time("2025-03-03T08:00:00Z"),
                end: time("2025-03-03T12:00:00Z"),
                activity: "Phone".into(),
            },
            ScheduleRow {
                employee: "alice".into(),
                start: time("2025-03-03T12:00:00Z"),
                end: time("2025-03-03T12:15:00Z"),
                activity: "Break".into(),
            },
        ]
    );
}

#[test]
fn bad_schedule_rows_are_reported_on_their_lines() {
    let csv = "\
employee,start,end,activity
alice,2025-03-03T08:00:00Z,2025-03-03T09:00:00Z,Phone
alice,2025-03-03 08:00,2025-03-03T09:00:00Z,Phone
alice,2025-03-03T08:00:00Z,2025-03-03T09:00:00,Phone
alice,2025-03-03T09:00:00Z,2025-03-03T08:00:00Z,Phone
alice,2025-03-03T09:00:00Z,2025-03-03T10:00:00+01:00,Phone
alice,2025-03-03T08:00:00Z,2025-03-03T09:00:00Z
,2025-03-03T08:00:00Z,2025-03-03T09:00:00Z,Phone
bob,2025-03-03T08:00:00Z,2025-03-03T09:00:00Z,Phone
";
    let loaded = read_schedules(csv.as_bytes()).unwrap();
    let rows = split(
        loaded,
        &[
            (3, "start \"2025-03-03 08:00\": not an RFC 3339 time"),
            (4, "end \"2025-03-03T09:00:00\": not an RFC 3339 time"),
            (5, "end \"2025-03-03T08:00:00Z\": not after the start"),
            (6, "not after the start"),
            (7, "expected 4 fields"),
            (8, "employee is blank"),
        ],
    );
    let employees: Vec<_> = rows.iter().map(|row| &*row.employee).collect();
    assert_eq!(employees, ["alice", "bob"]);
}

#[test]
fn employees_with_optional_team_and_zone() {
    let csv = "\
employee,team,time_zone
alice,Blue,Europe/Berlin
bob,,
carol,Red,
dave,,America/New_York
";
    let rows = read_employees(csv.as_bytes())
        .unwrap()
        .into_result()
        .unwrap();
    assert_eq!(
        rows,
        [
            employee("alice", Some("Blue"), Some("Europe/Berlin")),
            employee("bob", None, None),
            employee("carol", Some("Red"), None),
            employee("dave", None, Some("America/New_York")),
        ]
    );
}

#[test]
fn unknown_zones_and_missing_fields_are_reported() {
    let csv = "\
alice,Blue,Europe/Berlin
bob,Blue,Mars/Olympus
carol,Blue
dave,,UTC,extra
erin,,UTC
";
    let loaded = read_employees(csv.as_bytes()).unwrap();
    let rows = split(
        loaded,
        &[
            (2, "time_zone \"Mars/Olympus\": not a known IANA time zone"),
            (3, "expected 3 fields (employee,team,time_zone), found 2"),
            (4, "found 4"),
        ],
    );
    assert_eq!(
        rows,
        [
            employee("alice", Some("Blue"), Some("Europe/Berlin")),
            employee("erin", None, Some("UTC")),
        ]
    );
}

#[test]
fn invalid_utf8_is_a_row_error() {
    let mut csv = b"cms,1,alice\ncms,2,b".to_vec();
    csv.extend_from_slice(b"\xFFb\ncms,3,carol\n");
    let loaded = read_user_mappings(&csv[..]).unwrap();
    let rows = split(
        loaded,
        &[(2, "employee is not valid UTF-8: \"b\u{fffd}b\"")],
    );
    assert_eq!(rows, [user("cms", "1", "alice"), user("cms", "3", "carol")]);
}

#[test]
fn overlong_rows_are_reported_and_reading_goes_on() {
    let long = "x".repeat(MAX_ROW_BYTES);
    let csv = format!("cms,1,alice\ncms,{long},bob\ncms,3,carol\n");
    let loaded = read_user_mappings(csv.as_bytes()).unwrap();
    let rows = split(loaded, &[(2, "row too long")]);
    assert_eq!(rows, [user("cms", "1", "alice"), user("cms", "3", "carol")]);
    // Long values are shortened in messages.
    let long = "y".repeat(1000);
    let loaded = read_employees(format!("alice,,{long}").as_bytes()).unwrap();
    assert_eq!(loaded.errors.len(), 1);
    assert!(loaded.errors[0].message.len() < 200, "{}", loaded.errors[0]);
}

#[test]
fn line_numbers_count_blank_lines_comments_and_multi_line_fields() {
    let csv = "\
# comment on line 1

integration,external_id,employee
# comment on line 4


cms,1,alice
\"cms\",\"2
two\",bob
cms,3,carol

# comment on line 12
cms,4,dave,extra
cms,\"5\",\"e
r
in\"
cms,6,frank
cms,7";
    let loaded = read_user_mappings(csv.as_bytes()).unwrap();
    let rows = split(
        loaded,
        &[
            (8, "external_id \"2\\ntwo\" spans several lines"),
            (13, "found 4"),
            (14, "employee \"e\\nr\\nin\" spans several lines"),
            (18, "found 2"),
        ],
    );
    assert_eq!(
        rows,
        [
            user("cms", "1", "alice"),
            user("cms", "3", "carol"),
            user("cms", "6", "frank"),
        ]
    );
}

#[test]
fn an_unclosed_quote_is_not_read_as_a_value() {
    let loaded = read_user_mappings("cms,1,alice\ncms,2,\"bob\ncms,3,carol\n".as_bytes()).unwrap();
    let rows = split(loaded, &[(2, "spans several lines")]);
    assert_eq!(rows, [user("cms", "1", "alice")]);
}

#[test]
fn misplaced_or_mismatched_headers_are_reported() {
    let csv = "\
integration,external,employee
cms,1,alice
integration,external_id,employee
";
    let loaded = read_user_mappings(csv.as_bytes()).unwrap();
    let rows = split(
        loaded,
        &[
            (
                1,
                "does not match the columns integration,external_id,employee",
            ),
            (3, "only allowed on the first row"),
        ],
    );
    assert_eq!(rows, [user("cms", "1", "alice")]);
}

#[test]
fn row_errors_display_their_line() {
    let loaded = read_employees("alice\n".as_bytes()).unwrap();
    let errors = loaded.into_result().unwrap_err();
    assert_eq!(
        errors,
        [RowError {
            line: 1,
            message: "expected 3 fields (employee,team,time_zone), found 1".into()
        }]
    );
    assert!(
        errors[0]
            .to_string()
            .starts_with("line 1: expected 3 fields")
    );
}

#[test]
fn empty_input_loads_nothing() {
    for csv in ["", "\n\n", "# nothing\n", "employee,team,time_zone\n"] {
        let loaded = read_employees(csv.as_bytes()).unwrap();
        assert_eq!(loaded.into_result().unwrap(), []);
    }
}

/// Gives `data`, then fails.
struct Failing<'a> {
    data: &'a [u8],
}

impl Read for Failing<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.data.is_empty() {
            return Err(io::Error::other("disk on fire"));
        }
        let read = self.data.read(buf)?;
        Ok(read)
    }
}

#[test]
fn io_errors_stop_reading() {
    let error = read_user_mappings(Failing {
        data: b"cms,1,alice\ncms,2,bob\n",
    })
    .unwrap_err();
    let FileError::Io { line, source } = &error;
    assert_eq!(*line, 3);
    assert_eq!(source.to_string(), "disk on fire");
    assert!(error.to_string().contains("disk on fire"), "{error}");
}

/// Hands the input on in reads of the given sizes (the last one repeated), as a pipe or a
/// socket may.
struct Reads<'a> {
    input: &'a [u8],
    sizes: &'a [usize],
}

impl Read for Reads<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let size = self.sizes.first().copied().unwrap_or(usize::MAX);
        if self.sizes.len() > 1 {
            self.sizes = &self.sizes[1..];
        }
        let n = size.min(buf.len()).min(self.input.len());
        buf[..n].copy_from_slice(&self.input[..n]);
        self.input = &self.input[n..];
        Ok(n)
    }
}

#[test]
fn a_byte_order_mark_split_across_reads_is_still_skipped() {
    let csv = "\u{feff}integration,external_id,employee\ncms,4711,alice\n";
    for sizes in [&[1][..], &[2, 64], &[3, 1], &[4]] {
        let input = Reads {
            input: csv.as_bytes(),
            sizes,
        };
        let loaded = read_user_mappings(input).unwrap();
        assert_eq!(loaded.errors, [], "reads of {sizes:?}");
        assert_eq!(
            loaded.rows,
            [user("cms", "4711", "alice")],
            "reads of {sizes:?}"
        );
    }
}

#[test]
fn a_second_byte_order_mark_read_alone_does_not_end_the_file() {
    // csv-core takes a first buffer emptied by its own mark stripping for the end of input.
    let csv = "\u{feff}\u{feff}cms,4711,alice\ncms,4712,bob\n";
    for sizes in [&[6, 64][..], &[3, 3, 64], &[1]] {
        let input = Reads {
            input: csv.as_bytes(),
            sizes,
        };
        let loaded = read_user_mappings(input).unwrap();
        assert_eq!(
            loaded.rows.len() + loaded.errors.len(),
            2,
            "reads of {sizes:?}: {loaded:?}"
        );
        assert_eq!(loaded.rows.last(), Some(&user("cms", "4712", "bob")));
    }
}
