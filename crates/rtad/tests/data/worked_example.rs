//! The worked example of `specs/adherence.md` as its table: the adherence and alarm events a
//! replay of `worked_example.capture` must give. Included by path by the replay tests of
//! rta-engine (the library) and rtad (the binary), so both check the same table.

use rta_model::{Event, EventBody};

/// The adherence and alarm events of `events`, a line each, as the spec's table words them:
/// `time status since start` or `time alarm level` (names as in the events' JSON).
pub fn table(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .filter_map(|event| {
            let time = event.time.strftime("%H:%M:%S");
            match &event.body {
                EventBody::Adherence(adherence) => Some(format!(
                    "{time} {} since {}",
                    json_name(&adherence.status),
                    adherence.since.strftime("%H:%M:%S")
                )),
                EventBody::Alarm(alarm) => {
                    Some(format!("{time} alarm {}", json_name(&alarm.level)))
                }
                _ => None,
            }
        })
        .collect()
}

/// A value's name in the events' JSON (`not_scheduled`, `raised`).
pub fn json_name(value: &impl serde::Serialize) -> String {
    serde_json::to_value(value)
        .unwrap()
        .as_str()
        .unwrap()
        .to_owned()
}

/// The spec's table, for `worked_example.capture` with the CMS refreshing every 30 s.
pub const TABLE: [&str; 13] = [
    // Before the CMS completed its first snapshot (the first record, 07:58:00) the source is
    // not healthy: rule 1 of the spec.
    "07:58:00 unknown since 07:58:00",
    "07:58:00 not_scheduled since 07:58:00",
    "08:00:00 in since 08:00:00",
    "10:00:00 out since 10:00:00",
    "10:01:00 alarm raised",
    "10:03:00 alarm cleared",
    "10:03:00 in since 10:03:00",
    "10:15:00 out since 10:15:00",
    "10:16:00 alarm raised",
    "10:19:30 alarm cleared",
    "10:19:30 in since 10:19:30",
    "12:00:00 not_scheduled since 12:00:00",
    // Logged out at 12:01:00 (absent from that snapshot): still not scheduled.
    "12:01:00 not_scheduled since 12:00:00",
];
