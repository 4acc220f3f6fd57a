//! A review instance: one resource, one occurrence of a definition. It snapshots its
//! reviewees and every stage's reviewers when it starts (SPEC section 4), so later directory
//! changes never alter it.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

mod start;

pub use start::snapshot;
use crate::definition::{
    NoResponse, Outcome, PrincipalScope, ReviewDefinition, Reviewers, MAX_STAGES,
};
use crate::directory::{
    Access, AccessPath, AssignmentKind, Directory, ResourceKind, User, UserType,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum InstanceStatus {
    NotStarted,
    InProgress,
    Completed,
    Applied,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum StageStatus {
    NotStarted,
    InProgress,
    Completed,
}

/// Why a stage ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum StageEndReason {
    /// Its duration ran out.
    Deadline,
    /// An administrator selected "Stop current stage".
    Stopped,
    /// An administrator stopped the whole review.
    ReviewStopped,
    /// No reviewees moved on to it.
    NoReviewees,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StageState {
    pub status: StageStatus,
    pub started: Option<DateTime<Utc>>,
    pub deadline: Option<DateTime<Utc>>,
    pub ended: Option<DateTime<Utc>>,
    pub end_reason: Option<StageEndReason>,
    /// Whether the halfway reminder has gone out.
    pub reminded: bool,
}

/// A reviewer's decision (NotReviewed is the absence of one).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Decision {
    Approve,
    Deny,
    DontKnow,
}

impl Decision {
    pub fn outcome(self) -> Outcome {
        match self {
            Decision::Approve => Outcome::Approve,
            Decision::Deny => Outcome::Deny,
            Decision::DontKnow => Outcome::DontKnow,
        }
    }

    /// The button wording of the seed documents.
    pub fn label(self) -> &'static str {
        match self {
            Decision::Approve => "Approve",
            Decision::Deny => "Deny",
            Decision::DontKnow => "Don't know",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DecisionSource {
    Reviewer,
    /// The reviewer selected "Accept recommendations".
    AcceptedRecommendation,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordedDecision {
    pub decision: Decision,
    pub reviewer: String,
    pub justification: String,
    pub at: DateTime<Utc>,
    pub source: DecisionSource,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Recommendation {
    pub decision: Decision,
    /// Why; `Display` gives the words a reviewer reads ("no sign-in for 94 days").
    pub reasons: Vec<Reason>,
}

impl Recommendation {
    /// The reasons in one line: "no sign-in for 94 days; little overlap with peers: …".
    pub fn text(&self) -> String {
        self.reasons
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// One reason behind a recommendation. Kept as data (not text) so a 100,000-reviewee
/// snapshot formats nothing; the words are made when shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Reason {
    NoSignIn { days: i64 },
    NeverSignedIn { account_days: i64 },
    SignedIn { days: i64 },
    NewAccount,
    LittlePeerOverlap { held: u32, total: u32 },
    PeerOverlap { held: u32, total: u32 },
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            Reason::NoSignIn { days } => write!(f, "no sign-in for {days} days"),
            Reason::NeverSignedIn { account_days } => {
                write!(
                    f,
                    "never signed in (account created {account_days} days ago)"
                )
            }
            Reason::SignedIn { days: 0 } => write!(f, "signed in today"),
            Reason::SignedIn { days: 1 } => write!(f, "signed in yesterday"),
            Reason::SignedIn { days } => write!(f, "signed in {days} days ago"),
            Reason::NewAccount => write!(f, "new account"),
            Reason::LittlePeerOverlap { held, total } => {
                write!(
                    f,
                    "little overlap with peers: {held} of {total} peers have this access"
                )
            }
            Reason::PeerOverlap { held, total } => {
                write!(f, "{held} of {total} peers have this access")
            }
        }
    }
}

/// Why denying an item cannot be applied by Attest (SPEC section 4).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum NotSupported {
    DynamicGroup,
    OnPremisesGroup,
    NestedMembership { group: String },
    GroupAssignedApplication { group: String },
}

impl NotSupported {
    pub fn reason(&self, dir: &Directory) -> String {
        match self {
            NotSupported::DynamicGroup => {
                "dynamic group: membership comes from a rule, change the rule instead".into()
            }
            NotSupported::OnPremisesGroup => {
                "group synced from on-premises: remove the member in Active Directory".into()
            }
            NotSupported::NestedMembership { group } => format!(
                "membership comes through the nested group \"{}\": change that group",
                dir.display_name(group)
            ),
            NotSupported::GroupAssignedApplication { group } => format!(
                "access comes through the group \"{}\" assigned to the application",
                dir.display_name(group)
            ),
        }
    }
}

/// One reviewee's access in an instance.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DecisionItem {
    pub user: String,
    pub user_name: String,
    pub user_principal_name: String,
    pub user_type: UserType,
    pub last_sign_in: Option<DateTime<Utc>>,
    pub access: AccessPath,
    pub assignment: Option<AssignmentKind>,
    pub recommendation: Option<Recommendation>,
    /// Per stage: index into `Instance::reviewer_sets` (fixed size: no allocation per item).
    pub reviewers: [u32; MAX_STAGES],
    /// Per stage: whether the reviewers are the fallback reviewers.
    pub fallback: [bool; MAX_STAGES],
    /// The last stage (0-based) this item took part in; it leaves when it does not move on.
    pub stage: usize,
    /// Per stage: the last decision recorded in that stage.
    pub decisions: [Option<RecordedDecision>; MAX_STAGES],
    /// Why denying it cannot be applied, known from the snapshot.
    pub not_supported: Option<NotSupported>,
    pub apply_result: Option<ApplyResult>,
}

impl DecisionItem {
    /// The decision that stands for this reviewee under `rule`: under
    /// [`OutcomeRule::StageDecision`] the decision of the last stage they reached (None:
    /// Not reviewed there, whatever earlier stages said).
    pub fn standing(&self, rule: OutcomeRule) -> Option<&RecordedDecision> {
        match rule {
            OutcomeRule::StageDecision => self.decision_in(self.stage),
            OutcomeRule::CarriedOver => self.decisions.iter().rev().flatten().next(),
        }
    }

    /// The decision recorded in this stage only (what a blind reviewer may see).
    pub fn decision_in(&self, stage: usize) -> Option<&RecordedDecision> {
        self.decisions.get(stage).and_then(Option::as_ref)
    }

    /// "Undecided with a recommendation": what Accept recommendations records for this item
    /// in `stage` — its recommendation, when the stage shows recommendations (`shown`) and
    /// nobody has decided the item there yet. The reviewer's page reads the same rule off its
    /// rows (`ReviewerView::recommendations_to_accept`).
    pub fn recommendation_to_accept(&self, stage: usize, shown: bool) -> Option<&Recommendation> {
        if !shown || self.decision_in(stage).is_some() {
            return None;
        }
        self.recommendation.as_ref()
    }

    /// The decision in `stage` as "Reviewees going to the next stage" reads it.
    pub fn outcome_in(&self, stage: usize) -> Outcome {
        self.decision_in(stage)
            .map_or(Outcome::NotReviewed, |d| d.decision.outcome())
    }
}

/// Which decision of a reviewee stands when a stage ends and at the end of the review.
/// Fixed when an instance starts, so a finished review reads as it was decided.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum OutcomeRule {
    /// Each stage holds its own decision (Graph's `decisionsThatWillMoveToNextStage`
    /// filters that stage's decisions): a reviewee without a decision in the stage they
    /// reached is Not reviewed there. Every instance started by this release.
    StageDecision,
    /// How releases before 2026-11-30 read decisions: the last decision of any stage
    /// carried over into later stages. Records without the field are of those releases.
    #[default]
    CarriedOver,
}

/// What applying did to an item (Graph `applyResult`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum ApplyResult {
    /// Done: access kept, removed, or the guest blocked.
    Applied {
        effect: Effect,
    },
    NotSupported {
        reason: NotSupported,
    },
    /// The user, resource or the access itself no longer exists.
    ObjectNotFound,
    Failed {
        reason: String,
    },
}

impl ApplyResult {
    pub fn graph_value(&self) -> &'static str {
        match self {
            ApplyResult::Applied { .. } => "AppliedSuccessfully",
            ApplyResult::NotSupported { .. } => "ApplyNotSupported",
            ApplyResult::ObjectNotFound => "AppliedSuccessfullyButObjectNotFound",
            ApplyResult::Failed { .. } => "AppliedWithUnknownFailure",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Effect {
    AccessKept,
    AccessRemoved,
    GuestBlocked,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceRef {
    pub kind: ResourceKind,
    pub id: String,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Applied {
    pub at: DateTime<Utc>,
    pub by: crate::Actor,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Instance {
    pub id: String,
    pub definition: String,
    pub occurrence: u32,
    pub resource: ResourceRef,
    pub status: InstanceStatus,
    /// Stopped by an administrator before its scheduled end (irreversible).
    pub stopped: bool,
    pub started: DateTime<Utc>,
    pub completed: Option<DateTime<Utc>>,
    pub stages: Vec<StageState>,
    /// The stage in progress, or the last one that ran.
    pub current_stage: usize,
    pub items: Vec<DecisionItem>,
    /// Distinct reviewer sets; items point into this table (a manager's set is shared by
    /// all their reports).
    pub reviewer_sets: Vec<Vec<String>>,
    pub applied: Option<Applied>,
    /// How this instance's decisions are read; absent in records of earlier releases.
    #[serde(default)]
    pub outcome_rule: OutcomeRule,
}

/// The reviewer-set index of a stage the review does not have.
pub const NO_REVIEWERS: u32 = u32::MAX;

/// Deterministic instance id: two browsers starting the same occurrence agree on it.
pub fn instance_id(definition: &str, occurrence: u32, resource: &str) -> String {
    format!("{definition}~{occurrence}~{resource}")
}

impl Instance {
    pub fn is_open(&self) -> bool {
        self.status == InstanceStatus::InProgress
    }

    pub fn reviewers_of(&self, item: &DecisionItem, stage: usize) -> &[String] {
        item.reviewers
            .get(stage)
            .and_then(|&i| self.reviewer_sets.get(i as usize))
            .map_or(&[], Vec::as_slice)
    }

    /// Whether `user` reviews `item` in `stage`.
    pub fn is_reviewer(&self, item: &DecisionItem, stage: usize, user: &str) -> bool {
        item.stage == stage && self.reviewers_of(item, stage).iter().any(|r| r == user)
    }

    /// Items in `stage` (those that reached it).
    pub fn items_in(&self, stage: usize) -> impl Iterator<Item = (usize, &DecisionItem)> {
        // Items reach stages in order and leave at the first one they do not move on from.
        self.items
            .iter()
            .enumerate()
            .filter(move |(_, it)| stage <= it.stage)
    }

    /// The decision that stands for `item` under this instance's rule.
    pub fn standing<'a>(&self, item: &'a DecisionItem) -> Option<&'a RecordedDecision> {
        item.standing(self.outcome_rule)
    }

    /// The outcome of `item` at the end of the review (see [`final_outcome`]).
    pub fn outcome(&self, item: &DecisionItem, no_response: NoResponse) -> Outcome {
        final_outcome(self.outcome_rule, item, no_response)
    }

    pub fn current_deadline(&self) -> Option<DateTime<Utc>> {
        if self.is_open() {
            self.stages.get(self.current_stage).and_then(|s| s.deadline)
        } else {
            None
        }
    }
}

/// The outcome of an item at the end of the review: the decision that stands under the
/// instance's rule (the last stage the reviewee reached), or, when that is Not reviewed, the
/// "if reviewers don't respond" setting. Don't know keeps access.
pub fn final_outcome(rule: OutcomeRule, item: &DecisionItem, no_response: NoResponse) -> Outcome {
    match item.standing(rule) {
        Some(d) => d.decision.outcome(),
        None => match no_response {
            NoResponse::NoChange => Outcome::NotReviewed,
            NoResponse::RemoveAccess => Outcome::Deny,
            NoResponse::ApproveAccess => Outcome::Approve,
            NoResponse::TakeRecommendations => match &item.recommendation {
                Some(r) => r.decision.outcome(),
                None => Outcome::NotReviewed,
            },
        },
    }
}
