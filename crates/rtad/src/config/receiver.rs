//! `[odigo]`: the HTTP(S) server Odigo pushes notifications to, shared by every Odigo
//! integration (each has its own secret token URL under `base_path`).

use rta_engine::odigo::{ReceiverConfig, TlsFiles};
use serde::Deserialize;
use std::net::SocketAddr;
use std::num::{NonZeroU64, NonZeroUsize};
use std::path::PathBuf;
use std::time::Duration;

/// `[odigo]`. The limits left out keep [`ReceiverConfig::new`]'s defaults.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReceiverSettings {
    pub listen: SocketAddr,
    /// The address Odigo reaches the receiver at, base path included
    /// (`https://rta.example.com/odigo`): `rtad token` prints `<public_url>/<token>`. It
    /// differs from `listen` behind a proxy or a NAT.
    pub public_url: String,
    /// The path the token URLs start with (default `/odigo`).
    pub base_path: Option<String>,
    /// HTTPS with these files; plain HTTP without.
    pub tls: Option<TlsSettings>,
    /// Largest accepted body, in bytes.
    pub body_limit: Option<NonZeroUsize>,
    pub request_timeout_seconds: Option<NonZeroU64>,
    pub idle_timeout_seconds: Option<NonZeroU64>,
    pub max_connections: Option<NonZeroUsize>,
    pub max_in_flight: Option<NonZeroUsize>,
    pub queue_capacity: Option<NonZeroUsize>,
}

/// `[odigo.tls]`: PEM files.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsSettings {
    pub certificate_chain: PathBuf,
    pub private_key: PathBuf,
}

/// What is wrong with `public_url`. Never shows the URL: it is not secret, but a URL pasted
/// with a token in it would be.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PublicUrlError {
    #[error("must start with https:// or http://")]
    Scheme,
    #[error("has no host after the scheme")]
    NoHost,
    #[error("must not have a query (?) or a fragment (#): the token is appended to it")]
    QueryOrFragment,
    #[error("must not contain spaces or control characters")]
    Whitespace,
}

impl ReceiverSettings {
    /// The receiver's settings.
    pub fn receiver_config(&self) -> ReceiverConfig {
        let mut config = ReceiverConfig::new(self.listen);
        if let Some(base_path) = &self.base_path {
            config.base_path.clone_from(base_path);
        }
        config.tls = self.tls.as_ref().map(|tls| TlsFiles {
            certificate_chain: tls.certificate_chain.clone(),
            private_key: tls.private_key.clone(),
        });
        let seconds = |value: NonZeroU64| Duration::from_secs(value.get());
        let set = |field: &mut usize, value: Option<NonZeroUsize>| {
            if let Some(value) = value {
                *field = value.get();
            }
        };
        set(&mut config.body_limit, self.body_limit);
        set(&mut config.max_connections, self.max_connections);
        set(&mut config.max_in_flight, self.max_in_flight);
        set(&mut config.queue_capacity, self.queue_capacity);
        if let Some(value) = self.request_timeout_seconds {
            config.request_timeout = seconds(value);
        }
        if let Some(value) = self.idle_timeout_seconds {
            config.idle_timeout = seconds(value);
        }
        config
    }

    /// The full URL to paste into Odigo for `token`: `<public_url>/<token>`.
    pub fn token_url(&self, token: &str) -> Result<String, PublicUrlError> {
        Ok(format!("{}/{token}", self.public_url()?))
    }

    /// `public_url` checked, without a trailing `/`.
    pub fn public_url(&self) -> Result<&str, PublicUrlError> {
        let url = self.public_url.trim_end_matches('/');
        let rest = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"))
            .ok_or(PublicUrlError::Scheme)?;
        if rest.is_empty() || rest.starts_with('/') {
            return Err(PublicUrlError::NoHost);
        }
        if rest.contains(['?', '#']) {
            return Err(PublicUrlError::QueryOrFragment);
        }
        if rest.contains(|c: char| c.is_whitespace() || c.is_control()) {
            return Err(PublicUrlError::Whitespace);
        }
        Ok(url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(text: &str) -> ReceiverSettings {
        toml::from_str(text).unwrap()
    }

    #[test]
    fn defaults_are_the_engines_and_set_values_replace_them() {
        let plain = settings("listen = \"0.0.0.0:8443\"\npublic_url = \"http://h/odigo\"");
        let defaults = ReceiverConfig::new("0.0.0.0:8443".parse().unwrap());
        let config = plain.receiver_config();
        assert_eq!(config.base_path, defaults.base_path);
        assert_eq!(config.body_limit, defaults.body_limit);
        assert_eq!(config.tls, None);

        let tuned = settings(
            "listen = \"0.0.0.0:8443\"\npublic_url = \"https://h/in\"\nbase_path = \"/in\"\n\
             body_limit = 1000\nrequest_timeout_seconds = 3\nmax_in_flight = 7\n\
             [tls]\ncertificate_chain = \"c.pem\"\nprivate_key = \"k.pem\"",
        );
        let config = tuned.receiver_config();
        assert_eq!(config.base_path, "/in");
        assert_eq!(config.body_limit, 1000);
        assert_eq!(config.request_timeout, Duration::from_secs(3));
        assert_eq!(config.idle_timeout, defaults.idle_timeout);
        assert_eq!(config.max_in_flight, 7);
        assert_eq!(config.tls.unwrap().private_key, PathBuf::from("k.pem"));
    }

    #[test]
    fn the_token_url_is_the_public_url_and_the_token() {
        let with = |url: &str| settings(&format!("listen = \"[::]:1\"\npublic_url = \"{url}\""));
        assert_eq!(
            with("https://rta.example.com/odigo/").token_url("T0k"),
            Ok("https://rta.example.com/odigo/T0k".to_owned())
        );
        assert_eq!(
            with("ftp://x/odigo").public_url(),
            Err(PublicUrlError::Scheme)
        );
        assert_eq!(
            with("https:///odigo").public_url(),
            Err(PublicUrlError::NoHost)
        );
        assert_eq!(
            with("https://h/odigo?x=1").public_url(),
            Err(PublicUrlError::QueryOrFragment)
        );
        assert_eq!(
            with("https://h/o digo").public_url(),
            Err(PublicUrlError::Whitespace)
        );
    }
}
