//! Mover reviews: when an import shows a user's manager or department changed, each review
//! marked "review on move" starts a small review of that user's access by the (new) manager.
//! Decided with the import (`Command::ImportDirectory`), from the old and the new directory.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use super::run_now::extra_run;
use super::ExtraCause;
use crate::directory::Directory;
use crate::event::Event;
use crate::state::State;

/// One user whose manager or department differs between two directories.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Move {
    /// The user's id.
    pub user: String,
    /// The manager before and after.
    pub manager: (Option<String>, Option<String>),
    /// The department before and after.
    pub department: (Option<String>, Option<String>),
}

/// Users in both directories whose manager or department changed, by id. New and removed
/// users are joiners and leavers, not movers.
pub fn moves(old: &Directory, new: &Directory) -> Vec<Move> {
    new.users
        .values()
        .filter_map(|u| {
            let was = old.users.get(&u.id)?;
            (was.manager != u.manager || was.department != u.department).then(|| Move {
                user: u.id.clone(),
                manager: (was.manager.clone(), u.manager.clone()),
                department: (was.department.clone(), u.department.clone()),
            })
        })
        .collect()
}

/// The events that start mover reviews for importing `new` over the state's directory at
/// `at`: per review marked "review on move" (series not ended), one instance per resource a
/// mover holds in its scope, with only the movers as reviewees; its first stage is each
/// mover's manager in `new` (the stage's fallback reviewers when they have none), later
/// stages as the review defines them. The first import (nothing to compare) starts none.
pub fn mover_reviews(state: &State, new: &Directory, at: DateTime<Utc>) -> Vec<Event> {
    let marked: Vec<_> = state
        .reviews
        .values()
        .filter(|r| r.definition.settings.review_on_move && r.ended.is_none())
        .collect();
    if marked.is_empty() || state.directory.users.is_empty() {
        return Vec::new();
    }
    // Inserted one by one: collecting into a set adds a sort (code) for one small set.
    let mut movers: BTreeSet<String> = BTreeSet::new();
    for m in moves(&state.directory, new) {
        movers.insert(m.user);
    }
    if movers.is_empty() {
        return Vec::new();
    }
    let mut events = Vec::new();
    for review in marked {
        let fallback = {
            let mut f = review
                .definition
                .stages
                .first()
                .map(|s| s.fallback_reviewers.clone())
                .unwrap_or_default();
            f.sort_unstable();
            f.dedup();
            f
        };
        // Snapshot only the resources a mover holds (an import moves few people).
        let scope = &review.definition.scope;
        let held: Vec<String> = scope
            .resources
            .iter()
            .filter(|r| {
                new.access_holders(scope.resource_kind, r, scope.transitive)
                    .iter()
                    .any(|a| movers.contains(&a.user))
            })
            .cloned()
            .collect();
        if held.is_empty() {
            continue;
        }
        let mut reviewed: BTreeSet<String> = BTreeSet::new();
        let mut run = extra_run(
            new,
            review,
            &held,
            ExtraCause::Moved { users: Vec::new() },
            at,
            |inst| {
                inst.items.retain(|it| movers.contains(&it.user));
                for i in 0..inst.items.len() {
                    let user = inst.items[i].user.clone();
                    let manager = new.users.get(&user).and_then(|u| u.manager.clone());
                    inst.items[i].fallback[0] = manager.is_none();
                    let set = manager.map_or_else(|| fallback.clone(), |m| vec![m]);
                    inst.set_reviewers(i, 0, set);
                    reviewed.insert(user);
                }
                !inst.items.is_empty()
            },
        );
        if let Some(Event::ExtraOccurrenceStarted { cause, .. }) = run.first_mut() {
            *cause = ExtraCause::Moved {
                users: reviewed.into_iter().collect(),
            };
        }
        events.extend(run);
    }
    events
}
