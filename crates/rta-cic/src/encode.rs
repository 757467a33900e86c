//! Writing both dialects as a CIC server would send them: for the simulator, the tests and the
//! round-trip fuzz target.
//!
//! What cannot be written (the decoder could not read it back the same):
//! - CR and LF inside a line-dialect value end the line; they are written as spaces.
//! - Years outside 0000..=9999 do not fit the time formats; such times are written as they
//!   format (a sign or a fifth digit) and the decoder rejects them.
//! - Line-dialect times keep milliseconds (`.fff`, the spec's format) and icws times whole
//!   seconds (`yyyyMMddTHHmmssZ`); finer digits are cut, not rounded. A line-dialect time with
//!   sub-millisecond digits keeps all nine, which the decoder accepts.
//! - An icws user status has no status text, group, ACD, DND or after-call-work property:
//!   those travel in status definitions ([`icws_status_definitions`]), so
//!   [`icws_user_statuses`] writes only the user's own properties.

use crate::time::{CicTime, write_basic_time, write_line_time};
use jiff::Timestamp;
use rta_model::Zone;
use std::io::Write;

/// One user's status, every field the feed can carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserStatus<'a> {
    pub user_id: &'a str,
    pub status_key: &'a str,
    pub status_text: &'a str,
    pub group: &'a str,
    pub logged_in: bool,
    pub acd: bool,
    pub dnd: bool,
    pub acw: bool,
    pub on_phone: bool,
    pub station: Option<&'a str>,
    pub time: CicTime,
}

/// A status definition (icws `statusMessageList` item).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusDefinition<'a> {
    pub status_key: &'a str,
    pub text: &'a str,
    pub group: &'a str,
    pub acd: bool,
    pub acw: bool,
    pub dnd: bool,
}

/// The icws `__type` of user status messages.
pub(crate) const USER_STATUS_TYPE: &str = "urn:inin.com:status:userStatusMessage";
/// The icws `__type` of status definition messages.
pub(crate) const STATUS_MESSAGES_TYPE: &str = "urn:inin.com:status:statusMessagesMessage";

/// Writes `STATUS|time|user|key|text|group|in|acd|dnd|acw|phone|station` and CR LF.
pub fn line_status(out: &mut Vec<u8>, status: &UserStatus<'_>) {
    out.extend_from_slice(b"STATUS|");
    write_line_time(out, status.time);
    for value in [
        status.user_id,
        status.status_key,
        status.status_text,
        status.group,
    ] {
        out.push(b'|');
        put_escaped(out, value);
    }
    for flag in [
        status.logged_in,
        status.acd,
        status.dnd,
        status.acw,
        status.on_phone,
    ] {
        out.push(b'|');
        out.push(if flag { b'1' } else { b'0' });
    }
    out.push(b'|');
    put_escaped(out, status.station.unwrap_or_default());
    out.extend_from_slice(b"\r\n");
}

/// Writes `SNAPSHOT|BEGIN|time` and CR LF.
pub fn line_snapshot_begin(out: &mut Vec<u8>, time: CicTime) {
    put_line_record(out, b"SNAPSHOT|BEGIN|", time);
}

/// Writes `SNAPSHOT|END|time` and CR LF.
pub fn line_snapshot_end(out: &mut Vec<u8>, time: CicTime) {
    put_line_record(out, b"SNAPSHOT|END|", time);
}

/// Writes `HEARTBEAT|time` and CR LF.
pub fn line_heartbeat(out: &mut Vec<u8>, time: CicTime) {
    put_line_record(out, b"HEARTBEAT|", time);
}

/// Writes one `userStatusMessage` and LF. `zone` converts [`CicTime::Local`] times (a
/// repeated local time is its earlier instant), since icws times are UTC.
pub fn icws_user_statuses(
    out: &mut Vec<u8>,
    is_delta: bool,
    statuses: &[UserStatus<'_>],
    zone: &Zone,
) {
    out.extend_from_slice(br#"{"__type":""#);
    out.extend_from_slice(USER_STATUS_TYPE.as_bytes());
    let _ = write!(out, r#"","isDelta":{is_delta},"userStatusList":["#);
    for (i, status) in statuses.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(br#"{"userId":"#);
        put_json_str(out, status.user_id);
        out.extend_from_slice(br#","statusId":"#);
        put_json_str(out, status.status_key);
        out.extend_from_slice(br#","statusChanged":""#);
        write_basic_time(out, utc(status.time, zone));
        let _ = write!(
            out,
            r#"","loggedIn":{},"onPhone":{},"stations":["#,
            status.logged_in, status.on_phone
        );
        if let Some(station) = status.station {
            put_json_str(out, station);
        }
        out.extend_from_slice(b"]}");
    }
    out.extend_from_slice(b"]}\n");
}

/// Writes one `statusMessagesMessage` and LF.
pub fn icws_status_definitions(out: &mut Vec<u8>, definitions: &[StatusDefinition<'_>]) {
    out.extend_from_slice(br#"{"__type":""#);
    out.extend_from_slice(STATUS_MESSAGES_TYPE.as_bytes());
    out.extend_from_slice(br#"","isDelta":false,"statusMessageList":["#);
    for (i, definition) in definitions.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(br#"{"statusId":"#);
        put_json_str(out, definition.status_key);
        out.extend_from_slice(br#","messageText":"#);
        put_json_str(out, definition.text);
        out.extend_from_slice(br#","groupTag":"#);
        put_json_str(out, definition.group);
        let _ = write!(
            out,
            r#","isAcdStatus":{},"isAfterCallWorkStatus":{},"isDoNotDisturbStatus":{}}}"#,
            definition.acd, definition.acw, definition.dnd
        );
    }
    out.extend_from_slice(b"]}\n");
}

fn put_line_record(out: &mut Vec<u8>, head: &[u8], time: CicTime) {
    out.extend_from_slice(head);
    write_line_time(out, time);
    out.extend_from_slice(b"\r\n");
}

/// `\` and `|` are escaped with a backslash; CR and LF cannot be carried (see the module docs).
fn put_escaped(out: &mut Vec<u8>, value: &str) {
    for &byte in value.as_bytes() {
        match byte {
            b'\\' | b'|' => out.extend_from_slice(&[b'\\', byte]),
            b'\r' | b'\n' => out.push(b' '),
            _ => out.push(byte),
        }
    }
}

/// A local time outside the instants jiff can represent (the extreme days of year -9999 and
/// 9999) is clamped to the nearest one: the writer has no way to fail.
fn utc(time: CicTime, zone: &Zone) -> Timestamp {
    match time {
        CicTime::Utc(instant) => instant,
        CicTime::Local(local) => zone.resolve(local, None).unwrap_or(if local.year() < 0 {
            Timestamp::MIN
        } else {
            Timestamp::MAX
        }),
    }
}

/// A JSON string literal. serde_json writes it into a `Vec` without fail.
fn put_json_str(out: &mut Vec<u8>, value: &str) {
    let _ = serde_json::to_writer(&mut *out, value);
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn jdoe(time: CicTime) -> UserStatus<'static> {
        UserStatus {
            user_id: "jdoe",
            status_key: "Available",
            status_text: "Available",
            group: "AVAILABLE",
            logged_in: true,
            acd: true,
            dnd: false,
            acw: false,
            on_phone: false,
            station: Some("7001"),
            time,
        }
    }

    #[test]
    fn line_status_is_the_spec_example() {
        let mut out = Vec::new();
        line_status(
            &mut out,
            &jdoe(CicTime::Local(date(2026, 11, 23).at(7, 58, 12, 0))),
        );
        assert_eq!(
            out,
            b"STATUS|2026-11-23 07:58:12|jdoe|Available|Available|AVAILABLE|1|1|0|0|0|7001\r\n"
        );
    }

    #[test]
    fn line_values_are_escaped_and_times_keep_their_fraction() {
        let mut out = Vec::new();
        let status = UserStatus {
            user_id: r"a|b\c",
            station: None,
            status_text: "two\r\nlines",
            time: CicTime::Utc("2026-11-23T07:58:12.25Z".parse().unwrap()),
            ..jdoe(CicTime::Utc(Timestamp::UNIX_EPOCH))
        };
        line_status(&mut out, &status);
        assert_eq!(
            std::str::from_utf8(&out).unwrap(),
            "STATUS|2026-11-23T07:58:12.250Z|a\\|b\\\\c|Available|two  lines|AVAILABLE|1|1|0|0|0|\r\n"
        );
        out.clear();
        line_heartbeat(
            &mut out,
            CicTime::Local(date(2026, 11, 23).at(12, 0, 30, 1)),
        );
        assert_eq!(out, b"HEARTBEAT|2026-11-23 12:00:30.000000001\r\n");
        out.clear();
        line_snapshot_begin(&mut out, CicTime::Local(date(2026, 11, 23).at(8, 0, 0, 0)));
        line_snapshot_end(&mut out, CicTime::Local(date(2026, 11, 23).at(8, 0, 0, 0)));
        assert_eq!(
            out,
            &b"SNAPSHOT|BEGIN|2026-11-23 08:00:00\r\nSNAPSHOT|END|2026-11-23 08:00:00\r\n"[..]
        );
    }

    #[test]
    fn icws_messages_are_icws_shaped() {
        let zone = Zone::get("Europe/Paris").unwrap();
        let mut out = Vec::new();
        let local = CicTime::Local(date(2026, 11, 23).at(8, 58, 12, 0));
        icws_user_statuses(&mut out, false, &[jdoe(local)], &zone);
        assert_eq!(
            std::str::from_utf8(&out).unwrap(),
            concat!(
                r#"{"__type":"urn:inin.com:status:userStatusMessage","isDelta":false,"userStatusList":["#,
                r#"{"userId":"jdoe","statusId":"Available","statusChanged":"20261123T075812Z","#,
                r#""loggedIn":true,"onPhone":false,"stations":["7001"]}]}"#,
                "\n"
            )
        );
        out.clear();
        icws_status_definitions(
            &mut out,
            &[StatusDefinition {
                status_key: "ACW - \"Manual\"",
                text: "Nachbearbeitung",
                group: "FOLLOWUP",
                acd: false,
                acw: true,
                dnd: false,
            }],
        );
        assert_eq!(
            std::str::from_utf8(&out).unwrap(),
            concat!(
                r#"{"__type":"urn:inin.com:status:statusMessagesMessage","isDelta":false,"statusMessageList":["#,
                r#"{"statusId":"ACW - \"Manual\"","messageText":"Nachbearbeitung","groupTag":"FOLLOWUP","#,
                r#""isAcdStatus":false,"isAfterCallWorkStatus":true,"isDoNotDisturbStatus":false}]}"#,
                "\n"
            )
        );
    }
}
