//! One employee's schedule: sorted, non-overlapping segments `[start, end)` with a cursor, so
//! that finding the current segment as time moves forward is O(1) amortized.
//!
//! Segments that touch (`end == next start`) form a **shift**; a shift belongs to the day it
//! starts (see [`crate::figures`]).

use crate::activities::{Activities, ActivityId};
use crate::instant::Millis;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Segment {
    pub(crate) start: Millis,
    pub(crate) end: Millis,
    pub(crate) activity: ActivityId,
    pub(crate) shift_start: Millis,
    pub(crate) shift_end: Millis,
}

/// Where an instant falls in a schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Scheduled {
    pub(crate) activity: ActivityId,
    /// The activity before a boundary that is still `in` within its tolerance.
    pub(crate) before: Option<ActivityId>,
    /// The activity after a boundary that is already `in` within its tolerance.
    pub(crate) after: Option<ActivityId>,
}

/// Two segments of the same schedule overlap (indexes into the sorted input).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Overlap(pub(crate) (Millis, Millis), pub(crate) (Millis, Millis));

/// One per employee: a boxed slice (no spare capacity, 16 bytes). The cursor lookups start
/// from is the caller's, a `u32` kept beside the schedule, where it shares padding with other
/// small fields (inside the schedule it would cost 8 bytes).
#[derive(Debug, Clone, Default)]
pub(crate) struct Schedule {
    segments: Box<[Segment]>,
}

impl Schedule {
    /// A schedule from `(start, end, activity)` in any order; each must have `start < end`.
    pub(crate) fn new(mut parts: Vec<(Millis, Millis, ActivityId)>) -> Result<Schedule, Overlap> {
        parts.sort_unstable_by_key(|&(start, end, _)| (start, end));
        if let Some(pair) = parts.windows(2).find(|pair| pair[1].0 < pair[0].1) {
            return Err(Overlap((pair[0].0, pair[0].1), (pair[1].0, pair[1].1)));
        }
        let mut segments: Vec<Segment> = parts
            .into_iter()
            .map(|(start, end, activity)| Segment {
                start,
                end,
                activity,
                shift_start: start,
                shift_end: end,
            })
            .collect();
        for at in 1..segments.len() {
            if segments[at].start == segments[at - 1].end {
                segments[at].shift_start = segments[at - 1].shift_start;
            }
        }
        for at in (0..segments.len().saturating_sub(1)).rev() {
            if segments[at].end == segments[at + 1].start {
                segments[at].shift_end = segments[at + 1].shift_end;
            }
        }
        Ok(Schedule {
            segments: segments.into_boxed_slice(),
        })
    }

    /// Moves `cursor` to `t`: afterwards `segments[cursor]` is the first that ends after `t`.
    /// Any cursor is a valid start (one left by another schedule included).
    fn seek(&self, cursor: &mut u32, t: Millis) -> usize {
        let mut at = (*cursor as usize).min(self.segments.len());
        while at < self.segments.len() && self.segments[at].end <= t {
            at += 1;
        }
        while at > 0 && self.segments[at - 1].end > t {
            at -= 1;
        }
        // The cursor is only where the next seek starts: saturating keeps it valid (a year
        // of 15-minute segments is 35,040, far from the limit).
        *cursor = u32::try_from(at).unwrap_or(u32::MAX);
        at
    }

    fn containing(&self, cursor: &mut u32, t: Millis) -> Option<usize> {
        let at = self.seek(cursor, t);
        self.segments.get(at).filter(|s| s.start <= t).map(|_| at)
    }

    /// The tolerance of the boundary between `segments[at - 1]` and `segments[at]`, if they
    /// touch: the larger of the two activities' tolerances, limited to the shorter segment.
    fn tolerance_before(&self, at: usize, activities: &Activities) -> Option<Millis> {
        let (before, after) = (
            self.segments.get(at.checked_sub(1)?)?,
            self.segments.get(at)?,
        );
        if before.end != after.start {
            return None;
        }
        let tolerance = activities
            .get(before.activity)
            .tolerance
            .max(activities.get(after.activity).tolerance)
            .min(before.end - before.start)
            .min(after.end - after.start);
        (tolerance > 0).then_some(tolerance)
    }

    /// What is scheduled at `t`, with the neighbours a boundary tolerance lets in.
    pub(crate) fn at(
        &self,
        cursor: &mut u32,
        t: Millis,
        activities: &Activities,
    ) -> Option<Scheduled> {
        let at = self.containing(cursor, t)?;
        let segment = self.segments[at];
        let before = self
            .tolerance_before(at, activities)
            .filter(|tolerance| t < segment.start + tolerance)
            .map(|_| self.segments[at - 1].activity);
        let after = self
            .tolerance_before(at + 1, activities)
            .filter(|tolerance| t >= segment.end - tolerance)
            .map(|_| self.segments[at + 1].activity);
        Some(Scheduled {
            activity: segment.activity,
            before,
            after,
        })
    }

    /// The first instant after `t` at which [`Schedule::at`] may answer differently.
    pub(crate) fn next_change(
        &self,
        cursor: &mut u32,
        t: Millis,
        activities: &Activities,
    ) -> Option<Millis> {
        let at = self.seek(cursor, t);
        let segment = self.segments.get(at)?;
        let mut points = [segment.start, segment.end, Millis::MAX, Millis::MAX];
        if let Some(tolerance) = self.tolerance_before(at, activities) {
            points[2] = segment.start + tolerance;
        }
        if let Some(tolerance) = self.tolerance_before(at + 1, activities) {
            points[3] = segment.end - tolerance;
        }
        points.into_iter().filter(|&p| p > t).min()
    }

    /// The shift that starts before `m` and ends after it, as `(start, end)`.
    pub(crate) fn shift_across(&self, m: Millis) -> Option<(Millis, Millis)> {
        let at = self.segments.partition_point(|s| s.end <= m);
        self.segments
            .get(at)
            .filter(|s| s.shift_start < m && s.start <= m)
            .map(|s| (s.shift_start, s.shift_end))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Activity;
    use crate::config::{Rules, Thresholds};

    fn activities(tolerance: u32) -> Activities {
        let thresholds = Thresholds {
            boundary_tolerance: Some(tolerance),
            ..Thresholds::default()
        };
        Activities::new(&Rules {
            activities: vec![
                Activity::new("Phone").thresholds(thresholds),
                Activity::new("Break"),
            ],
            ..Rules::default()
        })
        .unwrap()
    }

    #[test]
    fn segments_are_found_forwards_and_backwards_and_shifts_join_touching_segments() {
        let activities = activities(0);
        let (phone, brk) = (
            activities.id("Phone").unwrap(),
            activities.id("Break").unwrap(),
        );
        let schedule =
            Schedule::new(vec![(300, 400, phone), (100, 200, phone), (200, 250, brk)]).unwrap();
        let mut cursor = 0;
        assert_eq!(schedule.at(&mut cursor, 99, &activities), None);
        assert_eq!(
            schedule.at(&mut cursor, 100, &activities).unwrap().activity,
            phone
        );
        assert_eq!(
            schedule.at(&mut cursor, 200, &activities).unwrap().activity,
            brk
        );
        assert_eq!(schedule.at(&mut cursor, 260, &activities), None);
        assert_eq!(
            schedule.at(&mut cursor, 399, &activities).unwrap().activity,
            phone
        );
        assert_eq!(
            schedule.at(&mut cursor, 150, &activities).unwrap().activity,
            phone
        );
        assert_eq!(schedule.next_change(&mut cursor, 0, &activities), Some(100));
        assert_eq!(
            schedule.next_change(&mut cursor, 100, &activities),
            Some(200)
        );
        assert_eq!(
            schedule.next_change(&mut cursor, 250, &activities),
            Some(300)
        );
        assert_eq!(schedule.next_change(&mut cursor, 400, &activities), None);
        assert_eq!(schedule.shift_across(220), Some((100, 250)));
        assert_eq!(
            schedule.shift_across(100),
            None,
            "a shift starting at m is not across it"
        );
        assert_eq!(schedule.shift_across(270), None);
        assert_eq!(
            Schedule::new(vec![(100, 200, phone), (150, 300, brk)]).unwrap_err(),
            Overlap((100, 200), (150, 300))
        );
    }

    #[test]
    fn tolerance_lets_either_neighbour_in_around_a_boundary() {
        let activities = activities(1);
        let (phone, brk) = (
            activities.id("Phone").unwrap(),
            activities.id("Break").unwrap(),
        );
        let schedule = Schedule::new(vec![(0, 10_000, phone), (10_000, 20_000, brk)]).unwrap();
        let mut cursor = 0;
        assert_eq!(
            schedule.at(&mut cursor, 8_999, &activities).unwrap().after,
            None
        );
        assert_eq!(
            schedule.at(&mut cursor, 9_000, &activities).unwrap().after,
            Some(brk)
        );
        assert_eq!(
            schedule
                .at(&mut cursor, 10_999, &activities)
                .unwrap()
                .before,
            Some(phone)
        );
        assert_eq!(
            schedule
                .at(&mut cursor, 11_000, &activities)
                .unwrap()
                .before,
            None
        );
        assert_eq!(
            schedule.next_change(&mut cursor, 0, &activities),
            Some(9_000)
        );
        assert_eq!(
            schedule.next_change(&mut cursor, 9_000, &activities),
            Some(10_000)
        );
        assert_eq!(
            schedule.next_change(&mut cursor, 10_000, &activities),
            Some(11_000)
        );
        assert_eq!(
            schedule.next_change(&mut cursor, 11_000, &activities),
            Some(20_000)
        );
    }
}
