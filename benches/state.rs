//! The per-agent state table against the usual alternatives, in the same run:
//! `Mutex<HashMap>`, `RwLock<HashMap>` and a plain `DashMap`, each keyed by `AgentKey` and
//! holding the same status words.
//!
//! - `state_update`: updates/s from one writer, every update a change (the worst case);
//! - `state_update_repeats`: the same with 9 updates in 10 repeating the current status, as
//!   a CMS snapshot stream does;
//! - `state_mixed`: updates/s from 2 writers (each the only writer of half the agents) while
//!   2 readers read continuously;
//! - `state_read`: reads/s from one reader while a writer updates continuously.
//!
//! Memory per agent at 1M agents is printed once (live heap bytes, counted by the allocator).

use criterion::{Criterion, Throughput, criterion_group};
use dashmap::DashMap;
use rta_model::{AgentKey, Direction, IntegrationId, Observation, Phase, Status, Timestamp};
use rta_state::StateTable;
use std::borrow::Cow;
use std::collections::HashMap;
use std::hint::black_box;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

#[path = "support/counting.rs"]
mod counting;

const AGENTS: usize = 100_000;

/// What the baselines store: the same information as a table slot.
#[derive(Clone, PartialEq)]
struct Record {
    phase: Phase,
    code: Arc<str>,
    since: Timestamp,
    last_seen: Timestamp,
    sequence: u64,
}

/// The update rule every contender applies: a different status is a change.
fn apply(map_entry: Option<&mut Record>, code: &Arc<str>, time: Timestamp) -> Option<Record> {
    match map_entry {
        Some(record) if &record.code == code => {
            record.last_seen = time;
            None
        }
        Some(record) => {
            *record = Record {
                phase: Phase::Away,
                code: Arc::clone(code),
                since: time,
                last_seen: time,
                sequence: record.sequence + 1,
            };
            None
        }
        None => Some(Record {
            phase: Phase::Away,
            code: Arc::clone(code),
            since: time,
            last_seen: time,
            sequence: 1,
        }),
    }
}

/// One writer thread's update function: `(agent, round)`.
type Updater<'c> = Box<dyn FnMut(usize, &Round) + Send + 'c>;

trait Contender: Sync {
    /// One writer thread's update function (rta's holds a `Writer`, the maps' only `&self`).
    fn writer(&self) -> Updater<'_>;
    fn read(&self, agent: usize) -> u64;
}

struct Rta {
    table: StateTable,
    keys: Vec<AgentKey>,
    ids: Vec<Vec<u8>>,
    integration: IntegrationId,
}

const CODES: [&str; 2] = ["AVAIL", "ACDIN"];

fn time(round: usize) -> Timestamp {
    Timestamp::from_second(1_795_420_800 + round as i64).expect("a time")
}

/// One pass over the agents: the status every agent reports, and when. Computed once per
/// pass, so the figures are the tables', not the time library's.
struct Round {
    code: usize,
    time: Timestamp,
}

impl Round {
    /// Pass `index` when every pass changes every agent's status.
    fn changing(index: usize) -> Round {
        Round::new(index, index % 2)
    }

    /// Pass `index` when a status lasts 10 passes, like a CMS refreshing every 10 s agents
    /// whose status changes every 100 s or so: 9 rows in 10 are repeats.
    fn mostly_repeating(index: usize) -> Round {
        Round::new(index, index / 10 % 2)
    }

    fn new(index: usize, code: usize) -> Round {
        Round {
            code,
            time: time(index),
        }
    }
}

impl Rta {
    fn new(agents: usize) -> Self {
        let table = StateTable::new(agents);
        let integration = table.add_integration();
        let ids: Vec<Vec<u8>> = (0..agents)
            .map(|i| format!("{:07}", 4_000_000 + i).into_bytes())
            .collect();
        let keys = ids
            .iter()
            .map(|id| table.intern(integration, id).expect("room"))
            .collect();
        Rta {
            table,
            keys,
            ids,
            integration,
        }
    }
}

impl Contender for Rta {
    fn writer(&self) -> Updater<'_> {
        let mut writer = self.table.writer();
        Box::new(move |agent, round| {
            let observation = Observation {
                integration: self.integration,
                external_id: Cow::Borrowed(&self.ids[agent]),
                phase: Phase::Away,
                direction: Direction::None,
                status: Status::new(CODES[round.code]),
                time: round.time,
                received: round.time,
            };
            black_box(writer.update(self.keys[agent], &observation));
        })
    }

    fn read(&self, agent: usize) -> u64 {
        self.table
            .get(self.keys[agent])
            .map_or(0, |status| status.sequence)
    }
}

struct Baseline<M> {
    map: M,
    codes: [Arc<str>; 2],
}

fn codes() -> [Arc<str>; 2] {
    CODES.map(Arc::from)
}

/// The map update both locked baselines make under their write lock.
fn update_map(map: &mut HashMap<AgentKey, Record>, code: &Arc<str>, agent: usize, round: &Round) {
    let key = AgentKey(agent as u32);
    if let Some(record) = apply(map.get_mut(&key), code, round.time) {
        map.insert(key, record);
    }
}

fn sequence_of(map: &HashMap<AgentKey, Record>, agent: usize) -> u64 {
    map.get(&AgentKey(agent as u32)).map_or(0, |r| r.sequence)
}

impl Contender for Baseline<Mutex<HashMap<AgentKey, Record>>> {
    fn writer(&self) -> Updater<'_> {
        Box::new(|agent, round| {
            let mut map = self.map.lock().expect("not poisoned");
            update_map(&mut map, &self.codes[round.code], agent, round);
        })
    }
    fn read(&self, agent: usize) -> u64 {
        sequence_of(&self.map.lock().expect("not poisoned"), agent)
    }
}

impl Contender for Baseline<RwLock<HashMap<AgentKey, Record>>> {
    fn writer(&self) -> Updater<'_> {
        Box::new(|agent, round| {
            let mut map = self.map.write().expect("not poisoned");
            update_map(&mut map, &self.codes[round.code], agent, round);
        })
    }
    fn read(&self, agent: usize) -> u64 {
        sequence_of(&self.map.read().expect("not poisoned"), agent)
    }
}

impl Contender for Baseline<DashMap<AgentKey, Record>> {
    fn writer(&self) -> Updater<'_> {
        Box::new(|agent, round| {
            let key = AgentKey(agent as u32);
            let mut entry = self.map.entry(key).or_insert_with(|| Record {
                phase: Phase::Unknown,
                code: Arc::from(""),
                since: time(0),
                last_seen: time(0),
                sequence: 0,
            });
            apply(Some(entry.value_mut()), &self.codes[round.code], round.time);
        })
    }
    fn read(&self, agent: usize) -> u64 {
        self.map
            .get(&AgentKey(agent as u32))
            .map_or(0, |r| r.sequence)
    }
}

fn contenders() -> Vec<(&'static str, Box<dyn Contender>)> {
    vec![
        ("rta", Box::new(Rta::new(AGENTS))),
        (
            "mutex_hashmap",
            Box::new(Baseline {
                map: Mutex::new(HashMap::new()),
                codes: codes(),
            }),
        ),
        (
            "rwlock_hashmap",
            Box::new(Baseline {
                map: RwLock::new(HashMap::new()),
                codes: codes(),
            }),
        ),
        (
            "dashmap",
            Box::new(Baseline {
                map: DashMap::new(),
                codes: codes(),
            }),
        ),
    ]
}

/// One pass over every agent = one iteration (`AGENTS` updates), one writer; `state_update`
/// changes every status every pass (the worst case), `state_update_repeats` a status in 10
/// passes (a CMS's snapshot stream).
fn single_writer(c: &mut Criterion) {
    for (group_name, round_of) in [
        ("state_update", Round::changing as fn(usize) -> Round),
        ("state_update_repeats", Round::mostly_repeating),
    ] {
        let mut group = c.benchmark_group(group_name);
        group
            .throughput(Throughput::Elements(AGENTS as u64))
            .sample_size(20);
        for (name, contender) in contenders() {
            let mut index = 0;
            let mut update = contender.writer();
            group.bench_function(name, |b| {
                b.iter(|| {
                    index += 1;
                    let round = round_of(index);
                    for agent in 0..AGENTS {
                        update(agent, &round);
                    }
                })
            });
        }
        group.finish();
    }
}

/// Runs `writers` threads over disjoint halves and `readers` threads until the writers are
/// done; returns the writers' wall time for `rounds` passes.
fn run_mixed(contender: &dyn Contender, writers: usize, readers: usize, rounds: usize) -> Duration {
    let done = AtomicBool::new(false);
    std::thread::scope(|scope| {
        for _ in 0..readers {
            scope.spawn(|| {
                let mut agent = 0;
                while !done.load(Ordering::Relaxed) {
                    black_box(contender.read(agent));
                    agent = (agent + 7919) % AGENTS;
                }
            });
        }
        let start = Instant::now();
        let handles: Vec<_> = (0..writers)
            .map(|shard| {
                scope.spawn(move || {
                    let mut update = contender.writer();
                    for index in 1..=rounds {
                        let round = Round::changing(index);
                        for agent in (shard..AGENTS).step_by(writers) {
                            update(agent, &round);
                        }
                    }
                })
            })
            .collect();
        for handle in handles {
            handle.join().expect("a writer");
        }
        let elapsed = start.elapsed();
        done.store(true, Ordering::Relaxed);
        elapsed
    })
}

fn mixed(c: &mut Criterion) {
    let mut group = c.benchmark_group("state_mixed_2w2r");
    group
        .throughput(Throughput::Elements(AGENTS as u64))
        .sample_size(10);
    for (name, contender) in contenders() {
        group.bench_function(name, |b| {
            b.iter_custom(|iterations| run_mixed(&*contender, 2, 2, iterations as usize))
        });
    }
    group.finish();
}

/// Reads of every agent = one iteration, while one writer updates continuously.
fn read_while_writing(c: &mut Criterion) {
    let mut group = c.benchmark_group("state_read_while_writing");
    group
        .throughput(Throughput::Elements(AGENTS as u64))
        .sample_size(20);
    for (name, contender) in contenders() {
        let mut update = contender.writer();
        for agent in 0..AGENTS {
            update(agent, &Round::changing(1));
        }
        let stop = AtomicBool::new(false);
        std::thread::scope(|scope| {
            scope.spawn(|| {
                let mut index = 2;
                while !stop.load(Ordering::Relaxed) {
                    let round = Round::changing(index);
                    for agent in (0..AGENTS).step_by(97) {
                        update(agent, &round);
                    }
                    index += 1;
                }
            });
            group.bench_function(name, |b| {
                b.iter(|| (0..AGENTS).map(|agent| contender.read(agent)).sum::<u64>())
            });
            stop.store(true, Ordering::Relaxed);
        });
    }
    group.finish();
}

/// Live heap bytes per agent once a million agents hold a status.
fn memory_per_agent(_: &mut Criterion) {
    const MILLION: usize = 1_000_000;
    let ids: Vec<Vec<u8>> = (0..MILLION)
        .map(|i| format!("{:07}", 4_000_000 + i).into_bytes())
        .collect();
    let before = counting::live_bytes();
    let table = StateTable::new(MILLION);
    let integration = table.add_integration();
    for id in &ids {
        let observation = Observation {
            integration,
            external_id: Cow::Borrowed(id),
            phase: Phase::Available,
            direction: Direction::None,
            status: Status::new("AVAIL"),
            time: time(0),
            received: time(0),
        };
        table.observe(&observation).expect("room");
    }
    let bytes = counting::live_bytes() - before;
    println!(
        "state_memory: {} bytes per agent at {} agents (interner, ids of 7 bytes, slots)",
        bytes / MILLION,
        table.len()
    );
}

criterion_group!(
    benches,
    single_writer,
    mixed,
    read_while_writing,
    memory_per_agent
);

criterion::criterion_main!(benches);
