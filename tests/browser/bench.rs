//! The benchmark (issue 10), run in headless Chromium. `make test` runs it on a small tenant
//! so it cannot rot; `make bench` builds it in the release profile with
//! `ATTEST_BENCH_USERS=100000` and prints every figure as one JSON object per line. Nothing
//! here asserts a time: timings do not belong in tests.

use std::collections::BTreeMap;

use attest::store::Store;
use attest_engine::definition::{Reviewers, StageSettings};
use attest_engine::directory::Principal;
use attest_engine::event::ItemDecision;
use attest_engine::import::{export_graph, GraphImport};
use attest_engine::instance::{Decision, InstanceStatus};
use attest_engine::sample::{sample_tenant, SampleConfig};
use attest_engine::{apply, Actor, Command, Context, Record, State};
use chrono::{TimeZone, Utc};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::wasm_bindgen_test;

/// Users in the benchmark tenant: small in the test suite, 100,000 under `make bench`.
fn users() -> usize {
    option_env!("ATTEST_BENCH_USERS")
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000)
}

#[wasm_bindgen(inline_js = r#"
function open(name) {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(name, 1);
    req.onupgradeneeded = () => req.result.createObjectStore("decisions", { keyPath: "id" });
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}
function done(tx) {
  return new Promise((resolve, reject) => {
    tx.oncomplete = resolve;
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
}
export async function raw_put(name, n) {
  const db = await open(name);
  const start = performance.now();
  const tx = db.transaction("decisions", "readwrite");
  const store = tx.objectStore("decisions");
  for (let i = 0; i < n; i++) {
    store.put({ id: i, item: i, decision: "Approve", reviewer: "u-" + (i % 1000), justification: "" });
  }
  await done(tx);
  const ms = performance.now() - start;
  db.close();
  return ms;
}
export async function raw_get_all(name) {
  const db = await open(name);
  const start = performance.now();
  const tx = db.transaction("decisions", "readonly");
  const rows = await new Promise((resolve, reject) => {
    const req = tx.objectStore("decisions").getAll();
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  const ms = performance.now() - start;
  db.close();
  if (rows.length === 0) throw new Error("baseline database is empty");
  return ms;
}
export function now_ms() { return performance.now(); }
"#)]
extern "C" {
    #[wasm_bindgen(catch)]
    async fn raw_put(name: &str, n: u32) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch)]
    async fn raw_get_all(name: &str) -> Result<JsValue, JsValue>;
    fn now_ms() -> f64;
}

/// One figure, printed as a JSON line.
fn figure(name: &str, value: f64, unit: &str, baseline: Option<&str>) {
    figure_with(name, value, unit, baseline.map(|b| ("baseline", b)));
}

/// A figure with one more field (`baseline`, or `during` for what the page was doing).
fn figure_with(name: &str, value: f64, unit: &str, extra: Option<(&str, &str)>) {
    let mut obj =
        serde_json::json!({ "name": name, "value": (value * 100.0).round() / 100.0, "unit": unit });
    if let Some((key, text)) = extra {
        obj[key] = text.into();
    }
    web_sys::console::log_1(&obj.to_string().into());
}

fn timed<T>(f: impl FnOnce() -> T) -> (T, f64) {
    let start = now_ms();
    let out = f();
    (out, now_ms() - start)
}

struct Clock {
    n: u64,
}

impl Clock {
    fn ctx(&mut self, actor: Actor, at: chrono::DateTime<Utc>) -> Context {
        self.n += 1;
        Context {
            actor,
            now: at,
            record_id: format!("bench:{}", self.n),
            reason: None,
        }
    }
}

fn admin() -> Actor {
    Actor::Administrator {
        name: "Benchmark".into(),
    }
}

fn run(state: &mut State, log: &mut Vec<Record>, cmd: &Command, ctx: &Context) {
    let record = state
        .prepare(cmd, ctx)
        .expect("command accepted")
        .expect("command produced events");
    apply(state, &record);
    log.push(record);
}

#[wasm_bindgen_test]
async fn benchmark() {
    let n = users();
    let t0 = Utc.with_ymd_and_hms(2026, 11, 2, 8, 0, 0).unwrap();
    let mut clock = Clock { n: 0 };
    let mut state = State::default();
    let mut log = Vec::new();

    // The tenant, with one group holding every user: the review of "a 100,000-member group".
    let (mut dir, ms) = timed(|| {
        sample_tenant(&SampleConfig {
            users: n,
            seed: 7,
            now: t0,
        })
    });
    figure("sample.tenant_ms", ms, "ms", None);
    let everyone = attest_engine::directory::Group {
        id: "g-bench-everyone".into(),
        display_name: "Everyone (benchmark)".into(),
        kind: attest_engine::directory::GroupKind::Security,
        membership: attest_engine::directory::Membership::Assigned,
        on_premises_sync: false,
        mail_enabled: false,
        owners: vec![dir.users.keys().next().unwrap().clone()],
        members: dir
            .users
            .keys()
            .map(|u| Principal::User(u.clone()))
            .collect(),
    };
    dir.groups.insert(everyone.id.clone(), everyone);
    let first_user = dir.users.keys().next().unwrap().clone();

    // Import: the same tenant as Graph JSON, through the chunked import the Directory uses.
    let files = export_graph(&dir);
    let (imported, ms) = timed(|| {
        let mut import = GraphImport::new(&attest_engine::Directory::default());
        for (name, text) in &files {
            import.add_file(name, text).expect("export imports");
        }
        while {
            let p = import.step(5_000).expect("import step");
            p.done < p.total
        } {}
        import.finish().expect("import finishes").0
    });
    figure("import.graph_json_ms", ms, "ms", None);
    figure("import.users", imported.users.len() as f64, "users", None);
    assert_eq!(imported.users.len(), n);

    let ctx = clock.ctx(admin(), t0);
    run(
        &mut state,
        &mut log,
        &Command::ImportDirectory {
            directory: Box::new(dir),
            source: "bench".into(),
        },
        &ctx,
    );

    // Engine: start a three-stage review whose first stage is the users' managers.
    let stage = |reviewers, days| StageSettings {
        reviewers,
        fallback_reviewers: vec![first_user.clone()],
        duration_days: days,
        recommendations: true,
    };
    let mut def = crate::support::group_review(
        "bench",
        "g-bench-everyone",
        vec![
            stage(Reviewers::Managers, 10),
            stage(
                Reviewers::SelectedUsers {
                    users: vec![first_user.clone()],
                },
                10,
            ),
            stage(Reviewers::ResourceOwners, 10),
        ],
        t0,
    );
    def.name = "Benchmark review".into();
    def.show_previous_decisions = true;
    def.settings.recommendations.peer_affiliation = true;
    let ctx = clock.ctx(admin(), t0);
    let (record, ms) = timed(|| {
        state
            .prepare(
                &Command::CreateReview {
                    definition: Box::new(def),
                },
                &ctx,
            )
            .unwrap()
            .unwrap()
    });
    apply(&mut state, &record);
    log.push(record);
    figure("engine.start_review_ms", ms, "ms", None);
    let id = "bench~0~g-bench-everyone".to_string();
    let items = state.instances[&id].items.len();
    figure("engine.reviewees", items as f64, "reviewees", None);

    // Engine: every stage-1 reviewer decides all of their items (one command each).
    let by_reviewer: BTreeMap<String, Vec<u32>> = {
        let inst = &state.instances[&id];
        let mut m: BTreeMap<String, Vec<u32>> = BTreeMap::new();
        for (i, it) in inst.items.iter().enumerate() {
            let reviewer = inst.reviewers_of(it, 0)[0].clone();
            m.entry(reviewer).or_default().push(i as u32);
        }
        m
    };
    let (_, ms) = timed(|| {
        for (reviewer, items) in &by_reviewer {
            let decisions = items
                .iter()
                .map(|&item| ItemDecision {
                    item,
                    decision: Decision::Approve,
                    justification: String::new(),
                })
                .collect();
            let ctx = clock.ctx(
                Actor::User {
                    id: reviewer.clone(),
                },
                t0,
            );
            run(
                &mut state,
                &mut log,
                &Command::RecordDecisions {
                    instance: id.clone(),
                    decisions,
                },
                &ctx,
            );
        }
    });
    figure("engine.record_decisions_ms", ms, "ms", None);
    figure("engine.decisions", items as f64, "decisions", None);

    // Engine: stop the current stage; every reviewee moves on.
    let ctx = clock.ctx(admin(), t0);
    let (_, ms) = timed(|| {
        run(
            &mut state,
            &mut log,
            &Command::StopCurrentStage {
                instance: id.clone(),
            },
            &ctx,
        )
    });
    figure("engine.stop_current_stage_ms", ms, "ms", None);

    // Stage 2: one reviewer decides everything at once — the record the store persists.
    let decisions: Vec<ItemDecision> = (0..items as u32)
        .map(|item| ItemDecision {
            item,
            decision: Decision::Deny,
            justification: String::new(),
        })
        .collect();
    let ctx = clock.ctx(
        Actor::User {
            id: first_user.clone(),
        },
        t0,
    );
    let bulk = state
        .prepare(
            &Command::RecordDecisions {
                instance: id.clone(),
                decisions,
            },
            &ctx,
        )
        .unwrap()
        .unwrap();
    apply(&mut state, &bulk);
    log.push(bulk.clone());

    // Finish: stop stage 2, stop stage 3, then results.
    for _ in 0..2 {
        let ctx = clock.ctx(admin(), t0);
        run(
            &mut state,
            &mut log,
            &Command::StopCurrentStage {
                instance: id.clone(),
            },
            &ctx,
        );
    }
    assert_eq!(state.instances[&id].status, InstanceStatus::Completed);
    // Results: every reviewee's outcome and apply result (what applying does), then the rows
    // of the administrators' results table built from them.
    let ((plan, _changes), ms) =
        timed(|| attest_engine::state::plan_apply(&state, &state.instances[&id], t0));
    figure("engine.compute_results_ms", ms, "ms", None);
    assert_eq!(plan.len(), items);
    let (rows, ms) = timed(|| attest_engine::results::results(&state, &state.instances[&id], t0));
    figure("engine.results_table_ms", ms, "ms", None);
    assert_eq!(rows.len(), items);

    // Store: persist the record of every reviewee's decision, durably; the raw baseline writes
    // the same number of small records in one transaction.
    let suffix = (js_sys::Math::random() * 1e12) as u64;
    let store = Store::open(&format!("attest-bench-{suffix}"))
        .await
        .expect("open store");
    let start = now_ms();
    store.append(&bulk).await.expect("append");
    let persist = now_ms() - start;
    let raw_name = format!("attest-bench-raw-{suffix}");
    let raw = raw_put(&raw_name, items as u32)
        .await
        .expect("raw put")
        .as_f64()
        .unwrap();
    figure("store.persist_decisions_ms", persist, "ms", None);
    figure("baseline.raw_idb_put_ms", raw, "ms", None);
    figure(
        "store.persist_decisions_ratio",
        persist / raw,
        "ratio",
        Some("baseline.raw_idb_put_ms"),
    );

    // Cold start: a database holding the finished three-stage review; open it and have state.
    let cold_name = format!("attest-bench-cold-{suffix}");
    {
        let store = Store::open(&cold_name).await.expect("open store");
        for record in &log {
            store.append(record).await.expect("append");
        }
        // As the app does after large appends: a snapshot of the state the log folds to.
        store
            .save_snapshot(store.snapshot_of(&state))
            .await
            .expect("snapshot");
    }
    let start = now_ms();
    let cold = Store::open(&cold_name).await.expect("reopen store");
    let loaded = cold.load().await.expect("load");
    let cold_ms = now_ms() - start;
    let raw = raw_get_all(&raw_name)
        .await
        .expect("raw getAll")
        .as_f64()
        .unwrap();
    figure("store.cold_start_ms", cold_ms, "ms", None);
    let parts = cold.last_load();
    figure("store.cold_start.read_ms", parts.read_ms, "ms", None);
    figure("store.cold_start.decode_ms", parts.decode_ms, "ms", None);
    figure("store.cold_start.replay_ms", parts.replay_ms, "ms", None);
    figure(
        "store.cold_start.snapshot_bytes",
        parts.snapshot_bytes as f64,
        "bytes",
        None,
    );
    figure("baseline.raw_idb_get_all_ms", raw, "ms", None);
    figure(
        "store.cold_start_ratio",
        cold_ms / raw,
        "ratio",
        Some("baseline.raw_idb_get_all_ms"),
    );
    let _ = JsFuture::from(js_sys::Promise::resolve(&JsValue::NULL)).await;
    // The benchmark is only honest if the state it measured is the state that was stored.
    assert_eq!(loaded.instances[&id].status, state.instances[&id].status);
    assert_eq!(loaded.instances[&id].items.len(), items);
}

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

/// Events in the History figure: 10,000 under `make bench`, fewer in the test suite.
fn history_events() -> usize {
    if users() >= 100_000 {
        10_000
    } else {
        500
    }
}

/// The History page of a log of 10,000 decision records: the time from the click on
/// "History" to the table listing them, then from one more decision (stored by another tab)
/// to the page counting it.
#[wasm_bindgen_test]
async fn history_benchmark() {
    use crate::support::*;

    let events = history_events();
    let tenant = sample_tenant(&SampleConfig {
        users: 200,
        seed: 7,
        now: Utc::now() - chrono::Duration::days(1),
    });
    let start = Utc::now() - chrono::Duration::hours(1);
    let reviewer = "u-000002";
    let mut state = State::default();
    let mut log = Vec::new();
    let mut clock = Clock { n: 0 };
    let import = Command::ImportDirectory {
        directory: Box::new(tenant),
        source: "bench".into(),
    };
    run(&mut state, &mut log, &import, &clock.ctx(admin(), start));
    let mut def = group_review(
        "bench-history",
        "g-all-employees",
        vec![StageSettings {
            reviewers: Reviewers::SelectedUsers {
                users: vec![reviewer.into()],
            },
            fallback_reviewers: vec![],
            duration_days: 14,
            recommendations: false,
        }],
        start,
    );
    def.name = "Benchmark history".into();
    let create = Command::CreateReview {
        definition: Box::new(def),
    };
    run(&mut state, &mut log, &create, &clock.ctx(admin(), start));
    let (instance, items) = {
        let inst = state.instances.values().next().expect("the review started");
        (inst.id.clone(), inst.items.len() as u32)
    };
    for n in 0..events {
        let cmd = Command::RecordDecisions {
            instance: instance.clone(),
            decisions: vec![ItemDecision {
                item: n as u32 % items,
                decision: if n % 3 == 0 {
                    Decision::Deny
                } else {
                    Decision::Approve
                },
                justification: format!("checked {n}"),
            }],
        };
        let at = start + chrono::Duration::milliseconds(n as i64);
        let ctx = clock.ctx(
            Actor::User {
                id: reviewer.into(),
            },
            at,
        );
        run(&mut state, &mut log, &cmd, &ctx);
    }
    let config = test_config(0);
    {
        let store = Store::open(&config.database).await.expect("open store");
        store.replace_records(&log).await.expect("store the log");
    }

    let app = mount_with("/", config.clone());
    let rt = ready_runtime().await;
    let nav = wait_for("the History link", || link(&app.root, "History")).await;
    let status = |root: &web_sys::Element| {
        all(root, "p[role='status']")
            .into_iter()
            .map(|p| text(&p))
            .find(|t| t.contains("event(s) match"))
    };
    let started = now_ms();
    click(&nav);
    let said = loop {
        if let Some(said) = status(&app.root) {
            if !all(&app.root, ".history-table tbody tr").is_empty() {
                break said;
            }
        }
        gloo_timers::future::TimeoutFuture::new(0).await;
        assert!(
            now_ms() - started < 120_000.0,
            "the History never listed the log"
        );
    };
    figure("history.open_ms", now_ms() - started, "ms", None);
    let shown: usize = said
        .split(" of ")
        .nth(1)
        .and_then(|t| t.split(' ').next())
        .and_then(|n| n.parse().ok())
        .expect("the count of events");
    figure("history.events", shown as f64, "events", None);

    // One more decision, from another tab on the same database.
    let other = mount_with("/", config);
    let other_rt = wait_for("the second tab's runtime", || {
        attest::runtime::current_runtime().filter(|r| {
            leptos::prelude::GetUntracked::get_untracked(&r.ready) && r.state != rt.state
        })
    })
    .await;
    let wanted = format!("of {} event(s)", shown + 1);
    let started = now_ms();
    other_rt
        .run_as(
            Command::RecordDecisions {
                instance: instance.clone(),
                decisions: vec![ItemDecision {
                    item: 0,
                    decision: Decision::Deny,
                    justification: "one more".into(),
                }],
            },
            Actor::User {
                id: reviewer.into(),
            },
            None,
        )
        .await
        .expect("the decision is stored");
    loop {
        if status(&app.root).is_some_and(|t| t.contains(&wanted)) {
            break;
        }
        gloo_timers::future::TimeoutFuture::new(0).await;
        assert!(
            now_ms() - started < 60_000.0,
            "the History never counted the new decision"
        );
    }
    figure(
        "history.update_after_decision_ms",
        now_ms() - started,
        "ms",
        None,
    );
    drop(other);
    drop(app);
}

/// Set-up of the mail-link benchmark (scripts/bench.sh): a review on the sync server the
/// script started, decided by one reviewer, and that reviewer's link, printed as the line
/// `bench.reviewer_link_rows` with the link's `path`. The script then opens the link in a
/// cold browser through the server (scripts/first-row.mjs) and times the first row.
#[wasm_bindgen_test]
async fn reviewer_link_setup() {
    use crate::reviewer_bundle::{administrator_with_a_review_link, SECRET, SERVER};
    use leptos::prelude::WithUntracked;
    let (Some(server), Some(secret)) = (SERVER, SECRET) else {
        web_sys::console::warn_1(&"reviewer link set-up not run: no sync server".into());
        return;
    };
    // Only under `make bench`, which gives it a server of its own: in the test suite the
    // server is shared, and a 300-user tenant pushed there would be folded into the other
    // server tests' 20-user tenants (`reviewer_bundle` covers the same path in the suite).
    if option_env!("ATTEST_BENCH_USERS").is_none() {
        return;
    }
    let linked = administrator_with_a_review_link(server, secret, 300).await;
    let rows = linked
        .admin
        .state
        .with_untracked(|s| s.instances[&linked.instance].items.len());
    assert!(rows > 0, "the review has reviewees for the reviewer");
    figure_with(
        "bench.reviewer_link_rows",
        rows as f64,
        "reviewees",
        Some(("path", &linked.path)),
    );
}
