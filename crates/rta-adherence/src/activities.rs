//! The activity table: names resolved once to dense ids, thresholds resolved against the
//! defaults, and rule 5 of `specs/adherence.md` ("doing S") as one function.

use crate::config::{Defaults, GraceMode, OFFLINE, Rules};
use crate::error::ConfigError;
use crate::instant::{Millis, SECOND};
use hashbrown::HashMap;
use rta_model::Name;
use std::num::NonZeroU16;

/// Dense id of an activity in an [`Activities`] table: its index plus one, so that an
/// `Option<ActivityId>` is 2 bytes (in every agent and employee). A table holds at most
/// [`MAX_ACTIVITIES`], so every index plus one fits and `u16::MAX` is never an id (the
/// evaluator keeps "no source" there).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct ActivityId(NonZeroU16);

/// The most activities a table holds (`Offline` included).
pub(crate) const MAX_ACTIVITIES: usize = u16::MAX as usize - 1;

impl ActivityId {
    /// `None` for an index no table holds.
    pub(crate) fn new(index: usize) -> Option<ActivityId> {
        let id = u16::try_from(index.checked_add(1)?).ok()?;
        NonZeroU16::new(id)
            .filter(|_| index < MAX_ACTIVITIES)
            .map(ActivityId)
    }

    pub(crate) fn index(self) -> usize {
        usize::from(self.0.get() - 1)
    }
}

/// An activity with everything resolved: thresholds in milliseconds, `accepts` as ids.
#[derive(Debug, Clone)]
pub(crate) struct Resolved {
    pub(crate) name: Name,
    pub(crate) counts: bool,
    pub(crate) category: Option<Name>,
    pub(crate) productive: bool,
    pub(crate) accepts: Vec<ActivityId>,
    pub(crate) alarm_after: Millis,
    pub(crate) severe_after: Millis,
    pub(crate) grace: Grace,
    pub(crate) tolerance: Millis,
}

/// The grace an out period gets (by the scheduled activity it began in).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Grace {
    pub(crate) mode: GraceMode,
    pub(crate) length: Millis,
}

/// All activities, `Offline` included.
#[derive(Debug, Clone)]
pub(crate) struct Activities {
    list: Vec<Resolved>,
    by_name: HashMap<Name, ActivityId>,
    offline: ActivityId,
    defaults: Resolved,
}

impl Activities {
    pub(crate) fn new(rules: &Rules) -> Result<Activities, ConfigError> {
        let defaults = &rules.defaults;
        let mut by_name = HashMap::new();
        let mut configured = rules.activities.clone();
        if !configured.iter().any(|a| &*a.name == OFFLINE) {
            configured.push(crate::Activity::new(OFFLINE));
        }
        if configured.len() > MAX_ACTIVITIES {
            return Err(ConfigError::TooManyActivities(configured.len()));
        }
        for (index, activity) in configured.iter().enumerate() {
            if by_name
                .insert(
                    activity.name.clone(),
                    ActivityId::new(index).expect("at most MAX_ACTIVITIES activities"),
                )
                .is_some()
            {
                return Err(ConfigError::DuplicateActivity(activity.name.to_string()));
            }
        }
        let list = configured
            .iter()
            .map(|activity| {
                let accepts = activity
                    .accepts
                    .iter()
                    .map(|name| {
                        by_name
                            .get(name)
                            .copied()
                            .ok_or_else(|| ConfigError::UnknownActivity(name.to_string()))
                    })
                    .collect::<Result<_, _>>()?;
                let t = activity.thresholds;
                Ok(Resolved {
                    name: activity.name.clone(),
                    counts: activity.counts_for_adherence,
                    category: activity.category.clone(),
                    productive: activity.productive,
                    accepts,
                    alarm_after: seconds(t.alarm_after.unwrap_or(defaults.alarm_after)),
                    severe_after: seconds(t.severe_after.unwrap_or(defaults.severe_after)),
                    grace: Grace {
                        mode: t.grace_mode.unwrap_or(defaults.grace_mode),
                        length: seconds(t.grace.unwrap_or(defaults.grace)),
                    },
                    tolerance: seconds(t.boundary_tolerance.unwrap_or(defaults.boundary_tolerance)),
                })
            })
            .collect::<Result<Vec<_>, ConfigError>>()?;
        let offline = by_name[OFFLINE];
        Ok(Activities {
            list,
            by_name,
            offline,
            defaults: default_thresholds(defaults),
        })
    }

    pub(crate) fn get(&self, id: ActivityId) -> &Resolved {
        &self.list[id.index()]
    }

    pub(crate) fn id(&self, name: &str) -> Option<ActivityId> {
        self.by_name.get(name).copied()
    }

    pub(crate) fn offline(&self) -> ActivityId {
        self.offline
    }

    /// Thresholds when no activity is scheduled.
    pub(crate) fn unscheduled(&self) -> &Resolved {
        &self.defaults
    }

    /// Rule 5: doing `actual` counts as doing `scheduled`.
    pub(crate) fn counts_as(&self, actual: ActivityId, scheduled: ActivityId) -> bool {
        if actual == scheduled {
            return true;
        }
        let scheduled = self.get(scheduled);
        scheduled.accepts.contains(&actual)
            || matches!((&self.get(actual).category, &scheduled.category), (Some(a), Some(s)) if a == s)
    }
}

fn seconds(value: u32) -> Millis {
    Millis::from(value) * SECOND
}

fn default_thresholds(defaults: &Defaults) -> Resolved {
    Resolved {
        name: "".into(),
        counts: true,
        category: None,
        productive: false,
        accepts: Vec::new(),
        alarm_after: seconds(defaults.alarm_after),
        severe_after: seconds(defaults.severe_after),
        grace: Grace {
            mode: defaults.grace_mode,
            length: seconds(defaults.grace),
        },
        tolerance: seconds(defaults.boundary_tolerance),
    }
}
