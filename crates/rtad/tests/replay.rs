//! `rtad replay` on the real binary: the worked example of `specs/adherence.md`
//! (`tests/data/worked_example.*`) gives exactly its table, byte-identical runs, `--until`,
//! and bad captures that fail with their line number.

#[path = "data/worked_example.rs"]
mod worked_example;

use rta_model::{Event, EventBody};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use worked_example::table;

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// `rtad replay` of `capture` with the worked example's configuration, and `extra`
/// arguments.
fn replay(capture: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rtad"))
        .arg("replay")
        .arg("--config")
        .arg(data("worked_example.toml"))
        .arg("--input")
        .arg(capture)
        .args(extra)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap()
}

fn events(output: &Output) -> Vec<Event> {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    std::str::from_utf8(&output.stdout)
        .unwrap()
        .lines()
        .map(|line| Event::from_json(line).unwrap())
        .collect()
}

#[test]
fn the_worked_example_gives_exactly_the_spec_table() {
    let events = events(&replay(&data("worked_example.capture"), &[]));
    assert_eq!(table(&events), worked_example::TABLE);
    // The statuses behind them, at their source times.
    let statuses: Vec<String> = events
        .iter()
        .filter_map(|event| match &event.body {
            EventBody::AgentStatus(status) => Some(format!(
                "{} {} {:?}",
                status.since.strftime("%H:%M:%S"),
                status.status,
                status.activity.as_deref()
            )),
            _ => None,
        })
        .collect();
    assert_eq!(
        statuses,
        [
            "07:58:00 OTHER Some(\"Phone\")",
            "07:59:00 AVAIL Some(\"Phone\")",
            "09:55:00 ACDIN Some(\"Phone\")",
            "10:03:00 AUX Some(\"Break\")",
            "10:19:30 AVAIL Some(\"Phone\")",
            "12:01:00 UNSTAFF Some(\"Offline\")",
        ]
    );
}

#[test]
fn two_replays_print_the_same_bytes() {
    let first = replay(&data("worked_example.capture"), &[]);
    let second = replay(&data("worked_example.capture"), &[]);
    assert!(first.status.success() && !first.stdout.is_empty());
    assert_eq!(first.stdout, second.stdout);
}

#[test]
fn until_stops_there() {
    let events = events(&replay(
        &data("worked_example.capture"),
        &["--until", "2026-11-23T10:02:00Z"],
    ));
    let until: rta_model::Timestamp = "2026-11-23T10:02:00Z".parse().unwrap();
    assert!(events.iter().all(|event| event.time <= until));
    assert_eq!(
        table(&events).last().map(String::as_str),
        Some("10:01:00 alarm raised")
    );
    // What it printed is the start of the whole replay.
    let all = replay(&data("worked_example.capture"), &[]).stdout;
    let output = replay(
        &data("worked_example.capture"),
        &["--until", "2026-11-23T10:02:00Z"],
    );
    assert!(all.starts_with(&output.stdout));
}

#[test]
fn a_corrupt_capture_line_fails_with_its_number() {
    let dir = tempfile::tempdir().unwrap();
    let capture = dir.path().join("corrupt.capture");
    let good = std::fs::read_to_string(data("worked_example.capture")).unwrap();
    // Line 20 of the file loses its tabs.
    let mut lines: Vec<String> = good.lines().map(str::to_owned).collect();
    lines[19] = lines[19].replace('\t', " ");
    std::fs::write(&capture, lines.join("\n")).unwrap();
    let output = replay(&capture, &[]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(
            "capture line 20: expected 3 tab-separated fields (time, integration, payload), \
             found 1"
        ),
        "{stderr}"
    );
    // The records before it were replayed and printed.
    assert!(!output.stdout.is_empty());

    std::fs::write(&capture, "2026-11-23T08:00:00Z\tcms-lyon\tF3|END\n").unwrap();
    let output = replay(&capture, &[]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("capture line 1: no integration \"cms-lyon\""),
        "{stderr}"
    );

    let output = replay(&dir.path().join("missing.capture"), &[]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("cannot read the capture"));
}
