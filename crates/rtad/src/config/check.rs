//! [`Config::check`]: everything wrong with a parsed configuration, each problem with the key
//! it is about.

use super::integration::{AvayaSettings, CicSettings, OdigoSettings};
use super::output::NdjsonTarget;
use super::secret::PasswordError;
use super::{Config, Integration, Output, Settings};
use rta_engine::cic::parse_addresses;
use rta_engine::odigo::{PauseConfigError, PauseDetailsConfig, WebService};
use rta_odigo::TokenStore;
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::path::Path;

/// One thing wrong with the configuration: the key path it is about
/// (`integration[2].timezone`, `adherence.schedules`) and what is wrong. Never holds a
/// secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub key: String,
    pub message: String,
}

impl Problem {
    pub fn new(key: impl Into<String>, message: impl fmt::Display) -> Problem {
        Problem {
            key: key.into(),
            message: message.to_string(),
        }
    }
}

/// `key: message`.
impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.key, self.message)
    }
}

impl Config {
    /// Every problem of the configuration, in file order (listener clashes after the
    /// integrations, the adherence files last); empty when the engine can be built from it.
    ///
    /// Reads what the configuration points to (files, environment variables, stored token
    /// hashes) but changes nothing.
    pub fn check(&self) -> Vec<Problem> {
        let mut problems = Vec::new();
        if self.state_dir.exists() && !self.state_dir.is_dir() {
            problems.push(Problem::new(
                "state_dir",
                format_args!("{:?} is not a directory", self.state_dir),
            ));
        }
        if let Some(odigo) = &self.odigo {
            if let Err(error) = odigo.public_url() {
                problems.push(Problem::new("odigo.public_url", error));
            }
            if let Some(base_path) = &odigo.base_path
                && (!base_path.starts_with('/') || base_path.contains(['?', '#']))
            {
                problems.push(Problem::new(
                    "odigo.base_path",
                    format_args!("{base_path:?} must start with '/' and hold no '?' or '#'"),
                ));
            }
            if let Some(tls) = &odigo.tls {
                readable(
                    &mut problems,
                    "odigo.tls.certificate_chain",
                    &tls.certificate_chain,
                );
                readable(&mut problems, "odigo.tls.private_key", &tls.private_key);
            }
        }
        let mut names: HashMap<&str, usize> = HashMap::new();
        for (index, integration) in self.integrations.iter().enumerate() {
            let key = |field: &str| format!("integration[{index}].{field}");
            if integration.name.trim().is_empty() {
                problems.push(Problem::new(key("name"), "is empty"));
            } else {
                match names.entry(&integration.name) {
                    Entry::Vacant(vacant) => {
                        vacant.insert(index);
                    }
                    Entry::Occupied(first) => problems.push(Problem::new(
                        key("name"),
                        format_args!(
                            "{:?} is also integration[{}]'s name",
                            integration.name,
                            first.get()
                        ),
                    )),
                }
            }
            if let Err(error) = integration.zone() {
                problems.push(Problem::new(key("timezone"), error));
            }
            match &integration.settings {
                Settings::AvayaCms(avaya) => check_avaya(&mut problems, &key, avaya),
                Settings::Cic(cic) => check_cic(&mut problems, &key, cic),
                Settings::Odigo(odigo) => {
                    self.check_odigo(&mut problems, &key, integration, odigo);
                }
            }
        }
        let odigo_count = self
            .integrations
            .iter()
            .filter(|integration| matches!(integration.settings, Settings::Odigo(_)))
            .count();
        if odigo_count > 0 && self.odigo.is_none() {
            problems.push(Problem::new(
                "odigo",
                format_args!(
                    "missing: {odigo_count} odigo integration(s) need the [odigo] receiver \
                     (listen, public_url)"
                ),
            ));
        }
        self.check_listeners(&mut problems);
        self.check_outputs(&mut problems);
        if let Some(files) = &self.adherence {
            problems.extend(files.check());
        }
        problems
    }

    fn check_odigo(
        &self,
        problems: &mut Vec<Problem>,
        key: &dyn Fn(&str) -> String,
        integration: &Integration,
        odigo: &OdigoSettings,
    ) {
        if odigo.inline_password.is_some() {
            problems.push(Problem::new(
                key("ws_password"),
                "passwords are not written in the configuration: put it in an environment \
                 variable (ws_password_env = \"VAR\") or in a file only rtad can read \
                 (ws_password_file = \"path\")",
            ));
        }
        if !integration.name.is_empty()
            && let Err(error) = TokenStore::new(&self.state_dir).load(&integration.name)
        {
            problems.push(Problem::new(
                key("name"),
                format_args!("its stored token cannot be used: {error}"),
            ));
        }
        if !odigo.pause_details {
            return;
        }
        let required = "required when pause_details is on";
        if odigo.odigo_url.is_none() {
            problems.push(Problem::new(key("odigo_url"), required));
        }
        if odigo.ws_user.is_none() {
            problems.push(Problem::new(key("ws_user"), required));
        }
        let password = odigo.password().map_err(|error| {
            let field = match &error {
                PasswordError::NotConfigured => "ws_password_env",
                PasswordError::EnvUnset(_) | PasswordError::EnvNotUnicode(_) => "ws_password_env",
                PasswordError::Both | PasswordError::File { .. } => "ws_password_file",
                PasswordError::Empty if odigo.ws_password_env.is_some() => "ws_password_env",
                PasswordError::Empty => "ws_password_file",
            };
            problems.push(Problem::new(key(field), error));
        });
        if let (Some(url), Some(user), Ok(password)) = (&odigo.odigo_url, &odigo.ws_user, password)
        {
            // The checks of the engine's web-service client, which builds no connection yet.
            if let Err(error) = WebService::new(&PauseDetailsConfig::new(url, user, password)) {
                let field = match error {
                    PauseConfigError::UrlSyntax(_)
                    | PauseConfigError::UrlScheme(_)
                    | PauseConfigError::UrlCredentials
                    | PauseConfigError::UrlQuery => "odigo_url",
                    PauseConfigError::User => "ws_user",
                    PauseConfigError::ZeroTimeout | PauseConfigError::Client(_) => "pause_details",
                };
                problems.push(Problem::new(key(field), error));
            }
        }
    }

    /// Two listeners clash when they have the same port and the same address, or one of
    /// them listens on every address (Avaya ports always do). Port 0 (any free port) never
    /// clashes.
    fn check_listeners(&self, problems: &mut Vec<Problem>) {
        let mut listeners: Vec<(String, Option<IpAddr>, u16)> = Vec::new();
        let mut socket = |key: String, address: SocketAddr| {
            let ip = Some(address.ip()).filter(|ip| !ip.is_unspecified());
            listeners.push((key, ip, address.port()));
        };
        socket("http.listen".into(), self.http.listen);
        if let Some(odigo) = &self.odigo {
            socket("odigo.listen".into(), odigo.listen);
        }
        for (index, output) in self.outputs.iter().enumerate() {
            if let Output::TcpMsgpack { listen } = output {
                socket(format!("output[{index}].listen"), *listen);
            }
        }
        for (index, integration) in self.integrations.iter().enumerate() {
            if let Settings::AvayaCms(avaya) = &integration.settings {
                let key = format!("integration[{index}].realtime_port");
                listeners.push((key, None, avaya.realtime_port.get()));
            }
        }
        for (later, (key, ip, port)) in listeners.iter().enumerate() {
            let clash = listeners[..later].iter().find(|(_, other_ip, other_port)| {
                *port != 0
                    && port == other_port
                    && (ip.is_none() || other_ip.is_none() || ip == other_ip)
            });
            if let Some((other, _, _)) = clash {
                problems.push(Problem::new(
                    key.as_str(),
                    format_args!("port {port} is also used by {other}"),
                ));
            }
        }
    }

    fn check_outputs(&self, problems: &mut Vec<Problem>) {
        let mut targets: Vec<(NdjsonTarget<'_>, usize)> = Vec::new();
        let mut sse = None;
        for (index, output) in self.outputs.iter().enumerate() {
            let key = |field: &str| format!("output[{index}].{field}");
            match output {
                Output::Ndjson(ndjson) => match ndjson.target() {
                    Err(error) => problems.push(Problem::new(format!("output[{index}]"), error)),
                    Ok(target) => {
                        let field = match target {
                            NdjsonTarget::Stdout => "stdout",
                            NdjsonTarget::File(path) => {
                                check_output_file(problems, key("path"), path);
                                "path"
                            }
                        };
                        match targets.iter().find(|(other, _)| *other == target) {
                            Some((_, first)) => problems.push(Problem::new(
                                key(field),
                                format_args!("output[{first}] writes there too"),
                            )),
                            None => targets.push((target, index)),
                        }
                    }
                },
                Output::Sse {} => match sse {
                    Some(first) => problems.push(Problem::new(
                        key("kind"),
                        format_args!("output[{first}] is already the sse output (/events)"),
                    )),
                    None => sse = Some(index),
                },
                Output::TcpMsgpack { .. } => {}
            }
        }
    }
}

fn check_avaya(problems: &mut Vec<Problem>, key: &dyn Fn(&str) -> String, avaya: &AvayaSettings) {
    if let Err(error) = avaya.layout() {
        problems.push(Problem::new(key("layout"), error));
    }
    if avaya.allowed_peers.as_ref().is_some_and(Vec::is_empty) {
        problems.push(Problem::new(
            key("allowed_peers"),
            "an empty list refuses every peer: list CMS's addresses, or remove the key to \
             accept any",
        ));
    }
}

fn check_cic(problems: &mut Vec<Problem>, key: &dyn Fn(&str) -> String, cic: &CicSettings) {
    if let Err(error) = parse_addresses(&cic.servers) {
        problems.push(Problem::new(key("servers"), error));
    }
}

/// A file rtad must read: opening it is the test (permissions included).
fn readable(problems: &mut Vec<Problem>, key: &str, path: &Path) {
    if let Err(error) = std::fs::File::open(path) {
        problems.push(Problem::new(
            key,
            format_args!("cannot read {path:?}: {error}"),
        ));
    }
}

/// An NDJSON file: appended to (created if missing), so its directory must exist.
fn check_output_file(problems: &mut Vec<Problem>, key: String, path: &Path) {
    let parent = path
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty());
    if path.is_dir() {
        problems.push(Problem::new(key, format_args!("{path:?} is a directory")));
    } else if let Some(parent) = parent
        && !parent.is_dir()
    {
        problems.push(Problem::new(
            key,
            format_args!("directory {parent:?} does not exist"),
        ));
    }
}
