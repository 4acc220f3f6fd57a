//! The remediation commands' checks (administrators only, denials of applied instances,
//! capped texts), what they record, and their history rows.

use chrono::{DateTime, Utc};

use crate::command::Command;
use crate::event::Event;
use crate::instance::InstanceStatus;
use crate::limits::{MAX_ID, MAX_JUSTIFICATION, MAX_NAME};
use crate::state::{EngineError, State};
use crate::Actor;

use super::status::start;
use super::*;

/// Check a remediation command; the events it records. Administrators only: they own the
/// follow-up of the reviews they applied.
pub fn decide(
    state: &State,
    cmd: &Command,
    actor: &Actor,
    _now: DateTime<Utc>,
) -> Result<Vec<Event>, EngineError> {
    if !actor.is_administrator() {
        return Err(EngineError::AdministratorOnly {
            action: "follow up the remediation of denied access",
        });
    }
    match cmd {
        Command::AssignRemediation { items, owner, due } => {
            check_items(state, items)?;
            if !state.directory.users.contains_key(owner) {
                return Err(EngineError::NotFound {
                    what: "owner (directory user)",
                    id: owner.clone(),
                });
            }
            Ok(vec![Event::RemediationAssigned {
                items: items.clone(),
                owner: owner.clone(),
                due: *due,
            }])
        }
        Command::RecordRemediationEvidence {
            item,
            comment,
            file,
        } => {
            check_items(state, std::slice::from_ref(item))?;
            if comment.trim().is_empty() {
                return Err(EngineError::InvalidRemediation {
                    problem: "evidence needs a comment saying what was done".into(),
                });
            }
            if let Some(f) = file {
                check_digest(f)?;
            }
            Ok(vec![Event::RemediationEvidenceRecorded {
                item: item.clone(),
                comment: comment.trim().to_string(),
                file: file.clone(),
            }])
        }
        Command::MarkRemediationDone { items, comment } => {
            check_items(state, items)?;
            Ok(vec![Event::RemediationDoneExternally {
                items: items.clone(),
                comment: comment.trim().to_string(),
            }])
        }
        _ => Ok(vec![]),
    }
}

/// Every item must be a denial of an applied instance.
fn check_items(state: &State, items: &[ItemRef]) -> Result<(), EngineError> {
    if items.is_empty() {
        return Err(EngineError::InvalidRemediation {
            problem: "select at least one item".into(),
        });
    }
    for r in items {
        let inst = state.instance(&r.instance)?;
        if inst.status != InstanceStatus::Applied {
            return Err(EngineError::WrongStatus {
                status: "not applied",
                action: "remediation follows Apply results",
            });
        }
        let item = inst
            .items
            .get(r.item as usize)
            .ok_or_else(|| EngineError::NotFound {
                what: "reviewee",
                id: format!("{} item {}", r.instance, r.item),
            })?;
        let denied = item
            .apply_result
            .as_ref()
            .is_some_and(|res| start(res).is_some());
        if !denied {
            return Err(EngineError::InvalidRemediation {
                problem: format!(
                    "{}'s access was kept: there is nothing to remove",
                    item.user_name
                ),
            });
        }
    }
    Ok(())
}

fn check_digest(f: &FileDigest) -> Result<(), EngineError> {
    if f.name.trim().is_empty() {
        return Err(EngineError::InvalidRemediation {
            problem: "the evidence file needs a name".into(),
        });
    }
    let hex = f.sha256.len() == 64
        && f.sha256
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if !hex {
        return Err(EngineError::InvalidRemediation {
            problem: format!(
                "the digest of \"{}\" is not a SHA-256 in lower-case hex (64 characters)",
                f.name
            ),
        });
    }
    Ok(())
}

fn cap(what: &str, text: &str, max: usize) -> Result<(), EngineError> {
    if text.len() > max && text.chars().count() > max {
        return Err(EngineError::TooLong {
            what: what.to_string(),
            max,
        });
    }
    Ok(())
}

/// Caps on the texts a remediation command carries (see `limits`).
pub fn check_limits(cmd: &Command) -> Result<(), EngineError> {
    let refs = |items: &[ItemRef]| {
        items
            .iter()
            .try_for_each(|r| cap("the review instance id", &r.instance, MAX_ID))
    };
    match cmd {
        Command::AssignRemediation { items, owner, .. } => {
            refs(items)?;
            cap("the owner's id", owner, MAX_ID)
        }
        Command::RecordRemediationEvidence {
            item,
            comment,
            file,
        } => {
            refs(std::slice::from_ref(item))?;
            cap("the evidence comment", comment, MAX_JUSTIFICATION)?;
            match file {
                Some(f) => cap("the evidence file name", &f.name, MAX_NAME),
                None => Ok(()),
            }
        }
        Command::MarkRemediationDone { items, comment } => {
            refs(items)?;
            cap("the comment", comment, MAX_JUSTIFICATION)
        }
        _ => Ok(()),
    }
}

/// The command a remediation event records (for re-checking a record from a sync peer).
pub fn command_of(event: &Event) -> Option<Command> {
    Some(match event {
        Event::RemediationAssigned { items, owner, due } => Command::AssignRemediation {
            items: items.clone(),
            owner: owner.clone(),
            due: *due,
        },
        Event::RemediationEvidenceRecorded {
            item,
            comment,
            file,
        } => Command::RecordRemediationEvidence {
            item: item.clone(),
            comment: comment.clone(),
            file: file.clone(),
        },
        Event::RemediationDoneExternally { items, comment } => Command::MarkRemediationDone {
            items: items.clone(),
            comment: comment.clone(),
        },
        _ => return None,
    })
}

/// The history rows of a remediation event: (item, action, details).
pub fn audit_entries(state: &State, event: &Event) -> Vec<(ItemRef, &'static str, String)> {
    match event {
        Event::RemediationAssigned { items, owner, due } => items
            .iter()
            .map(|r| {
                (
                    r.clone(),
                    "Remediation assigned",
                    format!(
                        "to {}, due {}",
                        state.directory.display_name(owner),
                        crate::evidence::timestamp(*due)
                    ),
                )
            })
            .collect(),
        Event::RemediationEvidenceRecorded {
            item,
            comment,
            file,
        } => vec![(
            item.clone(),
            "Remediation evidence",
            match file {
                Some(f) => format!("{comment} (file {} sha256 {})", f.name, f.sha256),
                None => comment.clone(),
            },
        )],
        Event::RemediationDoneExternally { items, comment } => items
            .iter()
            .map(|r| (r.clone(), "Remediation done externally", comment.clone()))
            .collect(),
        _ => Vec::new(),
    }
}
