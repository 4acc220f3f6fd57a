//! PostgreSQL: one throwaway cluster per test process (and clusters of a test's own).

use std::path::{Path, PathBuf};
use std::process::Command as Process;
use std::sync::OnceLock;

use attest_server::Storage;

use super::{scratch, temp_dir, unique};

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
