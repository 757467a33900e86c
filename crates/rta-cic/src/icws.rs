//! The icws dialect (`specs/cic.md`, "icws dialect"): one ICWS message per line, read as a
//! stream.
//!
//! A snapshot is one line that may hold tens of thousands of users, so the message is not
//! built in memory: serde_json walks it and hands each list item to a [`Handler`] as soon as
//! it is read, its strings borrowed from the line where JSON has no escape in them. The
//! handler must know what the list is (the `__type`) and, for user statuses, whether it is a
//! delta before the first item. ICWS writes `__type` first and `isDelta` before the list; a
//! message in another order is read twice: once for those two properties, then for the items.
//!
//! Decisions where the spec is silent:
//! - `isDelta` absent or `null` is `false` (a full list), as ICWS omits false values.
//! - A user status message without a list is an empty one (for a snapshot: nobody listed).
//! - A duplicated `__type` or `isDelta` is an error, so a message cannot change its kind
//!   halfway.
//! - `stations` gives its first station; `[]` says the user has none.

use crate::encode::{STATUS_MESSAGES_TYPE, USER_STATUS_TYPE};
use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::borrow::Cow;
use std::fmt;

/// A JSON string, borrowed from the line when it has no escape.
#[derive(Debug, Deserialize)]
pub(crate) struct Text<'a>(#[serde(borrow)] pub Cow<'a, str>);

/// A `userStatusList` item. Every property is optional here: what is required depends on
/// whether the message is a delta, which is the session's business.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UserStatusItem<'a> {
    #[serde(borrow, default)]
    pub user_id: Option<Text<'a>>,
    #[serde(borrow, default)]
    pub status_id: Option<Text<'a>>,
    #[serde(borrow, default)]
    pub status_changed: Option<Text<'a>>,
    #[serde(default)]
    pub logged_in: Option<bool>,
    #[serde(default)]
    pub on_phone: Option<bool>,
    #[serde(borrow, default)]
    pub on_phone_changed: Option<Text<'a>>,
    /// `Some("")` for an empty list.
    #[serde(borrow, default)]
    pub stations: Option<FirstStation<'a>>,
}

/// A `statusMessageList` item.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StatusMessageItem<'a> {
    #[serde(borrow, default)]
    pub status_id: Option<Text<'a>>,
    #[serde(borrow, default)]
    pub message_text: Option<Text<'a>>,
    #[serde(borrow, default)]
    pub group_tag: Option<Text<'a>>,
    #[serde(default, alias = "isACDStatus")]
    pub is_acd_status: Option<bool>,
    #[serde(default)]
    pub is_after_call_work_status: Option<bool>,
    #[serde(default)]
    pub is_do_not_disturb_status: Option<bool>,
}

/// The first element of a list of strings, without collecting the list.
#[derive(Debug)]
pub(crate) struct FirstStation<'a>(pub Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for FirstStation<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct First;
        impl<'de> Visitor<'de> for First {
            type Value = FirstStation<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of stations")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let first = seq.next_element::<Option<Text<'de>>>()?.flatten();
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(FirstStation(first.map_or(Cow::Borrowed(""), |text| text.0)))
            }
        }
        deserializer.deserialize_seq(First)
    }
}

/// What a message is, by its `__type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    UserStatuses,
    StatusMessages,
    /// Another `__type`, or none.
    Other,
}

/// What a message was, once read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Message {
    pub kind: Kind,
    pub is_delta: bool,
}

/// Receives a message's contents in order.
pub(crate) trait Handler<'de> {
    /// Before the first user status of a user status message (also when it lists none).
    fn user_statuses_begin(&mut self, is_delta: bool);
    fn user_status(&mut self, index: usize, item: UserStatusItem<'de>);
    fn status_definition(&mut self, index: usize, item: StatusMessageItem<'de>);
}

/// Reads one message (a whole line), streaming its items into `handler`. On an error, the
/// items before it have been handed over.
pub(crate) fn read_message<'de>(
    line: &'de [u8],
    handler: &mut impl Handler<'de>,
) -> Result<Message, serde_json::Error> {
    let mut reader = Reader {
        handler,
        header: Header::default(),
        fixed: false,
        scanning: false,
        needs_header: false,
        begun: false,
        users: 0,
        definitions: 0,
    };
    match reader.read(line) {
        Err(_) if reader.needs_header => {
            reader.scanning = true;
            reader.header = Header::default();
            reader.read(line)?;
            reader.scanning = false;
            reader.fixed = true;
            reader.read(line)?;
        }
        result => result?,
    }
    let message = Message {
        kind: reader.header.kind.unwrap_or(Kind::Other),
        is_delta: reader.header.is_delta.unwrap_or(false),
    };
    if message.kind == Kind::UserStatuses && !reader.begun {
        reader.handler.user_statuses_begin(message.is_delta);
    }
    Ok(message)
}

#[derive(Debug, Default, Clone, Copy)]
struct Header {
    kind: Option<Kind>,
    is_delta: Option<bool>,
    /// Seen in this pass (duplicates are errors).
    type_seen: bool,
    delta_seen: bool,
}

struct Reader<'h, H> {
    handler: &'h mut H,
    header: Header,
    /// The header is known from a scan: lists are read whatever their place.
    fixed: bool,
    /// Reading the header only.
    scanning: bool,
    /// A list came before the header: read again.
    needs_header: bool,
    begun: bool,
    users: usize,
    definitions: usize,
}

#[derive(Deserialize)]
enum Key {
    #[serde(rename = "__type")]
    Type,
    #[serde(rename = "isDelta")]
    IsDelta,
    #[serde(rename = "userStatusList")]
    UserStatusList,
    #[serde(rename = "statusMessageList")]
    StatusMessageList,
    #[serde(other)]
    Other,
}

/// What to do with a list.
enum ListAction {
    Stream,
    Skip,
    /// The header is not known yet.
    Defer,
}

impl<'de, H: Handler<'de>> Reader<'_, H> {
    fn read(&mut self, line: &'de [u8]) -> Result<(), serde_json::Error> {
        self.header.type_seen = false;
        self.header.delta_seen = false;
        let mut deserializer = serde_json::Deserializer::from_slice(line);
        deserializer.deserialize_map(&mut *self)?;
        deserializer.end()
    }

    fn action(&self, list: Kind) -> ListAction {
        let header = self.header;
        match header.kind {
            _ if self.scanning => ListAction::Skip,
            Some(kind) if kind != list => ListAction::Skip,
            Some(Kind::UserStatuses) if header.is_delta.is_none() && !self.fixed => {
                ListAction::Defer
            }
            Some(_) => ListAction::Stream,
            None if self.fixed => ListAction::Skip,
            None => ListAction::Defer,
        }
    }
}

impl<'de, H: Handler<'de>> Visitor<'de> for &mut Reader<'_, H> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an ICWS message object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<Key>()? {
            let list = match key {
                Key::Type => {
                    if std::mem::replace(&mut self.header.type_seen, true) {
                        return Err(de::Error::duplicate_field("__type"));
                    }
                    let name = map.next_value::<Text<'de>>()?.0;
                    if !self.fixed {
                        self.header.kind = Some(match &*name {
                            USER_STATUS_TYPE => Kind::UserStatuses,
                            STATUS_MESSAGES_TYPE => Kind::StatusMessages,
                            _ => Kind::Other,
                        });
                    }
                    continue;
                }
                Key::IsDelta => {
                    if std::mem::replace(&mut self.header.delta_seen, true) {
                        return Err(de::Error::duplicate_field("isDelta"));
                    }
                    let is_delta = map.next_value::<Option<bool>>()?.unwrap_or(false);
                    if !self.fixed {
                        self.header.is_delta = Some(is_delta);
                    }
                    continue;
                }
                Key::UserStatusList => Kind::UserStatuses,
                Key::StatusMessageList => Kind::StatusMessages,
                Key::Other => {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
            };
            match self.action(list) {
                ListAction::Stream => map.next_value_seed(List {
                    reader: &mut *self,
                    kind: list,
                })?,
                ListAction::Skip => {
                    map.next_value::<IgnoredAny>()?;
                }
                ListAction::Defer => {
                    self.needs_header = true;
                    return Err(de::Error::custom("list before __type or isDelta"));
                }
            }
        }
        Ok(())
    }
}

/// A list whose items go to the handler as they are read.
struct List<'r, 'h, H> {
    reader: &'r mut Reader<'h, H>,
    kind: Kind,
}

impl<'de, H: Handler<'de>> DeserializeSeed<'de> for List<'_, '_, H> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de, H: Handler<'de>> Visitor<'de> for List<'_, '_, H> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of objects")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let reader = self.reader;
        match self.kind {
            Kind::UserStatuses => {
                if !std::mem::replace(&mut reader.begun, true) {
                    let is_delta = reader.header.is_delta.unwrap_or(false);
                    reader.handler.user_statuses_begin(is_delta);
                }
                while let Some(item) = seq.next_element::<UserStatusItem<'de>>()? {
                    reader.handler.user_status(reader.users, item);
                    reader.users += 1;
                }
            }
            Kind::StatusMessages => {
                while let Some(item) = seq.next_element::<StatusMessageItem<'de>>()? {
                    reader.handler.status_definition(reader.definitions, item);
                    reader.definitions += 1;
                }
            }
            Kind::Other => while seq.next_element::<IgnoredAny>()?.is_some() {},
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Recorder {
        events: Vec<String>,
        borrowed: bool,
    }

    impl<'de> Handler<'de> for Recorder {
        fn user_statuses_begin(&mut self, is_delta: bool) {
            self.events.push(format!("begin delta={is_delta}"));
        }
        fn user_status(&mut self, index: usize, item: UserStatusItem<'de>) {
            self.borrowed |= matches!(item.user_id, Some(Text(Cow::Borrowed(_))));
            self.events.push(format!(
                "{index}: {:?} {:?} {:?} {:?} {:?}",
                item.user_id.map(|t| t.0),
                item.status_id.map(|t| t.0),
                item.status_changed.map(|t| t.0),
                item.logged_in,
                item.stations.map(|s| s.0),
            ));
        }
        fn status_definition(&mut self, index: usize, item: StatusMessageItem<'de>) {
            self.events.push(format!(
                "def {index}: {:?} {:?} {:?} acd={:?} acw={:?} dnd={:?}",
                item.status_id.map(|t| t.0),
                item.message_text.map(|t| t.0),
                item.group_tag.map(|t| t.0),
                item.is_acd_status,
                item.is_after_call_work_status,
                item.is_do_not_disturb_status,
            ));
        }
    }

    fn read(line: &str) -> (Result<Message, String>, Vec<String>) {
        let mut recorder = Recorder::default();
        let result = read_message(line.as_bytes(), &mut recorder).map_err(|e| e.to_string());
        (result, recorder.events)
    }

    const SPEC: &str = r#"{"__type":"urn:inin.com:status:userStatusMessage","isDelta":false,"userStatusList":[{"userId":"jdoe","statusId":"Available","statusChanged":"20261123T075812Z","loggedIn":true,"onPhone":false,"onPhoneChanged":"20261123T075500Z","stations":["7001"],"icServers":["cic-a"]}]}"#;

    #[test]
    fn the_spec_message_streams_borrowed_items() {
        let mut recorder = Recorder::default();
        let message = read_message(SPEC.as_bytes(), &mut recorder).unwrap();
        assert_eq!(
            message,
            Message {
                kind: Kind::UserStatuses,
                is_delta: false
            }
        );
        assert_eq!(
            recorder.events,
            [
                "begin delta=false",
                r#"0: Some("jdoe") Some("Available") Some("20261123T075812Z") Some(true) Some("7001")"#
            ]
        );
        assert!(recorder.borrowed);
    }

    #[test]
    fn a_list_before_its_header_is_read_after_a_scan() {
        let (result, events) = read(
            r#"{"userStatusList":[{"userId":"a\"b","stations":[]},{"statusId":"x"}],"isDelta":true,"__type":"urn:inin.com:status:userStatusMessage"}"#,
        );
        assert_eq!(
            result,
            Ok(Message {
                kind: Kind::UserStatuses,
                is_delta: true
            })
        );
        assert_eq!(
            events,
            [
                "begin delta=true",
                r#"0: Some("a\"b") None None None Some("")"#,
                "1: None Some(\"x\") None None None",
            ]
        );
    }

    #[test]
    fn status_definitions_with_either_acd_spelling() {
        let (result, events) = read(
            r#"{"__type":"urn:inin.com:status:statusMessagesMessage","statusMessageList":[{"statusId":"Available","messageText":"Verfügbar","groupTag":"AVAILABLE","isACDStatus":true,"iconUri":"x"},{"statusId":"ACW","isAcdStatus":false,"isAfterCallWorkStatus":true,"isDoNotDisturbStatus":null}]}"#,
        );
        assert_eq!(result.unwrap().kind, Kind::StatusMessages);
        assert_eq!(
            events,
            [
                r#"def 0: Some("Available") Some("Verfügbar") Some("AVAILABLE") acd=Some(true) acw=None dnd=None"#,
                r#"def 1: Some("ACW") None None acd=Some(false) acw=Some(true) dnd=None"#,
            ]
        );
    }

    #[test]
    fn other_types_and_empty_messages() {
        let (result, events) =
            read(r#"{"__type":"urn:inin.com:queues:queueContentsMessage","userStatusList":[1,2]}"#);
        assert_eq!(result.unwrap().kind, Kind::Other);
        assert!(events.is_empty());
        let (result, events) = read(r#"{"userStatusList":[{"userId":"a"}]}"#);
        assert_eq!(
            result.unwrap().kind,
            Kind::Other,
            "no __type: not a user status message"
        );
        assert!(events.is_empty());
        let (result, events) = read(r#"{"__type":"urn:inin.com:status:userStatusMessage"}"#);
        assert!(!result.unwrap().is_delta);
        assert_eq!(events, ["begin delta=false"]);
    }

    #[test]
    fn malformed_messages_are_errors_after_the_items_read() {
        let (result, events) = read(
            r#"{"__type":"urn:inin.com:status:userStatusMessage","isDelta":true,"userStatusList":[{"userId":"a"},{"userId":7}]}"#,
        );
        assert!(result.is_err());
        assert_eq!(events.len(), 2, "{events:?}");
        for bad in [
            "",
            "[]",
            "42",
            "{",
            r#"{"__type":"x","__type":"y"}"#,
            r#"{"isDelta":true,"isDelta":false}"#,
            r#"{"isDelta":1}"#,
            r#"{} {}"#,
            "{\"__type\":\"\\ud800\"}",
        ] {
            assert!(read(bad).0.is_err(), "{bad}");
        }
    }
}
