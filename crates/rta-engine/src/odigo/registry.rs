//! The integrations the receiver serves, found by token, editable while it runs.

use super::config::OdigoIntegration;
use super::error::ReceiverError;
use super::pause::{Outcome, PauseResolver};
use crate::counters::counters;
use crate::health::Health;
use crate::publisher::Publisher;
use rta_model::{FeedHealth, Timestamp};
use rta_odigo::{LookupError, TokenHash};
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;

/// The `address` of the pause-detail web service's feed events: the push channel itself has
/// none.
pub const PAUSE_DETAILS_ADDRESS: &str = "pause-details";

counters! {
    /// What an integration counted since the receiver started.
    pub struct IntegrationStats, live Counts {
        /// Agent state changes accepted into the pipeline (duplicates included).
        accepted,
        /// Of those, retries recognised and ignored.
        duplicates,
        /// Agent state changes that changed nothing in the table (same status again, or
        /// older than the one it has).
        unchanged,
        heartbeats,
        /// Notifications of other event types (acknowledged, nothing else).
        other_events,
        /// Notifications that could not be decoded (in `400` answers).
        rejected,
        /// Requests refused with `503` (the pipeline was full).
        refused,
        /// Requests refused with `503` while the integration was paused.
        refused_while_paused,
    }
}

/// One served integration and what it has seen.
#[derive(Debug)]
pub(crate) struct Integration {
    pub(crate) config: OdigoIntegration,
    token: RwLock<TokenHash>,
    paused: AtomicBool,
    /// When the last notification was accepted (ms since the epoch; `i64::MIN`: never).
    last_seen: AtomicI64,
    health: Mutex<Health>,
    pause_health: Option<Mutex<Health>>,
    pub(crate) pauses: Option<Arc<PauseResolver>>,
    pub(crate) counts: Counts,
}

impl Integration {
    fn new(config: OdigoIntegration) -> Integration {
        let pauses = config.pause_details.clone();
        let pause_health = pauses.as_ref().map(|_| {
            Mutex::new(Health::new(
                "Odigo",
                config.name.clone(),
                Some(PAUSE_DETAILS_ADDRESS.into()),
            ))
        });
        Integration {
            token: RwLock::new(config.token),
            paused: AtomicBool::new(false),
            last_seen: AtomicI64::new(i64::MIN),
            health: Mutex::new(Health::new("Odigo", config.name.clone(), None)),
            pause_health,
            pauses,
            counts: Counts::default(),
            config,
        }
    }

    pub(crate) fn is_paused(&self) -> bool {
        self.paused.load(Ordering::Relaxed)
    }

    fn verifies(&self, candidate: &[u8]) -> bool {
        read(&self.token).verifies(candidate)
    }

    pub(crate) fn health(&self) -> FeedHealth {
        lock(&self.health).current()
    }

    /// Publishes the starting health (`waiting`) of the feed and of its web service.
    fn announce(&self, time: Timestamp, publisher: &dyn Publisher) {
        lock(&self.health).announce(time, publisher);
        if let Some(health) = &self.pause_health {
            lock(health).announce(time, publisher);
        }
    }

    /// Something was accepted at `now`: the feed is `up`.
    pub(crate) fn seen(&self, now: Timestamp, publisher: &dyn Publisher) {
        self.last_seen
            .store(now.as_millisecond(), Ordering::Relaxed);
        let mut health = lock(&self.health);
        if health.current() != FeedHealth::Up {
            health.set(FeedHealth::Up, None, now, publisher);
        }
    }

    /// An `up` feed that has been silent for its `stale_after` at `now` becomes `stale`.
    pub(crate) fn check_silence(&self, now: Timestamp, publisher: &dyn Publisher) {
        let mut health = lock(&self.health);
        if health.current() != FeedHealth::Up {
            return;
        }
        let silent_ms = now
            .as_millisecond()
            .saturating_sub(self.last_seen.load(Ordering::Relaxed));
        let limit_ms = i64::try_from(self.config.stale_after.as_millis()).unwrap_or(i64::MAX);
        if silent_ms >= limit_ms {
            let detail = format!(
                "no notification for {}",
                humanize(Duration::from_millis(silent_ms.unsigned_abs()))
            );
            health.set(FeedHealth::Stale, Some(detail), now, publisher);
        }
    }

    /// The web service's health after a look-up: `down` with the reason after a failure, `up`
    /// after an answer.
    pub(crate) fn looked_up(&self, outcome: &Outcome, now: Timestamp, publisher: &dyn Publisher) {
        let Some(health) = &self.pause_health else {
            return;
        };
        let (state, detail) = match outcome {
            // A login that cannot be asked about says nothing of the service.
            Outcome::NotNeeded | Outcome::Failed(LookupError::BadLogin) => return,
            Outcome::Completed | Outcome::NotInPause => (FeedHealth::Up, None),
            Outcome::Failed(error) => (
                FeedHealth::Down,
                Some(format!("pause-detail look-up failed: {error}")),
            ),
        };
        lock(health).set(state, detail, now, publisher);
    }

    pub(crate) fn stats(&self) -> IntegrationStats {
        self.counts.snapshot()
    }
}

/// The served integrations.
#[derive(Debug, Default)]
pub(crate) struct Registry {
    integrations: RwLock<Vec<Arc<Integration>>>,
}

impl Registry {
    /// Serves `config` from now on, announcing its health (`waiting`). Names are unique, and
    /// so are tokens (one URL, one integration).
    pub(crate) fn add(
        &self,
        config: OdigoIntegration,
        now: Timestamp,
        publisher: &dyn Publisher,
    ) -> Result<(), ReceiverError> {
        let mut integrations = write(&self.integrations);
        if integrations.iter().any(|i| i.config.name == config.name) {
            return Err(ReceiverError::DuplicateName(config.name.to_string()));
        }
        if integrations.iter().any(|i| *read(&i.token) == config.token) {
            return Err(ReceiverError::DuplicateToken(config.name.to_string()));
        }
        let integration = Arc::new(Integration::new(config));
        integration.announce(now, publisher);
        integrations.push(integration);
        Ok(())
    }

    /// Stops serving `name` (its URL answers `404` from now on). Returns whether it was served.
    pub(crate) fn remove(&self, name: &str) -> bool {
        let mut integrations = write(&self.integrations);
        let before = integrations.len();
        integrations.retain(|i| &*i.config.name != name);
        integrations.len() != before
    }

    /// The integration whose token is `candidate`.
    ///
    /// Every integration's hash is compared, each in constant time, with no early exit: the
    /// time taken says nothing about which, or whether any, matched.
    pub(crate) fn by_token(&self, candidate: &[u8]) -> Option<Arc<Integration>> {
        let integrations = read(&self.integrations);
        let mut found = None;
        for integration in integrations.iter() {
            if integration.verifies(candidate) {
                found = Some(integration.clone());
            }
        }
        found
    }

    pub(crate) fn by_name(&self, name: &str) -> Option<Arc<Integration>> {
        read(&self.integrations)
            .iter()
            .find(|i| &*i.config.name == name)
            .cloned()
    }

    /// A new token for `name`: the old URL answers `404` from the next request on.
    pub(crate) fn set_token(&self, name: &str, token: TokenHash) -> Result<(), ReceiverError> {
        let integrations = read(&self.integrations);
        if integrations
            .iter()
            .any(|i| &*i.config.name != name && *read(&i.token) == token)
        {
            return Err(ReceiverError::DuplicateToken(name.into()));
        }
        let integration = integrations
            .iter()
            .find(|i| &*i.config.name == name)
            .ok_or_else(|| ReceiverError::UnknownIntegration(name.into()))?;
        *integration
            .token
            .write()
            .unwrap_or_else(PoisonError::into_inner) = token;
        Ok(())
    }

    pub(crate) fn set_paused(&self, name: &str, paused: bool) -> Result<(), ReceiverError> {
        let integration = self
            .by_name(name)
            .ok_or_else(|| ReceiverError::UnknownIntegration(name.into()))?;
        integration.paused.store(paused, Ordering::Relaxed);
        Ok(())
    }

    pub(crate) fn all(&self) -> Vec<Arc<Integration>> {
        read(&self.integrations).clone()
    }
}

// The locks guard plain values that a panic cannot leave half-written: a poisoned lock is
// used as it is.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(PoisonError::into_inner)
}

fn write<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(PoisonError::into_inner)
}

/// `90 s`, `12 min`, `3 h`: for health details.
fn humanize(duration: Duration) -> String {
    let seconds = duration.as_secs();
    match seconds {
        0..120 => format!("{seconds} s"),
        120..7_200 => format!("{} min", seconds / 60),
        _ => format!("{} h", seconds / 3_600),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rta_model::{AgentKey, FeedEvent, IntegrationId};
    use rta_odigo::Token;
    use rta_state::AgentStatus;

    #[derive(Debug, Default)]
    struct Feeds(Mutex<Vec<String>>);

    impl Publisher for Feeds {
        fn feed(&self, _time: Timestamp, event: FeedEvent) {
            self.0.lock().unwrap().push(format!(
                "{:?} {}",
                event.health,
                event.detail.unwrap_or_default()
            ));
        }
        fn status(&self, _key: AgentKey, _current: &AgentStatus<'_>) {}
    }

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_second(1_795_435_200 + seconds).unwrap()
    }

    #[test]
    fn silence_makes_an_up_feed_stale_once_and_a_notification_brings_it_back() {
        let feeds = Feeds::default();
        let mut config =
            OdigoIntegration::new("odigo", IntegrationId(0), Token::generate().unwrap().hash());
        config.stale_after = Duration::from_secs(600);
        let registry = Registry::default();
        registry.add(config, at(0), &feeds).unwrap();
        let odigo = registry.by_name("odigo").unwrap();

        // Waiting is not made stale by silence: nothing ever came.
        odigo.check_silence(at(5_000), &feeds);
        odigo.seen(at(5_000), &feeds);
        odigo.seen(at(5_100), &feeds);
        odigo.check_silence(at(5_699), &feeds);
        odigo.check_silence(at(5_700), &feeds);
        odigo.check_silence(at(9_000), &feeds);
        odigo.seen(at(9_001), &feeds);
        assert_eq!(
            *feeds.0.lock().unwrap(),
            ["Waiting ", "Up ", "Stale no notification for 10 min", "Up "]
        );
        assert_eq!(odigo.health(), FeedHealth::Up);
    }

    #[test]
    fn tokens_find_their_integration_and_are_unique() {
        let feeds = Feeds::default();
        let registry = Registry::default();
        let (a, b) = (Token::generate().unwrap(), Token::generate().unwrap());
        let config =
            |name: &str, token: &Token| OdigoIntegration::new(name, IntegrationId(0), token.hash());
        registry.add(config("a", &a), at(0), &feeds).unwrap();
        registry.add(config("b", &b), at(0), &feeds).unwrap();
        let found = |token: &str| {
            registry
                .by_token(token.as_bytes())
                .map(|i| i.config.name.to_string())
        };
        assert_eq!(found(a.expose()).as_deref(), Some("a"));
        assert_eq!(found(b.expose()).as_deref(), Some("b"));
        assert_eq!(found("nope"), None);
        assert!(matches!(
            registry.add(config("c", &a), at(0), &feeds),
            Err(ReceiverError::DuplicateToken(_))
        ));
        assert!(matches!(
            registry.set_token("a", b.hash()),
            Err(ReceiverError::DuplicateToken(_))
        ));
        registry.set_token("a", a.hash()).unwrap();
        assert!(registry.remove("a"));
        assert_eq!(found(a.expose()), None);
        assert!(!registry.remove("a"));
    }
}
