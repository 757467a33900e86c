//! A collector embedding the engine: one Avaya CMS integration, fed here by the CMS simulator
//! of `rta-sim` on loopback, every event printed as one JSON line.
//!
//! `cargo run -p rta-engine --example collector -- [batches]` (default 20 refreshes, one every
//! 100 ms of real time for 15 s of simulated time each).

use rta_engine::engine::{AvayaSettings, Engine, IntegrationSettings, Source};
use rta_engine::{Delivery, Filter, SubscribeOptions};
use rta_sim::avaya::{AvayaSim, SimConfig, StreamOptions, stream};
use std::time::Duration;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let batches: u64 = std::env::args().nth(1).map_or(Ok(20), |n| n.parse())?;
    let sim_config = SimConfig::new(12, 7, rta_model::Timestamp::now());
    let engine = Engine::builder()
        .integration(IntegrationSettings {
            name: "cms".into(),
            source: Source::Avaya(AvayaSettings {
                listen: "127.0.0.1:0".parse()?,
                layout: sim_config.layout(),
                refresh: Duration::from_secs(15),
                detailed_statuses: false,
                zone: sim_config
                    .assembler_config(rta_model::IntegrationId(0))
                    .zone,
                allowed_peers: None,
            }),
        })
        .start()
        .await?;

    // A synchronous consumer on its own thread, as a collector's writer would be.
    let events = engine.subscribe(SubscribeOptions::new(Filter::all()))?;
    let printer = std::thread::spawn(move || {
        while let Ok(delivery) = events.recv() {
            match delivery {
                Delivery::Event(event) => println!("{}", event.to_json()),
                other => eprintln!("{other:?}"),
            }
        }
    });

    let address = engine
        .listen_address("cms")
        .await
        .ok_or("the cms integration listens")?;
    let mut sim = AvayaSim::new(sim_config)?;
    let mut options = StreamOptions::new(Duration::from_millis(100));
    options.batches = Some(batches);
    let report = stream(&mut sim, &address.to_string(), &options).await?;
    eprintln!("sent {} batches", report.batches);

    engine.shutdown().await;
    // The engine is gone: the bus closes once its last handle drops, and the printer ends
    // after the events already queued for it.
    printer.join().map_err(|_| "the printer panicked")?;
    Ok(())
}
