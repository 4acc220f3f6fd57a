//! Microsoft Graph JSON import: the collection documents Graph returns (`value` + paging),
//! converted in bounded steps so a browser can import 100,000 users without freezing.
//!
//! `add_file` only splits a document into raw items; `step` converts items; `finish`
//! assembles the directory and checks every reference. Errors carry file + JSON path.

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::{check_kept_references, parse_date, ImportError, ImportSummary, DATE_HINT};
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

    fn from_context(context: &str) -> Option<Collection> {
        let path = context.split_once("$metadata#").map_or(context, |(_, p)| p);
        let path = path.split('(').next().unwrap_or(path);
        let path = path.trim_end_matches("/$entity");
        match path {
            "roleManagement/directory/roleAssignmentScheduleInstances" => {
                return Some(Collection::RoleAssignments)
            }
            "roleManagement/directory/roleEligibilitySchedules" => {
                return Some(Collection::RoleEligibility)
            }
            _ => {}
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
        } else if has("accessPackage") && has("target") {
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
    items: Vec<Box<RawValue>>,
}

#[derive(Deserialize)]
struct Page {
    #[serde(rename = "@odata.context")]
    context: Option<String>,
    value: Option<Vec<Box<RawValue>>>,
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

/// A Graph import in progress. Build with `new`, feed files with `add_file`, convert with
/// `step` (bounded work per call), then `finish`. Nothing changes until `finish` succeeds.
pub struct GraphImport {
    current: Directory,
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
    pub fn new(current: &Directory) -> Self {
        GraphImport {
            current: current.clone(),
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
        let collection = match &page.context {
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
                Collection::from_fields(&fields).ok_or_else(|| {
                    ImportError::new(
                        name,
                        "$.value[0]",
                        "cannot tell which collection this file holds: it has no \
                         \"@odata.context\" and its items look like no supported Graph object",
                    )
                })?
            }
        };
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
        }
        self.progress.total += items.len();
        self.files.push(PendingFile {
            name: name.to_string(),
            collection,
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
                let id = group.id.clone();
                insert(&self.files, self.groups.as_mut(), src, &at, id, group)
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

    /// Convert what is left, assemble the directory and check every reference.
    pub fn finish(mut self) -> Result<(Directory, ImportSummary), ImportError> {
        self.step(usize::MAX)?;
        let mut dir = self.current.clone();
        let mut summary = ImportSummary::default();
        let mut links = 0;

        if let Some(users) = &mut self.users {
            summary.users = Some(users.objects.len());
            dir.users = std::mem::take(&mut users.objects);
        }
        if let Some(groups) = &mut self.groups {
            summary.groups = Some(groups.objects.len());
            links += groups
                .objects
                .values()
                .map(|g| g.members.len() + g.owners.len())
                .sum::<usize>();
            dir.groups = std::mem::take(&mut groups.objects);
        }
        if let Some(apps) = &mut self.applications {
            summary.applications = Some(apps.objects.len());
            links += apps
                .objects
                .values()
                .map(|a| a.assignments.len() + a.owners.len())
                .sum::<usize>();
            dir.applications = std::mem::take(&mut apps.objects);
        }
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

        self.check_imported_references(&dir)?;
        check_kept_references(&dir)?;
        Ok((dir, summary))
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

    fn check_imported_references(&self, dir: &Directory) -> Result<(), ImportError> {
        let user_ok = |id: &str| dir.users.contains_key(id);
        let principal_ok = |p: &Principal| match p {
            Principal::User(u) => dir.users.contains_key(u),
            Principal::Group(g) => dir.groups.contains_key(g),
        };
        let missing_principal = |p: &Principal, what: &str| match p {
            Principal::User(u) => (
                u.clone(),
                format!("{what} \"{u}\" (a user) does not exist in the directory"),
            ),
            Principal::Group(g) => (
                g.clone(),
                format!("{what} \"{g}\" (a group) does not exist in the directory"),
            ),
        };
        if let Some(users) = &self.users {
            for u in dir.users.values() {
                if let Some(m) = u.manager.as_deref().filter(|m| !user_ok(m)) {
                    let src = users.sources[&u.id];
                    return Err(self.dangling(
                        src,
                        format!("$.value[{}].manager.id", src.1),
                        format!("manager \"{m}\" does not exist in the directory"),
                    ));
                }
            }
        }
        // Owners must be users; members and assignees users or groups. One check for both
        // collections, naming where in the source file the dangling reference is.
        let owners_and_principals =
            |src, owners: &[String], principals: &[Principal], field, key, noun| {
                if let Some(o) = owners.iter().find(|o| !user_ok(o)) {
                    return Err(self.dangling(
                        src,
                        self.locate(src, "owners", "id", o),
                        format!("owner \"{o}\" does not exist in the directory (owners are users)"),
                    ));
                }
                if let Some(p) = principals.iter().find(|p| !principal_ok(p)) {
                    let (id, problem) = missing_principal(p, noun);
                    return Err(self.dangling(src, self.locate(src, field, key, &id), problem));
                }
                Ok(())
            };
        if let Some(groups) = &self.groups {
            for g in dir.groups.values() {
                owners_and_principals(
                    groups.sources[&g.id],
                    &g.owners,
                    &g.members,
                    "members",
                    "id",
                    "member",
                )?;
            }
        }
        if let Some(apps) = &self.applications {
            for a in dir.applications.values() {
                owners_and_principals(
                    apps.sources[&a.id],
                    &a.owners,
                    &a.assignments,
                    "appRoleAssignedTo",
                    "principalId",
                    "assigned principal",
                )?;
            }
        }
        for list in [&self.active, &self.eligible].into_iter().flatten() {
            for (src, principal, _) in list {
                if !user_ok(principal) {
                    let problem = if dir.groups.contains_key(principal) {
                        format!(
                            "principal \"{principal}\" is a group; Attest reviews role \
                             assignments of users only"
                        )
                    } else {
                        format!("principal \"{principal}\" is not a user in the directory")
                    };
                    return Err(self.dangling(
                        *src,
                        format!("$.value[{}].principalId", src.1),
                        problem,
                    ));
                }
            }
        }
        if let Some(packages) = &self.packages {
            for p in dir.access_packages.values() {
                if let Some(o) = p.owners.iter().find(|o| !user_ok(o)) {
                    let src = packages.sources[&p.id];
                    return Err(self.dangling(
                        src,
                        self.locate(src, "owners", "id", o),
                        format!("owner \"{o}\" does not exist in the directory (owners are users)"),
                    ));
                }
            }
        }
        if let Some(list) = &self.package_assignments {
            for (src, _, user) in list {
                if !user_ok(user) {
                    return Err(self.dangling(
                        *src,
                        format!("$.value[{}].target.objectId", src.1),
                        format!("assigned user \"{user}\" does not exist in the directory"),
                    ));
                }
            }
        }
        Ok(())
    }
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
