//! What starting an adapter of a pushed or pulled feed takes besides its configuration, and
//! the builder methods that set it: one type serves the Avaya listener and the CIC connector
//! ([`AvayaListener`](crate::avaya::AvayaListener) and
//! [`CicConnector`](crate::cic::CicConnector) are `Adapter<AvayaConfig>` and
//! `Adapter<CicConfig>`), each with its own `spawn`.

use crate::capture::Capture;
use crate::clock::{Clock, SystemClock};
use crate::publisher::Publisher;
use crate::shards::Shards;
use rta_state::StateTable;
use std::sync::Arc;

/// Starts the adapter of one integration configured by `C`: it writes statuses to a table
/// and publishes changes and feed health, dated by a clock, optionally recording its input.
#[derive(Debug)]
pub struct Adapter<C> {
    pub(crate) config: C,
    pub(crate) table: Arc<StateTable>,
    pub(crate) publisher: Arc<dyn Publisher>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) capture: Option<Arc<Capture>>,
    pub(crate) shards: Option<Arc<Shards>>,
}

impl<C> Adapter<C> {
    /// An adapter writing statuses to `table` and publishing changes and feed health to
    /// `publisher`, with the system clock.
    pub fn new(config: C, table: Arc<StateTable>, publisher: Arc<dyn Publisher>) -> Adapter<C> {
        Adapter {
            config,
            table,
            publisher,
            clock: Arc::new(SystemClock),
            capture: None,
            shards: None,
        }
    }

    /// Records everything read (Avaya lines; CIC frames, labelled `name@server`), with its
    /// receive time, in `capture` ([`crate::capture`]); `None` (the default): not recorded.
    pub fn capture(mut self, capture: Option<Arc<Capture>>) -> Adapter<C> {
        self.capture = capture;
        self
    }

    /// Hands the statuses to the engine's `shards` to apply ([`crate::shards`]); `None`
    /// (the default): applied on the adapter's own tasks, as a standalone adapter does.
    pub(crate) fn shards(mut self, shards: Option<Arc<Shards>>) -> Adapter<C> {
        self.shards = shards;
        self
    }

    /// The clock that dates what is received and the feed events (e.g. a
    /// [`TokioClock`](crate::TokioClock) under tokio's paused time).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Adapter<C> {
        self.clock = clock;
        self
    }
}
