//! My access reviews: the stages waiting on the identity one acts as (open first, by due
//! date, with how many items are undecided) and the finished ones below.

use attest_engine::view::{my_reviews, MyReview};
use leptos::prelude::*;

mod delegate;

use crate::runtime::use_runtime;
use crate::ui::components::{Page, TableRegion};
use crate::ui::reviewer::rows::{count, date};
use crate::ui::reviewer::{resource_label, reviewer_link};

#[component]
pub fn MyReviews() -> impl IntoView {
    let runtime = use_runtime();
    let me = Memo::new(move |_| runtime.acting_as.with(|a| a.user_id().map(str::to_string)));
    let reviews = Memo::new(move |_| {
        let me = me.get()?;
        Some(runtime.state.with(|s| my_reviews(s, &me)))
    });
    let body = move || {
        if !runtime.ready.get() {
            return view! { <p class="meta" role="status">"Loading your reviews\u{2026}"</p> }
                .into_any();
        }
        let Some(me) = me.get() else {
            return view! {
                <section class="card">
                    <p>"You are acting as the administrator. Choose a reviewer in \u{201c}Acting as\u{201d} to see the reviews waiting on them."</p>
                </section>
            }
            .into_any();
        };
        let all = reviews.get().unwrap_or_default();
        let (open, finished): (Vec<MyReview>, Vec<MyReview>) =
            all.into_iter().partition(|r| r.open);
        view! {
            <section aria-labelledby="my-open">
                <h2 id="my-open">"Waiting for your decisions"</h2>
                {if open.is_empty() {
                    view! { <p class="meta">"Nothing is waiting for you."</p> }.into_any()
                } else {
                    review_table(open, &me, true).into_any()
                }}
            </section>
            <section aria-labelledby="my-finished" class="my-finished">
                <h2 id="my-finished">"Finished"</h2>
                {if finished.is_empty() {
                    view! { <p class="meta">"No finished reviews yet."</p> }.into_any()
                } else {
                    review_table(finished, &me, false).into_any()
                }}
            </section>
        }
        .into_any()
    };
    view! {
        <Page title="My access reviews" lead="The reviews waiting for a decision from the identity you are acting as.">
            {body}
            {move || me.get().map(|id| view! { <delegate::DelegateForm me=Memo::new(move |_| id.clone()) /> })}
        </Page>
    }
}

fn review_table(reviews: Vec<MyReview>, me: &str, open: bool) -> impl IntoView {
    let due_label = if open { "Due" } else { "Ended by" };
    let rows = reviews
        .into_iter()
        .map(|r| {
            let name = r.review_name.clone();
            let stage = format!("Stage {} of {}", r.stage + 1, r.stage_count);
            let due = r.deadline.map(date).unwrap_or_else(|| "No due date".into());
            let decided = r.assigned - r.undecided;
            let progress = if open {
                format!("{} of {} undecided", count(r.undecided), count(r.assigned))
            } else {
                format!("{} of {} decided", count(decided), count(r.assigned))
            };
            let title = if open {
                name.clone()
            } else {
                format!("{name} (finished)")
            };
            let link = open.then(|| reviewer_link(&r.instance, r.stage, me));
            view! {
                <tr role="row">
                    <td role="cell" class="my-review-name">
                        {match link {
                            Some(href) => view! { <a href=href>{title}</a> }.into_any(),
                            None => view! { <span>{title}</span> }.into_any(),
                        }}
                        <div class="meta">{resource_label(&r.resource)}</div>
                    </td>
                    <td role="cell" data-label="Stage">{stage}</td>
                    <td role="cell" data-label=due_label>{due}</td>
                    <td role="cell" data-label="Progress">{progress}</td>
                </tr>
            }
        })
        .collect_view();
    // Below 560 px each row becomes a small card (style/reviewer.css); the explicit roles keep
    // it a table for assistive technology whatever the display.
    view! {
        <TableRegion label="My access reviews" class="my-reviews-table">
            <table role="table">
                <thead role="rowgroup">
                    <tr role="row">
                        <th role="columnheader" scope="col">"Review"</th>
                        <th role="columnheader" scope="col">"Stage"</th>
                        <th role="columnheader" scope="col">{due_label}</th>
                        <th role="columnheader" scope="col">"Progress"</th>
                    </tr>
                </thead>
                <tbody role="rowgroup">{rows}</tbody>
            </table>
        </TableRegion>
    }
}
