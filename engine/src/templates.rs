//! Definition templates: the four scenarios of the multi-stage seed document, ready to fill
//! the creation wizard. A template sets the stages and settings of its scenario; the
//! administrator still chooses what to review (the resources) and names the review.

use chrono::{DateTime, Utc};

use crate::definition::{
    DeniedGuestAction, Frequency, NoResponse, Outcome, PrincipalScope, Recommendations,
    ReviewDefinition, Reviewers, Schedule, ScheduleEnd, Scope, Settings, StageSettings,
    DEFINITION_VERSION,
};
use crate::directory::{Directory, ResourceKind};

/// Days each stage of a template lasts; short enough to fit a monthly recurrence.
const TEMPLATE_STAGE_DAYS: u32 = 7;
/// "Inactive users (on tenant level) only" in the guest review scenario.
const GUEST_INACTIVE_DAYS: u32 = 180;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
/// A starting point for the wizard.
pub enum Template {
    /// "Reach consensus across multiple sets of reviewers".
    Consensus,
    /// "Assign alternate reviewers to weigh in on unreviewed decisions".
    AlternateReviewers,
    /// "Reduce burden on later stage reviewers".
    ReduceBurden,
    /// "Guest user reviews".
    GuestReview,
}

impl Template {
    /// Every template, in the order the wizard lists them.
    pub const ALL: [Template; 4] = [
        Template::Consensus,
        Template::AlternateReviewers,
        Template::ReduceBurden,
        Template::GuestReview,
    ];

    /// Stable key, used in URLs and `<select>` values.
    pub fn key(self) -> &'static str {
        match self {
            Template::Consensus => "consensus",
            Template::AlternateReviewers => "alternate-reviewers",
            Template::ReduceBurden => "reduce-burden",
            Template::GuestReview => "guest-review",
        }
    }

    /// The template with this key.
    pub fn from_key(key: &str) -> Option<Template> {
        Template::ALL.into_iter().find(|t| t.key() == key)
    }

    /// The scenario's heading in the seed document.
    pub fn title(self) -> &'static str {
        match self {
            Template::Consensus => "Reach consensus across multiple sets of reviewers",
            Template::AlternateReviewers => {
                "Assign alternate reviewers to weigh in on unreviewed decisions"
            }
            Template::ReduceBurden => "Reduce burden on later stage reviewers",
            Template::GuestReview => "Guest user reviews",
        }
    }

    /// What the template sets up, in one sentence.
    pub fn summary(self) -> &'static str {
        match self {
            Template::Consensus => {
                "Groups: managers, then group owners, then the auditors group; every reviewee goes on and earlier decisions are shown; no response removes access."
            }
            Template::AlternateReviewers => {
                "Applications: the application owners first, then managers see only Not reviewed and Don't know reviewees, blind; no response approves access."
            }
            Template::ReduceBurden => {
                "Groups: users review their own access, then managers, then group owners; only approved reviewees go on; no response removes access."
            }
            Template::GuestReview => {
                "Guests inactive for 180 days review themselves, then group owners confirm; denied guests are blocked for 30 days, then removed from the tenant."
            }
        }
    }

    /// The template as a definition with `id`, starting at `start`. Resources are left
    /// empty for the administrator to choose. The consensus scenario's third stage uses the
    /// directory's auditors group when there is one (a group whose name mentions auditors).
    pub fn definition(self, id: &str, start: DateTime<Utc>, dir: &Directory) -> ReviewDefinition {
        let stage = |reviewers: Reviewers| StageSettings {
            reviewers,
            fallback_reviewers: Vec::new(),
            duration_days: TEMPLATE_STAGE_DAYS,
            recommendations: true,
        };
        let mut def = blank(id, start);
        def.name = self.title().to_string();
        def.description_for_admins = self.summary().to_string();
        def.decisions_to_next_stage = vec![Outcome::Approve];
        def.settings.if_no_response = NoResponse::RemoveAccess;
        match self {
            Template::Consensus => {
                let auditors = auditors_group(dir).unwrap_or_default();
                def.stages = vec![
                    stage(Reviewers::Managers),
                    stage(Reviewers::ResourceOwners),
                    stage(Reviewers::GroupMembers { group: auditors }),
                ];
                def.show_previous_decisions = true;
                def.decisions_to_next_stage = Outcome::ALL.to_vec();
            }
            Template::AlternateReviewers => {
                // "Select user(s) – the owner(s) of the applications": the owners of each
                // reviewed application, which is what resource owners are for an app.
                def.scope.resource_kind = ResourceKind::Application;
                def.stages = vec![stage(Reviewers::ResourceOwners), stage(Reviewers::Managers)];
                def.decisions_to_next_stage = vec![Outcome::NotReviewed, Outcome::DontKnow];
                def.settings.if_no_response = NoResponse::ApproveAccess;
            }
            Template::ReduceBurden => {
                def.stages = vec![
                    stage(Reviewers::SelfReview),
                    stage(Reviewers::Managers),
                    stage(Reviewers::ResourceOwners),
                ];
            }
            Template::GuestReview => {
                def.scope.principals = PrincipalScope::GuestsOnly;
                def.scope.inactive_days = Some(GUEST_INACTIVE_DAYS);
                def.stages = vec![
                    stage(Reviewers::SelfReview),
                    stage(Reviewers::ResourceOwners),
                ];
                // Guests give a business justification for continued access.
                def.settings.justification_required = true;
                def.settings.auto_apply = true;
                def.settings.denied_guest_action = Some(DeniedGuestAction::BlockThenDelete);
            }
        }
        def
    }

    /// Apply the template to what the wizard holds: keeps its id, start, name and
    /// descriptions when already filled in, and its resources when they are of the
    /// template's kind.
    pub fn apply_to(self, current: &ReviewDefinition, dir: &Directory) -> ReviewDefinition {
        let mut def = self.definition(&current.id, current.schedule.start, dir);
        if current.scope.resource_kind == def.scope.resource_kind {
            def.scope.resources = current.scope.resources.clone();
            def.scope.transitive = current.scope.transitive;
        }
        let from_template = |text: &str, of: fn(Template) -> &'static str| {
            Template::ALL.into_iter().any(|t| of(t) == text)
        };
        if !current.name.trim().is_empty() && !from_template(&current.name, Template::title) {
            def.name = current.name.clone();
        }
        if !current.description_for_reviewers.trim().is_empty() {
            def.description_for_reviewers = current.description_for_reviewers.clone();
        }
        if !current.description_for_admins.trim().is_empty()
            && !from_template(&current.description_for_admins, Template::summary)
        {
            def.description_for_admins = current.description_for_admins.clone();
        }
        def
    }
}

/// Where the wizard starts: a one-stage, one-time review of groups by their owners, all
/// users, no response changes nothing, recommendations and reminders on.
pub fn blank(id: &str, start: DateTime<Utc>) -> ReviewDefinition {
    ReviewDefinition {
        v: DEFINITION_VERSION,
        id: id.to_string(),
        name: String::new(),
        description_for_admins: String::new(),
        description_for_reviewers: String::new(),
        scope: Scope {
            resource_kind: ResourceKind::Group,
            resources: Vec::new(),
            principals: PrincipalScope::AllUsers,
            inactive_days: None,
            transitive: false,
        },
        stages: vec![StageSettings {
            reviewers: Reviewers::ResourceOwners,
            fallback_reviewers: Vec::new(),
            duration_days: TEMPLATE_STAGE_DAYS,
            recommendations: true,
        }],
        show_previous_decisions: false,
        decisions_to_next_stage: Outcome::ALL.to_vec(),
        settings: Settings {
            if_no_response: NoResponse::NoChange,
            justification_required: false,
            auto_apply: false,
            denied_guest_action: None,
            recommendations: Recommendations::default(),
            reminders: true,
            escalation: None,
            approval: Default::default(),
            review_on_move: false,
            delta_mode: false,
        },
        schedule: Schedule {
            start,
            frequency: Frequency::OneTime,
            end: ScheduleEnd::Never,
        },
    }
}

/// The group the seed calls "Contoso auditors group": the first group whose name mentions
/// auditors.
fn auditors_group(dir: &Directory) -> Option<String> {
    dir.groups
        .values()
        .find(|g| g.display_name.to_lowercase().contains("auditor"))
        .map(|g| g.id.clone())
}
