//! Results of an instance as administrators and auditors see them: every stage's decision
//! with reviewer and justification, the final outcome, and the apply result — recorded after
//! apply, previewed before it (SPEC section 4).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::definition::Outcome;
use crate::directory::{AccessPath, UserType};
use crate::instance::{ApplyResult, Instance, RecordedDecision};
use crate::state::{plan_apply, State};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
/// Where an outcome came from.
pub enum OutcomeSource {
    /// A reviewer's decision (the last one recorded).
    Reviewer,
    /// Nobody decided: the "If reviewers don't respond" setting.
    NoResponse,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
/// One reviewee's result.
pub struct ResultRow {
    /// Index of the item within the instance.
    pub item: u32,
    /// The user's id.
    pub user: String,
    /// The user's display name.
    pub user_name: String,
    /// The user's sign-in name (user principal name).
    pub user_principal_name: String,
    /// Member or guest.
    pub user_type: UserType,
    /// How the user holds the access: directly or through a group.
    pub access: AccessPath,
    /// Per stage the item reached: the decision recorded there and the stage's reviewers.
    pub stages: Vec<StageResult>,
    /// The outcome.
    pub outcome: Outcome,
    /// Where the outcome came from.
    pub outcome_source: OutcomeSource,
    /// What applying did or would do.
    pub apply_result: ApplyResult,
    /// False while `apply_result` is only a preview.
    pub applied: bool,
    /// When the outcome is an approval until a date: that date and where it stands.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved_until: Option<(DateTime<Utc>, crate::expiry::BoundStatus)>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
/// One stage's part in a result.
pub struct StageResult {
    /// Stage index (0 is the first stage).
    pub stage: usize,
    /// User ids of the reviewers.
    pub reviewers: Vec<String>,
    /// The decision.
    pub decision: Option<RecordedDecision>,
}

/// Every item's result; `now` dates the preview of a guest's deletion.
pub fn results(state: &State, inst: &Instance, now: DateTime<Utc>) -> Vec<ResultRow> {
    let def = state.definition_of(inst);
    let preview = if inst.applied.is_none() {
        Some(plan_apply(state, inst, now).0)
    } else {
        None
    };
    let bounds = state.time_bound.get(&inst.id);
    inst.items
        .iter()
        .enumerate()
        .map(|(i, it)| {
            let (apply_result, applied) = match (&it.apply_result, &preview) {
                (Some(r), _) => (r.clone(), true),
                (None, Some(p)) => (p[i].result.clone(), false),
                (None, None) => (ApplyResult::ObjectNotFound, true),
            };
            ResultRow {
                item: i as u32,
                user: it.user.clone(),
                user_name: it.user_name.clone(),
                user_principal_name: it.user_principal_name.clone(),
                user_type: it.user_type,
                access: it.access.clone(),
                stages: (0..=it.stage)
                    .map(|s| StageResult {
                        stage: s,
                        reviewers: inst.reviewers_of(it, s).to_vec(),
                        decision: it.decision_in(s).cloned(),
                    })
                    .collect(),
                outcome: inst.outcome(it, def.settings.if_no_response),
                outcome_source: if inst.standing(it).is_some() {
                    OutcomeSource::Reviewer
                } else {
                    OutcomeSource::NoResponse
                },
                apply_result,
                applied,
                // Only items with a date look further (most reviews have none).
                approved_until: bounds
                    .and_then(|b| b.get(&(i as u32)))
                    .filter(|b| {
                        b.ended.is_some()
                            || crate::expiry::standing_bound(state, inst, i as u32).is_some()
                    })
                    .map(|b| (b.until, crate::expiry::BoundStatus::of(b, now))),
            }
        })
        .collect()
}
