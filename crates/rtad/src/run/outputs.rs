//! `[[output]]`: the engine's sinks, started from the configuration. Each subscribes to the
//! bus on its own, so a slow one is lagged by the bus without holding back the others.

use crate::{NdjsonTarget, Output};
use rta_engine::sinks::{MsgpackServer, NdjsonSink, SinkError, SseEndpoint};
use rta_engine::{Bus, Filter, SubscribeOptions};

/// The running outputs.
#[derive(Debug)]
pub(crate) struct Outputs {
    ndjson: Vec<NdjsonSink>,
    msgpack: Vec<MsgpackServer>,
    /// Served by the HTTP server at `/events`.
    sse: Option<SseEndpoint>,
}

impl Outputs {
    /// Starts every output of `outputs` on `bus`. On an error, those already started stop
    /// (dropped).
    pub(crate) async fn start(outputs: &[Output], bus: &Bus) -> Result<Outputs, SinkError> {
        let mut running = Outputs {
            ndjson: Vec::new(),
            msgpack: Vec::new(),
            sse: None,
        };
        for output in outputs {
            match output {
                Output::Ndjson(ndjson) => {
                    let options = SubscribeOptions::new(Filter::all());
                    let sink = match ndjson.target() {
                        Ok(NdjsonTarget::Stdout) => NdjsonSink::stdout(bus, options)?,
                        Ok(NdjsonTarget::File(path)) => {
                            NdjsonSink::append_to(path, bus, options).await?
                        }
                        // Config::check refuses it, and the daemon starts only checked files.
                        Err(error) => {
                            tracing::error!(%error, "NDJSON output skipped");
                            continue;
                        }
                    };
                    running.ndjson.push(sink);
                }
                Output::TcpMsgpack { listen } => {
                    let server = MsgpackServer::start(*listen, bus.clone()).await?;
                    tracing::info!(listen = %server.local_addr(), "MessagePack output ready");
                    running.msgpack.push(server);
                }
                Output::Sse {} => running.sse = Some(SseEndpoint::new(bus.clone())),
            }
        }
        Ok(running)
    }

    /// The `/events` endpoint, when an `sse` output is configured.
    pub(crate) fn sse(&self) -> Option<&SseEndpoint> {
        self.sse.as_ref()
    }

    /// Each consumer gets what was already delivered to it, then the end of its stream; the
    /// NDJSON outputs are flushed. Call after the engine's shutdown, so that "delivered" is
    /// everything.
    pub(crate) async fn shutdown(self) {
        if let Some(sse) = &self.sse {
            sse.shutdown();
        }
        for server in self.msgpack {
            server.shutdown().await;
        }
        for sink in self.ndjson {
            if let Err(error) = sink.shutdown().await {
                tracing::error!(%error, "NDJSON output ended with an error");
            }
        }
    }
}
