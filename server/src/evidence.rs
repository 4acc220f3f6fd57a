//! Evidence packs signed by the server: with a sync server, the organisation's Ed25519 key
//! lives here (`--evidence-key FILE`, a key file as the app downloads it; made with a new
//! key from the operating system's random source when the file does not exist) and never
//! leaves. An administrator asks for the public key, or for the signed pack of an instance,
//! which the engine's `evidence_pack` builds from the server's own log — the server signs
//! only what it holds, never bytes a client sends.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use attest_engine::evidence::key::{key_file, read_key_file};
use attest_engine::evidence::pack::{
    evidence_pack, public_key_hex, public_key_pem_of, series_pack, PackError,
};
use attest_engine::Record;
use axum::extract::{Path as UrlPath, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use crate::api::{ApiError, Principal};
use crate::db::DbError;
use crate::log::End;
use crate::App;

/// Records read from the database per query while a pack's log is gathered.
const PAGE: i64 = 1000;

/// The routes, merged into the API router (so they get its CORS and layers).
pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/api/v1/evidence/key", get(public_key))
        .route("/api/v1/evidence/packs/{instance}", get(pack))
        .route("/api/v1/evidence/series/{review}", get(series))
}

/// The key in `path`, or a new one written there (owner-only) when there is no file yet.
pub fn load_or_create(path: &Path) -> Result<[u8; 32], String> {
    let shown = path.display();
    match std::fs::read_to_string(path) {
        Ok(text) => return read_key_file(&text).map_err(|e| format!("{shown}: {e}")),
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            return Err(format!("{shown}: cannot read the evidence key: {e}"))
        }
        Err(_) => {}
    }
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| format!("no random numbers for a new key: {e}"))?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(mut file) => {
            file.write_all(key_file(&seed).as_bytes())
                .and_then(|()| file.sync_all())
                .map_err(|e| format!("{shown}: cannot write the new evidence key: {e}"))?;
            Ok(seed)
        }
        // Another request made it first: use that one.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => load_or_create(path),
        Err(e) => Err(format!("{shown}: cannot create the evidence key: {e}")),
    }
}

fn require_admin(who: &Principal) -> Result<(), ApiError> {
    match who {
        Principal::Administrator { .. } => Ok(()),
        Principal::Reviewer { .. } => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "evidence is for administrators; a review link opens only its own reviewer page",
        )),
    }
}

fn signing_key(app: &App) -> Result<[u8; 32], ApiError> {
    let path = app.config.evidence_key.as_deref().ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "noSigningKey",
            "this server has no evidence signing key: its operator starts it with --evidence-key FILE",
        )
    })?;
    load_or_create(path).map_err(|e| {
        eprintln!("attest-server: evidence key: {e}");
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "signingKeyUnavailable",
            "the server cannot read its evidence signing key; its operator has the details",
        )
    })
}

async fn public_key(State(app): State<Arc<App>>, who: Principal) -> Result<Response, ApiError> {
    require_admin(&who)?;
    let seed = signing_key(&app)?;
    Ok(Json(json!({
        "publicKey": public_key_hex(&seed),
        "publicKeyPem": public_key_pem_of(&seed),
    }))
    .into_response())
}

async fn pack(
    State(app): State<Arc<App>>,
    who: Principal,
    UrlPath(instance): UrlPath<String>,
) -> Result<Response, ApiError> {
    signed_pack(
        &app,
        &who,
        &instance,
        "noInstance",
        |state, records, now, seed| evidence_pack(state, records, &instance, now, seed),
    )
    .await
}

/// Every occurrence of the review `review` in one pack.
async fn series(
    State(app): State<Arc<App>>,
    who: Principal,
    UrlPath(review): UrlPath<String>,
) -> Result<Response, ApiError> {
    signed_pack(
        &app,
        &who,
        &format!("series-{review}"),
        "noReview",
        |state, records, now, seed| series_pack(state, records, &review, now, seed),
    )
    .await
}

/// Build a pack from the server's log with `build` and answer it as a zip named after `of`.
async fn signed_pack(
    app: &App,
    who: &Principal,
    of: &str,
    missing: &'static str,
    build: impl FnOnce(
        &attest_engine::State,
        &[Record],
        chrono::DateTime<chrono::Utc>,
        &[u8; 32],
    ) -> Result<Vec<u8>, PackError>,
) -> Result<Response, ApiError> {
    require_admin(who)?;
    let seed = signing_key(app)?;
    let mut s = app.read().await?;
    // The log up to the cache's cursor: exactly the records the cached state folds.
    let gathered = async {
        let mut records: Vec<Record> = Vec::new();
        let mut after = 0;
        'pages: while after < s.cache.cursor {
            let page = s.conn().await?.records_after(after, PAGE).await?;
            if page.is_empty() {
                break;
            }
            for (seq, id, body) in page {
                if seq > s.cache.cursor {
                    break 'pages;
                }
                after = seq;
                records.push(serde_json::from_str(&body).map_err(|e| {
                    DbError::Other(format!("stored record {id} does not read back: {e}"))
                })?);
            }
        }
        Ok::<_, DbError>(records)
    }
    .await;
    let records = match gathered {
        Ok(r) => r,
        Err(e) => {
            s.abort().await;
            return Err(e.into());
        }
    };
    let built = build(&s.cache.state, &records, s.now, &seed);
    s.commit().await?;
    let bytes = built.map_err(|e| match e {
        PackError::NoInstance(_) | PackError::NoReview(_) => {
            ApiError::new(StatusCode::NOT_FOUND, missing, e.to_string())
        }
        e => ApiError::new(StatusCode::CONFLICT, "packTooLarge", e.to_string()),
    })?;
    let name: String = of
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let disposition = format!("attachment; filename=\"attest-evidence-{name}.zip\"");
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/zip"),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&disposition).expect("an ASCII header value"),
            ),
        ],
        bytes,
    )
        .into_response())
}
