//! Reviewer insight on the review overview (issue 25): per reviewer of this review, the
//! decisions made, the approve rate, the median seconds per decision and the share of
//! recommendations overridden, with the engine's rubber-stamp flags
//! (`attest_engine::insight::reviewer_insight`, read from the log).

use attest_engine::actor::Area;
use attest_engine::insight::{reviewer_insight, ReviewerInsight};
use leptos::prelude::*;

use super::shared::use_records;
use crate::runtime::use_runtime;
use crate::ui::components::TableRegion;

fn pace(r: &ReviewerInsight) -> String {
    match r.median_seconds {
        None => "\u{2014}".into(),
        Some(s) if s < 10.0 => format!("{s:.1} s"),
        Some(s) if s < 120.0 => format!("{s:.0} s"),
        Some(s) => format!("{:.0} min", s / 60.0),
    }
}

#[component]
pub fn ReviewerInsightSection(
    /// The review instance.
    #[prop(into)]
    id: String,
    /// Changes when this review changes (`shared::instance_revision`).
    rev: Memo<u64>,
) -> impl IntoView {
    let runtime = use_runtime();
    let allowed = Memo::new(move |_| runtime.acting_as.with(|a| a.may_read(Area::History)));
    let id = StoredValue::new(id);
    let (records, _) = use_records(runtime);
    let figures = Memo::new(move |_| {
        if !allowed.get() {
            return None;
        }
        let _ = rev.get();
        records.with(|log| {
            let log = log.as_ref()?;
            Some(
                runtime
                    .state
                    .with_untracked(|s| reviewer_insight(s, log, &id.get_value())),
            )
        })
    });
    move || {
        let rows = figures.get()?;
        let body = if rows.is_empty() {
            view! { <p class="meta">"No decisions yet."</p> }.into_any()
        } else {
            let lines = rows
                .iter()
                .map(|r| {
                    let flags = r.flags.iter().map(|f| f.text()).collect::<Vec<_>>();
                    let flagged = !flags.is_empty();
                    view! {
                        <tr class:flagged=flagged>
                            <th scope="row">{r.reviewer_name.clone()}</th>
                            <td class="num">{r.decisions}</td>
                            <td class="num">{format!("{}%", r.approve_percent())}</td>
                            <td class="num">{pace(r)}</td>
                            <td class="num">
                                {if r.with_recommendation == 0 {
                                    "\u{2014}".to_string()
                                } else {
                                    format!("{}% of {}", r.overridden_percent(), r.with_recommendation)
                                }}
                            </td>
                            <td>
                                {if flagged {
                                    view! { <ul class="insight-flags">{flags.into_iter().map(|f| view! { <li>{f}</li> }).collect_view()}</ul> }.into_any()
                                } else {
                                    view! { <span class="meta">"None"</span> }.into_any()
                                }}
                            </td>
                        </tr>
                    }
                })
                .collect_view();
            view! {
                <TableRegion label="Reviewer insight table">
                    <table class="insight-table">
                        <caption class="visually-hidden">"Reviewer insight"</caption>
                        <thead>
                            <tr>
                                <th scope="col">"Reviewer"</th>
                                <th scope="col">"Decisions"</th>
                                <th scope="col">"Approved"</th>
                                <th scope="col">"Median time per decision"</th>
                                <th scope="col">"Recommendations overridden"</th>
                                <th scope="col">"Flags"</th>
                            </tr>
                        </thead>
                        <tbody>{lines}</tbody>
                    </table>
                </TableRegion>
            }
            .into_any()
        };
        Some(view! {
            <section class="card insight" aria-labelledby="insight-h">
                <h2 id="insight-h">"Reviewer insight"</h2>
                <p class="hint">
                    "Flags suggest rubber-stamping: 100 or more approvals within 60 seconds, under 3 seconds per decision over 20 or more, every one of 50 or more decisions an approval, or 80% or more of at least 10 Deny recommendations approved."
                </p>
                {body}
            </section>
        })
    }
}
