//! Converting: a raw item becomes a directory object (`step`), then the converted
//! collections, member pages and app-role pages are assembled into one directory.

use super::*;

impl GraphImport {
    pub(super) fn convert(&mut self, src: Src) -> Result<(), ImportError> {
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
                if let Some(date) = at.opt_date(&item, "createdDateTime")? {
                    let (Principal::User(id) | Principal::Group(id)) = &member;
                    self.grants.push((app.clone(), id.clone(), date));
                }
                self.app_role_pages.push((src, app, member));
                Ok(())
            }
            Collection::ServicePrincipals => {
                let app = read_service_principal(&at, &item, &mut self.grants)?;
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
                let start = at.opt_date(&item, "startDateTime")?;
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
                if let Some(date) = start {
                    self.grants.push((role.clone(), principal.clone(), date));
                }
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
                if let Some(schedule) = at.opt_object(&item, "schedule")? {
                    if let Some(date) =
                        at.nested(".schedule").opt_date(schedule, "startDateTime")?
                    {
                        self.grants.push((package.clone(), user.clone(), date));
                    }
                }
                self.package_assignments
                    .as_mut()
                    .expect("marked present by add_file")
                    .push((src, package, user));
                Ok(())
            }
        }
    }

    /// Put the converted collections into the kept ones. Moves, never copies, the objects.
    pub(super) fn assemble(&mut self) -> Result<(Directory, ImportSummary), ImportError> {
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
        // Grant dates: a replaced collection's dates go with it; those read come in.
        let apps = self.applications.is_some() || !self.app_role_pages.is_empty();
        let roles = self.roles.is_some() || self.active.is_some() || self.eligible.is_some();
        let packages = self.packages.is_some() || self.package_assignments.is_some();
        let Directory {
            granted,
            applications,
            roles: role_map,
            access_packages,
            ..
        } = &mut dir;
        granted.retain(|target, _| {
            !(apps && applications.contains_key(target)
                || roles && role_map.contains_key(target)
                || packages && access_packages.contains_key(target))
        });
        for (target, member, date) in std::mem::take(&mut self.grants) {
            granted.entry(target).or_default().insert(member, date);
        }
        summary.links = links;
        summary.notices = std::mem::take(&mut self.notices);
        Ok((dir, summary))
    }

    /// The group a members file belongs to: named by the page (context key segment,
    /// nextLink, or the page before it), else the one group id in the file's name.
    pub(super) fn page_group(&self, file: usize, dir: &Directory) -> Result<String, ImportError> {
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
    pub(super) fn apply_member_pages(&mut self, dir: &mut Directory) -> Result<usize, ImportError> {
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
    pub(super) fn apply_app_role_pages(
        &mut self,
        dir: &mut Directory,
    ) -> Result<usize, ImportError> {
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

    pub(super) fn at(&self, src: Src) -> At<'_> {
        At {
            file: &self.files[src.0].name,
            base: format!("$.value[{}]", src.1),
        }
    }
}

pub(super) fn insert<T>(
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
