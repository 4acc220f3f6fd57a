//! A database of schema version 2, written as earlier releases wrote it (records in the
//! JSON and serde binary formats 1, 2 and 4 and the engine's layout with JSON events, 5; a
//! format-2 snapshot), opened by this release:
//! the same state and records load, and every value is rewritten once in the current
//! formats.

use js_sys::{Reflect, Uint8Array};

use super::*;

/// A record as an earlier release stored it in `format`.
pub(super) fn legacy_record(record: &Record, format: u32) -> Vec<u8> {
    match format {
        codec::JSON => serde_json::to_vec(record).unwrap(),
        codec::BINARY => legacy_binary::to_bytes(record),
        codec::RECORD_LAYOUT_WITH_JSON => earlier_record_layout(record),
        _ => {
            // Format 4: the directories in the engine's layout in front, then the record
            // with empty directories in format 2.
            let mut data = Vec::new();
            let mut light = record.clone();
            let imports: Vec<_> = light
                .events
                .iter_mut()
                .filter_map(|e| match e {
                    attest_engine::Event::DirectoryImported { directory, .. } => {
                        Some(attest_engine::snapshot::encode_directory(&std::mem::take(
                            &mut **directory,
                        )))
                    }
                    _ => None,
                })
                .collect();
            data.extend_from_slice(&(imports.len() as u32).to_le_bytes());
            for bytes in &imports {
                data.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
                data.extend_from_slice(bytes);
            }
            data.extend(legacy_binary::to_bytes(&light));
            data
        }
    }
}

/// Format 5 (`ATRC`), as the release before schema 4 wrote it: the current layout's header
/// and its bulk events (imports, instances, decisions, resets, stage starts) as they are
/// today, every other event as a zero byte and its JSON.
fn earlier_record_layout(record: &Record) -> Vec<u8> {
    use attest_engine::snapshot::encode_record;
    use attest_engine::Event;
    let with = |events: Vec<Event>| {
        encode_record(&Record {
            events,
            ..record.clone()
        })
    };
    let head = with(vec![]);
    let mut out = b"ATRC".to_vec();
    out.extend_from_slice(&head[4..head.len() - 1]); // up to the event count (0: one byte)
    fn uint(out: &mut Vec<u8>, mut v: u64) {
        while v >= 0x80 {
            out.push((v as u8) | 0x80);
            v >>= 7;
        }
        out.push(v as u8);
    }
    uint(&mut out, record.events.len() as u64);
    for event in &record.events {
        match event {
            Event::DirectoryImported { .. }
            | Event::InstanceStarted { .. }
            | Event::DecisionsRecorded { .. }
            | Event::DecisionsReset { .. }
            | Event::StageStarted { .. } => {
                out.extend_from_slice(&with(vec![event.clone()])[head.len()..]);
            }
            _ => {
                let json = serde_json::to_vec(event).unwrap();
                out.push(0);
                uint(&mut out, json.len() as u64);
                out.extend_from_slice(&json);
            }
        }
    }
    out
}

fn value(fields: &[(&str, JsValue)]) -> JsValue {
    let o = js_sys::Object::new();
    for (k, v) in fields {
        Reflect::set(&o, &JsValue::from_str(k), v).unwrap();
    }
    o.into()
}

fn format_of(v: &JsValue) -> u32 {
    Reflect::get(v, &JsValue::from_str("format"))
        .unwrap()
        .as_f64()
        .expect("a format") as u32
}

/// (format of each stored log value, format of the snapshot), read by hand.
async fn stored_formats(name: &str) -> (Vec<u32>, u32) {
    let db = Database::open(name).await.expect("open by hand");
    let tx = db.transaction(["log", "snapshots"]).build().unwrap();
    let log: Vec<JsValue> = tx
        .object_store("log")
        .unwrap()
        .get_all::<JsValue>()
        .primitive()
        .unwrap()
        .await
        .unwrap()
        .map(|v| v.unwrap())
        .collect();
    let snapshot: Option<JsValue> = tx
        .object_store("snapshots")
        .unwrap()
        .get("latest")
        .primitive()
        .unwrap()
        .await
        .unwrap();
    drop(tx);
    let formats = (
        log.iter().map(format_of).collect(),
        format_of(&snapshot.expect("a snapshot")),
    );
    db.close();
    formats
}

#[wasm_bindgen_test]
async fn records_and_snapshot_of_earlier_releases_load_and_are_rewritten_in_the_current_formats() {
    let name = database_name();
    let (mut log, instance, reviewer) = Log::with_review(30, 2);
    log.decide_all(&instance, &reviewer, Decision::Approve);
    let covered = log.records.len();
    let snapshot_state = log.state.clone();
    log.advance(Duration::days(8));
    log.decide_all(&instance, &reviewer, Decision::Deny);
    // Version 2 by hand, as `schema` created it then.
    let v2 = database_of_release(&name, 2).await;
    let tx = v2
        .transaction(["log", "snapshots"])
        .with_mode(TransactionMode::Readwrite)
        .build()
        .unwrap();
    let store = tx.object_store("log").unwrap();
    // Every earlier format in turn; an import is always among the format-4 records.
    let formats = [
        codec::BINARY_WITH_DIRECTORIES,
        codec::BINARY,
        codec::JSON,
        codec::RECORD_LAYOUT_WITH_JSON,
    ];
    for (i, record) in log.records.iter().enumerate() {
        let format = formats[i % formats.len()];
        let data = Uint8Array::from(&legacy_record(record, format)[..]);
        let entry = value(&[
            ("id", JsValue::from_str(&record.id)),
            ("format", JsValue::from_f64(f64::from(format))),
            ("data", data.into()),
        ]);
        let _ = store.add(entry).primitive().unwrap();
    }
    let snapshot = value(&[
        ("position", JsValue::from_f64(covered as f64)),
        ("format", JsValue::from_f64(f64::from(codec::BINARY))),
        (
            "data",
            Uint8Array::from(&legacy_binary::to_bytes(&snapshot_state)[..]).into(),
        ),
    ]);
    let _ = tx
        .object_store("snapshots")
        .unwrap()
        .put(snapshot)
        .with_key("latest")
        .without_key_type()
        .primitive()
        .unwrap();
    tx.commit().await.expect("v2 data written");
    v2.close();
    assert!(
        log.records.len() > formats.len(),
        "every format is in the log"
    );

    let store = Store::open(&name).await.expect("open upgrades");
    assert_eq!(store.records().await.unwrap(), log.records, "the records");
    assert_eq!(store.load().await.expect("load"), log.state, "the state");
    assert_eq!(
        store.last_load().snapshot_position,
        covered as u64,
        "the rewritten snapshot was used"
    );
    drop(store);
    let (log_formats, snapshot_format) = stored_formats(&name).await;
    assert_eq!(
        log_formats,
        vec![codec::RECORD_FORMAT; log.records.len()],
        "every record rewritten"
    );
    assert_eq!(
        snapshot_format,
        codec::SNAPSHOT_FORMAT,
        "the snapshot rewritten"
    );
    let store = Store::open(&name).await.expect("open again");
    assert_eq!(store.load().await.expect("load again"), log.state);
    assert_eq!(
        store.records().await.unwrap(),
        log.records,
        "rewritten once, not changed"
    );
}
