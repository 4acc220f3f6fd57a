//! A review definition as Microsoft Graph `accessReviewScheduleDefinition` JSON, both ways.
//! Export writes what Graph reads; import reads Graph's shapes (query scopes, reviewer
//! queries, `stageSettings` with `dependsOn`, settings, recurrence) and reports anything it
//! cannot represent — a resource or user missing from the directory, a setting Attest does
//! not support — as an issue with its JSON path, never dropping it silently.

use chrono::{DateTime, Datelike, Utc};
use serde_json::{json, Map, Value};

use crate::definition::{
    DeniedGuestAction, Frequency, NoResponse, Outcome, PrincipalScope, ReviewDefinition, Reviewers,
    ScheduleEnd, Scope, StageSettings,
};
use crate::directory::{Directory, GroupKind, Membership, ResourceKind, UserType};

mod export;
mod recurrence;
mod scope;
mod stages;

pub use export::export_definition;

/// Something in the JSON Attest could not take over exactly.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {reason}")]
pub struct GraphIssue {
    /// JSON path, `$.stageSettings[1].reviewers[0].query`.
    pub path: String,
    /// Why, in words a person can read.
    pub reason: String,
}

/// The definition read from the JSON, and what could not be taken over.
#[derive(Clone, Debug, PartialEq)]
pub struct GraphDefinition {
    /// The review definition.
    pub definition: ReviewDefinition,
    /// What could not be taken over exactly, with JSON paths.
    pub issues: Vec<GraphIssue>,
}

/// Reads Graph JSON into a definition. `id` and `start` are used when the JSON has none.
/// Err only when the text is not a JSON object; everything else becomes an issue.
pub fn import_definition(
    text: &str,
    dir: &Directory,
    id: &str,
    start: DateTime<Utc>,
) -> Result<GraphDefinition, GraphIssue> {
    let root: Value = serde_json::from_str(text).map_err(|e| GraphIssue {
        path: format!("line {} column {}", e.line(), e.column()),
        reason: format!("not valid JSON: {e}"),
    })?;
    // "Get accessReviewScheduleDefinition" shows the definition inside "value".
    let root = match root {
        Value::Object(mut o) if o.len() == 1 && o.get("value").is_some_and(Value::is_object) => {
            o.remove("value").unwrap_or_default()
        }
        other => other,
    };
    let Value::Object(obj) = &root else {
        return Err(GraphIssue {
            path: "$".into(),
            reason: "expected an accessReviewScheduleDefinition object".into(),
        });
    };
    let mut r = Reader {
        dir,
        issues: Vec::new(),
        no_instance_duration: false,
    };
    Ok(r.definition(obj, id, start)).map(|definition| GraphDefinition {
        definition,
        issues: r.issues,
    })
}

struct Reader<'a> {
    dir: &'a Directory,
    issues: Vec<GraphIssue>,
    /// The JSON gives no instanceDurationInDays (or 0): a one-time end date sets it.
    no_instance_duration: bool,
}

fn s<'v>(v: &'v Value, key: &str) -> Option<&'v str> {
    v.get(key).and_then(Value::as_str)
}

/// Strips `https://graph.microsoft.com`, `/v1.0` or `/beta` from a query.
fn bare(q: &str) -> &str {
    let q = q.strip_prefix("https://graph.microsoft.com").unwrap_or(q);
    q.strip_prefix("/v1.0")
        .or_else(|| q.strip_prefix("/beta"))
        .unwrap_or(q)
}

/// A Graph query split into its path and the `$filter`, `$count`, `$expand` parts reviews use.
struct Query<'q> {
    path: &'q str,
    filter: Clauses,
    /// Query options other than `$filter`, `$count=true` and `$expand=principal`.
    other: Vec<String>,
}

/// The clauses of a `$filter` joined by `and`, as written (`userType eq 'Guest'`).
#[derive(Clone, Default)]
struct Clauses(Vec<String>);

impl Clauses {
    fn parse(filter: &str) -> Clauses {
        // Graph accepts `+` for a space in a query, as its own examples write it.
        let f = filter.replace('+', " ");
        let mut f = f.trim();
        while let Some(inner) = f.strip_prefix('(').and_then(|x| x.strip_suffix(')')) {
            if inner.contains(['(', ')']) && !balanced(inner) {
                break;
            }
            f = inner.trim();
        }
        Clauses(
            f.split(" and ")
                .map(|c| c.trim().trim_matches(['(', ')']).trim().to_string())
                .filter(|c| !c.is_empty())
                .map(|c| {
                    if c.starts_with("isof") {
                        format!("{c})")
                    } else {
                        c
                    }
                })
                .collect(),
        )
    }

    /// Removes `name eq 'value'` and returns the value.
    fn take_eq(&mut self, name: &str) -> Option<String> {
        let i = self.0.iter().position(|c| {
            c.split_once(" eq ")
                .is_some_and(|(n, _)| n.trim().eq_ignore_ascii_case(name))
        })?;
        let c = self.0.remove(i);
        let (_, v) = c.split_once(" eq ")?;
        Some(v.trim().trim_matches('\'').to_string())
    }

    /// Removes `isof(principal,'type')` and returns the type.
    fn take_isof(&mut self) -> Option<String> {
        let i = self.0.iter().position(|c| c.starts_with("isof("))?;
        let c = self.0.remove(i);
        let (_, t) = c.split_once(',')?;
        Some(
            t.trim()
                .trim_end_matches(')')
                .trim_matches('\'')
                .to_string(),
        )
    }
}

fn balanced(s: &str) -> bool {
    let mut depth = 0i32;
    for ch in s.chars() {
        match ch {
            '(' => depth += 1,
            ')' => depth -= 1,
            _ => {}
        }
        if depth < 0 {
            return false;
        }
    }
    depth == 0
}

impl<'q> Query<'q> {
    fn parse(q: &'q str) -> Query<'q> {
        let (path, options) = q.split_once('?').unwrap_or((q, ""));
        let mut filter = Clauses::default();
        let mut other = Vec::new();
        for opt in options.split('&').filter(|o| !o.is_empty()) {
            match opt.split_once('=') {
                Some(("$filter", f)) => filter = Clauses::parse(f),
                Some(("$count", "true")) | Some(("$expand", "principal")) => {}
                _ => other.push(opt.to_string()),
            }
        }
        Query {
            path,
            filter,
            other,
        }
    }

    /// The path's segments, without the cast to users (`/microsoft.graph.user`): Attest
    /// reviews users' access either way.
    fn segments(&self) -> Vec<&'q str> {
        let mut segs: Vec<&str> = self
            .path
            .trim_start_matches('/')
            .split('/')
            .filter(|s| !s.is_empty())
            .collect();
        if segs.last() == Some(&"microsoft.graph.user") {
            segs.pop();
        }
        segs
    }
}

/// "P30D" → 30; also weeks ("P2W").
fn parse_days(d: &str) -> Option<u32> {
    let rest = d.strip_prefix('P')?;
    if let Some(n) = rest.strip_suffix('D') {
        return n.parse().ok();
    }
    if let Some(n) = rest.strip_suffix('W') {
        return n.parse::<u32>().ok().map(|w| w * 7);
    }
    None
}

impl Reader<'_> {
    fn issue(&mut self, path: impl Into<String>, reason: impl Into<String>) {
        self.issues.push(GraphIssue {
            path: path.into(),
            reason: reason.into(),
        });
    }

    fn definition(
        &mut self,
        obj: &Map<String, Value>,
        id: &str,
        start: DateTime<Utc>,
    ) -> ReviewDefinition {
        const KNOWN: &[&str] = &[
            "@odata.context",
            "@odata.type",
            "id",
            "displayName",
            "descriptionForAdmins",
            "descriptionForReviewers",
            "scope",
            "instanceEnumerationScope",
            "reviewers",
            "fallbackReviewers",
            "backupReviewers",
            "stageSettings",
            "settings",
            "createdDateTime",
            "lastModifiedDateTime",
            "createdBy",
            "status",
            "instances",
        ];
        for (k, v) in obj {
            // Graph answers every read with empty lists for what is not set.
            let empty = v.is_null() || v.as_array().is_some_and(Vec::is_empty);
            if !KNOWN.contains(&k.as_str()) && !empty {
                self.issue(format!("$.{k}"), "not supported by Attest; ignored");
            }
        }
        let root = Value::Object(obj.clone());
        let settings_v = root.get("settings").cloned().unwrap_or(Value::Null);
        self.no_instance_duration = settings_v
            .get("instanceDurationInDays")
            .and_then(Value::as_u64)
            .unwrap_or(0)
            == 0;
        let scope = self.scope(&root);
        let mut def = crate::templates::blank(s(&root, "id").unwrap_or(id), start);
        def.name = s(&root, "displayName").unwrap_or_default().to_string();
        def.description_for_admins = s(&root, "descriptionForAdmins")
            .unwrap_or_default()
            .to_string();
        def.description_for_reviewers = s(&root, "descriptionForReviewers")
            .unwrap_or_default()
            .to_string();
        def.scope = scope;
        def.stages = Vec::new();
        self.stages(&root, &settings_v, &mut def);
        self.settings(&settings_v, &mut def);
        def
    }
}

fn weekday(name: &str) -> Option<chrono::Weekday> {
    name.parse::<chrono::Weekday>().ok()
}

/// The first date on or after `from` that falls on day `day` of its month, same time of day.
fn next_day_of_month(from: DateTime<Utc>, day: u32) -> Option<DateTime<Utc>> {
    if !(1..=31).contains(&day) {
        return None;
    }
    let mut month_start = from.date_naive().with_day(1)?;
    for _ in 0..13 {
        if let Some(d) = month_start.with_day(day) {
            let at = d.and_time(from.time()).and_utc();
            if at >= from {
                return Some(at);
            }
        }
        month_start = month_start.checked_add_months(chrono::Months::new(1))?;
    }
    None
}

/// `/groups?$filter=(groupTypes/any(c:c eq 'Unified'))`, with or without `$count=true`:
/// every Microsoft 365 group (scopes concept, "all Microsoft 365 groups").
fn is_all_m365_groups(q: &str) -> bool {
    let pq = Query::parse(q);
    pq.segments() == ["groups"]
        && pq.other.is_empty()
        && pq.filter.0 == ["groupTypes/any(c:c eq 'Unified'"]
}
