//! # Output sinks: NDJSON, TCP MessagePack, Server-Sent Events
//!
//! Each sink consumer is its own bus subscription ([`Bus::subscribe_async`](crate::Bus::subscribe_async)): a consumer
//! that does not keep up is *lagged* by the bus (told how many events it missed, then given a
//! snapshot of current statuses), never blocking publishers or other consumers.
//!
//! | sink | start | consumers |
//! |---|---|---|
//! | NDJSON | [`NdjsonSink::spawn`] (any `AsyncWrite`), [`NdjsonSink::stdout`], [`NdjsonSink::append_to`] (a file) | one, with the [`SubscribeOptions`](crate::SubscribeOptions) given |
//! | TCP MessagePack | [`MsgpackServer::start`] | any number, each choosing its filter in a hello line |
//! | SSE | [`SseEndpoint::handle`] inside a hyper service, or [`SseServer::start`] | any number, each choosing its filter in the query string |
//!
//! ```no_run
//! # async fn run(bus: rta_engine::Bus) -> Result<(), Box<dyn std::error::Error>> {
//! use rta_engine::sinks::{MsgpackServer, NdjsonSink, SseServer};
//! use rta_engine::{Filter, SubscribeOptions};
//!
//! let ndjson = NdjsonSink::append_to("events.ndjson", &bus, SubscribeOptions::new(Filter::all())).await?;
//! let tcp = MsgpackServer::start("0.0.0.0:7300".parse()?, bus.clone()).await?;
//! let sse = SseServer::start("0.0.0.0:7301".parse()?, bus.clone()).await?;
//! // ... later: everything delivered before the call is written, then EOF.
//! tcp.shutdown().await;
//! sse.shutdown().await;
//! ndjson.shutdown().await?;
//! # Ok(())
//! # }
//! ```
//!
//! ## What every sink sends
//! Events in strictly increasing `seq` order, each the [`Event`](rta_model::Event) of
//! `specs/adherence.md` ("Events"), and the [`Control`] messages, told apart by their `type`:
//! - `{"type":"lagged","missed":N}`: `N` matching events were not delivered (the consumer's
//!   queue was full, or a resume point was older than the bus's ring). Always followed by
//! - `{"type":"snapshot","as_of":S,"events":K}` and `K` `agent_status` events (each with
//!   `seq` `S`): the current status of every agent the filter lets through, replacing whatever
//!   was missed. Then events with seqs above `S`, with no gap. A status in the snapshot may be
//!   newer than `S`, so an event that follows may repeat it: `agent_status` carries the whole
//!   status, applying it again changes nothing.
//!
//! ## NDJSON
//! One line per message: events are [`Event::to_json`](rta_model::Event::to_json), control
//! messages the JSON above. Each batch of deliveries found queued at once is written and
//! flushed together (not each line).
//!
//! ## TCP MessagePack ([`MsgpackServer`])
//! 1. The consumer sends one line, the **hello** (UTF-8 JSON, `\n`-terminated, at most
//!    [`ServerConfig::max_hello_bytes`], within [`ServerConfig::hello_timeout`]); every field
//!    is optional, unknown fields are refused, a blank line means everything, live:
//!    ```json
//!    {"filter": {"kinds": ["agent_status", "adherence"], "integrations": ["cms-paris"],
//!                "employees": ["E42"], "teams": ["sales"]}, "resume_from": 123}
//!    ```
//!    Kinds: `agent_status`, `adherence`, `alarm`, `unmapped`, `feed`, `queue`. Dimensions
//!    combine with AND, the values of one with OR (see [`Filter`](crate::Filter)). `resume_from` is the last
//!    seq the consumer saw: what followed is replayed from the bus's ring, or, if the ring no
//!    longer holds it, `lagged` + `snapshot` come first.
//! 2. The server answers with **frames**: a 4-byte big-endian length, then a MessagePack map
//!    with the JSON field names ([`Event::to_msgpack`](rta_model::Event::to_msgpack) for
//!    events). The first frame is `{"type":"subscribed"}` (the subscription is live: every
//!    matching event published from then on follows), or `{"type":"error","message":"..."}`
//!    (invalid JSON, an unknown kind or field, a line too long, a time-out, teams without a
//!    team directory), after which the server closes the connection.
//! 3. Anything the consumer sends after the hello is ignored, but closing its sending side
//!    ends the stream (a half-close cannot be told from a gone consumer, whose subscription
//!    must not linger): keep it open while events are wanted. A consumer that stops reading
//!    for [`ServerConfig::write_timeout`] is disconnected (it reconnects with `resume_from`).
//!
//! ## SSE ([`SseEndpoint`], [`SseServer`])
//! `GET /events?kinds=agent_status,adherence&integrations=..&employees=..&teams=..&resume_from=N`
//! (comma-separated lists, a parameter may repeat, unknown parameters are refused: `400` with
//! the reason as plain text). A `Last-Event-ID` header (a reconnecting `EventSource`) wins
//! over `resume_from`. The answer is `text/event-stream`, one message per event or control:
//! ```text
//! id: 42
//! event: adherence
//! data: {"seq":42,"time":"2026-11-23T10:00:00Z","type":"adherence",...}
//!
//! ```
//! `id` is the event's seq; control messages carry none, and of a snapshot only its last event
//! (or the header of an empty one) carries `id: S`, so a browser cut off inside a snapshot
//! resumes from before it and gets it again. A `: keep-alive` comment follows every
//! [`ServerConfig::heartbeat`] (15 s) of silence, so proxies keep the stream open.
//!
//! ## Decisions
//! - **Batches, not events**, are the unit of writing: after waiting for one delivery a sink
//!   takes whatever else is already queued (up to 64 KiB of output) and writes and flushes it
//!   once, so a backlog is cheap and a lone event goes out at once.
//! - **Shutdown** (`shutdown()` on each sink): each consumer gets what was already delivered
//!   to its subscription, then EOF (TCP), the end of the body (SSE), or a flush (NDJSON). A
//!   subscriber lagged at that moment gets its `lagged` + `snapshot`, built on the draining
//!   task. TCP and SSE consumers that do not read are dropped after
//!   [`ServerConfig::write_timeout`].
//! - **One request parser** ([`StreamRequest::from_hello`], [`StreamRequest::from_query`]):
//!   both go through the same lists-to-[`Filter`](crate::Filter) step, so the hello and the query accept the
//!   same names and refuse the same mistakes.
//! - **Errors end a stream** rather than skip an event: an event that cannot be encoded ends
//!   that consumer's stream (logged), so it reconnects and resumes with no silent gap.

mod ndjson;
mod request;
mod server;
mod sse;
mod tcp;
mod wire;

pub use ndjson::NdjsonSink;
pub use request::{RequestError, StreamRequest};
pub use sse::{SseBody, SseEndpoint, SseServer};
pub use tcp::MsgpackServer;
pub use wire::Control;

use crate::{DEFAULT_CAPACITY, SubscribeError};
use rta_model::CodecError;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// The default silence after which an SSE stream sends `: keep-alive`.
pub const DEFAULT_HEARTBEAT: Duration = Duration::from_secs(15);

/// A sink could not start, or a consumer's stream ended with an error.
#[derive(Debug, thiserror::Error)]
pub enum SinkError {
    #[error("cannot listen on {address}: {source}")]
    Listen {
        address: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot open {}: {source}", path.display())]
    Open {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Subscribe(#[from] SubscribeError),
    #[error("write failed: {0}")]
    Write(#[source] std::io::Error),
    #[error("the consumer read nothing for {0:?}")]
    WriteStalled(Duration),
    #[error(transparent)]
    Encode(#[from] CodecError),
    #[error("a message of {0} bytes does not fit a frame")]
    FrameTooLarge(usize),
}

/// Settings of the TCP and SSE servers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerConfig {
    pub listen: SocketAddr,
    /// Queue capacity of each consumer's bus subscription (default [`DEFAULT_CAPACITY`]).
    pub capacity: usize,
    /// Consumers connected at once; more wait in the OS backlog (default 1024).
    pub max_connections: usize,
    /// TCP: the time to send the hello. SSE: the time to send the request head (default 10 s).
    pub hello_timeout: Duration,
    /// TCP: the longest hello line, `\n` excluded (default 64 KiB).
    pub max_hello_bytes: usize,
    /// The longest a consumer may take to accept one batch (TCP), or the rest of its stream
    /// at shutdown (TCP and SSE), before it is disconnected (default 30 s).
    pub write_timeout: Duration,
    /// SSE: the silence after which `: keep-alive` is sent (default [`DEFAULT_HEARTBEAT`]).
    pub heartbeat: Duration,
}

impl ServerConfig {
    /// The defaults, listening on `listen`.
    pub fn new(listen: SocketAddr) -> ServerConfig {
        ServerConfig {
            listen,
            capacity: DEFAULT_CAPACITY,
            max_connections: 1024,
            hello_timeout: Duration::from_secs(10),
            max_hello_bytes: 64 * 1024,
            write_timeout: Duration::from_secs(30),
            heartbeat: DEFAULT_HEARTBEAT,
        }
    }
}
