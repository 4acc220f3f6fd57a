//! What each person may see. A reviewer's view of a stage holds only their own items and,
//! when the review is blind, nothing of earlier stages' decisions: the rows are built from
//! the allowed fields only, so nothing else can reach the page.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::definition::Outcome;
use crate::directory::{AccessPath, AssignmentKind, UserType};
use crate::instance::{
    Instance, InstanceStatus, Recommendation, RecordedDecision, ResourceRef, StageStatus,
};
use crate::state::State;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
/// An earlier stage's decision, shown when the review is not blind.
pub struct EarlierDecision {
    /// Stage index (0 is the first stage).
    pub stage: usize,
    /// The decision.
    pub decision: RecordedDecision,
    /// The reviewer's display name.
    pub reviewer_name: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
/// One row of the reviewer page.
pub struct ReviewerRow {
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
    /// The last sign-in, if the user ever signed in.
    pub last_sign_in: Option<DateTime<Utc>>,
    /// How the user holds the access: directly or through a group.
    pub access: AccessPath,
    /// Display name of the group the access comes through, if any.
    pub via_name: Option<String>,
    /// Active or eligible, for role assignments.
    pub assignment: Option<AssignmentKind>,
    /// Only when this stage shows recommendations.
    pub recommendation: Option<Recommendation>,
    /// The decision recorded in this stage (by this or another reviewer of the item).
    pub decision: Option<RecordedDecision>,
    /// Earlier stages' decisions; always empty when the review is blind.
    pub earlier: Vec<EarlierDecision>,
    /// The access path and, for recurring reviews, the last occurrence's outcome.
    #[serde(default)]
    pub context: Option<crate::context::ItemContext>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
/// The reviewer page of one instance and stage.
pub struct ReviewerView {
    /// Id of the review instance.
    pub instance: String,
    /// The review's name.
    pub review_name: String,
    /// The description for reviewers.
    pub description_for_reviewers: String,
    /// The resource under review.
    pub resource: ResourceRef,
    /// Stage index (0 is the first stage).
    pub stage: usize,
    /// How many stages the review has.
    pub stage_count: usize,
    /// When the stage ends.
    pub deadline: Option<DateTime<Utc>>,
    /// Whether a justification is required.
    pub justification_required: bool,
    /// Whether earlier stages' decisions are shown.
    pub show_previous_decisions: bool,
    /// When the recommendations were worked out: the instance's start. Their reasons count
    /// days from then ("signed in 15 days ago"), not from today.
    pub recommendations_as_of: DateTime<Utc>,
    /// One row per item the reviewer reviews in this stage.
    pub rows: Vec<ReviewerRow>,
    /// Bulk-approval guardrails and approve-until (`guardrails::check` reads them).
    #[serde(default)]
    pub guardrails: crate::guardrails::BulkRules,
}

impl ReviewerView {
    /// The items Accept recommendations would decide, of `chosen` (all rows when empty):
    /// `DecisionItem::recommendation_to_accept` read off the rows, whose `decision` is this
    /// stage's and whose `recommendation` is present only when the stage shows them.
    pub fn recommendations_to_accept(&self, chosen: &[u32]) -> Vec<u32> {
        self.rows
            .iter()
            .filter(|r| r.decision.is_none() && r.recommendation.is_some())
            .filter(|r| chosen.is_empty() || chosen.contains(&r.item))
            .map(|r| r.item)
            .collect()
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
/// Why the reviewer page cannot be shown.
pub enum ViewError {
    #[error("this review no longer exists")]
    /// The review no longer exists.
    NotFound,
    #[error("stage {} of this review is not open: {state}", .stage + 1)]
    /// The stage is not open.
    StageNotOpen {
        /// Stage index (0 is the first).
        stage: usize,
        /// Why it is not open, in words.
        state: &'static str,
    },
    #[error("you have nothing to review in stage {} of this review", .stage + 1)]
    /// The reviewer has nothing to review.
    NotYourReview {
        /// Stage index (0 is the first).
        stage: usize,
    },
}

/// Why `stage` of `inst` takes no decisions now, or None while it is open. A reviewer's page
/// and a reviewer's link work only while their stage is open.
pub fn stage_closed(inst: &Instance, stage: usize) -> Option<&'static str> {
    let Some(st) = inst.stages.get(stage) else {
        return Some("there is no such stage");
    };
    match st.status {
        StageStatus::NotStarted => Some("it has not started"),
        StageStatus::Completed => Some("it has ended and decisions can no longer be changed"),
        StageStatus::InProgress if !inst.is_open() => Some("the review has ended"),
        StageStatus::InProgress => None,
    }
}

/// The reviewer page of one instance and stage for `reviewer`.
pub fn reviewer_view(
    state: &State,
    instance: &str,
    stage: usize,
    reviewer: &str,
) -> Result<ReviewerView, ViewError> {
    let inst = state.instances.get(instance).ok_or(ViewError::NotFound)?;
    let def = state.definition_of(inst);
    let stage_state = inst.stages.get(stage).ok_or(ViewError::NotFound)?;
    if let Some(state) = stage_closed(inst, stage) {
        return Err(ViewError::StageNotOpen { stage, state });
    }
    let show_recommendations = def.stages[stage].recommendations;
    let dir = &state.directory;
    // Worked out for this reviewer's rows only: nesting chains once per group, the last
    // occurrence once per page.
    let mut paths = crate::context::PathFinder::default();
    let last = crate::context::LastReview::before(state, inst);
    let rows: Vec<ReviewerRow> = inst
        .items
        .iter()
        .enumerate()
        .filter(|(_, it)| state.reviews_item(inst, it, stage, reviewer))
        .map(|(i, it)| ReviewerRow {
            item: i as u32,
            user: it.user.clone(),
            user_name: it.user_name.clone(),
            user_principal_name: it.user_principal_name.clone(),
            user_type: it.user_type,
            last_sign_in: it.last_sign_in,
            access: it.access.clone(),
            via_name: match &it.access {
                AccessPath::ViaGroup { group } => Some(dir.display_name(group).to_string()),
                AccessPath::Direct => None,
            },
            assignment: it.assignment,
            recommendation: if show_recommendations {
                it.recommendation.clone()
            } else {
                None
            },
            decision: it.decision_in(stage).cloned(),
            earlier: if def.show_previous_decisions {
                (0..stage)
                    .filter_map(|s| {
                        it.decision_in(s).map(|d| EarlierDecision {
                            stage: s,
                            reviewer_name: dir.display_name(&d.reviewer).to_string(),
                            decision: d.clone(),
                        })
                    })
                    .collect()
            } else {
                Vec::new()
            },
            context: Some(crate::context::ItemContext {
                path: crate::context::access_context(dir, &mut paths, &inst.resource, it),
                since: last.as_ref().map(|l| l.since(dir, &it.user)),
            }),
        })
        .collect();
    if rows.is_empty() {
        return Err(ViewError::NotYourReview { stage });
    }
    Ok(ReviewerView {
        instance: inst.id.clone(),
        review_name: def.name.clone(),
        description_for_reviewers: def.description_for_reviewers.clone(),
        resource: inst.resource.clone(),
        stage,
        stage_count: def.stages.len(),
        deadline: stage_state.deadline,
        justification_required: def.settings.justification_required,
        show_previous_decisions: def.show_previous_decisions,
        recommendations_as_of: inst.started,
        rows,
        guardrails: crate::guardrails::BulkRules::of(state, inst),
    })
}

/// One line of "My access reviews".
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MyReview {
    /// Id of the review instance.
    pub instance: String,
    /// The review's name.
    pub review_name: String,
    /// The resource under review.
    pub resource: ResourceRef,
    /// Stage index (0 is the first stage).
    pub stage: usize,
    /// How many stages the review has.
    pub stage_count: usize,
    /// Whether the stage is open.
    pub open: bool,
    /// When the stage ends.
    pub deadline: Option<DateTime<Utc>>,
    /// Items assigned to this reviewer.
    pub assigned: usize,
    /// Items still undecided.
    pub undecided: usize,
}

/// The stages waiting on `user` (open first, by deadline) and the ones they took part in.
pub fn my_reviews(state: &State, user: &str) -> Vec<MyReview> {
    let mut out = Vec::new();
    for inst in state.instances.values() {
        let def = state.definition_of(inst);
        for (stage, st) in inst.stages.iter().enumerate() {
            if st.status == StageStatus::NotStarted {
                continue;
            }
            let mine: Vec<_> = inst
                .items_in(stage)
                .filter(|(_, it)| {
                    inst.reviewers_of(it, stage)
                        .iter()
                        .any(|r| state.stand_in(inst, it, stage, r) == user)
                })
                .collect();
            if mine.is_empty() {
                continue;
            }
            let open = st.status == StageStatus::InProgress && inst.is_open();
            out.push(MyReview {
                instance: inst.id.clone(),
                review_name: def.name.clone(),
                resource: inst.resource.clone(),
                stage,
                stage_count: def.stages.len(),
                open,
                deadline: st.deadline,
                assigned: mine.len(),
                undecided: mine
                    .iter()
                    .filter(|(_, it)| it.decision_in(stage).is_none())
                    .count(),
            });
        }
    }
    // A total order (instance and stage name one row), so the unstable sort, less code in
    // the reviewer bundle than a stable one, gives the same list.
    out.sort_unstable_by(|a, b| {
        b.open
            .cmp(&a.open)
            .then(a.deadline.cmp(&b.deadline))
            .then(a.instance.cmp(&b.instance))
            .then(a.stage.cmp(&b.stage))
    });
    out
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
/// Count of outcomes.
pub struct Tally {
    /// Approved.
    pub approved: usize,
    /// Denied.
    pub denied: usize,
    /// "Don't know".
    pub dont_know: usize,
    /// Not reviewed.
    pub not_reviewed: usize,
}

impl Tally {
    /// Count one more.
    pub fn add(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Approve => self.approved += 1,
            Outcome::Deny => self.denied += 1,
            Outcome::DontKnow => self.dont_know += 1,
            Outcome::NotReviewed => self.not_reviewed += 1,
        }
    }

    /// All counted.
    pub fn total(&self) -> usize {
        self.approved + self.denied + self.dont_know + self.not_reviewed
    }

    /// All but not reviewed.
    pub fn reviewed(&self) -> usize {
        self.total() - self.not_reviewed
    }
}

/// Decisions recorded in each stage, over the items that reached it.
pub fn stage_progress(inst: &Instance) -> Vec<Tally> {
    (0..inst.stages.len())
        .map(|stage| {
            let mut t = Tally::default();
            for (_, it) in inst.items_in(stage) {
                t.add(
                    it.decision_in(stage)
                        .map_or(Outcome::NotReviewed, |d| d.decision.outcome()),
                );
            }
            t
        })
        .collect()
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
/// One reviewer's progress.
pub struct ReviewerProgress {
    /// The reviewer's user id.
    pub reviewer: String,
    /// Items assigned to this reviewer.
    pub assigned: usize,
    /// Items this reviewer decided.
    pub decided: usize,
}

/// Per reviewer of a stage: how many items they have and how many carry a decision.
pub fn reviewer_progress(inst: &Instance, stage: usize) -> Vec<ReviewerProgress> {
    let mut by: std::collections::BTreeMap<&str, (usize, usize)> = Default::default();
    for (_, it) in inst.items_in(stage) {
        let decided = usize::from(it.decision_in(stage).is_some());
        for r in inst.reviewers_of(it, stage) {
            let e = by.entry(r).or_default();
            e.0 += 1;
            e.1 += decided;
        }
    }
    by.into_iter()
        .map(|(r, (assigned, decided))| ReviewerProgress {
            reviewer: r.to_string(),
            assigned,
            decided,
        })
        .collect()
}

/// Whether an instance still waits on reviewers.
pub fn is_active(inst: &Instance) -> bool {
    inst.status == InstanceStatus::InProgress
}
