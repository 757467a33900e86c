//! Feed health of one ACD server address.
//!
//! | what happened | health |
//! |---|---|
//! | configured, no complete snapshot yet | `waiting` |
//! | a snapshot completed on the connection | `up` |
//! | nothing received for the silence limit (the connection is then dropped) | `stale` |
//! | a connection attempt failed, or the connection was lost | `down` |
//!
//! A server that never completed a first snapshot is not healthy, so `up` waits for the first
//! `SNAPSHOT|END` of each connection (records before it do not count): after `stale` or
//! `down`, the address stays so while the new connection delivers its snapshot. Connecting
//! alone changes nothing, so a server that accepts and drops at once stays `down` quietly.
//!
//! An event is published, and one line logged, only when the health changes: a server that
//! refuses a thousand attempts in a row is one `down` event and one warning (each attempt is
//! logged at `debug`).

use crate::publisher::Publisher;
use rta_model::{FeedEvent, FeedHealth, Name, Timestamp};

/// The health of one address, published on change.
#[derive(Debug)]
pub(crate) struct Health {
    integration: Name,
    address: String,
    current: FeedHealth,
}

impl Health {
    /// An address starting `waiting`; nothing is published until [`Health::announce`].
    pub(crate) fn new(integration: Name, address: String) -> Health {
        Health {
            integration,
            address,
            current: FeedHealth::Waiting,
        }
    }

    #[cfg(test)]
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
        match health {
            FeedHealth::Up | FeedHealth::Waiting => tracing::info!(
                integration = &*self.integration,
                address = self.address,
                ?previous,
                ?health,
                detail = detail_text,
                "CIC feed health changed"
            ),
            FeedHealth::Stale | FeedHealth::Down => tracing::warn!(
                integration = &*self.integration,
                address = self.address,
                ?previous,
                ?health,
                detail = detail_text,
                "CIC feed health changed"
            ),
        }
        self.publish(time, detail, publisher);
        true
    }

    fn publish(&self, time: Timestamp, detail: Option<String>, publisher: &dyn Publisher) {
        publisher.feed(
            time,
            FeedEvent {
                integration: self.integration.clone(),
                address: Some(self.address.clone()),
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
        let mut health = Health::new("cic".into(), "acd:1".into());
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
