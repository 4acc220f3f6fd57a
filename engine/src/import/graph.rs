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
use crate::directory::{
    AccessPackage, Application, AssignmentKind, Directory, DirectoryRole, Group, GroupKind,
    Membership, Principal, RoleAssignment, User, UserType,
};

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
    pub done: usize,
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
    Converting,
    Checking,
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

    fn convert(&mut self, src: Src) -> Result<(), ImportError> {
        let file = &self.files[src.0];
        let at = At {
            file: &file.name,
            base: format!("$.value[{}]", src.1),
        };
        let value: Value = serde_json::from_str(file.items[src.1].get())
            .map_err(|e| at.err("", format!("invalid JSON: {e}")))?;
        let Value::Object(item) = value else {
            return Err(at.err(
                "",
                format!("each item should be an object, found {}", kind_of(&value)),
            ));
        };
        match file.collection {
            Collection::Users => {
                let user = read_user(&at, &item)?;
                let id = user.id.clone();
                insert(&self.files, self.users.as_mut(), src, &at, id, user)
            }
            Collection::Groups => {
                let group = read_group(&at, &item)?;
                if is_distribution_list(&at, &item)? {
                    self.notices.push(format!(
                        "{} at {}: \"{}\" is a distribution list (mail-enabled, not \
                         security-enabled); Attest reviews security and Microsoft 365 groups, \
                         so it was not imported",
                        at.file, at.base, group.display_name
                    ));
                    return Ok(());
                }
                if !item.contains_key("members") {
                    self.unexpanded
                        .push((src, group.id.clone(), group.display_name.clone()));
                }
                let id = group.id.clone();
                insert(&self.files, self.groups.as_mut(), src, &at, id, group)
            }
            Collection::Members => {
                let member = match at.opt_string(&item, "@odata.type")?.as_deref() {
                    Some("#microsoft.graph.user") => Principal::User(at.string(&item, "id")?),
                    Some("#microsoft.graph.group") => Principal::Group(at.string(&item, "id")?),
                    // Devices, contacts, service principals: not in a user access review.
                    Some(_) => return Ok(()),
                    None => {
                        return Err(at.err(
                            "",
                            "missing \"@odata.type\": expected \"#microsoft.graph.user\" or \
                             \"#microsoft.graph.group\"",
                        ))
                    }
                };
                self.member_pages.push((src, member));
                Ok(())
            }
            Collection::AppRoleAssignments => {
                let principal = at.string(&item, "principalId")?;
                let member = match at.string(&item, "principalType")?.as_str() {
                    "User" => Principal::User(principal),
                    "Group" => Principal::Group(principal),
                    "ServicePrincipal" => return Ok(()),
                    other => {
                        return Err(at.err(
                            ".principalType",
                            format!("\"principalType\" is \"{other}\"; expected \"User\", \"Group\" or \"ServicePrincipal\""),
                        ))
                    }
                };
                let app = match &file.owner {
                    Some(owner) => owner.clone(),
                    None => at.string(&item, "resourceId")?,
                };
                self.app_role_pages.push((src, app, member));
                Ok(())
            }
            Collection::ServicePrincipals => {
                let app = read_service_principal(&at, &item)?;
                let id = app.id.clone();
                insert(&self.files, self.applications.as_mut(), src, &at, id, app)
            }
            Collection::RoleDefinitions => {
                let role = DirectoryRole {
                    id: at.string(&item, "id")?,
                    display_name: at.string(&item, "displayName")?,
                    privileged: at.opt_bool(&item, "isPrivileged")?.unwrap_or(false),
                    assignments: Vec::new(),
                };
                let id = role.id.clone();
                insert(&self.files, self.roles.as_mut(), src, &at, id, role)
            }
            Collection::RoleAssignments | Collection::RoleEligibility => {
                let principal = at.string(&item, "principalId")?;
                let role = at.string(&item, "roleDefinitionId")?;
                // An expanded principal that is a group or an app: Attest reviews users only.
                if let Some(Value::Object(p)) = item.get("principal") {
                    if let Some(Value::String(t)) = p.get("@odata.type") {
                        if t != "#microsoft.graph.user" {
                            return Ok(());
                        }
                    }
                }
                let list = match file.collection {
                    Collection::RoleAssignments => self.active.as_mut(),
                    _ => self.eligible.as_mut(),
                };
                list.expect("marked present by add_file")
                    .push((src, principal, role));
                Ok(())
            }
            Collection::AccessPackages => {
                let package = AccessPackage {
                    id: at.string(&item, "id")?,
                    display_name: at.string(&item, "displayName")?,
                    owners: read_objects(&at, &item, "owners", true)?
                        .into_iter()
                        .filter_map(|p| match p {
                            Principal::User(u) => Some(u),
                            Principal::Group(_) => None,
                        })
                        .collect(),
                    assignments: Vec::new(),
                };
                let id = package.id.clone();
                insert(&self.files, self.packages.as_mut(), src, &at, id, package)
            }
            Collection::PackageAssignments => {
                if matches!(item.get("state"), Some(Value::String(s)) if s == "expired") {
                    return Ok(());
                }
                if !item.contains_key("target") {
                    return Err(at.err(
                        ".target",
                        "missing required field \"target\": list assignments with \
                         $expand=target,accessPackage so each says whose it is and of which package",
                    ));
                }
                let package = match item.get("accessPackageId") {
                    Some(Value::String(id)) if !item.contains_key("accessPackage") => id.clone(),
                    _ => {
                        let p = at.object(&item, "accessPackage")?;
                        at.nested(".accessPackage").string(p, "id")?
                    }
                };
                let target = at.object(&item, "target")?;
                let user = at.nested(".target").string(target, "objectId")?;
                self.package_assignments
                    .as_mut()
                    .expect("marked present by add_file")
                    .push((src, package, user));
                Ok(())
            }
        }
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

    /// Check up to about `max_refs` references (an object counts one, plus one per
    /// reference it holds; one object is never split); call until `done == total`. The
    /// first call converts any items `step` left and assembles the directory, without
    /// checking anything yet.
    pub fn check(&mut self, max_refs: usize) -> Result<ImportProgress, ImportError> {
        if self.assembled.is_none() {
            self.step(usize::MAX)?;
            let assembled = self.assemble()?;
            self.checked = ImportProgress {
                done: 0,
                total: self.units(&assembled.0),
            };
            self.assembled = Some(assembled);
            return Ok(self.checked);
        }
        let mut budget = Budget {
            left: max_refs.max(1),
            used: 0,
        };
        let mut cursor = std::mem::take(&mut self.cursor);
        let outcome = self.check_some(&mut cursor, &mut budget);
        self.cursor = cursor;
        self.checked.done = (self.checked.done + budget.used).min(self.checked.total);
        if self.cursor.part == Part::Done {
            self.checked.done = self.checked.total;
        }
        outcome.map(|()| self.checked)
    }

    /// Put the converted collections into the kept ones. Moves, never copies, the objects.
    fn assemble(&mut self) -> Result<(Directory, ImportSummary), ImportError> {
        let mut dir = self
            .current
            .take()
            .expect("keep_from is called before a deferred import is checked");
        let mut summary = ImportSummary::default();
        let mut links = 0;

        if let Some(users) = &mut self.users {
            summary.users = Some(users.objects.len());
            dir.users = std::mem::take(&mut users.objects);
        }
        if let Some(groups) = &mut self.groups {
            summary.groups = Some(groups.objects.len());
            dir.groups = std::mem::take(&mut groups.objects);
        }
        let paged = self.apply_member_pages(&mut dir)?;
        links += if self.groups.is_some() {
            dir.groups
                .values()
                .map(|g| g.members.len() + g.owners.len())
                .sum::<usize>()
        } else {
            paged
        };
        if let Some(apps) = &mut self.applications {
            summary.applications = Some(apps.objects.len());
            dir.applications = std::mem::take(&mut apps.objects);
        }
        let paged = self.apply_app_role_pages(&mut dir)?;
        links += if self.applications.is_some() {
            dir.applications
                .values()
                .map(|a| a.assignments.len() + a.owners.len())
                .sum::<usize>()
        } else {
            paged
        };
        if let Some(roles) = &mut self.roles {
            summary.roles = Some(roles.objects.len());
            dir.roles = std::mem::take(&mut roles.objects);
        }
        for (kind, list) in [
            (AssignmentKind::Active, &self.active),
            (AssignmentKind::Eligible, &self.eligible),
        ] {
            let Some(list) = list else { continue };
            if self.roles.is_none() {
                for r in dir.roles.values_mut() {
                    r.assignments.retain(|a| a.kind != kind);
                }
            }
            for (src, principal, role) in list {
                let Some(r) = dir.roles.get_mut(role) else {
                    return Err(self.at(*src).err(
                        ".roleDefinitionId",
                        format!("role definition \"{role}\" does not exist in the directory"),
                    ));
                };
                r.assignments.push(RoleAssignment {
                    user: principal.clone(),
                    kind,
                });
                links += 1;
            }
        }
        // Graph serves active and eligible assignments separately: keep them in that order.
        for r in dir.roles.values_mut() {
            r.assignments
                .sort_by_key(|a| a.kind == AssignmentKind::Eligible);
        }
        if let Some(packages) = &mut self.packages {
            summary.access_packages = Some(packages.objects.len());
            links += packages
                .objects
                .values()
                .map(|p| p.owners.len())
                .sum::<usize>();
            dir.access_packages = std::mem::take(&mut packages.objects);
        }
        if let Some(list) = &self.package_assignments {
            if self.packages.is_none() {
                for p in dir.access_packages.values_mut() {
                    p.assignments.clear();
                }
            }
            for (src, package, user) in list {
                let Some(p) = dir.access_packages.get_mut(package) else {
                    return Err(self.at(*src).err(
                        ".accessPackage.id",
                        format!("access package \"{package}\" does not exist in the directory"),
                    ));
                };
                p.assignments.push(user.clone());
                links += 1;
            }
        }
        summary.links = links;
        summary.notices = std::mem::take(&mut self.notices);
        Ok((dir, summary))
    }

    /// The group a members file belongs to: named by the page (context key segment,
    /// nextLink, or the page before it), else the one group id in the file's name.
    fn page_group(&self, file: usize, dir: &Directory) -> Result<String, ImportError> {
        let f = &self.files[file];
        if let Some(owner) = &f.owner {
            return Ok(owner.clone());
        }
        let named: Vec<&String> = dir
            .groups
            .keys()
            .filter(|id| f.name.contains(id.as_str()))
            .collect();
        match named.as_slice() {
            [one] => Ok((*one).clone()),
            _ => Err(ImportError::new(
                &f.name,
                "$",
                "cannot tell which group these members belong to: the page has no \
                 @odata.nextLink naming the group and follows no page that links to it; name \
                 the file after the group's id (members-<group id>.json)",
            )),
        }
    }

    /// Members read from `/groups/{id}/members` pages replace the group's members (an
    /// expanded list is cut at 20); several pages of one group are joined in file order.
    fn apply_member_pages(&mut self, dir: &mut Directory) -> Result<usize, ImportError> {
        let mut replaced: Vec<String> = Vec::new();
        let mut links = 0;
        let mut owners: HashMap<usize, String> = HashMap::new();
        for (src, member) in &self.member_pages {
            let group = match owners.get(&src.0) {
                Some(g) => g.clone(),
                None => {
                    let g = self.page_group(src.0, dir)?;
                    owners.insert(src.0, g.clone());
                    g
                }
            };
            let exists = match member {
                Principal::User(u) => dir.users.contains_key(u),
                Principal::Group(g) => dir.groups.contains_key(g),
            };
            if !exists {
                let (noun, id) = match member {
                    Principal::User(u) => ("user", u),
                    Principal::Group(g) => ("group", g),
                };
                return Err(self.at(*src).err(
                    ".id",
                    format!("member {noun} \"{id}\" does not exist in the directory"),
                ));
            }
            let Some(g) = dir.groups.get_mut(&group) else {
                return Err(ImportError::new(&self.files[src.0].name, "$", format!("these are members of group \"{group}\", which does not exist in the directory")));
            };
            if !replaced.contains(&group) {
                g.members.clear();
                replaced.push(group.clone());
            }
            if !g.members.contains(member) {
                g.members.push(member.clone());
                links += 1;
            }
        }
        // Files with no items still name their group: an empty group, said by its page.
        for (i, f) in self.files.iter().enumerate() {
            if f.collection == Collection::Members && f.items.is_empty() {
                if let Ok(group) = self.page_group(i, dir) {
                    if let Some(g) = dir.groups.get_mut(&group) {
                        if !replaced.contains(&group) {
                            g.members.clear();
                            replaced.push(group);
                        }
                    }
                }
            }
        }
        for (src, id, name) in &self.unexpanded {
            if !replaced.contains(id) {
                self.notices.push(format!(
                    "{} at $.value[{}]: group \"{name}\" was listed without its members \
                     (no \"members\"); it has no members until its /groups/{id}/members pages \
                     are imported with it",
                    self.files[src.0].name, src.1
                ));
            }
        }
        Ok(links)
    }

    /// Assignments read from `appRoleAssignedTo` pages replace the application's.
    fn apply_app_role_pages(&mut self, dir: &mut Directory) -> Result<usize, ImportError> {
        let mut replaced: Vec<String> = Vec::new();
        let mut links = 0;
        for (src, app, assignee) in &self.app_role_pages {
            let Some(a) = dir.applications.get_mut(app) else {
                return Err(self.at(*src).err(
                    ".resourceId",
                    format!("service principal \"{app}\" does not exist in the directory"),
                ));
            };
            if !replaced.contains(app) {
                a.assignments.clear();
                replaced.push(app.clone());
            }
            if !a.assignments.contains(assignee) {
                a.assignments.push(assignee.clone());
                links += 1;
            }
        }
        Ok(links)
    }

    fn at(&self, src: Src) -> At<'_> {
        At {
            file: &self.files[src.0].name,
            base: format!("$.value[{}]", src.1),
        }
    }

    /// Path of the element of `array` (in the raw item) whose `key` is `id`. Only used to
    /// word an error, so re-reading the item is fine.
    fn locate(&self, src: Src, array: &str, key: &str, id: &str) -> String {
        let base = format!("$.value[{}].{array}", src.1);
        let item: Value =
            serde_json::from_str(self.files[src.0].items[src.1].get()).unwrap_or(Value::Null);
        let index = item.get(array).and_then(Value::as_array).and_then(|a| {
            a.iter()
                .position(|e| e.get(key).and_then(Value::as_str) == Some(id))
        });
        match index {
            Some(i) => format!("{base}[{i}].{key}"),
            None => base,
        }
    }

    fn dangling(&self, src: Src, location: String, problem: String) -> ImportError {
        ImportError::new(&self.files[src.0].name, location, problem)
    }

    /// Whether a part has anything to check: imported parts when their collection (or
    /// list) was in the files, kept parts when it was not.
    fn applies(&self, part: Part) -> bool {
        match part {
            Part::Managers => self.users.is_some(),
            Part::Groups => self.groups.is_some(),
            Part::Applications => self.applications.is_some(),
            Part::RolePrincipals => self.active.is_some() || self.eligible.is_some(),
            Part::PackageOwners => self.packages.is_some(),
            Part::PackageAssignments => self.package_assignments.is_some(),
            Part::KeptUsers => self.users.is_none(),
            Part::KeptGroups => self.groups.is_none(),
            Part::KeptApplications => self.applications.is_none(),
            // Assignments of kept roles may be kept too (only one kind imported, or none).
            Part::KeptRoles => self.roles.is_none(),
            Part::KeptPackages => self.packages.is_none(),
            Part::Done => false,
        }
    }

    /// The work `check` has to do on `dir`, in the units of its budget.
    fn units(&self, dir: &Directory) -> usize {
        let mut total = 0;
        let mut part = Part::default();
        while part != Part::Done {
            if self.applies(part) {
                total += match part {
                    Part::Managers | Part::KeptUsers => dir.users.len(),
                    Part::Groups | Part::KeptGroups => dir.groups.values().map(group_cost).sum(),
                    Part::Applications | Part::KeptApplications => {
                        dir.applications.values().map(app_cost).sum()
                    }
                    Part::RolePrincipals => [&self.active, &self.eligible]
                        .into_iter()
                        .flatten()
                        .map(Vec::len)
                        .sum(),
                    Part::PackageOwners => dir
                        .access_packages
                        .values()
                        .map(|p| 1 + p.owners.len())
                        .sum(),
                    Part::PackageAssignments => {
                        self.package_assignments.as_ref().map_or(0, Vec::len)
                    }
                    Part::KeptRoles => dir.roles.values().map(|r| 1 + r.assignments.len()).sum(),
                    Part::KeptPackages => dir.access_packages.values().map(package_cost).sum(),
                    Part::Done => 0,
                };
            }
            part = part.next();
        }
        total
    }

    /// Run the checks from `cursor` until the budget is spent or every part is done.
    fn check_some(&self, cursor: &mut Cursor, budget: &mut Budget) -> Result<(), ImportError> {
        let (dir, _) = self.assembled.as_ref().expect("assembled before checking");
        let user_ok = |id: &str| dir.users.contains_key(id);
        let principal_ok = |p: &Principal| match p {
            Principal::User(u) => dir.users.contains_key(u),
            Principal::Group(g) => dir.groups.contains_key(g),
        };
        while budget.left > 0 && cursor.part != Part::Done {
            let part = cursor.part;
            let key = &mut cursor.next_key;
            let index = &mut cursor.next_index;
            let finished = if !self.applies(part) {
                true
            } else {
                match part {
                    Part::Managers => {
                        let sources = &self.users.as_ref().expect("applies").sources;
                        walk(
                            &dir.users,
                            key,
                            budget,
                            |_| 1,
                            |u| match u.manager.as_deref().filter(|m| !user_ok(m)) {
                                None => Ok(()),
                                Some(m) => {
                                    let src = sources[&u.id];
                                    Err(self.dangling(
                                        src,
                                        format!("$.value[{}].manager.id", src.1),
                                        format!("manager \"{m}\" does not exist in the directory"),
                                    ))
                                }
                            },
                        )?
                    }
                    Part::Groups => {
                        let sources = &self.groups.as_ref().expect("applies").sources;
                        walk(&dir.groups, key, budget, group_cost, |g| {
                            self.owners_and_principals(
                                sources[&g.id],
                                (&g.owners, &g.members),
                                (&user_ok, &principal_ok),
                                ("members", "id", "member"),
                            )
                        })?
                    }
                    Part::Applications => {
                        let sources = &self.applications.as_ref().expect("applies").sources;
                        walk(&dir.applications, key, budget, app_cost, |a| {
                            self.owners_and_principals(
                                sources[&a.id],
                                (&a.owners, &a.assignments),
                                (&user_ok, &principal_ok),
                                ("appRoleAssignedTo", "principalId", "assigned principal"),
                            )
                        })?
                    }
                    Part::RolePrincipals => {
                        // Active assignments first, then eligible ones, as one list.
                        let active = self.active.as_deref().unwrap_or_default();
                        let eligible = self.eligible.as_deref().unwrap_or_default();
                        let list = active.iter().chain(eligible);
                        walk_list(
                            list,
                            active.len() + eligible.len(),
                            index,
                            budget,
                            |(src, principal, _)| {
                                if user_ok(principal) {
                                    return Ok(());
                                }
                                let problem = if dir.groups.contains_key(principal) {
                                    format!(
                                    "principal \"{principal}\" is a group; Attest reviews role \
                                     assignments of users only"
                                )
                                } else {
                                    format!(
                                        "principal \"{principal}\" is not a user in the directory"
                                    )
                                };
                                Err(self.dangling(
                                    *src,
                                    format!("$.value[{}].principalId", src.1),
                                    problem,
                                ))
                            },
                        )?
                    }
                    Part::PackageOwners => {
                        let sources = &self.packages.as_ref().expect("applies").sources;
                        walk(
                            &dir.access_packages,
                            key,
                            budget,
                            |p| 1 + p.owners.len(),
                            |p| match p.owners.iter().find(|o| !user_ok(o)) {
                                None => Ok(()),
                                Some(o) => {
                                    let src = sources[&p.id];
                                    Err(self.dangling(
                                        src,
                                        self.locate(src, "owners", "id", o),
                                        format!("owner \"{o}\" does not exist in the directory (owners are users)"),
                                    ))
                                }
                            },
                        )?
                    }
                    Part::PackageAssignments => {
                        let list = self.package_assignments.as_deref().unwrap_or_default();
                        walk_list(list.iter(), list.len(), index, budget, |(src, _, user)| {
                            if user_ok(user) {
                                return Ok(());
                            }
                            Err(self.dangling(
                                *src,
                                format!("$.value[{}].target.objectId", src.1),
                                format!("assigned user \"{user}\" does not exist in the directory"),
                            ))
                        })?
                    }
                    Part::KeptUsers => walk(
                        &dir.users,
                        key,
                        budget,
                        |_| 1,
                        |u| match u.manager.as_deref().filter(|m| !user_ok(m)) {
                            None => Ok(()),
                            Some(m) => Err(kept_dangling(format!("users[{}].manager", u.id), m)),
                        },
                    )?,
                    Part::KeptGroups => walk(&dir.groups, key, budget, group_cost, |g| {
                        kept_owners_and_principals(
                            "groups",
                            &g.id,
                            (&g.owners, "owners"),
                            (&g.members, "members"),
                            (&user_ok, &principal_ok),
                        )
                    })?,
                    Part::KeptApplications => {
                        walk(&dir.applications, key, budget, app_cost, |a| {
                            kept_owners_and_principals(
                                "applications",
                                &a.id,
                                (&a.owners, "owners"),
                                (&a.assignments, "assignments"),
                                (&user_ok, &principal_ok),
                            )
                        })?
                    }
                    Part::KeptRoles => walk(
                        &dir.roles,
                        key,
                        budget,
                        |r| 1 + r.assignments.len(),
                        |r| match r.assignments.iter().find(|a| !user_ok(&a.user)) {
                            None => Ok(()),
                            Some(a) => Err(kept_dangling(
                                format!("roles[{}].assignments", r.id),
                                &a.user,
                            )),
                        },
                    )?,
                    Part::KeptPackages => {
                        walk(&dir.access_packages, key, budget, package_cost, |p| {
                            if let Some(o) = p.owners.iter().find(|o| !user_ok(o)) {
                                return Err(kept_dangling(
                                    format!("accessPackages[{}].owners", p.id),
                                    o,
                                ));
                            }
                            match p.assignments.iter().find(|u| !user_ok(u)) {
                                None => Ok(()),
                                Some(u) => Err(kept_dangling(
                                    format!("accessPackages[{}].assignments", p.id),
                                    u,
                                )),
                            }
                        })?
                    }
                    Part::Done => true,
                }
            };
            if finished {
                cursor.part = part.next();
                cursor.next_key = None;
                cursor.next_index = 0;
            }
        }
        Ok(())
    }

    /// Owners must be users; members and assignees users or groups. One check for groups
    /// and applications, naming where in the source file the dangling reference is.
    fn owners_and_principals(
        &self,
        src: Src,
        (owners, principals): (&[String], &[Principal]),
        (user_ok, principal_ok): Exists<'_>,
        (field, key, noun): (&str, &str, &str),
    ) -> Result<(), ImportError> {
        if let Some(o) = owners.iter().find(|o| !user_ok(o)) {
            return Err(self.dangling(
                src,
                self.locate(src, "owners", "id", o),
                format!("owner \"{o}\" does not exist in the directory (owners are users)"),
            ));
        }
        if let Some(p) = principals.iter().find(|p| !principal_ok(p)) {
            let (id, problem) = match p {
                Principal::User(u) => (
                    u,
                    format!("{noun} \"{u}\" (a user) does not exist in the directory"),
                ),
                Principal::Group(g) => (
                    g,
                    format!("{noun} \"{g}\" (a group) does not exist in the directory"),
                ),
            };
            return Err(self.dangling(src, self.locate(src, field, key, id), problem));
        }
        Ok(())
    }
}

/// Whether a user id, and a user or group, exist in the assembled directory.
type Exists<'a> = (&'a dyn Fn(&str) -> bool, &'a dyn Fn(&Principal) -> bool);

fn group_cost(g: &Group) -> usize {
    1 + g.owners.len() + g.members.len()
}

fn app_cost(a: &Application) -> usize {
    1 + a.owners.len() + a.assignments.len()
}

fn package_cost(p: &AccessPackage) -> usize {
    1 + p.owners.len() + p.assignments.len()
}

/// A kept group's or application's owners and principals, in the order and words of
/// `Directory::dangling_references`.
fn kept_owners_and_principals(
    collection: &str,
    id: &str,
    (owners, owners_field): (&[String], &str),
    (principals, principals_field): (&[Principal], &str),
    (user_ok, principal_ok): Exists<'_>,
) -> Result<(), ImportError> {
    if let Some(o) = owners.iter().find(|o| !user_ok(o)) {
        return Err(kept_dangling(
            format!("{collection}[{id}].{owners_field}"),
            o,
        ));
    }
    match principals.iter().find(|p| !principal_ok(p)) {
        None => Ok(()),
        Some(Principal::User(missing) | Principal::Group(missing)) => Err(kept_dangling(
            format!("{collection}[{id}].{principals_field}"),
            missing,
        )),
    }
}

/// Check the objects of `map` from the id in `next` on (from the first when None) until
/// the budget is spent; true when the map is done, else `next` is where to go on.
fn walk<T>(
    map: &BTreeMap<String, T>,
    next: &mut Option<String>,
    budget: &mut Budget,
    cost: impl Fn(&T) -> usize,
    mut check: impl FnMut(&T) -> Result<(), ImportError>,
) -> Result<bool, ImportError> {
    let rest = match next.as_deref() {
        None => map.range::<str, _>(..),
        Some(from) => map.range::<str, _>((Bound::Included(from), Bound::Unbounded)),
    };
    for (id, object) in rest {
        if budget.left == 0 {
            *next = Some(id.clone());
            return Ok(false);
        }
        check(object)?;
        budget.spend(cost(object));
    }
    Ok(true)
}

/// Like `walk`, over a list by position.
fn walk_list<'a, T: 'a>(
    list: impl Iterator<Item = &'a T>,
    len: usize,
    next: &mut usize,
    budget: &mut Budget,
    mut check: impl FnMut(&T) -> Result<(), ImportError>,
) -> Result<bool, ImportError> {
    for entry in list.skip(*next) {
        if budget.left == 0 {
            return Ok(false);
        }
        check(entry)?;
        *next += 1;
        budget.spend(1);
    }
    Ok(*next >= len)
}

fn insert<T>(
    files: &[PendingFile],
    keyed: Option<&mut Keyed<T>>,
    src: Src,
    at: &At,
    id: String,
    object: T,
) -> Result<(), ImportError> {
    let keyed = keyed.expect("marked present by add_file");
    if let Some(first) = keyed.sources.get(&id) {
        return Err(at.err(
            ".id",
            format!(
                "duplicate id \"{id}\": also at {} $.value[{}].id",
                files[first.0].name, first.1
            ),
        ));
    }
    keyed.sources.insert(id.clone(), src);
    keyed.objects.insert(id, object);
    Ok(())
}

/// A position in a file, for reading fields with errors that name their JSON path.
struct At<'a> {
    file: &'a str,
    base: String,
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

impl At<'_> {
    fn err(&self, sub: &str, problem: impl Into<String>) -> ImportError {
        ImportError::new(self.file, format!("{}{sub}", self.base), problem)
    }

    fn nested(&self, sub: &str) -> At<'_> {
        At {
            file: self.file,
            base: format!("{}{sub}", self.base),
        }
    }

    fn present<'v>(&self, item: &'v Map<String, Value>, key: &str) -> Option<&'v Value> {
        item.get(key).filter(|v| !v.is_null())
    }

    fn wrong_type(&self, key: &str, expected: &str, found: &Value) -> ImportError {
        self.err(
            &format!(".{key}"),
            format!("\"{key}\" should be {expected}, found {}", kind_of(found)),
        )
    }

    fn missing(&self, key: &str) -> ImportError {
        self.err(
            &format!(".{key}"),
            format!("missing required field \"{key}\""),
        )
    }

    fn opt_string(
        &self,
        item: &Map<String, Value>,
        key: &str,
    ) -> Result<Option<String>, ImportError> {
        match self.present(item, key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(self.wrong_type(key, "a string", other)),
        }
    }

    fn string(&self, item: &Map<String, Value>, key: &str) -> Result<String, ImportError> {
        self.opt_string(item, key)?.ok_or_else(|| self.missing(key))
    }

    fn opt_bool(&self, item: &Map<String, Value>, key: &str) -> Result<Option<bool>, ImportError> {
        match self.present(item, key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(other) => Err(self.wrong_type(key, "true or false", other)),
        }
    }

    fn opt_date(
        &self,
        item: &Map<String, Value>,
        key: &str,
    ) -> Result<Option<chrono::DateTime<chrono::Utc>>, ImportError> {
        match self.opt_string(item, key)? {
            None => Ok(None),
            Some(s) => parse_date(&s).map(Some).ok_or_else(|| {
                self.err(
                    &format!(".{key}"),
                    format!("\"{key}\" is \"{s}\", which is not a date; {DATE_HINT}"),
                )
            }),
        }
    }

    fn opt_object<'v>(
        &self,
        item: &'v Map<String, Value>,
        key: &str,
    ) -> Result<Option<&'v Map<String, Value>>, ImportError> {
        match self.present(item, key) {
            None => Ok(None),
            Some(Value::Object(o)) => Ok(Some(o)),
            Some(other) => Err(self.wrong_type(key, "an object", other)),
        }
    }

    fn object<'v>(
        &self,
        item: &'v Map<String, Value>,
        key: &str,
    ) -> Result<&'v Map<String, Value>, ImportError> {
        self.opt_object(item, key)?.ok_or_else(|| self.missing(key))
    }

    fn opt_array<'v>(
        &self,
        item: &'v Map<String, Value>,
        key: &str,
    ) -> Result<&'v [Value], ImportError> {
        match self.present(item, key) {
            None => Ok(&[]),
            Some(Value::Array(a)) => Ok(a),
            Some(other) => Err(self.wrong_type(key, "an array", other)),
        }
    }
}

fn read_user(at: &At, item: &Map<String, Value>) -> Result<User, ImportError> {
    let user_type = match at.string(item, "userType")?.as_str() {
        "Member" => UserType::Member,
        "Guest" => UserType::Guest,
        other => {
            return Err(at.err(
                ".userType",
                format!("\"userType\" is \"{other}\"; expected \"Member\" or \"Guest\""),
            ))
        }
    };
    let last_sign_in = match at.opt_object(item, "signInActivity")? {
        None => None,
        Some(activity) => at
            .nested(".signInActivity")
            .opt_date(activity, "lastSignInDateTime")?,
    };
    let manager = match at.opt_object(item, "manager")? {
        None => None,
        Some(m) => Some(at.nested(".manager").string(m, "id")?),
    };
    let id = at.string(item, "id")?;
    let display_name = at.string(item, "displayName")?;
    let user_principal_name = match at.opt_string(item, "userPrincipalName")? {
        Some(upn) => upn,
        None => at.opt_string(item, "mail")?.unwrap_or_default(),
    };
    Ok(User {
        id,
        display_name,
        user_principal_name,
        user_type,
        manager,
        account_enabled: at
            .opt_bool(item, "accountEnabled")?
            .ok_or_else(|| at.missing("accountEnabled"))?,
        created: at
            .opt_date(item, "createdDateTime")?
            .ok_or_else(|| at.missing("createdDateTime"))?,
        last_sign_in,
        department: at.opt_string(item, "department")?,
    })
}

/// Directory objects (members, owners): users and groups by `@odata.type`; other object
/// types (devices, contacts, service principals) are not reviewed and are skipped. Without
/// a type, `default_user` decides (owners are users; members must say).
fn read_objects(
    at: &At,
    item: &Map<String, Value>,
    key: &str,
    default_user: bool,
) -> Result<Vec<Principal>, ImportError> {
    let mut out = Vec::new();
    for (i, element) in at.opt_array(item, key)?.iter().enumerate() {
        let here = at.nested(&format!(".{key}[{i}]"));
        let Value::Object(object) = element else {
            return Err(here.err(
                "",
                format!("should be a directory object, found {}", kind_of(element)),
            ));
        };
        let id = here.string(object, "id")?;
        match here.opt_string(object, "@odata.type")?.as_deref() {
            Some("#microsoft.graph.user") => out.push(Principal::User(id)),
            Some("#microsoft.graph.group") => out.push(Principal::Group(id)),
            Some(_) => {}
            None if default_user => out.push(Principal::User(id)),
            None => {
                return Err(here.err(
                    "",
                    "missing \"@odata.type\": expected \"#microsoft.graph.user\" or \
                     \"#microsoft.graph.group\"",
                ))
            }
        }
    }
    Ok(out)
}

fn read_group(at: &At, item: &Map<String, Value>) -> Result<Group, ImportError> {
    let id = at.string(item, "id")?;
    let display_name = at.string(item, "displayName")?;
    let mut unified = false;
    let mut dynamic = false;
    for (i, t) in at.opt_array(item, "groupTypes")?.iter().enumerate() {
        match t {
            Value::String(s) if s == "Unified" => unified = true,
            Value::String(s) if s == "DynamicMembership" => dynamic = true,
            Value::String(_) => {}
            other => {
                return Err(at.err(
                    &format!(".groupTypes[{i}]"),
                    format!("should be a string, found {}", kind_of(other)),
                ))
            }
        }
    }
    let membership = if dynamic {
        let rule = at.opt_string(item, "membershipRule")?.ok_or_else(|| {
            at.err(
                ".membershipRule",
                "a dynamic group (groupTypes has \"DynamicMembership\") needs a \"membershipRule\"",
            )
        })?;
        Membership::Dynamic { rule }
    } else {
        Membership::Assigned
    };
    let owners = read_objects(at, item, "owners", true)?
        .into_iter()
        .filter_map(|p| match p {
            Principal::User(u) => Some(u),
            Principal::Group(_) => None,
        })
        .collect();
    Ok(Group {
        id,
        display_name,
        kind: if unified {
            GroupKind::Microsoft365
        } else {
            GroupKind::Security
        },
        membership,
        on_premises_sync: at.opt_bool(item, "onPremisesSyncEnabled")?.unwrap_or(false),
        mail_enabled: at.opt_bool(item, "mailEnabled")?.unwrap_or(false),
        owners,
        members: read_objects(at, item, "members", false)?,
    })
}

/// Mail-enabled, not security-enabled and not a Microsoft 365 group: a distribution list,
/// which Attest's directory has no kind for (and Entra does not review).
fn is_distribution_list(at: &At, item: &Map<String, Value>) -> Result<bool, ImportError> {
    let unified = item
        .get("groupTypes")
        .and_then(Value::as_array)
        .is_some_and(|t| t.iter().any(|x| x == "Unified"));
    Ok(!unified
        && at.opt_bool(item, "mailEnabled")? == Some(true)
        && at.opt_bool(item, "securityEnabled")? == Some(false))
}

fn read_service_principal(at: &At, item: &Map<String, Value>) -> Result<Application, ImportError> {
    let id = at.string(item, "id")?;
    let display_name = at.string(item, "displayName")?;
    let mut assignments = Vec::new();
    for (i, element) in at.opt_array(item, "appRoleAssignedTo")?.iter().enumerate() {
        let here = at.nested(&format!(".appRoleAssignedTo[{i}]"));
        let Value::Object(a) = element else {
            return Err(here.err(
                "",
                format!(
                    "should be an app role assignment object, found {}",
                    kind_of(element)
                ),
            ));
        };
        let principal = here.string(a, "principalId")?;
        match here.string(a, "principalType")?.as_str() {
            "User" => assignments.push(Principal::User(principal)),
            "Group" => assignments.push(Principal::Group(principal)),
            // Apps assigned to apps are not part of a user access review.
            "ServicePrincipal" => {}
            other => {
                return Err(here.err(
                    ".principalType",
                    format!("\"principalType\" is \"{other}\"; expected \"User\", \"Group\" or \"ServicePrincipal\""),
                ))
            }
        }
    }
    let owners = read_objects(at, item, "owners", true)?
        .into_iter()
        .filter_map(|p| match p {
            Principal::User(u) => Some(u),
            Principal::Group(_) => None,
        })
        .collect();
    Ok(Application {
        id,
        display_name,
        owners,
        assignments,
    })
}
