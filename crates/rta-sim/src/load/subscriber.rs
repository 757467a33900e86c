//! The consumers of a load, which are also its measurement: subscribers of the engine's TCP
//! MessagePack sink and SSE endpoint that decode every message cheaply, count it, and put
//! the latency of every live `agent_status` event (receive time here minus the event's
//! `received`, the engine's read time of the input record) in an HDR histogram.
//!
//! Each read is processed whole: one clock reading, one histogram lock, no allocation per
//! message (frames and SSE messages are decoded in place, strings borrowed).

use super::LoadError;
use bytes::{Buf, BytesMut};
use hdrhistogram::Histogram;
use jiff::Timestamp;
use serde::Deserialize;
use std::borrow::Cow;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::Notify;
use tokio::time::Instant;

/// The fields of a message the load reads; the others are skipped.
#[derive(Debug, Default, Deserialize)]
struct Probe<'a> {
    #[serde(default)]
    seq: Option<u64>,
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    #[serde(default, borrow)]
    received: Option<Cow<'a, str>>,
    /// `lagged`: events missed.
    #[serde(default)]
    missed: Option<u64>,
    /// `snapshot`: the agent_status events that follow it.
    #[serde(default)]
    events: Option<u64>,
    /// `error`: why the hello was refused.
    #[serde(default, borrow)]
    message: Option<Cow<'a, str>>,
}

/// The largest latency the histograms hold (µs): one hour; longer ones count as one hour.
const LONGEST_LATENCY_US: u64 = 3_600_000_000;

pub(crate) fn new_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, LONGEST_LATENCY_US, 3).expect("valid bounds")
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What one subscriber has seen, cumulative over runs (read by the run that waits for it).
#[derive(Debug)]
pub(crate) struct Tally {
    /// Events of every type (control messages excluded), snapshot events included.
    pub(crate) events: AtomicU64,
    /// Live `agent_status` events (not those of a snapshot).
    pub(crate) agent_status: AtomicU64,
    pub(crate) lagged: AtomicU64,
    pub(crate) missed: AtomicU64,
    pub(crate) snapshots: AtomicU64,
    pub(crate) max_seq: AtomicU64,
    /// When the last `agent_status` (live or snapshot) arrived: nanoseconds after `epoch`.
    pub(crate) last_status_nanos: AtomicU64,
    /// The live `agent_status` count at which the current run is complete for it.
    pub(crate) target: AtomicU64,
    pub(crate) latency_us: Mutex<Histogram<u64>>,
    pub(crate) ended: AtomicBool,
    pub(crate) error: Mutex<Option<String>>,
    epoch: Instant,
    notify: Arc<Notify>,
}

impl Tally {
    pub(crate) fn new(epoch: Instant, notify: Arc<Notify>) -> Tally {
        Tally {
            events: AtomicU64::new(0),
            agent_status: AtomicU64::new(0),
            lagged: AtomicU64::new(0),
            missed: AtomicU64::new(0),
            snapshots: AtomicU64::new(0),
            max_seq: AtomicU64::new(0),
            last_status_nanos: AtomicU64::new(0),
            target: AtomicU64::new(u64::MAX),
            latency_us: Mutex::new(new_histogram()),
            ended: AtomicBool::new(false),
            error: Mutex::new(None),
            epoch,
            notify,
        }
    }

    /// When the last `agent_status` arrived.
    pub(crate) fn last_status_at(&self) -> Instant {
        self.epoch + std::time::Duration::from_nanos(self.last_status_nanos.load(Ordering::Relaxed))
    }

    fn end(&self, error: Option<String>) {
        *lock(&self.error) = error;
        self.ended.store(true, Ordering::Release);
        self.notify.notify_one();
    }
}

/// Counts of one read, applied to the [`Tally`] at once.
#[derive(Debug, Default)]
struct Batch {
    events: u64,
    agent_status: u64,
    lagged: u64,
    missed: u64,
    snapshots: u64,
    max_seq: u64,
    status_seen: bool,
}

/// The decoding state of one subscriber between messages.
#[derive(Debug)]
struct Reader {
    tally: Arc<Tally>,
    /// `agent_status` events still to come in the current snapshot.
    snapshot_left: u64,
}

impl Reader {
    /// One decoded message.
    fn message(
        &mut self,
        probe: &Probe<'_>,
        now: Timestamp,
        batch: &mut Batch,
        histogram: &mut Histogram<u64>,
    ) {
        if let Some(seq) = probe.seq {
            batch.max_seq = batch.max_seq.max(seq);
        }
        match &*probe.kind {
            "agent_status" => {
                batch.events += 1;
                batch.status_seen = true;
                if self.snapshot_left > 0 {
                    self.snapshot_left -= 1;
                    return;
                }
                batch.agent_status += 1;
                let received = probe
                    .received
                    .as_deref()
                    .and_then(|text| text.parse::<Timestamp>().ok());
                if let Some(received) = received {
                    let micros = now.duration_since(received).as_micros().max(1);
                    histogram.saturating_record(u64::try_from(micros).unwrap_or(u64::MAX));
                }
            }
            "lagged" => {
                batch.lagged += 1;
                batch.missed += probe.missed.unwrap_or_default();
            }
            "snapshot" => {
                batch.snapshots += 1;
                self.snapshot_left = probe.events.unwrap_or_default();
            }
            "subscribed" | "error" => {}
            _ => batch.events += 1,
        }
    }

    fn apply(&self, batch: &Batch, read_at: Instant) {
        let tally = &self.tally;
        tally.events.fetch_add(batch.events, Ordering::Relaxed);
        tally.lagged.fetch_add(batch.lagged, Ordering::Relaxed);
        tally.missed.fetch_add(batch.missed, Ordering::Relaxed);
        tally
            .snapshots
            .fetch_add(batch.snapshots, Ordering::Relaxed);
        tally.max_seq.fetch_max(batch.max_seq, Ordering::Relaxed);
        if batch.status_seen {
            let nanos = read_at.saturating_duration_since(tally.epoch).as_nanos() as u64;
            tally.last_status_nanos.store(nanos, Ordering::Relaxed);
        }
        let count = tally
            .agent_status
            .fetch_add(batch.agent_status, Ordering::Release)
            + batch.agent_status;
        let done = count >= tally.target.load(Ordering::Acquire);
        if done
            || batch.lagged > 0
            || (batch.status_seen && tally.lagged.load(Ordering::Relaxed) > 0)
        {
            tally.notify.notify_one();
        }
    }
}

/// Which sink a subscriber reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Sink {
    Msgpack(SocketAddr),
    Sse {
        address: SocketAddr,
        host: String,
        target: String,
    },
}

/// Connects and subscribes (everything, live); returns once the subscription is live (TCP:
/// the `subscribed` frame; SSE: the `200` head), then reads in a task until the stream ends.
pub(crate) async fn subscribe(
    sink: Sink,
    tally: Arc<Tally>,
) -> Result<tokio::task::JoinHandle<()>, LoadError> {
    let address = match &sink {
        Sink::Msgpack(address) | Sink::Sse { address, .. } => *address,
    };
    let io = |source| LoadError::Io {
        source_name: "subscriber",
        address,
        source,
    };
    let mut stream = TcpStream::connect(address)
        .await
        .map_err(|source| LoadError::Connect { address, source })?;
    stream.set_nodelay(true).map_err(io)?;
    let mut reader = Reader {
        tally: tally.clone(),
        snapshot_left: 0,
    };
    let mut buffer = BytesMut::with_capacity(256 * 1024);
    match sink {
        Sink::Msgpack(_) => {
            stream.write_all(b"{}\n").await.map_err(io)?;
            let first = next_frame(&mut stream, &mut buffer).await.map_err(io)?;
            let probe =
                msgpack_probe(&buffer[4..4 + first]).map_err(|error| LoadError::Protocol {
                    what: "MessagePack sink",
                    detail: error.to_string(),
                })?;
            if probe.kind != "subscribed" {
                return Err(LoadError::Refused {
                    what: "MessagePack",
                    message: probe
                        .message
                        .map(Cow::into_owned)
                        .unwrap_or_else(|| probe.kind.into_owned()),
                });
            }
            buffer.advance(4 + first);
            Ok(tokio::spawn(async move {
                let result = read_msgpack(&mut stream, &mut buffer, &mut reader).await;
                // `stream` (both halves) lives until here: closing it would end the stream.
                reader
                    .tally
                    .end(result.err().map(|error| error.to_string()));
            }))
        }
        Sink::Sse { host, target, .. } => {
            let request = format!(
                "GET {target} HTTP/1.1\r\nHost: {host}\r\nAccept: text/event-stream\r\n\r\n"
            );
            stream.write_all(request.as_bytes()).await.map_err(io)?;
            let chunked = read_head(&mut stream, &mut buffer)
                .await
                .map_err(|detail| LoadError::Protocol {
                    what: "SSE endpoint",
                    detail,
                })?;
            Ok(tokio::spawn(async move {
                let result = read_sse(&mut stream, &mut buffer, chunked, &mut reader).await;
                reader
                    .tally
                    .end(result.err().map(|error| error.to_string()));
            }))
        }
    }
}

/// Reads until `buffer` starts with a whole frame; returns its payload length.
async fn next_frame<R: AsyncRead + Unpin>(
    stream: &mut R,
    buffer: &mut BytesMut,
) -> std::io::Result<usize> {
    loop {
        if buffer.len() >= 4 {
            let length = u32::from_be_bytes([buffer[0], buffer[1], buffer[2], buffer[3]]) as usize;
            if buffer.len() >= 4 + length {
                return Ok(length);
            }
            buffer.reserve(4 + length - buffer.len());
        }
        if stream.read_buf(buffer).await? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
    }
}

fn undecodable(error: impl std::fmt::Display) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, error.to_string())
}

/// A MessagePack primitive's error (`rmp`'s read errors are `Debug` only).
fn bad_msgpack(error: impl std::fmt::Debug) -> std::io::Error {
    undecodable(format!("MessagePack: {error:?}"))
}

async fn read_msgpack<R: AsyncRead + Unpin>(
    stream: &mut R,
    buffer: &mut BytesMut,
    reader: &mut Reader,
) -> std::io::Result<()> {
    loop {
        let mut offset = 0;
        let read_at = Instant::now();
        let now = Timestamp::now();
        let mut batch = Batch::default();
        {
            let tally = reader.tally.clone();
            let mut histogram = lock(&tally.latency_us);
            while buffer.len() - offset >= 4 {
                let at = &buffer[offset..];
                let length = u32::from_be_bytes([at[0], at[1], at[2], at[3]]) as usize;
                if at.len() < 4 + length {
                    break;
                }
                let probe = msgpack_probe(&at[4..4 + length])?;
                reader.message(&probe, now, &mut batch, &mut histogram);
                offset += 4 + length;
            }
        }
        buffer.advance(offset);
        reader.apply(&batch, read_at);
        if buffer.capacity() - buffer.len() < 64 * 1024 {
            buffer.reserve(64 * 1024);
        }
        if stream.read_buf(buffer).await? == 0 {
            return Ok(());
        }
    }
}

/// The fields the load reads of one MessagePack message (a map), read with `rmp`'s
/// primitives: the others are skipped by their length, their strings not checked as UTF-8
/// (decoding every message with `rmp_serde` into a [`Probe`] spent most of its time there).
fn msgpack_probe(frame: &[u8]) -> std::io::Result<Probe<'_>> {
    use rmp::decode::{
        Bytes, MessageLen, read_int, read_map_len, read_str_from_slice, read_str_len,
    };
    /// MessagePack's nil.
    const NIL: u8 = 0xc0;
    /// Reads a string or nil into `into`; returns what follows it.
    fn text<'a>(value: &'a [u8], into: &mut Option<Cow<'a, str>>) -> std::io::Result<&'a [u8]> {
        if let Some(rest) = value.strip_prefix(&[NIL]) {
            *into = None;
            return Ok(rest);
        }
        let (text, rest) = read_str_from_slice(value).map_err(bad_msgpack)?;
        *into = Some(Cow::Borrowed(text));
        Ok(rest)
    }
    /// Reads an integer or nil into `into`; returns what follows it.
    fn number<'a>(value: &'a [u8], into: &mut Option<u64>) -> std::io::Result<&'a [u8]> {
        if let Some(rest) = value.strip_prefix(&[NIL]) {
            *into = None;
            return Ok(rest);
        }
        let mut cursor = Bytes::new(value);
        *into = Some(read_int(&mut cursor).map_err(bad_msgpack)?);
        Ok(cursor.remaining_slice())
    }
    let mut cursor = Bytes::new(frame);
    let entries = read_map_len(&mut cursor).map_err(bad_msgpack)?;
    let mut rest = cursor.remaining_slice();
    let mut probe = Probe::default();
    for _ in 0..entries {
        let mut cursor = Bytes::new(rest);
        let length = read_str_len(&mut cursor).map_err(bad_msgpack)? as usize;
        let (key, value) = cursor
            .remaining_slice()
            .split_at_checked(length)
            .ok_or_else(|| undecodable("a key past the frame's end"))?;
        rest = match key {
            b"seq" => number(value, &mut probe.seq)?,
            b"missed" => number(value, &mut probe.missed)?,
            b"events" => number(value, &mut probe.events)?,
            b"received" => text(value, &mut probe.received)?,
            b"message" => text(value, &mut probe.message)?,
            b"type" => {
                let mut kind = None;
                let rest = text(value, &mut kind)?;
                probe.kind = kind.ok_or_else(|| undecodable("a null type"))?;
                rest
            }
            _ => {
                let skipped = MessageLen::len_of(value)
                    .map_err(|_| undecodable("a value past the frame's end"))?;
                &value[skipped..]
            }
        };
    }
    Ok(probe)
}

/// Reads the answer's head; `Ok(chunked)` for a `200` event stream.
async fn read_head<R: AsyncRead + Unpin>(
    stream: &mut R,
    buffer: &mut BytesMut,
) -> Result<bool, String> {
    loop {
        let mut headers = [httparse::EMPTY_HEADER; 32];
        let mut answer = httparse::Response::new(&mut headers);
        if let httparse::Status::Complete(head) =
            answer.parse(buffer).map_err(|error| error.to_string())?
        {
            if answer.code != Some(200) {
                return Err(format!("GET answered {}", answer.code.unwrap_or_default()));
            }
            let chunked = answer.headers.iter().any(|header| {
                header.name.eq_ignore_ascii_case("transfer-encoding")
                    && header.value.eq_ignore_ascii_case(b"chunked")
            });
            buffer.advance(head);
            return Ok(chunked);
        }
        match stream.read_buf(buffer).await {
            Ok(0) => return Err("closed before answering".to_owned()),
            Ok(_) => {}
            Err(error) => return Err(error.to_string()),
        }
    }
}

/// Undoes HTTP/1.1 chunked framing: moves chunk data from the front of `raw` to `body`.
#[derive(Debug, Default)]
struct Dechunker {
    /// Data bytes left in the current chunk, then its CR LF.
    left: usize,
    /// The CR LF after a chunk's data is still to be skipped.
    crlf: bool,
    done: bool,
}

impl Dechunker {
    fn run(&mut self, raw: &mut BytesMut, body: &mut BytesMut) -> std::io::Result<()> {
        loop {
            if self.done {
                // The trailer section after the last chunk carries nothing wanted.
                raw.clear();
                return Ok(());
            }
            if self.left > 0 {
                let take = self.left.min(raw.len());
                body.extend_from_slice(&raw[..take]);
                raw.advance(take);
                self.left -= take;
                if self.left > 0 {
                    return Ok(());
                }
                self.crlf = true;
            }
            if self.crlf {
                if raw.len() < 2 {
                    return Ok(());
                }
                raw.advance(2);
                self.crlf = false;
            }
            let Some(end) = memchr::memmem::find(raw, b"\r\n") else {
                return Ok(());
            };
            let line = &raw[..end];
            let digits = line.split(|&b| b == b';').next().unwrap_or_default();
            let size = std::str::from_utf8(digits)
                .ok()
                .and_then(|text| usize::from_str_radix(text.trim(), 16).ok())
                .ok_or_else(|| undecodable("bad chunk size"))?;
            raw.advance(end + 2);
            if size == 0 {
                self.done = true;
                return Ok(());
            }
            self.left = size;
        }
    }
}

/// The fields the load reads of one SSE message (its lines without the blank line ending it).
///
/// Dispatched on the `event:` field, as an `EventSource` does: the `id:` field is the
/// sequence number, and the JSON of `data:` is read only where a value is wanted. For an
/// `agent_status` that is `received`, taken as the value of the data's last `"received":"`
/// key: JSON escapes every quote inside a string, so those bytes can only be the key of the
/// engine's flat event object (the last key it writes). Decoding every event whole with
/// serde_json took a third of the CPU of a snapshot flood (`benches/RESULTS.md`, end_to_end,
/// fifth round). Control messages (`lagged`, `snapshot`, `error`) are decoded whole. `None`
/// for a message without data (the keep-alive comment).
fn sse_probe(message: &[u8]) -> std::io::Result<Option<Probe<'_>>> {
    let (mut seq, mut kind, mut data) = (None, None, None);
    let mut rest = message;
    while !rest.is_empty() {
        let end = memchr::memchr(b'\n', rest).unwrap_or(rest.len());
        let line = &rest[..end];
        rest = rest.get(end + 1..).unwrap_or_default();
        if let Some(value) = line.strip_prefix(b"id: ") {
            seq = Some(
                std::str::from_utf8(value)
                    .ok()
                    .and_then(|digits| digits.parse().ok())
                    .ok_or_else(|| undecodable("bad id field"))?,
            );
        } else if let Some(value) = line.strip_prefix(b"event: ") {
            kind = Some(std::str::from_utf8(value).map_err(undecodable)?);
        } else if let Some(value) = line.strip_prefix(b"data: ") {
            data = Some(value);
        }
    }
    let Some(data) = data else {
        return Ok(None);
    };
    let kind = kind.ok_or_else(|| undecodable("data without an event field"))?;
    let received = match kind {
        "agent_status" => Some(Cow::Borrowed(json_received(data)?)),
        "lagged" | "snapshot" | "error" | "subscribed" => {
            return serde_json::from_slice(data).map(Some).map_err(undecodable);
        }
        _ => None,
    };
    Ok(Some(Probe {
        seq,
        kind: Cow::Borrowed(kind),
        received,
        ..Probe::default()
    }))
}

/// The value of the last `"received"` key of a flat JSON object (see [`sse_probe`]).
fn json_received(data: &[u8]) -> std::io::Result<&str> {
    const KEY: &[u8] = b"\"received\":\"";
    let start =
        memchr::memmem::rfind(data, KEY).ok_or_else(|| undecodable("no received"))? + KEY.len();
    let length = memchr::memchr(b'"', &data[start..]).ok_or_else(|| undecodable("no received"))?;
    std::str::from_utf8(&data[start..start + length]).map_err(undecodable)
}

async fn read_sse<R: AsyncRead + Unpin>(
    stream: &mut R,
    raw: &mut BytesMut,
    chunked: bool,
    reader: &mut Reader,
) -> std::io::Result<()> {
    let mut dechunker = Dechunker::default();
    let mut body = BytesMut::with_capacity(256 * 1024);
    let blank_line = memchr::memmem::Finder::new(b"\n\n");
    loop {
        if chunked {
            dechunker.run(raw, &mut body)?;
        } else {
            body.extend_from_slice(raw);
            raw.clear();
        }
        let read_at = Instant::now();
        let now = Timestamp::now();
        let mut batch = Batch::default();
        let mut offset = 0;
        {
            let tally = reader.tally.clone();
            let mut histogram = lock(&tally.latency_us);
            while let Some(end) = blank_line.find(&body[offset..]) {
                if let Some(probe) = sse_probe(&body[offset..offset + end])? {
                    reader.message(&probe, now, &mut batch, &mut histogram);
                }
                offset += end + 2;
            }
        }
        body.advance(offset);
        reader.apply(&batch, read_at);
        if dechunker.done {
            return Ok(());
        }
        if raw.capacity() - raw.len() < 64 * 1024 {
            raw.reserve(64 * 1024);
        }
        if stream.read_buf(raw).await? == 0 {
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rta_model::{AgentStatusEvent, Code, Event, EventBody, Phase};

    /// An `agent_status` whose status, detail and id hold the bytes a careless scan would take
    /// for the `received` key.
    fn tricky_agent_status() -> Event {
        let at = |text: &str| text.parse::<Timestamp>().unwrap();
        Event {
            seq: 41,
            time: at("2026-11-23T10:03:00Z"),
            body: EventBody::AgentStatus(AgentStatusEvent {
                integration: "cms".into(),
                external_id: "\u{a8}received".into(),
                employee: None,
                phase: Phase::Away,
                status: r#""received":"1999-01-01T00:00:00Z""#.into(),
                reason: Some(Code::Number(2)),
                detail: Some(Code::Text(r#"x","received":"1999-01-01T00:00:00Z"#.into())),
                skills: vec![101, 70_000],
                activity: None,
                since: at("2026-11-23T10:03:00Z"),
                received: at("2026-11-23T10:03:04.25Z"),
            }),
        }
    }

    #[test]
    fn sse_messages_are_read_by_their_fields() {
        let event = tricky_agent_status();
        let message = format!("id: 41\nevent: agent_status\ndata: {}", event.to_json());
        let probe = sse_probe(message.as_bytes()).unwrap().unwrap();
        assert_eq!(probe.seq, Some(41));
        assert_eq!(probe.kind, "agent_status");
        assert_eq!(probe.received.as_deref(), Some("2026-11-23T10:03:04.25Z"));

        let lagged = sse_probe(b"event: lagged\ndata: {\"type\":\"lagged\",\"missed\":7}")
            .unwrap()
            .unwrap();
        assert_eq!((&*lagged.kind, lagged.missed), ("lagged", Some(7)));
        let other = sse_probe(b"id: 9\nevent: adherence\ndata: {}")
            .unwrap()
            .unwrap();
        assert_eq!(
            (&*other.kind, other.seq, other.received),
            ("adherence", Some(9), None)
        );
        assert!(sse_probe(b": keep-alive").unwrap().is_none());
        assert!(
            sse_probe(b"data: {}").is_err(),
            "data without an event field"
        );
        assert!(
            sse_probe(b"event: agent_status\ndata: {}").is_err(),
            "no received"
        );
    }

    #[test]
    fn msgpack_messages_are_read_by_their_keys() {
        let event = tricky_agent_status();
        let whole = event.to_msgpack();
        let probe = msgpack_probe(&whole).unwrap();
        assert_eq!(probe.seq, Some(41));
        assert_eq!(probe.kind, "agent_status");
        assert_eq!(probe.received.as_deref(), Some("2026-11-23T10:03:04.25Z"));

        #[derive(serde::Serialize)]
        struct Control {
            #[serde(rename = "type")]
            kind: &'static str,
            events: Option<u64>,
            message: Option<&'static str>,
        }
        let snapshot = rmp_serde::to_vec_named(&Control {
            kind: "snapshot",
            events: Some(3),
            message: None,
        })
        .unwrap();
        let probe = msgpack_probe(&snapshot).unwrap();
        assert_eq!(
            (&*probe.kind, probe.events, probe.message),
            ("snapshot", Some(3), None)
        );

        for cut in 0..whole.len() {
            assert!(msgpack_probe(&whole[..cut]).is_err(), "cut at {cut}");
        }
    }

    #[test]
    fn chunks_are_undone_across_reads() {
        let wire = b"5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\n\r\n";
        for cut in 0..wire.len() {
            let (mut raw, mut body) = (BytesMut::new(), BytesMut::new());
            let mut dechunker = Dechunker::default();
            raw.extend_from_slice(&wire[..cut]);
            dechunker.run(&mut raw, &mut body).unwrap();
            raw.extend_from_slice(&wire[cut..]);
            let result = dechunker.run(&mut raw, &mut body);
            assert!(result.is_ok(), "cut at {cut}: {result:?} {dechunker:?}");
            assert_eq!(&body[..], b"hello, world", "cut at {cut}");
            assert!(dechunker.done);
        }
    }
}
