//! One request: route by token, check, read, decode, complete bare pauses, accept, answer.

use super::config::ReceiverConfig;
use super::ingest::Shards;
use super::registry::{Integration, Registry};
use crate::clock::Clock;
use crate::counters::{add, counters};
use crate::publisher::Publisher;
use bytes::Bytes;
use http::{HeaderValue, Method, Request, Response, StatusCode, header};
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::Incoming;
use rta_odigo::{AgentState, BodyFormat, DecodeError, Notification};
use std::convert::Infallible;
use std::fmt::Write as _;
use std::sync::Arc;
use tokio::sync::Semaphore;

/// A token is 43 characters; a much longer last segment is not one and is not hashed.
const MAX_TOKEN_LEN: usize = 256;

/// `Retry-After` of a paused integration's `503`, in seconds: a pause is an operator's
/// decision, not a passing load, so Odigo need not knock every second.
const PAUSED_RETRY_AFTER: &str = "30";

/// At most this many item errors are listed in a `400` answer.
const MAX_LISTED_ERRORS: usize = 10;

counters! {
    /// What the receiver answered since it started, by answer.
    pub struct ReceiverStats, live Answers {
        requests,
        /// `204`.
        accepted,
        /// `404`: unknown path or wrong token.
        not_found,
        /// `405`: a method other than `POST` or `PUT` on a token URL.
        method_not_allowed,
        /// `415`.
        unsupported_type,
        /// `413`.
        too_large,
        /// `400`: a body that could not be read or decoded, or with bad items.
        bad_request,
        /// `503`: the pipeline or the request limit was full, or the integration paused.
        busy,
        /// `408`.
        timed_out,
    }
}

/// What every request handler shares.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) config: ReceiverConfig,
    pub(crate) registry: Registry,
    pub(crate) shards: Shards,
    pub(crate) in_flight: Semaphore,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) publisher: Arc<dyn Publisher>,
    answers: Answers,
}

impl Shared {
    pub(crate) fn new(
        config: ReceiverConfig,
        shards: Shards,
        clock: Arc<dyn Clock>,
        publisher: Arc<dyn Publisher>,
    ) -> Shared {
        Shared {
            in_flight: Semaphore::new(config.max_in_flight),
            config,
            registry: Registry::default(),
            shards,
            clock,
            publisher,
            answers: Answers::default(),
        }
    }

    pub(crate) fn stats(&self) -> ReceiverStats {
        self.answers.snapshot()
    }

    fn answer(&self, status: StatusCode, text: impl Into<Bytes>) -> Response<Full<Bytes>> {
        let c = &self.answers;
        let counter = match status {
            StatusCode::NO_CONTENT => &c.accepted,
            StatusCode::NOT_FOUND => &c.not_found,
            StatusCode::METHOD_NOT_ALLOWED => &c.method_not_allowed,
            StatusCode::UNSUPPORTED_MEDIA_TYPE => &c.unsupported_type,
            StatusCode::PAYLOAD_TOO_LARGE => &c.too_large,
            StatusCode::SERVICE_UNAVAILABLE => &c.busy,
            StatusCode::REQUEST_TIMEOUT => &c.timed_out,
            _ => &c.bad_request,
        };
        add(counter, 1);
        let mut response = Response::new(Full::new(text.into()));
        *response.status_mut() = status;
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        );
        match status {
            StatusCode::SERVICE_UNAVAILABLE => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            }
            StatusCode::METHOD_NOT_ALLOWED => {
                headers.insert(header::ALLOW, HeaderValue::from_static("POST, PUT"));
            }
            _ => {}
        }
        response
    }
}

/// Serves one request, within the request time-out.
pub(crate) async fn handle(
    shared: Arc<Shared>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    add(&shared.answers.requests, 1);
    let response =
        match tokio::time::timeout(shared.config.request_timeout, serve(&shared, request)).await {
            Ok(response) => response,
            Err(_) => shared.answer(StatusCode::REQUEST_TIMEOUT, "request timed out\n"),
        };
    Ok(response)
}

async fn serve(shared: &Shared, request: Request<Incoming>) -> Response<Full<Bytes>> {
    // The path holds the token: it is never logged, and nothing below names it.
    let Some(integration) = route(&shared.config.base_path, request.uri().path())
        .and_then(|candidate| shared.registry.by_token(candidate))
    else {
        return shared.answer(StatusCode::NOT_FOUND, "not found\n");
    };
    if !matches!(*request.method(), Method::POST | Method::PUT) {
        return shared.answer(StatusCode::METHOD_NOT_ALLOWED, "use POST or PUT\n");
    }
    if integration.is_paused() {
        add(&integration.counts.refused_while_paused, 1);
        let mut response = shared.answer(StatusCode::SERVICE_UNAVAILABLE, "paused\n");
        response.headers_mut().insert(
            header::RETRY_AFTER,
            HeaderValue::from_static(PAUSED_RETRY_AFTER),
        );
        return response;
    }
    let Ok(_permit) = shared.in_flight.try_acquire() else {
        return shared.answer(StatusCode::SERVICE_UNAVAILABLE, "too many requests\n");
    };
    let Some(format) = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| BodyFormat::from_content_type(value.as_bytes()))
    else {
        return shared.answer(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "use application/json or application/x-www-form-urlencoded\n",
        );
    };
    let limit = shared.config.body_limit;
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return too_large(shared, limit);
    }
    let body = match Limited::new(request.into_body(), limit).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(error) if error.is::<LengthLimitError>() => return too_large(shared, limit),
        Err(_) => return shared.answer(StatusCode::BAD_REQUEST, "the body could not be read\n"),
    };
    accept(shared, &integration, format, &body, shared.clock.now()).await
}

/// Decodes `body`, completes its bare pauses, and hands its agent state changes to the
/// pipeline.
async fn accept(
    shared: &Shared,
    integration: &Arc<Integration>,
    format: BodyFormat,
    body: &[u8],
    received: rta_model::Timestamp,
) -> Response<Full<Bytes>> {
    let decoded = match decode_body(format, body) {
        Ok(decoded) => decoded,
        Err(error) => {
            add(&integration.counts.rejected, 1);
            return shared.answer(StatusCode::BAD_REQUEST, format!("{error}\n"));
        }
    };
    let alive = decoded.any();
    let Decoded {
        mut states,
        rejected,
        heartbeats,
        others,
    } = decoded;
    if let Some(pauses) = &integration.pauses {
        let lookups = states
            .iter_mut()
            .filter(|state| state.is_bare_pause())
            .map(|state| pauses.complete(state, received));
        for outcome in futures::future::join_all(lookups).await {
            integration.looked_up(&outcome, shared.clock.now(), &*shared.publisher);
        }
    }
    let accepted = states.len();
    if accepted > 0 && !shared.shards.accept(integration, received, states) {
        add(&integration.counts.refused, 1);
        return shared.answer(StatusCode::SERVICE_UNAVAILABLE, "busy, retry later\n");
    }
    // Accepted: an input of the engine from now on (a `503` above is not one, its retry is).
    if let Some(capture) = &shared.config.capture {
        capture.record(received, &integration.config.name, body);
    }
    add(&integration.counts.accepted, accepted as u64);
    add(&integration.counts.heartbeats, heartbeats);
    add(&integration.counts.other_events, others);
    add(&integration.counts.rejected, rejected.len() as u64);
    if alive {
        integration.seen(received, &*shared.publisher);
    }
    if rejected.is_empty() {
        return shared.answer(StatusCode::NO_CONTENT, Bytes::new());
    }
    let mut text = String::new();
    for (index, error) in rejected.iter().take(MAX_LISTED_ERRORS) {
        let _ = writeln!(text, "item {index}: {error}");
    }
    if rejected.len() > MAX_LISTED_ERRORS {
        let _ = writeln!(text, "and {} more", rejected.len() - MAX_LISTED_ERRORS);
    }
    shared.answer(StatusCode::BAD_REQUEST, text)
}

/// The notifications of one body, by kind.
#[derive(Debug)]
pub(crate) struct Decoded<'b> {
    pub(crate) states: Vec<AgentState<'b>>,
    /// Items that could not be read, by their index in the body.
    pub(crate) rejected: Vec<(usize, DecodeError)>,
    pub(crate) heartbeats: u64,
    pub(crate) others: u64,
}

impl Decoded<'_> {
    /// Whether the body held any notification (the feed is alive).
    pub(crate) fn any(&self) -> bool {
        !self.states.is_empty() || self.heartbeats + self.others > 0
    }
}

/// Decodes a body; `Err` when it cannot be read as a whole. The receiver's step before the
/// pipeline, and the replayer's ([`crate::replay`]).
pub(crate) fn decode_body(format: BodyFormat, body: &[u8]) -> Result<Decoded<'_>, DecodeError> {
    let mut decoded = Decoded {
        states: Vec::new(),
        rejected: Vec::new(),
        heartbeats: 0,
        others: 0,
    };
    rta_odigo::decode(format, body, |index, item| match item {
        Ok(Notification::AgentState(state)) => decoded.states.push(state),
        Ok(Notification::Heartbeat { .. }) => decoded.heartbeats += 1,
        Ok(Notification::Other { .. }) => decoded.others += 1,
        Err(error) => decoded.rejected.push((index, error)),
    })?;
    Ok(decoded)
}

fn too_large(shared: &Shared, limit: usize) -> Response<Full<Bytes>> {
    shared.answer(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("the body is over {limit} bytes\n"),
    )
}

/// The token candidate of `path`: its last non-empty segment, when the path is under
/// `base_path` (`<base>/<token>`, or a longer path ending with the token, with or without a
/// final `/`).
pub(crate) fn route<'p>(base_path: &str, path: &'p str) -> Option<&'p [u8]> {
    let base = base_path.trim_end_matches('/');
    let rest = path.strip_prefix(base)?.strip_prefix('/')?;
    let candidate = rest.trim_end_matches('/').rsplit('/').next()?;
    (!candidate.is_empty() && candidate.len() <= MAX_TOKEN_LEN).then_some(candidate.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::route;

    #[test]
    fn the_token_is_the_last_segment_under_the_base_path() {
        let t = Some(&b"tok"[..]);
        assert_eq!(route("/odigo", "/odigo/tok"), t);
        assert_eq!(route("/odigo/", "/odigo/tok"), t);
        assert_eq!(route("/odigo", "/odigo/tok/"), t);
        assert_eq!(route("/odigo", "/odigo/acme/v1/tok"), t);
        assert_eq!(route("", "/tok"), t);
        assert_eq!(route("/", "/tok"), t);
        assert_eq!(route("/odigo", "/odigo"), None);
        assert_eq!(route("/odigo", "/odigo/"), None);
        assert_eq!(route("/odigo", "/odigotok"), None);
        assert_eq!(route("/odigo", "/other/tok"), None);
        let long = format!("/odigo/{}", "a".repeat(257));
        assert_eq!(route("/odigo", &long), None);
    }
}
