//! `[[integration]]`: one source each, its common keys and those of its kind.

use super::secret::{ConnectionString, InlineSecret, PasswordError, read_password};
use rta_avaya::{AssemblerConfig, Layout, LayoutError};
use rta_cic::{Dialect, SessionConfig};
use rta_engine::cic::{AddressError, CicConfig, Mode};
use rta_engine::odigo::{Password, PauseDetailsConfig};
use rta_model::{IntegrationId, UnknownZone, Zone};
use serde::de::{self, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use std::fmt;
use std::net::IpAddr;
use std::num::{NonZeroU16, NonZeroU32};
use std::path::PathBuf;

/// One source of agent statuses.
///
/// The kind-specific keys sit in the same table as the common ones (`kind` picks which are
/// accepted): serde's `flatten` hands the keys `name`, `timezone` and `paused` do not take to
/// [`Settings`], whose structs refuse unknown keys.
#[derive(Debug, Clone, Deserialize)]
pub struct Integration {
    /// Unique; written into every event of the source.
    pub name: String,
    /// The IANA zone of the source's local times ([`Integration::zone`]).
    pub timezone: String,
    /// Starts paused: configured, but its listener or connection stays closed.
    #[serde(default)]
    pub paused: bool,
    #[serde(flatten)]
    pub settings: Settings,
}

impl Integration {
    /// The source's time zone, from the tz database bundled into the binary.
    pub fn zone(&self) -> Result<Zone, UnknownZone> {
        Zone::get(&self.timezone)
    }

    pub fn kind(&self) -> Kind {
        match self.settings {
            Settings::AvayaCms(_) => Kind::AvayaCms,
            Settings::Cic(_) => Kind::Cic,
            Settings::Odigo(_) => Kind::Odigo,
        }
    }
}

/// The kind-specific part of an integration, chosen by its `kind` key.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Settings {
    AvayaCms(AvayaSettings),
    Cic(CicSettings),
    Odigo(OdigoSettings),
}

/// What `kind` says, for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    AvayaCms,
    Cic,
    Odigo,
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::AvayaCms => "avaya-cms",
            Kind::Cic => "cic",
            Kind::Odigo => "odigo",
        })
    }
}

/// An Avaya CMS real-time socket feed: CMS connects to the engine's `realtime_port`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AvayaSettings {
    /// The port CMS is told to send the report to (the listener binds every address).
    pub realtime_port: NonZeroU16,
    /// The report's columns: a preset or a column list (default `agent`).
    #[serde(default)]
    pub layout: LayoutSpec,
    /// The report's refresh interval, in seconds (default: [`AssemblerConfig::new`]'s, 15).
    pub refresh_seconds: Option<NonZeroU32>,
    /// Attach the work skill and logged-in skills to statuses.
    #[serde(default)]
    pub detailed_statuses: bool,
    /// The only addresses CMS may connect from; `None`: any.
    pub allowed_peers: Option<Vec<IpAddr>>,
    /// For the historical import; never logged ([`ConnectionString`]).
    pub connection_string: Option<ConnectionString>,
}

impl AvayaSettings {
    /// The report layout ([`Layout::parse`]).
    pub fn layout(&self) -> Result<Layout, LayoutError> {
        Layout::parse(&self.layout.0)
    }

    /// The snapshot assembler's settings for the integration `id` in `zone`.
    pub fn assembler_config(&self, id: IntegrationId, zone: Zone) -> AssemblerConfig {
        let mut config = AssemblerConfig::new(id);
        config.zone = zone;
        config.detailed_statuses = self.detailed_statuses;
        if let Some(seconds) = self.refresh_seconds {
            config.refresh = jiff::SignedDuration::from_secs(i64::from(seconds.get()));
        }
        config
    }
}

/// A layout as written: a preset name (`"agent"`) or a column list, either one string
/// (`"ACD,LOGID,AGSTATE"`, as the integration form has it) or a TOML array
/// (`["ACD", "LOGID", "AGSTATE"]`). Held as the string [`Layout::parse`] reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayoutSpec(String);

impl LayoutSpec {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for LayoutSpec {
    fn default() -> LayoutSpec {
        LayoutSpec("agent".to_owned())
    }
}

impl<'de> Deserialize<'de> for LayoutSpec {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<LayoutSpec, D::Error> {
        struct SpecVisitor;

        impl<'de> Visitor<'de> for SpecVisitor {
            type Value = LayoutSpec;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a layout preset name or a list of column names")
            }

            fn visit_str<E: de::Error>(self, spec: &str) -> Result<LayoutSpec, E> {
                Ok(LayoutSpec(spec.to_owned()))
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<LayoutSpec, A::Error> {
                let mut columns = Vec::new();
                while let Some(column) = seq.next_element::<String>()? {
                    // Joined below with commas, so a comma inside would make two columns.
                    if column.contains(',') {
                        return Err(de::Error::invalid_value(
                            de::Unexpected::Str(&column),
                            &"a column name without a comma",
                        ));
                    }
                    columns.push(column);
                }
                Ok(LayoutSpec(columns.join(",")))
            }
        }

        deserializer.deserialize_any(SpecVisitor)
    }
}

/// A CIC (PureConnect) feed: the engine connects to the ACD servers.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CicSettings {
    /// `host:port` entries separated by commas, as in the integration form
    /// ([`rta_engine::cic::parse_addresses`]).
    pub servers: String,
    /// `all` (default): every server at once; `failover`: one at a time, in order.
    #[serde(default, deserialize_with = "ModeName::deserialize")]
    pub mode: Mode,
    /// `line` (default) or `icws`.
    #[serde(default, deserialize_with = "DialectName::deserialize")]
    pub dialect: Dialect,
}

impl CicSettings {
    /// The connector's settings for the integration `name`, `id` in the state table, whose
    /// servers write local times in `zone`.
    pub fn connector_config(
        &self,
        name: &str,
        id: IntegrationId,
        zone: Zone,
    ) -> Result<CicConfig, AddressError> {
        let mut session = SessionConfig::new(id, self.dialect);
        session.zone = zone;
        let mut config = CicConfig::new(name, &self.servers, session)?;
        config.mode = self.mode;
        Ok(config)
    }
}

/// The names of [`Mode`] in the file (serde's way of deserializing another crate's enum:
/// the variants are checked against [`Mode`]'s at compile time).
#[derive(Deserialize)]
#[serde(remote = "Mode", rename_all = "lowercase")]
enum ModeName {
    All,
    Failover,
}

/// The names of [`Dialect`] in the file.
#[derive(Deserialize)]
#[serde(remote = "Dialect", rename_all = "lowercase")]
enum DialectName {
    Line,
    Icws,
}

/// An Odigo feed: Odigo pushes to the receiver's secret URL (`rtad token`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OdigoSettings {
    /// "Import pause with details": complete bare pauses from Odigo's web service.
    #[serde(default)]
    pub pause_details: bool,
    /// The Odigo URL with the tenant id, e.g. `https://odigo.example/acme`.
    pub odigo_url: Option<String>,
    /// The web-service user.
    pub ws_user: Option<String>,
    /// The environment variable holding the web-service password.
    pub ws_password_env: Option<String>,
    /// The file holding the web-service password.
    pub ws_password_file: Option<PathBuf>,
    /// Accepted only to be refused with a clear message by the check.
    #[serde(default, rename = "ws_password")]
    pub(crate) inline_password: Option<InlineSecret>,
}

impl OdigoSettings {
    /// The web-service password, read now from its variable or file.
    pub fn password(&self) -> Result<Password, PasswordError> {
        read_password(
            self.ws_password_env.as_deref(),
            self.ws_password_file.as_deref(),
        )
    }

    /// The pause-detail settings, or `None` when `pause_details` is off. The URL and user
    /// are checked by [`rta_engine::odigo::WebService::new`] when the resolver is built.
    pub fn pause_details_config(&self) -> Result<Option<PauseDetailsConfig>, PauseSettingsError> {
        if !self.pause_details {
            return Ok(None);
        }
        let url = self.odigo_url.as_ref().ok_or(PauseSettingsError::NoUrl)?;
        let user = self.ws_user.as_ref().ok_or(PauseSettingsError::NoUser)?;
        Ok(Some(PauseDetailsConfig::new(url, user, self.password()?)))
    }
}

/// Pause details are on but cannot be configured.
#[derive(Debug, thiserror::Error)]
pub enum PauseSettingsError {
    #[error("pause_details is on without odigo_url")]
    NoUrl,
    #[error("pause_details is on without ws_user")]
    NoUser,
    #[error(transparent)]
    Password(#[from] PasswordError),
}

#[cfg(test)]
mod tests {
    use super::*;
    use rta_avaya::ReportKind;

    fn integration(text: &str) -> Integration {
        toml::from_str(text).unwrap()
    }

    #[test]
    fn avaya_settings_make_the_layout_and_the_assembler_config() {
        let cms = integration(
            "name = \"cms\"\nkind = \"avaya-cms\"\ntimezone = \"Europe/Paris\"\n\
             realtime_port = 5001\nlayout = [\"SPLIT\", \"ACDCALLS\"]\nrefresh_seconds = 3\n\
             detailed_statuses = true\nallowed_peers = [\"10.0.0.1\", \"::1\"]",
        );
        assert_eq!(cms.kind(), Kind::AvayaCms);
        let Settings::AvayaCms(avaya) = &cms.settings else {
            panic!("avaya")
        };
        assert_eq!(avaya.layout.as_str(), "SPLIT,ACDCALLS");
        assert_eq!(avaya.layout().unwrap().kind(), ReportKind::Split);
        let config = avaya.assembler_config(IntegrationId(4), cms.zone().unwrap());
        assert_eq!(config.integration, IntegrationId(4));
        assert_eq!(config.zone.name(), "Europe/Paris");
        assert_eq!(config.refresh, jiff::SignedDuration::from_secs(3));
        assert!(config.detailed_statuses);
        assert_eq!(avaya.allowed_peers.as_ref().unwrap().len(), 2);

        let plain = integration(
            "name = \"cms\"\nkind = \"avaya-cms\"\ntimezone = \"UTC\"\nrealtime_port = 5001",
        );
        let Settings::AvayaCms(avaya) = &plain.settings else {
            panic!("avaya")
        };
        assert_eq!(avaya.layout().unwrap(), Layout::agent());
        let defaults = AssemblerConfig::new(IntegrationId(0));
        let config = avaya.assembler_config(IntegrationId(0), Zone::utc());
        assert_eq!(config.refresh, defaults.refresh);
        assert_eq!(config.detailed_statuses, defaults.detailed_statuses);
    }

    #[test]
    fn cic_settings_make_the_connector_config() {
        let cic = integration(
            "name = \"cic\"\nkind = \"cic\"\ntimezone = \"America/New_York\"\n\
             servers = \"acd1:8080, [::1]:9000\"\nmode = \"failover\"\ndialect = \"icws\"",
        );
        let Settings::Cic(settings) = &cic.settings else {
            panic!("cic")
        };
        let config = settings
            .connector_config("cic", IntegrationId(1), cic.zone().unwrap())
            .unwrap();
        assert_eq!(config.addresses.len(), 2);
        assert_eq!(config.mode, Mode::Failover);
        assert_eq!(config.session.dialect, Dialect::Icws);
        assert_eq!(config.session.zone.name(), "America/New_York");

        let defaults = integration(
            "name = \"cic\"\nkind = \"cic\"\ntimezone = \"UTC\"\nservers = \"acd1:8080\"",
        );
        let Settings::Cic(settings) = &defaults.settings else {
            panic!("cic")
        };
        assert_eq!(
            (settings.mode, settings.dialect),
            (Mode::All, Dialect::Line)
        );
        let wrong: Result<Integration, _> = toml::from_str(
            "name = \"cic\"\nkind = \"cic\"\ntimezone = \"UTC\"\nservers = \"a:1\"\nmode = \"both\"",
        );
        let message = wrong.unwrap_err().message().to_owned();
        assert!(
            message.contains("expected `all` or `failover`"),
            "{message}"
        );
    }

    #[test]
    fn odigo_pause_details_need_url_user_and_password() {
        let odigo = |extra: &str| {
            let entry = integration(&format!(
                "name = \"o\"\nkind = \"odigo\"\ntimezone = \"UTC\"\n{extra}"
            ));
            match entry.settings {
                Settings::Odigo(settings) => settings,
                other => panic!("{other:?}"),
            }
        };
        assert!(odigo("").pause_details_config().unwrap().is_none());
        assert!(matches!(
            odigo("pause_details = true\nws_user = \"u\"").pause_details_config(),
            Err(PauseSettingsError::NoUrl)
        ));
        assert!(matches!(
            odigo("pause_details = true\nodigo_url = \"https://o/t\"").pause_details_config(),
            Err(PauseSettingsError::NoUser)
        ));
        assert!(matches!(
            odigo("pause_details = true\nodigo_url = \"https://o/t\"\nws_user = \"u\"")
                .pause_details_config(),
            Err(PauseSettingsError::Password(PasswordError::NotConfigured))
        ));
        let inline = odigo("ws_password = \"kept out\"");
        assert_eq!(inline.inline_password, Some(InlineSecret));
        assert!(!format!("{inline:?}").contains("kept out"));
    }
}
