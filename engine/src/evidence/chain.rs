//! The audit report as CSV with a SHA-256 hash chain over its rows, and its verification.

use super::*;

/// Columns of the audit report; the last one is the hash chain.
pub const AUDIT_COLUMNS: [&str; 16] = [
    "DateTime",
    "RecordedDateTime",
    "RecordId",
    "Actor",
    "Action",
    "ReviewId",
    "ReviewName",
    "AccessReviewInstanceId",
    "Stage",
    "Reviewer",
    "Subject",
    "Decision",
    "Details",
    "Reason",
    "ReviewerIds",
    "Chain",
];

/// First field of the trailer line that carries the chain's head and the row count.
pub const CHAIN_TRAILER: &str = "#chain-head";

pub(super) const RECORD_SEPARATOR: char = '\u{1e}';
pub(super) const UNIT_SEPARATOR: char = '\u{1f}';

pub(super) fn audit_fields(row: &AuditRow) -> Vec<String> {
    [
        timestamp(row.at),
        timestamp(row.recorded),
        row.record.clone(),
        row.actor.clone(),
        row.action.clone(),
        row.review.clone().unwrap_or_default(),
        row.review_name.clone(),
        row.instance.clone().unwrap_or_default(),
        row.stage.map(|s| (s + 1).to_string()).unwrap_or_default(),
        row.reviewer_names.clone(),
        row.subject.clone(),
        row.decision
            .map(|d| d.outcome().graph_value().to_string())
            .unwrap_or_default(),
        row.details.clone(),
        row.reason.clone(),
        row.reviewers.join(" "),
    ]
    .iter()
    .map(|s| cell(s))
    .collect()
}

/// The chain's start: the hash of the column names (without `Chain`).
pub(super) fn chain_start(header: &[String]) -> String {
    sha256_hex(join_units(header).as_bytes())
}

/// Next link: SHA-256 over the previous link (hex), U+001E, and the row's fields joined by
/// U+001F — independent of CSV quoting, so any CSV reader can recompute it.
pub(super) fn chain_next(prev: &str, fields: &[String]) -> String {
    let mut s =
        String::with_capacity(prev.len() + 1 + fields.iter().map(String::len).sum::<usize>());
    s.push_str(prev);
    s.push(RECORD_SEPARATOR);
    s.push_str(&join_units(fields));
    sha256_hex(s.as_bytes())
}

pub(super) fn join_units(fields: &[String]) -> String {
    fields.join(&UNIT_SEPARATOR.to_string())
}

/// An exported audit report: the CSV text and the head of its chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditReport {
    /// The CSV text.
    pub csv: String,
    /// The last link of the hash chain.
    pub head: String,
    /// Number of rows.
    pub rows: usize,
}

/// The audit report as UTF-8 CSV (BOM, RFC 4180, CRLF): one line per row with its chain
/// value in the last column, then the trailer `#chain-head,<head>,<rows>`.
pub fn audit_csv(rows: &[AuditRow]) -> AuditReport {
    let header: Vec<String> = AUDIT_COLUMNS.iter().map(|s| s.to_string()).collect();
    let mut prev = chain_start(&header[..header.len() - 1]);
    let mut csv = String::from(BOM);
    csv.push_str(&csv_line(&header));
    csv.push_str(CRLF);
    for row in rows {
        let mut fields = audit_fields(row);
        prev = chain_next(&prev, &fields);
        fields.push(prev.clone());
        csv.push_str(&csv_line(&fields));
        csv.push_str(CRLF);
    }
    csv.push_str(&format!("{CHAIN_TRAILER},{prev},{}{CRLF}", rows.len()));
    AuditReport {
        csv,
        head: prev,
        rows: rows.len(),
    }
}

/// Why a report failed verification: the line and what is wrong there.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {problem}")]
pub struct ChainError {
    /// Line number (1-based).
    pub line: usize,
    /// What is wrong.
    pub problem: String,
}

/// Check an exported audit report: every row's chain value, then the trailer's head and row
/// count. Returns the verified report's head and number of rows.
pub fn verify_audit_csv(text: &str) -> Result<(String, usize), ChainError> {
    let records = parse_csv(text).map_err(|(line, problem)| ChainError {
        line,
        problem: format!("not a readable CSV file: {problem}"),
    })?;
    let mut records = records.into_iter();
    let (line, header) = records.next().ok_or(ChainError {
        line: 1,
        problem: "the file is empty".into(),
    })?;
    if header.last().map(String::as_str) != Some("Chain") {
        return Err(ChainError {
            line,
            problem: "this is not an audit report: its last column is not \"Chain\"".into(),
        });
    }
    let width = header.len();
    let mut prev = chain_start(&header[..width - 1]);
    let mut count = 0;
    for (line, fields) in records.by_ref() {
        if fields.first().map(String::as_str) == Some(CHAIN_TRAILER) {
            let head = fields.get(1).cloned().unwrap_or_default();
            let rows: Option<usize> = fields.get(2).and_then(|n| n.parse().ok());
            if head != prev {
                return Err(ChainError {
                    line,
                    problem: "the chain head does not match the rows: rows were changed, \
                              added or removed"
                        .into(),
                });
            }
            if rows != Some(count) {
                return Err(ChainError {
                    line,
                    problem: format!(
                        "the trailer says {} rows but the report has {count}",
                        fields.get(2).map_or("no", String::as_str)
                    ),
                });
            }
            if let Some((line, _)) = records.next() {
                return Err(ChainError {
                    line,
                    problem: "lines after the chain head were added".into(),
                });
            }
            return Ok((head, count));
        }
        if fields.len() != width {
            return Err(ChainError {
                line,
                problem: format!("the row has {} columns, the header {width}", fields.len()),
            });
        }
        let expected = chain_next(&prev, &fields[..width - 1]);
        if fields[width - 1] != expected {
            return Err(ChainError {
                line,
                problem: "the row's chain value does not match: this row was changed, or a \
                          row before it was changed or removed"
                    .into(),
            });
        }
        prev = expected;
        count += 1;
    }
    Err(ChainError {
        line: text.lines().count(),
        problem: "the chain head line is missing: the report was cut short".into(),
    })
}
