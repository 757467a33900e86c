//! The CIC client (line dialect): one task per server, lines split into owned `String`s,
//! snapshots compared with the users that server reported before.

use crate::core::{Core, StatusUpdate};
use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use rta_model::Phase;
use serde_json::Value;
use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::net::TcpStream;

/// The status code of a user absent from a completed snapshot (rta's default too).
const LOGGED_OUT: &str = "logged out";

/// The wait before connecting again after a failure or a disconnect (rta backs off with
/// jitter; a fixed second is the simple way).
const RECONNECT_AFTER: Duration = Duration::from_secs(1);

/// One CIC integration.
#[derive(Debug)]
pub(crate) struct Integration {
    pub(crate) name: String,
    pub(crate) zone: TimeZone,
}

/// Connects to `server`, reads it until it closes, and connects again, forever.
pub(crate) async fn follow(server: SocketAddr, integration: Arc<Integration>, core: Arc<Core>) {
    // The users this server listed, kept across reconnects: its next snapshot logs out those
    // it no longer lists.
    let mut known: HashSet<String> = HashSet::new();
    loop {
        match TcpStream::connect(server).await {
            Ok(stream) => read_server(stream, &integration, &core, &mut known).await,
            Err(error) => tracing::debug!(%server, %error, "naive CIC: cannot connect"),
        }
        tokio::time::sleep(RECONNECT_AFTER).await;
    }
}

async fn read_server(
    stream: TcpStream,
    integration: &Integration,
    core: &Core,
    known: &mut HashSet<String>,
) {
    let mut lines = BufReader::new(stream).lines();
    // The users listed by the snapshot in progress; `None` outside a snapshot.
    let mut snapshot: Option<HashSet<String>> = None;
    while let Ok(Some(line)) = lines.next_line().await {
        let received = Timestamp::now();
        let fields = split_fields(line.trim_end_matches('\r'));
        let field = |index: usize| fields.get(index).map(String::as_str).unwrap_or("");
        match field(0) {
            "STATUS" => {
                let Some(update) = parse_status(&fields, integration, received) else {
                    tracing::debug!(line, "naive CIC: bad record skipped");
                    continue;
                };
                if let Some(listed) = snapshot.as_mut() {
                    listed.insert(update.external_id.clone());
                }
                known.insert(update.external_id.clone());
                core.apply(update);
            }
            "SNAPSHOT" if field(1) == "BEGIN" => snapshot = Some(HashSet::new()),
            "SNAPSHOT" if field(1) == "END" => {
                let Some(listed) = snapshot.take() else {
                    continue;
                };
                let time = parse_time(field(2), &integration.zone).unwrap_or(received);
                let absent: Vec<String> = known.difference(&listed).cloned().collect();
                for user in absent {
                    known.remove(&user);
                    core.apply(StatusUpdate {
                        integration: integration.name.clone(),
                        external_id: user,
                        phase: Phase::LoggedOut,
                        status: LOGGED_OUT.to_string(),
                        reason: Value::Null,
                        detail: Value::Null,
                        time,
                        received,
                    });
                }
                core.mark_up(&integration.name, received);
            }
            // Heartbeats need no answer; unknown records are ignored.
            _ => {}
        }
    }
}

/// `STATUS|time|user|key|text|group|logged in|acd|dnd|acw|on phone|station`.
fn parse_status(
    fields: &[String],
    integration: &Integration,
    received: Timestamp,
) -> Option<StatusUpdate> {
    let field = |index: usize| fields.get(index).map(String::as_str).unwrap_or("");
    let user = field(2);
    let key = field(3);
    if user.is_empty() || key.is_empty() {
        return None;
    }
    let flag = |index: usize, absent: bool| match field(index) {
        "1" => true,
        "0" => false,
        _ => absent,
    };
    let logged_in = flag(6, true);
    let acd = flag(7, false);
    let acw = flag(9, false);
    let on_phone = flag(10, false);
    let phase = if !logged_in {
        Phase::LoggedOut
    } else if on_phone {
        Phase::Talking
    } else if acd {
        Phase::Available
    } else if acw {
        Phase::WrapUp
    } else {
        Phase::Away
    };
    // Status keys are case-insensitive: the code is the key in lower case, as rta folds it.
    let code = key.to_lowercase();
    let reason = if phase == Phase::Away {
        Value::String(code.clone())
    } else {
        Value::Null
    };
    let station = field(11);
    let detail = if station.is_empty() {
        Value::Null
    } else {
        Value::String(station.to_string())
    };
    Some(StatusUpdate {
        integration: integration.name.clone(),
        external_id: user.to_string(),
        phase,
        status: code,
        reason,
        detail,
        time: parse_time(field(1), &integration.zone).unwrap_or(received),
        received,
    })
}

/// RFC 3339 with an offset, or `YYYY-MM-DD HH:MM:SS[.fff]` in the ACD zone (a repeated
/// local time is the earlier instant, a skipped one moves forward).
fn parse_time(text: &str, zone: &TimeZone) -> Option<Timestamp> {
    if let Ok(instant) = text.parse::<Timestamp>() {
        return Some(instant);
    }
    let local: DateTime = text.parse().ok()?;
    zone.to_ambiguous_timestamp(local).compatible().ok()
}

/// Splits on `|`, reading `\|` as a `|` inside a value and `\\` as a backslash.
fn split_fields(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        let current = fields.last_mut().expect("never empty");
        match c {
            '\\' => {
                if let Some(escaped) = chars.next() {
                    current.push(escaped);
                }
            }
            '|' => fields.push(String::new()),
            c => current.push(c),
        }
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_unescape() {
        assert_eq!(
            split_fields(r"STATUS|t|j\|doe|a\\b||"),
            ["STATUS", "t", "j|doe", r"a\b", "", ""]
        );
    }

    #[test]
    fn local_and_offset_times() {
        let paris = TimeZone::get("Europe/Paris").unwrap();
        assert_eq!(
            parse_time("2026-11-23 07:58:12", &paris)
                .unwrap()
                .to_string(),
            "2026-11-23T06:58:12Z"
        );
        assert_eq!(
            parse_time("2026-11-23 07:58:12.250", &paris)
                .unwrap()
                .to_string(),
            "2026-11-23T06:58:12.25Z"
        );
        assert_eq!(
            parse_time("2026-11-23T07:58:12Z", &paris)
                .unwrap()
                .to_string(),
            "2026-11-23T07:58:12Z"
        );
        assert_eq!(parse_time("yesterday", &paris), None);
    }
}
