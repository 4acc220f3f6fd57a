//! The reviewer page, the import page and the Review overview under load.

use super::*;

/// Reviewers in the reviewer-page figure: 10,000 under `make bench`, fewer in the test suite.
fn page_reviewees() -> usize {
    users().min(10_000)
}

/// The reviewer page's first render for one reviewer with ~10,000 reviewees, opened from
/// My access reviews as a reviewer does, and how many row elements the DOM holds then.
#[wasm_bindgen_test]
async fn reviewer_page_benchmark() {
    use crate::support::*;
    use leptos::prelude::{GetUntracked, Set, WithUntracked};

    // "All Employees" holds every member user: about 92% of the tenant.
    let wanted = page_reviewees();
    let config = attest::AppConfig {
        database: test_config(0).database,
        sample_users: wanted * 100 / 90,
    };
    if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = storage.remove_item(attest::ui::session::ACTING_AS_KEY);
    }
    let app = mount_with("/", config);
    let rt = ready_runtime().await;
    let reviewer = "u-000002".to_string();
    let now = rt.now();
    let mut def = group_review(
        "bench-page",
        "g-all-employees",
        vec![StageSettings {
            reviewers: Reviewers::SelectedUsers {
                users: vec![reviewer.clone()],
            },
            fallback_reviewers: vec![],
            duration_days: 14,
            recommendations: true,
        }],
        now,
    );
    def.name = "Benchmark reviewer page".into();
    rt.run_as(
        Command::CreateReview {
            definition: Box::new(def),
        },
        admin(),
        None,
    )
    .await
    .expect("review created");
    let total = rt
        .state
        .with_untracked(|s| s.instances.values().map(|i| i.items.len()).sum::<usize>());
    figure("reviewer.reviewees", total as f64, "reviewees", None);
    rt.acting_as.set(Actor::User { id: reviewer });
    click(&link(&app.root, "My access reviews").expect("the nav link"));
    let open = wait_for("the review in My access reviews", || {
        link(&app.root, "Benchmark reviewer page")
    })
    .await;
    let start = now_ms();
    click(&open);
    let rows = loop {
        let rows = all(&app.root, "[role='listitem']").len();
        if rows > 0 {
            break rows;
        }
        gloo_timers::future::TimeoutFuture::new(0).await;
        assert!(
            now_ms() - start < 60_000.0,
            "the reviewer page never rendered rows"
        );
    };
    figure("reviewer.first_render_ms", now_ms() - start, "ms", None);
    figure("reviewer.row_elements", rows as f64, "elements", None);
    let _ = rt.ready.get_untracked();
}

/// Importing the benchmark tenant as one Graph JSON file through "Import directory", the way
/// a person does: the time until the report shows, and the longest stretch the page was
/// frozen meanwhile (the honest "does it freeze" figure), then the longest freeze in the
/// seconds after it (the snapshot the app writes after a large change).
#[wasm_bindgen_test]
async fn import_page_benchmark() {
    use crate::directory::{
        as_administrator, file_input, file_list, put_files, report, IMPORT_STATUS,
    };
    use crate::support::*;

    let n = users();
    let source = sample_tenant(&SampleConfig {
        users: n,
        seed: 11,
        now: Utc::now(),
    });
    let bundle = attest_engine::import::bundle_files(&export_graph(&source));
    drop(source);
    as_administrator();
    let app = mount_with("/directory", test_config(0));
    ready_runtime().await;
    let input = file_input(&app).await;
    // The file exists before the clock starts: making a 40 MB File out of a Rust string is
    // the test's work, not the import's.
    let files = file_list(&[("bench-directory.json", &bundle)]);
    drop(bundle);
    let watch = PageWatch::start("Import progress", IMPORT_STATUS);
    let start = now_ms();
    put_files(&input, &files);
    let done = loop {
        if let Some(done) = report(&app) {
            break done;
        }
        gloo_timers::future::TimeoutFuture::new(5).await;
        assert!(now_ms() - start < 600_000.0, "the import never finished");
    };
    let total = now_ms() - start;
    let seen = watch.stop();
    assert!(done.starts_with("Imported "), "{done}");
    figure("import.page_total_ms", total, "ms", None);
    // Which step froze the page longest, in the words of the import's status line.
    figure_with(
        "import.longest_block_ms",
        seen.longest_block_ms,
        "ms",
        Some(("during", &seen.longest_block_around)),
    );
    figure(
        "import.progress_values",
        seen.progress_values as f64,
        "values",
        None,
    );
    let after = PageWatch::start("Import progress", IMPORT_STATUS);
    gloo_timers::future::TimeoutFuture::new(3_000).await;
    figure(
        "import.longest_block_after_ms",
        after.stop().longest_block_ms,
        "ms",
        None,
    );
}

/// The first stage's "Approved: n" in the Review overview's legend, if it says so.
fn overview_approved(root: &web_sys::Element) -> Option<usize> {
    crate::support::all(root, ".chart-legend li")
        .into_iter()
        .map(|li| crate::support::text(&li))
        .find_map(|t| t.strip_prefix("Approved: ").and_then(|n| n.parse().ok()))
}

/// With a review of the whole tenant ("All Employees": ~92,000 reviewees under `make bench`)
/// open in the Review overview of one tab, a reviewer in another tab on the same database
/// clicks Approve: the time until the overview's legend counts it (the median and the
/// longest of several clicks). The record goes through IndexedDB, the other tab's
/// broadcast, one fold, and the overview's re-render.
#[wasm_bindgen_test]
async fn overview_update_benchmark() {
    use crate::support::*;
    use leptos::prelude::{GetUntracked, WithUntracked};

    let config = attest::AppConfig {
        database: test_config(0).database,
        sample_users: users(),
    };
    let setup = mount_with("/", config.clone());
    let rt = ready_runtime().await;
    let reviewer = "u-000002";
    let mut def = group_review(
        "bench-overview",
        "g-all-employees",
        vec![StageSettings {
            reviewers: Reviewers::SelectedUsers {
                users: vec![reviewer.into()],
            },
            fallback_reviewers: vec![],
            duration_days: 14,
            recommendations: false,
        }],
        rt.now() - chrono::Duration::minutes(1),
    );
    def.name = "Benchmark overview".into();
    rt.run_as(
        Command::CreateReview {
            definition: Box::new(def),
        },
        admin(),
        None,
    )
    .await
    .expect("review created");
    let (instance, reviewees) = rt.state.with_untracked(|s| {
        let inst = s.instances.values().next().expect("the review started");
        (inst.id.clone(), inst.items.len())
    });
    figure("overview.reviewees", reviewees as f64, "reviewees", None);
    drop(setup);

    let admin_app = mount_with(&format!("/reviews/{instance}"), config.clone());
    let admin_rt = ready_runtime().await;
    wait_for("the overview's legend", || {
        overview_approved(&admin_app.root)
    })
    .await;
    let reviewer_app = mount_with(
        &attest::ui::reviewer::reviewer_link(&instance, 0, reviewer),
        config,
    );
    let reviewer_rt = wait_for("the reviewer's runtime", || {
        attest::runtime::current_runtime()
            .filter(|r| r.ready.get_untracked() && r.state != admin_rt.state)
    })
    .await;
    let folded = |rt: &attest::Runtime| rt.state.with_untracked(|s| s.applied_records.len());
    let mut times = Vec::new();
    // Where the time goes: until the reviewer's tab holds the record (decide, IndexedDB,
    // fold), until the administrator's tab has folded it (broadcast, read, fold; the two
    // tabs share this page's one thread), until the overview shows it.
    let mut parts = [Vec::new(), Vec::new(), Vec::new()];
    let mut decided = std::collections::BTreeSet::new();
    for n in 1..=7usize {
        // By row id: two reviewees may share a name.
        let (button, row) = wait_for("an undecided row", || {
            all(&reviewer_app.root, "[role='listitem']")
                .into_iter()
                .find_map(|row| {
                    let name = row.get_attribute("aria-label")?;
                    if decided.contains(&row.id()) {
                        return None;
                    }
                    control_by_label(&row, &format!("Approve {name}")).map(|b| (b, row.id()))
                })
        })
        .await;
        decided.insert(row);
        let (reviewer_before, admin_before) = (folded(&reviewer_rt), folded(&admin_rt));
        let (mut stored, mut admin_folded) = (None, None);
        let start = now_ms();
        click(&button);
        loop {
            if stored.is_none() && folded(&reviewer_rt) > reviewer_before {
                stored = Some(now_ms());
            }
            if admin_folded.is_none() && folded(&admin_rt) > admin_before {
                admin_folded = Some(now_ms());
            }
            if overview_approved(&admin_app.root) == Some(n) {
                let end = now_ms();
                let stored = stored.unwrap_or(end);
                let admin_folded = admin_folded.unwrap_or(end);
                parts[0].push(stored - start);
                parts[1].push(admin_folded - stored);
                parts[2].push(end - admin_folded);
                break;
            }
            gloo_timers::future::TimeoutFuture::new(0).await;
            assert!(
                now_ms() - start < 60_000.0,
                "the overview never counted decision {n}"
            );
        }
        times.push(now_ms() - start);
    }
    times.sort_by(f64::total_cmp);
    for (name, mut part) in [
        "overview.part.stored_in_reviewer_tab_ms",
        "overview.part.folded_in_admin_tab_ms",
        "overview.part.overview_rendered_ms",
    ]
    .into_iter()
    .zip(parts)
    {
        part.sort_by(f64::total_cmp);
        figure(name, part[part.len() / 2], "ms", None);
    }
    figure(
        "overview.decision_click_to_update_ms",
        times[times.len() / 2],
        "ms",
        None,
    );
    figure(
        "overview.decision_click_to_update_max_ms",
        times[times.len() - 1],
        "ms",
        None,
    );
    drop(reviewer_app);
    drop(admin_app);
}
