//! Proves the hot path allocates nothing per status once users and keys are known: a counting
//! global allocator (`allocation-counter`, per thread) watches the session in steady state.

use bytes::Bytes;
use rta_cic::{
    CicTime, Dialect, Output, Session, SessionConfig, UserStatus, Vocabulary, icws_user_statuses,
    line_status,
};
use rta_model::{IntegrationId, Timestamp, Zone};

const USERS: usize = 1_000;
const KEYS: [&str; 4] = ["Available", "At Lunch", "ACW - Manual", "Gone Home"];

fn allocations_during(work: impl FnOnce()) -> u64 {
    allocation_counter::measure(work).count_total
}

/// One status line (line dialect) or one single-user delta (icws) per user, keys shifted by
/// `round`, as frames.
fn frames(dialect: Dialect, round: usize) -> Vec<Bytes> {
    let ids: Vec<String> = (0..USERS)
        .map(|i| format!("User.{i}@example.com"))
        .collect();
    let time = CicTime::Local(jiff::civil::date(2026, 11, 23).at(9, (round % 60) as i8, 0, 0));
    let zone = Zone::get("Europe/Paris").unwrap();
    (0..USERS)
        .map(|i| {
            let status = UserStatus {
                user_id: &ids[i],
                status_key: KEYS[(i + round) % KEYS.len()],
                status_text: "text",
                group: "GROUP",
                logged_in: true,
                acd: (i + round) % 2 == 0,
                dnd: false,
                acw: false,
                on_phone: (i + round) % 3 == 0,
                station: Some("7001"),
                time,
            };
            let mut line = Vec::new();
            match dialect {
                Dialect::Line => line_status(&mut line, &status),
                Dialect::Icws => icws_user_statuses(&mut line, true, &[status], &zone),
            }
            let end = line
                .iter()
                .rposition(|&b| b != b'\r' && b != b'\n')
                .map_or(0, |i| i + 1);
            line.truncate(end);
            Bytes::from(line)
        })
        .collect()
}

fn steady_state(dialect: Dialect) {
    let mut config = SessionConfig::new(IntegrationId(1), dialect);
    config.zone = Zone::get("Europe/Paris").unwrap();
    let mut session = Session::new(config);
    let mut vocabulary = Vocabulary::new();
    let received: Timestamp = "2026-11-23T09:00:00Z".parse().unwrap();
    let mut statuses = 0;
    let mut feed = |frames: &[Bytes], session: &mut Session, statuses: &mut usize| {
        for frame in frames {
            session
                .push_frame(
                    Ok(frame.clone()),
                    received,
                    &mut vocabulary,
                    &mut |output| {
                        if let Output::Status(observation) = output {
                            std::hint::black_box(&observation);
                            *statuses += 1;
                        }
                    },
                )
                .unwrap();
        }
    };
    let warm_up = frames(dialect, 0);
    feed(&warm_up, &mut session, &mut statuses);
    let rounds: Vec<Vec<Bytes>> = (1..4).map(|round| frames(dialect, round)).collect();
    statuses = 0;
    let allocations = allocations_during(|| {
        for frames in &rounds {
            feed(frames, &mut session, &mut statuses);
        }
    });
    assert_eq!(statuses, 3 * USERS);
    assert_eq!(
        allocations, 0,
        "{dialect:?}: allocations for {statuses} statuses"
    );
}

#[test]
fn the_counter_counts() {
    assert_eq!(
        allocations_during(|| drop(std::hint::black_box(vec![0u8; 8]))),
        1
    );
}

#[test]
fn no_allocation_per_line_status() {
    steady_state(Dialect::Line);
}

#[test]
fn no_allocation_per_icws_delta() {
    steady_state(Dialect::Icws);
}
