//! # The Avaya CMS listener
//!
//! For an Avaya CMS integration the engine is the TCP server (`specs/avaya-rt-socket.md`,
//! "Transport"): it listens on the integration's `realtime_port`, the CMS rt_socket module
//! connects and streams its report, one snapshot of every staffed agent per refresh. The
//! listener reads the lines through [`LineCodec`](rta_avaya::LineCodec) and the sans-IO
//! [`Assembler`](rta_avaya::Assembler) of `rta-avaya`, applies each agent change to the state
//! table, and publishes status changes and the feed health through a
//! [`Publisher`](crate::Publisher). It never writes to the socket.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use rta_avaya::Layout;
//! use rta_engine::avaya::{AvayaConfig, AvayaListener};
//! use rta_engine::{Bus, BusPublisher, LiveStatuses};
//! use rta_state::StateTable;
//! use std::sync::Arc;
//!
//! let table = Arc::new(StateTable::new(100_000));
//! let cms = table.add_integration();
//! let live = Arc::new(LiveStatuses::new(table.clone(), [(cms, "cms-paris")]));
//! let bus = Bus::builder(live.clone()).build();
//!
//! let mut config = AvayaConfig::new("cms-paris", cms, "0.0.0.0:5001".parse()?);
//! config.layout = Layout::parse("agent-numeric")?;
//! config.assembler.refresh = jiff::SignedDuration::from_secs(5);
//! config.allowed_peers = Some(vec!["10.1.2.3".parse()?]);
//! // The port is bound here: a port already taken is this error.
//! let handle = AvayaListener::new(config, table, Arc::new(BusPublisher::new(bus, live))).spawn()?;
//! handle.pause().await?; // the port is closed
//! handle.resume().await?; // and open again
//! handle.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! ## Decisions
//! - **Binding** happens in [`AvayaListener::spawn`], before any task runs, so a port clash
//!   is an error to the caller ([`ListenerError::Listen`], `AddrInUse`), not a log line.
//! - **One integration, one task, one assembler.** The assembler remembers the last
//!   snapshot, which is what turns snapshots into changes and absences into logouts, so
//!   every line goes through it in order; a single task owns it, the port and the
//!   connection, without locks.
//! - **A new connection replaces the open one** (the spec: "the newest wins"). CMS reconnects
//!   by itself, often before the old socket is seen dead; two connections feeding one
//!   assembler would interleave their batches. The old connection's batch in progress is cut
//!   off (its rows apply, nobody is logged out), and the old socket is read to its end and
//!   ignored rather than closed, so that a CMS process still behind it is not provoked into
//!   reconnecting and replacing the newest one. Lines already received on the open
//!   connection are read before a waiting connection is accepted, so a drop-and-reconnect
//!   loses nothing that was sent before it.
//! - **Allow-list** ([`AvayaConfig::allowed_peers`], [`AvayaConfig::allows`]): a peer not on
//!   it is closed at once, before a byte is read, counted
//!   ([`AvayaStats::refused_peers`]) and logged at `warn` with its IP address.
//! - **Snapshots**: the assembler's rules (`rta_avaya`'s assembler docs). A completed batch
//!   (`F3`) logs out the agents it no longer lists, as `UNSTAFF` changes at the batch time;
//!   a batch cut off by a disconnect, a replacement, a pause or a shutdown applies its rows
//!   and logs nobody out. Changes shorter than one refresh are invisible to this feed.
//! - **Bad input** (bad rows, lines that are no record, over-long lines) is skipped, counted
//!   ([`AvayaStats::rejected_lines`]) and logged at `debug` with a snippet of the line; the
//!   connection stays and the good rows around it count.
//! - **Queue statistics** (a `csplit` layout) are decoded and counted
//!   ([`AvayaStats::queue_updates`]) but not published: the [`Publisher`](crate::Publisher)
//!   carries agent statuses and feed health only.
//! - **Feed health** (one feed per integration, `address` `None`, published on change only):
//!   `waiting` from the start, and after a resume, until a batch completes; `up` when one
//!   completes; `stale` when an `up` feed completed none for three refresh intervals
//!   (checked every second, [`rta_avaya::Assembler::health`]); `down` when the connection
//!   ends (not when it is replaced), on pause and on shutdown, until a batch completes.
//! - **Pause** (issue 7: a paused integration keeps its listener closed) closes the port,
//!   the connection and the replaced connections still being read; **resume** binds the same
//!   address again ([`AvayaHandle::local_addr`]: the port chosen at start when the
//!   configuration said 0). The assembler keeps its memory across both, so the first
//!   completed batch after a resume logs out whoever logged off meanwhile.
//! - **Time**: lines are stamped `received` from the listener's [`Clock`](crate::Clock), feed
//!   events too; the staleness check runs on tokio's timer, so a test on a paused runtime
//!   sees three refresh intervals of silence instantly.

mod config;
mod feed;
mod listener;

pub use config::AvayaConfig;
pub(crate) use feed::Decoder;
pub(crate) use listener::LiveStats;
pub use listener::{AvayaHandle, AvayaListener, AvayaStats, ListenerError};
