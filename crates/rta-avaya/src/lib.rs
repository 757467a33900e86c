//! # rta-avaya: the Avaya CMS real-time agent feed
//!
//! Reads the rt_socket stream (the "Generic RTA" service) of `specs/avaya-rt-socket.md`:
//! bytes in, agent changes out. Sans-IO: no sockets and no clock here; the receive time is an
//! argument, so the same input always gives the same output.
//!
//! The layers, each usable alone:
//! 1. [`LineCodec`], a `tokio_util` decoder that frames lines without copying (each line is a
//!    `Bytes` view of the read buffer), tolerates CR LF, and drops over-long lines without
//!    dropping the connection;
//! 2. [`parse_record`], nom parsers that read a line under a [`Layout`] into a [`Record`] that
//!    borrows from the line (no heap allocation per row);
//! 3. [`Assembler`], which turns consecutive batches (snapshots) into [`AgentChange`]s, logs
//!    out agents absent from a completed batch, dates each change from `AGDURATION`, and
//!    watches the feed's liveness.
//!
//! ```
//! use futures::StreamExt;
//! # async fn demo(socket: tokio::net::TcpStream) {
//! use rta_avaya::{Assembler, AssemblerConfig, Layout, LineCodec, Output};
//! use rta_model::{IntegrationId, Timestamp};
//! use tokio_util::codec::FramedRead;
//!
//! let mut assembler = Assembler::new(AssemblerConfig::new(IntegrationId(0)), Layout::agent());
//! let mut lines = FramedRead::new(socket, LineCodec::default());
//! while let Some(Ok(frame)) = lines.next().await {
//!     let result = assembler.push_frame(frame, Timestamp::now(), &mut |output| {
//!         if let Output::Agent(change) = output {
//!             println!("{:?}", change.observation(IntegrationId(0)));
//!         }
//!     });
//!     if let Err(error) = result {
//!         eprintln!("{error}"); // bad input is reported; the stream goes on
//!     }
//! }
//! assembler.connection_lost(Timestamp::now(), &mut |_| {});
//! # }
//! ```
//!
//! Writing the feed ([`RowStyle`], [`AgentRow::encode`]) serves the simulator and tests.

mod assembler;
mod cell;
mod cells;
mod encode;
mod error;
mod layout;
mod record;
mod state;

pub use assembler::{
    AgentChange, AgentStatus, Assembler, AssemblerConfig, ChangeKind, Output, QueueUpdate, Skills,
    Stats,
};
pub use cell::{CellError, SkillList};
pub use encode::{RowStyle, TRAILER, encode_batch_start};
pub use error::AvayaError;
pub use layout::{Field, Layout, LayoutError, ReportKind};
pub use record::{AgentRow, QueueRow, Record, RecordError, RowError, parse_record};
pub use rta_lines::{FrameError, LineCodec, Snippet};
pub use state::{AgentState, NumericStates, WorkMode};
