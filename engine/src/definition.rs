//! Review definitions — what the creation wizard produces (SPEC section 3) — and their
//! validation. A definition is a serde type with a version field: its JSON is a
//! compatibility promise (drafts and events hold it).

use crate::tagged::internally_tagged;
use chrono::{DateTime, Months, Utc};
use serde::{Deserialize, Serialize};

use crate::directory::{Directory, ResourceKind};

mod validate;

/// Version written into new definitions.
pub const DEFINITION_VERSION: u16 = 1;
/// A review has at most three stages (Entra).
pub const MAX_STAGES: usize = 3;
/// Longest description for reviewers, in characters (it goes into notifications).
pub const MAX_REVIEWER_DESCRIPTION: usize = 256;
/// Longest stage, in days.
pub const MAX_STAGE_DAYS: u32 = 180;
/// Default look-back window of the inactivity recommendation, in days.
pub const DEFAULT_LOOK_BACK_DAYS: u32 = 30;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
/// An access review as the administrator configures it (Entra's `accessReviewScheduleDefinition`).
pub struct ReviewDefinition {
    #[serde(default = "definition_version")]
    /// Format version, for reading older forms.
    pub v: u16,
    /// Its id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Description only administrators see.
    pub description_for_admins: String,
    /// Shown to reviewers in notifications; at most 256 characters.
    pub description_for_reviewers: String,
    /// What is reviewed and whose access.
    pub scope: Scope,
    /// One to three stages, run in order.
    pub stages: Vec<StageSettings>,
    /// "Show previous stage(s) decisions to later stage reviewers". Off = blind later stages.
    pub show_previous_decisions: bool,
    /// "Reviewees going to the next stage" (multi-stage only).
    pub decisions_to_next_stage: Vec<Outcome>,
    /// What happens at the end, recommendations and reminders.
    pub settings: Settings,
    /// Start, recurrence and end.
    pub schedule: Schedule,
}

fn definition_version() -> u16 {
    DEFINITION_VERSION
}

/// A decision as it stands for one reviewee; `NotReviewed` is the absence of one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Outcome {
    /// Approved.
    Approve,
    /// Denied.
    Deny,
    /// "Don't know".
    DontKnow,
    /// No decision recorded.
    NotReviewed,
}

impl Outcome {
    /// Every outcome, in the order screens list them.
    pub const ALL: [Outcome; 4] = [
        Outcome::Approve,
        Outcome::Deny,
        Outcome::NotReviewed,
        Outcome::DontKnow,
    ];

    /// The wording the seed documents use for "Reviewees going to the next stage".
    pub fn next_stage_label(self) -> &'static str {
        match self {
            Outcome::Approve => "Approved reviewees",
            Outcome::Deny => "Denied reviewees",
            Outcome::NotReviewed => "Not reviewed reviewees",
            Outcome::DontKnow => "Reviewees marked as \u{2018}Don\u{2019}t know\u{2019}",
        }
    }

    /// Microsoft Graph decision value.
    pub fn graph_value(self) -> &'static str {
        match self {
            Outcome::Approve => "Approve",
            Outcome::Deny => "Deny",
            Outcome::DontKnow => "DontKnow",
            Outcome::NotReviewed => "NotReviewed",
        }
    }

    /// The outcome as screens show it.
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Approve => "Approved",
            Outcome::Deny => "Denied",
            Outcome::DontKnow => "Don't know",
            Outcome::NotReviewed => "Not reviewed",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
/// Whose access is reviewed.
pub enum PrincipalScope {
    /// All users with the access.
    AllUsers,
    /// Guest users only.
    GuestsOnly,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
/// The scope of a review.
pub struct Scope {
    /// The kind of resource under review.
    pub resource_kind: ResourceKind,
    /// Each resource becomes its own review instance.
    pub resources: Vec<String>,
    /// All users or guests only.
    pub principals: PrincipalScope,
    /// "Inactive users (on tenant level) only": inactive for this many days (1-730).
    pub inactive_days: Option<u32>,
    /// Review group membership through nested groups too (groups only).
    pub transitive: bool,
}

internally_tagged! { "type", "Reviewers",
    #[derive(Clone, Debug, PartialEq, Eq)]
    #[serde(rename_all = "camelCase")]
    /// Who reviews in a stage.
    pub enum Reviewers {
        /// "Managers of users".
        Managers,
        /// "Group owner(s)" / application owners / access package managers.
        ResourceOwners,
        /// "Select user(s)".
        /// "Select user(s)": these users review.
        SelectedUsers {
            /// User ids of the reviewers.
            users: Vec<String>,
        },
        /// "Select group(s)": every member of the group reviews.
        /// "Select group(s)": every member of the group reviews.
        GroupMembers {
            /// The group's id.
            group: String,
        },
        /// "Users review their own access".
        SelfReview,
    }
}

impl Reviewers {
    /// The kind of reviewer as the wizard names it.
    pub fn label(&self) -> &'static str {
        match self {
            Reviewers::Managers => "Managers of users",
            Reviewers::ResourceOwners => "Group owner(s)",
            Reviewers::SelectedUsers { .. } => "Select user(s)",
            Reviewers::GroupMembers { .. } => "Members of a group",
            Reviewers::SelfReview => "Users review their own access",
        }
    }

    /// Kinds whose reviewer set can come out empty for an item and so need fallbacks.
    pub fn may_be_empty(&self) -> bool {
        matches!(self, Reviewers::Managers | Reviewers::ResourceOwners)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
/// One stage of a review.
pub struct StageSettings {
    /// User ids of the reviewers.
    pub reviewers: Reviewers,
    /// Used when the reviewer set is empty (a user without a manager, a group without owner).
    pub fallback_reviewers: Vec<String>,
    /// How long the stage lasts, in days.
    pub duration_days: u32,
    /// Show recommendations to this stage's reviewers.
    pub recommendations: bool,
}

/// "If reviewers don't respond".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum NoResponse {
    /// No change: access stays as it is.
    NoChange,
    /// Remove access.
    RemoveAccess,
    /// Approve access.
    ApproveAccess,
    /// Take the recommendations.
    TakeRecommendations,
}

impl NoResponse {
    /// The choice as the wizard names it.
    pub fn label(self) -> &'static str {
        match self {
            NoResponse::NoChange => "No change",
            NoResponse::RemoveAccess => "Remove access",
            NoResponse::ApproveAccess => "Approve access",
            NoResponse::TakeRecommendations => "Take recommendations",
        }
    }
}

/// "Action to apply on denied guest users" (guests-only scope).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DeniedGuestAction {
    /// "Remove user's membership from the resource".
    RemoveMembership,
    /// "Block user from signing-in for 30 days, then remove user from the tenant".
    BlockThenDelete,
}

/// Days between blocking a denied guest and deleting it.
pub const GUEST_DELETION_DAYS: i64 = 30;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
/// Which recommendations reviewers see.
pub struct Recommendations {
    /// Recommend Deny for users without a sign-in during the look-back window.
    pub inactivity: bool,
    /// How far back sign-ins count, in days.
    pub look_back_days: u32,
    /// Recommend Deny for users whose peers (same manager) mostly lack this access.
    pub peer_affiliation: bool,
}

impl Default for Recommendations {
    fn default() -> Self {
        Recommendations {
            inactivity: true,
            look_back_days: DEFAULT_LOOK_BACK_DAYS,
            peer_affiliation: true,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
/// Settings that apply to the whole review.
pub struct Settings {
    /// "If reviewers don't respond".
    pub if_no_response: NoResponse,
    /// "Justification required" on approval.
    pub justification_required: bool,
    /// "Auto apply results to resource".
    pub auto_apply: bool,
    /// Only with a guests-only scope.
    pub denied_guest_action: Option<DeniedGuestAction>,
    /// Which recommendations are made.
    pub recommendations: Recommendations,
    /// Send a reminder halfway through each stage to reviewers with undecided items.
    pub reminders: bool,
    /// The escalation ladder; None (every record before it existed) is the halfway reminder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escalation: Option<Ladder>,
    /// Time-bound approvals and bulk-approval guardrails (`guardrails`, `expiry`); absent in
    /// reviews created before they existed: both off.
    #[serde(default, skip_serializing_if = "ApprovalRules::is_off")]
    pub approval: ApprovalRules,
    /// "Review on move": when an import shows a reviewee's manager or department changed,
    /// a small review of their access by the new manager starts (`programme::mover_reviews`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub review_on_move: bool,
    /// Delta mode (recurring reviews): an occurrence holds only what changed since the last
    /// completed one; unchanged approvals are carried forward (`context::narrow`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub delta_mode: bool,
}

/// How reviewers may approve: until a date, and in bulk.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApprovalRules {
    /// Reviewers may approve until a date; at that date the access is removed unless a
    /// newer review certified it (`expiry`).
    #[serde(default)]
    pub approve_until: bool,
    /// No bulk approval at all: every approval is one reviewee at a time.
    #[serde(default)]
    pub forbid_bulk_approve: bool,
}

impl ApprovalRules {
    /// Both off (the default; not written, so earlier definitions' JSON is unchanged).
    pub fn is_off(&self) -> bool {
        *self == ApprovalRules::default()
    }
}

/// Reminders at chosen points before a stage ends, only to reviewers with undecided items,
/// then escalation to the reviewer's manager (or a named person) after the Nth reminder.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Ladder {
    /// Days before the stage's end at which a reminder goes out (e.g. 7, 3, 1); points
    /// before the stage starts are skipped.
    pub days_before: Vec<u32>,
    /// After this many reminders of a stage, escalate (None: never).
    pub escalate_after: Option<u32>,
    /// Who gets escalations; None is each reviewer's manager.
    pub escalate_to: Option<String>,
}

impl Ladder {
    /// The reminder moments of a stage, earliest first.
    pub fn moments(
        &self,
        started: chrono::DateTime<chrono::Utc>,
        deadline: chrono::DateTime<chrono::Utc>,
    ) -> Vec<chrono::DateTime<chrono::Utc>> {
        let mut at: Vec<_> = self
            .days_before
            .iter()
            .map(|&d| deadline - chrono::Duration::days(i64::from(d)))
            .filter(|&t| t > started && t < deadline)
            .collect();
        at.sort_unstable();
        at.dedup();
        at
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
/// How often a review recurs.
pub enum Frequency {
    /// Once.
    OneTime,
    /// Every week.
    Weekly,
    /// Every month.
    Monthly,
    /// Every three months.
    Quarterly,
    /// Every six months.
    SemiAnnually,
    /// Every year.
    Annually,
}

impl Frequency {
    /// The longest review (sum of stage durations) that fits in one period. Periods in
    /// months use their shortest case minus a day, as Entra's monthly limit of 27 days does.
    pub fn max_duration_days(self) -> Option<u32> {
        match self {
            Frequency::OneTime => None,
            Frequency::Weekly => Some(7),
            Frequency::Monthly => Some(27),
            Frequency::Quarterly => Some(88),
            Frequency::SemiAnnually => Some(180),
            Frequency::Annually => Some(364),
        }
    }

    /// The frequency as the wizard names it.
    pub fn label(self) -> &'static str {
        match self {
            Frequency::OneTime => "One time",
            Frequency::Weekly => "Weekly",
            Frequency::Monthly => "Monthly",
            Frequency::Quarterly => "Quarterly",
            Frequency::SemiAnnually => "Semi-annually",
            Frequency::Annually => "Annually",
        }
    }
}

internally_tagged! { "type", "ScheduleEnd",
    #[derive(Clone, Debug, PartialEq, Eq)]
    #[serde(rename_all = "camelCase")]
    /// When a recurring review stops.
    pub enum ScheduleEnd {
        /// Never: it recurs until the series is ended.
        Never,
        /// On a date: no occurrence starts after it.
        OnDate {
            /// The last day an occurrence may start.
            date: DateTime<Utc>,
        },
        /// After this many occurrences.
        AfterOccurrences {
            /// How many occurrences.
            count: u32,
        },
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
/// When a review starts and how it recurs.
pub struct Schedule {
    /// Start of the first occurrence.
    pub start: DateTime<Utc>,
    /// How often it recurs.
    pub frequency: Frequency,
    /// When it stops recurring.
    pub end: ScheduleEnd,
}

impl Schedule {
    /// Start of occurrence `n` (0-based), or None when the series has ended before it.
    pub fn occurrence_start(&self, n: u32) -> Option<DateTime<Utc>> {
        let at = match self.frequency {
            Frequency::OneTime => (n == 0).then_some(self.start)?,
            Frequency::Weekly => self.start + chrono::Duration::days(7 * i64::from(n)),
            Frequency::Monthly => self.start.checked_add_months(Months::new(n))?,
            Frequency::Quarterly => self.start.checked_add_months(Months::new(3 * n))?,
            Frequency::SemiAnnually => self.start.checked_add_months(Months::new(6 * n))?,
            Frequency::Annually => self.start.checked_add_months(Months::new(12 * n))?,
        };
        match &self.end {
            ScheduleEnd::Never => Some(at),
            ScheduleEnd::OnDate { date } => (at <= *date).then_some(at),
            ScheduleEnd::AfterOccurrences { count } => (n < *count).then_some(at),
        }
    }
}

/// One broken rule, naming the field the way the wizard and the Graph JSON name it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{field}: {rule}")]
pub struct FieldError {
    /// The field, as a path (`stages[0].reviewers`).
    pub field: String,
    /// The rule it breaks, in words.
    pub rule: String,
}

impl Scope {
    /// Whether `user`'s access is in this scope at `at`: guests only when the scope says so,
    /// inactive users only when it asks for them (the snapshot and launch readiness agree).
    pub fn includes(&self, user: &crate::directory::User, at: DateTime<Utc>) -> bool {
        (self.principals == PrincipalScope::AllUsers
            || user.user_type == crate::directory::UserType::Guest)
            && self.inactive_days.is_none_or(|d| user.is_inactive(d, at))
    }
}

impl ReviewDefinition {
    /// More than one stage.
    pub fn is_multi_stage(&self) -> bool {
        self.stages.len() > 1
    }

    /// Total planned length: the sum of the stage durations.
    pub fn duration_days(&self) -> u32 {
        self.stages.iter().map(|s| s.duration_days).sum()
    }

    /// Clear what an edit made inapplicable, so no hidden setting can block the review. The
    /// wizard calls it after every change with the definition as it was before; each rule
    /// fires only when the edit changed the field it depends on, so a setting a draft or an
    /// import brought in stays visible (and `validate` names it) until the administrator
    /// changes what it depends on. Each line is the counterpart of a `validate` rule:
    /// - nested membership (`transitive`) only for groups;
    /// - the action on denied guests only when the scope is guest users only;
    /// - previous stage decisions shown only in a multi-stage review;
    /// - fallback reviewers only for reviewers that may turn out to be nobody;
    /// - a one-time review has no recurrence end.
    pub fn normalize(&mut self, before: &ReviewDefinition) {
        let scope_changed = self.scope.resource_kind != before.scope.resource_kind;
        if scope_changed && self.scope.resource_kind != ResourceKind::Group {
            self.scope.transitive = false;
        }
        if self.scope.principals != before.scope.principals
            && self.scope.principals != PrincipalScope::GuestsOnly
        {
            self.settings.denied_guest_action = None;
        }
        if self.stages.len() != before.stages.len() && !self.is_multi_stage() {
            self.show_previous_decisions = false;
        }
        for (i, stage) in self.stages.iter_mut().enumerate() {
            let was = before.stages.get(i).map(|s| &s.reviewers);
            if was != Some(&stage.reviewers) && !stage.reviewers.may_be_empty() {
                stage.fallback_reviewers.clear();
            }
        }
        if self.schedule.frequency != before.schedule.frequency
            && self.schedule.frequency == Frequency::OneTime
        {
            self.schedule.end = ScheduleEnd::Never;
        }
    }
}
