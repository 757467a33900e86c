//! The three encodings of a [`Delivery`] (NDJSON lines, MessagePack frames, SSE messages) and
//! the [`Feed`] that turns a subscription into batches of encoded bytes for any of them.

use super::SinkError;
use crate::bus::{AsyncSubscription, BusClosed, Delivery, EventKind, Published};
use bytes::{BufMut, Bytes, BytesMut};
use rta_model::CodecError;
use serde::{Deserialize, Serialize};
use std::time::Duration;
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio_util::sync::CancellationToken;

/// A message of a sink that is not an event. Its `type` never collides with an event's
/// (`agent_status`, `adherence`, ...), so a consumer dispatches every line, frame or SSE
/// message on `type` alone.
///
/// | JSON (MessagePack: the same map) | meaning |
/// |---|---|
/// | `{"type":"subscribed"}` | TCP only: the hello was accepted, the subscription is live |
/// | `{"type":"lagged","missed":N}` | the consumer did not keep up: `N` matching events were dropped for it; a `snapshot` follows |
/// | `{"type":"snapshot","as_of":S,"events":K}` | the next `K` messages are `agent_status` events, the current status of each agent, each with `seq` `S`; events after them have seqs above `S` |
/// | `{"type":"error","message":"..."}` | TCP only: the hello was refused; the server closes the connection |
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Control {
    Subscribed,
    Lagged { missed: u64 },
    Snapshot { as_of: u64, events: usize },
    Error { message: String },
}

impl Control {
    /// The `type` tag (the SSE `event:` name).
    pub fn type_name(&self) -> &'static str {
        match self {
            Control::Subscribed => "subscribed",
            Control::Lagged { .. } => "lagged",
            Control::Snapshot { .. } => "snapshot",
            Control::Error { .. } => "error",
        }
    }
}

/// One message to encode.
pub(crate) enum Item<'a> {
    /// A live or replayed event.
    Event(&'a Published),
    Control(Control),
    /// One event of a snapshot; `last` marks the final one.
    SnapshotEvent {
        event: &'a Published,
        last: bool,
    },
}

impl Item<'_> {
    /// The seq a consumer resumes from once it has this message, where resuming from it is
    /// safe: never inside a snapshot (a consumer cut off halfway through one must get it again,
    /// so only the last snapshot event, or an empty snapshot's header, carries `as_of`), never
    /// on a `lagged` notice.
    pub(crate) fn resume_id(&self) -> Option<u64> {
        match self {
            Item::Event(event) => Some(event.seq),
            Item::SnapshotEvent { event, last: true } => Some(event.seq),
            Item::Control(Control::Snapshot { as_of, events: 0 }) => Some(*as_of),
            Item::SnapshotEvent { last: false, .. } | Item::Control(_) => None,
        }
    }
}

/// An encoding: appends one message to a buffer.
pub(crate) trait Format {
    fn item(&self, item: &Item<'_>, out: &mut BytesMut) -> Result<(), SinkError>;
}

/// Appends every message of `delivery`: an event; a `lagged` notice; or a `snapshot` header
/// followed by its events.
pub(crate) fn encode(
    format: &impl Format,
    delivery: &Delivery,
    out: &mut BytesMut,
) -> Result<(), SinkError> {
    match delivery {
        Delivery::Event(event) => format.item(&Item::Event(event), out),
        Delivery::Lagged { missed } => {
            format.item(&Item::Control(Control::Lagged { missed: *missed }), out)
        }
        Delivery::Snapshot(snapshot) => {
            let header = Control::Snapshot {
                as_of: snapshot.as_of,
                events: snapshot.events.len(),
            };
            format.item(&Item::Control(header), out)?;
            let count = snapshot.events.len();
            for (index, event) in snapshot.events.iter().enumerate() {
                let last = index + 1 == count;
                format.item(&Item::SnapshotEvent { event, last }, out)?;
            }
            Ok(())
        }
    }
}

/// NDJSON: each message as one JSON object and `\n`; events are [`Published::json`] (made
/// once, whatever the number of sinks writing the event).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ndjson;

impl Format for Ndjson {
    fn item(&self, item: &Item<'_>, out: &mut BytesMut) -> Result<(), SinkError> {
        match item {
            Item::Event(event) | Item::SnapshotEvent { event, .. } => {
                out.put_slice(event.json());
            }
            Item::Control(control) => {
                serde_json::to_writer(out.writer(), control).map_err(CodecError::from)?;
            }
        }
        out.put_u8(b'\n');
        Ok(())
    }
}

/// MessagePack frames: a 4-byte big-endian length, then the map; events are
/// [`Published::msgpack`] (made once).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Msgpack;

impl Msgpack {
    /// One frame holding `payload`.
    fn frame(payload: &[u8], out: &mut BytesMut) -> Result<(), SinkError> {
        let length =
            u32::try_from(payload.len()).map_err(|_| SinkError::FrameTooLarge(payload.len()))?;
        out.put_u32(length);
        out.put_slice(payload);
        Ok(())
    }

    /// The frame of a control message.
    pub(crate) fn control(control: &Control) -> Result<BytesMut, SinkError> {
        let mut out = BytesMut::new();
        Msgpack.item(&Item::Control(control.clone()), &mut out)?;
        Ok(out)
    }
}

impl Format for Msgpack {
    fn item(&self, item: &Item<'_>, out: &mut BytesMut) -> Result<(), SinkError> {
        match item {
            Item::Event(event) | Item::SnapshotEvent { event, .. } => {
                Msgpack::frame(event.msgpack(), out)
            }
            Item::Control(control) => {
                let payload = rmp_serde::to_vec_named(control).map_err(CodecError::from)?;
                Msgpack::frame(&payload, out)
            }
        }
    }
}

/// Server-Sent Events: `id: <seq>` (where [`Item::resume_id`] allows one), `event: <type>`,
/// `data: <the NDJSON line>`, blank line. JSON escapes newlines, so `data` is one line.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sse;

/// The comment an idle SSE stream sends so proxies keep it open.
pub(crate) const SSE_HEARTBEAT: &[u8] = b": keep-alive\n\n";

impl Format for Sse {
    fn item(&self, item: &Item<'_>, out: &mut BytesMut) -> Result<(), SinkError> {
        if let Some(id) = item.resume_id() {
            out.put_slice(b"id: ");
            out.put_slice(itoa::Buffer::new().format(id).as_bytes());
            out.put_u8(b'\n');
        }
        let name = match item {
            Item::Event(event) | Item::SnapshotEvent { event, .. } => {
                EventKind::of(&event.body).as_str()
            }
            Item::Control(control) => control.type_name(),
        };
        out.put_slice(b"event: ");
        out.put_slice(name.as_bytes());
        out.put_slice(b"\ndata: ");
        // The NDJSON line, newline included, is exactly the data field's line.
        Ndjson.item(item, out)?;
        out.put_u8(b'\n');
        Ok(())
    }
}

/// Above this many buffered bytes a batch is handed out even if more deliveries are queued,
/// so one write stays bounded while a backlog is worked through.
const BATCH_BYTES: usize = 64 * 1024;

/// Turns given to the runtime's other tasks while a batch is small, before it is written.
/// Three, not one: in a snapshot flood each turn lets the adapters decode another burst and
/// publish its changes, and with one turn the sinks wrote after every burst or two
/// (`benches/RESULTS.md`, `end_to_end`, fourth round: snapshot flood +4-15 % sharded and
/// +20-31 % with `shards(0)`, CPU per observation down as much; p99 at 100,000
/// observations/s unchanged within the noise). Idle, each turn returns at once.
const GATHER_TURNS: usize = 3;

/// A subscription read in batches: waits for a delivery, then takes whatever else is already
/// queued (without waiting), and hands the lot out encoded, to be written and flushed once.
/// When `stop` is cancelled it hands out what is still queued and then ends.
#[derive(Debug)]
pub(crate) struct Feed<F> {
    subscription: AsyncSubscription,
    format: F,
    stop: CancellationToken,
    out: BytesMut,
    ended: bool,
}

impl<F: Format> Feed<F> {
    pub(crate) fn new(subscription: AsyncSubscription, format: F, stop: CancellationToken) -> Self {
        Feed {
            subscription,
            format,
            stop,
            out: BytesMut::with_capacity(BATCH_BYTES),
            ended: false,
        }
    }

    /// The next batch; `None` once the feed is over (stopped and drained, or the bus closed).
    ///
    /// Cancel-safe: it waits in the subscription's `recv` (which loses nothing when dropped),
    /// on `stop`, and in [`GATHER_TURNS`] `yield_now`s; what was encoded before a cancellation
    /// stays in the buffer and is the next call's batch.
    pub(crate) async fn next(&mut self) -> Result<Option<Bytes>, SinkError> {
        if !self.out.is_empty() {
            return Ok(Some(self.out.split().freeze()));
        }
        if self.ended {
            return Ok(None);
        }
        let received = tokio::select! {
            // Checked first so that a busy subscription cannot delay a shutdown.
            biased;
            () = self.stop.cancelled() => None,
            received = self.subscription.recv() => Some(received),
        };
        match received {
            Some(Ok(delivery)) => {
                encode(&self.format, &delivery, &mut self.out)?;
                self.take_queued()?;
                // Under load, events arrive faster than one wake-up and one write each can
                // carry (16 consumers: 16 wake-ups and 16 writes per event): turns given to
                // the runtime's other tasks let more arrive, so a busy stream goes out in
                // fewer, larger writes. Idle, a turn returns at once and a lone event is not
                // held back.
                for _ in 0..GATHER_TURNS {
                    if self.out.len() >= BATCH_BYTES {
                        break;
                    }
                    tokio::task::yield_now().await;
                    self.take_queued()?;
                }
            }
            Some(Err(BusClosed)) => {
                tracing::debug!(
                    subscriber = self.subscription.id(),
                    "sink feed ended: the bus is closed"
                );
                self.ended = true;
            }
            None => {
                // Everything delivered before the stop, including a lagged subscriber's
                // snapshot (built here, on this thread: once, at shutdown).
                while let Ok(Some(delivery)) = self.subscription.try_recv() {
                    encode(&self.format, &delivery, &mut self.out)?;
                }
                tracing::debug!(
                    subscriber = self.subscription.id(),
                    bytes = self.out.len(),
                    "sink feed stopped: drained its queue"
                );
                self.ended = true;
            }
        }
        if self.out.is_empty() {
            return Ok(None);
        }
        Ok(Some(self.out.split().freeze()))
    }

    /// Encodes what is already queued, without waiting, up to [`BATCH_BYTES`].
    fn take_queued(&mut self) -> Result<(), SinkError> {
        // `is_empty` first: `try_recv` on an empty queue would resynchronise a lagged
        // subscriber here, on the executor; `recv` does that on the blocking pool.
        while self.out.len() < BATCH_BYTES && !self.subscription.is_empty() {
            match self.subscription.try_recv() {
                Ok(Some(delivery)) => encode(&self.format, &delivery, &mut self.out)?,
                Ok(None) | Err(BusClosed) => break,
            }
        }
        Ok(())
    }
}

/// Writes `feed` to `writer`, one `write_all` and one flush per batch, until the feed is over.
/// A batch that takes longer than `write_timeout` to write ends it with
/// [`SinkError::WriteStalled`]: a consumer that stopped reading must not hold up a shutdown.
pub(crate) async fn pump<F, W>(
    feed: &mut Feed<F>,
    writer: &mut W,
    write_timeout: Option<Duration>,
) -> Result<(), SinkError>
where
    F: Format,
    W: AsyncWrite + Unpin,
{
    while let Some(batch) = feed.next().await? {
        let write = async {
            writer.write_all(&batch).await?;
            writer.flush().await
        };
        match write_timeout {
            Some(limit) => tokio::time::timeout(limit, write)
                .await
                .map_err(|_| SinkError::WriteStalled(limit))?,
            None => write.await,
        }
        .map_err(SinkError::Write)?;
    }
    writer.flush().await.map_err(SinkError::Write)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bus::Snapshot;
    use rta_model::{Event, EventBody, FeedEvent, FeedHealth};
    use std::sync::Arc;

    fn feed_event(seq: u64) -> Arc<Published> {
        Arc::new(Published::new(Event {
            seq,
            time: "2026-11-23T10:00:00Z".parse().unwrap(),
            body: EventBody::Feed(FeedEvent {
                integration: "cms".into(),
                address: None,
                health: FeedHealth::Up,
                detail: None,
            }),
        }))
    }

    fn sse(delivery: &Delivery) -> String {
        let mut out = BytesMut::new();
        encode(&Sse, delivery, &mut out).unwrap();
        String::from_utf8(out.to_vec()).unwrap()
    }

    #[test]
    fn sse_puts_the_resume_id_only_where_resuming_is_safe() {
        let event = sse(&Delivery::Event(feed_event(7)));
        assert!(event.starts_with("id: 7\nevent: feed\ndata: {\"seq\":7,"));
        assert!(event.ends_with("}\n\n"));
        assert_eq!(
            sse(&Delivery::Lagged { missed: 3 }),
            "event: lagged\ndata: {\"type\":\"lagged\",\"missed\":3}\n\n"
        );
        let empty = sse(&Delivery::Snapshot(Snapshot {
            as_of: 9,
            events: vec![],
        }));
        assert_eq!(
            empty,
            "id: 9\nevent: snapshot\ndata: {\"type\":\"snapshot\",\"as_of\":9,\"events\":0}\n\n"
        );
        let two = sse(&Delivery::Snapshot(Snapshot {
            as_of: 9,
            events: vec![feed_event(9), feed_event(9)],
        }));
        assert_eq!(two.matches("id: 9\n").count(), 1, "{two}");
        assert!(two.rsplit("\n\n").nth(1).unwrap().starts_with("id: 9\n"));
    }

    #[test]
    fn msgpack_frames_are_length_prefixed() {
        let mut out = BytesMut::new();
        encode(&Msgpack, &Delivery::Event(feed_event(1)), &mut out).unwrap();
        let length = u32::from_be_bytes(out[..4].try_into().unwrap()) as usize;
        assert_eq!(out.len(), 4 + length);
        assert_eq!(
            Event::from_msgpack(&out[4..]).unwrap(),
            *feed_event(1).event()
        );
        let control = Msgpack::control(&Control::Lagged { missed: 2 }).unwrap();
        let decoded: Control = rmp_serde::from_slice(&control[4..]).unwrap();
        assert_eq!(decoded, Control::Lagged { missed: 2 });
    }
}
