//! The load run shared by the bounded exactly-once tests (tests/load.rs) and the load
//! command (benches/load.rs, `make load`): reviewers push single-decision records at the
//! same time while every reviewer opens their page at once.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use attest_engine::event::Event;
use attest_engine::instance::Decision;
use attest_engine::replay;
use attest_server::Storage;
use chrono::Utc;

use super::*;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Setup {
    Sqlite,
    Postgres,
    TwoServersOnePostgres,
}

fn expected(item: u32) -> Decision {
    if item % 3 == 0 {
        Decision::Deny
    } else {
        Decision::Approve
    }
}

fn percentile(sorted: &[Duration], q: f64) -> f64 {
    let n = sorted.len();
    sorted[((n as f64 * q).ceil() as usize).clamp(1, n) - 1].as_secs_f64() * 1e3
}

/// `reviewers` reviewers with `per_reviewer` reviewees each push one decision per request
/// while every reviewer opens their page once; panics unless every acknowledged decision
/// is stored exactly once. `durable`: PostgreSQL with fsync on (its own cluster), as
/// measured; otherwise the shared test cluster.
pub async fn load(setup: Setup, reviewers: usize, per_reviewer: usize, durable: bool) -> String {
    let cluster;
    let pg: Option<Storage> = match setup {
        Setup::Sqlite => None,
        _ if durable => {
            cluster = tokio::task::spawn_blocking(|| start_cluster(true))
                .await
                .unwrap();
            Some(cluster.database().await)
        }
        _ => Some(storage(Backend::Postgres).await),
    };
    let servers = match (&setup, pg) {
        (Setup::Sqlite, _) => vec![serve(Backend::Sqlite).await],
        (Setup::Postgres, Some(db)) => vec![serve_on(db, |_| {}).await],
        (Setup::TwoServersOnePostgres, Some(db)) => {
            vec![
                serve_on(db.clone(), |_| {}).await,
                serve_on(db, |_| {}).await,
            ]
        }
        _ => unreachable!(),
    };
    let addrs: Vec<SocketAddr> = servers.iter().map(|s| s.addr()).collect();
    let mut admin = AdminClient::new(addrs[0]).await;
    let instance = start_review(
        &mut admin,
        tenant(reviewers, per_reviewer),
        definition("big", Utc::now(), false),
    )
    .await;
    let by = items_by_reviewer(&admin.state, &instance, 0);
    assert_eq!(by.len(), reviewers);
    let mut clients = Vec::new();
    for (n, (reviewer, items)) in by.into_iter().enumerate() {
        // Reviewers are spread over the servers; each link works on any of them.
        let addr = addrs[n % addrs.len()];
        let token = link(addrs[0], &admin.token, &instance, 0, &reviewer).await;
        clients.push((addr, reviewer, token, items));
    }
    let (_, cursor_before) = pull_all(addrs[0], &admin.token, 0, 1000).await;

    let started = Instant::now();
    // Every reviewer opens their page at once, while the pushes below run.
    let opens: Vec<_> = clients
        .iter()
        .map(|(addr, _, token, _)| {
            let (addr, token) = (*addr, token.clone());
            tokio::spawn(async move {
                let t = Instant::now();
                // The server's part of opening the page: the reviewer's pull.
                let r = get(addr, "/api/v1/reviewer/records", Some(&token)).await;
                assert_eq!(r.status, 200, "{}", r.text);
                t.elapsed()
            })
        })
        .collect();
    let pushes: Vec<_> = clients
        .into_iter()
        .map(|(addr, reviewer, token, items)| {
            let instance = instance.clone();
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                for (n, &item) in items.iter().enumerate() {
                    // The reviewer numbers their items 0, 1, 2…; the check below is on
                    // the instance's numbering, so it proves the mapping too.
                    let record = decision_record(
                        &format!("{reviewer}-{n}"),
                        &reviewer,
                        &instance,
                        0,
                        &[(n as u32, expected(item))],
                        Utc::now(),
                    );
                    let t = Instant::now();
                    let r = push(addr, &token, &[record]).await;
                    latencies.push(t.elapsed());
                    assert_eq!(r.status, 200, "{reviewer}: {}", r.text);
                    assert_eq!(r.body["accepted"][0]["status"], "stored", "{}", r.text);
                }
                latencies
            })
        })
        .collect();
    let mut latencies: Vec<Duration> = Vec::new();
    for t in pushes {
        latencies.extend(t.await.expect("a reviewer's pushes failed"));
    }
    let elapsed = started.elapsed();
    let mut open_latencies: Vec<Duration> = Vec::new();
    for t in opens {
        open_latencies.push(t.await.expect("a page open failed"));
    }
    latencies.sort();
    open_latencies.sort();

    // Nothing lost, nothing twice: one record per acknowledged push, and every reviewee
    // carries exactly the decision sent for it.
    let (log, _) = pull_all(addrs[0], &admin.token, 0, 1000).await;
    let (new, _) = pull_all(addrs[0], &admin.token, cursor_before, 1000).await;
    let stored = new
        .iter()
        .filter(|r| matches!(r.events[0], Event::DecisionsRecorded { .. }))
        .count();
    assert_eq!(stored, latencies.len(), "decision records stored");
    let state = replay(&log);
    for (i, item) in state.instances[&instance].items.iter().enumerate() {
        let d = item.decisions[0]
            .as_ref()
            .unwrap_or_else(|| panic!("reviewee {i} lost its decision"));
        assert_eq!(d.decision, expected(i as u32), "reviewee {i}");
    }

    format!(
        "load ({setup:?}{}): {reviewers} reviewers × {per_reviewer} reviewees, {} single-decision pushes in {:.2} s: {:.0} pushes/s, p50 {:.1} ms, p99 {:.1} ms; {} page opens at once: p50 {:.1} ms, p99 {:.1} ms; exactly once: {stored} stored for {} acknowledged, {} reviewees checked\n",
        match (setup, durable) {
            (Setup::Sqlite, _) => ", synchronous=FULL",
            (_, true) => ", fsync on",
            (_, false) => ", fsync off",
        },
        latencies.len(),
        elapsed.as_secs_f64(),
        latencies.len() as f64 / elapsed.as_secs_f64(),
        percentile(&latencies, 0.50),
        percentile(&latencies, 0.99),
        open_latencies.len(),
        percentile(&open_latencies, 0.50),
        percentile(&open_latencies, 0.99),
        latencies.len(),
        state.instances[&instance].items.len(),
    )
}
