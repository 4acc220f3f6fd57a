//! The reviewer row's context (issue 25): how the person holds the access and since when,
//! and what the last occurrence of a recurring review decided. The words come from the
//! engine (`attest_engine::context`); dates are written in the reader's form.

use attest_engine::context::SinceLastReview;
use chrono::{DateTime, Utc};
use leptos::prelude::*;

use crate::ui::reviewer::rows;

/// The access cell: the path on the first line; the grant date, when the directory knows
/// it, and the last sign-in under it.
#[component]
pub(super) fn AccessCell(
    /// "Direct member", "Assigned through group Engineering › Platform Team", …
    path: String,
    /// When the access was granted.
    granted: Option<DateTime<Utc>>,
    /// "Last sign-in 94 days ago".
    last_sign_in: String,
) -> impl IntoView {
    let sub = match granted {
        Some(at) => format!("Granted {} \u{b7} {last_sign_in}", rows::date(at)),
        None => last_sign_in,
    };
    view! {
        <div class="rv-cell rv-access">
            <span class="rv-path" title=path.clone()>{path.clone()}</span>
            <span class="rv-sub" title=sub.clone()>{sub.clone()}</span>
        </div>
    }
}

/// "New since last review", or "Last review: Approved by Megan Bowen (5 Jan 2026)".
#[component]
pub(super) fn SinceLine(since: SinceLastReview) -> impl IntoView {
    let text = since.text(rows::date);
    view! {
        <span class="rv-since" class:new=since.is_new() title=text.clone()>{text.clone()}</span>
    }
}
