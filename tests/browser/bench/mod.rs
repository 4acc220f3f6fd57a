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

mod history;
mod pages;

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
            // Approving in bulk against Deny recommendations needs a justification (issue 25).
            run(
                &mut state,
                &mut log,
                &Command::ConfirmBulkApproval {
                    justification: "Benchmark: every reviewer approves everything".into(),
                    command: Box::new(Command::RecordDecisions {
                        instance: id.clone(),
                        decisions,
                    }),
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
