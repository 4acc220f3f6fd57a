//! The evidence signing key of a browser without a sync server: 32 random bytes from the
//! browser (`crypto.getRandomValues`; the engine never makes randomness), kept in an IndexedDB
//! database of its own beside the app's (`<database>.evidence-key`). Being apart from the
//! log, it is not in backups, not wiped by Settings → Reset and not synced: the
//! administrator takes a copy only by asking for one ("Download the key file").

use indexed_db_futures::database::Database;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use wasm_bindgen::JsValue;

const STORE: &str = "key";
const SIGNING: &str = "signing";

/// The key's database, named after the app's.
pub fn database_name(app_database: &str) -> String {
    format!("{app_database}.evidence-key")
}

async fn open(app_database: &str) -> Result<Database, String> {
    Database::open(database_name(app_database))
        .with_version(1u8)
        .with_on_upgrade_needed(|_, db: Database| {
            db.create_object_store(STORE).build()?;
            Ok(())
        })
        .await
        .map_err(|e| format!("could not open the key's storage ({e})"))
}

/// The stored key (its 32-byte seed), if this browser has one.
pub async fn load(app_database: &str) -> Result<Option<[u8; 32]>, String> {
    let db = open(app_database).await?;
    let fail = |e: indexed_db_futures::error::Error| format!("could not read the key ({e})");
    let tx = db.transaction(STORE).build().map_err(fail)?;
    let store = tx.object_store(STORE).map_err(fail)?;
    let stored: Option<JsValue> = store
        .get(SIGNING)
        .primitive()
        .map_err(fail)?
        .await
        .map_err(fail)?;
    let Some(hex) = stored.and_then(|v| v.as_string()) else {
        return Ok(None);
    };
    attest_engine::evidence::key::seed_from_hex(&hex)
        .map(Some)
        .map_err(|e| format!("the stored key is damaged: {e}"))
}

/// Stores `seed` as this browser's key, replacing any other.
pub async fn save(app_database: &str, seed: &[u8; 32]) -> Result<(), String> {
    let db = open(app_database).await?;
    let fail = |e: indexed_db_futures::error::Error| format!("could not store the key ({e})");
    let tx = db
        .transaction(STORE)
        .with_mode(TransactionMode::Readwrite)
        .build()
        .map_err(fail)?;
    let store = tx.object_store(STORE).map_err(fail)?;
    let request = store
        .put(JsValue::from_str(&attest_engine::evidence::key::seed_hex(
            seed,
        )))
        .with_key(SIGNING)
        .without_key_type()
        .primitive()
        .map_err(fail)?;
    tx.commit().await.map_err(fail)?;
    request.await.map_err(fail)?;
    Ok(())
}

/// A new key: 32 bytes from the browser's cryptographic random source.
pub fn generate() -> Result<[u8; 32], String> {
    let crypto = web_sys::window()
        .ok_or("no window")?
        .crypto()
        .map_err(|_| "this browser offers no cryptographic random numbers")?;
    let mut seed = [0u8; 32];
    crypto
        .get_random_values_with_u8_array(&mut seed)
        .map_err(|e| format!("the browser gave no random numbers ({e:?})"))?;
    Ok(seed)
}
