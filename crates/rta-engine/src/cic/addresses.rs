//! The ACD server addresses of a CIC integration, as the integration form gives them:
//! `host:port`, comma-separated, spaces around entries tolerated
//! (`acd1.example.com:8080, acd2.example.com:8080`).
//!
//! Checked once, at configuration time, so that a typo is reported with the entry it is in
//! rather than found by a connector retrying forever:
//! - a host is a DNS name or an IPv4 address (letters, digits, `-`, `_`, `.`; no empty
//!   label), or an IPv6 address in brackets (`[::1]:8080`); names are resolved later, on
//!   every connection attempt;
//! - a port is a decimal number from 1 to 65535;
//! - empty entries (`a:1,,b:2`, a trailing comma) and duplicates (same host, compared
//!   case-insensitively, and port) are refused.

use std::fmt;
use std::net::Ipv6Addr;
use std::str::FromStr;

/// One ACD server: where a connection is attempted (the host is resolved on each attempt).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Address {
    host: Host,
    port: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Host {
    /// A DNS name or an IPv4 address, lower-cased.
    Name(String),
    V6(Ipv6Addr),
}

impl Address {
    /// The host to resolve: a name, an IPv4 address or an IPv6 address (without brackets).
    pub fn host(&self) -> String {
        match &self.host {
            Host::Name(name) => name.clone(),
            Host::V6(ip) => ip.to_string(),
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Parses one `host:port` entry (no surrounding spaces).
    pub fn parse(entry: &str) -> Result<Address, AddressProblem> {
        let (host, port) = if let Some(rest) = entry.strip_prefix('[') {
            let (inside, after) = rest
                .split_once(']')
                .ok_or(AddressProblem::UnclosedBracket)?;
            let ip = inside
                .parse::<Ipv6Addr>()
                .map_err(|_| AddressProblem::BadIpv6(inside.to_owned()))?;
            let port = after.strip_prefix(':').ok_or(AddressProblem::MissingPort)?;
            (Host::V6(ip), port)
        } else {
            if entry.contains("://") {
                return Err(AddressProblem::Scheme);
            }
            let (host, port) = entry.rsplit_once(':').ok_or(AddressProblem::MissingPort)?;
            let ipv6_like = |c: char| c.is_ascii_hexdigit() || c == ':' || c == '.';
            if host.contains(':') && host.chars().all(ipv6_like) {
                return Err(AddressProblem::Ipv6WithoutBrackets);
            }
            (Host::Name(check_name(host)?), port)
        };
        Ok(Address {
            host,
            port: parse_port(port)?,
        })
    }
}

fn check_name(host: &str) -> Result<String, AddressProblem> {
    if host.is_empty() {
        return Err(AddressProblem::MissingHost);
    }
    if let Some(bad) = host
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
    {
        return Err(AddressProblem::BadHostCharacter(bad));
    }
    // A fully qualified name may end with a dot; no other label may be empty.
    let labels = host.strip_suffix('.').unwrap_or(host);
    if labels.split('.').any(str::is_empty) {
        return Err(AddressProblem::EmptyLabel);
    }
    if host.len() > 253 {
        return Err(AddressProblem::HostTooLong(host.len()));
    }
    Ok(host.to_ascii_lowercase())
}

fn parse_port(port: &str) -> Result<u16, AddressProblem> {
    if port.is_empty() {
        return Err(AddressProblem::MissingPort);
    }
    if !port.bytes().all(|b| b.is_ascii_digit()) {
        return Err(AddressProblem::BadPort(port.to_owned()));
    }
    match port.parse::<u16>() {
        Ok(0) => Err(AddressProblem::PortZero),
        Ok(port) => Ok(port),
        Err(_) => Err(AddressProblem::BadPort(port.to_owned())),
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.host {
            Host::Name(name) => write!(f, "{name}:{}", self.port),
            Host::V6(ip) => write!(f, "[{ip}]:{}", self.port),
        }
    }
}

impl FromStr for Address {
    type Err = AddressProblem;

    fn from_str(entry: &str) -> Result<Address, AddressProblem> {
        Address::parse(entry)
    }
}

/// What is wrong with one entry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressProblem {
    #[error("the entry is empty")]
    Empty,
    #[error("no host before the port")]
    MissingHost,
    #[error("no port: write host:port")]
    MissingPort,
    #[error("the port {0:?} is not a number from 1 to 65535")]
    BadPort(String),
    #[error("port 0 cannot be connected to")]
    PortZero,
    #[error("the host contains {0:?}: a host is a DNS name, an IPv4 address or [an IPv6 address]")]
    BadHostCharacter(char),
    #[error("the host has an empty label (two dots in a row, or a leading dot)")]
    EmptyLabel,
    #[error("the host is {0} characters long (at most 253)")]
    HostTooLong(usize),
    #[error("write host:port without a scheme (no http://)")]
    Scheme,
    #[error("an IPv6 address must be written in brackets: [::1]:8080")]
    Ipv6WithoutBrackets,
    #[error("'[' without a closing ']'")]
    UnclosedBracket,
    #[error("{0:?} is not an IPv6 address")]
    BadIpv6(String),
    #[error("it is listed twice")]
    Duplicate,
}

/// The address list of an integration could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    #[error("no ACD server address: give at least one host:port")]
    NoAddress,
    /// `position` counts entries from 1; `entry` is the entry as written (trimmed).
    #[error("ACD server address {position} ({entry:?}): {problem}")]
    Entry {
        position: usize,
        entry: String,
        problem: AddressProblem,
    },
}

/// Parses the form's address list: `host:port` entries separated by commas, with spaces
/// tolerated around each. The first bad entry is reported.
///
/// ```
/// use rta_engine::cic::parse_addresses;
///
/// let addresses = parse_addresses(" acd1.example.com:8080 , [::1]:9000").unwrap();
/// assert_eq!(addresses[0].to_string(), "acd1.example.com:8080");
/// assert_eq!(addresses[1].host(), "::1");
///
/// let error = parse_addresses("acd1:8080, acd2").unwrap_err();
/// assert_eq!(
///     error.to_string(),
///     "ACD server address 2 (\"acd2\"): no port: write host:port"
/// );
/// ```
pub fn parse_addresses(list: &str) -> Result<Vec<Address>, AddressError> {
    if list.trim().is_empty() {
        return Err(AddressError::NoAddress);
    }
    let mut addresses: Vec<Address> = Vec::new();
    for (index, entry) in list.split(',').enumerate() {
        let entry = entry.trim();
        let fail = |problem| AddressError::Entry {
            position: index + 1,
            entry: entry.to_owned(),
            problem,
        };
        if entry.is_empty() {
            return Err(fail(AddressProblem::Empty));
        }
        let address = Address::parse(entry).map_err(fail)?;
        if addresses.contains(&address) {
            return Err(fail(AddressProblem::Duplicate));
        }
        addresses.push(address);
    }
    Ok(addresses)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(list: &str) -> (usize, String, AddressProblem) {
        match parse_addresses(list) {
            Err(AddressError::Entry {
                position,
                entry,
                problem,
            }) => (position, entry, problem),
            other => panic!("{list:?}: expected an entry error, got {other:?}"),
        }
    }

    #[test]
    fn the_form_string_with_spaces() {
        let addresses =
            parse_addresses("acd1.example.com:8080, acd2.example.com:8080 ,10.0.0.7:1").unwrap();
        let shown: Vec<String> = addresses.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "acd1.example.com:8080",
                "acd2.example.com:8080",
                "10.0.0.7:1"
            ]
        );
        assert_eq!(addresses[2].host(), "10.0.0.7");
        assert_eq!(addresses[2].port(), 1);
    }

    #[test]
    fn ipv6_in_brackets() {
        let addresses = parse_addresses("[::1]:8080,[fe80::1:2]:65535").unwrap();
        assert_eq!(addresses[0].host(), "::1");
        assert_eq!(addresses[0].to_string(), "[::1]:8080");
        assert_eq!(addresses[1].port(), 65535);
        assert_eq!(problem("::1:8080").2, AddressProblem::Ipv6WithoutBrackets);
        assert_eq!(problem("[::1:8080").2, AddressProblem::UnclosedBracket);
        assert_eq!(problem("[::1]").2, AddressProblem::MissingPort);
        assert_eq!(problem("[::1]8080").2, AddressProblem::MissingPort);
        assert_eq!(
            problem("[nope]:1").2,
            AddressProblem::BadIpv6("nope".into())
        );
    }

    #[test]
    fn bad_entries_are_named() {
        assert_eq!(parse_addresses(""), Err(AddressError::NoAddress));
        assert_eq!(problem(" , "), (1, String::new(), AddressProblem::Empty));
        assert_eq!(
            problem("a:1,,b:2"),
            (2, String::new(), AddressProblem::Empty)
        );
        assert_eq!(problem("a:1,").0, 2);
        assert_eq!(
            problem("a:1, acd2"),
            (2, "acd2".into(), AddressProblem::MissingPort)
        );
        assert_eq!(problem("acd:").2, AddressProblem::MissingPort);
        assert_eq!(problem(":80").2, AddressProblem::MissingHost);
        assert_eq!(problem("acd:0").2, AddressProblem::PortZero);
        assert_eq!(
            problem("acd:65536").2,
            AddressProblem::BadPort("65536".into())
        );
        assert_eq!(problem("acd:+80").2, AddressProblem::BadPort("+80".into()));
        assert_eq!(
            problem("acd:http").2,
            AddressProblem::BadPort("http".into())
        );
        assert_eq!(problem("acd 1:80").2, AddressProblem::BadHostCharacter(' '));
        assert_eq!(problem("http://acd:80").2, AddressProblem::Scheme);
        assert_eq!(problem("acd/x:80").2, AddressProblem::BadHostCharacter('/'));
        assert_eq!(problem("acd:x:80").2, AddressProblem::BadHostCharacter(':'));
        assert_eq!(problem("acd..x:80").2, AddressProblem::EmptyLabel);
        assert_eq!(problem(".acd:80").2, AddressProblem::EmptyLabel);
        assert!(parse_addresses("acd.example.com.:80").is_ok());
        let long = format!("{}:80", "a.".repeat(127));
        assert_eq!(problem(&long).2, AddressProblem::HostTooLong(254));
    }

    #[test]
    fn duplicates_are_refused() {
        assert_eq!(
            problem("acd:80, ACD:80"),
            (2, "ACD:80".into(), AddressProblem::Duplicate)
        );
        assert_eq!(
            problem("[::1]:80, [0:0::1]:80").2,
            AddressProblem::Duplicate
        );
        assert!(parse_addresses("acd:80, acd:81").is_ok());
    }

    #[test]
    fn messages_name_the_entry() {
        let error = parse_addresses("acd1:8080, acd2:0").unwrap_err();
        assert_eq!(
            error.to_string(),
            "ACD server address 2 (\"acd2:0\"): port 0 cannot be connected to"
        );
    }
}
