//! Live heap bytes per agent at 1,000,000 agents of what the engine keeps per agent, counted
//! by the allocator (every byte asked for and not yet freed; the allocator's own rounding and
//! bookkeeping are not included). Printed once; there is nothing to time.
//!
//! Every agent has an 8-digit id (`10000000` + n) on one integration and is employee
//! `E0000000` + n (8 bytes). The parts:
//! - **state table**: `rta_state::StateTable` sized for 1M agents, every agent observed once
//!   (`AVAIL`), as `benches/state.rs` measures it;
//! - **evaluator**: `rta_adherence::Evaluator` keyed by a state table's agent keys, as in the
//!   engine (`rta_engine::TableKeys`; the table's agents are interned before counting: the
//!   table is counted apart), with 1M employees, one user mapping each, the
//!   worked example's 7 activity mappings, one schedule segment each (Phone 08:00-18:00),
//!   "cms" up, every agent observed once at 07:30 (`OTHER`, logged in before the shift), then
//!   `advance` to 09:00: each employee has been judged at 07:00, 07:30 and 08:00 and its
//!   figures tracker has opened its day and its intervals. The configuration is dropped
//!   before counting: what is left is what the evaluator keeps (names it shares with the
//!   configuration included, as it holds them);
//! - **schedule segments** apart: a day scheduled in 15-minute pieces is about 34 segments per
//!   employee, and a week's schedule several times that. That is schedule data, proportional
//!   to what the planners sent, not per-agent state, so it is reported per segment (the
//!   difference between 35 and 1 segments per employee, at 20,000 employees) and the one
//!   segment of the 1M run is taken out of the evaluator's per-agent figure;
//! - **the agent and the employee** apart: the evaluator's state is mostly the employee's
//!   (adherence, figures, timer), a little the agent's. The same evaluator at 20,000
//!   employees with a second agent each (the same ids on a second integration, "cic", mapped
//!   alike, observed alike) less the one-agent evaluator is what an agent adds; the rest is
//!   the employee's. "The agent alone" is then table + that + the assembler or the session:
//!   what an ACD login costs, whether or not it is the employee's only one;
//! - **the rest of the day** apart: the figures of a day grow with it (15-minute intervals,
//!   kept as runs of equal ones), so the 09:00 count is followed by the same evaluator at
//!   19:00, after its 08:00-18:00 shift, at 20,000 employees: the difference per employee,
//!   for a steady day (on the phone throughout) and for one out and back every few minutes
//!   at irregular times (every interval different: the most a day holds);
//! - **Avaya assembler**: `rta_avaya::Assembler` (`agent` layout) after one completed batch of
//!   1M rows (its `max_agents` is 1M by default: one integration holds them all);
//! - **CIC session**: `rta_cic::Session` (line dialect) after a 1M-user snapshot
//!   (`SNAPSHOT|BEGIN`, a `STATUS` per user with a 4-character station, `SNAPSHOT|END`).
//!
//! An agent is on one feed, so the total per agent is table + evaluator + the assembler or the
//! session; both totals are printed. Results: `benches/RESULTS.md`.
//!
//! ```sh
//! cargo bench --bench memory        # about 1 min after the build; about 3 GB at the peak
//! ```

use criterion::{Criterion, criterion_group};
use rta_adherence::{ActivityMapping, Config, Evaluator, Limits, UserMapping};
use rta_avaya::{Assembler, AssemblerConfig, Layout};
use rta_cic::{Dialect, Session, SessionConfig, Vocabulary};
use rta_engine::TableKeys;
use rta_model::{
    Direction, FeedHealth, IntegrationId, Name, Observation, Phase, Status, Timestamp,
};
use rta_state::StateTable;
use std::borrow::Cow;
use std::sync::Arc;

#[path = "support/cms_site.rs"]
mod cms_site;
#[path = "support/counting.rs"]
mod counting;

use cms_site::{CMS, agent_id, at, config, timestamp};

/// Alarms after an hour: none falls due in the measured span.
const ALARM_AFTER: u32 = 3_600;

const AGENTS: usize = 1_000_000;
/// Employees of the per-segment measurement.
const SEGMENT_EMPLOYEES: usize = 20_000;
/// Segments per employee of the per-segment measurement (about a day in 15-minute pieces).
const SEGMENTS: usize = 35;
/// `hours:minutes` on the site's day, UTC.
fn time(hours: i64, minutes: i64) -> Timestamp {
    timestamp(at(hours, minutes, 0))
}

/// Agent `n`'s id as text.
fn agent_text(n: usize) -> String {
    String::from_utf8(agent_id(n)).expect("digits")
}

/// Live bytes allocated by `build` and still held by what it returns, per `per`, and what it
/// returned (dropped by the caller, after the count).
fn live_bytes_of<T>(per: usize, build: impl FnOnce() -> T) -> (f64, T) {
    let before = counting::live_bytes();
    let kept = build();
    let bytes = counting::live_bytes() - before;
    (bytes as f64 / per as f64, kept)
}

fn state_table() -> StateTable {
    let table = StateTable::new(AGENTS);
    let integration = table.add_integration();
    let time = time(7, 30);
    for n in 0..AGENTS {
        let id = agent_text(n);
        let observation = Observation {
            integration,
            external_id: Cow::Borrowed(id.as_bytes()),
            phase: Phase::Available,
            direction: Direction::None,
            status: Status::new("AVAIL"),
            time,
            received: time,
        };
        table.observe(&observation).expect("room for every agent");
    }
    table
}

/// The configuration of `benches/adherence.rs` (its site: `support/cms_site.rs`),
/// `segments` Phone segments of 15 minutes each from 08:00 (the one segment running to 18:00
/// when there is a single one).
fn adherence_config(employees: usize, segments: usize) -> Config {
    config(employees, ALARM_AFTER, |_| match segments {
        1 => vec![(at(8, 0, 0), at(18, 0, 0), true)],
        _ => (0..segments as i64)
            .map(|k| (at(8, 15 * k, 0), at(8, 15 * (k + 1), 0), true))
            .collect(),
    })
}

/// The integrations an employee's agents are on: one for the main figures, both to measure
/// what one more agent costs (the same ids, on another integration with the same mappings).
const SOURCES: [(IntegrationId, &str); 2] = [(CMS, "cms"), (IntegrationId(1), "cic")];

/// `config` with `sources` of [`SOURCES`]: every user and activity mapping of "cms" made
/// again for each further integration.
fn with_sources(mut config: Config, sources: usize) -> Config {
    for (_, name) in &SOURCES[1..sources] {
        let name = Name::from(*name);
        let users: Vec<UserMapping> = (config.mappings.users.iter())
            .map(|row| UserMapping {
                integration: name.clone(),
                ..row.clone()
            })
            .collect();
        let activities: Vec<ActivityMapping> = (config.mappings.activities.iter())
            .map(|row| ActivityMapping {
                integration: name.clone(),
                ..row.clone()
            })
            .collect();
        config.mappings.users.extend(users);
        config.mappings.activities.extend(activities);
    }
    config
}

/// Agent `n`'s status `code` (phase `phase`) on `integration` at `time`, given to `evaluator`.
fn observe(
    evaluator: &mut Evaluator,
    integration: IntegrationId,
    n: usize,
    (code, phase): (&str, Phase),
    time: Timestamp,
) {
    let id = agent_text(n);
    let observation = Observation {
        integration,
        external_id: Cow::Borrowed(id.as_bytes()),
        phase,
        direction: Direction::None,
        status: Status::new(code),
        time,
        received: time,
    };
    let _ = evaluator.observe(&observation, time).count();
}

/// Moves `evaluator` to `time`, then a minute on: the second call gives back the room a
/// burst of events took in the event buffer (what is counted is what the evaluator holds
/// between bursts).
fn settle_at(evaluator: &mut Evaluator, time: Timestamp) {
    let _ = evaluator.advance(time).count();
    let _ = evaluator
        .advance(
            time.checked_add(jiff::SignedDuration::from_mins(1))
                .expect("in range"),
        )
        .count();
}

/// How the measured employees spend their shift (Phone 08:00-18:00) after 09:00.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Day {
    /// On the phone all day: `in` from 08:00 to 18:00.
    Steady,
    /// Away (`AUX`, out) and back (`OTHER`, in) every few minutes from 09:00 to 18:00, at
    /// irregular times ([`CHURN_MINUTES`]): no two adjacent 15-minute intervals alike, the
    /// most a day's figures can hold.
    Churning,
}

/// The minutes between two status changes of a [`Day::Churning`], in turn (a regular period
/// would make whole intervals alike).
const CHURN_MINUTES: [i64; 8] = [4, 9, 6, 11, 3, 7, 13, 5];

/// An evaluator of `employees` employees with one segment each (as [`evaluator`]), whose
/// day ran as `day` to 19:00: its figures hold the whole shift.
fn evaluator_at_day_end(employees: usize, day: Day, keys: &Arc<StateTable>) -> Evaluator {
    let mut evaluator = evaluator(employees, 1, 1, keys);
    if day == Day::Churning {
        let mut minute = 0;
        for (step, gap) in CHURN_MINUTES.iter().cycle().enumerate() {
            let (code, phase) = match step % 2 {
                0 => ("AUX", Phase::Away),
                _ => ("OTHER", Phase::Other),
            };
            for n in 0..employees {
                observe(&mut evaluator, CMS, n, (code, phase), time(9, minute));
            }
            minute += gap;
            if minute >= 9 * 60 {
                break;
            }
        }
    }
    settle_at(&mut evaluator, time(19, 0));
    evaluator
}

/// A state table of `agents` agents on each of `sources` of [`SOURCES`], each interned (as
/// the engine's table holds them): the keys of the evaluator's agents, made before counting
/// (the table is counted apart).
fn keyed_table(agents: usize, sources: usize) -> Arc<StateTable> {
    let table = StateTable::new(agents * sources);
    for (id, _) in &SOURCES[..sources] {
        assert_eq!(table.add_integration(), *id);
        for n in 0..agents {
            table
                .intern(*id, &agent_id(n))
                .expect("room for every agent");
        }
    }
    Arc::new(table)
}

/// An evaluator of `employees` employees with `segments` segments each and an agent on each
/// of `sources` of [`SOURCES`], keyed by `keys` (as in the engine), started at 07:00, every
/// agent logged in at 07:30 and the clock advanced to 09:00 (see the module docs).
fn evaluator(
    employees: usize,
    segments: usize,
    sources: usize,
    keys: &Arc<StateTable>,
) -> Evaluator {
    let config = with_sources(adherence_config(employees, segments), sources);
    let mut evaluator = Evaluator::new(&config, Limits::default(), time(7, 0))
        .expect("a valid configuration")
        .with_keys(TableKeys(keys.clone()));
    drop(config);
    for &(id, name) in &SOURCES[..sources] {
        evaluator.add_integration(id, name).expect("a new id");
        let _ = evaluator.set_health(id, FeedHealth::Up, time(7, 0)).count();
    }
    let _ = evaluator.advance(time(7, 0)).count();
    for &(id, _) in &SOURCES[..sources] {
        for n in 0..employees {
            observe(&mut evaluator, id, n, ("OTHER", Phase::Other), time(7, 30));
        }
    }
    settle_at(&mut evaluator, time(9, 0));
    evaluator
}

/// An Avaya assembler after one completed batch listing every agent.
fn assembler() -> Assembler {
    let mut assembler = Assembler::new(AssemblerConfig::new(CMS), Layout::agent());
    let now = time(7, 30);
    let mut changes = 0usize;
    let mut sink = |_: rta_avaya::Output<'_>| changes += 1;
    let mut push = |line: &str| {
        assembler
            .push_line(line.as_bytes(), now, &mut sink)
            .expect("a valid line");
    };
    push("F0|2026-11-23 07:30:00");
    for n in 0..AGENTS {
        push(&format!("F1|1|{}|51002|AVAIL||101|2:17|0|0", agent_text(n)));
    }
    push("F3|END_OF_RECORDS");
    assert!(changes >= AGENTS, "every agent is new");
    assert_eq!(assembler.agent_count(), AGENTS);
    assembler
}

/// A CIC session (line dialect) after a snapshot listing every user.
fn cic_session() -> (Session, Vocabulary) {
    let mut session = Session::new(SessionConfig::new(CMS, Dialect::Line));
    let mut vocabulary = Vocabulary::new();
    let now = time(7, 30);
    let mut statuses = 0usize;
    let mut push = |line: &str| {
        session
            .push_line(line.as_bytes(), now, &mut vocabulary, &mut |output| {
                if matches!(output, rta_cic::Output::Status(_)) {
                    statuses += 1;
                }
            })
            .expect("a valid line");
    };
    push("SNAPSHOT|BEGIN|2026-11-23 07:30:00");
    for n in 0..AGENTS {
        push(&format!(
            "STATUS|2026-11-23 07:29:00|{}|Available|Available|AVAILABLE|1|1|0|0|0|7001",
            agent_text(n)
        ));
    }
    push("SNAPSHOT|END|2026-11-23 07:30:00");
    assert_eq!(statuses, AGENTS);
    assert_eq!(session.user_count(), AGENTS);
    (session, vocabulary)
}

/// Prints the live heap bytes per agent of each part at 1M agents, and the totals.
fn memory_per_agent(_: &mut Criterion) {
    let (table, kept) = live_bytes_of(AGENTS, state_table);
    drop(kept);
    let segment_keys = keyed_table(SEGMENT_EMPLOYEES, SOURCES.len());
    let (one_segment, kept) = live_bytes_of(SEGMENT_EMPLOYEES, || {
        evaluator(SEGMENT_EMPLOYEES, 1, 1, &segment_keys)
    });
    drop(kept);
    let (many_segments, kept) = live_bytes_of(SEGMENT_EMPLOYEES, || {
        evaluator(SEGMENT_EMPLOYEES, SEGMENTS, 1, &segment_keys)
    });
    drop(kept);
    let (two_agents, kept) = live_bytes_of(SEGMENT_EMPLOYEES, || {
        evaluator(SEGMENT_EMPLOYEES, 1, 2, &segment_keys)
    });
    drop(kept);
    let agent = two_agents - one_segment;
    let segment = (many_segments - one_segment) / (SEGMENTS - 1) as f64;
    let keys = keyed_table(AGENTS, 1);
    let (evaluator_with_segment, kept) = live_bytes_of(AGENTS, || evaluator(AGENTS, 1, 1, &keys));
    drop(kept);
    drop(keys);
    let evaluator = evaluator_with_segment - segment;
    let day_end = |day| {
        let (bytes, kept) = live_bytes_of(SEGMENT_EMPLOYEES, || {
            evaluator_at_day_end(SEGMENT_EMPLOYEES, day, &segment_keys)
        });
        drop(kept);
        bytes - one_segment
    };
    let (steady_day, churning_day) = (day_end(Day::Steady), day_end(Day::Churning));
    let (assembler, kept) = live_bytes_of(AGENTS, assembler);
    drop(kept);
    let (session, kept) = live_bytes_of(AGENTS, cic_session);
    drop(kept);
    println!("memory at {AGENTS} agents, live heap bytes per agent (8-byte ids):");
    println!("  state table          {table:7.1}");
    println!(
        "  adherence evaluator  {evaluator:7.1}  (without its schedule; {evaluator_with_segment:.1} with 1 segment)"
    );
    println!(
        "    of which the agent {agent:7.1}  (what one more agent of an employee adds; the rest, {:.1}, is the employee's)",
        evaluator - agent
    );
    println!("  schedule segment     {segment:7.1}  per segment (~34 a day in 15-minute pieces)");
    println!(
        "  the rest of the day  {steady_day:7.1}  more at 19:00 than at 09:00, on the phone all day ({churning_day:.1} out and back every few minutes)"
    );
    println!("  avaya assembler      {assembler:7.1}");
    println!("  cic session          {session:7.1}");
    println!(
        "  total, avaya agent   {:7.1}  (table + evaluator + assembler)",
        table + evaluator + assembler
    );
    println!(
        "  total, cic agent     {:7.1}  (table + evaluator + session)",
        table + evaluator + session
    );
    println!(
        "  the agent alone      {:7.1}  avaya, {:.1} cic (table + the evaluator's agent + assembler or session; the employee apart)",
        table + agent + assembler,
        table + agent + session
    );
}

criterion_group!(benches, memory_per_agent);
criterion::criterion_main!(benches);
