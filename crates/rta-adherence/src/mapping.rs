//! Mappings resolved for lookup: `(integration, external id) -> employee` and
//! `(integration, status, reason, detail) -> activity` with most-specific-wins.
//!
//! Specificity, compared in this order (the spec orders reasons; codes and details are this
//! crate's decision):
//! 1. the status: an exact code beats a prefix (`ACD*`), a longer prefix beats a shorter one,
//!    any prefix beats `*`;
//! 2. the reason: an exact value beats a range, a range beats any reason; of two ranges the
//!    narrower wins;
//! 3. the detail: a given detail beats any detail;
//! 4. the earlier row.

use crate::activities::{Activities, ActivityId};
use crate::config::{ActivityMapping, ReasonItem, ReasonSpec, UserMapping};
use crate::error::MappingError;
use hashbrown::{HashMap, HashTable};
use rta_model::{Code, Name};
use std::cmp::Reverse;
use std::hash::BuildHasher;

/// A reason or detail value from a mapping row, compared by value: `7` matches the number 7
/// and the text "7".
#[derive(Debug, Clone)]
struct Value {
    text: Box<str>,
    number: Option<u32>,
}

impl Value {
    fn new(text: &str) -> Value {
        Value {
            text: text.into(),
            number: text.parse().ok(),
        }
    }

    fn matches(&self, code: &Code<'_>) -> bool {
        match code {
            Code::Number(n) => self.number == Some(*n),
            Code::Text(text) => {
                **text == *self.text || (self.number.is_some() && code.as_number() == self.number)
            }
        }
    }
}

#[derive(Debug, Clone)]
enum Item {
    Exact(Value),
    Range(u32, u32),
}

#[derive(Debug, Clone)]
struct Rule {
    /// Empty: any reason.
    reasons: Vec<Item>,
    detail: Option<Value>,
    activity: ActivityId,
    row: usize,
}

/// How well a rule matched; greater is more specific.
type Rank = (u32, u8, Reverse<u64>, bool, Reverse<usize>);

impl Rule {
    /// The reason part of the rank, or `None` when the rule does not match.
    fn rank(
        &self,
        code_rank: u32,
        reason: Option<&Code<'_>>,
        detail: Option<&Code<'_>>,
    ) -> Option<Rank> {
        if let Some(wanted) = &self.detail {
            if !detail.is_some_and(|detail| wanted.matches(detail)) {
                return None;
            }
        }
        let (reason_rank, width) = if self.reasons.is_empty() {
            (0, u64::MAX)
        } else {
            let reason = reason?;
            let number = reason.as_number();
            self.reasons
                .iter()
                .filter_map(|item| match item {
                    Item::Exact(value) => value.matches(reason).then_some((2, 1)),
                    Item::Range(low, high) => number
                        .is_some_and(|n| (*low..=*high).contains(&n))
                        .then(|| (1, u64::from(high - low) + 1)),
                })
                .max_by_key(|&(rank, width)| (rank, Reverse(width)))?
        };
        Some((
            code_rank,
            reason_rank,
            Reverse(width),
            self.detail.is_some(),
            Reverse(self.row),
        ))
    }
}

/// The activity rules of one integration.
#[derive(Debug, Clone, Default)]
pub(crate) struct StatusRules {
    exact: HashMap<Box<str>, Vec<Rule>>,
    /// Longest prefix first.
    prefixes: Vec<(Box<str>, Vec<Rule>)>,
    any: Vec<Rule>,
}

impl StatusRules {
    /// The activity of a status, or `None` when no rule matches.
    pub(crate) fn resolve(
        &self,
        code: &str,
        reason: Option<&Code<'_>>,
        detail: Option<&Code<'_>>,
    ) -> Option<ActivityId> {
        let exact = self.exact.get(code).map(|rules| (u32::MAX, rules));
        let prefixed = self
            .prefixes
            .iter()
            .filter(|(prefix, _)| code.starts_with(&**prefix))
            .map(|(prefix, rules)| (prefix.len() as u32 + 1, rules));
        exact
            .into_iter()
            .chain(prefixed)
            .chain(std::iter::once((0, &self.any)))
            .flat_map(|(code_rank, rules)| {
                rules.iter().filter_map(move |rule| {
                    Some((rule.rank(code_rank, reason, detail)?, rule.activity))
                })
            })
            .max_by_key(|(rank, _)| *rank)
            .map(|(_, activity)| activity)
    }

    fn add(&mut self, status: &str, rule: Rule) {
        if status == "*" {
            self.any.push(rule);
        } else if let Some(prefix) = status.strip_suffix('*') {
            match self.prefixes.iter_mut().find(|(p, _)| **p == *prefix) {
                Some((_, rules)) => rules.push(rule),
                None => {
                    self.prefixes.push((prefix.into(), vec![rule]));
                    self.prefixes.sort_by_key(|(p, _)| Reverse(p.len()));
                }
            }
        } else {
            self.exact.entry(status.into()).or_default().push(rule);
        }
    }
}

/// A user mapping row: `(integration, external id) -> employee`.
#[derive(Debug, Clone)]
pub(crate) struct User {
    /// Index into [`ResolvedMappings::user_integrations`].
    integration: u32,
    /// The employee's index in the evaluator once [`ResolvedMappings::index_employees`] has
    /// run; until then its name is in [`ResolvedMappings::names`].
    employee: u32,
    /// The trimmed id.
    external_id: Name,
}

/// The employee a user row names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Named {
    /// Its index in the evaluator.
    Index(u32),
    /// Its name, before the rows were given indexes.
    Name(Name),
}

/// All mappings, by integration name.
///
/// User mappings are one row per agent, so at a million agents their layout counts. A row
/// lives only until its integration is named: the evaluator then makes the row's agent,
/// linked to its employee, and drops the row ([`ResolvedMappings::drop_users_of`]; a reload
/// resolves a new set of rows, re-links every agent and drops them again), so a mapped agent
/// is one record, not an agent and a row with an index each. Until then the rows sit in a
/// `Vec` of 24 bytes each (integration names interned, the employee by its index in the
/// evaluator), indexed by a `HashTable<u32>` that compares against the row.
#[derive(Debug, Clone, Default)]
pub(crate) struct ResolvedMappings {
    statuses: HashMap<Name, StatusRules>,
    /// The distinct integrations of the user rows.
    user_integrations: Vec<Name>,
    users: Vec<User>,
    /// The employee names of `users`, row by row, until [`ResolvedMappings::index_employees`]
    /// gives the rows indexes (then empty).
    names: Vec<Name>,
    /// Indexes into `users`, by `(integration, external id)` hashed with `hasher`.
    user_index: HashTable<u32>,
    hasher: foldhash::fast::RandomState,
}

impl ResolvedMappings {
    /// Resolves every row it can; the rows it cannot are returned, never dropped silently.
    pub(crate) fn new(
        users: &[UserMapping],
        statuses: &[ActivityMapping],
        activities: &Activities,
    ) -> (ResolvedMappings, Vec<MappingError>) {
        let mut errors = Vec::new();
        let mut resolved = ResolvedMappings::default();
        // (integration, status, reason, detail) -> (first row, activity)
        type RowKey<'m> = (&'m str, &'m str, String, Option<&'m str>);
        let mut seen: HashMap<RowKey<'_>, (usize, ActivityId)> = HashMap::new();
        for (row, mapping) in statuses.iter().enumerate() {
            let status = mapping.status.trim();
            if status.is_empty() {
                errors.push(MappingError::EmptyStatus { row });
                continue;
            }
            let Some(activity) = activities.id(&mapping.activity) else {
                errors.push(MappingError::UnknownActivity {
                    row,
                    activity: mapping.activity.to_string(),
                });
                continue;
            };
            let detail = mapping
                .detail
                .as_deref()
                .map(str::trim)
                .filter(|d| !d.is_empty());
            let key = (
                &*mapping.integration,
                status,
                String::from(mapping.reason.clone()),
                detail,
            );
            match seen.get(&key) {
                Some(&(first, other)) if other != activity => {
                    errors.push(MappingError::ConflictingActivity { row, first });
                    continue;
                }
                Some(_) => continue,
                None => {
                    seen.insert(key, (row, activity));
                }
            }
            let reasons = match &mapping.reason {
                ReasonSpec::Any => Vec::new(),
                ReasonSpec::List(items) => items
                    .iter()
                    .map(|item| match item {
                        ReasonItem::Exact(value) => Item::Exact(Value::new(value)),
                        ReasonItem::Range(low, high) => Item::Range(*low, *high),
                    })
                    .collect(),
            };
            resolved
                .statuses
                .entry(mapping.integration.clone())
                .or_default()
                .add(
                    status,
                    Rule {
                        reasons,
                        detail: detail.map(Value::new),
                        activity,
                        row,
                    },
                );
        }
        for (row, mapping) in users.iter().enumerate() {
            let external_id = mapping.external_id.trim();
            match resolved.row(&mapping.integration, external_id.as_bytes()) {
                Some(user) if resolved.names[user] != mapping.employee => {
                    errors.push(MappingError::ConflictingUser {
                        row,
                        integration: mapping.integration.to_string(),
                        external_id: mapping.external_id.clone(),
                        employee: resolved.names[user].to_string(),
                    })
                }
                Some(_) => {}
                None => resolved.add_user(&mapping.integration, external_id, &mapping.employee),
            }
        }
        resolved.users.shrink_to_fit();
        resolved.names.shrink_to_fit();
        (resolved, errors)
    }

    fn add_user(&mut self, integration: &Name, external_id: &str, employee: &Name) {
        let slot = match self.user_integrations.iter().position(|i| i == integration) {
            Some(slot) => slot,
            None => {
                self.user_integrations.push(integration.clone());
                self.user_integrations.len() - 1
            }
        };
        let index = self.users.len() as u32;
        self.users.push(User {
            integration: slot as u32,
            employee: u32::MAX,
            external_id: external_id.into(),
        });
        self.names.push(employee.clone());
        self.index_user(index);
    }

    fn index_user(&mut self, index: u32) {
        let (users, integrations, hasher) = (&self.users, &self.user_integrations, &self.hasher);
        let hash_of = |user: &User| {
            let integration = &*integrations[user.integration as usize];
            hasher.hash_one((integration, user.external_id.as_bytes()))
        };
        let hash = hash_of(&users[index as usize]);
        self.user_index
            .insert_unique(hash, index, |&u| hash_of(&users[u as usize]));
    }

    /// The index of the user row of `(integration, external_id)`.
    fn row(&self, integration: &str, external_id: &[u8]) -> Option<usize> {
        let hash = self.hasher.hash_one((integration, external_id));
        let index = self.user_index.find(hash, |&u| {
            let user = &self.users[u as usize];
            user.external_id.as_bytes() == external_id
                && *self.user_integrations[user.integration as usize] == *integration
        })?;
        Some(*index as usize)
    }

    /// Drops the user rows of the integrations `named` says are named: the evaluator holds
    /// their agents, each linked to its employee, and the rows would be a second record (and
    /// an index) per agent. Rows of integrations not named yet stay until they are.
    pub(crate) fn drop_users_of(&mut self, named: impl Fn(&str) -> bool) {
        let integrations = &self.user_integrations;
        let kept: Vec<bool> = (self.users.iter())
            .map(|user| !named(&integrations[user.integration as usize]))
            .collect();
        if kept.iter().all(|&kept| kept) {
            return;
        }
        let mut row = kept.iter();
        self.users.retain(|_| *row.next().expect("a flag per row"));
        // Before `index_employees` every row has its employee's name; after, none has.
        if !self.names.is_empty() {
            let mut row = kept.iter();
            self.names.retain(|_| *row.next().expect("a flag per row"));
        }
        self.users.shrink_to_fit();
        self.names.shrink_to_fit();
        self.user_index = HashTable::with_capacity(self.users.len());
        for index in 0..self.users.len() as u32 {
            self.index_user(index);
        }
    }

    /// Gives every row the index of its employee, `index(name)`, called in row order; the
    /// names are dropped.
    pub(crate) fn index_employees(&mut self, mut index: impl FnMut(&Name) -> u32) {
        for (user, name) in self.users.iter_mut().zip(std::mem::take(&mut self.names)) {
            user.employee = index(&name);
        }
    }

    pub(crate) fn statuses(&self, integration: &str) -> Option<&StatusRules> {
        self.statuses.get(integration)
    }

    pub(crate) fn employee(&self, integration: &Name, external_id: &[u8]) -> Option<Named> {
        let row = self.row(integration, external_id)?;
        Some(match self.names.get(row) {
            Some(name) => Named::Name(name.clone()),
            None => Named::Index(self.users[row].employee),
        })
    }

    /// Every mapped `(integration, external id)`, in row order.
    pub(crate) fn users(&self) -> impl Iterator<Item = (&Name, &[u8])> {
        self.users.iter().map(|user| {
            (
                &self.user_integrations[user.integration as usize],
                user.external_id.as_bytes(),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Activity;
    use crate::config::Rules;

    fn activities() -> Activities {
        let rules = Rules {
            activities: ["Phone", "Break", "Away", "Lunch", "Email", "Meeting"]
                .into_iter()
                .map(Activity::new)
                .collect(),
            ..Rules::default()
        };
        Activities::new(&rules).unwrap()
    }

    fn row(status: &str, reason: &str, detail: Option<&str>, activity: &str) -> ActivityMapping {
        ActivityMapping {
            integration: "cms".into(),
            status: status.into(),
            reason: reason.parse().unwrap(),
            detail: detail.map(Into::into),
            activity: activity.into(),
        }
    }

    fn name(activities: &Activities, id: Option<ActivityId>) -> Option<String> {
        id.map(|id| activities.get(id).name.to_string())
    }

    #[test]
    fn the_most_specific_row_wins() {
        let activities = activities();
        let rows = [
            row("*", "", None, "Meeting"),
            row("AUX", "", None, "Away"),
            row("AUX", "1-9", None, "Lunch"),
            row("AUX", "2-3", None, "Email"),
            row("AUX", "2", None, "Break"),
            row("ACD*", "", None, "Phone"),
            row("ACDIN", "", Some("101"), "Email"),
            row("AC*", "", None, "Away"),
        ];
        let (mappings, errors) = ResolvedMappings::new(&[], &rows, &activities);
        assert!(errors.is_empty(), "{errors:?}");
        let rules = mappings.statuses("cms").unwrap();
        let resolve = |code, reason: Option<Code<'_>>, detail: Option<Code<'_>>| {
            name(
                &activities,
                rules.resolve(code, reason.as_ref(), detail.as_ref()),
            )
        };
        let some = |s: &str| Some(s.to_owned());
        assert_eq!(resolve("AUX", Some(Code::Number(2)), None), some("Break"));
        assert_eq!(
            resolve("AUX", Some(Code::Text("2".into())), None),
            some("Break")
        );
        assert_eq!(
            resolve("AUX", Some(Code::Number(3)), None),
            some("Email"),
            "narrower range"
        );
        assert_eq!(resolve("AUX", Some(Code::Number(7)), None), some("Lunch"));
        assert_eq!(resolve("AUX", Some(Code::Number(12)), None), some("Away"));
        assert_eq!(resolve("AUX", None, None), some("Away"));
        assert_eq!(
            resolve("ACDIN", None, Some(Code::Number(101))),
            some("Email")
        );
        assert_eq!(
            resolve("ACDIN", None, Some(Code::Number(102))),
            some("Phone")
        );
        assert_eq!(
            resolve("ACDOUT", None, None),
            some("Phone"),
            "longer prefix"
        );
        assert_eq!(resolve("ACW", None, None), some("Away"));
        assert_eq!(resolve("OTHER", None, None), some("Meeting"));
    }

    #[test]
    fn bad_rows_are_reported_and_the_rest_is_applied() {
        let activities = activities();
        let rows = [
            row("AUX", "2", None, "Break"),
            row("AUX", "2", None, "Lunch"),
            row("AUX", "2", None, "Break"),
            row(" ", "", None, "Phone"),
            row("AVAIL", "", None, "Nope"),
            row("AVAIL", "", None, "Phone"),
        ];
        let users = [
            UserMapping {
                integration: "cms".into(),
                external_id: "40101".into(),
                employee: "E1".into(),
            },
            UserMapping {
                integration: "cms".into(),
                external_id: "40101".into(),
                employee: "E2".into(),
            },
        ];
        let (mappings, errors) = ResolvedMappings::new(&users, &rows, &activities);
        assert_eq!(
            errors,
            vec![
                MappingError::ConflictingActivity { row: 1, first: 0 },
                MappingError::EmptyStatus { row: 3 },
                MappingError::UnknownActivity {
                    row: 4,
                    activity: "Nope".into()
                },
                MappingError::ConflictingUser {
                    row: 1,
                    integration: "cms".into(),
                    external_id: "40101".into(),
                    employee: "E1".into()
                },
            ]
        );
        let rules = mappings.statuses("cms").unwrap();
        assert_eq!(
            name(&activities, rules.resolve("AVAIL", None, None)).as_deref(),
            Some("Phone")
        );
        assert_eq!(
            mappings.employee(&"cms".into(), b"40101"),
            Some(Named::Name("E1".into()))
        );
    }
}
