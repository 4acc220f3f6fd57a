//! One row of the reviewer's list, and the words it shows.

use std::collections::HashSet;

use chrono::{DateTime, Utc};

use attest_engine::directory::{AccessPath, AssignmentKind, ResourceKind, UserType};
use attest_engine::instance::{DecisionSource, Recommendation, RecordedDecision};
use attest_engine::view::ReviewerRow;
use attest_engine::Decision;
use leptos::prelude::*;

use super::context::{AccessCell, SinceLine};
use super::{row_id, toggle, ListState};
use crate::runtime::use_runtime;
use crate::ui::reviewer::rows;

pub(super) fn outcome_label(d: Decision) -> &'static str {
    match d {
        Decision::Approve => "Approved",
        Decision::Deny => "Denied",
        Decision::DontKnow => "Don't know",
    }
}

/// What this stage's decision says, in one line.
pub(super) fn decision_text(d: &RecordedDecision, me: &str, reviewer_name: &str) -> String {
    let mut s = outcome_label(d.decision).to_string();
    if d.reviewer != me {
        s.push_str(&format!(" by {reviewer_name}"));
    }
    if d.source == DecisionSource::AcceptedRecommendation {
        s.push_str(" (recommendation accepted)");
    } else if !d.justification.trim().is_empty() {
        s.push_str(&format!(": \u{201c}{}\u{201d}", d.justification.trim()));
    }
    s
}

pub(super) fn access_text(row: &ReviewerRow, kind: ResourceKind) -> String {
    let mut s = match (&row.access, &row.via_name) {
        (AccessPath::ViaGroup { .. }, Some(name)) => format!("Through {name}"),
        (AccessPath::ViaGroup { group }, None) => format!("Through {group}"),
        (AccessPath::Direct, _) if kind == ResourceKind::Group => "Direct member".to_string(),
        (AccessPath::Direct, _) => "Assigned directly".to_string(),
    };
    match row.assignment {
        Some(AssignmentKind::Eligible) => s.push_str(" (eligible)"),
        Some(AssignmentKind::Active) => s.push_str(" (active)"),
        None => {}
    }
    s
}

/// Earlier stages' decisions on one line ("Stage 1: Approved by Ada Lovelace").
pub(super) fn earlier_text(row: &ReviewerRow) -> String {
    let text = row
        .earlier
        .iter()
        .map(|e| {
            format!(
                "Stage {}: {} by {}",
                e.stage + 1,
                outcome_label(e.decision.decision),
                e.reviewer_name
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    if text.is_empty() {
        "No earlier decision".to_string()
    } else {
        text
    }
}

/// What every row of one reviewer page shares.
#[derive(Clone, Copy)]
pub(super) struct RowContext {
    /// The reviewer acting: their own decisions are not signed "by".
    pub me: Memo<String>,
    pub kind: Memo<ResourceKind>,
    /// When the recommendations were made (see [`recommendation_reasons`]).
    pub as_of: Memo<Option<DateTime<Utc>>>,
    pub shared_names: Memo<HashSet<String>>,
}

/// The reasons of a recommendation as shown and as their tooltip, dated when the review did
/// not start today: the days in them count from the review's start, while the row's "Last
/// sign-in … ago" counts from today. The date leads, so a clipped line still shows it.
fn recommendation_reasons(
    r: &Recommendation,
    as_of: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> (String, String) {
    let text = r.text();
    match as_of {
        Some(at) if at.date_naive() != now.date_naive() => {
            let day = rows::date(at);
            (
                format!("As of {day}: {text}"),
                format!("{text} (worked out when the review started, {day})"),
            )
        }
        _ => (text.clone(), text),
    }
}

/// What the recommendation cell shows: "Recommended: Deny" and its reasons, or that there
/// is none.
pub(super) fn recommendation_cell(
    r: Option<&Recommendation>,
    as_of: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> AnyView {
    match r {
        None => view! { <span class="rv-sub">"No recommendation"</span> }.into_any(),
        Some(r) => {
            let label = format!("Recommended: {}", r.decision.label());
            let (reasons, title) = recommendation_reasons(r, as_of, now);
            let deny = r.decision == Decision::Deny;
            view! {
                <span class="rv-rec-label" class:deny=deny>{label}</span>
                <span class="rv-sub" title=title>{reasons}</span>
            }
            .into_any()
        }
    }
}

/// One reviewee's row: who, what access, the recommendation, earlier stages' decisions when
/// shown, and this stage's decision with its buttons.
#[component]
pub(super) fn Row(
    row: ReviewerRow,
    state: ListState,
    context: RowContext,
    show_earlier: bool,
    /// The row's height in CSS pixels (the virtual list positions rows by it).
    height: i32,
) -> impl IntoView {
    let RowContext {
        me,
        kind,
        as_of,
        shared_names,
    } = context;
    let item = row.item;
    // What the row and its buttons are called: the name, with the sign-in name when shared.
    let name = if shared_names.with_untracked(|s| s.contains(&row.user_name)) {
        format!("{} ({})", row.user_name, row.user_principal_name)
    } else {
        row.user_name.clone()
    };
    let runtime = use_runtime();
    let now = runtime.now();
    let decision_now = row.decision.as_ref().map(|d| d.decision);
    let status = row.decision.as_ref().map(|d| {
        let reviewer_name = runtime
            .state
            .with_untracked(|s| s.directory.display_name(&d.reviewer).to_string());
        decision_text(d, &me.get_untracked(), &reviewer_name)
    });
    let decided = row.decision.is_some();
    let recommendation =
        recommendation_cell(row.recommendation.as_ref(), as_of.get_untracked(), now);
    let earlier = show_earlier.then(|| {
        let text = earlier_text(&row);
        view! { <div class="rv-cell rv-earlier"><span class="rv-sub" title=text.clone()>{text.clone()}</span></div> }
    });
    let guest =
        (row.user_type == UserType::Guest).then(|| view! { <span class="badge">"Guest"</span> });
    // The engine's path when it gave one (every page it builds does), else the stored kind.
    let (path, granted) = match &row.context {
        Some(c) => (c.path.route.text(), c.path.granted),
        None => (access_text(&row, kind.get_untracked()), None),
    };
    let since_last = row
        .context
        .as_ref()
        .and_then(|c| c.since.clone())
        .map(|since| view! { <SinceLine since=since /> });
    // A review started today: counted from its start, as the recommendation's "signed in …"
    // is, so one row never shows two ages (an earlier start dates the recommendation).
    let since = as_of
        .get_untracked()
        .filter(|at| at.date_naive() == now.date_naive())
        .unwrap_or(now);
    let last = rows::last_sign_in(row.last_sign_in, since);
    let ListState {
        selected,
        active,
        errors,
        saving,
        positions,
        shown_count,
        tab_item,
        decide,
        reset,
        ..
    } = state;
    let error = move || errors.with(|e| e.get(&item).cloned());
    let is_saving = move || saving.with(|s| s.contains(&item));
    let status_line = {
        let status = status.clone();
        move || {
            if let Some(e) = error() {
                view! { <span class="rv-error" role="alert" title=e.clone()>{e.clone()}</span> }
                    .into_any()
            } else if is_saving() {
                view! { <span class="rv-saving">"Saving\u{2026}"</span> }.into_any()
            } else {
                match status.clone() {
                    Some(s) => {
                        view! { <span class="rv-decided" title=s.clone()>{s.clone()}</span> }
                            .into_any()
                    }
                    None => view! { <span class="rv-undecided">"Not reviewed"</span> }.into_any(),
                }
            }
        }
    };
    // Only the row that takes focus has its controls in the Tab order.
    let inner_tabindex = move || {
        if tab_item.get() == Some(item) {
            "0"
        } else {
            "-1"
        }
    };
    let user_name = name.clone();
    let button = move |decision: Decision, class: &'static str| {
        let label = format!("{} {}", decision.label(), user_name);
        view! {
            <button
                type="button"
                class=format!("button rv-{class}")
                aria-label=label
                aria-pressed=if decision_now == Some(decision) { "true" } else { "false" }
                tabindex=inner_tabindex
                on:click=move |_| {
                    active.set(Some(item));
                    decide.run((vec![item], decision));
                }
            >
                {decision.label()}
            </button>
        }
    };
    view! {
        <div
            role="listitem"
            id=row_id(item)
            class="rv-row"
            class:active=move || active.get() == Some(item)
            class:selected=move || selected.with(|s| s.contains(&item))
            class:failed=move || error().is_some()
            style:height=format!("{height}px")
            tabindex=move || if tab_item.get() == Some(item) { "0" } else { "-1" }
            aria-label=name.clone()
            aria-posinset=move || positions.with(|p| p.get(&item).map(|p| p + 1).unwrap_or(0))
            aria-setsize=move || shown_count.get()
            on:focusin=move |_| {
                if active.get_untracked() != Some(item) {
                    active.set(Some(item));
                }
            }
        >
            <div class="rv-cell rv-select">
                <input
                    type="checkbox"
                    tabindex=inner_tabindex
                    aria-label=format!("Select {name}")
                    prop:checked=move || selected.with(|s| s.contains(&item))
                    on:change=move |_| toggle(selected, item)
                />
            </div>
            <div class="rv-cell rv-who">
                <span class="rv-name">{row.user_name.clone()} " " {guest}</span>
                <span class="rv-sub" title=row.user_principal_name.clone()>{row.user_principal_name.clone()}</span>
                {since_last}
            </div>
            <AccessCell path=path granted=granted last_sign_in=last />
            <div class="rv-cell rv-rec">
                {recommendation}
            </div>
            {earlier}
            <div class="rv-cell rv-decision">
                <div class="rv-status">{status_line}</div>
                <div class="rv-buttons">
                    {button(Decision::Approve, "approve")}
                    {button(Decision::Deny, "deny")}
                    {button(Decision::DontKnow, "dont-know")}
                    <button
                        type="button"
                        class="button rv-undo"
                        aria-label=format!("Undo decision for {name}")
                        tabindex=inner_tabindex
                        disabled=!decided
                        on:click=move |_| {
                            active.set(Some(item));
                            reset.run(vec![item]);
                        }
                    >
                        "Undo"
                    </button>
                </div>
            </div>
        </div>
    }
}
