//! An auditor's sign-off on a finished review instance: accepted ("reviewed and signed off")
//! or rejected, with a comment. It is a command the engine decides like any other and an
//! event in the log, so it is in the history (and the evidence pack's history.csv, under
//! the hash chain) and in the pack's `signoffs.csv`; it changes nothing else in the state.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::event::{Event, Record};
use crate::instance::InstanceStatus;
use crate::state::{EngineError, State};
use crate::Actor;

/// The auditor's verdict on a finished review.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Verdict {
    /// Reviewed and signed off.
    Accepted,
    /// Reviewed and not accepted: the comment says why.
    Rejected,
}

impl Verdict {
    /// The verdict in words, as History shows it.
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Accepted => "Accepted",
            Verdict::Rejected => "Rejected",
        }
    }
}

/// One recorded sign-off, read from the log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignOff {
    /// The record's id.
    pub record: String,
    /// When it was recorded.
    pub at: DateTime<Utc>,
    /// The auditor's name.
    pub auditor: String,
    /// Accepted or rejected.
    pub verdict: Verdict,
    /// The auditor's comment.
    pub comment: String,
}

/// Decide `Command::SignOff`: only an auditor, only a finished instance, and a rejection
/// says why.
pub fn decide(
    state: &State,
    actor: &Actor,
    instance: &str,
    verdict: Verdict,
    comment: &str,
) -> Result<Vec<Event>, EngineError> {
    if !actor.is_auditor() {
        return Err(EngineError::AuditorOnly {
            action: "sign off a review",
        });
    }
    let inst = state.instance(instance)?;
    if matches!(
        inst.status,
        InstanceStatus::NotStarted | InstanceStatus::InProgress
    ) {
        return Err(EngineError::WrongStatus {
            status: if inst.status == InstanceStatus::NotStarted {
                "not started"
            } else {
                "in progress"
            },
            action: "an auditor signs off a review only once it has finished",
        });
    }
    if verdict == Verdict::Rejected && comment.trim().is_empty() {
        return Err(EngineError::CommentRequired);
    }
    Ok(vec![Event::SignedOff {
        instance: instance.to_string(),
        verdict,
        comment: comment.trim().to_string(),
    }])
}

/// Every sign-off of `instance` in the log, oldest first.
pub fn sign_offs(records: &[Record], instance: &str) -> Vec<SignOff> {
    records
        .iter()
        .flat_map(|r| {
            r.events.iter().filter_map(move |e| match e {
                Event::SignedOff {
                    instance: i,
                    verdict,
                    comment,
                } if i == instance => Some(SignOff {
                    record: r.id.clone(),
                    at: r.at,
                    auditor: match &r.actor {
                        Actor::Auditor { name } => name.clone(),
                        other => format!("{other:?}"),
                    },
                    verdict: *verdict,
                    comment: comment.clone(),
                }),
                _ => None,
            })
        })
        .collect()
}
