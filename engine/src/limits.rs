//! Caps on the text a command carries: ids, names, reasons, justifications. The engine
//! checks them in `decide` (and on imports), so the browser refuses the same things the
//! sync server refuses, before anything is sent. Lengths are counted in characters.

use crate::command::Command;
use crate::definition::ReviewDefinition;
use crate::directory::Directory;
use crate::event::Record;
use crate::state::EngineError;
use crate::Actor;

/// A record id (browsers make them from a random part and a counter).
pub const MAX_RECORD_ID: usize = 128;
/// Any id of an object: users, groups, resources, reviews, instances.
pub const MAX_ID: usize = 256;
/// A display name, an administrator's name, a user principal name, an import source.
pub const MAX_NAME: usize = 256;
/// The reason an administrator gives for stopping or applying.
pub const MAX_REASON: usize = 1_000;
/// A reviewer's justification of one decision.
pub const MAX_JUSTIFICATION: usize = 2_000;
/// A review's descriptions (for administrators and for reviewers).
pub const MAX_DESCRIPTION: usize = 4_000;

fn cap(what: impl FnOnce() -> String, text: &str, max: usize) -> Result<(), EngineError> {
    // Bytes bound characters from above: only long texts pay for the count.
    if text.len() > max && text.chars().count() > max {
        return Err(EngineError::TooLong { what: what(), max });
    }
    Ok(())
}

/// The actor's own name or id.
pub fn check_actor(actor: &Actor) -> Result<(), EngineError> {
    match actor {
        Actor::Administrator { name } => cap(|| "the administrator's name".into(), name, MAX_NAME),
        Actor::User { id } => cap(|| "the reviewer's id".into(), id, MAX_ID),
        Actor::System => Ok(()),
        Actor::Auditor { name } => cap(|| "the auditor's name".into(), name, MAX_NAME),
    }
}

/// Every text a command carries, and its actor.
pub fn check_command(cmd: &Command, actor: &Actor) -> Result<(), EngineError> {
    check_actor(actor)?;
    let id = |what: &'static str, v: &str| cap(|| what.to_string(), v, MAX_ID);
    match cmd {
        // The directory itself is checked with the other import checks (`check_import`).
        Command::ImportDirectory { source, .. } => {
            cap(|| "the import source".into(), source, MAX_NAME)
        }
        Command::SaveDraft { definition } | Command::CreateReview { definition } => {
            check_definition(definition)
        }
        Command::DeleteDraft { definition }
        | Command::EndSeries { definition }
        | Command::RunNow { definition } => id("the review id", definition),
        Command::RecordDecisions {
            instance,
            decisions,
        } => {
            id("the review instance id", instance)?;
            for d in decisions {
                cap(
                    || format!("the justification for reviewee {}", d.item),
                    &d.justification,
                    MAX_JUSTIFICATION,
                )?;
            }
            Ok(())
        }
        Command::AcceptRecommendations {
            instance,
            justification,
            ..
        } => {
            id("the review instance id", instance)?;
            cap(
                || "the justification".to_string(),
                justification,
                MAX_JUSTIFICATION,
            )
        }
        Command::ResetDecisions { instance, .. }
        | Command::StopCurrentStage { instance }
        | Command::StopReview { instance }
        | Command::ApplyResults { instance } => id("the review instance id", instance),
        Command::ReassignItems {
            instance,
            from,
            to,
            reason,
            ..
        } => {
            id("the review instance id", instance)?;
            id("the new reviewer", to)?;
            if let Some(f) = from {
                id("the reviewer", f)?;
            }
            check_reason(Some(reason))
        }
        Command::DelegateReviews {
            reviewer,
            delegate,
            reason,
            ..
        } => {
            id("the delegate", delegate)?;
            if let Some(r) = reviewer {
                id("the reviewer", r)?;
            }
            check_reason(Some(reason))
        }
        Command::AdvanceTime => Ok(()),
        Command::AssignRemediation { .. }
        | Command::RecordRemediationEvidence { .. }
        | Command::MarkRemediationDone { .. } => crate::remediation::check_limits(cmd),
        Command::SignOff {
            instance, comment, ..
        } => {
            id("the review instance id", instance)?;
            cap(|| "the sign-off comment".into(), comment, MAX_JUSTIFICATION)
        }
        Command::SetNotificationTemplate { template, .. } => match template {
            Some(t) => {
                cap(
                    || "the message subject".into(),
                    &t.subject,
                    crate::notify::MAX_SUBJECT,
                )?;
                cap(
                    || "the message body".into(),
                    &t.body,
                    crate::notify::MAX_BODY,
                )
            }
            None => Ok(()),
        },
        Command::ConfirmBulkApproval {
            justification,
            command,
        } => {
            cap(
                || "the justification".into(),
                justification,
                MAX_JUSTIFICATION,
            )?;
            // One level: a confirmation confirms decisions, never another confirmation.
            if matches!(**command, Command::ConfirmBulkApproval { .. }) {
                return Err(EngineError::NotAllowed(
                    "a confirmation confirms decisions only".into(),
                ));
            }
            check_command(command, actor)
        }
        Command::ApproveUntil {
            instance,
            justification,
            ..
        } => {
            id("the review instance id", instance)?;
            cap(
                || "the justification".into(),
                justification,
                MAX_JUSTIFICATION,
            )
        }
    }
}

/// The texts of a record that are not part of its command: its id and its reason.
pub fn check_record(record: &Record) -> Result<(), EngineError> {
    cap(|| "the record id".into(), &record.id, MAX_RECORD_ID)?;
    check_reason(record.reason.as_deref())?;
    check_actor(&record.actor)
}

/// The reason an administrator gives with a command, if any.
pub fn check_reason(reason: Option<&str>) -> Result<(), EngineError> {
    reason.map_or(Ok(()), |r| cap(|| "the reason".into(), r, MAX_REASON))
}

fn check_definition(d: &ReviewDefinition) -> Result<(), EngineError> {
    cap(|| "the review id".into(), &d.id, MAX_ID)?;
    cap(|| "the review name".into(), &d.name, MAX_NAME)?;
    cap(
        || "the description for administrators".into(),
        &d.description_for_admins,
        MAX_DESCRIPTION,
    )?;
    cap(
        || "the description for reviewers".into(),
        &d.description_for_reviewers,
        MAX_DESCRIPTION,
    )
}

/// Ids and names of every object in a directory.
pub fn check_directory(dir: &Directory) -> Result<(), EngineError> {
    let object = |kind: &'static str, id: &str, name: &str| {
        cap(
            || format!("the id of {kind} \"{}…\"", prefix(id)),
            id,
            MAX_ID,
        )?;
        cap(|| format!("the name of {kind} \"{id}\""), name, MAX_NAME)
    };
    for u in dir.users.values() {
        object("user", &u.id, &u.display_name)?;
        cap(
            || format!("the user principal name of user \"{}\"", u.id),
            &u.user_principal_name,
            MAX_NAME,
        )?;
        if let Some(dept) = &u.department {
            cap(
                || format!("the department of user \"{}\"", u.id),
                dept,
                MAX_NAME,
            )?;
        }
    }
    for g in dir.groups.values() {
        object("group", &g.id, &g.display_name)?;
    }
    for a in dir.applications.values() {
        object("application", &a.id, &a.display_name)?;
    }
    for r in dir.roles.values() {
        object("role", &r.id, &r.display_name)?;
    }
    for p in dir.access_packages.values() {
        object("access package", &p.id, &p.display_name)?;
    }
    Ok(())
}

/// The first characters of an over-long text, to name it in a message.
fn prefix(s: &str) -> String {
    s.chars().take(40).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::ItemDecision;
    use crate::instance::Decision;

    fn decisions(justification: String) -> Command {
        Command::RecordDecisions {
            instance: "i".into(),
            decisions: vec![ItemDecision {
                item: 3,
                decision: Decision::Approve,
                justification,
            }],
        }
    }

    #[test]
    fn texts_at_the_cap_pass_and_one_more_character_is_refused() {
        let user = Actor::User { id: "u".into() };
        let at_cap = "é".repeat(MAX_JUSTIFICATION);
        assert_eq!(check_command(&decisions(at_cap.clone()), &user), Ok(()));
        let over = format!("{at_cap}x");
        assert_eq!(
            check_command(&decisions(over), &user),
            Err(EngineError::TooLong {
                what: "the justification for reviewee 3".into(),
                max: MAX_JUSTIFICATION
            })
        );
        let admin = Actor::Administrator {
            name: "a".repeat(MAX_NAME + 1),
        };
        let stop = Command::StopCurrentStage {
            instance: "i".into(),
        };
        assert!(matches!(
            check_command(&stop, &admin),
            Err(EngineError::TooLong { max: MAX_NAME, .. })
        ));
    }
}
