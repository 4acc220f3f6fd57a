//! The IndexedDB event store: durability across reloads, all-or-nothing writes, upgrades from
//! the previous schema, snapshots, two app instances on one database, backup and restore.

use attest::runtime::RunError;
use attest::store::{codec, Appended, BackupError, Logged, Store, StoreError};
use attest_engine::definition::{ReviewDefinition, Reviewers, StageSettings};
use attest_engine::event::ItemDecision;
use attest_engine::sample::{sample_tenant, SampleConfig};
use attest_engine::{replay, Actor, Command, Context, Decision, Record, State};

use chrono::{DateTime, Duration, TimeZone, Utc};
use indexed_db_futures::database::Database;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use leptos::prelude::{GetUntracked, WithUntracked};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

use crate::support::{mount_with, ready_runtime, test_config, wait_for};

mod backup;
mod handover;
mod legacy_binary;
mod upgrade;

/// Database `name` at schema `version`, with the object stores the release that wrote that
/// version created (1: "records" of JSON texts; 2 and 3: "log" and "snapshots"), made by
/// hand so the current upgrade code meets it as it would in a browser.
async fn database_of_release(name: &str, version: u8) -> Database {
    Database::open(name)
        .with_version(version)
        .with_on_upgrade_needed(move |_, db| {
            if version == 1 {
                db.create_object_store("records")
                    .with_auto_increment(true)
                    .build()?;
            } else {
                db.create_object_store("log")
                    .with_auto_increment(true)
                    .with_key_path("position".into())
                    .build()?;
                db.create_object_store("snapshots").build()?;
            }
            Ok(())
        })
        .await
        .expect("create a database as an earlier release did")
}

fn database_name() -> String {
    test_config(0).database
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap()
}

fn admin() -> Actor {
    Actor::Administrator {
        name: "Store Test".into(),
    }
}

/// A one-stage review of every employee (the sample's "All Employees" group) by `reviewer`.
pub fn review_of_all_employees(
    id: &str,
    reviewer: &str,
    stages: usize,
    start: DateTime<Utc>,
) -> ReviewDefinition {
    let stage = StageSettings {
        reviewers: Reviewers::SelectedUsers {
            users: vec![reviewer.into()],
        },
        fallback_reviewers: vec![],
        duration_days: 7,
        recommendations: false,
    };
    let mut def = crate::support::group_review(id, "g-all-employees", vec![stage; stages], start);
    def.description_for_reviewers = "Confirm who still needs access.".into();
    def.show_previous_decisions = stages > 1;
    def
}

/// Builds a log the way the app does: each command prepared against the state, then applied.
pub struct Log {
    pub state: State,
    pub records: Vec<Record>,
    now: DateTime<Utc>,
}

impl Log {
    pub fn new() -> Log {
        Log {
            state: State::default(),
            records: Vec::new(),
            now: t0(),
        }
    }

    pub fn run(&mut self, cmd: Command, actor: Actor) -> &Record {
        let ctx = Context {
            actor,
            now: self.now,
            record_id: format!("test:{}", self.records.len() + 1),
            reason: None,
        };
        let record = self
            .state
            .prepare(&cmd, &ctx)
            .expect("command accepted")
            .expect("something happened");
        attest_engine::apply(&mut self.state, &record);
        self.records.push(record);
        self.records.last().unwrap()
    }

    pub fn advance(&mut self, by: Duration) {
        self.now += by;
        let ctx = Context {
            actor: Actor::System,
            now: self.now,
            record_id: format!("test:{}", self.records.len() + 1),
            reason: None,
        };
        if let Some(record) = self
            .state
            .prepare(&Command::AdvanceTime, &ctx)
            .expect("time runs")
        {
            attest_engine::apply(&mut self.state, &record);
            self.records.push(record);
        }
    }

    /// A tenant of `users`, a review of all employees by its first member, started.
    pub fn with_review(users: usize, stages: usize) -> (Log, String, String) {
        Log::with_review_at(users, stages, t0())
    }

    /// As `with_review`, the review starting at `start` (not before `t0`).
    pub fn with_review_at(
        users: usize,
        stages: usize,
        start: DateTime<Utc>,
    ) -> (Log, String, String) {
        let mut log = Log::new();
        log.advance(start - t0());
        let directory = sample_tenant(&SampleConfig {
            users,
            seed: 7,
            now: start,
        });
        log.run(
            Command::ImportDirectory {
                directory: Box::new(directory),
                source: "test".into(),
            },
            admin(),
        );
        let reviewer = log.state.directory.users.keys().next().unwrap().clone();
        log.run(
            Command::CreateReview {
                definition: Box::new(review_of_all_employees("r1", &reviewer, stages, start)),
            },
            admin(),
        );
        log.advance(Duration::minutes(1));
        let instance = log
            .state
            .instances
            .keys()
            .next()
            .expect("the review started")
            .clone();
        (log, instance, reviewer)
    }

    /// Decides every item of the current stage of `instance` as `reviewer`.
    pub fn decide_all(&mut self, instance: &str, reviewer: &str, decision: Decision) {
        let stage = self.state.instances[instance].current_stage;
        let decisions = self.state.instances[instance]
            .items
            .iter()
            .enumerate()
            .filter(|(_, item)| item.stage == stage)
            .map(|(i, _)| ItemDecision {
                item: i as u32,
                decision,
                justification: "still needed".into(),
            })
            .collect();
        self.run(
            Command::RecordDecisions {
                instance: instance.into(),
                decisions,
            },
            Actor::User {
                id: reviewer.into(),
            },
        );
    }
}

async fn append_all(store: &Store, records: &[Record]) {
    for record in records {
        store.append(record).await.expect("append");
    }
}

fn draft(id: &str) -> Command {
    Command::SaveDraft {
        definition: Box::new(review_of_all_employees(id, "u-0001", 1, t0())),
    }
}

#[wasm_bindgen_test]
async fn appended_records_come_back_after_reopening() {
    let name = database_name();
    let (mut log, instance, reviewer) = Log::with_review(30, 1);
    log.decide_all(&instance, &reviewer, Decision::Approve);
    {
        let store = Store::open(&name).await.expect("open");
        assert_eq!(
            store.load().await.expect("load"),
            State::default(),
            "a new database is empty"
        );
        append_all(&store, &log.records).await;
    }
    let store = Store::open(&name).await.expect("reopen");
    let state = store.load().await.expect("load after reopening");
    assert_eq!(state, log.state, "the reloaded state is the state before");
    assert_eq!(
        store.records().await.expect("records"),
        log.records,
        "every record, in order"
    );
    assert_eq!(store.position(), log.records.len() as u64);
}

#[wasm_bindgen_test]
async fn an_append_decided_at_an_old_position_writes_nothing_and_returns_what_was_missed() {
    let name = database_name();
    let (log, _, _) = Log::with_review(10, 1);
    let store = Store::open(&name).await.expect("open");
    let at = |position: u64, i: usize| Logged {
        position,
        record: log.records[i].clone(),
    };
    assert_eq!(
        store.append_at(&log.records[0], 0).await.expect("append"),
        Appended::At(1)
    );
    // Decided on the empty log, but the log moved on: refused, with the record it missed.
    assert_eq!(
        store.append_at(&log.records[1], 0).await.expect("answer"),
        Appended::Behind(vec![at(1, 0)])
    );
    assert_eq!(
        store.records().await.expect("records"),
        vec![log.records[0].clone()],
        "nothing was written"
    );
    // Decided again at the log's end: stored after it.
    assert_eq!(
        store.append_at(&log.records[1], 1).await.expect("append"),
        Appended::At(2)
    );
    assert_eq!(
        store.read_after(0).await.expect("read"),
        vec![at(1, 0), at(2, 1)]
    );
}

#[wasm_bindgen_test]
async fn an_aborted_write_changes_nothing_in_memory_or_storage() {
    let config = test_config(20);
    let app = mount_with("/", config.clone());
    let runtime = ready_runtime().await;
    let before = runtime.state.with_untracked(Clone::clone);
    runtime.store().expect("store").fail_next_write();
    let result = runtime.run_as(draft("lost"), admin(), None).await;
    assert!(
        matches!(&result, Err(RunError::NotSaved(StoreError::WriteFailed(_)))),
        "the failure is reported: {result:?}"
    );
    assert!(result
        .unwrap_err()
        .to_string()
        .starts_with("not saved, nothing changed"));
    assert_eq!(
        runtime.state.with_untracked(Clone::clone),
        before,
        "memory is as it was"
    );

    // The next write works and lands after the data that was there.
    runtime
        .run_as(draft("kept"), admin(), None)
        .await
        .expect("a later write succeeds");
    drop(app);
    let store = Store::open(&config.database).await.expect("reopen");
    let stored = store.load().await.expect("load");
    assert!(stored.drafts.contains_key("kept"));
    assert!(
        !stored.drafts.contains_key("lost"),
        "nothing of the aborted write was stored"
    );
    assert_eq!(
        stored.directory, before.directory,
        "what was stored before is intact"
    );
}

#[wasm_bindgen_test]
async fn a_database_of_the_previous_schema_is_upgraded_with_its_data() {
    let name = database_name();
    let (mut log, instance, reviewer) = Log::with_review(25, 1);
    log.decide_all(&instance, &reviewer, Decision::Deny);
    // Version 1 by hand: one auto-increment store "records" of JSON texts.
    let v1 = database_of_release(&name, 1).await;
    let tx = v1
        .transaction("records")
        .with_mode(TransactionMode::Readwrite)
        .build()
        .unwrap();
    let records = tx.object_store("records").unwrap();
    for record in &log.records {
        let text = serde_json::to_string(record).unwrap();
        let _ = records.add(JsValue::from_str(&text)).primitive().unwrap();
    }
    tx.commit().await.expect("v1 data written");
    v1.close();

    let store = Store::open(&name).await.expect("open upgrades");
    assert_eq!(
        store.load().await.expect("load"),
        log.state,
        "the upgraded data folds to the same state"
    );
    drop(store);
    let store = Store::open(&name).await.expect("open again");
    assert_eq!(
        store.records().await.unwrap(),
        log.records,
        "moved once, not twice"
    );
}

#[wasm_bindgen_test]
async fn a_snapshot_equals_the_replay_of_the_full_log() {
    // The current layout, and the formats earlier releases wrote: all still load.
    for format in [codec::SNAPSHOT_FORMAT, codec::BINARY, codec::JSON] {
        let name = database_name();
        let (mut log, instance, reviewer) = Log::with_review(40, 2);
        {
            let store = Store::open(&name).await.expect("open");
            append_all(&store, &log.records).await;
            let mut snapshot = store.snapshot_of(&log.state);
            assert_eq!(snapshot.position, log.records.len() as u64);
            snapshot.format = format;
            snapshot.data = match format {
                codec::BINARY => legacy_binary::to_bytes(&log.state),
                _ => codec::encode_state(&log.state, format),
            };
            store.save_snapshot(snapshot).await.expect("snapshot saved");
            // More after the snapshot: a reload replays only these.
            log.decide_all(&instance, &reviewer, Decision::Approve);
            log.advance(Duration::days(8));
            append_all(&store, &log.records[log.records.len() - 2..]).await;
        }
        let store = Store::open(&name).await.expect("reopen");
        let state = store.load().await.expect("load");
        let info = store.last_load();
        assert_eq!(
            info.snapshot_position,
            log.records.len() as u64 - 2,
            "format {format}: the snapshot was used"
        );
        assert_eq!(
            info.replayed, 2,
            "format {format}: only the tail was replayed"
        );
        assert_eq!(
            state,
            store.replay_log().await.expect("full replay"),
            "format {format}: snapshot + tail = full replay"
        );
        assert_eq!(state, log.state, "format {format}");
    }
}

#[wasm_bindgen_test]
async fn two_app_instances_on_one_database_see_each_others_changes() {
    let config = test_config(20);
    let _first_app = mount_with("/", config.clone());
    let first = ready_runtime().await;
    let _second_app = mount_with("/", config.clone());
    let second = wait_for("the second app's runtime", || {
        attest::runtime::current_runtime()
            .filter(|r| r.ready.get_untracked() && r.state != first.state)
    })
    .await;
    assert_eq!(
        second.state.with_untracked(|s| s.directory.users.len()),
        20,
        "the second loads the first's data"
    );

    first
        .run_as(draft("from-first"), admin(), None)
        .await
        .expect("first saves");
    wait_for("the second app to show the first app's draft", || {
        second
            .state
            .with_untracked(|s| s.drafts.contains_key("from-first"))
            .then_some(())
    })
    .await;

    // Both at once: neither write is lost, and both instances end up with both.
    let (a, b) = futures::join!(
        first.run_as(draft("race-a"), admin(), None),
        second.run_as(draft("race-b"), admin(), None)
    );
    a.expect("first's concurrent write");
    b.expect("second's concurrent write");
    for (who, runtime) in [("first", first), ("second", second)] {
        wait_for(
            &format!("the {who} app to hold both concurrent drafts"),
            || {
                runtime
                    .state
                    .with_untracked(|s| {
                        s.drafts.contains_key("race-a") && s.drafts.contains_key("race-b")
                    })
                    .then_some(())
            },
        )
        .await;
    }
    let store = Store::open(&config.database).await.unwrap();
    let ids: Vec<String> = store
        .records()
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "each record stored once");
    assert_eq!(
        store.load().await.unwrap(),
        first.state.with_untracked(Clone::clone)
    );
}

fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or_else(js_sys::Date::now, |p| p.now())
}

fn log_line(text: &str) {
    web_sys::console::log_1(&JsValue::from_str(text));
}

/// A finished three-stage review of every employee, persisted the way the app does, then
/// loaded cold. Prints timings (not asserted: they depend on the machine); asserts that the
/// cold start equals the state before. 2,000 users by default; build with
/// `ATTEST_MEASURE_USERS=100000` to measure the 100,000-reviewee case.
#[wasm_bindgen_test]
async fn a_finished_three_stage_review_persists_and_loads_cold() {
    let users: usize = option_env!("ATTEST_MEASURE_USERS")
        .and_then(|n| n.parse().ok())
        .unwrap_or(2_000);
    let name = database_name();
    let started = now_ms();
    let (mut log, instance, reviewer) = Log::with_review(users, 3);
    log_line(&format!(
        "measure: engine built the {users}-user review in {:.0} ms",
        now_ms() - started
    ));
    let store = Store::open(&name).await.expect("open");
    for record in &log.records {
        let t = now_ms();
        store.append(record).await.expect("append");
        log_line(&format!(
            "measure: append of {} ({} bytes) took {:.0} ms",
            record.events.first().map_or("?", event_name),
            attest::store::codec::encode_record(record).data.len(),
            now_ms() - t
        ));
    }
    for stage in 0..3 {
        let from = log.records.len();
        log.decide_all(
            &instance,
            &reviewer,
            if stage == 2 {
                Decision::Deny
            } else {
                Decision::Approve
            },
        );
        let decided = match &log.records[from].events[0] {
            attest_engine::Event::DecisionsRecorded { decisions, .. } => decisions.len(),
            _ => 0,
        };
        let t = now_ms();
        let bytes = attest::store::codec::encode_record(&log.records[from])
            .data
            .len();
        store
            .append(&log.records[from])
            .await
            .expect("append decisions");
        log_line(&format!(
            "measure: stage {}: append of one record of {decided} decisions ({bytes} bytes) took {:.0} ms",
            stage + 1,
            now_ms() - t
        ));
        log.advance(Duration::days(8));
        append_all(&store, &log.records[from + 1..]).await;
    }
    assert_eq!(
        log.state.instances[&instance].status,
        attest_engine::instance::InstanceStatus::Completed,
        "the review finished"
    );
    let t = now_ms();
    let snapshot = store.snapshot_of(&log.state);
    let encoded_ms = now_ms() - t;
    let snapshot_bytes = snapshot.data.len();
    let t = now_ms();
    let decoded =
        attest::store::codec::decode_state(&snapshot.data, attest::store::codec::SNAPSHOT_FORMAT)
            .unwrap();
    let decode_ms = now_ms() - t;
    let t = now_ms();
    let cloned = decoded.clone();
    log_line(&format!(
        "measure: snapshot decode alone {decode_ms:.0} ms; State::clone {:.0} ms",
        now_ms() - t
    ));
    drop((decoded, cloned));
    let t = now_ms();
    store.save_snapshot(snapshot).await.expect("snapshot");
    log_line(&format!(
        "measure: snapshot of {snapshot_bytes} bytes: encode {encoded_ms:.0} ms, write {:.0} ms",
        now_ms() - t
    ));
    drop(store);

    let t = now_ms();
    let store = Store::open(&name).await.expect("reopen");
    let state = store.load().await.expect("cold load");
    log_line(&format!(
        "measure: cold start (open + load from snapshot) took {:.0} ms",
        now_ms() - t
    ));
    assert_eq!(
        store.last_load().replayed,
        0,
        "nothing to replay after the snapshot"
    );
    assert_eq!(state, log.state, "the cold start restores the state");
    let t = now_ms();
    let replayed = store.replay_log().await.expect("full replay");
    log_line(&format!(
        "measure: full replay of the log (no snapshot) took {:.0} ms",
        now_ms() - t
    ));
    assert_eq!(replayed, state, "snapshot equals full replay");
}

fn event_name(event: &attest_engine::Event) -> &'static str {
    use attest_engine::Event::*;
    match event {
        DirectoryImported { .. } => "DirectoryImported",
        ReviewCreated { .. } => "ReviewCreated",
        InstanceStarted { .. } => "InstanceStarted",
        DecisionsRecorded { .. } => "DecisionsRecorded",
        StageEnded { .. } => "StageEnded",
        _ => "another event",
    }
}
