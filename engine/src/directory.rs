//! The directory under review: users, groups, applications, directory roles and access
//! packages (SPEC section 2), and the queries reviews need (who has access, through what).
//!
//! Maps are `BTreeMap`s keyed by object id so iteration — and therefore every snapshot,
//! export and event — is deterministic.

use crate::tagged::internally_tagged;
use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use rustc_hash::FxHashSet;

mod kind;
pub use kind::ResourceKind;

/// Member or guest (Graph `userType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum UserType {
    /// A member of the tenant.
    Member,
    /// A guest.
    Guest,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
/// A directory user.
pub struct User {
    /// Its id.
    pub id: String,
    /// The name shown for it.
    pub display_name: String,
    /// userPrincipalName (or mail for guests); what notifications are addressed to.
    pub user_principal_name: String,
    /// Member or guest.
    pub user_type: UserType,
    /// The manager's user id.
    pub manager: Option<String>,
    /// Whether the account may sign in.
    pub account_enabled: bool,
    /// When it was created.
    pub created: DateTime<Utc>,
    /// The last sign-in, if the user ever signed in.
    pub last_sign_in: Option<DateTime<Utc>>,
    /// Department, when the directory has one.
    pub department: Option<String>,
}

impl User {
    /// Inactive for `days` at `now`: no sign-in within the window, and not created inside it
    /// (a brand-new user who has not signed in yet is not inactive).
    pub fn is_inactive(&self, days: u32, now: DateTime<Utc>) -> bool {
        let window_start = now - chrono::Duration::days(i64::from(days));
        if self.created > window_start {
            return false;
        }
        match self.last_sign_in {
            Some(at) => at <= window_start,
            None => true,
        }
    }

    /// Whole days since the last sign-in (or since creation when never signed in).
    pub fn days_since_sign_in(&self, now: DateTime<Utc>) -> i64 {
        (now - self.last_sign_in.unwrap_or(self.created)).num_days()
    }
}

/// A member of a group or an assignee of an application: a user or a (nested) group.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "type", content = "id", rename_all = "camelCase")]
pub enum Principal {
    /// A user, by id.
    User(String),
    /// A group, by id.
    Group(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
/// The kind of group.
pub enum GroupKind {
    /// A security group.
    Security,
    /// Microsoft 365 group (Graph `groupTypes` contains "Unified"); a team is one of these.
    Microsoft365,
}

internally_tagged! { "type", "Membership",
    #[derive(Clone, Debug, PartialEq, Eq)]
    #[serde(rename_all = "camelCase")]
    /// How a group gets its members.
    pub enum Membership {
        /// Members are added by hand.
        Assigned,
        /// Members come from a rule (Graph `membershipRule`); they cannot be removed by hand.
        Dynamic {
            /// The membership rule.
            rule: String,
        },
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
/// A group.
pub struct Group {
    /// Its id.
    pub id: String,
    /// The name shown for it.
    pub display_name: String,
    /// Its kind.
    pub kind: GroupKind,
    /// Assigned or dynamic.
    pub membership: Membership,
    /// Synced from on-premises Active Directory: changes must be made there.
    pub on_premises_sync: bool,
    /// Whether the group has mail.
    pub mail_enabled: bool,
    /// User ids of the owners.
    pub owners: Vec<String>,
    /// Direct members: users and groups.
    pub members: Vec<Principal>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
/// An enterprise application (service principal).
pub struct Application {
    /// Its id.
    pub id: String,
    /// The name shown for it.
    pub display_name: String,
    /// User ids of the owners.
    pub owners: Vec<String>,
    /// Users and groups assigned to the app (app role assignments).
    pub assignments: Vec<Principal>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
/// How a role is held.
pub enum AssignmentKind {
    /// Active: held now.
    Active,
    /// Eligible: may be activated (PIM).
    Eligible,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
/// One user's assignment to a role.
pub struct RoleAssignment {
    /// The user's id.
    pub user: String,
    /// Its kind.
    pub kind: AssignmentKind,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
/// A Microsoft Entra role.
pub struct DirectoryRole {
    /// Its id.
    pub id: String,
    /// The name shown for it.
    pub display_name: String,
    /// Whether the role is privileged.
    pub privileged: bool,
    /// Who holds the role, and how.
    pub assignments: Vec<RoleAssignment>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
/// An access package.
pub struct AccessPackage {
    /// Its id.
    pub id: String,
    /// The name shown for it.
    pub display_name: String,
    /// Access package managers; they are the "resource owners" of a package review.
    pub owners: Vec<String>,
    /// Users with an assignment to the package.
    pub assignments: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
/// The directory the reviews run on, keyed by id.
pub struct Directory {
    /// Users.
    pub users: BTreeMap<String, User>,
    /// Groups.
    pub groups: BTreeMap<String, Group>,
    /// Applications.
    pub applications: BTreeMap<String, Application>,
    /// Roles.
    pub roles: BTreeMap<String, DirectoryRole>,
    /// Access packages.
    pub access_packages: BTreeMap<String, AccessPackage>,
    /// When access was granted, where the directory knows it: resource or group id, then
    /// the member's or assignee's id (a user or a group). Absent in directories of earlier
    /// releases and in imports that do not carry dates.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub granted: BTreeMap<String, BTreeMap<String, DateTime<Utc>>>,
}

internally_tagged! { "type", "AccessPath",
    /// How a user holds the access under review.
    #[derive(Clone, Debug, PartialEq, Eq, Hash)]
    #[serde(rename_all = "camelCase")]
    pub enum AccessPath {
        /// Directly: a direct member, a direct app assignment, a role or package assignment.
        Direct,
        /// Through membership of this group (nested group member, or an app assigned to a group).
        /// Through membership of this group.
        ViaGroup {
            /// The group's id.
            group: String,
        },
    }
}

/// One user's access to a resource, as enumerated for a review.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Access {
    /// The user's id.
    pub user: String,
    /// JSON path.
    pub path: AccessPath,
    /// Set for directory-role assignments.
    pub assignment: Option<AssignmentKind>,
}

impl Directory {
    /// When `member` (a user or group id) got its access to `target` (a group, application,
    /// role or access package), if the directory knows.
    pub fn granted_at(&self, target: &str, member: &str) -> Option<DateTime<Utc>> {
        self.granted.get(target)?.get(member).copied()
    }

    /// A user by id.
    pub fn user(&self, id: &str) -> Option<&User> {
        self.users.get(id)
    }

    /// Display name of any object id, or the id itself when unknown.
    pub fn display_name<'a>(&'a self, id: &'a str) -> &'a str {
        if let Some(u) = self.users.get(id) {
            return &u.display_name;
        }
        if let Some(g) = self.groups.get(id) {
            return &g.display_name;
        }
        if let Some(a) = self.applications.get(id) {
            return &a.display_name;
        }
        if let Some(r) = self.roles.get(id) {
            return &r.display_name;
        }
        if let Some(p) = self.access_packages.get(id) {
            return &p.display_name;
        }
        id
    }

    /// Whether a resource of `kind` exists.
    pub fn resource_exists(&self, kind: ResourceKind, id: &str) -> bool {
        match kind {
            ResourceKind::Group => self.groups.contains_key(id),
            ResourceKind::Application => self.applications.contains_key(id),
            ResourceKind::DirectoryRole => self.roles.contains_key(id),
            ResourceKind::AccessPackage => self.access_packages.contains_key(id),
        }
    }

    /// A resource's display name.
    pub fn resource_name(&self, kind: ResourceKind, id: &str) -> Option<&str> {
        match kind {
            ResourceKind::Group => self.groups.get(id).map(|g| g.display_name.as_str()),
            ResourceKind::Application => self.applications.get(id).map(|a| a.display_name.as_str()),
            ResourceKind::DirectoryRole => self.roles.get(id).map(|r| r.display_name.as_str()),
            ResourceKind::AccessPackage => self
                .access_packages
                .get(id)
                .map(|p| p.display_name.as_str()),
        }
    }

    /// Owners of a resource ("resource owners" reviewers). Roles have none.
    pub fn resource_owners(&self, kind: ResourceKind, id: &str) -> Vec<String> {
        match kind {
            ResourceKind::Group => self.groups.get(id).map(|g| g.owners.clone()),
            ResourceKind::Application => self.applications.get(id).map(|a| a.owners.clone()),
            ResourceKind::DirectoryRole => None,
            ResourceKind::AccessPackage => self.access_packages.get(id).map(|p| p.owners.clone()),
        }
        .unwrap_or_default()
    }

    /// Every user in a group, through nested groups too, with the path of each. A user who is
    /// both a direct and a nested member is reported as direct. Cycles are tolerated.
    pub fn transitive_members(&self, group: &str) -> Vec<Access> {
        let mut seen_groups = BTreeSet::new();
        let mut found: BTreeMap<String, AccessPath> = BTreeMap::new();
        self.collect_members(group, None, &mut seen_groups, &mut found);
        found
            .into_iter()
            .map(|(user, path)| Access {
                user,
                path,
                assignment: None,
            })
            .collect()
    }

    fn collect_members(
        &self,
        group: &str,
        via: Option<&str>,
        seen_groups: &mut BTreeSet<String>,
        found: &mut BTreeMap<String, AccessPath>,
    ) {
        if !seen_groups.insert(group.to_string()) {
            return;
        }
        let Some(g) = self.groups.get(group) else {
            return;
        };
        // Direct users of this level first so a direct membership beats a nested one.
        for m in &g.members {
            if let Principal::User(u) = m {
                let path = match via {
                    None => AccessPath::Direct,
                    Some(v) => AccessPath::ViaGroup {
                        group: v.to_string(),
                    },
                };
                // Top-level users are visited before any recursion, so `or_insert` keeps a
                // direct membership over a nested one.
                found.entry(u.clone()).or_insert(path);
            }
        }
        for m in &g.members {
            if let Principal::Group(child) = m {
                // Report the outermost nested group under the reviewed one: that is the
                // membership an administrator would have to change.
                let via_group = via.unwrap_or(child);
                self.collect_members(child, Some(via_group), seen_groups, found);
            }
        }
    }

    /// Users holding the access a review of this resource looks at. Groups: direct members,
    /// or transitive members when `transitive`. Applications: direct user assignments and
    /// members of assigned groups. Roles: active and eligible assignments. Packages:
    /// assignments. Unknown resource: empty.
    pub fn access_holders(&self, kind: ResourceKind, id: &str, transitive: bool) -> Vec<Access> {
        match kind {
            ResourceKind::Group => {
                if transitive {
                    self.transitive_members(id)
                } else {
                    let Some(g) = self.groups.get(id) else {
                        return Vec::new();
                    };
                    let mut seen = FxHashSet::default();
                    g.members
                        .iter()
                        .filter_map(|m| match m {
                            Principal::User(u) if seen.insert(u.as_str()) => Some(Access {
                                user: u.clone(),
                                path: AccessPath::Direct,
                                assignment: None,
                            }),
                            _ => None,
                        })
                        .collect()
                }
            }
            ResourceKind::Application => {
                let Some(app) = self.applications.get(id) else {
                    return Vec::new();
                };
                let mut found: BTreeMap<String, AccessPath> = BTreeMap::new();
                for p in &app.assignments {
                    if let Principal::User(u) = p {
                        found.insert(u.clone(), AccessPath::Direct);
                    }
                }
                for p in &app.assignments {
                    if let Principal::Group(g) = p {
                        for a in self.transitive_members(g) {
                            found
                                .entry(a.user)
                                .or_insert(AccessPath::ViaGroup { group: g.clone() });
                        }
                    }
                }
                found
                    .into_iter()
                    .map(|(user, path)| Access {
                        user,
                        path,
                        assignment: None,
                    })
                    .collect()
            }
            ResourceKind::DirectoryRole => {
                let Some(role) = self.roles.get(id) else {
                    return Vec::new();
                };
                role.assignments
                    .iter()
                    .map(|a| Access {
                        user: a.user.clone(),
                        path: AccessPath::Direct,
                        assignment: Some(a.kind),
                    })
                    .collect()
            }
            ResourceKind::AccessPackage => {
                let Some(p) = self.access_packages.get(id) else {
                    return Vec::new();
                };
                p.assignments
                    .iter()
                    .map(|u| Access {
                        user: u.clone(),
                        path: AccessPath::Direct,
                        assignment: None,
                    })
                    .collect()
            }
        }
    }

    /// Every user a group contains, directly or through nesting (for "members of a group"
    /// reviewers).
    pub fn group_user_ids(&self, group: &str) -> Vec<String> {
        self.transitive_members(group)
            .into_iter()
            .map(|a| a.user)
            .collect()
    }

    /// The manager chain of a user, nearest first, stopping at a cycle.
    pub fn manager_chain(&self, user: &str) -> Vec<String> {
        let mut chain = Vec::new();
        let mut seen = BTreeSet::from([user.to_string()]);
        let mut current = self.users.get(user).and_then(|u| u.manager.clone());
        while let Some(m) = current {
            if !seen.insert(m.clone()) {
                break;
            }
            current = self.users.get(&m).and_then(|u| u.manager.clone());
            chain.push(m);
        }
        chain
    }

    /// Check references inside the directory: managers, owners, members and assignees must
    /// exist. Returns every dangling reference as (where, missing id). Cheap enough to run on
    /// every import of 100,000 users: ids are looked up in hash sets, and nothing is
    /// allocated per reference unless it dangles.
    pub fn dangling_references(&self) -> Vec<(String, String)> {
        let users: IdSet = self.users.keys().map(String::as_str).collect();
        let groups: IdSet = self.groups.keys().map(String::as_str).collect();
        let user_ok = |id: &String| users.contains(id.as_str());
        let principal_ok = |p: &Principal| match p {
            Principal::User(u) => users.contains(u.as_str()),
            Principal::Group(g) => groups.contains(g.as_str()),
        };
        let principal_id = |p: &Principal| match p {
            Principal::User(id) | Principal::Group(id) => id.clone(),
        };
        let mut out = Vec::new();
        for u in self.users.values() {
            if let Some(m) = u.manager.as_ref().filter(|m| !user_ok(m)) {
                out.push((format!("users[{}].manager", u.id), m.clone()));
            }
        }
        for g in self.groups.values() {
            for o in g.owners.iter().filter(|o| !user_ok(o)) {
                out.push((format!("groups[{}].owners", g.id), o.clone()));
            }
            for m in g.members.iter().filter(|m| !principal_ok(m)) {
                out.push((format!("groups[{}].members", g.id), principal_id(m)));
            }
        }
        for a in self.applications.values() {
            for o in a.owners.iter().filter(|o| !user_ok(o)) {
                out.push((format!("applications[{}].owners", a.id), o.clone()));
            }
            for p in a.assignments.iter().filter(|p| !principal_ok(p)) {
                out.push((
                    format!("applications[{}].assignments", a.id),
                    principal_id(p),
                ));
            }
        }
        for r in self.roles.values() {
            for a in r.assignments.iter().filter(|a| !user_ok(&a.user)) {
                out.push((format!("roles[{}].assignments", r.id), a.user.clone()));
            }
        }
        for p in self.access_packages.values() {
            for o in p.owners.iter().filter(|o| !user_ok(o)) {
                out.push((format!("accessPackages[{}].owners", p.id), o.clone()));
            }
            for u in p.assignments.iter().filter(|u| !user_ok(u)) {
                out.push((format!("accessPackages[{}].assignments", p.id), u.clone()));
            }
        }
        out
    }
}

/// A set of object ids for reference checks.
type IdSet<'a> = FxHashSet<&'a str>;
