//! Which of a reviewer's rows are shown and in what order: the filters, search and sort of
//! the reviewer page. Plain functions over the engine's `ReviewerRow`s, no browser.

use attest_engine::directory::UserType;
use attest_engine::view::ReviewerRow;
use attest_engine::{Decision, ReviewDefinition};
use chrono::{DateTime, Duration, Utc};

/// Days without a sign-in after which the "Inactive" filter counts a user, when the review
/// itself says nothing about inactivity.
pub const DEFAULT_INACTIVE_DAYS: u32 = 30;

/// The number of days the "Inactive" filter uses for a review: the review's own idea of
/// inactive, so the filter agrees with what the reviewer was told. A review of inactive users
/// only uses its "days inactive"; otherwise a review recommending Deny for no sign-in uses
/// that look-back period (the reasons on the rows count the same days); otherwise 30 days.
pub fn inactive_days(def: &ReviewDefinition) -> u32 {
    let rec = &def.settings.recommendations;
    def.scope
        .inactive_days
        .or(rec.inactivity.then_some(rec.look_back_days))
        .filter(|&d| d > 0)
        .unwrap_or(DEFAULT_INACTIVE_DAYS)
}

/// The "Show only" filters; all of those switched on must hold.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Filters {
    pub undecided: bool,
    pub recommended_deny: bool,
    pub guests: bool,
    pub inactive: bool,
    /// Access new since the last occurrence of a recurring review (issue 25).
    pub new_since: bool,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SortBy {
    #[default]
    Name,
    UndecidedFirst,
    RecommendedDenyFirst,
    LastSignIn,
}

impl SortBy {
    pub const ALL: [SortBy; 4] = [
        SortBy::Name,
        SortBy::UndecidedFirst,
        SortBy::RecommendedDenyFirst,
        SortBy::LastSignIn,
    ];

    pub fn label(self) -> &'static str {
        match self {
            SortBy::Name => "Name",
            SortBy::UndecidedFirst => "Undecided first",
            SortBy::RecommendedDenyFirst => "Recommended deny first",
            SortBy::LastSignIn => "Last sign-in (oldest first)",
        }
    }

    pub fn value(self) -> &'static str {
        match self {
            SortBy::Name => "name",
            SortBy::UndecidedFirst => "undecided",
            SortBy::RecommendedDenyFirst => "deny",
            SortBy::LastSignIn => "sign-in",
        }
    }

    pub fn from_value(value: &str) -> SortBy {
        SortBy::ALL
            .into_iter()
            .find(|s| s.value() == value)
            .unwrap_or_default()
    }
}

/// Whether the user has not signed in for `days` or more (or never has).
pub fn is_inactive(row: &ReviewerRow, days: u32, now: DateTime<Utc>) -> bool {
    row.last_sign_in
        .is_none_or(|at| now - at >= Duration::days(i64::from(days)))
}

/// Whether the row's access is new since the last occurrence of its review.
pub fn is_new_since_last_review(row: &ReviewerRow) -> bool {
    row.context
        .as_ref()
        .and_then(|c| c.since.as_ref())
        .is_some_and(|s| s.is_new())
}

fn recommends_deny(row: &ReviewerRow) -> bool {
    row.recommendation
        .as_ref()
        .is_some_and(|r| r.decision == Decision::Deny)
}

/// Positions (into `rows`) of the rows that pass `filters` and `search`, in `sort` order;
/// "Inactive" means no sign-in for `inactive_days` (see [`inactive_days`]).
pub fn shown(
    rows: &[ReviewerRow],
    filters: Filters,
    inactive_days: u32,
    search: &str,
    sort: SortBy,
    now: DateTime<Utc>,
) -> Vec<u32> {
    let needle = search.trim().to_lowercase();
    let mut out: Vec<u32> = rows
        .iter()
        .enumerate()
        .filter(|(_, r)| {
            (!filters.undecided || r.decision.is_none())
                && (!filters.recommended_deny || recommends_deny(r))
                && (!filters.guests || r.user_type == UserType::Guest)
                && (!filters.inactive || is_inactive(r, inactive_days, now))
                && (!filters.new_since || is_new_since_last_review(r))
                && (needle.is_empty()
                    || r.user_name.to_lowercase().contains(&needle)
                    || r.user_principal_name.to_lowercase().contains(&needle))
        })
        .map(|(i, _)| i as u32)
        .collect();
    let by_name =
        |a: &ReviewerRow, b: &ReviewerRow| a.user_name.cmp(&b.user_name).then(a.item.cmp(&b.item));
    // Total: the item breaks every tie, so the unstable sort (less code) gives the same order.
    out.sort_unstable_by(|&a, &b| {
        let (a, b) = (&rows[a as usize], &rows[b as usize]);
        let first = match sort {
            SortBy::Name => std::cmp::Ordering::Equal,
            SortBy::UndecidedFirst => a.decision.is_some().cmp(&b.decision.is_some()),
            SortBy::RecommendedDenyFirst => recommends_deny(b).cmp(&recommends_deny(a)),
            // Never signed in sorts first (None < Some).
            SortBy::LastSignIn => a.last_sign_in.cmp(&b.last_sign_in),
        };
        first.then_with(|| by_name(a, b))
    });
    out
}

/// "10,000": counts read better with thousands separators (one helper for every screen).
pub use attest_engine::words::thousands as count;

/// "12 Dec 2026", in the reader's locale and time zone.
pub fn date(at: DateTime<Utc>) -> String {
    crate::ui::components::local_day(at)
}

/// "Last sign-in 94 days ago", "Never signed in".
pub fn last_sign_in(at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    match at {
        None => "Never signed in".into(),
        Some(at) => match (now - at).num_days() {
            d if d <= 0 => "Signed in today".into(),
            1 => "Last sign-in yesterday".into(),
            d => format!("Last sign-in {} days ago", count(d as usize)),
        },
    }
}
