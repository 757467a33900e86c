//! `rta_sim::load` against a small engine written here over real loopback sockets: real
//! decoders (rta-avaya's `Assembler`, rta-cic's `Session`, an HTTP/1.1 receiver) publish one
//! `agent_status` event per status they read to real MessagePack and SSE subscriber streams.
//! Every status the load sends is a change, so the load's expected count must equal what the
//! decoders read, exactly.

use bytes::{BufMut, Bytes, BytesMut};
use futures::StreamExt;
use jiff::Timestamp;
use rta_avaya::{Assembler, AssemblerConfig, LineCodec, Output as AvayaOutput};
use rta_cic::{Dialect, Output as CicOutput, Session, SessionConfig, Vocabulary};
use rta_model::{AgentStatusEvent, Event, EventBody, IntegrationId, Phase, Zone};
use rta_sim::load::{Load, LoadConfig, Pace, Plan, Report, Targets, avaya_layout};
use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::broadcast;
use tokio::task::JoinHandle;
use tokio_util::codec::FramedRead;

/// One published event in both encodings.
#[derive(Debug, Clone)]
struct Encoded {
    frame: Bytes,
    sse: Bytes,
}

/// The test engine's output side: seqs, the fan-out, and what was read from each source.
#[derive(Debug)]
struct Bus {
    seq: Mutex<u64>,
    sender: broadcast::Sender<Encoded>,
    /// External ids read, per integration name.
    seen: Mutex<HashMap<String, HashSet<String>>>,
}

impl Bus {
    fn new() -> Arc<Bus> {
        Arc::new(Bus {
            seq: Mutex::new(0),
            sender: broadcast::channel(1 << 16).0,
            seen: Mutex::new(HashMap::new()),
        })
    }

    fn publish(
        &self,
        integration: &str,
        external_id: &[u8],
        status: &str,
        time: Timestamp,
        received: Timestamp,
    ) {
        let external_id = String::from_utf8_lossy(external_id).into_owned();
        let mut seq = self.seq.lock().unwrap();
        *seq += 1;
        let event = Event {
            seq: *seq,
            time,
            body: EventBody::AgentStatus(AgentStatusEvent {
                integration: integration.into(),
                external_id: external_id.as_str().into(),
                employee: None,
                phase: Phase::Other,
                status: status.into(),
                reason: None,
                detail: None,
                skills: Vec::new(),
                activity: None,
                since: time,
                received,
            }),
        };
        let payload = event.to_msgpack();
        let mut frame = BytesMut::new();
        frame.put_u32(payload.len() as u32);
        frame.put_slice(&payload);
        let sse = format!(
            "id: {}\nevent: agent_status\ndata: {}\n\n",
            *seq,
            event.to_json()
        );
        let _ = self.sender.send(Encoded {
            frame: frame.freeze(),
            sse: Bytes::from(sse),
        });
        drop(seq);
        self.seen
            .lock()
            .unwrap()
            .entry(integration.to_owned())
            .or_default()
            .insert(external_id);
    }

    fn published(&self) -> u64 {
        *self.seq.lock().unwrap()
    }
}

/// The test engine: its listeners, and the tasks reading the sources (they end at EOF).
struct Engine {
    bus: Arc<Bus>,
    targets: Targets,
    readers: Vec<JoinHandle<u64>>,
    avaya_rows: Arc<Mutex<u64>>,
}

async fn listener() -> (TcpListener, SocketAddr) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    (listener, address)
}

/// Reads one CMS connection with the real assembler; returns the changes it published.
async fn read_avaya(name: String, stream: TcpStream, bus: Arc<Bus>, rows: Arc<Mutex<u64>>) -> u64 {
    let mut assembler = Assembler::new(AssemblerConfig::new(IntegrationId(0)), avaya_layout());
    let mut lines = FramedRead::new(stream, LineCodec::default());
    let mut changes = 0;
    while let Some(Ok(frame)) = lines.next().await {
        let now = Timestamp::now();
        assembler
            .push_frame(frame, now, &mut |output| {
                if let AvayaOutput::Agent(change) = output {
                    changes += 1;
                    bus.publish(
                        &name,
                        change.logid,
                        change.status.state.code(),
                        change.time,
                        change.received,
                    );
                }
            })
            .expect("the load writes well-formed rows");
    }
    *rows.lock().unwrap() += assembler.stats().rows;
    changes
}

/// Reads one CIC server with the real session; returns the statuses it published.
async fn read_cic(address: SocketAddr, zone: &str, bus: Arc<Bus>) -> u64 {
    let stream = TcpStream::connect(address).await.unwrap();
    let mut config = SessionConfig::new(IntegrationId(1), Dialect::Line);
    config.zone = Zone::get(zone).unwrap();
    let mut lines = FramedRead::new(stream, config.codec());
    let mut session = Session::new(config);
    let mut vocabulary = Vocabulary::new();
    let mut statuses = 0;
    while let Some(Ok(frame)) = lines.next().await {
        session
            .push_frame(frame, Timestamp::now(), &mut vocabulary, &mut |output| {
                if let CicOutput::Status(status) = output {
                    statuses += 1;
                    bus.publish(
                        "cic",
                        &status.external_id,
                        status.status.code.as_ref(),
                        status.time,
                        status.received,
                    );
                }
            })
            .expect("the load writes well-formed records");
    }
    statuses
}

/// An Odigo receiver for `connections` keep-alive connections: answers `503` to every 7th
/// request (the load must send it again) and `204` to the others, publishing each accepted
/// notification.
async fn serve_odigo(listener: TcpListener, connections: usize, bus: Arc<Bus>) -> u64 {
    let counter = Arc::new(Mutex::new(0u64));
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let accepted = listener.accept().await;
        let (mut stream, _) = accepted.unwrap();
        let (bus, counter) = (bus.clone(), counter.clone());
        tasks.push(tokio::spawn(async move {
            let mut buffer = BytesMut::new();
            let mut accepted = 0;
            loop {
                let mut headers = [httparse::EMPTY_HEADER; 16];
                let mut request = httparse::Request::new(&mut headers);
                if let Ok(httparse::Status::Complete(head)) = request.parse(&buffer) {
                    let length: usize = request
                        .headers
                        .iter()
                        .find(|h| h.name.eq_ignore_ascii_case("content-length"))
                        .map(|h| std::str::from_utf8(h.value).unwrap().parse().unwrap())
                        .unwrap();
                    if buffer.len() >= head + length {
                        let body: serde_json::Value =
                            serde_json::from_slice(&buffer[head..head + length]).unwrap();
                        let _ = buffer.split_to(head + length);
                        let turn = {
                            let mut counter = counter.lock().unwrap();
                            *counter += 1;
                            *counter
                        };
                        let answer: &[u8] = if turn % 7 == 0 {
                            b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 4\r\n\r\nbusy"
                        } else {
                            let time: Timestamp =
                                body["timestamp"].as_str().unwrap().parse().unwrap();
                            let login = body["agent"]["login"].as_str().unwrap();
                            bus.publish(
                                "odigo",
                                login.as_bytes(),
                                body["state"].as_str().unwrap(),
                                time,
                                Timestamp::now(),
                            );
                            accepted += 1;
                            b"HTTP/1.1 204 No Content\r\n\r\n"
                        };
                        stream.write_all(answer).await.unwrap();
                        continue;
                    }
                }
                if stream.read_buf(&mut buffer).await.unwrap_or(0) == 0 {
                    return accepted;
                }
            }
        }));
    }
    let mut accepted = 0;
    for task in tasks {
        accepted += task.await.unwrap();
    }
    accepted
}

/// Subscribers of the TCP MessagePack sink: a hello line, `subscribed`, then frames.
async fn serve_msgpack(listener: TcpListener, bus: Arc<Bus>) {
    loop {
        let (mut stream, _) = listener.accept().await.unwrap();
        let mut events = bus.sender.subscribe();
        tokio::spawn(async move {
            let mut hello = Vec::new();
            while !hello.ends_with(b"\n") {
                let mut byte = [0];
                stream.read_exact(&mut byte).await.unwrap();
                hello.push(byte[0]);
            }
            let mut subscribed = BytesMut::new();
            let payload =
                rmp_serde::to_vec_named(&HashMap::from([("type", "subscribed")])).unwrap();
            subscribed.put_u32(payload.len() as u32);
            subscribed.put_slice(&payload);
            stream.write_all(&subscribed).await.unwrap();
            while let Ok(event) = events.recv().await {
                if stream.write_all(&event.frame).await.is_err() {
                    return;
                }
            }
        });
    }
}

/// Subscribers of the SSE endpoint: a chunked `text/event-stream`, each event its own chunk.
async fn serve_sse(listener: TcpListener, bus: Arc<Bus>) {
    loop {
        let (mut stream, _) = listener.accept().await.unwrap();
        let mut events = bus.sender.subscribe();
        tokio::spawn(async move {
            let mut head = Vec::new();
            while !head.ends_with(b"\r\n\r\n") {
                let mut byte = [0];
                stream.read_exact(&mut byte).await.unwrap();
                head.push(byte[0]);
            }
            assert!(head.starts_with(b"GET /events HTTP/1.1\r\n"));
            let answer = b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n";
            stream.write_all(answer).await.unwrap();
            while let Ok(event) = events.recv().await {
                let mut chunk = format!("{:x}\r\n", event.sse.len()).into_bytes();
                chunk.extend_from_slice(&event.sse);
                chunk.extend_from_slice(b"\r\n");
                if stream.write_all(&chunk).await.is_err() {
                    return;
                }
            }
        });
    }
}

async fn start_engine(load: &Load) -> Engine {
    let bus = Bus::new();
    let plan = load.plan();
    let avaya_rows = Arc::new(Mutex::new(0));
    let mut readers = Vec::new();
    let mut avaya = Vec::new();
    for integration in &plan.avaya {
        let (listener, address) = listener().await;
        avaya.push(address);
        let (name, bus, rows) = (integration.name.clone(), bus.clone(), avaya_rows.clone());
        readers.push(tokio::spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            read_avaya(name, stream, bus, rows).await
        }));
    }
    for address in load.cic_addresses() {
        let (zone, bus) = (plan.zone.clone(), bus.clone());
        readers.push(tokio::spawn(
            async move { read_cic(address, &zone, bus).await },
        ));
    }
    let (odigo, odigo_address) = listener().await;
    let connections = load.config().odigo_connections;
    readers.push(tokio::spawn(serve_odigo(odigo, connections, bus.clone())));
    let (msgpack, msgpack_address) = listener().await;
    tokio::spawn(serve_msgpack(msgpack, bus.clone()));
    let (sse, sse_address) = listener().await;
    tokio::spawn(serve_sse(sse, bus.clone()));
    Engine {
        bus,
        targets: Targets {
            avaya,
            odigo_url: Some(format!("http://{odigo_address}/odigo/notify/SECRET-TOKEN")),
            msgpack: Some(msgpack_address),
            sse_url: Some(format!("http://{sse_address}/events")),
        },
        readers,
        avaya_rows,
    }
}

fn small(pace: Pace) -> LoadConfig {
    LoadConfig {
        seed: 42,
        pace,
        refreshes_per_run: 3,
        avaya_connections: 3,
        avaya_agents: 301,
        avaya_refresh: Duration::from_secs(1),
        // Many changes, log-outs and log-ins in few refreshes.
        avaya_change_ratio: 0.3,
        avaya_logout_ratio: 0.05,
        avaya_login_ratio: 0.3,
        cic_servers: 2,
        cic_users: 41,
        cic_rate: 150.0,
        odigo_agents: 23,
        odigo_connections: 2,
        odigo_rate: 70.0,
        msgpack_subscribers: 2,
        sse_subscribers: 2,
        timeout: Duration::from_secs(20),
        ..LoadConfig::default()
    }
}

fn assert_exact(report: &Report) {
    assert!(report.complete, "{report}");
    assert_eq!(
        report.agent_status_delivered,
        report.expected_agent_status * 4,
        "{report}"
    );
    assert_eq!(report.latency.samples, report.agent_status_delivered);
    assert_eq!(report.lagged, 0);
    assert!(report.shortfalls.is_empty());
}

/// Ends the load (its connections close), then reads what the engine's decoders published.
async fn finish(load: Load, engine: Engine) -> (u64, u64) {
    drop(load);
    let mut decoded = 0;
    for reader in engine.readers {
        decoded += reader.await.unwrap();
    }
    let rows = *engine.avaya_rows.lock().unwrap();
    assert_eq!(engine.bus.published(), decoded);
    (decoded, rows)
}

fn assert_plan_covers(plan: &Plan, bus: &Bus) {
    let seen = bus.seen.lock().unwrap();
    assert_eq!(
        seen.len(),
        plan.integrations().count(),
        "every integration sent something"
    );
    for integration in plan.integrations() {
        let ids: HashSet<&String> = integration.external_ids.iter().collect();
        for id in &seen[&integration.name] {
            assert!(
                ids.contains(id),
                "{id} of {} is in the plan",
                integration.name
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flood_runs_deliver_exactly_the_expected_events() {
    let start = Timestamp::now();
    let mut load = Load::prepare(small(Pace::Flood), start).await.unwrap();
    let engine = start_engine(&load).await;
    let first = load.run(&engine.targets).await.unwrap();
    assert_exact(&first);
    // Every agent is new at the first run: at least every CIC user and Avaya agent staffed.
    assert!(first.expected_agent_status > 41 + 250, "{first}");
    assert_eq!(
        first.observations.cic,
        41 + 450,
        "the snapshot and 3 s of changes at 150/s"
    );
    assert_eq!(first.odigo.accepted, 210, "3 s at 70/s");
    assert!(first.odigo.busy > 0 && first.odigo.refused == 0, "{first}");
    assert_eq!(first.observations.odigo, first.odigo.accepted);
    assert!(first.events_delivered >= first.agent_status_delivered);
    // The traffic goes on: no snapshot again, times keep increasing (else the decoders would
    // see no change and the run would never complete).
    let second = load.run(&engine.targets).await.unwrap();
    assert_exact(&second);
    assert_eq!(second.observations.cic, 450);
    let expected = first.expected_agent_status + second.expected_agent_status;
    let avaya_rows = first.observations.avaya + second.observations.avaya;
    let plan = load.plan().clone();
    let bus = engine.bus.clone();
    let (decoded, rows) = finish(load, engine).await;
    assert_eq!(
        decoded, expected,
        "the expected count is what the decoders read"
    );
    assert_eq!(rows, avaya_rows, "every row written was read");
    assert_plan_covers(&plan, &bus);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_time_run_paces_and_measures() {
    let config = LoadConfig {
        refreshes_per_run: 1,
        ..small(Pace::RealTime)
    };
    let mut load = Load::prepare(config, Timestamp::now()).await.unwrap();
    // The subscribers on a runtime of their own, as the end-to-end benchmark runs them.
    let subscribers = rta_sim::load::subscribers_runtime(1).unwrap();
    load.subscribers_on(subscribers.handle().clone());
    let engine = start_engine(&load).await;
    let report = load.run(&engine.targets).await.unwrap();
    assert_exact(&report);
    assert!(report.latency.max_us >= report.latency.p50_us);
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["pace"], "real_time");
    assert!(report.to_string().contains("complete"));
    let expected = report.expected_agent_status;
    let (decoded, _) = finish(load, engine).await;
    assert_eq!(decoded, expected);
    subscribers.shutdown_background();
}

#[tokio::test]
async fn the_same_seed_plans_the_same_ids_and_other_targets_are_refused() {
    let config = small(Pace::Flood);
    let a = Load::prepare(config.clone(), Timestamp::now())
        .await
        .unwrap();
    let b = Load::prepare(config, Timestamp::now()).await.unwrap();
    assert_eq!(a.plan(), b.plan());
    let plan = a.plan();
    assert_eq!(
        plan.integrations()
            .map(|i| i.name.as_str())
            .collect::<Vec<_>>(),
        ["cms-1", "cms-2", "cms-3", "cic", "odigo"]
    );
    assert_eq!(
        plan.avaya
            .iter()
            .map(|i| i.external_ids.len())
            .sum::<usize>(),
        301
    );
    assert!(
        plan.avaya[0]
            .external_ids
            .iter()
            .all(|id| id.bytes().all(|b| b.is_ascii_digit()))
    );
    assert_eq!(a.cic_addresses().len(), 2);
    // A run without the subscribers' addresses is refused before anything is sent.
    let mut a = a;
    let error = a.run(&Targets::default()).await.unwrap_err();
    assert!(error.to_string().contains("Avaya"), "{error}");
}
