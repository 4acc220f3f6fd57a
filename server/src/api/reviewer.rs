//! A reviewer's pull through their link: the records of their compact state.

use std::sync::Arc;

use attest_engine::snapshot::{encode_reviewer_page, REVIEWER_PAGE_TYPE};
use attest_engine::wire::ReviewerPage;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Utc};

use super::auth::{check_link_open, Principal};
use super::{finish, ApiError, ApiResult};
use crate::App;

/// The reviewer's compact state as records (crate::reviewer), which the app folds into a
/// state of its own and shows with the engine's reviewer view, as it shows any review. What
/// the reviewer may see (their items, earlier decisions only when the review shows them) is
/// decided there once, by the engine's `reviewer_view`.
///
/// JSON unless the request accepts the engine's page layout ([`REVIEWER_PAGE_TYPE`]): the
/// reviewer bundle asks for that, so it needs no JSON reader of the records' events.
pub(super) async fn pull(
    axum::extract::State(app): axum::extract::State<Arc<App>>,
    who: Principal,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let in_bytes = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(accepts_page_bytes);
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
        let page = ReviewerPage {
            records,
            cursor: s.cache.cursor,
            reviewer: reviewer.clone(),
            instance: instance.clone(),
            stage: *stage,
            expires_at: DateTime::<Utc>::from_timestamp_millis(*expires_at),
        };
        let vary = (header::VARY, HeaderValue::from_static("accept"));
        Ok(if in_bytes {
            let kind = (
                header::CONTENT_TYPE,
                HeaderValue::from_static(REVIEWER_PAGE_TYPE),
            );
            ([kind, vary], encode_reviewer_page(&page)).into_response()
        } else {
            ([vary], Json(page)).into_response()
        })
    }
    .await;
    finish(s, out).await
}

/// Whether one entry of an `Accept` header asks for the page in bytes: the media type, not
/// refused with `q=0`.
fn accepts_page_bytes(entry: &str) -> bool {
    let mut parts = entry.split(';').map(str::trim);
    parts.next() == Some(REVIEWER_PAGE_TYPE)
        && !parts.any(|p| {
            p.strip_prefix("q=")
                .and_then(|q| q.parse::<f32>().ok())
                .is_some_and(|q| q <= 0.0)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn which_accept_entries_ask_for_the_page_in_bytes() {
        for (entry, asks) in [
            ("application/vnd.attest.reviewer-page", true),
            (" application/vnd.attest.reviewer-page ; q=0.8", true),
            ("application/vnd.attest.reviewer-page;q=0", false),
            ("application/vnd.attest.reviewer-page;q=0.0", false),
            ("application/json", false),
            ("*/*", false),
            ("application/vnd.attest.reviewer-pages", false),
        ] {
            assert_eq!(accepts_page_bytes(entry), asks, "{entry:?}");
        }
    }
}
