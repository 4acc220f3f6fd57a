//! Delta mode: an occurrence of a recurring review holds only what changed since the last
//! completed one — new access, a changed manager or department, access denied last time but
//! still present — and carries every other outcome forward, visibly.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::definition::Outcome;
use crate::instance::Instance;
use crate::state::State;

use super::since::LastReview;

/// What an occurrence keeps about the occurrence before it (empty outside delta mode).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SinceLast {
    /// The occurrence this one was compared with, when it is a delta.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basis: Option<String>,
    /// Outcomes carried forward without a review: unchanged since the last occurrence.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub carried: Vec<Carried>,
    /// Each person's manager and department at the start, so the next occurrence can tell
    /// what changed (the directory then has moved on).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<Attributes>,
}

impl SinceLast {
    /// Nothing kept: not a delta-mode occurrence.
    pub fn is_empty(&self) -> bool {
        self.basis.is_none() && self.carried.is_empty() && self.attributes.is_empty()
    }
}

/// An outcome carried forward from an earlier occurrence.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Carried {
    /// The user's id.
    pub user: String,
    /// The user's display name.
    pub user_name: String,
    /// The outcome carried forward.
    pub outcome: Outcome,
    /// The reviewer whose decision it was, if one decided.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    /// When it was decided: the end of the occurrence that reviewed it.
    pub from: DateTime<Utc>,
}

/// A person's manager and department when an occurrence started.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Attributes {
    /// The user's id.
    pub user: String,
    /// The manager's user id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manager: Option<String>,
    /// The department.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
}

/// Make `inst`, just snapshotted for a delta-mode review, a delta of the last completed
/// occurrence: an item stays when the access is new, the person's manager or department
/// changed, or the last outcome was anything but Approve (denied but still present, Don't
/// know, not reviewed); an approved, unchanged item is carried forward with its outcome.
/// The first occurrence keeps everything and only records the attributes.
pub fn narrow(inst: &mut Instance, state: &State) {
    let dir = &state.directory;
    let attributes_of = |user: &str| {
        let u = dir.users.get(user);
        Attributes {
            user: user.to_string(),
            manager: u.and_then(|u| u.manager.clone()),
            department: u.and_then(|u| u.department.clone()),
        }
    };
    let mut kept_since = SinceLast::default();
    if let Some(last) = LastReview::before(state, inst) {
        let before: std::collections::HashMap<&str, &Attributes> = last
            .instance
            .since_last
            .attributes
            .iter()
            .map(|a| (a.user.as_str(), a))
            .collect();
        kept_since.basis = Some(last.instance.id.clone());
        let items = std::mem::take(&mut inst.items);
        for it in items {
            let now = attributes_of(&it.user);
            // A person whose attributes the last occurrence did not record may have changed.
            let unchanged = before
                .get(it.user.as_str())
                .is_some_and(|b| b.manager == now.manager && b.department == now.department);
            match last.prior(&it.user) {
                Some(p) if unchanged && p.outcome == Outcome::Approve => {
                    kept_since.carried.push(Carried {
                        user: it.user.clone(),
                        user_name: it.user_name.clone(),
                        outcome: p.outcome,
                        by: p.by.map(str::to_string),
                        from: p.decided,
                    })
                }
                _ => inst.items.push(it),
            }
        }
    }
    kept_since.attributes = inst
        .items
        .iter()
        .map(|it| it.user.as_str())
        .chain(kept_since.carried.iter().map(|c| c.user.as_str()))
        .map(attributes_of)
        .collect();
    inst.since_last = kept_since;
}

/// The history's rows for the outcomes `inst` carried forward, one per person, from `base`
/// (the row of the occurrence's start).
pub fn carried_rows<'a>(
    inst: &'a Instance,
    base: &'a crate::evidence::AuditRow,
    dir: &'a crate::directory::Directory,
) -> impl Iterator<Item = crate::evidence::AuditRow> + 'a {
    inst.since_last.carried.iter().map(move |c| {
        let by = c.by.iter().cloned().collect::<Vec<_>>();
        crate::evidence::AuditRow {
            action: "Outcome carried forward".into(),
            stage: Some(0),
            reviewer_names: by
                .iter()
                .map(|r| dir.display_name(r).to_string())
                .collect::<Vec<_>>()
                .join("; "),
            reviewers: by,
            subject: c.user_name.clone(),
            decision: (c.outcome == Outcome::Approve).then_some(crate::instance::Decision::Approve),
            details: c.text(crate::evidence::timestamp),
            ..base.clone()
        }
    })
}

impl Carried {
    /// "Approved, carried forward from <date> (unchanged since the last review)".
    pub fn text(&self, date: impl Fn(DateTime<Utc>) -> String) -> String {
        format!(
            "{}, carried forward from {} (unchanged since the last review)",
            self.outcome.label(),
            date(self.from)
        )
    }
}
