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
pub enum OutcomeSource {
    /// A reviewer's decision (the last one recorded).
    Reviewer,
    /// Nobody decided: the "If reviewers don't respond" setting.
    NoResponse,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResultRow {
    pub item: u32,
    pub user: String,
    pub user_name: String,
    pub user_principal_name: String,
    pub user_type: UserType,
    pub access: AccessPath,
    /// Per stage the item reached: the decision recorded there and the stage's reviewers.
    pub stages: Vec<StageResult>,
    pub outcome: Outcome,
    pub outcome_source: OutcomeSource,
    pub apply_result: ApplyResult,
    /// False while `apply_result` is only a preview.
    pub applied: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StageResult {
    pub stage: usize,
    pub reviewers: Vec<String>,
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
            }
        })
        .collect()
}
