//! A generated site: employees and teams, which simulated agent each employee is, what every
//! status of the three simulated sources means, and a schedule for today laid around a given
//! time, so that adherence has something to say from the first second. Used by `rtad demo`
//! and by the load of [`crate::load`] (the end-to-end benchmark).
//!
//! Everything here is a plain [`rta_adherence::Config`]: what `rtad run` reads from its CSV
//! and TOML files, built in code instead.

use crate::load::Plan;
use jiff::{SignedDuration, Timestamp};
use rta_adherence::{
    Activity, ActivityMapping, Config, Employee, Mappings, Rules, ScheduleRow, UserMapping,
};

const PHONE: &str = "Phone";
const BREAK: &str = "Break";
const LUNCH: &str = "Lunch";
const TRAINING: &str = "Training";
const MEETING: &str = "Meeting";
/// Not working and not on any planned activity: system AUX, do-not-disturb, a missed call,
/// a pause whose reason is unknown.
const AWAY: &str = "Away";

/// Avaya CMS: `(AGSTATE code or prefix, AUX reason, activity)`. The prefixes take in the
/// directions (`ACDIN`, `AUXOUT`...). Every call-handling state is Phone, including `OTHER`
/// (the seconds after a login); AUX means what its reason code says. An unstaffed agent is
/// logged out, which the evaluator counts as Offline without a mapping.
const AVAYA_STATUSES: &[(&str, &str, &str)] = &[
    ("AVAIL*", "*", PHONE),
    ("RING*", "*", PHONE),
    ("ACD*", "*", PHONE),
    ("ACW*", "*", PHONE),
    ("DACD*", "*", PHONE),
    ("DACW*", "*", PHONE),
    ("OTHER*", "*", PHONE),
    ("AUX*", "1-3", BREAK),
    ("AUX*", "4", LUNCH),
    ("AUX*", "5", TRAINING),
    ("AUX*", "6", MEETING),
    // Reason 0 (the system AUX after a login) and every reason the site never defined.
    ("AUX*", "*", AWAY),
];

/// CIC: `(status key, activity)`, keys as the server's catalog writes them (the simulator's
/// [`crate::cic::STATUSES`]); [`mappings`] folds them to lower case, as the decoder folds
/// every key it reads. The logged-out statuses (`Gone Home`, `On Vacation`...) are Offline
/// without a mapping.
const CIC_STATUSES: &[(&str, &str)] = &[
    ("Available", PHONE),
    // Outbound calls.
    ("Available, No ACD", PHONE),
    ("Follow Up", PHONE),
    ("ACW - Manual", PHONE),
    ("AcdAgentNotAnswering", AWAY),
    ("Do Not Disturb", AWAY),
    ("Project Work", AWAY),
    ("At Lunch", LUNCH),
    ("Break, Short", BREAK),
    ("At a Training Session", TRAINING),
    ("Coaching 1:1", TRAINING),
    ("In a Meeting", MEETING),
];

/// Odigo: `(state, pause code, activity)`; the codes are those of the tenant's
/// administration (the simulator's [`crate::odigo::PauseReason::defaults`]).
const ODIGO_STATUSES: &[(&str, &str, &str)] = &[
    ("AVAILABLE", "*", PHONE),
    ("ALERTING", "*", PHONE),
    ("IN_CALL", "*", PHONE),
    ("HOLD", "*", PHONE),
    ("WRAP_UP", "*", PHONE),
    // 12 is "Pause café".
    ("PAUSE", "1,12", BREAK),
    ("PAUSE", "2", LUNCH),
    ("PAUSE", "7", TRAINING),
    ("PAUSE", "9", MEETING),
    // A bare pause whose details the web service could not give.
    ("PAUSE", "*", AWAY),
];

/// An 8-hour shift, in minutes from its start: `(from, to, activity)`. Every boundary falls
/// on a quarter hour.
const SHIFT: &[(i64, i64, &str)] = &[
    (0, 120, PHONE),
    (120, 135, BREAK),
    (135, 240, PHONE),
    (240, 285, LUNCH),
    (285, 390, PHONE),
    (390, 405, BREAK),
    (405, 480, PHONE),
];

/// The same shift with an hour of training after lunch.
const TRAINING_SHIFT: &[(i64, i64, &str)] = &[
    (0, 120, PHONE),
    (120, 135, BREAK),
    (135, 240, PHONE),
    (240, 285, LUNCH),
    (285, 345, TRAINING),
    (345, 390, PHONE),
    (390, 405, BREAK),
    (405, 480, PHONE),
];

/// Minutes of a segment of a [`Segments::Quarters`] schedule.
const QUARTER: i64 = 15;

/// Employees per team.
const TEAM_SIZE: usize = 10;

/// How the shifts are cut into schedule segments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Segments {
    /// One segment per activity (7 or 8 a shift), as a WFM system exports a plain shift.
    PerActivity,
    /// One segment per quarter hour (32 a shift), as a WFM system exports an interval-based
    /// schedule: a boundary every 15 minutes for every employee, most between two segments
    /// of the same activity.
    Quarters,
}

/// The simulated agents of each source, by integration name and the ids their feeds carry.
#[derive(Debug, Clone, Default)]
pub struct Agents {
    /// Avaya CMS integrations and their `LOGID`s.
    pub avaya: Vec<(String, Vec<String>)>,
    /// CIC integrations and their user ids.
    pub cic: Vec<(String, Vec<String>)>,
    /// Odigo integrations and their logins.
    pub odigo: Vec<(String, Vec<String>)>,
}

impl Agents {
    /// The agents of a load ([`Plan`]).
    pub fn of_plan(plan: &Plan) -> Agents {
        let pairs = |integrations: &mut dyn Iterator<Item = &crate::load::PlannedIntegration>| {
            integrations
                .map(|integration| (integration.name.clone(), integration.external_ids.clone()))
                .collect()
        };
        Agents {
            avaya: pairs(&mut plan.avaya.iter()),
            cic: pairs(&mut plan.cic.iter()),
            odigo: pairs(&mut plan.odigo.iter()),
        }
    }
}

impl Agents {
    /// Every integration with its kind, Avaya first, then CIC, then Odigo.
    fn sites(&self) -> impl Iterator<Item = (Kind, &String, &Vec<String>)> {
        fn of(
            kind: Kind,
            list: &[(String, Vec<String>)],
        ) -> impl Iterator<Item = (Kind, &String, &Vec<String>)> {
            list.iter().map(move |(name, ids)| (kind, name, ids))
        }
        of(Kind::Avaya, &self.avaya)
            .chain(of(Kind::Cic, &self.cic))
            .chain(of(Kind::Odigo, &self.odigo))
    }
}

/// The generated site.
#[derive(Debug, Clone)]
pub struct Roster {
    /// `E001`, `E002`...: the Avaya agents' employees first, then CIC's, then Odigo's.
    pub employees: Vec<String>,
    pub config: Config,
}

impl Roster {
    /// One employee per agent, in teams of ten of one integration (`cms-1`, `cic-3`...), each
    /// with a shift laid around `now` (see [`shift`]), cut as `segments` says.
    pub fn generate(agents: &Agents, now: Timestamp, segments: Segments) -> Roster {
        let sites = || agents.sites();
        let total: usize = sites().map(|(_, _, ids)| ids.len()).sum();
        // E001 for a few hundred agents, E0001 from a thousand on: ids sort as numbers do.
        let width = total.to_string().len().max(3);
        // Whole minutes: boundaries fall on the minute, as a WFM schedule's do.
        let minute = Timestamp::from_second(now.as_second().div_euclid(60) * 60).unwrap_or(now);
        let mut employees = Vec::with_capacity(total);
        let mut config = Config {
            rules: Rules {
                activities: vec![
                    Activity::new(PHONE).productive(),
                    Activity::new(BREAK),
                    Activity::new(LUNCH),
                    Activity::new(TRAINING),
                    Activity::new(MEETING),
                    Activity::new(AWAY),
                ],
                ..Rules::default()
            },
            mappings: Mappings {
                users: Vec::with_capacity(total),
                activities: sites()
                    .flat_map(|(kind, name, _)| mappings(kind, name))
                    .collect(),
            },
            ..Config::default()
        };
        for (_, integration, ids) in sites() {
            for (in_site, external_id) in ids.iter().enumerate() {
                let index = employees.len();
                let employee = format!("E{:0width$}", index + 1);
                config.employees.push(Employee {
                    id: employee.as_str().into(),
                    team: Some(format!("{integration}-{}", in_site / TEAM_SIZE + 1).into()),
                    time_zone: None,
                });
                config.mappings.users.push(UserMapping {
                    integration: integration.as_str().into(),
                    external_id: external_id.clone(),
                    employee: employee.as_str().into(),
                });
                config
                    .schedules
                    .extend(shift(&employee, index, minute, segments));
                employees.push(employee);
            }
        }
        Roster { employees, config }
    }
}

/// The kind of source an integration is, for its mappings.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Avaya,
    Cic,
    Odigo,
}

/// The activity mappings of integration `name`, a source of `kind`.
fn mappings(kind: Kind, name: &str) -> Vec<ActivityMapping> {
    let row = |status: &str, reason: &str, activity: &str| ActivityMapping {
        integration: name.into(),
        status: status.into(),
        reason: reason
            .parse()
            .expect("the roster's reason lists are well formed"),
        detail: None,
        activity: activity.into(),
    };
    match kind {
        Kind::Avaya => AVAYA_STATUSES
            .iter()
            .map(|(status, reason, activity)| row(status, reason, activity))
            .collect(),
        Kind::Cic => CIC_STATUSES
            .iter()
            .map(|(key, activity)| row(&key.to_lowercase(), "*", activity))
            .collect(),
        Kind::Odigo => ODIGO_STATUSES
            .iter()
            .map(|(state, reason, activity)| row(state, reason, activity))
            .collect(),
    }
}

/// The schedule of employee number `index` (from 0) around `now`: one in twenty starts later
/// today and one in twenty has finished (both not scheduled now); the others started between
/// one and six hours ago, spread minute by minute so that some boundary passes every few
/// minutes. One in seven has training after lunch.
pub fn shift(employee: &str, index: usize, now: Timestamp, segments: Segments) -> Vec<ScheduleRow> {
    let spread = i64::try_from(index).unwrap_or(i64::MAX);
    let started_minutes_ago = match index % 20 {
        0 => -(15 + spread % 45),
        10 => 480 + 10 + spread % 50,
        _ => 60 + (spread * 37) % 300,
    };
    let start = now - SignedDuration::from_mins(started_minutes_ago);
    let template = if index % 7 == 3 {
        TRAINING_SHIFT
    } else {
        SHIFT
    };
    let step = |from: i64, to: i64| match segments {
        Segments::PerActivity => to - from,
        Segments::Quarters => QUARTER,
    };
    template
        .iter()
        .flat_map(|&(from, to, activity)| {
            (from..to)
                .step_by(usize::try_from(step(from, to)).unwrap_or(1))
                .map(move |begin| (begin, (begin + step(from, to)).min(to), activity))
        })
        .map(|(from, to, activity)| ScheduleRow {
            employee: employee.into(),
            start: start + SignedDuration::from_mins(from),
            end: start + SignedDuration::from_mins(to),
            activity: activity.into(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rta_adherence::{Evaluator, Limits, ReasonSpec};

    fn agents() -> Agents {
        let ids = |prefix: &str, n: usize| (1..=n).map(|i| format!("{prefix}{i}")).collect();
        Agents {
            avaya: vec![("cms".into(), ids("4010", 4))],
            cic: vec![("cic".into(), ids("user.", 3))],
            odigo: vec![("odigo".into(), ids("agent", 3))],
        }
    }

    #[test]
    fn every_row_is_accepted_by_the_evaluator() {
        let now = "2026-11-23T10:00:30Z".parse().unwrap();
        for segments in [Segments::PerActivity, Segments::Quarters] {
            let roster = Roster::generate(&agents(), now, segments);
            let evaluator = Evaluator::new(&roster.config, Limits::default(), now).unwrap();
            assert_eq!(evaluator.mapping_errors(), []);
            assert_eq!(evaluator.schedule_errors(), []);
            assert_eq!(
                roster.employees,
                [
                    "E001", "E002", "E003", "E004", "E005", "E006", "E007", "E008", "E009", "E010"
                ]
            );
            let users = &roster.config.mappings.users;
            assert_eq!(
                (&*users[4].integration, users[4].external_id.as_str()),
                ("cic", "user.1")
            );
            assert_eq!(
                &*roster.config.employees[9].team.clone().unwrap(),
                "odigo-1"
            );
        }
    }

    #[test]
    fn schedules_lie_around_now_on_whole_minutes() {
        let now: Timestamp = "2026-11-23T10:00:30Z".parse().unwrap();
        let minute: Timestamp = "2026-11-23T10:00:00Z".parse().unwrap();
        let rows = shift("E002", 1, minute, Segments::PerActivity);
        // Employee 1 started 60 + 37 minutes ago: on the phone, before the first break.
        assert_eq!(rows[0].start, "2026-11-23T08:23:00Z".parse().unwrap());
        assert_eq!(
            rows.last().unwrap().end,
            "2026-11-23T16:23:00Z".parse().unwrap()
        );
        assert!(rows.windows(2).all(|pair| pair[0].end == pair[1].start));
        let later = shift("E001", 0, minute, Segments::PerActivity);
        assert!(later[0].start > now);
        let done = shift("E011", 10, minute, Segments::PerActivity);
        assert!(done.last().unwrap().end < now);
    }

    #[test]
    fn quarters_cut_the_same_shift_every_15_minutes() {
        let minute: Timestamp = "2026-11-23T10:00:00Z".parse().unwrap();
        for index in [1, 3] {
            let plain = shift("E", index, minute, Segments::PerActivity);
            let quarters = shift("E", index, minute, Segments::Quarters);
            assert_eq!(quarters.len(), 32);
            assert!(quarters.windows(2).all(|pair| pair[0].end == pair[1].start));
            assert!(
                quarters
                    .iter()
                    .all(|row| row.start.duration_until(row.end)
                        == SignedDuration::from_mins(QUARTER))
            );
            assert_eq!(quarters[0].start, plain[0].start);
            // Every quarter lies in the plain segment of the same activity.
            for row in &quarters {
                let covering = plain
                    .iter()
                    .find(|segment| segment.start <= row.start && row.end <= segment.end)
                    .unwrap();
                assert_eq!(covering.activity, row.activity);
            }
        }
    }

    #[test]
    fn the_simulators_vocabularies_are_mapped() {
        for status in crate::cic::STATUSES.iter().filter(|s| s.logged_in) {
            assert!(
                CIC_STATUSES.iter().any(|(key, _)| *key == status.key),
                "CIC status {:?} has no mapping",
                status.key
            );
        }
        for pause in crate::odigo::PauseReason::defaults() {
            let listed = ODIGO_STATUSES.iter().any(|(state, reasons, activity)| {
                *state == "PAUSE"
                    && *activity != AWAY
                    && reasons.split(',').any(|code| code == &*pause.code)
            });
            assert!(listed, "Odigo pause code {:?} has no activity", pause.code);
        }
        // Every mapping is of a known activity.
        let roster = Roster::generate(
            &agents(),
            "2026-11-23T10:00:00Z".parse().unwrap(),
            Segments::PerActivity,
        );
        let activities: Vec<&str> = roster
            .config
            .rules
            .activities
            .iter()
            .map(|a| &*a.name)
            .collect();
        assert!(
            roster
                .config
                .mappings
                .activities
                .iter()
                .all(|m| activities.contains(&&*m.activity))
        );
        assert!(matches!(
            roster.config.mappings.activities[0].reason,
            ReasonSpec::Any
        ));
    }

    #[test]
    fn a_load_plan_gets_an_employee_for_every_agent() {
        let config = crate::load::LoadConfig {
            avaya_agents: 40,
            cic_users: 20,
            odigo_agents: 10,
            ..crate::load::LoadConfig::default()
        };
        let plan = Plan::new(&config);
        let roster = Roster::generate(
            &Agents::of_plan(&plan),
            "2026-11-23T10:00:00Z".parse().unwrap(),
            Segments::Quarters,
        );
        assert_eq!(roster.employees.len(), 70);
        let evaluator = Evaluator::new(
            &roster.config,
            Limits::default(),
            "2026-11-23T10:00:00Z".parse().unwrap(),
        )
        .unwrap();
        assert_eq!(evaluator.mapping_errors(), []);
        let cms: Vec<_> = roster
            .config
            .mappings
            .activities
            .iter()
            .filter(|row| &*row.integration == "cms-4")
            .collect();
        assert_eq!(cms.len(), AVAYA_STATUSES.len());
    }
}
