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
/// 200-215.
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

    fn new(place: u16) -> Interval {
        let mut words = [0; Interval::WORDS];
        words[Self::PLACE_WORD] = u32::from(place) << Self::PLACE_SHIFT;
        Interval { words }
    }

    fn place(&self) -> u16 {
        (self.words[Self::PLACE_WORD] >> Self::PLACE_SHIFT) as u16
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
    /// The intervals with anything but `NotScheduled` time, in order: exact, one more at a
    /// time (at most one every 15 minutes), so a million employees a few intervals into
    /// their day hold what they use, and 8 bytes less than a `Vec`.
    intervals: Box<[Interval]>,
}

impl Day {
    /// The day's figures: its intervals' sums, and `NotScheduled` the rest of the time tracked.
    fn total(&self) -> Figures {
        let mut total = Figures::default();
        for interval in &self.intervals {
            total.add(|measure| interval.get(measure));
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

    fn interval(&mut self, number: u32) -> &mut Interval {
        let place = self.place(number);
        if self
            .intervals
            .last()
            .is_none_or(|interval| interval.place() != place)
        {
            let mut intervals = std::mem::take(&mut self.intervals).into_vec();
            intervals.reserve_exact(1);
            intervals.push(Interval::new(place));
            self.intervals = intervals.into_boxed_slice();
        }
        self.intervals.last_mut().expect("pushed above")
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
            let place = day.place(interval);
            if let Some(kept) = day.intervals.iter_mut().find(|i| i.place() == place) {
                kept.add(Measure::OutAfterGrace, millis);
            }
        }
    }

    fn day(&mut self, date: Date, at: Millis, days: usize) -> &mut Day {
        if self.days.last().is_none_or(|d| d.date != date) {
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
                .map(|interval| {
                    let mut figures = Figures::default();
                    figures.add(|measure| interval.get(measure));
                    (
                        timestamp(Millis::from(day.number(interval)) * INTERVAL),
                        figures,
                    )
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
}
