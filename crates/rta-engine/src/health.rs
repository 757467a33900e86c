//! Feed health of one feed (an integration, or one address of it), published on change.
//!
//! Each adapter decides when its feed is `waiting`, `up`, `stale` or `down` (the CIC
//! connector in [`crate::cic`], the Odigo receiver in [`crate::odigo`]); this holds the
//! current value and makes the change visible once: an event is published, and one line
//! logged, only when the health changes. A server that refuses a thousand attempts in a row
//! is one `down` event and one warning.

use crate::publisher::Publisher;
use rta_model::{FeedEvent, FeedHealth, Name, Timestamp};

/// The health of one feed, published on change.
#[derive(Debug)]
pub(crate) struct Health {
    /// The kind of source, for the log lines (`"CIC"`, `"Odigo"`).
    source: &'static str,
    integration: Name,
    address: Option<String>,
    current: FeedHealth,
}

impl Health {
    /// A feed starting `waiting`; nothing is published until [`Health::announce`].
    pub(crate) fn new(source: &'static str, integration: Name, address: Option<String>) -> Health {
        Health {
            source,
            integration,
            address,
            current: FeedHealth::Waiting,
        }
    }

    pub(crate) fn current(&self) -> FeedHealth {
        self.current
    }

    /// Publishes the current health as it is (the first event of an address).
    pub(crate) fn announce(&self, time: Timestamp, publisher: &dyn Publisher) {
        self.publish(time, None, publisher);
    }

    /// Moves to `health`; if that is a change, logs it once and publishes it with `detail`.
    /// Returns whether it changed.
    pub(crate) fn set(
        &mut self,
        health: FeedHealth,
        detail: Option<String>,
        time: Timestamp,
        publisher: &dyn Publisher,
    ) -> bool {
        if health == self.current {
            return false;
        }
        let previous = std::mem::replace(&mut self.current, health);
        let detail_text = detail.as_deref().unwrap_or("");
        let address = self.address.as_deref().unwrap_or("");
        // One line per change; `tracing`'s level is static, hence the macro.
        macro_rules! log_change {
            ($level:ident) => {
                tracing::$level!(
                    integration = &*self.integration,
                    source = self.source,
                    address,
                    ?previous,
                    ?health,
                    detail = detail_text,
                    "feed health changed"
                )
            };
        }
        match health {
            FeedHealth::Up | FeedHealth::Waiting => log_change!(info),
            FeedHealth::Stale | FeedHealth::Down => log_change!(warn),
        }
        self.publish(time, detail, publisher);
        true
    }

    fn publish(&self, time: Timestamp, detail: Option<String>, publisher: &dyn Publisher) {
        publisher.feed(
            time,
            FeedEvent {
                integration: self.integration.clone(),
                address: self.address.clone(),
                health: self.current,
                detail,
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rta_model::AgentKey;
    use rta_state::AgentStatus;
    use std::sync::Mutex;

    #[derive(Debug, Default)]
    struct Feeds(Mutex<Vec<(FeedHealth, Option<String>)>>);

    impl Publisher for Feeds {
        fn feed(&self, _time: Timestamp, event: FeedEvent) {
            assert_eq!(&*event.integration, "cic");
            assert_eq!(event.address.as_deref(), Some("acd:1"));
            self.0.lock().unwrap().push((event.health, event.detail));
        }
        fn status(&self, _key: AgentKey, _current: &AgentStatus<'_>) {}
    }

    #[test]
    fn published_on_change_only() {
        let feeds = Feeds::default();
        let time = Timestamp::UNIX_EPOCH;
        let mut health = Health::new("CIC", "cic".into(), Some("acd:1".into()));
        health.announce(time, &feeds);
        assert!(!health.set(FeedHealth::Waiting, None, time, &feeds));
        for _ in 0..3 {
            health.set(FeedHealth::Down, Some("refused".into()), time, &feeds);
        }
        assert!(health.set(FeedHealth::Up, None, time, &feeds));
        assert!(!health.set(FeedHealth::Up, None, time, &feeds));
        health.set(FeedHealth::Stale, Some("silent".into()), time, &feeds);
        assert_eq!(health.current(), FeedHealth::Stale);
        assert_eq!(
            *feeds.0.lock().unwrap(),
            [
                (FeedHealth::Waiting, None),
                (FeedHealth::Down, Some("refused".into())),
                (FeedHealth::Up, None),
                (FeedHealth::Stale, Some("silent".into())),
            ]
        );
    }
}
