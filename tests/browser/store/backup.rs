//! Backups: a round trip, refusals that keep the data, and files of earlier releases.

use super::*;

#[wasm_bindgen_test]
async fn backup_then_wipe_then_restore_gives_the_same_state() {
    let name = database_name();
    let (mut log, instance, reviewer) = Log::with_review(30, 1);
    log.decide_all(&instance, &reviewer, Decision::DontKnow);
    let store = Store::open(&name).await.unwrap();
    append_all(&store, &log.records).await;
    let file = store.backup().await.expect("backup");
    assert!(file.contains("\"format\":\"attest-backup\""));

    store.wipe().await.expect("wipe");
    assert_eq!(store.load().await.unwrap(), State::default(), "wiped");
    let restored = store.restore(&file).await.expect("restore");
    assert_eq!(restored, log.state);

    // Into another profile: a different, empty database.
    let other = Store::open(&database_name()).await.unwrap();
    other.restore(&file).await.expect("restore elsewhere");
    drop(other);
    drop(store);
    let store = Store::open(&name).await.unwrap();
    assert_eq!(
        store.load().await.unwrap(),
        log.state,
        "the restore is durable"
    );
    assert_eq!(replay(store.records().await.unwrap().iter()), log.state);
}

#[wasm_bindgen_test]
async fn a_damaged_or_foreign_backup_is_refused_and_the_data_kept() {
    let name = database_name();
    let (mut log, instance, reviewer) = Log::with_review(30, 1);
    let store = Store::open(&name).await.unwrap();
    append_all(&store, &log.records).await;
    let file = store.backup().await.unwrap();
    log.decide_all(&instance, &reviewer, Decision::Approve);
    append_all(&store, &log.records[log.records.len() - 1..]).await;

    let tampered = file.replacen("\"g-all-employees\"", "\"g-all-employeez\"", 1);
    let lines: Vec<&str> = file.lines().collect();
    let without_a_record = [&lines[..1], &lines[2..]].concat().join("\n");
    let cases: Vec<(&str, String, fn(&BackupError) -> bool)> = vec![
        ("cut short", file[..file.len() / 2].to_string(), |e| {
            matches!(e, BackupError::NotJson { .. })
        }),
        (
            "another app's JSON",
            r#"{"format":"something-else","records":[]}"#.into(),
            |e| matches!(e, BackupError::Foreign(_)),
        ),
        (
            "from a newer version",
            file.replacen("\"schema\":2", "\"schema\":99", 1),
            |e| matches!(e, BackupError::Newer { found: 99, .. }),
        ),
        ("a record removed", without_a_record, |e| {
            matches!(e, BackupError::Count { .. })
        }),
        ("an edited record", tampered, |e| {
            matches!(e, BackupError::Checksum { .. })
        }),
        (
            "a record that is not one",
            file.replacen("\"events\":", "\"evens\":", 1),
            |e| matches!(e, BackupError::Record { index: 1, .. }),
        ),
    ];
    for (what, text, expected) in cases {
        let err = store.restore(&text).await.expect_err(what);
        assert!(expected(&err), "{what}: wrong reason: {err}");
        assert!(!err.to_string().is_empty());
        assert_eq!(
            store.load().await.unwrap(),
            log.state,
            "{what}: the current data is untouched"
        );
    }
}

/// New backups carry a SHA-256 checksum; a file of an earlier release, with its FNV-1a
/// checksum, still restores, and an edit to one is still refused.
#[wasm_bindgen_test]
async fn backups_carry_sha256_and_earlier_fnv_backups_still_restore() {
    let (mut log, instance, reviewer) = Log::with_review(20, 1);
    log.decide_all(&instance, &reviewer, Decision::Deny);
    let store = Store::open(&database_name()).await.unwrap();
    append_all(&store, &log.records).await;
    let file = store.backup().await.unwrap();
    let header: serde_json::Value =
        serde_json::from_str(&file).expect("a backup is one JSON object");
    let sum = header["checksum"].as_str().expect("a checksum").to_string();
    let hex = sum.strip_prefix("sha256:").expect("a SHA-256 checksum");
    assert!(
        hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()),
        "{sum}"
    );

    // The same records as an earlier release wrote them: FNV-1a over each record's JSON.
    let records = store.records().await.unwrap();
    let fnv = codec::fnv_checksum(records.iter().map(codec::record_json));
    let earlier = file.replacen(&sum, &fnv, 1);
    assert_ne!(earlier, file);
    let edited = earlier.replacen("\"g-all-employees\"", "\"g-all-employeez\"", 1);
    assert_ne!(edited, earlier);

    let other = Store::open(&database_name()).await.unwrap();
    let err = other
        .restore(&edited)
        .await
        .expect_err("an edited FNV backup");
    assert!(matches!(err, BackupError::Checksum { .. }), "{err}");
    assert_eq!(
        other.load().await.unwrap(),
        State::default(),
        "nothing written"
    );
    let restored = other
        .restore(&earlier)
        .await
        .expect("an FNV backup restores");
    assert_eq!(restored, log.state);
    assert_eq!(other.load().await.unwrap(), log.state);
}
