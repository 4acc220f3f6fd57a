//! What a definition will do before it is created: how many instances, how the reviewees
//! are spread over the first stage's reviewers, who falls back to the fallback reviewers
//! (or to nobody), which denials could not be applied, and the outcome simulation
//! (`simulate`). Built from the same snapshot an instance starts from, so the preview and
//! the review agree.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::definition::{NoResponse, ReviewDefinition};
use crate::directory::Directory;
use crate::instance::{snapshot, Instance, NotSupported};
use crate::simulate::Outcomes;
use crate::state::State;
use crate::view::Tally;

/// Reviewees one stage-1 reviewer is asked about, over all instances of one occurrence.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReviewerLoad {
    /// The reviewer's user id.
    pub reviewer: String,
    /// Display name.
    pub name: String,
    /// How many reviewees they review.
    pub reviewees: usize,
}

/// One reviewee of one instance.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PreviewItem {
    /// The resource under review.
    pub resource: String,
    /// The resource's display name.
    pub resource_name: String,
    /// The user's id.
    pub user: String,
    /// The user's display name.
    pub user_name: String,
}

/// A reviewee whose stage reviewers come out empty.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FallbackItem {
    /// 0-based stage.
    pub stage: usize,
    /// Index of the item within the instance.
    pub item: PreviewItem,
    /// True when the fallback reviewer list is empty too: nobody can review this reviewee.
    pub nobody: bool,
}

/// A reviewee whose denial Attest could not apply.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UnsupportedItem {
    /// Index of the item within the instance.
    pub item: PreviewItem,
    /// Why, in words a person can read.
    pub reason: NotSupported,
    /// The reason in words, with group names.
    pub explanation: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
/// What the first occurrence would look like.
pub struct Preview {
    /// Instances per occurrence: one per resource.
    pub instances: usize,
    /// Occurrences of the schedule; None when it never ends.
    pub occurrences: Option<u32>,
    /// Reviewees per resource, in scope order: (resource id, name, count).
    pub reviewees: Vec<(String, String, usize)>,
    /// Stage-1 reviewers, most reviewees first.
    pub stage_one_reviewers: Vec<ReviewerLoad>,
    /// Items that would go to fallback reviewers.
    pub fallback: Vec<FallbackItem>,
    /// Items whose denial could not be applied.
    pub not_supported: Vec<UnsupportedItem>,
    /// What the occurrence would remove and keep if nobody responds, and if everyone
    /// accepts the recommendations.
    #[serde(default)]
    pub outcomes: Outcomes,
}

impl Preview {
    /// Reviewees across every instance.
    pub fn total_reviewees(&self) -> usize {
        self.reviewees.iter().map(|(_, _, n)| n).sum()
    }

    /// Reviewees nobody could review in some stage (no reviewer and no fallback).
    pub fn unreviewable(&self) -> usize {
        self.fallback.iter().filter(|f| f.nobody).count()
    }
}

/// Longest recurrence worth counting; a schedule ending later is reported as its count.
const MAX_COUNTED_OCCURRENCES: u32 = 10_000;

/// The preview of `def` over `dir` as if its first occurrence started at `at`. Resources
/// that do not exist and a definition without stages preview as empty (validation says why).
pub fn preview(def: &ReviewDefinition, dir: &Directory, at: DateTime<Utc>) -> Preview {
    let mut out = Preview {
        instances: def.scope.resources.len(),
        occurrences: occurrences(def),
        ..Preview::default()
    };
    if def.stages.is_empty() {
        return out;
    }
    let mut load: BTreeMap<String, usize> = BTreeMap::new();
    for resource in &def.scope.resources {
        let kind = def.scope.resource_kind;
        let Some(resource_name) = dir.resource_name(kind, resource) else {
            out.reviewees.push((resource.clone(), resource.clone(), 0));
            continue;
        };
        let inst = snapshot(def, dir, resource, 0, at);
        out.outcomes.add_instance(def, &inst);
        out.reviewees.push((
            resource.clone(),
            resource_name.to_string(),
            inst.items.len(),
        ));
        for it in &inst.items {
            let item = PreviewItem {
                resource: resource.clone(),
                resource_name: resource_name.to_string(),
                user: it.user.clone(),
                user_name: it.user_name.clone(),
            };
            for r in inst.reviewers_of(it, 0) {
                *load.entry(r.clone()).or_default() += 1;
            }
            for (stage, &fallback) in it.fallback.iter().enumerate() {
                if fallback {
                    out.fallback.push(FallbackItem {
                        stage,
                        item: item.clone(),
                        nobody: inst.reviewers_of(it, stage).is_empty(),
                    });
                }
            }
            if let Some(reason) = &it.not_supported {
                out.not_supported.push(UnsupportedItem {
                    item,
                    explanation: reason.reason(dir),
                    reason: reason.clone(),
                });
            }
        }
    }
    out.stage_one_reviewers = load
        .into_iter()
        .map(|(reviewer, reviewees)| ReviewerLoad {
            name: dir.display_name(&reviewer).to_string(),
            reviewer,
            reviewees,
        })
        .collect();
    out.stage_one_reviewers
        .sort_by(|a, b| b.reviewees.cmp(&a.reviewees).then(a.name.cmp(&b.name)));
    out
}

fn occurrences(def: &ReviewDefinition) -> Option<u32> {
    let schedule = &def.schedule;
    if schedule.occurrence_start(MAX_COUNTED_OCCURRENCES).is_some() {
        return None;
    }
    // Occurrences are consecutive from 0, so the first missing one is the count.
    let (mut lo, mut hi) = (0u32, MAX_COUNTED_OCCURRENCES);
    while lo < hi {
        let mid = (lo + hi) / 2;
        if schedule.occurrence_start(mid).is_some() {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    Some(lo)
}

/// What the review will do, in plain sentences, in wizard order.
pub fn summary(def: &ReviewDefinition, dir: &Directory) -> Vec<String> {
    use crate::definition::{
        DeniedGuestAction, Frequency, NoResponse, PrincipalScope, Reviewers, ScheduleEnd,
    };

    let mut out = Vec::new();
    let scope = &def.scope;
    let who = match (scope.principals, scope.inactive_days) {
        (PrincipalScope::AllUsers, None) => "all users".to_string(),
        (PrincipalScope::GuestsOnly, None) => "guest users only".to_string(),
        (PrincipalScope::AllUsers, Some(d)) => {
            format!("users who have not signed in for {d} days")
        }
        (PrincipalScope::GuestsOnly, Some(d)) => {
            format!("guest users who have not signed in for {d} days")
        }
    };
    let (one, many) = (scope.resource_kind.noun(), scope.resource_kind.plural());
    let names: Vec<&str> = scope
        .resources
        .iter()
        .map(|r| dir.resource_name(scope.resource_kind, r).unwrap_or(r))
        .collect();
    let what = match names.len() {
        0 => format!("no {many} yet"),
        1 => format!("the {one} {}", names[0]),
        n => format!("{n} {many} ({}), each in its own review", names.join(", ")),
    };
    let nested = if scope.transitive {
        ", including members of nested groups"
    } else {
        ""
    };
    out.push(format!("Reviews the access of {who} to {what}{nested}."));

    let multi = def.is_multi_stage();
    for (i, stage) in def.stages.iter().enumerate() {
        let reviewers = match &stage.reviewers {
            Reviewers::Managers => "each user's manager reviews".to_string(),
            Reviewers::ResourceOwners => format!("the {one}'s owners review"),
            Reviewers::SelectedUsers { users } => format!(
                "{} review{}",
                list_names(dir, users),
                if users.len() == 1 { "s" } else { "" }
            ),
            Reviewers::GroupMembers { group } => {
                format!("the members of {} review", dir.display_name(group))
            }
            Reviewers::SelfReview => "users review their own access".to_string(),
        };
        let fallback = if !stage.reviewers.may_be_empty() {
            String::new()
        } else if stage.fallback_reviewers.is_empty() {
            " Reviewees without one have no reviewer (no fallback reviewers).".to_string()
        } else {
            format!(
                " Reviewees without one go to {}.",
                list_names(dir, &stage.fallback_reviewers)
            )
        };
        let days = stage.duration_days;
        let prefix = if multi {
            format!("Stage {}", i + 1)
        } else {
            "The review".to_string()
        };
        out.push(format!(
            "{prefix} lasts {days} day{}: {reviewers}.{fallback}",
            if days == 1 { "" } else { "s" }
        ));
    }
    if multi {
        let going: Vec<&str> = def
            .decisions_to_next_stage
            .iter()
            .map(|o| o.next_stage_label())
            .collect();
        out.push(if going.is_empty() {
            "No reviewees are chosen to go to the next stage.".to_string()
        } else {
            format!(
                "Reviewees going to the next stage: {}; the others keep their decision and leave the review.",
                going.join(", ")
            )
        });
        out.push(if def.show_previous_decisions {
            "Later stage reviewers see the decisions of earlier stages.".to_string()
        } else {
            "Later stage reviewers review blind: they do not see earlier decisions.".to_string()
        });
    }
    out.push(
        match def.settings.if_no_response {
            NoResponse::NoChange => "Reviewees nobody decides on keep their access (no change).",
            NoResponse::RemoveAccess => "Reviewees nobody decides on lose their access.",
            NoResponse::ApproveAccess => "Reviewees nobody decides on are approved.",
            NoResponse::TakeRecommendations => {
                "Reviewees nobody decides on get the recommended decision."
            }
        }
        .to_string(),
    );
    if def.settings.justification_required {
        out.push("Reviewers must give a justification to approve.".into());
    }
    out.push(if def.settings.auto_apply {
        "Results are applied automatically when the review ends: denied users lose the access."
            .to_string()
    } else {
        "Nothing changes until an administrator selects Apply results after the review ends."
            .to_string()
    });
    if scope.principals == PrincipalScope::GuestsOnly {
        out.push(match def.settings.denied_guest_action {
            Some(DeniedGuestAction::BlockThenDelete) => format!(
                "Denied guest users are blocked from signing in, then removed from the tenant {} days later.",
                crate::definition::GUEST_DELETION_DAYS
            ),
            _ => "Denied guest users lose their membership of the resource.".to_string(),
        });
    }
    let rec = &def.settings.recommendations;
    if def.stages.iter().any(|s| s.recommendations) {
        let mut kinds = Vec::new();
        if rec.inactivity {
            kinds.push(format!("no sign-in within {} days", rec.look_back_days));
        }
        if rec.peer_affiliation {
            kinds.push("user-to-group affiliation".to_string());
        }
        if !kinds.is_empty() {
            out.push(format!(
                "Reviewers see recommendations ({}).",
                kinds.join(", ")
            ));
        }
    }
    let start = def.schedule.start.format("%-d %B %Y");
    let total = def.duration_days();
    out.push(match def.schedule.frequency {
        Frequency::OneTime => format!("Runs once, starting {start}, for {total} days in all."),
        f => {
            let end = match &def.schedule.end {
                ScheduleEnd::Never => "until the series is ended".to_string(),
                ScheduleEnd::OnDate { date } => format!("until {}", date.format("%-d %B %Y")),
                ScheduleEnd::AfterOccurrences { count } => format!("{count} times"),
            };
            format!(
                "Repeats {}, {end}, starting {start}; each occurrence lasts {total} days.",
                f.label().to_lowercase()
            )
        }
    });
    out.push(if def.settings.reminders {
        "Reviewers are notified when their stage starts and reminded halfway through if they have reviewees left."
            .to_string()
    } else {
        "Reviewers are notified when their stage starts; no reminders.".to_string()
    });
    out
}

fn list_names(dir: &Directory, ids: &[String]) -> String {
    if ids.is_empty() {
        return "nobody yet".into();
    }
    ids.iter()
        .map(|id| dir.display_name(id))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What "Stop review" will do, for its confirmation: reviewees still undecided in the
/// running stage, and the outcomes "If reviewers don't respond" gives those without a
/// decision in the last stage they reached (an earlier stage's decision does not count).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StopPreview {
    /// Reviewees still undecided in the current stage.
    pub undecided_in_stage: usize,
    /// Reviewees without a decision in the last stage they reached.
    pub without_standing_decision: usize,
    /// What "If reviewers don't respond" does to them.
    pub no_response: NoResponse,
    /// Final outcomes of the reviewees without a standing decision.
    pub outcomes: Tally,
}

/// What stopping the review would do.
pub fn stop_review_preview(state: &State, inst: &Instance) -> StopPreview {
    let def = state.definition_of(inst);
    let stage = inst.current_stage;
    let mut outcomes = Tally::default();
    for it in inst.items.iter().filter(|it| inst.standing(it).is_none()) {
        outcomes.add(inst.outcome(it, def.settings.if_no_response));
    }
    StopPreview {
        undecided_in_stage: inst
            .items
            .iter()
            .filter(|it| it.stage == stage && it.decision_in(stage).is_none())
            .count(),
        without_standing_decision: outcomes.total(),
        no_response: def.settings.if_no_response,
        outcomes,
    }
}
