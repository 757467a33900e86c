//! Fan-out: deliveries per second from one publisher to 1, 8 and 64 subscribers whose filters
//! all match, against two baselines in the same run:
//!
//! - `rta`: `rta_engine::Bus` (seq under the lock, `Filter::all()` checked per subscriber, one
//!   `Arc<Event>` shared by every bounded `crossbeam-channel` queue, the 65,536-event resume
//!   ring) and sync `Subscription`s read with `try_recv`;
//! - `tokio_broadcast`: `tokio::sync::broadcast::<Arc<Event>>`, the channel made for fan-out
//!   (one shared ring; every receiver clones the `Arc`);
//! - `naive`: a `Mutex<Vec<crossbeam_channel::Sender<Event>>>` that clones the whole event for
//!   every subscriber.
//!
//! One iteration publishes a batch of `BATCH` realistic `agent_status` events (each publisher
//! builds its own event from a template: one body clone per event for all three), then drains
//! every subscriber's queue on the same thread, so a delivery counts its send and its receive.
//! Queues hold a whole batch, so nobody lags or blocks. Single-threaded on purpose: this VM has
//! 2 cores, and 8 or 64 consumer threads would measure the scheduler rather than the fan-out.
//! Throughput: `BATCH x subscribers` deliveries per iteration.
//!
//! `BUS_PROFILE=rta|tokio_broadcast|naive` runs only that contender, 200 batches to
//! `BUS_SUBSCRIBERS` (default 64) subscribers, outside criterion (for callgrind:
//! `--toggle-collect='bus::profile*'`).

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group};
use rta_engine::{Bus, EmptySource, Filter, SubscribeOptions, Subscription};
use rta_model::{AgentStatusEvent, Code, Event, EventBody, Name, Phase, Timestamp};
use std::hint::black_box;
use std::sync::{Arc, Mutex};

const BATCH: usize = 1024;
const SUBSCRIBERS: [usize; 3] = [1, 8, 64];

/// `BATCH` agent_status bodies as a CMS feed produces them: one integration, distinct agents,
/// the usual mix of states, AUX reasons, skills.
fn bodies() -> Vec<EventBody> {
    let integration: Name = "cms-paris".into();
    let since: Timestamp = "2026-11-23T10:00:00Z".parse().unwrap();
    let states = [
        (Phase::Available, "AVAIL", None),
        (Phase::Talking, "ACDIN", None),
        (Phase::WrapUp, "ACW", None),
        (Phase::Away, "AUX", Some(Code::Number(3))),
        (Phase::Talking, "ACDOUT", None),
        (Phase::Away, "AUX", Some(Code::Number(7))),
    ];
    (0..BATCH)
        .map(|i| {
            let (phase, status, reason) = states[i % states.len()].clone();
            EventBody::AgentStatus(AgentStatusEvent {
                integration: integration.clone(),
                external_id: format!("{}", 40_100 + i).into(),
                employee: Some(format!("E{:05}", 100 + i).into()),
                phase,
                status: status.into(),
                reason,
                detail: Some(Code::Number(100 + (i % 12) as u32)),
                skills: vec![101, 102 + (i % 5) as u32],
                activity: None,
                since,
                received: since,
            })
        })
        .collect()
}

/// A fan-out under test: publish every body once, then drain every subscriber. Returns the
/// deliveries received.
trait FanOut {
    fn round(&mut self, bodies: &[EventBody], time: Timestamp) -> usize;
}

struct Rta {
    bus: Bus,
    subscribers: Vec<Subscription>,
}

impl Rta {
    fn new(subscribers: usize) -> Rta {
        let bus = Bus::builder(Arc::new(EmptySource)).build();
        let subscribers = (0..subscribers)
            .map(|_| {
                bus.subscribe(SubscribeOptions::new(Filter::all()).capacity(BATCH))
                    .unwrap()
            })
            .collect();
        Rta { bus, subscribers }
    }
}

impl FanOut for Rta {
    fn round(&mut self, bodies: &[EventBody], time: Timestamp) -> usize {
        for body in bodies {
            self.bus.publish(time, body.clone());
        }
        let mut received = 0;
        for subscriber in &self.subscribers {
            while let Some(delivery) = subscriber.try_recv().unwrap() {
                black_box(&delivery);
                received += 1;
            }
        }
        received
    }
}

struct TokioBroadcast {
    next_seq: u64,
    tx: tokio::sync::broadcast::Sender<Arc<Event>>,
    subscribers: Vec<tokio::sync::broadcast::Receiver<Arc<Event>>>,
}

impl TokioBroadcast {
    fn new(subscribers: usize) -> TokioBroadcast {
        let (tx, _) = tokio::sync::broadcast::channel(BATCH);
        let subscribers = (0..subscribers).map(|_| tx.subscribe()).collect();
        TokioBroadcast {
            next_seq: 1,
            tx,
            subscribers,
        }
    }
}

impl FanOut for TokioBroadcast {
    fn round(&mut self, bodies: &[EventBody], time: Timestamp) -> usize {
        for body in bodies {
            let event = Arc::new(Event {
                seq: self.next_seq,
                time,
                body: body.clone(),
            });
            self.next_seq += 1;
            self.tx.send(event).unwrap();
        }
        let mut received = 0;
        for subscriber in &mut self.subscribers {
            while let Ok(event) = subscriber.try_recv() {
                black_box(&event);
                received += 1;
            }
        }
        received
    }
}

struct Naive {
    senders: Mutex<(u64, Vec<crossbeam_channel::Sender<Event>>)>,
    subscribers: Vec<crossbeam_channel::Receiver<Event>>,
}

impl Naive {
    fn new(subscribers: usize) -> Naive {
        let (senders, receivers) = (0..subscribers)
            .map(|_| crossbeam_channel::bounded(BATCH))
            .unzip();
        Naive {
            senders: Mutex::new((1, senders)),
            subscribers: receivers,
        }
    }
}

impl FanOut for Naive {
    fn round(&mut self, bodies: &[EventBody], time: Timestamp) -> usize {
        for body in bodies {
            let mut event = Event {
                seq: 0,
                time,
                body: body.clone(),
            };
            let mut locked = self.senders.lock().unwrap();
            let (next_seq, senders) = &mut *locked;
            event.seq = *next_seq;
            *next_seq += 1;
            for sender in senders.iter() {
                sender.try_send(event.clone()).unwrap();
            }
        }
        let mut received = 0;
        for subscriber in &self.subscribers {
            while let Ok(event) = subscriber.try_recv() {
                black_box(&event);
                received += 1;
            }
        }
        received
    }
}

/// The contenders, by name, for `subscribers` subscribers.
fn contenders(subscribers: usize) -> [(&'static str, Box<dyn FanOut>); 3] {
    [
        ("rta", Box::new(Rta::new(subscribers))),
        (
            "tokio_broadcast",
            Box::new(TokioBroadcast::new(subscribers)),
        ),
        ("naive", Box::new(Naive::new(subscribers))),
    ]
}

fn time() -> Timestamp {
    "2026-11-23T10:00:02Z".parse().unwrap()
}

fn fan_out(c: &mut Criterion) {
    let bodies = bodies();
    let time = time();
    let mut group = c.benchmark_group("bus_fanout");
    for subscribers in SUBSCRIBERS {
        let deliveries = BATCH * subscribers;
        group.throughput(Throughput::Elements(deliveries as u64));
        for (name, mut contender) in contenders(subscribers) {
            // Checked once, outside the timing: every subscriber gets the whole batch.
            assert_eq!(contender.round(&bodies, time), deliveries, "{name}");
            group.bench_function(BenchmarkId::new(name, subscribers), |b| {
                b.iter(|| contender.round(&bodies, time));
            });
        }
    }
    group.finish();
}

/// 200 batches through one contender, for an instruction profile.
#[inline(never)]
fn profile(contender: &mut dyn FanOut, bodies: &[EventBody], time: Timestamp) -> usize {
    (0..200).map(|_| contender.round(bodies, time)).sum()
}

criterion_group!(benches, fan_out);

fn main() {
    if let Ok(name) = std::env::var("BUS_PROFILE") {
        let bodies = bodies();
        let subscribers = std::env::var("BUS_SUBSCRIBERS").map_or(64, |n| {
            n.parse()
                .expect("BUS_SUBSCRIBERS is a number of subscribers")
        });
        let (_, mut contender) = contenders(subscribers)
            .into_iter()
            .find(|(n, _)| *n == name)
            .expect("BUS_PROFILE is rta, tokio_broadcast or naive");
        let delivered = profile(&mut *contender, &bodies, time());
        println!("{name}: {delivered} deliveries");
        return;
    }
    benches();
    criterion::Criterion::default()
        .configure_from_args()
        .final_summary();
}
