//! What an integration is, as the engine is told: a unique name and its source's settings.
//! The engine assigns the state table's id and builds the adapter's configuration from it.

use crate::avaya::AvayaConfig;
use crate::cic::{AddressError, CicConfig, Mode};
use crate::odigo::{OdigoIntegration, PauseConfigError, PauseDetailsConfig, PauseResolver};
use jiff::SignedDuration;
use rta_avaya::Layout;
use rta_cic::{Dialect, SessionConfig};
use rta_model::{IntegrationId, Name, Zone};
use rta_odigo::TokenHash;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

/// One integration: a unique name, the time zone of its site, and its source.
#[derive(Debug, Clone)]
pub struct IntegrationSettings {
    pub name: Name,
    pub source: Source,
}

/// The source of an integration, with its settings.
// Made once per integration and never on a hot path: the size of the Avaya layout costs
// nothing, a box would cost every caller a `Box::new`.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Source {
    /// An Avaya CMS that connects to the engine's port.
    Avaya(AvayaSettings),
    /// CIC servers the engine connects to.
    Cic(CicSettings),
    /// Odigo notifications pushed to the engine's receiver.
    Odigo(OdigoSettings),
}

/// An Avaya CMS integration (`specs/avaya-rt-socket.md`).
#[derive(Debug, Clone)]
pub struct AvayaSettings {
    /// The `realtime_port` the CMS connects to.
    pub listen: SocketAddr,
    /// The columns of the CMS report.
    pub layout: Layout,
    /// The report's refresh interval (also what makes the feed stale: 3 refreshes).
    pub refresh: Duration,
    /// Attach the work skill and the logged-in skills to each status.
    pub detailed_statuses: bool,
    /// The zone of the batch times.
    pub zone: Zone,
    /// `Some`: only these CMS addresses may connect.
    pub allowed_peers: Option<Vec<IpAddr>>,
}

/// A CIC integration (`specs/cic.md`).
#[derive(Debug, Clone)]
pub struct CicSettings {
    /// `host:port, host:port` as the integration form has it.
    pub servers: String,
    pub mode: Mode,
    pub dialect: Dialect,
    /// The zone of the ACD's local times.
    pub zone: Zone,
}

/// An Odigo integration (`specs/odigo.md`).
#[derive(Debug, Clone)]
pub struct OdigoSettings {
    /// The hash of the URL token ([`rta_odigo::TokenStore`]).
    pub token: TokenHash,
    /// "Import pause with details", when on.
    pub pause_details: Option<PauseDetailsConfig>,
    /// Silence after which the feed is `stale`.
    pub stale_after: Duration,
}

/// Settings that cannot make an adapter.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("integration {name:?}: {source}")]
    CicServers { name: String, source: AddressError },
    #[error("integration {name:?}: {source}")]
    PauseDetails {
        name: String,
        source: PauseConfigError,
    },
}

impl IntegrationSettings {
    pub(crate) fn avaya_config(&self, id: IntegrationId, avaya: &AvayaSettings) -> AvayaConfig {
        let mut config = AvayaConfig::new(self.name.clone(), id, avaya.listen);
        config.layout = avaya.layout.clone();
        config.allowed_peers = avaya.allowed_peers.clone();
        config.assembler.zone = avaya.zone.clone();
        config.assembler.refresh =
            SignedDuration::try_from(avaya.refresh).unwrap_or(SignedDuration::MAX);
        config.assembler.detailed_statuses = avaya.detailed_statuses;
        config
    }

    pub(crate) fn cic_config(
        &self,
        id: IntegrationId,
        cic: &CicSettings,
    ) -> Result<CicConfig, SettingsError> {
        let mut session = SessionConfig::new(id, cic.dialect);
        session.zone = cic.zone.clone();
        let mut config =
            CicConfig::new(self.name.clone(), &cic.servers, session).map_err(|source| {
                SettingsError::CicServers {
                    name: self.name.to_string(),
                    source,
                }
            })?;
        config.mode = cic.mode;
        Ok(config)
    }

    pub(crate) fn odigo_integration(
        &self,
        id: IntegrationId,
        odigo: &OdigoSettings,
    ) -> Result<OdigoIntegration, SettingsError> {
        let mut integration = OdigoIntegration::new(self.name.clone(), id, odigo.token);
        integration.stale_after = odigo.stale_after;
        integration.pause_details = odigo
            .pause_details
            .as_ref()
            .map(|config| PauseResolver::from_config(config).map(Arc::new))
            .transpose()
            .map_err(|source| SettingsError::PauseDetails {
                name: self.name.to_string(),
                source,
            })?;
        Ok(integration)
    }
}
