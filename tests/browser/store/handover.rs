//! The reviewer bundle meets a database an earlier release wrote (schema version 2, records
//! in format 2; schema version 3, records in format 5 with JSON events), or one whose
//! upgrade stopped before its values were rewritten (version 3, records still in format 2):
//! it has no reader for that, changes nothing and hands the page over to the full app,
//! which upgrades or reads it and shows the same reviewer page.

use js_sys::{encode_uri_component, Uint8Array};

use crate::reviewer_bundle::{act_as, collect_hand_overs, full_app_opening, mount_reviewer_bundle};
use crate::support::{all, current_path, text};

use super::*;

/// The schema version of `name` as stored.
async fn stored_version(name: &str) -> f64 {
    let db = Database::open(name).await.expect("open by hand");
    let version = db.version();
    db.close();
    version
}

/// A database of schema `version` (2 or 3) holding `records` in `format`, as earlier
/// releases wrote them.
async fn write_earlier_database(name: &str, version: u8, format: u32, records: &[Record]) {
    let v2 = database_of_release(name, version).await;
    let tx = v2
        .transaction("log")
        .with_mode(TransactionMode::Readwrite)
        .build()
        .unwrap();
    let log = tx.object_store("log").unwrap();
    for record in records {
        let entry = js_sys::Object::new();
        let set = |k: &str, v: JsValue| js_sys::Reflect::set(&entry, &k.into(), &v).unwrap();
        set("id", JsValue::from_str(&record.id));
        set("format", JsValue::from_f64(f64::from(format)));
        set(
            "data",
            Uint8Array::from(&super::upgrade::legacy_record(record, format)[..]).into(),
        );
        // The request is made here; the commit below waits for it.
        drop(log.add(JsValue::from(entry)).primitive().unwrap());
    }
    tx.commit().await.expect("earlier data written");
    v2.close();
}

#[wasm_bindgen_test]
async fn the_reviewer_bundle_hands_a_database_of_an_earlier_release_over_to_the_full_app() {
    let handed = collect_hand_overs();
    // A review open now, in a tenant of 12, decided by its first user.
    let (log, instance, reviewer) = Log::with_review_at(12, 1, Utc::now() - Duration::minutes(10));
    let reviewees = log.state.instances[&instance].items.len();
    assert!(reviewees > 1, "the review has reviewees");
    for (version, format) in [
        (2u8, codec::BINARY),
        (3, codec::BINARY),
        (3, codec::RECORD_LAYOUT_WITH_JSON),
    ] {
        handed.borrow_mut().clear();
        let config = attest::AppConfig {
            database: database_name(),
            sample_users: 0,
        };
        write_earlier_database(&config.database, version, format, &log.records).await;

        // The reviewer's page in the reviewer bundle: handed over, the database untouched.
        act_as(&reviewer);
        let path = format!("/my-reviews/{}/1", encode_uri_component(&instance));
        let bundle = mount_reviewer_bundle(&path, config.clone());
        let to = wait_for("the hand-over to the full app", || {
            handed.borrow().first().cloned()
        })
        .await;
        assert_eq!(to, full_app_opening(&path));
        let root: web_sys::Element = bundle.root.clone().into();
        wait_for("the page to say why", || {
            text(&root).contains("opening the full app").then_some(())
        })
        .await;
        drop(bundle);
        assert_eq!(
            stored_version(&config.database).await,
            f64::from(version),
            "schema {version}, format {format}: the reviewer bundle changed nothing"
        );

        // The full app at the hand-over's address: the same page, the stored reviewees.
        let app = mount_with(&to, config.clone());
        let rows = wait_for("the reviewer's rows in the full app", || {
            let rows = all(&app.root, "[role='listitem']");
            (rows.len() == reviewees).then_some(rows)
        })
        .await;
        assert_eq!(current_path(), path, "the full app opened the same page");
        let first_name = log.state.instances[&instance].items[0].user_name.clone();
        assert!(
            rows.iter().any(|r| r
                .get_attribute("aria-label")
                .is_some_and(|label| label.starts_with(&first_name))),
            "a row for {first_name}"
        );
        assert_eq!(handed.borrow().len(), 1, "the full app does not hand over");
        drop(app);
        assert_eq!(
            stored_version(&config.database).await,
            f64::from(attest::store::schema::VERSION),
            "the full app upgraded the database"
        );
    }
}
