//! The programme view: every resource with its last certification, next review and
//! coverage; overdue reviews and reviewers; the built-in checks. Computed by the engine
//! (`programme::programme`) once per state change, in one memo; the sections only read it.

use attest_engine::directory::ResourceKind;
use attest_engine::outbox::overview_link;
use attest_engine::programme::{programme, Programme, ProgrammeConfig, ResourceRow, Why};
use attest_engine::words::thousands;
use leptos::prelude::*;

use crate::runtime::use_runtime;
use crate::ui::components::TableRegion;
use crate::ui::review::shared::when;

/// Rows drawn at once: a 100,000-user directory has thousands of resources; the filter and
/// the order (needing attention, then not covered) bring the ones that matter to the top.
const ROWS_SHOWN: usize = 200;

/// Which resources the coverage table lists.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Show {
    Attention,
    Uncovered,
    All,
}

impl Show {
    const ALL: [Show; 3] = [Show::Attention, Show::Uncovered, Show::All];

    fn label(self) -> &'static str {
        match self {
            Show::Attention => "Needing attention",
            Show::Uncovered => "Not covered by any review",
            Show::All => "All resources",
        }
    }

    fn key(self) -> &'static str {
        match self {
            Show::Attention => "attention",
            Show::Uncovered => "uncovered",
            Show::All => "all",
        }
    }

    fn keeps(self, r: &ResourceRow) -> bool {
        match self {
            Show::Attention => r.needs_attention,
            Show::Uncovered => !r.covered,
            Show::All => true,
        }
    }
}

/// The programme sections of the dashboard.
#[component]
pub fn ProgrammeView() -> impl IntoView {
    let runtime = use_runtime();
    let cfg = ProgrammeConfig::default();
    let recent_days = cfg.recent_days;
    let programme = Memo::new(move |_| {
        let now = runtime.now();
        runtime.state.with(|s| programme(s, now, &cfg))
    });
    view! {
        <section class="card programme" aria-labelledby="programme-h">
            <h2 id="programme-h">"Review programme"</h2>
            <Figures programme=programme />
            <Overdue programme=programme />
            <Checks programme=programme />
        </section>
        <Coverage programme=programme recent_days=recent_days />
    }
}

#[component]
fn Figures(programme: Memo<Programme>) -> impl IntoView {
    move || {
        programme.with(|p| {
            let figures = [
                ("Resources in the directory", p.resources.len()),
                ("Not covered by any review", p.uncovered()),
                ("Privileged or with guests, needing a review", p.needing_attention()),
                ("Overdue reviews", p.overdue_reviews.len()),
                ("Overdue reviewers", p.overdue_reviewers.len()),
            ];
            view! {
                <ul class="stat-grid">
                    {figures.into_iter().map(|(label, n)| view! {
                        <li class="card stat"><strong>{thousands(n)}</strong> <span>{label}</span></li>
                    }).collect_view()}
                </ul>
            }
        })
    }
}

#[component]
fn Overdue(programme: Memo<Programme>) -> impl IntoView {
    const SHOWN: usize = 20;
    move || {
        programme.with(|p| {
            let reviews = (!p.overdue_reviews.is_empty()).then(|| {
                let rows = p.overdue_reviews.iter().take(SHOWN).map(|r| {
                    let why = match r.why {
                        Why::PastDeadline { deadline } => format!("Stage ended {} but the review is still open", when(deadline)),
                        Why::NotApplied { completed } => format!("Finished {}; results not applied", when(completed)),
                    };
                    view! {
                        <tr>
                            <th scope="row"><a href=overview_link(&r.instance)>{r.name.clone()}</a></th>
                            <td>{why}</td>
                        </tr>
                    }
                }).collect_view();
                view! {
                    <h3 id="overdue-reviews-h">"Overdue reviews"</h3>
                    <TableRegion label="Overdue reviews">
                        <table aria-labelledby="overdue-reviews-h">
                            <thead><tr><th scope="col">"Review"</th><th scope="col">"Why"</th></tr></thead>
                            <tbody>{rows}</tbody>
                        </table>
                    </TableRegion>
                    {(p.overdue_reviews.len() > SHOWN).then(|| view! { <p class="hint">{format!("and {} more", p.overdue_reviews.len() - SHOWN)}</p> })}
                }
            });
            let reviewers = (!p.overdue_reviewers.is_empty()).then(|| {
                let rows = p.overdue_reviewers.iter().take(SHOWN).map(|r| view! {
                    <tr>
                        <th scope="row">{r.name.clone()}</th>
                        <td class="num">{thousands(r.items)}</td>
                        <td class="num">{r.reviews}</td>
                        <td>{when(r.earliest_deadline)}</td>
                    </tr>
                }).collect_view();
                view! {
                    <h3 id="overdue-reviewers-h">"Overdue reviewers"</h3>
                    <p class="hint">"Reviewers with undecided reviewees after the halfway point of their stage."</p>
                    <TableRegion label="Overdue reviewers">
                        <table aria-labelledby="overdue-reviewers-h">
                            <thead><tr>
                                <th scope="col">"Reviewer"</th>
                                <th scope="col">"Undecided"</th>
                                <th scope="col">"Reviews"</th>
                                <th scope="col">"Earliest stage end"</th>
                            </tr></thead>
                            <tbody>{rows}</tbody>
                        </table>
                    </TableRegion>
                    {(p.overdue_reviewers.len() > SHOWN).then(|| view! { <p class="hint">{format!("and {} more", p.overdue_reviewers.len() - SHOWN)}</p> })}
                }
            });
            let nothing = p.overdue_reviews.is_empty() && p.overdue_reviewers.is_empty();
            view! {
                {nothing.then(|| view! { <p class="meta">"Nothing is overdue."</p> })}
                {reviews}
                {reviewers}
            }
        })
    }
}

#[component]
fn Checks(programme: Memo<Programme>) -> impl IntoView {
    move || {
        programme.with(|p| {
            view! {
                <h3>"Checks"</h3>
                {if p.checks.is_empty() {
                    view! { <p class="meta">"Every built-in check passes."</p> }.into_any()
                } else {
                    view! {
                        <ul class="programme-checks">
                            {p.checks.iter().map(|c| view! { <li><span class="badge badge-warning">"Check"</span> " " {c.text()}</li> }).collect_view()}
                        </ul>
                    }
                    .into_any()
                }}
            }
        })
    }
}

#[component]
fn Coverage(programme: Memo<Programme>, recent_days: i64) -> impl IntoView {
    let show = RwSignal::new(Show::Attention);
    let table = move || {
        let show = show.get();
        programme.with(|p| {
            let kept: Vec<&ResourceRow> = p.resources.iter().filter(|r| show.keeps(r)).collect();
            let total = kept.len();
            if total == 0 {
                return view! { <p class="meta">"No resource in this list."</p> }.into_any();
            }
            let rows = kept.into_iter().take(ROWS_SHOWN).map(row).collect_view();
            view! {
                <TableRegion label="Resources and their reviews" class="coverage-wrap">
                    <table class="coverage" aria-labelledby="coverage-h">
                        <thead>
                            <tr>
                                <th scope="col">"Resource"</th>
                                <th scope="col">"Type"</th>
                                <th scope="col">"Last certified"</th>
                                <th scope="col">"Next review"</th>
                                <th scope="col">"Covered"</th>
                            </tr>
                        </thead>
                        <tbody>{rows}</tbody>
                    </table>
                </TableRegion>
                {(total > ROWS_SHOWN).then(|| view! {
                    <p class="hint">{format!("Showing the first {ROWS_SHOWN} of {}.", thousands(total))}</p>
                })}
            }
            .into_any()
        })
    };
    view! {
        <section class="card coverage-card" aria-labelledby="coverage-h">
            <h2 id="coverage-h">"Coverage"</h2>
            <p class="hint">{format!("Privileged roles and resources with guests not certified in the last {recent_days} days are highlighted.")}</p>
            <div class="field">
                <label for="coverage-show">"Show"</label>
                <select
                    id="coverage-show"
                    on:change:target=move |ev| {
                        let v = ev.target().value();
                        if let Some(s) = Show::ALL.into_iter().find(|s| s.key() == v) {
                            show.set(s);
                        }
                    }
                >
                    {Show::ALL.into_iter().map(|s| view! {
                        <option value=s.key() prop:selected=move || show.get() == s>{s.label()}</option>
                    }).collect_view()}
                </select>
            </div>
            {table}
        </section>
    }
}

fn kind_word(kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::Group => "Group",
        ResourceKind::Application => "Application",
        ResourceKind::DirectoryRole => "Role",
        ResourceKind::AccessPackage => "Access package",
    }
}

fn row(r: &ResourceRow) -> impl IntoView {
    let mut notes = Vec::new();
    if r.privileged {
        notes.push("privileged".to_string());
    }
    if r.guests > 0 {
        notes.push(format!("{} guest(s)", thousands(r.guests)));
    }
    let covered = if r.in_progress {
        view! { <span class="badge badge-success">"In progress"</span> }.into_any()
    } else if r.covered {
        view! { <span class="badge badge-success">"Scheduled"</span> }.into_any()
    } else {
        view! { <span class="badge badge-danger">"Not covered"</span> }.into_any()
    };
    view! {
        <tr class:attention=r.needs_attention>
            <th scope="row">
                {r.name.clone()}
                {(!notes.is_empty()).then(|| view! { <span class="meta">{format!(" ({})", notes.join(", "))}</span> })}
                {r.needs_attention.then(|| view! { " " <span class="badge badge-warning">"Needs a review"</span> })}
            </th>
            <td data-label="Type">{kind_word(r.kind)}</td>
            <td data-label="Last certified">{r.last_certified.map_or_else(|| "Never".to_string(), when)}</td>
            <td data-label="Next review">{r.next_review.map_or_else(|| "None scheduled".to_string(), when)}</td>
            <td data-label="Covered">{covered}</td>
        </tr>
    }
}
