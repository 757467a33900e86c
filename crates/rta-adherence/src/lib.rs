//! # rta-adherence: schedule adherence, deterministic and sans-IO
//!
//! The [`Evaluator`] turns agent statuses and the passing of time into `agent_status`,
//! `adherence`, `alarm` and `unmapped` events ([`rta_model::EventBody`]), and keeps adherence
//! and conformance [`Figures`] per employee, day and 15-minute interval. It never reads a
//! clock or a socket: time is an argument of every call, so the same inputs always give the
//! same events (`specs/adherence.md` is the contract).
//!
//! ## Driving it
//! - [`Evaluator::new`] from a [`Config`]: [`Rules`] (activities, [`Defaults`], [`Policies`]),
//!   employees, [`Mappings`] and schedules. The binary loads the CSV files with
//!   [`read_user_mappings`], [`read_activity_mappings`], [`read_schedules`] and
//!   [`read_employees`]: a bad row is reported with its line, the rest loads.
//! - [`Evaluator::add_integration`] names the engine's integration ids;
//!   [`Evaluator::set_health`] feeds their health (`up` is healthy; `waiting`, `stale`,
//!   `down` make their employees `unknown`).
//! - [`Evaluator::observe`] applies a status ([`rta_model::Observation`]) at its event time,
//!   [`Evaluator::advance`] moves the clock: schedule boundaries and alarm deadlines fire at
//!   their own time. Both return the events as a draining iterator; the bus numbers them.
//! - Agents are found by a dense key ([`rta_model::AgentKey`]), an index into the evaluator's
//!   agents: it keeps no index by external id of its own. Alone it makes its keys
//!   ([`OwnKeys`]); the engine gives it the state table's ([`Evaluator::with_keys`], an
//!   [`AgentKeys`]) and each status with its key ([`Evaluator::observe_key`]), so that an
//!   agent has one key and one index in the whole engine.
//! - At run time: [`Evaluator::reload_mappings`] (every current status is mapped again, nothing
//!   needs re-sending), [`Evaluator::replace_schedule`] (intraday change, effective at once).
//! - Figures any time, "today so far" included: [`Evaluator::today`],
//!   [`Evaluator::figures`], [`Evaluator::team_figures`].
//!
//! ## The rules, on the worked example of the spec
//! E1 is Avaya LOGID 40101; AVAIL, ACD*, ACW*, RING*, OTHER map to Phone, AUX reason 2 to
//! Break, AUX with any other reason to Away; E1 is scheduled Phone 08:00-10:00, Break
//! 10:00-10:15, Phone 10:15-12:00.
//!
//! ```
//! use rta_adherence::*;
//! use rta_model::{AdherenceStatus, EventBody, FeedHealth, IntegrationId, Observation, Phase, Status};
//! use std::borrow::Cow;
//!
//! let t = |hms: &str| format!("2026-11-23T{hms}Z").parse::<rta_model::Timestamp>().unwrap();
//! let phone = |code: &str| ActivityMapping {
//!     integration: "cms".into(), status: code.into(), reason: ReasonSpec::Any, detail: None,
//!     activity: "Phone".into(),
//! };
//! let segment = |start, end, activity: &str| ScheduleRow {
//!     employee: "E1".into(), start: t(start), end: t(end), activity: activity.into(),
//! };
//! let config = Config {
//!     rules: Rules {
//!         activities: vec![Activity::new("Phone").productive(), Activity::new("Break"), Activity::new("Away")],
//!         ..Rules::default()
//!     },
//!     mappings: Mappings {
//!         users: vec![UserMapping { integration: "cms".into(), external_id: "40101".into(), employee: "E1".into() }],
//!         activities: vec![
//!             phone("AVAIL"), phone("ACD*"), phone("ACW*"), phone("RING*"), phone("OTHER"),
//!             ActivityMapping { reason: "2".parse().unwrap(), activity: "Break".into(), ..phone("AUX") },
//!             ActivityMapping { activity: "Away".into(), ..phone("AUX") },
//!         ],
//!     },
//!     schedules: vec![
//!         segment("08:00:00", "10:00:00", "Phone"),
//!         segment("10:00:00", "10:15:00", "Break"),
//!         segment("10:15:00", "12:00:00", "Phone"),
//!     ],
//!     ..Config::default()
//! };
//! let cms = IntegrationId(0);
//! let mut evaluator = Evaluator::new(&config, Limits::default(), t("07:00:00")).unwrap();
//! evaluator.add_integration(cms, "cms").unwrap();
//! let _ = evaluator.set_health(cms, FeedHealth::Up, t("07:00:00")).count();
//! let status = |phase, code: &'static str, reason: Option<u32>, at: &str| Observation {
//!     integration: cms,
//!     external_id: Cow::Borrowed(b"40101".as_slice()),
//!     phase,
//!     direction: Default::default(),
//!     status: Status { reason: reason.map(rta_model::Code::Number), ..Status::new(code) },
//!     time: t(at),
//!     received: t(at),
//! };
//! // Logged in on OTHER (Phone) before the shift: not scheduled.
//! let _ = evaluator.observe(&status(Phase::Talking, "ACDIN", None, "07:58:00"), t("07:58:00")).count();
//! assert_eq!(evaluator.adherence("E1").unwrap().status, AdherenceStatus::NotScheduled);
//! let _ = evaluator.advance(t("09:59:59")).count(); // 08:00: in
//! // Nothing arrives, yet at 10:00 the break starts: out, and a minute later the alarm.
//! let events: Vec<Emitted> = evaluator.advance(t("10:01:00")).collect();
//! assert!(matches!(&events[0].body, EventBody::Adherence(a) if a.status == AdherenceStatus::Out));
//! assert!(matches!(&events[1].body, EventBody::Alarm(a) if a.level == rta_model::AlarmLevel::Raised));
//! // AUX 2 is Break: in again, alarm cleared.
//! let _ = evaluator.observe(&status(Phase::Away, "AUX", Some(2), "10:03:00"), t("10:03:00")).count();
//! let _ = evaluator.advance(t("10:15:00")).count(); // Phone is scheduled, E1 still on Break: out
//! let _ = evaluator.observe(&status(Phase::Available, "AVAIL", None, "10:19:30"), t("10:19:30")).count();
//! let _ = evaluator.observe(&status(Phase::LoggedOut, "LOGOUT", None, "12:01:00"), t("12:01:00")).count();
//!
//! let day = evaluator.today("E1", t("18:00:00")).unwrap().total;
//! assert_eq!(day.seconds(Measure::Scheduled), 14_400.0);    // S
//! assert_eq!(day.seconds(Measure::OutAfterGrace), 450.0);   // O = 180 + 270
//! assert_eq!(day.adherence_percent(), Some(96.875));
//! assert!((day.conformance_percent().unwrap() - 100.667).abs() < 1e-3);
//! ```
//!
//! Adherence of an employee at instant t, first rule that applies:
//! 1. the source of the winning status is not healthy (or none is) -> `unknown`;
//! 2. the status is unmapped -> `unknown` (and one `unmapped` event per distinct id or
//!    code);
//! 3. nothing scheduled: `Offline` -> `not_scheduled`, working -> the policy
//!    [`UnscheduledWorking`] (`not_scheduled` by default, or `out`);
//! 4. the scheduled activity does not count -> `neutral`;
//! 5. doing the scheduled activity, one it accepts, or one of its category -> `in`, else
//!    `out`;
//! 6. within `boundary_tolerance` of a boundary between two touching segments, either
//!    neighbour is `in`.
//!
//! `out` for `alarm_after` raises an alarm, for `severe_after` makes it severe; leaving `out`
//! clears it. Adherence % = 100 x (1 - O / (S - N)), with the grace of [`GraceMode`];
//! conformance % = productive actual / productive scheduled time.
//!
//! ## Decisions where the spec is silent
//! - **Specificity of mappings**: the status first (exact code, then the longest prefix such
//!   as `ACD*`, then `*`), then the reason (exact value, then the narrowest range, then any),
//!   then the detail (given beats any), then the earlier row. A row repeating another's key
//!   with a different activity is rejected.
//! - **Unmapped statuses** are reported per distinct `(integration, code, reason)`, the value
//!   reads `AUX/5`: a code mapped for some reasons but not this one is reported too.
//! - **Several integrations**: the status with the latest event time wins (ties: the later
//!   arrival); `unknown` follows the health of the integration it came from. An employee
//!   with no status at all is `Offline` only if all their integrations are up; an employee
//!   mapped nowhere is `unknown`.
//! - **Time**: a status dated after `now` takes effect at `now`; one dated before the
//!   employee's last transition takes effect at that transition: published events are never
//!   rewritten, and each employee's events are in time order. Timers due before a status's
//!   event time fire before it, those due between its event time and its arrival after it;
//!   a boundary at the very instant of a status is judged together with it.
//! - **Figures** never run ahead of the evaluator's clock (the latest `now` it was given):
//!   a boundary not yet applied is not guessed. The runtime advances before it asks.
//! - **Adherence events** are emitted when the status, the scheduled or the actual activity
//!   changes; `since` is when the status began (`previous` may equal `status` when only an
//!   activity changed).
//! - **Alarm thresholds and grace** are those of the activity scheduled when the out period
//!   began (the defaults if nothing was scheduled); an out period runs until the status is no
//!   longer `out`, across schedule boundaries.
//! - **Tolerance** of a boundary is the larger of its two activities', limited to the shorter
//!   of the two segments.
//! - **Days** (see the `figures` module): a shift (touching segments) crossing local midnight
//!   belongs to the day it starts, which then ends when the shift ends. Days partition time,
//!   so a day's five status measures add up to the time tracked in it: 23 or 25 hours on DST
//!   days. Intraday schedule changes do not rewrite figures already counted.
//! - **Memory** is bounded by [`Limits`]: agents, remembered codes, days of figures.
//!
//! ## Cost
//! Each employee holds one timer (its next boundary or alarm deadline) in an indexed heap:
//! [`Evaluator::advance`] costs O(log n) per expired timer, never O(employees), and the
//! heap never holds more entries than employees. The current schedule segment is found by a
//! cursor (O(1) amortized). Measured in `benches/adherence.rs` (`benches/RESULTS.md`).
//!
//! ## Memory
//! At a million employees each one an agent, the evaluator holds about 317 bytes per agent
//! (`benches/memory.rs`: the employee, its agent, the indexes, the timer, a day of figures
//! with two intervals), apart from the schedules: a segment is 40 bytes, a day in 15-minute
//! pieces about 34 of them, and that is schedule data, proportional to what the planners
//! sent, not per-agent state. A day of figures is 32 bytes and its intervals 28 bytes each (up
//! to 96 a day, for the retained days; a day's totals are its intervals' sums, not kept
//! apart). What keeps it there:
//! - an agent's external id is held once, as the text of its events: a user mapping row is
//!   dropped once its integration is named and its agent, linked to the employee, made;
//! - ids and codes are [`rta_model::Name`]s, which keep up to 15 bytes inline (no allocation
//!   for the usual ids, where an `Arc<str>` took 24 bytes more) and share longer ones; bytes
//!   that are not UTF-8 are held as their Latin-1 reading, which maps back to the same bytes;
//! - indexes are `hashbrown::HashTable<u32>`s into the agent, employee and user-mapping `Vec`s,
//!   comparing against the stored record (no second key, no 24- or 48-byte map slots);
//! - exact allocations where the count is known: employees, mapped agents, user mappings, the
//!   timer queue, a schedule (a boxed slice), the retained days; a day's intervals are a boxed
//!   slice grown by one (at most one every 15 minutes);
//! - what most agents and employees do without is boxed: a status's reason, detail and skills
//!   (an AUX reason is the usual exception), an out period in progress; an alarm names the
//!   activity its thresholds come from instead of copying them, and its start is the
//!   employee's `since`;
//! - small records: an employee's agents are a list through the agents (4 bytes, not a
//!   24-byte vector), its team and its time zone indexes into the distinct ones, what it
//!   does 2 bytes (an activity id or one of two values no id takes), a user mapping row names its
//!   employee by index; an agent's last status is fields of the agent (not an `Option` with
//!   padding of its own; "no status yet" is its arrival order 0, not an `Option`), its code
//!   an id into the distinct codes (4 bytes, not a 16-byte name) and an optional activity 2
//!   bytes; a schedule's cursor is kept beside it in the
//!   employee; an interval keeps ten counters of 20 bits, not `not_scheduled` (the rest of
//!   the interval), and its place in its day, not its number since the epoch; a day its length in a `u32` beside its date; a timer is 12 bytes; an open
//!   span holds only what the figures tell apart, the grace of an out period being given when
//!   the period begins;
//! - the event buffer keeps the capacity of 1,024 events between calls: a burst (a reload, a
//!   feed going down, every employee's shift starting at 08:00) allocates for itself and is
//!   given back at the next call.

mod activities;
mod config;
mod error;
mod evaluator;
mod figures;
mod files;
mod instant;
mod keys;
mod mapping;
mod schedule;
mod timers;

pub use config::{
    Activity, ActivityMapping, BadReason, Config, Defaults, Employee, GraceMode, Mappings, OFFLINE,
    Policies, ReasonItem, ReasonSpec, Rules, ScheduleRow, Thresholds, UnscheduledWorking,
    UserMapping,
};
pub use error::{ConfigError, MappingError, ScheduleError};
pub use evaluator::{Adherence, AgentMapping, Emitted, Evaluator, Limits, Stats};
pub use figures::{DayFigures, Figures, Measure};
pub use files::{
    FileError, Loaded, MAX_ROW_BYTES, RowError, read_activity_mappings, read_employees,
    read_schedules, read_user_mappings,
};
pub use keys::{AgentKeys, OwnKeys};
