//! The versioned JSON API (`/api/v1/...`), documented in docs/openapi.yaml.
//!
//! Request bodies are strict (unknown fields are refused) and bounded in size. Every error
//! is `{"error": code, "message": text}` with a 4xx or 503 status, and a refused request
//! changes nothing.

mod auth;
mod links;
mod records;
mod reviewer;
mod sessions;

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Query};
use axum::http::{header, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use tower_http::cors::{Any, CorsLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::RequestBodyTimeoutLayer;

use crate::db::DbError;
use crate::{static_files, App};

pub use auth::Principal;
pub use links::{issue_link, link_url};
pub use records::CLOCK_SKEW;

/// Sign-in bodies are a secret and a name.
const MAX_SIGN_IN_BYTES: usize = 16 * 1024;

pub fn router(app: Arc<App>) -> Router {
    let limit = app.config.max_body_bytes;
    // The app may be served from another origin than the API (Settings takes any server
    // address). Credentials are bearer tokens, never cookies, so any origin may call the
    // API; nothing else needs CORS.
    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
        .allow_methods([Method::GET, Method::POST, Method::DELETE])
        .max_age(std::time::Duration::from_secs(600));
    let api = Router::new()
        .route("/api/v1/health", get(sessions::health))
        .route(
            "/api/v1/session",
            post(sessions::sign_in)
                .delete(sessions::sign_out)
                .layer(DefaultBodyLimit::max(MAX_SIGN_IN_BYTES)),
        )
        .route("/api/v1/sessions", delete(sessions::end_all_sessions))
        .route("/api/v1/me", get(sessions::me))
        .route("/api/v1/records", get(records::pull).post(records::push))
        .route("/api/v1/reviewer/records", get(reviewer::pull))
        .route(
            "/api/v1/links",
            post(links::create_link).delete(links::revoke_link),
        )
        .route("/api/v1/outbox", get(links::outbox))
        .merge(crate::evidence::routes())
        .layer(cors);
    let security = |name: &'static str, value: String| {
        SetResponseHeaderLayer::overriding(
            HeaderName::from_static(name),
            HeaderValue::from_str(&value).expect("a header value"),
        )
    };
    Router::new()
        .merge(api)
        .fallback(static_files::serve)
        .layer(DefaultBodyLimit::max(limit))
        .layer(RequestBodyTimeoutLayer::new(app.config.body_timeout))
        .layer(security(
            "content-security-policy",
            content_security_policy(app.config.dist.as_deref()),
        ))
        .layer(security("x-content-type-options", "nosniff".into()))
        .layer(security("x-frame-options", "DENY".into()))
        .layer(security("referrer-policy", "no-referrer".into()))
        .layer(tower::limit::GlobalConcurrencyLimitLayer::new(
            app.config.max_in_flight.max(1),
        ))
        .with_state(app)
}

/// The policy the app runs under: its own scripts, styles and images, WebAssembly compiled
/// from its own file, the loader scripts scripts/build-dist.sh writes into the entry pages
/// (allowed by their hashes), any sync server (Settings takes any address), and never inside a frame.
pub fn content_security_policy(dist: Option<&std::path::Path>) -> String {
    use base64::Engine as _;
    use sha2::{Digest, Sha256};
    // Both entry pages: index.html and the reviewer bundle's reviewer.html.
    let page = ["index.html", "reviewer.html"]
        .iter()
        .filter_map(|name| std::fs::read_to_string(dist?.join(name)).ok())
        .collect::<Vec<_>>()
        .join("\n");
    let mut scripts = String::new();
    let mut rest = page.as_str();
    while let Some(open) = rest.find("<script") {
        let after = &rest[open..];
        let Some(tag_end) = after.find('>') else {
            break;
        };
        let tag = &after[..tag_end];
        let body_and_more = &after[tag_end + 1..];
        let Some(close) = body_and_more.find("</script>") else {
            break;
        };
        if !tag.contains(" src=") {
            let digest = Sha256::digest(&body_and_more.as_bytes()[..close]);
            scripts.push_str(&format!(
                " 'sha256-{}'",
                base64::engine::general_purpose::STANDARD.encode(digest)
            ));
        }
        rest = &body_and_more[close..];
    }
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'{scripts}; \
         style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self' http: https:; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// Seconds, for 429 answers.
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    pub(super) fn bad_request(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub(super) fn unauthorized(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, code, message)
    }

    pub(super) fn forbidden(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    /// A storage failure (503, or 507 for a full disk): the request's writes are undone.
    pub(super) fn is_storage(&self) -> bool {
        matches!(
            self.status,
            StatusCode::SERVICE_UNAVAILABLE | StatusCode::INSUFFICIENT_STORAGE
        )
    }
}

impl From<DbError> for ApiError {
    fn from(e: DbError) -> ApiError {
        // The detail goes to the operator's log, not to the client.
        eprintln!("attest-server: storage error: {e}");
        if let DbError::DiskFull(_) = e {
            return ApiError::new(
                StatusCode::INSUFFICIENT_STORAGE,
                "storageFull",
                "the server's disk is full, so nothing was stored; try again once the operator has freed space",
            );
        }
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "storageUnavailable",
            "the server cannot reach its database; try again shortly",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut res = (
            self.status,
            Json(attest_engine::wire::ErrorBody {
                error: self.code.to_string(),
                message: self.message,
            }),
        )
            .into_response();
        if let Some(secs) = self.retry_after {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        res
    }
}

pub(crate) type ApiResult<T> = Result<T, ApiError>;

/// Read a JSON body strictly: a field no type at that place knows is refused with its path,
/// at every level (a record's events included). Serde's own `deny_unknown_fields` covers
/// the API's types; the engine's types are read and written back, and any member of the
/// body the written-back value lacks is unknown (members with an empty value — null,
/// false, "", [] or {} — are what omitted optional fields look like, and are let pass).
pub(super) fn parse_body<T: DeserializeOwned + Serialize>(
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<T> {
    let body = body.map_err(|e| {
        let status = e.status();
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                status,
                "bodyTooLarge",
                "the request body is larger than this server accepts; send fewer records at a time",
            )
        } else if timed_out(&e) {
            ApiError::new(
                StatusCode::REQUEST_TIMEOUT,
                "bodyTimeout",
                "the request body did not arrive in time; send it again",
            )
        } else {
            ApiError::new(status, "badBody", e.body_text())
        }
    })?;
    let value: Value = serde_json::from_slice(&body).map_err(|e| {
        ApiError::bad_request(
            "malformedJson",
            format!("the request body is not JSON: {e}"),
        )
    })?;
    let parsed: T = serde_path_to_error::deserialize(&value).map_err(|e| {
        let path = e.path().to_string();
        ApiError::bad_request(
            "malformedJson",
            format!(
                "the request body is not what this endpoint takes: at {path}: {}",
                e.into_inner()
            ),
        )
    })?;
    let back = serde_json::to_value(&parsed).map_err(|e| {
        ApiError::bad_request(
            "malformedJson",
            format!("the request body cannot be read back: {e}"),
        )
    })?;
    if let Some((path, field)) = unknown_member(&value, &back, String::new()) {
        return Err(ApiError::bad_request(
            "unknownField",
            format!("the request body is not what this endpoint takes: at {path}: unknown field `{field}`"),
        ));
    }
    Ok(parsed)
}

/// Whether reading the body failed because the client was too slow (`body_timeout`).
fn timed_out(e: &BytesRejection) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cause {
        if c.is::<tower_http::timeout::TimeoutError>() {
            return true;
        }
        cause = c.source();
    }
    false
}

/// The first member of `sent` that `read` (the same body read and written back) lacks.
fn unknown_member(sent: &Value, read: &Value, path: String) -> Option<(String, String)> {
    let empty = |v: &Value| match v {
        Value::Null | Value::Bool(false) => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        Value::Number(_) | Value::Bool(true) => false,
    };
    match (sent, read) {
        (Value::Object(a), Value::Object(b)) => a.iter().find_map(|(k, v)| {
            let here = if path.is_empty() {
                k.clone()
            } else {
                format!("{path}.{k}")
            };
            match b.get(k) {
                Some(w) => unknown_member(v, w, here),
                None if empty(v) => None,
                None => Some((here, k.clone())),
            }
        }),
        (Value::Array(a), Value::Array(b)) => a
            .iter()
            .zip(b)
            .enumerate()
            .find_map(|(i, (v, w))| unknown_member(v, w, format!("{path}[{i}]"))),
        _ => None,
    }
}

pub(super) fn parse_query<T>(q: Result<Query<T>, QueryRejection>) -> ApiResult<T> {
    q.map(|Query(q)| q)
        .map_err(|e| ApiError::bad_request("badQuery", e.body_text()))
}

/// Commit the session when the handler succeeded or refused the request for a reason of
/// its own (the clock may have run); roll back on a storage failure.
pub(super) async fn finish<T>(session: impl crate::log::End, out: ApiResult<T>) -> ApiResult<T> {
    match out {
        Err(e) if e.is_storage() => {
            session.abort().await;
            Err(e)
        }
        out => {
            session.commit().await?;
            out
        }
    }
}
