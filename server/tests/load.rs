//! Load on loopback, bounded in size: 50 reviewers push their decisions at the same time on
//! a 10,000-reviewee review; nothing is lost or stored twice. Prints throughput and p99.

mod support;

use std::io::Write;
use std::time::{Duration, Instant};

use attest_engine::event::Event;
use attest_engine::instance::Decision;
use attest_engine::replay;
use chrono::Utc;
use support::*;

const CLIENTS: usize = 50;
const PER_CLIENT: usize = 200;
/// Decisions per pushed record: each client sends PER_CLIENT / BATCH requests.
const BATCH: usize = 10;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_reviewers_at_once_lose_nothing_sqlite() {
    load(Backend::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_reviewers_at_once_lose_nothing_postgres() {
    load(Backend::Postgres).await
}

async fn load(b: Backend) {
    let s = serve(b).await;
    let addr = s.addr();
    let mut admin = AdminClient::new(addr).await;
    let instance = start_review(
        &mut admin,
        tenant(CLIENTS, PER_CLIENT),
        definition("big", Utc::now(), false),
    )
    .await;
    assert_eq!(
        admin.state.instances[&instance].items.len(),
        CLIENTS * PER_CLIENT
    );
    let by = items_by_reviewer(&admin.state, &instance, 0);
    assert_eq!(by.len(), CLIENTS);
    let mut clients = Vec::new();
    for (reviewer, items) in by {
        let token = link(addr, &admin.token, &instance, 0, &reviewer).await;
        clients.push((reviewer, token, items));
    }
    let (_, cursor_before) = pull_all(addr, &admin.token, 0, 1000).await;

    let started = Instant::now();
    let tasks: Vec<_> = clients
        .into_iter()
        .map(|(reviewer, token, items)| {
            let instance = instance.clone();
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                for (n, chunk) in items.chunks(BATCH).enumerate() {
                    // The reviewer numbers their items 0, 1, 2…; the rule is on the
                    // instance's numbering, so the check below proves the mapping too.
                    let decisions: Vec<(u32, Decision)> = chunk
                        .iter()
                        .enumerate()
                        .map(|(k, &i)| {
                            let d = if i % 3 == 0 {
                                Decision::Deny
                            } else {
                                Decision::Approve
                            };
                            ((n * BATCH + k) as u32, d)
                        })
                        .collect();
                    let record = decision_record(
                        &format!("{reviewer}-{n}"),
                        &reviewer,
                        &instance,
                        0,
                        &decisions,
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
    for t in tasks {
        latencies.extend(t.await.expect("a client failed"));
    }
    let elapsed = started.elapsed();
    latencies.sort();
    let requests = latencies.len();
    let p = |q: f64| latencies[((requests as f64 * q).ceil() as usize).min(requests) - 1];
    let report = format!(
        "load ({b:?}): {CLIENTS} clients, {requests} pushes, {} decisions in {:.2} s: {:.0} pushes/s, {:.0} decisions/s; latency p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms\n",
        CLIENTS * PER_CLIENT,
        elapsed.as_secs_f64(),
        requests as f64 / elapsed.as_secs_f64(),
        (CLIENTS * PER_CLIENT) as f64 / elapsed.as_secs_f64(),
        p(0.50).as_secs_f64() * 1e3,
        p(0.99).as_secs_f64() * 1e3,
        latencies[requests - 1].as_secs_f64() * 1e3,
    );
    // Straight to stderr, past the test harness's capture, so every run reports it.
    let _ = std::io::stderr().write_all(report.as_bytes());

    // Nothing lost, nothing twice: every reviewee carries exactly the decision sent for it.
    let (log, _) = pull_all(addr, &admin.token, 0, 1000).await;
    let (new, _) = pull_all(addr, &admin.token, cursor_before, 1000).await;
    let decision_records = new
        .iter()
        .filter(|r| matches!(r.events[0], Event::DecisionsRecorded { .. }))
        .count();
    assert_eq!(decision_records, CLIENTS * PER_CLIENT / BATCH);
    let state = replay(&log);
    for (i, item) in state.instances[&instance].items.iter().enumerate() {
        let d = item.decisions[0]
            .as_ref()
            .unwrap_or_else(|| panic!("reviewee {i} lost its decision"));
        let expected = if i % 3 == 0 {
            Decision::Deny
        } else {
            Decision::Approve
        };
        assert_eq!(d.decision, expected);
    }
}
