//! The notifier: POSTs bodies to the engine's token URL as Odigo does, over one keep-alive
//! client, retrying the same body after a 5xx or no answer, and now and then sending an
//! accepted body again (Odigo's duplicates).
//!
//! The URL's last path segment is the engine's token, the only authentication of the push
//! channel: the notifier logs the URL with that segment redacted, and its errors carry no
//! URL.

use crate::odigo::error::OdigoSimError;
use crate::odigo::wire::Body;
use futures::future::join_all;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use reqwest::StatusCode;
use reqwest::header::CONTENT_TYPE;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

/// Where and how a [`Notifier`] sends. Its debug output redacts the token.
#[derive(Clone)]
pub struct NotifierConfig {
    /// The engine's token URL, whole: `http://127.0.0.1:PORT/odigo/<token>`.
    pub url: String,
    /// Resends of a body after a 5xx answer or none, before giving up.
    pub retries: u32,
    /// The wait before the first resend; it doubles at each resend up to `max_backoff`.
    /// Waits are `tokio::time` sleeps: on a paused test clock they take no real time.
    pub backoff: Duration,
    pub max_backoff: Duration,
    /// Per request; `None`: none. (Tests on tokio's paused clock need `None`: the clock
    /// jumps while the runtime waits for the network, which would fire the time-out.)
    pub timeout: Option<Duration>,
    /// The probability, in `[0, 1]`, that an accepted body is sent once more (a duplicate,
    /// same event ids), as Odigo does when it missed the answer.
    pub retry_ratio: f64,
    /// Seeds the duplicate draws.
    pub seed: u64,
}

impl NotifierConfig {
    /// Five resends from 100 ms doubling up to 5 s, a 10 s time-out, no duplicates.
    pub fn new(url: &str) -> NotifierConfig {
        NotifierConfig {
            url: url.to_owned(),
            retries: 5,
            backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(5),
            timeout: Some(Duration::from_secs(10)),
            retry_ratio: 0.0,
            seed: 1,
        }
    }
}

impl fmt::Debug for NotifierConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let url = reqwest::Url::parse(&self.url).map_or_else(|_| "***".to_owned(), |u| redact(&u));
        f.debug_struct("NotifierConfig")
            .field("url", &url)
            .field("retries", &self.retries)
            .field("backoff", &self.backoff)
            .field("max_backoff", &self.max_backoff)
            .field("timeout", &self.timeout)
            .field("retry_ratio", &self.retry_ratio)
            .field("seed", &self.seed)
            .finish()
    }
}

/// What became of one body: the status of each attempt (`None`: no answer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The first send, then its resends.
    pub attempts: Vec<Option<StatusCode>>,
    /// The attempts of the duplicate, when the body was sent again after its acceptance.
    pub duplicate: Option<Vec<Option<StatusCode>>>,
}

impl Outcome {
    /// The answer to the last attempt of the body (not of its duplicate).
    pub fn status(&self) -> Option<StatusCode> {
        self.attempts.last().copied().flatten()
    }

    /// Answered with a 2xx.
    pub fn accepted(&self) -> bool {
        self.status().is_some_and(|s| s.is_success())
    }
}

/// Counters of a notifier. Bodies given to [`Notifier::send`] end accepted (2xx), rejected
/// (another answer that is not a 5xx) or given up (5xx or no answer after every resend).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NotifierStats {
    /// HTTP requests made: every attempt, duplicates and malformed bodies included.
    pub requests: u64,
    /// Bodies given to [`Notifier::send`].
    pub sent: u64,
    /// Notifications in them.
    pub notifications: u64,
    pub accepted: u64,
    pub rejected: u64,
    pub gave_up: u64,
    /// Resends after a 5xx or no answer.
    pub retried: u64,
    /// Accepted bodies sent once more.
    pub duplicates: u64,
    /// Bodies sent by [`Notifier::send_malformed`].
    pub malformed: u64,
    /// Requests that got no answer (refused connection, reset, time-out).
    pub transport_errors: u64,
    /// Answers by status code, of every request.
    pub by_status: BTreeMap<u16, u64>,
}

/// An async Odigo notifier. One HTTP client: connections are kept alive between requests.
/// Share it (`&Notifier` or an `Arc`) to send concurrently. Its debug output redacts the
/// token.
///
/// ```no_run
/// # async fn example() -> Result<(), rta_sim::odigo::OdigoSimError> {
/// use rta_sim::odigo::{Body, Malformed, Notifier, NotifierConfig, OdigoSim, OdigoSimConfig};
///
/// let start = "2026-11-23T08:00:00Z".parse().unwrap();
/// let mut sim = OdigoSim::new(OdigoSimConfig::new("acme", 10, 1, start))?;
/// let notifier = Notifier::new(NotifierConfig::new("http://127.0.0.1:8080/odigo/TOKEN"))?;
/// for n in sim.step("2026-11-23T08:05:00Z".parse().unwrap()) {
///     let outcome = notifier.send(&Body::json(&n)).await;
///     assert!(outcome.accepted());
/// }
/// let refused = notifier.send_malformed(&sim.malformed(Malformed::Oversized).unwrap()).await?;
/// assert_eq!(refused.as_u16(), 413);
/// # Ok(())
/// # }
/// ```
pub struct Notifier {
    client: reqwest::Client,
    url: reqwest::Url,
    redacted: String,
    config: NotifierConfig,
    rng: Mutex<SmallRng>,
    stats: Mutex<NotifierStats>,
}

/// Locks a mutex whose data stays whole even if a holder panicked (counters, a generator).
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// The URL without its last path segment (the token), query, fragment or credentials:
/// `http://127.0.0.1:8080/odigo/***`.
fn redact(url: &reqwest::Url) -> String {
    let path = url.path().trim_end_matches('/');
    let parent = path.rsplit_once('/').map_or("", |(parent, _)| parent);
    format!("{}{parent}/***", url.origin().ascii_serialization())
}

impl fmt::Debug for Notifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Notifier")
            .field("config", &self.config)
            .field("stats", &*lock(&self.stats))
            .finish_non_exhaustive()
    }
}

impl Notifier {
    pub fn new(config: NotifierConfig) -> Result<Notifier, OdigoSimError> {
        if !(0.0..=1.0).contains(&config.retry_ratio) {
            return Err(OdigoSimError::Ratio {
                name: "retry_ratio",
                value: config.retry_ratio,
            });
        }
        // The parser's messages never quote the input, so they may be shown.
        let url =
            reqwest::Url::parse(&config.url).map_err(|e| OdigoSimError::Url(e.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(OdigoSimError::Url(
                "the scheme must be http or https".into(),
            ));
        }
        let mut builder = reqwest::Client::builder()
            .user_agent(concat!("rta-sim-odigo/", env!("CARGO_PKG_VERSION")))
            // The engine is reached directly: a proxy of the environment would see the token.
            .no_proxy();
        if let Some(timeout) = config.timeout {
            builder = builder.timeout(timeout);
        }
        let client = builder.build().map_err(OdigoSimError::Client)?;
        let redacted = redact(&url);
        tracing::info!(url = %redacted, "Odigo notifier ready");
        Ok(Notifier {
            client,
            url,
            redacted,
            rng: Mutex::new(SmallRng::seed_from_u64(config.seed)),
            stats: Mutex::new(NotifierStats::default()),
            config,
        })
    }

    /// The URL as logs show it: its last path segment (the token) redacted.
    pub fn redacted_url(&self) -> &str {
        &self.redacted
    }

    pub fn stats(&self) -> NotifierStats {
        lock(&self.stats).clone()
    }

    /// Sends `body`, resending the same bytes after a 5xx or no answer (with back-off), and
    /// then, with the configured `retry_ratio`, once more as a duplicate if accepted.
    pub async fn send(&self, body: &Body) -> Outcome {
        let attempts = self.deliver(body).await;
        let outcome = Outcome {
            attempts,
            duplicate: None,
        };
        {
            let mut stats = lock(&self.stats);
            stats.sent += 1;
            stats.notifications += body.notifications as u64;
            match outcome.status() {
                Some(status) if status.is_success() => stats.accepted += 1,
                Some(status) if !status.is_server_error() => stats.rejected += 1,
                _ => stats.gave_up += 1,
            }
        }
        let again = outcome.accepted() && lock(&self.rng).random_bool(self.config.retry_ratio);
        if !again {
            return outcome;
        }
        lock(&self.stats).duplicates += 1;
        Outcome {
            duplicate: Some(self.deliver(body).await),
            ..outcome
        }
    }

    /// Sends every body at once (a burst: as many requests in flight as bodies), each as
    /// [`Notifier::send`] does. The outcomes are in the order of the bodies.
    pub async fn burst(&self, bodies: &[Body]) -> Vec<Outcome> {
        join_all(bodies.iter().map(|body| self.send(body))).await
    }

    /// Sends a malformed body once (no resend) and gives the answer's status.
    pub async fn send_malformed(&self, body: &Body) -> Result<StatusCode, OdigoSimError> {
        lock(&self.stats).malformed += 1;
        self.attempt(body).await
    }

    /// The first send of `body` and its resends.
    async fn deliver(&self, body: &Body) -> Vec<Option<StatusCode>> {
        let mut attempts = Vec::new();
        let mut backoff = self.config.backoff;
        loop {
            let status = self.attempt(body).await.ok();
            attempts.push(status);
            if status.is_some_and(|s| !s.is_server_error()) {
                return attempts;
            }
            if attempts.len() > self.config.retries as usize {
                tracing::warn!(url = %self.redacted, ?status, attempts = attempts.len(), "gave up");
                return attempts;
            }
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(self.config.max_backoff);
            lock(&self.stats).retried += 1;
        }
    }

    /// One request, its answer read whole (so the connection goes back to the pool).
    async fn attempt(&self, body: &Body) -> Result<StatusCode, OdigoSimError> {
        lock(&self.stats).requests += 1;
        let sent = self
            .client
            .post(self.url.clone())
            .header(CONTENT_TYPE, body.content_type)
            .body(body.bytes.clone())
            .send()
            .await;
        let answer = match sent {
            Ok(response) => {
                let status = response.status();
                response.bytes().await.map(|_| status)
            }
            Err(error) => Err(error),
        };
        match answer {
            Ok(status) => {
                *lock(&self.stats)
                    .by_status
                    .entry(status.as_u16())
                    .or_default() += 1;
                tracing::debug!(url = %self.redacted, status = status.as_u16(), bytes = body.bytes.len(), "posted");
                Ok(status)
            }
            Err(error) => {
                lock(&self.stats).transport_errors += 1;
                // reqwest's errors name the URL: drop it, it holds the token.
                let error = error.without_url();
                tracing::debug!(url = %self.redacted, %error, "no answer");
                Err(OdigoSimError::Request(error))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_is_redacted() {
        let url = |text: &str| reqwest::Url::parse(text).unwrap();
        assert_eq!(
            redact(&url("http://127.0.0.1:8080/odigo/s3cr3t")),
            "http://127.0.0.1:8080/odigo/***"
        );
        assert_eq!(
            redact(&url(
                "https://user:pw@engine.example/a/b/s3cr3t/?q=s3cr3t#s3cr3t"
            )),
            "https://engine.example/a/b/***"
        );
        assert_eq!(
            redact(&url("http://engine.example/s3cr3t")),
            "http://engine.example/***"
        );
    }

    #[test]
    fn bad_urls_are_refused_without_echo() {
        for url in ["not a url s3cr3t", "ftp://engine.example/s3cr3t"] {
            let error = Notifier::new(NotifierConfig::new(url)).unwrap_err();
            assert!(
                !format!("{error} {error:?}").contains("s3cr3t"),
                "{error:?}"
            );
            assert!(!format!("{:?}", NotifierConfig::new(url)).contains("s3cr3t"));
        }
        let notifier = Notifier::new(NotifierConfig::new("http://127.0.0.1:1/odigo/s3cr3t"));
        assert!(!format!("{notifier:?}").contains("s3cr3t"));
        let mut config = NotifierConfig::new("http://127.0.0.1:1/odigo/t");
        config.retry_ratio = -0.1;
        assert!(matches!(
            Notifier::new(config),
            Err(OdigoSimError::Ratio { .. })
        ));
    }
}
