//! Applying results: what an instance's outcomes change in the directory (one plan for the
//! preview and for apply itself).

use super::*;

/// What applying an instance's results would do: per item, and the directory changes.
/// Used for the preview before apply and by apply itself (one code path).
pub fn plan_apply(
    state: &State,
    inst: &Instance,
    at: DateTime<Utc>,
) -> (Vec<ItemApplied>, Vec<DirectoryChange>) {
    let def = state.definition_of(inst);
    let dir = &state.directory;
    let block_guests = def.settings.denied_guest_action == Some(DeniedGuestAction::BlockThenDelete);
    // Who holds the access directly right now: one pass, so each item is an O(1) check.
    let direct = direct_holders(dir, inst.resource.kind, &inst.resource.id);
    let mut blocked: std::collections::HashSet<&str> = std::collections::HashSet::new();
    let mut results = Vec::with_capacity(inst.items.len());
    let mut changes = Vec::new();
    for (i, item) in inst.items.iter().enumerate() {
        let outcome = inst.outcome(item, def.settings.if_no_response);
        let result = if outcome != Outcome::Deny {
            ApplyResult::Applied {
                effect: Effect::AccessKept,
            }
        } else if block_guests && item.user_type == crate::directory::UserType::Guest {
            if dir.users.contains_key(&item.user) {
                if !state.pending_deletions.contains_key(&item.user) && blocked.insert(&item.user) {
                    changes.push(DirectoryChange::BlockGuest {
                        user: item.user.clone(),
                        delete_at: at + Duration::days(GUEST_DELETION_DAYS),
                    });
                }
                ApplyResult::Applied {
                    effect: Effect::GuestBlocked,
                }
            } else {
                ApplyResult::ObjectNotFound
            }
        } else if let Some(reason) = &item.not_supported {
            ApplyResult::NotSupported {
                reason: reason.clone(),
            }
        } else if direct
            .as_ref()
            .is_some_and(|d| d.contains(item.user.as_str()))
        {
            changes.push(removal(inst.resource.kind, &inst.resource.id, &item.user));
            ApplyResult::Applied {
                effect: Effect::AccessRemoved,
            }
        } else {
            ApplyResult::ObjectNotFound
        };
        results.push(ItemApplied {
            item: i as u32,
            result,
        });
    }
    (results, changes)
}

/// Users holding a resource directly, or None when the resource no longer exists.
pub(crate) fn direct_holders<'a>(
    dir: &'a Directory,
    kind: ResourceKind,
    resource: &str,
) -> Option<std::collections::HashSet<&'a str>> {
    let users = |ps: &'a [Principal]| {
        ps.iter()
            .filter_map(|p| match p {
                Principal::User(u) => Some(u.as_str()),
                Principal::Group(_) => None,
            })
            .collect()
    };
    match kind {
        ResourceKind::Group => dir.groups.get(resource).map(|g| users(&g.members)),
        ResourceKind::Application => dir
            .applications
            .get(resource)
            .map(|a| users(&a.assignments)),
        ResourceKind::DirectoryRole => dir
            .roles
            .get(resource)
            .map(|r| r.assignments.iter().map(|a| a.user.as_str()).collect()),
        ResourceKind::AccessPackage => dir
            .access_packages
            .get(resource)
            .map(|p| p.assignments.iter().map(String::as_str).collect()),
    }
}

/// The change that removes a user's direct access.
pub(crate) fn removal(kind: ResourceKind, resource: &str, user: &str) -> DirectoryChange {
    let (resource, user) = (resource.to_string(), user.to_string());
    match kind {
        ResourceKind::Group => DirectoryChange::RemoveGroupMember {
            group: resource,
            user,
        },
        ResourceKind::Application => DirectoryChange::RemoveAppAssignment {
            application: resource,
            user,
        },
        ResourceKind::DirectoryRole => DirectoryChange::RemoveRoleAssignment {
            role: resource,
            user,
        },
        ResourceKind::AccessPackage => DirectoryChange::RemovePackageAssignment {
            package: resource,
            user,
        },
    }
}

pub(super) fn apply_events(state: &State, inst: &Instance, at: DateTime<Utc>) -> Vec<Event> {
    let (results, changes) = plan_apply(state, inst, at);
    let mut events = vec![Event::ResultsApplied {
        instance: inst.id.clone(),
        at,
        results,
    }];
    events.extend(changes.into_iter().map(|change| Event::DirectoryChanged {
        change,
        at,
        instance: Some(inst.id.clone()),
    }));
    events
}
