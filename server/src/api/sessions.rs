//! Health, administrators' sign-in and sign-out, and `/me`.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use attest_engine::wire::{Me, Session, SignIn};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::ConnectInfo;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Utc};
use serde_json::json;

use super::auth::{check_link_open, require_admin, Principal};
use super::{finish, parse_body, ApiError, ApiResult};
use crate::db::TokenRow;
use crate::{token, App};

pub(super) async fn health(axum::extract::State(app): axum::extract::State<Arc<App>>) -> Response {
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

/// The client's address (loopback when the request did not come through `serve::run`).
pub(super) fn client_ip(extensions: &axum::http::Extensions) -> IpAddr {
    extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::LOCALHOST), |c| c.0.ip())
}

pub(super) async fn sign_in(
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
        Json(Session {
            token: tok,
            name: name.to_string(),
            expires_at: expires,
        }),
    )
        .into_response())
}

pub(super) async fn sign_out(
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
pub(super) async fn end_all_sessions(
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

pub(super) async fn me(
    axum::extract::State(app): axum::extract::State<Arc<App>>,
    who: Principal,
) -> ApiResult<Json<Me>> {
    if let Principal::Reviewer { .. } = &who {
        // Only a link depends on the review's state (its stage must still be open).
        let s = app.read().await?;
        let out = check_link_open(&s.cache.state, &who);
        finish(s, out).await?;
    }
    Ok(Json(match who {
        Principal::Administrator { name, .. } => Me::Administrator { name },
        Principal::Reviewer {
            reviewer,
            instance,
            stage,
            expires_at,
        } => Me::Reviewer {
            reviewer,
            instance,
            stage,
            expires_at: DateTime::<Utc>::from_timestamp_millis(expires_at),
        },
    }))
}
