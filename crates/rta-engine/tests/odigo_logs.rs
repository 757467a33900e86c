//! The URL token never appears in the logs: every request shape, good and bad, is sent with
//! the token (or a near miss of it) in the path while everything is logged at `trace`.
//!
//! Its own test binary, on a current-thread runtime: the capture is the default subscriber
//! of the test's thread, where the receiver's tasks run too.

use rta_engine::odigo::{OdigoIntegration, OdigoReceiver, ReceiverConfig};
use rta_engine::{Bus, BusPublisher, LiveStatuses, SystemClock};
use rta_odigo::Token;
use rta_sim::logs::CapturedLogs;
use rta_state::StateTable;
use std::sync::Arc;

#[tokio::test]
async fn the_token_never_appears_in_captured_logs() {
    let captured = CapturedLogs::start();

    let table = Arc::new(StateTable::new(100));
    let odigo = table.add_integration();
    let live = Arc::new(LiveStatuses::new(table.clone(), [(odigo, "odigo")]));
    let publisher = Arc::new(BusPublisher::new(Bus::builder(live.clone()).build(), live));
    let mut config = ReceiverConfig::new("127.0.0.1:0".parse().unwrap());
    config.body_limit = 1_024;
    let receiver = OdigoReceiver::start(config, table.clone(), publisher, Arc::new(SystemClock))
        .await
        .unwrap();
    let token = Token::generate().unwrap();
    let mut integration = OdigoIntegration::new("odigo", odigo, token.hash());
    integration.stale_after = std::time::Duration::from_millis(1);
    receiver.add(integration).unwrap();
    tracing::info!(?token, hash = ?token.hash(), "the test's own line, with the token's Debug");

    let secret = token.expose();
    let near_miss = format!("{}x", secret);
    let base = format!("http://127.0.0.1:{}", receiver.local_addr().port());
    let client = reqwest::Client::new();
    let requests: Vec<(String, &str, String)> = vec![
        (
            format!("{base}/odigo/{secret}"),
            "application/json",
            r#"{"login":"a","state":"READY"}"#.into(),
        ),
        (
            format!("{base}/odigo/{secret}"),
            "application/json",
            "{not json".into(),
        ),
        (
            format!("{base}/odigo/{secret}"),
            "application/json",
            r#"[{"login":"a"},{"state":"x"}]"#.into(),
        ),
        (format!("{base}/odigo/{secret}"), "text/plain", "x".into()),
        (
            format!("{base}/odigo/{secret}"),
            "application/json",
            "x".repeat(4_096),
        ),
        (
            format!("{base}/odigo/{near_miss}"),
            "application/json",
            "{}".into(),
        ),
        (
            format!("{base}/odigo/{secret}?token={secret}"),
            "application/x-www-form-urlencoded",
            format!("login={secret}&state=PAUSE"),
        ),
    ];
    for (url, content_type, body) in requests {
        let response = client
            .post(url)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_ne!(response.status().as_u16(), 500);
    }
    receiver.shutdown().await;

    let logs = captured.text();
    // The capture works: the receiver's own lines are there.
    assert!(logs.contains("Odigo receiver listening"), "{logs}");
    assert!(logs.contains("Odigo receiver stopped"), "{logs}");
    assert!(logs.contains("Token(<redacted>)"), "{logs}");
    // The token, and any long piece of it, is not.
    for piece in secret.as_bytes().windows(12) {
        let piece = std::str::from_utf8(piece).unwrap();
        assert!(
            !logs.contains(piece),
            "a piece of the token is in the logs:\n{logs}"
        );
    }
}
