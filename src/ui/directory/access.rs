//! What one user can reach, read from the directory for the detail panel: groups (direct or
//! through a nested group), applications (direct or through a group), roles and packages.
//! One pass over the groups per question, so it stays quick in a 100,000-user tenant.

use std::collections::{BTreeMap, HashMap, VecDeque};

use attest_engine::directory::{AccessPath, AssignmentKind, Directory, Principal};

/// A user's access, each list sorted by the resource's display name.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct UserAccess {
    pub groups: Vec<(String, AccessPath)>,
    pub applications: Vec<(String, AccessPath)>,
    pub roles: Vec<(String, AssignmentKind)>,
    pub packages: Vec<String>,
}

/// Everything `user` holds. A group reached both directly and through nesting counts as
/// direct; a nested path names the member group of that group (the membership that an
/// administrator would change), as reviews do.
pub fn user_access(dir: &Directory, user: &str) -> UserAccess {
    let mut parents: HashMap<&str, Vec<&str>> = HashMap::new();
    let mut found: BTreeMap<&str, AccessPath> = BTreeMap::new();
    let mut queue = VecDeque::new();
    for g in dir.groups.values() {
        for m in &g.members {
            match m {
                Principal::User(u) if u == user => {
                    if found.insert(&g.id, AccessPath::Direct).is_none() {
                        queue.push_back(g.id.as_str());
                    }
                }
                Principal::Group(child) => parents.entry(child.as_str()).or_default().push(&g.id),
                Principal::User(_) => {}
            }
        }
    }
    // Breadth first: the shortest nesting wins, and cycles end because groups are visited once.
    while let Some(group) = queue.pop_front() {
        for parent in parents.get(group).into_iter().flatten() {
            if !found.contains_key(parent) {
                found.insert(
                    parent,
                    AccessPath::ViaGroup {
                        group: group.to_string(),
                    },
                );
                queue.push_back(parent);
            }
        }
    }

    let mut applications = Vec::new();
    for app in dir.applications.values() {
        let direct = app
            .assignments
            .iter()
            .any(|p| matches!(p, Principal::User(u) if u == user));
        let via = app.assignments.iter().find_map(|p| match p {
            Principal::Group(g) if found.contains_key(g.as_str()) => Some(g.clone()),
            _ => None,
        });
        match (direct, via) {
            (true, _) => applications.push((app.id.clone(), AccessPath::Direct)),
            (false, Some(group)) => {
                applications.push((app.id.clone(), AccessPath::ViaGroup { group }))
            }
            (false, None) => {}
        }
    }
    let mut roles = Vec::new();
    for role in dir.roles.values() {
        for a in role.assignments.iter().filter(|a| a.user == user) {
            roles.push((role.id.clone(), a.kind));
        }
    }
    let packages = dir
        .access_packages
        .values()
        .filter(|p| p.assignments.iter().any(|u| u == user))
        .map(|p| p.id.clone())
        .collect();

    let mut access = UserAccess {
        groups: found
            .into_iter()
            .map(|(g, path)| (g.to_string(), path))
            .collect(),
        applications,
        roles,
        packages,
    };
    let name = |id: &String| dir.display_name(id).to_lowercase();
    access.groups.sort_by_cached_key(|(id, _)| name(id));
    access.applications.sort_by_cached_key(|(id, _)| name(id));
    access.roles.sort_by_cached_key(|(id, _)| name(id));
    access.packages.sort_by_cached_key(name);
    access
}

/// Users whose manager is `user`.
pub fn direct_reports(dir: &Directory, user: &str) -> usize {
    dir.users
        .values()
        .filter(|u| u.manager.as_deref() == Some(user))
        .count()
}
