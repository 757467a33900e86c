//! Which agents a completed snapshot speaks for: the agents it logs out when they are absent.
//!
//! The state table's [`Snapshot`](rta_state::Snapshot) logs out every agent of the integration
//! that a completed snapshot did not list. That is right when one connection speaks for the
//! whole integration (`failover` mode, or a single address), and wrong in `all` mode, where
//! each server's snapshot lists **its own** users only: a snapshot of `acd1` would log out
//! everybody on `acd2`. So in `all` mode each agent belongs to the address that last told a
//! status of it (in a snapshot or live, ignoring statuses the table refused as out of order),
//! and a completed snapshot of an address logs out only the agents that belong to it and that
//! it did not list. An agent who moves from `acd1` to `acd2` belongs to `acd2` from its first
//! status there, so `acd1`'s next snapshot, no longer listing it, leaves it alone. Membership
//! outlives connections: the first snapshot after a reconnect logs out who the address
//! reported before and no longer lists.
//!
//! (The table's `Snapshot` also borrows its writer for the whole snapshot, which a snapshot
//! spanning many socket reads, decoded through a callback, cannot hold; so both scopes apply
//! their logouts here, through [`Writer::log_out`](rta_state::Writer::log_out), the rule the
//! table's `Snapshot` applies too: agents already logged out are left as they are.)

use super::{CicConfig, Mode};
use rta_model::{AgentKey, IntegrationId};
use rta_state::StateTable;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};

/// The scope of one integration's snapshots.
#[derive(Debug)]
pub(crate) enum Membership {
    /// One connection at a time speaks for the whole integration.
    Integration,
    /// Each address speaks for the agents it last told a status of (its index in the
    /// configured list).
    PerAddress(Mutex<HashMap<AgentKey, usize>>),
}

impl Membership {
    /// The scope of the integration's snapshots: per address when several servers feed it
    /// at once (`all` mode), else the whole integration.
    pub(crate) fn of(config: &CicConfig) -> Membership {
        if config.mode == Mode::All && config.addresses.len() > 1 {
            Membership::per_address()
        } else {
            Membership::Integration
        }
    }

    pub(crate) fn per_address() -> Membership {
        Membership::PerAddress(Mutex::new(HashMap::new()))
    }

    /// `address` told a status of `key` that the table took.
    pub(crate) fn claim(&self, key: AgentKey, address: usize) {
        if let Membership::PerAddress(owners) = self {
            owners
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(key, address);
        }
    }

    /// The agents a completed snapshot of `address` that listed `seen` logs out (those
    /// already logged out included; [`log_out`] skips them).
    pub(crate) fn absent(
        &self,
        table: &StateTable,
        integration: IntegrationId,
        address: usize,
        seen: &HashSet<AgentKey>,
    ) -> Vec<AgentKey> {
        match self {
            Membership::Integration => table
                .members(integration)
                .unwrap_or_default()
                .into_iter()
                .filter(|key| !seen.contains(key))
                .collect(),
            Membership::PerAddress(owners) => {
                let owners = owners.lock().unwrap_or_else(PoisonError::into_inner);
                let mut absent: Vec<AgentKey> = owners
                    .iter()
                    .filter(|&(key, &owner)| owner == address && !seen.contains(key))
                    .map(|(&key, _)| key)
                    .collect();
                absent.sort_unstable();
                absent
            }
        }
    }
}

/// A claim to make once the table has taken a status (not out of order): applied where the
/// status is applied, inline or on the agent's shard, so that only statuses the table took
/// decide which server speaks for an agent.
#[derive(Debug, Clone)]
pub(crate) struct Claim {
    pub(crate) membership: Arc<Membership>,
    pub(crate) address: usize,
}

impl Claim {
    /// Claims `key` if `update` says the table took the status.
    pub(crate) fn apply(&self, key: AgentKey, update: &rta_state::Update<'_>) {
        if *update != rta_state::Update::OutOfOrder {
            self.membership.claim(key, self.address);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rta_model::{Direction, Observation, Phase, Status, Timestamp};
    use rta_state::{Update, Writer};
    use std::borrow::Cow;

    fn at(second: i64) -> Timestamp {
        Timestamp::from_second(1_795_420_800 + second).unwrap()
    }

    fn observe(writer: &mut Writer<'_>, integration: IntegrationId, id: &str) -> AgentKey {
        let observation = Observation {
            integration,
            external_id: Cow::Owned(id.as_bytes().to_vec()),
            phase: Phase::Available,
            direction: Direction::None,
            status: Status::new("Available"),
            time: at(0),
            received: at(0),
        };
        writer.observe(&observation).unwrap().0
    }

    #[test]
    fn per_address_logs_out_only_its_own_agents() {
        let table = StateTable::new(100);
        let cic = table.add_integration();
        let mut writer = table.writer();
        let membership = Membership::per_address();
        let [a, b, c] = ["a", "b", "c"].map(|id| observe(&mut writer, cic, id));
        membership.claim(a, 0);
        membership.claim(b, 0);
        membership.claim(c, 1);
        // Address 0 lists only `a`: `b` is absent, `c` is not its agent.
        assert_eq!(membership.absent(&table, cic, 0, &HashSet::from([a])), [b]);
        // `b` moves to address 1: address 0 no longer speaks for it.
        membership.claim(b, 1);
        assert!(
            membership
                .absent(&table, cic, 0, &HashSet::from([a]))
                .is_empty()
        );
        assert_eq!(membership.absent(&table, cic, 1, &HashSet::new()), [b, c]);
    }

    #[test]
    fn integration_scope_is_every_member() {
        let table = StateTable::new(100);
        let cic = table.add_integration();
        let mut writer = table.writer();
        let [a, b] = ["a", "b"].map(|id| observe(&mut writer, cic, id));
        let membership = Membership::Integration;
        membership.claim(a, 3);
        assert_eq!(membership.absent(&table, cic, 0, &HashSet::from([a])), [b]);
    }

    #[test]
    fn log_out_once() {
        let table = StateTable::new(100);
        let cic = table.add_integration();
        let mut writer = table.writer();
        let a = observe(&mut writer, cic, "a");
        let update = writer.log_out(a, "LoggedOut", at(5), at(6)).unwrap();
        let Update::Changed { current, .. } = update else {
            panic!("{update:?}")
        };
        assert_eq!(
            (current.phase, current.code),
            (Phase::LoggedOut, "LoggedOut")
        );
        assert_eq!(current.since, at(5));
        assert_eq!(writer.log_out(a, "LoggedOut", at(7), at(7)), None);
    }
}
