//! Reviews: every review instance with its status, next deadline and progress, with filters;
//! and every review series (one-time or recurring) with its schedule and instances.

use attest_engine::definition::{Frequency, ScheduleEnd};
use attest_engine::outbox::overview_link;
use attest_engine::view::stage_progress;
use attest_engine::Command;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::runtime::use_runtime;
use crate::ui::components::{ConfirmDialog, FilterSelect, Page, TableRegion};
use crate::ui::review::shared::{status_class, status_label, when, Meter};

#[component]
pub fn Reviews() -> impl IntoView {
    let runtime = use_runtime();
    let status = RwSignal::new(String::new());
    let search = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<(String, String)>);
    // The series the "End series?" confirmation is open for: (definition id, name, next start).
    let ending = RwSignal::new(None::<(String, String, String)>);
    let ending_open = RwSignal::new(false);

    let instances = move || {
        let want = status.get();
        let needle = search.get().trim().to_lowercase();
        runtime.state.with(|s| {
            let mut list: Vec<_> = s
                .instances
                .values()
                .filter(|i| want.is_empty() || status_label(i) == want)
                .filter(|i| {
                    needle.is_empty()
                        || i.resource.name.to_lowercase().contains(&needle)
                        || s.definition_of(i).name.to_lowercase().contains(&needle)
                })
                .collect();
            // Open ones first, soonest deadline first; then the most recently started.
            list.sort_by(|a, b| {
                b.is_open()
                    .cmp(&a.is_open())
                    .then(a.current_deadline().cmp(&b.current_deadline()))
                    .then(b.started.cmp(&a.started))
            });
            let total = s.instances.len();
            let shown = list.len();
            let rows = list
                .into_iter()
                .map(|inst| {
                    let def = s.definition_of(inst);
                    let tally = &stage_progress(inst)[inst.current_stage];
                    view! {
                        <tr>
                            <th scope="row">
                                <a href=overview_link(&inst.id)>{def.name.clone()}</a>
                                <div class="meta">{inst.resource.kind.label()} ": " {inst.resource.name.clone()}</div>
                            </th>
                            <td><span class=status_class(inst)>{status_label(inst)}</span></td>
                            <td>{format!("{} of {}", inst.current_stage + 1, inst.stages.len())}</td>
                            <td>{inst.current_deadline().map(when).unwrap_or_else(|| "—".into())}</td>
                            <td><Meter reviewed=tally.reviewed() total=tally.total() /></td>
                        </tr>
                    }
                })
                .collect_view();
            if total == 0 {
                return view! {
                    <p class="card empty">"No review has started yet. Create one with New review; it starts on its start date."</p>
                }
                .into_any();
            }
            view! {
                <p class="meta" role="status">{format!("{shown} of {total} review instance(s) shown")}</p>
                <TableRegion label="Review instances table">
                    <table class="reviews-table">
                        <caption class="visually-hidden">"Review instances"</caption>
                        <thead>
                            <tr>
                                <th scope="col">"Review"</th>
                                <th scope="col">"Status"</th>
                                <th scope="col">"Stage"</th>
                                <th scope="col">"Next deadline"</th>
                                <th scope="col">"Progress (current stage)"</th>
                            </tr>
                        </thead>
                        <tbody>{rows}</tbody>
                    </table>
                </TableRegion>
            }
            .into_any()
        })
    };

    let end_series = move |definition: String| {
        problem.set(None);
        spawn_local(async move {
            if let Err(e) = runtime
                .run(Command::EndSeries {
                    definition: definition.clone(),
                })
                .await
            {
                problem.set(Some((definition, e.to_string())));
            }
        });
    };

    let series = move || {
        runtime.state.with(|s| {
            s.reviews
                .values()
                .map(|review| {
                    let def = &review.definition;
                    let def_id = def.id.clone();
                    let recurring = def.schedule.frequency != Frequency::OneTime;
                    let ends = match &def.schedule.end {
                        ScheduleEnd::Never => "never ends".to_string(),
                        ScheduleEnd::OnDate { date } => format!("ends {}", when(*date)),
                        ScheduleEnd::AfterOccurrences { count } => format!("ends after {count} occurrence(s)"),
                    };
                    let next = match (review.ended, review.next_start()) {
                        (Some(at), _) => format!("Series ended {}", when(at)),
                        (None, Some(at)) => format!("Next occurrence starts {}", when(at)),
                        (None, None) => "No further occurrences".to_string(),
                    };
                    let mut instances: Vec<_> = s.instances.values().filter(|i| i.definition == def.id).collect();
                    instances.sort_by(|a, b| b.occurrence.cmp(&a.occurrence).then(a.resource.name.cmp(&b.resource.name)));
                    let can_end = recurring && review.ended.is_none() && review.next_start().is_some();
                    let err_id = def_id.clone();
                    let label = format!("End series {}", def.name);
                    view! {
                        <li class="card series">
                            <h3>{def.name.clone()}</h3>
                            <p class="meta">
                                {def.schedule.frequency.label()}
                                {recurring.then(|| format!(", {ends}"))}
                                " · " {format!("{} stage(s)", def.stages.len())}
                                " · " {next.clone()}
                            </p>
                            {if instances.is_empty() {
                                view! { <p class="meta">"No instance yet."</p> <crate::ui::readiness::Readiness definition=Signal::stored(def.clone()) /> }.into_any()
                            } else {
                                view! {
                                    <ul class="series-instances">
                                        {instances
                                            .into_iter()
                                            .map(|i| view! {
                                                <li>
                                                    <a href=overview_link(&i.id)>{format!("#{} · {}", i.occurrence + 1, i.resource.name)}</a>
                                                    " " <span class=status_class(i)>{status_label(i)}</span>
                                                    <span class="meta">{format!(" started {}", when(i.started))}</span>
                                                </li>
                                            })
                                            .collect_view()}
                                    </ul>
                                }
                                .into_any()
                            }}
                            {can_end.then(|| {
                                let chosen = (def_id.clone(), def.name.clone(), next.clone());
                                view! {
                                    <button
                                        type="button"
                                        id=format!("end-series-{def_id}")
                                        aria-label=label
                                        on:click=move |_| {
                                            ending.set(Some(chosen.clone()));
                                            ending_open.set(true);
                                        }
                                    >
                                        "End series"
                                    </button>
                                }
                            })}
                            {move || problem.get().filter(|(d, _)| *d == err_id).map(|(_, e)| view! { <p class="error" role="alert">{e}</p> })}
                        </li>
                    }
                })
                .collect_view()
        })
    };

    let confirm_end = Callback::new(move |()| {
        ending_open.set(false);
        if let Some((definition, _, _)) = ending.get_untracked() {
            end_series(definition);
        }
    });
    let end_dialog = move || {
        ending_open.get().then(|| ending.get_untracked()).flatten().map(|(definition, name, next)| view! {
            <ConfirmDialog
                title=format!("End series {name}?")
                confirm="End series"
                trigger=format!("end-series-{definition}")
                open=ending_open
                on_confirm=confirm_end
            >
                <p>{format!("{next}. After you end the series, no further occurrence starts; instances already running go on to their end.")}</p>
                <p>"This cannot be undone: to review again, create a new review."</p>
            </ConfirmDialog>
        })
    };

    view! {
        <Page
            title="Reviews"
            lead="Every access review, its schedule and the status of its instances."
            actions=Box::new(|| view! { <a class="button button-primary" href="/reviews/new">"New review"</a> }.into_any())
        >
            <section aria-labelledby="instances-h">
                <h2 id="instances-h" class="section-title">"Review instances"</h2>
                <div class="filters">
                    <FilterSelect id="reviews-status" label="Status" value=status all="All" options=&[
                        ("In progress", "In progress"),
                        ("Completed", "Completed"),
                        ("Stopped", "Stopped"),
                        ("Applied", "Applied"),
                    ] />
                    <div class="field">
                        <label for="reviews-search">"Search reviews"</label>
                        <input
                            id="reviews-search"
                            type="search"
                            prop:value=move || search.get()
                            on:input:target=move |ev| search.set(ev.target().value())
                        />
                    </div>
                </div>
                {instances}
            </section>
            <section aria-labelledby="series-h">
                <h2 id="series-h" class="section-title">"Review series"</h2>
                <ul class="series-list">{series}</ul>
            </section>
            {end_dialog}
        </Page>
    }
}
