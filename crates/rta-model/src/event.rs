//! The events the engine publishes (`specs/adherence.md`, "Events"), with one serde shape
//! for JSON and MessagePack.

use crate::encode::{Json, Msgpack};
use crate::{Code, Name, Phase, QueueStats};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// One published event: an engine-wide, strictly increasing `seq`, the event `time` (UTC),
/// and the body, tagged by `type`.
///
/// JSON: `{"seq":7,"time":"2026-11-23T10:00:00Z","type":"adherence","employee":"E1",...}`.
/// MessagePack carries the same map with the same keys ([`Event::to_msgpack`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub seq: u64,
    #[serde(serialize_with = "crate::rfc3339::serialize")]
    pub time: Timestamp,
    #[serde(flatten)]
    pub body: EventBody,
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventBody {
    AgentStatus(AgentStatusEvent),
    Adherence(AdherenceEvent),
    Alarm(AlarmEvent),
    Unmapped(UnmappedEvent),
    Feed(FeedEvent),
    Queue(QueueEvent),
}

/// An agent's source status changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentStatusEvent {
    pub integration: Name,
    /// The external id as text (UTF-8, or Latin-1 decoded: see [`crate::utf8_or_latin1`]).
    /// Shared (`Name`): producers keep one copy per agent and per status code, so building
    /// an event costs reference counts, not allocations.
    pub external_id: Name,
    pub employee: Option<Name>,
    pub phase: Phase,
    pub status: Name,
    pub reason: Option<Code<'static>>,
    pub detail: Option<Code<'static>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skills: Vec<u32>,
    pub activity: Option<Name>,
    #[serde(serialize_with = "crate::rfc3339::serialize")]
    pub since: Timestamp,
    #[serde(serialize_with = "crate::rfc3339::serialize")]
    pub received: Timestamp,
}

/// Adherence of one employee at an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AdherenceStatus {
    In,
    Out,
    Neutral,
    Unknown,
    NotScheduled,
}

impl AdherenceStatus {
    /// The snake_case name events carry.
    pub fn as_str(self) -> &'static str {
        match self {
            AdherenceStatus::In => "in",
            AdherenceStatus::Out => "out",
            AdherenceStatus::Neutral => "neutral",
            AdherenceStatus::Unknown => "unknown",
            AdherenceStatus::NotScheduled => "not_scheduled",
        }
    }
}

/// An employee's adherence changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdherenceEvent {
    pub employee: Name,
    pub status: AdherenceStatus,
    pub previous: Option<AdherenceStatus>,
    pub scheduled_activity: Option<Name>,
    pub actual_activity: Option<Name>,
    #[serde(serialize_with = "crate::rfc3339::serialize")]
    pub since: Timestamp,
}

/// Alarm levels, in the order they are reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlarmLevel {
    Raised,
    Severe,
    Cleared,
}

impl AlarmLevel {
    /// The snake_case name events carry.
    pub fn as_str(self) -> &'static str {
        match self {
            AlarmLevel::Raised => "raised",
            AlarmLevel::Severe => "severe",
            AlarmLevel::Cleared => "cleared",
        }
    }
}

/// An employee has been out of adherence long enough (or no longer is).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlarmEvent {
    pub employee: Name,
    pub level: AlarmLevel,
    #[serde(serialize_with = "crate::rfc3339::serialize")]
    pub out_since: Timestamp,
    pub scheduled_activity: Option<Name>,
    pub actual_activity: Option<Name>,
}

/// What was not mapped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnmappedKind {
    Agent,
    Status,
}

impl UnmappedKind {
    /// The snake_case name events carry.
    pub fn as_str(self) -> &'static str {
        match self {
            UnmappedKind::Agent => "agent",
            UnmappedKind::Status => "status",
        }
    }
}

/// A first sighting of an external id or status code without a mapping.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnmappedEvent {
    pub integration: Name,
    pub kind: UnmappedKind,
    pub value: String,
}

/// Health of a feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeedHealth {
    /// Configured, nothing complete received yet.
    Waiting,
    Up,
    /// Connected or listening, but nothing arrived for too long.
    Stale,
    Down,
}

impl FeedHealth {
    /// The snake_case name events carry.
    pub fn as_str(self) -> &'static str {
        match self {
            FeedHealth::Waiting => "waiting",
            FeedHealth::Up => "up",
            FeedHealth::Stale => "stale",
            FeedHealth::Down => "down",
        }
    }
}

/// A feed's health changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedEvent {
    pub integration: Name,
    pub address: Option<String>,
    pub health: FeedHealth,
    pub detail: Option<String>,
}

/// A split/skill's queue statistics at one refresh.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueEvent {
    pub integration: Name,
    pub split: u32,
    pub stats: QueueStats,
}

/// An event could not be encoded or decoded.
#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    #[error("MessagePack encoding failed: {0}")]
    MsgpackEncode(#[from] rmp_serde::encode::Error),
    #[error("MessagePack decoding failed: {0}")]
    MsgpackDecode(#[from] rmp_serde::decode::Error),
    #[error("JSON failed: {0}")]
    Json(#[from] serde_json::Error),
}

/// Room for an `agent_status` event, the largest usual one (about 300 bytes in JSON).
const ENCODED_CAPACITY: usize = 384;

impl Event {
    /// The event as one JSON object (one NDJSON line without the newline): what
    /// `serde_json::to_string` writes, written faster (`encode`).
    pub fn to_json(&self) -> String {
        let mut json = Json::with_capacity(ENCODED_CAPACITY);
        self.write(&mut json);
        // Only `&str`s and ASCII are written.
        String::from_utf8(json.bytes).expect("JSON written from text is UTF-8")
    }

    /// Reads an event written by [`Event::to_json`].
    pub fn from_json(text: &str) -> Result<Event, CodecError> {
        Ok(serde_json::from_str(text)?)
    }

    /// The event as a MessagePack map whose keys are the JSON field names: what
    /// `rmp_serde::to_vec_named` writes, written faster (`encode`).
    pub fn to_msgpack(&self) -> Vec<u8> {
        let mut msgpack = Msgpack {
            bytes: Vec::with_capacity(ENCODED_CAPACITY),
        };
        self.write(&mut msgpack);
        msgpack.bytes
    }

    /// Reads an event written by [`Event::to_msgpack`].
    pub fn from_msgpack(bytes: &[u8]) -> Result<Event, CodecError> {
        Ok(rmp_serde::from_slice(bytes)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AdherenceStatus::*, Phase};
    use std::collections::BTreeSet;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    fn one_of_each() -> Vec<Event> {
        let bodies = vec![
            EventBody::AgentStatus(AgentStatusEvent {
                integration: "cms".into(),
                external_id: "40101".into(),
                employee: Some("E1".into()),
                phase: Phase::Away,
                status: "AUX".into(),
                reason: Some(Code::Number(2)),
                detail: Some(Code::Text("desk 7".into())),
                skills: vec![101, 102],
                activity: Some("Break".into()),
                since: at("2026-11-23T10:03:00Z"),
                received: at("2026-11-23T10:03:04Z"),
            }),
            EventBody::Adherence(AdherenceEvent {
                employee: "E1".into(),
                status: In,
                previous: Some(Out),
                scheduled_activity: Some("Break".into()),
                actual_activity: Some("Break".into()),
                since: at("2026-11-23T10:03:00Z"),
            }),
            EventBody::Alarm(AlarmEvent {
                employee: "E1".into(),
                level: AlarmLevel::Cleared,
                out_since: at("2026-11-23T10:00:00Z"),
                scheduled_activity: Some("Break".into()),
                actual_activity: None,
            }),
            EventBody::Unmapped(UnmappedEvent {
                integration: "cms".into(),
                kind: UnmappedKind::Status,
                value: "DACWIN".into(),
            }),
            EventBody::Feed(FeedEvent {
                integration: "cic".into(),
                address: Some("acd1:8080".into()),
                health: FeedHealth::Stale,
                detail: None,
            }),
            EventBody::Queue(QueueEvent {
                integration: "cms-split".into(),
                split: 101,
                stats: QueueStats {
                    calls_waiting: Some(3),
                    ..QueueStats::default()
                },
            }),
        ];
        bodies
            .into_iter()
            .enumerate()
            .map(|(seq, body)| Event {
                seq: seq as u64 + 1,
                time: at("2026-11-23T10:03:00Z"),
                body,
            })
            .collect()
    }

    fn msgpack_keys(bytes: &[u8]) -> BTreeSet<String> {
        let value: serde_json::Value = rmp_serde::from_slice(bytes).unwrap();
        value.as_object().unwrap().keys().cloned().collect()
    }

    #[test]
    fn every_event_round_trips_with_the_same_keys_in_json_and_msgpack() {
        for event in one_of_each() {
            let json = event.to_json();
            assert_eq!(Event::from_json(&json).unwrap(), event, "{json}");
            let packed = event.to_msgpack();
            assert_eq!(Event::from_msgpack(&packed).unwrap(), event);
            let json_keys: BTreeSet<String> = serde_json::from_str::<serde_json::Value>(&json)
                .unwrap()
                .as_object()
                .unwrap()
                .keys()
                .cloned()
                .collect();
            assert_eq!(msgpack_keys(&packed), json_keys);
        }
    }

    #[test]
    fn json_shape_follows_the_spec() {
        let events = one_of_each();
        let json = events[0].to_json();
        assert_eq!(
            json,
            r#"{"seq":1,"time":"2026-11-23T10:03:00Z","type":"agent_status","integration":"cms","external_id":"40101","employee":"E1","phase":"away","status":"AUX","reason":2,"detail":"desk 7","skills":[101,102],"activity":"Break","since":"2026-11-23T10:03:00Z","received":"2026-11-23T10:03:04Z"}"#
        );
        let adherence = events[1].to_json();
        assert!(
            adherence
                .contains(r#""type":"adherence","employee":"E1","status":"in","previous":"out""#),
            "{adherence}"
        );
        let unmapped = events[3].to_json();
        assert!(
            unmapped.contains(r#""kind":"status","value":"DACWIN""#),
            "{unmapped}"
        );
    }
}
