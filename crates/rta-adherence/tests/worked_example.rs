//! The worked example of `specs/adherence.md`, row by row, then its figures with each grace
//! mode and the conformance figure.

mod support;

use rta_adherence::{Defaults, Evaluator, GraceMode, Measure, Rules};
use rta_model::Phase;
use support::*;

/// Plays the example's table and returns the adherence and alarm lines of each row.
fn play(evaluator: &mut Evaluator) -> Vec<Vec<String>> {
    let rows: Vec<Vec<String>> = vec![
        lines(evaluator.observe(
            &status(CMS, "40101", Phase::Other, "OTHER", None, "07:58"),
            at("07:58"),
        )),
        adherence_lines(evaluator.advance(at("08:00"))),
        // On a call since 09:30: still Phone, nothing changes for adherence.
        adherence_lines(evaluator.observe(
            &status(CMS, "40101", Phase::Talking, "ACDIN", None, "09:30"),
            at("09:30"),
        )),
        adherence_lines(evaluator.advance(at("10:00"))),
        adherence_lines(evaluator.advance(at("10:01"))),
        adherence_lines(evaluator.observe(
            &status(CMS, "40101", Phase::Away, "AUX", Some(2), "10:03"),
            at("10:03"),
        )),
        adherence_lines(evaluator.advance(at("10:15"))),
        adherence_lines(evaluator.advance(at("10:16"))),
        adherence_lines(evaluator.observe(
            &status(CMS, "40101", Phase::Available, "AVAIL", None, "10:19:30"),
            at("10:19:30"),
        )),
        adherence_lines(evaluator.advance(at("12:00"))),
        adherence_lines(evaluator.observe(
            &status(CMS, "40101", Phase::LoggedOut, "LOGGEDOUT", None, "12:01"),
            at("12:01"),
        )),
    ];
    rows
}

#[test]
fn the_table_of_the_worked_example() {
    let mut evaluator = started(&worked_example(example_rules()), "07:00");
    assert_eq!(
        status_of(&evaluator, "E1"),
        rta_model::AdherenceStatus::NotScheduled
    );
    let rows = play(&mut evaluator);
    let expected: Vec<Vec<&str>> = vec![
        vec![
            "07:58:00 status 40101 OTHER -> Phone",
            "07:58:00 E1 adherence not_scheduled since 07:00:00 (-/Phone)",
        ],
        vec!["08:00:00 E1 adherence in since 08:00:00 (Phone/Phone)"],
        vec![],
        vec!["10:00:00 E1 adherence out since 10:00:00 (Break/Phone)"],
        vec!["10:01:00 E1 alarm raised out since 10:00:00"],
        vec![
            "10:03:00 E1 alarm cleared out since 10:00:00",
            "10:03:00 E1 adherence in since 10:03:00 (Break/Break)",
        ],
        vec!["10:15:00 E1 adherence out since 10:15:00 (Phone/Break)"],
        vec!["10:16:00 E1 alarm raised out since 10:15:00"],
        vec![
            "10:19:30 E1 alarm cleared out since 10:15:00",
            "10:19:30 E1 adherence in since 10:19:30 (Phone/Phone)",
        ],
        vec!["12:00:00 E1 adherence not_scheduled since 12:00:00 (-/Phone)"],
        vec!["12:01:00 E1 adherence not_scheduled since 12:00:00 (-/Offline)"],
    ];
    assert_eq!(rows, expected);
}

fn figures_with(grace: u32, grace_mode: GraceMode) -> rta_adherence::Figures {
    let rules = Rules {
        defaults: Defaults {
            grace,
            grace_mode,
            ..Defaults::default()
        },
        ..example_rules()
    };
    let mut evaluator = started(&worked_example(rules), "07:00");
    play(&mut evaluator);
    let _ = evaluator.advance(at("18:00")).count();
    let day = evaluator.today("E1", at("18:00")).unwrap();
    assert_eq!(day.date.to_string(), DAY);
    day.total
}

#[test]
fn adherence_is_96_875_percent_without_grace() {
    let figures = figures_with(0, GraceMode::None);
    assert_eq!(figures.seconds(Measure::Scheduled), 14_400.0);
    assert_eq!(figures.seconds(Measure::OutScheduled), 450.0);
    assert_eq!(figures.seconds(Measure::OutAfterGrace), 450.0);
    assert_eq!(figures.seconds(Measure::Excused), 0.0);
    assert_eq!(figures.adherence_percent(), Some(96.875));
}

#[test]
fn forgive_short_forgives_the_three_minute_period() {
    let figures = figures_with(200, GraceMode::ForgiveShort);
    assert_eq!(figures.seconds(Measure::OutAfterGrace), 270.0);
    assert_eq!(figures.adherence_percent(), Some(98.125));
    assert_eq!(figures.raw_adherence_percent(), Some(96.875));
}

#[test]
fn deduct_takes_the_grace_off_every_period() {
    let figures = figures_with(200, GraceMode::Deduct);
    assert_eq!(figures.seconds(Measure::OutAfterGrace), 70.0);
    let percent = figures.adherence_percent().unwrap();
    assert!((percent - 99.514).abs() < 0.001, "{percent}");
}

#[test]
fn conformance_is_100_667_percent() {
    let figures = figures_with(0, GraceMode::None);
    assert_eq!(figures.seconds(Measure::ProductiveScheduled), 13_500.0);
    assert_eq!(figures.seconds(Measure::ProductiveActual), 13_590.0);
    let percent = figures.conformance_percent().unwrap();
    assert!((percent - 100.667).abs() < 0.001, "{percent}");
    // 07:00-18:00 tracked: every second in exactly one status.
    assert_eq!(figures.seconds(Measure::In), 14_400.0 - 450.0);
    assert_eq!(figures.seconds(Measure::Out), 450.0);
    assert_eq!(figures.tracked_millis(), 11 * 3_600_000);
}
