//! De-duplication: by event id, by content when there is a time, within a bounded window.

use rta_model::{Direction, Timestamp};
use rta_odigo::{AgentState, DEFAULT_DEDUP_WINDOW, Dedup, Pause, State};
use std::borrow::Cow;

fn state(id: Option<&str>, login: &str, time: Option<i64>) -> AgentState<'static> {
    AgentState {
        event_id: id.map(|id| Cow::Owned(id.to_owned())),
        tenant: None,
        login: Cow::Owned(login.to_owned()),
        state: State::Pause,
        previous: None,
        direction: Direction::None,
        pause: Pause {
            code: Some(Cow::Borrowed("7")),
            label: Some(Cow::Borrowed("Lunch")),
        },
        time: time.map(|second| Timestamp::from_second(1_795_435_200 + second).unwrap()),
    }
}

#[test]
fn a_retry_with_the_same_event_id_is_a_duplicate() {
    let mut dedup = Dedup::new(DEFAULT_DEDUP_WINDOW);
    let first = state(Some("e1"), "jdoe", Some(5));
    assert!(dedup.is_new(&first));
    assert!(!dedup.is_new(&first));
    assert!(!dedup.is_new(&first.clone().into_owned()));
    // The same id with another content: the sender says it is the same event.
    assert!(!dedup.is_new(&state(Some("e1"), "asmith", None)));
    assert!(dedup.is_new(&state(Some("e2"), "asmith", None)));
    assert_eq!(dedup.len(), 2);
}

#[test]
fn the_same_content_and_time_without_id_is_a_duplicate() {
    let mut dedup = Dedup::new(100);
    assert!(dedup.is_new(&state(None, "jdoe", Some(5))));
    assert!(!dedup.is_new(&state(None, "jdoe", Some(5))));
    // An id does not make the same content new.
    assert!(!dedup.is_new(&state(Some("e9"), "jdoe", Some(5))));
    assert!(dedup.is_new(&state(None, "jdoe", Some(6))));
    assert!(dedup.is_new(&state(None, "asmith", Some(5))));

    // Each part of the content counts.
    let base = state(None, "x", Some(1));
    let variants: [fn(&mut AgentState<'static>); 5] = [
        |s| s.state = State::Available,
        |s| s.direction = Direction::In,
        |s| s.pause.code = None,
        |s| s.pause.label = Some(Cow::Borrowed("Lunch ")),
        |s| s.login = Cow::Borrowed("x "),
    ];
    assert!(dedup.is_new(&base));
    for change in variants {
        let mut variant = base.clone();
        change(&mut variant);
        assert!(dedup.is_new(&variant), "{variant:?}");
    }
    // The tenant and the previous state are not content.
    let mut same = base.clone();
    same.tenant = Some(Cow::Borrowed("acme"));
    same.previous = Some(State::Hold);
    assert!(!dedup.is_new(&same));
}

#[test]
fn without_a_time_only_the_id_counts() {
    let mut dedup = Dedup::new(100);
    assert!(dedup.is_new(&state(None, "jdoe", None)));
    assert!(dedup.is_new(&state(None, "jdoe", None)));
    assert!(dedup.is_empty(), "nothing to remember");
    assert!(dedup.is_new(&state(Some("e1"), "jdoe", None)));
    assert!(dedup.is_new(&state(Some("e2"), "jdoe", None)));
    assert!(!dedup.is_new(&state(Some("e1"), "asmith", Some(3))));
    assert_eq!(dedup.len(), 2);
}

#[test]
fn an_id_and_a_content_never_stand_for_each_other() {
    // A content key and an id key of equal bytes are hashed under different tags.
    let mut dedup = Dedup::new(100);
    assert!(dedup.is_new(&state(Some("jdoe"), "jdoe", None)));
    assert!(dedup.is_new(&state(None, "jdoe", Some(0))));
}

#[test]
fn the_window_forgets_the_oldest() {
    let mut dedup = Dedup::new(3);
    for id in ["a", "b", "c", "d"] {
        assert!(dedup.is_new(&state(Some(id), "jdoe", None)));
    }
    assert_eq!(dedup.len(), 3);
    assert!(!dedup.is_new(&state(Some("b"), "jdoe", None)));
    assert!(
        dedup.is_new(&state(Some("a"), "jdoe", None)),
        "a was evicted by d"
    );
    // A duplicate is not recorded again: b is forgotten in its turn.
    assert!(dedup.is_new(&state(Some("e"), "jdoe", None)));
    assert!(dedup.is_new(&state(Some("b"), "jdoe", None)));

    // Evicting a notification forgets both its keys.
    let mut dedup = Dedup::new(1);
    assert!(dedup.is_new(&state(Some("x"), "jdoe", Some(1))));
    assert!(dedup.is_new(&state(Some("y"), "jdoe", Some(2))));
    assert!(dedup.is_new(&state(None, "jdoe", Some(1))));
}

#[test]
fn a_window_of_zero_remembers_nothing() {
    let mut dedup = Dedup::new(0);
    let first = state(Some("e1"), "jdoe", Some(5));
    assert!(dedup.is_new(&first));
    assert!(dedup.is_new(&first));
    assert!(dedup.is_empty());
}

#[test]
fn a_million_notifications_keep_the_window() {
    let mut dedup = Dedup::new(1_000);
    for i in 0..1_000_000 {
        let id = i.to_string();
        assert!(dedup.is_new(&state(Some(&id), "jdoe", Some(i))));
        assert!(!dedup.is_new(&state(None, "jdoe", Some(i))));
    }
    assert_eq!(dedup.len(), 1_000);
    assert!(!dedup.is_new(&state(Some("999999"), "x", None)));
    assert!(dedup.is_new(&state(Some("998999"), "x", None)));
}
