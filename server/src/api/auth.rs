//! Who is asking: an administrator's session or a reviewer's link, from the bearer token.

use std::sync::Arc;

use attest_engine::State;
use axum::extract::FromRequestParts;
use axum::http::{header, HeaderMap};

use super::{ApiError, ApiResult};
use crate::{token, App};

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
pub(super) fn bearer(headers: &HeaderMap) -> ApiResult<&str> {
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
pub(super) fn check_link_open(state: &State, who: &Principal) -> ApiResult<()> {
    if let Principal::Reviewer {
        instance, stage, ..
    } = who
    {
        // The engine's rule, as the reviewer's page applies it.
        let open = state
            .instances
            .get(instance)
            .is_some_and(|inst| attest_engine::view::stage_closed(inst, *stage).is_none());
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

pub(super) fn require_admin(who: &Principal) -> ApiResult<&str> {
    match who {
        Principal::Administrator { name, .. } => Ok(name),
        Principal::Reviewer { .. } => Err(ApiError::forbidden(
            "a review link opens only its own reviewer page; this needs an administrator",
        )),
    }
}
