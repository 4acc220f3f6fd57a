//! Export: a definition as the `accessReviewScheduleDefinition` JSON Graph reads.

use super::*;

pub(super) const GUEST_FILTER: &str =
    "/microsoft.graph.user/?$count=true&$filter=(userType eq 'Guest')";

pub(super) fn query(q: String) -> Value {
    json!({ "query": q, "queryType": "MicrosoftGraph" })
}

pub(super) fn duration(days: u32) -> String {
    format!("P{days}D")
}

pub(super) fn resource_path(kind: ResourceKind, id: &str, transitive: bool) -> String {
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

pub(super) fn reviewer_scopes(def: &ReviewDefinition, r: &Reviewers) -> Vec<Value> {
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

pub(super) fn users_scopes(users: &[String]) -> Vec<Value> {
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
