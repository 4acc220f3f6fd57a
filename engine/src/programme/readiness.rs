//! Launch readiness: what will go wrong when a review starts, each with what to do. Read in
//! the wizard's Review + create step and on a created review before its first start.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};

use crate::definition::{ReviewDefinition, Reviewers};
use crate::directory::Directory;
use crate::state::State;

/// A directory import older than this many days is worth refreshing before a launch.
pub const READINESS_IMPORT_DAYS: i64 = 30;

/// Names listed in a finding before "and N more".
const EXAMPLES: usize = 3;

/// One thing launch readiness found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Finding {
    /// A reviewer who cannot sign in (blocked) or is no longer in the directory.
    ReviewerUnavailable {
        /// Stage index (0 is the first).
        stage: usize,
        /// The user id.
        user: String,
        /// The display name (the id when deleted).
        name: String,
        /// Not in the directory at all.
        deleted: bool,
        /// Named as a fallback reviewer rather than a reviewer.
        fallback: bool,
    },
    /// Reviewees without a manager in a "Managers of users" stage: they go to the fallback.
    NoManager {
        /// Stage index.
        stage: usize,
        /// How many reviewees.
        reviewees: usize,
        /// A few of their names.
        examples: Vec<String>,
        /// The fallback reviewers' names (empty: nobody will review them).
        fallback: Vec<String>,
    },
    /// A resource without owners in a "resource owners" stage: it goes to the fallback.
    NoOwners {
        /// Stage index.
        stage: usize,
        /// The resource's name.
        resource: String,
        /// The fallback reviewers' names.
        fallback: Vec<String>,
    },
    /// The review names no resource at all.
    NoResources,
    /// A resource in the scope that the directory does not hold.
    ResourceMissing {
        /// The resource id.
        resource: String,
    },
    /// A resource in scope whose instance would have no reviewees.
    EmptyScope {
        /// The resource's name.
        resource: String,
    },
    /// The directory was imported this many days ago.
    StaleImport {
        /// Days since the last import.
        days: i64,
    },
}

fn names(list: &[String]) -> String {
    if list.is_empty() {
        return "nobody".into();
    }
    list.join(", ")
}

impl Finding {
    /// What is wrong, in a sentence.
    pub fn problem(&self) -> String {
        match self {
            Finding::ReviewerUnavailable {
                stage,
                name,
                deleted,
                fallback,
                ..
            } => format!(
                "Stage {}: {} {name} {}.",
                stage + 1,
                if *fallback { "fallback reviewer" } else { "reviewer" },
                if *deleted {
                    "is no longer in the directory"
                } else {
                    "is blocked from signing in"
                }
            ),
            Finding::NoManager {
                stage,
                reviewees,
                examples,
                fallback,
            } => {
                let more = reviewees.saturating_sub(examples.len());
                format!(
                    "Stage {}: {reviewees} reviewee(s) have no manager ({}{}); they go to the fallback reviewers: {}.",
                    stage + 1,
                    examples.join(", "),
                    if more > 0 { format!(" and {more} more") } else { String::new() },
                    names(fallback)
                )
            }
            Finding::NoOwners {
                stage,
                resource,
                fallback,
            } => format!(
                "Stage {}: {resource} has no owners; its reviewees go to the fallback reviewers: {}.",
                stage + 1,
                names(fallback)
            ),
            Finding::NoResources => "The review names no resource to review.".into(),
            Finding::ResourceMissing { resource } => {
                format!("The resource {resource} is not in the directory.")
            }
            Finding::EmptyScope { resource } => {
                format!("{resource} has nobody in scope: its review would have no reviewees.")
            }
            Finding::StaleImport { days } => {
                format!("The directory was last imported {days} days ago.")
            }
        }
    }

    /// What to do about it.
    pub fn action(&self) -> &'static str {
        match self {
            Finding::ReviewerUnavailable { .. } => {
                "Choose another reviewer, or unblock the account before the review starts."
            }
            Finding::NoManager { fallback, .. } | Finding::NoOwners { fallback, .. }
                if fallback.is_empty() =>
            {
                "Add fallback reviewers, or nobody will review these reviewees."
            }
            Finding::NoManager { .. } => {
                "Check the fallback reviewers can decide, or set the managers in the directory and import again."
            }
            Finding::NoOwners { .. } => {
                "Check the fallback reviewers can decide, or add owners in the directory and import again."
            }
            Finding::NoResources => "Select at least one resource in Review type.",
            Finding::ResourceMissing { .. } => {
                "Remove it from the scope, or import a directory that holds it."
            }
            Finding::EmptyScope { .. } => {
                "Remove it from the scope, or widen whose access is reviewed."
            }
            Finding::StaleImport { .. } => {
                "Import the directory again so the review starts from current access."
            }
        }
    }

    /// Whether the review would leave someone unreviewed or nothing to review (the others
    /// are warnings).
    pub fn is_blocking(&self) -> bool {
        match self {
            Finding::NoManager { fallback, .. } | Finding::NoOwners { fallback, .. } => {
                fallback.is_empty()
            }
            Finding::NoResources | Finding::ResourceMissing { .. } => true,
            Finding::ReviewerUnavailable { .. }
            | Finding::EmptyScope { .. }
            | Finding::StaleImport { .. } => false,
        }
    }
}

/// What launch readiness finds for `def` against `state`'s directory at `now`, in the
/// order: scope, reviewers per stage, the import's age.
pub fn readiness(def: &ReviewDefinition, state: &State, now: DateTime<Utc>) -> Vec<Finding> {
    let dir = &state.directory;
    let kind = def.scope.resource_kind;
    let mut out = Vec::new();
    if def.scope.resources.is_empty() {
        out.push(Finding::NoResources);
    }
    // In-scope reviewees per resource, read once for every stage.
    let mut reviewees: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for r in &def.scope.resources {
        if !dir.resource_exists(kind, r) {
            out.push(Finding::ResourceMissing {
                resource: r.clone(),
            });
            continue;
        }
        let holders: BTreeSet<&str> = dir
            .access_holders(kind, r, def.scope.transitive)
            .into_iter()
            .filter_map(|a| {
                let u = dir.users.get(&a.user)?;
                def.scope.includes(u, now).then_some(u.id.as_str())
            })
            .collect();
        if holders.is_empty() {
            out.push(Finding::EmptyScope {
                resource: dir.resource_name(kind, r).unwrap_or(r).to_string(),
            });
        }
        reviewees.insert(r.as_str(), holders);
    }
    let mut unavailable = BTreeSet::new();
    for (stage, settings) in def.stages.iter().enumerate() {
        let fallback: Vec<String> = settings
            .fallback_reviewers
            .iter()
            .map(|f| dir.display_name(f).to_string())
            .collect();
        // Blocked or deleted reviewers of this stage, each once.
        let mut found: Vec<Finding> = Vec::new();
        let mut check = |user: &str, is_fallback: bool| {
            if let Some(f) = unavailable_reviewer(dir, stage, user, is_fallback) {
                if unavailable.insert((stage, user.to_string())) {
                    found.push(f);
                }
            }
        };
        let mut notes: Vec<Finding> = Vec::new();
        for f in &settings.fallback_reviewers {
            check(f, true);
        }
        match &settings.reviewers {
            Reviewers::SelectedUsers { users } => users.iter().for_each(|u| check(u, false)),
            Reviewers::GroupMembers { group } => dir
                .group_user_ids(group)
                .iter()
                .for_each(|u| check(u, false)),
            Reviewers::Managers => {
                let mut without: Vec<&str> = Vec::new();
                let mut managers: BTreeSet<&str> = BTreeSet::new();
                for id in reviewees.values().flatten().collect::<BTreeSet<_>>() {
                    match dir.users.get(*id).and_then(|u| u.manager.as_deref()) {
                        Some(m) => {
                            managers.insert(m);
                        }
                        None => without.push(id),
                    }
                }
                managers.into_iter().for_each(|m| check(m, false));
                if !without.is_empty() {
                    notes.push(Finding::NoManager {
                        stage,
                        reviewees: without.len(),
                        examples: without
                            .iter()
                            .take(EXAMPLES)
                            .map(|u| dir.display_name(u).to_string())
                            .collect(),
                        fallback: fallback.clone(),
                    });
                }
            }
            Reviewers::ResourceOwners => {
                for r in reviewees.keys() {
                    let owners = dir.resource_owners(kind, r);
                    if owners.is_empty() {
                        notes.push(Finding::NoOwners {
                            stage,
                            resource: dir.resource_name(kind, r).unwrap_or(r).to_string(),
                            fallback: fallback.clone(),
                        });
                    }
                    owners.iter().for_each(|o| check(o, false));
                }
            }
            Reviewers::SelfReview => {}
        }
        out.extend(found);
        out.append(&mut notes);
    }
    if let Some(at) = state.directory_imported {
        let days = (now - at).num_days();
        if days > READINESS_IMPORT_DAYS {
            out.push(Finding::StaleImport { days });
        }
    }
    out
}

fn unavailable_reviewer(
    dir: &Directory,
    stage: usize,
    user: &str,
    fallback: bool,
) -> Option<Finding> {
    let (name, deleted) = match dir.users.get(user) {
        None => (user.to_string(), true),
        Some(u) if !u.account_enabled => (u.display_name.clone(), false),
        Some(_) => return None,
    };
    Some(Finding::ReviewerUnavailable {
        stage,
        user: user.to_string(),
        name,
        deleted,
        fallback,
    })
}
