//! The evaluator at run time: sources going stale and coming back, mappings and schedules
//! changed while it runs, employees with ids in several integrations, statuses out of order,
//! late or repeated, hostile feeds against the limits, and the cost of the passing of time.

mod support;

use proptest::prelude::*;
use rta_adherence::{
    AgentKeys, Config, DayFigures, Emitted, Employee, Evaluator, Limits, MappingError, Mappings,
    Measure, ScheduleError, Stats,
};
use rta_model::{
    AdherenceStatus, AgentKey, AlarmLevel, EventBody, FeedHealth, IntegrationId, Name, Phase,
    Timestamp,
};
use support::*;

/// E1 as in the worked example, logged in (AVAIL at 07:58) and `in` since 08:00.
fn working() -> Evaluator {
    let mut evaluator = started(&worked_example(example_rules()), "07:00");
    let _ = evaluator
        .observe(
            &status(CMS, "40101", Phase::Available, "AVAIL", None, "07:58"),
            at("07:58"),
        )
        .count();
    assert_eq!(
        adherence_lines(evaluator.advance(at("08:00"))),
        ["08:00:00 E1 adherence in since 08:00:00 (Phone/Phone)"]
    );
    evaluator
}

/// The worked example plus E2 (Phone 08:00-12:00) whose Avaya id 40102 is not mapped yet.
fn with_unmapped_e2() -> Config {
    let mut config = worked_example(example_rules());
    config.employees.push(Employee {
        id: "E2".into(),
        team: Some("T1".into()),
        time_zone: None,
    });
    config
        .schedules
        .push(segment("E2", "08:00", "12:00", "Phone"));
    config
}

/// Today's figures as of `now`: the clock is moved there first (figures never run ahead of
/// it).
fn today(evaluator: &mut Evaluator, employee: &str, now: Timestamp) -> DayFigures {
    let _ = evaluator.advance(now).count();
    evaluator.today(employee, now).unwrap()
}

fn seconds(evaluator: &mut Evaluator, employee: &str, now: &str, measure: Measure) -> f64 {
    today(evaluator, employee, at(now)).total.seconds(measure)
}

fn close(actual: Option<f64>, expected: f64) {
    let actual = actual.expect("a defined percentage");
    assert!((actual - expected).abs() < 1e-9, "{actual} != {expected}");
}

/// The `agent_status` events' `(external id, employee)`.
fn status_employees(events: &[Emitted]) -> Vec<(String, Option<Name>)> {
    events
        .iter()
        .filter_map(|event| match &event.body {
            EventBody::AgentStatus(s) => Some((s.external_id.to_string(), s.employee.clone())),
            _ => None,
        })
        .collect()
}

// 1. Source health.

#[test]
fn a_stale_source_makes_the_employee_unknown_clears_its_alarm_and_is_excused_until_up_again() {
    let mut evaluator = working();
    assert_eq!(
        adherence_lines(evaluator.observe(
            &status(CMS, "40101", Phase::Away, "AUX", Some(1), "08:30"),
            at("08:30"),
        )),
        ["08:30:00 E1 adherence out since 08:30:00 (Phone/Away)"]
    );
    assert_eq!(
        lines(evaluator.advance(at("08:40"))),
        [
            "08:31:00 E1 alarm raised out since 08:30:00",
            "08:35:00 E1 alarm severe out since 08:30:00",
        ]
    );
    assert_eq!(
        lines(evaluator.set_health(CMS, FeedHealth::Stale, at("09:00"))),
        [
            "09:00:00 E1 alarm cleared out since 08:30:00",
            "09:00:00 E1 adherence unknown since 09:00:00 (Phone/-)",
        ]
    );
    assert_eq!(status_of(&evaluator, "E1"), AdherenceStatus::Unknown);
    assert_eq!(alarm_of(&evaluator, "E1"), None);
    // Unknown raises no alarm, however long it lasts.
    assert!(lines(evaluator.advance(at("09:29"))).is_empty());
    // The same health again is no change.
    assert!(lines(evaluator.set_health(CMS, FeedHealth::Stale, at("09:29:30"))).is_empty());
    // Back up: judged again from the last status, at that instant; a new out period.
    assert_eq!(
        lines(evaluator.set_health(CMS, FeedHealth::Up, at("09:30"))),
        ["09:30:00 E1 adherence out since 09:30:00 (Phone/Away)"]
    );
    assert_eq!(
        lines(evaluator.advance(at("09:31"))),
        ["09:31:00 E1 alarm raised out since 09:30:00"]
    );
    assert_eq!(
        adherence_lines(evaluator.observe(
            &status(CMS, "40101", Phase::Available, "AVAIL", None, "09:40"),
            at("09:40"),
        )),
        [
            "09:35:00 E1 alarm severe out since 09:30:00",
            "09:40:00 E1 alarm cleared out since 09:30:00",
            "09:40:00 E1 adherence in since 09:40:00 (Phone/Phone)",
        ]
    );
    // 07:00-08:00 not scheduled; of S = 08:00-10:00: in 08:00-08:30 and 09:40-10:00, out
    // 08:30-09:00 and 09:30-09:40, unknown (excused) 09:00-09:30.
    let figures = today(&mut evaluator, "E1", at("10:00")).total;
    assert_eq!(figures.seconds(Measure::NotScheduled), 3_600.0);
    assert_eq!(figures.seconds(Measure::Scheduled), 7_200.0);
    assert_eq!(figures.seconds(Measure::In), 3_000.0);
    assert_eq!(figures.seconds(Measure::Out), 2_400.0);
    assert_eq!(figures.seconds(Measure::OutAfterGrace), 2_400.0);
    assert_eq!(figures.seconds(Measure::Unknown), 1_800.0);
    assert_eq!(figures.seconds(Measure::Excused), 1_800.0);
    close(
        figures.adherence_percent(),
        100.0 * (1.0 - 2_400.0 / 5_400.0),
    );
    // The interval of the stale half hour is all excused.
    let day = today(&mut evaluator, "E1", at("10:00"));
    let (_, nine) = day
        .intervals
        .iter()
        .find(|(start, _)| *start == at("09:00"))
        .unwrap();
    assert_eq!(nine.seconds(Measure::Excused), 900.0);
    assert_eq!(nine.adherence_percent(), None);
}

#[test]
fn a_down_source_is_unknown_and_statuses_received_meanwhile_count_when_it_is_up() {
    let mut evaluator = working();
    assert_eq!(
        lines(evaluator.set_health(CMS, FeedHealth::Down, at("09:00"))),
        ["09:00:00 E1 adherence unknown since 09:00:00 (Phone/-)"]
    );
    // A status received while down is kept, not judged.
    assert_eq!(
        lines(evaluator.observe(
            &status(CMS, "40101", Phase::Away, "AUX", Some(2), "09:10"),
            at("09:10"),
        )),
        ["09:10:00 status 40101 AUX -> Break"]
    );
    assert_eq!(status_of(&evaluator, "E1"), AdherenceStatus::Unknown);
    assert_eq!(
        lines(evaluator.set_health(CMS, FeedHealth::Up, at("09:20"))),
        ["09:20:00 E1 adherence out since 09:20:00 (Phone/Break)"]
    );
    assert_eq!(
        seconds(&mut evaluator, "E1", "09:30", Measure::Unknown),
        1_200.0
    );
    assert_eq!(
        seconds(&mut evaluator, "E1", "09:30", Measure::Excused),
        1_200.0
    );
    assert_eq!(seconds(&mut evaluator, "E1", "09:30", Measure::Out), 600.0);
    assert_eq!(seconds(&mut evaluator, "E1", "09:30", Measure::In), 3_600.0);
    close(
        today(&mut evaluator, "E1", at("09:30"))
            .total
            .adherence_percent(),
        100.0 * (1.0 - 600.0 / 4_200.0),
    );
}

#[test]
fn an_integration_never_up_leaves_its_employees_unknown() {
    let config = worked_example(example_rules());
    let mut evaluator = Evaluator::new(&config, Limits::default(), at("07:00")).unwrap();
    evaluator.add_integration(CMS, "cms").unwrap();
    assert_eq!(
        lines(evaluator.advance(at("07:00"))),
        ["07:00:00 E1 adherence unknown since 07:00:00 (-/-)"]
    );
    // Waiting: the status is tracked, the employee still unknown.
    assert_eq!(
        lines(evaluator.observe(
            &status(CMS, "40101", Phase::Available, "AVAIL", None, "07:58"),
            at("07:58"),
        )),
        ["07:58:00 status 40101 AVAIL -> Phone"]
    );
    assert_eq!(
        lines(evaluator.advance(at("08:00"))),
        ["08:00:00 E1 adherence unknown since 07:00:00 (Phone/-)"]
    );
    assert_eq!(
        lines(evaluator.set_health(CMS, FeedHealth::Up, at("08:05"))),
        ["08:05:00 E1 adherence in since 08:05:00 (Phone/Phone)"]
    );
    let figures = today(&mut evaluator, "E1", at("08:05")).total;
    assert_eq!(figures.seconds(Measure::Unknown), 3_900.0);
    assert_eq!(figures.seconds(Measure::Excused), 300.0);
    assert_eq!(figures.seconds(Measure::Scheduled), 300.0);
    assert_eq!(figures.adherence_percent(), None, "S - N = 0");
}

// 2. Mappings reloaded.

#[test]
fn an_unmapped_agent_is_tracked_reported_once_and_judged_when_mapped_later() {
    let config = with_unmapped_e2();
    let mut evaluator = started(&config, "07:00");
    let _ = evaluator
        .observe(
            &status(CMS, "40101", Phase::Available, "AVAIL", None, "07:58"),
            at("07:58"),
        )
        .count();
    assert_eq!(
        adherence_lines(evaluator.advance(at("08:00"))),
        [
            "08:00:00 E1 adherence in since 08:00:00 (Phone/Phone)",
            "08:00:00 E2 adherence unknown since 07:00:00 (Phone/-)",
        ]
    );
    let events: Vec<Emitted> = evaluator
        .observe(
            &status(CMS, "40102", Phase::Available, "AVAIL", None, "08:05"),
            at("08:05"),
        )
        .collect();
    assert_eq!(
        status_employees(&events),
        [("40102".to_owned(), None::<Name>)]
    );
    assert_eq!(
        lines(events),
        [
            "08:05:00 status 40102 AVAIL -> Phone",
            "08:05:00 unmapped agent 40102",
        ]
    );
    // Reported once per distinct id, however many statuses follow.
    assert_eq!(
        lines(evaluator.observe(
            &status(CMS, "40102", Phase::Away, "AUX", Some(2), "08:10"),
            at("08:10"),
        )),
        ["08:10:00 status 40102 AUX -> Break"]
    );
    assert_eq!(
        lines(evaluator.observe(
            &status(CMS, "40102", Phase::Available, "AVAIL", None, "08:20"),
            at("08:20"),
        )),
        ["08:20:00 status 40102 AVAIL -> Phone"]
    );
    // Another unmapped id is reported on its own.
    assert_eq!(
        lines(evaluator.observe(
            &status(CMS, "40103", Phase::Available, "AVAIL", None, "08:21"),
            at("08:21"),
        )),
        [
            "08:21:00 status 40103 AVAIL -> Phone",
            "08:21:00 unmapped agent 40103",
        ]
    );
    assert_eq!(status_of(&evaluator, "E2"), AdherenceStatus::Unknown);
    // The mapping arrives: E2 is judged at once from the status already held.
    let mut mappings = config.mappings.clone();
    mappings.users.push(user("cms", "40102", "E2"));
    assert_eq!(
        lines(evaluator.reload_mappings(&mappings, at("08:30"))),
        ["08:30:00 E2 adherence in since 08:30:00 (Phone/Phone)"]
    );
    assert!(evaluator.mapping_errors().is_empty());
    let events: Vec<Emitted> = evaluator
        .observe(
            &status(CMS, "40102", Phase::Away, "AUX", Some(2), "08:40"),
            at("08:40"),
        )
        .collect();
    assert_eq!(
        status_employees(&events),
        [("40102".to_owned(), Some(Name::from("E2")))]
    );
    assert_eq!(
        lines(events),
        [
            "08:40:00 status 40102 AUX -> Break",
            "08:40:00 E2 adherence out since 08:40:00 (Phone/Break)",
        ]
    );
    // Of E2's S from 08:00: unknown (excused) until the mapping, in, then out.
    assert_eq!(
        seconds(&mut evaluator, "E2", "08:45", Measure::Excused),
        1_800.0
    );
    assert_eq!(seconds(&mut evaluator, "E2", "08:45", Measure::In), 600.0);
    assert_eq!(seconds(&mut evaluator, "E2", "08:45", Measure::Out), 300.0);
}

#[test]
fn an_unmapped_status_code_is_unknown_reported_once_and_judged_when_mapped_later() {
    let mut evaluator = working();
    assert_eq!(
        lines(evaluator.observe(
            &status(CMS, "40101", Phase::Talking, "DACD", None, "08:10"),
            at("08:10"),
        )),
        [
            "08:10:00 status 40101 DACD -> -",
            "08:10:00 unmapped status DACD",
            "08:10:00 E1 adherence unknown since 08:10:00 (Phone/-)",
        ]
    );
    assert_eq!(alarm_of(&evaluator, "E1"), None);
    assert_eq!(
        lines(evaluator.observe(
            &status(CMS, "40101", Phase::Available, "AVAIL", None, "08:15"),
            at("08:15"),
        )),
        [
            "08:15:00 status 40101 AVAIL -> Phone",
            "08:15:00 E1 adherence in since 08:15:00 (Phone/Phone)",
        ]
    );
    // The same code again: not reported again.
    assert_eq!(
        lines(evaluator.observe(
            &status(CMS, "40101", Phase::Talking, "DACD", None, "08:20"),
            at("08:20"),
        )),
        [
            "08:20:00 status 40101 DACD -> -",
            "08:20:00 E1 adherence unknown since 08:20:00 (Phone/-)",
        ]
    );
    let mut mappings = worked_example(example_rules()).mappings;
    mappings
        .activities
        .push(mapping("cms", "DACD", "", "Phone"));
    assert_eq!(
        lines(evaluator.reload_mappings(&mappings, at("08:30"))),
        ["08:30:00 E1 adherence in since 08:30:00 (Phone/Phone)"]
    );
    // The unknown time was excused, nothing was out.
    assert_eq!(
        seconds(&mut evaluator, "E1", "08:30", Measure::Excused),
        900.0
    );
    assert_eq!(seconds(&mut evaluator, "E1", "08:30", Measure::Out), 0.0);
    close(
        today(&mut evaluator, "E1", at("08:30"))
            .total
            .adherence_percent(),
        100.0,
    );
    // Removing the mapping again makes it unknown again, at the reload.
    let mappings = worked_example(example_rules()).mappings;
    assert_eq!(
        lines(evaluator.reload_mappings(&mappings, at("08:40"))),
        ["08:40:00 E1 adherence unknown since 08:40:00 (Phone/-)"]
    );
}

#[test]
fn a_reload_with_a_bad_row_applies_the_good_rows_and_lists_the_bad_one() {
    let config = with_unmapped_e2();
    let mut evaluator = started(&config, "07:00");
    let _ = evaluator
        .observe(
            &status(CMS, "40101", Phase::Talking, "DACD", None, "07:58"),
            at("07:58"),
        )
        .count();
    let _ = evaluator
        .observe(
            &status(CMS, "40102", Phase::Away, "AUX", Some(7), "07:59"),
            at("07:59"),
        )
        .count();
    assert_eq!(
        adherence_lines(evaluator.advance(at("08:00"))),
        [
            "08:00:00 E1 adherence unknown since 07:58:00 (Phone/-)",
            "08:00:00 E2 adherence unknown since 07:00:00 (Phone/-)",
        ]
    );
    let mut mappings = config.mappings.clone();
    mappings.users.push(user("cms", "40102", "E2"));
    let bad_row = mappings.activities.len();
    mappings
        .activities
        .push(mapping("cms", "AUX", "7", "Lunch"));
    mappings
        .activities
        .push(mapping("cms", "DACD", "", "Phone"));
    assert_eq!(
        lines(evaluator.reload_mappings(&mappings, at("08:30"))),
        [
            "08:30:00 E1 adherence in since 08:30:00 (Phone/Phone)",
            // AUX 7 still goes by the AUX-any row: the Lunch row was not applied.
            "08:30:00 E2 adherence out since 08:30:00 (Phone/Away)",
        ]
    );
    assert_eq!(
        evaluator.mapping_errors(),
        [MappingError::UnknownActivity {
            row: bad_row,
            activity: "Lunch".into()
        }]
    );
    // A later good reload forgets the errors.
    mappings.activities.remove(bad_row);
    assert!(lines(evaluator.reload_mappings(&mappings, at("08:30:30"))).is_empty());
    assert!(evaluator.mapping_errors().is_empty());
    assert_eq!(
        lines(evaluator.advance(at("08:31"))),
        ["08:31:00 E2 alarm raised out since 08:30:00"]
    );
    assert_eq!(alarm_of(&evaluator, "E2"), Some(AlarmLevel::Raised));
}

/// Keys given from outside, as the engine's state table gives them: the agent seen `k`-th
/// has key `3 + 7 k` (sparse, so that the evaluator's agents have vacant places between).
#[derive(Debug, Default)]
struct SparseKeys(Vec<(IntegrationId, Vec<u8>)>);

impl SparseKeys {
    fn key_of(k: usize) -> AgentKey {
        AgentKey(3 + 7 * k as u32)
    }
}

impl AgentKeys for SparseKeys {
    fn key(&mut self, integration: IntegrationId, external_id: &[u8]) -> Option<AgentKey> {
        if let Some(key) = self.find(integration, external_id) {
            return Some(key);
        }
        self.0.push((integration, external_id.to_vec()));
        Some(SparseKeys::key_of(self.0.len() - 1))
    }

    fn find(&self, integration: IntegrationId, external_id: &[u8]) -> Option<AgentKey> {
        let known = |(i, id): &(IntegrationId, Vec<u8>)| *i == integration && id == external_id;
        self.0.iter().position(known).map(SparseKeys::key_of)
    }
}

#[test]
fn agents_keyed_from_outside_behave_as_agents_keyed_by_the_evaluator() {
    let config = with_unmapped_e2();
    let run = |evaluator: Evaluator, by_key: bool| {
        let mut evaluator = evaluator;
        let mut lines_out = Vec::new();
        evaluator.add_integration(CMS, "cms").unwrap();
        lines_out.extend(lines(evaluator.set_health(
            CMS,
            FeedHealth::Up,
            at("07:00"),
        )));
        lines_out.extend(lines(evaluator.advance(at("07:00"))));
        let e1 = |phase, code, reason, time| status(CMS, "40101", phase, code, reason, time);
        let steps = [
            (e1(Phase::Available, "AVAIL", None, "07:58"), true),
            (
                status(CMS, "40102", Phase::Available, "AVAIL", None, "07:59"),
                false,
            ),
            (e1(Phase::Away, "AUX", Some(2), "10:03"), true),
            (
                status(CMS, "40102", Phase::Away, "AUX", None, "10:04"),
                false,
            ),
        ];
        for (observation, is_e1) in steps {
            let now = observation.time;
            // The mapped agent was made (key 3) when "cms" was named; 40102 gets its key
            // (10) when first seen by id.
            let events = if by_key && is_e1 {
                evaluator.observe_key(SparseKeys::key_of(0), &observation, now)
            } else {
                evaluator.observe(&observation, now)
            };
            lines_out.extend(lines(events));
            lines_out.extend(lines(evaluator.advance(now)));
        }
        lines_out.extend(lines(evaluator.advance(at("12:00"))));
        let employee = |id: &str| {
            let mapping = evaluator.agent_mapping(CMS, id.as_bytes());
            mapping.map(|mapping| mapping.employee.map(|e| e.to_string()))
        };
        let mappings = [employee("40101"), employee("40102"), employee("40103")];
        (lines_out, mappings)
    };
    let own = Evaluator::new(&config, Limits::default(), at("07:00")).unwrap();
    let outside = Evaluator::new(&config, Limits::default(), at("07:00"))
        .unwrap()
        .with_keys(SparseKeys::default());
    let (expected, mappings) = run(own, false);
    assert!(expected.len() > 8, "{expected:?}");
    assert_eq!(mappings, [Some(Some("E1".into())), Some(None), None]);
    assert_eq!(run(outside, true), (expected, mappings));
}

#[test]
#[should_panic(expected = "keys are chosen before the first agent")]
fn keys_cannot_change_once_agents_exist() {
    let _ = started(&worked_example(example_rules()), "07:00").with_keys(SparseKeys::default());
}

// 3. Schedules replaced intraday.

#[test]
fn a_schedule_replaced_intraday_takes_effect_at_once_and_its_boundaries_replace_the_old() {
    let mut evaluator = working();
    // 09:00: a break is put in now, and the shift ends at 11:00 instead of 12:00.
    let replacement = [
        segment("E1", "08:00", "09:00", "Phone"),
        segment("E1", "09:00", "09:20", "Break"),
        segment("E1", "09:20", "11:00", "Phone"),
    ];
    assert_eq!(
        lines(
            evaluator
                .replace_schedule("E1", &replacement, at("09:00"))
                .unwrap()
        ),
        ["09:00:00 E1 adherence out since 09:00:00 (Break/Phone)"]
    );
    assert_eq!(
        lines(evaluator.advance(at("09:20"))),
        [
            "09:01:00 E1 alarm raised out since 09:00:00",
            "09:05:00 E1 alarm severe out since 09:00:00",
            "09:20:00 E1 alarm cleared out since 09:00:00",
            "09:20:00 E1 adherence in since 09:20:00 (Phone/Phone)",
        ]
    );
    // The old boundaries (10:00, 10:15, 12:00) do nothing.
    assert!(lines(evaluator.advance(at("10:00"))).is_empty());
    assert!(lines(evaluator.advance(at("10:15"))).is_empty());
    // A replacement that does not change the judgement emits nothing, but moves the end.
    let longer = [
        segment("E1", "08:00", "09:00", "Phone"),
        segment("E1", "09:00", "09:20", "Break"),
        segment("E1", "09:20", "11:30", "Phone"),
    ];
    assert!(
        lines(
            evaluator
                .replace_schedule("E1", &longer, at("10:30"))
                .unwrap()
        )
        .is_empty()
    );
    assert!(lines(evaluator.advance(at("11:00"))).is_empty());
    assert_eq!(
        lines(evaluator.advance(at("11:30"))),
        ["11:30:00 E1 adherence not_scheduled since 11:30:00 (-/Phone)"]
    );
    assert!(lines(evaluator.advance(at("12:00"))).is_empty());
    let figures = today(&mut evaluator, "E1", at("12:00")).total;
    assert_eq!(figures.seconds(Measure::Scheduled), 12_600.0);
    assert_eq!(figures.seconds(Measure::OutScheduled), 1_200.0);
    close(
        figures.adherence_percent(),
        100.0 * (1.0 - 1_200.0 / 12_600.0),
    );
}

#[test]
fn an_overlapping_replacement_is_rejected_and_the_old_schedule_stays() {
    let mut evaluator = working();
    let overlapping = [
        segment("E1", "08:00", "10:00", "Phone"),
        segment("E1", "09:30", "10:30", "Break"),
    ];
    let error = evaluator
        .replace_schedule("E1", &overlapping, at("09:00"))
        .err();
    assert_eq!(
        error,
        Some(ScheduleError::Overlap {
            employee: "E1".into(),
            first_start: at("08:00"),
            first_end: at("10:00"),
            second_start: at("09:30"),
            second_end: at("10:30"),
        })
    );
    assert!(lines(evaluator.advance(at("09:59"))).is_empty());
    assert_eq!(
        lines(evaluator.advance(at("10:00"))),
        ["10:00:00 E1 adherence out since 10:00:00 (Break/Phone)"]
    );
    assert_eq!(
        lines(evaluator.advance(at("10:15"))),
        [
            "10:01:00 E1 alarm raised out since 10:00:00",
            "10:05:00 E1 alarm severe out since 10:00:00",
            "10:15:00 E1 alarm cleared out since 10:00:00",
            "10:15:00 E1 adherence in since 10:15:00 (Phone/Phone)",
        ]
    );
}

#[test]
fn a_replacement_for_an_unknown_employee_creates_it_and_rows_of_another_are_refused() {
    let mut evaluator = working();
    assert_eq!(
        lines(
            evaluator
                .replace_schedule(
                    "E9",
                    &[segment("E9", "09:00", "10:00", "Phone")],
                    at("08:30")
                )
                .unwrap()
        ),
        ["08:30:00 E9 adherence unknown since 08:30:00 (-/-)"]
    );
    assert_eq!(
        lines(evaluator.advance(at("09:00"))),
        ["09:00:00 E9 adherence unknown since 08:30:00 (Phone/-)"]
    );
    assert_eq!(
        evaluator
            .replace_schedule(
                "E1",
                &[segment("E2", "09:00", "10:00", "Phone")],
                at("09:10")
            )
            .err(),
        Some(ScheduleError::OtherEmployee {
            employee: "E1".into(),
            other: "E2".into(),
        })
    );
    assert_eq!(evaluator.adherence("E2"), None, "not created");
    // E1 kept its schedule.
    assert_eq!(
        adherence_lines(evaluator.advance(at("10:00"))),
        [
            "10:00:00 E1 adherence out since 10:00:00 (Break/Phone)",
            "10:00:00 E9 adherence unknown since 08:30:00 (-/-)",
        ]
    );
    // An unknown activity is refused too, and so is an empty segment.
    assert_eq!(
        evaluator
            .replace_schedule(
                "E1",
                &[segment("E1", "11:00", "12:00", "Lunch")],
                at("10:01")
            )
            .err(),
        Some(ScheduleError::UnknownActivity {
            employee: "E1".into(),
            activity: "Lunch".into(),
        })
    );
    assert_eq!(
        evaluator
            .replace_schedule(
                "E1",
                &[segment("E1", "11:00", "11:00", "Phone")],
                at("10:01")
            )
            .err(),
        Some(ScheduleError::Empty {
            employee: "E1".into(),
            start: at("11:00"),
        })
    );
}

// 4. Several integrations.

/// E1 also has CIC user id "u1"; "cic" is named and up.
fn two_integrations() -> Evaluator {
    let mut config = worked_example(example_rules());
    config.mappings.users.push(user("cic", "u1", "E1"));
    config.mappings.activities.extend([
        mapping("cic", "Available", "", "Phone"),
        mapping("cic", "Break", "", "Break"),
        mapping("cic", "Away", "", "Away"),
    ]);
    let mut evaluator = started(&config, "07:00");
    evaluator.add_integration(CIC, "cic").unwrap();
    assert!(lines(evaluator.set_health(CIC, FeedHealth::Up, at("07:00"))).is_empty());
    assert_eq!(
        adherence_lines(evaluator.observe(
            &status(CMS, "40101", Phase::Available, "AVAIL", None, "07:58"),
            at("07:58"),
        )),
        ["07:58:00 E1 adherence not_scheduled since 07:00:00 (-/Phone)"]
    );
    assert_eq!(
        lines(evaluator.advance(at("08:00"))),
        ["08:00:00 E1 adherence in since 08:00:00 (Phone/Phone)"]
    );
    evaluator
}

#[test]
fn the_most_recent_status_change_wins_whichever_integration_it_came_from() {
    let mut evaluator = two_integrations();
    assert_eq!(
        lines(evaluator.observe(
            &status(CIC, "u1", Phase::Away, "Break", None, "09:00"),
            at("09:00"),
        )),
        [
            "09:00:00 status u1 Break -> Break",
            "09:00:00 E1 adherence out since 09:00:00 (Phone/Break)",
        ]
    );
    assert_eq!(
        lines(evaluator.observe(
            &status(CMS, "40101", Phase::Talking, "ACDIN", None, "09:00:30"),
            at("09:00:30"),
        )),
        [
            "09:00:30 status 40101 ACDIN -> Phone",
            "09:00:30 E1 adherence in since 09:00:30 (Phone/Phone)",
        ]
    );
    // Dated before the cms change, received after it: it does not win.
    assert_eq!(
        lines(evaluator.observe(
            &status(CIC, "u1", Phase::Away, "Away", None, "09:00:20"),
            at("09:00:40"),
        )),
        ["09:00:20 status u1 Away -> Away"]
    );
    assert_eq!(status_of(&evaluator, "E1"), AdherenceStatus::In);
    // A newer one from cic wins again.
    assert_eq!(
        adherence_lines(evaluator.observe(
            &status(CIC, "u1", Phase::Away, "Break", None, "09:10"),
            at("09:10"),
        )),
        ["09:10:00 E1 adherence out since 09:10:00 (Phone/Break)"]
    );
    assert_eq!(evaluator.stats(), Stats::default());
}

#[test]
fn only_the_health_of_the_integration_whose_status_wins_matters() {
    let mut evaluator = two_integrations();
    let _ = evaluator
        .observe(
            &status(CIC, "u1", Phase::Away, "Break", None, "09:10"),
            at("09:10"),
        )
        .count();
    // cic, whose status wins, goes stale.
    assert_eq!(
        lines(evaluator.set_health(CIC, FeedHealth::Stale, at("09:12"))),
        [
            "09:11:00 E1 alarm raised out since 09:10:00",
            "09:12:00 E1 alarm cleared out since 09:10:00",
            "09:12:00 E1 adherence unknown since 09:12:00 (Phone/-)",
        ]
    );
    // A newer status from healthy cms wins and is judged.
    assert_eq!(
        adherence_lines(evaluator.observe(
            &status(CMS, "40101", Phase::Talking, "ACDIN", None, "09:15"),
            at("09:15"),
        )),
        ["09:15:00 E1 adherence in since 09:15:00 (Phone/Phone)"]
    );
    // A newer one from stale cic wins: unknown again.
    assert_eq!(
        adherence_lines(evaluator.observe(
            &status(CIC, "u1", Phase::Away, "Away", None, "09:16"),
            at("09:16"),
        )),
        ["09:16:00 E1 adherence unknown since 09:16:00 (Phone/-)"]
    );
    assert_eq!(
        lines(evaluator.set_health(CIC, FeedHealth::Up, at("09:20"))),
        ["09:20:00 E1 adherence out since 09:20:00 (Phone/Away)"]
    );
    // cms going down does not matter while cic's status wins.
    assert!(lines(evaluator.set_health(CMS, FeedHealth::Down, at("09:20:30"))).is_empty());
    assert_eq!(
        lines(evaluator.advance(at("09:21"))),
        ["09:21:00 E1 alarm raised out since 09:20:00"]
    );
}

// 5. What is counted and changes nothing.

#[test]
fn out_of_order_and_repeated_statuses_change_nothing() {
    let mut evaluator = working();
    assert!(
        lines(evaluator.observe(
            &status(CMS, "40101", Phase::Away, "AUX", Some(2), "07:50"),
            at("08:01"),
        ))
        .is_empty()
    );
    assert_eq!(evaluator.stats().out_of_order, 1);
    assert_eq!(status_of(&evaluator, "E1"), AdherenceStatus::In);
    // The same status again, later: nothing.
    assert!(
        lines(evaluator.observe(
            &status(CMS, "40101", Phase::Available, "AVAIL", None, "08:05"),
            at("08:05"),
        ))
        .is_empty()
    );
    assert_eq!(
        lines(evaluator.observe(
            &status(CMS, "40101", Phase::Away, "AUX", Some(1), "08:10"),
            at("08:10"),
        )),
        [
            "08:10:00 status 40101 AUX -> Away",
            "08:10:00 E1 adherence out since 08:10:00 (Phone/Away)",
        ]
    );
    assert!(
        lines(evaluator.observe(
            &status(CMS, "40101", Phase::Away, "AUX", Some(1), "08:10:30"),
            at("08:10:30"),
        ))
        .is_empty()
    );
    assert!(
        lines(evaluator.observe(
            &status(CMS, "40101", Phase::Available, "AVAIL", None, "08:09"),
            at("08:10:40"),
        ))
        .is_empty()
    );
    assert_eq!(
        evaluator.stats(),
        Stats {
            out_of_order: 2,
            ..Stats::default()
        }
    );
    assert_eq!(status_of(&evaluator, "E1"), AdherenceStatus::Out);
    assert_eq!(
        lines(evaluator.advance(at("08:11"))),
        ["08:11:00 E1 alarm raised out since 08:10:00"]
    );
}

#[test]
fn statuses_of_an_unnamed_integration_are_counted_and_ignored() {
    let mut evaluator = working();
    for (n, time) in ["08:10", "08:11"].into_iter().enumerate() {
        assert!(
            lines(evaluator.observe(
                &status(IntegrationId(7), "40101", Phase::Away, "AUX", Some(1), time),
                at(time),
            ))
            .is_empty()
        );
        assert_eq!(evaluator.stats().unknown_integration, n as u64 + 1);
    }
    assert_eq!(status_of(&evaluator, "E1"), AdherenceStatus::In);
}

#[test]
fn agents_beyond_max_agents_are_refused_and_counted() {
    let limits = Limits {
        max_agents: 2,
        ..Limits::default()
    };
    let mut evaluator = started_with(&worked_example(example_rules()), limits, "07:00");
    // 40101 (mapped) is one agent, 40102 the second.
    assert_eq!(
        lines(evaluator.observe(
            &status(CMS, "40102", Phase::Available, "AVAIL", None, "07:30"),
            at("07:30"),
        )),
        [
            "07:30:00 status 40102 AVAIL -> Phone",
            "07:30:00 unmapped agent 40102",
        ]
    );
    for (n, time) in ["07:31", "07:32"].into_iter().enumerate() {
        assert!(
            lines(evaluator.observe(
                &status(CMS, "40103", Phase::Available, "AVAIL", None, time),
                at(time),
            ))
            .is_empty()
        );
        assert_eq!(evaluator.stats().agents_refused, n as u64 + 1);
    }
    // The known agents still work.
    assert_eq!(
        lines(evaluator.observe(
            &status(CMS, "40101", Phase::Available, "AVAIL", None, "07:58"),
            at("07:58"),
        )),
        [
            "07:58:00 status 40101 AVAIL -> Phone",
            "07:58:00 E1 adherence not_scheduled since 07:00:00 (-/Phone)",
        ]
    );
    assert_eq!(
        lines(evaluator.observe(
            &status(CMS, "40102", Phase::Away, "AUX", Some(2), "07:59"),
            at("07:59"),
        )),
        ["07:59:00 status 40102 AUX -> Break"]
    );
    assert_eq!(evaluator.stats().agents_refused, 2);
}

#[test]
fn unmapped_codes_beyond_max_status_codes_are_counted_not_reported() {
    let limits = Limits {
        max_status_codes: 2,
        ..Limits::default()
    };
    let mut evaluator = started_with(&worked_example(example_rules()), limits, "07:00");
    let mut all = Vec::new();
    for (code, time) in [("X1", "08:10"), ("X2", "08:11"), ("X3", "08:12")] {
        all.extend(lines(evaluator.observe(
            &status(CMS, "40101", Phase::Other, code, None, time),
            at(time),
        )));
    }
    let unmapped: Vec<&String> = all.iter().filter(|l| l.contains("unmapped")).collect();
    assert_eq!(
        unmapped,
        ["08:10:00 unmapped status X1", "08:11:00 unmapped status X2"]
    );
    // X3 is still tracked (its agent_status event), just not reported.
    assert!(all.contains(&"08:12:00 status 40101 X3 -> -".to_owned()));
    assert_eq!(evaluator.stats().unmapped_unreported, 1);
    assert_eq!(status_of(&evaluator, "E1"), AdherenceStatus::Unknown);
    // Codes beyond the vocabulary are still told apart: a repeat is no change, another code
    // is one.
    let mut observe = |code, time| {
        lines(evaluator.observe(
            &status(CMS, "40101", Phase::Other, code, None, time),
            at(time),
        ))
    };
    assert!(observe("X3", "08:13").is_empty());
    assert_eq!(observe("X4", "08:14"), ["08:14:00 status 40101 X4 -> -"]);
    assert!(observe("X4", "08:15").is_empty());
    assert_eq!(observe("X1", "08:16"), ["08:16:00 status 40101 X1 -> -"]);
}

// 6. Late statuses.

#[test]
fn a_status_dated_before_a_published_transition_takes_effect_at_that_transition() {
    let mut evaluator = working();
    assert_eq!(
        lines(evaluator.advance(at("10:00:05"))),
        ["10:00:00 E1 adherence out since 10:00:00 (Break/Phone)"]
    );
    // The agent went on break at 09:59:50, but 10:00:00 is published: it takes effect then.
    assert_eq!(
        lines(evaluator.observe(
            &status(CMS, "40101", Phase::Away, "AUX", Some(2), "09:59:50"),
            at("10:00:06"),
        )),
        [
            "09:59:50 status 40101 AUX -> Break",
            "10:00:00 E1 adherence in since 10:00:00 (Break/Break)",
        ]
    );
    assert_eq!(alarm_of(&evaluator, "E1"), None);
    assert!(lines(evaluator.advance(at("10:05"))).is_empty());
    assert_eq!(seconds(&mut evaluator, "E1", "10:10", Measure::Out), 0.0);
    assert_eq!(seconds(&mut evaluator, "E1", "10:10", Measure::In), 7_800.0);
}

#[test]
fn a_status_dated_before_a_boundary_not_yet_published_takes_effect_at_its_time() {
    let mut evaluator = working();
    assert_eq!(
        lines(evaluator.observe(
            &status(CMS, "40101", Phase::Away, "AUX", Some(2), "09:59:50"),
            at("10:00:05"),
        )),
        [
            "09:59:50 status 40101 AUX -> Break",
            "09:59:50 E1 adherence out since 09:59:50 (Phone/Break)",
            "10:00:00 E1 adherence in since 10:00:00 (Break/Break)",
        ]
    );
    assert_eq!(seconds(&mut evaluator, "E1", "10:01", Measure::Out), 10.0);
}

#[test]
fn a_boundary_due_before_a_status_is_published_first() {
    let mut evaluator = working();
    // Nothing advanced the clock to 10:00: the boundary still happened at 10:00.
    assert_eq!(
        lines(evaluator.observe(
            &status(CMS, "40101", Phase::Away, "AUX", Some(2), "10:00:03"),
            at("10:00:05"),
        )),
        [
            "10:00:00 E1 adherence out since 10:00:00 (Break/Phone)",
            "10:00:03 status 40101 AUX -> Break",
            "10:00:03 E1 adherence in since 10:00:03 (Break/Break)",
        ]
    );
    assert_eq!(seconds(&mut evaluator, "E1", "10:01", Measure::Out), 3.0);
}

#[test]
fn an_alarm_due_before_a_status_is_raised_at_its_deadline() {
    let mut evaluator = working();
    let _ = evaluator
        .observe(
            &status(CMS, "40101", Phase::Away, "AUX", Some(1), "08:30"),
            at("08:30"),
        )
        .count();
    // Nothing advanced the clock from 08:30 to 08:40.
    assert_eq!(
        adherence_lines(evaluator.observe(
            &status(CMS, "40101", Phase::Available, "AVAIL", None, "08:40"),
            at("08:40"),
        )),
        [
            "08:31:00 E1 alarm raised out since 08:30:00",
            "08:35:00 E1 alarm severe out since 08:30:00",
            "08:40:00 E1 alarm cleared out since 08:30:00",
            "08:40:00 E1 adherence in since 08:40:00 (Phone/Phone)",
        ]
    );
}

/// One step of a random run: the clock moves by `delta` seconds, then a status dated `age`
/// seconds before the new now arrives (`code` of [`CODES`] from agent `agent`), or the clock
/// is only advanced, or a feed's health changes.
#[derive(Debug, Clone)]
enum Step {
    Observe {
        delta: i64,
        agent: usize,
        code: usize,
        age: i64,
    },
    Advance {
        delta: i64,
    },
    Health {
        delta: i64,
        cic: bool,
        up: bool,
    },
}

const CODES: [(Phase, &str, Option<u32>); 5] = [
    (Phase::Available, "AVAIL", None),
    (Phase::Away, "AUX", Some(2)),
    (Phase::Away, "AUX", Some(1)),
    (Phase::Talking, "DACD", None),
    (Phase::LoggedOut, "LOGOUT", None),
];

fn steps() -> impl Strategy<Value = Vec<Step>> {
    let step = prop_oneof![
        4 => (0i64..400, 0usize..3, 0usize..CODES.len(), 0i64..200).prop_map(
            |(delta, agent, code, age)| Step::Observe { delta, agent, code, age }
        ),
        2 => (0i64..900).prop_map(|delta| Step::Advance { delta }),
        1 => (0i64..300, any::<bool>(), any::<bool>())
            .prop_map(|(delta, cic, up)| Step::Health { delta, cic, up }),
    ];
    prop::collection::vec(step, 0..120)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// Whatever the order and lateness of statuses, health changes and advances: each
    /// employee's adherence and alarm events are in time order and never before the last
    /// published one, each `previous` is the status published before, every `since` is at
    /// or before its event, and the day's five statuses add up to the time tracked.
    #[test]
    fn events_of_an_employee_are_never_out_of_time_order(steps in steps()) {
        let mut config = worked_example(example_rules());
        config.mappings.users.push(user("cic", "u1", "E1"));
        config.mappings.activities.push(mapping("cic", "*", "", "Phone"));
        let mut evaluator = started(&config, "07:00");
        evaluator.add_integration(CIC, "cic").unwrap();
        let _ = evaluator.set_health(CIC, FeedHealth::Up, at("07:00")).count();
        let start = at("07:00");
        let mut now = start;
        let mut events = Vec::new();
        for step in steps {
            let delta = match &step {
                Step::Observe { delta, .. } | Step::Advance { delta } | Step::Health { delta, .. } => *delta,
            };
            now += jiff::SignedDuration::from_secs(delta);
            match step {
                Step::Observe { agent, code, age, .. } => {
                    let (integration, id) = [(CMS, "40101"), (CIC, "u1"), (CMS, "40102")][agent];
                    let (phase, code, reason) = CODES[code];
                    let time = now - jiff::SignedDuration::from_secs(age);
                    let mut observation = status(integration, id, phase, code, reason, "07:00");
                    observation.time = time;
                    observation.received = now;
                    events.extend(evaluator.observe(&observation, now));
                }
                Step::Advance { .. } => events.extend(evaluator.advance(now)),
                Step::Health { cic, up, .. } => {
                    let health = if up { FeedHealth::Up } else { FeedHealth::Stale };
                    events.extend(evaluator.set_health(if cic { CIC } else { CMS }, health, now));
                }
            }
            prop_assert!(events.iter().all(|event| event.time <= now));
        }
        let mut last = start;
        let mut published = Some(AdherenceStatus::NotScheduled);
        for event in &events {
            match &event.body {
                EventBody::Adherence(a) => {
                    prop_assert!(event.time >= last, "{:?} before {}", event, last);
                    prop_assert_eq!(a.previous, published);
                    prop_assert!(a.since <= event.time);
                    published = Some(a.status);
                    last = event.time;
                }
                EventBody::Alarm(a) => {
                    prop_assert!(event.time >= last, "{:?} before {}", event, last);
                    prop_assert!(a.out_since <= event.time);
                    last = event.time;
                }
                _ => {}
            }
        }
        let end = now.max(at("07:00:01"));
        let figures = today(&mut evaluator, "E1", end);
        let tracked = end.as_millisecond() - figures.start.as_millisecond();
        prop_assert_eq!(figures.total.tracked_millis() as i64, tracked);
    }
}

// 7. The cost of time.

/// `n` employees, E0000..; those below `breaking` have Phone 08:00-10:00 then Break
/// 10:00-10:15, the others Phone 08:00-12:00. All log in (AVAIL) at 07:58.
fn crowd(n: usize, breaking: usize) -> Evaluator {
    let mut config = worked_example(example_rules());
    config.employees.clear();
    config.mappings.users.clear();
    config.schedules.clear();
    for i in 0..n {
        let id = format!("E{i:04}");
        config.employees.push(Employee {
            id: id.as_str().into(),
            team: None,
            time_zone: None,
        });
        config
            .mappings
            .users
            .push(user("cms", &(50_000 + i).to_string(), &id));
        if i < breaking {
            config
                .schedules
                .push(segment(&id, "08:00", "10:00", "Phone"));
            config
                .schedules
                .push(segment(&id, "10:00", "10:15", "Break"));
        } else {
            config
                .schedules
                .push(segment(&id, "08:00", "12:00", "Phone"));
        }
    }
    let mut evaluator = started(&config, "07:00");
    for i in 0..n {
        let _ = evaluator
            .observe(
                &status(
                    CMS,
                    &(50_000 + i).to_string(),
                    Phase::Available,
                    "AVAIL",
                    None,
                    "07:58",
                ),
                at("07:58"),
            )
            .count();
    }
    evaluator
}

#[test]
fn advance_touches_only_the_employees_whose_timer_expired() {
    let mut evaluator = crowd(1_000, 10);
    assert_eq!(evaluator.advance(at("08:00")).count(), 1_000);
    assert_eq!(evaluator.pending_timers(), 1_000);
    assert_eq!(evaluator.advance(at("09:59:59")).count(), 0);
    let lines = lines(evaluator.advance(at("10:00")));
    let expected: Vec<String> = (0..10)
        .map(|i| format!("10:00:00 E{i:04} adherence out since 10:00:00 (Break/Phone)"))
        .collect();
    assert_eq!(lines, expected);
    assert_eq!(evaluator.pending_timers(), 1_000);
    // After 12:00 nobody has anything coming: no timer left.
    // The ten: alarm raised, severe, cleared and not scheduled after their break; the rest:
    // not scheduled at 12:00.
    assert_eq!(evaluator.advance(at("12:00")).count(), 4 * 10 + 990);
    assert_eq!(evaluator.pending_timers(), 0);
}

#[test]
fn timers_never_outnumber_employees_however_many_statuses_arrive() {
    let mut evaluator = crowd(1_000, 10);
    let _ = evaluator.advance(at("08:00")).count();
    let start = at("08:00");
    let mut most = 0;
    let mut events = 0;
    for k in 0..10_000i64 {
        let agent = 50_000 + k % 1_000;
        // Each agent flaps between Away and Phone every 50 s: out periods shorter than the
        // alarm, each setting a deadline.
        let (phase, code, reason) = if (k / 1_000) % 2 == 0 {
            (Phase::Away, "AUX", Some(1))
        } else {
            (Phase::Available, "AVAIL", None)
        };
        let time = start + jiff::SignedDuration::from_millis(50 * k + 50);
        let mut observation = status(CMS, &agent.to_string(), phase, code, reason, "08:00");
        observation.time = time;
        observation.received = time;
        events += evaluator.observe(&observation, time).count();
        most = most.max(evaluator.pending_timers());
    }
    assert_eq!(events, 2 * 10_000, "a status and an adherence event each");
    assert!(most <= 1_000, "{most} timers");
    assert_eq!(evaluator.pending_timers(), 1_000);
    assert_eq!(evaluator.stats(), Stats::default());
}

#[test]
fn a_mapping_removed_by_a_reload_leaves_the_agent_unmapped_and_reported() {
    // A user mapping known at start: no `unmapped` event for that id, ever.
    let mut evaluator = started(&worked_example(example_rules()), "07:00");
    let events = lines(evaluator.observe(
        &status(CMS, "40101", Phase::Available, "AVAIL", None, "07:58"),
        at("07:58"),
    ));
    assert!(events.iter().all(|line| !line.contains("unmapped")));
    // Reloading to no mappings at all: E1 loses its agent, which is then unmapped.
    assert_eq!(
        lines(evaluator.reload_mappings(&Mappings::default(), at("07:59"))),
        ["07:59:00 E1 adherence unknown since 07:59:00 (-/-)"]
    );
    assert_eq!(
        lines(evaluator.observe(
            &status(CMS, "40101", Phase::Away, "AUX", Some(2), "08:01"),
            at("08:01"),
        )),
        [
            "08:00:00 E1 adherence unknown since 07:59:00 (Phone/-)",
            "08:01:00 status 40101 AUX -> -",
            "08:01:00 unmapped agent 40101",
            "08:01:00 unmapped status AUX/2",
        ]
    );
}
