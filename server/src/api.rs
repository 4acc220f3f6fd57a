//! The versioned JSON API (`/api/v1/...`), documented in docs/openapi.yaml.
//!
//! Request bodies are strict (unknown fields are refused) and bounded in size. Every error
//! is `{"error": code, "message": text}` with a 4xx or 503 status, and a refused request
//! changes nothing.

use std::sync::Arc;

use attest_engine::event::{Event, Record, RECORD_VERSION};
use attest_engine::replay_check::{recheck_exact, RecheckError};
use attest_engine::view::{reviewer_view, ViewError};
use attest_engine::{replay, Actor, EngineError, State};
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Query};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Duration, Utc};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, value::RawValue};

use crate::db::{Conn, DbError, TokenRow};
use crate::log::{self, Session};
use crate::reviewer::{my_items, to_instance_items};
use crate::{static_files, token, App};

/// How far ahead of the server's clock a pushed record's time may be.
const CLOCK_SKEW: Duration = Duration::minutes(5);
const MAX_BATCH: usize = 1000;
const MAX_PAGE: i64 = 1000;

pub fn router(app: Arc<App>) -> Router {
    let limit = app.config.max_body_bytes;
    Router::new()
        .route("/api/v1/health", get(health))
        .route("/api/v1/session", post(sign_in).delete(sign_out))
        .route("/api/v1/me", get(me))
        .route("/api/v1/records", get(pull).post(push))
        .route("/api/v1/reviewer", get(reviewer_pull))
        .route("/api/v1/reviewer/records", get(reviewer_records))
        .route("/api/v1/links", post(create_link))
        .route("/api/v1/outbox", get(outbox))
        .fallback(static_files::serve)
        .layer(DefaultBodyLimit::max(limit))
        .layer(axum::middleware::from_fn(cors))
        .with_state(app)
}

/// The app may be served from another origin than the API (Settings takes any server
/// address). Credentials are bearer tokens, never cookies, so any origin may call.
async fn cors(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    use axum::http::{header, HeaderValue, Method};
    let mut res = if req.method() == Method::OPTIONS {
        StatusCode::NO_CONTENT.into_response()
    } else {
        next.run(req).await
    };
    let h = res.headers_mut();
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("authorization, content-type"),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, POST, DELETE, OPTIONS"),
    );
    h.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("600"),
    );
    res
}

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
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
        (
            self.status,
            Json(json!({"error": self.code, "message": self.message})),
        )
            .into_response()
    }
}

type ApiResult<T> = Result<T, ApiError>;

fn parse_body<T: DeserializeOwned>(body: Result<Bytes, BytesRejection>) -> ApiResult<T> {
    let body = body.map_err(|e| {
        let status = e.status();
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                status,
                "bodyTooLarge",
                "the request body is larger than this server accepts; send fewer records at a time",
            )
        } else {
            ApiError::new(status, "badBody", e.body_text())
        }
    })?;
    serde_json::from_slice(&body).map_err(|e| {
        ApiError::bad_request(
            "malformedJson",
            format!("the request body is not what this endpoint takes: {e}"),
        )
    })
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
    },
    /// A notification link: one reviewer, one instance, one stage.
    Reviewer {
        reviewer: String,
        instance: String,
        stage: usize,
        expires_at: i64,
    },
}

fn bearer(headers: &HeaderMap) -> ApiResult<&str> {
    let value = headers
        .get(axum::http::header::AUTHORIZATION)
        .ok_or_else(|| {
            ApiError::unauthorized(
                "signInRequired",
                "sign in as an administrator or open your review link",
            )
        })?
        .to_str()
        .map_err(|_| ApiError::unauthorized("invalidToken", "the sign-in token is not valid"))?;
    let token = value
        .strip_prefix("Bearer ")
        .ok_or_else(|| {
            ApiError::unauthorized(
                "invalidToken",
                "send the token as \"Authorization: Bearer <token>\"",
            )
        })?
        .trim();
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ApiError::unauthorized(
            "invalidToken",
            "the sign-in token is not valid",
        ));
    }
    Ok(token)
}

async fn authenticate(
    headers: &HeaderMap,
    conn: &mut Conn<'_>,
    now: DateTime<Utc>,
) -> ApiResult<Principal> {
    let token = bearer(headers)?;
    let row = conn.token(&token::hash(token)).await?.ok_or_else(|| {
        ApiError::unauthorized(
            "invalidToken",
            "this sign-in or link is not valid; sign in again or ask the administrator for a new link",
        )
    })?;
    if now.timestamp_millis() >= row.expires_at {
        return Err(ApiError::unauthorized(
            "expired",
            "this sign-in or link has expired; sign in again or ask the administrator for a new link",
        ));
    }
    match row.kind.as_str() {
        "administrator" => Ok(Principal::Administrator {
            name: row.name.unwrap_or_default(),
        }),
        "reviewer" => match (row.reviewer, row.instance, row.stage) {
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
        _ => Err(ApiError::unauthorized(
            "invalidToken",
            "this link is not valid",
        )),
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
        Principal::Administrator { name } => Ok(name),
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SignIn {
    secret: String,
    /// Shown in the history as who acted.
    name: String,
}

async fn sign_in(
    axum::extract::State(app): axum::extract::State<Arc<App>>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let req: SignIn = parse_body(body)?;
    let name = req.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ApiError::bad_request(
            "badName",
            "give your name (1 to 100 characters); it is shown in the history",
        ));
    }
    if !token::same_secret(&req.secret, &app.config.admin_secret) {
        return Err(ApiError::unauthorized(
            "wrongSecret",
            "the administrator secret is not correct",
        ));
    }
    let now = app.clock.now();
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
    app.db
        .lock()
        .await?
        .insert_token(&token::hash(&tok), &row, now.timestamp_millis())
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"token": tok, "name": name, "expiresAt": expires})),
    )
        .into_response())
}

async fn sign_out(
    axum::extract::State(app): axum::extract::State<Arc<App>>,
    headers: HeaderMap,
) -> ApiResult<StatusCode> {
    let now = app.clock.now();
    let mut conn = app.db.lock().await?;
    let who = authenticate(&headers, &mut conn, now).await?;
    require_admin(&who)?;
    conn.delete_token(&token::hash(bearer(&headers)?)).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn me(
    axum::extract::State(app): axum::extract::State<Arc<App>>,
    headers: HeaderMap,
) -> ApiResult<Json<serde_json::Value>> {
    let mut s = app.read().await?;
    let out = async {
        let who = authenticate(&headers, &mut s.conn, s.now).await?;
        check_link_open(&s.cache.state, &who)?;
        Ok(Json(match who {
            Principal::Administrator { name } => json!({"kind": "administrator", "name": name}),
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
    .await;
    finish(s, out).await
}

// ---------------------------------------------------------------------------------------
// Push

/// A record as sent by a client: the engine's `Record`, refusing unknown fields.
#[derive(Deserialize)]
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

#[derive(Deserialize)]
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
    if w.id.is_empty() || w.id.len() > 128 || w.id.chars().any(char::is_control) {
        return Err(ApiError::bad_request(
            "badRecordId",
            format!("records[{index}]: a record id is 1 to 128 printable characters"),
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
            .is_some_and(|it| inst.is_reviewer(it, *stage, reviewer))
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

fn check_admin_record(record: &Record) -> ApiResult<()> {
    match record.actor {
        Actor::Administrator { .. } | Actor::System => Ok(()),
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
        RecheckError::Refused(_) => "refused",
    }
}

async fn push(
    axum::extract::State(app): axum::extract::State<Arc<App>>,
    headers: HeaderMap,
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
    let out = push_in(&mut s, &headers, records).await;
    let out = finish(s, out).await;
    if matches!(&out, Ok(r) if r.status().is_success() || r.status() == StatusCode::UNPROCESSABLE_ENTITY)
    {
        app.outbox_changed.notify_one();
    }
    out
}

async fn push_in(
    s: &mut Session<'_>,
    headers: &HeaderMap,
    mut records: Vec<Record>,
) -> ApiResult<Response> {
    let who = authenticate(headers, &mut s.conn, s.now).await?;
    check_link_open(&s.cache.state, &who)?;
    if let Principal::Reviewer {
        reviewer,
        instance,
        stage,
        ..
    } = &who
    {
        // Reviewers number their items 0, 1, 2… (see reviewer.rs): map them back first.
        let mine = my_items(&s.cache.state.instances[instance], *stage, reviewer);
        for r in records.iter_mut().filter(|r| r.actor != Actor::System) {
            if !to_instance_items(r, &mine) {
                return Err(ApiError::forbidden(format!(
                    "record \"{}\": a review link can only record your own decisions in the review and stage it was sent for",
                    r.id
                )));
            }
        }
    }
    for r in &records {
        match &who {
            Principal::Administrator { .. } => check_admin_record(r)?,
            Principal::Reviewer { .. } => check_reviewer_record(&s.cache.state, &who, r)?,
        }
    }
    let mut accepted = Vec::new();
    let mut rejected = Vec::new();
    for record in records {
        if record.actor == Actor::System {
            // The server keeps the time; its own clock records are what everyone pulls.
            accepted.push(json!({"id": record.id, "status": "ignored"}));
            continue;
        }
        if s.cache.state.applied_records.contains(&record.id) {
            accepted.push(json!({"id": record.id, "status": "duplicate"}));
            continue;
        }
        if record.at > s.now + CLOCK_SKEW {
            rejected.push(json!({
                "id": record.id,
                "code": "clockAhead",
                "reason": format!("the record is dated {}, ahead of the server's clock ({}); check this device's clock", record.at, s.now),
            }));
            continue;
        }
        match recheck_exact(&s.cache.state, &record) {
            Ok(()) => {
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
    headers: HeaderMap,
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
    let mut s = app.read().await?;
    let out = async {
        let who = authenticate(&headers, &mut s.conn, s.now).await?;
        require_admin(&who)?;
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
    headers: HeaderMap,
) -> ApiResult<Response> {
    let mut s = app.read().await?;
    let out = async {
        let who = authenticate(&headers, &mut s.conn, s.now).await?;
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
    headers: HeaderMap,
) -> ApiResult<Response> {
    let mut s = app.read().await?;
    let out = async {
        let who = authenticate(&headers, &mut s.conn, s.now).await?;
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

#[derive(Deserialize)]
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
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let req: LinkRequest = parse_body(body)?;
    let mut s = app.session().await?;
    let out = async {
        let who = authenticate(&headers, &mut s.conn, s.now).await?;
        require_admin(&who)?;
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
    headers: HeaderMap,
) -> ApiResult<Response> {
    let mut s = app.read().await?;
    let out = async {
        let who = authenticate(&headers, &mut s.conn, s.now).await?;
        require_admin(&who)?;
        let rows = s.conn.outbox(None).await?;
        Ok(Json(json!({"messages": rows})).into_response())
    }
    .await;
    finish(s, out).await
}
