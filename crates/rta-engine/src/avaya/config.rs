//! One Avaya CMS integration's listener configuration, and the peer allow-list decision.

use rta_avaya::{AssemblerConfig, Layout, LineCodec};
use rta_model::{IntegrationId, Name};
use std::net::{IpAddr, SocketAddr};

/// One Avaya CMS integration's listener configuration ([`AvayaConfig::new`] for the
/// defaults). It holds no secret: the CMS's ODBC `connection_string` belongs to the
/// historical import, not to this listener, so the whole configuration may be logged.
#[derive(Debug, Clone)]
pub struct AvayaConfig {
    /// The integration's name, as feed events carry it.
    pub name: Name,
    /// Where the engine listens for the CMS (the integration's `realtime_port`); port 0
    /// picks a free one ([`AvayaHandle::local_addr`](super::AvayaHandle::local_addr)).
    pub listen: SocketAddr,
    /// The columns of the customer's CMS report.
    pub layout: Layout,
    /// Longer lines are dropped up to their end, counted, and the connection kept.
    pub max_line: usize,
    /// `Some`: only these peer addresses may connect; others are closed at once and logged.
    /// `None`: any peer.
    pub allowed_peers: Option<Vec<IpAddr>>,
    /// The decoder's settings: the integration's id in the state table, the zone of the
    /// batch times, the refresh interval (`refresh_seconds`, which also sets when the feed
    /// is stale), detailed statuses, the cap on distinct agents.
    pub assembler: AssemblerConfig,
}

impl AvayaConfig {
    /// The defaults: the `agent` layout, 4 KiB lines, any peer, and
    /// [`AssemblerConfig::new`]'s (UTC, 15 s refresh, plain statuses).
    pub fn new(name: impl Into<Name>, integration: IntegrationId, listen: SocketAddr) -> Self {
        AvayaConfig {
            name: name.into(),
            listen,
            layout: Layout::agent(),
            max_line: LineCodec::DEFAULT_MAX_LINE,
            allowed_peers: None,
            assembler: AssemblerConfig::new(integration),
        }
    }

    /// Whether a connection from `peer` is served. An IPv4 peer reaching an IPv6 socket
    /// (`::ffff:10.0.0.5`) is compared as the IPv4 address it is, so an allow-list written
    /// in IPv4 holds on a dual-stack listener.
    pub fn allows(&self, peer: IpAddr) -> bool {
        let peer = peer.to_canonical();
        self.allowed_peers
            .as_ref()
            .is_none_or(|allowed| allowed.iter().any(|ip| ip.to_canonical() == peer))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(allowed: Option<&[&str]>) -> AvayaConfig {
        let mut config = AvayaConfig::new("cms", IntegrationId(0), "127.0.0.1:0".parse().unwrap());
        config.allowed_peers =
            allowed.map(|list| list.iter().map(|ip| ip.parse().unwrap()).collect());
        config
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn without_a_list_every_peer_is_served() {
        assert!(config(None).allows(ip("203.0.113.9")));
    }

    #[test]
    fn a_list_serves_its_peers_only_ipv4_mapped_included() {
        let config = config(Some(&["10.0.0.5", "2001:db8::1"]));
        assert!(config.allows(ip("10.0.0.5")));
        assert!(config.allows(ip("::ffff:10.0.0.5")));
        assert!(config.allows(ip("2001:db8::1")));
        assert!(!config.allows(ip("10.0.0.6")));
        assert!(!config.allows(ip("::1")));
    }

    #[test]
    fn an_empty_list_serves_nobody() {
        assert!(!config(Some(&[])).allows(ip("127.0.0.1")));
    }
}
