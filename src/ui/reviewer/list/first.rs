//! The reviewer's rows as the page's first view shows them (`crate::ui::reviewer::first_view`)
//! while the rest of the app downloads: the same cells, words and heights as [`super::row::Row`],
//! sorted by name, with the decision buttons there but not yet usable.

use attest_engine::directory::UserType;
use attest_engine::view::ReviewerView;
use attest_engine::Decision;
use chrono::{DateTime, Utc};
use leptos::prelude::*;

use super::context::AccessCell;
use super::row::{access_text, decision_text, earlier_text, recommendation_cell};
use super::window::{row_height, window_width, NARROW_BELOW};
use crate::ui::reviewer::rows::{self, Filters, SortBy};

/// Rows drawn at most: more than any screen shows before the list scrolls.
const FIRST_ROWS: usize = 16;

/// The first rows of `view` for the reviewer `me`; `name_of` gives a user's display name
/// (who decided a row).
pub fn first_rows(
    view: &ReviewerView,
    me: &str,
    name_of: &dyn Fn(&str) -> String,
    now: DateTime<Utc>,
) -> AnyView {
    let order = rows::shown(&view.rows, Filters::default(), 0, "", SortBy::Name, now);
    let narrow = RwSignal::new(window_width() < NARROW_BELOW);
    let height = row_height(narrow);
    let show_earlier = view.show_previous_decisions && view.stage > 0;
    let as_of = Some(view.recommendations_as_of);
    let since = as_of
        .filter(|at| at.date_naive() == now.date_naive())
        .unwrap_or(now);
    let drawn = order
        .iter()
        .take(FIRST_ROWS)
        .map(|&i| {
            let row = &view.rows[i as usize];
            let guest = (row.user_type == UserType::Guest)
                .then(|| view! { <span class="badge">"Guest"</span> });
            let (path, granted) = match &row.context {
                Some(c) => (c.path.route.text(), c.path.granted),
                None => (access_text(row, view.resource.kind), None),
            };
            let recommendation = recommendation_cell(row.recommendation.as_ref(), as_of, now);
            let status = match &row.decision {
                Some(d) => {
                    let text = decision_text(d, me, &name_of(&d.reviewer));
                    view! { <span class="rv-decided" title=text.clone()>{text.clone()}</span> }.into_any()
                }
                None => view! { <span class="rv-undecided">"Not reviewed"</span> }.into_any(),
            };
            let earlier = show_earlier.then(|| {
                let text = earlier_text(row);
                view! { <div class="rv-cell rv-earlier"><span class="rv-sub" title=text.clone()>{text.clone()}</span></div> }
            });
            let button = |label: &'static str, class: &'static str| {
                view! { <button type="button" class=format!("button rv-{class}") disabled=true>{label}</button> }
            };
            view! {
                <div role="listitem" class="rv-row" style:height=format!("{height}px") aria-label=row.user_name.clone()>
                    <div class="rv-cell rv-select"></div>
                    <div class="rv-cell rv-who">
                        <span class="rv-name">{row.user_name.clone()} " " {guest}</span>
                        <span class="rv-sub" title=row.user_principal_name.clone()>{row.user_principal_name.clone()}</span>
                    </div>
                    <AccessCell path=path granted=granted last_sign_in=rows::last_sign_in(row.last_sign_in, since) />
                    <div class="rv-cell rv-rec">
                        {recommendation}
                    </div>
                    {earlier}
                    <div class="rv-cell rv-decision">
                        <div class="rv-status">{status}</div>
                        <div class="rv-buttons">
                            {button(Decision::Approve.label(), "approve")}
                            {button(Decision::Deny.label(), "deny")}
                            {button(Decision::DontKnow.label(), "dont-know")}
                            {button("Undo", "undo")}
                        </div>
                    </div>
                </div>
            }
        })
        .collect_view();
    view! {
        // It scrolls like the page's list, so it is reachable from the keyboard as that is.
        <div class="rv-list" class:narrow=narrow.get_untracked() class:with-earlier=show_earlier role="list" aria-label="Reviewees" tabindex="0">
            {drawn}
        </div>
    }
    .into_any()
}
