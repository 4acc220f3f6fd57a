//! A review definition as Microsoft Graph `accessReviewScheduleDefinition` JSON, both ways.
//! Export writes what Graph reads; import reads Graph's shapes (query scopes, reviewer
//! queries, `stageSettings` with `dependsOn`, settings, recurrence) and reports anything it
//! cannot represent — a resource or user missing from the directory, a setting Attest does
//! not support — as an issue with its JSON path, never dropping it silently.

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Utc};
use serde_json::{json, Map, Value};

use crate::definition::{
    DeniedGuestAction, Frequency, NoResponse, Outcome, PrincipalScope, ReviewDefinition, Reviewers,
    ScheduleEnd, Scope, StageSettings,
};
use crate::directory::{Directory, GroupKind, Membership, ResourceKind, UserType};

/// Something in the JSON Attest could not take over exactly.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {reason}")]
pub struct GraphIssue {
    /// JSON path, `$.stageSettings[1].reviewers[0].query`.
    pub path: String,
    pub reason: String,
}

/// The definition read from the JSON, and what could not be taken over.
#[derive(Clone, Debug, PartialEq)]
pub struct GraphDefinition {
    pub definition: ReviewDefinition,
    pub issues: Vec<GraphIssue>,
}

const GUEST_FILTER: &str = "/microsoft.graph.user/?$count=true&$filter=(userType eq 'Guest')";

fn query(q: String) -> Value {
    json!({ "query": q, "queryType": "MicrosoftGraph" })
}

fn duration(days: u32) -> String {
    format!("P{days}D")
}

fn resource_path(kind: ResourceKind, id: &str, transitive: bool) -> String {
    match kind {
        ResourceKind::Group if transitive => format!("/groups/{id}/transitiveMembers"),
        ResourceKind::Group => format!("/groups/{id}/members"),
        ResourceKind::Application => format!("/servicePrincipals/{id}/appRoleAssignedTo"),
        ResourceKind::DirectoryRole => format!("/roleManagement/directory/roleDefinitions/{id}"),
        // The documented form also filters by assignmentPolicyId; Attest has no policies.
        ResourceKind::AccessPackage => format!(
            "/identityGovernance/entitlementManagement/accessPackageAssignments?$filter=(accessPackageId eq '{id}')"
        ),
    }
}

fn reviewer_scopes(def: &ReviewDefinition, r: &Reviewers) -> Vec<Value> {
    match r {
        Reviewers::Managers => vec![json!({
            "query": "./manager", "queryType": "MicrosoftGraph", "queryRoot": "decisions"
        })],
        Reviewers::ResourceOwners => {
            let scope = &def.scope;
            match (scope.resource_kind, scope.resources.as_slice()) {
                (ResourceKind::Group, [id]) => vec![query(format!("/groups/{id}/owners"))],
                (ResourceKind::Application, [id]) => {
                    vec![query(format!("/servicePrincipals/{id}/owners"))]
                }
                _ => vec![query("./owners".into())],
            }
        }
        Reviewers::SelectedUsers { users } => {
            users.iter().map(|u| query(format!("/users/{u}"))).collect()
        }
        Reviewers::GroupMembers { group } => {
            vec![query(format!("/groups/{group}/transitiveMembers"))]
        }
        // Graph: no reviewers means users review their own access.
        Reviewers::SelfReview => Vec::new(),
    }
}

fn users_scopes(users: &[String]) -> Vec<Value> {
    users.iter().map(|u| query(format!("/users/{u}"))).collect()
}

/// The definition as Graph `accessReviewScheduleDefinition` JSON.
pub fn export_definition(def: &ReviewDefinition) -> Value {
    let s = &def.scope;
    let guests = s.principals == PrincipalScope::GuestsOnly;
    let mut scope = match (s.resource_kind, s.resources.as_slice()) {
        // "Review all assignment to Entitlement Management access packages" (scopes concept).
        (ResourceKind::AccessPackage, [id]) if !guests => json!({
            "@odata.type": "#microsoft.graph.accessReviewQueryScope",
            "query": resource_path(ResourceKind::AccessPackage, id, false),
            "queryType": "MicrosoftGraph",
        }),
        (ResourceKind::Group, [id]) => {
            let mut q = resource_path(ResourceKind::Group, id, s.transitive);
            if guests {
                q.push_str(GUEST_FILTER);
            }
            json!({ "@odata.type": "#microsoft.graph.accessReviewQueryScope", "query": q, "queryType": "MicrosoftGraph" })
        }
        (kind, resources) => {
            let principal = if guests {
                "/users?$filter=(userType eq 'Guest')".to_string()
            } else {
                "/users".to_string()
            };
            json!({
                "@odata.type": "#microsoft.graph.principalResourceMembershipsScope",
                "principalScopes": [{ "@odata.type": "#microsoft.graph.accessReviewQueryScope", "query": principal, "queryType": "MicrosoftGraph" }],
                "resourceScopes": resources.iter().map(|r| json!({
                    "@odata.type": "#microsoft.graph.accessReviewQueryScope",
                    "query": resource_path(kind, r, s.transitive),
                    "queryType": "MicrosoftGraph",
                })).collect::<Vec<_>>(),
            })
        }
    };
    if let Some(days) = s.inactive_days {
        // Inactivity is a property of the principals: the inactive-users scope.
        let target = match scope.get_mut("principalScopes") {
            Some(Value::Array(p)) => &mut p[0],
            _ => &mut scope,
        };
        target["@odata.type"] = json!("#microsoft.graph.accessReviewInactiveUsersQueryScope");
        target["inactiveDuration"] = json!(duration(days));
    }

    let settings = &def.settings;
    let (default_enabled, default_decision) = match settings.if_no_response {
        NoResponse::NoChange => (false, "None"),
        NoResponse::RemoveAccess => (true, "Deny"),
        NoResponse::ApproveAccess => (true, "Approve"),
        NoResponse::TakeRecommendations => (true, "Recommendation"),
    };
    let apply_actions = match settings.denied_guest_action {
        Some(DeniedGuestAction::BlockThenDelete) => {
            vec![json!({ "@odata.type": "#microsoft.graph.disableAndDeleteUserApplyAction" })]
        }
        Some(DeniedGuestAction::RemoveMembership) => {
            vec![json!({ "@odata.type": "#microsoft.graph.removeAccessApplyAction" })]
        }
        None if guests => Vec::new(),
        None => vec![json!({ "@odata.type": "#microsoft.graph.removeAccessApplyAction" })],
    };
    let rec = &settings.recommendations;
    let mut insights = Vec::new();
    if rec.inactivity {
        insights.push(json!({
            "@odata.type": "#microsoft.graph.userLastSignInRecommendationInsightSetting",
            "recommendationLookBackDuration": duration(rec.look_back_days),
            "signInScope": "tenant",
        }));
    }
    if rec.peer_affiliation {
        insights.push(json!({ "@odata.type": "#microsoft.graph.groupPeerOutlierRecommendationInsightSettings" }));
    }
    // Graph reads no insight settings as its default insights, so "recommendations with no
    // insight" is written as what it amounts to: no recommendations.
    let any_insight = !insights.is_empty();
    let sched = &def.schedule;
    let start = sched
        .start
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let mut range = Map::new();
    match &sched.end {
        ScheduleEnd::Never => {
            range.insert("type".into(), json!("noEnd"));
        }
        ScheduleEnd::OnDate { date } => {
            range.insert("type".into(), json!("endDate"));
            range.insert(
                "endDate".into(),
                json!(date.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)),
            );
        }
        ScheduleEnd::AfterOccurrences { count } => {
            range.insert("type".into(), json!("numbered"));
            range.insert("numberOfOccurrences".into(), json!(count));
        }
    }
    range.insert("startDate".into(), json!(start));
    let pattern = match sched.frequency {
        Frequency::OneTime => None,
        Frequency::Weekly => Some(("weekly", 1)),
        Frequency::Monthly => Some(("absoluteMonthly", 1)),
        Frequency::Quarterly => Some(("absoluteMonthly", 3)),
        Frequency::SemiAnnually => Some(("absoluteMonthly", 6)),
        Frequency::Annually => Some(("absoluteMonthly", 12)),
    };
    let mut recurrence = Map::new();
    if let Some((kind, interval)) = pattern {
        recurrence.insert(
            "pattern".into(),
            json!({ "type": kind, "interval": interval }),
        );
    }
    recurrence.insert("range".into(), Value::Object(range));

    let first = &def.stages.first();
    let mut out = json!({
        "id": def.id,
        "displayName": def.name,
        "descriptionForAdmins": def.description_for_admins,
        "descriptionForReviewers": def.description_for_reviewers,
        "scope": scope,
        "settings": {
            "mailNotificationsEnabled": true,
            "reminderNotificationsEnabled": settings.reminders,
            "justificationRequiredOnApproval": settings.justification_required,
            "defaultDecisionEnabled": default_enabled,
            "defaultDecision": default_decision,
            "instanceDurationInDays": def.duration_days(),
            "autoApplyDecisionsEnabled": settings.auto_apply,
            "recommendationsEnabled": any_insight && def.stages.iter().any(|s| s.recommendations),
            "recommendationLookBackDuration": duration(rec.look_back_days),
            "recommendationInsightSettings": insights,
            "decisionHistoriesForReviewersEnabled": def.show_previous_decisions,
            "applyActions": apply_actions,
            "recurrence": recurrence,
        },
    });
    if def.is_multi_stage() {
        let last = def.stages.len() - 1;
        let stages: Vec<Value> = def
            .stages
            .iter()
            .enumerate()
            .map(|(i, st)| {
                let mut v = json!({
                    "stageId": (i + 1).to_string(),
                    "durationInDays": st.duration_days,
                    "recommendationsEnabled": any_insight && st.recommendations,
                    "reviewers": reviewer_scopes(def, &st.reviewers),
                    "fallbackReviewers": users_scopes(&st.fallback_reviewers),
                });
                if i > 0 {
                    v["dependsOn"] = json!([i.to_string()]);
                }
                if i < last {
                    v["decisionsThatWillMoveToNextStage"] = json!(def
                        .decisions_to_next_stage
                        .iter()
                        .map(|o| o.graph_value())
                        .collect::<Vec<_>>());
                }
                v
            })
            .collect();
        out["stageSettings"] = json!(stages);
    } else if let Some(st) = first {
        out["reviewers"] = json!(reviewer_scopes(def, &st.reviewers));
        out["fallbackReviewers"] = json!(users_scopes(&st.fallback_reviewers));
        out["settings"]["recommendationsEnabled"] = json!(any_insight && st.recommendations);
    }
    out
}

/// Reads Graph JSON into a definition. `id` and `start` are used when the JSON has none.
/// Err only when the text is not a JSON object; everything else becomes an issue.
pub fn import_definition(
    text: &str,
    dir: &Directory,
    id: &str,
    start: DateTime<Utc>,
) -> Result<GraphDefinition, GraphIssue> {
    let root: Value = serde_json::from_str(text).map_err(|e| GraphIssue {
        path: format!("line {} column {}", e.line(), e.column()),
        reason: format!("not valid JSON: {e}"),
    })?;
    // "Get accessReviewScheduleDefinition" shows the definition inside "value".
    let root = match root {
        Value::Object(mut o) if o.len() == 1 && o.get("value").is_some_and(Value::is_object) => {
            o.remove("value").unwrap_or_default()
        }
        other => other,
    };
    let Value::Object(obj) = &root else {
        return Err(GraphIssue {
            path: "$".into(),
            reason: "expected an accessReviewScheduleDefinition object".into(),
        });
    };
    let mut r = Reader {
        dir,
        issues: Vec::new(),
        no_instance_duration: false,
    };
    Ok(r.definition(obj, id, start)).map(|definition| GraphDefinition {
        definition,
        issues: r.issues,
    })
}

struct Reader<'a> {
    dir: &'a Directory,
    issues: Vec<GraphIssue>,
    /// The JSON gives no instanceDurationInDays (or 0): a one-time end date sets it.
    no_instance_duration: bool,
}

fn s<'v>(v: &'v Value, key: &str) -> Option<&'v str> {
    v.get(key).and_then(Value::as_str)
}

/// Strips `https://graph.microsoft.com`, `/v1.0` or `/beta` from a query.
fn bare(q: &str) -> &str {
    let q = q.strip_prefix("https://graph.microsoft.com").unwrap_or(q);
    q.strip_prefix("/v1.0")
        .or_else(|| q.strip_prefix("/beta"))
        .unwrap_or(q)
}

/// A Graph query split into its path and the `$filter`, `$count`, `$expand` parts reviews use.
struct Query<'q> {
    path: &'q str,
    filter: Clauses,
    /// Query options other than `$filter`, `$count=true` and `$expand=principal`.
    other: Vec<String>,
}

/// The clauses of a `$filter` joined by `and`, as written (`userType eq 'Guest'`).
#[derive(Clone, Default)]
struct Clauses(Vec<String>);

impl Clauses {
    fn parse(filter: &str) -> Clauses {
        // Graph accepts `+` for a space in a query, as its own examples write it.
        let f = filter.replace('+', " ");
        let mut f = f.trim();
        while let Some(inner) = f.strip_prefix('(').and_then(|x| x.strip_suffix(')')) {
            if inner.contains(['(', ')']) && !balanced(inner) {
                break;
            }
            f = inner.trim();
        }
        Clauses(
            f.split(" and ")
                .map(|c| c.trim().trim_matches(['(', ')']).trim().to_string())
                .filter(|c| !c.is_empty())
                .map(|c| {
                    if c.starts_with("isof") {
                        format!("{c})")
                    } else {
                        c
                    }
                })
                .collect(),
        )
    }

    /// Removes `name eq 'value'` and returns the value.
    fn take_eq(&mut self, name: &str) -> Option<String> {
        let i = self.0.iter().position(|c| {
            c.split_once(" eq ")
                .is_some_and(|(n, _)| n.trim().eq_ignore_ascii_case(name))
        })?;
        let c = self.0.remove(i);
        let (_, v) = c.split_once(" eq ")?;
        Some(v.trim().trim_matches('\'').to_string())
    }

    /// Removes `isof(principal,'type')` and returns the type.
    fn take_isof(&mut self) -> Option<String> {
        let i = self.0.iter().position(|c| c.starts_with("isof("))?;
        let c = self.0.remove(i);
        let (_, t) = c.split_once(',')?;
        Some(
            t.trim()
                .trim_end_matches(')')
                .trim_matches('\'')
                .to_string(),
        )
    }
}

fn balanced(s: &str) -> bool {
    let mut depth = 0i32;
    for ch in s.chars() {
        match ch {
            '(' => depth += 1,
            ')' => depth -= 1,
            _ => {}
        }
        if depth < 0 {
            return false;
        }
    }
    depth == 0
}

impl<'q> Query<'q> {
    fn parse(q: &'q str) -> Query<'q> {
        let (path, options) = q.split_once('?').unwrap_or((q, ""));
        let mut filter = Clauses::default();
        let mut other = Vec::new();
        for opt in options.split('&').filter(|o| !o.is_empty()) {
            match opt.split_once('=') {
                Some(("$filter", f)) => filter = Clauses::parse(f),
                Some(("$count", "true")) | Some(("$expand", "principal")) => {}
                _ => other.push(opt.to_string()),
            }
        }
        Query {
            path,
            filter,
            other,
        }
    }

    /// The path's segments, without the cast to users (`/microsoft.graph.user`): Attest
    /// reviews users' access either way.
    fn segments(&self) -> Vec<&'q str> {
        let mut segs: Vec<&str> = self
            .path
            .trim_start_matches('/')
            .split('/')
            .filter(|s| !s.is_empty())
            .collect();
        if segs.last() == Some(&"microsoft.graph.user") {
            segs.pop();
        }
        segs
    }
}

/// "P30D" → 30; also weeks ("P2W").
fn parse_days(d: &str) -> Option<u32> {
    let rest = d.strip_prefix('P')?;
    if let Some(n) = rest.strip_suffix('D') {
        return n.parse().ok();
    }
    if let Some(n) = rest.strip_suffix('W') {
        return n.parse::<u32>().ok().map(|w| w * 7);
    }
    None
}

fn parse_datetime(v: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(v)
        .map(|d| d.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            NaiveDate::parse_from_str(v, "%Y-%m-%d")
                .ok()
                .map(|d| d.and_time(NaiveTime::MIN).and_utc())
        })
}

impl Reader<'_> {
    fn issue(&mut self, path: impl Into<String>, reason: impl Into<String>) {
        self.issues.push(GraphIssue {
            path: path.into(),
            reason: reason.into(),
        });
    }

    fn definition(
        &mut self,
        obj: &Map<String, Value>,
        id: &str,
        start: DateTime<Utc>,
    ) -> ReviewDefinition {
        const KNOWN: &[&str] = &[
            "@odata.context",
            "@odata.type",
            "id",
            "displayName",
            "descriptionForAdmins",
            "descriptionForReviewers",
            "scope",
            "instanceEnumerationScope",
            "reviewers",
            "fallbackReviewers",
            "backupReviewers",
            "stageSettings",
            "settings",
            "createdDateTime",
            "lastModifiedDateTime",
            "createdBy",
            "status",
            "instances",
        ];
        for (k, v) in obj {
            // Graph answers every read with empty lists for what is not set.
            let empty = v.is_null() || v.as_array().is_some_and(Vec::is_empty);
            if !KNOWN.contains(&k.as_str()) && !empty {
                self.issue(format!("$.{k}"), "not supported by Attest; ignored");
            }
        }
        let root = Value::Object(obj.clone());
        let settings_v = root.get("settings").cloned().unwrap_or(Value::Null);
        self.no_instance_duration = settings_v
            .get("instanceDurationInDays")
            .and_then(Value::as_u64)
            .unwrap_or(0)
            == 0;
        let scope = self.scope(&root);
        let mut def = crate::templates::blank(s(&root, "id").unwrap_or(id), start);
        def.name = s(&root, "displayName").unwrap_or_default().to_string();
        def.description_for_admins = s(&root, "descriptionForAdmins")
            .unwrap_or_default()
            .to_string();
        def.description_for_reviewers = s(&root, "descriptionForReviewers")
            .unwrap_or_default()
            .to_string();
        def.scope = scope;
        def.stages = Vec::new();
        self.stages(&root, &settings_v, &mut def);
        self.settings(&settings_v, &mut def);
        def
    }

    /// Resolves one resource query to (kind, id, transitive, guests) when it names one. Every
    /// documented form is read: a cast to `microsoft.graph.user`, the guest filter with or
    /// without `$count=true`, access package assignments filtered by package, and PIM
    /// schedule instances filtered by role; any part Attest cannot keep is reported.
    fn resource(&mut self, path: &str, q: &str) -> Option<(ResourceKind, String, bool, bool)> {
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
                        format!(
                            "{} \"{id}\" does not exist in the directory",
                            kind_noun(kind)
                        ),
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

    fn scope(&mut self, root: &Value) -> Scope {
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
                                kind_noun(kind),
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
    fn m365_groups(&self, principals: PrincipalScope, transitive: bool) -> Vec<String> {
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

    fn reviewers(&mut self, path: &str, v: Option<&Value>, def: &ReviewDefinition) -> Reviewers {
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
    fn fallback(&mut self, path: &str, v: Option<&Value>) -> Vec<String> {
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

    fn outcomes(&mut self, path: &str, v: &Value) -> Vec<Outcome> {
        let mut out = Vec::new();
        if let Value::Array(list) = v {
            for (i, o) in list.iter().enumerate() {
                match o.as_str().and_then(|x| Outcome::ALL.into_iter().find(|a| a.graph_value() == x)) {
                    Some(o) if !out.contains(&o) => out.push(o),
                    Some(_) => {}
                    None => self.issue(format!("{path}[{i}]"), format!("{o} is not a decision Attest moves on (Approve, Deny, NotReviewed, DontKnow)")),
                }
            }
        }
        // The order "Reviewees going to the next stage" lists them in.
        Outcome::ALL
            .into_iter()
            .filter(|o| out.contains(o))
            .collect()
    }

    fn stages(&mut self, root: &Value, settings: &Value, def: &mut ReviewDefinition) {
        let stage_list = match root.get("stageSettings") {
            Some(Value::Array(l)) if !l.is_empty() => l.clone(),
            _ => Vec::new(),
        };
        let look_back = def.settings.recommendations.look_back_days;
        if stage_list.is_empty() {
            let reviewers = self.reviewers("$.reviewers", root.get("reviewers"), def);
            let fallback_key = if root.get("fallbackReviewers").is_some() {
                "fallbackReviewers"
            } else {
                "backupReviewers"
            };
            // backupReviewers is the older name of the same list; Graph's examples send both.
            if let (Some(b), Some(f)) = (root.get("backupReviewers"), root.get("fallbackReviewers"))
            {
                let nonempty = b.as_array().is_some_and(|l| !l.is_empty());
                if nonempty && b != f {
                    self.issue(
                        "$.backupReviewers",
                        "differs from fallbackReviewers, which Attest uses; ignored",
                    );
                }
            }
            let fallback_reviewers =
                self.fallback(&format!("$.{fallback_key}"), root.get(fallback_key));
            let duration_days = settings
                .get("instanceDurationInDays")
                .and_then(Value::as_u64)
                .unwrap_or(7) as u32;
            let recommendations = settings
                .get("recommendationsEnabled")
                .and_then(Value::as_bool)
                .unwrap_or(true);
            def.stages.push(StageSettings {
                reviewers,
                fallback_reviewers,
                duration_days,
                recommendations,
            });
            let _ = look_back;
            return;
        }
        for (i, st) in stage_list.iter().enumerate() {
            let path = format!("$.stageSettings[{i}]");
            const STAGE_KNOWN: &[&str] = &[
                "stageId",
                "dependsOn",
                "durationInDays",
                "recommendationsEnabled",
                "recommendationLookBackDuration",
                "decisionsThatWillMoveToNextStage",
                "reviewers",
                "fallbackReviewers",
            ];
            for (k, v) in st.as_object().into_iter().flatten() {
                let empty = v.is_null() || v.as_array().is_some_and(Vec::is_empty);
                if !STAGE_KNOWN.contains(&k.as_str()) && !empty {
                    self.issue(
                        format!("{path}.{k}"),
                        "not supported by Attest for one stage; the review's settings apply",
                    );
                }
            }
            let want_id = (i + 1).to_string();
            if s(st, "stageId") != Some(want_id.as_str()) {
                self.issue(
                    format!("{path}.stageId"),
                    format!("stages are read in order; expected stageId \"{want_id}\""),
                );
            }
            let depends: Vec<&str> = st
                .get("dependsOn")
                .and_then(Value::as_array)
                .map(|d| d.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let expected: Vec<String> = if i == 0 {
                Vec::new()
            } else {
                vec![i.to_string()]
            };
            if depends != expected.iter().map(String::as_str).collect::<Vec<_>>() {
                self.issue(
                    format!("{path}.dependsOn"),
                    "Attest runs stages one after another: each stage depends on the one before",
                );
            }
            let reviewers = self.reviewers(&format!("{path}.reviewers"), st.get("reviewers"), def);
            let fallback_reviewers = self.fallback(
                &format!("{path}.fallbackReviewers"),
                st.get("fallbackReviewers"),
            );
            let duration_days = match st.get("durationInDays").and_then(Value::as_u64) {
                Some(d) => d as u32,
                None => {
                    self.issue(
                        format!("{path}.durationInDays"),
                        "missing: how many days the stage lasts",
                    );
                    0
                }
            };
            let recommendations = st
                .get("recommendationsEnabled")
                .and_then(Value::as_bool)
                .unwrap_or(true);
            if let Some(d) = s(st, "recommendationLookBackDuration") {
                if parse_days(d) != Some(look_back)
                    && s(settings, "recommendationLookBackDuration").is_none()
                {
                    if let Some(days) = parse_days(d) {
                        def.settings.recommendations.look_back_days = days;
                    }
                }
            }
            if i + 1 < stage_list.len() {
                let moved = match st.get("decisionsThatWillMoveToNextStage") {
                    Some(v) => {
                        self.outcomes(&format!("{path}.decisionsThatWillMoveToNextStage"), v)
                    }
                    None => Outcome::ALL.to_vec(),
                };
                let moved_sorted = moved;
                if i == 0 {
                    def.decisions_to_next_stage = moved_sorted;
                } else if moved_sorted != def.decisions_to_next_stage {
                    self.issue(format!("{path}.decisionsThatWillMoveToNextStage"), "Attest moves the same decisions on after every stage; stage 1's choice is used");
                }
            }
            def.stages.push(StageSettings {
                reviewers,
                fallback_reviewers,
                duration_days,
                recommendations,
            });
        }
        // instanceDurationInDays is the whole review; a multi-stage one lasts its stages.
        if let Some(total) = settings
            .get("instanceDurationInDays")
            .and_then(Value::as_u64)
        {
            let sum: u64 = def.stages.iter().map(|s| u64::from(s.duration_days)).sum();
            if total != 0 && total != sum {
                self.issue("$.settings.instanceDurationInDays", format!("a multi-stage review lasts as long as its stages together ({sum} days), not {total}"));
            }
        }
        if def.stages.len() > 3 {
            self.issue("$.stageSettings", "a review has at most three stages");
        }
    }

    fn settings(&mut self, v: &Value, def: &mut ReviewDefinition) {
        let Value::Object(obj) = v else {
            return;
        };
        const KNOWN: &[&str] = &[
            "mailNotificationsEnabled",
            "reminderNotificationsEnabled",
            "justificationRequiredOnApproval",
            "defaultDecisionEnabled",
            "defaultDecision",
            "instanceDurationInDays",
            "autoApplyDecisionsEnabled",
            "recommendationsEnabled",
            "recommendationLookBackDuration",
            "recommendationInsightSettings",
            "decisionHistoriesForReviewersEnabled",
            "applyActions",
            "recurrence",
        ];
        for (k, val) in obj {
            let off = val.is_null()
                || val == &Value::Bool(false)
                || val.as_array().is_some_and(Vec::is_empty);
            if !KNOWN.contains(&k.as_str()) && !off {
                self.issue(
                    format!("$.settings.{k}"),
                    "not supported by Attest; ignored",
                );
            }
        }
        let b = |k: &str| v.get(k).and_then(Value::as_bool);
        if b("mailNotificationsEnabled") == Some(false) {
            self.issue(
                "$.settings.mailNotificationsEnabled",
                "Attest always notifies reviewers when their stage starts",
            );
        }
        let st = &mut def.settings;
        // Graph's default is no reminders.
        st.reminders = b("reminderNotificationsEnabled").unwrap_or(false);
        st.justification_required = b("justificationRequiredOnApproval").unwrap_or(false);
        st.auto_apply = b("autoApplyDecisionsEnabled").unwrap_or(false);
        if b("defaultDecisionEnabled").unwrap_or(false) {
            st.if_no_response = match s(v, "defaultDecision") {
                Some("Deny") => NoResponse::RemoveAccess,
                Some("Approve") => NoResponse::ApproveAccess,
                Some("Recommendation") => NoResponse::TakeRecommendations,
                Some("None") | None => NoResponse::NoChange,
                Some(other) => {
                    self.issue(
                        "$.settings.defaultDecision",
                        format!("\"{other}\" is not Approve, Deny, Recommendation or None"),
                    );
                    NoResponse::NoChange
                }
            };
        }
        let multi = def.stages.len() > 1;
        let history = b("decisionHistoriesForReviewersEnabled").unwrap_or(false);
        if history && !multi {
            self.issue(
                "$.settings.decisionHistoriesForReviewersEnabled",
                "showing previous stage decisions only applies to multi-stage reviews; ignored",
            );
        }
        def.show_previous_decisions = history && multi;
        if let Some(d) = s(v, "recommendationLookBackDuration") {
            match parse_days(d) {
                Some(days) => def.settings.recommendations.look_back_days = days,
                None => self.issue(
                    "$.settings.recommendationLookBackDuration",
                    format!("\"{d}\" is not a duration in days (P30D)"),
                ),
            }
        }
        // An empty list (in every Graph response) means Entra's default insights: keep them.
        if let Some(Value::Array(list)) = v
            .get("recommendationInsightSettings")
            .filter(|l| l.as_array().is_some_and(|l| !l.is_empty()))
        {
            let rec = &mut def.settings.recommendations;
            rec.inactivity = false;
            rec.peer_affiliation = false;
            for (i, ins) in list.iter().enumerate() {
                match s(ins, "@odata.type")
                    .unwrap_or_default()
                    .trim_start_matches('#')
                {
                    "microsoft.graph.userLastSignInRecommendationInsightSetting" => {
                        rec.inactivity = true;
                        if let Some(days) =
                            s(ins, "recommendationLookBackDuration").and_then(parse_days)
                        {
                            rec.look_back_days = days;
                        }
                    }
                    "microsoft.graph.groupPeerOutlierRecommendationInsightSettings" => {
                        rec.peer_affiliation = true
                    }
                    other => self.issue(
                        format!("$.settings.recommendationInsightSettings[{i}]"),
                        format!("Attest does not know the insight \"{other}\""),
                    ),
                }
            }
        }
        let guests = def.scope.principals == PrincipalScope::GuestsOnly;
        if let Some(Value::Array(actions)) = v.get("applyActions") {
            for (i, a) in actions.iter().enumerate() {
                let path = format!("$.settings.applyActions[{i}]");
                match s(a, "@odata.type")
                    .unwrap_or_default()
                    .trim_start_matches('#')
                {
                    "microsoft.graph.removeAccessApplyAction" => {
                        if guests {
                            def.settings.denied_guest_action =
                                Some(DeniedGuestAction::RemoveMembership);
                        }
                    }
                    "microsoft.graph.disableAndDeleteUserApplyAction" => {
                        if guests {
                            def.settings.denied_guest_action =
                                Some(DeniedGuestAction::BlockThenDelete);
                        } else {
                            self.issue(path, "blocking and deleting denied users is only available when the scope is guest users only; ignored");
                        }
                    }
                    other => self.issue(
                        path,
                        format!("Attest does not support the apply action \"{other}\""),
                    ),
                }
            }
        }
        if let Some(rec) = v.get("recurrence") {
            self.recurrence(rec, def);
        }
    }

    fn recurrence(&mut self, v: &Value, def: &mut ReviewDefinition) {
        const AT: &str = "$.settings.recurrence";
        if let Value::Object(o) = v {
            for (k, val) in o {
                if !["pattern", "range"].contains(&k.as_str()) && !val.is_null() {
                    self.issue(format!("{AT}.{k}"), "not supported by Attest; ignored");
                }
            }
        }
        let range = v.get("range").filter(|r| r.is_object());
        // The start first: a pattern's day of month or weekday moves it.
        if let Some(sd) = range.and_then(|r| s(r, "startDate")) {
            match parse_datetime(sd) {
                Some(at) => def.schedule.start = at,
                None => self.issue(
                    format!("{AT}.range.startDate"),
                    format!("\"{sd}\" is not a date"),
                ),
            }
        }
        if let Some(p) = v.get("pattern").filter(|p| !p.is_null()) {
            self.pattern(p, def);
        }
        let Some(range) = range else {
            return;
        };
        let rp = format!("{AT}.range");
        for (k, val) in range.as_object().into_iter().flatten() {
            let known = ["type", "startDate", "endDate", "numberOfOccurrences"];
            if k == "recurrenceTimeZone" && !val.is_null() {
                self.issue(
                    format!("{rp}.{k}"),
                    "Attest keeps times in UTC; the time zone is not used",
                );
            } else if !known.contains(&k.as_str()) && k != "recurrenceTimeZone" && !val.is_null() {
                self.issue(format!("{rp}.{k}"), "not supported by Attest; ignored");
            }
        }
        // Graph writes 9999-12-31 (or null, or even "null") for a series without an end.
        let end = match range.get("endDate") {
            None | Some(Value::Null) => None,
            Some(Value::String(e)) if e == "null" || e.is_empty() => None,
            Some(e) => match e.as_str().and_then(parse_datetime) {
                Some(d) if d.year() >= 9999 => None,
                Some(d) => Some(d),
                None => {
                    self.issue(
                        format!("{rp}.endDate"),
                        format!("{e} is not a date; ignored"),
                    );
                    None
                }
            },
        };
        let count = range
            .get("numberOfOccurrences")
            .and_then(Value::as_u64)
            .unwrap_or(0) as u32;
        let kind = s(range, "type");
        let sched = &mut def.schedule;
        if sched.frequency == Frequency::OneTime {
            sched.end = ScheduleEnd::Never;
            if count > 1 {
                self.issue(
                    format!("{rp}.numberOfOccurrences"),
                    "a review without a repeat pattern runs once",
                );
            }
            if let Some(end) = end {
                self.one_time_end(end, def);
            }
            return;
        }
        sched.end = match kind {
            Some("noEnd") => {
                if end.is_some() {
                    self.issue(
                        format!("{rp}.endDate"),
                        "the range has no end (type noEnd); the end date is not used",
                    );
                }
                ScheduleEnd::Never
            }
            Some("endDate") => match end {
                Some(date) => ScheduleEnd::OnDate { date },
                None => {
                    self.issue(
                        format!("{rp}.endDate"),
                        "missing or not a date: the series has no end",
                    );
                    ScheduleEnd::Never
                }
            },
            // numbered, or no type: a count when there is one, else the end date.
            Some("numbered") | None => match (count, end) {
                (0, Some(date)) => ScheduleEnd::OnDate { date },
                (0, None) => ScheduleEnd::Never,
                (n, end) => {
                    if end.is_some() {
                        self.issue(format!("{rp}.endDate"), format!("Attest ends the series after {n} occurrences; the end date is not used"));
                    }
                    ScheduleEnd::AfterOccurrences { count: n }
                }
            },
            Some(other) => {
                self.issue(
                    format!("{rp}.type"),
                    format!("\"{other}\" is not noEnd, endDate or numbered: the series has no end"),
                );
                ScheduleEnd::Never
            }
        };
        if count > 0 && kind != Some("numbered") && kind.is_some() {
            self.issue(
                format!("{rp}.numberOfOccurrences"),
                format!(
                    "the range is of type {}; the count is not used",
                    kind.unwrap_or_default()
                ),
            );
        }
    }

    /// A one-time review's end date is the end of the review: it sets a single stage's
    /// length when the JSON gives none, and must agree with the length otherwise.
    fn one_time_end(&mut self, end: DateTime<Utc>, def: &mut ReviewDefinition) {
        let start = def.schedule.start;
        let secs = (end - start).num_seconds();
        let days = u32::try_from((secs + 86_399) / 86_400).unwrap_or(0);
        let path = "$.settings.recurrence.range.endDate";
        if days == 0 {
            self.issue(path, "the end date is not after the start date; not used");
            return;
        }
        if def.duration_days() == days {
            return;
        }
        match def.stages.as_mut_slice() {
            [only] if only.duration_days == 0 || self.no_instance_duration => only.duration_days = days,
            _ => self.issue(path, format!("the review lasts {} days as its duration says, so it ends {}, not on this date", def.duration_days(), (start + chrono::Duration::days(i64::from(def.duration_days()))).format("%Y-%m-%d"))),
        }
    }

    /// Reads `pattern`: the frequency, and the day of month or weekday, which moves the start
    /// forward as Entra does; what Attest cannot repeat by is reported.
    fn pattern(&mut self, p: &Value, def: &mut ReviewDefinition) {
        let at = "$.settings.recurrence.pattern";
        let kind = s(p, "type").unwrap_or_default();
        let interval = p.get("interval").and_then(Value::as_u64).unwrap_or(1);
        let sched = &mut def.schedule;
        sched.frequency = match (kind, interval) {
            ("weekly", 1) => Frequency::Weekly,
            ("absoluteMonthly" | "relativeMonthly", 1) => Frequency::Monthly,
            ("absoluteMonthly" | "relativeMonthly", 3) => Frequency::Quarterly,
            ("absoluteMonthly" | "relativeMonthly", 6) => Frequency::SemiAnnually,
            ("absoluteMonthly" | "relativeMonthly", 12)
            | ("absoluteYearly" | "relativeYearly", 1) => Frequency::Annually,
            _ => {
                self.issue(at, format!("Attest repeats weekly, monthly, quarterly, semi-annually or annually; \"{kind}\" every {interval} is none of these, so the review runs once"));
                Frequency::OneTime
            }
        };
        if sched.frequency == Frequency::OneTime {
            return;
        }
        if kind.starts_with("relative") {
            self.issue(format!("{at}.type"), format!("Attest repeats on the start date's day, not on a weekday of the month ({kind}); the review repeats from the start date"));
        }
        let day = p.get("dayOfMonth").and_then(Value::as_u64).unwrap_or(0) as u32;
        if kind.starts_with("absolute") && day != 0 {
            match next_day_of_month(sched.start, day) {
                Some(at) => sched.start = at,
                None => self.issue(
                    format!("{at}.dayOfMonth"),
                    format!("{day} is not a day of the month; ignored"),
                ),
            }
        }
        let month = p.get("month").and_then(Value::as_u64).unwrap_or(0) as u32;
        if kind == "absoluteYearly" && month != 0 && month != sched.start.month() {
            self.issue(format!("{at}.month"), format!("Attest repeats a yearly review in the start date's month ({}); month {month} is not used", sched.start.month()));
        }
        let days: Vec<&str> = p
            .get("daysOfWeek")
            .and_then(Value::as_array)
            .map(|d| d.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if kind == "weekly" {
            match days.as_slice() {
                [] => {}
                [one] => match weekday(one) {
                    Some(wd) => {
                        while sched.start.weekday() != wd {
                            sched.start += chrono::Duration::days(1);
                        }
                    }
                    None => self.issue(format!("{at}.daysOfWeek[0]"), format!("\"{one}\" is not a weekday; ignored")),
                },
                _ => self.issue(format!("{at}.daysOfWeek"), "Attest repeats once a week, on the start date's weekday; only the first day is used"),
            }
        }
    }
}

fn weekday(name: &str) -> Option<chrono::Weekday> {
    name.parse::<chrono::Weekday>().ok()
}

/// The first date on or after `from` that falls on day `day` of its month, same time of day.
fn next_day_of_month(from: DateTime<Utc>, day: u32) -> Option<DateTime<Utc>> {
    if !(1..=31).contains(&day) {
        return None;
    }
    let mut month_start = from.date_naive().with_day(1)?;
    for _ in 0..13 {
        if let Some(d) = month_start.with_day(day) {
            let at = d.and_time(from.time()).and_utc();
            if at >= from {
                return Some(at);
            }
        }
        month_start = month_start.checked_add_months(chrono::Months::new(1))?;
    }
    None
}

/// `/groups?$filter=(groupTypes/any(c:c eq 'Unified'))`, with or without `$count=true`:
/// every Microsoft 365 group (scopes concept, "all Microsoft 365 groups").
fn is_all_m365_groups(q: &str) -> bool {
    let pq = Query::parse(q);
    pq.segments() == ["groups"]
        && pq.other.is_empty()
        && pq.filter.0 == ["groupTypes/any(c:c eq 'Unified'"]
}

fn kind_noun(kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::Group => "group",
        ResourceKind::Application => "application",
        ResourceKind::DirectoryRole => "directory role",
        ResourceKind::AccessPackage => "access package",
    }
}
