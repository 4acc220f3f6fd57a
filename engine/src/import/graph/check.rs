//! Checking references: every id the assembled directory names must exist, in bounded
//! steps; errors name the file and JSON path of the object that names it.

use super::*;

impl GraphImport {
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

    /// Path of the element of `array` (in the raw item) whose `key` is `id`. Only used to
    /// word an error, so re-reading the item is fine.
    pub(super) fn locate(&self, src: Src, array: &str, key: &str, id: &str) -> String {
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

    pub(super) fn dangling(&self, src: Src, location: String, problem: String) -> ImportError {
        ImportError::new(&self.files[src.0].name, location, problem)
    }

    /// Whether a part has anything to check: imported parts when their collection (or
    /// list) was in the files, kept parts when it was not.
    pub(super) fn applies(&self, part: Part) -> bool {
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
    pub(super) fn units(&self, dir: &Directory) -> usize {
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
    pub(super) fn check_some(
        &self,
        cursor: &mut Cursor,
        budget: &mut Budget,
    ) -> Result<(), ImportError> {
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
    pub(super) fn owners_and_principals(
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
pub(super) type Exists<'a> = (&'a dyn Fn(&str) -> bool, &'a dyn Fn(&Principal) -> bool);

pub(super) fn group_cost(g: &Group) -> usize {
    1 + g.owners.len() + g.members.len()
}

pub(super) fn app_cost(a: &Application) -> usize {
    1 + a.owners.len() + a.assignments.len()
}

pub(super) fn package_cost(p: &AccessPackage) -> usize {
    1 + p.owners.len() + p.assignments.len()
}

/// A kept group's or application's owners and principals, in the order and words of
/// `Directory::dangling_references`.
pub(super) fn kept_owners_and_principals(
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
pub(super) fn walk<T>(
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
pub(super) fn walk_list<'a, T: 'a>(
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
