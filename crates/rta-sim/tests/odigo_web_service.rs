//! The simulated Odigo web service over loopback HTTP, read with reqwest: Basic auth,
//! answers from the simulator's shared truth, unknown agents and paths, percent-encoded
//! logins, down and slow on demand, stop frees the port.

use jiff::{SignedDuration, Timestamp};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::StatusCode;
use rta_sim::odigo::{
    AgentState, AgentTruth, OdigoSim, OdigoSimConfig, WebService, WebServiceConfig,
    WebServiceHandle,
};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const USER: &str = "wfm-reader";
const PASSWORD: &str = "pa:ss wörd";

fn start() -> Timestamp {
    "2026-11-23T08:00:00Z".parse().unwrap()
}

async fn service(sim: &OdigoSim) -> WebServiceHandle {
    let config = WebServiceConfig::new(sim.roster(), "acme", USER, PASSWORD);
    WebService::start(config).await.unwrap()
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

fn agent_url(service: &WebServiceHandle, login: &str) -> String {
    format!(
        "{}/agent/v1/agents/{}",
        service.url(),
        utf8_percent_encode(login, NON_ALPHANUMERIC)
    )
}

/// Looks `login` up with the right credentials: the status and the JSON answer.
async fn look_up(client: &reqwest::Client, url: &str) -> (StatusCode, Value) {
    let answer = client
        .get(url)
        .basic_auth(USER, Some(PASSWORD))
        .send()
        .await
        .unwrap();
    let status = answer.status();
    (
        status,
        serde_json::from_slice(&answer.bytes().await.unwrap()).unwrap(),
    )
}

fn expected(agent: &AgentTruth) -> Value {
    json!({
        "login": &*agent.login,
        "id": &*agent.id,
        "state": agent.state.name(),
        "since": format!("{:.3}", agent.since),
        "pause": agent.state.pause().map(|p| json!({"code": &*p.code, "label": &*p.label})),
    })
}

#[tokio::test]
async fn basic_auth_is_required() {
    let sim = OdigoSim::new(OdigoSimConfig::new("acme", 2, 1, start())).unwrap();
    let service = service(&sim).await;
    let client = client();
    let url = agent_url(&service, "agent0001@acme.example");
    assert_eq!(look_up(&client, &url).await.0, StatusCode::OK);
    let refused = [
        client.get(&url),
        client.get(&url).basic_auth(USER, Some("wrong")),
        client.get(&url).basic_auth("someone", Some(PASSWORD)),
        client.get(&url).basic_auth(USER, None::<&str>),
        client.get(&url).bearer_auth(PASSWORD),
        client
            .get(&url)
            .header("Authorization", "Basic not base64!"),
    ];
    for request in refused {
        let answer = request.send().await.unwrap();
        assert_eq!(answer.status(), StatusCode::UNAUTHORIZED);
        let challenge = answer.headers()["www-authenticate"].to_str().unwrap();
        assert!(challenge.starts_with("Basic realm="), "{challenge}");
    }
    // The scheme is case-insensitive.
    let token = "d2ZtLXJlYWRlcjpwYTpzcyB3w7ZyZA==";
    let answer = client
        .get(&url)
        .header("Authorization", format!("basic {token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    assert_eq!(service.requests(), 8);
}

/// Every agent's answer is its truth, pause code and label included; the answers follow the
/// simulator (the roster is shared).
#[tokio::test]
async fn answers_are_the_shared_truth() {
    let mut sim = OdigoSim::new(OdigoSimConfig::new("acme", 40, 3, start())).unwrap();
    let service = service(&sim).await;
    let client = client();
    let mut paused = 0;
    for hours in [1, 2] {
        sim.step(start() + SignedDuration::from_hours(hours));
        for agent in sim.truth() {
            let (status, answer) = look_up(&client, &agent_url(&service, &agent.login)).await;
            assert_eq!(status, StatusCode::OK);
            assert_eq!(answer, expected(&agent));
            if let AgentState::Pause(reason) = &agent.state {
                assert_eq!(answer["pause"]["code"], *reason.code);
                paused += 1;
            } else {
                assert_eq!(answer["pause"], Value::Null);
            }
        }
    }
    assert!(paused > 0, "no agent in pause");
}

#[tokio::test]
async fn unknown_agents_paths_and_methods() {
    let sim = OdigoSim::new(OdigoSimConfig::new("acme", 2, 1, start())).unwrap();
    let service = service(&sim).await;
    let client = client();
    let (status, answer) = look_up(&client, &agent_url(&service, "nobody@acme.example")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(answer, json!({"error": "unknown agent"}));
    let base = format!("http://{}", service.local_addr());
    for path in [
        "/other/agent/v1/agents/agent0001@acme.example",
        "/acme/agent/v2/agents/agent0001@acme.example",
        "/acme/agent/v1/agents/agent0001@ACME.example",
        "/acme/agent/v1/agents/%FF",
    ] {
        let (status, _) = look_up(&client, &format!("{base}{path}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    // The login as is, `@` not encoded, is found too.
    let (status, _) = look_up(
        &client,
        &format!("{base}/acme/agent/v1/agents/agent0002@acme.example"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let answer = client
        .post(agent_url(&service, "agent0001@acme.example"))
        .basic_auth(USER, Some(PASSWORD))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(answer.headers()["allow"], "GET");
}

/// Logins with spaces, `+`, `/`, `%`, an apostrophe and non-ASCII letters, percent-encoded
/// in the path, are found.
#[tokio::test]
async fn percent_encoded_logins_are_found() {
    let mut config = OdigoSimConfig::new("acme", 0, 1, start());
    config.logins = [
        "jean dupont+1@acme.example",
        "o'brien/sales@acme.example",
        "zoë.müller@acme.example",
        "100%@acme.example",
    ]
    .map(String::from)
    .to_vec();
    let sim = OdigoSim::new(config).unwrap();
    let service = service(&sim).await;
    let client = client();
    for agent in sim.truth() {
        let (status, answer) = look_up(&client, &agent_url(&service, &agent.login)).await;
        assert_eq!(status, StatusCode::OK, "{}", agent.login);
        assert_eq!(answer["login"], *agent.login);
    }
}

/// Down: 503 to everyone, even without credentials; up again: answers. Slow: answers wait,
/// a client's time-out fires.
#[tokio::test]
async fn down_and_slow_on_demand() {
    let sim = OdigoSim::new(OdigoSimConfig::new("acme", 2, 1, start())).unwrap();
    let service = service(&sim).await;
    let client = client();
    let url = agent_url(&service, "agent0001@acme.example");
    service.set_down(true);
    assert_eq!(
        look_up_status(&client, &url).await,
        StatusCode::SERVICE_UNAVAILABLE
    );
    let answer = client.get(&url).send().await.unwrap();
    assert_eq!(answer.status(), StatusCode::SERVICE_UNAVAILABLE);
    service.set_down(false);
    assert_eq!(look_up_status(&client, &url).await, StatusCode::OK);

    service.set_latency(Duration::from_millis(300));
    let before = Instant::now();
    assert_eq!(look_up_status(&client, &url).await, StatusCode::OK);
    assert!(before.elapsed() >= Duration::from_millis(300));
    let impatient = client
        .get(&url)
        .basic_auth(USER, Some(PASSWORD))
        .timeout(Duration::from_millis(50))
        .send()
        .await
        .unwrap_err();
    assert!(impatient.is_timeout());
    service.set_latency(Duration::ZERO);
    let before = Instant::now();
    assert_eq!(look_up_status(&client, &url).await, StatusCode::OK);
    assert!(before.elapsed() < Duration::from_millis(300));
    assert_eq!(service.requests(), 6);
}

async fn look_up_status(client: &reqwest::Client, url: &str) -> StatusCode {
    client
        .get(url)
        .basic_auth(USER, Some(PASSWORD))
        .send()
        .await
        .unwrap()
        .status()
}

/// Stop closes the kept-alive connections and frees the port, a slow answer in flight
/// included.
#[tokio::test]
async fn stop_frees_the_port() {
    let sim = OdigoSim::new(OdigoSimConfig::new("acme", 2, 1, start())).unwrap();
    let service = service(&sim).await;
    let client = client();
    let url = agent_url(&service, "agent0001@acme.example");
    assert_eq!(look_up_status(&client, &url).await, StatusCode::OK);
    service.set_latency(Duration::from_secs(60));
    let pending = tokio::spawn({
        let client = client.clone();
        let url = url.clone();
        async move { client.get(url).send().await }
    });
    while service.requests() < 2 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let before = Instant::now();
    service.stop().await;
    assert!(before.elapsed() < Duration::from_secs(5));
    assert!(pending.await.unwrap().is_err());
    assert!(client.get(&url).send().await.is_err());
    tokio::net::TcpListener::bind(service.local_addr())
        .await
        .expect("the port is free");
}
