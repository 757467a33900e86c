//! `[[output]]`: where events go. Each is optional; several may run at once.

use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// One output, chosen by its `kind` key.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Output {
    /// One JSON event a line, to a file or to standard output.
    Ndjson(NdjsonOutput),
    /// A TCP server streaming length-prefixed MessagePack frames to its subscribers.
    TcpMsgpack { listen: SocketAddr },
    /// Server-Sent Events at `/events` on the `[http]` server.
    Sse {},
}

/// `kind = "ndjson"`: `path = "..."` or `stdout = true`, exactly one.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NdjsonOutput {
    /// The file events are appended to.
    pub path: Option<PathBuf>,
    #[serde(default)]
    pub stdout: bool,
}

/// Where an NDJSON output writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NdjsonTarget<'a> {
    Stdout,
    File(&'a Path),
}

/// An NDJSON output that names no target, or two.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NdjsonTargetError {
    #[error("give path = \"...\" or stdout = true")]
    None,
    #[error("path and stdout = true both given: keep one")]
    Both,
}

impl NdjsonOutput {
    pub fn target(&self) -> Result<NdjsonTarget<'_>, NdjsonTargetError> {
        match (&self.path, self.stdout) {
            (Some(path), false) => Ok(NdjsonTarget::File(path)),
            (None, true) => Ok(NdjsonTarget::Stdout),
            (None, false) => Err(NdjsonTargetError::None),
            (Some(_), true) => Err(NdjsonTargetError::Both),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    struct Outputs {
        output: Vec<Output>,
    }

    fn parse(text: &str) -> Result<Vec<Output>, toml::de::Error> {
        toml::from_str::<Outputs>(text).map(|outputs| outputs.output)
    }

    #[test]
    fn each_kind_takes_its_keys_only() {
        let outputs = parse(
            "[[output]]\nkind = \"ndjson\"\nstdout = true\n\
             [[output]]\nkind = \"tcp-msgpack\"\nlisten = \"0.0.0.0:7000\"\n\
             [[output]]\nkind = \"sse\"\n",
        )
        .unwrap();
        assert!(
            matches!(&outputs[0], Output::Ndjson(ndjson) if ndjson.target() == Ok(NdjsonTarget::Stdout))
        );
        assert_eq!(
            outputs[1],
            Output::TcpMsgpack {
                listen: "0.0.0.0:7000".parse().unwrap()
            }
        );
        assert_eq!(outputs[2], Output::Sse {});

        for wrong in [
            "[[output]]\nkind = \"sse\"\npath = \"x\"\n",
            "[[output]]\nkind = \"ndjson\"\nlisten = \"0.0.0.0:1\"\n",
            "[[output]]\nkind = \"tcp-msgpack\"\nlisten = \"0.0.0.0:1\"\nstdout = true\n",
        ] {
            let error = parse(wrong).unwrap_err();
            assert!(
                error.message().contains("unknown field"),
                "{wrong}: {error}"
            );
        }
    }

    #[test]
    fn ndjson_needs_one_target() {
        let both = NdjsonOutput {
            path: Some("e.ndjson".into()),
            stdout: true,
        };
        assert_eq!(both.target(), Err(NdjsonTargetError::Both));
        let none = NdjsonOutput {
            path: None,
            stdout: false,
        };
        assert_eq!(none.target(), Err(NdjsonTargetError::None));
    }
}
