//! Serves the built app (dist/, from scripts/build-dist.sh). App routes have no file: they
//! get an entry page and the app's router takes over. The reviewer's addresses (`/my-reviews` and
//! `/my-reviews/<instance>/<stage>`, what a mail link opens) get reviewer.html, the small
//! reviewer bundle; every other route gets index.html, the administrator's full app.
//! Unknown `/api/...` paths get a JSON 404 instead.

use std::path::{Component, Path};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use tower::ServiceExt;
use tower_http::services::{ServeDir, ServeFile};

use crate::api::ApiError;
use crate::App;

/// Built assets are named after their content: by Trunk (`main-1f2e3d4c5b6a7980.css`), or in
/// a folder named so (`app-attest-1f2e3d4c5b6a7980/chunk_3.wasm`, scripts/build-dist.sh,
/// whose split parts name each other). A new build gets new names, so these may be cached
/// for good.
fn is_hashed(path: &Path) -> bool {
    path.components().any(|c| {
        c.as_os_str().to_str().is_some_and(|name| {
            name.split(['-', '_', '.'])
                .any(|part| part.len() >= 16 && part.bytes().all(|b| b.is_ascii_hexdigit()))
        })
    })
}

/// The reviewer bundle's entry page (reviewer.html at the repository root, built into dist).
const REVIEWER_PAGE: &str = "reviewer.html";

/// The addresses the reviewer bundle has screens for (the app's `/my-reviews` routes).
fn is_reviewer_route(path: &str) -> bool {
    path == "/my-reviews" || path.starts_with("/my-reviews/")
}

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Cached, but checked with the server (Last-Modified) before each use.
const REVALIDATE: &str = "no-cache";

/// Files come with the precompressed copy (`.br`, then `.gz`) the browser accepts, when
/// scripts/compress-dist.sh stored one. index.html is never used unchecked from a cache
/// (it names the current build's assets); hashed assets are immutable.
pub async fn serve(State(app): State<Arc<App>>, req: Request) -> Response {
    let path = req.uri().path().to_string();
    if path == "/api" || path.starts_with("/api/") {
        return ApiError::new(
            StatusCode::NOT_FOUND,
            "notFound",
            "there is no such API endpoint; the API is described in docs/openapi.yaml",
        )
        .into_response();
    }
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return StatusCode::METHOD_NOT_ALLOWED.into_response();
    }
    let Some(dist) = &app.config.dist else {
        return (
            StatusCode::NOT_FOUND,
            "This Attest server was started without the app (see --dist).",
        )
            .into_response();
    };
    let rel = Path::new(path.trim_start_matches('/'));
    // Only plain names: no "..", no root, no hidden files.
    let plain = rel.components().all(|c| match c {
        Component::Normal(s) => !s.to_string_lossy().starts_with('.'),
        _ => false,
    });
    let is_file = plain && !rel.as_os_str().is_empty() && dist.join(rel).is_file();
    if !is_file && rel.extension().is_some() {
        // Looks like an asset that is not there: a 404, not the app's page.
        return (StatusCode::NOT_FOUND, "Not found").into_response();
    }
    // A dist built without the reviewer bundle still serves its reviewers the full app.
    let reviewer = dist.join(REVIEWER_PAGE);
    let index = if is_reviewer_route(&path) && reviewer.is_file() {
        reviewer
    } else {
        dist.join("index.html")
    };
    if !is_file && !index.is_file() {
        return (
            StatusCode::NOT_FOUND,
            "The app is not built here (run make dist).",
        )
            .into_response();
    }
    let (response, cache) = if is_file {
        let cache = if is_hashed(rel) {
            IMMUTABLE
        } else {
            REVALIDATE
        };
        let dir = ServeDir::new(dist)
            .precompressed_br()
            .precompressed_gzip()
            .append_index_html_on_directories(false);
        (dir.oneshot(req).await, cache)
    } else {
        // An app route: its bundle's page, whose router takes over.
        let file = ServeFile::new(index)
            .precompressed_br()
            .precompressed_gzip();
        (file.oneshot(req).await, REVALIDATE)
    };
    let Ok(response) = response;
    let mut response = response.map(Body::new);
    if response.status().is_success() || response.status() == StatusCode::NOT_MODIFIED {
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    response
}
