//! # Pause with details: Odigo's web service and the resolver
//!
//! With "import pause with details" on, a PAUSE notification that says neither its code nor
//! its label is completed from Odigo's web service (`specs/odigo.md`, "Pause with details"):
//! [`WebService`] is the HTTP client implementing [`rta_odigo::PauseDetails`], and
//! [`PauseResolver`] completes notifications through any such source, with a cache and a
//! time-out, and counts what happened for feed health.
//!
//! ```no_run
//! # async fn run(mut state: rta_odigo::AgentState<'_>) -> Result<(), Box<dyn std::error::Error>> {
//! use rta_engine::odigo::pause::{Outcome, Password, PauseDetailsConfig, PauseResolver};
//! use rta_model::Timestamp;
//!
//! // From the integration form: the Odigo URL with the tenant id, the web-service user.
//! let config = PauseDetailsConfig::new(
//!     "https://odigo.example/acme",
//!     "rta-ws",
//!     Password::new("from the form"),
//! );
//! let resolver = PauseResolver::from_config(&config)?; // checks the URL
//!
//! // For each decoded notification, before it is handed to the pipeline:
//! match resolver.complete(&mut state, Timestamp::now()).await {
//!     Outcome::NotNeeded | Outcome::Completed | Outcome::NotInPause => {}
//!     Outcome::Failed(error) => eprintln!("kept as a plain PAUSE: {error}"),
//! }
//! println!("{:?}", resolver.stats());
//! # Ok(())
//! # }
//! ```
//!
//! ## Decisions
//! - **Request**: `GET <url>/agent/v1/agents/<login>` with HTTP Basic auth and
//!   `Accept: application/json`. The login is one path segment: every byte but
//!   `A-Z a-z 0-9 - . _ ~` is percent-encoded (`/`, spaces, `%`, `?`, `#`, UTF-8). A login
//!   that is empty, `.` or `..` cannot be a segment (URL parsers remove dot segments, encoded
//!   or not): [`LookupError::BadLogin`], no request.
//! - **Answers**: `200` is read by [`rta_odigo::parse_pause_response`]; `401`/`403`:
//!   [`LookupError::Unauthorized`]; any other status (redirects not followed included):
//!   [`LookupError::Status`]. The body is read chunk by chunk and refused beyond
//!   [`MAX_ANSWER_BYTES`] (64 KiB), announced or not.
//! - **Client**: reqwest on rustls; the time-out (default 2 s) bounds the connection and the
//!   whole exchange. Redirects are followed only within the same origin (scheme, host, port),
//!   at most 3: the credentials never go to another host. Proxies from the environment are
//!   honoured, as for any HTTP client of the host.
//! - **Configuration checks** ([`WebService::new`]): `http` or `https`, no credentials, query
//!   or fragment in the URL (the credentials have their own fields); a user name without `:`
//!   (Basic auth cannot carry it); a time-out above zero. Errors never echo the URL.
//! - **Secrets**: [`Password`]'s `Debug` is redacted and it has no `Display`; the
//!   configuration's `Debug` masks credentials a URL might carry; nothing here logs the
//!   password or the `Authorization` header.
//! - **Resolver** ([`PauseResolver::complete`]): only a bare PAUSE is looked up. The cache key
//!   is (login, event time, or the receive time without one): a retry of the same change is
//!   answered from the cache, "not in pause" included; failures are not cached, so a retry
//!   asks again. The whole look-up is bounded by `tokio::time::timeout`, whatever the source
//!   does: the notification is never held longer, and never dropped (on failure it stays a
//!   plain PAUSE). The cache sits behind a `std::sync::Mutex`, never held across an await.
//!   Concurrent look-ups of the same change are not coalesced: both ask the service (both
//!   answers are the same change's; the later one stays cached). Rare (Odigo retries after
//!   seconds) and simpler than a table of in-flight requests.
//! - **Reporting**: [`PauseResolver::stats`] counts look-ups, cache hits and outcomes;
//!   [`PauseResolver::last_failure`] is the error of the latest request while the service is
//!   failing. Logs: a warning when the service starts failing, `info` when it answers again,
//!   `debug` for each look-up (logins are not secret; credentials never appear).

use crate::counters::{add, counters};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::header::{ACCEPT, HeaderValue};
use reqwest::{StatusCode, Url, redirect};
use rta_model::Timestamp;
use rta_odigo::{AgentState, LookupError, Pause, PauseCache, PauseDetails, parse_pause_response};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// How long a look-up may take, connection included (`specs/odigo.md`).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(2);
/// Answers remembered per (agent, state change).
pub const DEFAULT_CACHE_CAPACITY: usize = 10_000;
/// The largest answer read: an agent's record is a few hundred bytes.
pub const MAX_ANSWER_BYTES: usize = 64 * 1024;
/// Same-origin redirects followed before the redirect itself is the answer.
const MAX_REDIRECTS: usize = 3;

/// What a path segment keeps as is: RFC 3986's unreserved characters.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The web-service password. `Debug` shows `Password(<redacted>)`; there is no `Display`.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    pub fn new(password: impl Into<String>) -> Password {
        Password(password.into())
    }

    /// The password itself, for the `Authorization` header.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// The pause-detail settings of an Odigo integration form.
#[derive(Clone)]
pub struct PauseDetailsConfig {
    /// The Odigo URL with the tenant id, e.g. `https://odigo.example/acme`.
    pub url: String,
    /// The web-service user name.
    pub user: String,
    pub password: Password,
    /// The longest a look-up may take (default [`DEFAULT_TIMEOUT`]).
    pub timeout: Duration,
    /// Answers cached (default [`DEFAULT_CACHE_CAPACITY`]).
    pub cache_capacity: usize,
}

impl PauseDetailsConfig {
    /// The form's values, with the default time-out and cache (checked by
    /// [`WebService::new`]).
    pub fn new(
        url: impl Into<String>,
        user: impl Into<String>,
        password: Password,
    ) -> PauseDetailsConfig {
        PauseDetailsConfig {
            url: url.into(),
            user: user.into(),
            password,
            timeout: DEFAULT_TIMEOUT,
            cache_capacity: DEFAULT_CACHE_CAPACITY,
        }
    }
}

// By hand: the URL is shown with any credentials in it masked (it is not checked yet).
impl fmt::Debug for PauseDetailsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PauseDetailsConfig")
            .field("url", &masked_url(&self.url))
            .field("user", &self.user)
            .field("password", &self.password)
            .field("timeout", &self.timeout)
            .field("cache_capacity", &self.cache_capacity)
            .finish()
    }
}

/// `url` without the credentials it may carry; an unreadable URL is not shown at all (a
/// password may be what makes it unreadable).
fn masked_url(url: &str) -> String {
    match Url::parse(url) {
        Ok(mut url) => {
            if url.password().is_some() {
                let _ = url.set_password(Some("redacted"));
            }
            url.to_string()
        }
        Err(_) => "<not a URL>".to_owned(),
    }
}

/// A pause-detail configuration that cannot work. Never shows the URL or the password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PauseConfigError {
    #[error("the Odigo URL is not a URL ({0})")]
    UrlSyntax(String),
    #[error("the Odigo URL must be http or https, not {0:?}")]
    UrlScheme(String),
    #[error(
        "the Odigo URL must not carry a user name or password: fill in the web-service user and password instead"
    )]
    UrlCredentials,
    #[error("the Odigo URL must not have a query (?) or a fragment (#)")]
    UrlQuery,
    #[error("the web-service user name must not be empty or contain ':'")]
    User,
    #[error("the pause-detail time-out must be more than zero")]
    ZeroTimeout,
    #[error("the HTTP client could not be built: {0}")]
    Client(String),
}

/// Odigo's web service, asked for an agent's current pause.
#[derive(Debug)]
pub struct WebService {
    client: reqwest::Client,
    /// The checked URL, without a trailing `/`.
    base: String,
    user: String,
    password: Password,
}

impl WebService {
    /// A client for `config` (see the module's decisions for the checks).
    pub fn new(config: &PauseDetailsConfig) -> Result<WebService, PauseConfigError> {
        let url = Url::parse(&config.url)
            .map_err(|error| PauseConfigError::UrlSyntax(error.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(PauseConfigError::UrlScheme(url.scheme().to_owned()));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(PauseConfigError::UrlCredentials);
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(PauseConfigError::UrlQuery);
        }
        if config.user.is_empty() || config.user.contains(':') {
            return Err(PauseConfigError::User);
        }
        if config.timeout.is_zero() {
            return Err(PauseConfigError::ZeroTimeout);
        }
        let client = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout)
            .redirect(redirect::Policy::custom(same_origin))
            .user_agent(concat!("rta/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|error| PauseConfigError::Client(error_chain(&error)))?;
        Ok(WebService {
            client,
            base: url.as_str().trim_end_matches('/').to_owned(),
            user: config.user.clone(),
            password: config.password.clone(),
        })
    }

    /// The agent's record: `<url>/agent/v1/agents/<login>`.
    fn agent_url(&self, login: &str) -> Result<String, LookupError> {
        if matches!(login, "" | "." | "..") {
            return Err(LookupError::BadLogin);
        }
        Ok(format!(
            "{}/agent/v1/agents/{}",
            self.base,
            utf8_percent_encode(login, SEGMENT)
        ))
    }

    async fn fetch(&self, login: &str) -> Result<Pause<'static>, LookupError> {
        let url = self.agent_url(login)?;
        let response = self
            .client
            .get(url)
            .basic_auth(&self.user, Some(self.password.expose()))
            .header(ACCEPT, HeaderValue::from_static("application/json"))
            .send()
            .await
            .map_err(lookup_error)?;
        match response.status() {
            StatusCode::OK => {}
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
                return Err(LookupError::Unauthorized);
            }
            status => return Err(LookupError::Status(status.as_u16())),
        }
        let body = read_limited(response).await?;
        parse_pause_response(&body)
            .map(Pause::into_owned)
            .map_err(|error| LookupError::BadResponse(error.to_string()))
    }
}

impl PauseDetails for WebService {
    fn current_pause<'s>(
        &'s self,
        login: &'s str,
    ) -> Pin<Box<dyn Future<Output = Result<Pause<'static>, LookupError>> + Send + 's>> {
        Box::pin(self.fetch(login))
    }
}

/// Follows a redirect only to the origin of the first request, at most [`MAX_REDIRECTS`].
fn same_origin(attempt: redirect::Attempt<'_>) -> redirect::Action {
    let previous = attempt.previous();
    let same = previous
        .first()
        .is_some_and(|first| first.origin() == attempt.url().origin());
    if same && previous.len() <= MAX_REDIRECTS {
        attempt.follow()
    } else {
        attempt.stop()
    }
}

/// The body, refused beyond [`MAX_ANSWER_BYTES`] without reading further.
async fn read_limited(mut response: reqwest::Response) -> Result<Vec<u8>, LookupError> {
    let too_large = || {
        LookupError::BadResponse(format!(
            "the answer is over {} KiB",
            MAX_ANSWER_BYTES / 1024
        ))
    };
    if response
        .content_length()
        .is_some_and(|length| length > MAX_ANSWER_BYTES as u64)
    {
        return Err(too_large());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(lookup_error)? {
        if body.len() + chunk.len() > MAX_ANSWER_BYTES {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn lookup_error(error: reqwest::Error) -> LookupError {
    if error.is_timeout() {
        LookupError::TimedOut
    } else {
        // Without the URL: shorter, and the login is logged on its own.
        LookupError::Transport(error_chain(&error.without_url()))
    }
}

/// `error` and its sources, `: `-separated (reqwest's own message is only the outer layer:
/// "error sending request").
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(error) = source {
        text.push_str(": ");
        text.push_str(&error.to_string());
        source = error.source();
    }
    text
}

/// What [`PauseResolver::complete`] did to a notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Not a bare PAUSE: nothing to complete, nothing asked.
    NotNeeded,
    /// The pause's code and label were filled in, from the service or the cache.
    Completed,
    /// The service says the agent is not in pause: the notification stays a plain PAUSE.
    NotInPause,
    /// The look-up failed or timed out: the notification stays a plain PAUSE.
    Failed(LookupError),
}

counters! {
    /// The resolver's counters since it was made. Every bare PAUSE is one of `lookups` or
    /// `cache_hits`, and one of `completed`, `not_in_pause` or `failures`.
    pub struct PauseStats, live Counters {
        /// Requests to the source (cache misses).
        lookups,
        completed,
        not_in_pause,
        failures,
        cache_hits,
    }
}

/// Completes bare PAUSE notifications from a [`PauseDetails`] source, with a cache and a
/// time-out.
pub struct PauseResolver {
    details: Arc<dyn PauseDetails>,
    timeout: Duration,
    cache: Mutex<PauseCache>,
    /// The error of the latest request while the source is failing; `None` once it answers.
    failing: Mutex<Option<LookupError>>,
    counters: Counters,
}

impl PauseResolver {
    /// Look-ups through `details`, each given at most `timeout`, their answers cached
    /// (`cache_capacity` changes).
    pub fn new(
        details: Arc<dyn PauseDetails>,
        timeout: Duration,
        cache_capacity: usize,
    ) -> PauseResolver {
        PauseResolver {
            details,
            timeout,
            cache: Mutex::new(PauseCache::new(cache_capacity)),
            failing: Mutex::new(None),
            counters: Counters::default(),
        }
    }

    /// A resolver over Odigo's web service as `config` describes it.
    pub fn from_config(config: &PauseDetailsConfig) -> Result<PauseResolver, PauseConfigError> {
        Ok(PauseResolver::new(
            Arc::new(WebService::new(config)?),
            config.timeout,
            config.cache_capacity,
        ))
    }

    /// Completes `state` if it is a bare PAUSE (see [`Outcome`]). `received` stands for the
    /// change's time when the notification has none. Returns within the time-out; runs on a
    /// tokio runtime with its timer enabled (as the receiver's is).
    pub async fn complete(&self, state: &mut AgentState<'_>, received: Timestamp) -> Outcome {
        if !state.is_bare_pause() {
            return Outcome::NotNeeded;
        }
        let time = state.time.unwrap_or(received);
        let cached = lock(&self.cache).get(&state.login, time).cloned();
        let pause = match cached {
            Some(pause) => {
                add(&self.counters.cache_hits, 1);
                pause
            }
            None => {
                add(&self.counters.lookups, 1);
                let answer =
                    tokio::time::timeout(self.timeout, self.details.current_pause(&state.login))
                        .await
                        .unwrap_or(Err(LookupError::TimedOut));
                match answer {
                    Ok(pause) => {
                        self.answered(&state.login);
                        lock(&self.cache).insert(&state.login, time, pause.clone());
                        pause
                    }
                    Err(error) => {
                        self.failed(&state.login, &error);
                        add(&self.counters.failures, 1);
                        return Outcome::Failed(error);
                    }
                }
            }
        };
        if pause.is_empty() {
            add(&self.counters.not_in_pause, 1);
            Outcome::NotInPause
        } else {
            add(&self.counters.completed, 1);
            state.pause = pause;
            Outcome::Completed
        }
    }

    pub fn stats(&self) -> PauseStats {
        self.counters.snapshot()
    }

    /// The error of the latest request to the source if it failed; `None` once a request
    /// succeeds (or before any).
    pub fn last_failure(&self) -> Option<LookupError> {
        lock(&self.failing).clone()
    }

    fn answered(&self, login: &str) {
        if let Some(error) = lock(&self.failing).take() {
            tracing::info!(login, %error, "pause-detail look-ups work again");
        } else {
            tracing::debug!(login, "pause details looked up");
        }
    }

    fn failed(&self, login: &str, error: &LookupError) {
        let previous = lock(&self.failing).replace(error.clone());
        if previous.is_none() {
            tracing::warn!(
                login, %error,
                "pause-detail look-up failed: PAUSE kept without details until it works again"
            );
        } else {
            tracing::debug!(login, %error, "pause-detail look-up failed again");
        }
    }
}

impl fmt::Debug for PauseResolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PauseResolver")
            .field("details", &self.details)
            .field("timeout", &self.timeout)
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

/// The data behind these locks stays consistent whatever panicked while holding them (a
/// cache entry or an error is written whole): a poisoned lock is used as is.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
