//! What a reviewer's link may see: a compact copy of one instance holding only the
//! reviewer's own items of one stage, numbered 0, 1, 2… in their order in the instance, with
//! earlier stages' decisions removed when the review is blind, plus just enough of the
//! directory and the definition for the app's reviewer page. The reviewer's browser folds
//! these records into a state of its own and decides against it with the same engine; the
//! server maps the reviewer's item numbers back before re-checking their decisions.

use std::collections::{BTreeMap, BTreeSet};

use attest_engine::context::{path_links, PathFinder};
use attest_engine::definition::{Frequency, Reviewers};
use attest_engine::directory::{AccessPath, Directory, Group, Membership, Principal, User};
use attest_engine::event::{Event, Record, RECORD_VERSION};
use attest_engine::instance::{Instance, NO_REVIEWERS};
use attest_engine::view::{reviewer_view, ViewError};
use attest_engine::{Actor, State};
use chrono::{DateTime, Utc};

/// The reviewer's items of `stage`, by their index in the instance (ascending). The
/// reviewer's item `n` is the instance's item `my_items(..)[n]`.
pub fn my_items(state: &State, inst: &Instance, stage: usize, reviewer: &str) -> Vec<u32> {
    inst.items
        .iter()
        .enumerate()
        .filter(|(_, it)| state.reviews_item(inst, it, stage, reviewer))
        .map(|(i, _)| i as u32)
        .collect()
}

fn name_only(user: &User) -> User {
    User {
        manager: None,
        department: None,
        last_sign_in: None,
        ..user.clone()
    }
}

/// The records that build the reviewer's compact state (see the module doc).
pub fn reviewer_records(
    state: &State,
    instance: &str,
    stage: usize,
    reviewer: &str,
    now: DateTime<Utc>,
) -> Result<Vec<Record>, ViewError> {
    // What the reviewer may see is the engine's reviewer view (the browser shows the same):
    // the compact items carry exactly its recommendations and decisions, nothing more.
    let view = reviewer_view(state, instance, stage, reviewer)?;
    let inst = state.instances.get(instance).ok_or(ViewError::NotFound)?;
    let review = state
        .reviews
        .get(&inst.definition)
        .ok_or(ViewError::NotFound)?;
    let mine = my_items(state, inst, stage, reviewer);
    if mine.is_empty() || mine.len() != view.rows.len() {
        return Err(ViewError::NotYourReview { stage });
    }

    let mut sets: Vec<Vec<String>> = Vec::new();
    let mut set_index: BTreeMap<u32, u32> = BTreeMap::new();
    let mut items = Vec::with_capacity(mine.len());
    for (&i, row) in mine.iter().zip(&view.rows) {
        let mut item = inst.items[i as usize].clone();
        for (s, r) in item.reviewers.iter_mut().enumerate() {
            *r = if s == stage {
                *set_index.entry(*r).or_insert_with(|| {
                    sets.push(inst.reviewer_sets[*r as usize].clone());
                    (sets.len() - 1) as u32
                })
            } else {
                NO_REVIEWERS
            };
        }
        for (s, d) in item.decisions.iter_mut().enumerate() {
            *d = match s.cmp(&stage) {
                std::cmp::Ordering::Equal => row.decision.clone(),
                std::cmp::Ordering::Less => row
                    .earlier
                    .iter()
                    .find(|e| e.stage == s)
                    .map(|e| e.decision.clone()),
                std::cmp::Ordering::Greater => None,
            };
        }
        item.recommendation = row.recommendation.clone();
        item.apply_result = None;
        items.push(item);
    }

    // Only the people and groups the page names.
    let mut directory = Directory::default();
    let mut add_user = |id: &str| {
        if let Some(u) = state.directory.users.get(id) {
            directory.users.insert(id.to_string(), name_only(u));
        }
    };
    add_user(reviewer);
    for item in &items {
        add_user(&item.user);
        for d in item.decisions.iter().flatten() {
            add_user(&d.reviewer);
        }
    }
    for set in &sets {
        for r in set {
            add_user(r);
        }
    }
    // The rows' access paths (issue 25): the groups of each nested chain, holding only the
    // links of those chains (a group in the one above it, the reviewee in the last), and the
    // grant dates of every link — so the row shows the path and date the full app shows,
    // and nothing else of those groups.
    let mut finder = PathFinder::default();
    let mut member_links: BTreeMap<String, BTreeSet<Principal>> = BTreeMap::new();
    for item in &items {
        let links = path_links(&state.directory, &mut finder, &inst.resource, item);
        for (target, member) in links {
            if let Some(at) = state.directory.granted_at(&target, &member) {
                directory
                    .granted
                    .entry(target.clone())
                    .or_default()
                    .insert(member.clone(), at);
            }
            if target == inst.resource.id {
                if let AccessPath::ViaGroup { group } = &item.access {
                    member_links.entry(group.clone()).or_default();
                }
                continue;
            }
            let member = if state.directory.groups.contains_key(&member) {
                Principal::Group(member)
            } else {
                Principal::User(member)
            };
            member_links.entry(target).or_default().insert(member);
        }
    }
    for (id, wanted) in member_links {
        if let Some(g) = state.directory.groups.get(&id) {
            directory.groups.insert(
                id,
                Group {
                    membership: Membership::Assigned,
                    owners: vec![],
                    // In the directory's own order, so the page finds the same chains.
                    members: g
                        .members
                        .iter()
                        .filter(|m| wanted.contains(*m))
                        .cloned()
                        .collect(),
                    ..g.clone()
                },
            );
        }
    }

    // Issue 25: the page's bulk-approval guardrails ask whether the reviewed role is
    // privileged; the role goes without its holders.
    if inst.resource.kind == attest_engine::directory::ResourceKind::DirectoryRole {
        if let Some(r) = state.directory.roles.get(&inst.resource.id) {
            directory.roles.insert(
                r.id.clone(),
                attest_engine::directory::DirectoryRole {
                    assignments: vec![],
                    ..r.clone()
                },
            );
        }
    }

    let mut definition = review.definition.clone();
    definition.description_for_admins.clear();
    definition.scope.resources = vec![inst.resource.id.clone()];
    // The reviewer's browser must not start occurrences of its own.
    definition.schedule.frequency = Frequency::OneTime;
    // Who reviews other stages, and who would stand in for reviewers, is not the
    // reviewer's business (the instance's reviewer sets already say who reviews here).
    for (s, st) in definition.stages.iter_mut().enumerate() {
        st.fallback_reviewers.clear();
        if s != stage {
            if let Reviewers::SelectedUsers { users } = &mut st.reviewers {
                users.clear();
            }
        }
    }

    // Field by field: `..inst.clone()` would copy every item of the instance (10,000 in
    // the load run) on each page open, only to drop them.
    let compact = Instance {
        id: inst.id.clone(),
        definition: inst.definition.clone(),
        occurrence: inst.occurrence,
        resource: inst.resource.clone(),
        status: inst.status,
        stopped: inst.stopped,
        started: inst.started,
        completed: inst.completed,
        stages: inst.stages.clone(),
        current_stage: inst.current_stage,
        items,
        reviewer_sets: sets,
        applied: None,
        outcome_rule: inst.outcome_rule,
        since_last: Default::default(),
    };
    let record = |id: &str, event: Event| Record {
        v: RECORD_VERSION,
        id: format!("reviewer-view:{id}"),
        at: now,
        actor: Actor::System,
        reason: None,
        events: vec![event],
    };
    Ok(vec![
        record(
            "directory",
            Event::DirectoryImported {
                directory: Box::new(directory),
                source: "Attest server (reviewer link)".into(),
            },
        ),
        record(
            "review",
            Event::ReviewCreated {
                definition: Box::new(definition),
            },
        ),
        record(
            "instance",
            Event::InstanceStarted {
                instance: Box::new(compact),
            },
        ),
    ])
}

/// The reviewer's own numbering mapped back to the instance's, in place. False when an
/// item number is not one of the reviewer's.
pub fn to_instance_items(record: &mut Record, mine: &[u32]) -> bool {
    let map = |i: &mut u32| match mine.get(*i as usize) {
        Some(&real) => {
            *i = real;
            true
        }
        None => false,
    };
    record.events.iter_mut().all(|e| match e {
        Event::DecisionsRecorded { decisions, .. } => {
            decisions.iter_mut().all(|d| map(&mut d.item))
        }
        Event::DecisionsReset { items, .. }
        | Event::BulkApprovalConfirmed { items, .. }
        | Event::ApprovalTimeBound { items, .. } => items.iter_mut().all(&map),
        _ => true,
    })
}
