//! Reviewer insight for administrators: per reviewer of an instance, how many decisions,
//! how many approvals, the pace (median seconds per decision, from the records' times in
//! the log) and how often they decided against the recommendation — with flags for patterns
//! that suggest rubber-stamping. The thresholds are the constants below (docs/decisions.md).

use crate::tagged::internally_tagged;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::event::{Event, Record};
use crate::instance::{Decision, DecisionSource};
use crate::state::State;

/// "Rapid approvals": at least this many approvals ...
pub const RAPID_APPROVALS: usize = 100;
/// ... within this many seconds.
pub const RAPID_WINDOW_SECONDS: i64 = 60;
/// "Fast pace": a median below this many seconds per decision ...
pub const FAST_MEDIAN_SECONDS: f64 = 3.0;
/// ... over at least this many decisions (fewer say little about a pace).
pub const PACE_MIN_DECISIONS: usize = 20;
/// "Approves everything": every decision an Approve, over at least this many.
pub const ALL_APPROVED_MIN: usize = 50;
/// "Ignores Deny recommendations": at least this many decisions on items recommended Deny ...
pub const IGNORED_DENY_MIN: usize = 10;
/// ... of which at least this share (percent) approved.
pub const IGNORED_DENY_PERCENT: usize = 80;

internally_tagged! { "type", "Flag",
    /// A pattern that suggests rubber-stamping.
    #[derive(Clone, Debug, PartialEq)]
    #[serde(rename_all = "camelCase")]
    pub enum Flag {
        /// Many approvals within a minute.
        RapidApprovals {
            /// The most approvals in any `RAPID_WINDOW_SECONDS`.
            approvals: usize,
        },
        /// A median pace below `FAST_MEDIAN_SECONDS`.
        FastPace {
            /// The median seconds per decision.
            median_seconds: f64,
        },
        /// Every decision an Approve.
        ApprovesEverything {
            /// How many decisions.
            decisions: usize,
        },
        /// Approved most items the recommendation said to deny.
        IgnoresDenyRecommendations {
            /// Approved of those.
            approved: usize,
            /// Decisions on items recommended Deny.
            of: usize,
        },
    }
}

impl Flag {
    /// In words, for the review page.
    pub fn text(&self) -> String {
        match self {
            Flag::RapidApprovals { approvals } => {
                format!("{approvals} approvals within {RAPID_WINDOW_SECONDS} seconds")
            }
            Flag::FastPace { median_seconds } => {
                format!("{median_seconds:.1} seconds per decision (median)")
            }
            Flag::ApprovesEverything { decisions } => {
                format!("approved all {decisions} decisions")
            }
            Flag::IgnoresDenyRecommendations { approved, of } => {
                format!("approved {approved} of {of} recommended Deny")
            }
        }
    }
}

/// One reviewer's figures in one instance.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReviewerInsight {
    /// The reviewer's user id.
    pub reviewer: String,
    /// The reviewer's display name.
    pub reviewer_name: String,
    /// Decisions recorded (a changed decision counts again).
    pub decisions: usize,
    /// Of those, approvals.
    pub approvals: usize,
    /// Median seconds per decision: the time since the reviewer's previous record shared
    /// out over the decisions of the next. None until they recorded twice.
    pub median_seconds: Option<f64>,
    /// Decisions on items with a recommendation.
    pub with_recommendation: usize,
    /// Of those, decided against it.
    pub overridden: usize,
    /// Patterns that suggest rubber-stamping.
    pub flags: Vec<Flag>,
}

impl ReviewerInsight {
    /// Approvals as a whole percentage of decisions.
    pub fn approve_percent(&self) -> usize {
        percent(self.approvals, self.decisions)
    }

    /// Decisions against the recommendation as a whole percentage of those with one.
    pub fn overridden_percent(&self) -> usize {
        percent(self.overridden, self.with_recommendation)
    }
}

fn percent(part: usize, whole: usize) -> usize {
    (part * 100 + whole / 2).checked_div(whole).unwrap_or(0)
}

#[derive(Default)]
struct Tally {
    decisions: usize,
    approvals: usize,
    with_recommendation: usize,
    overridden: usize,
    on_deny: usize,
    approved_on_deny: usize,
    /// (when, decisions in the record, approvals in it)
    records: Vec<(DateTime<Utc>, usize, usize)>,
}

/// Every reviewer's figures in `instance`, from the log, busiest first.
pub fn reviewer_insight(state: &State, log: &[Record], instance: &str) -> Vec<ReviewerInsight> {
    let Some(inst) = state.instances.get(instance) else {
        return vec![];
    };
    let mut by: std::collections::BTreeMap<&str, Tally> = Default::default();
    for record in log {
        for event in &record.events {
            let Event::DecisionsRecorded {
                instance: id,
                reviewer,
                source,
                decisions,
                ..
            } = event
            else {
                continue;
            };
            if id != instance || decisions.is_empty() {
                continue;
            }
            let t = by.entry(reviewer.as_str()).or_default();
            let mut approvals = 0;
            for d in decisions {
                t.decisions += 1;
                if d.decision == Decision::Approve {
                    approvals += 1;
                }
                let rec = inst
                    .items
                    .get(d.item as usize)
                    .and_then(|it| it.recommendation.as_ref())
                    .map(|r| r.decision);
                if let Some(rec) = rec {
                    t.with_recommendation += 1;
                    if *source == DecisionSource::Reviewer && d.decision != rec {
                        t.overridden += 1;
                    }
                    if rec == Decision::Deny {
                        t.on_deny += 1;
                        if d.decision == Decision::Approve {
                            t.approved_on_deny += 1;
                        }
                    }
                }
            }
            t.approvals += approvals;
            t.records.push((record.at, decisions.len(), approvals));
        }
    }
    let mut out: Vec<ReviewerInsight> = by
        .into_iter()
        .map(|(reviewer, mut t)| {
            t.records.sort_by_key(|r| r.0);
            let median_seconds = median_pace(&t.records);
            let mut flags = Vec::new();
            let rapid = most_in_window(&t.records, RAPID_WINDOW_SECONDS);
            if rapid >= RAPID_APPROVALS {
                flags.push(Flag::RapidApprovals { approvals: rapid });
            }
            if let Some(m) = median_seconds {
                if m < FAST_MEDIAN_SECONDS && t.decisions >= PACE_MIN_DECISIONS {
                    flags.push(Flag::FastPace { median_seconds: m });
                }
            }
            if t.decisions >= ALL_APPROVED_MIN && t.approvals == t.decisions {
                flags.push(Flag::ApprovesEverything {
                    decisions: t.decisions,
                });
            }
            if t.on_deny >= IGNORED_DENY_MIN
                && t.approved_on_deny * 100 >= IGNORED_DENY_PERCENT * t.on_deny
            {
                flags.push(Flag::IgnoresDenyRecommendations {
                    approved: t.approved_on_deny,
                    of: t.on_deny,
                });
            }
            ReviewerInsight {
                reviewer: reviewer.to_string(),
                reviewer_name: crate::evidence::person_name(state, reviewer),
                decisions: t.decisions,
                approvals: t.approvals,
                median_seconds,
                with_recommendation: t.with_recommendation,
                overridden: t.overridden,
                flags,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.decisions
            .cmp(&a.decisions)
            .then_with(|| a.reviewer.cmp(&b.reviewer))
    });
    out
}

/// The median of seconds per decision: each record after the first shares the time since
/// the one before over its decisions (one value per decision).
fn median_pace(records: &[(DateTime<Utc>, usize, usize)]) -> Option<f64> {
    let mut paces: Vec<f64> = Vec::new();
    for pair in records.windows(2) {
        let gap = (pair[1].0 - pair[0].0).num_milliseconds().max(0) as f64 / 1000.0;
        let n = pair[1].1.max(1);
        paces.extend(std::iter::repeat_n(gap / n as f64, n));
    }
    if paces.is_empty() {
        return None;
    }
    paces.sort_by(f64::total_cmp);
    let mid = paces.len() / 2;
    Some(if paces.len() % 2 == 1 {
        paces[mid]
    } else {
        (paces[mid - 1] + paces[mid]) / 2.0
    })
}

/// The most approvals recorded within any `seconds`-long window (records sorted by time).
fn most_in_window(records: &[(DateTime<Utc>, usize, usize)], seconds: i64) -> usize {
    let (mut best, mut sum, mut start) = (0, 0, 0);
    for r in records {
        sum += r.2;
        while (r.0 - records[start].0).num_seconds() >= seconds {
            sum -= records[start].2;
            start += 1;
        }
        best = best.max(sum);
    }
    best
}
