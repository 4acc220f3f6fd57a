//! Guardrails against careless bulk approval. A bulk decision (more than one reviewee in one
//! command: Approve selected, Accept recommendations, Approve until) that approves a
//! privileged role or approves against a Deny recommendation needs an explicit confirmation
//! with a justification (`Command::ConfirmBulkApproval`); a review can forbid bulk approval
//! altogether (`ApprovalRules::forbid_bulk_approve`). The reviewer page asks with the same
//! rule (`check`) before it sends.

use serde::{Deserialize, Serialize};

use crate::event::{Event, Record};
use crate::instance::{Decision, Instance};
use crate::state::{EngineError, State};
use crate::Command;

/// What the guardrails need to know of a review and its resource.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkRules {
    /// The resource is a privileged directory role.
    pub privileged: bool,
    /// The review forbids bulk approval.
    pub forbid_bulk_approve: bool,
    /// The review allows approving until a date.
    pub approve_until: bool,
}

impl BulkRules {
    /// The rules of an instance, from its review and the directory.
    pub fn of(state: &State, inst: &Instance) -> BulkRules {
        let rules = state.definition_of(inst).settings.approval;
        BulkRules {
            privileged: inst.resource.kind == crate::directory::ResourceKind::DirectoryRole
                && state
                    .directory
                    .roles
                    .get(&inst.resource.id)
                    .is_some_and(|r| r.privileged),
            forbid_bulk_approve: rules.forbid_bulk_approve,
            approve_until: rules.approve_until,
        }
    }
}

/// What the guardrails say about one command's decisions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Guard {
    /// Nothing to confirm.
    Free,
    /// Confirm with a justification first.
    Confirm {
        /// The approvals that need it: item indices.
        items: Vec<u32>,
        /// Because the resource is a privileged role.
        privileged: bool,
        /// How many of them go against a Deny recommendation.
        against_deny: usize,
    },
    /// The review forbids bulk approval.
    Forbidden,
}

/// The rule: `decisions` are (item, decision, its recommendation if any) of one command.
pub fn check(rules: BulkRules, decisions: &[(u32, Decision, Option<Decision>)]) -> Guard {
    let approvals = || decisions.iter().filter(|d| d.1 == Decision::Approve);
    if decisions.len() < 2 || approvals().next().is_none() {
        return Guard::Free;
    }
    if rules.forbid_bulk_approve {
        return Guard::Forbidden;
    }
    let against = |d: &&(u32, Decision, Option<Decision>)| d.2 == Some(Decision::Deny);
    let items: Vec<u32> = approvals()
        .filter(|d| rules.privileged || against(d))
        .map(|d| d.0)
        .collect();
    if items.is_empty() {
        return Guard::Free;
    }
    Guard::Confirm {
        against_deny: approvals().filter(against).count(),
        items,
        privileged: rules.privileged,
    }
}

/// The confirmation event to record with `decisions`, or why they are refused.
pub(crate) fn enforce(
    state: &State,
    inst: &Instance,
    stage: usize,
    reviewer: &str,
    decisions: &[crate::event::ItemDecision],
    confirmation: Option<&str>,
) -> Result<Option<Event>, EngineError> {
    // Only a recommendation the reviewer is shown can be overridden knowingly.
    let shown = state
        .definition_of(inst)
        .stages
        .get(stage)
        .is_some_and(|s| s.recommendations);
    let rows: Vec<(u32, Decision, Option<Decision>)> = decisions
        .iter()
        .map(|d| {
            let rec = inst.items[d.item as usize]
                .recommendation
                .as_ref()
                .filter(|_| shown)
                .map(|r| r.decision);
            (d.item, d.decision, rec)
        })
        .collect();
    match check(BulkRules::of(state, inst), &rows) {
        Guard::Free => Ok(None),
        Guard::Forbidden => Err(EngineError::NotAllowed(
            "this review does not allow bulk approval: approve each reviewee on its own".into(),
        )),
        Guard::Confirm {
            items,
            privileged,
            against_deny,
        } => {
            let justification = confirmation.map(str::trim).unwrap_or_default();
            if justification.is_empty() {
                return Err(EngineError::BulkApprovalUnconfirmed {
                    count: items.len(),
                    why: why(privileged, against_deny),
                });
            }
            Ok(Some(Event::BulkApprovalConfirmed {
                instance: inst.id.clone(),
                stage,
                reviewer: reviewer.to_string(),
                items,
                justification: justification.to_string(),
            }))
        }
    }
}

/// Why a bulk approval needs confirming, in words.
pub fn why(privileged: bool, against_deny: usize) -> String {
    match (privileged, against_deny) {
        (true, 0) => "the role is privileged".into(),
        (true, n) => format!("the role is privileged and {n} go against a Deny recommendation"),
        (false, n) => format!("{n} go against a Deny recommendation"),
    }
}

/// The command of a record these features wrote (a confirmed bulk approval, an approval
/// until a date), or None for any other record.
pub(crate) fn command_of(record: &Record) -> Option<Command> {
    match record.events.as_slice() {
        [Event::BulkApprovalConfirmed { justification, .. }, rest @ ..] => {
            let inner = Record {
                events: rest.to_vec(),
                ..record.clone()
            };
            Some(Command::ConfirmBulkApproval {
                justification: justification.clone(),
                command: Box::new(crate::replay_check::command_of(&inner)?),
            })
        }
        [Event::DecisionsRecorded {
            instance,
            decisions,
            ..
        }, Event::ApprovalTimeBound { items, until, .. }] => Some(Command::ApproveUntil {
            instance: instance.clone(),
            items: items.clone(),
            until: *until,
            justification: decisions
                .first()
                .map(|d| d.justification.clone())
                .unwrap_or_default(),
        }),
        _ => None,
    }
}
