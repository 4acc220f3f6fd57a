//! The results table of an instance: per reviewee every stage's decision, reviewer and
//! justification (administrators see all stages), the final outcome and the apply result —
//! previewed before apply — with filters and the CSV / JSON downloads.

use attest_engine::definition::Outcome;
use attest_engine::directory::AccessPath;
use attest_engine::evidence::{apply_description, results_csv, results_json};
use attest_engine::instance::{ApplyResult, Effect, StageStatus};
use attest_engine::results::{results, OutcomeSource, ResultRow};
use leptos::prelude::*;

use super::shared::{download, file_stamp, when};
use crate::runtime::use_runtime;
use crate::ui::components::{FilterSelect, TableRegion};

/// Rows per page; the downloads always hold every row.
const PAGE: usize = 50;

/// One page of the table as shown: a memo of it compares equal when a change elsewhere in
/// the review leaves these rows as they were, and then nothing is drawn again.
#[derive(Clone, PartialEq)]
struct Shown {
    total: usize,
    matching: usize,
    page: usize,
    /// Per stage: whether it has started (a reviewee can only miss a stage that ran).
    started: Vec<bool>,
    rows: Vec<ResultRow>,
}

fn apply_kind(r: &ResultRow) -> &'static str {
    match &r.apply_result {
        ApplyResult::Applied {
            effect: Effect::AccessKept,
        } => "kept",
        ApplyResult::Applied {
            effect: Effect::AccessRemoved,
        } => "removed",
        ApplyResult::Applied {
            effect: Effect::GuestBlocked,
        } => "blocked",
        ApplyResult::NotSupported { .. } => "unsupported",
        ApplyResult::ObjectNotFound => "notfound",
        ApplyResult::Failed { .. } => "failed",
    }
}

fn outcome_value(o: Outcome) -> &'static str {
    o.graph_value()
}

/// File name stem for an instance's downloads.
fn stem(id: &str) -> String {
    id.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[component]
pub fn ResultsTable(
    id: String,
    /// Changes when this review changes (`shared::instance_revision`).
    rev: Memo<u64>,
) -> impl IntoView {
    let runtime = use_runtime();
    let id = StoredValue::new(id);
    let outcome = RwSignal::new(String::new());
    let apply = RwSignal::new(String::new());
    let search = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let page = RwSignal::new(0usize);
    // A new filter starts at the first page.
    leptos::prelude::Effect::new(move |_| {
        outcome.track();
        apply.track();
        search.track();
        page.set(0);
    });

    let save = move |json: bool| {
        let now = runtime.now();
        let made = runtime.state.with_untracked(|s| {
            let inst = s.instances.get(&id.get_value())?;
            Some(if json {
                let v = results_json(s, inst, now);
                (
                    format!("{}-results-{}.json", stem(&inst.id), file_stamp(now)),
                    "application/json",
                    serde_json::to_string_pretty(&v).unwrap_or_default(),
                )
            } else {
                (
                    format!("{}-results-{}.csv", stem(&inst.id), file_stamp(now)),
                    "text/csv;charset=utf-8",
                    results_csv(s, inst, now),
                )
            })
        });
        if let Some((name, mime, text)) = made {
            problem.set(download(&name, mime, &text).err());
        }
    };

    // The table follows the review one paint behind: a decision's progress count is drawn
    // first, and the rows (derived over every reviewee, the costliest part of the page) are
    // derived after it, once for a burst of changes.
    let rows_rev = RwSignal::new(rev.get_untracked());
    let rows_due = StoredValue::new(false);
    leptos::prelude::Effect::new(move |_| {
        if rev.get() == rows_rev.get_untracked() || rows_due.get_value() {
            return;
        }
        rows_due.set_value(true);
        request_animation_frame(move || {
            set_timeout(
                move || {
                    // The page may have been left meanwhile: then there is nothing to draw.
                    if rows_due.try_set_value(false).is_none() {
                        if let Some(now) = rev.try_get_untracked() {
                            let _ = rows_rev.try_set(now);
                        }
                    }
                },
                std::time::Duration::ZERO,
            )
        });
    });

    let shown = Memo::new(move |_| {
        let _ = rows_rev.get();
        let now = runtime.now();
        let (want_outcome, want_apply) = (outcome.get(), apply.get());
        let needle = search.get().trim().to_lowercase();
        let page = page.get();
        runtime.state.with_untracked(|s| {
            let inst = s.instances.get(&id.get_value())?;
            let all = results(s, inst, now);
            let total = all.len();
            let matching: Vec<ResultRow> = all
                .into_iter()
                .filter(|r| want_outcome.is_empty() || outcome_value(r.outcome) == want_outcome)
                .filter(|r| want_apply.is_empty() || apply_kind(r) == want_apply)
                .filter(|r| {
                    needle.is_empty()
                        || r.user_name.to_lowercase().contains(&needle)
                        || r.user_principal_name.to_lowercase().contains(&needle)
                })
                .collect();
            let count = matching.len();
            let page = page.min(count.saturating_sub(1) / PAGE);
            Some(Shown {
                total,
                matching: count,
                page,
                started: inst
                    .stages
                    .iter()
                    .map(|st| st.status != StageStatus::NotStarted)
                    .collect(),
                rows: matching.into_iter().skip(page * PAGE).take(PAGE).collect(),
            })
        })
    });

    let table = move || {
        let shown = shown.get()?;
        runtime.state.with_untracked(|s| {
            let dir = &s.directory;
            let stage_heads = (1..=shown.started.len())
                .map(|n| view! { <th scope="col">{format!("Stage {n}")}</th> })
                .collect_view();
            let body = shown
                .rows
                .iter()
                .map(|r| {
                    let stages = (0..shown.started.len())
                        .map(|n| match r.stages.get(n) {
                            None if !shown.started[n] => view! { <td class="muted">"Stage not started"</td> }.into_any(),
                            None => view! { <td class="muted">"Did not reach this stage"</td> }.into_any(),
                            Some(st) => match &st.decision {
                                None => view! { <td><span class="decision decision-notreviewed">"Not reviewed"</span></td> }.into_any(),
                                Some(d) => view! {
                                    <td>
                                        <span class=format!("decision decision-{}", d.decision.outcome().graph_value().to_lowercase())>
                                            {d.decision.label()}
                                        </span>
                                        <div class="meta">"by " {dir.display_name(&d.reviewer).to_string()} ", " {when(d.at)}</div>
                                        {(!d.justification.is_empty()).then(|| view! { <div class="justification">{d.justification.clone()}</div> })}
                                    </td>
                                }
                                .into_any(),
                            },
                        })
                        .collect_view();
                    let access = match &r.access {
                        AccessPath::Direct => "Direct".to_string(),
                        AccessPath::ViaGroup { group } => format!("Through {}", dir.display_name(group)),
                    };
                    let apply_text = apply_description(dir, &r.apply_result, r.applied);
                    let apply_class = format!("apply apply-{}", apply_kind(r));
                    view! {
                        <tr>
                            <th scope="row">
                                {r.user_name.clone()}
                                <div class="meta">{r.user_principal_name.clone()}</div>
                            </th>
                            <td>{access}</td>
                            {stages}
                            <td>
                                {r.outcome.label()}
                                {(r.outcome_source == OutcomeSource::NoResponse).then(|| view! { <div class="meta">"If reviewers don't respond"</div> })}
                                {r.approved_until.as_ref().map(|(until, status)| view! { <div class="meta until">{format!("Ends {}: {}", when(*until), status.text())}</div> })}
                            </td>
                            <td class=apply_class>
                                {(!r.applied).then(|| view! { <span class="meta">"Preview: "</span> })}
                                {apply_text}
                            </td>
                        </tr>
                    }
                })
                .collect_view();
            let (first, last) = (shown.page * PAGE, (shown.page * PAGE + PAGE).min(shown.matching));
            let pages = shown.matching.div_ceil(PAGE).max(1);
            Some(view! {
                <p class="meta" role="status">
                    {if shown.matching == 0 {
                        format!("0 of {} reviewee(s) shown", shown.total)
                    } else {
                        format!("{}\u{2013}{last} of {} matching reviewee(s) ({} in the review)", first + 1, shown.matching, shown.total)
                    }}
                </p>
                <TableRegion label="Results table">
                    <table class="results-table">
                        <caption class="visually-hidden">"Results"</caption>
                        <thead>
                            <tr>
                                <th scope="col">"Reviewee"</th>
                                <th scope="col">"Access"</th>
                                {stage_heads}
                                <th scope="col">"Final outcome"</th>
                                <th scope="col">"Apply result"</th>
                            </tr>
                        </thead>
                        <tbody>{body}</tbody>
                    </table>
                </TableRegion>
                {(pages > 1).then(|| view! {
                    <nav class="pager" aria-label="Results pages">
                        <button type="button" disabled={shown.page == 0} on:click=move |_| page.update(|p| *p = p.saturating_sub(1))>
                            "Previous"
                        </button>
                        <span class="meta">{format!("Page {} of {pages}", shown.page + 1)}</span>
                        <button type="button" disabled={shown.page + 1 >= pages} on:click=move |_| page.update(|p| *p += 1)>
                            "Next"
                        </button>
                    </nav>
                })}
            })
        })
    };

    view! {
        <section class="card results" aria-labelledby="results-h">
            <div class="section-head">
                <h2 id="results-h">"Results"</h2>
                <div class="page-actions">
                    <button type="button" on:click=move |_| save(false)>"Download CSV"</button>
                    <button type="button" on:click=move |_| save(true)>"Download JSON"</button>
                </div>
            </div>
            {move || problem.get().map(|p| view! { <p class="error" role="alert">{p}</p> })}
            <div class="filters">
                <FilterSelect id="results-outcome" label="Final outcome" value=outcome all="All" options=&[
                    ("Approve", "Approved"),
                    ("Deny", "Denied"),
                    ("DontKnow", "Don't know"),
                    ("NotReviewed", "Not reviewed"),
                ] />
                <FilterSelect id="results-apply" label="Apply result" value=apply all="All" options=&[
                    ("removed", "Access removed"),
                    ("kept", "Access kept"),
                    ("blocked", "Guest blocked"),
                    ("unsupported", "Not supported"),
                    ("notfound", "Object not found"),
                    ("failed", "Failed"),
                ] />
                <div class="field">
                    <label for="results-search">"Search reviewees"</label>
                    <input
                        id="results-search"
                        type="search"
                        prop:value=move || search.get()
                        on:input:target=move |ev| search.set(ev.target().value())
                    />
                </div>
            </div>
            {table}
            <super::carried::CarriedForward id=id.get_value() rev=rev />
        </section>
    }
}
