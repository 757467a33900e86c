//! The simulator: a virtual clock, the users, and what a CIC server sends, as bytes.

use crate::cic::config::CicSimConfig;
use crate::cic::error::CicSimError;
use crate::cic::faults::{garbage_line, line_end, snapshot_cut};
use crate::cic::users::{Presence, STATUSES, SimUser, user_ids};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use rta_cic::Dialect;
use rta_cic::{CicTime, StatusDefinition, UserStatus};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashSet};
use std::ops::Range;
use std::sync::Arc;

/// One change sent to the clients: a user's new presence (its time is `presence.since`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The user's index in [`CicSim::users`].
    pub user: usize,
    pub user_id: Arc<str>,
    pub presence: Presence,
}

/// What a new connection gets first: a full snapshot as of the simulator's clock (icws:
/// preceded by the status definitions).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Greeting {
    pub bytes: Vec<u8>,
    /// The bytes whose loss leaves the snapshot incomplete: a connection cut at any offset in
    /// this range got a snapshot begun and not ended.
    pub snapshot: Range<usize>,
}

/// One tick of the virtual clock, ready to send to every connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tick {
    /// 1 for the first tick.
    pub number: u64,
    /// The virtual time at the end of the tick (the simulator's clock after it).
    pub time: Timestamp,
    /// The changes (in time order) and heartbeats of the tick, encoded: whole lines.
    pub bytes: Vec<u8>,
    pub changes: usize,
    pub heartbeats: usize,
}

/// The users of the icws delta being built, in order.
#[derive(Debug, Default)]
struct Pending {
    order: Vec<usize>,
    users: HashSet<usize>,
}

impl Pending {
    fn push(&mut self, user: usize) {
        self.order.push(user);
        self.users.insert(user);
    }
}

/// A deterministic CIC server's feed of simulated users.
///
/// [`CicSim::greeting`] is what a connection gets first (a snapshot as of the clock),
/// [`CicSim::tick`] moves the clock one tick and gives the changes and heartbeats of that
/// tick, to send to every connection. The users' current state is the ground truth of what
/// a receiver that read everything knows.
///
/// ```
/// use rta_sim::cic::{CicSim, CicSimConfig};
///
/// let start = "2026-11-23T08:00:00Z".parse().unwrap();
/// let mut sim = CicSim::new(CicSimConfig::new(3, 42, start)).unwrap();
/// let greeting = String::from_utf8(sim.greeting().bytes).unwrap();
/// assert!(greeting.starts_with("SNAPSHOT|BEGIN|2026-11-23 08:00:00\r\nSTATUS|"));
/// assert!(greeting.ends_with("SNAPSHOT|END|2026-11-23 08:00:00\r\n"));
/// let tick = sim.tick();
/// assert_eq!(tick.time, "2026-11-23T08:00:01Z".parse().unwrap());
/// ```
#[derive(Debug)]
pub struct CicSim {
    config: CicSimConfig,
    tz: TimeZone,
    users: Vec<SimUser>,
    /// Drives the users; faults draw from their own generator, so they do not change what
    /// users do.
    behavior: SmallRng,
    faults: SmallRng,
    /// The users by time of their next change (then index: ties go by index).
    queue: BinaryHeap<Reverse<(Timestamp, usize)>>,
    now: Timestamp,
    next_heartbeat: Option<Timestamp>,
    ticks: u64,
    changes: u64,
    history: Vec<Change>,
}

impl CicSim {
    /// A simulator of `config.users` users, placed somewhere in their day at `config.start`.
    pub fn new(config: CicSimConfig) -> Result<CicSim, CicSimError> {
        config.check()?;
        let tz = TimeZone::get(config.zone.name())
            .map_err(|_| CicSimError::Zone(config.zone.name().to_owned()))?;
        let start = Timestamp::from_second(config.start.as_second())
            .expect("a timestamp's whole seconds are a timestamp");
        let mut behavior = SmallRng::seed_from_u64(config.seed);
        let faults = SmallRng::seed_from_u64(config.seed ^ 0xc1c0_fa17_c1c0_fa17);
        let users: Vec<SimUser> = user_ids(config.users)
            .into_iter()
            .enumerate()
            .map(|(index, id)| {
                let mut user = SimUser::new(id, index);
                user.place(start, &mut behavior);
                user
            })
            .collect();
        let queue = users
            .iter()
            .enumerate()
            .map(|(index, user)| Reverse((user.until(), index)))
            .collect();
        Ok(CicSim {
            next_heartbeat: config.heartbeat.map(|every| start + every),
            tz,
            users,
            behavior,
            faults,
            queue,
            now: start,
            ticks: 0,
            changes: 0,
            history: Vec::new(),
            config,
        })
    }

    pub fn config(&self) -> &CicSimConfig {
        &self.config
    }

    /// The users as of the clock: the ground truth.
    pub fn users(&self) -> &[SimUser] {
        &self.users
    }

    /// The virtual clock: the time of the last tick (the start before the first).
    pub fn now(&self) -> Timestamp {
        self.now
    }

    /// How many ticks were made.
    pub fn ticks(&self) -> u64 {
        self.ticks
    }

    /// How many changes were made.
    pub fn changes(&self) -> u64 {
        self.changes
    }

    /// Every change, in the order sent, when [`CicSimConfig::history`] is on.
    pub fn history(&self) -> &[Change] {
        &self.history
    }

    /// `time` as the dialect writes it: local in the zone (line), or UTC (line with
    /// `utc_times`, icws).
    pub fn wire_time(&self, time: Timestamp) -> CicTime {
        match self.config.dialect {
            Dialect::Line if !self.config.utc_times => {
                CicTime::Local(time.to_zoned(self.tz.clone()).datetime())
            }
            _ => CicTime::Utc(time),
        }
    }

    fn status(&self, user: usize) -> UserStatus<'_> {
        let user = &self.users[user];
        user.encoded(self.wire_time(user.presence.since))
    }

    /// What a connection gets first: a full snapshot as of the clock.
    pub fn greeting(&self) -> Greeting {
        let mut bytes = Vec::new();
        let now = self.wire_time(self.now);
        let snapshot = match self.config.dialect {
            Dialect::Line => {
                rta_cic::line_snapshot_begin(&mut bytes, now);
                let start = bytes.len();
                for user in 0..self.users.len() {
                    rta_cic::line_status(&mut bytes, &self.status(user));
                }
                let end = bytes.len();
                rta_cic::line_snapshot_end(&mut bytes, now);
                start..end
            }
            Dialect::Icws => {
                let definitions: Vec<StatusDefinition<'_>> =
                    STATUSES.iter().map(|s| s.definition()).collect();
                rta_cic::icws_status_definitions(&mut bytes, &definitions);
                let start = bytes.len() + 1;
                let statuses: Vec<UserStatus<'_>> =
                    (0..self.users.len()).map(|u| self.status(u)).collect();
                rta_cic::icws_user_statuses(&mut bytes, false, &statuses, &self.config.zone);
                start..bytes.len() - 1
            }
        };
        Greeting { bytes, snapshot }
    }

    /// Moves the clock one tick: the changes due in it, in time order, and the heartbeats
    /// due in it (after the changes of the same second). Line: one `STATUS` per change.
    /// icws: the changes in `isDelta:true` messages, a new message when a user changes again
    /// or a heartbeat comes between; a heartbeat is an empty delta (ICWS has none of its
    /// own, and a receiver must see traffic).
    pub fn tick(&mut self) -> Tick {
        let end = self.now + self.config.tick;
        self.ticks += 1;
        let mut bytes = Vec::new();
        let mut pending = Pending::default();
        let (mut changes, mut heartbeats) = (0, 0);
        loop {
            let due = self
                .queue
                .peek()
                .map(|Reverse((at, user))| (*at, *user))
                .filter(|&(at, _)| at <= end);
            let heartbeat = self
                .next_heartbeat
                .filter(|&at| at <= end && due.is_none_or(|(change, _)| at < change));
            if let Some(at) = heartbeat {
                self.flush(&mut bytes, &mut pending);
                self.heartbeat(&mut bytes, at);
                heartbeats += 1;
                let every = self.config.heartbeat.expect("a heartbeat is due");
                self.next_heartbeat = Some(at + every);
                continue;
            }
            let Some((_, user)) = due else { break };
            self.queue.pop();
            if pending.users.contains(&user) {
                self.flush(&mut bytes, &mut pending);
            }
            self.users[user].step(&mut self.behavior);
            self.queue.push(Reverse((self.users[user].until(), user)));
            changes += 1;
            self.changes += 1;
            if self.config.history {
                self.history.push(Change {
                    user,
                    user_id: self.users[user].user_id.clone(),
                    presence: self.users[user].presence,
                });
            }
            match self.config.dialect {
                Dialect::Line => rta_cic::line_status(&mut bytes, &self.status(user)),
                Dialect::Icws => pending.push(user),
            }
        }
        self.flush(&mut bytes, &mut pending);
        self.now = end;
        Tick {
            number: self.ticks,
            time: end,
            bytes,
            changes,
            heartbeats,
        }
    }

    /// Writes the pending icws changes as one delta.
    fn flush(&self, bytes: &mut Vec<u8>, pending: &mut Pending) {
        if pending.order.is_empty() {
            return;
        }
        let statuses: Vec<UserStatus<'_>> = pending.order.iter().map(|&u| self.status(u)).collect();
        rta_cic::icws_user_statuses(bytes, true, &statuses, &self.config.zone);
        pending.order.clear();
        pending.users.clear();
    }

    fn heartbeat(&self, bytes: &mut Vec<u8>, at: Timestamp) {
        match self.config.dialect {
            Dialect::Line => rta_cic::line_heartbeat(bytes, self.wire_time(at)),
            Dialect::Icws => rta_cic::icws_user_statuses(bytes, true, &[], &self.config.zone),
        }
    }

    /// `lines` garbage lines ([`crate::cic::Fault::Garbage`]), each with its line end: every
    /// kind in turn, from one drawn from the fault generator (seven lines in the line
    /// dialect, six in icws, show every kind).
    pub fn garbage(&mut self, lines: u32) -> Vec<u8> {
        let time = match self.wire_time(self.now) {
            CicTime::Local(local) => local.strftime("%Y-%m-%d %H:%M:%S").to_string(),
            CicTime::Utc(utc) if self.config.dialect == Dialect::Line => {
                utc.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
            }
            CicTime::Utc(utc) => utc.strftime("%Y%m%dT%H%M%SZ").to_string(),
        };
        let mut bytes = Vec::new();
        let first = self.faults.random_range(0..64);
        for kind in first..first + lines as usize {
            bytes.extend(garbage_line(self.config.dialect, kind, &time));
            bytes.extend_from_slice(line_end(self.config.dialect));
        }
        bytes
    }

    /// An over-long line of `len` `X`s and its line end ([`crate::cic::Fault::OverLongLine`]).
    pub fn over_long_line(&self, len: usize) -> Vec<u8> {
        let mut bytes = vec![b'X'; len];
        bytes.extend_from_slice(line_end(self.config.dialect));
        bytes
    }

    /// Where to cut `greeting` for [`crate::cic::Fault::DropMidSnapshot`]: how many of its
    /// bytes get through.
    pub fn snapshot_cut(&mut self, greeting: &Greeting) -> usize {
        snapshot_cut(&mut self.faults, &greeting.snapshot)
    }

    /// Draws from the fault generator: true with probability `rate`.
    pub(crate) fn roll(&mut self, rate: f64) -> bool {
        rate > 0.0 && self.faults.random_bool(rate.min(1.0))
    }

    /// The generator that splits the writes of connection number `connection`.
    pub(crate) fn split_rng(&self, connection: u64) -> SmallRng {
        SmallRng::seed_from_u64(self.config.seed ^ connection.wrapping_mul(0x9e37_79b9_7f4a_7c15))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cic::config::CicFaults;
    use jiff::SignedDuration;
    use rta_model::Zone;

    fn start() -> Timestamp {
        "2026-11-23T08:00:00Z".parse().unwrap()
    }

    fn stream(config: CicSimConfig, ticks: usize) -> Vec<u8> {
        let mut sim = CicSim::new(config).unwrap();
        let mut bytes = sim.greeting().bytes;
        for _ in 0..ticks {
            bytes.extend(sim.tick().bytes);
        }
        bytes
    }

    #[test]
    fn the_same_seed_gives_the_same_stream() {
        for dialect in [Dialect::Line, Dialect::Icws] {
            let mut config = CicSimConfig::new(40, 9, start());
            config.dialect = dialect;
            config.tick = SignedDuration::from_secs(15);
            let first = stream(config.clone(), 200);
            assert_eq!(first, stream(config.clone(), 200));
            config.faults = CicFaults::all();
            assert_eq!(first, stream(config.clone(), 200), "faults draw apart");
            config.seed = 10;
            assert_ne!(first, stream(config, 200));
        }
    }

    #[test]
    fn ticks_send_changes_in_time_order_and_heartbeats() {
        let mut config = CicSimConfig::new(50, 3, start());
        config.tick = SignedDuration::from_secs(10);
        config.history = true;
        let mut sim = CicSim::new(config).unwrap();
        let mut last = sim.now();
        let (mut changes, mut heartbeats) = (0, 0);
        for _ in 0..360 {
            let before = sim.now();
            let tick = sim.tick();
            assert_eq!(tick.time, before + SignedDuration::from_secs(10));
            changes += tick.changes;
            heartbeats += tick.heartbeats;
            let text = String::from_utf8(tick.bytes).unwrap();
            assert_eq!(
                text.lines().count(),
                tick.changes + tick.heartbeats,
                "{text}"
            );
            for user in sim.users() {
                assert!(user.presence.is_consistent());
                assert!(user.presence.since <= sim.now());
            }
            for change in &sim.history()[changes - tick.changes..] {
                assert!(change.presence.since > before && change.presence.since >= last);
                last = change.presence.since;
            }
        }
        assert_eq!(heartbeats, 120, "one every 30 s for an hour");
        assert_eq!(sim.history().len(), changes);
        assert!(changes > 50 * 10, "{changes}");
        let final_state: Vec<Presence> = sim.users().iter().map(|u| u.presence).collect();
        for (index, user) in sim.users().iter().enumerate() {
            let last = sim.history().iter().rev().find(|c| c.user == index);
            if let Some(change) = last {
                assert_eq!(change.presence, final_state[index], "{}", user.user_id);
            }
        }
    }

    /// The fields of a line-dialect record, `\|` and `\\` unescaped.
    pub(crate) fn split_fields(line: &str) -> Vec<String> {
        let mut fields = vec![String::new()];
        let mut chars = line.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => fields.last_mut().unwrap().extend(chars.next()),
                '|' => fields.push(String::new()),
                c => fields.last_mut().unwrap().push(c),
            }
        }
        fields
    }

    #[test]
    fn line_records_carry_the_users_state() {
        let mut sim = CicSim::new(CicSimConfig::new(12, 5, start())).unwrap();
        let greeting = sim.greeting();
        let text = std::str::from_utf8(&greeting.bytes).unwrap();
        let lines: Vec<&str> = text.split_terminator("\r\n").collect();
        assert_eq!(lines.len(), 14);
        assert_eq!(lines[0], "SNAPSHOT|BEGIN|2026-11-23 08:00:00");
        assert_eq!(lines[13], "SNAPSHOT|END|2026-11-23 08:00:00");
        assert_eq!(
            &text[greeting.snapshot.clone()],
            lines[1..13]
                .iter()
                .map(|l| format!("{l}\r\n"))
                .collect::<String>()
        );
        for (line, user) in lines[1..13].iter().zip(sim.users()) {
            let fields = split_fields(line);
            let p = &user.presence;
            let flags = [
                p.logged_in,
                p.status.acd,
                p.status.dnd,
                p.status.acw,
                p.on_phone,
            ]
            .map(|f| if f { "1" } else { "0" });
            let local = p.since.to_zoned(TimeZone::UTC).datetime();
            assert_eq!(fields[1], local.strftime("%Y-%m-%d %H:%M:%S").to_string());
            assert_eq!(fields[2], &*user.user_id);
            assert_eq!(fields[3], p.status.key);
            assert_eq!(fields[4], p.status.text);
            assert_eq!(fields[5], p.status.group);
            assert_eq!(fields[6..11], flags);
            assert_eq!(fields[11], user.station().unwrap_or(""));
        }
        let tick = sim.tick();
        assert!(tick.bytes.starts_with(b"STATUS|") || tick.bytes.is_empty());
    }

    #[test]
    fn icws_sends_definitions_then_a_snapshot_then_deltas() {
        let mut config = CicSimConfig::new(20, 5, start());
        config.dialect = Dialect::Icws;
        config.tick = SignedDuration::from_secs(60);
        let mut sim = CicSim::new(config).unwrap();
        let greeting = sim.greeting();
        let text = std::str::from_utf8(&greeting.bytes).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        assert!(lines[0].contains("statusMessagesMessage"));
        assert!(lines[0].contains(r#""statusId":"Available, No ACD""#));
        assert!(lines[1].contains(r#""isDelta":false"#));
        assert_eq!(lines[1].matches("userId").count(), 20);
        assert_eq!(greeting.snapshot.end, text.len() - 1);
        assert_eq!(greeting.snapshot.start, lines[0].len() + 2);
        let mut deltas = 0;
        let mut heartbeats = 0;
        for _ in 0..30 {
            let tick = sim.tick();
            let text = String::from_utf8(tick.bytes).unwrap();
            for line in text.lines() {
                assert!(line.contains(r#""isDelta":true"#));
                if line.ends_with(r#""userStatusList":[]}"#) {
                    heartbeats += 1;
                } else {
                    deltas += 1;
                }
            }
        }
        assert_eq!(heartbeats, 60);
        assert!(deltas > 30);
    }

    /// A clock started at 00:30 in New York on the fall-back night writes the repeated hour
    /// twice, without offsets.
    #[test]
    fn local_times_cross_the_autumn_change() {
        let mut config = CicSimConfig::new(10, 1, "2026-11-01T04:30:00Z".parse().unwrap());
        config.zone = Zone::get("America/New_York").unwrap();
        config.tick = SignedDuration::from_secs(60);
        config.heartbeat = Some(SignedDuration::from_secs(600));
        let mut sim = CicSim::new(config).unwrap();
        assert!(
            sim.greeting()
                .bytes
                .starts_with(b"SNAPSHOT|BEGIN|2026-11-01 00:30:00\r\n")
        );
        let mut beats = Vec::new();
        for _ in 0..180 {
            let text = String::from_utf8(sim.tick().bytes).unwrap();
            beats.extend(
                text.lines()
                    .filter_map(|l| l.strip_prefix("HEARTBEAT|"))
                    .map(str::to_owned),
            );
        }
        let expected = [
            "00:40", "00:50", "01:00", "01:10", "01:20", "01:30", "01:40", "01:50", "01:00",
            "01:10", "01:20", "01:30", "01:40", "01:50", "02:00", "02:10", "02:20", "02:30",
        ]
        .map(|hm| format!("2026-11-01 {hm}:00"));
        assert_eq!(beats, expected);
    }

    #[test]
    fn garbage_and_cuts_come_from_the_fault_generator() {
        let mut sim = CicSim::new(CicSimConfig::new(5, 5, start())).unwrap();
        let garbage = sim.garbage(20);
        assert_eq!(garbage.windows(2).filter(|w| w == b"\r\n").count(), 20);
        let greeting = sim.greeting();
        let cut = sim.snapshot_cut(&greeting);
        assert!(greeting.snapshot.contains(&cut));
        assert_eq!(sim.over_long_line(5000).len(), 5002);
        let mut again = CicSim::new(CicSimConfig::new(5, 5, start())).unwrap();
        assert_eq!(again.garbage(20), garbage);
    }
}
