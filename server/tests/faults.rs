//! Faults, bounded to a few seconds each: the database restarts under load, and two
//! servers on one database race conflicting commands.

mod support;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use attest_engine::event::Event;
use attest_engine::instance::Decision;
use attest_engine::{replay, Command};
use attest_server::Storage;
use chrono::Utc;
use support::*;

fn expected(item: u32) -> Decision {
    if item % 3 == 0 {
        Decision::Deny
    } else {
        Decision::Approve
    }
}

/// PostgreSQL restarts while 10 reviewers push one decision per request. Every reviewer
/// retries what was not acknowledged (same record id), as the app does. The server answers
/// again within 10 s of the database, and every decision is stored exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_restart_mid_load_loses_and_doubles_nothing() {
    let cluster = Arc::new(
        tokio::task::spawn_blocking(|| start_cluster(true))
            .await
            .unwrap(),
    );
    let s = serve_on(cluster.database().await, |_| {}).await;
    let addr = s.addr();
    let mut admin = AdminClient::new(addr).await;
    let instance = start_review(
        &mut admin,
        tenant(10, 40),
        definition("r", Utc::now(), false),
    )
    .await;
    let (_, cursor_before) = pull_all(addr, &admin.token, 0, 1000).await;
    let by = items_by_reviewer(&admin.state, &instance, 0);
    let total: usize = by.values().map(Vec::len).sum();
    let acked = Arc::new(AtomicUsize::new(0));
    let refused = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for (reviewer, items) in by {
        let token = link(addr, &admin.token, &instance, 0, &reviewer).await;
        let (instance, acked, refused) = (instance.clone(), acked.clone(), refused.clone());
        tasks.push(tokio::spawn(async move {
            // Bounded: a push not acknowledged within 60 s fails the test.
            let deadline = Instant::now() + Duration::from_secs(60);
            for (n, &item) in items.iter().enumerate() {
                let record = decision_record(
                    &format!("{reviewer}-{n}"),
                    &reviewer,
                    &instance,
                    0,
                    &[(n as u32, expected(item))],
                    Utc::now(),
                );
                loop {
                    let r = push(addr, &token, std::slice::from_ref(&record)).await;
                    if r.status == 200 {
                        let status = r.body["accepted"][0]["status"].as_str().unwrap();
                        assert!(["stored", "duplicate"].contains(&status), "{}", r.text);
                        acked.fetch_add(1, Ordering::SeqCst);
                        break;
                    }
                    assert_eq!(r.status, 503, "{reviewer}: {}", r.text);
                    assert_eq!(r.body["error"], "storageUnavailable", "{}", r.text);
                    refused.fetch_add(1, Ordering::SeqCst);
                    assert!(
                        Instant::now() < deadline,
                        "{reviewer}: still refused after 60 s"
                    );
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }));
    }
    while acked.load(Ordering::SeqCst) < total / 4 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let c = cluster.clone();
    tokio::task::spawn_blocking(move || c.restart())
        .await
        .unwrap();
    let back = Instant::now();
    loop {
        let r = get(addr, "/api/v1/health", None).await;
        if r.status == 200 {
            break;
        }
        assert_eq!(r.status, 503, "{}", r.text);
        assert!(
            back.elapsed() < Duration::from_secs(10),
            "the server still answers 503 10 s after PostgreSQL came back: {}",
            r.text
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for t in tasks {
        t.await.expect("a reviewer's pushes failed");
    }
    eprintln!(
        "restart: {} pushes acknowledged, {} answered 503 and retried; healthy {:.0} ms after PostgreSQL was back",
        acked.load(Ordering::SeqCst),
        refused.load(Ordering::SeqCst),
        back.elapsed().as_secs_f64() * 1e3
    );
    assert!(
        acked.load(Ordering::SeqCst) < total || refused.load(Ordering::SeqCst) > 0,
        "the restart never interrupted a push"
    );

    let (log, _) = pull_all(addr, &admin.token, 0, 1000).await;
    let (new, _) = pull_all(addr, &admin.token, cursor_before, 1000).await;
    let decisions = new
        .iter()
        .filter(|r| matches!(r.events[0], Event::DecisionsRecorded { .. }))
        .count();
    assert_eq!(decisions, total, "decision records stored (one per push)");
    let state = replay(&log);
    for (i, item) in state.instances[&instance].items.iter().enumerate() {
        let d = item.decisions[0]
            .as_ref()
            .unwrap_or_else(|| panic!("reviewee {i} lost its decision"));
        assert_eq!(d.decision, expected(i as u32), "reviewee {i}");
    }
}

/// Two servers on one PostgreSQL database. In each round the administrator presses "Stop
/// current stage" through both servers at once while a reviewer decides through the second:
/// exactly one stop is stored and the other is refused with a reason, and a decision is
/// stored only when it was ordered before the stop.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_racing_conflicting_commands_accept_exactly_one() {
    let storage = storage(Backend::Postgres).await;
    let a = serve_on(storage.clone(), |_| {}).await;
    let b = serve_on(storage, |_| {}).await;
    let mut admin_a = AdminClient::new(a.addr()).await;
    let mut admin_b = AdminClient::new(b.addr()).await;
    start_review(
        &mut admin_a,
        tenant(2, 3),
        definition("first", Utc::now(), true),
    )
    .await;
    let mut outcomes: BTreeMap<&str, usize> = BTreeMap::new();
    for round in 0..8 {
        let id = format!("race{round}");
        let r = admin_a
            .run(
                Command::CreateReview {
                    definition: Box::new(definition(&id, Utc::now(), true)),
                },
                Utc::now(),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        let instance = admin_a
            .state
            .instances
            .iter()
            .find(|(_, i)| i.definition == id)
            .map(|(k, _)| k.clone())
            .expect("the round's review started");
        admin_b.pull().await;
        let by = items_by_reviewer(&admin_b.state, &instance, 0);
        let (reviewer, items) = by.iter().next().unwrap();
        let token = link(b.addr(), &admin_b.token, &instance, 0, reviewer).await;
        let decision = decision_record(
            &format!("decide-{round}"),
            reviewer,
            &instance,
            0,
            &[(0, expected(items[0]))],
            Utc::now(),
        );
        // Both administrators decide "stop" against the same state: only one may stand.
        let stop = Command::StopCurrentStage {
            instance: instance.clone(),
        };
        let stop_a = admin_a.record(stop.clone(), Utc::now());
        let stop_b = admin_b.record(stop, Utc::now());
        // Odd rounds give the decision a head start, so both orders are raced.
        let head_start = Duration::from_millis(if round % 2 == 1 { 3 } else { 0 });
        let (ra, rb, rd) = tokio::join!(
            async {
                tokio::time::sleep(head_start).await;
                push(a.addr(), &admin_a.token, std::slice::from_ref(&stop_a)).await
            },
            async {
                tokio::time::sleep(head_start).await;
                push(b.addr(), &admin_b.token, std::slice::from_ref(&stop_b)).await
            },
            push(b.addr(), &token, std::slice::from_ref(&decision)),
        );
        let stored = |r: &Reply| r.status == 200 && r.body["accepted"][0]["status"] == "stored";
        assert_eq!(
            [stored(&ra), stored(&rb)].iter().filter(|s| **s).count(),
            1,
            "round {round}: exactly one stop is stored:\n{}\n{}",
            ra.text,
            rb.text
        );
        let loser = if stored(&ra) { &rb } else { &ra };
        assert_eq!(loser.status, 422, "{}", loser.text);
        assert!(
            !loser.body["rejected"][0]["reason"]
                .as_str()
                .unwrap_or("")
                .is_empty(),
            "the refused stop says why: {}",
            loser.text
        );

        // In the log: one stop, and the decision (if stored) before it.
        admin_a.pull().await;
        admin_b.pull().await;
        let (log, _) = pull_all(a.addr(), &admin_a.token, 0, 1000).await;
        let pos = |id: &str| log.iter().position(|r| r.id == id);
        let stop_pos = pos(&stop_a.id)
            .or(pos(&stop_b.id))
            .expect("a stop in the log");
        assert!(pos(&stop_a.id).is_none() || pos(&stop_b.id).is_none());
        match pos(&decision.id) {
            Some(d) => {
                assert!(
                    d < stop_pos,
                    "round {round}: a decision was stored after the stop"
                );
                assert!(stored(&rd), "{}", rd.text);
                *outcomes.entry("decision first").or_default() += 1;
            }
            None => {
                assert_ne!(rd.status, 200, "round {round}: {}", rd.text);
                assert!(
                    rd.body["rejected"][0]["reason"].is_string() || rd.body["message"].is_string(),
                    "the refused decision says why: {}",
                    rd.text
                );
                *outcomes.entry("stop first").or_default() += 1;
            }
        }
    }
    eprintln!("race outcomes: {outcomes:?}");
}

/// The server binary on a SQLite file; returns the process and its address.
fn spawn_server(data: &std::path::Path) -> (std::process::Child, std::net::SocketAddr) {
    use std::io::BufRead;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_attest-server"))
        .arg("--data")
        .arg(data)
        .args(["--listen", "127.0.0.1:0", "--admin-secret", SECRET])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("cannot start attest-server");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("the server did not say where it listens: {line:?}"))
        .parse()
        .unwrap();
    (child, addr)
}

/// The server process is killed (SIGKILL) while 10 reviewers push; started again on the
/// same SQLite file, it has every decision it acknowledged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_killed_mid_burst_keeps_every_acknowledged_decision() {
    let data = temp_dir("killed").join("attest.db");
    let (mut child, addr) = spawn_server(&data);
    let mut admin = AdminClient::new(addr).await;
    let instance = start_review(
        &mut admin,
        tenant(10, 40),
        definition("k", Utc::now(), false),
    )
    .await;
    let by = items_by_reviewer(&admin.state, &instance, 0);
    let total: usize = by.values().map(Vec::len).sum();
    let acked = Arc::new(std::sync::Mutex::new(Vec::<(String, u32)>::new()));
    let mut tasks = Vec::new();
    for (reviewer, items) in by {
        let token = link(addr, &admin.token, &instance, 0, &reviewer).await;
        let (instance, acked) = (instance.clone(), acked.clone());
        tasks.push(tokio::spawn(async move {
            for (n, &item) in items.iter().enumerate() {
                let record = decision_record(
                    &format!("{reviewer}-{n}"),
                    &reviewer,
                    &instance,
                    0,
                    &[(n as u32, expected(item))],
                    Utc::now(),
                );
                let body =
                    serde_json::to_vec(&serde_json::json!({ "records": [&record] })).unwrap();
                match try_http(addr, "POST", "/api/v1/records", Some(&token), Some(&body)).await {
                    Ok(r) if r.status == 200 => {
                        assert_eq!(r.body["accepted"][0]["status"], "stored", "{}", r.text);
                        acked.lock().unwrap().push((record.id.clone(), item));
                    }
                    // Killed: this push and the rest of this reviewer's are not acknowledged.
                    _ => return,
                }
            }
        }));
    }
    while acked.lock().unwrap().len() < total / 3 {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    for t in tasks {
        t.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() < total, "the kill came after the burst");

    let (mut child, addr) = spawn_server(&data);
    let token = sign_in(addr).await;
    let (log, _) = pull_all(addr, &token, 0, 1000).await;
    let state = replay(&log);
    let stored: std::collections::BTreeSet<&str> = log.iter().map(|r| r.id.as_str()).collect();
    for (id, item) in &acked {
        assert!(stored.contains(id.as_str()), "acknowledged {id} was lost");
        let d = state.instances[&instance].items[*item as usize].decisions[0]
            .as_ref()
            .unwrap_or_else(|| panic!("reviewee {item} lost its acknowledged decision"));
        assert_eq!(d.decision, expected(*item));
    }
    eprintln!(
        "killed: {} of {total} pushes acknowledged before SIGKILL, all {} found after restart",
        acked.len(),
        acked.len()
    );
    child.kill().unwrap();
    child.wait().unwrap();
}

/// The SQLite file's disk fills up: a push is answered 507 `storageFull` saying so and
/// nothing is stored; once there is room again the same push is stored, without a restart.
/// Needs a small tmpfs of its own, so it runs as root only (as `make test` on CI does).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_is_named_and_writes_resume_when_there_is_room() {
    let disk = temp_dir("full");
    let mounted = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=4m", "tmpfs"])
        .arg(&disk)
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !mounted {
        eprintln!("skipped: mounting a small tmpfs needs root");
        return;
    }
    struct Unmount(std::path::PathBuf);
    impl Drop for Unmount {
        fn drop(&mut self) {
            let _ = std::process::Command::new("umount").arg(&self.0).status();
        }
    }
    let _unmount = Unmount(disk.clone());
    let s = serve_on(Storage::Sqlite(disk.join("attest.db")), |_| {}).await;
    let addr = s.addr();
    let mut admin = AdminClient::new(addr).await;
    let instance = start_review(&mut admin, tenant(1, 3), definition("f", Utc::now(), false)).await;
    let token = link(addr, &admin.token, &instance, 0, "manager000").await;
    // Fill what is left of the disk.
    let filler = disk.join("filler");
    {
        use std::io::Write;
        let mut f = std::fs::File::create(&filler).unwrap();
        let block = vec![0u8; 64 * 1024];
        while f.write_all(&block).and_then(|_| f.sync_all()).is_ok() {}
        let mut small = [0u8; 512].as_slice();
        while f.write_all(small).and_then(|_| f.sync_all()).is_ok() {
            small = &small[..small.len().max(2) / 2];
        }
    }
    let record = decision_record(
        "fill-0",
        "manager000",
        &instance,
        0,
        &[(0, Decision::Approve)],
        Utc::now(),
    );
    let mut r = push(addr, &token, std::slice::from_ref(&record)).await;
    // A little room may remain in pages SQLite already holds: push until it runs out.
    let mut n = 0;
    while r.status == 200 && n < 200 {
        n += 1;
        let more = decision_record(
            &format!("fill-{n}"),
            "manager000",
            &instance,
            0,
            &[(1, Decision::Deny)],
            Utc::now(),
        );
        r = push(addr, &token, &[more]).await;
    }
    assert_eq!(r.status, 507, "{}", r.text);
    assert_eq!(r.body["error"], "storageFull", "{}", r.text);
    assert!(
        r.body["message"].as_str().unwrap().contains("disk is full"),
        "{}",
        r.text
    );
    let refused_id = format!("fill-{n}");

    std::fs::remove_file(&filler).unwrap();
    let again = decision_record(
        &refused_id,
        "manager000",
        &instance,
        0,
        &[(1, Decision::Deny)],
        Utc::now(),
    );
    let r = push(addr, &token, &[again]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.body["accepted"][0]["status"], "stored",
        "the refused push was not stored: {}",
        r.text
    );
    let (log, _) = pull_all(addr, &admin.token, 0, 1000).await;
    assert_eq!(log.iter().filter(|l| l.id == refused_id).count(), 1);
    drop(s);
}
