//! The README's first command: `rta-sim demo` streams a simulated CMS through the real decoder
//! and prints events. It must end by itself and print well-formed events in sequence.

use rta_model::{Event, EventBody, FeedHealth};
use std::process::Command;

fn demo(extra: &[&str]) -> Vec<Event> {
    let output = Command::new(env!("CARGO_BIN_EXE_rta-sim"))
        .args(["demo", "--batches", "12", "--interval-ms", "0"])
        .args(extra)
        .env("RUST_LOG", "warn")
        .output()
        .expect("rta-sim runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| Event::from_json(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect()
}

fn check(events: &[Event]) {
    assert!(
        events.iter().map(|e| e.seq).eq(1..=events.len() as u64),
        "seq counts up from 1"
    );
    let statuses = events
        .iter()
        .filter(|e| matches!(e.body, EventBody::AgentStatus(_)))
        .count();
    assert!(
        statuses >= 12,
        "every agent's first status at least: {statuses}"
    );
    assert!(
        events
            .iter()
            .any(|e| matches!(&e.body, EventBody::Feed(feed) if feed.health == FeedHealth::Up))
    );
}

#[test]
fn demo_prints_agent_changes_as_events() {
    check(&demo(&[]));
}

#[test]
fn demo_survives_every_fault() {
    check(&demo(&["--faults", "--seed", "3"]));
}
