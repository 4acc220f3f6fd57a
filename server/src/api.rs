//! The versioned JSON API (`/api/v1/...`), documented in docs/openapi.yaml.
//!
//! Request bodies are strict (unknown fields are refused) and bounded in size. Every error
//! is `{"error": code, "message": text}` with a 4xx or 503 status, and a refused request
//! changes nothing.

use std::sync::Arc;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use attest_engine::event::{Event, Record, RECORD_VERSION};
use attest_engine::limits::MAX_RECORD_ID;
use attest_engine::replay_check::{command_of, recheck_exact, RecheckError};
use attest_engine::view::{reviewer_view, ViewError};
use attest_engine::{decide, replay, Actor, Command, EngineError, State};
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{ConnectInfo, DefaultBodyLimit, FromRequestParts, Query};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use chrono::{DateTime, Duration, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{json, value::RawValue, Value};
use tower_http::cors::{Any, CorsLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::RequestBodyTimeoutLayer;

use crate::db::{Conn, DbError, TokenRow};
use crate::log::{self, Session};
use crate::reviewer::{my_items, to_instance_items};
use crate::{static_files, token, App};

/// How far a pushed record's time may be from the server's clock, either way, when the
/// record's outcome depends on the time (stopping, applying, creating a review).
pub const CLOCK_SKEW: Duration = Duration::minutes(5);
const MAX_BATCH: usize = 1000;
const MAX_PAGE: i64 = 1000;
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
        .route("/api/v1/health", get(health))
        .route(
            "/api/v1/session",
            post(sign_in)
                .delete(sign_out)
                .layer(DefaultBodyLimit::max(MAX_SIGN_IN_BYTES)),
        )
        .route("/api/v1/sessions", delete(end_all_sessions))
        .route("/api/v1/me", get(me))
        .route("/api/v1/records", get(pull).post(push))
        .route("/api/v1/reviewer", get(reviewer_pull))
        .route("/api/v1/reviewer/records", get(reviewer_records))
        .route("/api/v1/links", post(create_link).delete(revoke_link))
        .route("/api/v1/outbox", get(outbox))
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
/// from its own file, the loader script Trunk writes into index.html (allowed by its hash),
/// any sync server (Settings takes any address), and never inside a frame.
pub fn content_security_policy(dist: Option<&std::path::Path>) -> String {
    use base64::Engine as _;
    use sha2::{Digest, Sha256};
    let page = dist
        .and_then(|d| std::fs::read_to_string(d.join("index.html")).ok())
        .unwrap_or_default();
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

    fn bad_request(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, code, message)
    }

    fn unauthorized(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, code, message)
    }

    fn forbidden(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    fn is_storage(&self) -> bool {
        self.status == StatusCode::SERVICE_UNAVAILABLE
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
            Json(json!({"error": self.code, "message": self.message})),
        )
            .into_response();
        if let Some(secs) = self.retry_after {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        res
    }
}

type ApiResult<T> = Result<T, ApiError>;

/// Read a JSON body strictly: a field no type at that place knows is refused with its path,
/// at every level (a record's events included). Serde's own `deny_unknown_fields` covers
/// the API's types; the engine's types are read and written back, and any member of the
/// body the written-back value lacks is unknown (members with an empty value — null,
/// false, "", [] or {} — are what omitted optional fields look like, and are let pass).
fn parse_body<T: DeserializeOwned + Serialize>(
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

fn parse_query<T>(q: Result<Query<T>, QueryRejection>) -> ApiResult<T> {
    q.map(|Query(q)| q)
        .map_err(|e| ApiError::bad_request("badQuery", e.body_text()))
}

/// Commit the session when the handler succeeded or refused the request for a reason of
/// its own (the clock may have run); roll back on a storage failure.
async fn finish<T>(session: impl crate::log::End, out: ApiResult<T>) -> ApiResult<T> {
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

// ---------------------------------------------------------------------------------------
// Who is asking

#[derive(Clone, Debug, PartialEq)]
pub enum Principal {
    Administrator {
        name: String,
        /// What the database keys the session by (for signing out).
        hash: String,
    },
    /// A notification link: one reviewer, one instance, one stage.
    Reviewer {
        reviewer: String,
        instance: String,
        stage: usize,
        expires_at: i64,
    },
}

/// The token of an `Authorization: Bearer <token>` header (the scheme in any case).
fn bearer(headers: &HeaderMap) -> ApiResult<&str> {
    let value = headers
        .get(header::AUTHORIZATION)
        .ok_or_else(|| {
            ApiError::unauthorized(
                "signInRequired",
                "sign in as an administrator or open your review link",
            )
        })?
        .to_str()
        .map_err(|_| ApiError::unauthorized("invalidToken", "the sign-in token is not valid"))?;
    let token = value
        .split_once(' ')
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .ok_or_else(|| {
            ApiError::unauthorized(
                "invalidToken",
                "send the token as \"Authorization: Bearer <token>\"",
            )
        })?;
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ApiError::unauthorized(
            "invalidToken",
            "the sign-in token is not valid",
        ));
    }
    Ok(token)
}

/// Who sent the request, from its token alone: read before the body and outside the write
/// transaction, so an unauthenticated client costs one lookup and never a body.
impl FromRequestParts<Arc<App>> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        app: &Arc<App>,
    ) -> ApiResult<Principal> {
        let token = bearer(&parts.headers)?;
        let now = app.clock.now();
        let invalid = || {
            ApiError::unauthorized(
                "invalidToken",
                "this sign-in or link is not valid; sign in again or ask the administrator for a new link",
            )
        };
        let session = token::session_hash(token, &app.config.admin_secret);
        let (hash, row) = {
            let mut conn = app.db.lock().await?;
            // Administrator sessions are keyed by the secret they signed in with; links not.
            match conn.token(&session).await? {
                Some(row) if row.kind == "administrator" => (session, row),
                _ => {
                    let plain = token::hash(token);
                    match conn.token(&plain).await? {
                        Some(row) if row.kind == "reviewer" => (plain, row),
                        _ => return Err(invalid()),
                    }
                }
            }
        };
        if now.timestamp_millis() >= row.expires_at {
            return Err(ApiError::unauthorized(
                "expired",
                "this sign-in or link has expired; sign in again or ask the administrator for a new link",
            ));
        }
        match row.kind.as_str() {
            "administrator" => Ok(Principal::Administrator {
                name: row.name.unwrap_or_default(),
                hash,
            }),
            _ => match (row.reviewer, row.instance, row.stage) {
                (Some(reviewer), Some(instance), Some(stage)) if stage >= 0 => {
                    Ok(Principal::Reviewer {
                        reviewer,
                        instance,
                        stage: stage as usize,
                        expires_at: row.expires_at,
                    })
                }
                _ => Err(ApiError::unauthorized(
                    "invalidToken",
                    "this link is not valid",
                )),
            },
        }
    }
}

/// A reviewer's link works only while its stage is the open stage of its instance.
fn check_link_open(state: &State, who: &Principal) -> ApiResult<()> {
    if let Principal::Reviewer {
        instance, stage, ..
    } = who
    {
        let open = state.instances.get(instance).is_some_and(|inst| {
            inst.is_open()
                && inst.current_stage == *stage
                && inst.stages[*stage].status == attest_engine::instance::StageStatus::InProgress
        });
        if !open {
            return Err(ApiError::unauthorized(
                "expired",
                format!(
                    "stage {} of this review has ended, so this link no longer works",
                    stage + 1
                ),
            ));
        }
    }
    Ok(())
}

fn require_admin(who: &Principal) -> ApiResult<&str> {
    match who {
        Principal::Administrator { name, .. } => Ok(name),
        Principal::Reviewer { .. } => Err(ApiError::forbidden(
            "a review link opens only its own reviewer page; this needs an administrator",
        )),
    }
}

// ---------------------------------------------------------------------------------------
// Health and sessions

async fn health(axum::extract::State(app): axum::extract::State<Arc<App>>) -> Response {
    let conn = app.db.lock().await;
    match async { conn?.last_seq().await }.await {
        Ok(cursor) => Json(json!({
            "status": "ok",
            "storage": app.db.kind(),
            "cursor": cursor,
            "time": app.clock.now(),
        }))
        .into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct SignIn {
    secret: String,
    /// Shown in the history as who acted.
    name: String,
}

/// The client's address (loopback when the request did not come through `serve::run`).
fn client_ip(extensions: &axum::http::Extensions) -> IpAddr {
    extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::LOCALHOST), |c| c.0.ip())
}

async fn sign_in(
    axum::extract::State(app): axum::extract::State<Arc<App>>,
    extensions: axum::http::Extensions,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let ip = client_ip(&extensions);
    let now = app.clock.now();
    if let Err(secs) = app.sign_ins.check(ip, now) {
        let mut e = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "tooManyAttempts",
            format!("too many wrong secrets from this address; try again in {secs} seconds"),
        );
        e.retry_after = Some(secs);
        return Err(e);
    }
    let req: SignIn = parse_body(body)?;
    let name = req.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ApiError::bad_request(
            "badName",
            "give your name (1 to 100 characters); it is shown in the history",
        ));
    }
    if !token::same_secret(&req.secret, &app.config.admin_secret) {
        app.sign_ins.failed(ip, now);
        return Err(ApiError::unauthorized(
            "wrongSecret",
            "the administrator secret is not correct",
        ));
    }
    app.sign_ins.succeeded(ip);
    let expires = now + app.config.session_ttl;
    let tok = token::generate().map_err(|e| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "noRandomness",
            e.to_string(),
        )
    })?;
    let row = TokenRow {
        kind: "administrator".into(),
        name: Some(name.to_string()),
        reviewer: None,
        instance: None,
        stage: None,
        expires_at: expires.timestamp_millis(),
    };
    {
        let mut conn = app.db.lock().await?;
        // Expired sessions and links are deleted as new ones are made.
        conn.purge_expired_tokens(now.timestamp_millis()).await?;
        conn.insert_token(
            &token::session_hash(&tok, &app.config.admin_secret),
            &row,
            now.timestamp_millis(),
        )
        .await?;
    }
    Ok((
        StatusCode::CREATED,
        Json(json!({"token": tok, "name": name, "expiresAt": expires})),
    )
        .into_response())
}

async fn sign_out(
    axum::extract::State(app): axum::extract::State<Arc<App>>,
    who: Principal,
) -> ApiResult<StatusCode> {
    let Principal::Administrator { hash, .. } = &who else {
        return Err(ApiError::forbidden(
            "a review link cannot sign out; ask the administrator to withdraw it",
        ));
    };
    app.db.lock().await?.delete_token(hash).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// End every administrator session, this one included (a lost laptop, a departed admin).
async fn end_all_sessions(
    axum::extract::State(app): axum::extract::State<Arc<App>>,
    who: Principal,
) -> ApiResult<Response> {
    require_admin(&who)?;
    let ended = app
        .db
        .lock()
        .await?
        .delete_tokens_of_kind("administrator")
        .await?;
    Ok(Json(json!({"ended": ended})).into_response())
}

async fn me(
    axum::extract::State(app): axum::extract::State<Arc<App>>,
    who: Principal,
) -> ApiResult<Json<serde_json::Value>> {
    if let Principal::Reviewer { .. } = &who {
        // Only a link depends on the review's state (its stage must still be open).
        let s = app.read().await?;
        let out = check_link_open(&s.cache.state, &who);
        finish(s, out).await?;
    }
    Ok(Json(match who {
        Principal::Administrator { name, .. } => json!({"kind": "administrator", "name": name}),
        Principal::Reviewer {
            reviewer,
            instance,
            stage,
            expires_at,
        } => json!({
            "kind": "reviewer",
            "reviewer": reviewer,
            "instance": instance,
            "stage": stage,
            "expiresAt": DateTime::<Utc>::from_timestamp_millis(expires_at),
        }),
    }))
}

// ---------------------------------------------------------------------------------------
// Push

/// A record as sent by a client: the engine's `Record`, refusing unknown fields.
#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct WireRecord {
    v: u16,
    id: String,
    at: DateTime<Utc>,
    actor: Actor,
    #[serde(default)]
    reason: Option<String>,
    events: Vec<Event>,
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct PushRequest {
    records: Vec<WireRecord>,
}

fn into_record(w: WireRecord, index: usize) -> ApiResult<Record> {
    if w.v != RECORD_VERSION {
        return Err(ApiError::bad_request(
            "unsupportedVersion",
            format!("records[{index}]: record version {} is not supported (this server reads {RECORD_VERSION})", w.v),
        ));
    }
    if w.id.is_empty() || w.id.len() > MAX_RECORD_ID || w.id.chars().any(char::is_control) {
        return Err(ApiError::bad_request(
            "badRecordId",
            format!("records[{index}]: a record id is 1 to {MAX_RECORD_ID} printable characters"),
        ));
    }
    Ok(Record {
        v: w.v,
        id: w.id,
        at: w.at,
        actor: w.actor,
        reason: w.reason,
        events: w.events,
    })
}

/// A reviewer may push only their own decisions (or resets) on their own items in the
/// stage and instance of their link. Anything else refuses the whole batch.
fn check_reviewer_record(state: &State, who: &Principal, record: &Record) -> ApiResult<()> {
    let Principal::Reviewer {
        reviewer,
        instance,
        stage,
        ..
    } = who
    else {
        return Ok(());
    };
    if record.actor == Actor::System {
        return Ok(());
    }
    let refuse = || {
        ApiError::forbidden(format!(
            "record \"{}\": a review link can only record your own decisions in the review and stage it was sent for",
            record.id
        ))
    };
    if record.actor.user_id() != Some(reviewer.as_str()) || record.events.is_empty() {
        return Err(refuse());
    }
    let inst = state.instances.get(instance).ok_or_else(refuse)?;
    let mine = |item: u32| {
        inst.items
            .get(item as usize)
            .is_some_and(|it| state.reviews_item(inst, it, *stage, reviewer))
    };
    for event in &record.events {
        let ok = match event {
            Event::DecisionsRecorded {
                instance: i,
                stage: s,
                reviewer: r,
                decisions,
                ..
            } => {
                i == instance
                    && s == stage
                    && r == reviewer
                    && decisions.iter().all(|d| mine(d.item))
            }
            Event::DecisionsReset {
                instance: i,
                stage: s,
                reviewer: r,
                items,
            } => i == instance && s == stage && r == reviewer && items.iter().all(|&it| mine(it)),
            _ => false,
        };
        if !ok {
            return Err(refuse());
        }
    }
    Ok(())
}

/// An administrator's records carry the session's own name, whatever the browser wrote:
/// the history shows who signed in, not what they typed into a record.
fn check_admin_record(record: &mut Record, name: &str) -> ApiResult<()> {
    match &record.actor {
        Actor::Administrator { .. } => {
            record.actor = Actor::Administrator {
                name: name.to_string(),
            };
            Ok(())
        }
        Actor::System => Ok(()),
        Actor::User { .. } => Err(ApiError::forbidden(format!(
            "record \"{}\": reviewers' decisions come from their own review links, not an administrator session",
            record.id
        ))),
    }
}

fn rejection_code(e: &RecheckError) -> &'static str {
    match e {
        RecheckError::NotACommand => "notACommand",
        RecheckError::Diverged => "diverged",
        RecheckError::Refused(EngineError::NotFound { .. }) => "notFound",
        RecheckError::Refused(EngineError::TooLong { .. }) => "tooLong",
        RecheckError::Refused(_) => "refused",
    }
}

/// Whether a command's outcome depends on when it is decided. Those that do are refused
/// when dated further than `CLOCK_SKEW` from the server's clock; the others (decisions,
/// imports, drafts) carry no time and are taken as made when they arrive.
fn time_bound(cmd: &Command) -> bool {
    matches!(
        cmd,
        Command::CreateReview { .. }
            | Command::StopCurrentStage { .. }
            | Command::StopReview { .. }
            | Command::ApplyResults { .. }
            | Command::EndSeries { .. }
    )
}

/// What a record asks for, for telling an identical re-send from a different change under
/// the same id: its command, its reason, and whose it is (administrators by kind, since
/// the server names them).
fn content(record: &Record) -> (Option<Command>, Option<String>, Option<String>) {
    (
        command_of(record),
        record.reason.clone(),
        record.actor.user_id().map(str::to_string),
    )
}

async fn push(
    axum::extract::State(app): axum::extract::State<Arc<App>>,
    who: Principal,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let req: PushRequest = parse_body(body)?;
    if req.records.len() > MAX_BATCH {
        return Err(ApiError::bad_request(
            "tooManyRecords",
            format!("send at most {MAX_BATCH} records at a time"),
        ));
    }
    let records = req
        .records
        .into_iter()
        .enumerate()
        .map(|(i, w)| into_record(w, i))
        .collect::<ApiResult<Vec<_>>>()?;
    let mut s = app.session().await?;
    let out = push_in(&mut s, &who, records).await;
    let out = finish(s, out).await;
    if matches!(&out, Ok(r) if r.status().is_success() || r.status() == StatusCode::UNPROCESSABLE_ENTITY)
    {
        app.outbox_changed.notify_one();
    }
    out
}

async fn push_in(
    s: &mut Session<'_>,
    who: &Principal,
    mut records: Vec<Record>,
) -> ApiResult<Response> {
    check_link_open(&s.cache.state, who)?;
    if let Principal::Reviewer {
        reviewer,
        instance,
        stage,
        ..
    } = who
    {
        // Reviewers number their items 0, 1, 2… (see reviewer.rs): map them back first.
        let mine = my_items(
            &s.cache.state,
            &s.cache.state.instances[instance],
            *stage,
            reviewer,
        );
        for r in records.iter_mut().filter(|r| r.actor != Actor::System) {
            if !to_instance_items(r, &mine) {
                return Err(ApiError::forbidden(format!(
                    "record \"{}\": a review link can only record your own decisions in the review and stage it was sent for",
                    r.id
                )));
            }
        }
    }
    for r in &mut records {
        match who {
            Principal::Administrator { name, .. } => check_admin_record(r, name)?,
            Principal::Reviewer { .. } => check_reviewer_record(&s.cache.state, who, r)?,
        }
    }
    // A known id must come with the content it was stored with; a different change under
    // it is refused whole, before anything is stored.
    let mut seen = std::collections::HashMap::new();
    for r in records.iter().filter(|r| r.actor != Actor::System) {
        let mine = content(r);
        let earlier = match seen.get(&r.id) {
            Some(c) => Some(Clone::clone(c)),
            None if s.cache.state.applied_records.contains(&r.id) => {
                match s.conn.record_body(&r.id).await? {
                    Some(body) => serde_json::from_str::<Record>(&body)
                        .ok()
                        .map(|r| content(&r)),
                    None => None,
                }
            }
            None => None,
        };
        if earlier.is_some_and(|c| c != mine) {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "conflict",
                format!(
                    "record \"{}\" is already on the server with different content; this change was not stored",
                    r.id
                ),
            ));
        }
        seen.insert(r.id.clone(), mine);
    }
    let mut accepted = Vec::new();
    let mut rejected = Vec::new();
    for mut record in records {
        if record.actor == Actor::System {
            // The server keeps the time; its own clock records are what everyone pulls.
            accepted.push(json!({"id": record.id, "status": "ignored"}));
            continue;
        }
        if s.cache.state.applied_records.contains(&record.id) {
            accepted.push(json!({"id": record.id, "status": "duplicate"}));
            continue;
        }
        let Some(cmd) = command_of(&record) else {
            rejected.push(json!({
                "id": record.id,
                "code": rejection_code(&RecheckError::NotACommand),
                "reason": RecheckError::NotACommand.to_string(),
            }));
            continue;
        };
        if time_bound(&cmd) && (record.at - s.now).abs() > CLOCK_SKEW {
            let (code, side) = if record.at > s.now {
                ("clockAhead", "ahead of")
            } else {
                ("clockBehind", "behind")
            };
            rejected.push(json!({
                "id": record.id,
                "code": code,
                "reason": format!(
                    "the record is dated {}, more than {} minutes {side} the server's clock ({}); check this device's clock, or do it again now",
                    record.at, CLOCK_SKEW.num_minutes(), s.now
                ),
            }));
            continue;
        }
        let timed = time_bound(&cmd);
        if !timed {
            // Nothing in it depends on the time: it is made when it arrives.
            record.at = s.now;
        }
        // The record must be what the engine decides for its command at its time (so no
        // event is made up), and what is stored is the engine's decision at the server's now
        // (the same events, for a record that does not depend on the time).
        let decided = recheck_exact(&s.cache.state, &record).and_then(|()| {
            if timed {
                decide(&s.cache.state, &cmd, &record.actor, s.now)
                    .map(Some)
                    .map_err(RecheckError::from)
            } else {
                Ok(None)
            }
        });
        match decided {
            Ok(events) => {
                record.at = s.now;
                if let Some(events) = events {
                    record.events = events;
                }
                let seq = log::store(&mut s.cache, &mut s.conn, &record, s.now).await?;
                accepted.push(json!({"id": record.id, "status": "stored", "seq": seq}));
            }
            Err(e) => rejected.push(json!({
                "id": record.id,
                "code": rejection_code(&e),
                "reason": e.to_string(),
            })),
        }
    }
    // A review created for now starts at once rather than on the next request.
    log::advance(&mut s.cache, &mut s.conn, s.now).await?;
    let status = if rejected.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((
        status,
        Json(json!({"accepted": accepted, "rejected": rejected, "cursor": s.cache.cursor})),
    )
        .into_response())
}

// ---------------------------------------------------------------------------------------
// Pull

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PullQuery {
    after: Option<i64>,
    limit: Option<i64>,
}

async fn pull(
    axum::extract::State(app): axum::extract::State<Arc<App>>,
    who: Principal,
    query: Result<Query<PullQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let q = parse_query(query)?;
    let after = q.after.unwrap_or(0);
    let limit = q.limit.unwrap_or(500);
    if after < 0 || !(1..=MAX_PAGE).contains(&limit) {
        return Err(ApiError::bad_request(
            "badQuery",
            format!("after is a cursor from an earlier answer (0 to start) and limit is 1 to {MAX_PAGE}"),
        ));
    }
    require_admin(&who)?;
    let mut s = app.read().await?;
    let out = async {
        let mut page = s.conn.records_after(after, limit + 1).await?;
        let more = page.len() as i64 > limit;
        page.truncate(limit as usize);
        let cursor = page.last().map_or(after, |(seq, _, _)| *seq);
        let records = page
            .into_iter()
            .map(|(_, _, body)| RawValue::from_string(body))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| DbError::Other(e.to_string()))?;
        Ok(Json(json!({"records": records, "cursor": cursor, "more": more})).into_response())
    }
    .await;
    finish(s, out).await
}

/// A reviewer's pull: their page of the stage their link is for, built by the engine's
/// reviewer view (their items only; earlier decisions only when the review shows them).
async fn reviewer_pull(
    axum::extract::State(app): axum::extract::State<Arc<App>>,
    who: Principal,
) -> ApiResult<Response> {
    let s = app.read().await?;
    let out = async {
        check_link_open(&s.cache.state, &who)?;
        let Principal::Reviewer {
            reviewer,
            instance,
            stage,
            expires_at,
        } = &who
        else {
            return Err(ApiError::forbidden(
                "this is the reviewer's page; administrators pull /api/v1/records",
            ));
        };
        let records =
            crate::reviewer::reviewer_records(&s.cache.state, instance, *stage, reviewer, s.now)
                .map_err(|e| ApiError::forbidden(e.to_string()))?;
        let view = reviewer_view(&replay(&records), instance, *stage, reviewer)
            .map_err(|e| ApiError::forbidden(e.to_string()))?;
        Ok(Json(json!({
            "cursor": s.cache.cursor,
            "reviewer": reviewer,
            "expiresAt": DateTime::<Utc>::from_timestamp_millis(*expires_at),
            "view": view,
        }))
        .into_response())
    }
    .await;
    finish(s, out).await
}

/// A reviewer's pull as records: their compact state (reviewer.rs), which the app folds
/// into a state of its own to show the reviewer page and decide with the engine.
async fn reviewer_records(
    axum::extract::State(app): axum::extract::State<Arc<App>>,
    who: Principal,
) -> ApiResult<Response> {
    let s = app.read().await?;
    let out = async {
        check_link_open(&s.cache.state, &who)?;
        let Principal::Reviewer {
            reviewer,
            instance,
            stage,
            expires_at,
        } = &who
        else {
            return Err(ApiError::forbidden(
                "this is the reviewer's pull; administrators pull /api/v1/records",
            ));
        };
        let records =
            crate::reviewer::reviewer_records(&s.cache.state, instance, *stage, reviewer, s.now)
                .map_err(|e| ApiError::forbidden(e.to_string()))?;
        Ok(Json(json!({
            "records": records,
            "cursor": s.cache.cursor,
            "reviewer": reviewer,
            "instance": instance,
            "stage": stage,
            "expiresAt": DateTime::<Utc>::from_timestamp_millis(*expires_at),
        }))
        .into_response())
    }
    .await;
    finish(s, out).await
}

// ---------------------------------------------------------------------------------------
// Links and the outbox

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct LinkRequest {
    instance: String,
    /// 0-based stage index.
    stage: usize,
    reviewer: String,
}

/// A reviewer's link to the app's reviewer page (stage 1-based, as the app's routes are).
/// The token rides in the fragment, which browsers never send to a server, so it stays out
/// of access logs.
pub fn link_url(
    public_url: &str,
    instance: &str,
    stage: usize,
    reviewer: &str,
    token: &str,
) -> String {
    format!(
        "{public_url}/my-reviews/{}/{}?reviewer={}#token={token}",
        percent_encode(instance),
        stage + 1,
        percent_encode(reviewer)
    )
}

fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Issue a new link token for `reviewer` in `stage` of `instance`, valid until the stage's
/// deadline. Fails when the stage is not open or the reviewer has nothing to review there.
pub async fn issue_link(
    conn: &mut Conn<'_>,
    state: &State,
    public_url: &str,
    instance: &str,
    stage: usize,
    reviewer: &str,
    now: DateTime<Utc>,
) -> ApiResult<(String, String, DateTime<Utc>)> {
    let view = reviewer_view(state, instance, stage, reviewer).map_err(|e| match e {
        ViewError::NotFound => ApiError::new(
            StatusCode::NOT_FOUND,
            "notFound",
            "there is no such review instance or stage",
        ),
        ViewError::StageNotOpen { .. } => {
            ApiError::new(StatusCode::CONFLICT, "stageNotOpen", e.to_string())
        }
        ViewError::NotYourReview { .. } => ApiError::new(
            StatusCode::NOT_FOUND,
            "notAReviewer",
            format!(
                "{reviewer} has nothing to review in stage {} of this review",
                stage + 1
            ),
        ),
    })?;
    let expires = view.deadline.unwrap_or(now);
    let tok = token::generate().map_err(|e| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "noRandomness",
            e.to_string(),
        )
    })?;
    let row = TokenRow {
        kind: "reviewer".into(),
        name: None,
        reviewer: Some(reviewer.to_string()),
        instance: Some(instance.to_string()),
        stage: Some(stage as i64),
        expires_at: expires.timestamp_millis(),
    };
    conn.insert_token(&token::hash(&tok), &row, now.timestamp_millis())
        .await?;
    let link = link_url(public_url, instance, stage, reviewer, &tok);
    Ok((tok, link, expires))
}

async fn create_link(
    axum::extract::State(app): axum::extract::State<Arc<App>>,
    who: Principal,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    require_admin(&who)?;
    let req: LinkRequest = parse_body(body)?;
    let mut s = app.session().await?;
    let out = async {
        let (tok, link, expires) = issue_link(
            &mut s.conn,
            &s.cache.state,
            &app.public_url,
            &req.instance,
            req.stage,
            &req.reviewer,
            s.now,
        )
        .await?;
        Ok((
            StatusCode::CREATED,
            Json(json!({"token": tok, "link": link, "expiresAt": expires})),
        )
            .into_response())
    }
    .await;
    finish(s, out).await
}

async fn outbox(
    axum::extract::State(app): axum::extract::State<Arc<App>>,
    who: Principal,
) -> ApiResult<Response> {
    require_admin(&who)?;
    let mut s = app.read().await?;
    let out = async {
        let rows = s.conn.outbox(None).await?;
        Ok(Json(json!({"messages": rows})).into_response())
    }
    .await;
    finish(s, out).await
}

/// Withdraw a reviewer's links for one stage of one instance (all of them, however many
/// were issued); the reviewer's page stops working at its next request.
async fn revoke_link(
    axum::extract::State(app): axum::extract::State<Arc<App>>,
    who: Principal,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    require_admin(&who)?;
    let req: LinkRequest = parse_body(body)?;
    let stage = i64::try_from(req.stage).unwrap_or(i64::MAX);
    let revoked = app
        .db
        .lock()
        .await?
        .delete_links(&req.instance, stage, &req.reviewer)
        .await?;
    Ok(Json(json!({"revoked": revoked})).into_response())
}
