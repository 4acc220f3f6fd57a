//! Serves the built app (Trunk's dist/ folder). App routes such as
//! `/my-reviews/<instance>/<stage>` have no file: they get index.html and the app's router
//! takes over. Unknown `/api/...` paths get a JSON 404 instead.

use std::path::{Component, Path};
use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

use crate::api::ApiError;
use crate::App;

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        // Browsers compile WebAssembly while it downloads only with this type.
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "json" | "webmanifest" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

pub async fn serve(State(app): State<Arc<App>>, method: Method, uri: Uri) -> Response {
    let path = uri.path();
    if path == "/api" || path.starts_with("/api/") {
        return ApiError::new(
            StatusCode::NOT_FOUND,
            "notFound",
            "there is no such API endpoint; the API is described in docs/openapi.yaml",
        )
        .into_response();
    }
    if method != Method::GET && method != Method::HEAD {
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
    let file = dist.join(rel);
    let (file, is_index) = if plain && !rel.as_os_str().is_empty() && file.is_file() {
        (file, false)
    } else if rel.extension().is_some() {
        // Looks like an asset that is not there: a 404, not the app's page.
        return (StatusCode::NOT_FOUND, "Not found").into_response();
    } else {
        (dist.join("index.html"), true)
    };
    match tokio::fs::read(&file).await {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, content_type(&file)),
                (
                    header::CACHE_CONTROL,
                    if is_index {
                        "no-cache"
                    } else {
                        "public, max-age=3600"
                    },
                ),
            ],
            bytes,
        )
            .into_response(),
        Err(_) => (
            StatusCode::NOT_FOUND,
            "The app is not built here (run trunk build).",
        )
            .into_response(),
    }
}
