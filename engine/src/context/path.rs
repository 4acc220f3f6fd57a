//! The access path of one item: direct, through a nested group and its chain, through a
//! group assigned to an application, an eligible or active role, an access package.

use crate::tagged::internally_tagged;
use std::collections::{HashMap, VecDeque};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::directory::{AccessPath, AssignmentKind, Directory, Principal, ResourceKind};
use crate::instance::{DecisionItem, ResourceRef};

internally_tagged! { "type", "Route",
    /// How a person holds the access under review.
    #[derive(Clone, Debug, PartialEq, Eq)]
    #[serde(rename_all = "camelCase")]
    pub enum Route {
        /// A direct member of the group under review.
        DirectMember,
        /// A member through nested groups: their names from the group nested in the reviewed
        /// one down to the group that holds the person.
        NestedGroup {
            /// Group names, outermost first.
            chain: Vec<String>,
        },
        /// Assigned to the application directly.
        AssignedDirectly,
        /// Through a group assigned to the application: that group first, then any nested
        /// groups down to the one that holds the person.
        AssignedGroup {
            /// Group names, the assigned group first.
            chain: Vec<String>,
        },
        /// A role assignment, active or eligible.
        Role {
            /// Active or eligible.
            assignment: AssignmentKind,
        },
        /// An access package assignment.
        AccessPackage,
    }
}

impl Route {
    /// The words of the reviewer's row: "Member through nested group Platform Team",
    /// "Assigned through group Engineering › Platform Team", "Eligible role assignment".
    pub fn text(&self) -> String {
        let chain = |c: &[String]| c.join(" \u{203a} ");
        match self {
            Route::DirectMember => "Direct member".into(),
            Route::NestedGroup { chain: c } => {
                let noun = if c.len() > 1 { "groups" } else { "group" };
                format!("Member through nested {noun} {}", chain(c))
            }
            Route::AssignedDirectly => "Assigned directly".into(),
            Route::AssignedGroup { chain: c } => format!("Assigned through group {}", chain(c)),
            Route::Role {
                assignment: AssignmentKind::Active,
            } => "Active role assignment".into(),
            Route::Role {
                assignment: AssignmentKind::Eligible,
            } => "Eligible role assignment (activate when needed)".into(),
            Route::AccessPackage => "Access package assignment".into(),
        }
    }
}

/// An item's access path and when the access was granted, if the directory knows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessContext {
    /// The path.
    pub route: Route,
    /// When the person got the access: the latest grant along the path (the person holds
    /// the access only once every link exists); None when any link's date is unknown.
    pub granted: Option<DateTime<Utc>>,
}

/// Nesting chains, worked out once per group a page's rows go through (a page of 10,000
/// nested members asks about the same few groups).
#[derive(Default)]
pub struct PathFinder {
    /// Per starting group: for each user found below it, the chain of group ids from the
    /// starting group to the group that holds the user directly (breadth first: shortest).
    below: HashMap<String, HashMap<String, Vec<String>>>,
}

impl PathFinder {
    /// Group ids from `top` down to the group holding `user` directly (`[top]` when the
    /// user is a direct member of `top`; `[top]` too when the directory no longer shows how).
    pub fn chain(&mut self, dir: &Directory, top: &str, user: &str) -> Vec<String> {
        let found = self
            .below
            .entry(top.to_string())
            .or_insert_with(|| chains_below(dir, top));
        found
            .get(user)
            .cloned()
            .unwrap_or_else(|| vec![top.to_string()])
    }
}

/// Every user below `top` with the shortest chain of groups that reaches them.
fn chains_below(dir: &Directory, top: &str) -> HashMap<String, Vec<String>> {
    let mut parent: HashMap<&str, &str> = HashMap::new();
    let mut users: HashMap<String, &str> = HashMap::new();
    let mut queue = VecDeque::from([top]);
    parent.insert(top, top);
    while let Some(g) = queue.pop_front() {
        let Some(group) = dir.groups.get(g) else {
            continue;
        };
        for m in &group.members {
            match m {
                Principal::User(u) => {
                    users.entry(u.clone()).or_insert(g);
                }
                Principal::Group(child) => {
                    if !parent.contains_key(child.as_str()) {
                        parent.insert(child, g);
                        queue.push_back(child);
                    }
                }
            }
        }
    }
    users
        .into_iter()
        .map(|(u, holder)| {
            let mut chain = vec![holder.to_string()];
            let mut at = holder;
            while at != top {
                at = parent[at];
                chain.push(at.to_string());
            }
            chain.reverse();
            (u, chain)
        })
        .collect()
}

/// The access path of `item` in a review of `resource`, read from `dir`.
pub fn access_context(
    dir: &Directory,
    finder: &mut PathFinder,
    resource: &ResourceRef,
    item: &DecisionItem,
) -> AccessContext {
    let (route, links) = route_and_links(dir, finder, resource, item);
    let granted = links
        .iter()
        .map(|(target, member)| dir.granted_at(target, member))
        .collect::<Option<Vec<_>>>()
        .and_then(|dates| dates.into_iter().max());
    AccessContext { route, granted }
}

/// The links of `item`'s access path as (target, member) pairs — the resource and the group
/// or person in it, then each group of a nested chain in the one above it, then the person:
/// what a page needs of the directory to show the path and its grant date (the sync server
/// sends a reviewer link exactly these).
pub fn path_links(
    dir: &Directory,
    finder: &mut PathFinder,
    resource: &ResourceRef,
    item: &DecisionItem,
) -> Vec<(String, String)> {
    route_and_links(dir, finder, resource, item).1
}

fn route_and_links(
    dir: &Directory,
    finder: &mut PathFinder,
    resource: &ResourceRef,
    item: &DecisionItem,
) -> (Route, Vec<(String, String)>) {
    let user = item.user.as_str();
    // Each link of the path as (target, member): the person's grant is the latest of them.
    let mut links: Vec<(String, String)> = Vec::new();
    let names = |ids: &[String]| -> Vec<String> {
        ids.iter()
            .map(|g| dir.display_name(g).to_string())
            .collect()
    };
    let route = match (resource.kind, &item.access) {
        (ResourceKind::Group, AccessPath::Direct) => {
            links.push((resource.id.clone(), user.to_string()));
            Route::DirectMember
        }
        (ResourceKind::Group, AccessPath::ViaGroup { group }) => {
            let chain = finder.chain(dir, group, user);
            links.push((resource.id.clone(), group.clone()));
            chain_links(&chain, user, &mut links);
            Route::NestedGroup {
                chain: names(&chain),
            }
        }
        (ResourceKind::Application, AccessPath::Direct) => {
            links.push((resource.id.clone(), user.to_string()));
            Route::AssignedDirectly
        }
        (ResourceKind::Application, AccessPath::ViaGroup { group }) => {
            let chain = finder.chain(dir, group, user);
            links.push((resource.id.clone(), group.clone()));
            chain_links(&chain, user, &mut links);
            Route::AssignedGroup {
                chain: names(&chain),
            }
        }
        (ResourceKind::DirectoryRole, _) => {
            links.push((resource.id.clone(), user.to_string()));
            Route::Role {
                assignment: item.assignment.unwrap_or(AssignmentKind::Active),
            }
        }
        (ResourceKind::AccessPackage, _) => {
            links.push((resource.id.clone(), user.to_string()));
            Route::AccessPackage
        }
    };
    (route, links)
}

/// The links inside a chain of groups: each group in the next, and the user in the last.
fn chain_links(chain: &[String], user: &str, links: &mut Vec<(String, String)>) {
    for pair in chain.windows(2) {
        links.push((pair[0].clone(), pair[1].clone()));
    }
    if let Some(last) = chain.last() {
        links.push((last.clone(), user.to_string()));
    }
}
