//! "Since last review": what the last completed occurrence of a recurring review decided
//! about each person, and which access is new since then.

use crate::tagged::internally_tagged;
use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::definition::Outcome;
use crate::directory::Directory;
use crate::instance::{Instance, InstanceStatus};
use crate::state::State;

internally_tagged! { "type", "SinceLastReview",
    /// What a row says about the previous occurrence.
    #[derive(Clone, Debug, PartialEq, Eq)]
    #[serde(rename_all = "camelCase")]
    pub enum SinceLastReview {
        /// The person did not have this access when the last occurrence ran.
        New {
            /// When the last occurrence ended.
            last_review: DateTime<Utc>,
        },
        /// The last occurrence's outcome for this person.
        Previous {
            /// The outcome.
            outcome: Outcome,
            /// The display name of the reviewer whose decision stood; None when nobody decided
            /// (the "If reviewers don't respond" setting gave the outcome).
            by: Option<String>,
            /// When that outcome was reached: the end of the occurrence that reviewed it.
            decided: DateTime<Utc>,
            /// The last occurrence carried this outcome forward (delta mode) instead of asking.
            carried: bool,
        },
    }
}

impl SinceLastReview {
    /// The words of the reviewer's row; `date` writes a day in the reader's form.
    pub fn text(&self, date: impl Fn(DateTime<Utc>) -> String) -> String {
        match self {
            SinceLastReview::New { .. } => "New since last review".into(),
            SinceLastReview::Previous {
                outcome,
                by,
                decided,
                carried,
            } => {
                let mut s = format!("Last review: {}", outcome.label());
                if let Some(by) = by {
                    s.push_str(&format!(" by {by}"));
                }
                if *carried {
                    s.push_str(&format!(", carried forward from {}", date(*decided)));
                } else {
                    s.push_str(&format!(" ({})", date(*decided)));
                }
                s
            }
        }
    }

    /// Whether the access is new since the last review.
    pub fn is_new(&self) -> bool {
        matches!(self, SinceLastReview::New { .. })
    }
}

/// The last completed occurrence of `definition` for `resource` before occurrence `before`.
pub fn last_completed<'a>(
    state: &'a State,
    definition: &str,
    resource: &str,
    before: u32,
) -> Option<&'a Instance> {
    state
        .instances
        .values()
        .filter(|i| {
            i.definition == definition
                && i.resource.id == resource
                && i.occurrence < before
                && matches!(
                    i.status,
                    InstanceStatus::Completed | InstanceStatus::Applied
                )
        })
        .max_by_key(|i| i.occurrence)
}

/// One person's standing at the last occurrence.
#[derive(Clone, Debug)]
pub(super) struct Prior<'a> {
    pub outcome: Outcome,
    /// The reviewer's user id.
    pub by: Option<&'a str>,
    pub decided: DateTime<Utc>,
    pub carried: bool,
}

/// The last completed occurrence, read once per page (or per occurrence start) into a map.
pub struct LastReview<'a> {
    /// The occurrence.
    pub instance: &'a Instance,
    by_user: HashMap<&'a str, Prior<'a>>,
}

impl<'a> LastReview<'a> {
    /// The last completed occurrence before `inst`, if any.
    pub fn before(state: &'a State, inst: &Instance) -> Option<Self> {
        let prev = last_completed(state, &inst.definition, &inst.resource.id, inst.occurrence)?;
        let no_response = state
            .reviews
            .get(&prev.definition)
            .map(|r| r.definition.settings.if_no_response)?;
        let ended = prev.completed.unwrap_or(prev.started);
        let mut by_user = HashMap::with_capacity(prev.items.len() + prev.since_last.carried.len());
        for it in &prev.items {
            by_user.insert(
                it.user.as_str(),
                Prior {
                    outcome: prev.outcome(it, no_response),
                    by: prev.standing(it).map(|d| d.reviewer.as_str()),
                    decided: ended,
                    carried: false,
                },
            );
        }
        for c in &prev.since_last.carried {
            by_user.insert(
                c.user.as_str(),
                Prior {
                    outcome: c.outcome,
                    by: c.by.as_deref(),
                    decided: c.from,
                    carried: true,
                },
            );
        }
        Some(LastReview {
            instance: prev,
            by_user,
        })
    }

    pub(super) fn prior(&self, user: &str) -> Option<&Prior<'a>> {
        self.by_user.get(user)
    }

    /// What a row of `user` says about the last occurrence.
    pub fn since(&self, dir: &Directory, user: &str) -> SinceLastReview {
        match self.by_user.get(user) {
            None => SinceLastReview::New {
                last_review: self.instance.completed.unwrap_or(self.instance.started),
            },
            Some(p) => SinceLastReview::Previous {
                outcome: p.outcome,
                by: p.by.map(|r| dir.display_name(r).to_string()),
                decided: p.decided,
                carried: p.carried,
            },
        }
    }
}
