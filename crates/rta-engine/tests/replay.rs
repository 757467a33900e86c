//! The replayer ([`rta_engine::replay`]) on the worked example of `specs/adherence.md`
//! (the capture and files of `crates/rtad/tests/data`), and on captures made by a live
//! engine fed by the Avaya simulator.

#[path = "../../rtad/tests/data/worked_example.rs"]
mod worked_example;

use rta_adherence::{
    Activity, Config, Defaults, GraceMode, Mappings, Rules, read_activity_mappings, read_schedules,
    read_user_mappings,
};
use rta_cic::Dialect;
use rta_engine::capture::Capture;
use rta_engine::cic::Mode;
use rta_engine::engine::{
    AvayaSettings, CicSettings, Engine, IntegrationSettings, OdigoSettings, Source,
};
use rta_engine::replay::{ReplayError, Replayer};
use rta_engine::{Delivery, Filter, SubscribeOptions};
use rta_model::{Event, EventBody, FeedHealth, Timestamp, Zone};
use rta_odigo::TokenHash;
use rta_sim::avaya::{AvayaSim, SimConfig, StreamOptions, stream};
use std::fs::File;
use std::path::PathBuf;
use std::time::Duration;
use worked_example::{json_name, table};

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../rtad/tests/data")
        .join(name)
}

fn at(text: &str) -> Timestamp {
    format!("2026-11-23T{text}Z").parse().unwrap()
}

/// `cms` of `worked_example.toml`: the listen address is not used by a replay.
fn cms(refresh: u64) -> IntegrationSettings {
    IntegrationSettings {
        name: "cms".into(),
        source: Source::Avaya(AvayaSettings {
            listen: "127.0.0.1:0".parse().unwrap(),
            layout: rta_avaya::Layout::agent(),
            refresh: Duration::from_secs(refresh),
            detailed_statuses: false,
            zone: Zone::utc(),
            allowed_peers: None,
        }),
    }
}

/// The worked example's configuration (`worked_example_activities.toml` written out; the
/// CSV files read by `rta-adherence`'s readers), with `grace` seconds of `grace_mode`.
fn worked_example(grace: u32, grace_mode: GraceMode) -> Config {
    let rows = |name: &str| File::open(data(name)).unwrap();
    Config {
        rules: Rules {
            activities: vec![
                Activity::new("Phone").productive(),
                Activity::new("Break"),
                Activity::new("Away"),
            ],
            defaults: Defaults {
                alarm_after: 60,
                severe_after: 300,
                boundary_tolerance: 0,
                grace,
                grace_mode,
                time_zone: "UTC".into(),
            },
            ..Rules::default()
        },
        employees: Vec::new(),
        mappings: Mappings {
            users: read_user_mappings(rows("worked_example_users.csv"))
                .unwrap()
                .rows,
            activities: read_activity_mappings(rows("worked_example_activity_mappings.csv"))
                .unwrap()
                .rows,
        },
        schedules: read_schedules(rows("worked_example_schedules.csv"))
            .unwrap()
            .rows,
    }
}

fn replay(config: Config, until: Option<Timestamp>) -> (Replayer, Vec<u8>) {
    let mut replayer = Replayer::new(vec![cms(30)], config).unwrap();
    let capture = std::io::BufReader::new(File::open(data("worked_example.capture")).unwrap());
    let mut out = Vec::new();
    replayer.run(capture, until, &mut out).unwrap();
    (replayer, out)
}

fn events(ndjson: &[u8]) -> Vec<Event> {
    std::str::from_utf8(ndjson)
        .unwrap()
        .lines()
        .map(|line| Event::from_json(line).unwrap())
        .collect()
}

#[test]
fn the_worked_example_gives_the_spec_table() {
    let (_, out) = replay(worked_example(0, GraceMode::None), None);
    assert_eq!(table(&events(&out)), worked_example::TABLE);
}

#[test]
fn the_worked_example_gives_the_spec_figures() {
    let day = at("00:00:00").to_zoned(jiff::tz::TimeZone::UTC).date();
    let figures = |grace, mode| {
        let (replayer, _) = replay(worked_example(grace, mode), Some(at("12:01:00")));
        replayer
            .evaluator(|evaluator| evaluator.figures("E1", day, at("12:01:00")))
            .flatten()
            .unwrap()
            .total
    };
    let round = |percent: Option<f64>| (percent.unwrap() * 1000.0).round() / 1000.0;
    let plain = figures(0, GraceMode::None);
    assert_eq!(round(plain.adherence_percent()), 96.875);
    assert_eq!(round(plain.conformance_percent()), 100.667);
    assert_eq!(
        round(figures(200, GraceMode::ForgiveShort).adherence_percent()),
        98.125
    );
    assert_eq!(
        round(figures(200, GraceMode::Deduct).adherence_percent()),
        99.514
    );
}

#[test]
fn the_same_capture_gives_the_same_bytes() {
    let (_, first) = replay(worked_example(0, GraceMode::None), None);
    let (_, second) = replay(worked_example(0, GraceMode::None), None);
    assert!(!first.is_empty());
    assert_eq!(first, second);
    // Seqs count from 1 without a gap, as a fresh bus gives them.
    let seqs: Vec<u64> = events(&first).iter().map(|event| event.seq).collect();
    assert_eq!(seqs, (1..=seqs.len() as u64).collect::<Vec<_>>());
}

#[test]
fn until_stops_the_clock_there() {
    let (replayer, out) = replay(worked_example(0, GraceMode::None), Some(at("10:01:30")));
    let before = events(&out);
    assert!(before.iter().all(|event| event.time <= at("10:01:30")));
    assert_eq!(
        table(&before).last().map(String::as_str),
        Some("10:01:00 alarm raised")
    );
    let adherence = replayer.evaluator(|e| e.adherence("E1")).flatten().unwrap();
    assert_eq!(json_name(&adherence.status), "out");

    // Past the last record the timers still fire: the CMS went silent after 12:01:00, so
    // three refreshes (90 s) later its feed is stale and E1's adherence unknown.
    let (_, out) = replay(worked_example(0, GraceMode::None), Some(at("12:30:00")));
    let after = events(&out);
    let stale = after
        .iter()
        .find(|event| matches!(&event.body, EventBody::Feed(feed) if json_name(&feed.health) == "stale"))
        .unwrap();
    // Strictly more than three refreshes: the next millisecond, the evaluator's resolution.
    assert_eq!(stale.time, at("12:02:30.001"));
    assert_eq!(
        table(&after).last().map(String::as_str),
        Some("12:02:30 unknown since 12:02:30")
    );
}

#[test]
fn a_corrupt_line_is_an_error_with_its_number_after_what_came_before() {
    let capture = "2026-11-23T08:00:00Z\tcms\tF0|2026-11-23 08:00:00\n\
                   2026-11-23T08:00:00Z\tcms\tF1|1|40101|51001|AVAIL|||:05|0|0\n\
                   2026-11-23T08:00:00Z\tcms\tF3|END_OF_RECORDS\n\
                   # a comment, then a line whose escape is cut\n\
                   2026-11-23T08:00:30Z\tcms\tF0|2026-11-23 08:00:30\\\n";
    let mut replayer = Replayer::new(vec![cms(30)], worked_example(0, GraceMode::None)).unwrap();
    let mut out = Vec::new();
    let error = replayer
        .run(capture.as_bytes(), None, &mut out)
        .unwrap_err();
    assert!(matches!(error, ReplayError::Read(_)), "{error:?}");
    assert_eq!(
        error.to_string(),
        "capture line 5: byte 23 of the payload: a backslash ends the field"
    );
    // The first batch was replayed and printed.
    assert!(
        events(&out)
            .iter()
            .any(|event| matches!(event.body, EventBody::AgentStatus(_)))
    );
}

#[test]
fn a_record_of_another_integration_is_an_error_with_its_line() {
    let capture = "2026-11-23T08:00:00Z\tcms\tF3|END_OF_RECORDS\n\
                   2026-11-23T08:00:01Z\tcms-lyon\tF3|END_OF_RECORDS\n";
    let mut replayer = Replayer::new(vec![cms(30)], Config::default()).unwrap();
    let error = replayer
        .run(capture.as_bytes(), None, std::io::sink())
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "capture line 2: no integration \"cms-lyon\" in the configuration (its integrations: \
         cms)"
    );
}

/// The `agent_status` events of a run, without their seqs (a replay's bus counts its own).
fn statuses(events: &[Event]) -> Vec<Event> {
    events
        .iter()
        .filter(|event| matches!(event.body, EventBody::AgentStatus(_)))
        .map(|event| Event {
            seq: 0,
            ..event.clone()
        })
        .collect()
}

/// [`statuses`] agent by agent, each agent's in the order published. A live engine applies
/// on several shards, so the order across agents depends on their threads; the replayer
/// applies inline, in capture order. Only each agent's own order is the same in both.
fn statuses_by_agent(events: &[Event]) -> Vec<Event> {
    let mut statuses = statuses(events);
    // Stable: each agent's statuses keep their order.
    statuses.sort_by_key(|event| match &event.body {
        EventBody::AgentStatus(status) => (status.integration.clone(), status.external_id.clone()),
        _ => unreachable!("only agent_status events are kept"),
    });
    statuses
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_capture_replays_to_the_live_statuses() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("live.capture");
    let mut sim_config = SimConfig::new(25, 7, at("08:00:00"));
    // Latin-1 names: lines that are not UTF-8 go through the capture byte for byte.
    sim_config.faults.latin1_names = true;
    let mut sim = AvayaSim::new(sim_config).unwrap();
    let mut settings = cms(15);
    if let Source::Avaya(avaya) = &mut settings.source {
        avaya.layout = sim.layout().clone();
    }
    let engine = Engine::builder()
        .integration(settings.clone())
        .capture(Capture::to_file(&path).await.unwrap())
        .start()
        .await
        .unwrap();
    let subscription = engine
        .subscribe(SubscribeOptions::new(Filter::all()).capacity(100_000))
        .unwrap();
    let address = engine.listen_address("cms").await.unwrap().to_string();
    let report = stream(&mut sim, &address, &StreamOptions::immediate(40))
        .await
        .unwrap();
    assert_eq!(report.batches, 40);
    // The CMS closed its connection after its last batch: once the feed is down, every
    // line it sent was read (and recorded).
    let mut live = Vec::new();
    loop {
        let Delivery::Event(event) = subscription
            .recv_timeout(Duration::from_secs(10))
            .unwrap()
            .unwrap()
        else {
            panic!("the test subscription lagged")
        };
        let down = matches!(&event.body, EventBody::Feed(feed) if feed.health == FeedHealth::Down);
        live.push((*event).clone());
        if down {
            break;
        }
    }
    engine.shutdown().await;
    // The feed went down on the adapter's task; the shards may have published the last
    // statuses after that, and before the shutdown returned.
    while let Ok(Some(Delivery::Event(event))) = subscription.try_recv() {
        live.push((*event).clone());
    }

    let capture = std::fs::read(&path).unwrap();
    assert!(
        capture
            .windows(4)
            .any(|bytes| bytes[0] == b'\\' && bytes[1] == b'x')
    );
    let mut replayer = Replayer::new(vec![settings], Config::default()).unwrap();
    let mut out = Vec::new();
    let summary = replayer.run(capture.as_slice(), None, &mut out).unwrap();
    assert!(summary.records >= 40 * 3, "{summary:?}");
    let out_events = events(&out);
    let replayed = statuses(&out_events);
    assert!(replayed.len() > 25, "{} statuses", replayed.len());
    assert_eq!(statuses_by_agent(&out_events), statuses_by_agent(&live));
}

/// A CIC integration fed by two servers at once, and an Odigo integration.
fn cic_and_odigo() -> Vec<IntegrationSettings> {
    vec![
        IntegrationSettings {
            name: "cic".into(),
            source: Source::Cic(CicSettings {
                servers: "acd1.example:8080, acd2.example:8080".into(),
                mode: Mode::All,
                dialect: Dialect::Line,
                zone: Zone::utc(),
            }),
        },
        IntegrationSettings {
            name: "odigo".into(),
            source: Source::Odigo(OdigoSettings {
                token: TokenHash::from_hex(&"1".repeat(64)).unwrap(),
                pause_details: None,
                stale_after: Duration::from_secs(600),
            }),
        },
    ]
}

/// One capture line, as the engine writes it.
fn line(time: &str, label: &str, payload: &str) -> Vec<u8> {
    let mut line = Vec::new();
    rta_engine::capture::write_line(&mut line, at(time), label, payload.as_bytes());
    line
}

#[test]
fn cic_servers_and_odigo_bodies_replay_through_their_live_steps() {
    let (acd1, acd2) = ("cic@acd1.example:8080", "cic@acd2.example:8080");
    let pause = r#"{"eventId":"e2","timestamp":"2026-11-23T08:00:20Z",
        "agent":{"login":"ann"},"state":"PAUSE","pause":{"code":"7","label":"Lunch"}}"#;
    let capture: Vec<u8> = [
        line("08:00:00", acd1, "SNAPSHOT|BEGIN|2026-11-23 08:00:00"),
        line("08:00:00", acd1, "STATUS|2026-11-23 07:58:12|jdoe|Available|Available|AVAILABLE|1|1|0|0|0|7001"),
        line("08:00:00", acd1, "SNAPSHOT|END|2026-11-23 08:00:00"),
        line("08:00:01", acd2, "SNAPSHOT|BEGIN|2026-11-23 08:00:01"),
        line("08:00:01", acd2, "STATUS|2026-11-23 07:59:00|asmith|Available|Available|AVAILABLE|1|1|0|0|0|7002"),
        line("08:00:01", acd2, "SNAPSHOT|END|2026-11-23 08:00:01"),
        line("08:00:10", "odigo", r#"{"eventId":"e1","timestamp":"2026-11-23T08:00:10Z","agent":{"login":"ann"},"state":"AVAILABLE"}"#),
        // A body with a line end in it, and its retry (a duplicate: no second change).
        line("08:00:20", "odigo", pause),
        line("08:00:21", "odigo", pause),
        line("08:00:30", "odigo", "login=bob&state=READY&timestamp=2026-11-23T08:00:30Z"),
        // acd1 no longer lists jdoe: logged out; asmith is acd2's, left alone.
        line("08:01:00", acd1, "SNAPSHOT|BEGIN|2026-11-23 08:01:00"),
        line("08:01:00", acd1, "SNAPSHOT|END|2026-11-23 08:01:00"),
        line("08:01:10", acd2, "HEARTBEAT|2026-11-23 08:01:10"),
    ]
    .concat();
    let mut replayer = Replayer::new(cic_and_odigo(), Config::default()).unwrap();
    let mut out = Vec::new();
    let summary = replayer
        .run(capture.as_slice(), Some(at("08:20:00")), &mut out)
        .unwrap();
    assert_eq!((summary.records, summary.rejected), (13, 0));
    let events = events(&out);
    let statuses: Vec<String> = events
        .iter()
        .filter_map(|event| match &event.body {
            EventBody::AgentStatus(status) => Some(format!(
                "{} {} {} {}",
                status.since.strftime("%H:%M:%S"),
                status.integration,
                status.external_id,
                status.status
            )),
            _ => None,
        })
        .collect();
    assert_eq!(
        statuses,
        [
            // The decoders' codes: CIC status keys folded, Odigo states canonical.
            "07:58:12 cic jdoe available",
            "07:59:00 cic asmith available",
            "08:00:10 odigo ann AVAILABLE",
            "08:00:20 odigo ann PAUSE",
            "08:00:30 odigo bob AVAILABLE",
            "08:01:00 cic jdoe logged out",
        ]
    );
    let feeds: Vec<String> = events
        .iter()
        .filter_map(|event| match &event.body {
            EventBody::Feed(feed) => Some(format!(
                "{} {} {} {:?} {}",
                event.time.strftime("%H:%M:%S"),
                feed.integration,
                feed.address.as_deref().unwrap_or("-"),
                feed.health,
                feed.detail.as_deref().unwrap_or("-")
            )),
            _ => None,
        })
        .collect();
    assert_eq!(
        feeds,
        [
            "08:00:00 cic acd1.example:8080 Waiting -",
            "08:00:00 cic acd2.example:8080 Waiting -",
            "08:00:00 odigo - Waiting -",
            "08:00:00 cic acd1.example:8080 Up snapshot of 1 user(s), 0 logged out",
            "08:00:01 cic acd2.example:8080 Up snapshot of 1 user(s), 0 logged out",
            "08:00:10 odigo - Up -",
            // Silence, at exactly the connector's 90 s, and Odigo's 600 s.
            "08:02:30 cic acd1.example:8080 Stale nothing received for 90 s: reconnecting",
            "08:02:40 cic acd2.example:8080 Stale nothing received for 90 s: reconnecting",
            "08:10:30 odigo - Stale no notification for 10 min",
        ]
    );
}
