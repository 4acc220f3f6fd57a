//! An instance's results: the CSV named like Entra's results download, and JSON with Graph
//! `accessReviewInstanceDecisionItem` field names.

use super::*;

pub(super) fn recommendation_value(r: Option<&Recommendation>) -> &'static str {
    match r.map(|r| r.decision) {
        Some(Decision::Approve) => "Approve",
        Some(Decision::Deny) => "Deny",
        _ => "NoInfoAvailable",
    }
}

pub(super) fn applied_by(state: &State, inst: &Instance) -> (String, String) {
    match &inst.applied {
        Some(a) => (actor_name(state, &a.by), timestamp(a.at)),
        None => (String::new(), String::new()),
    }
}

/// Columns of the results download before the per-stage ones.
pub(super) const RESULT_LEAD: [&str; 11] = [
    "ReviewId",
    "ReviewName",
    "AccessReviewInstanceId",
    "ResourceType",
    "ResourceId",
    "ResourceDisplayName",
    "PrincipalId",
    "PrincipalDisplayName",
    "PrincipalUserPrincipalName",
    "PrincipalType",
    "AccessType",
];
/// Per stage `n`: `Stage{n}` followed by these.
pub(super) const RESULT_STAGE: [&str; 5] = [
    "Decision",
    "ReviewedBy",
    "ReviewedByUserPrincipalName",
    "ReviewedDateTime",
    "Justification",
];
pub(super) const RESULT_TAIL: [&str; 8] = [
    "Decision",
    "DecisionSource",
    "Recommendation",
    "RecommendationReason",
    "ApplyResult",
    "ApplyDescription",
    "AppliedBy",
    "AppliedDateTime",
];

/// The header of an instance's results CSV with `stages` stages.
pub fn results_header(stages: usize) -> Vec<String> {
    let mut h: Vec<String> = RESULT_LEAD.iter().map(|s| s.to_string()).collect();
    for n in 1..=stages {
        h.extend(RESULT_STAGE.iter().map(|c| format!("Stage{n}{c}")));
    }
    h.extend(RESULT_TAIL.iter().map(|s| s.to_string()));
    h
}

/// Graph `applyResult`: `New` until results are applied.
pub(super) fn apply_result_value(row: &ResultRow) -> &'static str {
    if row.applied {
        row.apply_result.graph_value()
    } else {
        "New"
    }
}

/// The results of an instance as UTF-8 CSV with BOM, RFC 4180 quoting, CRLF line breaks:
/// one line per reviewee with every stage's decision (administrators see all stages), the
/// final outcome and the apply result (`New` with the preview's description before apply).
pub fn results_csv(state: &State, inst: &Instance, now: DateTime<Utc>) -> String {
    let def = state.definition_of(inst);
    let dir = &state.directory;
    let stages = def.stages.len();
    let (by, applied_at) = applied_by(state, inst);
    let mut out = String::from(BOM);
    out.push_str(&csv_line(&results_header(stages)));
    out.push_str(CRLF);
    for row in results(state, inst, now) {
        let item = &inst.items[row.item as usize];
        let mut f = vec![
            def.id.clone(),
            def.name.clone(),
            inst.id.clone(),
            inst.resource.kind.graph_type().to_string(),
            inst.resource.id.clone(),
            inst.resource.name.clone(),
            row.user.clone(),
            row.user_name.clone(),
            row.user_principal_name.clone(),
            match row.user_type {
                UserType::Member => "Member".into(),
                UserType::Guest => "Guest".into(),
            },
            access_text(dir, &row.access),
        ];
        for s in 0..stages {
            match row.stages.get(s).and_then(|st| st.decision.as_ref()) {
                Some(d) => f.extend([
                    d.decision.outcome().graph_value().to_string(),
                    person_name(state, &d.reviewer),
                    person_upn(state, &d.reviewer),
                    timestamp(d.at),
                    d.justification.clone(),
                ]),
                None if s < row.stages.len() => {
                    f.extend(["NotReviewed".to_string()]);
                    f.extend(std::iter::repeat_n(String::new(), 4));
                }
                None => f.extend(std::iter::repeat_n(String::new(), 5)),
            }
        }
        f.extend([
            row.outcome.graph_value().to_string(),
            match row.outcome_source {
                OutcomeSource::Reviewer => "Reviewer".into(),
                OutcomeSource::NoResponse => "IfReviewersDontRespond".into(),
            },
            recommendation_value(item.recommendation.as_ref()).to_string(),
            item.recommendation
                .as_ref()
                .map(|r| r.text())
                .unwrap_or_default(),
            apply_result_value(&row).to_string(),
            apply_description(dir, &row.apply_result, row.applied),
            if row.applied {
                by.clone()
            } else {
                String::new()
            },
            if row.applied {
                applied_at.clone()
            } else {
                String::new()
            },
        ]);
        let f: Vec<String> = f.iter().map(|s| cell(s)).collect();
        out.push_str(&csv_line(&f));
        out.push_str(CRLF);
    }
    out
}

pub(super) fn user_identity(state: &State, id: &str) -> Value {
    json!({
        "@odata.type": "#microsoft.graph.userIdentity",
        "id": id,
        "displayName": person_name(state, id),
        "userPrincipalName": person_upn(state, id),
    })
}

/// The results of an instance as Graph `accessReviewInstanceDecisionItem`s (`{"value": [...]}`):
/// `decision` is the last decision recorded (Approve / Deny / DontKnow / NotReviewed),
/// `applyResult` one of New / AppliedSuccessfully / AppliedWithUnknownFailure /
/// AppliedSuccessfullyButObjectNotFound / ApplyNotSupported. The item is an open type; the
/// per-stage decisions and the final outcome ride along as extra properties.
pub fn results_json(state: &State, inst: &Instance, now: DateTime<Utc>) -> Value {
    let def = state.definition_of(inst);
    let dir = &state.directory;
    let items: Vec<Value> = results(state, inst, now)
        .into_iter()
        .map(|row| {
            let item = &inst.items[row.item as usize];
            let last = inst.standing(item);
            let applied = inst.applied.as_ref().filter(|_| row.applied);
            json!({
                "id": format!("{}:{}", inst.id, row.item),
                "accessReviewId": inst.id,
                "decision": last.map_or("NotReviewed", |d| d.decision.outcome().graph_value()),
                "justification": last.map_or("", |d| d.justification.as_str()),
                "reviewedBy": last.map_or(Value::Null, |d| user_identity(state, &d.reviewer)),
                "reviewedDateTime": last.map_or(Value::Null, |d| json!(timestamp(d.at))),
                "recommendation": recommendation_value(item.recommendation.as_ref()),
                "applyResult": apply_result_value(&row),
                "applyDescription": apply_description(dir, &row.apply_result, row.applied),
                "appliedBy": applied.map_or(Value::Null, |a| match &a.by {
                    Actor::User { id } => user_identity(state, id),
                    other => json!({ "id": "", "displayName": actor_name(state, other) }),
                }),
                "appliedDateTime": applied.map_or(Value::Null, |a| json!(timestamp(a.at))),
                "principal": user_identity(state, &row.user),
                "resource": {
                    "id": inst.resource.id,
                    "displayName": inst.resource.name,
                    "type": inst.resource.kind.graph_type(),
                },
                "accessType": access_text(dir, &row.access),
                "finalDecision": row.outcome.graph_value(),
                "stages": row.stages.iter().map(|s| json!({
                    "stageId": (s.stage + 1).to_string(),
                    "decision": s.decision.as_ref().map_or("NotReviewed", |d| d.decision.outcome().graph_value()),
                    "reviewedBy": s.decision.as_ref().map_or(Value::Null, |d| user_identity(state, &d.reviewer)),
                    "reviewedDateTime": s.decision.as_ref().map_or(Value::Null, |d| json!(timestamp(d.at))),
                    "justification": s.decision.as_ref().map_or("", |d| d.justification.as_str()),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#Collection(microsoft.graph.accessReviewInstanceDecisionItem)",
        "reviewName": def.name,
        "value": items,
    })
}
