//! Import of the scope: resource queries, instance enumeration scopes, "all Microsoft 365
//! groups", reviewer queries and fallback reviewers.

use super::*;

impl Reader<'_> {
    /// Resolves one resource query to (kind, id, transitive, guests) when it names one. Every
    /// documented form is read: a cast to `microsoft.graph.user`, the guest filter with or
    /// without `$count=true`, access package assignments filtered by package, and PIM
    /// schedule instances filtered by role; any part Attest cannot keep is reported.
    pub(super) fn resource(
        &mut self,
        path: &str,
        q: &str,
    ) -> Option<(ResourceKind, String, bool, bool)> {
        let pq = Query::parse(bare(q));
        let mut f = pq.filter.clone();
        let guests = f.take_eq("userType") == Some("Guest".into());
        let segs = pq.segments();
        let found = match segs.as_slice() {
            ["groups", id, "members"] => Some((ResourceKind::Group, id.to_string(), false)),
            ["groups", id, "transitiveMembers"] => {
                Some((ResourceKind::Group, id.to_string(), true))
            }
            ["servicePrincipals", id] | ["servicePrincipals", id, "appRoleAssignedTo"] => {
                Some((ResourceKind::Application, id.to_string(), false))
            }
            ["roleManagement", "directory", "roleDefinitions", id] => {
                Some((ResourceKind::DirectoryRole, id.to_string(), false))
            }
            ["identityGovernance", "entitlementManagement", "accessPackages", id] => {
                Some((ResourceKind::AccessPackage, id.to_string(), false))
            }
            ["identityGovernance", "entitlementManagement", "accessPackageAssignments"] => {
                let id = f.take_eq("accessPackageId");
                if let Some(policy) = f.take_eq("assignmentPolicyId") {
                    self.issue(path, format!("Attest's directory has no assignment policies: every assignment of the access package is reviewed, not only those of policy \"{policy}\""));
                }
                // A package lives in one catalog, so naming it adds nothing.
                f.take_eq("catalogId");
                match id {
                    Some(id) => Some((ResourceKind::AccessPackage, id, false)),
                    None => {
                        self.issue(path, "access package assignments without accessPackageId eq '…' in $filter: say which access package");
                        return None;
                    }
                }
            }
            ["roleManagement", "directory", kind @ ("roleEligibilityScheduleInstances" | "roleAssignmentScheduleInstances")] =>
            {
                if let Some(t) = f.take_isof() {
                    if t != "microsoft.graph.user" {
                        self.issue(path, format!("Attest reviews users' access; a review of \"{t}\" principals is not supported"));
                        return None;
                    }
                }
                let active_only = f.take_eq("assignmentType") == Some("Assigned".into());
                let Some(id) = f.take_eq("roleDefinitionId") else {
                    self.issue(path, "role schedule instances without roleDefinitionId eq '…' in $filter: say which role");
                    return None;
                };
                let which = if *kind == "roleEligibilityScheduleInstances" {
                    "eligible"
                } else if active_only {
                    "active"
                } else {
                    "active and eligible"
                };
                if which != "active and eligible" {
                    self.issue(path, format!("Attest reviews every assignment of the role, active and eligible; this query asks for {which} assignments only"));
                }
                Some((ResourceKind::DirectoryRole, id, false))
            }
            _ => None,
        };
        match found {
            Some((kind, id, transitive)) => {
                for clause in &f.0 {
                    self.issue(
                        path,
                        format!("Attest does not apply the filter \"{clause}\"; ignored"),
                    );
                }
                for other in &pq.other {
                    self.issue(path, format!("Attest does not apply \"{other}\"; ignored"));
                }
                if guests && kind != ResourceKind::Group {
                    self.issue(path, "a guest filter on this resource is written in principalScopes; ignored here");
                }
                if !self.dir.resource_exists(kind, &id) {
                    self.issue(
                        path,
                        format!("{} \"{id}\" does not exist in the directory", kind.noun()),
                    );
                }
                Some((kind, id, transitive, guests && kind == ResourceKind::Group))
            }
            None => {
                self.issue(
                    path,
                    format!("Attest cannot review the query \"{}\": name one group's members, an application, a role or an access package", bare(q)),
                );
                None
            }
        }
    }

    pub(super) fn scope(&mut self, root: &Value) -> Scope {
        let mut scope = Scope {
            resource_kind: ResourceKind::Group,
            resources: Vec::new(),
            principals: PrincipalScope::AllUsers,
            inactive_days: None,
            transitive: false,
        };
        let Some(v) = root.get("scope") else {
            self.issue("$.scope", "missing: say what to review");
            return scope;
        };
        let inactive = |sc: &Value, me: &mut Self, path: &str| -> Option<u32> {
            let d = s(sc, "inactiveDuration")?;
            let days = parse_days(d);
            if days.is_none() {
                me.issue(
                    format!("{path}.inactiveDuration"),
                    format!("\"{d}\" is not a duration in days (P30D)"),
                );
            }
            days
        };
        let odata = s(v, "@odata.type").unwrap_or("#microsoft.graph.accessReviewQueryScope");
        if odata.ends_with("principalResourceMembershipsScope") {
            if root
                .get("instanceEnumerationScope")
                .is_some_and(|e| !e.is_null())
            {
                self.issue(
                    "$.instanceEnumerationScope",
                    "the scope lists its resources itself; instanceEnumerationScope is not used",
                );
            }
            if let Some(Value::Array(ps)) = v.get("principalScopes") {
                for (i, p) in ps.iter().enumerate() {
                    let path = format!("$.scope.principalScopes[{i}]");
                    let q = bare(s(p, "query").unwrap_or_default());
                    let pq = Query::parse(q);
                    let mut f = pq.filter.clone();
                    let guests = f.take_eq("userType") == Some("Guest".into());
                    let plain = matches!(pq.segments().as_slice(), ["users"] | ["groups"]);
                    if plain && f.0.is_empty() && pq.other.is_empty() {
                        if guests {
                            scope.principals = PrincipalScope::GuestsOnly;
                        }
                    } else {
                        self.issue(
                            format!("{path}.query"),
                            format!(
                                "Attest reviews all users or guest users only; \"{q}\" is neither"
                            ),
                        );
                    }
                    if let Some(d) = inactive(p, self, &path) {
                        scope.inactive_days = Some(d);
                    }
                }
            }
            if let Some(Value::Array(rs)) = v.get("resourceScopes") {
                for (i, r) in rs.iter().enumerate() {
                    let path = format!("$.scope.resourceScopes[{i}].query");
                    if let Some((kind, id, transitive, _)) =
                        self.resource(&path, s(r, "query").unwrap_or_default())
                    {
                        if i > 0 && kind != scope.resource_kind {
                            self.issue(path, "every resource of one review must be of one kind");
                            continue;
                        }
                        scope.resource_kind = kind;
                        scope.transitive |= transitive;
                        scope.resources.push(id);
                    }
                }
            }
        } else {
            let q = bare(s(v, "query").unwrap_or_default()).to_string();
            if let Some(rel) = q.strip_prefix("./") {
                // Relative scope: the resources come from instanceEnumerationScope.
                scope.transitive = rel.starts_with("transitiveMembers");
                scope.principals = if q.contains("userType eq 'Guest'") {
                    PrincipalScope::GuestsOnly
                } else {
                    PrincipalScope::AllUsers
                };
                match root
                    .get("instanceEnumerationScope")
                    .and_then(|e| s(e, "query"))
                {
                    Some(eq) => {
                        let eq = bare(eq);
                        let ids: Vec<String> = if let Some(id) = eq.strip_prefix("/groups/") {
                            vec![id.trim_end_matches('/').to_string()]
                        } else if let Some(list) = eq
                            .strip_prefix("/groups?$filter=(id in (")
                            .and_then(|l| l.strip_suffix("))"))
                        {
                            list.split(',')
                                .map(|x| x.trim().trim_matches('\'').to_string())
                                .collect()
                        } else if is_all_m365_groups(eq) {
                            let ids = self.m365_groups(scope.principals, scope.transitive);
                            self.issue("$.instanceEnumerationScope.query", format!("Attest reviews a fixed list of groups: the Microsoft 365 groups in the directory now{} (not dynamic ones), {} review(s), one per group; groups created later are not added", if scope.principals == PrincipalScope::GuestsOnly { " with guest members" } else { "" }, ids.len()));
                            ids
                        } else {
                            self.issue("$.instanceEnumerationScope.query", format!("Attest reviews a fixed list of groups; \"{eq}\" selects them by a filter"));
                            Vec::new()
                        };
                        for id in ids {
                            if !self.dir.groups.contains_key(&id) {
                                self.issue(
                                    "$.instanceEnumerationScope.query",
                                    format!("group \"{id}\" does not exist in the directory"),
                                );
                            }
                            scope.resources.push(id);
                        }
                    }
                    None => self.issue(
                        "$.scope.query",
                        "a relative query needs instanceEnumerationScope to say which groups",
                    ),
                }
            } else if let Some((kind, id, transitive, guests)) = self.resource("$.scope.query", &q)
            {
                // Entra repeats the one group in instanceEnumerationScope; anything else there
                // would widen the review, which Attest does not do.
                if let Some(eq) = root
                    .get("instanceEnumerationScope")
                    .and_then(|e| s(e, "query"))
                {
                    let named = Query::parse(bare(eq)).segments() == ["groups", id.as_str()];
                    if !named {
                        self.issue(
                            "$.instanceEnumerationScope.query",
                            format!(
                                "the scope names {} \"{id}\"; \"{}\" is not used",
                                kind.noun(),
                                bare(eq)
                            ),
                        );
                    }
                }
                scope.resource_kind = kind;
                scope.resources.push(id);
                scope.transitive = transitive;
                if guests {
                    scope.principals = PrincipalScope::GuestsOnly;
                }
            }
            if let Some(d) = inactive(v, self, "$.scope") {
                scope.inactive_days = Some(d);
            }
        }
        scope
    }

    /// The groups Entra's "all Microsoft 365 groups" review makes one instance for: Microsoft
    /// 365 groups with assigned members (Entra leaves dynamic ones out), with guests only
    /// those that have a guest member.
    pub(super) fn m365_groups(&self, principals: PrincipalScope, transitive: bool) -> Vec<String> {
        self.dir
            .groups
            .values()
            .filter(|g| g.kind == GroupKind::Microsoft365 && g.membership == Membership::Assigned)
            .filter(|g| {
                principals != PrincipalScope::GuestsOnly
                    || self
                        .dir
                        .access_holders(ResourceKind::Group, &g.id, transitive)
                        .iter()
                        .any(|a| {
                            self.dir
                                .user(&a.user)
                                .is_some_and(|u| u.user_type == UserType::Guest)
                        })
            })
            .map(|g| g.id.clone())
            .collect()
    }

    pub(super) fn reviewers(
        &mut self,
        path: &str,
        v: Option<&Value>,
        def: &ReviewDefinition,
    ) -> Reviewers {
        let list = match v {
            None | Some(Value::Null) => return Reviewers::SelfReview,
            Some(Value::Array(l)) => l,
            Some(_) => {
                self.issue(path, "expected a list of reviewer scopes");
                return Reviewers::SelfReview;
            }
        };
        if list.is_empty() {
            return Reviewers::SelfReview;
        }
        let mut users = Vec::new();
        let mut kinds = Vec::new();
        for (i, r) in list.iter().enumerate() {
            let p = format!("{path}[{i}].query");
            let q = bare(s(r, "query").unwrap_or_default());
            let parts: Vec<&str> = q.trim_matches('/').split('/').collect();
            match parts.as_slice() {
                [".", "manager"] | ["manager"] => kinds.push(Reviewers::Managers),
                [".", "owners"] => kinds.push(Reviewers::ResourceOwners),
                ["groups", id, "owners"] | ["servicePrincipals", id, "owners"] => {
                    if def.scope.resources.iter().any(|r| r == id) {
                        kinds.push(Reviewers::ResourceOwners);
                    } else {
                        self.issue(p, format!("owners of \"{id}\", which is not the resource under review: Attest asks the reviewed resource's own owners"));
                        kinds.push(Reviewers::ResourceOwners);
                    }
                }
                ["users", id] => {
                    if !self.dir.users.contains_key(*id) {
                        self.issue(p, format!("user \"{id}\" does not exist in the directory"));
                    }
                    users.push(id.to_string());
                }
                ["groups", id, "transitiveMembers"] | ["groups", id, "members"] => {
                    if !self.dir.groups.contains_key(*id) {
                        self.issue(p, format!("group \"{id}\" does not exist in the directory"));
                    }
                    kinds.push(Reviewers::GroupMembers {
                        group: id.to_string(),
                    });
                }
                _ => self.issue(
                    p,
                    format!("Attest does not support the reviewer query \"{q}\""),
                ),
            }
        }
        if !users.is_empty() {
            kinds.push(Reviewers::SelectedUsers { users });
        }
        if kinds.len() > 1 {
            self.issue(
                path,
                "Attest has one kind of reviewer per stage; the first one is used",
            );
        }
        kinds.into_iter().next().unwrap_or(Reviewers::SelfReview)
    }

    /// Fallback reviewers are users; a group is taken as its members now.
    pub(super) fn fallback(&mut self, path: &str, v: Option<&Value>) -> Vec<String> {
        let Some(Value::Array(list)) = v else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, r) in list.iter().enumerate() {
            let p = format!("{path}[{i}].query");
            let q = bare(s(r, "query").unwrap_or_default());
            let parts: Vec<&str> = q.trim_matches('/').split('/').collect();
            match parts.as_slice() {
                ["users", id] => {
                    if !self.dir.users.contains_key(*id) {
                        self.issue(p, format!("user \"{id}\" does not exist in the directory"));
                    }
                    out.push(id.to_string());
                }
                ["groups", id, "transitiveMembers"] | ["groups", id, "members"] => {
                    if self.dir.groups.contains_key(*id) {
                        self.issue(p, format!("fallback reviewers are users in Attest: the {} current members of group \"{id}\" were added", self.dir.group_user_ids(id).len()));
                        out.extend(self.dir.group_user_ids(id));
                    } else {
                        self.issue(p, format!("group \"{id}\" does not exist in the directory; no fallback reviewers taken from it"));
                    }
                }
                _ => self.issue(
                    p,
                    format!("Attest does not support the fallback reviewer query \"{q}\""),
                ),
            }
        }
        out
    }
}
