//! The Remediation screen's CSV export.

use crate::state::State;

use super::*;

/// Columns of the remediation CSV export.
pub const CSV_COLUMNS: [&str; 13] = [
    "ReviewId",
    "ReviewName",
    "AccessReviewInstanceId",
    "ResourceType",
    "ResourceName",
    "PrincipalId",
    "PrincipalName",
    "UserPrincipalName",
    "Status",
    "Reason",
    "Owner",
    "DueDateTime",
    "Evidence",
];

/// `items` as UTF-8 CSV (one row each), for the Remediation screen's export.
pub fn csv(state: &State, items: &[RemediationItem]) -> String {
    use crate::evidence::{cell, timestamp};
    use crate::import::csv_field;
    let dir = &state.directory;
    let mut out = CSV_COLUMNS.join(",");
    out.push_str("\r\n");
    for it in items {
        let evidence = it
            .evidence
            .iter()
            .map(|e| match &e.file {
                Some(f) => format!("{} [{} sha256:{}]", e.comment, f.name, f.sha256),
                None => e.comment.clone(),
            })
            .collect::<Vec<_>>()
            .join(" | ");
        let row = [
            it.review.clone(),
            it.review_name.clone(),
            it.at.instance.clone(),
            it.resource_kind.label().to_string(),
            it.resource_name.clone(),
            it.user.clone(),
            it.user_name.clone(),
            it.user_principal_name.clone(),
            it.status.label().to_string(),
            it.blocker.as_ref().map(|b| b.text(dir)).unwrap_or_default(),
            it.task
                .as_ref()
                .map(|t| dir.display_name(&t.owner).to_string())
                .unwrap_or_default(),
            it.task
                .as_ref()
                .map(|t| timestamp(t.due))
                .unwrap_or_default(),
            evidence,
        ];
        let fields: Vec<String> = row.iter().map(|c| csv_field(&cell(c))).collect();
        out.push_str(&fields.join(","));
        out.push_str("\r\n");
    }
    out
}
