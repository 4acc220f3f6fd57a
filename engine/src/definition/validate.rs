//! `validate`: every rule a definition must keep, each error naming its field.

use super::*;

pub(super) fn err(field: impl Into<String>, rule: impl Into<String>) -> FieldError {
    FieldError {
        field: field.into(),
        rule: rule.into(),
    }
}

impl ReviewDefinition {
    /// Every broken rule, in wizard order. Empty means valid. References are checked
    /// against `dir`, the directory the review will run on.
    pub fn validate(&self, dir: &Directory) -> Vec<FieldError> {
        let mut errors = Vec::new();
        self.validate_basics(&mut errors);
        self.validate_scope(dir, &mut errors);
        self.validate_stages(dir, &mut errors);
        self.validate_settings(&mut errors);
        self.validate_schedule(&mut errors);
        errors
    }

    fn validate_basics(&self, errors: &mut Vec<FieldError>) {
        if self.id.trim().is_empty() {
            errors.push(err("id", "a review needs an id"));
        }
        if self.name.trim().is_empty() {
            errors.push(err("name", "enter a name for the review"));
        } else if self.name.chars().count() > 256 {
            errors.push(err("name", "the name can be at most 256 characters"));
        }
        let n = self.description_for_reviewers.chars().count();
        if n > MAX_REVIEWER_DESCRIPTION {
            errors.push(err(
                "descriptionForReviewers",
                format!("at most {MAX_REVIEWER_DESCRIPTION} characters (it is shown in notifications); this one has {n}"),
            ));
        }
    }

    fn validate_scope(&self, dir: &Directory, errors: &mut Vec<FieldError>) {
        let scope = &self.scope;
        if scope.resources.is_empty() {
            errors.push(err(
                "scope.resources",
                "select at least one resource to review",
            ));
        }
        for (i, r) in scope.resources.iter().enumerate() {
            if !dir.resource_exists(scope.resource_kind, r) {
                errors.push(err(
                    format!("scope.resources[{i}]"),
                    format!(
                        "{} \"{r}\" does not exist in the directory",
                        scope.resource_kind.noun()
                    ),
                ));
            }
            if scope.resources[..i].contains(r) {
                errors.push(err(
                    format!("scope.resources[{i}]"),
                    format!("\"{r}\" is selected twice"),
                ));
            }
        }
        if let Some(days) = scope.inactive_days {
            if !(1..=730).contains(&days) {
                errors.push(err(
                    "scope.inactiveDays",
                    "inactive users only: enter between 1 and 730 days",
                ));
            }
        }
        if scope.transitive && scope.resource_kind != ResourceKind::Group {
            errors.push(err(
                "scope.transitive",
                "reviewing nested membership only applies to groups",
            ));
        }
    }

    fn validate_stages(&self, dir: &Directory, errors: &mut Vec<FieldError>) {
        if self.stages.is_empty() || self.stages.len() > MAX_STAGES {
            errors.push(err("stages", "a review has one, two or three stages"));
        }
        for (i, stage) in self.stages.iter().enumerate() {
            let field = |f: &str| format!("stages[{i}].{f}");
            match &stage.reviewers {
                Reviewers::SelectedUsers { users } => {
                    if users.is_empty() {
                        errors.push(err(field("reviewers"), "select at least one reviewer"));
                    }
                    for u in users {
                        if !dir.users.contains_key(u) {
                            errors.push(err(
                                field("reviewers"),
                                format!("reviewer \"{u}\" does not exist in the directory"),
                            ));
                        }
                    }
                }
                Reviewers::GroupMembers { group } if group.is_empty() => {
                    errors.push(err(
                        field("reviewers"),
                        "choose the group whose members review",
                    ));
                }
                Reviewers::GroupMembers { group } if !dir.groups.contains_key(group) => {
                    errors.push(err(
                        field("reviewers"),
                        format!("reviewer group \"{group}\" does not exist in the directory"),
                    ));
                }
                Reviewers::ResourceOwners
                    if self.scope.resource_kind == ResourceKind::DirectoryRole =>
                {
                    errors.push(err(
                        field("reviewers"),
                        "directory roles have no owners: choose another kind of reviewer",
                    ));
                }
                _ => {}
            }
            for u in &stage.fallback_reviewers {
                if !dir.users.contains_key(u) {
                    errors.push(err(
                        field("fallbackReviewers"),
                        format!("fallback reviewer \"{u}\" does not exist in the directory"),
                    ));
                }
            }
            if !(1..=MAX_STAGE_DAYS).contains(&stage.duration_days) {
                errors.push(err(
                    field("durationInDays"),
                    format!("a stage lasts between 1 and {MAX_STAGE_DAYS} days"),
                ));
            }
        }
        if self.is_multi_stage() && self.decisions_to_next_stage.is_empty() {
            errors.push(err(
                "decisionsThatWillMoveToNextStage",
                "select which reviewees go to the next stage (Approved, Denied, Not reviewed, Don't know)",
            ));
        }
        if !self.is_multi_stage() && self.show_previous_decisions {
            errors.push(err(
                "showPreviousDecisions",
                "showing previous stage decisions only applies to multi-stage reviews",
            ));
        }
    }

    fn validate_settings(&self, errors: &mut Vec<FieldError>) {
        if self.settings.denied_guest_action.is_some()
            && self.scope.principals != PrincipalScope::GuestsOnly
        {
            errors.push(err(
                "settings.deniedGuestAction",
                "the action on denied guest users is only available when the scope is guest users only",
            ));
        }
        let look_back = self.settings.recommendations.look_back_days;
        if !(1..=180).contains(&look_back) {
            errors.push(err(
                "settings.recommendationLookBackDuration",
                "the look-back window is between 1 and 180 days",
            ));
        }
    }

    fn validate_schedule(&self, errors: &mut Vec<FieldError>) {
        let schedule = &self.schedule;
        match (&schedule.end, schedule.frequency) {
            (ScheduleEnd::Never, _) => {}
            (_, Frequency::OneTime) => {
                errors.push(err(
                    "schedule.end",
                    "a one-time review has no recurrence end",
                ));
            }
            (ScheduleEnd::OnDate { date }, _) if *date <= schedule.start => {
                errors.push(err(
                    "schedule.end",
                    "the end date must be after the start date",
                ));
            }
            (ScheduleEnd::AfterOccurrences { count: 0 }, _) => {
                errors.push(err("schedule.end", "end after at least one occurrence"));
            }
            _ => {}
        }
        if let Some(max) = schedule.frequency.max_duration_days() {
            let total = self.duration_days();
            if total > max {
                errors.push(err(
                    "stages.durationInDays",
                    format!(
                        "a {} review lasts at most {max} days; the stages add up to {total}",
                        schedule.frequency.label().to_lowercase()
                    ),
                ));
            }
        }
    }
}
