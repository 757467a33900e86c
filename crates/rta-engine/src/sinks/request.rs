//! What a consumer asks a sink for, from a TCP hello line or an SSE query string: one filter
//! parser behind both.

use crate::bus::{EventKind, Filter, SubscribeError, SubscribeOptions};
use percent_encoding::percent_decode_str;
use serde::Deserialize;

/// A consumer's request: which events, and where to resume.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StreamRequest {
    pub filter: Filter,
    /// The last seq the consumer has seen (`None`: live events only).
    pub resume_from: Option<u64>,
}

/// A hello, a query string or a `Last-Event-ID` that cannot be served. The text is what the
/// consumer is told (TCP error frame, SSE `400` body).
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    #[error("the hello is not a JSON object of the documented shape: {0}")]
    Hello(#[source] serde_json::Error),
    #[error("the hello line is longer than {limit} bytes")]
    HelloTooLong { limit: usize },
    #[error("the connection closed before the end of the hello line")]
    HelloIncomplete,
    #[error("no hello line within {0:?}")]
    HelloTimeout(std::time::Duration),
    #[error(
        "unknown event kind {0:?} (known: agent_status, adherence, alarm, unmapped, feed, queue)"
    )]
    UnknownKind(String),
    #[error(
        "unknown query parameter {0:?} (known: kinds, integrations, employees, teams, resume_from)"
    )]
    UnknownParameter(String),
    #[error("{parameter} must be a seq (a whole number), not {value:?}")]
    BadSeq {
        parameter: &'static str,
        value: String,
    },
    #[error("query parameter {0:?} is not UTF-8 once percent-decoded")]
    BadEncoding(String),
    #[error(transparent)]
    Subscribe(#[from] SubscribeError),
}

/// The filter as lists of names, the shape shared by the hello's `filter` object and the
/// query string (where each list is comma-separated).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FilterLists {
    #[serde(default)]
    kinds: Vec<String>,
    #[serde(default)]
    integrations: Vec<String>,
    #[serde(default)]
    employees: Vec<String>,
    #[serde(default)]
    teams: Vec<String>,
}

impl FilterLists {
    /// The one place where names become a [`Filter`]: kinds must be known, the other lists
    /// are taken as given (an unknown integration or employee simply matches nothing).
    fn into_filter(self) -> Result<Filter, RequestError> {
        let kinds = self
            .kinds
            .iter()
            .map(|name| kind_named(name))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Filter::all()
            .kinds(kinds)
            .integrations(self.integrations)
            .employees(self.employees)
            .teams(self.teams))
    }
}

/// The hello line's shape. Unknown fields are refused so that a typo (`"kind"`) is an error,
/// not a silently wider subscription.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Hello {
    #[serde(default)]
    filter: FilterLists,
    resume_from: Option<u64>,
}

fn kind_named(name: &str) -> Result<EventKind, RequestError> {
    EventKind::ALL
        .into_iter()
        .find(|kind| kind.as_str() == name)
        .ok_or_else(|| RequestError::UnknownKind(name.to_owned()))
}

/// Parses a seq given as text (`resume_from`, `Last-Event-ID`).
pub(crate) fn parse_seq(parameter: &'static str, value: &str) -> Result<u64, RequestError> {
    value.trim().parse().map_err(|_| RequestError::BadSeq {
        parameter,
        value: value.to_owned(),
    })
}

/// Percent-decodes one query component, `+` meaning a space (form encoding, what browsers'
/// `URLSearchParams` produce).
fn decode(component: &str) -> Result<String, RequestError> {
    let spaced = component.replace('+', " ");
    percent_decode_str(&spaced)
        .decode_utf8()
        .map(|text| text.into_owned())
        .map_err(|_| RequestError::BadEncoding(component.to_owned()))
}

impl StreamRequest {
    /// Parses a hello line (without or with its `\n`). A blank line is the empty hello: every
    /// event, live.
    pub fn from_hello(line: &[u8]) -> Result<StreamRequest, RequestError> {
        let hello = if line.trim_ascii().is_empty() {
            Hello::default()
        } else {
            serde_json::from_slice::<Hello>(line).map_err(RequestError::Hello)?
        };
        Ok(StreamRequest {
            filter: hello.filter.into_filter()?,
            resume_from: hello.resume_from,
        })
    }

    /// Parses a query string (`kinds=adherence,alarm&teams=sales&resume_from=120`). Lists are
    /// comma-separated and a parameter may repeat (the lists add up); the commas are split
    /// before percent-decoding, so a name holding a comma is written `%2C`. Unknown parameters
    /// are refused, like unknown hello fields.
    pub fn from_query(query: Option<&str>) -> Result<StreamRequest, RequestError> {
        let mut lists = FilterLists::default();
        let mut resume_from = None;
        for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let name = decode(name)?;
            let list = match name.as_str() {
                "kinds" => &mut lists.kinds,
                "integrations" => &mut lists.integrations,
                "employees" => &mut lists.employees,
                "teams" => &mut lists.teams,
                "resume_from" => {
                    resume_from = Some(parse_seq("resume_from", &decode(value)?)?);
                    continue;
                }
                _ => return Err(RequestError::UnknownParameter(name)),
            };
            for item in value.split(',').filter(|item| !item.is_empty()) {
                list.push(decode(item)?);
            }
        }
        Ok(StreamRequest {
            filter: lists.into_filter()?,
            resume_from,
        })
    }

    /// The bus subscription for this request, with a queue of `capacity` events.
    pub fn options(self, capacity: usize) -> SubscribeOptions {
        let options = SubscribeOptions::new(self.filter).capacity(capacity);
        match self.resume_from {
            Some(seq) => options.resume_from(seq),
            None => options,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hello_and_query_give_the_same_filter() {
        let hello = StreamRequest::from_hello(
            br#"{"filter":{"kinds":["agent_status","adherence"],"integrations":["cms"],"employees":["E 1"],"teams":["sales"]},"resume_from":7}"#,
        )
        .unwrap();
        let query = StreamRequest::from_query(Some(
            "kinds=agent_status&kinds=adherence&integrations=cms&employees=E+1&teams=sa%6Ces&resume_from=7",
        ))
        .unwrap();
        assert_eq!(hello, query);
        assert_eq!(hello.resume_from, Some(7));
        assert!(hello.filter.wants_kind(EventKind::Adherence));
        assert!(!hello.filter.wants_kind(EventKind::Feed));
    }

    #[test]
    fn empty_requests_want_everything_live() {
        for request in [
            StreamRequest::from_hello(b"\n").unwrap(),
            StreamRequest::from_hello(b"{}").unwrap(),
            StreamRequest::from_query(None).unwrap(),
            StreamRequest::from_query(Some("kinds=&")).unwrap(),
        ] {
            assert!(request.filter.is_all());
            assert_eq!(request.resume_from, None);
        }
    }

    #[test]
    fn errors_name_the_offending_value() {
        let error = StreamRequest::from_query(Some("kinds=adherence,agentstatus")).unwrap_err();
        assert!(error.to_string().contains("\"agentstatus\""), "{error}");
        let error = StreamRequest::from_query(Some("kind=adherence")).unwrap_err();
        assert!(error.to_string().contains("\"kind\""), "{error}");
        let error = StreamRequest::from_query(Some("resume_from=-1")).unwrap_err();
        assert!(error.to_string().contains("\"-1\""), "{error}");
        let error = StreamRequest::from_hello(br#"{"filters":{}}"#).unwrap_err();
        assert!(error.to_string().contains("filters"), "{error}");
        let error = StreamRequest::from_hello(br#"{"filter":{"kinds":["nope"]}}"#).unwrap_err();
        assert!(error.to_string().contains("\"nope\""), "{error}");
    }

    #[test]
    fn a_comma_inside_a_name_is_percent_encoded() {
        let request = StreamRequest::from_query(Some("employees=Doe%2C+J,E2")).unwrap();
        let mut employees: Vec<&str> = request.filter.employee_set().iter().map(|e| &**e).collect();
        employees.sort();
        assert_eq!(employees, ["Doe, J", "E2"]);
    }
}
