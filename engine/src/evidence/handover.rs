//! History rows for hand-overs: who reassigned what to whom and why, escalations, and
//! delegation windows (named, started, ended).

use super::*;

/// The rows of a hand-over event (reassignment, escalation, delegation); other events add none.
pub(super) fn rows(state: &State, base: &AuditRow, event: &Event, rows: &mut Vec<AuditRow>) {
    match event {
        Event::ItemsReassigned {
            instance,
            stage,
            from,
            to,
            items,
            reason,
        } => {
            let row = AuditRow {
                action: "Reassigned".into(),
                stage: Some(*stage),
                reviewers: vec![from.clone(), to.clone()],
                reviewer_names: format!("{}; {}", person_name(state, from), person_name(state, to)),
                details: format!(
                    "from {} to {}: {reason}",
                    person_name(state, from),
                    person_name(state, to)
                ),
                ..for_instance(state, base, instance)
            };
            for &i in items {
                rows.push(AuditRow {
                    subject: reviewee(state, instance, i),
                    ..row.clone()
                });
            }
        }
        Event::Escalated {
            instance,
            stage,
            at,
            reviewer,
            to,
            items,
        } => {
            let row = AuditRow {
                action: "Escalated".into(),
                at: *at,
                stage: Some(*stage),
                reviewers: vec![reviewer.clone(), to.clone()],
                reviewer_names: format!(
                    "{}; {}",
                    person_name(state, reviewer),
                    person_name(state, to)
                ),
                details: format!(
                    "undecided after the reminders; {} now reviews it too",
                    person_name(state, to)
                ),
                ..for_instance(state, base, instance)
            };
            for &i in items {
                rows.push(AuditRow {
                    subject: reviewee(state, instance, i),
                    ..row.clone()
                });
            }
        }
        Event::DelegationSet {
            reviewer,
            delegate,
            from,
            until,
            reason,
        } => rows.push(AuditRow {
            action: "Delegate named".into(),
            reviewers: vec![reviewer.clone(), delegate.clone()],
            reviewer_names: format!(
                "{}; {}",
                person_name(state, reviewer),
                person_name(state, delegate)
            ),
            details: format!(
                "{} decides for {} from {} until {}: {reason}",
                person_name(state, delegate),
                person_name(state, reviewer),
                timestamp(*from),
                timestamp(*until)
            ),
            ..base.clone()
        }),
        Event::DelegationStarted {
            reviewer,
            delegate,
            at,
        }
        | Event::DelegationEnded {
            reviewer,
            delegate,
            at,
        } => rows.push(AuditRow {
            action: if matches!(event, Event::DelegationStarted { .. }) {
                "Delegation started"
            } else {
                "Delegation ended"
            }
            .into(),
            at: *at,
            reviewers: vec![reviewer.clone(), delegate.clone()],
            reviewer_names: format!(
                "{}; {}",
                person_name(state, reviewer),
                person_name(state, delegate)
            ),
            ..base.clone()
        }),
        _ => {}
    }
}
