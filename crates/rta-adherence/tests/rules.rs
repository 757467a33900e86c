//! The decision list of `specs/adherence.md` ("Adherence status of an employee at instant t"),
//! one rule per test, then the alarms and the event time of statuses. Every test plays E1 of
//! the worked example (Avaya LOGID 40101 of "cms") against its own schedule and asserts the
//! exact events, written one per line by `support::lines`.

mod support;

use rta_adherence::{
    Activity, Config, Defaults, Evaluator, Limits, Mappings, Measure, Policies, Rules, Thresholds,
    UnscheduledWorking,
};
use rta_model::{AdherenceStatus, AlarmLevel, FeedHealth, Observation, Phase};
use support::*;

const NONE: [&str; 0] = [];

/// The worked example's mappings and E1, with `schedule` as `(start, end, activity)`.
fn day(rules: Rules, schedule: &[(&str, &str, &str)]) -> Config {
    Config {
        schedules: schedule
            .iter()
            .map(|&(start, end, activity)| segment("E1", start, end, activity))
            .collect(),
        ..worked_example(rules)
    }
}

/// The worked example's schedule: Phone 08:00-10:00, Break 10:00-10:15, Phone 10:15-12:00.
const EXAMPLE: &[(&str, &str, &str)] = &[
    ("08:00", "10:00", "Phone"),
    ("10:00", "10:15", "Break"),
    ("10:15", "12:00", "Phone"),
];

/// Phone 08:00-12:00.
const PHONE_ONLY: &[(&str, &str, &str)] = &[("08:00", "12:00", "Phone")];

/// The example's rules with `activity` given `thresholds`.
fn with_thresholds(activity: &str, thresholds: Thresholds) -> Rules {
    let mut rules = example_rules();
    for a in &mut rules.activities {
        if &*a.name == activity {
            a.thresholds = thresholds;
        }
    }
    rules
}

fn with_defaults(defaults: Defaults) -> Rules {
    Rules {
        defaults,
        ..example_rules()
    }
}

/// An evaluator whose "cms" feed is named but never reported up (`waiting`).
fn never_up(config: &Config, start: &str) -> Evaluator {
    let mut evaluator = Evaluator::new(config, Limits::default(), at(start)).unwrap();
    evaluator.add_integration(CMS, "cms").unwrap();
    evaluator
}

fn phone(time: &str) -> Observation<'static> {
    status(CMS, "40101", Phase::Available, "AVAIL", None, time)
}

fn on_break(time: &str) -> Observation<'static> {
    status(CMS, "40101", Phase::Away, "AUX", Some(2), time)
}

fn away(time: &str) -> Observation<'static> {
    status(CMS, "40101", Phase::Away, "AUX", Some(5), time)
}

fn logged_out(time: &str) -> Observation<'static> {
    status(CMS, "40101", Phase::LoggedOut, "LOGGEDOUT", None, time)
}

/// A code nobody mapped, with an optional reason.
fn dnd(reason: Option<u32>, time: &str) -> Observation<'static> {
    status(CMS, "40101", Phase::Other, "DND", reason, time)
}

/// Observes a status received when it happened: the adherence and alarm lines.
fn see(evaluator: &mut Evaluator, observation: Observation<'static>) -> Vec<String> {
    let now = observation.time;
    adherence_lines(evaluator.observe(&observation, now))
}

/// Observes a status received when it happened: every line.
fn see_all(evaluator: &mut Evaluator, observation: Observation<'static>) -> Vec<String> {
    let now = observation.time;
    lines(evaluator.observe(&observation, now))
}

fn advance(evaluator: &mut Evaluator, time: &str) -> Vec<String> {
    adherence_lines(evaluator.advance(at(time)))
}

fn health(evaluator: &mut Evaluator, health: FeedHealth, time: &str) -> Vec<String> {
    adherence_lines(evaluator.set_health(CMS, health, at(time)))
}

/// E1 logged in on Phone at 07:58 and `in` from 08:00 (the schedule must start at 08:00 with
/// an activity Phone counts as).
fn on_phone_from_eight(config: &Config) -> Evaluator {
    let mut evaluator = started(config, "07:00");
    assert_eq!(
        see(&mut evaluator, phone("07:58")),
        ["07:58:00 E1 adherence not_scheduled since 07:00:00 (-/Phone)"]
    );
    assert_eq!(
        advance(&mut evaluator, "08:00"),
        ["08:00:00 E1 adherence in since 08:00:00 (Phone/Phone)"]
    );
    evaluator
}

// ---- Rule 1: a source that is not healthy ----

#[test]
fn rule_1_a_source_never_up_stale_or_down_makes_unknown_even_with_nothing_scheduled() {
    let mut evaluator = never_up(&day(example_rules(), PHONE_ONLY), "07:00");
    assert_eq!(
        advance(&mut evaluator, "07:00"),
        ["07:00:00 E1 adherence unknown since 07:00:00 (-/-)"],
        "waiting (never up), nothing scheduled: unknown"
    );
    assert_eq!(
        see_all(&mut evaluator, phone("07:30")),
        ["07:30:00 status 40101 AVAIL -> Phone"],
        "a status of a feed never up is tracked, adherence stays unknown"
    );
    assert_eq!(
        advance(&mut evaluator, "08:00"),
        ["08:00:00 E1 adherence unknown since 07:00:00 (Phone/-)"],
        "waiting, Phone scheduled: still unknown"
    );
    assert_eq!(status_of(&evaluator, "E1"), AdherenceStatus::Unknown);
    assert_eq!(evaluator.adherence("E1").unwrap().actual_activity, None);

    assert_eq!(
        health(&mut evaluator, FeedHealth::Up, "08:30"),
        ["08:30:00 E1 adherence in since 08:30:00 (Phone/Phone)"]
    );
    assert_eq!(
        health(&mut evaluator, FeedHealth::Stale, "09:00"),
        ["09:00:00 E1 adherence unknown since 09:00:00 (Phone/-)"]
    );
    assert_eq!(
        health(&mut evaluator, FeedHealth::Up, "09:10"),
        ["09:10:00 E1 adherence in since 09:10:00 (Phone/Phone)"]
    );
    assert_eq!(
        health(&mut evaluator, FeedHealth::Down, "09:20"),
        ["09:20:00 E1 adherence unknown since 09:20:00 (Phone/-)"]
    );
    assert_eq!(
        see(&mut evaluator, away("09:30")),
        NONE,
        "down: a status changes nothing (no out, no alarm)"
    );
    assert_eq!(
        advance(&mut evaluator, "12:00"),
        ["12:00:00 E1 adherence unknown since 09:20:00 (-/-)"],
        "down, nothing scheduled: still unknown"
    );
    assert_eq!(
        health(&mut evaluator, FeedHealth::Up, "12:30"),
        ["12:30:00 E1 adherence not_scheduled since 12:30:00 (-/Away)"],
        "up again: the status received while down counts"
    );
    assert_eq!(
        health(&mut evaluator, FeedHealth::Stale, "13:00"),
        ["13:00:00 E1 adherence unknown since 13:00:00 (-/-)"],
        "stale, nothing scheduled: unknown"
    );
}

#[test]
fn rule_1_a_feed_going_stale_while_out_clears_the_alarm() {
    let mut evaluator = on_phone_from_eight(&day(example_rules(), PHONE_ONLY));
    assert_eq!(
        see(&mut evaluator, away("09:00")),
        ["09:00:00 E1 adherence out since 09:00:00 (Phone/Away)"]
    );
    assert_eq!(
        advance(&mut evaluator, "09:01"),
        ["09:01:00 E1 alarm raised out since 09:00:00"]
    );
    assert_eq!(
        health(&mut evaluator, FeedHealth::Stale, "09:02"),
        [
            "09:02:00 E1 alarm cleared out since 09:00:00",
            "09:02:00 E1 adherence unknown since 09:02:00 (Phone/-)",
        ]
    );
    assert_eq!(alarm_of(&evaluator, "E1"), None);
    assert_eq!(
        advance(&mut evaluator, "09:10"),
        NONE,
        "no severe while unknown"
    );
}

#[test]
fn no_status_ever_received_from_a_healthy_source_is_offline() {
    let mut evaluator = started(&day(example_rules(), PHONE_ONLY), "07:00");
    let now = evaluator.adherence("E1").unwrap();
    assert_eq!(now.status, AdherenceStatus::NotScheduled);
    assert_eq!(now.actual_activity.as_deref(), Some("Offline"));
    assert_eq!(
        advance(&mut evaluator, "08:00"),
        ["08:00:00 E1 adherence out since 08:00:00 (Phone/Offline)"]
    );
    assert_eq!(
        advance(&mut evaluator, "08:01"),
        ["08:01:00 E1 alarm raised out since 08:00:00"]
    );
}

// ---- Rule 2: an unmapped status ----

#[test]
fn rule_2_an_unmapped_status_is_unknown_and_reported_once_per_code_and_reason() {
    let mut evaluator = started(&day(example_rules(), PHONE_ONLY), "07:00");
    assert_eq!(
        see_all(&mut evaluator, dnd(None, "07:30")),
        [
            "07:30:00 status 40101 DND -> -",
            "07:30:00 unmapped status DND",
            "07:30:00 E1 adherence unknown since 07:30:00 (-/-)",
        ],
        "unmapped before rule 3: unknown with nothing scheduled too"
    );
    assert_eq!(
        advance(&mut evaluator, "08:00"),
        ["08:00:00 E1 adherence unknown since 07:30:00 (Phone/-)"]
    );
    assert_eq!(
        see_all(&mut evaluator, dnd(Some(3), "08:10")),
        [
            "08:10:00 status 40101 DND -> -",
            "08:10:00 unmapped status DND/3"
        ],
        "another reason is another unmapped value; adherence unchanged"
    );
    assert_eq!(
        see_all(&mut evaluator, phone("08:20")),
        [
            "08:20:00 status 40101 AVAIL -> Phone",
            "08:20:00 E1 adherence in since 08:20:00 (Phone/Phone)",
        ]
    );
    assert_eq!(
        see_all(&mut evaluator, dnd(None, "08:30")),
        [
            "08:30:00 status 40101 DND -> -",
            "08:30:00 E1 adherence unknown since 08:30:00 (Phone/-)",
        ],
        "DND again: unknown, not reported twice"
    );
    assert_eq!(
        see_all(&mut evaluator, dnd(Some(3), "08:40")),
        ["08:40:00 status 40101 DND -> -"]
    );
    assert_eq!(
        see_all(&mut evaluator, dnd(Some(4), "08:50")),
        [
            "08:50:00 status 40101 DND -> -",
            "08:50:00 unmapped status DND/4"
        ]
    );
    // Mapped later: the current status is evaluated again at once, nothing is re-sent.
    let mut mappings: Mappings = worked_example(example_rules()).mappings;
    mappings.activities.push(mapping("cms", "DND", "", "Break"));
    assert_eq!(
        adherence_lines(evaluator.reload_mappings(&mappings, at("09:00"))),
        ["09:00:00 E1 adherence out since 09:00:00 (Phone/Break)"]
    );
}

// ---- Rule 3: nothing scheduled ----

#[test]
fn rule_3_nothing_scheduled_is_not_scheduled_under_the_default_policy() {
    let mut evaluator = started(&day(example_rules(), PHONE_ONLY), "07:00");
    assert_eq!(status_of(&evaluator, "E1"), AdherenceStatus::NotScheduled);
    assert_eq!(
        see(&mut evaluator, phone("07:30")),
        ["07:30:00 E1 adherence not_scheduled since 07:00:00 (-/Phone)"],
        "working with nothing scheduled: not_scheduled by default"
    );
    assert_eq!(advance(&mut evaluator, "07:59:59.999"), NONE, "no alarm");
    assert_eq!(
        advance(&mut evaluator, "08:00"),
        ["08:00:00 E1 adherence in since 08:00:00 (Phone/Phone)"]
    );
    assert_eq!(
        advance(&mut evaluator, "12:00"),
        ["12:00:00 E1 adherence not_scheduled since 12:00:00 (-/Phone)"]
    );
    assert_eq!(
        see(&mut evaluator, logged_out("12:30")),
        ["12:30:00 E1 adherence not_scheduled since 12:00:00 (-/Offline)"],
        "offline with nothing scheduled: not_scheduled"
    );
}

#[test]
fn rule_3_working_with_nothing_scheduled_is_out_under_the_out_policy() {
    let rules = Rules {
        policies: Policies {
            unscheduled_working: UnscheduledWorking::Out,
        },
        ..example_rules()
    };
    let mut evaluator = started(&day(rules, PHONE_ONLY), "07:00");
    assert_eq!(
        status_of(&evaluator, "E1"),
        AdherenceStatus::NotScheduled,
        "offline stays not_scheduled under the out policy"
    );
    assert_eq!(
        see(&mut evaluator, phone("07:30")),
        ["07:30:00 E1 adherence out since 07:30:00 (-/Phone)"]
    );
    assert_eq!(advance(&mut evaluator, "07:30:59.999"), NONE);
    assert_eq!(
        advance(&mut evaluator, "07:31"),
        ["07:31:00 E1 alarm raised out since 07:30:00"],
        "the default alarm_after (60 s) applies with nothing scheduled"
    );
    assert_eq!(
        advance(&mut evaluator, "07:35"),
        ["07:35:00 E1 alarm severe out since 07:30:00"]
    );
    assert_eq!(
        advance(&mut evaluator, "08:00"),
        [
            "08:00:00 E1 alarm cleared out since 07:30:00",
            "08:00:00 E1 adherence in since 08:00:00 (Phone/Phone)",
        ]
    );
    assert_eq!(
        advance(&mut evaluator, "12:00"),
        ["12:00:00 E1 adherence out since 12:00:00 (-/Phone)"]
    );
    assert_eq!(
        see(&mut evaluator, logged_out("12:00:30")),
        ["12:00:30 E1 adherence not_scheduled since 12:00:30 (-/Offline)"],
        "logged out: not_scheduled, and no clear for an alarm never raised"
    );
}

// ---- Rule 4: a scheduled activity that does not count ----

#[test]
fn rule_4_a_scheduled_activity_that_does_not_count_is_neutral() {
    let mut rules = example_rules();
    rules.activities.push(Activity::new("Lunch").not_counted());
    let config = day(
        rules,
        &[
            ("08:00", "10:00", "Phone"),
            ("10:00", "10:30", "Lunch"),
            ("10:30", "12:00", "Phone"),
        ],
    );
    let mut evaluator = on_phone_from_eight(&config);
    assert_eq!(
        advance(&mut evaluator, "10:00"),
        ["10:00:00 E1 adherence neutral since 10:00:00 (Lunch/Phone)"]
    );
    assert_eq!(
        see(&mut evaluator, logged_out("10:05")),
        ["10:05:00 E1 adherence neutral since 10:00:00 (Lunch/Offline)"]
    );
    assert_eq!(
        see(&mut evaluator, away("10:10")),
        ["10:10:00 E1 adherence neutral since 10:00:00 (Lunch/Away)"]
    );
    assert_eq!(
        see(&mut evaluator, dnd(None, "10:15")),
        ["10:15:00 E1 adherence unknown since 10:15:00 (Lunch/-)"],
        "rule 2 comes before rule 4"
    );
    assert_eq!(
        see(&mut evaluator, away("10:20")),
        ["10:20:00 E1 adherence neutral since 10:20:00 (Lunch/Away)"]
    );
    assert_eq!(advance(&mut evaluator, "10:29:59.999"), NONE, "no alarm");
    assert_eq!(
        advance(&mut evaluator, "10:30"),
        ["10:30:00 E1 adherence out since 10:30:00 (Phone/Away)"]
    );
}

// ---- Rule 5: doing the scheduled activity ----

#[test]
fn rule_5_in_when_doing_the_scheduled_activity_one_it_accepts_or_one_of_its_category() {
    let rules = Rules {
        activities: vec![
            Activity::new("Phone").productive().category("Contact"),
            Activity::new("Chat").category("Contact"),
            Activity::new("Email").accepts("Phone"),
            Activity::new("Break"),
            Activity::new("Away"),
        ],
        ..Rules::default()
    };
    let mut config = day(
        rules,
        &[
            ("08:00", "09:00", "Phone"),
            ("09:00", "10:00", "Email"),
            ("10:00", "11:00", "Chat"),
        ],
    );
    config.mappings.activities.extend([
        mapping("cms", "EMAIL", "", "Email"),
        mapping("cms", "CHAT", "", "Chat"),
    ]);
    let email = |time| status(CMS, "40101", Phase::Other, "EMAIL", None, time);
    let chat = |time| status(CMS, "40101", Phase::Other, "CHAT", None, time);
    let mut evaluator = on_phone_from_eight(&config);
    // Phone scheduled (category Contact, accepts nothing).
    assert_eq!(
        see(&mut evaluator, email("08:10")),
        ["08:10:00 E1 adherence out since 08:10:00 (Phone/Email)"],
        "Email accepts Phone, not the other way round"
    );
    assert_eq!(
        see(&mut evaluator, chat("08:10:30")),
        ["08:10:30 E1 adherence in since 08:10:30 (Phone/Chat)"],
        "Chat has Phone's category"
    );
    // Email scheduled (no category, accepts Phone).
    assert_eq!(
        advance(&mut evaluator, "09:00"),
        ["09:00:00 E1 adherence out since 09:00:00 (Email/Chat)"]
    );
    assert_eq!(
        see(&mut evaluator, phone("09:00:30")),
        ["09:00:30 E1 adherence in since 09:00:30 (Email/Phone)"],
        "Email accepts Phone"
    );
    assert_eq!(
        see(&mut evaluator, away("09:01")),
        ["09:01:00 E1 adherence out since 09:01:00 (Email/Away)"],
        "two activities without a category are not of the same category"
    );
    assert_eq!(
        see(&mut evaluator, email("09:01:30")),
        ["09:01:30 E1 adherence in since 09:01:30 (Email/Email)"]
    );
    // Chat scheduled (category Contact, accepts nothing).
    assert_eq!(
        advance(&mut evaluator, "10:00"),
        ["10:00:00 E1 adherence out since 10:00:00 (Chat/Email)"]
    );
    assert_eq!(
        see(&mut evaluator, phone("10:00:30")),
        ["10:00:30 E1 adherence in since 10:00:30 (Chat/Phone)"],
        "same category, both ways"
    );
    assert_eq!(
        see(&mut evaluator, chat("10:05")),
        ["10:05:00 E1 adherence in since 10:00:30 (Chat/Chat)"]
    );
    assert_eq!(
        see(&mut evaluator, away("10:10")),
        ["10:10:00 E1 adherence out since 10:10:00 (Chat/Away)"]
    );
    assert_eq!(
        see(&mut evaluator, on_break("10:10:30")),
        ["10:10:30 E1 adherence out since 10:10:00 (Chat/Break)"],
        "still out: the out period goes on"
    );
}

// ---- Rule 6: boundary tolerance ----

fn tolerance(seconds: u32) -> Thresholds {
    Thresholds {
        boundary_tolerance: Some(seconds),
        ..Thresholds::default()
    }
}

#[test]
fn rule_6_tolerance_keeps_the_earlier_activity_in_after_a_boundary() {
    // 120 s on Phone: both boundaries of the break (10:00 and 10:15) have Phone next to them.
    let config = day(with_thresholds("Phone", tolerance(120)), EXAMPLE);
    let mut evaluator = on_phone_from_eight(&config);
    assert_eq!(advance(&mut evaluator, "09:59:59.999"), NONE);
    assert_eq!(
        advance(&mut evaluator, "10:00"),
        ["10:00:00 E1 adherence in since 08:00:00 (Break/Phone)"]
    );
    assert_eq!(
        advance(&mut evaluator, "10:01:59.999"),
        NONE,
        "Phone is in until 10:02:00"
    );
    assert_eq!(
        advance(&mut evaluator, "10:02"),
        ["10:02:00 E1 adherence out since 10:02:00 (Break/Phone)"]
    );
    assert_eq!(
        advance(&mut evaluator, "10:03"),
        ["10:03:00 E1 alarm raised out since 10:02:00"]
    );
    assert_eq!(
        see(&mut evaluator, on_break("10:05")),
        [
            "10:05:00 E1 alarm cleared out since 10:02:00",
            "10:05:00 E1 adherence in since 10:05:00 (Break/Break)",
        ]
    );
    assert_eq!(
        advance(&mut evaluator, "10:15"),
        ["10:15:00 E1 adherence in since 10:05:00 (Phone/Break)"]
    );
    assert_eq!(
        advance(&mut evaluator, "10:16:59.999"),
        NONE,
        "Break is in until 10:17:00"
    );
    assert_eq!(
        advance(&mut evaluator, "10:17"),
        ["10:17:00 E1 adherence out since 10:17:00 (Phone/Break)"]
    );
}

#[test]
fn rule_6_tolerance_lets_the_next_activity_in_before_a_boundary() {
    let config = day(with_thresholds("Phone", tolerance(120)), EXAMPLE);
    let mut evaluator = on_phone_from_eight(&config);
    assert_eq!(
        see(&mut evaluator, on_break("09:57:59")),
        ["09:57:59 E1 adherence out since 09:57:59 (Phone/Break)"],
        "more than 120 s before the boundary: out"
    );
    assert_eq!(
        advance(&mut evaluator, "09:58"),
        ["09:58:00 E1 adherence in since 09:58:00 (Phone/Break)"],
        "Break is in from 09:58:00"
    );
    assert_eq!(
        advance(&mut evaluator, "10:00"),
        ["10:00:00 E1 adherence in since 09:58:00 (Break/Break)"]
    );
    assert_eq!(
        see(&mut evaluator, phone("10:12:59")),
        ["10:12:59 E1 adherence out since 10:12:59 (Break/Phone)"]
    );
    assert_eq!(
        advance(&mut evaluator, "10:13"),
        ["10:13:00 E1 adherence in since 10:13:00 (Break/Phone)"],
        "Phone is in from 10:13:00"
    );
    assert_eq!(
        advance(&mut evaluator, "10:15"),
        ["10:15:00 E1 adherence in since 10:13:00 (Phone/Phone)"]
    );
}

#[test]
fn rule_6_tolerance_from_the_defaults_and_none_next_to_a_gap() {
    let rules = with_defaults(Defaults {
        boundary_tolerance: 120,
        ..Defaults::default()
    });
    // A gap 10:15-10:30 between the break and the second Phone segment.
    let config = day(
        rules,
        &[
            ("08:00", "10:00", "Phone"),
            ("10:00", "10:15", "Break"),
            ("10:30", "12:00", "Phone"),
        ],
    );
    let mut evaluator = on_phone_from_eight(&config);
    assert_eq!(
        see(&mut evaluator, on_break("09:58")),
        ["09:58:00 E1 adherence in since 08:00:00 (Phone/Break)"],
        "the default tolerance applies between touching segments"
    );
    assert_eq!(
        advance(&mut evaluator, "10:00"),
        ["10:00:00 E1 adherence in since 08:00:00 (Break/Break)"]
    );
    assert_eq!(
        see(&mut evaluator, phone("10:13")),
        ["10:13:00 E1 adherence out since 10:13:00 (Break/Phone)"],
        "before a gap: no tolerance for the Phone after it"
    );
    assert_eq!(
        see(&mut evaluator, on_break("10:13:30")),
        ["10:13:30 E1 adherence in since 10:13:30 (Break/Break)"]
    );
    assert_eq!(
        advance(&mut evaluator, "10:15"),
        ["10:15:00 E1 adherence not_scheduled since 10:15:00 (-/Break)"],
        "the gap starts at 10:15:00 sharp"
    );
    assert_eq!(
        advance(&mut evaluator, "10:30"),
        ["10:30:00 E1 adherence out since 10:30:00 (Phone/Break)"],
        "after a gap: no tolerance for the Break before it"
    );
    assert_eq!(
        advance(&mut evaluator, "10:32"),
        ["10:31:00 E1 alarm raised out since 10:30:00"]
    );
}

// ---- Alarms ----

#[test]
fn alarm_raised_after_60_s_severe_after_300_s_cleared_when_in_again() {
    let mut evaluator = on_phone_from_eight(&day(example_rules(), PHONE_ONLY));
    assert_eq!(
        see(&mut evaluator, away("09:00")),
        ["09:00:00 E1 adherence out since 09:00:00 (Phone/Away)"]
    );
    assert_eq!(alarm_of(&evaluator, "E1"), None);
    assert_eq!(advance(&mut evaluator, "09:00:59.999"), NONE);
    assert_eq!(
        advance(&mut evaluator, "09:01"),
        ["09:01:00 E1 alarm raised out since 09:00:00"]
    );
    assert_eq!(alarm_of(&evaluator, "E1"), Some(AlarmLevel::Raised));
    assert_eq!(advance(&mut evaluator, "09:04:59.999"), NONE);
    assert_eq!(
        advance(&mut evaluator, "09:05"),
        ["09:05:00 E1 alarm severe out since 09:00:00"]
    );
    assert_eq!(alarm_of(&evaluator, "E1"), Some(AlarmLevel::Severe));
    assert_eq!(advance(&mut evaluator, "09:30"), NONE, "severe is the last");
    assert_eq!(
        see(&mut evaluator, phone("09:30")),
        [
            "09:30:00 E1 alarm cleared out since 09:00:00",
            "09:30:00 E1 adherence in since 09:30:00 (Phone/Phone)",
        ]
    );
    assert_eq!(alarm_of(&evaluator, "E1"), None);
}

#[test]
fn alarms_take_effect_at_their_deadlines_when_time_jumps() {
    let mut evaluator = on_phone_from_eight(&day(example_rules(), PHONE_ONLY));
    let _ = see(&mut evaluator, away("09:00"));
    assert_eq!(
        see(&mut evaluator, phone("09:30")),
        [
            "09:01:00 E1 alarm raised out since 09:00:00",
            "09:05:00 E1 alarm severe out since 09:00:00",
            "09:30:00 E1 alarm cleared out since 09:00:00",
            "09:30:00 E1 adherence in since 09:30:00 (Phone/Phone)",
        ]
    );
}

#[test]
fn no_clear_when_the_alarm_was_never_raised() {
    let mut evaluator = on_phone_from_eight(&day(example_rules(), PHONE_ONLY));
    assert_eq!(
        see(&mut evaluator, away("09:00")),
        ["09:00:00 E1 adherence out since 09:00:00 (Phone/Away)"]
    );
    assert_eq!(
        see(&mut evaluator, phone("09:00:59.999")),
        ["09:00:59 E1 adherence in since 09:00:59 (Phone/Phone)"],
        "back 1 ms before the deadline: no alarm at all"
    );
    assert_eq!(advance(&mut evaluator, "10:00"), NONE);
}

#[test]
fn leaving_out_for_not_scheduled_clears_the_alarm() {
    let mut evaluator = on_phone_from_eight(&day(example_rules(), PHONE_ONLY));
    let _ = see(&mut evaluator, away("11:58"));
    assert_eq!(
        advance(&mut evaluator, "12:00"),
        [
            "11:59:00 E1 alarm raised out since 11:58:00",
            "12:00:00 E1 alarm cleared out since 11:58:00",
            "12:00:00 E1 adherence not_scheduled since 12:00:00 (-/Away)",
        ]
    );
}

#[test]
fn per_activity_alarm_thresholds_override_the_defaults() {
    let rules = with_thresholds(
        "Break",
        Thresholds {
            alarm_after: Some(120),
            severe_after: Some(600),
            ..Thresholds::default()
        },
    );
    let mut evaluator = on_phone_from_eight(&day(rules, EXAMPLE));
    assert_eq!(
        advance(&mut evaluator, "10:00"),
        ["10:00:00 E1 adherence out since 10:00:00 (Break/Phone)"]
    );
    assert_eq!(advance(&mut evaluator, "10:01:59.999"), NONE, "not at 60 s");
    assert_eq!(
        advance(&mut evaluator, "10:02"),
        ["10:02:00 E1 alarm raised out since 10:00:00"]
    );
    assert_eq!(
        advance(&mut evaluator, "10:09:59.999"),
        NONE,
        "not at 300 s"
    );
    assert_eq!(
        advance(&mut evaluator, "10:10"),
        ["10:10:00 E1 alarm severe out since 10:00:00"]
    );
    assert_eq!(
        advance(&mut evaluator, "10:15"),
        [
            "10:15:00 E1 alarm cleared out since 10:00:00",
            "10:15:00 E1 adherence in since 10:15:00 (Phone/Phone)",
        ]
    );
}

#[test]
fn an_out_period_keeps_its_start_and_thresholds_across_a_schedule_boundary() {
    let rules = with_thresholds(
        "Break",
        Thresholds {
            alarm_after: Some(120),
            severe_after: Some(600),
            ..Thresholds::default()
        },
    );
    let mut evaluator = on_phone_from_eight(&day(rules, EXAMPLE));
    // Out during Phone (60 s / 300 s), going on into Break (120 s / 600 s).
    assert_eq!(
        see(&mut evaluator, away("09:59:30")),
        ["09:59:30 E1 adherence out since 09:59:30 (Phone/Away)"]
    );
    assert_eq!(
        advance(&mut evaluator, "10:00"),
        ["10:00:00 E1 adherence out since 09:59:30 (Break/Away)"],
        "the out period goes on: same since"
    );
    assert_eq!(
        advance(&mut evaluator, "10:00:30"),
        ["10:00:30 E1 alarm raised out since 09:59:30"],
        "Phone's 60 s, not Break's 120 s"
    );
    assert_eq!(
        advance(&mut evaluator, "10:04:30"),
        ["10:04:30 E1 alarm severe out since 09:59:30"],
        "Phone's 300 s, not Break's 600 s"
    );
    assert_eq!(
        see(&mut evaluator, on_break("10:05")),
        [
            "10:05:00 E1 alarm cleared out since 09:59:30",
            "10:05:00 E1 adherence in since 10:05:00 (Break/Break)",
        ]
    );
    // Out during Break, going on into Phone: Break's thresholds.
    assert_eq!(
        see(&mut evaluator, away("10:14:30")),
        ["10:14:30 E1 adherence out since 10:14:30 (Break/Away)"]
    );
    assert_eq!(
        advance(&mut evaluator, "10:15"),
        ["10:15:00 E1 adherence out since 10:14:30 (Phone/Away)"]
    );
    assert_eq!(
        advance(&mut evaluator, "10:16:29.999"),
        NONE,
        "not Phone's 60 s"
    );
    assert_eq!(
        advance(&mut evaluator, "10:16:30"),
        ["10:16:30 E1 alarm raised out since 10:14:30"]
    );
}

#[test]
fn defaults_set_the_alarm_thresholds_of_activities_that_do_not_override_them() {
    let mut rules = with_defaults(Defaults {
        alarm_after: 30,
        severe_after: 90,
        ..Defaults::default()
    });
    rules.activities[1].thresholds = Thresholds {
        alarm_after: Some(120),
        severe_after: Some(600),
        ..Thresholds::default()
    };
    assert_eq!(&*rules.activities[1].name, "Break");
    let mut evaluator = on_phone_from_eight(&day(rules, EXAMPLE));
    let _ = see(&mut evaluator, away("09:00"));
    assert_eq!(advance(&mut evaluator, "09:00:29.999"), NONE);
    assert_eq!(
        advance(&mut evaluator, "09:00:30"),
        ["09:00:30 E1 alarm raised out since 09:00:00"]
    );
    assert_eq!(advance(&mut evaluator, "09:01:29.999"), NONE);
    assert_eq!(
        advance(&mut evaluator, "09:01:30"),
        ["09:01:30 E1 alarm severe out since 09:00:00"]
    );
    let _ = see(&mut evaluator, phone("09:02"));
    assert_eq!(
        advance(&mut evaluator, "10:01:59.999"),
        ["10:00:00 E1 adherence out since 10:00:00 (Break/Phone)"],
        "Break keeps its own 120 s"
    );
    assert_eq!(
        advance(&mut evaluator, "10:02"),
        ["10:02:00 E1 alarm raised out since 10:00:00"]
    );
}

/// Phone 08:00-12:00; on Phone from 07:58, Away 10:00-10:07, logged out at 12:00.
fn day_with_seven_minutes_out(rules: Rules) -> (Vec<String>, rta_adherence::DayFigures) {
    let mut evaluator = on_phone_from_eight(&day(rules, PHONE_ONLY));
    let mut played = see(&mut evaluator, away("10:00"));
    played.extend(see(&mut evaluator, phone("10:07")));
    played.extend(see(&mut evaluator, logged_out("12:00")));
    played.extend(advance(&mut evaluator, "18:00"));
    (played, evaluator.today("E1", at("18:00")).unwrap())
}

#[test]
fn alarms_do_not_change_percentages() {
    let (played, figures) = day_with_seven_minutes_out(example_rules());
    assert_eq!(
        played,
        [
            "10:00:00 E1 adherence out since 10:00:00 (Phone/Away)",
            "10:01:00 E1 alarm raised out since 10:00:00",
            "10:05:00 E1 alarm severe out since 10:00:00",
            "10:07:00 E1 alarm cleared out since 10:00:00",
            "10:07:00 E1 adherence in since 10:07:00 (Phone/Phone)",
            // The boundary due at 12:00 and the status dated 12:00 judged together.
            "12:00:00 E1 adherence not_scheduled since 12:00:00 (-/Offline)",
        ]
    );
    // By hand: S = 4 h = 14400 s, N = 0, O = 420 s; Phone actual 07:58-10:00 and 10:07-12:00.
    let total = figures.total;
    assert_eq!(total.seconds(Measure::Scheduled), 14_400.0);
    assert_eq!(total.seconds(Measure::Excused), 0.0);
    assert_eq!(total.seconds(Measure::Out), 420.0);
    assert_eq!(total.seconds(Measure::OutScheduled), 420.0);
    assert_eq!(total.seconds(Measure::OutAfterGrace), 420.0);
    assert_eq!(total.seconds(Measure::In), 14_400.0 - 420.0);
    assert_eq!(total.seconds(Measure::ProductiveScheduled), 14_400.0);
    assert_eq!(total.seconds(Measure::ProductiveActual), 7_320.0 + 6_780.0);
    let adherence = total.adherence_percent().unwrap();
    assert!((adherence - 100.0 * (1.0 - 420.0 / 14_400.0)).abs() < 1e-9);
    let conformance = total.conformance_percent().unwrap();
    assert!((conformance - 100.0 * 14_100.0 / 14_400.0).abs() < 1e-9);
    let (_, interval) = figures
        .intervals
        .iter()
        .find(|(start, _)| *start == at("10:00"))
        .unwrap();
    assert_eq!(interval.seconds(Measure::OutAfterGrace), 420.0);
    assert_eq!(interval.seconds(Measure::Scheduled), 900.0);

    // The same day with alarms that never fire gives the very same figures.
    let never = Thresholds {
        alarm_after: Some(86_400),
        severe_after: Some(86_400),
        ..Thresholds::default()
    };
    let (quiet, same) = day_with_seven_minutes_out(with_thresholds("Phone", never));
    assert!(
        !quiet.iter().any(|line| line.contains(" alarm ")),
        "{quiet:?}"
    );
    assert_eq!(same, figures);
}

// ---- Status event time and now ----

#[test]
fn a_status_dated_before_now_takes_effect_at_its_event_time() {
    let mut evaluator = on_phone_from_eight(&day(example_rules(), PHONE_ONLY));
    let late = Observation {
        received: at("09:02"),
        ..away("09:00")
    };
    assert_eq!(
        lines(evaluator.observe(&late, at("09:02"))),
        [
            "09:00:00 status 40101 AUX -> Away",
            "09:00:00 E1 adherence out since 09:00:00 (Phone/Away)",
            "09:01:00 E1 alarm raised out since 09:00:00",
        ]
    );
    assert_eq!(evaluator.adherence("E1").unwrap().since, at("09:00"));
    let figures = evaluator.today("E1", at("09:30")).unwrap().total;
    assert_eq!(
        figures.seconds(Measure::Out),
        120.0,
        "out from 09:00, up to the clock"
    );
    let _ = evaluator.advance(at("09:30")).count();
    let figures = evaluator.today("E1", at("09:30")).unwrap().total;
    assert_eq!(figures.seconds(Measure::Out), 1_800.0, "out from 09:00");
}

#[test]
fn a_status_dated_after_now_takes_effect_at_now() {
    let mut evaluator = on_phone_from_eight(&day(example_rules(), PHONE_ONLY));
    assert_eq!(
        lines(evaluator.observe(&away("09:10"), at("09:05"))),
        [
            "09:05:00 status 40101 AUX -> Away",
            "09:05:00 E1 adherence out since 09:05:00 (Phone/Away)",
        ]
    );
    assert_eq!(evaluator.adherence("E1").unwrap().since, at("09:05"));
    assert_eq!(
        advance(&mut evaluator, "09:06"),
        ["09:06:00 E1 alarm raised out since 09:05:00"]
    );
}

#[test]
fn a_status_dated_before_the_last_transition_takes_effect_at_that_transition() {
    // The crate's decision (published history is never rewritten).
    let mut evaluator = on_phone_from_eight(&day(example_rules(), EXAMPLE));
    assert_eq!(
        advance(&mut evaluator, "10:00:30"),
        ["10:00:00 E1 adherence out since 10:00:00 (Break/Phone)"]
    );
    let late = Observation {
        received: at("10:00:40"),
        ..on_break("09:59")
    };
    assert_eq!(
        lines(evaluator.observe(&late, at("10:00:40"))),
        [
            "09:59:00 status 40101 AUX -> Break",
            "10:00:00 E1 adherence in since 10:00:00 (Break/Break)",
        ]
    );
    let figures = evaluator.today("E1", at("10:15")).unwrap().total;
    assert_eq!(figures.seconds(Measure::Out), 0.0);
}

#[test]
fn a_severe_after_shorter_than_alarm_after_makes_the_alarm_severe_when_raised() {
    // Break overrides only alarm_after (600 s); severe_after is the default 300 s. Severe at
    // 10:05 would come before the alarm it aggravates: it comes with it, at 10:10.
    let rules = with_thresholds(
        "Break",
        Thresholds {
            alarm_after: Some(600),
            ..Thresholds::default()
        },
    );
    let mut evaluator = on_phone_from_eight(&day(rules, EXAMPLE));
    assert_eq!(
        advance(&mut evaluator, "10:09:59.999"),
        ["10:00:00 E1 adherence out since 10:00:00 (Break/Phone)"]
    );
    assert_eq!(
        advance(&mut evaluator, "10:15"),
        [
            "10:10:00 E1 alarm raised out since 10:00:00",
            "10:10:00 E1 alarm severe out since 10:00:00",
            "10:15:00 E1 alarm cleared out since 10:00:00",
            "10:15:00 E1 adherence in since 10:15:00 (Phone/Phone)",
        ]
    );
}
