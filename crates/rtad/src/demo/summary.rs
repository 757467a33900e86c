//! The demo's summary: what it shows, where each figure comes from, and the text it is
//! drawn as (80 columns).
//!
//! Current figures are read from the engine at each redraw ([`Reading::take`]): the agents
//! and their phases from the state table ([`Engine::status_snapshot`]), each employee's
//! adherence, scheduled activity and alarm from the evaluator ([`Engine::adherence`]). What
//! only events tell is kept by a [`Log`] fed by a bus subscription: the health of every feed,
//! the alarms raised, statuses and agents nobody mapped. That subscription asks for those
//! kinds only, which are few, so it never lags behind the agents' traffic.

use super::{CIC, CMS, ODIGO};
use jiff::Timestamp;
use rta_engine::Delivery;
use rta_engine::engine::Engine;
use rta_engine::odigo::PAUSE_DETAILS_ADDRESS;
use rta_model::{
    AdherenceStatus, AlarmEvent, AlarmLevel, EventBody, FeedHealth, Name, Phase, UnmappedKind,
};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fmt::Write as _;
use std::time::Duration;

/// The integrations in the order shown, with the source each reads.
const INTEGRATIONS: [(&str, &str); 3] = [(CMS, "Avaya CMS"), (CIC, "CIC"), (ODIGO, "Odigo")];
/// The width the summary fits in.
const WIDTH: usize = 80;
/// The label column of the figure lines.
const LABEL: usize = 11;
/// Alarm and unmapped entries shown, the latest first.
const LATEST: usize = 4;
/// The adherence statuses in the order shown, with their labels.
const ADHERENCE: [(AdherenceStatus, &str); 5] = [
    (AdherenceStatus::In, "in"),
    (AdherenceStatus::Out, "out"),
    (AdherenceStatus::Neutral, "neutral"),
    (AdherenceStatus::Unknown, "unknown"),
    (AdherenceStatus::NotScheduled, "not scheduled"),
];

/// An alarm as the log keeps it.
#[derive(Debug, Clone)]
struct Alarm {
    time: Timestamp,
    event: AlarmEvent,
}

/// What the summary's subscription has told so far.
#[derive(Debug, Default)]
pub(super) struct Log {
    /// Per integration, the last health of each of its feeds (by address: a CIC server, a
    /// CMS connection, Odigo's push channel or its pause-detail web service).
    feeds: HashMap<Name, HashMap<Option<String>, FeedHealth>>,
    raised: u64,
    severe: u64,
    cleared: u64,
    alarms: VecDeque<Alarm>,
    unmapped: u64,
    unmapped_latest: VecDeque<String>,
    /// Events of these kinds the subscription missed (it was lagged).
    missed: u64,
}

impl Log {
    pub(super) fn apply(&mut self, delivery: &Delivery) {
        let event = match delivery {
            Delivery::Event(event) => event,
            Delivery::Lagged { missed } => {
                self.missed += missed;
                return;
            }
            // Agent statuses only: the summary reads those from the table.
            Delivery::Snapshot(_) => return,
        };
        match &event.body {
            EventBody::Feed(feed) => {
                self.feeds
                    .entry(feed.integration.clone())
                    .or_default()
                    .insert(feed.address.clone(), feed.health);
            }
            EventBody::Alarm(alarm) => {
                match alarm.level {
                    AlarmLevel::Raised => self.raised += 1,
                    AlarmLevel::Severe => self.severe += 1,
                    AlarmLevel::Cleared => self.cleared += 1,
                }
                push_latest(
                    &mut self.alarms,
                    Alarm {
                        time: event.time,
                        event: alarm.clone(),
                    },
                );
            }
            EventBody::Unmapped(unmapped) => {
                self.unmapped += 1;
                let kind = match unmapped.kind {
                    UnmappedKind::Agent => "agent",
                    UnmappedKind::Status => "status",
                };
                let entry = format!("{} {kind} {}", unmapped.integration, unmapped.value);
                push_latest(&mut self.unmapped_latest, entry);
            }
            _ => {}
        }
    }

    /// The health of an integration's feeds, as the engine combines them for adherence: up if
    /// any is, else the least bad; the pause-detail service is a helper, not a feed.
    fn health(&self, integration: &str) -> FeedHealth {
        let Some(feeds) = self.feeds.get(integration) else {
            return FeedHealth::Waiting;
        };
        let feeds = feeds
            .iter()
            .filter(|(address, _)| address.as_deref() != Some(PAUSE_DETAILS_ADDRESS))
            .map(|(_, health)| *health);
        [
            FeedHealth::Up,
            FeedHealth::Stale,
            FeedHealth::Waiting,
            FeedHealth::Down,
        ]
        .into_iter()
        .find(|wanted| feeds.clone().any(|health| health == *wanted))
        .unwrap_or(FeedHealth::Waiting)
    }

    /// The pause-detail web service's health, once it was asked.
    fn pause_details(&self, integration: &str) -> Option<FeedHealth> {
        self.feeds
            .get(integration)?
            .get(&Some(PAUSE_DETAILS_ADDRESS.to_owned()))
            .copied()
    }

    pub(super) fn raised(&self) -> u64 {
        self.raised
    }
}

/// Keeps the latest [`LATEST`] entries, the newest first.
fn push_latest<T>(latest: &mut VecDeque<T>, entry: T) {
    latest.push_front(entry);
    latest.truncate(LATEST);
}

/// Agents of one integration.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Agents {
    seen: usize,
    logged_in: usize,
}

/// The engine's current figures.
#[derive(Debug, Default)]
pub(super) struct Reading {
    agents: HashMap<Name, Agents>,
    /// Agents per phase, in the order of [`Phase::ALL`].
    phases: [usize; Phase::ALL.len()],
    /// Employees per adherence status, in the order of [`ADHERENCE`]; employees not
    /// evaluated yet count as unknown.
    adherence: [usize; ADHERENCE.len()],
    /// Employees per activity scheduled now (`None`: nothing).
    scheduled: BTreeMap<Option<Name>, usize>,
    /// Employees with an alarm on.
    alarms_on: usize,
    /// The seq of the last event published.
    events: u64,
}

impl Reading {
    /// Reads the table, then the evaluator (once, for every employee).
    pub(super) fn take(engine: &Engine, employees: &[String]) -> Reading {
        let mut reading = Reading {
            events: engine.bus().last_seq(),
            ..Reading::default()
        };
        for event in engine.status_snapshot() {
            let EventBody::AgentStatus(status) = &event.body else {
                continue;
            };
            let agents = reading
                .agents
                .entry(status.integration.clone())
                .or_default();
            agents.seen += 1;
            agents.logged_in += usize::from(status.phase != Phase::LoggedOut);
            if let Some(at) = Phase::ALL.iter().position(|p| *p == status.phase) {
                reading.phases[at] += 1;
            }
        }
        engine.adherence(|evaluator| {
            for employee in employees {
                let adherence = evaluator.adherence(employee);
                let status = adherence
                    .as_ref()
                    .map_or(AdherenceStatus::Unknown, |a| a.status);
                if let Some(at) = ADHERENCE.iter().position(|(s, _)| *s == status) {
                    reading.adherence[at] += 1;
                }
                let scheduled = adherence
                    .as_ref()
                    .and_then(|a| a.scheduled_activity.clone());
                *reading.scheduled.entry(scheduled).or_default() += 1;
                reading.alarms_on += usize::from(adherence.is_some_and(|a| a.alarm.is_some()));
            }
        });
        reading
    }
}

/// What the header says.
#[derive(Debug)]
pub(super) struct Header<'a> {
    pub(super) agents: usize,
    pub(super) running: Duration,
    pub(super) now: Timestamp,
    pub(super) sse_url: &'a str,
}

/// The summary, one line after the other, every line within [`WIDTH`] columns.
pub(super) fn render(header: &Header<'_>, log: &Log, reading: &Reading) -> String {
    let mut out = String::new();
    let secs = header.running.as_secs();
    let _ = writeln!(
        out,
        "rtad demo · {} agents · running {:02}:{:02}:{:02} · {} UTC",
        header.agents,
        secs / 3600,
        secs / 60 % 60,
        secs % 60,
        header.now.strftime("%Y-%m-%d %H:%M:%S"),
    );
    let _ = writeln!(out, "SSE stream {}  (Ctrl-C stops)", header.sse_url);
    out.push('\n');

    let _ = writeln!(out, "integration  source     feed      agents  logged in");
    for (name, source) in INTEGRATIONS {
        let agents = reading.agents.get(name).copied().unwrap_or_default();
        let _ = write!(
            out,
            "{name:<12} {source:<10} {:<8} {:>7} {:>10}",
            log.health(name).as_str(),
            agents.seen,
            agents.logged_in,
        );
        if let Some(health) = log.pause_details(name) {
            let _ = write!(out, "   pause details {}", health.as_str());
        }
        out.push('\n');
    }
    out.push('\n');

    let seen: usize = reading.phases.iter().sum();
    let phases = Phase::ALL
        .iter()
        .zip(reading.phases)
        .filter(|(_, count)| *count > 0)
        .map(|(phase, count)| format!("{phase} {count}"));
    wrap(&mut out, "agents", &format!("{seen} seen: "), phases);
    // The most scheduled first, "nothing" last.
    let mut scheduled: Vec<(&Option<Name>, &usize)> = reading.scheduled.iter().collect();
    scheduled.sort_by_key(|(activity, count)| (activity.is_none(), std::cmp::Reverse(**count)));
    let scheduled = scheduled
        .into_iter()
        .map(|(activity, count)| match activity {
            Some(activity) => format!("{activity} {count}"),
            None => format!("nothing {count}"),
        });
    wrap(&mut out, "scheduled", "", scheduled);
    let adherence = ADHERENCE
        .iter()
        .zip(reading.adherence)
        .map(|((_, label), count)| format!("{label} {count}"));
    wrap(&mut out, "adherence", "", adherence);

    let alarms = [
        format!("{} raised", log.raised),
        format!("{} severe", log.severe),
        format!("{} cleared", log.cleared),
        format!("{} on now", reading.alarms_on),
    ];
    wrap(&mut out, "alarms", "", alarms.into_iter());
    for alarm in &log.alarms {
        let name = |activity: &Option<Name>| activity.as_deref().unwrap_or("nothing").to_owned();
        let line = format!(
            "{} {} {:<8} scheduled {}, doing {}",
            alarm.time.strftime("%H:%M:%S"),
            alarm.event.employee,
            alarm.event.level.as_str(),
            name(&alarm.event.scheduled_activity),
            name(&alarm.event.actual_activity),
        );
        wrap(&mut out, "", &line, std::iter::empty());
    }

    if log.unmapped == 0 {
        wrap(&mut out, "unmapped", "none", std::iter::empty());
    } else {
        let lead = format!("{} (latest first): ", log.unmapped);
        wrap(
            &mut out,
            "unmapped",
            &lead,
            log.unmapped_latest.iter().cloned(),
        );
    }
    let mut events = format!("{} published", reading.events);
    if log.missed > 0 {
        let _ = write!(events, " (the summary missed {})", log.missed);
    }
    wrap(&mut out, "events", &events, std::iter::empty());
    out
}

/// Writes `label`, `lead` and `items` separated by ` · `, wrapped within [`WIDTH`] columns,
/// continuation lines indented under the first item. An item too long for a line is cut.
fn wrap(out: &mut String, label: &str, lead: &str, items: impl Iterator<Item = String>) {
    const SEPARATOR: &str = " · ";
    let mut line = format!("{label:<LABEL$}{lead}");
    // Whether the line holds an item, which the next one is separated from.
    let mut after_item = false;
    for item in items {
        let needed = if after_item {
            SEPARATOR.chars().count()
        } else {
            0
        } + item.chars().count();
        if after_item && line.chars().count() + needed > WIDTH {
            out.push_str(line.trim_end());
            out.push('\n');
            line = " ".repeat(LABEL);
            after_item = false;
        }
        if after_item {
            line.push_str(SEPARATOR);
        }
        line.extend(item.chars().take(WIDTH - LABEL));
        after_item = true;
    }
    out.push_str(line.trim_end());
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;
    use rta_model::{Event, FeedEvent, UnmappedEvent};
    use std::sync::Arc;

    fn delivery(seq: u64, body: EventBody) -> Delivery {
        Delivery::Event(Arc::new(
            Event {
                seq,
                time: "2026-11-23T10:14:58Z".parse().unwrap(),
                body,
            }
            .into(),
        ))
    }

    fn feed(integration: &str, address: Option<&str>, health: FeedHealth) -> EventBody {
        EventBody::Feed(FeedEvent {
            integration: integration.into(),
            address: address.map(Into::into),
            health,
            detail: None,
        })
    }

    #[test]
    fn the_log_combines_feeds_and_keeps_the_latest_alarms() {
        let mut log = Log::default();
        log.apply(&delivery(
            1,
            feed(CIC, Some("127.0.0.1:9"), FeedHealth::Down),
        ));
        log.apply(&delivery(2, feed(CIC, Some("127.0.0.1:8"), FeedHealth::Up)));
        log.apply(&delivery(3, feed(ODIGO, None, FeedHealth::Stale)));
        log.apply(&delivery(
            4,
            feed(ODIGO, Some(PAUSE_DETAILS_ADDRESS), FeedHealth::Up),
        ));
        assert_eq!(log.health(CIC), FeedHealth::Up);
        assert_eq!(log.health(ODIGO), FeedHealth::Stale);
        assert_eq!(log.pause_details(ODIGO), Some(FeedHealth::Up));
        assert_eq!(log.health(CMS), FeedHealth::Waiting);
        for (seq, level) in (5..).zip([AlarmLevel::Raised; 5]) {
            log.apply(&delivery(
                seq,
                EventBody::Alarm(AlarmEvent {
                    employee: format!("E{seq:03}").into(),
                    level,
                    out_since: "2026-11-23T10:13:58Z".parse().unwrap(),
                    scheduled_activity: Some("Phone".into()),
                    actual_activity: Some("Break".into()),
                }),
            ));
        }
        assert_eq!(log.raised(), 5);
        assert_eq!(log.alarms.len(), LATEST);
        assert_eq!(&*log.alarms[0].event.employee, "E009");
        log.apply(&Delivery::Lagged { missed: 3 });
        assert_eq!(log.missed, 3);
    }

    #[test]
    fn the_summary_fits_in_80_columns() {
        let mut log = Log::default();
        log.apply(&delivery(1, feed(CMS, None, FeedHealth::Up)));
        log.apply(&delivery(
            2,
            EventBody::Alarm(AlarmEvent {
                employee: "E042".into(),
                level: AlarmLevel::Severe,
                out_since: "2026-11-23T10:10:00Z".parse().unwrap(),
                scheduled_activity: Some("Phone".into()),
                actual_activity: None,
            }),
        ));
        log.apply(&delivery(
            3,
            EventBody::Unmapped(UnmappedEvent {
                integration: CMS.into(),
                kind: UnmappedKind::Status,
                value: "AUX/42".into(),
            }),
        ));
        let mut reading = Reading {
            events: 1234,
            alarms_on: 1,
            ..Reading::default()
        };
        reading.agents.insert(
            CMS.into(),
            Agents {
                seen: 100,
                logged_in: 87,
            },
        );
        reading.phases = [85, 40, 3, 120, 20, 30, 2, 1];
        reading.adherence = [180, 40, 0, 0, 80];
        for (activity, count) in [(Some("Phone"), 210), (Some("Lunch"), 31), (None, 59)] {
            reading.scheduled.insert(activity.map(Into::into), count);
        }
        let header = Header {
            agents: 300,
            running: Duration::from_secs(3725),
            now: "2026-11-23T10:15:04Z".parse().unwrap(),
            sse_url: "http://127.0.0.1:40211/events",
        };
        let text = render(&header, &log, &reading);
        assert!(
            text.lines().all(|line| line.chars().count() <= WIDTH),
            "{text}"
        );
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "rtad demo · 300 agents · running 01:02:05 · 2026-11-23 10:15:04 UTC"
        );
        assert_eq!(
            lines[4],
            "cms          Avaya CMS  up           100         87"
        );
        assert_eq!(
            lines[5],
            "cic          CIC        waiting        0          0"
        );
        assert_eq!(
            &lines[8..10],
            [
                "agents     301 seen: logged_out 85 · available 40 · ringing 3 · talking 120",
                "           wrap_up 20 · away 30 · other 2 · unknown 1",
            ]
        );
        assert_eq!(lines[10], "scheduled  Phone 210 · Lunch 31 · nothing 59");
        assert_eq!(
            lines[11],
            "adherence  in 180 · out 40 · neutral 0 · unknown 0 · not scheduled 80"
        );
        assert_eq!(
            lines[12],
            "alarms     0 raised · 1 severe · 0 cleared · 1 on now"
        );
        assert_eq!(
            lines[13],
            "           10:14:58 E042 severe   scheduled Phone, doing nothing"
        );
        assert_eq!(lines[14], "unmapped   1 (latest first): cms status AUX/42");
        assert_eq!(lines[15], "events     1234 published");
    }
}
