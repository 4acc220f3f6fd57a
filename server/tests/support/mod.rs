//! Test harness: a real server on a loopback port over a real SQLite file or a real
//! PostgreSQL cluster (started here, in a temp dir, on a free port), a plain HTTP/1.1
//! client, and a small tenant to review.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command as Process;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use attest_engine::definition::*;
use attest_engine::directory::*;
use attest_engine::event::{Event, ItemDecision, Record, RECORD_VERSION};
use attest_engine::instance::{Decision, DecisionSource};
use attest_engine::{apply, Actor, Command, Context, State};
use attest_server::{start, Clock, Config, Server, Storage};
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

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
// PostgreSQL: one throwaway cluster per test process

pub struct Cluster {
    pub url: String,
    bin: PathBuf,
    data: PathBuf,
    log: PathBuf,
    opts: String,
}

impl Cluster {
    /// Stop the cluster the way an operator's restart does (`pg_ctl restart -m fast`:
    /// clients are disconnected, committed work is kept) and wait until it answers again.
    pub fn restart(&self) {
        run(
            pg_tool(&self.bin, "pg_ctl")
                .args(["-w", "-t", "60", "-m", "fast", "-D"])
                .arg(&self.data)
                .args(["-o", &self.opts, "-l"])
                .arg(&self.log)
                .arg("restart"),
            "pg_ctl restart",
        );
    }

    /// A fresh, empty database in this cluster.
    pub async fn database(&self) -> Storage {
        let name = format!("attest_test_{}", unique());
        let (client, conn) =
            tokio_postgres::connect(&format!("{}/postgres", self.url), tokio_postgres::NoTls)
                .await
                .unwrap_or_else(|e| {
                    panic!("cannot connect to the test PostgreSQL at {}: {e}", self.url)
                });
        tokio::spawn(conn);
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .await
            .unwrap();
        Storage::Postgres(format!("{}/{name}", self.url))
    }
}

fn run(cmd: &mut Process, what: &str) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("PostgreSQL test cluster: cannot run {what}: {e}"));
    assert!(
        out.status.success(),
        "PostgreSQL test cluster: {what} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn postgres_bin() -> PathBuf {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL is not installed (run scripts/setup.sh, which installs Debian's postgresql)")
        .filter_map(|e| {
            let e = e.ok()?;
            let v: u32 = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").is_file().then_some((v, bin))
        })
        .collect();
    versions.sort();
    versions
        .pop()
        .expect("no initdb under /usr/lib/postgresql/*/bin (run scripts/setup.sh)")
        .1
}

fn is_root() -> bool {
    Process::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// initdb refuses to run as root: run the server's tools as the `postgres` user then.
fn pg_tool(bin: &Path, tool: &str) -> Process {
    if is_root() {
        let mut p = Process::new("runuser");
        p.args(["-u", "postgres", "--"]).arg(bin.join(tool));
        p
    } else {
        Process::new(bin.join(tool))
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A cluster of the test's own (for tests that restart it, and the load command).
/// `durable_commits` runs it as production does (fsync, synchronous_commit and
/// full_page_writes on): a commit is on disk before it is acknowledged. The shared cluster
/// turns them off for speed.
pub fn start_cluster(durable_commits: bool) -> Cluster {
    let bin = postgres_bin();
    let dir = temp_dir("postgres");
    let data = dir.join("data");
    if is_root() {
        run(
            Process::new("chown").args(["-R", "postgres:"]).arg(&dir),
            "chown",
        );
    }
    run(
        pg_tool(&bin, "initdb")
            .args([
                "-A",
                "trust",
                "-U",
                "attest",
                "--no-sync",
                "-E",
                "UTF8",
                "-D",
            ])
            .arg(&data),
        "initdb",
    );
    let port = free_port();
    let opts = format!(
        "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync={on} -c synchronous_commit={on} -c full_page_writes={on}",
        dir.display(),
        on = if durable_commits { "on" } else { "off" },
    );
    run(
        pg_tool(&bin, "pg_ctl")
            .args(["-w", "-t", "60", "-D"])
            .arg(&data)
            .args(["-o", &opts, "-l"])
            .arg(dir.join("log"))
            .arg("start"),
        "pg_ctl start",
    );
    // The scratch watcher stops the cluster when this test process exits.
    let stop = format!(
        "{runas}{pg_ctl} -D {data} -m immediate stop >/dev/null 2>&1\n",
        runas = if is_root() {
            "runuser -u postgres -- "
        } else {
            ""
        },
        pg_ctl = bin.join("pg_ctl").display(),
        data = data.display(),
    );
    // Several clusters may run in one test process: each adds its line.
    std::io::Write::write_all(
        &mut std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(scratch().join("stop.sh"))
            .unwrap(),
        stop.as_bytes(),
    )
    .unwrap();
    Cluster {
        url: format!("postgres://attest@127.0.0.1:{port}"),
        log: dir.join("log"),
        bin,
        data,
        opts,
    }
}

/// The test cluster's base URL (no database name).
pub fn postgres_url() -> String {
    static CLUSTER: OnceLock<Cluster> = OnceLock::new();
    CLUSTER.get_or_init(|| start_cluster(false)).url.clone()
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

// ---------------------------------------------------------------------------------------
// A tenant to review

pub fn user(id: &str, manager: Option<&str>) -> User {
    User {
        id: id.into(),
        display_name: id[..1].to_uppercase() + &id[1..],
        user_principal_name: format!("{id}@contoso.com"),
        user_type: UserType::Member,
        manager: manager.map(Into::into),
        account_enabled: true,
        created: Utc::now() - Duration::days(1000),
        last_sign_in: Some(Utc::now() - Duration::days(1)),
        department: None,
    }
}

/// `managers` managers, each managing `per_manager` members of the group "g-sales", which
/// olivia and oscar own.
pub fn tenant(managers: usize, per_manager: usize) -> Directory {
    let mut d = Directory::default();
    let mut members = Vec::new();
    for owner in ["olivia", "oscar"] {
        d.users.insert(owner.into(), user(owner, None));
    }
    for m in 0..managers {
        let manager = format!("manager{m:03}");
        d.users.insert(manager.clone(), user(&manager, None));
        for i in 0..per_manager {
            let id = format!("user{m:03}x{i:04}");
            d.users.insert(id.clone(), user(&id, Some(&manager)));
            members.push(Principal::User(id));
        }
    }
    d.groups.insert(
        "g-sales".into(),
        Group {
            id: "g-sales".into(),
            display_name: "Sales".into(),
            kind: GroupKind::Security,
            membership: Membership::Assigned,
            on_premises_sync: false,
            mail_enabled: false,
            owners: vec!["olivia".into(), "oscar".into()],
            members,
        },
    );
    d
}

/// A review of g-sales starting at `start`: stage 1 by managers, then (when `two_stage`)
/// stage 2 by the owners, blind to stage 1's decisions.
pub fn definition(id: &str, start: DateTime<Utc>, two_stage: bool) -> ReviewDefinition {
    let stage = |reviewers| StageSettings {
        reviewers,
        fallback_reviewers: vec!["olivia".into()],
        duration_days: 7,
        recommendations: false,
    };
    let mut stages = vec![stage(Reviewers::Managers)];
    if two_stage {
        stages.push(stage(Reviewers::ResourceOwners));
    }
    let mut def = attest_engine::templates::blank(id, start);
    def.name = format!("Review {id}");
    def.description_for_reviewers = "Please confirm who still needs access.".into();
    def.scope.resources = vec!["g-sales".into()];
    def.stages = stages;
    def
}

/// Import the tenant and create a review starting now; returns the started instance's id.
pub async fn start_review(
    admin: &mut AdminClient,
    dir: Directory,
    def: ReviewDefinition,
) -> String {
    let now = Utc::now();
    let r = admin
        .run(
            Command::ImportDirectory {
                directory: Box::new(dir),
                source: "test".into(),
            },
            now,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = admin
        .run(
            Command::CreateReview {
                definition: Box::new(def),
            },
            now,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let id = admin
        .state
        .instances
        .keys()
        .next()
        .expect("the review started on the server")
        .clone();
    id
}

/// Items of `instance` per reviewer in `stage`.
pub fn items_by_reviewer(
    state: &State,
    instance: &str,
    stage: usize,
) -> BTreeMap<String, Vec<u32>> {
    let inst = &state.instances[instance];
    let mut by: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    for (i, it) in inst.items.iter().enumerate() {
        if it.stage != stage {
            continue;
        }
        for r in inst.reviewers_of(it, stage) {
            by.entry(r.clone()).or_default().push(i as u32);
        }
    }
    by
}

/// Issue a link for `reviewer` as the administrator; returns the link token.
pub async fn link(
    addr: SocketAddr,
    admin_token: &str,
    instance: &str,
    stage: usize,
    reviewer: &str,
) -> String {
    let r = post(
        addr,
        "/api/v1/links",
        Some(admin_token),
        &json!({"instance": instance, "stage": stage, "reviewer": reviewer}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.body["token"].as_str().unwrap().to_string()
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
