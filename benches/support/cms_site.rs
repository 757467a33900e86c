//! The site of the adherence benchmarks (`adherence`, `memory`): one Avaya-like integration
//! "cms" whose agent `n` (id `10000000 + n`) is employee `E0000000 + n`, the worked example's
//! activities and mappings (`specs/adherence.md`: Phone productive, Break, Away;
//! AVAIL/ACD*/ACW*/RING*/OTHER -> Phone, AUX 2 -> Break, AUX any -> Away), UTC, schedules as
//! each benchmark asks. Included with `#[path]`.

use rta_adherence::{
    Activity, ActivityMapping, Config, Defaults, Employee, Mappings, Rules, ScheduleRow,
    UserMapping,
};
use rta_model::{IntegrationId, Name, Timestamp};

pub const CMS: IntegrationId = IntegrationId(0);
pub const SECOND: i64 = 1_000;
/// 2026-11-23T00:00:00Z, in milliseconds since the epoch.
pub const DAY: i64 = 1_795_392_000_000;

/// `hours:minutes:seconds` on [`DAY`], UTC, in milliseconds since the epoch.
pub const fn at(hours: i64, minutes: i64, seconds: i64) -> i64 {
    DAY + ((hours * 60 + minutes) * 60 + seconds) * SECOND
}

pub fn timestamp(millis: i64) -> Timestamp {
    Timestamp::from_millisecond(millis).expect("in range")
}

pub fn employee_id(n: usize) -> Name {
    format!("E{n:07}").into()
}

pub fn agent_id(n: usize) -> Vec<u8> {
    format!("{}", 10_000_000 + n).into_bytes()
}

/// The worked example's rules, alarms after `alarm_after` seconds (severe after 3 times that).
fn rules(alarm_after: u32) -> Rules {
    Rules {
        activities: vec![
            Activity::new("Phone").productive(),
            Activity::new("Break"),
            Activity::new("Away"),
        ],
        defaults: Defaults {
            alarm_after,
            severe_after: 3 * alarm_after,
            ..Defaults::default()
        },
        ..Rules::default()
    }
}

/// `employees` employees, employee `n` the agent `agent_id(n)` of "cms", scheduled by
/// `segments(n)`: `(start, end, on Phone rather than Break)`.
pub fn config(
    employees: usize,
    alarm_after: u32,
    segments: impl Fn(usize) -> Vec<(i64, i64, bool)>,
) -> Config {
    let (cms, phone, brk): (Name, Name, Name) = ("cms".into(), "Phone".into(), "Break".into());
    let mapping = |status: &str, reason: &str, activity: &str| ActivityMapping {
        integration: cms.clone(),
        status: status.into(),
        reason: reason.parse().expect("a reason"),
        detail: None,
        activity: activity.into(),
    };
    let ids: Vec<Name> = (0..employees).map(employee_id).collect();
    let schedules = ids
        .iter()
        .enumerate()
        .flat_map(|(n, id)| {
            segments(n)
                .into_iter()
                .map(|(start, end, on_phone)| ScheduleRow {
                    employee: id.clone(),
                    start: timestamp(start),
                    end: timestamp(end),
                    activity: if on_phone { phone.clone() } else { brk.clone() },
                })
        })
        .collect();
    Config {
        rules: rules(alarm_after),
        employees: ids
            .iter()
            .map(|id| Employee {
                id: id.clone(),
                team: None,
                time_zone: None,
            })
            .collect(),
        mappings: Mappings {
            users: ids
                .iter()
                .enumerate()
                .map(|(n, id)| UserMapping {
                    integration: cms.clone(),
                    external_id: String::from_utf8(agent_id(n)).expect("digits"),
                    employee: id.clone(),
                })
                .collect(),
            activities: ["AVAIL", "ACD*", "ACW*", "RING*", "OTHER"]
                .into_iter()
                .map(|code| mapping(code, "", "Phone"))
                .chain([mapping("AUX", "2", "Break"), mapping("AUX", "", "Away")])
                .collect(),
        },
        schedules,
    }
}
