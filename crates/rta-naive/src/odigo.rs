//! The Odigo receiver: hyper HTTP/1.1 on the baseline's thread, bodies parsed into
//! `serde_json::Value`, fields picked by the spec's names and aliases.

use crate::core::{Core, StatusUpdate};
use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use jiff::Timestamp;
use rta_model::Phase;
use serde_json::Value;
use std::convert::Infallible;
use std::sync::Arc;
use tokio::net::TcpListener;

/// The largest body accepted (`413` beyond), as rta's default.
const BODY_LIMIT: usize = 64 * 1024;

/// The Odigo integration.
#[derive(Debug)]
pub(crate) struct Integration {
    pub(crate) name: String,
    /// `<base path>/<token>`: the only path answered.
    pub(crate) path: String,
}

/// Serves every connection on its own task (keep-alive: many requests per connection).
pub(crate) async fn serve(listener: TcpListener, integration: Arc<Integration>, core: Arc<Core>) {
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(error) => {
                tracing::warn!(%error, "naive Odigo: accept failed");
                continue;
            }
        };
        let integration = integration.clone();
        let core = core.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request| {
                let integration = integration.clone();
                let core = core.clone();
                async move { Ok::<_, Infallible>(handle(request, &integration, &core).await) }
            });
            if let Err(error) = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await
            {
                tracing::debug!(%error, "naive Odigo: connection ended with an error");
            }
        });
    }
}

fn answer(status: StatusCode, text: &str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(text.to_string())));
    *response.status_mut() = status;
    response
}

async fn handle(
    request: Request<Incoming>,
    integration: &Integration,
    core: &Core,
) -> Response<Full<Bytes>> {
    let method_ok = request.method() == Method::POST || request.method() == Method::PUT;
    if !method_ok || request.uri().path() != integration.path {
        return answer(StatusCode::NOT_FOUND, "not found\n");
    }
    let body = match Limited::new(request.into_body(), BODY_LIMIT)
        .collect()
        .await
    {
        Ok(body) => body.to_bytes(),
        Err(_) => return answer(StatusCode::PAYLOAD_TOO_LARGE, "body too large\n"),
    };
    let received = Timestamp::now();
    let value: Value = match serde_json::from_slice(&body) {
        Ok(value) => value,
        Err(_) => return answer(StatusCode::BAD_REQUEST, "the body is not JSON\n"),
    };
    let items = match value {
        Value::Array(items) => items,
        item => vec![item],
    };
    let mut bad = None;
    for item in &items {
        match notification(item, &integration.name, received) {
            Ok(Some(update)) => {
                core.mark_up(&integration.name, received);
                core.apply(update);
            }
            // Heartbeats and other event types are acknowledged.
            Ok(None) => core.mark_up(&integration.name, received),
            Err(reason) => bad = Some(reason),
        }
    }
    match bad {
        Some(reason) => answer(StatusCode::BAD_REQUEST, reason),
        None => Response::builder()
            .status(StatusCode::NO_CONTENT)
            .body(Full::new(Bytes::new()))
            .expect("a valid response"),
    }
}

/// The first of `paths` (dotted for nesting) that holds a value.
fn pick<'v>(item: &'v Value, paths: &[&str]) -> Option<&'v Value> {
    paths.iter().find_map(|path| {
        path.split('.')
            .try_fold(item, |value, key| value.get(key))
            .filter(|value| !value.is_null())
    })
}

fn text_of(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

/// One notification: `Ok(None)` for an event type other than an agent state.
fn notification(
    item: &Value,
    integration: &str,
    received: Timestamp,
) -> Result<Option<StatusUpdate>, &'static str> {
    if !item.is_object() {
        return Err("a notification is not a JSON object\n");
    }
    if let Some(kind) = item.get("eventType").and_then(Value::as_str)
        && kind != "AGENT_STATE_CHANGED"
    {
        return Ok(None);
    }
    let login = pick(item, &["agent.login", "login", "agentLogin", "userUid"])
        .and_then(text_of)
        .ok_or("no agent login\n")?;
    let state = pick(item, &["state", "status", "agentState"])
        .and_then(text_of)
        .ok_or("no state\n")?;
    let (status, phase) = canonical_state(&state);
    let text_value = |paths: &[&str]| {
        pick(item, paths)
            .and_then(text_of)
            .map_or(Value::Null, Value::String)
    };
    let time = match pick(item, &["timestamp", "date", "eventDate"]) {
        None => received,
        Some(Value::String(text)) => text.parse().map_err(|_| "a bad time\n")?,
        Some(Value::Number(millis)) => millis
            .as_i64()
            .and_then(|millis| Timestamp::from_millisecond(millis).ok())
            .ok_or("a bad time\n")?,
        Some(_) => return Err("a bad time\n"),
    };
    Ok(Some(StatusUpdate {
        integration: integration.to_string(),
        external_id: login,
        phase,
        status,
        reason: text_value(&["pause.code", "pauseCode", "reasonCode"]),
        detail: text_value(&["pause.label", "pauseLabel", "reason"]),
        time,
        received,
    }))
}

/// The spec's states and synonyms (case-insensitive) to rta's codes; others kept as sent.
fn canonical_state(state: &str) -> (String, Phase) {
    let (code, phase) = match state.trim().to_uppercase().as_str() {
        "LOGGED_OUT" | "DISCONNECTED" => ("LOGGED_OUT", Phase::LoggedOut),
        "AVAILABLE" | "READY" => ("AVAILABLE", Phase::Available),
        "ALERTING" | "RINGING" => ("ALERTING", Phase::Ringing),
        "IN_CALL" | "BUSY" | "IN_COMMUNICATION" => ("IN_CALL", Phase::Talking),
        "HOLD" => ("HOLD", Phase::Talking),
        "WRAP_UP" | "POST_CALL" => ("WRAP_UP", Phase::WrapUp),
        "PAUSE" => ("PAUSE", Phase::Away),
        _ => return (state.to_string(), Phase::Unknown),
    };
    (code.to_string(), phase)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_and_times() {
        let received: Timestamp = "2026-11-23T12:00:06Z".parse().unwrap();
        let item: Value = serde_json::from_str(
            r#"{"eventType":"AGENT_STATE_CHANGED","agentLogin":"jdoe","status":"busy",
                "pauseCode":7,"date":1795435205123}"#,
        )
        .unwrap();
        let update = notification(&item, "odigo", received).unwrap().unwrap();
        assert_eq!(update.external_id, "jdoe");
        assert_eq!(update.status, "IN_CALL");
        assert_eq!(update.phase, Phase::Talking);
        assert_eq!(update.reason, Value::String("7".into()));
        assert_eq!(update.time.as_millisecond(), 1_795_435_205_123);
        let heartbeat: Value = serde_json::from_str(r#"{"eventType":"HEARTBEAT"}"#).unwrap();
        assert!(
            notification(&heartbeat, "odigo", received)
                .unwrap()
                .is_none()
        );
        let no_state: Value = serde_json::from_str(r#"{"login":"jdoe"}"#).unwrap();
        assert!(notification(&no_state, "odigo", received).is_err());
    }
}
