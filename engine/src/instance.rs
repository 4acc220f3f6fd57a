//! A review instance: one resource, one occurrence of a definition. It snapshots its
//! reviewees and every stage's reviewers when it starts (SPEC section 4), so later directory
//! changes never alter it.

use crate::tagged::internally_tagged;
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

mod start;

use crate::definition::{NoResponse, Outcome, ReviewDefinition, Reviewers, MAX_STAGES};
use crate::directory::{
    Access, AccessPath, AssignmentKind, Directory, ResourceKind, User, UserType,
};
pub use start::{snapshot, start};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
/// Where an instance stands.
pub enum InstanceStatus {
    /// Not started yet.
    NotStarted,
    /// Running.
    InProgress,
    /// All stages ended; results not applied.
    Completed,
    /// Results applied.
    Applied,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
/// Where a stage stands.
pub enum StageStatus {
    /// Not started yet.
    NotStarted,
    /// Running.
    InProgress,
    /// Ended.
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
/// A stage's times and status in an instance.
pub struct StageState {
    /// Where it stands.
    pub status: StageStatus,
    /// When it started.
    pub started: Option<DateTime<Utc>>,
    /// When the stage ends.
    pub deadline: Option<DateTime<Utc>>,
    /// When it ended.
    pub ended: Option<DateTime<Utc>>,
    /// Why it ended.
    pub end_reason: Option<StageEndReason>,
    /// Whether the halfway reminder has gone out.
    pub reminded: bool,
    /// How many reminders of the stage went out (the escalation ladder counts them).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub reminders_sent: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// A reviewer's decision (NotReviewed is the absence of one).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Decision {
    /// Approve.
    Approve,
    /// Deny.
    Deny,
    /// "Don't know".
    DontKnow,
}

impl Decision {
    /// The outcome this decision stands for.
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
/// How a decision was made.
pub enum DecisionSource {
    /// By the reviewer.
    Reviewer,
    /// The reviewer selected "Accept recommendations".
    AcceptedRecommendation,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
/// A decision as recorded: who, when, why, how.
pub struct RecordedDecision {
    /// The decision.
    pub decision: Decision,
    /// The reviewer's user id.
    pub reviewer: String,
    /// The reviewer's justification (may be empty).
    pub justification: String,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// How it was decided: by the reviewer or by accepting recommendations.
    pub source: DecisionSource,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
/// A recommendation made when the instance started, and why.
pub struct Recommendation {
    /// The decision.
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

internally_tagged! { "type", "Reason",
    /// One reason behind a recommendation. Kept as data (not text) so a 100,000-reviewee
    /// snapshot formats nothing; the words are made when shown.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    #[serde(rename_all = "camelCase")]
    pub enum Reason {
        /// Has not signed in for this many days.
        NoSignIn {
            /// Days since the last sign-in.
            days: i64,
        },
        /// Never signed in, account this many days old.
        NeverSignedIn {
            /// Days since the account was created.
            account_days: i64,
        },
        /// Signed in this many days ago.
        SignedIn {
            /// Days since the last sign-in.
            days: i64,
        },
        /// A new account.
        NewAccount,
        /// Few peers have this access.
        LittlePeerOverlap {
            /// Peers who hold this access.
            held: u32,
            /// Peers in all.
            total: u32,
        },
        /// Most peers have this access.
        PeerOverlap {
            /// Peers who hold this access.
            held: u32,
            /// Peers in all.
            total: u32,
        },
    }
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

internally_tagged! { "type", "NotSupported",
    /// Why denying an item cannot be applied by Attest (SPEC section 4).
    #[derive(Clone, Debug, PartialEq, Eq)]
    #[serde(rename_all = "camelCase")]
    pub enum NotSupported {
        /// A dynamic group's members cannot be removed.
        DynamicGroup,
        /// An on-premises group cannot be changed here.
        OnPremisesGroup,
        /// Access through a nested group.
        NestedMembership {
            /// The group's id.
            group: String,
        },
        /// Access through a group assigned to the application.
        GroupAssignedApplication {
            /// The group's id.
            group: String,
        },
    }
}

impl NotSupported {
    /// Why, in words, naming objects from `dir`.
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
    /// Active or eligible, for role assignments.
    pub assignment: Option<AssignmentKind>,
    /// The recommendation, when the review makes them.
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
    /// What applying did, once results are applied.
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

internally_tagged! { "type", "ApplyResult",
    /// What applying did to an item (Graph `applyResult`).
    #[derive(Clone, Debug, PartialEq, Eq)]
    #[serde(rename_all = "camelCase")]
    pub enum ApplyResult {
        /// Done: access kept, removed, or the guest blocked.
        Applied {
            /// What it did.
            effect: Effect,
        },
        /// Not supported, and why.
        NotSupported {
            /// Why it cannot be applied.
            reason: NotSupported,
        },
        /// The user, resource or the access itself no longer exists.
        ObjectNotFound,
        /// Failed, and why.
        Failed {
            /// Why, in words a person can read.
            reason: String,
        },
    }
}

impl ApplyResult {
    /// The value Graph's `applyResult` uses.
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
/// What applying did.
pub enum Effect {
    /// Access kept.
    AccessKept,
    /// Access removed.
    AccessRemoved,
    /// Guest blocked.
    GuestBlocked,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
/// The resource an instance reviews.
pub struct ResourceRef {
    /// Its kind.
    pub kind: ResourceKind,
    /// Its id.
    pub id: String,
    /// Display name.
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
/// When and by whom results were applied.
pub struct Applied {
    /// When it happened.
    pub at: DateTime<Utc>,
    /// Who applied them.
    pub by: crate::Actor,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
/// One occurrence of a review for one resource.
pub struct Instance {
    /// Its id.
    pub id: String,
    /// Id of the review definition.
    pub definition: String,
    /// Which occurrence of the review (0-based).
    pub occurrence: u32,
    /// The resource under review.
    pub resource: ResourceRef,
    /// Where it stands.
    pub status: InstanceStatus,
    /// Stopped by an administrator before its scheduled end (irreversible).
    pub stopped: bool,
    /// When it started.
    pub started: DateTime<Utc>,
    /// When it completed.
    pub completed: Option<DateTime<Utc>>,
    /// Each stage's times and status.
    pub stages: Vec<StageState>,
    /// The stage in progress, or the last one that ran.
    pub current_stage: usize,
    /// Item indices within the instance.
    pub items: Vec<DecisionItem>,
    /// Distinct reviewer sets; items point into this table (a manager's set is shared by
    /// all their reports).
    pub reviewer_sets: Vec<Vec<String>>,
    /// When and by whom results were applied.
    pub applied: Option<Applied>,
    /// How this instance's decisions are read; absent in records of earlier releases.
    #[serde(default)]
    pub outcome_rule: OutcomeRule,
    /// Delta mode: the occurrence compared with, outcomes carried forward, attributes at
    /// the start (`context::narrow`); empty otherwise and in records of earlier releases.
    #[serde(default, skip_serializing_if = "crate::context::SinceLast::is_empty")]
    pub since_last: crate::context::SinceLast,
}

/// The reviewer-set index of a stage the review does not have.
pub const NO_REVIEWERS: u32 = u32::MAX;

/// Deterministic instance id: two browsers starting the same occurrence agree on it.
pub fn instance_id(definition: &str, occurrence: u32, resource: &str) -> String {
    format!("{definition}~{occurrence}~{resource}")
}

impl Instance {
    /// Whether the instance is still running.
    pub fn is_open(&self) -> bool {
        self.status == InstanceStatus::InProgress
    }

    /// Who reviews `item` in `stage`.
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

    /// The indices of the items `user` reviews in `stage`, ascending: `is_reviewer` for every
    /// item, comparing reviewer-set numbers rather than names (few sets, many items).
    pub fn items_reviewed_by(&self, stage: usize, user: &str) -> Vec<u32> {
        let mine: Vec<bool> = self
            .reviewer_sets
            .iter()
            .map(|set| set.iter().any(|r| r == user))
            .collect();
        self.items
            .iter()
            .enumerate()
            .filter(|(_, it)| {
                it.stage == stage
                    && it
                        .reviewers
                        .get(stage)
                        .and_then(|&set| mine.get(set as usize))
                        .copied()
                        .unwrap_or(false)
            })
            .map(|(i, _)| i as u32)
            .collect()
    }

    /// Put `set` as `item`'s reviewers in `stage`, sharing an equal set when there is one.
    pub fn set_reviewers(&mut self, item: usize, stage: usize, set: Vec<String>) {
        let index = match self.reviewer_sets.iter().position(|s| *s == set) {
            Some(i) => i,
            None => {
                self.reviewer_sets.push(set);
                self.reviewer_sets.len() - 1
            }
        };
        if let Some(slot) = self
            .items
            .get_mut(item)
            .and_then(|it| it.reviewers.get_mut(stage))
        {
            *slot = index as u32;
        }
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

    /// The current stage's deadline.
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
