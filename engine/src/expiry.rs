//! Time-bound approvals ("Approve until a date"). A reviewer of a review that allows it
//! approves until a date (`Command::ApproveUntil`); once the results are applied, the clock
//! ends the approval at that date: the access is removed the way applying a Deny removes it
//! (`DirectoryChanged` with the instance), unless a newer review of the same resource has
//! approved the same person since (it certified the access; its own date, if any, rules).

use crate::tagged::internally_tagged;
use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::definition::Outcome;
use crate::event::{Event, ItemDecision};
use crate::instance::{Decision, Instance, InstanceStatus};
use crate::state::{direct_holders, removal, EngineError, State};
use crate::{Actor, Command};

/// The latest date an approval may run to, counted from when it is given.
pub const MAX_APPROVE_UNTIL_DAYS: i64 = 1095;

/// One time-bound approval: the stage that approved and until when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TimeBound {
    /// Stage index of the approval (0 is the first stage).
    pub stage: usize,
    /// When the approval ends.
    pub until: DateTime<Utc>,
    /// Set once the clock has ended it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended: Option<Ended>,
}

/// How a time-bound approval ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Ended {
    /// When it ended.
    pub at: DateTime<Utc>,
    /// The newer instance whose approval kept the access; None: the access was removed.
    pub certified_by: Option<String>,
}

/// Time-bound approvals by instance id, then item index (`State::time_bound`).
pub type TimeBounds = BTreeMap<String, BTreeMap<u32, TimeBound>>;

/// Decide `ApproveUntil`: the same rules as approving these items one by one (and the bulk
/// guardrails, `confirmation` given when confirmed), the review must allow it, and the date
/// must lie ahead, within `MAX_APPROVE_UNTIL_DAYS`.
pub(crate) fn decide(
    state: &State,
    actor: &Actor,
    now: DateTime<Utc>,
    (instance, items, until, justification): (&str, &[u32], DateTime<Utc>, &str),
    confirmation: Option<&str>,
) -> Result<Vec<Event>, EngineError> {
    let inst = state.instance(instance)?;
    if !state.definition_of(inst).settings.approval.approve_until {
        return Err(EngineError::NotAllowed(
            "this review does not allow approving until a date".into(),
        ));
    }
    if until <= now {
        return Err(EngineError::NotAllowed(
            "the date an approval ends must lie in the future".into(),
        ));
    }
    if until > now + Duration::days(MAX_APPROVE_UNTIL_DAYS) {
        return Err(EngineError::NotAllowed(format!(
            "an approval can run for at most {MAX_APPROVE_UNTIL_DAYS} days"
        )));
    }
    if items.is_empty() {
        return Err(EngineError::NotAllowed(
            "choose the reviewees to approve".into(),
        ));
    }
    let mut chosen = items.to_vec();
    chosen.sort_unstable();
    chosen.dedup();
    let decisions = chosen
        .iter()
        .map(|&item| ItemDecision {
            item,
            decision: Decision::Approve,
            justification: justification.trim().to_string(),
        })
        .collect();
    let record = Command::RecordDecisions {
        instance: instance.to_string(),
        decisions,
    };
    let mut events = crate::state::decide_confirmed(state, &record, actor, now, confirmation)?;
    events.push(Event::ApprovalTimeBound {
        instance: instance.to_string(),
        stage: inst.current_stage,
        items: chosen,
        until,
    });
    Ok(events)
}

/// Fold: decisions recorded in `stage` replace any time bound of an earlier or the same
/// stage on those items (a new decision, time-bound or not, is what stands now).
pub(crate) fn forget(state: &mut State, instance: &str, stage: usize, items: &[u32]) {
    let Some(bounds) = state.time_bound.get_mut(instance) else {
        return;
    };
    for i in items {
        if bounds
            .get(i)
            .is_some_and(|b| b.ended.is_none() && b.stage <= stage)
        {
            bounds.remove(i);
        }
    }
    if bounds.is_empty() {
        state.time_bound.remove(instance);
    }
}

/// Fold `ApprovalTimeBound` and `TimeBoundApprovalEnded`.
pub(crate) fn apply(state: &mut State, event: &Event) {
    match event {
        Event::ApprovalTimeBound {
            instance,
            stage,
            items,
            until,
        } => {
            let bounds = state.time_bound.entry(instance.clone()).or_default();
            for &i in items {
                bounds.insert(
                    i,
                    TimeBound {
                        stage: *stage,
                        until: *until,
                        ended: None,
                    },
                );
            }
        }
        Event::TimeBoundApprovalEnded {
            instance,
            item,
            at,
            certified_by,
        } => {
            if let Some(b) = state
                .time_bound
                .get_mut(instance)
                .and_then(|b| b.get_mut(item))
            {
                b.ended.get_or_insert(Ended {
                    at: *at,
                    certified_by: certified_by.clone(),
                });
            }
        }
        _ => {}
    }
}

/// The time bound that governs an item's outcome: the approval it records is the decision
/// that stands. None when there is none, or a later decision took its place.
pub fn standing_bound<'a>(state: &'a State, inst: &Instance, item: u32) -> Option<&'a TimeBound> {
    let bound = state.time_bound.get(&inst.id)?.get(&item)?;
    let it = inst.items.get(item as usize)?;
    let standing = inst.standing(it)?;
    let stands = standing.decision == Decision::Approve
        && it
            .decision_in(bound.stage)
            .is_some_and(|d| std::ptr::eq(d, standing))
        && inst.outcome(it, state.definition_of(inst).settings.if_no_response) == Outcome::Approve;
    stands.then_some(bound)
}

/// When the earliest open time-bound approval ends: its date, or the moment results were
/// applied when that came later (no access changes before apply).
pub(crate) fn next_end(state: &State) -> Option<(DateTime<Utc>, &str, u32)> {
    let mut best: Option<(DateTime<Utc>, &str, u32)> = None;
    for (id, bounds) in &state.time_bound {
        let Some(inst) = state.instances.get(id) else {
            continue;
        };
        let Some(applied) = inst.applied.as_ref().map(|a| a.at) else {
            continue;
        };
        for (&item, b) in bounds {
            if b.ended.is_some() || standing_bound(state, inst, item).is_none() {
                continue;
            }
            let at = b.until.max(applied);
            if best.is_none_or(|(t, _, _)| at < t) {
                best = Some((at, id.as_str(), item));
            }
        }
    }
    best
}

/// The events ending one time-bound approval at `at`.
pub(crate) fn end_events(
    state: &State,
    instance: &str,
    item: u32,
    at: DateTime<Utc>,
) -> Vec<Event> {
    let Some(inst) = state.instances.get(instance) else {
        return vec![];
    };
    let it = &inst.items[item as usize];
    let certified_by = certified_by(state, inst, &it.user).map(|i| i.id.clone());
    let mut events = vec![Event::TimeBoundApprovalEnded {
        instance: instance.to_string(),
        item,
        at,
        certified_by: certified_by.clone(),
    }];
    let held = direct_holders(&state.directory, inst.resource.kind, &inst.resource.id)
        .is_some_and(|d| d.contains(it.user.as_str()));
    if certified_by.is_none() && held {
        events.push(Event::DirectoryChanged {
            change: removal(inst.resource.kind, &inst.resource.id, &it.user),
            at,
            instance: Some(instance.to_string()),
        });
    }
    events
}

/// A newer instance of the same resource in which `user`'s standing decision is Approve.
fn certified_by<'a>(state: &'a State, older: &Instance, user: &str) -> Option<&'a Instance> {
    state
        .instances
        .values()
        .filter(|i| {
            i.id != older.id
                && i.started > older.started
                && i.resource.kind == older.resource.kind
                && i.resource.id == older.resource.id
                && i.status != InstanceStatus::NotStarted
        })
        .find(|i| {
            i.items.iter().any(|it| {
                it.user == user
                    && i.standing(it)
                        .is_some_and(|d| d.decision == Decision::Approve)
            })
        })
}

internally_tagged! { "type", "BoundStatus",
    /// Where a time-bound approval stands, for the results and the remediation list.
    #[derive(Clone, Debug, PartialEq, Eq)]
    #[serde(rename_all = "camelCase")]
    pub enum BoundStatus {
        /// Still running: whole days left (0 on its last day).
        Running {
            /// Whole days until it ends.
            days_left: i64,
        },
        /// Its date passed; the access goes at the next clock run (or once results are applied).
        Due,
        /// Ended and the access was removed (or no longer held).
        Removed {
            /// When.
            at: DateTime<Utc>,
        },
        /// Ended, but a newer review had approved the access.
        Certified {
            /// When.
            at: DateTime<Utc>,
            /// The newer instance.
            by: String,
        },
    }
}

impl BoundStatus {
    /// Where `bound` stands at `now`.
    pub fn of(bound: &TimeBound, now: DateTime<Utc>) -> BoundStatus {
        match &bound.ended {
            Some(Ended {
                at,
                certified_by: Some(by),
            }) => BoundStatus::Certified {
                at: *at,
                by: by.clone(),
            },
            Some(Ended { at, .. }) => BoundStatus::Removed { at: *at },
            None if bound.until <= now => BoundStatus::Due,
            None => BoundStatus::Running {
                days_left: (bound.until - now).num_days(),
            },
        }
    }

    /// In words: "12 days left", "ends today", "removed", "renewed by a newer review".
    pub fn text(&self) -> String {
        match self {
            BoundStatus::Running { days_left: 0 } => "ends today".into(),
            BoundStatus::Running { days_left: 1 } => "1 day left".into(),
            BoundStatus::Running { days_left } => format!("{days_left} days left"),
            BoundStatus::Due => "ended; access is removed once results are applied".into(),
            BoundStatus::Removed { .. } => "ended; access removed".into(),
            BoundStatus::Certified { .. } => "ended; a newer review approved the access".into(),
        }
    }
}

/// One time-bound approval across reviews (the remediation list's section).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BoundRow {
    /// Id of the review instance.
    pub instance: String,
    /// The review's name.
    pub review_name: String,
    /// The resource's display name.
    pub resource: String,
    /// Index of the item within the instance.
    pub item: u32,
    /// The reviewee's display name.
    pub user_name: String,
    /// When the approval ends.
    pub until: DateTime<Utc>,
    /// Where it stands.
    pub status: BoundStatus,
}

/// Every time-bound approval that governs an outcome (or has ended), soonest first.
pub fn bound_rows(state: &State, now: DateTime<Utc>) -> Vec<BoundRow> {
    let mut rows = Vec::new();
    for (id, bounds) in &state.time_bound {
        let Some(inst) = state.instances.get(id) else {
            continue;
        };
        for (&item, b) in bounds {
            if b.ended.is_none() && standing_bound(state, inst, item).is_none() {
                continue;
            }
            rows.push(BoundRow {
                instance: id.clone(),
                review_name: state.definition_of(inst).name.clone(),
                resource: inst.resource.name.clone(),
                item,
                user_name: inst.items[item as usize].user_name.clone(),
                until: b.until,
                status: BoundStatus::of(b, now),
            });
        }
    }
    rows.sort_by(|a, b| (a.until, &a.instance, a.item).cmp(&(b.until, &b.instance, b.item)));
    rows
}
