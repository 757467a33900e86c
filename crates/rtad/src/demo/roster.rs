//! The demo's site, generated: employees and teams, which simulated agent each employee is,
//! what every status of the three sources means, and a schedule for today laid around the
//! start, so that adherence has something to say from the first second.
//!
//! Everything here is a plain [`rta_adherence::Config`]: what `rtad run` reads from its CSV
//! and TOML files (`docs/config.md`), built in code instead.

use jiff::{SignedDuration, Timestamp};
use rta_adherence::{
    Activity, ActivityMapping, Config, Employee, Mappings, Rules, ScheduleRow, UserMapping,
};

/// The integration names, as the mappings and the summary name them.
pub(super) const CMS: &str = "cms";
pub(super) const CIC: &str = "cic";
pub(super) const ODIGO: &str = "odigo";

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
/// [`rta_sim::cic::STATUSES`]); [`mappings`] folds them to lower case, as the decoder folds
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
/// administration (the simulator's [`rta_sim::odigo::PauseReason::defaults`]).
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

/// An 8-hour shift, in minutes from its start: `(from, to, activity)`.
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

/// Employees per team.
const TEAM_SIZE: usize = 10;

/// The simulated agents of each integration, by the ids their feeds carry.
#[derive(Debug, Clone, Default)]
pub(super) struct Agents {
    /// Avaya `LOGID`s.
    pub(super) cms: Vec<String>,
    /// CIC user ids.
    pub(super) cic: Vec<String>,
    /// Odigo logins.
    pub(super) odigo: Vec<String>,
}

/// The generated site.
#[derive(Debug, Clone)]
pub(super) struct Roster {
    /// `E001`, `E002`...: the Avaya agents' employees first, then CIC's, then Odigo's.
    pub(super) employees: Vec<String>,
    pub(super) config: Config,
}

impl Roster {
    /// One employee per agent, in teams of ten of one integration (`cms-1`, `cic-3`...), each
    /// with a shift laid around `now`.
    pub(super) fn generate(agents: &Agents, now: Timestamp) -> Roster {
        let total = agents.cms.len() + agents.cic.len() + agents.odigo.len();
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
            mappings: mappings(),
            ..Config::default()
        };
        let sites = [
            (CMS, &agents.cms),
            (CIC, &agents.cic),
            (ODIGO, &agents.odigo),
        ];
        for (integration, ids) in sites {
            for (in_site, external_id) in ids.iter().enumerate() {
                let index = employees.len();
                let employee = format!("E{:0width$}", index + 1);
                config.employees.push(Employee {
                    id: employee.as_str().into(),
                    team: Some(format!("{integration}-{}", in_site / TEAM_SIZE + 1).into()),
                    time_zone: None,
                });
                config.mappings.users.push(UserMapping {
                    integration: integration.into(),
                    external_id: external_id.clone(),
                    employee: employee.as_str().into(),
                });
                config.schedules.extend(shift(&employee, index, minute));
                employees.push(employee);
            }
        }
        Roster { employees, config }
    }
}

/// The activity mappings of the three sources.
fn mappings() -> Mappings {
    let row = |integration: &str, status: &str, reason: &str, activity: &str| ActivityMapping {
        integration: integration.into(),
        status: status.into(),
        reason: reason
            .parse()
            .expect("the demo's reason lists are well formed"),
        detail: None,
        activity: activity.into(),
    };
    let avaya = AVAYA_STATUSES
        .iter()
        .map(|(status, reason, activity)| row(CMS, status, reason, activity));
    let cic = CIC_STATUSES
        .iter()
        .map(|(key, activity)| row(CIC, &key.to_lowercase(), "*", activity));
    let odigo = ODIGO_STATUSES
        .iter()
        .map(|(state, reason, activity)| row(ODIGO, state, reason, activity));
    Mappings {
        users: Vec::new(),
        activities: avaya.chain(cic).chain(odigo).collect(),
    }
}

/// The schedule of employee number `index` (from 0) around `now`: one in twenty starts later
/// today and one in twenty has finished (both not scheduled now); the others started between
/// one and six hours ago, spread minute by minute so that some boundary passes every few
/// minutes of the demo. One in seven has training after lunch.
fn shift(employee: &str, index: usize, now: Timestamp) -> Vec<ScheduleRow> {
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
    template
        .iter()
        .map(|&(from, to, activity)| ScheduleRow {
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
            cms: ids("4010", 4),
            cic: ids("user.", 3),
            odigo: ids("agent", 3),
        }
    }

    #[test]
    fn every_row_is_accepted_by_the_evaluator() {
        let now = "2026-11-23T10:00:30Z".parse().unwrap();
        let roster = Roster::generate(&agents(), now);
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
            (CIC, "user.1")
        );
        assert_eq!(
            &*roster.config.employees[9].team.clone().unwrap(),
            "odigo-1"
        );
    }

    #[test]
    fn schedules_lie_around_now_on_whole_minutes() {
        let now: Timestamp = "2026-11-23T10:00:30Z".parse().unwrap();
        let minute: Timestamp = "2026-11-23T10:00:00Z".parse().unwrap();
        let rows = shift("E002", 1, minute);
        // Employee 1 started 60 + 37 minutes ago: on the phone, before the first break.
        assert_eq!(rows[0].start, "2026-11-23T08:23:00Z".parse().unwrap());
        assert_eq!(
            rows.last().unwrap().end,
            "2026-11-23T16:23:00Z".parse().unwrap()
        );
        assert!(rows.windows(2).all(|pair| pair[0].end == pair[1].start));
        let later = shift("E001", 0, minute);
        assert!(later[0].start > now);
        let done = shift("E011", 10, minute);
        assert!(done.last().unwrap().end < now);
    }

    #[test]
    fn the_simulators_vocabularies_are_mapped() {
        for status in rta_sim::cic::STATUSES.iter().filter(|s| s.logged_in) {
            assert!(
                CIC_STATUSES.iter().any(|(key, _)| *key == status.key),
                "CIC status {:?} has no mapping",
                status.key
            );
        }
        for pause in rta_sim::odigo::PauseReason::defaults() {
            let listed = ODIGO_STATUSES.iter().any(|(state, reasons, activity)| {
                *state == "PAUSE"
                    && *activity != AWAY
                    && reasons.split(',').any(|code| code == &*pause.code)
            });
            assert!(listed, "Odigo pause code {:?} has no activity", pause.code);
        }
        // Every mapping is of a known activity.
        let roster = Roster::generate(&agents(), "2026-11-23T10:00:00Z".parse().unwrap());
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
}
