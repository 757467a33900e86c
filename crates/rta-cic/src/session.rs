//! One connection's decoder: frames in, [`Output`]s out.
//!
//! The session turns the records of either dialect into observations of the canonical phase
//! (`specs/cic.md`, "Status model"):
//! not logged in = `logged_out`; on phone = `talking`; an ACD status while logged in =
//! `available`; an after-call-work status = `wrap_up`; otherwise `away`, with the status key
//! as reason. The status code is the folded status key (see [`crate::Vocabulary`]), the
//! detail the station.
//!
//! Where the values come from:
//! - A line-dialect `STATUS` and an item of a full icws list carry the whole status: what is
//!   absent is unknown. An icws delta item carries changes: what is absent keeps the user's
//!   previous value (the session remembers each user's last values for this).
//! - The ACD and after-call-work flags absent from a record (icws user statuses never carry
//!   them) come from the status definition in the vocabulary, else are false. Logged in, when
//!   nobody said, is true (a status is reported for someone using it; logging out is said
//!   explicitly). On phone is false until said. DND, the status text and the group do not
//!   change the phase and have no place in an observation: they stay in the
//!   [`StatusRecord`](crate::StatusRecord) and the vocabulary's [`Definition`]s.
//! - The time is when the status began: the record's time (for icws, the later of
//!   `statusChanged` and `onPhoneChanged`, as going on or off the phone changes the phase),
//!   or the receive time when the record has none.
//!
//! Local times and DST: a time repeated at the autumn change is its earlier instant unless
//! that goes back before a floor, then the later one ([`rta_model::Zone::resolve`]). Outside
//! a snapshot the floor is the latest time this connection has sent (records arrive in order,
//! so a stream crossing the repeated hour never goes backwards) and the user's last time. In
//! a snapshot, which lists when each user's current status began (long ago, possibly), it is
//! only the user's last time; snapshot statuses do not move the stream's clock.
//!
//! Snapshots: `SNAPSHOT|BEGIN` / `isDelta:false` emit [`Output::SnapshotBegin`], the statuses,
//! then [`Output::SnapshotEnd`]; the caller logs out the users it knows that were not listed.
//! An icws snapshot is timed at its receipt (the message has no time of its own).
//! A snapshot cut off (disconnect, a new `BEGIN`, a malformed snapshot message) emits
//! [`Output::SnapshotAborted`]: nobody is logged out. An `END` without `BEGIN` is counted and
//! ignored (an empty snapshot would log everybody out). A completed snapshot also forgets the
//! remembered values of the users it did not list.
//!
//! User ids are compared exactly, or case-insensitively with
//! [`SessionConfig::case_insensitive_users`]: the external id is then the folded id (lower
//! case), which allocates only for ids that contain upper case letters.
//!
//! Bounded memory: the remembered users are at most [`SessionConfig::max_users`], their ids and
//! stations at most [`SessionConfig::max_memory`] bytes; statuses of further users (or of a
//! user whose values no longer fit, who is then forgotten) are still emitted, counted and
//! reported ([`CicError::TooManyUsers`]), and icws deltas about them cannot be merged. Lines
//! are bounded by the codec ([`SessionConfig::codec`]). A remembered user costs a 64-byte
//! record, one allocation of its id, station and unshared key, and about 10 bytes of index:
//! with 8-byte ids and 4-byte stations, about 90 bytes per user at a million users.

use crate::case::fold_bytes;
use crate::error::{CicError, RecordError};
use crate::icws::{self, Handler, Kind, StatusMessageItem, UserStatusItem};
use crate::line::{LineRecord, StatusRecord, TimeCache, parse_line_cached};
use crate::time::{CicTime, ZoneCache, parse_time};
use crate::users::{Kept, StatusKey, Users, Values};
use crate::vocabulary::{Definition, KeyCache, Vocabulary};
use bytes::Bytes;
use jiff::Timestamp;
use rta_lines::{FrameError, LineCodec, Snippet};
use rta_model::{Code, Direction, IntegrationId, Observation, Phase, Status, Zone};
use std::borrow::Cow;

/// The two wire formats of `specs/cic.md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Dialect {
    /// `STATUS|...` lines (the default).
    #[default]
    Line,
    /// ICWS JSON messages, one per line.
    Icws,
}

impl Dialect {
    /// The line limit of a dialect: 4 KiB for records, 16 MiB for icws, where a snapshot of
    /// every user is one line.
    pub const fn default_max_line(self) -> usize {
        match self {
            Dialect::Line => LineCodec::DEFAULT_MAX_LINE,
            Dialect::Icws => 16 << 20,
        }
    }
}

/// How one connection of an integration is read.
#[derive(Debug, Clone)]
pub struct SessionConfig {
    pub integration: IntegrationId,
    pub dialect: Dialect,
    /// The ACD time zone, for times without offset.
    pub zone: Zone,
    /// Compare user ids without regard to case (the external id is then lower case).
    pub case_insensitive_users: bool,
    /// The most users whose last values are remembered (at most `u32::MAX`: larger counts as
    /// that).
    pub max_users: usize,
    /// The most bytes of user ids and stations (and of status keys the vocabulary had no room
    /// for) remembered: with `max_users`, what bounds the memory of a session. At most 4 GiB
    /// (larger counts as that).
    pub max_memory: usize,
    /// The line limit for [`SessionConfig::codec`].
    pub max_line: usize,
}

impl SessionConfig {
    /// Defaults: UTC, exact user ids, one million users and 64 MiB of their ids and stations,
    /// the dialect's line limit.
    pub fn new(integration: IntegrationId, dialect: Dialect) -> Self {
        SessionConfig {
            integration,
            dialect,
            zone: Zone::utc(),
            case_insensitive_users: false,
            max_users: 1_000_000,
            max_memory: 64 << 20,
            max_line: dialect.default_max_line(),
        }
    }

    /// The framing codec for this connection.
    pub fn codec(&self) -> LineCodec {
        LineCodec::new(self.max_line)
    }
}

/// What a session emits. Everything borrows from the frame, the session or the vocabulary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output<'a> {
    Status(Observation<'a>),
    /// A snapshot starts: the statuses up to [`Output::SnapshotEnd`] list every user.
    SnapshotBegin {
        time: Timestamp,
    },
    /// The snapshot is complete: the users not listed are logged out (by the caller).
    SnapshotEnd {
        time: Timestamp,
    },
    /// The snapshot in progress was cut off: its statuses stand, nobody is logged out.
    SnapshotAborted,
    Heartbeat {
        time: Timestamp,
    },
}

/// Counters, for metrics and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Lines read (framing errors excluded).
    pub lines: u64,
    pub statuses: u64,
    pub definitions: u64,
    pub heartbeats: u64,
    pub snapshots_completed: u64,
    pub snapshots_aborted: u64,
    /// `SNAPSHOT|END` without a snapshot in progress.
    pub stray_snapshot_ends: u64,
    /// Unknown record types or `__type`s, and blank lines.
    pub ignored: u64,
    /// Lines or icws messages rejected whole.
    pub bad_records: u64,
    /// icws list items rejected.
    pub bad_items: u64,
    pub over_long_lines: u64,
    pub truncated_lines: u64,
    /// Statuses of users past [`SessionConfig::max_users`].
    pub users_over_limit: u64,
}

/// One status record, whichever the dialect.
#[derive(Debug)]
struct StatusInput<'a> {
    user_id: Cow<'a, [u8]>,
    status_key: Option<Cow<'a, str>>,
    status_changed: Option<CicTime>,
    on_phone_changed: Option<CicTime>,
    logged_in: Option<bool>,
    on_phone: Option<bool>,
    acd: Option<bool>,
    acw: Option<bool>,
    /// `Some("")`: no station.
    station: Option<Cow<'a, str>>,
    /// Absent values keep the previous ones (icws delta).
    merge: bool,
}

impl<'a> From<StatusRecord<'a>> for StatusInput<'a> {
    fn from(record: StatusRecord<'a>) -> Self {
        StatusInput {
            user_id: record.user_id,
            status_key: Some(record.status_key),
            status_changed: record.time,
            on_phone_changed: None,
            logged_in: record.logged_in,
            on_phone: record.on_phone,
            acd: record.acd,
            acw: record.acw,
            station: record.station,
            merge: false,
        }
    }
}

/// An icws time property.
fn time(text: Option<icws::Text<'_>>, field: &'static str) -> Result<Option<CicTime>, RecordError> {
    text.map(|text| parse_time(text.0.as_bytes()).ok_or(RecordError::BadTime { field }))
        .transpose()
}

impl<'a> StatusInput<'a> {
    fn from_icws(item: UserStatusItem<'a>, merge: bool) -> Result<Self, RecordError> {
        Ok(StatusInput {
            user_id: match item.user_id.map(|text| text.0) {
                Some(Cow::Borrowed(id)) if !id.is_empty() => Cow::Borrowed(id.as_bytes()),
                Some(Cow::Owned(id)) if !id.is_empty() => Cow::Owned(id.into_bytes()),
                _ => return Err(RecordError::MissingUserId),
            },
            status_key: item.status_id.map(|text| text.0),
            status_changed: time(item.status_changed, "statusChanged")?,
            on_phone_changed: time(item.on_phone_changed, "onPhoneChanged")?,
            logged_in: item.logged_in,
            on_phone: item.on_phone,
            acd: None,
            acw: None,
            station: item.stations.map(|station| station.0),
            merge,
        })
    }
}

/// How a status went in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Applied {
    Remembered,
    /// Emitted, but the user is past the limit.
    NotRemembered,
}

/// Decodes one connection of a CIC integration. Sans-IO: frames and the receive time go in,
/// [`Output`]s come out through a callback; see the module docs for the rules.
#[derive(Debug)]
pub struct Session {
    config: SessionConfig,
    /// `config.zone` with the offset window of the last local time.
    zone: ZoneCache,
    /// The last status keys and their ids in the vocabulary.
    keys: KeyCache,
    /// The time of the last status line.
    times: TimeCache,
    users: Users,
    /// Bytes of the remembered ids, stations and unshared keys.
    memory: usize,
    /// A snapshot is in progress.
    snapshot: bool,
    /// The latest time the connection sent outside snapshots.
    clock: Option<Timestamp>,
    stats: Stats,
}

impl Session {
    pub fn new(config: SessionConfig) -> Self {
        Session {
            zone: ZoneCache::new(config.zone.clone()),
            keys: KeyCache::default(),
            times: TimeCache::default(),
            users: Users::new(config.max_users, config.max_memory),
            config,
            memory: 0,
            snapshot: false,
            clock: None,
            stats: Stats::default(),
        }
    }

    pub fn config(&self) -> &SessionConfig {
        &self.config
    }

    /// The counters so far.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// True between a snapshot's begin and its end.
    pub fn snapshot_in_progress(&self) -> bool {
        self.snapshot
    }

    /// How many users' last values are remembered.
    pub fn user_count(&self) -> usize {
        self.users.len()
    }

    /// Feeds one item of the [`LineCodec`]: a line, or a framing error to count and return.
    /// A line cut by the end of the stream is not decoded.
    ///
    /// `vocabulary` is the integration's, the same at every call: the session remembers keys
    /// by their place in it. Of the problems of one icws message, the first is returned and
    /// all are counted.
    pub fn push_frame(
        &mut self,
        frame: Result<Bytes, FrameError>,
        received: Timestamp,
        vocabulary: &mut Vocabulary,
        out: &mut impl FnMut(Output<'_>),
    ) -> Result<(), CicError> {
        match frame {
            Ok(line) => self.push_line(&line, received, vocabulary, out),
            Err(error) => {
                match error {
                    FrameError::LineTooLong { .. } => self.stats.over_long_lines += 1,
                    FrameError::Truncated { .. } => self.stats.truncated_lines += 1,
                }
                Err(error.into())
            }
        }
    }

    /// Feeds one line (without its line end), received at `received`. On an error the line
    /// (or what of an icws message could not be read) is skipped; the session goes on.
    pub fn push_line(
        &mut self,
        line: &[u8],
        received: Timestamp,
        vocabulary: &mut Vocabulary,
        out: &mut impl FnMut(Output<'_>),
    ) -> Result<(), CicError> {
        self.stats.lines += 1;
        match self.config.dialect {
            Dialect::Line => self.push_record(line, received, vocabulary, out),
            Dialect::Icws => self.push_message(line, received, vocabulary, out),
        }
    }

    /// The connection ended: a snapshot in progress is cut off. The session stays usable for
    /// the next connection to the same server and should be kept: it remembers how far the
    /// stream and each user's time got, which resolves local times of a repeated DST hour
    /// after a reconnect.
    pub fn connection_lost(&mut self, out: &mut impl FnMut(Output<'_>)) {
        self.abort_snapshot(out);
    }

    fn push_record(
        &mut self,
        line: &[u8],
        received: Timestamp,
        vocabulary: &mut Vocabulary,
        out: &mut impl FnMut(Output<'_>),
    ) -> Result<(), CicError> {
        let result = match parse_line_cached(line, &mut self.times) {
            Ok(LineRecord::Status(record)) => {
                match self.apply_status(record.into(), received, vocabulary, out) {
                    Ok(Applied::Remembered) => Ok(()),
                    Ok(Applied::NotRemembered) => {
                        return Err(CicError::TooManyUsers {
                            limit: self.config.max_users,
                            count: 1,
                            line: Snippet::of(line),
                        });
                    }
                    Err(error) => Err(error),
                }
            }
            Ok(LineRecord::SnapshotBegin(time)) => self
                .marker_time(time, received)
                .map(|time| self.begin_snapshot(time, out)),
            Ok(LineRecord::SnapshotEnd(time)) => self
                .marker_time(time, received)
                .map(|time| self.end_snapshot(time, out)),
            Ok(LineRecord::Heartbeat(time)) => self.marker_time(time, received).map(|time| {
                self.stats.heartbeats += 1;
                out(Output::Heartbeat { time });
            }),
            Ok(LineRecord::Other { .. }) => {
                self.stats.ignored += 1;
                Ok(())
            }
            Err(error) => Err(error),
        };
        result.map_err(|error| {
            self.stats.bad_records += 1;
            CicError::BadRecord {
                error,
                line: Snippet::of(line),
            }
        })
    }

    fn push_message(
        &mut self,
        line: &[u8],
        received: Timestamp,
        vocabulary: &mut Vocabulary,
        out: &mut impl FnMut(Output<'_>),
    ) -> Result<(), CicError> {
        if line.trim_ascii().is_empty() {
            self.stats.ignored += 1;
            return Ok(());
        }
        let mut reading = Reading {
            session: self,
            vocabulary,
            received,
            out,
            is_delta: false,
            first_error: None,
            bad: 0,
            over_limit: 0,
        };
        let result = icws::read_message(line, &mut reading);
        let Reading {
            first_error,
            bad,
            over_limit,
            ..
        } = reading;
        match result {
            Ok(message) => match message.kind {
                Kind::UserStatuses if !message.is_delta => self.end_snapshot(received, out),
                Kind::UserStatuses | Kind::StatusMessages => {}
                Kind::Other => self.stats.ignored += 1,
            },
            Err(error) => {
                self.stats.bad_records += 1;
                self.abort_snapshot(out);
                return Err(CicError::BadRecord {
                    error: RecordError::Json {
                        reason: error.to_string().into(),
                    },
                    line: Snippet::of(line),
                });
            }
        }
        if let Some((index, error)) = first_error {
            return Err(CicError::BadItem {
                index,
                bad,
                error,
                line: Snippet::of(line),
            });
        }
        if over_limit > 0 {
            return Err(CicError::TooManyUsers {
                limit: self.config.max_users,
                count: over_limit,
                line: Snippet::of(line),
            });
        }
        Ok(())
    }

    /// The time of a snapshot marker or heartbeat, which moves the stream's clock.
    fn marker_time(
        &mut self,
        time: Option<CicTime>,
        received: Timestamp,
    ) -> Result<Timestamp, RecordError> {
        let Some(time) = time else {
            return Ok(received);
        };
        let instant = time
            .resolve_cached(&mut self.zone, self.clock)
            .map_err(|_| RecordError::BadTime { field: "time" })?;
        self.advance_clock(instant);
        Ok(instant)
    }

    fn advance_clock(&mut self, time: Timestamp) {
        self.clock = Some(self.clock.map_or(time, |clock| clock.max(time)));
    }

    fn begin_snapshot(&mut self, time: Timestamp, out: &mut impl FnMut(Output<'_>)) {
        self.abort_snapshot(out);
        self.snapshot = true;
        self.users.unlist_all();
        out(Output::SnapshotBegin { time });
    }

    fn end_snapshot(&mut self, time: Timestamp, out: &mut impl FnMut(Output<'_>)) {
        if !std::mem::take(&mut self.snapshot) {
            self.stats.stray_snapshot_ends += 1;
            return;
        }
        self.stats.snapshots_completed += 1;
        self.memory -= self.users.keep_listed();
        out(Output::SnapshotEnd { time });
    }

    fn abort_snapshot(&mut self, out: &mut impl FnMut(Output<'_>)) {
        if std::mem::take(&mut self.snapshot) {
            self.stats.snapshots_aborted += 1;
            out(Output::SnapshotAborted);
        }
    }

    /// Merges a status with the user's memory, remembers it, and emits it.
    fn apply_status(
        &mut self,
        input: StatusInput<'_>,
        received: Timestamp,
        vocabulary: &mut Vocabulary,
        out: &mut impl FnMut(Output<'_>),
    ) -> Result<Applied, RecordError> {
        let id = if self.config.case_insensitive_users {
            fold_bytes(input.user_id)
        } else {
            input.user_id
        };
        // One hash and one lookup of the id, for the merge and for remembering.
        let hash = self.users.hash(&id);
        let found = self.users.find(hash, &id);
        let memory = found.map(|at| self.users.get(at));
        let previous = memory.filter(|_| input.merge);

        // The DST floor: see the module docs.
        let user_time = memory.and_then(|user| user.time());
        let floor = if self.snapshot {
            user_time
        } else {
            user_time.max(self.clock)
        };
        let mut resolve = |time: Option<CicTime>, field| {
            time.map(|time| {
                time.resolve_cached(&mut self.zone, floor)
                    .map_err(|_| RecordError::BadTime { field })
            })
            .transpose()
        };
        let status_changed = resolve(input.status_changed, "statusChanged")?
            .or_else(|| previous.and_then(|user| user.status_changed()));
        let on_phone_changed = resolve(input.on_phone_changed, "onPhoneChanged")?
            .or_else(|| previous.and_then(|user| user.on_phone_changed()));

        let key = match input.status_key.filter(|key| !key.is_empty()) {
            Some(key) => match self.keys.intern(&key, vocabulary) {
                Some(id) => StatusKey::Interned(id),
                None => StatusKey::Folded(crate::case::fold_str(key)),
            },
            // Owned: the user's values are about to be replaced.
            None => match previous.map(|user| user.key()) {
                Some(StatusKey::Interned(id)) => StatusKey::Interned(id),
                Some(StatusKey::Folded(key)) => StatusKey::Folded(Cow::Owned(key.into_owned())),
                None => return Err(RecordError::MissingStatusKey),
            },
        };
        let logged_in = input
            .logged_in
            .or_else(|| previous.and_then(|user| user.logged_in()));
        let on_phone = input
            .on_phone
            .or_else(|| previous.and_then(|user| user.on_phone()));
        let station_changed = input.station.is_some() || !input.merge;
        let source_time = status_changed.max(on_phone_changed);
        let time = source_time.unwrap_or(received);

        if !self.snapshot {
            if let Some(time) = source_time {
                self.advance_clock(time);
            }
        }
        let station = input.station.filter(|station| !station.is_empty());
        let values = Values {
            key,
            logged_in,
            on_phone,
            status_changed,
            on_phone_changed,
            time: source_time,
        };
        let kept = self.users.remember(
            found,
            (&id, hash),
            &values,
            station_changed.then(|| station.as_deref().unwrap_or("")),
            self.snapshot,
            &mut self.memory,
        );
        let applied = match kept {
            Kept::At(_) => Applied::Remembered,
            Kept::Forgotten(_) | Kept::Nowhere => {
                self.stats.users_over_limit += 1;
                Applied::NotRemembered
            }
        };
        self.stats.statuses += 1;

        let vocabulary = &*vocabulary;
        let (code, definition): (&str, Option<&Definition>) = match &values.key {
            StatusKey::Interned(key) => vocabulary.get(*key).unwrap_or(("", None)),
            StatusKey::Folded(key) => (key, None),
        };
        let station: Option<&str> = match (station_changed, &station, &kept) {
            (true, station, _) => station.as_deref(),
            (false, _, Kept::At(at)) => self.users.get(*at).station(),
            (false, _, Kept::Forgotten(user)) => user.station(),
            (false, _, Kept::Nowhere) => None,
        };
        let flag = |explicit: Option<bool>, defined: fn(&Definition) -> bool| {
            explicit.unwrap_or_else(|| definition.is_some_and(defined))
        };
        let phase = phase(
            logged_in.unwrap_or(true),
            on_phone.unwrap_or(false),
            flag(input.acd, |d| d.acd),
            flag(input.acw, |d| d.acw),
        );
        out(Output::Status(Observation {
            integration: self.config.integration,
            external_id: Cow::Borrowed(&id),
            phase,
            direction: Direction::None,
            status: Status {
                code: Cow::Borrowed(code),
                reason: (phase == Phase::Away).then_some(Code::Text(Cow::Borrowed(code))),
                detail: station.map(|station| Code::Text(Cow::Borrowed(station))),
                skills: Cow::Borrowed(&[]),
            },
            time,
            received,
        }));
        Ok(applied)
    }
}

/// The canonical phase of a CIC status (`specs/cic.md`, "Status model").
fn phase(logged_in: bool, on_phone: bool, acd: bool, acw: bool) -> Phase {
    if !logged_in {
        Phase::LoggedOut
    } else if on_phone {
        Phase::Talking
    } else if acd {
        Phase::Available
    } else if acw {
        Phase::WrapUp
    } else {
        Phase::Away
    }
}

/// An icws message being read into a session.
struct Reading<'s, 'v, 'o, O> {
    session: &'s mut Session,
    vocabulary: &'v mut Vocabulary,
    received: Timestamp,
    out: &'o mut O,
    is_delta: bool,
    first_error: Option<(usize, RecordError)>,
    bad: usize,
    over_limit: usize,
}

impl<O> Reading<'_, '_, '_, O> {
    fn item_error(&mut self, index: usize, error: RecordError) {
        self.session.stats.bad_items += 1;
        self.bad += 1;
        self.first_error.get_or_insert((index, error));
    }
}

impl<'de, O: FnMut(Output<'_>)> Handler<'de> for Reading<'_, '_, '_, O> {
    fn user_statuses_begin(&mut self, is_delta: bool) {
        self.is_delta = is_delta;
        if !is_delta {
            self.session.begin_snapshot(self.received, self.out);
        }
    }

    fn user_status(&mut self, index: usize, item: UserStatusItem<'de>) {
        let applied = StatusInput::from_icws(item, self.is_delta).and_then(|input| {
            self.session
                .apply_status(input, self.received, self.vocabulary, self.out)
        });
        match applied {
            Ok(Applied::Remembered) => {}
            Ok(Applied::NotRemembered) => self.over_limit += 1,
            Err(error) => self.item_error(index, error),
        }
    }

    fn status_definition(&mut self, index: usize, item: StatusMessageItem<'de>) {
        let Some(key) = item.status_id.filter(|key| !key.0.is_empty()) else {
            self.item_error(index, RecordError::MissingStatusKey);
            return;
        };
        let text = |value: Option<icws::Text<'_>>| value.map_or(Box::from(""), |t| t.0.into());
        self.session.stats.definitions += 1;
        self.vocabulary.define(
            &key.0,
            Definition {
                text: text(item.message_text),
                group: text(item.group_tag),
                acd: item.is_acd_status.unwrap_or(false),
                acw: item.is_after_call_work_status.unwrap_or(false),
                dnd: item.is_do_not_disturb_status.unwrap_or(false),
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RECEIVED: &str = "2026-11-23T12:00:40Z";

    fn received() -> Timestamp {
        RECEIVED.parse().unwrap()
    }

    /// Outputs as short text: `id phase code [reason] [@detail] time`.
    fn show(output: Output<'_>) -> String {
        match output {
            Output::Status(o) => {
                let mut text = format!(
                    "{} {} {}",
                    String::from_utf8_lossy(&o.external_id),
                    o.phase,
                    o.status.code
                );
                if let Some(reason) = o.status.reason {
                    text += &format!(" ({reason})");
                }
                if let Some(detail) = o.status.detail {
                    text += &format!(" @{detail}");
                }
                assert_eq!(o.received, received());
                assert_eq!(o.integration, IntegrationId(7));
                format!("{text} {}", o.time)
            }
            Output::SnapshotBegin { time } => format!("begin {time}"),
            Output::SnapshotEnd { time } => format!("end {time}"),
            Output::SnapshotAborted => "aborted".to_string(),
            Output::Heartbeat { time } => format!("heartbeat {time}"),
        }
    }

    struct Feed {
        session: Session,
        vocabulary: Vocabulary,
        errors: Vec<CicError>,
    }

    impl Feed {
        fn new(dialect: Dialect, zone: &str) -> Feed {
            let mut config = SessionConfig::new(IntegrationId(7), dialect);
            config.zone = Zone::get(zone).unwrap();
            Feed::with(config)
        }

        fn with(config: SessionConfig) -> Feed {
            Feed {
                session: Session::new(config),
                vocabulary: Vocabulary::new(),
                errors: Vec::new(),
            }
        }

        fn push(&mut self, lines: &[&str]) -> Vec<String> {
            let mut shown = Vec::new();
            for line in lines {
                let result = self.session.push_frame(
                    Ok(Bytes::copy_from_slice(line.as_bytes())),
                    received(),
                    &mut self.vocabulary,
                    &mut |output| shown.push(show(output)),
                );
                if let Err(error) = result {
                    self.errors.push(error);
                }
            }
            shown
        }
    }

    #[test]
    fn the_spec_example() {
        let mut feed = Feed::new(Dialect::Line, "Europe/Paris");
        let shown = feed.push(&[
            "SNAPSHOT|BEGIN|2026-11-23 08:00:00",
            "STATUS|2026-11-23 07:58:12|jdoe|Available|Available|AVAILABLE|1|1|0|0|0|7001",
            "STATUS|2026-11-22 17:02:40|asmith|Gone Home|Gone Home|UNAVAILABLE|0|0|0|0|0|",
            "SNAPSHOT|END|2026-11-23 08:00:00",
            "STATUS|2026-11-23 12:00:05|jdoe|At Lunch|At Lunch|BREAK|1|0|0|0|0|7001",
            "HEARTBEAT|2026-11-23 12:00:30",
        ]);
        assert_eq!(
            shown,
            [
                "begin 2026-11-23T07:00:00Z",
                "jdoe available available @7001 2026-11-23T06:58:12Z",
                "asmith logged_out gone home 2026-11-22T16:02:40Z",
                "end 2026-11-23T07:00:00Z",
                "jdoe away at lunch (at lunch) @7001 2026-11-23T11:00:05Z",
                "heartbeat 2026-11-23T11:00:30Z",
            ]
        );
        assert!(feed.errors.is_empty(), "{:?}", feed.errors);
        let stats = feed.session.stats();
        assert_eq!(
            (
                stats.lines,
                stats.statuses,
                stats.snapshots_completed,
                stats.heartbeats
            ),
            (6, 3, 1, 1)
        );
        assert!(!feed.session.snapshot_in_progress());
    }

    #[test]
    fn phases_follow_the_flags() {
        let mut feed = Feed::new(Dialect::Line, "UTC");
        let shown = feed.push(&[
            "STATUS|2026-11-23 09:00:00|a|Available|Available|AVAILABLE|1|1|0|0|1|7001",
            "STATUS|2026-11-23 09:00:00|b|ACW - Manual|ACW|FOLLOWUP|1|0|0|1|0",
            "STATUS|2026-11-23 09:00:00|c|Do Not Disturb|DND|UNAVAILABLE|1|0|1|0|0",
            "STATUS|2026-11-23 09:00:00|d|Available|Available|AVAILABLE|0|1|0|0|1",
            "STATUS|2026-11-23 09:00:00|e|Available, No ACD",
        ]);
        assert_eq!(
            shown,
            [
                "a talking available @7001 2026-11-23T09:00:00Z",
                "b wrap_up acw - manual 2026-11-23T09:00:00Z",
                "c away do not disturb (do not disturb) 2026-11-23T09:00:00Z",
                "d logged_out available 2026-11-23T09:00:00Z",
                "e away available, no acd (available, no acd) 2026-11-23T09:00:00Z",
            ]
        );
    }

    #[test]
    fn a_stream_crossing_the_repeated_hour_never_goes_backwards() {
        // New York, 2026-11-01: 01:00-01:59 happens twice, 05:00Z-05:59Z (EDT) then
        // 06:00Z-06:59Z (EST).
        let mut feed = Feed::new(Dialect::Line, "America/New_York");
        let shown = feed.push(&[
            "HEARTBEAT|2026-11-01 00:59:30",
            "STATUS|2026-11-01 01:10:00|jdoe|Available|||1|1",
            "STATUS|2026-11-01 01:50:00|asmith|At Lunch|||1|0",
            "HEARTBEAT|2026-11-01 01:05:00",
            "STATUS|2026-11-01 01:30:00|jdoe|At Lunch|||1|0",
            "STATUS|2026-11-01 01:59:59|jdoe|Available|||1|1",
            "STATUS|2026-11-01 02:10:00|asmith|Available|||1|1",
        ]);
        assert_eq!(
            shown,
            [
                "heartbeat 2026-11-01T04:59:30Z",
                "jdoe available available 2026-11-01T05:10:00Z",
                "asmith away at lunch (at lunch) 2026-11-01T05:50:00Z",
                "heartbeat 2026-11-01T06:05:00Z",
                "jdoe away at lunch (at lunch) 2026-11-01T06:30:00Z",
                "jdoe available available 2026-11-01T06:59:59Z",
                "asmith available available 2026-11-01T07:10:00Z",
            ]
        );
        let times: Vec<&str> = shown
            .iter()
            .map(|s| s.rsplit(' ').next().unwrap())
            .collect();
        assert!(times.is_sorted(), "{times:?}");
        // A user first seen in the second pass, with a time before the stream's: the later
        // instant too (the second 01:00), not an hour back.
        let shown = feed.push(&["STATUS|2026-11-01 01:00:00|zed|Available|||1|1"]);
        assert_eq!(shown, ["zed available available 2026-11-01T06:00:00Z"]);
    }

    #[test]
    fn snapshot_times_are_floored_by_the_user_not_the_stream() {
        let mut feed = Feed::new(Dialect::Line, "America/New_York");
        let shown = feed.push(&[
            "STATUS|2026-11-01 01:40:00|jdoe|At Lunch|||1|0",
            "HEARTBEAT|2026-11-01 01:10:00",
            "SNAPSHOT|BEGIN|2026-11-01 01:20:00",
            // asmith's status began in the first 01:05 (nothing says otherwise); jdoe's 01:45
            // cannot be before the 01:40 already seen for jdoe.
            "STATUS|2026-11-01 01:05:00|asmith|Available|||1|1",
            "STATUS|2026-11-01 01:30:00|jdoe|Available|||1|1",
            "SNAPSHOT|END|2026-11-01 01:20:00",
        ]);
        assert_eq!(
            shown,
            [
                "jdoe away at lunch (at lunch) 2026-11-01T05:40:00Z",
                "heartbeat 2026-11-01T06:10:00Z",
                "begin 2026-11-01T06:20:00Z",
                "asmith available available 2026-11-01T05:05:00Z",
                "jdoe available available 2026-11-01T06:30:00Z",
                "end 2026-11-01T06:20:00Z",
            ]
        );
    }

    #[test]
    fn spring_gap_moves_forward_and_offsets_are_as_given() {
        let mut feed = Feed::new(Dialect::Line, "America/New_York");
        let shown = feed.push(&[
            "STATUS|2026-03-08 02:30:00|jdoe|Available|||1|1",
            "STATUS|2026-03-08T02:30:00Z|jdoe|Available|||1|1",
            "STATUS|2026-03-08T02:30:00.5+01:00|jdoe|Available|||1|1",
            "HEARTBEAT|2026-03-08T12:00:00-05:00",
        ]);
        assert_eq!(
            shown,
            [
                "jdoe available available 2026-03-08T07:30:00Z",
                "jdoe available available 2026-03-08T02:30:00Z",
                "jdoe available available 2026-03-08T01:30:00.5Z",
                "heartbeat 2026-03-08T17:00:00Z",
            ]
        );
    }

    #[test]
    fn bad_records_are_typed_with_their_line_and_the_stream_goes_on() {
        let mut feed = Feed::new(Dialect::Line, "UTC");
        let shown = feed.push(&[
            "STATUS|2026-11-23 09:00:00||Available",
            "STATUS|2026-11-23 09:00:00|jdoe",
            "STATUS|noon|jdoe|Available",
            "SNAPSHOT|SOMETIME|2026-11-23 09:00:00",
            "HEARTBEAT|later",
            "STATUS|2026-11-23 09:00:01|jdoe|Available|||1|1",
        ]);
        assert_eq!(shown, ["jdoe available available 2026-11-23T09:00:01Z"]);
        let errors: Vec<String> = feed.errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            errors[0],
            r#"bad record skipped (no user id): "STATUS|2026-11-23 09:00:00||Available""#
        );
        assert!(matches!(
            &feed.errors[1],
            CicError::BadRecord { error: RecordError::MissingStatusKey, line }
                if line.as_bytes() == b"STATUS|2026-11-23 09:00:00|jdoe"
        ));
        assert!(matches!(
            &feed.errors[2],
            CicError::BadRecord {
                error: RecordError::BadTime { .. },
                ..
            }
        ));
        assert!(matches!(
            &feed.errors[3],
            CicError::BadRecord {
                error: RecordError::BadSnapshotMarker,
                ..
            }
        ));
        assert_eq!(feed.errors.len(), 5);
        assert_eq!(feed.session.stats().bad_records, 5);
    }

    #[test]
    fn unknown_records_and_frame_errors_are_counted() {
        let mut feed = Feed::new(Dialect::Line, "UTC");
        let shown = feed.push(&["QUEUE|1|2", "", "SNAPSHOT|END|2026-11-23 09:00:00"]);
        assert!(shown.is_empty());
        let truncated = FrameError::Truncated {
            line: Snippet::of(b"STATUS|"),
        };
        let result = feed.session.push_frame(
            Err(truncated.clone()),
            received(),
            &mut feed.vocabulary,
            &mut |_| {},
        );
        assert_eq!(result, Err(CicError::Frame(truncated)));
        let stats = feed.session.stats();
        assert_eq!(
            (
                stats.ignored,
                stats.stray_snapshot_ends,
                stats.truncated_lines
            ),
            (2, 1, 1)
        );
    }

    #[test]
    fn cut_off_snapshots_are_aborted() {
        let mut feed = Feed::new(Dialect::Line, "UTC");
        let mut shown = feed.push(&[
            "SNAPSHOT|BEGIN|2026-11-23 09:00:00",
            "STATUS|2026-11-23 08:00:00|jdoe|Available|||1|1",
            "SNAPSHOT|BEGIN|2026-11-23 09:01:00",
        ]);
        assert!(feed.session.snapshot_in_progress());
        feed.session
            .connection_lost(&mut |output| shown.push(show(output)));
        feed.session
            .connection_lost(&mut |_| panic!("nothing left"));
        assert_eq!(
            shown,
            [
                "begin 2026-11-23T09:00:00Z",
                "jdoe available available 2026-11-23T08:00:00Z",
                "aborted",
                "begin 2026-11-23T09:01:00Z",
                "aborted",
            ]
        );
        assert_eq!(feed.session.stats().snapshots_aborted, 2);
    }

    #[test]
    fn a_completed_snapshot_forgets_the_users_it_did_not_list() {
        let mut feed = Feed::new(Dialect::Line, "UTC");
        feed.push(&[
            "STATUS||a|Available",
            "STATUS||b|Available",
            "SNAPSHOT|BEGIN",
            "STATUS||b|Available",
        ]);
        assert_eq!(feed.session.user_count(), 2);
        feed.push(&["SNAPSHOT|END"]);
        assert_eq!(feed.session.user_count(), 1);
    }

    #[test]
    fn user_ids_exact_or_case_insensitive_and_keys_always_folded() {
        let lines = ["STATUS||JDoe|AT LUNCH", "STATUS||jdoe|at Lunch"];
        let mut exact = Feed::new(Dialect::Line, "UTC");
        let shown = exact.push(&lines);
        assert!(shown[0].starts_with("JDoe away at lunch"), "{shown:?}");
        assert!(shown[1].starts_with("jdoe away at lunch"), "{shown:?}");
        assert_eq!(exact.session.user_count(), 2);
        assert_eq!(exact.vocabulary.len(), 1);

        let mut config = SessionConfig::new(IntegrationId(7), Dialect::Line);
        config.case_insensitive_users = true;
        let mut folded = Feed::with(config);
        let shown = folded.push(&lines);
        assert!(
            shown.iter().all(|s| s.starts_with("jdoe away at lunch")),
            "{shown:?}"
        );
        assert_eq!(folded.session.user_count(), 1);
    }

    #[test]
    fn users_past_the_limit_are_emitted_counted_and_reported() {
        let mut config = SessionConfig::new(IntegrationId(7), Dialect::Line);
        config.max_users = 1;
        let mut feed = Feed::with(config);
        let shown = feed.push(&[
            "STATUS||a|Available",
            "STATUS||b|Available",
            "STATUS||a|Away",
        ]);
        assert_eq!(shown.len(), 3);
        assert!(matches!(
            feed.errors[..],
            [CicError::TooManyUsers {
                limit: 1,
                count: 1,
                ..
            }]
        ));
        assert_eq!(feed.session.stats().users_over_limit, 1);
        assert_eq!(feed.session.user_count(), 1);
    }

    #[test]
    fn remembered_bytes_are_bounded() {
        let mut config = SessionConfig::new(IntegrationId(7), Dialect::Line);
        config.max_memory = 10;
        let mut feed = Feed::with(config);
        let shown = feed.push(&[
            "STATUS||abc|Available|||1|1|0|0|0|7001",
            "STATUS||abcd|Available|||1|1",
            "STATUS||abc|Available|||1|1|0|0|0|70011234",
            "STATUS||abc|Available|||1|1|0|0|0|70",
        ]);
        assert_eq!(shown.len(), 4);
        assert_eq!(feed.errors.len(), 2, "{:?}", feed.errors);
        assert_eq!(feed.session.stats().users_over_limit, 2);
        assert_eq!(feed.session.user_count(), 1);
        assert_eq!(feed.session.memory, 5);
    }

    const DEFINITIONS: &str = r#"{"__type":"urn:inin.com:status:statusMessagesMessage","isDelta":false,"statusMessageList":[{"statusId":"Available","messageText":"Available","groupTag":"AVAILABLE","isACDStatus":true},{"statusId":"ACW - Manual","messageText":"ACW","groupTag":"FOLLOWUP","isAcdStatus":false,"isAfterCallWorkStatus":true},{"messageText":"no id"}]}"#;

    #[test]
    fn icws_snapshot_delta_merge_and_definitions() {
        let mut feed = Feed::new(Dialect::Icws, "America/New_York");
        let shown = feed.push(&[
            DEFINITIONS,
            r#"{"__type":"urn:inin.com:status:userStatusMessage","isDelta":false,"userStatusList":[
                {"userId":"jdoe","statusId":"Available","statusChanged":"20261123T075812Z","loggedIn":true,"onPhone":false,"onPhoneChanged":"20261123T075500Z","stations":["7001"],"icServers":["cic-a"]},
                {"userId":"asmith","statusId":"ACW - Manual","statusChanged":"2026-11-23T07:59:00Z","loggedIn":true,"onPhone":false,"stations":[]}]}"#,
            r#"{"__type":"urn:inin.com:status:userStatusMessage","isDelta":true,"userStatusList":[{"userId":"jdoe","onPhone":true,"onPhoneChanged":"20261123T080000Z"}]}"#,
            r#"{"__type":"urn:inin.com:status:userStatusMessage","isDelta":true,"userStatusList":[{"userId":"jdoe","onPhone":false,"onPhoneChanged":"20261123T080300Z","statusId":"At Lunch","statusChanged":"20261123T080300Z","stations":["7002"]}]}"#,
            r#"{"__type":"urn:inin.com:status:userStatusMessage","isDelta":true,"userStatusList":[{"userId":"jdoe","loggedIn":false,"statusChanged":"20261123T170000Z"}]}"#,
            r#"{"__type":"urn:inin.com:queues:queueContentsMessage","queueContents":[]}"#,
        ]);
        assert_eq!(
            shown,
            [
                "begin 2026-11-23T12:00:40Z",
                "jdoe available available @7001 2026-11-23T07:58:12Z",
                "asmith wrap_up acw - manual 2026-11-23T07:59:00Z",
                "end 2026-11-23T12:00:40Z",
                "jdoe talking available @7001 2026-11-23T08:00:00Z",
                "jdoe away at lunch (at lunch) @7002 2026-11-23T08:03:00Z",
                "jdoe logged_out at lunch @7002 2026-11-23T17:00:00Z",
            ]
        );
        assert!(matches!(
            &feed.errors[..],
            [CicError::BadItem {
                index: 2,
                bad: 1,
                error: RecordError::MissingStatusKey,
                ..
            }]
        ));
        let stats = feed.session.stats();
        assert_eq!(
            (stats.definitions, stats.bad_items, stats.ignored),
            (2, 1, 1)
        );
        assert_eq!(
            feed.vocabulary
                .definition("acw - manual")
                .map(|d| &*d.group),
            Some("FOLLOWUP")
        );
    }

    #[test]
    fn icws_bad_items_and_messages() {
        let mut feed = Feed::new(Dialect::Icws, "UTC");
        let shown = feed.push(&[
            // A delta about a user never seen has no status key to merge with.
            r#"{"__type":"urn:inin.com:status:userStatusMessage","isDelta":true,"userStatusList":[{"userId":"new","onPhone":true},{"userId":"","statusId":"Available"},{"userId":"x","statusId":"Available","statusChanged":"soon"},{"userId":"ok","statusId":"Available"}]}"#,
            r#"{"__type":"urn:inin.com:status:userStatusMessage","isDelta":false,"userStatusList":[{"userId":"a","statusId":"Available"},{"userId":"b","statusId":7}]}"#,
            "   ",
        ]);
        assert_eq!(
            shown,
            [
                "ok away available (available) 2026-11-23T12:00:40Z",
                "begin 2026-11-23T12:00:40Z",
                "a away available (available) 2026-11-23T12:00:40Z",
                "aborted",
            ]
        );
        assert!(matches!(
            &feed.errors[0],
            CicError::BadItem {
                index: 0,
                bad: 3,
                error: RecordError::MissingStatusKey,
                ..
            }
        ));
        assert!(matches!(
            &feed.errors[1],
            CicError::BadRecord {
                error: RecordError::Json { .. },
                ..
            }
        ));
        assert_eq!(feed.errors.len(), 2);
        assert_eq!(feed.session.stats().ignored, 1);
    }

    #[test]
    fn icws_messages_borrow_from_the_frame() {
        let mut feed = Feed::new(Dialect::Icws, "UTC");
        let line = Bytes::from_static(
            br#"{"__type":"urn:inin.com:status:userStatusMessage","isDelta":true,"userStatusList":[{"userId":"jdoe","statusId":"available","stations":["7001"]}]}"#,
        );
        let mut borrowed = false;
        feed.session
            .push_frame(Ok(line.clone()), received(), &mut feed.vocabulary, &mut |output| {
                if let Output::Status(o) = output {
                    let range = line.as_ptr_range();
                    borrowed = matches!(o.external_id, Cow::Borrowed(id) if range.contains(&id.as_ptr()))
                        && matches!(o.status.detail, Some(Code::Text(Cow::Borrowed(s))) if range.contains(&s.as_ptr()));
                }
            })
            .unwrap();
        assert!(borrowed);
    }
}
