//! `[[integration]]`: one source each, its common keys and those of its kind.

use super::secret::{ConnectionString, InlineSecret, PasswordError, read_password};
use rta_avaya::{AssemblerConfig, Layout, LayoutError};
use rta_cic::Dialect;
use rta_engine::cic::Mode;
use rta_engine::engine::{self, IntegrationSettings, Source};
use rta_engine::odigo::{OdigoIntegration, Password, PauseDetailsConfig};
use rta_model::{IntegrationId, UnknownZone, Zone};
use rta_odigo::{TokenError, TokenHash, TokenStore};
use serde::de::{self, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::num::{NonZeroU16, NonZeroU32};
use std::path::PathBuf;
use std::time::Duration;

/// One source of agent statuses.
///
/// The kind-specific keys sit in the same table as the common ones (`kind` picks which are
/// accepted): serde's `flatten` hands the keys `name`, `timezone` and `paused` do not take to
/// [`Settings`], whose structs refuse unknown keys.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
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

    /// What the engine is told to run ([`rta_engine::engine::Engine::add_integration`]).
    /// An Odigo integration's token hash is read from `tokens` (written by `rtad token`):
    /// without one it cannot be reached, so it is an error here, not a default.
    pub fn engine_settings(
        &self,
        tokens: &TokenStore,
    ) -> Result<IntegrationSettings, EngineSettingsError> {
        let zone = self.zone()?;
        let source = match &self.settings {
            Settings::AvayaCms(avaya) => Source::Avaya(avaya.engine_settings(zone)?),
            Settings::Cic(cic) => Source::Cic(cic.engine_settings(zone)),
            Settings::Odigo(odigo) => {
                let token = tokens
                    .load(&self.name)?
                    .ok_or_else(|| EngineSettingsError::NoToken(self.name.clone()))?;
                Source::Odigo(odigo.engine_settings(token)?)
            }
        };
        Ok(IntegrationSettings {
            name: self.name.as_str().into(),
            source,
        })
    }

    /// Whether going from `self` to `new` changes what the engine runs, `paused` aside (a
    /// pause or a resume does not restart anything). The Odigo token is not part of the
    /// file: compare [`Integration::engine_settings`]'s hashes for it.
    pub fn settings_differ(&self, new: &Integration) -> bool {
        (&self.timezone, &self.settings) != (&new.timezone, &new.settings)
    }
}

/// An integration that cannot be turned into the engine's settings. [`Config::check`]
/// reports all of these but the missing token (which is only a note there).
///
/// [`Config::check`]: super::Config::check
#[derive(Debug, thiserror::Error)]
pub enum EngineSettingsError {
    #[error(transparent)]
    Zone(#[from] UnknownZone),
    #[error("layout: {0}")]
    Layout(#[from] LayoutError),
    #[error(transparent)]
    PauseDetails(#[from] PauseSettingsError),
    #[error("its stored token cannot be used: {0}")]
    Token(#[from] TokenError),
    #[error("odigo integration {0:?} has no URL token yet: run `rtad token --integration {0}`")]
    NoToken(String),
}

/// The kind-specific part of an integration, chosen by its `kind` key.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
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

    /// The engine's settings, with the batch times in `zone`. The port is opened on every
    /// address (CMS connects from another machine; `allowed_peers` restricts who may).
    pub fn engine_settings(&self, zone: Zone) -> Result<engine::AvayaSettings, LayoutError> {
        Ok(engine::AvayaSettings {
            listen: SocketAddr::from((Ipv4Addr::UNSPECIFIED, self.realtime_port.get())),
            layout: self.layout()?,
            // Left out: the assembler's default (the id only names whose default it is).
            refresh: self.refresh_seconds.map_or_else(
                || {
                    AssemblerConfig::new(IntegrationId(0))
                        .refresh
                        .unsigned_abs()
                },
                |seconds| Duration::from_secs(u64::from(seconds.get())),
            ),
            detailed_statuses: self.detailed_statuses,
            zone,
            allowed_peers: self.allowed_peers.clone(),
        })
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
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
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
    /// The engine's settings, the servers writing local times in `zone`. The server list is
    /// parsed by the engine (and by [`Config::check`](super::Config::check) before).
    pub fn engine_settings(&self, zone: Zone) -> engine::CicSettings {
        engine::CicSettings {
            servers: self.servers.clone(),
            mode: self.mode,
            dialect: self.dialect,
            zone,
        }
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
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
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

    /// The engine's settings for the integration whose URL token hashes to `token`. Reads
    /// the web-service password now, when pause details are on.
    pub fn engine_settings(
        &self,
        token: TokenHash,
    ) -> Result<engine::OdigoSettings, PauseSettingsError> {
        Ok(engine::OdigoSettings {
            token,
            pause_details: self.pause_details_config()?,
            // The receiver's default (no key for it: Odigo sends only changes, so a quiet
            // feed is normal and the default is long).
            stale_after: OdigoIntegration::new("", IntegrationId(0), token).stale_after,
        })
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
    fn avaya_settings_make_the_engines() {
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
        let settings = avaya.engine_settings(cms.zone().unwrap()).unwrap();
        assert_eq!(settings.layout.kind(), ReportKind::Split);
        assert_eq!(settings.listen, "0.0.0.0:5001".parse().unwrap());
        assert_eq!(settings.zone.name(), "Europe/Paris");
        assert_eq!(settings.refresh, Duration::from_secs(3));
        assert!(settings.detailed_statuses);
        assert_eq!(settings.allowed_peers.unwrap().len(), 2);

        let plain = integration(
            "name = \"cms\"\nkind = \"avaya-cms\"\ntimezone = \"UTC\"\nrealtime_port = 5001",
        );
        let Settings::AvayaCms(avaya) = &plain.settings else {
            panic!("avaya")
        };
        let settings = avaya.engine_settings(Zone::utc()).unwrap();
        assert_eq!(settings.layout, Layout::agent());
        assert_eq!(settings.refresh, Duration::from_secs(15));
        assert!(!settings.detailed_statuses);
        assert_eq!(settings.allowed_peers, None);
    }

    #[test]
    fn cic_settings_make_the_engines() {
        let cic = integration(
            "name = \"cic\"\nkind = \"cic\"\ntimezone = \"America/New_York\"\n\
             servers = \"acd1:8080, [::1]:9000\"\nmode = \"failover\"\ndialect = \"icws\"",
        );
        let Settings::Cic(settings) = &cic.settings else {
            panic!("cic")
        };
        let config = settings.engine_settings(cic.zone().unwrap());
        assert_eq!(config.servers, "acd1:8080, [::1]:9000");
        assert_eq!(config.mode, Mode::Failover);
        assert_eq!(config.dialect, Dialect::Icws);
        assert_eq!(config.zone.name(), "America/New_York");

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
    fn an_odigo_integration_needs_its_stored_token() {
        let dir = tempfile::tempdir().unwrap();
        let tokens = TokenStore::new(dir.path());
        let odigo = integration("name = \"o\"\nkind = \"odigo\"\ntimezone = \"UTC\"");
        let error = odigo.engine_settings(&tokens).unwrap_err();
        assert_eq!(
            error.to_string(),
            "odigo integration \"o\" has no URL token yet: run `rtad token --integration o`"
        );
        let token = tokens.rotate("o").unwrap();
        let settings = odigo.engine_settings(&tokens).unwrap();
        assert_eq!(&*settings.name, "o");
        let Source::Odigo(settings) = settings.source else {
            panic!("odigo")
        };
        assert!(settings.token == token.hash());
        assert!(settings.pause_details.is_none());
    }

    #[test]
    fn only_the_timezone_and_the_kind_settings_make_a_difference() {
        let base = "name = \"c\"\nkind = \"cic\"\nservers = \"a:1\"\n";
        let utc = integration(&format!("{base}timezone = \"UTC\""));
        let paused = integration(&format!("{base}timezone = \"UTC\"\npaused = true"));
        let paris = integration(&format!("{base}timezone = \"Europe/Paris\""));
        let moved =
            integration("name = \"c\"\nkind = \"cic\"\nservers = \"b:1\"\ntimezone = \"UTC\"");
        assert!(!utc.settings_differ(&paused));
        assert!(utc.settings_differ(&paris));
        assert!(utc.settings_differ(&moved));
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
