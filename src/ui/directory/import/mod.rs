//! "Import directory" (file picker and drop zone, Graph JSON in chunks with a progress bar,
//! CSV, a report of what came in or why nothing did) and "Export directory".
//!
//! Large Graph files are converted a few milliseconds at a time with a yield to the browser
//! in between, so a 100,000-user file imports while the page keeps painting and the progress
//! bar moves. Nothing changes until the whole import succeeded and the engine accepted it.

use attest_engine::import::{bundle_files, export_graph, ImportError, ImportSummary};
use attest_engine::Directory;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use crate::ui::components::TableRegion;

use super::count;
use crate::runtime::use_runtime;
use run::*;

mod run;

/// Items converted per `GraphImport::step` call; steps repeat until the frame budget is used.
const STEP_ITEMS: usize = 250;
/// References checked per `GraphImport::check` call, likewise.
const CHECK_REFS: usize = 5_000;
/// Work per slice before the browser gets to paint and handle input again.
const FRAME_BUDGET_MS: f64 = 12.0;

const INPUT_ID: &str = "directory-import-files";

/// Where an import is.
#[derive(Clone, Debug, PartialEq)]
enum Status {
    Idle,
    Reading {
        files: usize,
    },
    /// Taking one file (or one part of a bundle) apart, before any item is converted.
    Parsing {
        file: String,
    },
    Converting {
        done: usize,
        total: usize,
    },
    Checking {
        done: usize,
        total: usize,
    },
    /// "Replace the whole directory": converted and checked, waiting for the person to
    /// confirm with the before and after counts in view.
    Confirming {
        before: Counts,
        after: Counts,
        files: Vec<String>,
    },
    Saving,
    Imported(Report),
    Failed(Failure),
}

/// How many users, groups, applications, roles and access packages a directory holds.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Counts([usize; 5]);

const COLLECTIONS: [&str; 5] = [
    "Users",
    "Groups",
    "Applications",
    "Directory roles",
    "Access packages",
];

impl Counts {
    fn of(d: &Directory) -> Counts {
        Counts([
            d.users.len(),
            d.groups.len(),
            d.applications.len(),
            d.roles.len(),
            d.access_packages.len(),
        ])
    }
}

/// A converted directory waiting for "Replace the whole directory" to be confirmed.
struct Pending {
    replace: bool,
    directory: Directory,
    summary: ImportSummary,
    files: Vec<String>,
    started: f64,
}

#[derive(Clone, Debug, PartialEq)]
struct Report {
    summary: ImportSummary,
    /// The whole directory was replaced: nothing outside the files was kept.
    replaced: bool,
    files: Vec<String>,
    seconds: f64,
}

#[derive(Clone, Debug, PartialEq)]
enum Failure {
    /// A file is malformed or refers to something missing.
    File(ImportError),
    /// The engine or the store refused the import (not an administrator, not saved).
    Refused(String),
    /// The browser could not read a file.
    Unreadable { file: String, problem: String },
}

impl Status {
    fn busy(&self) -> bool {
        matches!(
            self,
            Status::Reading { .. }
                | Status::Parsing { .. }
                | Status::Converting { .. }
                | Status::Checking { .. }
                | Status::Saving
        )
    }
}

/// "Imported 1,234 users and 56 groups; collections not in the files were kept."
fn summary_text(s: &ImportSummary, replaced: bool) -> String {
    let parts: Vec<String> = [
        (s.users, "user", "users"),
        (s.groups, "group", "groups"),
        (s.applications, "application", "applications"),
        (s.roles, "role", "roles"),
        (s.access_packages, "access package", "access packages"),
    ]
    .into_iter()
    .filter_map(|(n, one, many)| {
        n.map(|n| format!("{} {}", count(n), if n == 1 { one } else { many }))
    })
    .collect();
    let listed = match parts.as_slice() {
        [] => "nothing".to_string(),
        [only] => only.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    };
    let kept = [
        s.users,
        s.groups,
        s.applications,
        s.roles,
        s.access_packages,
    ]
    .iter()
    .any(Option::is_none);
    let links = if s.links > 0 {
        format!(
            " ({} memberships, ownerships and assignments)",
            count(s.links)
        )
    } else {
        String::new()
    };
    format!(
        "Imported {listed}{links}{}.",
        match (kept, replaced) {
            (true, false) => "; collections not in the files were kept",
            (true, true) =>
                "; the directory was replaced: collections not in the files are now empty",
            (false, _) => "",
        }
    )
}

/// Bring the import card into view and put the keyboard on its file picker (the header's
/// "Import or export" button; the card sits below a long list).
pub fn reveal() {
    if let Some(card) = document().get_element_by_id("directory-import") {
        card.scroll_into_view();
    }
    if let Some(input) = document()
        .get_element_by_id(INPUT_ID)
        .and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = input.focus();
    }
}

#[component]
pub fn ImportCard() -> impl IntoView {
    let runtime = use_runtime();
    let status = RwSignal::new(Status::Idle);
    let replace = RwSignal::new(false);
    let pending = StoredValue::new(None::<Pending>);
    let dragging = RwSignal::new(false);
    let busy = Memo::new(move |_| status.with(Status::busy));
    let running_reviews = Memo::new(move |_| {
        runtime
            .state
            .with(|s| s.instances.values().filter(|i| i.is_open()).count())
    });

    let start = move |files: Vec<web_sys::File>| {
        if files.is_empty() || busy.get_untracked() {
            return;
        }
        let replace = replace.get_untracked();
        spawn_local(async move {
            let outcome = import_files(runtime, files, status, replace, pending).await;
            status.set(outcome);
        });
    };
    // The file picker is disabled while files convert, which drops focus: the question's
    // Cancel takes it.
    Effect::new(move |_| {
        if status.with(|s| matches!(s, Status::Confirming { .. })) {
            request_animation_frame(|| crate::ui::components::focus_id("import-confirm-cancel"));
        }
    });
    let confirm = Callback::new(move |yes: bool| {
        let Some(done) = pending.try_update_value(Option::take).flatten() else {
            return;
        };
        if !yes {
            status.set(Status::Idle);
            crate::ui::components::focus_id(INPUT_ID);
            return;
        }
        spawn_local(async move {
            let outcome = save(runtime, status, done).await;
            status.set(outcome);
        });
    });
    let on_change = move |ev: leptos::ev::Event| {
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        let files = file_list(input.files());
        // Choosing the same file again should import again.
        input.set_value("");
        start(files);
    };
    let on_drop = move |ev: web_sys::DragEvent| {
        ev.prevent_default();
        dragging.set(false);
        start(file_list(ev.data_transfer().and_then(|dt| dt.files())));
    };
    let on_dragover = move |ev: web_sys::DragEvent| {
        // Without this the browser opens the file instead of dropping it here.
        ev.prevent_default();
        dragging.set(true);
    };

    let snapshot_note = move || {
        match running_reviews.get() {
        0 => "Importing changes the directory for reviews that start later. No review is running now.".to_string(),
        1 => "Importing changes the directory for reviews that start later; the 1 running review keeps the snapshot it started with.".to_string(),
        n => format!("Importing changes the directory for reviews that start later; the {} running reviews keep the snapshot they started with.", count(n)),
    }
    };

    view! {
        <section id="directory-import" class="card directory-import" aria-labelledby="directory-import-heading">
            <h2 id="directory-import-heading">"Import directory"</h2>
            <p class="meta">
                "Microsoft Graph JSON (users, groups, servicePrincipals, directory roles and access packages, or a file exported here) or CSV (users, groups, memberships). Collections in the files replace the current ones; the others are kept. A group's members may come as pages of /groups/{id}/members, chosen together and named in order (members-1.json, members-2.json, ...). A file with any problem is rejected whole."
            </p>
            <p class="snapshot-note">{snapshot_note}</p>
            <fieldset class="import-mode">
                <legend>"Collections the files do not hold"</legend>
                <label>
                    <input type="radio" name="import-mode" prop:checked=move || !replace.get() on:change=move |_| replace.set(false) />
                    "Keep them (add to the current directory)"
                </label>
                <label>
                    <input type="radio" name="import-mode" prop:checked=move || replace.get() on:change=move |_| replace.set(true) />
                    "Replace the whole directory: remove them, e.g. the sample tenant's applications, roles and access packages"
                </label>
            </fieldset>
            <div
                class="drop-zone"
                class:dragging=move || dragging.get()
                on:dragenter=on_dragover
                on:dragover=on_dragover
                on:dragleave=move |_| dragging.set(false)
                on:drop=on_drop
            >
                <p>"Drop .json or .csv files here, or"</p>
                <input
                    id=INPUT_ID
                    class="file-input"
                    type="file"
                    multiple
                    accept=".json,.csv,application/json,text/csv"
                    disabled=move || busy.get()
                    on:change=on_change
                />
                <label for=INPUT_ID class="button button-primary">"Choose files"</label>
            </div>
            <ImportStatus status confirm />
        </section>
    }
}

#[component]
fn ImportStatus(
    status: RwSignal<Status>,
    /// Answers "Replace the whole directory?": true replaces, false drops the import.
    confirm: Callback<bool>,
) -> impl IntoView {
    move || {
        match status.get() {
        Status::Idle => ().into_any(),
        Status::Reading { files } => view! {
            <div class="import-progress" role="status">
                <p>{format!("Reading {} file{}\u{2026}", files, if files == 1 { "" } else { "s" })}</p>
                <progress aria-label="Import progress"></progress>
            </div>
        }
        .into_any(),
        Status::Parsing { file } => view! {
            <div class="import-progress" role="status">
                <p>{format!("Parsing {file}\u{2026}")}</p>
                <progress aria-label="Import progress"></progress>
            </div>
        }
        .into_any(),
        Status::Converting { done, total } => view! {
            <div class="import-progress">
                <p role="status">{format!("Converting {} of {} items\u{2026}", count(done), count(total))}</p>
                <progress aria-label="Import progress" max=total.max(1) value=done></progress>
            </div>
        }
        .into_any(),
        Status::Checking { done, total } => view! {
            <div class="import-progress">
                <p role="status">{format!("Checking references\u{2026} {} of {}", count(done), count(total))}</p>
                <progress aria-label="Import progress" max=total.max(1) value=done></progress>
            </div>
        }
        .into_any(),
        Status::Confirming { before, after, files } => view! {
            <div class="import-report import-confirm" role="group" aria-labelledby="import-confirm-q">
                <p class="import-headline" id="import-confirm-q">
                    {format!("Replace the whole directory with {}?", files.join(", "))}
                </p>
                <TableRegion label="What the directory holds now and after the import">
                    <table>
                        <thead>
                            <tr><th scope="col">"Collection"</th><th scope="col">"Now"</th><th scope="col">"After"</th></tr>
                        </thead>
                        <tbody>
                            {COLLECTIONS.iter().enumerate().map(|(i, name)| view! {
                                <tr>
                                    <th scope="row">{*name}</th>
                                    <td class="num">{count(before.0[i])}</td>
                                    <td class="num">{count(after.0[i])}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </TableRegion>
                <p>"Everything now in the directory that the files do not hold is removed. Running reviews keep the snapshot they started with."</p>
                <div class="page-actions">
                    <button type="button" class="button-danger" on:click=move |_| confirm.run(true)>"Replace the directory"</button>
                    <button type="button" id="import-confirm-cancel" on:click=move |_| confirm.run(false)>"Cancel"</button>
                </div>
            </div>
        }
        .into_any(),
        Status::Saving => view! {
            <div class="import-progress" role="status">
                <p>"Saving the new directory\u{2026}"</p>
                <progress aria-label="Import progress"></progress>
            </div>
        }
        .into_any(),
        Status::Imported(report) => view! {
            <div class="import-report import-ok" role="status">
                <p class="import-headline">{summary_text(&report.summary, report.replaced)}</p>
                {(!report.summary.notices.is_empty()).then(|| view! {
                    <ul class="import-notices">
                        {report.summary.notices.iter().map(|n| view! { <li>{n.clone()}</li> }).collect::<Vec<_>>()}
                    </ul>
                })}
                <p class="meta">
                    {format!("From {} in {:.1} s. Reviews that start from now on use this directory.", report.files.join(", "), report.seconds)}
                </p>
            </div>
        }
        .into_any(),
        Status::Failed(failure) => {
            let detail = match failure {
                Failure::File(e) => view! {
                    <p class="import-headline">"The import was rejected."</p>
                    {(e.file == attest_engine::import::CURRENT_DIRECTORY || e.problem.contains("does not exist in the directory")).then(|| view! {
                        <p>"If the files hold a whole tenant, choose \u{201c}Replace the whole directory\u{201d} above: the collections kept from the current directory (such as the sample's applications) may name people the files do not have."</p>
                    })}
                    <dl class="import-error">
                        <div><dt>"File"</dt><dd>{e.file}</dd></div>
                        <div><dt>"Where"</dt><dd><code>{e.location}</code></dd></div>
                        <div><dt>"Problem"</dt><dd>{e.problem}</dd></div>
                    </dl>
                }
                .into_any(),
                Failure::Refused(message) => view! {
                    <p class="import-headline">{format!("The import was refused: {message}.")}</p>
                    <p>"Choose \u{201c}Administrator\u{201d} under \u{201c}Acting as\u{201d} to import."</p>
                }
                .into_any(),
                Failure::Unreadable { file, problem } => view! {
                    <p class="import-headline">{format!("Could not read {file}: {problem}.")}</p>
                }
                .into_any(),
            };
            view! {
                <div class="import-report import-failed" role="alert">
                    {detail}
                    <p><strong>"Nothing was imported; the directory is unchanged."</strong></p>
                </div>
            }
            .into_any()
        }
    }
    }
}

/// "Export directory (Graph JSON)": one file bundling every Graph collection document, which
/// "Import directory" reads back.
#[component]
pub fn ExportCard() -> impl IntoView {
    let runtime = use_runtime();
    let problem = RwSignal::new(None::<String>);
    let export = move |_| {
        let text = runtime
            .state
            .with_untracked(|s| bundle_files(&export_graph(&s.directory)));
        let name = format!("attest-directory-{}.json", runtime.now().format("%Y-%m-%d"));
        problem.set(crate::ui::components::download(&name, "application/json", &text).err());
    };
    view! {
        <section class="card directory-export" aria-labelledby="directory-export-heading">
            <h2 id="directory-export-heading">"Export directory"</h2>
            <p class="meta">
                "One JSON file holding every collection in the shape Microsoft Graph returns (users, groups, servicePrincipals, roles, access packages). Import it here to restore this directory."
            </p>
            <button type="button" class="button-secondary" on:click=export>"Export directory (Graph JSON)"</button>
            {move || problem.get().map(|p| view! { <p class="error" role="alert">{p}</p> })}
        </section>
    }
}
