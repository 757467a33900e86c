//! What a run measured ([`Report`]), for people (`Display`) and programs (serde).

use super::Pace;
use hdrhistogram::Histogram;
use serde::Serialize;
use std::fmt;
use std::time::Duration;

/// A count per source, and their sum.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct PerSource {
    pub avaya: u64,
    pub cic: u64,
    pub odigo: u64,
    pub total: u64,
}

impl PerSource {
    pub(crate) fn new(avaya: u64, cic: u64, odigo: u64) -> PerSource {
        PerSource {
            avaya,
            cic,
            odigo,
            total: avaya + cic + odigo,
        }
    }
}

/// Percentiles of the `agent_status` latency (input record read by the engine -> event
/// received by a subscriber), in microseconds, over every subscriber.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Latency {
    pub samples: u64,
    pub p50_us: u64,
    pub p90_us: u64,
    pub p99_us: u64,
    pub p999_us: u64,
    pub max_us: u64,
}

impl Latency {
    /// The percentiles of a histogram in microseconds.
    pub fn of(histogram: &Histogram<u64>) -> Latency {
        Latency {
            samples: histogram.len(),
            p50_us: histogram.value_at_quantile(0.50),
            p90_us: histogram.value_at_quantile(0.90),
            p99_us: histogram.value_at_quantile(0.99),
            p999_us: histogram.value_at_quantile(0.999),
            max_us: histogram.max(),
        }
    }
}

/// How the Odigo receiver answered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct OdigoAnswers {
    /// 2xx.
    pub accepted: u64,
    /// `503` (back-pressure): each one sent again.
    pub busy: u64,
    /// Other non-2xx: the notification was dropped.
    pub refused: u64,
    /// Connections opened again after an error or a `Connection: close`.
    pub reconnects: u64,
}

/// One subscriber that did not get everything (in an incomplete run).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Shortfall {
    /// `msgpack-N` or `sse-N`.
    pub subscriber: String,
    pub agent_status_received: u64,
    pub agent_status_expected: u64,
    pub lagged: bool,
    /// Why its stream ended, if it did.
    pub error: Option<String>,
}

/// What one [`Load::run`](super::Load::run) measured.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub pace: Pace,
    /// Every subscriber got every expected `agent_status` event (or, lagged, caught up)
    /// before the time-out.
    pub complete: bool,
    /// Input records sent: Avaya agent rows, CIC `STATUS` lines, Odigo notifications accepted.
    pub observations: PerSource,
    /// Bytes written to the engine (Odigo: requests, resends included).
    pub bytes: PerSource,
    /// `agent_status` events each subscriber had to receive: the status changes generated.
    pub expected_agent_status: u64,
    /// From the first byte sent to the last `agent_status` event received by the last
    /// subscriber (incomplete: to the time-out).
    #[serde(serialize_with = "seconds")]
    pub wall: Duration,
    pub observations_per_second: f64,
    /// Events of every type received, summed over subscribers (snapshot events included).
    pub events_delivered: u64,
    pub events_per_second: f64,
    /// Live `agent_status` events received, summed over subscribers.
    pub agent_status_delivered: u64,
    pub latency: Latency,
    pub odigo: OdigoAnswers,
    pub subscribers: usize,
    /// `lagged` notices received (a lagged subscriber makes the latency figures unfit).
    pub lagged: u64,
    /// Events the lagged notices said were missed.
    pub missed: u64,
    pub snapshots: u64,
    /// Times the engine connected again to a CIC server (each one sent a fresh snapshot).
    pub cic_reconnects: u64,
    /// Subscribers short of their count (empty when complete).
    pub shortfalls: Vec<Shortfall>,
    /// The latency histogram (µs), to merge runs ([`Histogram::add`]).
    #[serde(skip)]
    pub histogram: Histogram<u64>,
}

fn seconds<S: serde::Serializer>(duration: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_f64(duration.as_secs_f64())
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = if self.complete {
            "complete"
        } else {
            "INCOMPLETE"
        };
        writeln!(
            f,
            "run ({:?}, {state}) in {:.3} s",
            self.pace,
            self.wall.as_secs_f64()
        )?;
        let o = &self.observations;
        writeln!(
            f,
            "  observations  {} (avaya {}, cic {}, odigo {}): {:.0}/s",
            o.total, o.avaya, o.cic, o.odigo, self.observations_per_second
        )?;
        let b = &self.bytes;
        writeln!(
            f,
            "  bytes sent    {} (avaya {}, cic {}, odigo {})",
            b.total, b.avaya, b.cic, b.odigo
        )?;
        writeln!(
            f,
            "  delivered     {} events to {} subscribers: {:.0}/s; agent_status {} of {} expected",
            self.events_delivered,
            self.subscribers,
            self.events_per_second,
            self.agent_status_delivered,
            self.expected_agent_status * self.subscribers as u64
        )?;
        let l = &self.latency;
        writeln!(
            f,
            "  latency (µs)  p50 {} p90 {} p99 {} p99.9 {} max {} over {} events",
            l.p50_us, l.p90_us, l.p99_us, l.p999_us, l.max_us, l.samples
        )?;
        let a = &self.odigo;
        writeln!(
            f,
            "  odigo         {} accepted, {} busy (503, resent), {} refused, {} reconnects",
            a.accepted, a.busy, a.refused, a.reconnects
        )?;
        write!(
            f,
            "  lagged        {} (missed {}), snapshots {}, CIC reconnects {}",
            self.lagged, self.missed, self.snapshots, self.cic_reconnects
        )?;
        for shortfall in &self.shortfalls {
            write!(
                f,
                "\n  short         {}: {} of {} agent_status{}{}",
                shortfall.subscriber,
                shortfall.agent_status_received,
                shortfall.agent_status_expected,
                if shortfall.lagged { ", lagged" } else { "" },
                shortfall
                    .error
                    .as_deref()
                    .map(|error| format!(", ended: {error}"))
                    .unwrap_or_default()
            )?;
        }
        Ok(())
    }
}
