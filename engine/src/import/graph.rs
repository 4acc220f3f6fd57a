//! Microsoft Graph JSON import: the collection documents Graph returns (`value` + paging),
//! converted in bounded steps so a browser can import 100,000 users without freezing.
//!
//! `add_file` only splits a document into raw items; `step` converts items; `check`
//! assembles the directory and checks its references, also in bounded steps; `finish` hands
//! the result over. Errors carry file + JSON path.

use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::{kept_dangling, parse_date, ImportError, ImportSummary, DATE_HINT};
mod check;
mod convert;
mod fields;

use crate::directory::{
    AccessPackage, Application, AssignmentKind, Directory, DirectoryRole, Group, GroupKind,
    Membership, Principal, RoleAssignment, User, UserType,
};
use fields::*;

/// The Graph collections Attest reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Collection {
    Users,
    Groups,
    ServicePrincipals,
    RoleDefinitions,
    RoleAssignments,
    RoleEligibility,
    AccessPackages,
    PackageAssignments,
    /// A page of one group's members (`GET /groups/{id}/members`: directory objects).
    Members,
    /// A page of one service principal's `appRoleAssignedTo`.
    AppRoleAssignments,
}

impl Collection {
    /// The `@odata.context` path after `$metadata#`, as written by the export.
    pub(crate) fn context_path(self) -> &'static str {
        match self {
            Collection::Users => "users",
            Collection::Groups => "groups",
            Collection::ServicePrincipals => "servicePrincipals",
            Collection::RoleDefinitions => "roleManagement/directory/roleDefinitions",
            Collection::RoleAssignments => "roleManagement/directory/roleAssignments",
            Collection::RoleEligibility => {
                "roleManagement/directory/roleEligibilityScheduleInstances"
            }
            Collection::AccessPackages => "identityGovernance/entitlementManagement/accessPackages",
            Collection::PackageAssignments => {
                "identityGovernance/entitlementManagement/assignments"
            }
            Collection::Members => "directoryObjects",
            Collection::AppRoleAssignments => "servicePrincipals/appRoleAssignedTo",
        }
    }

    const ALL: [Collection; 8] = [
        Collection::Users,
        Collection::Groups,
        Collection::ServicePrincipals,
        Collection::RoleDefinitions,
        Collection::RoleAssignments,
        Collection::RoleEligibility,
        Collection::AccessPackages,
        Collection::PackageAssignments,
    ];

    /// The collection of a page's `@odata.context`, and the object a key segment names
    /// (`servicePrincipals('…')/appRoleAssignedTo`, `groups('…')/members`).
    fn from_context(context: &str) -> Option<(Collection, Option<String>)> {
        let path = context.split_once("$metadata#").map_or(context, |(_, p)| p);
        let path = path.trim_end_matches("/$entity");
        if let Some((set, rest)) = path.split_once("('") {
            let (key, nav) = rest.split_once("')")?;
            let nav = nav.trim_start_matches('/');
            return match (set, nav) {
                ("servicePrincipals", "appRoleAssignedTo") => {
                    Some((Collection::AppRoleAssignments, Some(key.to_string())))
                }
                ("groups", "members") => Some((Collection::Members, Some(key.to_string()))),
                // One object's collection (`users('…')`); any other relation is not read.
                (_, "") => Collection::from_path(set).map(|c| (c, None)),
                _ => None,
            };
        }
        let path = path.split('(').next().unwrap_or(path);
        Collection::from_path(path).map(|c| (c, None))
    }

    fn from_path(path: &str) -> Option<Collection> {
        match path {
            "roleManagement/directory/roleAssignmentScheduleInstances" => {
                return Some(Collection::RoleAssignments)
            }
            "roleManagement/directory/roleEligibilitySchedules" => {
                return Some(Collection::RoleEligibility)
            }
            _ => {}
        }
        if path == "directoryObjects" {
            return Some(Collection::Members);
        }
        Collection::ALL
            .into_iter()
            .find(|c| c.context_path() == path)
    }

    /// Guess from the fields of an item when the file has no `@odata.context`.
    fn from_fields(item: &Map<String, Value>) -> Option<Collection> {
        let has = |k: &str| item.contains_key(k);
        Some(if has("userType") || has("userPrincipalName") {
            Collection::Users
        } else if has("groupTypes") || has("securityEnabled") || has("membershipRule") {
            Collection::Groups
        } else if has("appRoleAssignedTo") || has("servicePrincipalType") || has("appId") {
            Collection::ServicePrincipals
        } else if has("rolePermissions") || has("isBuiltIn") || has("isPrivileged") {
            Collection::RoleDefinitions
        } else if has("principalId") && has("roleDefinitionId") {
            if has("roleEligibilityScheduleId") {
                Collection::RoleEligibility
            } else {
                Collection::RoleAssignments
            }
        } else if has("principalType") && has("resourceId") {
            Collection::AppRoleAssignments
        } else if (has("accessPackage") && has("target")) || (has("state") && has("schedule")) {
            Collection::PackageAssignments
        } else if has("catalog") || has("isHidden") {
            Collection::AccessPackages
        } else {
            return None;
        })
    }
}

/// Where an item came from: (file index, item index).
type Src = (usize, usize);

struct PendingFile {
    name: String,
    collection: Collection,
    /// The group (members page) or service principal (appRoleAssignedTo page) the page
    /// belongs to, when the page says so.
    owner: Option<String>,
    items: Vec<Box<RawValue>>,
}

#[derive(Deserialize)]
struct Page {
    #[serde(rename = "@odata.context")]
    context: Option<String>,
    #[serde(rename = "@odata.nextLink")]
    next_link: Option<String>,
    value: Option<Vec<Box<RawValue>>>,
}

/// The group a members page's `@odata.nextLink` continues (`…/groups/{id}/members?…`).
fn next_link_group(link: &str) -> Option<String> {
    let path = link.split('?').next()?;
    let mut segs = path.rsplit('/');
    let (last, id, groups) = (segs.next()?, segs.next()?, segs.next()?);
    (last == "members" && groups == "groups").then(|| id.to_string())
}

/// How far a chunked import is, in items.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImportProgress {
    /// How many are done.
    pub done: usize,
    /// How many in all.
    pub total: usize,
}

/// Objects of one id-keyed collection and where each came from.
struct Keyed<T> {
    objects: BTreeMap<String, T>,
    sources: HashMap<String, Src>,
}

impl<T> Default for Keyed<T> {
    fn default() -> Self {
        Keyed {
            objects: BTreeMap::new(),
            sources: HashMap::new(),
        }
    }
}

/// Where a chunked import is: converting items (`step`), checking references (`check`), or
/// checked (`finish` returns at once).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImportPhase {
    /// Converting items (`step`).
    Converting,
    /// Checking references (`check`).
    Checking,
    /// Checked: `finish` returns at once.
    Checked,
}

/// The reference checks `check` runs, in order: first those of the imported collections
/// (errors name the file and JSON path), then those of the kept ones (errors name the
/// current directory's object).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
enum Part {
    #[default]
    Managers,
    Groups,
    Applications,
    RolePrincipals,
    PackageOwners,
    PackageAssignments,
    KeptUsers,
    KeptGroups,
    KeptApplications,
    KeptRoles,
    KeptPackages,
    Done,
}

impl Part {
    fn next(self) -> Part {
        match self {
            Part::Managers => Part::Groups,
            Part::Groups => Part::Applications,
            Part::Applications => Part::RolePrincipals,
            Part::RolePrincipals => Part::PackageOwners,
            Part::PackageOwners => Part::PackageAssignments,
            Part::PackageAssignments => Part::KeptUsers,
            Part::KeptUsers => Part::KeptGroups,
            Part::KeptGroups => Part::KeptApplications,
            Part::KeptApplications => Part::KeptRoles,
            Part::KeptRoles => Part::KeptPackages,
            Part::KeptPackages | Part::Done => Part::Done,
        }
    }
}

/// How far `check` is: the part, and the next object (by id) or list entry in it.
#[derive(Debug, Default)]
struct Cursor {
    part: Part,
    next_key: Option<String>,
    next_index: usize,
}

/// Work left in one `check` call, in references (an object counts one, plus its references).
struct Budget {
    left: usize,
    used: usize,
}

impl Budget {
    fn spend(&mut self, units: usize) {
        self.left = self.left.saturating_sub(units);
        self.used += units;
    }
}

/// A Graph import in progress. Build with `new` (or `deferred` + `keep_from`), feed files
/// with `add_file`, convert with `step` and check with `check` (bounded work per call), then
/// `finish`. Nothing changes until `finish` succeeds.
pub struct GraphImport {
    /// What the import starts from: the whole current directory (`new`), or only the
    /// collections the files do not replace (`keep_from`).
    current: Option<Directory>,
    files: Vec<PendingFile>,
    next_file: usize,
    next_item: usize,
    progress: ImportProgress,
    users: Option<Keyed<User>>,
    groups: Option<Keyed<Group>>,
    applications: Option<Keyed<Application>>,
    roles: Option<Keyed<DirectoryRole>>,
    packages: Option<Keyed<AccessPackage>>,
    /// (source, principal id, role definition id), in file order.
    active: Option<Vec<(Src, String, String)>>,
    eligible: Option<Vec<(Src, String, String)>>,
    /// (source, access package id, user id), in file order.
    package_assignments: Option<Vec<(Src, String, String)>>,
    /// Members read from member pages: (source, member), the group from the file.
    member_pages: Vec<(Src, Principal)>,
    /// Assignments read from appRoleAssignedTo pages: (source, service principal, assignee).
    app_role_pages: Vec<(Src, String, Principal)>,
    /// Grant dates read from assignments: (app, role or package id, assignee id, date).
    grants: Vec<(String, String, chrono::DateTime<chrono::Utc>)>,
    /// The group whose member pages continue in the next members file (its nextLink).
    open_members: Option<String>,
    /// Groups listed without a "members" field: (source, id, name).
    unexpanded: Vec<(Src, String, String)>,
    /// What the import left out or could not know, said to the person importing.
    notices: Vec<String>,
    /// The directory once every item is converted, with what came in.
    assembled: Option<(Directory, ImportSummary)>,
    cursor: Cursor,
    checked: ImportProgress,
}

/// Import Graph collection documents into a copy of `current`: collections present in the
/// files replace the current ones, absent ones are kept. All or nothing.
pub fn import_graph(
    current: &Directory,
    files: &[(String, String)],
) -> Result<Directory, ImportError> {
    let mut import = GraphImport::new(current);
    for (name, text) in files {
        import.add_file(name, text)?;
    }
    import.finish().map(|(dir, _)| dir)
}

fn not_a_collection(file: &str) -> ImportError {
    ImportError::new(
        file,
        "$",
        "file is not a Microsoft Graph collection: expected a JSON object with a \"value\" array",
    )
}

impl GraphImport {
    /// An import on top of a copy of `current`.
    pub fn new(current: &Directory) -> Self {
        let mut import = GraphImport::deferred();
        import.current = Some(current.clone());
        import
    }

    /// An import that copies nothing up front: call `keep_from` after the last `add_file`
    /// and before `check`, so only the collections the files do not replace are copied.
    pub fn deferred() -> Self {
        GraphImport {
            current: None,
            files: Vec::new(),
            next_file: 0,
            next_item: 0,
            progress: ImportProgress { done: 0, total: 0 },
            users: None,
            groups: None,
            applications: None,
            roles: None,
            packages: None,
            active: None,
            eligible: None,
            package_assignments: None,
            member_pages: Vec::new(),
            app_role_pages: Vec::new(),
            grants: Vec::new(),
            open_members: None,
            unexpanded: Vec::new(),
            notices: Vec::new(),
            assembled: None,
            cursor: Cursor::default(),
            checked: ImportProgress { done: 0, total: 0 },
        }
    }

    /// Start from `current`, copying only the collections the added files do not replace
    /// (replaced ones are left out: the import brings its own). Call after the last
    /// `add_file`; called earlier it copies more than needed but is still correct.
    pub fn keep_from(&mut self, current: &Directory) {
        fn kept<T: Clone>(replaced: bool, map: &BTreeMap<String, T>) -> BTreeMap<String, T> {
            if replaced {
                BTreeMap::new()
            } else {
                map.clone()
            }
        }
        self.current = Some(Directory {
            users: kept(self.users.is_some(), &current.users),
            groups: kept(self.groups.is_some(), &current.groups),
            applications: kept(self.applications.is_some(), &current.applications),
            roles: kept(self.roles.is_some(), &current.roles),
            access_packages: kept(self.packages.is_some(), &current.access_packages),
            // Graph's files carry no grant dates: the dates known so far stay.
            granted: current.granted.clone(),
        });
    }

    /// Which phase the next call works in.
    pub fn phase(&self) -> ImportPhase {
        if self.progress.done < self.progress.total {
            ImportPhase::Converting
        } else if self.assembled.is_none() || self.cursor.part != Part::Done {
            ImportPhase::Checking
        } else {
            ImportPhase::Checked
        }
    }

    /// Split one document into its items and recognize its collection. Cheap: items are
    /// kept as raw JSON text until `step` converts them.
    pub fn add_file(&mut self, name: &str, text: &str) -> Result<(), ImportError> {
        let page: Page = serde_json::from_str(text).map_err(|e| {
            use serde_json::error::Category;
            match e.classify() {
                Category::Syntax | Category::Eof | Category::Io => {
                    let message = e.to_string();
                    let message = message
                        .rfind(" at line ")
                        .map_or(&*message, |i| &message[..i]);
                    ImportError::new(
                        name,
                        format!("line {}, column {}", e.line(), e.column()),
                        format!("invalid JSON: {message}"),
                    )
                }
                Category::Data => not_a_collection(name),
            }
        })?;
        let Some(items) = page.value else {
            return Err(not_a_collection(name));
        };
        let (collection, mut owner) = match &page.context {
            Some(context) => Collection::from_context(context).ok_or_else(|| {
                ImportError::new(
                    name,
                    "$['@odata.context']",
                    format!(
                        "\"{context}\" is not a collection Attest imports; expected users, groups, \
                         servicePrincipals, roleManagement/directory/roleDefinitions, \
                         roleAssignments, roleEligibilityScheduleInstances, or entitlement \
                         management accessPackages or assignments"
                    ),
                )
            })?,
            None => {
                let first = items.first().ok_or_else(|| {
                    ImportError::new(
                        name,
                        "$",
                        "cannot tell which collection this file holds: it has no \
                         \"@odata.context\" and no items",
                    )
                })?;
                let fields: Map<String, Value> =
                    serde_json::from_str(first.get()).map_err(|_| not_a_collection(name))?;
                let c = Collection::from_fields(&fields).ok_or_else(|| {
                    ImportError::new(
                        name,
                        "$.value[0]",
                        "cannot tell which collection this file holds: it has no \
                         \"@odata.context\" and its items look like no supported Graph object",
                    )
                })?;
                (c, None)
            }
        };
        if collection == Collection::Members {
            // Pages of one group come in order: each but the last links to the next.
            let linked = page.next_link.as_deref().and_then(next_link_group);
            owner = owner.or(linked).or(self.open_members.take());
            self.open_members = if page.next_link.is_some() {
                owner.clone()
            } else {
                None
            };
        }
        // Mark the collection present now: an empty page still replaces the collection.
        match collection {
            Collection::Users => {
                self.users.get_or_insert_with(Keyed::default);
            }
            Collection::Groups => {
                self.groups.get_or_insert_with(Keyed::default);
            }
            Collection::ServicePrincipals => {
                self.applications.get_or_insert_with(Keyed::default);
            }
            Collection::RoleDefinitions => {
                self.roles.get_or_insert_with(Keyed::default);
            }
            Collection::RoleAssignments => {
                self.active.get_or_insert_with(Vec::new);
            }
            Collection::RoleEligibility => {
                self.eligible.get_or_insert_with(Vec::new);
            }
            Collection::AccessPackages => {
                self.packages.get_or_insert_with(Keyed::default);
            }
            Collection::PackageAssignments => {
                self.package_assignments.get_or_insert_with(Vec::new);
            }
            Collection::Members | Collection::AppRoleAssignments => {}
        }
        self.progress.total += items.len();
        self.files.push(PendingFile {
            name: name.to_string(),
            collection,
            owner,
            items,
        });
        Ok(())
    }

    /// Convert up to `max_items` items; call until `done == total`.
    pub fn step(&mut self, max_items: usize) -> Result<ImportProgress, ImportError> {
        let mut budget = max_items;
        while budget > 0 && self.next_file < self.files.len() {
            let file = &self.files[self.next_file];
            if self.next_item >= file.items.len() {
                self.next_file += 1;
                self.next_item = 0;
                continue;
            }
            self.convert((self.next_file, self.next_item))?;
            self.next_item += 1;
            self.progress.done += 1;
            budget -= 1;
        }
        Ok(self.progress)
    }

    /// Convert what is left, assemble the directory and check every reference; the result.
    pub fn finish(mut self) -> Result<(Directory, ImportSummary), ImportError> {
        self.step(usize::MAX)?;
        while self.phase() != ImportPhase::Checked {
            self.check(usize::MAX)?;
        }
        Ok(self
            .assembled
            .take()
            .expect("checked imports are assembled"))
    }
}
