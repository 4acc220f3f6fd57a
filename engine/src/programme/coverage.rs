//! Coverage of the directory by reviews: every resource with its last certification and next
//! review, what is overdue, and the built-in checks. One pass over the state; the dashboard
//! computes it once per state change.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, Utc};

use crate::directory::{AssignmentKind, Directory, Principal, ResourceKind, UserType};
use crate::instance::InstanceStatus;
use crate::state::State;

/// The thresholds of the dashboard's highlights and checks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProgrammeConfig {
    /// Privileged roles and guest-bearing resources not certified within this many days are
    /// highlighted.
    pub recent_days: i64,
    /// "A privileged role has more than N active members".
    pub privileged_max_active: usize,
    /// "Guests have not been reviewed in N days".
    pub guest_review_days: i64,
    /// A finished review whose results wait longer than this many days is overdue.
    pub apply_within_days: i64,
}

impl Default for ProgrammeConfig {
    fn default() -> Self {
        ProgrammeConfig {
            recent_days: 90,
            privileged_max_active: 5,
            guest_review_days: 90,
            apply_within_days: 7,
        }
    }
}

/// One resource of the directory as the programme sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourceRow {
    /// Its kind.
    pub kind: ResourceKind,
    /// Its id.
    pub id: String,
    /// Its display name.
    pub name: String,
    /// When a review of it last finished (completed or applied).
    pub last_certified: Option<DateTime<Utc>>,
    /// When the next scheduled occurrence covering it starts.
    pub next_review: Option<DateTime<Utc>>,
    /// A review of it is running now.
    pub in_progress: bool,
    /// A review will still run for it (scheduled, or running now).
    pub covered: bool,
    /// A privileged directory role.
    pub privileged: bool,
    /// Guests holding it directly.
    pub guests: usize,
    /// Privileged or guest-bearing, and not certified within `recent_days`.
    pub needs_attention: bool,
}

/// Why a review is overdue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Why {
    /// Its stage's end has passed and the clock has not yet closed it.
    PastDeadline {
        /// The stage's end.
        deadline: DateTime<Utc>,
    },
    /// Finished, but its results wait to be applied.
    NotApplied {
        /// When it finished.
        completed: DateTime<Utc>,
    },
}

/// An overdue review instance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OverdueReview {
    /// The instance id.
    pub instance: String,
    /// "Review name · resource".
    pub name: String,
    /// Why it is overdue.
    pub why: Why,
}

/// A reviewer with undecided items after the halfway point of their stage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OverdueReviewer {
    /// The user id.
    pub user: String,
    /// The display name.
    pub name: String,
    /// Undecided items across open reviews.
    pub items: usize,
    /// In how many reviews.
    pub reviews: usize,
    /// The earliest end among those stages.
    pub earliest_deadline: DateTime<Utc>,
}

/// A built-in check that failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Check {
    /// A privileged role has more than the allowed active members.
    CrowdedPrivilegedRole {
        /// The role's id.
        role: String,
        /// Its name.
        name: String,
        /// Active members.
        active: usize,
        /// The most allowed.
        max: usize,
    },
    /// Guests hold a resource that has not been reviewed within the window.
    GuestsNotReviewed {
        /// The resource's kind.
        kind: ResourceKind,
        /// Its id.
        resource: String,
        /// Its name.
        name: String,
        /// Guests holding it.
        guests: usize,
        /// The window, in days.
        days: i64,
        /// The last certification, if any.
        last: Option<DateTime<Utc>>,
    },
}

impl Check {
    /// The check's finding in a sentence.
    pub fn text(&self) -> String {
        match self {
            Check::CrowdedPrivilegedRole {
                name, active, max, ..
            } => {
                format!("The privileged role {name} has {active} active members (more than {max}).")
            }
            Check::GuestsNotReviewed {
                kind,
                name,
                guests,
                days,
                last,
                ..
            } => format!(
                "{guests} guest(s) in the {} {name} have not been reviewed in {days} days ({}).",
                kind.noun(),
                match last {
                    Some(at) => format!("last certified {}", at.format("%Y-%m-%d")),
                    None => "never certified".into(),
                }
            ),
        }
    }
}

/// The programme at a moment: what the dashboard shows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Programme {
    /// Every resource of the directory: needing attention first, then not covered, then by
    /// kind and name.
    pub resources: Vec<ResourceRow>,
    /// Overdue reviews, oldest first.
    pub overdue_reviews: Vec<OverdueReview>,
    /// Overdue reviewers, most undecided items first.
    pub overdue_reviewers: Vec<OverdueReviewer>,
    /// Failed built-in checks.
    pub checks: Vec<Check>,
}

impl Programme {
    /// Resources no review will run for.
    pub fn uncovered(&self) -> usize {
        self.resources.iter().filter(|r| !r.covered).count()
    }

    /// Resources highlighted as needing attention.
    pub fn needing_attention(&self) -> usize {
        self.resources.iter().filter(|r| r.needs_attention).count()
    }
}

#[derive(Default)]
struct Seen {
    last: Option<DateTime<Utc>>,
    next: Option<DateTime<Utc>>,
    open: bool,
}

/// The programme of `state` at `now`.
pub fn programme(state: &State, now: DateTime<Utc>, cfg: &ProgrammeConfig) -> Programme {
    let mut seen: BTreeMap<(ResourceKind, &str), Seen> = BTreeMap::new();
    for inst in state.instances.values() {
        let s = seen
            .entry((inst.resource.kind, inst.resource.id.as_str()))
            .or_default();
        s.open |= inst.is_open();
        if matches!(
            inst.status,
            InstanceStatus::Completed | InstanceStatus::Applied
        ) {
            s.last = s.last.max(inst.completed);
        }
    }
    for review in state.reviews.values() {
        let Some(start) = review.next_start() else {
            continue;
        };
        let kind = review.definition.scope.resource_kind;
        for r in &review.definition.scope.resources {
            let s = seen.entry((kind, r.as_str())).or_default();
            s.next = Some(s.next.map_or(start, |n| n.min(start)));
        }
    }
    let recent = now - Duration::days(cfg.recent_days);
    let guests_window = now - Duration::days(cfg.guest_review_days);
    let mut resources = Vec::new();
    let mut checks = Vec::new();
    for (kind, id, name, privileged, guests) in resources_of(&state.directory) {
        let s = seen.remove(&(kind, id)).unwrap_or_default();
        let stale = s.last.is_none_or(|at| at < recent);
        if guests > 0 && s.last.is_none_or(|at| at < guests_window) {
            checks.push(Check::GuestsNotReviewed {
                kind,
                resource: id.to_string(),
                name: name.to_string(),
                guests,
                days: cfg.guest_review_days,
                last: s.last,
            });
        }
        resources.push(ResourceRow {
            kind,
            id: id.to_string(),
            name: name.to_string(),
            last_certified: s.last,
            next_review: s.next,
            in_progress: s.open,
            covered: s.open || s.next.is_some(),
            privileged,
            guests,
            needs_attention: (privileged || guests > 0) && stale,
        });
    }
    for role in state.directory.roles.values().filter(|r| r.privileged) {
        let active = role
            .assignments
            .iter()
            .filter(|a| a.kind == AssignmentKind::Active)
            .count();
        if active > cfg.privileged_max_active {
            checks.push(Check::CrowdedPrivilegedRole {
                role: role.id.clone(),
                name: role.display_name.clone(),
                active,
                max: cfg.privileged_max_active,
            });
        }
    }
    resources.sort_by(|a, b| {
        (!a.needs_attention, a.covered, a.kind, &a.name).cmp(&(
            !b.needs_attention,
            b.covered,
            b.kind,
            &b.name,
        ))
    });
    Programme {
        resources,
        overdue_reviews: overdue_reviews(state, now, cfg),
        overdue_reviewers: overdue_reviewers(state, now),
        checks,
    }
}

/// Every resource: kind, id, name, privileged, guests holding it directly.
fn resources_of(dir: &Directory) -> Vec<(ResourceKind, &str, &str, bool, usize)> {
    let guest = |id: &str| {
        dir.users
            .get(id)
            .is_some_and(|u| u.user_type == UserType::Guest)
    };
    let guest_principal = |p: &Principal| matches!(p, Principal::User(u) if guest(u));
    let mut out = Vec::new();
    for g in dir.groups.values() {
        let n = g.members.iter().filter(|p| guest_principal(p)).count();
        out.push((
            ResourceKind::Group,
            g.id.as_str(),
            g.display_name.as_str(),
            false,
            n,
        ));
    }
    for a in dir.applications.values() {
        let n = a.assignments.iter().filter(|p| guest_principal(p)).count();
        out.push((
            ResourceKind::Application,
            a.id.as_str(),
            a.display_name.as_str(),
            false,
            n,
        ));
    }
    for r in dir.roles.values() {
        let n = r.assignments.iter().filter(|a| guest(&a.user)).count();
        out.push((
            ResourceKind::DirectoryRole,
            r.id.as_str(),
            r.display_name.as_str(),
            r.privileged,
            n,
        ));
    }
    for p in dir.access_packages.values() {
        let n = p.assignments.iter().filter(|u| guest(u)).count();
        out.push((
            ResourceKind::AccessPackage,
            p.id.as_str(),
            p.display_name.as_str(),
            false,
            n,
        ));
    }
    out
}

fn overdue_reviews(state: &State, now: DateTime<Utc>, cfg: &ProgrammeConfig) -> Vec<OverdueReview> {
    let apply_by = Duration::days(cfg.apply_within_days);
    let mut out: Vec<(DateTime<Utc>, OverdueReview)> = Vec::new();
    for inst in state.instances.values() {
        let why = match (inst.status, inst.current_deadline(), inst.completed) {
            (InstanceStatus::InProgress, Some(deadline), _) if deadline < now => {
                Why::PastDeadline { deadline }
            }
            (InstanceStatus::Completed, _, Some(completed)) if completed + apply_by < now => {
                Why::NotApplied { completed }
            }
            _ => continue,
        };
        let since = match why {
            Why::PastDeadline { deadline } => deadline,
            Why::NotApplied { completed } => completed,
        };
        out.push((
            since,
            OverdueReview {
                instance: inst.id.clone(),
                name: format!(
                    "{} · {}",
                    state.definition_of(inst).name,
                    inst.resource.name
                ),
                why,
            },
        ));
    }
    out.sort_by(|a, b| (a.0, &a.1.instance).cmp(&(b.0, &b.1.instance)));
    out.into_iter().map(|(_, r)| r).collect()
}

/// Reviewers (delegations followed) with undecided items in a stage past its halfway point.
fn overdue_reviewers(state: &State, now: DateTime<Utc>) -> Vec<OverdueReviewer> {
    // user -> (items, reviews, earliest deadline)
    let mut by: BTreeMap<String, (usize, BTreeSet<&str>, DateTime<Utc>)> = BTreeMap::new();
    for inst in state.instances.values().filter(|i| i.is_open()) {
        let stage = inst.current_stage;
        let st = &inst.stages[stage];
        let (Some(started), Some(deadline)) = (st.started, st.deadline) else {
            continue;
        };
        if now < started + (deadline - started) / 2 {
            continue;
        }
        // Count per reviewer set, then expand each set once (few sets, many items).
        let mut per_set: BTreeMap<u32, (usize, usize)> = BTreeMap::new();
        for (i, item) in inst.items_in(stage) {
            if item.stage == stage && item.decision_in(stage).is_none() {
                per_set.entry(item.reviewers[stage]).or_insert((i, 0)).1 += 1;
            }
        }
        for (first, count) in per_set.into_values() {
            for r in state.reviewers_now(inst, &inst.items[first], stage) {
                let e = by.entry(r).or_insert((0, BTreeSet::new(), deadline));
                e.0 += count;
                e.1.insert(inst.id.as_str());
                e.2 = e.2.min(deadline);
            }
        }
    }
    let mut out: Vec<OverdueReviewer> = by
        .into_iter()
        .map(
            |(user, (items, reviews, earliest_deadline))| OverdueReviewer {
                name: state.directory.display_name(&user).to_string(),
                user,
                items,
                reviews: reviews.len(),
                earliest_deadline,
            },
        )
        .collect();
    out.sort_by(|a, b| b.items.cmp(&a.items).then(a.name.cmp(&b.name)));
    out
}
