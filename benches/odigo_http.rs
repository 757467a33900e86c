//! HTTP ingest of the Odigo receiver: an in-process load generator keeps `CONNECTIONS`
//! keep-alive HTTP/1.1 connections busy, one request at a time each (as Odigo's notifier
//! does), every request one agent state change for one of 1,000 agents.
//!
//! - `rta`: the receiver, its pipeline, the state table and the bus (one subscriber).
//! - `hyper_floor`, the baseline: a bare hyper server on the same runtime that reads the body
//!   and answers `204`, no routing, no decoding: what HTTP alone costs on this machine, so
//!   the ratio is the receiver's own share.
//!
//! After the criterion groups, a fixed run of each prints requests/s and the latency
//! percentiles (p50, p99, max) that criterion does not give.
//!
//! `cargo bench --bench odigo_http`

use bytes::Bytes;
use criterion::{Criterion, Throughput, criterion_group};
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use rta_engine::odigo::{OdigoIntegration, OdigoReceiver, ReceiverConfig};
use rta_engine::{Bus, BusPublisher, Filter, LiveStatuses, SubscribeOptions, SystemClock};
use rta_odigo::Token;
use rta_state::StateTable;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};
use tokio::runtime::Runtime;

const CONNECTIONS: usize = 16;
const AGENTS: u64 = 1_000;

/// A server under load: where to send, and what keeps it alive.
struct Target {
    address: SocketAddr,
    path: String,
    _alive: Box<dyn std::any::Any>,
}

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

async fn rta_target() -> Target {
    let table = Arc::new(StateTable::new(100_000));
    let odigo = table.add_integration();
    let live = Arc::new(LiveStatuses::new(table.clone(), [(odigo, "odigo")]));
    let bus = Bus::builder(live.clone()).build();
    // One consumer drains the events, as a collector would.
    let events = bus
        .subscribe_async(SubscribeOptions::new(Filter::all()))
        .unwrap();
    let consumer = tokio::spawn(async move {
        let mut events = events;
        while events.recv().await.is_ok() {}
    });
    let publisher = Arc::new(BusPublisher::new(bus, live));
    let mut config = ReceiverConfig::new("127.0.0.1:0".parse().unwrap());
    config.max_in_flight = 4_096;
    let receiver = OdigoReceiver::start(config, table, publisher, Arc::new(SystemClock))
        .await
        .unwrap();
    let token = Token::generate().unwrap();
    receiver
        .add(OdigoIntegration::new("odigo", odigo, token.hash()))
        .unwrap();
    Target {
        address: receiver.local_addr(),
        path: format!("/odigo/{}", token.expose()),
        _alive: Box::new((receiver, consumer)),
    }
}

async fn hyper_floor() -> Target {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let _ = stream.set_nodelay(true);
            tokio::spawn(async move {
                let service = service_fn(|request: hyper::Request<hyper::body::Incoming>| async {
                    let body = request.into_body().collect().await?.to_bytes();
                    std::hint::black_box(body);
                    let mut response = hyper::Response::new(Full::new(Bytes::new()));
                    *response.status_mut() = hyper::StatusCode::NO_CONTENT;
                    Ok::<_, hyper::Error>(response)
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Target {
        address,
        path: "/odigo/floor".into(),
        _alive: Box::new(server),
    }
}

/// Notification `n`: agent `n % AGENTS`, a state of the cycle, a unique event id and time.
fn notification(n: u64) -> Bytes {
    const STATES: [&str; 5] = ["AVAILABLE", "ALERTING", "IN_CALL", "WRAP_UP", "PAUSE"];
    let agent = n % AGENTS;
    let state = STATES[((n / AGENTS) % STATES.len() as u64) as usize];
    let millis = 1_795_435_200_000 + n;
    Bytes::from(format!(
        r#"{{"eventId":"ev-{n}","eventType":"AGENT_STATE_CHANGED","tenantId":"acme","timestamp":{millis},"agent":{{"login":"agent{agent:04}@acme.example","id":"{agent}"}},"state":"{state}","previousState":"AVAILABLE","pause":{{"code":"7","label":"Lunch"}}}}"#
    ))
}

/// Sends `total` requests over `CONNECTIONS` connections; returns the elapsed time and each
/// request's latency.
async fn load(target: &Target, first: u64, total: u64) -> (Duration, Vec<Duration>) {
    let next = Arc::new(AtomicU64::new(first));
    let end = first + total;
    let started = Instant::now();
    let mut connections = Vec::new();
    for _ in 0..CONNECTIONS {
        let next = next.clone();
        let address = target.address;
        let uri = format!("http://{address}{}", target.path);
        connections.push(tokio::spawn(async move {
            let stream = TcpStream::connect(address).await.unwrap();
            stream.set_nodelay(true).unwrap();
            let (mut sender, connection) =
                hyper::client::conn::http1::handshake(TokioIo::new(stream))
                    .await
                    .unwrap();
            tokio::spawn(connection);
            let mut latencies = Vec::new();
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= end {
                    break;
                }
                let request = hyper::Request::post(&uri)
                    .header("host", "odigo")
                    .header("content-type", "application/json")
                    .body(Full::new(notification(n)))
                    .unwrap();
                let sent = Instant::now();
                let response = sender.send_request(request).await.unwrap();
                assert_eq!(response.status(), 204);
                latencies.push(sent.elapsed());
            }
            latencies
        }));
    }
    let mut latencies = Vec::with_capacity(total as usize);
    for connection in connections {
        latencies.extend(connection.await.unwrap());
    }
    (started.elapsed(), latencies)
}

fn ingest(c: &mut Criterion) {
    let runtime = runtime();
    let mut group = c.benchmark_group("odigo_http_ingest");
    group.throughput(Throughput::Elements(1));
    group.sample_size(20);
    let sent = Arc::new(AtomicU64::new(0));
    for (name, target) in [
        ("rta", runtime.block_on(rta_target())),
        ("hyper_floor", runtime.block_on(hyper_floor())),
    ] {
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let first = sent.fetch_add(iters, Ordering::Relaxed);
                runtime.block_on(load(&target, first, iters)).0
            })
        });
    }
    group.finish();
}

fn percentiles() {
    let runtime = runtime();
    const TOTAL: u64 = 60_000;
    for (name, target) in [
        ("rta", runtime.block_on(rta_target())),
        ("hyper_floor", runtime.block_on(hyper_floor())),
    ] {
        // A warm-up run, then the measured one.
        runtime.block_on(load(&target, 0, TOTAL / 4));
        let (elapsed, mut latencies) = runtime.block_on(load(&target, TOTAL, TOTAL));
        latencies.sort_unstable();
        let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q) as usize];
        println!(
            "odigo_http_latency/{name}: {CONNECTIONS} connections, {TOTAL} requests: \
             {:.0} requests/s, p50 {:?}, p99 {:?}, max {:?}",
            TOTAL as f64 / elapsed.as_secs_f64(),
            at(0.50),
            at(0.99),
            latencies.last().unwrap()
        );
    }
}

criterion_group!(benches, ingest);

fn main() {
    benches();
    // `cargo bench --no-run`/`cargo test --benches` run main with `--test`-like flags only
    // through the harness; the fixed run is for real bench runs.
    if std::env::args().any(|arg| arg == "--bench") {
        percentiles();
    }
    Criterion::default().configure_from_args().final_summary();
}
