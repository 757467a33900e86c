//! Days, intervals and team figures: DST days of 23 and 25 hours, a shift crossing midnight
//! belonging to the day it starts, 15-minute intervals adding up to the day (grace included),
//! team figures summing times, and a property test over random schedules, statuses, feed
//! health and policies: the days partition time at shift-respecting boundaries, each day's
//! statuses add up to its length, and its figures are those of the published adherence
//! events (grace applied to each out period) and of the schedule.

mod support;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use proptest::prelude::*;
use rta_adherence::{
    Activity, Config, DayFigures, Defaults, Emitted, Employee, Evaluator, Figures, GraceMode,
    Limits, Measure, Policies, Rules, ScheduleRow, Thresholds, UnscheduledWorking,
};
use rta_model::{AdherenceStatus, EventBody, FeedHealth, Observation, Phase, Timestamp};
use support::*;

const SECOND: u64 = 1_000;
const MINUTE: u64 = 60 * SECOND;
const HOUR: u64 = 60 * MINUTE;

/// Every measure but [`Measure::NotScheduled`], which intervals leave at zero (it is the rest
/// of the interval).
fn interval_measures() -> impl Iterator<Item = Measure> {
    Measure::ALL
        .into_iter()
        .filter(|&measure| measure != Measure::NotScheduled)
}

fn ts(text: &str) -> Timestamp {
    text.parse().unwrap()
}

fn from_millis(millis: i64) -> Timestamp {
    Timestamp::from_millisecond(millis).unwrap()
}

fn elapsed(start: Timestamp, end: Timestamp) -> u64 {
    u64::try_from(end.as_millisecond() - start.as_millisecond()).unwrap()
}

fn row(employee: &str, start: Timestamp, end: Timestamp, activity: &str) -> ScheduleRow {
    ScheduleRow {
        employee: employee.into(),
        start,
        end,
        activity: activity.into(),
    }
}

/// The worked example's mappings (40101 = E1, 40102 = E2, 40103 = E3) with the given
/// employees (`(id, team, zone)`) and schedules.
fn config(rules: Rules, employees: &[(&str, &str, &str)], schedules: Vec<ScheduleRow>) -> Config {
    let mut config = worked_example(rules);
    config.employees = employees
        .iter()
        .map(|(id, team, zone)| Employee {
            id: (*id).into(),
            team: Some((*team).into()),
            time_zone: Some((*zone).into()),
        })
        .collect();
    for (n, (id, _, _)) in employees.iter().enumerate().skip(1) {
        config
            .mappings
            .users
            .push(user("cms", &format!("4010{}", n + 1), id));
    }
    config.schedules = schedules;
    config
}

/// An evaluator started at `start`, keeping `figure_days` days, with "cms" named and up.
fn started_at(config: &Config, figure_days: usize, start: Timestamp) -> Evaluator {
    let limits = Limits {
        figure_days,
        ..Limits::default()
    };
    let mut evaluator = Evaluator::new(config, limits, start).unwrap();
    assert_eq!(evaluator.schedule_errors(), &[]);
    evaluator.add_integration(CMS, "cms").unwrap();
    let _ = evaluator.set_health(CMS, FeedHealth::Up, start).count();
    let _ = evaluator.advance(start).count();
    evaluator
}

/// What an agent does, by the worked example's mappings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Doing {
    /// AVAIL: Phone (productive).
    Phone,
    /// AUX reason 2: Break.
    Break,
    /// AUX reason 7: Away.
    Away,
    /// A code nobody mapped: `unknown`.
    Unmapped,
    /// Logged out: Offline.
    LoggedOut,
}

fn observation(agent: &str, doing: Doing, time: Timestamp) -> Observation<'static> {
    let (phase, code, reason) = match doing {
        Doing::Phone => (Phase::Available, "AVAIL", None),
        Doing::Break => (Phase::Away, "AUX", Some(2)),
        Doing::Away => (Phase::Away, "AUX", Some(7)),
        Doing::Unmapped => (Phase::Other, "NOSUCHCODE", None),
        Doing::LoggedOut => (Phase::LoggedOut, "LOGGEDOUT", None),
    };
    status(CMS, agent, phase, code, reason, &time.to_string())
}

/// The agent's status at `time`, received then.
fn send(evaluator: &mut Evaluator, agent: &str, doing: Doing, time: Timestamp) {
    let _ = evaluator
        .observe(&observation(agent, doing, time), time)
        .count();
}

fn advance(evaluator: &mut Evaluator, time: Timestamp) {
    let _ = evaluator.advance(time).count();
}

fn health(evaluator: &mut Evaluator, health: FeedHealth, time: Timestamp) {
    let _ = evaluator.set_health(CMS, health, time).count();
}

fn interval<'a>(day: &'a DayFigures, start: &str) -> &'a Figures {
    let start = ts(start);
    &day.intervals
        .iter()
        .find(|(s, _)| *s == start)
        .unwrap_or_else(|| panic!("no interval at {start} in {day:#?}"))
        .1
}

/// The sum over intervals of each measure is the day's, `not_scheduled` (left at zero in
/// intervals) apart; intervals are in order and hold at most 15 minutes of each of the
/// `members` whose figures were summed.
fn assert_intervals_add_up(day: &DayFigures, members: u64) {
    for measure in interval_measures() {
        let sum: u64 = day.intervals.iter().map(|(_, f)| f.millis(measure)).sum();
        assert_eq!(
            sum,
            day.total.millis(measure),
            "{measure:?} of {}",
            day.date
        );
    }
    for (start, figures) in &day.intervals {
        assert_eq!(figures.millis(Measure::NotScheduled), 0);
        assert_eq!(start.as_millisecond() % (15 * MINUTE as i64), 0);
        assert!(figures.tracked_millis() <= members * 15 * MINUTE);
    }
    assert!(day.intervals.windows(2).all(|pair| pair[0].0 < pair[1].0));
}

/// One DST day; times are local, with the offsets before and after the change spelled out.
struct DstDay {
    zone: &'static str,
    date: &'static str,
    before: &'static str,
    after: &'static str,
    /// The day's start and end in UTC (local midnights).
    midnight: &'static str,
    next_midnight: &'static str,
    hours: u64,
    /// Real length of the 01:00-04:00 (local) shift over the change.
    night_hours: u64,
}

/// An employee tracked from 23:30 the evening before: a Phone shift 01:00-04:00 over the DST
/// change (logged in 00:30-04:30), then Phone 09:00-12:00 and Break 12:00-12:30 (logged in
/// 08:58, on Break 12:10, logged out 12:31: 10 minutes out).
fn dst_day(case: DstDay) {
    let date: Date = case.date.parse().unwrap();
    let (previous, next) = (date.yesterday().unwrap(), date.tomorrow().unwrap());
    let before = |time: &str| ts(&format!("{date}T{time}:00{}", case.before));
    let after = |time: &str| ts(&format!("{date}T{time}:00{}", case.after));
    let schedule = vec![
        row("E1", before("01:00"), after("04:00"), "Phone"),
        row("E1", after("09:00"), after("12:00"), "Phone"),
        row("E1", after("12:00"), after("12:30"), "Break"),
    ];
    let start = ts(&format!("{previous}T23:30:00{}", case.before));
    let end = ts(&format!("{next}T03:00:00{}", case.after));
    let config = config(example_rules(), &[("E1", "T1", case.zone)], schedule);
    let mut evaluator = started_at(&config, 4, start);
    send(&mut evaluator, "40101", Doing::Phone, before("00:30"));
    send(&mut evaluator, "40101", Doing::LoggedOut, after("04:30"));
    send(&mut evaluator, "40101", Doing::Phone, after("08:58"));
    send(&mut evaluator, "40101", Doing::Break, after("12:10"));
    send(&mut evaluator, "40101", Doing::LoggedOut, after("12:31"));
    advance(&mut evaluator, end);

    let night = case.night_hours * HOUR;
    assert_eq!(
        elapsed(before("01:00"), after("04:00")),
        night,
        "the shift's real length"
    );
    let day = evaluator.figures("E1", date, end).unwrap();
    assert_eq!(day.date, date);
    assert_eq!(day.start, ts(case.midnight));
    assert_eq!(day.end, ts(case.next_midnight));
    let total = day.total;
    assert_eq!(total.tracked_millis(), case.hours * HOUR);
    assert_eq!(
        Measure::STATUSES
            .iter()
            .map(|m| total.millis(*m))
            .sum::<u64>(),
        elapsed(day.start, day.end)
    );
    assert_eq!(
        total.millis(Measure::Scheduled),
        night + 3 * HOUR + 30 * MINUTE
    );
    assert_eq!(total.millis(Measure::In), night + 3 * HOUR + 20 * MINUTE);
    assert_eq!(total.millis(Measure::Out), 10 * MINUTE);
    assert_eq!(total.millis(Measure::OutScheduled), 10 * MINUTE);
    assert_eq!(total.millis(Measure::OutAfterGrace), 10 * MINUTE);
    assert_eq!(total.millis(Measure::Neutral), 0);
    assert_eq!(total.millis(Measure::Unknown), 0);
    assert_eq!(total.millis(Measure::Excused), 0);
    assert_eq!(
        total.millis(Measure::NotScheduled),
        case.hours * HOUR - night - 3 * HOUR - 30 * MINUTE
    );
    assert_eq!(total.millis(Measure::ProductiveScheduled), night + 3 * HOUR);
    // Phone 00:30-04:30 and 08:58-12:10.
    assert_eq!(
        total.millis(Measure::ProductiveActual),
        night + HOUR + 3 * HOUR + 12 * MINUTE
    );
    let judged = (night + 3 * HOUR + 30 * MINUTE) as f64;
    assert_eq!(
        total.adherence_percent(),
        Some(100.0 * (1.0 - (10 * MINUTE) as f64 / judged))
    );
    // Each 15 minutes of the night shift is one interval fully scheduled and in.
    let night_intervals: Vec<&Figures> = day
        .intervals
        .iter()
        .filter(|(s, _)| before("01:00") <= *s && *s < after("04:00"))
        .map(|(_, f)| f)
        .collect();
    assert_eq!(night_intervals.len() as u64, night / (15 * MINUTE));
    assert!(night_intervals.iter().all(|f| {
        f.millis(Measure::Scheduled) == 15 * MINUTE && f.millis(Measure::In) == 15 * MINUTE
    }));
    assert_eq!(
        interval(&day, &after("12:00").to_string()).millis(Measure::Out),
        10 * MINUTE
    );
    assert_intervals_add_up(&day, 1);

    // The evening before (from the start) and the next day (to the end) take the rest.
    let eve = evaluator.figures("E1", previous, end).unwrap();
    assert_eq!((eve.start, eve.end), (start, day.start));
    assert_eq!(eve.total.millis(Measure::NotScheduled), 30 * MINUTE);
    assert_eq!(eve.total.tracked_millis(), 30 * MINUTE);
    let morning = evaluator.figures("E1", next, end).unwrap();
    assert_eq!((morning.start, morning.end), (day.end, end));
    assert_eq!(morning.total.tracked_millis(), 3 * HOUR);
    assert_eq!(evaluator.today("E1", end).unwrap(), morning);
    assert_eq!(
        eve.total.tracked_millis() + total.tracked_millis() + morning.total.tracked_millis(),
        elapsed(start, end)
    );
}

#[test]
fn paris_spring_forward_day_has_23_hours() {
    dst_day(DstDay {
        zone: "Europe/Paris",
        date: "2026-03-29",
        before: "+01:00",
        after: "+02:00",
        midnight: "2026-03-28T23:00:00Z",
        next_midnight: "2026-03-29T22:00:00Z",
        hours: 23,
        night_hours: 2,
    });
}

#[test]
fn paris_fall_back_day_has_25_hours() {
    dst_day(DstDay {
        zone: "Europe/Paris",
        date: "2026-10-25",
        before: "+02:00",
        after: "+01:00",
        midnight: "2026-10-24T22:00:00Z",
        next_midnight: "2026-10-25T23:00:00Z",
        hours: 25,
        night_hours: 4,
    });
}

#[test]
fn new_york_spring_forward_day_has_23_hours() {
    dst_day(DstDay {
        zone: "America/New_York",
        date: "2026-03-08",
        before: "-05:00",
        after: "-04:00",
        midnight: "2026-03-08T05:00:00Z",
        next_midnight: "2026-03-09T04:00:00Z",
        hours: 23,
        night_hours: 2,
    });
}

#[test]
fn new_york_fall_back_day_has_25_hours() {
    dst_day(DstDay {
        zone: "America/New_York",
        date: "2026-11-01",
        before: "-04:00",
        after: "-05:00",
        midnight: "2026-11-01T04:00:00Z",
        next_midnight: "2026-11-02T05:00:00Z",
        hours: 25,
        night_hours: 4,
    });
}

/// Paris in June (UTC+2): Phone 22:00-02:00, Break 02:00-02:30, Phone 02:30-06:00 from the
/// evening of 2026-06-10. Out on Break 23:50-00:10 (across midnight), then in throughout.
#[test]
fn a_shift_crossing_midnight_belongs_to_the_day_it_starts() {
    let local = |time: &str| ts(&format!("2026-06-{time}:00+02:00"));
    let schedule = vec![
        row("E1", local("10T22:00"), local("11T02:00"), "Phone"),
        row("E1", local("11T02:00"), local("11T02:30"), "Break"),
        row("E1", local("11T02:30"), local("11T06:00"), "Phone"),
    ];
    let config = config(example_rules(), &[("E1", "T1", "Europe/Paris")], schedule);
    let start = local("09T23:00");
    let mut evaluator = started_at(&config, 4, start);
    send(&mut evaluator, "40101", Doing::Phone, local("10T21:55"));
    send(&mut evaluator, "40101", Doing::Break, local("10T23:50"));
    send(&mut evaluator, "40101", Doing::Phone, local("11T00:10"));
    send(&mut evaluator, "40101", Doing::Break, local("11T02:00"));
    send(&mut evaluator, "40101", Doing::Phone, local("11T02:30"));

    let (first, second): (Date, Date) =
        ("2026-06-10".parse().unwrap(), "2026-06-11".parse().unwrap());
    // At 03:00 on the 11th, "today" is still the 10th: the shift started then.
    let night = local("11T03:00");
    advance(&mut evaluator, night);
    let today = evaluator.today("E1", night).unwrap();
    assert_eq!(today.date, first);
    assert_eq!((today.start, today.end), (local("10T00:00"), night));
    assert_eq!(today.total.tracked_millis(), 27 * HOUR);
    assert_eq!(evaluator.figures("E1", second, night), None);

    send(&mut evaluator, "40101", Doing::LoggedOut, local("11T06:05"));
    let end = local("12T01:00");
    advance(&mut evaluator, end);
    let day = evaluator.figures("E1", first, end).unwrap();
    assert_eq!(day.date, first);
    assert_eq!(day.start, local("10T00:00"));
    assert_eq!(day.end, local("11T06:00"), "the day ends with the shift");
    let total = day.total;
    assert_eq!(total.tracked_millis(), 30 * HOUR);
    assert_eq!(total.millis(Measure::Scheduled), 8 * HOUR);
    assert_eq!(
        total.millis(Measure::ProductiveScheduled),
        7 * HOUR + 30 * MINUTE
    );
    assert_eq!(total.millis(Measure::In), 7 * HOUR + 40 * MINUTE);
    assert_eq!(total.millis(Measure::Out), 20 * MINUTE);
    assert_eq!(total.millis(Measure::OutAfterGrace), 20 * MINUTE);
    assert_eq!(total.millis(Measure::NotScheduled), 22 * HOUR);
    // Phone 21:55-23:50, 00:10-02:00, 02:30-06:00.
    assert_eq!(
        total.millis(Measure::ProductiveActual),
        HOUR + 55 * MINUTE + HOUR + 50 * MINUTE + 3 * HOUR + 30 * MINUTE
    );
    // The out period across midnight is split between the intervals before and after it,
    // both of the first day.
    assert_eq!(
        interval(&day, "2026-06-10T21:45:00Z").millis(Measure::Out),
        10 * MINUTE
    );
    assert_eq!(
        interval(&day, "2026-06-10T22:00:00Z").millis(Measure::Out),
        10 * MINUTE
    );
    assert_eq!(
        interval(&day, "2026-06-11T03:45:00Z").millis(Measure::Scheduled),
        15 * MINUTE
    );
    assert_intervals_add_up(&day, 1);

    let next = evaluator.figures("E1", second, end).unwrap();
    assert_eq!(
        next.start,
        local("11T06:00"),
        "the next day starts when the shift ends"
    );
    assert_eq!(next.end, local("12T00:00"));
    assert_eq!(next.total.tracked_millis(), 18 * HOUR);
    assert_eq!(next.total.millis(Measure::Scheduled), 0);
    assert_eq!(next.total.millis(Measure::NotScheduled), 18 * HOUR);
    assert_eq!(next.total.millis(Measure::ProductiveActual), 5 * MINUTE);
    assert_intervals_add_up(&next, 1);
    assert_eq!(
        total.tracked_millis() + next.total.tracked_millis(),
        elapsed(local("10T00:00"), local("12T00:00"))
    );
}

/// A (pathological) 32-hour shift runs across two midnights: it still belongs wholly to the
/// day it starts, whether the evaluator saw it begin or started in its last hours.
#[test]
fn a_shift_across_two_midnights_belongs_to_the_day_it_starts() {
    let time = |text: &str| ts(&format!("2026-06-{text}:00Z"));
    let schedule = vec![
        row("E1", time("15T18:00"), time("16T12:00"), "Phone"),
        row("E1", time("16T12:00"), time("17T02:00"), "Break"),
    ];
    let config = config(example_rules(), &[("E1", "T1", "UTC")], schedule);
    let date = |day: &str| format!("2026-06-{day}").parse::<Date>().unwrap();
    let end = time("17T12:00");
    for (start, scheduled) in [(time("15T12:00"), 32 * HOUR), (time("17T01:00"), HOUR)] {
        let mut evaluator = started_at(&config, 4, start);
        advance(&mut evaluator, end);
        let first = evaluator.figures("E1", date("15"), end).unwrap();
        assert_eq!((first.start, first.end), (start, time("17T02:00")));
        assert_eq!(first.total.millis(Measure::Scheduled), scheduled);
        assert_eq!(evaluator.figures("E1", date("16"), end), None);
        let last = evaluator.figures("E1", date("17"), end).unwrap();
        assert_eq!((last.start, last.end), (time("17T02:00"), end));
        assert_eq!(last.total.millis(Measure::Scheduled), 0);
        assert_eq!(
            evaluator.today("E1", time("17T00:00")).unwrap().date,
            date("15")
        );
    }
}

/// A runtime ticking on whole seconds asks for today's figures at exactly midnight: the day
/// has begun and has nothing in it yet (not "no such day").
#[test]
fn today_at_the_very_start_of_a_day_is_an_empty_day() {
    let schedule = vec![row("E1", at("22:00"), at("2026-11-24T02:00:00Z"), "Phone")];
    let config = config(example_rules(), &[("E1", "T1", "UTC")], schedule);
    let mut evaluator = started_at(&config, 2, at("20:00"));
    let midnight = at("2026-11-24T00:00:00Z");
    advance(&mut evaluator, midnight);
    let today = evaluator.today("E1", midnight).unwrap();
    assert_eq!(today.date, DAY.parse::<Date>().unwrap(), "the shift's day");
    // The shift's end starts the next day.
    let shift_end = at("2026-11-24T02:00:00Z");
    advance(&mut evaluator, shift_end);
    let today = evaluator.today("E1", shift_end).unwrap();
    assert_eq!(today.date.to_string(), "2026-11-24");
    assert_eq!((today.start, today.end), (shift_end, shift_end));
    assert_eq!(today.total, Figures::default());
    assert_eq!(today.intervals, []);
    let day = evaluator
        .figures("E1", DAY.parse().unwrap(), shift_end)
        .unwrap();
    assert_eq!((day.start, day.end), (at("20:00"), shift_end));
    assert_eq!(day.total.tracked_millis(), 6 * HOUR);
}

/// UTC; Phone 08:00-12:00; Away 09:05-09:40 (35 minutes over three intervals) and
/// 10:00-10:05 (5 minutes).
fn intervals_with(
    grace: u32,
    grace_mode: GraceMode,
    checks: impl Fn(&mut Evaluator),
) -> DayFigures {
    let rules = Rules {
        defaults: Defaults {
            grace,
            grace_mode,
            ..Defaults::default()
        },
        ..example_rules()
    };
    let schedule = vec![row("E1", at("08:00"), at("12:00"), "Phone")];
    let config = config(rules, &[("E1", "T1", "UTC")], schedule);
    let mut evaluator = started_at(&config, 2, at("07:00"));
    send(&mut evaluator, "40101", Doing::Phone, at("07:50"));
    send(&mut evaluator, "40101", Doing::Away, at("09:05"));
    checks(&mut evaluator);
    send(&mut evaluator, "40101", Doing::Phone, at("09:40"));
    send(&mut evaluator, "40101", Doing::Away, at("10:00"));
    send(&mut evaluator, "40101", Doing::Phone, at("10:05"));
    send(&mut evaluator, "40101", Doing::LoggedOut, at("12:00"));
    advance(&mut evaluator, at("13:00"));
    let day = evaluator.today("E1", at("13:00")).unwrap();
    assert_eq!(day.total.tracked_millis(), 6 * HOUR);
    assert_eq!(day.total.millis(Measure::OutScheduled), 40 * MINUTE);
    assert_intervals_add_up(&day, 1);
    // Sixteen scheduled intervals, and the one of 07:45 (10 minutes on Phone unscheduled).
    assert_eq!(day.intervals.len(), 17);
    assert_eq!(
        interval(&day, "2026-11-23T07:45:00Z").millis(Measure::ProductiveActual),
        10 * MINUTE
    );
    day
}

fn out_by_interval(day: &DayFigures, measure: Measure) -> Vec<u64> {
    ["09:00", "09:15", "09:30", "09:45", "10:00"]
        .iter()
        .map(|time| interval(day, &at(time).to_string()).millis(measure) / SECOND)
        .collect()
}

#[test]
fn out_periods_are_split_between_the_intervals_they_span() {
    let day = intervals_with(0, GraceMode::None, |_| {});
    assert_eq!(out_by_interval(&day, Measure::Out), [600, 900, 600, 0, 300]);
    assert_eq!(
        out_by_interval(&day, Measure::OutAfterGrace),
        [600, 900, 600, 0, 300]
    );
    assert_eq!(out_by_interval(&day, Measure::In), [300, 0, 300, 900, 600]);
    assert_eq!(day.total.millis(Measure::OutAfterGrace), 40 * MINUTE);
    assert_eq!(day.total.millis(Measure::In), 4 * HOUR - 40 * MINUTE);
}

#[test]
fn forgive_short_adds_held_back_out_time_to_the_intervals_it_happened_in() {
    let day = intervals_with(600, GraceMode::ForgiveShort, |evaluator| {
        // 7 minutes out: still under the grace, nothing counted yet.
        advance(evaluator, at("09:12"));
        let early = evaluator.today("E1", at("09:12")).unwrap();
        assert_eq!(early.total.millis(Measure::OutScheduled), 7 * MINUTE);
        assert_eq!(early.total.millis(Measure::OutAfterGrace), 0);
        assert_eq!(
            interval(&early, "2026-11-23T09:00:00Z").millis(Measure::OutAfterGrace),
            0
        );
        assert_intervals_add_up(&early, 1);
        // 15 minutes out: past the grace, the first 10 count in the interval of 09:00.
        advance(evaluator, at("09:20"));
        let later = evaluator.today("E1", at("09:20")).unwrap();
        assert_eq!(later.total.millis(Measure::OutAfterGrace), 15 * MINUTE);
        assert_eq!(
            interval(&later, "2026-11-23T09:00:00Z").millis(Measure::OutAfterGrace),
            10 * MINUTE
        );
        assert_eq!(
            interval(&later, "2026-11-23T09:15:00Z").millis(Measure::OutAfterGrace),
            5 * MINUTE
        );
        assert_intervals_add_up(&later, 1);
    });
    // The 35-minute period counts whole, the 5-minute one is forgiven.
    assert_eq!(
        out_by_interval(&day, Measure::OutAfterGrace),
        [600, 900, 600, 0, 0]
    );
    assert_eq!(
        out_by_interval(&day, Measure::OutScheduled),
        [600, 900, 600, 0, 300]
    );
    assert_eq!(day.total.millis(Measure::OutAfterGrace), 35 * MINUTE);
}

#[test]
fn deduct_takes_the_grace_off_the_first_intervals_of_each_period() {
    let day = intervals_with(600, GraceMode::Deduct, |_| {});
    assert_eq!(
        out_by_interval(&day, Measure::OutAfterGrace),
        [0, 900, 600, 0, 0]
    );
    assert_eq!(day.total.millis(Measure::OutAfterGrace), 25 * MINUTE);
}

/// E1: Phone 08:00-12:00, out 10:00-10:30; E2: Phone 08:00-10:00, never out; the feed is
/// stale 09:45-10:00 (both unknown); E3 of another team is left out.
#[test]
fn team_figures_sum_the_times_and_never_average_the_percentages() {
    let schedule = vec![
        row("E1", at("08:00"), at("12:00"), "Phone"),
        row("E2", at("08:00"), at("10:00"), "Phone"),
        row("E3", at("08:00"), at("09:00"), "Phone"),
    ];
    let config = config(
        example_rules(),
        &[
            ("E1", "T1", "UTC"),
            ("E2", "T1", "Europe/Paris"),
            ("E3", "T2", "UTC"),
        ],
        schedule,
    );
    let mut evaluator = started_at(&config, 2, at("07:00"));
    send(&mut evaluator, "40101", Doing::Phone, at("07:55"));
    send(&mut evaluator, "40102", Doing::Phone, at("07:58"));
    send(&mut evaluator, "40103", Doing::Away, at("08:00"));
    health(&mut evaluator, FeedHealth::Stale, at("09:45"));
    health(&mut evaluator, FeedHealth::Up, at("10:00"));
    send(&mut evaluator, "40101", Doing::Away, at("10:00"));
    send(&mut evaluator, "40102", Doing::LoggedOut, at("10:00"));
    send(&mut evaluator, "40101", Doing::Phone, at("10:30"));
    send(&mut evaluator, "40101", Doing::LoggedOut, at("12:00"));
    let now = at("20:00");
    advance(&mut evaluator, now);

    let date: Date = DAY.parse().unwrap();
    let e1 = evaluator.figures("E1", date, now).unwrap().total;
    let e2 = evaluator.figures("E2", date, now).unwrap().total;
    let seconds = |f: &Figures| {
        [Measure::Scheduled, Measure::Excused, Measure::OutAfterGrace].map(|m| f.millis(m) / SECOND)
    };
    assert_eq!(seconds(&e1), [14_400, 900, 1_800]);
    assert_eq!(seconds(&e2), [7_200, 900, 0]);
    let (p1, p2) = (
        e1.adherence_percent().unwrap(),
        e2.adherence_percent().unwrap(),
    );
    assert_eq!(p1, 100.0 * (1.0 - 1_800.0 / 13_500.0));
    assert_eq!(p2, 100.0);

    let team = evaluator.team_figures("T1", date, now).unwrap();
    assert_eq!(seconds(&team.total), [21_600, 1_800, 1_800]);
    let percent = team.total.adherence_percent().unwrap();
    assert_eq!(percent, 100.0 * (1.0 - 1_800.0 / (21_600.0 - 1_800.0)));
    assert!((percent - 90.909).abs() < 0.001, "{percent}");
    let average = (p1 + p2) / 2.0;
    assert!((average - 93.333).abs() < 0.001, "{average}");
    for measure in Measure::STATUSES.iter().copied().chain(interval_measures()) {
        assert_eq!(
            team.total.millis(measure),
            e1.millis(measure) + e2.millis(measure),
            "{measure:?}"
        );
    }
    // E1's day (UTC) runs from 07:00, E2's (Paris) too: 13 hours each.
    assert_eq!((team.start, team.end), (at("07:00"), now));
    assert_eq!(team.total.tracked_millis(), 26 * HOUR);
    assert_eq!(
        interval(&team, "2026-11-23T09:45:00Z").millis(Measure::Excused),
        30 * MINUTE
    );
    assert_intervals_add_up(&team, 2);
    assert_eq!(
        evaluator
            .team_figures("T2", date, now)
            .unwrap()
            .total
            .millis(Measure::Scheduled),
        HOUR
    );
    assert_eq!(evaluator.team_figures("T3", date, now), None);
}

// ---------------------------------------------------------------------------------------
// Property: over random schedules, statuses, health, policies and grace, the days partition
// time, each day's statuses add up to its length, the figures are consistent with each
// other and the intervals add up to the day.

const ZONES: [&str; 4] = ["UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata"];
/// Around DST changes (Paris and New York, both directions) and an ordinary day.
const BASES: [&str; 5] = [
    "2026-03-28T12:00:00Z",
    "2026-03-07T18:00:00Z",
    "2026-10-24T12:00:00Z",
    "2026-10-31T18:00:00Z",
    "2026-06-15T00:00:00Z",
];
const ACTIVITIES: [&str; 3] = ["Phone", "Break", "Meeting"];

#[derive(Debug, Clone)]
enum Step {
    /// A status dated `lag` milliseconds before it is received.
    Status(Doing, i64),
    Health(FeedHealth),
    Advance,
    /// Advances and looks at today's figures in the middle of things.
    Look,
}

#[derive(Debug, Clone)]
struct Scenario {
    zone: &'static str,
    /// Evaluator start, in milliseconds.
    start: i64,
    /// `(start, end, activity)` in milliseconds.
    segments: Vec<(i64, i64, &'static str)>,
    steps: Vec<(i64, Step)>,
    /// From the last step to the end.
    tail: i64,
    /// The feed is up from the start (otherwise waiting until a step says otherwise).
    up: bool,
    rules: Rules,
}

fn grace_mode() -> impl Strategy<Value = GraceMode> {
    prop_oneof![
        Just(GraceMode::None),
        Just(GraceMode::ForgiveShort),
        Just(GraceMode::Deduct)
    ]
}

/// The activities of the property (Meeting does not count) and its policies.
fn property_rules(
    grace_mode: GraceMode,
    grace: u32,
    break_grace: Option<(GraceMode, u32)>,
    tolerance: Option<u32>,
    unscheduled_out: bool,
) -> Rules {
    Rules {
        activities: vec![
            Activity::new("Phone").productive().thresholds(Thresholds {
                boundary_tolerance: tolerance,
                ..Thresholds::default()
            }),
            Activity::new("Break").thresholds(Thresholds {
                grace_mode: break_grace.map(|(mode, _)| mode),
                grace: break_grace.map(|(_, grace)| grace),
                ..Thresholds::default()
            }),
            Activity::new("Away"),
            Activity::new("Meeting").not_counted(),
        ],
        defaults: Defaults {
            grace,
            grace_mode,
            ..Defaults::default()
        },
        policies: Policies {
            unscheduled_working: if unscheduled_out {
                UnscheduledWorking::Out
            } else {
                UnscheduledWorking::NotScheduled
            },
        },
    }
}

fn rules() -> impl Strategy<Value = Rules> {
    (
        grace_mode(),
        prop::sample::select(vec![0u32, 30, 120, 600]),
        prop::option::of((grace_mode(), prop::sample::select(vec![0u32, 60, 300]))),
        prop::sample::select(vec![None, Some(0u32), Some(30), Some(300)]),
        any::<bool>(),
    )
        .prop_map(|(mode, grace, break_grace, tolerance, out)| {
            property_rules(mode, grace, break_grace, tolerance, out)
        })
}

fn doing() -> impl Strategy<Value = Doing> {
    prop_oneof![
        3 => Just(Doing::Phone),
        2 => Just(Doing::Break),
        2 => Just(Doing::Away),
        1 => Just(Doing::Unmapped),
        2 => Just(Doing::LoggedOut),
    ]
}

fn step() -> impl Strategy<Value = (i64, Step)> {
    let delay = prop_oneof![0i64..=10_000, 0i64..=3 * HOUR as i64];
    let step = prop_oneof![
        6 => (doing(), prop_oneof![Just(0i64), 0i64..=120_000]).prop_map(|(d, lag)| Step::Status(d, lag)),
        2 => prop_oneof![
            2 => Just(FeedHealth::Up),
            1 => Just(FeedHealth::Stale),
            1 => Just(FeedHealth::Down)
        ]
        .prop_map(Step::Health),
        2 => Just(Step::Advance),
        1 => Just(Step::Look),
    ];
    (delay, step)
}

fn scenario() -> impl Strategy<Value = Scenario> {
    let segment = (
        prop_oneof![Just(0i64), 1i64..=6 * HOUR as i64],
        // Now and then a long segment: shifts across two midnights.
        prop_oneof![
            9 => MINUTE as i64..=5 * HOUR as i64,
            1 => MINUTE as i64..=20 * HOUR as i64,
        ],
        prop::sample::select(ACTIVITIES.to_vec()),
    );
    (
        prop::sample::select(ZONES.to_vec()),
        prop::sample::select(BASES.to_vec()),
        0i64..=24 * HOUR as i64,
        -8 * HOUR as i64..=8 * HOUR as i64,
        prop::collection::vec(segment, 0..12),
        prop::collection::vec(step(), 0..40),
        0i64..=12 * HOUR as i64,
        prop::bool::weighted(0.75),
        rules(),
    )
        .prop_map(
            |(zone, base, offset, first, parts, steps, tail, up, rules)| {
                let start = ts(base).as_millisecond() + offset;
                let mut at = start + first;
                let segments = parts
                    .into_iter()
                    .map(|(gap, length, activity)| {
                        let segment = (at + gap, at + gap + length, activity);
                        at = segment.1;
                        segment
                    })
                    .collect();
                Scenario {
                    zone,
                    start,
                    segments,
                    steps,
                    tail,
                    up,
                    rules,
                }
            },
        )
}

/// Time of `segments` (clipped to `[start, end)`) on activities that `pick`.
fn scheduled_within(
    segments: &[(i64, i64, &str)],
    start: i64,
    end: i64,
    pick: impl Fn(&str) -> bool,
) -> u64 {
    segments
        .iter()
        .filter(|(_, _, activity)| pick(activity))
        .map(|&(s, e, _)| u64::try_from((e.min(end) - s.max(start)).max(0)).unwrap())
        .sum()
}

/// Shifts: maximal runs of touching segments, as `(start, end)`.
fn shifts(segments: &[(i64, i64, &str)]) -> Vec<(i64, i64)> {
    let mut shifts: Vec<(i64, i64)> = Vec::new();
    for &(start, end, _) in segments {
        match shifts.last_mut() {
            Some(last) if last.1 == start => last.1 = end,
            _ => shifts.push((start, end)),
        }
    }
    shifts
}

/// The invariants of one day's figures as of `now`.
fn check_day(day: &DayFigures, segments: &[(i64, i64, &str)]) -> Result<(), TestCaseError> {
    let total = &day.total;
    let (start, end) = (day.start.as_millisecond(), day.end.as_millisecond());
    prop_assert!(start <= end, "{day:#?}");
    let statuses: u64 = Measure::STATUSES.iter().map(|m| total.millis(*m)).sum();
    prop_assert_eq!(statuses, elapsed(day.start, day.end), "{:#?}", day);
    let scheduled = total.millis(Measure::Scheduled);
    prop_assert!(total.millis(Measure::Excused) <= scheduled);
    prop_assert!(total.millis(Measure::OutScheduled) <= scheduled);
    prop_assert!(total.millis(Measure::Excused) + total.millis(Measure::OutScheduled) <= scheduled);
    prop_assert!(total.millis(Measure::OutAfterGrace) <= total.millis(Measure::OutScheduled));
    prop_assert!(total.millis(Measure::OutScheduled) <= total.millis(Measure::Out));
    // Scheduled time does not depend on statuses: it is the schedule clipped to the day.
    prop_assert_eq!(
        scheduled,
        scheduled_within(segments, start, end, |a| a != "Meeting"),
        "{:#?}",
        day
    );
    prop_assert_eq!(
        total.millis(Measure::ProductiveScheduled),
        scheduled_within(segments, start, end, |a| a == "Phone")
    );
    for measure in interval_measures() {
        let sum: u64 = day.intervals.iter().map(|(_, f)| f.millis(measure)).sum();
        prop_assert_eq!(sum, total.millis(measure), "{:?} of {:#?}", measure, day);
    }
    for (at, figures) in &day.intervals {
        let at = at.as_millisecond();
        prop_assert_eq!(at % (15 * MINUTE as i64), 0);
        prop_assert!(at + 15 * MINUTE as i64 > start && at < end.max(start + 1));
        prop_assert_eq!(figures.millis(Measure::NotScheduled), 0);
        prop_assert!(figures.tracked_millis() <= 15 * MINUTE);
        prop_assert!(
            figures.millis(Measure::OutAfterGrace) <= figures.millis(Measure::OutScheduled)
        );
    }
    prop_assert!(day.intervals.windows(2).all(|pair| pair[0].0 < pair[1].0));
    Ok(())
}

/// E1's adherence history from its events: `(since, status)`, in time order.
fn history(events: &[Emitted]) -> Vec<(i64, AdherenceStatus)> {
    events
        .iter()
        .filter_map(|event| match &event.body {
            EventBody::Adherence(a) if &*a.employee == "E1" => {
                Some((event.time.as_millisecond(), a.status))
            }
            _ => None,
        })
        .collect()
}

/// What the published history and the schedule say of `[start, end)`: the five statuses,
/// then N (neutral or unknown within S) and O before grace (out within S).
fn reference(
    history: &[(i64, AdherenceStatus)],
    segments: &[(i64, i64, &str)],
    start: i64,
    end: i64,
) -> [u64; 7] {
    let mut points: Vec<i64> = history
        .iter()
        .map(|(t, _)| *t)
        .chain(segments.iter().flat_map(|&(s, e, _)| [s, e]))
        .filter(|t| start < *t && *t < end)
        .chain([start, end])
        .collect();
    points.sort_unstable();
    points.dedup();
    let mut sums = [0u64; 7];
    for piece in points.windows(2) {
        let (from, to) = (piece[0], piece[1]);
        let Some(&(_, status)) = history.iter().rev().find(|(t, _)| *t <= from) else {
            continue;
        };
        let length = u64::try_from(to - from).unwrap();
        let counted = segments
            .iter()
            .any(|&(s, e, activity)| s <= from && from < e && activity != "Meeting");
        let index = match status {
            AdherenceStatus::In => 0,
            AdherenceStatus::Out => 1,
            AdherenceStatus::Neutral => 2,
            AdherenceStatus::Unknown => 3,
            AdherenceStatus::NotScheduled => 4,
        };
        sums[index] += length;
        if counted && (index == 2 || index == 3) {
            sums[5] += length;
        }
        if counted && index == 1 {
            sums[6] += length;
        }
    }
    sums
}

/// O after grace over `[start, end)` by the spec: each out period of the history counts its
/// out time within S, less its grace (that of the activity scheduled when it began).
fn reference_out_after_grace(
    history: &[(i64, AdherenceStatus)],
    segments: &[(i64, i64, &str)],
    rules: &Rules,
    end: i64,
) -> u64 {
    // A period begins with each change to `out` (as the events say: a status arriving late
    // may leave an instant of `in` between two periods) and lasts while `out` follows `out`.
    let mut periods: Vec<(i64, i64)> = Vec::new();
    let mut previous = None;
    for (at, &(since, status)) in history.iter().enumerate() {
        let until = history.get(at + 1).map_or(end, |(t, _)| *t);
        if status == AdherenceStatus::Out {
            match periods.last_mut() {
                Some(last) if previous == Some(AdherenceStatus::Out) => last.1 = until,
                _ => periods.push((since, until)),
            }
        }
        previous = Some(status);
    }
    periods
        .into_iter()
        .map(|(from, to)| {
            let out = reference(history, segments, from, to)[6];
            let activity = segments
                .iter()
                .find(|&&(s, e, _)| s <= from && from < e)
                .and_then(|(_, _, name)| rules.activities.iter().find(|a| &*a.name == *name));
            let thresholds = activity.map(|a| a.thresholds).unwrap_or_default();
            let mode = thresholds.grace_mode.unwrap_or(rules.defaults.grace_mode);
            let grace = u64::from(thresholds.grace.unwrap_or(rules.defaults.grace)) * SECOND;
            match mode {
                GraceMode::None => out,
                GraceMode::ForgiveShort if out < grace => 0,
                GraceMode::ForgiveShort => out,
                GraceMode::Deduct => out.saturating_sub(grace),
            }
        })
        .sum()
}

/// Every day E1 has figures of, as of `end` (the evaluator advanced to it): the days
/// partition the time since the start at shift-respecting boundaries, and their figures are
/// consistent and those of the published history.
fn check_all(
    evaluator: &Evaluator,
    scenario: &Scenario,
    events: &[Emitted],
    end: i64,
) -> Result<(), TestCaseError> {
    let (start, now) = (from_millis(scenario.start), from_millis(end));
    let history = history(events);
    prop_assert_eq!(history.first().map(|(t, _)| *t), Some(scenario.start));
    prop_assert!(history.windows(2).all(|pair| pair[0].0 <= pair[1].0));

    let zone = TimeZone::get(scenario.zone).unwrap();
    let first = start.to_zoned(zone.clone()).date().yesterday().unwrap();
    let last = now.to_zoned(zone.clone()).date().tomorrow().unwrap();
    let days: Vec<DayFigures> = first
        .series(jiff::Span::new().days(1))
        .take_while(|date| *date <= last)
        .filter_map(|date| evaluator.figures("E1", date, now))
        .collect();
    prop_assert!(!days.is_empty());
    prop_assert_eq!(days[0].start, start);
    prop_assert_eq!(days[days.len() - 1].end, now);
    let tracked: u64 = days.iter().map(|d| d.total.tracked_millis()).sum();
    prop_assert_eq!(tracked, elapsed(start, now));
    let shifts = shifts(&scenario.segments);
    for pair in days.windows(2) {
        let boundary = pair[0].end;
        prop_assert_eq!(boundary, pair[1].start, "{:#?}", pair);
        prop_assert!(pair[0].date < pair[1].date);
        // A boundary is a local midnight or the end of a shift across one, never inside a
        // shift; the day after it is the local date there.
        let b = boundary.as_millisecond();
        prop_assert!(
            !shifts.iter().any(|&(s, e)| s < b && b < e),
            "a day boundary at {} inside a shift {:?}",
            boundary,
            shifts
        );
        let local = boundary.to_zoned(zone.clone());
        let midnight = local.date().to_zoned(zone.clone()).unwrap().timestamp();
        let shift_end = shifts.iter().any(|&(s, e)| {
            e == b && s < midnight.as_millisecond() && midnight.as_millisecond() < e
        });
        prop_assert!(
            boundary == midnight || shift_end,
            "boundary {} is neither a midnight nor a shift end",
            boundary
        );
        prop_assert_eq!(pair[1].date, local.date());
    }
    for day in &days {
        check_day(day, &scenario.segments)?;
        // The figures are those of the published history.
        let expected = reference(
            &history,
            &scenario.segments,
            day.start.as_millisecond(),
            day.end.as_millisecond(),
        );
        let measures = Measure::STATUSES
            .into_iter()
            .chain([Measure::Excused, Measure::OutScheduled]);
        let actual: Vec<u64> = measures.map(|m| day.total.millis(m)).collect();
        prop_assert_eq!(&actual[..], &expected[..], "{:#?}", day);
    }
    let out: u64 = days
        .iter()
        .map(|day| day.total.millis(Measure::OutAfterGrace))
        .sum();
    prop_assert_eq!(
        out,
        reference_out_after_grace(&history, &scenario.segments, &scenario.rules, end)
    );
    Ok(())
}

fn run(scenario: &Scenario) -> Result<(), TestCaseError> {
    let schedules = scenario
        .segments
        .iter()
        .map(|&(start, end, activity)| row("E1", from_millis(start), from_millis(end), activity))
        .collect();
    let config = config(
        scenario.rules.clone(),
        &[("E1", "T1", scenario.zone)],
        schedules,
    );
    let start = from_millis(scenario.start);
    let mut evaluator = Evaluator::new(
        &config,
        Limits {
            figure_days: 16,
            ..Limits::default()
        },
        start,
    )
    .unwrap();
    prop_assert_eq!(evaluator.schedule_errors(), &[]);
    evaluator.add_integration(CMS, "cms").unwrap();
    let mut events: Vec<Emitted> = Vec::new();
    if scenario.up {
        events.extend(evaluator.set_health(CMS, FeedHealth::Up, start));
    }
    events.extend(evaluator.advance(start));
    let mut now = scenario.start;
    for (delay, step) in &scenario.steps {
        now += delay;
        let time = from_millis(now);
        match step {
            Step::Status(doing, lag) => {
                let mut status = observation("40101", *doing, time);
                status.time = from_millis(now - lag);
                events.extend(evaluator.observe(&status, time));
            }
            Step::Health(state) => events.extend(evaluator.set_health(CMS, *state, time)),
            Step::Advance => events.extend(evaluator.advance(time)),
            Step::Look => {
                // Figures reflect the schedule boundaries the evaluator was advanced past.
                events.extend(evaluator.advance(time));
                let today = evaluator.today("E1", time).unwrap();
                prop_assert_eq!(today.end, time);
                check_all(&evaluator, scenario, &events, now)?;
            }
        }
    }
    let end = now + scenario.tail;
    let end_time = from_millis(end);
    events.extend(evaluator.advance(end_time));
    check_all(&evaluator, scenario, &events, end)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn days_partition_time_and_figures_add_up(scenario in scenario()) {
        run(&scenario)?;
    }
}

#[test]
fn the_property_holds_across_a_shift_over_the_fall_back_night() {
    // A fixed scenario of the property: New York, a shift across the night of the change,
    // out periods under forgive_short grace crossing the day boundary.
    let base = ts("2026-10-31T18:00:00Z").as_millisecond();
    let h = HOUR as i64;
    let scenario = Scenario {
        zone: "America/New_York",
        start: base,
        segments: vec![
            (base + 2 * h, base + 6 * h, "Phone"),
            (base + 6 * h, base + 7 * h, "Break"),
            (base + 7 * h, base + 14 * h, "Phone"),
            (base + 20 * h, base + 21 * h, "Meeting"),
        ],
        steps: vec![
            (h, Step::Status(Doing::Phone, 0)),
            (4 * h, Step::Status(Doing::Away, 0)),
            (h, Step::Look),
            (3 * h, Step::Status(Doing::Unmapped, 30_000)),
            (h, Step::Health(FeedHealth::Stale)),
            (h / 2, Step::Health(FeedHealth::Up)),
            (h, Step::Status(Doing::Phone, 0)),
            (2 * h, Step::Advance),
            (h, Step::Status(Doing::LoggedOut, 0)),
        ],
        tail: 20 * h,
        up: true,
        rules: property_rules(GraceMode::ForgiveShort, 600, None, Some(30), true),
    };
    run(&scenario).unwrap();
}

/// E1 in UTC on AVAIL (Phone) from 06:00 and AUX (Away) from 07:00, `figure_days` 3.
fn replaced_from_six(schedules: Vec<ScheduleRow>) -> Evaluator {
    let mut config = worked_example(example_rules());
    config.schedules = schedules;
    let limits = Limits {
        figure_days: 3,
        ..Limits::default()
    };
    let mut evaluator = started_with(&config, limits, "06:00");
    for (phase, code, time) in [
        (Phase::Available, "AVAIL", "06:00"),
        (Phase::Away, "AUX", "07:00"),
    ] {
        let _ = evaluator
            .observe(&status(CMS, "40101", phase, code, None, time), at(time))
            .count();
    }
    evaluator
}

#[test]
fn a_replacement_never_sends_figures_back_to_a_closed_day() {
    let mut evaluator = replaced_from_six(Vec::new());
    // At 08:00 a shift across the last midnight: 08:00 would belong to the day before...
    let across = segment("E1", "2026-11-22T20:00:00Z", "20:00", "Phone");
    let _ = evaluator
        .replace_schedule("E1", &[across], at("08:00"))
        .unwrap()
        .count();
    // ... and from 09:00 no shift at all.
    let _ = evaluator
        .replace_schedule("E1", &[], at("09:00"))
        .unwrap()
        .count();
    let _ = evaluator.advance(at("10:00")).count();
    let today = evaluator.today("E1", at("10:00")).unwrap();
    assert_eq!(today.date.to_string(), DAY);
    assert_eq!((today.start, today.end), (at("06:00"), at("10:00")));
    assert_eq!(today.total.tracked_millis(), 4 * HOUR);
    assert_eq!(today.total.millis(Measure::Scheduled), HOUR, "08:00-09:00");
    let yesterday: Date = "2026-11-22".parse().unwrap();
    assert_eq!(evaluator.figures("E1", yesterday, at("10:00")), None);
}

#[test]
fn a_replacement_leaves_the_time_already_past_in_its_day() {
    let night = segment("E1", "2026-11-22T21:00:00Z", "22:00", "Phone");
    let mut evaluator = replaced_from_six(vec![night]);
    let _ = evaluator.advance(at("12:00")).count();
    let yesterday: Date = "2026-11-22".parse().unwrap();
    let before = evaluator.figures("E1", yesterday, at("12:00")).unwrap();
    assert_eq!((before.start, before.end), (at("06:00"), at("12:00")));
    let _ = evaluator
        .replace_schedule("E1", &[], at("12:00"))
        .unwrap()
        .count();
    assert_eq!(
        evaluator.figures("E1", yesterday, at("12:00")),
        Some(before)
    );
    let _ = evaluator.advance(at("13:00")).count();
    let today = evaluator.today("E1", at("13:00")).unwrap();
    assert_eq!(today.date.to_string(), DAY);
    assert_eq!((today.start, today.end), (at("12:00"), at("13:00")));
}
