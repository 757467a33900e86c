//! The assembled engine over real loopback sockets: a CIC server and Odigo notifications
//! feed it, the evaluator's events come out of one subscription: `agent_status` with the
//! employee and the activity, `adherence`, `feed`; pause, resume, update and mapping reloads
//! while it runs.
//!
//! Real time (the schedule is laid around the wall clock): every wait is for an event, under
//! a guard that only turns a hang into a failure.

mod support;

use jiff::SignedDuration;
use rta_adherence::{Activity, Config, Mappings, Rules, ScheduleRow, UserMapping};
use rta_cic::Dialect;
use rta_engine::EventKind;
use rta_engine::cic::Mode;
use rta_engine::engine::{
    AvayaSettings, CicSettings, Engine, EngineError, IntegrationSettings, OdigoSettings, Source,
};
use rta_engine::odigo::ReceiverConfig;
use rta_model::{Timestamp, Zone};
use rta_odigo::Token;
use std::time::Duration;
use support::{EVENT_GUARD as GUARD, activity_mapping, odigo_url, subscribe, until};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

/// E1 is `anna` on CIC and `jdoe` on Odigo, scheduled on Phone for the two hours around now.
fn config(now: Timestamp) -> Config {
    Config {
        rules: Rules {
            activities: vec![Activity::new("Phone").productive(), Activity::new("Break")],
            ..Rules::default()
        },
        mappings: mappings("Break"),
        schedules: vec![ScheduleRow {
            employee: "E1".into(),
            start: now - SignedDuration::from_hours(1),
            end: now + SignedDuration::from_hours(1),
            activity: "Phone".into(),
        }],
        ..Config::default()
    }
}

/// CIC `Available` and Odigo `AVAILABLE` are Phone; CIC `At Lunch` and Odigo `PAUSE` are
/// `pause_activity`.
fn mappings(pause_activity: &str) -> Mappings {
    Mappings {
        users: vec![
            UserMapping {
                integration: "cic".into(),
                external_id: "anna".into(),
                employee: "E1".into(),
            },
            UserMapping {
                integration: "odigo".into(),
                external_id: "jdoe".into(),
                employee: "E1".into(),
            },
        ],
        activities: vec![
            // CIC status keys are case-insensitive: the decoder folds them to lower case.
            activity_mapping("cic", "available", "Phone"),
            activity_mapping("cic", "at lunch", pause_activity),
            activity_mapping("odigo", "AVAILABLE", "Phone"),
            activity_mapping("odigo", "PAUSE", pause_activity),
        ],
    }
}

/// A CIC line-dialect server: the connection of the engine.
struct Cic {
    listener: TcpListener,
}

impl Cic {
    async fn bind() -> Cic {
        Cic {
            listener: TcpListener::bind("127.0.0.1:0").await.unwrap(),
        }
    }

    fn address(&self) -> String {
        self.listener.local_addr().unwrap().to_string()
    }

    async fn accept(&self) -> TcpStream {
        tokio::time::timeout(GUARD, self.listener.accept())
            .await
            .expect("the engine connects")
            .unwrap()
            .0
    }
}

fn status_line(user: &str, key: &str, at: Timestamp) -> String {
    format!("STATUS|{at}|{user}|{key}|{key}|GROUP|1|1|0|0|0|7001\r\n")
}

fn snapshot(user: &str, key: &str, at: Timestamp) -> String {
    format!(
        "SNAPSHOT|BEGIN|{at}\r\n{}SNAPSHOT|END|{at}\r\n",
        status_line(user, key, at)
    )
}

#[tokio::test]
async fn two_sources_one_employee_through_pause_resume_update_and_reload() {
    two_sources_one_employee(2).await;
}

/// The same without shard threads: the adapters apply on their own tasks.
#[tokio::test]
async fn two_sources_one_employee_applied_inline() {
    two_sources_one_employee(0).await;
}

async fn two_sources_one_employee(shards: usize) {
    let now = Timestamp::now();
    let cic = Cic::bind().await;
    let token = Token::generate().unwrap();
    let settings = |servers: String| IntegrationSettings {
        name: "cic".into(),
        source: Source::Cic(CicSettings {
            servers,
            mode: Mode::Failover,
            dialect: Dialect::Line,
            zone: Zone::get("Europe/Paris").unwrap(),
        }),
    };
    let engine = Engine::builder()
        .shards(shards)
        .adherence(config(now))
        .odigo_receiver(ReceiverConfig::new("127.0.0.1:0".parse().unwrap()))
        .integration(settings(cic.address()))
        .integration(IntegrationSettings {
            name: "odigo".into(),
            source: Source::Odigo(OdigoSettings {
                token: token.hash(),
                pause_details: None,
                stale_after: Duration::from_secs(600),
            }),
        })
        .start()
        .await
        .unwrap();
    let mut events = subscribe(
        &engine,
        [
            EventKind::AgentStatus,
            EventKind::Adherence,
            EventKind::Feed,
        ],
    );

    // CIC: anna is Available (Phone, scheduled Phone): in.
    let mut connection = cic.accept().await;
    let a_minute_ago = now - SignedDuration::from_mins(1);
    connection
        .write_all(snapshot("anna", "Available", a_minute_ago).as_bytes())
        .await
        .unwrap();
    until(&mut events, "agent_status anna E1 Phone").await;
    until(&mut events, "adherence E1 In").await;

    // Odigo: jdoe (also E1) pauses later: Break while Phone is scheduled: out.
    let url = odigo_url(&engine, &token);
    let pause = format!(
        r#"{{"login":"jdoe","state":"PAUSE","timestamp":"{}"}}"#,
        now - SignedDuration::from_secs(30)
    );
    let answer = reqwest::Client::new()
        .post(&url)
        .header("content-type", "application/json")
        .body(pause)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 204);
    until(&mut events, "agent_status jdoe E1 Break").await;
    until(&mut events, "adherence E1 Out").await;

    // A mapping reload makes PAUSE Phone: in again, at once, nothing re-sent.
    engine.reload_mappings(&mappings("Phone"));
    until(&mut events, "adherence E1 In").await;

    // Pausing Odigo: its answers are 503 and E1's winning status (Odigo's) is unknown.
    engine.pause("odigo").await.unwrap();
    until(&mut events, "adherence E1 Unknown").await;
    let refused = reqwest::Client::new()
        .post(&url)
        .header("content-type", "application/json")
        .body(r#"{"login":"jdoe","state":"AVAILABLE"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status().as_u16(), 503);
    engine.resume("odigo").await.unwrap();
    until(&mut events, "adherence E1 In").await;

    // Pausing CIC closes its connection; resuming connects again.
    engine.pause("cic").await.unwrap();
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(
        GUARD,
        tokio::io::AsyncReadExt::read_to_end(&mut connection, &mut rest),
    )
    .await;
    assert!(closed.is_ok(), "the paused CIC connection was closed");
    engine.resume("cic").await.unwrap();
    let _again = cic.accept().await;

    // Update: the CIC integration moves to another server; the table keeps anna.
    let other = Cic::bind().await;
    engine
        .update_integration(settings(other.address()))
        .await
        .unwrap();
    let mut moved = other.accept().await;
    moved
        .write_all(status_line("anna", "At Lunch", now).as_bytes())
        .await
        .unwrap();
    until(&mut events, "agent_status anna E1 Phone").await;
    assert_eq!(engine.table().len(), 2);
    // Only the new server is listed among the CIC integration's feeds.
    let states = engine.integration_states().await;
    let cic_feeds: Vec<Option<String>> = states
        .iter()
        .find(|state| &*state.name == "cic")
        .unwrap()
        .feeds
        .iter()
        .map(|feed| feed.address.clone())
        .collect();
    assert_eq!(cic_feeds, [Some(other.address())]);

    let kinds = engine.integrations().await;
    assert_eq!(kinds, [("cic".into(), false), ("odigo".into(), false)]);
    assert!(matches!(
        engine.pause("nobody").await,
        Err(EngineError::UnknownIntegration(_))
    ));
    assert!(matches!(
        engine
            .update_integration(IntegrationSettings {
                name: "cic".into(),
                source: Source::Odigo(OdigoSettings {
                    token: Token::generate().unwrap().hash(),
                    pause_details: None,
                    stale_after: Duration::from_secs(1),
                }),
            })
            .await,
        Err(EngineError::KindChanged(_))
    ));
    let snapshot = engine.status_snapshot();
    assert_eq!(snapshot.len(), 2);
    engine.shutdown().await;
}

#[tokio::test]
async fn a_bad_integration_stops_the_start() {
    let error = Engine::builder()
        .integration(IntegrationSettings {
            name: "odigo".into(),
            source: Source::Odigo(OdigoSettings {
                token: Token::generate().unwrap().hash(),
                pause_details: None,
                stale_after: Duration::from_secs(600),
            }),
        })
        .start()
        .await
        .unwrap_err();
    assert!(matches!(error, EngineError::NoOdigoReceiver), "{error}");

    let cic = |name: &str, servers: &str| IntegrationSettings {
        name: name.into(),
        source: Source::Cic(CicSettings {
            servers: servers.into(),
            mode: Mode::All,
            dialect: Dialect::Line,
            zone: Zone::get("UTC").unwrap(),
        }),
    };
    let error = Engine::builder()
        .integration(cic("a", "127.0.0.1:1"))
        .integration(cic("a", "127.0.0.1:2"))
        .start()
        .await
        .unwrap_err();
    assert!(matches!(error, EngineError::DuplicateName(_)), "{error}");
    let error = Engine::builder()
        .integration(cic("a", "not an address"))
        .start()
        .await
        .unwrap_err();
    assert!(error.to_string().contains("\"a\""), "{error}");
}

#[tokio::test]
async fn an_avaya_cms_feeds_the_engine_and_pausing_closes_its_port() {
    avaya_cms_feeds_the_engine(2).await;
}

/// The same without shard threads: the listener applies on its own task.
#[tokio::test]
async fn an_avaya_cms_feeds_the_engine_applied_inline() {
    avaya_cms_feeds_the_engine(0).await;
}

async fn avaya_cms_feeds_the_engine(shards: usize) {
    let now = Timestamp::now();
    let mut config = config(now);
    config.mappings.users.push(UserMapping {
        integration: "cms".into(),
        external_id: "40101".into(),
        employee: "E1".into(),
    });
    config
        .mappings
        .activities
        .push(activity_mapping("cms", "AVAIL", "Phone"));
    let engine = Engine::builder()
        .shards(shards)
        .adherence(config)
        .integration(IntegrationSettings {
            name: "cms".into(),
            source: Source::Avaya(AvayaSettings {
                listen: "127.0.0.1:0".parse().unwrap(),
                layout: rta_avaya::Layout::agent(),
                refresh: Duration::from_secs(15),
                detailed_statuses: false,
                zone: Zone::get("UTC").unwrap(),
                allowed_peers: None,
            }),
        })
        .start()
        .await
        .unwrap();
    let mut events = subscribe(&engine, [EventKind::AgentStatus, EventKind::Adherence]);
    let address = engine.listen_address("cms").await.unwrap();
    let mut cms = TcpStream::connect(address).await.unwrap();
    let batch_time = jiff::tz::TimeZone::UTC
        .to_datetime(now)
        .strftime("%Y-%m-%d %H:%M:%S");
    let batch = format!(
        "F0|{batch_time}\nF1|1|  40101| 540101|AVAIL  |  |    |  :10|  0|  0\nF3|END_OF_RECORDS\n"
    );
    cms.write_all(batch.as_bytes()).await.unwrap();
    until(&mut events, "agent_status 40101 E1 Phone").await;
    until(&mut events, "adherence E1 In").await;

    let metrics = engine.metrics_text().await;
    for sample in [
        r#"rta_records_total{integration="cms",kind="avaya-cms",record="line"} 3"#,
        r#"rta_records_total{integration="cms",kind="avaya-cms",record="agent_row"} 1"#,
        r#"rta_records_total{integration="cms",kind="avaya-cms",record="status_change"} 1"#,
        r#"rta_status_changes_total{integration="cms",kind="avaya-cms"} 1"#,
    ] {
        assert!(
            metrics.lines().any(|line| line == sample),
            "{sample}\n{metrics}"
        );
    }
    engine.pause("cms").await.unwrap();
    until(&mut events, "adherence E1 Unknown").await;
    assert!(TcpStream::connect(address).await.is_err());
    engine.resume("cms").await.unwrap();
    assert!(TcpStream::connect(address).await.is_ok());
    engine.shutdown().await;
}
