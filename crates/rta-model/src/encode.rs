//! Events written to JSON and MessagePack by hand: one description of an event's fields
//! ([`Event::write`]), two encoders ([`Json`], [`Msgpack`]).
//!
//! Every event is encoded once and sent to every subscriber, so its encoding is on the hot
//! path. Through serde it cost about 5,300 instructions per `agent_status` event in JSON
//! (`benches/RESULTS.md`): `#[serde(flatten)]` makes the outer map one of unknown length
//! (which `rmp_serde` buffers to count its entries), and serde_json escapes every key and
//! value byte by byte. Here the keys are written as they are (they are known ASCII), values
//! are escaped only when a byte needs it, and the map's length is known up front.
//!
//! The serde derives stay: they read events back, and they are the reference the output is
//! tested against, byte for byte (the `event` tests and the property tests here).

use crate::rfc3339;
use crate::{Code, Event, EventBody};
use jiff::Timestamp;

/// Where an event's fields go: a map of known length, keys that need no escaping, and the
/// handful of value kinds events hold.
pub(crate) trait Out {
    /// Opens a map of `len` entries (each a [`Out::key`] and one value).
    fn map(&mut self, len: usize);
    /// Closes the innermost map.
    fn end(&mut self);
    /// A key: plain ASCII without quotes, backslashes or control characters.
    fn key(&mut self, key: &'static str);
    fn str(&mut self, value: &str);
    /// A value like a key: text of ours (a time, a name from a fixed list), nothing to escape.
    fn plain(&mut self, value: &str) {
        self.str(value)
    }
    fn uint(&mut self, value: u64);
    fn nil(&mut self);
    fn uints(&mut self, values: &[u32]);

    fn time(&mut self, time: Timestamp) {
        match rfc3339::printed(time).as_str() {
            Some(text) => self.plain(text),
            None => self.str(&time.to_string()),
        }
    }

    fn opt_str(&mut self, value: Option<&str>) {
        match value {
            Some(value) => self.str(value),
            None => self.nil(),
        }
    }

    fn opt_uint(&mut self, value: Option<u32>) {
        match value {
            Some(value) => self.uint(u64::from(value)),
            None => self.nil(),
        }
    }

    fn code(&mut self, code: Option<&Code<'_>>) {
        match code {
            Some(Code::Number(number)) => self.uint(u64::from(*number)),
            Some(Code::Text(text)) => self.str(text),
            None => self.nil(),
        }
    }
}

impl Event {
    /// The event's fields, in the order (and under the names) of the serde derive: `seq`,
    /// `time`, the `type` tag, then the body's fields; `None` is null, empty skills are left
    /// out.
    pub(crate) fn write(&self, out: &mut impl Out) {
        let (kind, fields) = match &self.body {
            EventBody::AgentStatus(status) => {
                ("agent_status", 10 + usize::from(!status.skills.is_empty()))
            }
            EventBody::Adherence(_) => ("adherence", 6),
            EventBody::Alarm(_) => ("alarm", 5),
            EventBody::Unmapped(_) => ("unmapped", 3),
            EventBody::Feed(_) => ("feed", 4),
            EventBody::Queue(_) => ("queue", 3),
        };
        out.map(3 + fields);
        out.key("seq");
        out.uint(self.seq);
        out.key("time");
        out.time(self.time);
        out.key("type");
        out.plain(kind);
        match &self.body {
            EventBody::AgentStatus(status) => {
                out.key("integration");
                out.str(&status.integration);
                out.key("external_id");
                out.str(&status.external_id);
                out.key("employee");
                out.opt_str(status.employee.as_deref());
                out.key("phase");
                out.plain(status.phase.as_str());
                out.key("status");
                out.str(&status.status);
                out.key("reason");
                out.code(status.reason.as_ref());
                out.key("detail");
                out.code(status.detail.as_ref());
                if !status.skills.is_empty() {
                    out.key("skills");
                    out.uints(&status.skills);
                }
                out.key("activity");
                out.opt_str(status.activity.as_deref());
                out.key("since");
                out.time(status.since);
                out.key("received");
                out.time(status.received);
            }
            EventBody::Adherence(adherence) => {
                out.key("employee");
                out.str(&adherence.employee);
                out.key("status");
                out.plain(adherence.status.as_str());
                out.key("previous");
                match adherence.previous {
                    Some(previous) => out.plain(previous.as_str()),
                    None => out.nil(),
                }
                out.key("scheduled_activity");
                out.opt_str(adherence.scheduled_activity.as_deref());
                out.key("actual_activity");
                out.opt_str(adherence.actual_activity.as_deref());
                out.key("since");
                out.time(adherence.since);
            }
            EventBody::Alarm(alarm) => {
                out.key("employee");
                out.str(&alarm.employee);
                out.key("level");
                out.plain(alarm.level.as_str());
                out.key("out_since");
                out.time(alarm.out_since);
                out.key("scheduled_activity");
                out.opt_str(alarm.scheduled_activity.as_deref());
                out.key("actual_activity");
                out.opt_str(alarm.actual_activity.as_deref());
            }
            EventBody::Unmapped(unmapped) => {
                out.key("integration");
                out.str(&unmapped.integration);
                out.key("kind");
                out.plain(unmapped.kind.as_str());
                out.key("value");
                out.str(&unmapped.value);
            }
            EventBody::Feed(feed) => {
                out.key("integration");
                out.str(&feed.integration);
                out.key("address");
                out.opt_str(feed.address.as_deref());
                out.key("health");
                out.plain(feed.health.as_str());
                out.key("detail");
                out.opt_str(feed.detail.as_deref());
            }
            EventBody::Queue(queue) => {
                out.key("integration");
                out.str(&queue.integration);
                out.key("split");
                out.uint(u64::from(queue.split));
                out.key("stats");
                let fields = queue.stats.fields();
                out.map(fields.len());
                for (name, value) in fields {
                    out.key(name);
                    out.opt_uint(value);
                }
                out.end();
            }
        }
        out.end();
    }
}

/// JSON as serde_json writes it (compact, the same escapes).
pub(crate) struct Json {
    pub(crate) bytes: Vec<u8>,
    /// A map was just opened: the next key takes no comma.
    opened: bool,
}

impl Json {
    pub(crate) fn with_capacity(capacity: usize) -> Json {
        Json {
            bytes: Vec::with_capacity(capacity),
            opened: false,
        }
    }
}

/// serde_json's escapes: `"` and `\`, the short forms of five control characters, `\u00xx`
/// (lower-case hex) for the other control characters; everything else as it is.
fn escape(byte: u8) -> Option<&'static [u8]> {
    const SHORT: [(u8, &[u8]); 7] = [
        (b'"', b"\\\""),
        (b'\\', b"\\\\"),
        (0x08, b"\\b"),
        (0x0c, b"\\f"),
        (b'\n', b"\\n"),
        (b'\r', b"\\r"),
        (b'\t', b"\\t"),
    ];
    SHORT
        .iter()
        .find(|(escaped, _)| *escaped == byte)
        .map(|(_, text)| *text)
}

fn needs_escape(byte: u8) -> bool {
    byte < 0x20 || byte == b'"' || byte == b'\\'
}

/// Where the first byte that needs an escape is, eight bytes at a time: a word's bytes
/// below 0x20, or equal to `"` or `\`, found with the classic bit tricks (a byte of
/// `word - 0x01..` borrows into its top bit only if it was zero).
fn first_escape(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const TOPS: u64 = u64::from_ne_bytes([0x80; 8]);
    let zero_byte = |word: u64| word.wrapping_sub(ONES) & !word & TOPS;
    let mut chunks = bytes.chunks_exact(8);
    let mut offset = 0;
    for chunk in chunks.by_ref() {
        let word = u64::from_ne_bytes(chunk.try_into().expect("chunks of eight"));
        let control = word.wrapping_sub(ONES * 0x20) & !word & TOPS;
        let quote = zero_byte(word ^ (ONES * u64::from(b'"')));
        let backslash = zero_byte(word ^ (ONES * u64::from(b'\\')));
        // A hit may also flag bytes after the first (borrows), never one before it: the
        // exact place is found bytewise within this word.
        if control | quote | backslash != 0 {
            if let Some(at) = chunk.iter().position(|&byte| needs_escape(byte)) {
                return Some(offset + at);
            }
        }
        offset += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|&byte| needs_escape(byte))
        .map(|at| offset + at)
}

impl Out for Json {
    #[inline]
    fn map(&mut self, _len: usize) {
        self.bytes.push(b'{');
        self.opened = true;
    }

    #[inline]
    fn end(&mut self) {
        self.bytes.push(b'}');
        self.opened = false;
    }

    #[inline]
    fn key(&mut self, key: &'static str) {
        if !std::mem::take(&mut self.opened) {
            self.bytes.push(b',');
        }
        self.bytes.push(b'"');
        self.bytes.extend_from_slice(key.as_bytes());
        self.bytes.extend_from_slice(b"\":");
    }

    #[inline]
    fn str(&mut self, value: &str) {
        self.bytes.push(b'"');
        let mut rest = value.as_bytes();
        // Almost every value needs no escape: one scan, one copy.
        while let Some(at) = first_escape(rest) {
            self.bytes.extend_from_slice(&rest[..at]);
            let byte = rest[at];
            match escape(byte) {
                Some(text) => self.bytes.extend_from_slice(text),
                None => {
                    const HEX: &[u8; 16] = b"0123456789abcdef";
                    self.bytes.extend_from_slice(b"\\u00");
                    self.bytes.push(HEX[usize::from(byte >> 4)]);
                    self.bytes.push(HEX[usize::from(byte & 0xf)]);
                }
            }
            rest = &rest[at + 1..];
        }
        self.bytes.extend_from_slice(rest);
        self.bytes.push(b'"');
    }

    #[inline]
    fn plain(&mut self, value: &str) {
        self.bytes.push(b'"');
        self.bytes.extend_from_slice(value.as_bytes());
        self.bytes.push(b'"');
    }

    #[inline]
    fn uint(&mut self, value: u64) {
        self.bytes
            .extend_from_slice(itoa::Buffer::new().format(value).as_bytes());
    }

    #[inline]
    fn nil(&mut self) {
        self.bytes.extend_from_slice(b"null");
    }

    fn uints(&mut self, values: &[u32]) {
        self.bytes.push(b'[');
        for (index, value) in values.iter().enumerate() {
            if index > 0 {
                self.bytes.push(b',');
            }
            self.uint(u64::from(*value));
        }
        self.bytes.push(b']');
    }
}

/// MessagePack as `rmp_serde::to_vec_named` writes it: maps keyed by field name, the
/// smallest integer and string forms.
pub(crate) struct Msgpack {
    pub(crate) bytes: Vec<u8>,
}

// Writing to a `Vec` cannot fail: rmp's errors are the writer's.
impl Out for Msgpack {
    #[inline]
    fn map(&mut self, len: usize) {
        let len = u32::try_from(len).expect("an event map has a few dozen entries");
        let _ = rmp::encode::write_map_len(&mut self.bytes, len);
    }

    #[inline]
    fn end(&mut self) {}

    #[inline]
    fn key(&mut self, key: &'static str) {
        self.str(key);
    }

    #[inline]
    fn str(&mut self, value: &str) {
        let _ = rmp::encode::write_str(&mut self.bytes, value);
    }

    #[inline]
    fn uint(&mut self, value: u64) {
        let _ = rmp::encode::write_uint(&mut self.bytes, value);
    }

    #[inline]
    fn nil(&mut self) {
        let _ = rmp::encode::write_nil(&mut self.bytes);
    }

    fn uints(&mut self, values: &[u32]) {
        let len = u32::try_from(values.len()).unwrap_or(u32::MAX);
        let _ = rmp::encode::write_array_len(&mut self.bytes, len);
        for value in values.iter().take(len as usize) {
            self.uint(u64::from(*value));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{
        AdherenceEvent, AdherenceStatus, AgentStatusEvent, AlarmEvent, AlarmLevel, Code, Event,
        EventBody, FeedEvent, FeedHealth, Name, Phase, QueueEvent, QueueStats, UnmappedEvent,
        UnmappedKind,
    };
    use jiff::Timestamp;
    use proptest::prelude::*;
    use proptest::sample::select;

    fn text() -> impl Strategy<Value = String> {
        // Control characters, quotes, backslashes, DEL, non-ASCII: every escape serde_json
        // makes, and what it leaves alone.
        prop_oneof![
            "[a-zA-Z0-9 _.-]{0,12}",
            "[\\x00-\\x1f\"\\\\\\x7f a\u{e9}\u{2028}\u{1f600}]{0,8}",
            any::<String>(),
        ]
    }

    fn name() -> impl Strategy<Value = Name> {
        text().prop_map(Name::from)
    }

    fn time() -> impl Strategy<Value = Timestamp> {
        prop_oneof![
            // 1970..=9998, the formatter of our own, whole seconds and fractions.
            (
                0i64..253_370_764_800,
                prop_oneof![Just(0i32), 0i32..1_000_000_000]
            )
                .prop_map(|(second, nanos)| Timestamp::new(second, nanos).unwrap()),
            // Anything jiff holds, through its printer.
            (-377_705_116_800i64..253_402_207_200, 0i32..1_000_000_000)
                .prop_map(|(second, nanos)| Timestamp::new(second, nanos).unwrap()),
        ]
    }

    fn code() -> impl Strategy<Value = Option<Code<'static>>> {
        proptest::option::of(prop_oneof![
            any::<u32>().prop_map(Code::Number),
            text().prop_map(|text| Code::Text(text.into())),
        ])
    }

    fn adherence_status() -> impl Strategy<Value = AdherenceStatus> {
        use AdherenceStatus::*;
        select(vec![In, Out, Neutral, Unknown, NotScheduled])
    }

    fn body() -> impl Strategy<Value = EventBody> {
        let agent_status = (
            (
                name(),
                name(),
                proptest::option::of(name()),
                select(Phase::ALL.to_vec()),
            ),
            (
                name(),
                code(),
                code(),
                proptest::collection::vec(any::<u32>(), 0..4),
            ),
            (proptest::option::of(name()), time(), time()),
        )
            .prop_map(
                |(
                    (integration, external_id, employee, phase),
                    (status, reason, detail, skills),
                    (activity, since, received),
                )| {
                    EventBody::AgentStatus(AgentStatusEvent {
                        integration,
                        external_id,
                        employee,
                        phase,
                        status,
                        reason,
                        detail,
                        skills,
                        activity,
                        since,
                        received,
                    })
                },
            );
        let adherence = (
            name(),
            adherence_status(),
            proptest::option::of(adherence_status()),
            proptest::option::of(name()),
            proptest::option::of(name()),
            time(),
        )
            .prop_map(
                |(employee, status, previous, scheduled_activity, actual_activity, since)| {
                    EventBody::Adherence(AdherenceEvent {
                        employee,
                        status,
                        previous,
                        scheduled_activity,
                        actual_activity,
                        since,
                    })
                },
            );
        let alarm = (
            name(),
            select(vec![
                AlarmLevel::Raised,
                AlarmLevel::Severe,
                AlarmLevel::Cleared,
            ]),
            time(),
            proptest::option::of(name()),
            proptest::option::of(name()),
        )
            .prop_map(
                |(employee, level, out_since, scheduled_activity, actual_activity)| {
                    EventBody::Alarm(AlarmEvent {
                        employee,
                        level,
                        out_since,
                        scheduled_activity,
                        actual_activity,
                    })
                },
            );
        let unmapped = (
            name(),
            select(vec![UnmappedKind::Agent, UnmappedKind::Status]),
            text(),
        )
            .prop_map(|(integration, kind, value)| {
                EventBody::Unmapped(UnmappedEvent {
                    integration,
                    kind,
                    value,
                })
            });
        use FeedHealth::*;
        let feed = (
            name(),
            proptest::option::of(text()),
            select(vec![Waiting, Up, Stale, Down]),
            proptest::option::of(text()),
        )
            .prop_map(|(integration, address, health, detail)| {
                EventBody::Feed(FeedEvent {
                    integration,
                    address,
                    health,
                    detail,
                })
            });
        let queue = (
            name(),
            any::<u32>(),
            proptest::option::of(any::<u32>()),
            proptest::option::of(any::<u32>()),
        )
            .prop_map(
                |(integration, split, calls_waiting, service_level_target)| {
                    EventBody::Queue(QueueEvent {
                        integration,
                        split,
                        stats: QueueStats {
                            calls_waiting,
                            service_level_target,
                            ..QueueStats::default()
                        },
                    })
                },
            );
        prop_oneof![agent_status, adherence, alarm, unmapped, feed, queue]
    }

    fn event() -> impl Strategy<Value = Event> {
        (any::<u64>(), time(), body()).prop_map(|(seq, time, body)| Event { seq, time, body })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2_000))]

        #[test]
        fn the_word_scan_finds_the_first_byte_to_escape(
            bytes in proptest::collection::vec(
                prop_oneof![any::<u8>(), Just(b'"'), Just(b'\\'), 0u8..0x20, 0x20u8..0x7f],
                0..40,
            )
        ) {
            prop_assert_eq!(
                super::first_escape(&bytes),
                bytes.iter().position(|&byte| super::needs_escape(byte))
            );
        }

        #[test]
        fn json_is_byte_for_byte_what_serde_json_writes(event in event()) {
            prop_assert_eq!(event.to_json(), serde_json::to_string(&event).unwrap());
        }

        #[test]
        fn msgpack_is_byte_for_byte_what_rmp_serde_writes(event in event()) {
            prop_assert_eq!(event.to_msgpack(), rmp_serde::to_vec_named(&event).unwrap());
        }
    }
}
