//! Test harness: a real server on a loopback port over a real SQLite file or a real
//! PostgreSQL cluster (started here, in a temp dir, on a free port), a plain HTTP/1.1
//! client, and a small tenant to review.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command as Process;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use attest_engine::event::{Event, ItemDecision, Record, RECORD_VERSION};
use attest_engine::instance::{Decision, DecisionSource};
use attest_engine::{apply, Actor, Command, Context, State};
use attest_server::{start, Clock, Config, Server, Storage};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub mod load;
mod postgres;
mod tenant;
#[allow(unused_imports)]
pub use postgres::*;
#[allow(unused_imports)]
pub use tenant::*;

pub const SECRET: &str = "correct horse battery staple";

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

static NEXT: AtomicUsize = AtomicUsize::new(0);

fn unique() -> usize {
    NEXT.fetch_add(1, Ordering::SeqCst)
}

/// This test process's scratch folder. A watcher deletes it (after running its stop.sh,
/// which stops the PostgreSQL cluster) once the process has exited, however it exits.
fn scratch() -> &'static Path {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| {
        let root = std::env::temp_dir().join(format!("attest-server-test-{}", std::process::id()));
        std::fs::create_dir_all(&root).unwrap();
        let watch = format!(
            "while kill -0 {pid} 2>/dev/null; do sleep 0.5; done; [ -f {root}/stop.sh ] && sh {root}/stop.sh; rm -rf {root}",
            pid = std::process::id(),
            root = root.display(),
        );
        Process::new("sh")
            .args(["-c", &watch])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("cannot start the clean-up watcher");
        root
    })
}

pub fn temp_dir(what: &str) -> PathBuf {
    let dir = scratch().join(format!("{}-{what}", unique()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Fresh, empty storage for one test.
pub async fn storage(backend: Backend) -> Storage {
    match backend {
        Backend::Sqlite => Storage::Sqlite(temp_dir("sqlite").join("attest.db")),
        Backend::Postgres => {
            let base = postgres_url();
            let name = format!("attest_test_{}", unique());
            let (client, conn) =
                tokio_postgres::connect(&format!("{base}/postgres"), tokio_postgres::NoTls)
                    .await
                    .unwrap_or_else(|e| {
                        panic!("cannot connect to the test PostgreSQL at {base}: {e}")
                    });
            tokio::spawn(conn);
            client
                .batch_execute(&format!("CREATE DATABASE {name}"))
                .await
                .unwrap();
            Storage::Postgres(format!("{base}/{name}"))
        }
    }
}

// ---------------------------------------------------------------------------------------
// Server and HTTP

pub struct TestServer {
    pub server: Server,
    pub clock: Clock,
}

impl TestServer {
    pub fn addr(&self) -> SocketAddr {
        self.server.addr
    }
}

pub async fn serve(backend: Backend) -> TestServer {
    serve_with(backend, |_| {}).await
}

pub async fn serve_with(backend: Backend, configure: impl FnOnce(&mut Config)) -> TestServer {
    serve_on(storage(backend).await, configure).await
}

/// A server on the given storage (several servers may share one database).
pub async fn serve_on(storage: Storage, configure: impl FnOnce(&mut Config)) -> TestServer {
    let mut config = Config::new(storage, SECRET);
    config.listen = "127.0.0.1:0".parse().unwrap();
    configure(&mut config);
    let clock = Clock::default();
    let server = start(config, clock.clone())
        .await
        .unwrap_or_else(|e| panic!("server did not start: {e}"));
    TestServer { server, clock }
}

#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
    pub text: String,
}

/// A raw HTTP/1.1 exchange: status, head (lower-cased) and body.
pub async fn raw(addr: std::net::SocketAddr, request: &str, body: &[u8]) -> (u16, String, String) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let _ = stream.write_all(body).await;
    let mut out = Vec::new();
    let _ = stream.read_to_end(&mut out).await;
    let text = String::from_utf8_lossy(&out).to_string();
    let (head, rest) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, head.to_ascii_lowercase(), rest.to_string())
}

/// A GET with `accept`: status, head (lower-cased) and the body's bytes as sent (chunks
/// joined), for answers that are not text.
pub async fn get_bytes(
    addr: SocketAddr,
    path: &str,
    token: &str,
    accept: &str,
) -> (u16, String, Vec<u8>) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let req = request(
        "GET",
        path,
        Some(&format!("Bearer {token}")),
        &format!("Accept: {accept}\r\n"),
        b"",
    );
    stream.write_all(req.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    let _ = stream.read_to_end(&mut out).await;
    let split = out
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("an HTTP answer");
    let head = String::from_utf8_lossy(&out[..split]).to_ascii_lowercase();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    let mut rest = &out[split + 4..];
    if !head.contains("transfer-encoding: chunked") {
        return (status, head, rest.to_vec());
    }
    let mut body = Vec::new();
    while let Some(eol) = rest.windows(2).position(|w| w == b"\r\n") {
        let size = std::str::from_utf8(&rest[..eol]).unwrap().trim();
        let n = usize::from_str_radix(size, 16).unwrap();
        if n == 0 {
            break;
        }
        body.extend_from_slice(&rest[eol + 2..eol + 2 + n]);
        rest = &rest[eol + 2 + n + 2..];
    }
    (status, head, body)
}

pub fn request(method: &str, path: &str, auth: Option<&str>, extra: &str, body: &[u8]) -> String {
    let mut r = format!("{method} {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n{extra}");
    if let Some(a) = auth {
        r.push_str(&format!("Authorization: {a}\r\n"));
    }
    if !body.is_empty() || method == "POST" {
        r.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    r.push_str("\r\n");
    r
}

/// A reviewer's one-item decision record (stage 1), as a link's page sends it.
pub fn reviewer_decision(
    id: &str,
    reviewer: &str,
    instance: &str,
    item: u32,
    justification: String,
) -> Record {
    Record {
        v: RECORD_VERSION,
        id: id.into(),
        at: Utc::now(),
        actor: Actor::User {
            id: reviewer.into(),
        },
        reason: None,
        events: vec![Event::DecisionsRecorded {
            instance: instance.into(),
            stage: 0,
            reviewer: reviewer.into(),
            source: DecisionSource::Reviewer,
            decisions: vec![ItemDecision {
                item,
                decision: Decision::Deny,
                justification,
            }],
        }],
    }
}

/// One HTTP/1.1 request on a fresh connection.
pub async fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&[u8]>,
) -> Reply {
    try_http(addr, method, path, token, body)
        .await
        .unwrap_or_else(|e| panic!("{method} {path}: {e}"))
}

/// `http`, for a server that may be gone: None when it cannot be reached or hung up
/// without an answer.
pub async fn try_http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&[u8]>,
) -> Result<Reply, String> {
    let mut stream = tokio::net::TcpStream::connect(addr)
        .await
        .map_err(|e| format!("cannot connect to {addr}: {e}"))?;
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if let Some(t) = token {
        req.push_str(&format!("Authorization: Bearer {t}\r\n"));
    }
    let body = body.unwrap_or_default();
    if !body.is_empty() || method == "POST" {
        req.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    req.push_str("\r\n");
    stream
        .write_all(req.as_bytes())
        .await
        .map_err(|e| format!("cannot send: {e}"))?;
    // The server may answer (e.g. 413) before reading all of a large body.
    let _ = stream.write_all(body).await;
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw).await;
    let text = String::from_utf8_lossy(&raw).to_string();
    let (head, rest) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| format!("no HTTP response: {text:?}"))?;
    let status: u16 = head.split(' ').nth(1).unwrap().parse().unwrap();
    let chunked = head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked");
    let body_text = if chunked {
        dechunk(rest)
    } else {
        rest.to_string()
    };
    Ok(Reply {
        status,
        body: serde_json::from_str(&body_text).unwrap_or(Value::Null),
        text: body_text,
    })
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        out.push_str(&rest[..n]);
        s = &rest[n + 2..];
    }
    out
}

pub async fn get(addr: SocketAddr, path: &str, token: Option<&str>) -> Reply {
    http(addr, "GET", path, token, None).await
}

/// A reviewer's page as the app shows it: their compact records pulled through the link,
/// folded, and read with the engine's reviewer view (under `body["view"]`). Refusals come
/// back as the server sent them.
pub async fn reviewer_page(addr: SocketAddr, token: &str) -> Reply {
    let mut r = get(addr, "/api/v1/reviewer/records", Some(token)).await;
    if r.status != 200 {
        return r;
    }
    let records: Vec<Record> = serde_json::from_value(r.body["records"].clone()).unwrap();
    let (instance, stage, reviewer) = (
        r.body["instance"].as_str().unwrap().to_string(),
        r.body["stage"].as_u64().unwrap() as usize,
        r.body["reviewer"].as_str().unwrap().to_string(),
    );
    let view = attest_engine::view::reviewer_view(
        &attest_engine::replay(&records),
        &instance,
        stage,
        &reviewer,
    )
    .unwrap_or_else(|e| panic!("the app could not show the pulled page: {e}"));
    r.body["view"] = serde_json::to_value(view).unwrap();
    r.text = r.body.to_string();
    r
}

pub async fn post(addr: SocketAddr, path: &str, token: Option<&str>, body: &Value) -> Reply {
    http(addr, "POST", path, token, Some(body.to_string().as_bytes())).await
}

pub async fn sign_in(addr: SocketAddr) -> String {
    let r = post(
        addr,
        "/api/v1/session",
        None,
        &json!({"secret": SECRET, "name": "Ada Admin"}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.body["token"].as_str().unwrap().to_string()
}

pub async fn push(addr: SocketAddr, token: &str, records: &[Record]) -> Reply {
    post(
        addr,
        "/api/v1/records",
        Some(token),
        &json!({ "records": records }),
    )
    .await
}

/// Every record after `after`, following the cursor page by page.
pub async fn pull_all(addr: SocketAddr, token: &str, after: i64, limit: i64) -> (Vec<Record>, i64) {
    let mut cursor = after;
    let mut out = Vec::new();
    loop {
        let r = get(
            addr,
            &format!("/api/v1/records?after={cursor}&limit={limit}"),
            Some(token),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.text);
        let page: Vec<Record> = serde_json::from_value(r.body["records"].clone()).unwrap();
        out.extend(page);
        cursor = r.body["cursor"].as_i64().unwrap();
        if !r.body["more"].as_bool().unwrap() {
            return (out, cursor);
        }
    }
}

/// An administrator's browser: a local state kept in step by pulling, and commands decided
/// locally then pushed, as the app does.
pub struct AdminClient {
    pub addr: SocketAddr,
    pub token: String,
    pub state: State,
    pub cursor: i64,
    next: usize,
}

impl AdminClient {
    pub async fn new(addr: SocketAddr) -> AdminClient {
        AdminClient {
            addr,
            token: sign_in(addr).await,
            state: State::default(),
            cursor: 0,
            next: 0,
        }
    }

    pub async fn pull(&mut self) {
        let (records, cursor) = pull_all(self.addr, &self.token, self.cursor, 100).await;
        for r in &records {
            apply(&mut self.state, r);
        }
        self.cursor = cursor;
    }

    /// Decide `cmd` locally as the administrator and return the record (not yet pushed).
    pub fn record(&mut self, cmd: Command, at: DateTime<Utc>) -> Record {
        self.next += 1;
        let ctx = Context {
            actor: admin(),
            now: at,
            record_id: format!("admin-{}-{}", unique(), self.next),
            reason: None,
        };
        self.state
            .prepare(&cmd, &ctx)
            .expect("the test's own command is refused locally")
            .expect("the command changes nothing")
    }

    /// Decide, push, and pull back what the server did.
    pub async fn run(&mut self, cmd: Command, at: DateTime<Utc>) -> Reply {
        let record = self.record(cmd, at);
        let r = push(self.addr, &self.token.clone(), &[record]).await;
        self.pull().await;
        r
    }
}

pub fn admin() -> Actor {
    Actor::Administrator {
        name: "Ada Admin".into(),
    }
}

/// A reviewer's decision record, as the app builds it from a link.
pub fn decision_record(
    id: &str,
    reviewer: &str,
    instance: &str,
    stage: usize,
    decisions: &[(u32, Decision)],
    at: DateTime<Utc>,
) -> Record {
    Record {
        v: RECORD_VERSION,
        id: id.into(),
        at,
        actor: Actor::User {
            id: reviewer.into(),
        },
        reason: None,
        events: vec![Event::DecisionsRecorded {
            instance: instance.into(),
            stage,
            reviewer: reviewer.into(),
            source: DecisionSource::Reviewer,
            decisions: decisions
                .iter()
                .map(|&(item, decision)| ItemDecision {
                    item,
                    decision,
                    justification: format!("{reviewer} says {decision:?} on {item}"),
                })
                .collect(),
        }],
    }
}

/// One test per backend: `on_both!(f, g)` runs each `async fn f(Backend)` once on SQLite and
/// once on PostgreSQL, as `f::sqlite` and `f::postgres`.
#[allow(unused_macros)]
macro_rules! on_both {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name(Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name(Backend::Postgres).await
            }
        }
    )*};
}
#[allow(unused_imports)]
pub(crate) use on_both;
