//! Re-checking a record that arrives from elsewhere (a sync peer): recover the command it
//! records and decide it again against this state with the same engine code.

use crate::command::Command;
use crate::event::{Event, Record};
use crate::instance::{DecisionSource, StageEndReason};
use crate::state::{decide, EngineError, State};
use crate::Actor;

/// The command a record was produced by. Records of the clock (`Actor::System`) map to
/// `AdvanceTime`. None for a record no command produces (empty, or events out of place).
pub fn command_of(record: &Record) -> Option<Command> {
    if record.actor == Actor::System {
        return Some(Command::AdvanceTime);
    }
    if let Some(cmd) = crate::guardrails::command_of(record) {
        return Some(cmd);
    }
    let first = record.events.first()?;
    Some(match first {
        Event::DirectoryImported { directory, source } => Command::ImportDirectory {
            directory: directory.clone(),
            source: source.clone(),
        },
        Event::DraftSaved { definition } => Command::SaveDraft {
            definition: definition.clone(),
        },
        Event::DraftDeleted { definition } => Command::DeleteDraft {
            definition: definition.clone(),
        },
        Event::ReviewCreated { definition } => Command::CreateReview {
            definition: definition.clone(),
        },
        Event::DecisionsRecorded {
            instance,
            source: DecisionSource::Reviewer,
            decisions,
            ..
        } => Command::RecordDecisions {
            instance: instance.clone(),
            decisions: decisions.clone(),
        },
        Event::DecisionsRecorded {
            instance,
            source: DecisionSource::AcceptedRecommendation,
            decisions,
            ..
        } => Command::AcceptRecommendations {
            instance: instance.clone(),
            items: Some(decisions.iter().map(|d| d.item).collect()),
            // A reviewer's justification is recorded on every decision alike; generated
            // texts differ (or, when alike, decide to the same events either way).
            justification: match decisions.split_first() {
                Some((first, rest))
                    if rest.iter().all(|d| d.justification == first.justification) =>
                {
                    first.justification.clone()
                }
                _ => String::new(),
            },
        },
        Event::DecisionsReset {
            instance, items, ..
        } => Command::ResetDecisions {
            instance: instance.clone(),
            items: items.clone(),
        },
        Event::StageEnded {
            instance,
            reason: StageEndReason::Stopped,
            ..
        } => Command::StopCurrentStage {
            instance: instance.clone(),
        },
        Event::StageEnded {
            instance,
            reason: StageEndReason::ReviewStopped,
            ..
        } => Command::StopReview {
            instance: instance.clone(),
        },
        Event::ResultsApplied { instance, .. } => Command::ApplyResults {
            instance: instance.clone(),
        },
        Event::SeriesEnded { definition, .. } => Command::EndSeries {
            definition: definition.clone(),
        },
        Event::RemediationAssigned { .. }
        | Event::RemediationEvidenceRecorded { .. }
        | Event::RemediationDoneExternally { .. } => crate::remediation::command_of(first)?,
        Event::SignedOff {
            instance,
            verdict,
            comment,
        } => Command::SignOff {
            instance: instance.clone(),
            verdict: *verdict,
            comment: comment.clone(),
        },
        Event::ItemsReassigned {
            instance,
            from,
            to,
            items,
            reason,
            ..
        } => Command::ReassignItems {
            instance: instance.clone(),
            from: record.actor.is_administrator().then(|| from.clone()),
            items: Some(items.clone()),
            to: to.clone(),
            reason: reason.clone(),
        },
        Event::DelegationSet {
            reviewer,
            delegate,
            from,
            until,
            reason,
        } => Command::DelegateReviews {
            reviewer: record.actor.is_administrator().then(|| reviewer.clone()),
            delegate: delegate.clone(),
            from: *from,
            until: *until,
            reason: reason.clone(),
        },
        Event::NotificationTemplateSet { kind, template } => Command::SetNotificationTemplate {
            kind: *kind,
            template: template.clone(),
        },
        Event::ExtraOccurrenceStarted {
            definition,
            cause: crate::programme::ExtraCause::RunNow,
            ..
        } => Command::RunNow {
            definition: definition.clone(),
        },
        _ => return None,
    })
}

#[derive(Debug, PartialEq, thiserror::Error)]
/// Why a peer's record was refused.
pub enum RecheckError {
    #[error("the record does not correspond to any command")]
    /// The record is not one a command could make.
    NotACommand,
    #[error(transparent)]
    /// Deciding its command again was refused.
    Refused(#[from] EngineError),
    #[error("the record's events differ from what the engine decides for its command here")]
    /// Deciding again gave other events.
    Diverged,
}

/// Decide the record's command again, as its actor at its time, against `state`. Ok with
/// the events this state gives (which may differ from the record's when the peer was
/// behind; the caller decides whether to accept those) or why it is refused.
pub fn recheck(state: &State, record: &Record) -> Result<Vec<Event>, RecheckError> {
    let cmd = command_of(record).ok_or(RecheckError::NotACommand)?;
    crate::limits::check_record(record)?;
    Ok(decide(state, &cmd, &record.actor, record.at)?)
}

/// Like `recheck`, but the events must be exactly the record's.
pub fn recheck_exact(state: &State, record: &Record) -> Result<(), RecheckError> {
    if recheck(state, record)? == record.events {
        Ok(())
    } else {
        Err(RecheckError::Diverged)
    }
}
