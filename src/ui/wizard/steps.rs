//! The four wizard steps, one file each. Each control reads and writes the wizard's definition; options
//! appear only where they apply, and switching an option off clears what depended on it (the
//! engine's `ReviewDefinition::normalize`, run by `Wizard::update`) so
//! no hidden setting can block the review.

use attest_engine::definition::{
    DeniedGuestAction, Frequency, NoResponse, Outcome, PrincipalScope, Reviewers, ScheduleEnd,
    StageSettings, MAX_REVIEWER_DESCRIPTION, MAX_STAGES,
};
use attest_engine::directory::ResourceKind;
use attest_engine::import::parse_date;
use attest_engine::preview::{preview, summary};
use leptos::prelude::*;

use super::controls::{date_value, parse_number, Check, FieldErrors, Radio, UserPicker};
use super::{start_of_day, use_wizard};
use crate::runtime::use_runtime;

mod create;
mod outcomes;
mod review_type;
mod reviews;
mod settings;

pub use create::CreateStep;
pub use review_type::ReviewTypeStep;
pub use reviews::ReviewsStep;
pub use settings::SettingsStep;

const KINDS: [ResourceKind; 4] = [
    ResourceKind::Group,
    ResourceKind::Application,
    ResourceKind::AccessPackage,
    ResourceKind::DirectoryRole,
];
const FREQUENCIES: [Frequency; 6] = [
    Frequency::OneTime,
    Frequency::Weekly,
    Frequency::Monthly,
    Frequency::Quarterly,
    Frequency::SemiAnnually,
    Frequency::Annually,
];
const NO_RESPONSE: [NoResponse; 4] = [
    NoResponse::NoChange,
    NoResponse::RemoveAccess,
    NoResponse::ApproveAccess,
    NoResponse::TakeRecommendations,
];
/// Most resources listed at once; the search narrows the rest.
const MAX_RESOURCES_LISTED: usize = 50;

/// How a validation field is named in the error summary.
pub fn field_label(field: &str) -> String {
    if let Some(rest) = field.strip_prefix("stages[") {
        let (n, sub) = rest.split_once("].").unwrap_or((rest, ""));
        let stage = n.parse::<usize>().map_or(1, |i| i + 1);
        let what = match sub {
            "reviewers" => "reviewers",
            "fallbackReviewers" => "fallback reviewers",
            "durationInDays" => "duration (in days)",
            other => other,
        };
        return format!("Stage {stage} {what}");
    }
    if field.starts_with("scope.resources") {
        return "Resources to review".into();
    }
    match field {
        "name" => "Review name",
        "descriptionForReviewers" => "Description for reviewers",
        "id" => "Review id",
        "scope.inactiveDays" => "Days inactive",
        "scope.transitive" => "Nested group membership",
        "stages" => "Stages",
        "stages.durationInDays" => "Review recurrence",
        "decisionsThatWillMoveToNextStage" => "Reviewees going to the next stage",
        "showPreviousDecisions" => "Show previous stage(s) decisions to later stage reviewers",
        "settings.deniedGuestAction" => "Action to apply on denied guest users",
        "settings.recommendationLookBackDuration" => "Look-back period (in days)",
        "schedule.end" => "End",
        other => other,
    }
    .to_string()
}
