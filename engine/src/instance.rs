//! A review instance: one resource, one occurrence of a definition. It snapshots its
//! reviewees and every stage's reviewers when it starts (SPEC section 4), so later directory
//! changes never alter it.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::fast_hash::FastMap;

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

/// Build the snapshot an instance starts from. Pure function of the definition, the
/// directory and the start time.
pub fn snapshot(
    def: &ReviewDefinition,
    dir: &Directory,
    resource: &str,
    occurrence: u32,
    at: DateTime<Utc>,
) -> Instance {
    let kind = def.scope.resource_kind;
    let holders: Vec<(Access, &User)> = dir
        .access_holders(kind, resource, def.scope.transitive)
        .into_iter()
        .filter_map(|a| {
            let u = dir.users.get(&a.user)?;
            let in_scope = (def.scope.principals == PrincipalScope::AllUsers
                || u.user_type == UserType::Guest)
                && def.scope.inactive_days.is_none_or(|d| u.is_inactive(d, at));
            in_scope.then_some((a, u))
        })
        .collect();

    let peers = def
        .settings
        .recommendations
        .peer_affiliation
        .then(|| PeerCounts::new(dir, holders.iter().map(|(_, u)| *u)));
    let wants_recommendations = def.stages.iter().any(|s| s.recommendations)
        || def.settings.if_no_response == NoResponse::TakeRecommendations;

    let owners = dir.resource_owners(kind, resource);
    let mut sets = ReviewerSets::default();
    // Resolve each stage's reviewers once where they do not depend on the reviewee, and
    // once per manager otherwise: a 100,000-reviewee snapshot must stay fast.
    let mut resolvers: Vec<StageResolver> = def
        .stages
        .iter()
        .map(|s| {
            let fallback = sets.intern(s.fallback_reviewers.clone());
            let fixed = match &s.reviewers {
                Reviewers::ResourceOwners => Some(owners.clone()),
                Reviewers::SelectedUsers { users } => Some(users.clone()),
                Reviewers::GroupMembers { group } => Some(dir.group_user_ids(group)),
                Reviewers::Managers => {
                    return StageResolver::Managers {
                        by_manager: FastMap::default(),
                        fallback,
                    }
                }
                Reviewers::SelfReview => return StageResolver::SelfReview,
            };
            match fixed {
                Some(set) if !set.is_empty() => StageResolver::Fixed {
                    set: sets.intern(set),
                    fallback: false,
                },
                _ => StageResolver::Fixed {
                    set: fallback,
                    fallback: true,
                },
            }
        })
        .collect();

    let group = (kind == ResourceKind::Group)
        .then(|| dir.groups.get(resource))
        .flatten();
    let items = holders
        .into_iter()
        .map(|(access, user)| {
            let mut reviewer_ids = [NO_REVIEWERS; MAX_STAGES];
            let mut fallback = [false; MAX_STAGES];
            for (stage, resolver) in resolvers.iter_mut().enumerate() {
                let (set, used_fallback) = match resolver {
                    StageResolver::Fixed { set, fallback } => (*set, *fallback),
                    StageResolver::Managers {
                        by_manager,
                        fallback,
                    } => match &user.manager {
                        None => (*fallback, true),
                        Some(m) => (
                            *by_manager
                                .entry(m.as_str())
                                .or_insert_with(|| sets.push(vec![m.clone()])),
                            false,
                        ),
                    },
                    // Reviewees are distinct, so a self-review set is never shared.
                    StageResolver::SelfReview => (sets.push(vec![user.id.clone()]), false),
                };
                reviewer_ids[stage] = set;
                fallback[stage] = used_fallback;
            }
            let not_supported = match (&access.path, kind) {
                (AccessPath::ViaGroup { group }, ResourceKind::Application) => {
                    Some(NotSupported::GroupAssignedApplication {
                        group: group.clone(),
                    })
                }
                (AccessPath::ViaGroup { group }, _) => Some(NotSupported::NestedMembership {
                    group: group.clone(),
                }),
                (AccessPath::Direct, _) => group.and_then(|g| {
                    if matches!(g.membership, crate::directory::Membership::Dynamic { .. }) {
                        Some(NotSupported::DynamicGroup)
                    } else if g.on_premises_sync {
                        Some(NotSupported::OnPremisesGroup)
                    } else {
                        None
                    }
                }),
            };
            let recommendation = wants_recommendations
                .then(|| recommend(def, user, peers.as_ref(), at))
                .flatten();
            DecisionItem {
                user: user.id.clone(),
                user_name: user.display_name.clone(),
                user_principal_name: user.user_principal_name.clone(),
                user_type: user.user_type,
                last_sign_in: user.last_sign_in,
                access: access.path,
                assignment: access.assignment,
                recommendation,
                reviewers: reviewer_ids,
                fallback,
                stage: 0,
                decisions: Default::default(),
                not_supported,
                apply_result: None,
            }
        })
        .collect();

    let mut stages: Vec<StageState> = def
        .stages
        .iter()
        .map(|_| StageState {
            status: StageStatus::NotStarted,
            started: None,
            deadline: None,
            ended: None,
            end_reason: None,
            reminded: false,
        })
        .collect();
    stages[0].status = StageStatus::InProgress;
    stages[0].started = Some(at);
    stages[0].deadline = Some(at + chrono::Duration::days(i64::from(def.stages[0].duration_days)));

    Instance {
        id: instance_id(&def.id, occurrence, resource),
        definition: def.id.clone(),
        occurrence,
        resource: ResourceRef {
            kind,
            id: resource.to_string(),
            name: dir
                .resource_name(kind, resource)
                .unwrap_or(resource)
                .to_string(),
        },
        status: InstanceStatus::InProgress,
        stopped: false,
        started: at,
        completed: None,
        stages,
        current_stage: 0,
        items,
        reviewer_sets: sets.sets,
        applied: None,
        outcome_rule: OutcomeRule::StageDecision,
    }
}

/// How one stage finds an item's reviewers during a snapshot.
enum StageResolver<'a> {
    /// The same set for every item (owners, selected users, group members, or the fallback).
    Fixed {
        set: u32,
        fallback: bool,
    },
    Managers {
        by_manager: FastMap<&'a str, u32>,
        fallback: u32,
    },
    SelfReview,
}

#[derive(Default)]
struct ReviewerSets {
    sets: Vec<Vec<String>>,
    index: HashMap<Vec<String>, u32>,
}

impl ReviewerSets {
    /// Add a set without looking for an equal one (the caller knows it is new or unshared).
    fn push(&mut self, set: Vec<String>) -> u32 {
        self.sets.push(set);
        (self.sets.len() - 1) as u32
    }

    fn intern(&mut self, mut set: Vec<String>) -> u32 {
        set.sort();
        set.dedup();
        if let Some(&i) = self.index.get(&set) {
            return i;
        }
        let i = self.sets.len() as u32;
        self.sets.push(set.clone());
        self.index.insert(set, i);
        i
    }
}

/// Per manager: how many reports they have, and how many of those hold the access.
struct PeerCounts<'a> {
    team: FastMap<&'a str, u32>,
    holders: FastMap<&'a str, u32>,
}

/// Below this share of peers holding the access, affiliation is "little overlap".
const LOW_AFFILIATION: f64 = 0.25;
/// Fewer peers than this says nothing about affiliation.
const MIN_PEERS: u32 = 2;

impl<'a> PeerCounts<'a> {
    fn new(dir: &'a Directory, holders: impl Iterator<Item = &'a User>) -> Self {
        let mut team = FastMap::default();
        for u in dir.users.values() {
            if let Some(m) = &u.manager {
                *team.entry(m.as_str()).or_insert(0) += 1;
            }
        }
        let mut held = FastMap::default();
        for u in holders {
            if let Some(m) = u.manager.as_deref() {
                *held.entry(m).or_insert(0) += 1;
            }
        }
        PeerCounts {
            team,
            holders: held,
        }
    }

    /// (peers holding the access, peers) for a holder, excluding the user themself.
    fn for_holder(&self, manager: &str) -> (u32, u32) {
        let team = self.team.get(manager).copied().unwrap_or(1);
        let held = self.holders.get(manager).copied().unwrap_or(1);
        (held.saturating_sub(1), team.saturating_sub(1))
    }
}

fn recommend(
    def: &ReviewDefinition,
    user: &crate::directory::User,
    peers: Option<&PeerCounts>,
    now: DateTime<Utc>,
) -> Option<Recommendation> {
    let cfg = &def.settings.recommendations;
    let mut deny = Vec::new();
    let mut approve = Vec::new();
    if cfg.inactivity {
        let days = user.days_since_sign_in(now);
        let inactive = days > i64::from(cfg.look_back_days);
        match (user.last_sign_in, inactive) {
            (None, true) => deny.push(Reason::NeverSignedIn { account_days: days }),
            (None, false) => approve.push(Reason::NewAccount),
            (Some(_), true) => deny.push(Reason::NoSignIn { days }),
            (Some(_), false) => approve.push(Reason::SignedIn { days }),
        }
    }
    if let (Some(peers), Some(manager)) = (peers, user.manager.as_deref()) {
        let (held, total) = peers.for_holder(manager);
        if total >= MIN_PEERS {
            if f64::from(held) < f64::from(total) * LOW_AFFILIATION {
                deny.push(Reason::LittlePeerOverlap { held, total });
            } else {
                approve.push(Reason::PeerOverlap { held, total });
            }
        }
    }
    match (deny.is_empty(), approve.is_empty()) {
        (false, _) => Some(Recommendation {
            decision: Decision::Deny,
            reasons: deny,
        }),
        (true, false) => Some(Recommendation {
            decision: Decision::Approve,
            reasons: approve,
        }),
        (true, true) => None,
    }
}
