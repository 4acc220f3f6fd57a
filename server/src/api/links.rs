//! Reviewer links (issued and withdrawn by administrators) and the notification outbox.

use std::sync::Arc;

use attest_engine::view::{reviewer_view, ViewError};
use attest_engine::wire::{Link, LinkRequest};
use attest_engine::State;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Utc};
use serde_json::json;

use super::auth::{require_admin, Principal};
use super::{finish, parse_body, ApiError, ApiResult};
use crate::db::{Conn, TokenRow};
use crate::{token, App};

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

pub(super) async fn create_link(
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
            Json(Link {
                token: tok,
                link,
                expires_at: expires,
            }),
        )
            .into_response())
    }
    .await;
    finish(s, out).await
}

pub(super) async fn outbox(
    axum::extract::State(app): axum::extract::State<Arc<App>>,
    who: Principal,
) -> ApiResult<Response> {
    require_admin(&who)?;
    let mut s = app.read().await?;
    let out = async {
        let rows = s.conn().await?.outbox(None).await?;
        // Each message's posts to the webhook routes, with every attempt.
        let webhooks = s.conn().await?.webhook_deliveries().await?;
        Ok(Json(json!({"messages": rows, "webhooks": webhooks})).into_response())
    }
    .await;
    finish(s, out).await
}

/// Withdraw a reviewer's links for one stage of one instance (all of them, however many
/// were issued); the reviewer's page stops working at its next request.
pub(super) async fn revoke_link(
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
