//! The secrets a configuration refers to: the Avaya connection string kept in the file, and
//! the Odigo web-service password, which is not (it comes from an environment variable or a
//! file, read when needed).

use rta_engine::odigo::Password;
use serde::{Deserialize, Deserializer};
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// The ODBC connection string of the CMS database (`DSN=...;UID=...;PWD=...`), kept for the
/// historical import. `Debug` is redacted and there is no `Display`: only
/// [`expose`](ConnectionString::expose) gives the text, to the code that connects.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct ConnectionString(String);

impl ConnectionString {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ConnectionString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ConnectionString(<redacted>)")
    }
}

/// A secret written in the file where only a reference to it is accepted (`ws_password`).
/// Its value is skipped unread; its presence is reported by [`Config::check`].
///
/// [`Config::check`]: super::Config::check
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct InlineSecret;

impl<'de> Deserialize<'de> for InlineSecret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<InlineSecret, D::Error> {
        serde::de::IgnoredAny::deserialize(deserializer).map(|_| InlineSecret)
    }
}

/// Why the web-service password cannot be had. Never holds the password.
#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("no password: set ws_password_env or ws_password_file")]
    NotConfigured,
    #[error("both ws_password_env and ws_password_file are set: keep one")]
    Both,
    #[error("environment variable {0} is not set")]
    EnvUnset(String),
    #[error("environment variable {0} is not valid Unicode")]
    EnvNotUnicode(String),
    #[error("cannot read {path:?}: {source}")]
    File { path: PathBuf, source: io::Error },
    #[error("the password is empty")]
    Empty,
}

/// The password from the environment variable `env` or the file `file` (exactly one).
///
/// A file's final line break is not part of the password (editors add one); other
/// whitespace is.
pub(crate) fn read_password(
    env: Option<&str>,
    file: Option<&Path>,
) -> Result<Password, PasswordError> {
    let password = match (env, file) {
        (None, None) => return Err(PasswordError::NotConfigured),
        (Some(_), Some(_)) => return Err(PasswordError::Both),
        (Some(var), None) => std::env::var(var).map_err(|error| match error {
            std::env::VarError::NotPresent => PasswordError::EnvUnset(var.to_owned()),
            std::env::VarError::NotUnicode(_) => PasswordError::EnvNotUnicode(var.to_owned()),
        })?,
        (None, Some(path)) => {
            let mut text = std::fs::read_to_string(path).map_err(|source| PasswordError::File {
                path: path.to_owned(),
                source,
            })?;
            let kept = text.strip_suffix('\n').map_or(text.len(), |line| {
                line.strip_suffix('\r').unwrap_or(line).len()
            });
            text.truncate(kept);
            text
        }
    };
    if password.is_empty() {
        return Err(PasswordError::Empty);
    }
    Ok(Password::new(password))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_loses_its_final_line_break_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("password");
        for (content, expected) in [("s3cret\r\n", "s3cret"), (" s3 \n\n", " s3 \n"), ("x", "x")] {
            std::fs::write(&path, content).unwrap();
            let password = read_password(None, Some(&path)).unwrap();
            assert_eq!(password.expose(), expected);
        }
        std::fs::write(&path, "\n").unwrap();
        assert!(matches!(
            read_password(None, Some(&path)),
            Err(PasswordError::Empty)
        ));
    }

    #[test]
    fn one_source_exactly() {
        assert!(matches!(
            read_password(None, None),
            Err(PasswordError::NotConfigured)
        ));
        assert!(matches!(
            read_password(Some("X"), Some(Path::new("/p"))),
            Err(PasswordError::Both)
        ));
        assert!(matches!(
            read_password(Some("RTAD_TEST_SURELY_UNSET_VARIABLE"), None),
            Err(PasswordError::EnvUnset(var)) if var == "RTAD_TEST_SURELY_UNSET_VARIABLE"
        ));
    }

    #[test]
    fn debug_hides_the_connection_string() {
        use serde::de::value::{Error, StrDeserializer};
        let text = StrDeserializer::<Error>::new("DSN=cms;PWD=hunter2");
        let secret = ConnectionString::deserialize(text).unwrap();
        assert_eq!(format!("{secret:?}"), "ConnectionString(<redacted>)");
        assert_eq!(secret.expose(), "DSN=cms;PWD=hunter2");
    }
}
