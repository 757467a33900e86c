//! `adherence_evaluator`: a small random configuration and a random sequence of statuses,
//! clock moves, health changes, mapping reloads and schedule replacements through the
//! `rta-adherence` evaluator, with its invariants checked on the way and at the end.

use arbitrary::Unstructured;
use jiff::Timestamp;
use jiff::civil::Date;
use rta_adherence::{
    Activity, ActivityMapping, Config, DayFigures, Defaults, Emitted, Employee, Evaluator,
    GraceMode, Limits, Mappings, Measure, OFFLINE, Policies, Rules, ScheduleRow, Thresholds,
    UnscheduledWorking, UserMapping,
};
use rta_model::{
    Code, Direction, EventBody, FeedHealth, IntegrationId, Name, Observation, Phase, Status,
};
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

/// Operations per input, at most.
const MAX_OPERATIONS: usize = 200;
/// Figure checks per input, at most (each reads every employee's recent days).
const MAX_CHECKS: usize = 8;

/// The evaluator clamps times to 1970-01-01 ..= 2200-01-01 (milliseconds).
const LATEST_MILLIS: i64 = 7_258_118_400_000;

const ZONES: [&str; 3] = ["UTC", "Europe/Paris", "America/New_York"];
const ACTIVITIES: [&str; 7] = [
    "Phone", "Break", "Lunch", "Email", "Meeting", "Training", OFFLINE,
];
const INTEGRATIONS: [&str; 3] = ["cms", "five9", "teams"];
const EMPLOYEES: [&str; 8] = ["E0", "E1", "E2", "E3", "E4", "E5", "E6", "E7"];
const TEAMS: [&str; 2] = ["T1", "T2"];
const AGENTS: [&[u8]; 8] = [
    b"40101", b"40102", b"40103", b"40104", b"4711", b" 40101 ", b"x\xe9", b"",
];
const AGENT_IDS: [&str; 7] = [
    "40101", "40102", "40103", "40104", "4711", " 40101 ", "x\u{e9}",
];
const CODES: [&str; 11] = [
    "AUX", "ACDIN", "ACDOUT", "ACW", "AVAIL", "RINGIN", "OTHER", "LOGOUT", "AC", "", "x",
];
const PATTERNS: [&str; 12] = [
    "AUX", "ACD*", "AC*", "ACW", "AVAIL", "RING*", "OTHER", "LOGOUT", "*", "A*", "", " ",
];
const REASONS: [&str; 9] = [
    "",
    "*",
    "2",
    "1-5",
    "1-5,7",
    "LUNCH",
    "0-4294967295",
    "7, 2",
    "3-3",
];
/// The rows of a usual Avaya status table: `(status, reason)`.
const STANDARD: [(&str, &str); 8] = [
    ("AVAIL", ""),
    ("ACD*", ""),
    ("ACW*", ""),
    ("RING*", ""),
    ("OTHER", ""),
    ("AUX", "2"),
    ("AUX", ""),
    ("LOGOUT", ""),
];
const DETAILS: [Option<&str>; 5] = [None, Some("101"), Some(" 101 "), Some(""), Some("x")];
const HEALTHS: [FeedHealth; 4] = [
    FeedHealth::Up,
    FeedHealth::Waiting,
    FeedHealth::Stale,
    FeedHealth::Down,
];
/// Evaluator starts: before the US and the EU daylight saving changes of 2026 (both ways),
/// and an ordinary day.
const BASES: [i64; 5] = [
    1_772_906_400, // 2026-03-07T18:00:00Z
    1_774_728_000, // 2026-03-28T20:00:00Z
    1_792_872_000, // 2026-10-24T20:00:00Z
    1_793_476_800, // 2026-10-31T20:00:00Z
    1_795_413_600, // 2026-11-23T06:00:00Z
];

/// `RTA_FUZZ_TRACE=1` prints the configuration, each operation and its events (to replay a
/// finding by hand).
static TRACE: LazyLock<bool> = LazyLock::new(|| std::env::var_os("RTA_FUZZ_TRACE").is_some());

macro_rules! trace {
    ($($arg:tt)*) => {
        if *TRACE {
            eprintln!($($arg)*);
        }
    };
}

const SECOND: i64 = 1_000;
const MINUTE: i64 = 60 * SECOND;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;

/// Draws from the input; an exhausted input gives the smallest choices.
struct Draw<'a>(Unstructured<'a>);

impl Draw<'_> {
    /// A number in `low..=high`.
    fn int(&mut self, low: i64, high: i64) -> i64 {
        self.0.int_in_range(low..=high).unwrap_or(low)
    }

    /// A number in `0..n` (`n` > 0).
    fn below(&mut self, n: usize) -> usize {
        self.0.int_in_range(0..=n - 1).unwrap_or(0)
    }

    fn pick<T: Copy>(&mut self, from: &[T]) -> T {
        from[self.below(from.len())]
    }

    /// True with probability `n` in `d`.
    fn chance(&mut self, n: u8, d: u8) -> bool {
        self.0.ratio(n, d).unwrap_or(false)
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Seconds for a threshold: none, the usual ones, or anything.
    fn seconds(&mut self) -> Option<u32> {
        match self.below(8) {
            0..=2 => None,
            3 => Some(0),
            4 => Some(self.pick(&[1, 30, 60, 120, 300, 900])),
            5 => Some(self.int(0, 3_600) as u32),
            6 => Some(self.int(0, 200_000) as u32),
            _ => Some(u32::MAX),
        }
    }

    fn grace_mode(&mut self) -> GraceMode {
        self.pick(&[GraceMode::None, GraceMode::ForgiveShort, GraceMode::Deduct])
    }

    /// A zone of an employee or of the defaults; rarely an unknown one.
    fn zone(&mut self) -> (String, bool) {
        if self.chance(1, 40) {
            ("Mars/Olympus".into(), false)
        } else {
            (self.pick(&ZONES).into(), true)
        }
    }

    fn time(&mut self, millis: i64) -> Timestamp {
        Timestamp::from_millisecond(millis).unwrap_or(Timestamp::UNIX_EPOCH)
    }
}

/// What the configuration is made of, and whether `Evaluator::new` must accept it.
struct Setup {
    config: Config,
    valid: bool,
    /// Activities that exist (`Offline` is built in).
    known: BTreeSet<String>,
}

fn rules(d: &mut Draw<'_>) -> (Rules, BTreeSet<String>, bool) {
    let mut valid = true;
    let mut names: Vec<&str> = ACTIVITIES
        .iter()
        .copied()
        .filter(|_| d.chance(1, 2))
        .collect();
    if names.is_empty() {
        names.push("Phone");
    }
    // Rarely, an activity twice.
    if d.chance(1, 64) {
        names.push(names[0]);
        valid = false;
    }
    let mut known: BTreeSet<String> = names.iter().map(|n| n.to_string()).collect();
    known.insert(OFFLINE.into());
    let known_list: Vec<&str> = known.iter().map(String::as_str).collect();
    let activities = names
        .iter()
        .map(|&name| {
            let mut accepts: Vec<Name> = Vec::new();
            for _ in 0..d.below(3) {
                if d.chance(1, 64) {
                    accepts.push("Nope".into());
                    valid = false;
                } else {
                    accepts.push(d.pick(&known_list).into());
                }
            }
            Activity {
                name: name.into(),
                counts_for_adherence: d.below(5) != 0,
                category: d.pick(&[None, None, Some("A"), Some("B")]).map(Name::from),
                productive: d.chance(1, 2),
                accepts,
                thresholds: Thresholds {
                    alarm_after: d.seconds(),
                    severe_after: d.seconds(),
                    grace: d.seconds(),
                    grace_mode: d.chance(1, 2).then(|| d.grace_mode()),
                    boundary_tolerance: d.seconds(),
                },
            }
        })
        .collect();
    let (time_zone, zone_ok) = d.zone();
    valid &= zone_ok;
    let defaults = Defaults {
        alarm_after: d.seconds().unwrap_or(60),
        severe_after: d.seconds().unwrap_or(300),
        grace: d.seconds().unwrap_or(0),
        grace_mode: d.grace_mode(),
        boundary_tolerance: d.seconds().unwrap_or(0),
        time_zone,
    };
    let policies = Policies {
        unscheduled_working: d.pick(&[UnscheduledWorking::NotScheduled, UnscheduledWorking::Out]),
    };
    let rules = Rules {
        activities,
        defaults,
        policies,
    };
    (rules, known, valid)
}

fn mappings(d: &mut Draw<'_>, known: &BTreeSet<String>) -> Mappings {
    let known: Vec<&str> = known.iter().map(String::as_str).collect();
    let mut users = Vec::new();
    let mut activities = Vec::new();
    // Mostly a plausible directory and status table of "cms", then odd rows.
    if d.chance(3, 4) {
        for (external_id, employee) in AGENT_IDS.iter().zip(EMPLOYEES).take(5) {
            if d.chance(3, 4) {
                users.push(UserMapping {
                    integration: "cms".into(),
                    external_id: (*external_id).into(),
                    employee: employee.into(),
                });
            }
        }
    }
    if d.chance(3, 4) {
        for (status, reason) in STANDARD {
            activities.push(ActivityMapping {
                integration: "cms".into(),
                status: status.into(),
                reason: reason.parse().expect("the fuzz reasons are valid"),
                detail: None,
                activity: d.pick(&known).into(),
            });
        }
    }
    users.extend((0..d.below(6)).map(|_| UserMapping {
        integration: d.pick(&["cms", "cms", "five9", "teams", "ghost"]).into(),
        external_id: d.pick(&AGENT_IDS).into(),
        employee: d.pick(&EMPLOYEES).into(),
    }));
    activities.extend((0..d.below(10)).map(|_| {
        ActivityMapping {
            integration: d.pick(&["cms", "cms", "five9", "teams", "ghost"]).into(),
            status: d.pick(&PATTERNS).into(),
            reason: d
                .pick(&REASONS)
                .parse()
                .expect("the fuzz reasons are valid"),
            detail: d.pick(&DETAILS).map(String::from),
            activity: if d.chance(1, 32) {
                "Nope".into()
            } else {
                d.pick(&known).into()
            },
        }
    }));
    Mappings { users, activities }
}

/// Segments over two days from `origin`, some touching, some overlapping, a few odd.
fn segments(
    d: &mut Draw<'_>,
    origin: i64,
    employees: &[&str],
    known: &BTreeSet<String>,
    count: usize,
) -> Vec<ScheduleRow> {
    let known: Vec<&str> = known.iter().map(String::as_str).collect();
    let mut rows: Vec<ScheduleRow> = Vec::new();
    let mut last_end: BTreeMap<&str, i64> = BTreeMap::new();
    for _ in 0..count {
        let employee = d.pick(employees);
        let start = match last_end.get(employee) {
            Some(&end) if d.chance(2, 3) => end,
            _ => origin + d.int(0, 2 * DAY / MINUTE) * MINUTE,
        };
        let length = match d.below(10) {
            0 => d.int(-SECOND, SECOND),
            1 => d.int(1, 10 * MINUTE),
            2..=7 => d.pick(&[5, 10, 15, 30, 60, 90, 120, 240]) * MINUTE,
            8 => d.int(1, 10) * HOUR,
            _ => d.int(1, 30) * HOUR,
        };
        let end = start + length;
        last_end.insert(employee, end);
        let activity = if d.chance(1, 40) {
            "Nope"
        } else {
            d.pick(&known)
        };
        rows.push(ScheduleRow {
            employee: employee.into(),
            start: d.time(start),
            end: d.time(end),
            activity: activity.into(),
        });
    }
    rows
}

/// Whether the evaluator must accept the rows as one employee's schedule: known activities,
/// non-empty and non-overlapping in milliseconds.
fn schedule_ok(rows: &[&ScheduleRow], known: &BTreeSet<String>) -> bool {
    let mut spans: Vec<(i64, i64)> = Vec::new();
    for row in rows {
        let (start, end) = (row.start.as_millisecond(), row.end.as_millisecond());
        if !known.contains(&*row.activity) || start >= end {
            return false;
        }
        spans.push((start, end));
    }
    spans.sort_unstable();
    spans.windows(2).all(|pair| pair[0].1 <= pair[1].0)
}

fn setup(d: &mut Draw<'_>, origin: i64) -> Setup {
    let (rules, known, mut valid) = rules(d);
    let chosen: Vec<&str> = EMPLOYEES
        .iter()
        .copied()
        .filter(|_| d.chance(1, 2))
        .collect();
    let employees = chosen
        .into_iter()
        .map(|id| {
            let time_zone = match d.below(4) {
                0 => None,
                _ => {
                    let (zone, ok) = d.zone();
                    valid &= ok;
                    Some(zone)
                }
            };
            Employee {
                id: id.into(),
                team: d.pick(&[None, Some("T1"), Some("T2")]).map(Name::from),
                time_zone,
            }
        })
        .collect();
    let mappings = mappings(d, &known);
    let count = d.below(17);
    let schedules = segments(d, origin, &EMPLOYEES, &known, count);
    Setup {
        config: Config {
            rules,
            employees,
            mappings,
            schedules,
        },
        valid,
        known,
    }
}

fn limits(d: &mut Draw<'_>) -> Limits {
    let default = Limits::default();
    Limits {
        max_agents: d.pick(&[1, 3, 64, default.max_agents]),
        max_status_codes: d.pick(&[1, 2, 8, default.max_status_codes]),
        figure_days: d.pick(&[0, 1, 2, 2, 3]),
    }
}

/// A reason or detail of a status.
fn code(d: &mut Draw<'_>) -> Option<Code<'static>> {
    match d.below(6) {
        0 | 1 => None,
        2 => Some(Code::Number(d.pick(&[0, 1, 2, 3, 5, 7, 101, u32::MAX]))),
        3 => Some(Code::Number(d.int(0, 10) as u32)),
        4 => Some(Code::Text(Cow::Borrowed(
            d.pick(&["2", "7", "LUNCH", "101", " 2", "x", ""]),
        ))),
        _ => Some(Code::Text(Cow::Owned(d.int(0, 4_294_967_300).to_string()))),
    }
}

/// What the fuzz knows about the evaluator to check it.
struct Checker {
    /// The evaluator's clock: the latest `now` it was given, clamped (milliseconds).
    clock: i64,
    /// Every employee the evaluator may know (configured, mapped, scheduled).
    employees: BTreeSet<Name>,
    /// The time of each employee's last adherence or alarm event.
    last_event: BTreeMap<Name, Timestamp>,
    /// Where time begins for the figures (the evaluator's start).
    start: i64,
    /// The teams of the configured employees (the others have none).
    teams: BTreeMap<Name, Option<Name>>,
    checks: usize,
}

impl Checker {
    /// The evaluator was given `now`.
    fn tick(&mut self, now: Timestamp) {
        self.clock = self.clock.max(now.as_millisecond().clamp(0, LATEST_MILLIS));
    }

    fn events(&mut self, what: &str, events: impl Iterator<Item = Emitted>) {
        for event in events {
            trace!("    {} {:?}", event.time, event.body);
            let at = event.time.as_millisecond();
            assert!(
                (0..=LATEST_MILLIS).contains(&at),
                "{what}: an event at {} outside the clamped range: {event:?}",
                event.time
            );
            assert!(
                at <= self.clock,
                "{what}: an event at {} after the clock {}: {event:?}",
                event.time,
                Timestamp::from_millisecond(self.clock).expect("in range")
            );
            let employee = match &event.body {
                EventBody::Adherence(a) => &a.employee,
                EventBody::Alarm(a) => &a.employee,
                _ => continue,
            };
            assert!(
                self.employees.contains(employee),
                "{what}: an event of an employee nobody named: {event:?}"
            );
            if let Some(last) = self.last_event.get(employee) {
                assert!(
                    event.time >= *last,
                    "{what}: an event of {employee} at {} after one at {last}: {event:?}",
                    event.time
                );
            }
            self.last_event.insert(employee.clone(), event.time);
        }
    }

    /// Every employee's figures of every day it has, as of the clock.
    fn figures(&mut self, evaluator: &Evaluator) {
        if self.checks >= MAX_CHECKS {
            return;
        }
        self.checks += 1;
        let now = Timestamp::from_millisecond(self.clock).expect("in range");
        let first = (self.clock - 16 * DAY).max(self.start - 3 * DAY).max(0);
        let dates: Vec<Date> = (first / DAY..=self.clock / DAY + 2)
            .filter_map(|day| Timestamp::from_second(day * 86_400).ok())
            .map(|t| t.to_zoned(jiff::tz::TimeZone::UTC).date())
            .collect();
        let mut by_team: BTreeMap<(Option<Name>, Date), Vec<DayFigures>> = BTreeMap::new();
        for employee in &self.employees {
            let _ = evaluator.adherence(employee);
            let mut seen = Vec::new();
            let mut spans = Vec::new();
            for &date in &dates {
                let Some(figures) = evaluator.figures(employee, date, now) else {
                    continue;
                };
                assert_eq!(figures.date, date, "{employee}");
                check_day(employee, &figures);
                seen.push(date);
                spans.push((figures.start, figures.end, date));
                let team = self.teams.get(employee).cloned().flatten();
                by_team.entry((team, date)).or_default().push(figures);
            }
            trace!("  figures of {employee}: {spans:?}");
            // Days partition time: the days reported follow each other, the last one up to now.
            spans.sort();
            for pair in spans.windows(2) {
                assert_eq!(
                    pair[0].1, pair[1].0,
                    "{employee}: the days {pair:?} do not follow each other"
                );
            }
            if let Some(&(_, end, date)) = spans.last() {
                assert_eq!(
                    end, now,
                    "{employee}: the last day, {date}, ends before now"
                );
            }
            if let Some(today) = evaluator.today(employee, now) {
                check_day(employee, &today);
                assert!(
                    seen.contains(&today.date),
                    "{employee}: today is {}, days with figures {seen:?}",
                    today.date
                );
                let again = evaluator.figures(employee, today.date, now);
                assert_eq!(again.as_ref(), Some(&today), "{employee}: today");
            }
        }
        for team in TEAMS {
            for &date in &dates {
                let figures = evaluator.team_figures(team, date, now);
                let members = by_team.get(&(Some(team.into()), date));
                match (&figures, members) {
                    (None, None) => {}
                    (Some(figures), Some(members)) => {
                        for measure in Measure::ALL {
                            let sum: u64 = members.iter().map(|m| m.total.millis(measure)).sum();
                            assert_eq!(
                                figures.total.millis(measure),
                                sum,
                                "team {team} on {date}: {measure:?}"
                            );
                        }
                    }
                    _ => panic!("team {team} on {date}: {figures:?} for members {members:?}"),
                }
            }
        }
    }
}

/// One day's figures add up.
fn check_day(employee: &str, day: &DayFigures) {
    let total = &day.total;
    let length = day.end.as_millisecond() - day.start.as_millisecond();
    assert!(
        length >= 0,
        "{employee}: a day ending before it starts: {day:?}"
    );
    let statuses: u64 = Measure::STATUSES.iter().map(|&m| total.millis(m)).sum();
    assert_eq!(
        statuses, length as u64,
        "{employee} on {}: the statuses add up to {statuses} ms, the day {} .. {} lasts {length} ms: {total:?}",
        day.date, day.start, day.end
    );
    assert_eq!(total.tracked_millis(), statuses);
    let (scheduled, out, after_grace, excused) = (
        total.millis(Measure::Scheduled),
        total.millis(Measure::OutScheduled),
        total.millis(Measure::OutAfterGrace),
        total.millis(Measure::Excused),
    );
    assert!(
        after_grace <= out && out <= scheduled,
        "{employee} on {}: O after grace {after_grace}, O {out}, S {scheduled}: {total:?}",
        day.date
    );
    assert!(
        out + excused <= scheduled,
        "{employee} on {}: O {out} + N {excused} over S {scheduled}: {total:?}",
        day.date
    );
    let _ = (
        total.adherence_percent(),
        total.raw_adherence_percent(),
        total.conformance_percent(),
    );
    for pair in day.intervals.windows(2) {
        assert!(
            pair[0].0 < pair[1].0,
            "{employee} on {}: intervals out of order",
            day.date
        );
    }
    for (start, figures) in &day.intervals {
        assert_eq!(
            figures.millis(Measure::NotScheduled),
            0,
            "{employee} at {start}"
        );
    }
}

/// The evaluator target. See the crate documentation.
pub fn adherence_evaluator(data: &[u8]) {
    let mut d = Draw(Unstructured::new(data));
    let base = d.pick(&BASES) * SECOND;
    let origin = base - 12 * HOUR;
    let setup = setup(&mut d, origin);
    let limits = limits(&mut d);
    let start = base + d.int(-HOUR, HOUR);
    trace!(
        "config {:#?}\nlimits {limits:?}, start {}",
        setup.config,
        d.time(start)
    );
    let evaluator = Evaluator::new(&setup.config, limits, d.time(start));
    let mut evaluator = match (evaluator, setup.valid) {
        (Ok(evaluator), true) => evaluator,
        (Err(_), false) => return,
        (Ok(_), false) => panic!("an invalid configuration accepted: {:?}", setup.config),
        (Err(error), true) => panic!("a valid configuration refused: {error}"),
    };
    let known = &setup.known;

    // One schedule error per employee whose configured rows cannot be used.
    let mut by_employee: BTreeMap<&str, Vec<&ScheduleRow>> = BTreeMap::new();
    for row in &setup.config.schedules {
        by_employee.entry(&row.employee).or_default().push(row);
    }
    let bad = by_employee
        .values()
        .filter(|rows| !schedule_ok(rows, known))
        .count();
    assert_eq!(
        evaluator.schedule_errors().len(),
        bad,
        "{:?}",
        evaluator.schedule_errors()
    );
    let _ = evaluator.mapping_errors();

    let mut checker = Checker {
        clock: start,
        employees: BTreeSet::new(),
        last_event: BTreeMap::new(),
        start,
        teams: BTreeMap::new(),
        checks: 0,
    };
    let config = &setup.config;
    checker
        .employees
        .extend(config.employees.iter().map(|e| e.id.clone()));
    checker
        .employees
        .extend(config.mappings.users.iter().map(|u| u.employee.clone()));
    checker
        .employees
        .extend(config.schedules.iter().map(|s| s.employee.clone()));
    checker.teams = config
        .employees
        .iter()
        .map(|e| (e.id.clone(), e.team.clone()))
        .collect();

    // Integrations 0..3 by name (3 is never named), most of them up.
    for id in 0..3u16 {
        if d.below(8) == 0 {
            continue;
        }
        let name = if id == 0 && d.chance(7, 8) {
            "cms"
        } else {
            d.pick(&INTEGRATIONS)
        };
        evaluator
            .add_integration(IntegrationId(id), name)
            .expect("a free id");
        assert!(
            evaluator.add_integration(IntegrationId(id), name).is_err(),
            "an id named twice"
        );
        let health = if d.chance(3, 4) {
            FeedHealth::Up
        } else {
            d.pick(&HEALTHS)
        };
        let now = d.time(start);
        trace!("add_integration({id}, {name:?}); set_health({id}, {health:?}, {now})");
        checker.tick(now);
        checker.events(
            "set_health",
            evaluator.set_health(IntegrationId(id), health, now),
        );
    }
    let mut now = start;
    trace!("advance({})", d.time(now));
    checker.tick(d.time(now));
    checker.events("advance", evaluator.advance(d.time(now)));

    for _ in 0..MAX_OPERATIONS {
        if d.is_empty() {
            break;
        }
        match d.below(20) {
            0..=8 => {
                let (agent, text_id) = if d.chance(1, 16) {
                    (None, d.int(0, 1_000_000).to_string())
                } else {
                    (Some(d.pick(&AGENTS)), String::new())
                };
                let external_id = match agent {
                    Some(bytes) => Cow::Borrowed(bytes),
                    None => Cow::Owned(text_id.into_bytes()),
                };
                let time = match d.below(12) {
                    0..=3 => now,
                    4..=6 => now - d.int(0, 10 * MINUTE),
                    7 | 8 => now - d.int(0, 6 * HOUR),
                    9 => now + d.int(0, 10 * MINUTE),
                    10 => now - d.int(0, 3 * DAY),
                    _ => d.pick(&[i64::MIN, -SECOND, LATEST_MILLIS + DAY, i64::MAX]),
                };
                let time = Timestamp::from_millisecond(time).unwrap_or(if time < 0 {
                    Timestamp::MIN
                } else {
                    Timestamp::MAX
                });
                let received = if d.chance(1, 2) { time } else { d.time(now) };
                let skills: Vec<u32> = (0..d.below(3)).map(|_| d.int(0, 300) as u32).collect();
                let observation = Observation {
                    integration: IntegrationId(d.pick(&[0, 0, 0, 1, 2, 3])),
                    external_id,
                    phase: d.pick(&Phase::ALL),
                    direction: d.pick(&[Direction::None, Direction::In, Direction::Out]),
                    status: Status {
                        code: Cow::Borrowed(d.pick(&CODES)),
                        reason: code(&mut d),
                        detail: code(&mut d),
                        skills: Cow::Owned(skills),
                    },
                    time,
                    received,
                };
                let at = d.time(now);
                trace!("observe({observation:?}, {at})");
                checker.tick(at);
                checker.events("observe", evaluator.observe(&observation, at));
            }
            9..=13 => {
                let step = match d.below(10) {
                    0 => 0,
                    1 => d.int(1, SECOND),
                    2..=4 => d.int(0, 5 * MINUTE),
                    5 | 6 => d.int(0, HOUR),
                    7 => d.int(0, 6 * HOUR),
                    8 => -d.int(0, HOUR),
                    _ => d.pick(&[15 * MINUTE, HOUR, DAY / 2]),
                };
                now += step;
                let at = d.time(now);
                trace!("advance({at})");
                checker.tick(at);
                checker.events("advance", evaluator.advance(at));
            }
            14 | 15 => {
                let integration = IntegrationId(d.int(0, 3) as u16);
                let health = d.pick(&HEALTHS);
                let at = d.time(now);
                trace!("set_health({integration:?}, {health:?}, {at})");
                checker.tick(at);
                checker.events("set_health", evaluator.set_health(integration, health, at));
            }
            16 => {
                let mappings = mappings(&mut d, known);
                checker
                    .employees
                    .extend(mappings.users.iter().map(|u| u.employee.clone()));
                let at = d.time(now);
                trace!("reload_mappings({mappings:#?}, {at})");
                checker.tick(at);
                checker.events("reload_mappings", evaluator.reload_mappings(&mappings, at));
            }
            17 | 18 => {
                let employee = d.pick(&EMPLOYEES);
                let others = if d.chance(1, 16) {
                    vec![employee, d.pick(&EMPLOYEES)]
                } else {
                    vec![employee]
                };
                let count = d.below(7);
                let rows = segments(&mut d, origin, &others, known, count);
                let ok = rows.iter().all(|r| *r.employee == *employee)
                    && schedule_ok(&rows.iter().collect::<Vec<_>>(), known);
                let at = d.time(now);
                trace!("replace_schedule({employee:?}, {rows:#?}, {at})");
                match evaluator.replace_schedule(employee, &rows, at) {
                    Ok(events) => {
                        assert!(ok, "schedule of {employee} accepted: {rows:?}");
                        checker.tick(at);
                        checker.employees.insert(employee.into());
                        checker.events("replace_schedule", events);
                    }
                    Err(error) => assert!(!ok, "schedule of {employee} refused: {error}"),
                }
            }
            _ => {
                trace!("figures at {}", d.time(checker.clock));
                checker.figures(&evaluator);
            }
        }
        assert!(
            evaluator.pending_timers() <= checker.employees.len(),
            "{} timers for {} employees",
            evaluator.pending_timers(),
            checker.employees.len()
        );
    }
    let _ = evaluator.stats();
    checker.checks = 0;
    checker.figures(&evaluator);
}
