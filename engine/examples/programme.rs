//! How long the programme's computations take on the 100,000-user sample tenant, natively:
//! `cargo run --release -p attest-engine --example programme [USERS]`. Prints one line per
//! measurement (the dashboard computes `programme` once per state change).

use std::time::{Duration as Elapsed, Instant};

/// Wall time and this thread's CPU time since `from` (the machine is shared: CPU time is
/// what the work costs; Linux `/proc/thread-self/schedstat`, wall time elsewhere).
struct Clock {
    wall: Instant,
    cpu: Option<u64>,
}

fn cpu_ns() -> Option<u64> {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

impl Clock {
    fn start() -> Clock {
        Clock {
            wall: Instant::now(),
            cpu: cpu_ns(),
        }
    }

    fn elapsed(&self) -> String {
        let wall = self.wall.elapsed();
        match (self.cpu, cpu_ns()) {
            (Some(a), Some(b)) => format!(
                "{:.0} ms CPU ({:.0} ms wall)",
                Elapsed::from_nanos(b - a).as_secs_f64() * 1e3,
                wall.as_secs_f64() * 1e3
            ),
            _ => format!("{:.0} ms wall", wall.as_secs_f64() * 1e3),
        }
    }
}

use attest_engine::definition::{Frequency, Reviewers};
use attest_engine::programme::{programme, readiness, ProgrammeConfig};
use attest_engine::sample::{sample_tenant, SampleConfig};
use attest_engine::{Actor, Command, Context, State};
use chrono::{Duration, TimeZone, Utc};

fn main() {
    let users: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(100_000);
    let now = Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, 0).unwrap();
    let admin = Actor::Administrator {
        name: "bench".into(),
    };
    let mut n = 0;
    let mut ctx = |at| {
        n += 1;
        Context {
            actor: admin.clone(),
            now: at,
            record_id: format!("r{n}"),
            reason: None,
        }
    };
    let mut state = State::default();
    let dir = sample_tenant(&SampleConfig {
        users,
        seed: 7,
        now,
    });
    let t = Clock::start();
    state
        .execute(
            &Command::ImportDirectory {
                directory: Box::new(dir.clone()),
                source: "sample".into(),
            },
            &ctx(now),
        )
        .expect("import");
    println!("import {users} users: {}", t.elapsed());

    // A quarterly review of every group by managers, marked review on move, running.
    let mut def = attest_engine::templates::blank("all-groups", now);
    def.name = "All groups".into();
    def.scope.resources = state.directory.groups.keys().cloned().collect();
    def.stages[0].reviewers = Reviewers::Managers;
    def.stages[0].fallback_reviewers = vec!["u-000001".into()];
    def.schedule.frequency = Frequency::Quarterly;
    def.settings.review_on_move = true;
    let t = Clock::start();
    let found = readiness(&def, &state, now);
    println!(
        "readiness of a review of all {} groups: {} ({} findings)",
        def.scope.resources.len(),
        t.elapsed(),
        found.len()
    );
    state
        .execute(
            &Command::CreateReview {
                definition: Box::new(def),
            },
            &ctx(now),
        )
        .expect("create");
    state
        .execute(&Command::AdvanceTime, &ctx(now))
        .expect("start");
    let items: usize = state.instances.values().map(|i| i.items.len()).sum();

    let later = now + Duration::days(5);
    let t = Clock::start();
    let p = programme(&state, later, &ProgrammeConfig::default());
    println!(
        "programme: {} ({} resources, {} instances with {items} reviewees, {} overdue reviewers, {} checks)",
        t.elapsed(),
        p.resources.len(),
        state.instances.len(),
        p.overdue_reviewers.len(),
        p.checks.len()
    );

    // Imports in which one user, then every 100th user, changed department: the diff and
    // the mover reviews it starts, against the same state.
    for every in [users, 100] {
        let mut moved = dir.clone();
        for (i, u) in moved.users.values_mut().enumerate() {
            if i % every == 0 {
                u.department = Some("Moved".into());
            }
        }
        let t = Clock::start();
        let record = state
            .prepare_owned(
                Command::ImportDirectory {
                    directory: Box::new(moved),
                    source: "second".into(),
                },
                &ctx(later),
            )
            .expect("import")
            .expect("a record");
        println!(
            "import with {} mover(s): {} ({} events)",
            users.div_ceil(every),
            t.elapsed(),
            record.events.len()
        );
    }
}
