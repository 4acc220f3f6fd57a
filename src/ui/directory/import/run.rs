//! Running an import: read the files, convert Graph JSON in slices between paints, check
//! references, then hand the directory to the engine.

use attest_engine::import::{
    import_csv, split_bundle, GraphImport, ImportError, ImportProgress, ImportSummary,
};
use attest_engine::{Command, Directory};
use leptos::prelude::*;

use crate::runtime::{yield_to_browser, Runtime};
use crate::ui::components::read_text;

use super::*;

pub(super) fn file_list(list: Option<web_sys::FileList>) -> Vec<web_sys::File> {
    let Some(list) = list else { return Vec::new() };
    (0..list.length()).filter_map(|i| list.get(i)).collect()
}

/// A later summary's collections win; links add up.
pub(super) fn merge(into: &mut ImportSummary, later: ImportSummary) {
    into.users = later.users.or(into.users);
    into.groups = later.groups.or(into.groups);
    into.applications = later.applications.or(into.applications);
    into.roles = later.roles.or(into.roles);
    into.access_packages = later.access_packages.or(into.access_packages);
    into.links += later.links;
    into.notices.extend(later.notices);
}

pub(super) fn is_csv(name: &str) -> bool {
    name.to_ascii_lowercase().ends_with(".csv")
}

/// Read, convert and commit `files`; the returned status is the outcome to show. With
/// `replace`, nothing of the current directory is kept, and the converted directory waits in
/// `pending` for the person to confirm.
pub(super) async fn import_files(
    runtime: Runtime,
    files: Vec<web_sys::File>,
    status: RwSignal<Status>,
    replace: bool,
    pending: StoredValue<Option<Pending>>,
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
    let converted = convert(runtime, &json, &csv, status, replace).await;
    let (directory, summary) = match converted {
        Ok(done) => done,
        Err(e) => return Status::Failed(Failure::File(e)),
    };
    if replace {
        let before = runtime.state.with_untracked(|s| Counts::of(&s.directory));
        let after = Counts::of(&directory);
        pending.set_value(Some(Pending {
            replace,
            directory,
            summary,
            files: names.clone(),
            started,
        }));
        return Status::Confirming {
            before,
            after,
            files: names,
        };
    }
    save(
        runtime,
        status,
        Pending {
            replace,
            directory,
            summary,
            files: names,
            started,
        },
    )
    .await
}

/// Commit a converted directory through the engine; the outcome to show.
pub(super) async fn save(runtime: Runtime, status: RwSignal<Status>, done: Pending) -> Status {
    status.set(Status::Saving);
    yield_to_browser().await;
    let source = format!("Import of {}", done.files.join(", "));
    match runtime
        .run(Command::ImportDirectory {
            directory: Box::new(done.directory),
            source,
        })
        .await
    {
        Ok(()) => Status::Imported(Report {
            summary: done.summary,
            replaced: done.replace,
            files: done.files,
            seconds: (js_sys::Date::now() - done.started) / 1000.0,
        }),
        Err(e) => Status::Failed(Failure::Refused(e.to_string())),
    }
}

/// Call `work` until it reports `done == total`, in slices of about `FRAME_BUDGET_MS`,
/// showing the progress and letting the browser paint after each slice.
pub(super) async fn in_slices(
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
pub(super) async fn convert(
    runtime: Runtime,
    json: &[(String, String)],
    csv: &[(String, String)],
    status: RwSignal<Status>,
    replace: bool,
) -> Result<(Directory, ImportSummary), ImportError> {
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
        // Copy only the collections the files do not replace from the live directory
        // (nothing when the whole directory is replaced).
        if replace {
            import.keep_from(&Directory::default());
        } else {
            runtime
                .state
                .with_untracked(|s| import.keep_from(&s.directory));
        }
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
            None if replace => import_csv(&Directory::default(), csv)?,
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
