//! The status of every denied item, folded from the log: applied, verified by the next
//! import, still present or back, manual tasks, done externally, overdue.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};

use crate::directory::{Directory, ResourceKind};
use crate::event::{Event, Record};
use crate::instance::{ApplyResult, DecisionItem, Effect, Instance};
use crate::state::State;

use super::*;

/// Every denied item of every applied instance in `log`, in the order they were applied,
/// with its status at `now`. `state` is the fold of `log` (it gives each item's reviewee and
/// resource; instances never change their items after they start).
pub fn remediation(state: &State, log: &[Record], now: DateTime<Utc>) -> Vec<RemediationItem> {
    let mut items: Vec<RemediationItem> = Vec::new();
    let mut index: HashMap<ItemRef, usize> = HashMap::new();
    for record in log {
        for event in &record.events {
            match event {
                Event::ResultsApplied {
                    instance, results, ..
                } => {
                    let Some(inst) = state.instances.get(instance) else {
                        continue;
                    };
                    for r in results {
                        let Some(item) = inst.items.get(r.item as usize) else {
                            continue;
                        };
                        let Some((status, effect, blocker)) = start(&r.result) else {
                            continue;
                        };
                        let at = ItemRef {
                            instance: instance.clone(),
                            item: r.item,
                        };
                        if index.contains_key(&at) {
                            continue;
                        }
                        index.insert(at.clone(), items.len());
                        items.push(new_item(
                            state, inst, item, at, effect, blocker, status, record.at,
                        ));
                    }
                }
                Event::DirectoryImported { directory, source } => {
                    verify(state, &mut items, directory, source, record.at);
                }
                Event::RemediationAssigned {
                    items: refs,
                    owner,
                    due,
                } => {
                    for r in refs {
                        let Some(it) = index.get(r).map(|&i| &mut items[i]) else {
                            continue;
                        };
                        it.task = Some(Task {
                            owner: owner.clone(),
                            due: *due,
                            assigned_at: record.at,
                            assigned_by: record.actor.clone(),
                        });
                        if it.status == Status::CannotBeApplied {
                            step(it, Status::ManualTask, record.at, None);
                        }
                    }
                }
                Event::RemediationEvidenceRecorded {
                    item,
                    comment,
                    file,
                } => {
                    if let Some(it) = index.get(item).map(|&i| &mut items[i]) {
                        it.evidence.push(Evidence {
                            at: record.at,
                            by: record.actor.clone(),
                            comment: comment.clone(),
                            file: file.clone(),
                            done: false,
                        });
                    }
                }
                Event::RemediationDoneExternally {
                    items: refs,
                    comment,
                } => {
                    for r in refs {
                        let Some(it) = index.get(r).map(|&i| &mut items[i]) else {
                            continue;
                        };
                        // Nothing to do for an item already verified removed or awaiting
                        // its import anyway.
                        if matches!(
                            it.status,
                            Status::VerifiedRemoved | Status::Applied | Status::DoneExternally
                        ) {
                            continue;
                        }
                        if !comment.trim().is_empty() {
                            it.evidence.push(Evidence {
                                at: record.at,
                                by: record.actor.clone(),
                                comment: comment.clone(),
                                file: None,
                                done: true,
                            });
                        }
                        step(it, Status::DoneExternally, record.at, None);
                    }
                }
                _ => {}
            }
        }
    }
    for it in &mut items {
        it.status = status_at(it, now);
    }
    items
}

/// The status of an item at `now`: Overdue when it is owned, still waiting on its owner,
/// and its due date has passed.
fn status_at(it: &RemediationItem, now: DateTime<Utc>) -> Status {
    let base = it.base_status();
    let waiting_on_owner = matches!(
        base,
        Status::ManualTask | Status::StillPresent | Status::CameBack | Status::CannotBeApplied
    );
    match &it.task {
        Some(task) if waiting_on_owner && task.due < now => Status::Overdue,
        _ => base,
    }
}

/// The first status of an applied item, or None when the item was not denied.
pub(super) fn start(result: &ApplyResult) -> Option<(Status, Option<Effect>, Option<Blocker>)> {
    match result {
        ApplyResult::Applied {
            effect: Effect::AccessKept,
        } => None,
        ApplyResult::Applied { effect } => Some((Status::Applied, Some(*effect), None)),
        // The access was already gone when applied: the next import confirms it.
        ApplyResult::ObjectNotFound => Some((Status::Applied, None, None)),
        ApplyResult::NotSupported { reason } => Some((
            Status::CannotBeApplied,
            None,
            Some(Blocker::NotSupported {
                reason: reason.clone(),
            }),
        )),
        ApplyResult::Failed { reason } => Some((
            Status::CannotBeApplied,
            None,
            Some(Blocker::Failed {
                reason: reason.clone(),
            }),
        )),
    }
}

#[allow(clippy::too_many_arguments)]
fn new_item(
    state: &State,
    inst: &Instance,
    item: &DecisionItem,
    at: ItemRef,
    effect: Option<Effect>,
    blocker: Option<Blocker>,
    status: Status,
    when: DateTime<Utc>,
) -> RemediationItem {
    RemediationItem {
        at,
        review: inst.definition.clone(),
        review_name: state
            .reviews
            .get(&inst.definition)
            .map(|r| r.definition.name.clone())
            .unwrap_or_default(),
        resource_kind: inst.resource.kind,
        resource: inst.resource.id.clone(),
        resource_name: inst.resource.name.clone(),
        user: item.user.clone(),
        user_name: item.user_name.clone(),
        user_principal_name: item.user_principal_name.clone(),
        effect,
        status,
        blocker,
        task: None,
        evidence: Vec::new(),
        steps: vec![Step {
            at: when,
            status,
            import: None,
        }],
    }
}

fn step(it: &mut RemediationItem, status: Status, at: DateTime<Utc>, import: Option<&str>) {
    it.status = status;
    it.steps.push(Step {
        at,
        status,
        import: import.map(str::to_string),
    });
}

/// An import is the directory as it really is: each tracked item whose access it no longer
/// shows is verified removed; one whose access it shows is still present (never verified
/// yet) or came back (verified before). Items waiting on their owner stay as they are when
/// the access is still there.
fn verify(
    state: &State,
    items: &mut [RemediationItem],
    dir: &Directory,
    source: &str,
    at: DateTime<Utc>,
) {
    // Read every item first, then change them: the cache borrows the items' resource ids.
    let mut holders = HolderCache::new();
    let present: Vec<bool> = items
        .iter()
        .map(|it| has_access(state, dir, it, &mut holders))
        .collect();
    for (it, present) in items.iter_mut().zip(present) {
        let current = it.status;
        let next = match (present, current) {
            (false, Status::VerifiedRemoved) => None,
            (false, _) => Some(Status::VerifiedRemoved),
            (true, Status::VerifiedRemoved) => Some(Status::CameBack),
            (true, Status::Applied | Status::DoneExternally) => Some(Status::StillPresent),
            (true, _) => None,
        };
        if let Some(next) = next {
            step(it, next, at, Some(source));
        }
    }
}

/// Holders of each (resource, transitive) in one imported directory: computed once per
/// resource, not once per item.
type HolderCache<'a> = HashMap<(ResourceKind, &'a str, bool), HashSet<String>>;

/// Whether `dir` still gives the item's user the access that was denied: for a blocked
/// guest, an enabled account; otherwise the user among the resource's holders (through
/// nested groups too when the review looked at them; for roles, an active assignment in
/// place of a denied eligible one is still the role).
fn has_access<'a>(
    state: &State,
    dir: &Directory,
    it: &'a RemediationItem,
    cache: &mut HolderCache<'a>,
) -> bool {
    if it.effect == Some(Effect::GuestBlocked) {
        return dir.users.get(&it.user).is_some_and(|u| u.account_enabled);
    }
    let inst = state.instances.get(&it.at.instance);
    let transitive = inst
        .and_then(|i| state.reviews.get(&i.definition))
        .is_some_and(|r| r.definition.scope.transitive);
    let set = cache
        .entry((it.resource_kind, it.resource.as_str(), transitive))
        .or_insert_with(|| {
            dir.access_holders(it.resource_kind, &it.resource, transitive)
                .into_iter()
                .map(|a| a.user)
                .collect()
        });
    set.contains(&it.user)
}
