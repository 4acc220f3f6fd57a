//! History rows for confirmed bulk approvals and time-bound approvals (issue 25).

use super::*;

/// The rows of a guardrail or approve-until event; other events add none.
pub(super) fn rows(state: &State, base: &AuditRow, event: &Event, rows: &mut Vec<AuditRow>) {
    match event {
        Event::BulkApprovalConfirmed {
            instance,
            stage,
            reviewer,
            items,
            justification,
        } => rows.push(AuditRow {
            action: "Bulk approval confirmed".into(),
            stage: Some(*stage),
            reviewers: vec![reviewer.clone()],
            reviewer_names: person_name(state, reviewer),
            details: format!("{} flagged approval(s) confirmed", items.len()),
            reason: justification.clone(),
            ..for_instance(state, base, instance)
        }),
        Event::ApprovalTimeBound {
            instance,
            stage,
            items,
            until,
        } => {
            let row = AuditRow {
                action: "Approved until a date".into(),
                stage: Some(*stage),
                details: format!("approved until {}", timestamp(*until)),
                ..for_instance(state, base, instance)
            };
            for &i in items {
                rows.push(AuditRow {
                    subject: reviewee(state, instance, i),
                    ..row.clone()
                });
            }
        }
        Event::TimeBoundApprovalEnded {
            instance,
            item,
            at,
            certified_by,
        } => rows.push(AuditRow {
            action: "Time-bound approval ended".into(),
            at: *at,
            details: match certified_by {
                Some(by) => format!("access kept: the newer review {by} approved it"),
                None => "access removed at the end of the approval".into(),
            },
            ..AuditRow {
                subject: reviewee(state, instance, *item),
                ..for_instance(state, base, instance)
            }
        }),
        _ => {}
    }
}
