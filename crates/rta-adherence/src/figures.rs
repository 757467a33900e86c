//! Adherence and conformance figures, kept incrementally from the evaluator's own transitions.
//!
//! Between two transitions of an employee nothing changes, so the evaluator hands each closed
//! **span** (its status, whether the scheduled activity counts and is productive, whether the
//! actual one is productive) to the employee's [`Tracker`], which cuts it at day and 15-minute
//! interval boundaries and adds it up. "Today so far" closes a copy of the open span at `now`.
//!
//! **Days.** A day is the employee's local calendar day, except that a shift (touching
//! segments) crossing midnight belongs wholly to the day it starts: that day ends when the
//! shift ends and the next day starts then. Days therefore partition time, and the five status
//! measures of a day always add up to the time tracked in it (23 or 25 hours on DST days).
//!
//! **Grace.** An out period is a continuous run of `out`; its grace is that of the activity
//! scheduled when it began. `deduct` forgives the first `grace` of out time within scheduled
//! time of each period; `forgive_short` counts nothing until the period's scheduled out time
//! reaches `grace`, then counts all of it (the held-back parts are added to the intervals they
//! happened in). A period still running is judged on its length so far.

use crate::activities::Grace;
use crate::config::GraceMode;
use crate::instant::{INTERVAL, Millis, timestamp};
use crate::schedule::Schedule;
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use rta_model::AdherenceStatus;

/// One quantity of [`Figures`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Measure {
    /// Time `in` adherence.
    In,
    /// Time `out` of adherence (raw, also outside scheduled time under the `out` policy).
    Out,
    Neutral,
    Unknown,
    NotScheduled,
    /// S: scheduled time on activities that count for adherence.
    Scheduled,
    /// N: time within S that was `neutral` or `unknown`.
    Excused,
    /// O before grace: time within S that was `out`.
    OutScheduled,
    /// O: time within S that was `out`, after grace.
    OutAfterGrace,
    /// Time scheduled on productive activities.
    ProductiveScheduled,
    /// Time actually on productive activities.
    ProductiveActual,
}

const MEASURES: usize = 11;

impl Measure {
    /// Every measure, in declaration order (the order of [`Figures`]).
    pub const ALL: [Measure; MEASURES] = [
        Measure::In,
        Measure::Out,
        Measure::Neutral,
        Measure::Unknown,
        Measure::NotScheduled,
        Measure::Scheduled,
        Measure::Excused,
        Measure::OutScheduled,
        Measure::OutAfterGrace,
        Measure::ProductiveScheduled,
        Measure::ProductiveActual,
    ];

    /// The five statuses: every instant is in exactly one of them.
    pub const STATUSES: [Measure; 5] = [
        Measure::In,
        Measure::Out,
        Measure::Neutral,
        Measure::Unknown,
        Measure::NotScheduled,
    ];

    fn of(status: AdherenceStatus) -> Measure {
        match status {
            AdherenceStatus::In => Measure::In,
            AdherenceStatus::Out => Measure::Out,
            AdherenceStatus::Neutral => Measure::Neutral,
            AdherenceStatus::Unknown => Measure::Unknown,
            AdherenceStatus::NotScheduled => Measure::NotScheduled,
        }
    }
}

/// Times of a period (an employee's day, an interval, a team's day...), in milliseconds.
/// Figures of several periods or employees add up; percentages are computed from the sums.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Figures {
    millis: [u64; MEASURES],
}

impl Figures {
    pub fn millis(&self, measure: Measure) -> u64 {
        self.millis[measure as usize]
    }

    pub fn seconds(&self, measure: Measure) -> f64 {
        self.millis(measure) as f64 / 1e3
    }

    /// The time the figures cover: the sum of the five statuses.
    pub fn tracked_millis(&self) -> u64 {
        Measure::STATUSES.iter().map(|m| self.millis(*m)).sum()
    }

    /// 100 x (1 - O / (S - N)), O after grace; `None` when S - N is not positive.
    pub fn adherence_percent(&self) -> Option<f64> {
        self.percent(Measure::OutAfterGrace)
    }

    /// Adherence with every out second counted (no grace).
    pub fn raw_adherence_percent(&self) -> Option<f64> {
        self.percent(Measure::OutScheduled)
    }

    fn percent(&self, out: Measure) -> Option<f64> {
        let judged = self.millis(Measure::Scheduled) as f64 - self.millis(Measure::Excused) as f64;
        (judged > 0.0).then(|| 100.0 * (1.0 - self.millis(out) as f64 / judged))
    }

    /// 100 x productive actual / productive scheduled, not capped; `None` when nothing
    /// productive was scheduled.
    pub fn conformance_percent(&self) -> Option<f64> {
        let scheduled = self.millis(Measure::ProductiveScheduled);
        (scheduled > 0)
            .then(|| 100.0 * self.millis(Measure::ProductiveActual) as f64 / scheduled as f64)
    }

    /// Adds the milliseconds `millis_of` gives for every measure.
    fn add(&mut self, millis_of: impl Fn(Measure) -> u32) {
        for measure in Measure::ALL {
            self.millis[measure as usize] += u64::from(millis_of(measure));
        }
    }
}

impl std::ops::AddAssign<&Figures> for Figures {
    fn add_assign(&mut self, other: &Figures) {
        for (sum, part) in self.millis.iter_mut().zip(other.millis) {
            *sum += part;
        }
    }
}

/// Figures of one day: the whole and its 15-minute intervals.
#[derive(Debug, Clone, PartialEq)]
pub struct DayFigures {
    /// The local date the day (and the shifts starting on it) belongs to.
    pub date: Date,
    /// Where tracking of the day began: its start, or later if the evaluator started later.
    pub start: Timestamp,
    /// Its end, or `now` for a day still running.
    pub end: Timestamp,
    pub total: Figures,
    /// `(interval start, figures)` for the intervals with anything but `not_scheduled` time,
    /// in time order. [`Measure::NotScheduled`] is left at zero here: it is the rest of each
    /// interval.
    pub intervals: Vec<(Timestamp, Figures)>,
}

impl DayFigures {
    /// Adds another employee's figures of the same day (team figures).
    pub fn absorb(&mut self, other: &DayFigures) {
        self.total += &other.total;
        self.start = self.start.min(other.start);
        self.end = self.end.max(other.end);
        for (start, figures) in &other.intervals {
            match self.intervals.binary_search_by_key(start, |(s, _)| *s) {
                Ok(at) => self.intervals[at].1 += figures,
                Err(at) => self.intervals.insert(at, (*start, *figures)),
            }
        }
    }
}

/// The measures of a piece of a span (within one interval: at most 900,000 ms). In [`Tally::slot`]
/// order, which [`Interval`] shares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Tally([u32; MEASURES]);

impl Tally {
    const ZERO: Tally = Tally([0; MEASURES]);

    /// Where `measure` is kept: declaration order with `NotScheduled` moved last, so that an
    /// interval keeps the first `MEASURES - 1`.
    fn slot(measure: Measure) -> usize {
        let at = measure as usize;
        let not_scheduled = Measure::NotScheduled as usize;
        match at.cmp(&not_scheduled) {
            std::cmp::Ordering::Less => at,
            std::cmp::Ordering::Equal => MEASURES - 1,
            std::cmp::Ordering::Greater => at - 1,
        }
    }

    fn add(&mut self, measure: Measure, millis: Millis) {
        let slot = &mut self.0[Self::slot(measure)];
        *slot = slot.saturating_add(u32::try_from(millis).unwrap_or(u32::MAX));
    }

    /// Whether nothing but `NotScheduled` time was counted.
    fn is_scheduled_empty(&self) -> bool {
        self.0[..MEASURES - 1].iter().all(|m| *m == 0)
    }
}

/// One 15-minute interval of a day: its place in the day (from the interval `Day::first`
/// is in) and its measures but `NotScheduled` (the rest of the interval), each in 20 bits: an
/// interval holds at most 900,000 ms of any measure, under 2^20. 28 bytes, where
/// `(u32, [u32; 10])` took 44 and two `u128`s with the interval's number since the epoch 32
/// (their alignment): a day scheduled from end to end keeps about 40 of them per employee
/// (`benches/memory.rs`).
///
/// Measures in [`Tally::slot`] order, slot `i` at bits `20 i` to `20 i + 19` of the words
/// read as one little-endian number (a counter may straddle two words), the place at bits
/// 200-215, and at bits 216-223 how many intervals right after it hold the same figures
/// (`repeats`): a day is kept as runs of equal intervals, so that an employee `in` all
/// morning keeps one entry for it, not sixteen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Interval {
    words: [u32; Interval::WORDS],
}

impl Interval {
    const WORDS: usize = 7;
    const COUNTER_BITS: u32 = 20;
    const COUNTER_MAX: u32 = (1 << Self::COUNTER_BITS) - 1;
    const PLACE_WORD: usize = 6;
    const PLACE_SHIFT: u32 = 8;
    const REPEATS_SHIFT: u32 = 24;
    /// The bits of the place word that belong to the last counter.
    const COUNTER_BITS_OF_PLACE_WORD: u32 = (1 << Self::PLACE_SHIFT) - 1;

    fn new(place: u16) -> Interval {
        let mut words = [0; Interval::WORDS];
        words[Self::PLACE_WORD] = u32::from(place) << Self::PLACE_SHIFT;
        Interval { words }
    }

    fn place(&self) -> u16 {
        (self.words[Self::PLACE_WORD] >> Self::PLACE_SHIFT) as u16
    }

    /// How many intervals after this one hold the same figures (a run of `1 + repeats`).
    fn repeats(&self) -> u8 {
        (self.words[Self::PLACE_WORD] >> Self::REPEATS_SHIFT) as u8
    }

    /// The place of the run's last interval.
    fn last_place(&self) -> u16 {
        self.place().saturating_add(u16::from(self.repeats()))
    }

    /// The same figures over `count` intervals from `place` (`count` is 1 to 256).
    fn run(&self, place: u16, count: u16) -> Interval {
        let mut words = self.words;
        words[Self::PLACE_WORD] = (words[Self::PLACE_WORD] & Self::COUNTER_BITS_OF_PLACE_WORD)
            | u32::from(place) << Self::PLACE_SHIFT
            | u32::from(count - 1) << Self::REPEATS_SHIFT;
        Interval { words }
    }

    /// Whether `other` holds the same figures, wherever and however long either run is.
    fn same_figures(&self, other: &Interval) -> bool {
        let counters = Self::COUNTER_BITS_OF_PLACE_WORD;
        self.words[..Self::PLACE_WORD] == other.words[..Self::PLACE_WORD]
            && self.words[Self::PLACE_WORD] & counters == other.words[Self::PLACE_WORD] & counters
    }

    /// The run `self` followed by `next` as one, if they are adjacent, hold the same figures
    /// and fit in one run.
    fn joined(&self, next: &Interval) -> Option<Interval> {
        let count = u16::from(self.repeats()) + 1 + u16::from(next.repeats()) + 1;
        let adjacent = u32::from(self.last_place()) + 1 == u32::from(next.place());
        (adjacent && count <= u16::from(u8::MAX) + 1 && self.same_figures(next))
            .then(|| self.run(self.place(), count))
    }

    /// The word the counter of `slot` begins in and its bit offset there.
    fn at(slot: usize) -> (usize, u32) {
        let bit = slot as u32 * Self::COUNTER_BITS;
        ((bit / 32) as usize, bit % 32)
    }

    /// Words `word` and `word + 1` as one number (the last counter ends in the last word).
    fn pair(&self, word: usize) -> u64 {
        u64::from(self.words[word]) | u64::from(self.words[word + 1]) << 32
    }

    /// The counter of `slot` (below `MEASURES - 1`).
    fn counter(&self, slot: usize) -> u32 {
        let (word, shift) = Self::at(slot);
        (self.pair(word) >> shift) as u32 & Self::COUNTER_MAX
    }

    fn get(&self, measure: Measure) -> u32 {
        let slot = Tally::slot(measure);
        if slot < MEASURES - 1 {
            self.counter(slot)
        } else {
            0
        }
    }

    /// Adds `millis` to the counter of `slot`, saturating at its largest value, which an
    /// interval's time cannot reach.
    fn add_at(&mut self, slot: usize, millis: u32) {
        let (word, shift) = Self::at(slot);
        let sum = self
            .counter(slot)
            .saturating_add(millis)
            .min(Self::COUNTER_MAX);
        let mask = u64::from(Self::COUNTER_MAX) << shift;
        let pair = (self.pair(word) & !mask) | (u64::from(sum) << shift);
        self.words[word] = pair as u32;
        self.words[word + 1] = (pair >> 32) as u32;
    }

    /// Adds `millis` to `measure` (nothing for `NotScheduled`).
    fn add(&mut self, measure: Measure, millis: Millis) {
        let slot = Tally::slot(measure);
        if slot < MEASURES - 1 {
            self.add_at(slot, u32::try_from(millis).unwrap_or(u32::MAX));
        }
    }

    /// Adds a span's tally, slot by slot (a loop the compiler unrolls, each place a
    /// constant): a span counts in two to four measures, so the others are skipped.
    fn add_all(&mut self, tally: &Tally) {
        for slot in 0..MEASURES - 1 {
            if tally.0[slot] > 0 {
                self.add_at(slot, tally.0[slot]);
            }
        }
    }
}

/// What holds between two transitions of an employee: what the figures tell apart (the grace
/// of an out period is given when the period begins, see [`Tracker::transition`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Span {
    pub(crate) status: AdherenceStatus,
    /// A scheduled activity that counts for adherence.
    pub(crate) counted: bool,
    pub(crate) scheduled_productive: bool,
    pub(crate) actual_productive: bool,
}

/// A day as `[start, end)` in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Window {
    pub(crate) date: Date,
    pub(crate) start: Millis,
    pub(crate) end: Millis,
}

impl Window {
    /// Contains no instant: the cached window before the first and after a schedule change.
    const EMPTY: Window = Window {
        date: Date::MIN,
        start: 0,
        end: 0,
    };
}

/// Where the days of an employee fall.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Calendar<'a> {
    pub(crate) zone: &'a TimeZone,
    pub(crate) schedule: &'a Schedule,
}

impl Calendar<'_> {
    /// The day `t` belongs to.
    pub(crate) fn window(&self, t: Millis) -> Window {
        let mut date = timestamp(t).to_zoned(self.zone.clone()).date();
        let mut start = self.start(date);
        // Back to the day whose shift runs across `t` (across several midnights if need be).
        while t < start {
            let Ok(previous) = date.yesterday() else {
                break;
            };
            date = previous;
            start = self.start(date);
        }
        Window {
            date,
            start,
            end: self.start(date.tomorrow().unwrap_or(date)).max(t + 1),
        }
    }

    /// Local midnight of `date`, or the end of a shift running across it.
    fn start(&self, date: Date) -> Millis {
        let midnight = date
            .to_zoned(self.zone.clone())
            .map(|zoned| zoned.timestamp().as_millisecond())
            .unwrap_or(0);
        self.schedule
            .shift_across(midnight)
            .map_or(midnight, |(_, end)| end)
    }
}

/// A day of one employee. Its totals are not kept: they are its intervals' sums, and its
/// `NotScheduled` time the rest of `[first, last)` (the five statuses partition the time
/// tracked, and an interval is kept for every span but a `NotScheduled`-only one). 32 bytes
/// where a kept total made it 88 (`benches/memory.rs`); a report sums at most 96 intervals.
#[derive(Debug, Clone)]
struct Day {
    date: Date,
    /// How long after `first` what was counted ends: the day's end once it is over (its
    /// window's end is not kept: an intraday schedule change can move it after the fact). A
    /// day is about 24 hours, far under the 49 days a `u32` of milliseconds holds.
    length: u32,
    /// Where tracking began in this day.
    first: Millis,
    /// The intervals with anything but `NotScheduled` time, in order, as runs of equal
    /// intervals: exact, one more at a time (at most one every 15 minutes), so a million
    /// employees a few intervals into their day hold what they use, and 8 bytes less than a
    /// `Vec`. Only the last run may still be counted into (or a past one, when held-back out
    /// time is released: it is split around that interval).
    intervals: Box<[Interval]>,
}

impl Day {
    /// The day's figures: its intervals' sums, and `NotScheduled` the rest of the time tracked.
    fn total(&self) -> Figures {
        let mut total = Figures::default();
        for interval in &self.intervals {
            // At most 256 intervals of at most 900,000 ms: within a `u32`.
            let count = u32::from(interval.repeats()) + 1;
            total.add(|measure| interval.get(measure) * count);
        }
        // Intervals keep no `NotScheduled`: so far the sum is the other four statuses.
        let statuses = total.tracked_millis();
        let tracked = u64::from(self.length);
        total.millis[Measure::NotScheduled as usize] = tracked.saturating_sub(statuses);
        total
    }

    fn last(&self) -> Millis {
        self.first + Millis::from(self.length)
    }

    /// Counts up to `last`, which is not before `first`.
    fn extend_to(&mut self, last: Millis) {
        self.length = u32::try_from(last - self.first).unwrap_or(u32::MAX);
    }

    /// The number of the interval `first` is in: an interval keeps its place from there.
    fn base(&self) -> u32 {
        self.first.div_euclid(INTERVAL) as u32
    }

    /// The place of interval `number` in this day (a day spans a few hundred intervals at
    /// the most, far under `u16::MAX`).
    fn place(&self, number: u32) -> u16 {
        u16::try_from(number.wrapping_sub(self.base())).unwrap_or(u16::MAX)
    }

    fn number(&self, interval: &Interval) -> u32 {
        self.base().wrapping_add(u32::from(interval.place()))
    }

    /// The entry of interval `number` alone, to count into: the last one, a new one after it
    /// (where the last, now complete, joins the run before it if it can: no allocation), or
    /// one split out of the run it is in.
    fn interval(&mut self, number: u32) -> &mut Interval {
        let place = self.place(number);
        match self.intervals.last() {
            Some(last) if last.place() == place && last.repeats() == 0 => {}
            Some(last) if last.last_place() < place => {
                if let [.., before, last] = &mut *self.intervals
                    && let Some(joined) = before.joined(last)
                {
                    *before = joined;
                    *last = Interval::new(place);
                } else {
                    self.push(Interval::new(place));
                }
            }
            None => self.push(Interval::new(place)),
            Some(_) => return self.split_out(place),
        }
        self.intervals.last_mut().expect("made above")
    }

    /// Interval `place` as an entry of its own, taken out of the run holding it (made, with
    /// nothing counted, where none does).
    fn split_out(&mut self, place: u16) -> &mut Interval {
        let at = self
            .intervals
            .partition_point(|run| run.last_place() < place);
        match self.intervals.get(at) {
            Some(run) if run.place() <= place => {
                let run = *run;
                let (first, last) = (run.place(), run.last_place());
                let mut parts = Vec::with_capacity(3);
                if first < place {
                    parts.push(run.run(first, place - first));
                }
                parts.push(run.run(place, 1));
                if place < last {
                    parts.push(run.run(place + 1, last - place));
                }
                let own = at + usize::from(first < place);
                self.splice(at..at + 1, parts);
                &mut self.intervals[own]
            }
            _ => {
                self.splice(at..at, [Interval::new(place)]);
                &mut self.intervals[at]
            }
        }
    }

    fn push(&mut self, interval: Interval) {
        let mut intervals = std::mem::take(&mut self.intervals).into_vec();
        intervals.reserve_exact(1);
        intervals.push(interval);
        self.intervals = intervals.into_boxed_slice();
    }

    /// Replaces `range` of the runs with `with`, keeping the slice exact.
    fn splice(&mut self, range: std::ops::Range<usize>, with: impl IntoIterator<Item = Interval>) {
        let mut intervals = std::mem::take(&mut self.intervals).into_vec();
        intervals.splice(range, with);
        self.intervals = intervals.into_boxed_slice();
    }

    /// Joins the last run to the one before it once its intervals are complete (they end
    /// by interval `now_number`, where counting goes on), so that a day between two
    /// transitions holds no more runs than it needs.
    fn settle(&mut self, now_number: u32) {
        if let [.., before, last] = &*self.intervals
            && self.number(last) + u32::from(last.repeats()) < now_number
            && let Some(joined) = before.joined(last)
        {
            let mut intervals = std::mem::take(&mut self.intervals).into_vec();
            intervals.pop();
            *intervals.last_mut().expect("two runs") = joined;
            self.intervals = intervals.into_boxed_slice();
        }
    }
}

/// An out period in progress.
#[derive(Debug, Clone)]
struct OutPeriod {
    grace: Grace,
    /// Out time within scheduled time so far.
    scheduled_out: Millis,
    /// `forgive_short` parts held back until the period reaches its grace:
    /// `(date, interval, millis)`.
    held: Vec<(Date, u32, Millis)>,
}

impl OutPeriod {
    /// How much of `part` (the next out time within S) counts now, holding back what may
    /// count later.
    fn count(&mut self, part: Millis, date: Date, interval: u32) -> Millis {
        let before = self.scheduled_out;
        self.scheduled_out += part;
        match self.grace.mode {
            GraceMode::None => part,
            GraceMode::Deduct => {
                (self.scheduled_out - self.grace.length.max(before)).clamp(0, part)
            }
            GraceMode::ForgiveShort if self.scheduled_out < self.grace.length => {
                self.held.push((date, interval, part));
                0
            }
            GraceMode::ForgiveShort => part,
        }
    }
}

/// The figures of one employee: retained days, the open span, the out period in progress.
///
/// Memory (one per employee, so it counts at a million employees): the days are allocated
/// exactly, a boxed slice of the retained days made anew once a day (16 bytes here, not the
/// 24 of a `Vec` or 32 of a `VecDeque`), the intervals of a day too, and the out period, rare
/// and 48 bytes, is boxed. The cached day is kept as its three fields, not a [`Window`], so that its
/// date and the span share 8 bytes instead of taking 8 each.
#[derive(Debug, Clone)]
pub(crate) struct Tracker {
    start: Millis,
    span: Option<Span>,
    /// The day `start` was last found in: its date and `[window_start, window_end)`
    /// ([`Window::EMPTY`]: none).
    window_date: Date,
    window_start: Millis,
    window_end: Millis,
    days: Box<[Day]>,
    out: Option<Box<OutPeriod>>,
}

impl Tracker {
    pub(crate) fn new(start: Millis) -> Tracker {
        Tracker {
            start,
            span: None,
            window_date: Window::EMPTY.date,
            window_start: Window::EMPTY.start,
            window_end: Window::EMPTY.end,
            days: Box::default(),
            out: None,
        }
    }

    /// Closes the open span at `t` (which is not before it began) and opens `next`; an out
    /// period beginning with it gets `grace`.
    pub(crate) fn transition(
        &mut self,
        t: Millis,
        next: Span,
        grace: Grace,
        calendar: Calendar<'_>,
        days: usize,
    ) {
        if self.span == Some(next) {
            // Nothing the figures tell apart changed: the open span goes on (an out period
            // keeps the grace it began with).
            return;
        }
        self.close(t, calendar, days);
        let was_out = self
            .span
            .is_some_and(|span| span.status == AdherenceStatus::Out);
        match (was_out, next.status == AdherenceStatus::Out) {
            (false, true) => {
                self.out = Some(Box::new(OutPeriod {
                    grace,
                    scheduled_out: 0,
                    held: Vec::new(),
                }))
            }
            (true, false) => self.out = None,
            _ => {}
        }
        self.span = Some(next);
    }

    /// The schedule is about to change, and with it perhaps where days end: what happened up
    /// to `t` is counted by the schedule in force (`calendar`), and the cached day forgotten.
    pub(crate) fn schedule_changing(&mut self, t: Millis, calendar: Calendar<'_>, days: usize) {
        self.close(t, calendar, days);
        self.cache(Window::EMPTY);
    }

    fn cache(&mut self, window: Window) {
        self.window_date = window.date;
        self.window_start = window.start;
        self.window_end = window.end;
    }

    fn close(&mut self, t: Millis, calendar: Calendar<'_>, days: usize) {
        let Some(span) = self.span else {
            self.start = t;
            return;
        };
        let mut at = self.start;
        while at < t {
            let window = if self.window_start <= at && at < self.window_end {
                Window {
                    date: self.window_date,
                    start: self.window_start,
                    end: self.window_end,
                }
            } else {
                let mut w = calendar.window(at);
                // A schedule change can put `at` into a shift that began on a date already
                // closed; days never go back, the current one goes on instead.
                if let Some(current) = self.days.last() {
                    w.date = w.date.max(current.date);
                }
                self.cache(w);
                w
            };
            let interval = at.div_euclid(INTERVAL);
            let end = t.min(window.end).min((interval + 1) * INTERVAL);
            self.add(window, at, interval as u32, end - at, span, days);
            at = end;
        }
        if let Some(day) = self.days.last_mut() {
            day.settle(t.div_euclid(INTERVAL) as u32);
        }
        self.start = self.start.max(t);
    }

    fn add(
        &mut self,
        window: Window,
        at: Millis,
        interval: u32,
        millis: Millis,
        span: Span,
        days: usize,
    ) {
        let mut tally = Tally::ZERO;
        tally.add(Measure::of(span.status), millis);
        if span.counted {
            tally.add(Measure::Scheduled, millis);
            match span.status {
                AdherenceStatus::Neutral | AdherenceStatus::Unknown => {
                    tally.add(Measure::Excused, millis)
                }
                AdherenceStatus::Out => {
                    tally.add(Measure::OutScheduled, millis);
                    if let Some(period) = &mut self.out {
                        let counted = period.count(millis, window.date, interval);
                        tally.add(Measure::OutAfterGrace, counted);
                        if period.grace.mode == GraceMode::ForgiveShort
                            && period.scheduled_out >= period.grace.length
                        {
                            let held = std::mem::take(&mut period.held);
                            self.release(held);
                        }
                    }
                }
                _ => {}
            }
        }
        if span.scheduled_productive {
            tally.add(Measure::ProductiveScheduled, millis);
        }
        if span.actual_productive {
            tally.add(Measure::ProductiveActual, millis);
        }
        let day = self.day(window.date, at, days);
        day.extend_to(at + millis);
        if !tally.is_scheduled_empty() {
            day.interval(interval).add_all(&tally);
        }
    }

    /// Counts held-back out time now that its period reached the grace.
    fn release(&mut self, held: Vec<(Date, u32, Millis)>) {
        for (date, interval, millis) in held {
            let Some(day) = self.days.iter_mut().find(|d| d.date == date) else {
                continue;
            };
            day.interval(interval).add(Measure::OutAfterGrace, millis);
        }
    }

    fn day(&mut self, date: Date, at: Millis, days: usize) -> &mut Day {
        if self.days.last().is_none_or(|d| d.date != date) {
            // The day before is over: every interval of it is complete.
            if let Some(before) = self.days.last_mut() {
                before.settle(u32::MAX);
            }
            // A new slice once a day: the retained days move over, the oldest is dropped.
            let old = std::mem::take(&mut self.days).into_vec();
            let skip = old.len().saturating_sub(days.max(1) - 1);
            let mut new = Vec::with_capacity(old.len() - skip + 1);
            new.extend(old.into_iter().skip(skip));
            new.push(Day {
                date,
                length: 0,
                first: at,
                intervals: Box::default(),
            });
            self.days = new.into_boxed_slice();
        }
        self.days.last_mut().expect("pushed above")
    }

    /// The figures of `date` as of `now`, the open span included.
    pub(crate) fn report(
        &self,
        date: Date,
        now: Millis,
        calendar: Calendar<'_>,
        days: usize,
    ) -> Option<DayFigures> {
        let mut copy = self.clone();
        copy.close(now, calendar, days.max(1));
        let Some(day) = copy.days.iter().find(|d| d.date == date) else {
            // A day beginning at `now` has nothing in it yet, but it is tracked.
            let tracked = copy.span.is_some() && calendar.window(now).date == date;
            return tracked.then(|| DayFigures {
                date,
                start: timestamp(now),
                end: timestamp(now),
                total: Figures::default(),
                intervals: Vec::new(),
            });
        };
        Some(DayFigures {
            date,
            start: timestamp(day.first),
            end: timestamp(day.last()),
            total: day.total(),
            intervals: day
                .intervals
                .iter()
                .flat_map(|run| {
                    let mut figures = Figures::default();
                    figures.add(|measure| run.get(measure));
                    (0..=u32::from(run.repeats())).map(move |k| {
                        let number = day.number(run) + k;
                        (timestamp(Millis::from(number) * INTERVAL), figures)
                    })
                })
                .collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_interval_keeps_each_measure_apart() {
        let place = u16::MAX - 1;
        let mut interval = Interval::new(place);
        let kept: Vec<Measure> = Measure::ALL
            .into_iter()
            .filter(|m| *m != Measure::NotScheduled)
            .collect();
        for (k, measure) in kept.iter().enumerate() {
            interval.add(*measure, 1_000 * (k as Millis + 1));
        }
        interval.add(Measure::NotScheduled, 5_000);
        for (k, measure) in kept.iter().enumerate() {
            assert_eq!(
                interval.get(*measure),
                1_000 * (k as u32 + 1),
                "{measure:?}"
            );
        }
        assert_eq!(
            interval.get(Measure::NotScheduled),
            0,
            "the rest of the interval"
        );
        assert_eq!(interval.place(), place);

        let mut tally = Tally::ZERO;
        for measure in Measure::ALL {
            tally.add(measure, 900_000);
        }
        interval.add_all(&tally);
        for (k, measure) in kept.iter().enumerate() {
            let expected = (900_000 + 1_000 * (k as u32 + 1)).min(Interval::COUNTER_MAX);
            assert_eq!(
                interval.get(*measure),
                expected,
                "{measure:?}: saturated, not wrapped"
            );
        }
        assert_eq!(
            interval.place(),
            place,
            "the counters stay out of the place"
        );
        assert_eq!(size_of::<Interval>(), 28);
    }

    /// A day keeps its length beside its date, and its intervals exactly, each by its place
    /// in the day.
    #[test]
    fn a_day_is_32_bytes_and_holds_the_intervals_it_uses() {
        assert_eq!(size_of::<Day>(), 32);
        // 2026-11-23T08:05:00Z: in interval 1,994,912 since the epoch.
        let first = 1_795_421_100_000;
        let base = (first / INTERVAL) as u32;
        let mut day = Day {
            date: Date::constant(2026, 11, 23),
            length: 0,
            first,
            intervals: Box::default(),
        };
        day.interval(base).add(Measure::In, 5);
        day.interval(base).add(Measure::In, 5);
        day.interval(base + 2).add(Measure::Out, 7);
        assert_eq!(day.intervals.len(), 2);
        assert_eq!(day.intervals[0].get(Measure::In), 10);
        assert_eq!(day.intervals[1].place(), 2);
        assert_eq!(day.number(&day.intervals[1]), base + 2);
        day.extend_to(first + 60_000);
        assert_eq!(day.last(), first + 60_000);
        assert_eq!(
            day.total().millis[Measure::NotScheduled as usize],
            60_000 - 17
        );
    }

    /// The intervals of `day` one by one: `(number, figures of every kept measure)`.
    fn expanded(day: &Day) -> Vec<(u32, Vec<u32>)> {
        let kept =
            |run: &Interval| -> Vec<u32> { Measure::ALL.iter().map(|&m| run.get(m)).collect() };
        day.intervals
            .iter()
            .flat_map(|run| {
                (0..=u32::from(run.repeats())).map(move |k| (day.number(run) + k, kept(run)))
            })
            .collect()
    }

    fn empty_day() -> Day {
        Day {
            date: Date::constant(2026, 11, 23),
            length: 0,
            // 2026-11-23T08:00:00Z, on an interval's start.
            first: 1_795_420_800_000,
            intervals: Box::default(),
        }
    }

    /// A day whose first `count` intervals are wholly `measure`, counted one after the other
    /// and not settled; and the number of its first interval.
    fn day_of(count: u32, measure: Measure) -> (Day, u32) {
        let mut day = empty_day();
        let base = day.base();
        for k in 0..count {
            day.interval(base + k).add(measure, 900_000);
        }
        (day, base)
    }

    /// Equal complete intervals are kept as one run: joined when the next one is made, or
    /// settled once counting has gone past them; a day's total counts each interval.
    #[test]
    fn equal_intervals_are_one_run() {
        let (mut day, base) = day_of(16, Measure::In);
        assert_eq!(day.intervals.len(), 2, "the last may still be counted into");
        day.settle(base + 15);
        assert_eq!(
            day.intervals.len(),
            2,
            "interval 15 is not over at its own start"
        );
        day.settle(base + 16);
        assert_eq!(day.intervals.len(), 1);
        assert_eq!(day.intervals[0].repeats(), 15);
        day.extend_to(day.first + 16 * INTERVAL);
        assert_eq!(day.total().millis(Measure::In), 16 * 900_000);
        assert_eq!(day.total().millis(Measure::NotScheduled), 0);

        // A different interval starts a new run; a gap too.
        day.interval(base + 16).add(Measure::Out, 900_000);
        day.interval(base + 18).add(Measure::Out, 900_000);
        day.settle(base + 19);
        assert_eq!(day.intervals.len(), 3);
        assert_eq!(expanded(&day).len(), 18);
    }

    /// Counting into an interval inside a run (held-back out time released) splits the run
    /// around it, and only that interval changes.
    #[test]
    fn counting_into_a_run_splits_it() {
        let (mut day, base) = day_of(10, Measure::Out);
        day.settle(base + 10);
        let before = expanded(&day);
        day.interval(base + 4).add(Measure::OutAfterGrace, 1_000);
        assert_eq!(day.intervals.len(), 3);
        let after = expanded(&day);
        for ((number, was), (same, now)) in before.iter().zip(&after) {
            assert_eq!(number, same);
            let slot = Measure::ALL
                .iter()
                .position(|&m| m == Measure::OutAfterGrace);
            let grown = *number == base + 4;
            assert_eq!(
                now[slot.unwrap()],
                was[slot.unwrap()] + if grown { 1_000 } else { 0 }
            );
        }
        // At either end of a run, too.
        day.interval(base).add(Measure::OutAfterGrace, 1);
        day.interval(base + 9).add(Measure::OutAfterGrace, 1);
        assert_eq!(day.intervals.len(), 5);
        assert_eq!(expanded(&day).len(), 10);
    }

    /// A run holds at most 256 intervals (its repeats are a byte).
    #[test]
    fn a_run_holds_at_most_256_intervals() {
        let (mut day, _) = day_of(300, Measure::In);
        day.settle(u32::MAX);
        assert_eq!(day.intervals.len(), 2);
        assert_eq!(day.intervals[0].repeats(), u8::MAX);
        assert_eq!(u32::from(day.intervals[1].repeats()), 300 - 256 - 1);
    }

    proptest::proptest! {
        /// Whatever is counted where, in time order with releases into the past and settles
        /// in between, the runs hold exactly what one entry per interval would.
        #[test]
        fn runs_hold_what_single_intervals_would(
            steps in proptest::collection::vec((0u32..3, 0usize..3, 0u32..4, proptest::bool::ANY), 1..200),
        ) {
            let measures = [Measure::In, Measure::Out, Measure::Scheduled];
            let mut day = empty_day();
            let base = day.base();
            let mut model: std::collections::BTreeMap<u32, [u32; MEASURES]> = Default::default();
            let mut at = 0;
            for (forward, measure, amount, settle) in steps {
                at += forward;
                let millis = [900_000, 450_000, 1, 7][amount as usize];
                let measure = measures[measure];
                // Half the steps count into the present, the rest into a past interval.
                let number = if settle || at == 0 { at } else { at - 1 - amount.min(at - 1) };
                day.interval(base + number).add(measure, Millis::from(millis));
                let counters = model.entry(number).or_insert([0; MEASURES]);
                let counter = &mut counters[Measure::ALL.iter().position(|&m| m == measure).unwrap()];
                *counter = (*counter + millis).min(Interval::COUNTER_MAX);
                if settle {
                    day.settle(base + at);
                }
            }
            let kept: Vec<(u32, Vec<u32>)> = model
                .into_iter()
                .map(|(number, counters)| (base + number, counters.to_vec()))
                .collect();
            proptest::prop_assert_eq!(expanded(&day), kept);
        }
    }
}
