//! The Avaya CMS side of a load: one CMS per connection, each writing a snapshot of all its
//! staffed agents every refresh with rta-avaya's own encoder, under [`avaya_layout`].

use super::paced::{Paced, PacedBuilder};
use super::plan::{
    AVAYA_ACD, AVAYA_LOGIN_STATUS, AVAYA_STATUSES, AvayaStatus, avaya_layout, avaya_logid,
};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use rta_avaya::{AgentRow, Layout, RowStyle, SkillList, TRAILER, WorkMode, encode_batch_start};
use std::ops::Range;

/// One agent of a CMS, as compact as the generator can keep it (a load may have 1M).
#[derive(Debug, Clone)]
struct Agent {
    logid: Box<[u8]>,
    extension: Box<[u8]>,
    /// Index in [`AVAYA_STATUSES`].
    status: u8,
    staffed: bool,
    work_skill: Option<u32>,
    /// Seconds in the current status at the last batch (`AGDURATION`).
    in_state: u32,
}

/// What one run of one CMS sends.
#[derive(Debug)]
pub(crate) struct AvayaTraffic {
    pub(crate) paced: Paced,
    /// Agent rows written (the observations the engine reads).
    pub(crate) rows: u64,
    /// Status changes the engine must publish: every staffed agent of the first batch ever,
    /// then every change, log-out and log-in.
    pub(crate) changes: u64,
}

/// One simulated CMS: its agents, its random draws and how many batches it has written.
#[derive(Debug)]
pub(crate) struct Cms {
    agents: Vec<Agent>,
    rng: SmallRng,
    layout: Layout,
    zone: TimeZone,
    batches_written: u64,
    start: Timestamp,
    refresh_secs: u32,
    change_ratio: f64,
    logout_ratio: f64,
    login_ratio: f64,
}

/// Share of agents staffed in the first batch; the others log in later.
const STAFFED_AT_START: f64 = 0.96;
/// A status kept from before the first batch: up to this long (some for over an hour).
const LONGEST_FIRST_STATUS_SECS: u32 = 5_400;
/// The skills ACD work is on.
const SKILLS: Range<u32> = 101..111;

/// Draws a status other than `current` with the weights of [`AVAYA_STATUSES`].
fn draw_status(rng: &mut SmallRng, current: Option<u8>) -> u8 {
    let excluded = current.map_or(0, |index| AVAYA_STATUSES[usize::from(index)].weight);
    let total: u32 = AVAYA_STATUSES.iter().map(|s| s.weight).sum::<u32>() - excluded;
    let mut pick = rng.random_range(0..total);
    for (index, status) in AVAYA_STATUSES.iter().enumerate() {
        if Some(index as u8) == current {
            continue;
        }
        if pick < status.weight {
            return index as u8;
        }
        pick -= status.weight;
    }
    unreachable!("the weights add up to the total")
}

fn work_skill(rng: &mut SmallRng, status: &AvayaStatus) -> Option<u32> {
    matches!(
        status.state.mode,
        WorkMode::Acd | WorkMode::Acw | WorkMode::Ring | WorkMode::Dacd | WorkMode::Dacw
    )
    .then(|| rng.random_range(SKILLS))
}

pub(crate) struct CmsSettings<'a> {
    pub(crate) seed: u64,
    pub(crate) agents: Range<usize>,
    pub(crate) zone: &'a TimeZone,
    pub(crate) start: Timestamp,
    pub(crate) refresh_secs: u32,
    pub(crate) change_ratio: f64,
    pub(crate) logout_ratio: f64,
    pub(crate) login_ratio: f64,
}

impl Cms {
    pub(crate) fn new(settings: CmsSettings<'_>) -> Cms {
        let mut rng = SmallRng::seed_from_u64(settings.seed);
        let agents = settings
            .agents
            .map(|index| {
                let status = draw_status(&mut rng, None);
                Agent {
                    logid: avaya_logid(index).into_bytes().into(),
                    extension: (5_000_000 + index).to_string().into_bytes().into(),
                    status,
                    staffed: rng.random_bool(STAFFED_AT_START),
                    work_skill: work_skill(&mut rng, &AVAYA_STATUSES[usize::from(status)]),
                    in_state: rng.random_range(0..LONGEST_FIRST_STATUS_SECS),
                }
            })
            .collect();
        Cms {
            agents,
            rng,
            layout: avaya_layout(),
            zone: settings.zone.clone(),
            batches_written: 0,
            start: settings.start,
            refresh_secs: settings.refresh_secs,
            change_ratio: settings.change_ratio,
            logout_ratio: settings.logout_ratio,
            login_ratio: settings.login_ratio,
        }
    }

    /// The next `refreshes` batches, piece `k` due `k` refreshes after the run starts.
    pub(crate) fn next_run(&mut self, refreshes: u32) -> Result<AvayaTraffic, jiff::Error> {
        // About 60 bytes a padded row.
        let mut out = PacedBuilder::with_capacity(self.agents.len() * 64 * refreshes as usize);
        let (mut rows, mut changes) = (0, 0);
        for k in 0..refreshes {
            let (batch_rows, batch_changes) = self.batch(&mut out.out)?;
            rows += batch_rows;
            changes += batch_changes;
            out.cut(std::time::Duration::from_secs(
                u64::from(self.refresh_secs) * u64::from(k),
            ));
        }
        Ok(AvayaTraffic {
            paced: out.finish(std::time::Duration::ZERO),
            rows,
            changes,
        })
    }

    /// Advances one refresh and writes its batch; returns (rows, status changes).
    fn batch(&mut self, out: &mut Vec<u8>) -> Result<(u64, u64), jiff::Error> {
        let first = self.batches_written == 0;
        let offset = i64::from(self.refresh_secs) * self.batches_written as i64;
        let time = self.start.checked_add(SignedDuration::from_secs(offset))?;
        self.batches_written += 1;
        encode_batch_start(time.to_zoned(self.zone.clone()).datetime(), out);
        out.push(b'\n');
        let style = RowStyle {
            numeric: false,
            padded: true,
        };
        let (mut rows, mut changes) = (0, 0);
        for agent in &mut self.agents {
            let rng = &mut self.rng;
            if first {
                changes += u64::from(agent.staffed);
            } else if !agent.staffed {
                if rng.random_bool(self.login_ratio) {
                    agent.staffed = true;
                    agent.status = AVAYA_LOGIN_STATUS as u8;
                    agent.work_skill = None;
                    agent.in_state = rng.random_range(0..self.refresh_secs);
                    changes += 1;
                }
            } else if rng.random_bool(self.logout_ratio) {
                agent.staffed = false;
                changes += 1;
            } else if rng.random_bool(self.change_ratio) {
                agent.status = draw_status(rng, Some(agent.status));
                agent.work_skill = work_skill(rng, &AVAYA_STATUSES[usize::from(agent.status)]);
                // Began after the previous batch, so the change time is after it.
                agent.in_state = rng.random_range(0..self.refresh_secs);
                changes += 1;
            } else {
                agent.in_state += self.refresh_secs;
            }
            if !agent.staffed {
                continue;
            }
            let status = &AVAYA_STATUSES[usize::from(agent.status)];
            let row = AgentRow {
                acd: AVAYA_ACD,
                logid: &agent.logid,
                extension: Some(&agent.extension),
                state: status.state,
                aux_reason: status.reason,
                work_skill: agent.work_skill,
                duration: Some(agent.in_state),
                da_in_queue: Some(0),
                acd_on_hold: Some(0),
                logon_skills: SkillList::default(),
                split: None,
            };
            row.encode(&self.layout, style, out);
            out.push(b'\n');
            rows += 1;
        }
        out.extend_from_slice(TRAILER);
        out.push(b'\n');
        Ok((rows, changes))
    }
}
