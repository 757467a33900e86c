//! The engine's counters and gauges in the Prometheus text exposition format (`GET /metrics`).
//!
//! Written by hand: the format is a few lines of text per sample, and the engine already
//! counts everything with its own atomics, so a metrics crate would only copy the numbers.
//! Each family is written once (its `# HELP` and `# TYPE`, then all its samples together),
//! in the order of [`Metric::ALL`]; label values are escaped as the format says (`\\`, `\"`,
//! `\n`).
//!
//! | Family | Type | Labels | What |
//! |---|---|---|---|
//! | `rta_events_published_total` | counter | | the bus's last seq |
//! | `rta_subscribers` | gauge | | live subscriptions |
//! | `rta_subscriber_queue_depth` | gauge | `subscriber` | deliveries waiting |
//! | `rta_subscriber_queue_capacity` | gauge | `subscriber` | events it may queue |
//! | `rta_subscriber_lagged_events` | gauge | `subscriber` | missed in its current lag |
//! | `rta_ring_events` | gauge | | events kept for resuming subscribers |
//! | `rta_agents` | gauge | | agents in the state table |
//! | `rta_status_out_of_order_total` | counter | | statuses older than the table's |
//! | `rta_status_overflowed_words_total` | counter | | status words lost to a full vocabulary |
//! | `rta_integration_paused` | gauge | `integration`, `kind` | 1 while paused |
//! | `rta_feed_health` | gauge | `integration`, `kind`, `state` | 1 for the current state |
//! | `rta_feed_address_health` | gauge | + `address` | the same per feed (CIC server...) |
//! | `rta_decode_errors_total` | counter | `integration`, `kind`, `error` | input not decoded |
//! | `rta_connections_total` | counter | `integration`, `kind`, `outcome` | Avaya, CIC |
//! | `rta_snapshots_total` | counter | `integration`, `kind`, `outcome` | Avaya batches, CIC snapshots |
//! | `rta_records_total` | counter | `integration`, `kind`, `record` | records decoded, by type (events in) |
//! | `rta_status_changes_total` | counter | `integration`, `kind` | agent status changes published (events out) |
//! | `rta_odigo_refused_total` | counter | `integration`, `reason` | `503` answers |
//! | `rta_odigo_answers_total` | counter | `code` | the receiver's answers |
//! | `rta_employees` | gauge | `status` | employees by adherence status (`pending`: not judged yet) |
//! | `rta_alarms` | gauge | `level` | alarms on now |
//! | `rta_evaluator_ignored_total` | counter | `reason` | statuses the evaluator did not apply |
//! | `rta_mapping_errors` | gauge | | mapping rows not applied |
//! | `rta_schedule_errors` | gauge | | schedules not applied |
//!
//! A CIC integration's counts start again from zero when its connector restarts (resume,
//! update), as counters of a restarted process do; Prometheus' `rate` handles such resets.

use super::{Engine, Running, Source};
use crate::odigo::ReceiverStats;
use rta_model::{AdherenceStatus, AlarmLevel, FeedHealth};

/// The metric families, in the order they are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Metric {
    EventsPublished,
    Subscribers,
    QueueDepth,
    QueueCapacity,
    LaggedEvents,
    RingEvents,
    Agents,
    OutOfOrder,
    OverflowedWords,
    Paused,
    FeedHealth,
    FeedAddressHealth,
    DecodeErrors,
    Connections,
    Snapshots,
    Records,
    StatusChanges,
    OdigoRefused,
    OdigoAnswers,
    Employees,
    Alarms,
    EvaluatorIgnored,
    MappingErrors,
    ScheduleErrors,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Type {
    Counter,
    Gauge,
}

impl Metric {
    const ALL: [Metric; 24] = [
        Metric::EventsPublished,
        Metric::Subscribers,
        Metric::QueueDepth,
        Metric::QueueCapacity,
        Metric::LaggedEvents,
        Metric::RingEvents,
        Metric::Agents,
        Metric::OutOfOrder,
        Metric::OverflowedWords,
        Metric::Paused,
        Metric::FeedHealth,
        Metric::FeedAddressHealth,
        Metric::DecodeErrors,
        Metric::Connections,
        Metric::Snapshots,
        Metric::Records,
        Metric::StatusChanges,
        Metric::OdigoRefused,
        Metric::OdigoAnswers,
        Metric::Employees,
        Metric::Alarms,
        Metric::EvaluatorIgnored,
        Metric::MappingErrors,
        Metric::ScheduleErrors,
    ];

    /// Name, type and help text (which must hold no backslash or newline: it is not escaped).
    fn describe(self) -> (&'static str, Type, &'static str) {
        use Type::{Counter, Gauge};
        match self {
            Metric::EventsPublished => (
                "rta_events_published_total",
                Counter,
                "Events published on the bus (the last seq).",
            ),
            Metric::Subscribers => ("rta_subscribers", Gauge, "Live bus subscriptions."),
            Metric::QueueDepth => (
                "rta_subscriber_queue_depth",
                Gauge,
                "Deliveries waiting in a subscription's queue.",
            ),
            Metric::QueueCapacity => (
                "rta_subscriber_queue_capacity",
                Gauge,
                "Events a subscription may queue before it lags.",
            ),
            Metric::LaggedEvents => (
                "rta_subscriber_lagged_events",
                Gauge,
                "Events a lagged subscription missed so far in its current lag (0 while live).",
            ),
            Metric::RingEvents => (
                "rta_ring_events",
                Gauge,
                "Recent events kept for subscribers that resume.",
            ),
            Metric::Agents => ("rta_agents", Gauge, "Agents in the state table."),
            Metric::OutOfOrder => (
                "rta_status_out_of_order_total",
                Counter,
                "Statuses ignored by the state table: older than the agent's current one.",
            ),
            Metric::OverflowedWords => (
                "rta_status_overflowed_words_total",
                Counter,
                "Status words replaced by the overflow word: the vocabulary was full.",
            ),
            Metric::Paused => (
                "rta_integration_paused",
                Gauge,
                "1 while an integration is paused by the operator.",
            ),
            Metric::FeedHealth => (
                "rta_feed_health",
                Gauge,
                "An integration's health as adherence sees it: 1 for the current state.",
            ),
            Metric::FeedAddressHealth => (
                "rta_feed_address_health",
                Gauge,
                "Each feed of an integration (a CIC server...): 1 for the current state.",
            ),
            Metric::DecodeErrors => (
                "rta_decode_errors_total",
                Counter,
                "Input that could not be decoded, by error.",
            ),
            Metric::Connections => (
                "rta_connections_total",
                Counter,
                "Connections of a feed, by outcome.",
            ),
            Metric::Snapshots => (
                "rta_snapshots_total",
                Counter,
                "Full snapshots of a feed's agents (Avaya batches, CIC snapshots), by outcome.",
            ),
            Metric::Records => ("rta_records_total", Counter, "Records decoded, by type."),
            Metric::StatusChanges => (
                "rta_status_changes_total",
                Counter,
                "Agent status changes published (agent_status events out).",
            ),
            Metric::OdigoRefused => (
                "rta_odigo_refused_total",
                Counter,
                "Odigo requests answered 503, by reason.",
            ),
            Metric::OdigoAnswers => (
                "rta_odigo_answers_total",
                Counter,
                "Answers of the Odigo receiver, by HTTP status code.",
            ),
            Metric::Employees => (
                "rta_employees",
                Gauge,
                "Employees by current adherence status (pending: not judged yet).",
            ),
            Metric::Alarms => ("rta_alarms", Gauge, "Adherence alarms on now, by level."),
            Metric::EvaluatorIgnored => (
                "rta_evaluator_ignored_total",
                Counter,
                "Statuses the adherence evaluator did not apply, by reason.",
            ),
            Metric::MappingErrors => (
                "rta_mapping_errors",
                Gauge,
                "Mapping rows not applied by the last load or reload.",
            ),
            Metric::ScheduleErrors => (
                "rta_schedule_errors",
                Gauge,
                "Schedules of the configuration not applied.",
            ),
        }
    }
}

/// The label value of each feed state.
const FEED_STATES: [(FeedHealth, &str); 4] = [
    (FeedHealth::Waiting, "waiting"),
    (FeedHealth::Up, "up"),
    (FeedHealth::Stale, "stale"),
    (FeedHealth::Down, "down"),
];

/// The label value of each adherence status.
const STATUSES: [(AdherenceStatus, &str); 5] = [
    (AdherenceStatus::In, "in"),
    (AdherenceStatus::Out, "out"),
    (AdherenceStatus::Neutral, "neutral"),
    (AdherenceStatus::Unknown, "unknown"),
    (AdherenceStatus::NotScheduled, "not_scheduled"),
];

/// Samples gathered family by family, whatever order they are added in.
#[derive(Debug)]
struct Exposition {
    samples: [String; Metric::ALL.len()],
}

impl Exposition {
    fn new() -> Exposition {
        Exposition {
            samples: std::array::from_fn(|_| String::new()),
        }
    }

    /// Adds the sample `metric{labels} value`.
    fn add(&mut self, metric: Metric, labels: &[(&str, &str)], value: u64) {
        let (name, _, _) = metric.describe();
        let line = &mut self.samples[metric as usize];
        line.push_str(name);
        if !labels.is_empty() {
            line.push('{');
            for (index, (label, value)) in labels.iter().enumerate() {
                if index > 0 {
                    line.push(',');
                }
                line.push_str(label);
                line.push_str("=\"");
                escape_label_value(value, line);
                line.push('"');
            }
            line.push('}');
        }
        line.push(' ');
        line.push_str(&value.to_string());
        line.push('\n');
    }

    /// Adds one sample per state of `states`: 1 for `current`, 0 for the others (the usual
    /// exposition of an enum: a query can select `== 1` whatever the state names).
    fn states<T: PartialEq + Copy>(
        &mut self,
        metric: Metric,
        labels: &[(&str, &str)],
        states: &[(T, &str)],
        current: T,
    ) {
        for &(state, label) in states {
            let mut labels = labels.to_vec();
            labels.push(("state", label));
            self.add(metric, &labels, u64::from(state == current));
        }
    }

    /// The text: each family's `# HELP` and `# TYPE`, then its samples.
    fn finish(self) -> String {
        let mut text = String::new();
        for (metric, samples) in Metric::ALL.iter().zip(&self.samples) {
            let (name, kind, help) = metric.describe();
            let kind = match kind {
                Type::Counter => "counter",
                Type::Gauge => "gauge",
            };
            text.push_str(&format!("# HELP {name} {help}\n# TYPE {name} {kind}\n"));
            text.push_str(samples);
        }
        text
    }
}

/// Appends `value` escaped for a label value: `\` as `\\`, `"` as `\"`, a newline as `\n`.
fn escape_label_value(value: &str, out: &mut String) {
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

/// The `kind` label of an integration: the configuration's name of its source.
fn kind(source: &Source) -> &'static str {
    match source {
        Source::Avaya(_) => "avaya-cms",
        Source::Cic(_) => "cic",
        Source::Odigo(_) => "odigo",
    }
}

impl Engine {
    /// Every metric of the engine in the Prometheus text exposition format (version 0.0.4:
    /// serve it as `text/plain; version=0.0.4`). The families and labels are listed in
    /// this module's documentation. Async because the integrations are read under the
    /// engine's integration lock.
    pub async fn metrics_text(&self) -> String {
        let mut out = Exposition::new();
        self.bus_metrics(&mut out);
        self.integration_metrics(&mut out).await;
        self.adherence_metrics(&mut out);
        out.finish()
    }

    fn bus_metrics(&self, out: &mut Exposition) {
        out.add(Metric::EventsPublished, &[], self.bus.last_seq());
        let queues = self.bus.queues();
        out.add(Metric::Subscribers, &[], queues.len() as u64);
        for queue in &queues {
            let id = queue.subscriber.to_string();
            let labels = [("subscriber", id.as_str())];
            out.add(Metric::QueueDepth, &labels, queue.queued as u64);
            out.add(Metric::QueueCapacity, &labels, queue.capacity as u64);
            out.add(Metric::LaggedEvents, &labels, queue.missed);
        }
        out.add(Metric::RingEvents, &[], self.bus.ring_len().0 as u64);
        out.add(Metric::Agents, &[], self.table.len() as u64);
        out.add(Metric::OutOfOrder, &[], self.table.out_of_order());
        out.add(Metric::OverflowedWords, &[], self.table.overflowed_words());
    }

    async fn integration_metrics(&self, out: &mut Exposition) {
        let healths = self.adherence.integrations();
        let integrations = self.integrations.lock().await;
        let mut running: Vec<&Running> = integrations.values().collect();
        running.sort_by(|a, b| a.settings.name.cmp(&b.settings.name));
        for integration in running {
            let name = &*integration.settings.name;
            let kind = kind(&integration.settings.source);
            let labels = [("integration", name), ("kind", kind)];
            out.add(Metric::Paused, &labels, u64::from(integration.paused));
            if let Some(health) = healths.iter().find(|health| &*health.name == name) {
                out.states(Metric::FeedHealth, &labels, &FEED_STATES, health.combined);
                for (address, feed) in &health.feeds {
                    let address = address.as_deref().unwrap_or("");
                    let labels = [("integration", name), ("kind", kind), ("address", address)];
                    out.states(Metric::FeedAddressHealth, &labels, &FEED_STATES, *feed);
                }
                out.add(Metric::StatusChanges, &labels, health.status_changes);
            }
            self.adapter_metrics(integration, &labels, out);
        }
        if let Some(receiver) = &self.odigo {
            receiver_metrics(receiver.stats(), out);
        }
    }

    /// What the adapter of `integration` counted (nothing for a paused CIC integration: its
    /// connector is stopped).
    fn adapter_metrics(
        &self,
        integration: &Running,
        labels: &[(&str, &str); 2],
        out: &mut Exposition,
    ) {
        let with = |extra: (&'static str, &'static str)| [labels[0], labels[1], extra];
        if let Some(avaya) = &integration.avaya {
            let stats = avaya.stats();
            out.add(
                Metric::DecodeErrors,
                &with(("error", "rejected_line")),
                stats.rejected_lines,
            );
            for (outcome, value) in [
                ("accepted", stats.connections),
                ("refused_peer", stats.refused_peers),
                ("replaced", stats.replaced),
            ] {
                out.add(Metric::Connections, &with(("outcome", outcome)), value);
            }
            out.add(
                Metric::Snapshots,
                &with(("outcome", "completed")),
                stats.batches_completed,
            );
            out.add(
                Metric::Snapshots,
                &with(("outcome", "cut_off")),
                stats.batches_cut_off,
            );
            for (record, value) in [
                ("line", stats.lines),
                ("agent_row", stats.agent_rows),
                ("status_change", stats.status_changes),
                ("queue_update", stats.queue_updates),
            ] {
                out.add(Metric::Records, &with(("record", record)), value);
            }
        }
        if let Some(cic) = &integration.cic {
            let stats = cic.stats();
            for (error, value) in [
                ("bad_record", stats.bad_records),
                ("bad_item", stats.bad_items),
                ("over_long_line", stats.over_long_lines),
                ("truncated_line", stats.truncated_lines),
            ] {
                out.add(Metric::DecodeErrors, &with(("error", error)), value);
            }
            out.add(
                Metric::Connections,
                &with(("outcome", "accepted")),
                stats.connections,
            );
            out.add(
                Metric::Snapshots,
                &with(("outcome", "completed")),
                stats.snapshots_completed,
            );
            out.add(
                Metric::Snapshots,
                &with(("outcome", "cut_off")),
                stats.snapshots_aborted,
            );
            out.add(Metric::Records, &with(("record", "line")), stats.lines);
            out.add(Metric::Records, &with(("record", "status")), stats.statuses);
            out.add(
                Metric::Records,
                &with(("record", "user_over_limit")),
                stats.users_over_limit,
            );
        }
        if let (Source::Odigo(_), Some(receiver)) = (&integration.settings.source, &self.odigo)
            && let Some(stats) = receiver.integration_stats(&integration.settings.name)
        {
            out.add(
                Metric::DecodeErrors,
                &with(("error", "rejected_notification")),
                stats.rejected,
            );
            for (record, value) in [
                ("state_change", stats.accepted),
                ("duplicate", stats.duplicates),
                ("unchanged", stats.unchanged),
                ("heartbeat", stats.heartbeats),
                ("other_event", stats.other_events),
            ] {
                out.add(Metric::Records, &with(("record", record)), value);
            }
            let name = labels[0];
            out.add(
                Metric::OdigoRefused,
                &[name, ("reason", "busy")],
                stats.refused,
            );
            out.add(
                Metric::OdigoRefused,
                &[name, ("reason", "paused")],
                stats.refused_while_paused,
            );
        }
    }

    fn adherence_metrics(&self, out: &mut Exposition) {
        self.adherence.read(|evaluator| {
            let mut by_status = [0u64; STATUSES.len()];
            let mut pending = 0;
            let mut alarms = [0u64; 2];
            for (employee, _) in evaluator.employees() {
                let Some(current) = evaluator.adherence(employee) else {
                    pending += 1;
                    continue;
                };
                if let Some(at) = STATUSES
                    .iter()
                    .position(|(status, _)| *status == current.status)
                {
                    by_status[at] += 1;
                }
                match current.alarm {
                    Some(AlarmLevel::Raised) => alarms[0] += 1,
                    Some(AlarmLevel::Severe) => alarms[1] += 1,
                    Some(AlarmLevel::Cleared) | None => {}
                }
            }
            for ((_, label), count) in STATUSES.iter().zip(by_status) {
                out.add(Metric::Employees, &[("status", label)], count);
            }
            out.add(Metric::Employees, &[("status", "pending")], pending);
            out.add(Metric::Alarms, &[("level", "raised")], alarms[0]);
            out.add(Metric::Alarms, &[("level", "severe")], alarms[1]);
            let stats = evaluator.stats();
            for (reason, value) in [
                ("out_of_order", stats.out_of_order),
                ("agents_refused", stats.agents_refused),
                ("unknown_integration", stats.unknown_integration),
                ("unmapped_unreported", stats.unmapped_unreported),
            ] {
                out.add(Metric::EvaluatorIgnored, &[("reason", reason)], value);
            }
            out.add(
                Metric::MappingErrors,
                &[],
                evaluator.mapping_errors().len() as u64,
            );
            out.add(
                Metric::ScheduleErrors,
                &[],
                evaluator.schedule_errors().len() as u64,
            );
        });
    }
}

/// The Odigo receiver's answers, by status code.
fn receiver_metrics(stats: ReceiverStats, out: &mut Exposition) {
    for (code, value) in [
        ("204", stats.accepted),
        ("400", stats.bad_request),
        ("404", stats.not_found),
        ("405", stats.method_not_allowed),
        ("408", stats.timed_out),
        ("413", stats.too_large),
        ("415", stats.unsupported_type),
        ("503", stats.busy),
    ] {
        out.add(Metric::OdigoAnswers, &[("code", code)], value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_family_is_listed_at_its_index() {
        for (index, metric) in Metric::ALL.iter().enumerate() {
            assert_eq!(*metric as usize, index, "{metric:?}");
        }
    }

    #[test]
    fn label_values_are_escaped() {
        let mut out = Exposition::new();
        out.add(
            Metric::Paused,
            &[("integration", "a \\ \"b\"\nc"), ("kind", "cic")],
            1,
        );
        let text = out.finish();
        assert!(
            text.contains(
                "rta_integration_paused{integration=\"a \\\\ \\\"b\\\"\\nc\",kind=\"cic\"} 1\n"
            ),
            "{text}"
        );
    }

    #[test]
    fn every_family_once_with_its_samples_together() {
        let mut out = Exposition::new();
        out.add(Metric::Agents, &[], 3);
        out.states(
            Metric::FeedHealth,
            &[("integration", "x")],
            &FEED_STATES,
            FeedHealth::Stale,
        );
        out.add(Metric::EventsPublished, &[], 7);
        let text = out.finish();
        for (name, _, _) in Metric::ALL.map(Metric::describe) {
            assert_eq!(
                text.matches(&format!("# TYPE {name} ")).count(),
                1,
                "{name}"
            );
            assert_eq!(
                text.matches(&format!("# HELP {name} ")).count(),
                1,
                "{name}"
            );
        }
        let health = "# HELP rta_feed_health An integration's health as adherence sees it: 1 for \
                      the current state.\n# TYPE rta_feed_health gauge\n\
                      rta_feed_health{integration=\"x\",state=\"waiting\"} 0\n\
                      rta_feed_health{integration=\"x\",state=\"up\"} 0\n\
                      rta_feed_health{integration=\"x\",state=\"stale\"} 1\n\
                      rta_feed_health{integration=\"x\",state=\"down\"} 0\n";
        assert!(text.contains(health), "{text}");
        assert!(text.starts_with(
            "# HELP rta_events_published_total Events published on the bus (the last seq).\n\
             # TYPE rta_events_published_total counter\nrta_events_published_total 7\n"
        ));
    }
}
