//! Remediation: every denied item across reviews after Apply results, and whether its
//! removal is verified by a directory import, still present, came back, or waits on a manual
//! task. Filters (status, owner, resource, review), bulk assign, evidence, "done
//! externally", and the downloads: the list as CSV and the removals as Microsoft Graph
//! batches. The statuses are the engine's (`attest_engine::remediation`), folded from the log.

mod time_bound;

use std::collections::{BTreeMap, BTreeSet};

use attest_engine::remediation::{
    counts, csv, file_digest, remediation, FileDigest, ItemRef, RemediationItem, Status,
};
use attest_engine::writeback::{plan, to_json};
use attest_engine::{Command, State};
use chrono::NaiveDate;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::runtime::{use_runtime, Runtime};
use crate::ui::components::local_day as day;
use crate::ui::components::{FilterSelect, Page};
use crate::ui::review::shared::{download, file_stamp, use_records, when};

/// Rows drawn at most; the downloads hold every row that matches the filters.
const MAX_ROWS: usize = 500;

/// Status filter values: empty is every open item.
const STATUS_OPTIONS: &[(&str, &str)] = &[
    ("any", "Any status, verified ones too"),
    ("Applied", "Applied, awaiting import"),
    ("VerifiedRemoved", "Verified removed"),
    ("StillPresent", "Still present"),
    ("CameBack", "Came back"),
    ("CannotBeApplied", "Cannot be applied"),
    ("ManualTask", "Manual task"),
    ("DoneExternally", "Done externally, awaiting import"),
    ("Overdue", "Overdue"),
];

fn status_value(s: Status) -> String {
    format!("{s:?}")
}

fn status_class(s: Status) -> &'static str {
    match s {
        Status::VerifiedRemoved => "badge badge-success",
        Status::StillPresent | Status::CameBack | Status::Overdue => "badge badge-danger",
        Status::CannotBeApplied | Status::ManualTask => "badge badge-warning",
        Status::Applied | Status::DoneExternally => "badge",
    }
}

/// The remediation items at the runtime's now, once the log is loaded.
fn use_items(runtime: Runtime) -> (Memo<Option<Vec<RemediationItem>>>, RwSignal<Option<String>>) {
    let (records, problem) = use_records(runtime);
    let items = Memo::new(move |_| {
        records.with(|r| {
            r.as_ref()
                .map(|r| runtime.state.with(|s| remediation(s, r, runtime.now())))
        })
    });
    (items, problem)
}

/// The dashboard's remediation counts, linking to the Remediation screen. The counts need
/// the whole log, so it is read only once some review was applied (the start page of a
/// tenant without one stays as quick as before).
#[component]
pub fn RemediationCounts() -> impl IntoView {
    let runtime = use_runtime();
    let any_applied = Memo::new(move |_| {
        runtime.state.with(|s| {
            s.instances
                .values()
                .any(|i| i.status == attest_engine::instance::InstanceStatus::Applied)
        })
    });
    move || any_applied.get().then(|| view! { <CountsOfLog /> })
}

#[component]
fn CountsOfLog() -> impl IntoView {
    let runtime = use_runtime();
    let (items, _) = use_items(runtime);
    move || {
        items.with(|all| {
            let c = counts(all.as_deref()?);
            let stats = [
                ("Open remediation items", c.open),
                ("Overdue manual tasks", c.overdue),
                ("Came back after removal", c.came_back),
            ];
            Some(view! {
                <ul class="stat-grid" aria-label="Remediation">
                    {stats.into_iter().map(|(label, n)| view! {
                        <li class="card stat"><strong>{n}</strong> " " <a href="/remediation">{label}</a></li>
                    }).collect_view()}
                </ul>
            })
        })
    }
}

/// A select of values found in the list (owners, resources, reviews); empty means any.
#[component]
fn ValueSelect(
    id: &'static str,
    label: &'static str,
    value: RwSignal<String>,
    all: &'static str,
    options: Signal<Vec<(String, String)>>,
) -> impl IntoView {
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <select id=id on:change:target=move |ev| value.set(ev.target().value())>
                <option value="">{all}</option>
                {move || options.get().into_iter().map(|(v, l)| {
                    let selected = value.get_untracked() == v;
                    view! { <option value=v selected=selected>{l}</option> }
                }).collect_view()}
            </select>
        </div>
    }
}

/// The owner an administrator typed: a directory user's id or sign-in name.
fn find_owner(s: &State, typed: &str) -> Option<String> {
    let typed = typed.trim();
    if s.directory.users.contains_key(typed) {
        return Some(typed.to_string());
    }
    s.directory
        .users
        .values()
        .find(|u| u.user_principal_name.eq_ignore_ascii_case(typed))
        .map(|u| u.id.clone())
}

/// The bytes of a file the administrator chose, and its digest.
async fn digest_of(file: web_sys::File) -> Result<FileDigest, String> {
    let buffer = JsFuture::from(file.array_buffer())
        .await
        .map_err(|_| format!("Could not read \"{}\".", file.name()))?;
    let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
    Ok(file_digest(&file.name(), &bytes))
}

#[component]
pub fn Remediation() -> impl IntoView {
    let runtime = use_runtime();
    let (items, problem) = use_items(runtime);
    let status = RwSignal::new(String::new());
    let owner = RwSignal::new(String::new());
    let resource = RwSignal::new(String::new());
    let review = RwSignal::new(String::new());
    let selected = RwSignal::new(BTreeSet::<ItemRef>::new());
    let assign_to = RwSignal::new(String::new());
    let due = RwSignal::new(String::new());
    let comment = RwSignal::new(String::new());
    let file = RwSignal::new(None::<FileDigest>);
    let busy = RwSignal::new(false);
    let notice = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);

    // The items the filters let through.
    let shown = Memo::new(move |_| {
        let (st, ow, rs, rv) = (status.get(), owner.get(), resource.get(), review.get());
        items.with(|all| {
            all.as_ref().map(|all| {
                all.iter()
                    .filter(|it| match st.as_str() {
                        "" => it.status.is_open(),
                        "any" => true,
                        want => status_value(it.status) == want,
                    })
                    .filter(|it| ow.is_empty() || it.task.as_ref().is_some_and(|t| t.owner == ow))
                    .filter(|it| rs.is_empty() || it.resource == rs)
                    .filter(|it| rv.is_empty() || it.review == rv)
                    .cloned()
                    .collect::<Vec<_>>()
            })
        })
    });
    let options = move |pick: fn(&RemediationItem) -> Option<(String, String)>| {
        Signal::derive(move || {
            items.with(|all| {
                all.iter()
                    .flatten()
                    .filter_map(pick)
                    .collect::<BTreeMap<String, String>>()
                    .into_iter()
                    .collect::<Vec<_>>()
            })
        })
    };
    let owners = Signal::derive(move || {
        let ids = options(|it| it.task.as_ref().map(|t| (t.owner.clone(), String::new()))).get();
        runtime.state.with(|s| {
            ids.into_iter()
                .map(|(id, _)| {
                    let name = s.directory.display_name(&id).to_string();
                    (id, name)
                })
                .collect()
        })
    });
    let resources = options(|it| Some((it.resource.clone(), it.resource_name.clone())));
    let reviews = options(|it| Some((it.review.clone(), it.review_name.clone())));

    let reopened = Memo::new(move |_| {
        items.with(|all| {
            all.as_deref()
                .map(counts)
                .map(|c| c.came_back + c.still_present)
        })
    });

    // Run commands one after another; say what happened.
    let run_all = move |cmds: Vec<Command>, done: String| {
        busy.set(true);
        notice.set(None);
        error.set(None);
        spawn_local(async move {
            for cmd in cmds {
                if let Err(e) = runtime.run(cmd).await {
                    busy.set(false);
                    error.set(Some(format!("Not recorded: {e}.")));
                    return;
                }
            }
            busy.set(false);
            selected.set(BTreeSet::new());
            notice.set(Some(done));
        });
    };
    let chosen = move || selected.get_untracked().into_iter().collect::<Vec<_>>();

    let assign = move |_| {
        let items = chosen();
        if items.is_empty() {
            error.set(Some("Select the items to assign first.".into()));
            return;
        }
        let typed = assign_to.get_untracked();
        let Some(who) = runtime.state.with_untracked(|s| find_owner(s, &typed)) else {
            error.set(Some(format!(
                "Owner: \"{}\" is not a user in the directory (type a sign-in name).",
                typed.trim()
            )));
            return;
        };
        let Ok(date) = NaiveDate::parse_from_str(&due.get_untracked(), "%Y-%m-%d") else {
            error.set(Some("Due date: choose a date.".into()));
            return;
        };
        // Due at the end of that day (UTC, the engine's clock).
        let due_at = date
            .and_hms_opt(23, 59, 59)
            .expect("a valid time of day")
            .and_utc();
        let n = items.len();
        run_all(
            vec![Command::AssignRemediation {
                items,
                owner: who,
                due: due_at,
            }],
            format!("{n} item(s) assigned."),
        );
    };
    let mark_done = move |_| {
        let items = chosen();
        if items.is_empty() {
            error.set(Some("Select the items done outside Attest first.".into()));
            return;
        }
        let n = items.len();
        run_all(
            vec![Command::MarkRemediationDone {
                items,
                comment: comment.get_untracked(),
            }],
            format!("{n} item(s) marked done externally: the next directory import verifies them."),
        );
    };
    let record_evidence = move |_| {
        let items = chosen();
        if items.is_empty() {
            error.set(Some("Select the items the evidence is for first.".into()));
            return;
        }
        let n = items.len();
        let (text, f) = (comment.get_untracked(), file.get_untracked());
        run_all(
            items
                .into_iter()
                .map(|item| Command::RecordRemediationEvidence {
                    item,
                    comment: text.clone(),
                    file: f.clone(),
                })
                .collect(),
            format!("Evidence recorded on {n} item(s)."),
        );
    };
    let on_file = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = ev.target().unwrap().unchecked_into();
        let Some(f) = input.files().and_then(|l| l.get(0)) else {
            file.set(None);
            return;
        };
        spawn_local(async move {
            match digest_of(f).await {
                Ok(d) => file.set(Some(d)),
                Err(e) => error.set(Some(e)),
            }
        });
    };

    let save_csv = move |_| {
        let now = runtime.now();
        let text = shown.with_untracked(|rows| {
            runtime
                .state
                .with_untracked(|s| csv(s, rows.as_deref().unwrap_or_default()))
        });
        error.set(
            download(
                &format!("remediation-{}.csv", file_stamp(now)),
                "text/csv;charset=utf-8",
                &text,
            )
            .err(),
        );
    };
    let save_graph = move |_| {
        let now = runtime.now();
        let text = items.with_untracked(|all| {
            shown.with_untracked(|rows| {
                let (all, rows) = (
                    all.as_deref().unwrap_or_default(),
                    rows.as_deref().unwrap_or_default(),
                );
                let wanted: BTreeSet<&ItemRef> = rows
                    .iter()
                    .filter(|r| r.status.is_open())
                    .map(|r| &r.at)
                    .collect();
                // Only the open items shown: everything else tracked is left out.
                let skip: BTreeSet<ItemRef> = all
                    .iter()
                    .map(|r| &r.at)
                    .filter(|r| !wanted.contains(r))
                    .cloned()
                    .collect();
                let ids: BTreeSet<&str> = wanted.iter().map(|r| r.instance.as_str()).collect();
                runtime.state.with_untracked(|s| {
                    let instances: Vec<_> =
                        ids.iter().filter_map(|id| s.instances.get(*id)).collect();
                    to_json(&plan(s, &instances, &skip, now))
                })
            })
        });
        error.set(
            download(
                &format!("graph-batch-{}.json", file_stamp(now)),
                "application/json",
                &text,
            )
            .err(),
        );
    };

    let table = move || {
        shown.with(|rows| {
            let Some(rows) = rows else {
                return view! { <p class="meta">"Loading the history…"</p> }.into_any();
            };
            if rows.is_empty() {
                return view! { <p class="card empty">"No item matches: denied access appears here once results are applied."</p> }.into_any();
            }
            let count = rows.len();
            let body = runtime.state.with(|s| {
                rows.iter().take(MAX_ROWS).map(|it| {
                    let at = it.at.clone();
                    let at2 = at.clone();
                    let checked = move || selected.with(|sel| sel.contains(&at));
                    let toggle = move |_| selected.update(|sel| {
                        if !sel.remove(&at2) {
                            sel.insert(at2.clone());
                        }
                    });
                    let select_label = format!("Select {} on {}", it.user_name, it.resource_name);
                    let reason = it.blocker.as_ref().map(|b| b.text(&s.directory));
                    let owner = it.task.as_ref().map(|t| format!("{}, due {}", s.directory.display_name(&t.owner), day(t.due)));
                    let last = it.steps.last().map(|st| match &st.import {
                        Some(src) => format!("{} (import \u{201c}{src}\u{201d})", when(st.at)),
                        None => when(st.at),
                    });
                    view! {
                        <tr data-status=status_value(it.status)>
                            <td><input type="checkbox" aria-label=select_label prop:checked=checked on:change=toggle /></td>
                            <td>{it.user_name.clone()} <span class="meta">{it.user_principal_name.clone()}</span></td>
                            <td>{it.resource_name.clone()}</td>
                            <td>{it.review_name.clone()}</td>
                            <td><span class=status_class(it.status)>{it.status.label()}</span> <span class="meta">{last}</span></td>
                            <td>{reason}</td>
                            <td>{owner}</td>
                            <td><Trail item=it.clone() /></td>
                        </tr>
                    }
                }).collect_view()
            });
            view! {
                <p class="meta" role="status">{format!("{} of {count} item(s) shown", count.min(MAX_ROWS))}</p>
                <div class="table-wrap">
                    <table class="results remediation-table">
                        <thead><tr>
                            <th scope="col"><span class="visually-hidden">"Selected"</span></th>
                            <th scope="col">"Reviewee"</th>
                            <th scope="col">"Resource"</th>
                            <th scope="col">"Review"</th>
                            <th scope="col">"Status"</th>
                            <th scope="col">"Why it needs a person"</th>
                            <th scope="col">"Owner"</th>
                            <th scope="col">"Evidence and history"</th>
                        </tr></thead>
                        <tbody>{body}</tbody>
                    </table>
                </div>
            }.into_any()
        })
    };

    view! {
        <Page title="Remediation" lead="Whether denied access is really gone: verified by the next directory import, or a manual task with an owner, a due date and evidence.">
            {move || problem.get().map(|p| view! { <p class="error" role="alert">{p}</p> })}
            {move || reopened.get().filter(|n| *n > 0).map(|n| view! {
                <p class="card error" role="alert">
                    {format!("{n} removed access(es) are present in the directory after an import: still present or came back. Assign them, or export the Graph batch again.")}
                </p>
            })}
            <section class="card" aria-labelledby="remediation-filters-h">
                <h2 id="remediation-filters-h">"Filters"</h2>
                <div class="filters">
                    <FilterSelect id="remediation-status" label="Status" value=status all="Every open item" options=STATUS_OPTIONS />
                    <ValueSelect id="remediation-owner" label="Owner" value=owner all="Any owner" options=owners />
                    <ValueSelect id="remediation-resource" label="Resource" value=resource all="Any resource" options=resources />
                    <ValueSelect id="remediation-review" label="Review" value=review all="Any review" options=reviews />
                </div>
                <div class="actions">
                    <button type="button" class="button button-secondary" on:click=save_csv>"Download CSV"</button>
                    <button type="button" class="button button-secondary" on:click=save_graph>"Download Graph batch"</button>
                </div>
            </section>
            <section class="card" aria-labelledby="remediation-act-h">
                <h2 id="remediation-act-h">"Selected items"</h2>
                <div class="filters">
                    <div class="field">
                        <label for="remediation-owner-input">"Assign to (sign-in name)"</label>
                        <input id="remediation-owner-input" type="text" prop:value=move || assign_to.get() on:input:target=move |ev| assign_to.set(ev.target().value()) />
                    </div>
                    <div class="field">
                        <label for="remediation-due">"Due date"</label>
                        <input id="remediation-due" type="date" prop:value=move || due.get() on:input:target=move |ev| due.set(ev.target().value()) />
                    </div>
                    <button type="button" class="button button-primary" on:click=assign disabled=move || busy.get()>"Assign selected"</button>
                </div>
                <div class="filters">
                    <div class="field">
                        <label for="remediation-comment">"Comment"</label>
                        <input id="remediation-comment" type="text" prop:value=move || comment.get() on:input:target=move |ev| comment.set(ev.target().value()) />
                    </div>
                    <div class="field">
                        <label for="remediation-file">"Evidence file (only its SHA-256 is recorded)"</label>
                        <input id="remediation-file" type="file" on:change=on_file />
                    </div>
                    <button type="button" class="button button-secondary" on:click=record_evidence disabled=move || busy.get()>"Record evidence"</button>
                    <button type="button" class="button button-secondary" on:click=mark_done disabled=move || busy.get()>"Mark done externally"</button>
                </div>
                {move || file.get().map(|f| view! { <p class="meta">{format!("{}: sha256 {}", f.name, f.sha256)}</p> })}
                {move || notice.get().map(|n| view! { <p class="notice" role="status">{n}</p> })}
                {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            </section>
            {table}
            <time_bound::TimeBoundApprovals />
        </Page>
    }
}

/// An item's evidence and the statuses it went through, folded away under a summary.
#[component]
fn Trail(item: RemediationItem) -> impl IntoView {
    let summary = format!(
        "{} evidence, {} step(s)",
        item.evidence.len(),
        item.steps.len()
    );
    let evidence = item
        .evidence
        .into_iter()
        .map(|e| {
            let file = e.file.map(|f| format!(" [{} sha256 {}]", f.name, f.sha256));
            let done = e.done.then_some(" (done externally)");
            view! { <li>{when(e.at)} ": " {e.comment} {file} {done}</li> }
        })
        .collect_view();
    let steps = item
        .steps
        .into_iter()
        .map(|st| {
            let import = st
                .import
                .map(|src| format!(" (import \u{201c}{src}\u{201d})"));
            view! { <li>{when(st.at)} ": " {st.status.label()} {import}</li> }
        })
        .collect_view();
    view! {
        <details>
            <summary>{summary}</summary>
            <ul class="trail">{evidence}{steps}</ul>
        </details>
    }
}
