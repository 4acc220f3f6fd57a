//! Serving the built app: the precompressed copy the browser accepts, immutable caching for
//! content-hashed assets, the entry pages (and the app routes that get them) always
//! revalidated; mail links (`/my-reviews…`) get the reviewer bundle, everything else the
//! administrator's app.

mod support;

use std::collections::BTreeMap;
use std::net::SocketAddr;

use support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

struct Got {
    status: u16,
    headers: BTreeMap<String, String>,
    body: Vec<u8>,
}

async fn fetch(addr: SocketAddr, method: &str, path: &str, accept_encoding: Option<&str>) -> Got {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if let Some(a) = accept_encoding {
        req.push_str(&format!("Accept-Encoding: {a}\r\n"));
    }
    if method == "POST" {
        req.push_str("Content-Length: 0\r\n");
    }
    req.push_str("\r\n");
    stream.write_all(req.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("no HTTP head");
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let mut lines = head.lines();
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Got {
        status,
        headers,
        body: raw[split + 4..].to_vec(),
    }
}

/// The reviewer bundle's page, with the inline loader script the build writes into it.
const REVIEWER_PAGE: &str = "<!doctype html>reviewer<script type=\"module\">start()</script>";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_is_served_precompressed_and_cached_by_name() {
    let dist = temp_dir("dist");
    let wasm = "attest-0123456789abcdef_bg.wasm";
    let files: &[(&str, &[u8])] = &[
        ("index.html", b"<!doctype html>index"),
        ("index.html.br", b"index as brotli"),
        ("index.html.gz", b"index as gzip"),
        (wasm, b"\0asm raw"),
        ("attest-0123456789abcdef_bg.wasm.br", b"wasm as brotli"),
        ("attest-0123456789abcdef_bg.wasm.gz", b"wasm as gzip"),
        ("favicon.ico", b"icon"),
        ("reviewer.html", REVIEWER_PAGE.as_bytes()),
        ("reviewer.html.br", b"reviewer as brotli"),
        ("reviewer.html.gz", b"reviewer as gzip"),
        ("reviewer-fedcba9876543210_bg.wasm", b"\0asm reviewer"),
        // A split bundle: its parts name each other, their folder names the content.
        ("app-attest-0123456789abcdef/chunk_3.wasm", b"\0asm chunk"),
        (
            "app-attest-0123456789abcdef/chunk_3.wasm.br",
            b"chunk as brotli",
        ),
        ("app-attest-0123456789abcdef/__wasm_split.js", b"loaders"),
        ("app-unhashed/chunk_3.wasm", b"\0asm unhashed"),
    ];
    for (name, bytes) in files {
        let path = dist.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
    std::fs::write(dist.parent().unwrap().join("secret.txt"), "not for you").unwrap();
    let s = serve_with(Backend::Sqlite, |c| c.dist = Some(dist.clone())).await;
    const IMMUTABLE: &str = "public, max-age=31536000, immutable";
    let wasm_path = format!("/{wasm}");
    // (method, path, Accept-Encoding) -> (status, body, Content-Encoding, Cache-Control)
    let table: &[(
        &str,
        &str,
        Option<&str>,
        u16,
        &str,
        Option<&str>,
        Option<&str>,
    )] = &[
        (
            "GET",
            &wasm_path,
            Some("gzip, deflate, br"),
            200,
            "wasm as brotli",
            Some("br"),
            Some(IMMUTABLE),
        ),
        (
            "GET",
            &wasm_path,
            Some("gzip"),
            200,
            "wasm as gzip",
            Some("gzip"),
            Some(IMMUTABLE),
        ),
        (
            "GET",
            &wasm_path,
            Some("br;q=0, gzip"),
            200,
            "wasm as gzip",
            Some("gzip"),
            Some(IMMUTABLE),
        ),
        (
            "GET",
            &wasm_path,
            None,
            200,
            "\0asm raw",
            None,
            Some(IMMUTABLE),
        ),
        (
            "GET",
            "/",
            Some("br"),
            200,
            "index as brotli",
            Some("br"),
            Some("no-cache"),
        ),
        (
            "GET",
            "/",
            None,
            200,
            "<!doctype html>index",
            None,
            Some("no-cache"),
        ),
        (
            "GET",
            "/my-reviews/q1~0~g-sales/1?reviewer=u-ada",
            Some("gzip"),
            200,
            "reviewer as gzip",
            Some("gzip"),
            Some("no-cache"),
        ),
        (
            "GET",
            "/my-reviews",
            Some("br"),
            200,
            "reviewer as brotli",
            Some("br"),
            Some("no-cache"),
        ),
        (
            "GET",
            "/my-reviews/q1~0~g-sales/1",
            None,
            200,
            REVIEWER_PAGE,
            None,
            Some("no-cache"),
        ),
        (
            "GET",
            "/reviewer-fedcba9876543210_bg.wasm",
            None,
            200,
            "\0asm reviewer",
            None,
            Some(IMMUTABLE),
        ),
        (
            "GET",
            "/app-attest-0123456789abcdef/chunk_3.wasm",
            Some("br"),
            200,
            "chunk as brotli",
            Some("br"),
            Some(IMMUTABLE),
        ),
        (
            "GET",
            "/app-attest-0123456789abcdef/__wasm_split.js",
            None,
            200,
            "loaders",
            None,
            Some(IMMUTABLE),
        ),
        (
            "GET",
            "/app-unhashed/chunk_3.wasm",
            None,
            200,
            "\0asm unhashed",
            None,
            Some("no-cache"),
        ),
        (
            "GET",
            "/app-attest-0123456789abcdef/chunk_4.wasm",
            None,
            404,
            "Not found",
            None,
            None,
        ),
        // Only the reviewer's own addresses: look-alikes and admin screens get the full app.
        (
            "GET",
            "/my-reviewsx",
            Some("gzip"),
            200,
            "index as gzip",
            Some("gzip"),
            Some("no-cache"),
        ),
        (
            "GET",
            "/reviews/q1~0~g-sales",
            Some("gzip"),
            200,
            "index as gzip",
            Some("gzip"),
            Some("no-cache"),
        ),
        (
            "GET",
            "/settings",
            None,
            200,
            "<!doctype html>index",
            None,
            Some("no-cache"),
        ),
        (
            "GET",
            "/favicon.ico",
            None,
            200,
            "icon",
            None,
            Some("no-cache"),
        ),
        (
            "GET",
            "/missing-0123456789abcdef.js",
            Some("br"),
            404,
            "Not found",
            None,
            None,
        ),
        ("GET", "/../secret.txt", None, 404, "Not found", None, None),
        (
            "GET",
            "/%2e%2e/secret.txt",
            None,
            404,
            "Not found",
            None,
            None,
        ),
        ("POST", "/", None, 405, "", None, None),
    ];
    for &(method, path, accept, status, body, encoding, cache) in table {
        let got = fetch(s.addr(), method, path, accept).await;
        let what = format!("{method} {path} (Accept-Encoding {accept:?})");
        assert_eq!(got.status, status, "{what}");
        assert_eq!(String::from_utf8_lossy(&got.body), body, "{what}");
        assert_eq!(
            got.headers.get("content-encoding").map(String::as_str),
            encoding,
            "{what}"
        );
        assert_eq!(
            got.headers.get("cache-control").map(String::as_str),
            cache,
            "{what}"
        );
        if status == 200 {
            assert_eq!(got.headers["vary"], "accept-encoding", "{what}");
        }
    }
    // The reviewer bundle's loader may run: the policy allows its inline script by hash.
    let csp = &fetch(s.addr(), "GET", "/my-reviews", None).await.headers["content-security-policy"];
    let loader = {
        use base64::Engine as _;
        use sha2::Digest as _;
        base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(b"start()"))
    };
    assert!(csp.contains(&format!("'sha256-{loader}'")), "{csp}");

    // A dist built without the reviewer bundle: mail links still open (the full app).
    std::fs::remove_file(dist.join("reviewer.html")).unwrap();
    let got = fetch(s.addr(), "GET", "/my-reviews/q1~0~g-sales/1", None).await;
    assert_eq!(
        (got.status, String::from_utf8_lossy(&got.body).as_ref()),
        (200, "<!doctype html>index")
    );
    let wasm_type = fetch(s.addr(), "GET", &wasm_path, Some("br")).await;
    assert_eq!(
        wasm_type.headers["content-type"], "application/wasm",
        "browsers compile WebAssembly while it downloads only with this type"
    );
}

/// The body of a `Transfer-Encoding: chunked` answer joined back together.
fn unchunk(mut raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let line_end = raw
            .windows(2)
            .position(|w| w == b"\r\n")
            .expect("chunk size line");
        let size = usize::from_str_radix(std::str::from_utf8(&raw[..line_end]).unwrap().trim(), 16)
            .expect("hex chunk size");
        raw = &raw[line_end + 2..];
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&raw[..size]);
        raw = &raw[size + 2..];
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_answers_are_compressed_as_the_client_accepts_and_decode_to_the_same_json() {
    use std::io::Read;
    let s = serve(Backend::Sqlite).await;
    let mut admin = AdminClient::new(s.addr()).await;
    start_review(
        &mut admin,
        tenant(4, 25),
        definition("q1", chrono::Utc::now(), false),
    )
    .await;
    let path = "/api/v1/records?after=0&limit=100";
    let addr = s.addr();
    let get = |accept: Option<&'static str>| {
        let token = admin.token.clone();
        async move {
            let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
            let mut req = format!(
                "GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\nAuthorization: Bearer {token}\r\n"
            );
            if let Some(a) = accept {
                req.push_str(&format!("Accept-Encoding: {a}\r\n"));
            }
            req.push_str("\r\n");
            stream.write_all(req.as_bytes()).await.unwrap();
            let mut raw = Vec::new();
            stream.read_to_end(&mut raw).await.unwrap();
            let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
            let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
            let header = |name: &str| {
                head.lines()
                    .filter_map(|l| l.split_once(':'))
                    .find(|(k, _)| k.trim() == name)
                    .map(|(_, v)| v.trim().to_string())
            };
            let mut body = raw[split + 4..].to_vec();
            if header("transfer-encoding").as_deref() == Some("chunked") {
                body = unchunk(&body);
            }
            assert!(head.starts_with("http/1.1 200"), "{head}");
            (header("content-encoding"), body)
        }
    };
    let (plain_encoding, plain) = get(None).await;
    assert_eq!(plain_encoding, None);
    let expected: serde_json::Value = serde_json::from_slice(&plain).unwrap();
    assert!(
        expected["records"].as_array().is_some_and(|r| r.len() >= 2),
        "the pull holds the import and the review: {expected}"
    );
    // Accept-Encoding -> the encoding sent
    let table: &[(&str, &str)] = &[
        ("gzip", "gzip"),
        ("br", "br"),
        ("gzip, deflate, br", "br"),
        ("br;q=0, gzip", "gzip"),
    ];
    for &(accept, sent) in table {
        let (encoding, body) = get(Some(accept)).await;
        assert_eq!(encoding.as_deref(), Some(sent), "Accept-Encoding: {accept}");
        assert!(
            body.len() * 3 < plain.len(),
            "{accept}: {} bytes compressed of {}",
            body.len(),
            plain.len()
        );
        let mut decoded = Vec::new();
        match sent {
            "gzip" => flate2::read::GzDecoder::new(&body[..])
                .read_to_end(&mut decoded)
                .unwrap(),
            _ => brotli::Decompressor::new(&body[..], 4096)
                .read_to_end(&mut decoded)
                .unwrap(),
        };
        let got: serde_json::Value = serde_json::from_slice(&decoded).unwrap();
        assert_eq!(got, expected, "Accept-Encoding: {accept}");
    }
}
