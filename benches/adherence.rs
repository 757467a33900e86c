//! The adherence evaluator (`rta_adherence::Evaluator`) against a naive evaluator written here,
//! in the same run, on the worked example's rules (`specs/adherence.md`: Phone productive,
//! Break, Away; AVAIL/ACD*/ACW*/RING*/OTHER -> Phone, AUX 2 -> Break, AUX any -> Away), one
//! Avaya-like integration "cms" whose feed is up, each employee mapped to one agent, UTC.
//!
//! - `adherence_observe`: cost per `observe` (goal <= 200 ns). 100,000 employees scheduled
//!   Phone from 08:00, a 30-min Break starting between 13:00 and 14:30, Phone until 18:00.
//!   A pre-generated cycle of 4 x 100,000 status changes (every agent once per round, in a
//!   shuffled order, so the accesses are as random as a real feed's and the state does not fit
//!   the caches) takes each agent through ACDIN -> ACW -> AVAIL -> AUX 2 -> ACDIN...; it is
//!   replayed with one status per millisecond from 08:00 (a status lasts 100 s: 1,000
//!   changes/s, no alarm due) and `now` = the status's time. Every agent logged in (OTHER) at
//!   07:30, not timed. One iteration = `OBSERVE_BATCH` statuses; every event drained is
//!   counted and passed to `black_box` (then dropped). Per 4 statuses: 4 `agent_status` and 2
//!   `adherence` events (AUX 2 during Phone is out, ACDIN after it is in again).
//! - `adherence_advance`: cost of `advance` across a schedule boundary, per affected employee
//!   (goal: proportional to the affected employees, not to all). Sizes `A_of_N`: N employees
//!   on Phone (ACDIN), split in N / A groups; boundary k (10:00:00 + 10 s x k) flips group
//!   k mod (N / A) between Phone and Break (in <-> out), so each boundary affects exactly A
//!   employees and the others' boundaries are 10 s or more away. One iteration = `advance`
//!   from the boundary minus 1 s (not timed) to the boundary (timed): exactly A `adherence`
//!   events. The evaluator is not `Clone`, so it is built once (10-15 s at 1M employees) with
//!   enough boundaries for the run: 10M / N per employee, at least 100 in all (so 11 segments
//!   per schedule at 1M, 51 at 200k); rebuilt, untimed, if criterion asks for more (a message
//!   says so). Alarms are set to 1 h here so that none falls due. `rta` also keeps the
//!   figures (day and 15-minute tallies) and moves each employee's timer.
//!
//! The naive evaluator (`Naive`) does the same judgement the simplest way: mappings by
//! integration name in a `HashMap<String, _>`, the most specific row found by a linear scan of
//! the rows; users in `HashMap<String, HashMap<String, String>>`; employees in a
//! `HashMap<String, _>`, each schedule a `Vec<ScheduleRow>` scanned linearly at every
//! judgement; `advance` judges every employee (O(employees) per tick); events built the same
//! way (same fields, same allocations of `external_id` and `status`). It keeps no figures, no
//! alarms, no timers and ignores boundary tolerances (0 here), so it does less than `rta` per
//! status. Before each group, a small sample is run through both and the sorted event lists
//! must be equal (so the same adherence changes).
//!
//! ```sh
//! cargo bench --bench adherence              # about 2 min (1 of building); 2.4 GB at most
//! cargo bench --bench adherence -- --quick   # rough figures
//! cargo bench --bench adherence -- --test    # each once, with the equality checks
//! # instruction counts, one contender at a time (see `profile`):
//! ADHERENCE_PROFILE=observe-rta valgrind --tool=callgrind \
//!     --toggle-collect='adherence::profile_*' target/release/deps/adherence-<hash>
//! ```

use criterion::{BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group};
use rta_adherence::{
    Activity, ActivityMapping, Config, Emitted, Evaluator, Limits, OFFLINE, ReasonItem, ReasonSpec,
    ScheduleRow, UnscheduledWorking,
};
use rta_model::{
    AdherenceEvent, AdherenceStatus, AgentStatusEvent, Code, Direction, EventBody, FeedHealth,
    Name, Observation, Phase, Status, Timestamp, utf8_or_latin1,
};
use std::borrow::Cow;
use std::cmp::Reverse;
use std::collections::HashMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

#[path = "support/cms_site.rs"]
mod cms_site;
use cms_site::{CMS, DAY, SECOND, agent_id, at, config, timestamp};

/// Employees (and agents) of the observe benchmark: a working set that stays in the CPU
/// caches, and one that does not.
const OBSERVE_SIZES: [usize; 2] = [1_000, 100_000];
/// Employees of the observe workload under `ADHERENCE_PROFILE`.
const OBSERVE_EMPLOYEES: usize = 100_000;
/// Statuses per iteration of the observe benchmark.
const OBSERVE_BATCH: u64 = 10_000;
/// `(affected, employees)` of the advance benchmark.
const ADVANCE_SIZES: [(usize, usize); 3] = [
    (100_000, 1_000_000),
    (10_000, 1_000_000),
    (100_000, 200_000),
];
/// Distance between two boundaries of the advance benchmark.
const BOUNDARY_STEP: i64 = 10 * SECOND;
/// Boundary crossings prepared per advance benchmark (more than a run needs, usually).
const CROSSINGS: usize = 10_000_000;
/// At least this many boundaries per advance benchmark.
const MIN_BOUNDARIES: usize = 100;

/// The statuses an agent cycles through: `(phase, code, AUX reason)`.
const CYCLE: [(Phase, &str, Option<u32>); 4] = [
    (Phase::Talking, "ACDIN", None),
    (Phase::WrapUp, "ACW", None),
    (Phase::Available, "AVAIL", None),
    (Phase::Away, "AUX", Some(2)),
];

/// The status every agent logs in with, before the stream.
const LOGIN: (Phase, &str, Option<u32>) = (Phase::Other, "OTHER", None);

/// A status of an agent: `(phase, code, AUX reason)` at `time`, received then.
fn observation<'i>(
    external_id: &'i [u8],
    (phase, code, reason): (Phase, &'static str, Option<u32>),
    time: i64,
) -> Observation<'i> {
    let time = timestamp(time);
    Observation {
        integration: CMS,
        external_id: Cow::Borrowed(external_id),
        phase,
        direction: Direction::None,
        status: Status {
            reason: reason.map(Code::Number),
            ..Status::new(code)
        },
        time,
        received: time,
    }
}

/// What both evaluators do; every event goes to `sink`.
trait Contender: Sized {
    const NAME: &'static str;
    /// Started at `now` with "cms" named and up, every employee evaluated once (events
    /// discarded).
    fn start(config: Config, now: i64) -> Self;
    fn observe(&mut self, status: &Observation<'_>, now: Timestamp, sink: &mut impl FnMut(Emitted));
    fn advance(&mut self, now: Timestamp, sink: &mut impl FnMut(Emitted));
}

impl Contender for Evaluator {
    const NAME: &'static str = "rta";

    fn start(config: Config, now: i64) -> Evaluator {
        let mut evaluator =
            Evaluator::new(&config, Limits::default(), timestamp(now)).expect("a valid config");
        drop(config);
        evaluator.add_integration(CMS, "cms").expect("a new id");
        let _ = evaluator
            .set_health(CMS, FeedHealth::Up, timestamp(now))
            .count();
        let _ = Evaluator::advance(&mut evaluator, timestamp(now)).count();
        evaluator
    }

    fn observe(
        &mut self,
        status: &Observation<'_>,
        now: Timestamp,
        sink: &mut impl FnMut(Emitted),
    ) {
        Evaluator::observe(self, status, now).for_each(sink);
    }

    fn advance(&mut self, now: Timestamp, sink: &mut impl FnMut(Emitted)) {
        Evaluator::advance(self, now).for_each(sink);
    }
}

/// The last status of an employee's agent.
struct NaiveStatus {
    phase: Phase,
    direction: Direction,
    code: String,
    reason: Option<Code<'static>>,
    detail: Option<Code<'static>>,
    skills: Vec<u32>,
    time: Timestamp,
    /// `None`: unmapped.
    activity: Option<Name>,
}

/// `(status, scheduled activity, actual activity)`.
type NaiveJudgement = (AdherenceStatus, Option<Name>, Option<Name>);

struct NaiveEmployee {
    id: Name,
    schedule: Vec<ScheduleRow>,
    status: Option<NaiveStatus>,
    current: Option<NaiveJudgement>,
    since: Timestamp,
}

/// The simplest evaluator that judges like `rta` (see the module docs).
struct Naive {
    activities: HashMap<String, Activity>,
    unscheduled_out: bool,
    integrations: Vec<Option<Name>>,
    /// Activity mapping rows by integration name, scanned linearly.
    rows: HashMap<String, Vec<ActivityMapping>>,
    /// Integration name -> external id -> employee id.
    users: HashMap<String, HashMap<String, String>>,
    employees: HashMap<String, NaiveEmployee>,
    now: Timestamp,
    events: Vec<Emitted>,
}

impl Naive {
    fn new(config: Config, now: Timestamp) -> Naive {
        let mut activities: HashMap<String, Activity> = config
            .rules
            .activities
            .iter()
            .map(|activity| (activity.name.to_string(), activity.clone()))
            .collect();
        activities
            .entry(OFFLINE.to_owned())
            .or_insert_with(|| Activity::new(OFFLINE));
        let mut naive = Naive {
            activities,
            unscheduled_out: config.rules.policies.unscheduled_working == UnscheduledWorking::Out,
            integrations: Vec::new(),
            rows: HashMap::new(),
            users: HashMap::new(),
            employees: HashMap::new(),
            now,
            events: Vec::new(),
        };
        for employee in &config.employees {
            naive.employee(&employee.id);
        }
        for row in config.schedules {
            let id = row.employee.clone();
            naive.employee(&id).schedule.push(row);
        }
        for user in config.mappings.users {
            naive.employee(&user.employee);
            naive
                .users
                .entry(user.integration.to_string())
                .or_default()
                .entry(user.external_id.trim().to_owned())
                .or_insert_with(|| user.employee.to_string());
        }
        for row in config.mappings.activities {
            naive
                .rows
                .entry(row.integration.to_string())
                .or_default()
                .push(row);
        }
        naive
    }

    fn employee(&mut self, id: &Name) -> &mut NaiveEmployee {
        let now = self.now;
        self.employees
            .entry(id.to_string())
            .or_insert_with(|| NaiveEmployee {
                id: id.clone(),
                schedule: Vec::new(),
                status: None,
                current: None,
                since: now,
            })
    }

    fn drain(&mut self, sink: &mut impl FnMut(Emitted)) {
        self.events.drain(..).for_each(sink);
    }
}

/// The activity of the most specific matching row: exact code, then longer prefix, then `*`;
/// exact reason, then narrower range, then any; a given detail; the earlier row.
fn naive_resolve(
    rows: &[ActivityMapping],
    code: &str,
    reason: Option<&Code<'_>>,
    detail: Option<&Code<'_>>,
) -> Option<Name> {
    let value_matches = |value: &str, code: &Code<'_>| match code {
        Code::Number(n) => value.parse::<u32>() == Ok(*n),
        Code::Text(text) => {
            **text == *value
                || value
                    .parse::<u32>()
                    .is_ok_and(|v| code.as_number() == Some(v))
        }
    };
    let mut best = None;
    for (index, row) in rows.iter().enumerate() {
        let status = row.status.trim();
        let code_rank = if status == "*" {
            0
        } else if let Some(prefix) = status.strip_suffix('*') {
            if !code.starts_with(prefix) {
                continue;
            }
            prefix.len() as u32 + 1
        } else if status == code {
            u32::MAX
        } else {
            continue;
        };
        let wanted = row
            .detail
            .as_deref()
            .map(str::trim)
            .filter(|d| !d.is_empty());
        if let Some(wanted) = wanted {
            if !detail.is_some_and(|detail| value_matches(wanted, detail)) {
                continue;
            }
        }
        let (reason_rank, width) = match &row.reason {
            ReasonSpec::Any => (0, u64::MAX),
            ReasonSpec::List(items) => {
                let Some(reason) = reason else { continue };
                let best_item = items
                    .iter()
                    .filter_map(|item| match item {
                        ReasonItem::Exact(value) => value_matches(value, reason).then_some((2, 1)),
                        ReasonItem::Range(low, high) => reason
                            .as_number()
                            .is_some_and(|n| (*low..=*high).contains(&n))
                            .then(|| (1, u64::from(high - low) + 1)),
                    })
                    .max_by_key(|&(rank, width)| (rank, Reverse(width)));
                match best_item {
                    Some(item) => item,
                    None => continue,
                }
            }
        };
        let rank = (
            code_rank,
            reason_rank,
            Reverse(width),
            wanted.is_some(),
            Reverse(index),
        );
        if best.as_ref().is_none_or(|(best, _)| rank > *best) {
            best = Some((rank, &row.activity));
        }
    }
    best.map(|(_, activity)| activity.clone())
}

/// Judges `employee` at `t` and emits an `adherence` event if anything changed.
fn naive_step(
    activities: &HashMap<String, Activity>,
    unscheduled_out: bool,
    employee: &mut NaiveEmployee,
    t: Timestamp,
    events: &mut Vec<Emitted>,
) {
    // No status from a healthy feed: logged out.
    let actual = match &employee.status {
        None => Some(Name::from(OFFLINE)),
        Some(status) => status.activity.clone(),
    };
    let scheduled = employee
        .schedule
        .iter()
        .find(|row| row.start <= t && t < row.end)
        .map(|row| row.activity.clone());
    let status = match (&actual, &scheduled) {
        (None, _) => AdherenceStatus::Unknown,
        (Some(actual), None) if **actual == *OFFLINE => AdherenceStatus::NotScheduled,
        (Some(_), None) if unscheduled_out => AdherenceStatus::Out,
        (Some(_), None) => AdherenceStatus::NotScheduled,
        (Some(actual), Some(scheduled)) => {
            let wanted = &activities[&**scheduled];
            let doing = &activities[&**actual];
            if !wanted.counts_for_adherence {
                AdherenceStatus::Neutral
            } else if actual == scheduled
                || wanted.accepts.contains(actual)
                || (doing.category.is_some() && doing.category == wanted.category)
            {
                AdherenceStatus::In
            } else {
                AdherenceStatus::Out
            }
        }
    };
    let judgement = (status, scheduled, actual);
    if employee.current.as_ref() == Some(&judgement) {
        return;
    }
    let previous = employee.current.replace(judgement.clone()).map(|p| p.0);
    if previous != Some(status) {
        employee.since = t;
    }
    events.push(Emitted {
        time: t,
        body: EventBody::Adherence(AdherenceEvent {
            employee: employee.id.clone(),
            status,
            previous,
            scheduled_activity: judgement.1,
            actual_activity: judgement.2,
            since: employee.since,
        }),
    });
}

impl Contender for Naive {
    const NAME: &'static str = "naive";

    fn start(config: Config, now: i64) -> Naive {
        let mut naive = Naive::new(config, timestamp(now));
        let slot = usize::from(CMS.0);
        naive.integrations.resize(slot + 1, None);
        naive.integrations[slot] = Some("cms".into());
        naive.advance(timestamp(now), &mut drop);
        naive
    }

    fn observe(&mut self, o: &Observation<'_>, now: Timestamp, sink: &mut impl FnMut(Emitted)) {
        self.now = self.now.max(now);
        let Some(Some(integration)) = self.integrations.get(usize::from(o.integration.0)) else {
            return;
        };
        let external_id = utf8_or_latin1(&o.external_id);
        let Some(employee) = self
            .users
            .get(&**integration)
            .and_then(|users| users.get(&*external_id))
        else {
            return;
        };
        let employee = self
            .employees
            .get_mut(employee)
            .expect("mapped employees exist");
        let time = o.time.min(self.now);
        let status = &o.status;
        if let Some(last) = &employee.status {
            let unchanged = last.phase == o.phase
                && last.direction == o.direction
                && last.code == status.code
                && last.reason == status.reason
                && last.detail == status.detail
                && *last.skills == *status.skills;
            if time < last.time || unchanged {
                return;
            }
        }
        let reason = status.reason.clone().map(Code::into_owned);
        let detail = status.detail.clone().map(Code::into_owned);
        let activity = self
            .rows
            .get(&**integration)
            .and_then(|rows| naive_resolve(rows, &status.code, reason.as_ref(), detail.as_ref()))
            .or((o.phase == Phase::LoggedOut).then(|| Name::from(OFFLINE)));
        employee.status = Some(NaiveStatus {
            phase: o.phase,
            direction: o.direction,
            code: status.code.to_string(),
            reason: reason.clone(),
            detail: detail.clone(),
            skills: status.skills.to_vec(),
            time,
            activity: activity.clone(),
        });
        self.events.push(Emitted {
            time,
            body: EventBody::AgentStatus(AgentStatusEvent {
                integration: integration.clone(),
                external_id: external_id.into(),
                employee: Some(employee.id.clone()),
                phase: o.phase,
                status: Name::from(&*status.code),
                reason,
                detail,
                skills: status.skills.to_vec(),
                activity,
                since: time,
                received: o.received,
            }),
        });
        naive_step(
            &self.activities,
            self.unscheduled_out,
            employee,
            time,
            &mut self.events,
        );
        self.drain(sink);
    }

    fn advance(&mut self, now: Timestamp, sink: &mut impl FnMut(Emitted)) {
        self.now = self.now.max(now);
        for employee in self.employees.values_mut() {
            naive_step(
                &self.activities,
                self.unscheduled_out,
                employee,
                self.now,
                &mut self.events,
            );
        }
        self.drain(sink);
    }
}

/// Where a contender is in a replayed series; rebuilt (untimed) when the series runs out.
struct Series<C> {
    contender: Option<C>,
    next: usize,
    len: usize,
}

impl<C: Contender> Series<C> {
    fn new(len: usize, build: impl Fn() -> C) -> Series<C> {
        let start = Instant::now();
        let contender = build();
        eprintln!(
            "adherence: {} built in {:.1} s (not timed)",
            C::NAME,
            start.elapsed().as_secs_f64()
        );
        Series {
            contender: Some(contender),
            next: 0,
            len,
        }
    }

    /// The contender, rebuilt first if fewer than `needed` steps are left, and its next step.
    fn contender(&mut self, needed: usize, build: impl Fn() -> C) -> (&mut C, usize) {
        if self.next + needed > self.len {
            eprintln!(
                "adherence: {} ran out of prepared steps after {}: rebuilding (not timed)",
                C::NAME,
                self.next
            );
            drop(self.contender.take());
            self.contender = Some(build());
            self.next = 0;
        }
        let next = self.next;
        self.next += needed;
        (self.contender.as_mut().expect("built"), next)
    }
}

/// The observe workload: agent ids, and the cycle of statuses as `(agent, state)`.
struct Stream {
    ids: Vec<Vec<u8>>,
    cycle: Vec<(u32, u8)>,
}

const OBSERVE_START: i64 = at(7, 0, 0);
const OBSERVE_LOGIN: i64 = at(7, 30, 0);
const OBSERVE_SHIFT: i64 = at(8, 0, 0);
/// The stream stops short of the first break.
const OBSERVE_END: i64 = at(13, 0, 0);

impl Stream {
    fn new(agents: usize) -> Stream {
        let mut order: Vec<u32> = (0..agents as u32).collect();
        let mut seed = 0x9E37_79B9_7F4A_7C15_u64;
        for i in (1..order.len()).rev() {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            order.swap(i, (seed % (i as u64 + 1)) as usize);
        }
        let cycle = (0..CYCLE.len())
            .flat_map(|round| {
                order
                    .iter()
                    .map(move |&agent| (agent, ((round + agent as usize) % CYCLE.len()) as u8))
            })
            .collect();
        Stream {
            ids: (0..agents).map(agent_id).collect(),
            cycle,
        }
    }

    /// Status `k` of the replay, one per millisecond from the shift start.
    fn observation(&self, k: usize) -> Observation<'_> {
        let (agent, state) = self.cycle[k % self.cycle.len()];
        observation(
            &self.ids[agent as usize],
            CYCLE[usize::from(state)],
            OBSERVE_SHIFT + 1 + k as i64,
        )
    }

    /// How many statuses fit before the end of the stream.
    fn len(&self) -> usize {
        (OBSERVE_END - OBSERVE_SHIFT - 1) as usize
    }

    /// Employees on Phone 08:00-13:00, a staggered 30-min break, Phone until 18:00; every agent
    /// logged in (OTHER, not in the cycle) at 07:30; advanced to 08:00 (events to `sink`).
    fn build<C: Contender>(&self, sink: &mut impl FnMut(Emitted)) -> C {
        let config = config(self.ids.len(), 300, |n| {
            let rest = OBSERVE_END + (n % 4) as i64 * 1_800 * SECOND;
            vec![
                (OBSERVE_SHIFT, rest, true),
                (rest, rest + 1_800 * SECOND, false),
                (rest + 1_800 * SECOND, at(18, 0, 0), true),
            ]
        });
        let mut contender = C::start(config, OBSERVE_START);
        for id in &self.ids {
            let status = observation(id, LOGIN, OBSERVE_LOGIN);
            contender.observe(&status, status.time, &mut drop);
        }
        contender.advance(timestamp(OBSERVE_SHIFT), sink);
        contender
    }

    /// Plays statuses `from..to`; returns the number of events.
    fn play<C: Contender>(&self, contender: &mut C, from: usize, to: usize) -> u64 {
        let mut events = 0;
        let mut sink = |event: Emitted| {
            events += 1;
            black_box(event);
        };
        for k in from..to {
            let status = self.observation(k);
            contender.observe(&status, status.time, &mut sink);
        }
        events
    }
}

/// Sorted `Debug` lines of events (the two evaluators emit one call's events in different
/// orders).
fn sorted(events: Vec<Emitted>) -> Vec<String> {
    let mut lines: Vec<String> = events.iter().map(|e| format!("{e:?}")).collect();
    lines.sort();
    lines
}

/// Panics with the first difference (the lists can be long).
fn assert_same(rta: &[String], naive: &[String], what: &str) {
    if let Some((a, b)) = rta.iter().zip(naive).find(|(a, b)| a != b) {
        panic!("rta and naive disagree in {what}:\n rta:   {a}\n naive: {b}");
    }
    assert_eq!(
        rta.len(),
        naive.len(),
        "rta and naive emit different numbers of events in {what}"
    );
}

fn adherence_changes(lines: &[String]) -> usize {
    lines.iter().filter(|l| l.contains("Adherence(")).count()
}

/// 1,000 agents, 8 rounds: both emit the same events.
fn check_observe() {
    assert_eq!(timestamp(DAY).to_string(), "2026-11-23T00:00:00Z");
    let stream = Stream::new(1_000);
    let statuses = 8 * stream.ids.len();
    let mut outputs = Vec::new();
    fn run<C: Contender>(stream: &Stream, statuses: usize) -> Vec<String> {
        let mut events = Vec::new();
        let mut contender: C = stream.build(&mut |e| events.push(e));
        for k in 0..statuses {
            let status = stream.observation(k);
            contender.observe(&status, status.time, &mut |e| events.push(e));
        }
        sorted(events)
    }
    outputs.push(run::<Evaluator>(&stream, statuses));
    outputs.push(run::<Naive>(&stream, statuses));
    assert_same(&outputs[0], &outputs[1], "the stream");
    let changes = adherence_changes(&outputs[0]);
    assert!(changes > stream.ids.len() + statuses / 4, "{changes}");
    assert_eq!(
        outputs[0].len(),
        changes + statuses,
        "an agent_status per status"
    );
    println!(
        "adherence_observe check: {statuses} statuses, {} events, {changes} adherence changes \
         from both",
        outputs[0].len()
    );
}

fn observe(c: &mut Criterion) {
    check_observe();
    let mut group = c.benchmark_group("adherence_observe");
    group
        .throughput(Throughput::Elements(OBSERVE_BATCH))
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    fn bench<C: Contender>(
        group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
        stream: &Stream,
    ) {
        let mut series: Option<Series<C>> = None;
        let batch = OBSERVE_BATCH as usize;
        let id = BenchmarkId::new(C::NAME, format!("{}_employees", stream.ids.len()));
        group.bench_function(id, |b| {
            let series =
                series.get_or_insert_with(|| Series::new(stream.len(), || stream.build(&mut drop)));
            b.iter_custom(|iterations| {
                let mut total = Duration::ZERO;
                for _ in 0..iterations {
                    let (contender, from) = series.contender(batch, || stream.build(&mut drop));
                    let start = Instant::now();
                    let events = stream.play(contender, from, from + batch);
                    total += start.elapsed();
                    black_box(events);
                }
                total
            })
        });
    }
    for employees in OBSERVE_SIZES {
        let stream = Stream::new(employees);
        bench::<Evaluator>(&mut group, &stream);
        bench::<Naive>(&mut group, &stream);
    }
    group.finish();
}

/// An advance workload: `employees` employees in `employees / affected` groups; boundary `k`
/// flips group `k % groups`; each employee has `rounds` boundaries.
#[derive(Clone, Copy)]
struct Shape {
    affected: usize,
    employees: usize,
    rounds: usize,
}

const ADVANCE_START: i64 = at(9, 0, 0);
const FIRST_BOUNDARY: i64 = at(10, 0, 0);
const LAST_BOUNDARY: i64 = at(17, 0, 0);

impl Shape {
    /// With [`CROSSINGS`] boundary crossings prepared (at least [`MIN_BOUNDARIES`]
    /// boundaries), all before 17:00.
    fn new(affected: usize, employees: usize) -> Shape {
        assert_eq!(employees % affected, 0);
        let groups = employees / affected;
        let rounds = (CROSSINGS / employees).max(MIN_BOUNDARIES.div_ceil(groups));
        let shape = Shape {
            affected,
            employees,
            rounds,
        };
        assert!(Shape::boundary(shape.boundaries()) < LAST_BOUNDARY);
        shape
    }

    fn groups(self) -> usize {
        self.employees / self.affected
    }

    /// Boundaries prepared.
    fn boundaries(self) -> usize {
        self.rounds * self.groups()
    }

    fn boundary(k: usize) -> i64 {
        FIRST_BOUNDARY + k as i64 * BOUNDARY_STEP
    }

    fn label(self) -> String {
        let short = |n: usize| match n {
            n if n % 1_000_000 == 0 => format!("{}M", n / 1_000_000),
            n => format!("{}k", n / 1_000),
        };
        format!("{}_of_{}", short(self.affected), short(self.employees))
    }

    /// Everyone on a call (ACDIN) since 09:00, advanced to 1 s before the first boundary.
    fn build<C: Contender>(self) -> C {
        let groups = self.groups();
        let rounds = self.rounds;
        let config = config(self.employees, 3_600, |n| {
            let mut segments = Vec::with_capacity(rounds + 1);
            let (mut start, mut on_phone) = (at(8, 0, 0), true);
            for round in 0..rounds {
                let boundary = Shape::boundary(n % groups + round * groups);
                segments.push((start, boundary, on_phone));
                (start, on_phone) = (boundary, !on_phone);
            }
            segments.push((start, at(18, 0, 0), on_phone));
            segments
        });
        let mut contender = C::start(config, ADVANCE_START);
        for n in 0..self.employees {
            let id = agent_id(n);
            let status = observation(&id, CYCLE[0], ADVANCE_START);
            contender.observe(&status, status.time, &mut drop);
        }
        contender.advance(timestamp(Shape::boundary(0) - SECOND), &mut drop);
        contender
    }
}

/// Advances to boundary `k` (from 1 s before, not timed); the time of the timed advance and
/// the number of events.
fn cross<C: Contender>(contender: &mut C, k: usize) -> (Duration, u64) {
    let boundary = Shape::boundary(k);
    contender.advance(timestamp(boundary - SECOND), &mut drop);
    let mut events = 0;
    let mut sink = |event: Emitted| {
        events += 1;
        black_box(event);
    };
    let now = timestamp(boundary);
    let start = Instant::now();
    contender.advance(now, &mut sink);
    (start.elapsed(), events)
}

/// 2,000 employees, 10 groups: both emit the same events at every boundary, one per affected
/// employee.
fn check_advance() {
    let shape = Shape {
        affected: 200,
        employees: 2_000,
        rounds: 4,
    };
    let mut rta: Evaluator = shape.build();
    let mut naive: Naive = shape.build();
    let mut changes = 0;
    for k in 0..shape.boundaries() {
        let mut events = [Vec::new(), Vec::new()];
        let boundary = timestamp(Shape::boundary(k));
        Contender::advance(&mut rta, boundary, &mut |e| events[0].push(e));
        naive.advance(boundary, &mut |e| events[1].push(e));
        let [rta_events, naive_events] = events.map(sorted);
        assert_same(&rta_events, &naive_events, &format!("boundary {k}"));
        assert_eq!(adherence_changes(&rta_events), shape.affected);
        assert_eq!(rta_events.len(), shape.affected);
        changes += rta_events.len();
    }
    println!(
        "adherence_advance check: {} boundaries, {changes} adherence changes from both",
        shape.boundaries()
    );
}

fn advance(c: &mut Criterion) {
    check_advance();
    let mut group = c.benchmark_group("adherence_advance");
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_millis(1_500));
    fn bench<C: Contender>(
        group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
        shape: Shape,
    ) {
        let mut series: Option<Series<C>> = None;
        group.bench_function(BenchmarkId::new(C::NAME, shape.label()), |b| {
            let series =
                series.get_or_insert_with(|| Series::new(shape.boundaries(), || shape.build()));
            b.iter_custom(|iterations| {
                let mut total = Duration::ZERO;
                for _ in 0..iterations {
                    let (contender, k) = series.contender(1, || shape.build());
                    let (time, events) = cross(contender, k);
                    assert_eq!(events, shape.affected as u64);
                    total += time;
                }
                total
            })
        });
    }
    for (affected, employees) in ADVANCE_SIZES {
        let shape = Shape::new(affected, employees);
        group.throughput(Throughput::Elements(affected as u64));
        bench::<Evaluator>(&mut group, shape);
        bench::<Naive>(&mut group, shape);
    }
    group.finish();
}

/// Statuses `from..to` of the observe stream, outside criterion.
#[inline(never)]
fn profile_observe<C: Contender>(
    contender: &mut C,
    stream: &Stream,
    from: usize,
    to: usize,
) -> u64 {
    stream.play(contender, from, to)
}

/// Boundaries `0..count` of an advance workload, outside criterion.
#[inline(never)]
fn profile_advance<C: Contender>(contender: &mut C, count: usize) -> u64 {
    (0..count).map(|k| cross(contender, k).1).sum()
}

/// `ADHERENCE_PROFILE=observe-rta|observe-naive|advance-rta|advance-naive`: one contender,
/// outside criterion: 200,000 statuses of the observe workload after 100,000 not profiled, or
/// 20 boundaries of `100k_of_200k`.
fn profile(name: &str) {
    fn observe<C: Contender>() -> u64 {
        let stream = Stream::new(OBSERVE_EMPLOYEES);
        let mut contender: C = stream.build(&mut drop);
        stream.play(&mut contender, 0, 100_000);
        profile_observe(&mut contender, &stream, 100_000, 300_000)
    }
    fn advance<C: Contender>() -> u64 {
        let shape = Shape {
            affected: 100_000,
            employees: 200_000,
            rounds: 10,
        };
        profile_advance(&mut shape.build::<C>(), 20)
    }
    let events = match name {
        "observe-rta" => observe::<Evaluator>(),
        "observe-naive" => observe::<Naive>(),
        "advance-rta" => advance::<Evaluator>(),
        "advance-naive" => advance::<Naive>(),
        _ => {
            panic!("ADHERENCE_PROFILE is observe-rta, observe-naive, advance-rta or advance-naive")
        }
    };
    println!("{name}: {events} events");
}

criterion_group!(benches, observe, advance);

fn main() {
    if let Ok(name) = std::env::var("ADHERENCE_PROFILE") {
        profile(&name);
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
