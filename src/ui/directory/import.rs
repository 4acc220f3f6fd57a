//! "Import directory" (file picker and drop zone, Graph JSON in chunks with a progress bar,
//! CSV, a report of what came in or why nothing did) and "Export directory".
//!
//! Large Graph files are converted a few milliseconds at a time with a yield to the browser
//! in between, so a 100,000-user file imports while the page keeps painting and the progress
//! bar moves. Nothing changes until the whole import succeeded and the engine accepted it.

use attest_engine::import::{
    bundle_files, export_graph, import_csv, split_bundle, GraphImport, ImportError, ImportProgress,
    ImportSummary,
};
use attest_engine::Command;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use crate::runtime::yield_to_browser;
use crate::ui::components::read_text;

use super::count;
use crate::runtime::{use_runtime, Runtime};

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
    Saving,
    Imported(Report),
    Failed(Failure),
}

#[derive(Clone, Debug, PartialEq)]
struct Report {
    summary: ImportSummary,
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

fn file_list(list: Option<web_sys::FileList>) -> Vec<web_sys::File> {
    let Some(list) = list else { return Vec::new() };
    (0..list.length()).filter_map(|i| list.get(i)).collect()
}

/// A later summary's collections win; links add up.
fn merge(into: &mut ImportSummary, later: ImportSummary) {
    into.users = later.users.or(into.users);
    into.groups = later.groups.or(into.groups);
    into.applications = later.applications.or(into.applications);
    into.roles = later.roles.or(into.roles);
    into.access_packages = later.access_packages.or(into.access_packages);
    into.links += later.links;
    into.notices.extend(later.notices);
}

fn is_csv(name: &str) -> bool {
    name.to_ascii_lowercase().ends_with(".csv")
}

/// Read, convert and commit `files`; the returned status is the outcome to show.
async fn import_files(
    runtime: Runtime,
    files: Vec<web_sys::File>,
    status: RwSignal<Status>,
) -> Status {
    let started = js_sys::Date::now();
    status.set(Status::Reading { files: files.len() });
    let mut texts = Vec::new();
    for file in &files {
        match read_text(file).await {
            Ok(text) => texts.push((file.name(), text)),
            Err(problem) => {
                return Status::Failed(Failure::Unreadable {
                    file: file.name(),
                    problem,
                })
            }
        }
    }
    // By name, so the pages of one collection come in order (members-1, members-2, ...):
    // a members page without a nextLink belongs to the group of the page before it.
    texts.sort_by(|a, b| a.0.cmp(&b.0));
    let names: Vec<String> = texts.iter().map(|(n, _)| n.clone()).collect();
    let (csv, json): (Vec<_>, Vec<_>) = texts.into_iter().partition(|(name, _)| is_csv(name));
    let converted = convert(runtime, &json, &csv, status).await;
    let (directory, summary) = match converted {
        Ok(done) => done,
        Err(e) => return Status::Failed(Failure::File(e)),
    };
    status.set(Status::Saving);
    yield_to_browser().await;
    let source = format!("Import of {}", names.join(", "));
    match runtime
        .run(Command::ImportDirectory {
            directory: Box::new(directory),
            source,
        })
        .await
    {
        Ok(()) => Status::Imported(Report {
            summary,
            files: names,
            seconds: (js_sys::Date::now() - started) / 1000.0,
        }),
        Err(e) => Status::Failed(Failure::Refused(e.to_string())),
    }
}

/// Call `work` until it reports `done == total`, in slices of about `FRAME_BUDGET_MS`,
/// showing the progress and letting the browser paint after each slice.
async fn in_slices(
    mut work: impl FnMut() -> Result<ImportProgress, ImportError>,
    show: impl Fn(ImportProgress),
) -> Result<(), ImportError> {
    loop {
        let slice_started = js_sys::Date::now();
        let progress = loop {
            let p = work()?;
            if p.done >= p.total || js_sys::Date::now() - slice_started > FRAME_BUDGET_MS {
                break p;
            }
        };
        show(progress);
        yield_to_browser().await;
        if progress.done >= progress.total {
            return Ok(());
        }
    }
}

/// Graph JSON through `GraphImport` in time-boxed slices (convert, then check references),
/// then CSV on top of the result.
async fn convert(
    runtime: Runtime,
    json: &[(String, String)],
    csv: &[(String, String)],
    status: RwSignal<Status>,
) -> Result<(attest_engine::Directory, ImportSummary), ImportError> {
    let mut directory = None;
    let mut summary = ImportSummary::default();
    if !json.is_empty() {
        let mut import = GraphImport::deferred();
        // Parsing a large file is one blocking piece each: paint between them.
        let parsing = |file: &str| {
            status.set(Status::Parsing {
                file: file.to_string(),
            })
        };
        for (name, text) in json {
            parsing(name);
            yield_to_browser().await;
            let split = split_bundle(name, text)?;
            match split {
                Some(parts) => {
                    for (part, text) in &parts {
                        parsing(part);
                        yield_to_browser().await;
                        import.add_file(part, text)?;
                    }
                }
                None => import.add_file(name, text)?,
            }
        }
        yield_to_browser().await;
        // Copy only the collections the files do not replace from the live directory.
        runtime
            .state
            .with_untracked(|s| import.keep_from(&s.directory));
        in_slices(
            || import.step(STEP_ITEMS),
            |p| {
                status.set(Status::Converting {
                    done: p.done,
                    total: p.total,
                })
            },
        )
        .await?;
        in_slices(
            || import.check(CHECK_REFS),
            |p| {
                status.set(Status::Checking {
                    done: p.done,
                    total: p.total,
                })
            },
        )
        .await?;
        let (converted, s) = import.finish()?;
        directory = Some(converted);
        summary = s;
    }
    if !csv.is_empty() {
        let (converted, s) = match &directory {
            Some(dir) => import_csv(dir, csv)?,
            None => runtime
                .state
                .with_untracked(|s| import_csv(&s.directory, csv))?,
        };
        directory = Some(converted);
        merge(&mut summary, s);
    }
    let directory = directory.expect("at least one JSON or CSV file was given");
    Ok((directory, summary))
}

/// "Imported 1,234 users and 56 groups; collections not in the files were kept."
fn summary_text(s: &ImportSummary) -> String {
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
        if kept {
            "; collections not in the files were kept"
        } else {
            ""
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
        spawn_local(async move {
            let outcome = import_files(runtime, files, status).await;
            status.set(outcome);
        });
    };
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
            <ImportStatus status />
        </section>
    }
}

#[component]
fn ImportStatus(status: RwSignal<Status>) -> impl IntoView {
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
        Status::Saving => view! {
            <div class="import-progress" role="status">
                <p>"Saving the new directory\u{2026}"</p>
                <progress aria-label="Import progress"></progress>
            </div>
        }
        .into_any(),
        Status::Imported(report) => view! {
            <div class="import-report import-ok" role="status">
                <p class="import-headline">{summary_text(&report.summary)}</p>
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
