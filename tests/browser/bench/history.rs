//! History over many events, and the mail-link benchmark's set-up.

use super::*;

/// Events in the History figure: 10,000 under `make bench`, fewer in the test suite.
fn history_events() -> usize {
    if users() >= 100_000 {
        10_000
    } else {
        500
    }
}

/// The History page of a log of 10,000 decision records: the time from the click on
/// "History" to the table listing them, then from one more decision (stored by another tab)
/// to the page counting it.
#[wasm_bindgen_test]
async fn history_benchmark() {
    use crate::support::*;

    let events = history_events();
    let tenant = sample_tenant(&SampleConfig {
        users: 200,
        seed: 7,
        now: Utc::now() - chrono::Duration::days(1),
    });
    let start = Utc::now() - chrono::Duration::hours(1);
    let reviewer = "u-000002";
    let mut state = State::default();
    let mut log = Vec::new();
    let mut clock = Clock { n: 0 };
    let import = Command::ImportDirectory {
        directory: Box::new(tenant),
        source: "bench".into(),
    };
    run(&mut state, &mut log, &import, &clock.ctx(admin(), start));
    let mut def = group_review(
        "bench-history",
        "g-all-employees",
        vec![StageSettings {
            reviewers: Reviewers::SelectedUsers {
                users: vec![reviewer.into()],
            },
            fallback_reviewers: vec![],
            duration_days: 14,
            recommendations: false,
        }],
        start,
    );
    def.name = "Benchmark history".into();
    let create = Command::CreateReview {
        definition: Box::new(def),
    };
    run(&mut state, &mut log, &create, &clock.ctx(admin(), start));
    let (instance, items) = {
        let inst = state.instances.values().next().expect("the review started");
        (inst.id.clone(), inst.items.len() as u32)
    };
    for n in 0..events {
        let cmd = Command::RecordDecisions {
            instance: instance.clone(),
            decisions: vec![ItemDecision {
                item: n as u32 % items,
                decision: if n % 3 == 0 {
                    Decision::Deny
                } else {
                    Decision::Approve
                },
                justification: format!("checked {n}"),
            }],
        };
        let at = start + chrono::Duration::milliseconds(n as i64);
        let ctx = clock.ctx(
            Actor::User {
                id: reviewer.into(),
            },
            at,
        );
        run(&mut state, &mut log, &cmd, &ctx);
    }
    let config = test_config(0);
    {
        let store = Store::open(&config.database).await.expect("open store");
        store.replace_records(&log).await.expect("store the log");
    }

    let app = mount_with("/", config.clone());
    let rt = ready_runtime().await;
    let nav = wait_for("the History link", || link(&app.root, "History")).await;
    let status = |root: &web_sys::Element| {
        all(root, "p[role='status']")
            .into_iter()
            .map(|p| text(&p))
            .find(|t| t.contains("event(s) match"))
    };
    let started = now_ms();
    click(&nav);
    let said = loop {
        if let Some(said) = status(&app.root) {
            if !all(&app.root, ".history-table tbody tr").is_empty() {
                break said;
            }
        }
        gloo_timers::future::TimeoutFuture::new(0).await;
        assert!(
            now_ms() - started < 120_000.0,
            "the History never listed the log"
        );
    };
    figure("history.open_ms", now_ms() - started, "ms", None);
    let shown: usize = said
        .split(" of ")
        .nth(1)
        .and_then(|t| t.split(' ').next())
        .and_then(|n| n.parse().ok())
        .expect("the count of events");
    figure("history.events", shown as f64, "events", None);

    // One more decision, from another tab on the same database.
    let other = mount_with("/", config);
    let other_rt = wait_for("the second tab's runtime", || {
        attest::runtime::current_runtime().filter(|r| {
            leptos::prelude::GetUntracked::get_untracked(&r.ready) && r.state != rt.state
        })
    })
    .await;
    let wanted = format!("of {} event(s)", shown + 1);
    let started = now_ms();
    other_rt
        .run_as(
            Command::RecordDecisions {
                instance: instance.clone(),
                decisions: vec![ItemDecision {
                    item: 0,
                    decision: Decision::Deny,
                    justification: "one more".into(),
                }],
            },
            Actor::User {
                id: reviewer.into(),
            },
            None,
        )
        .await
        .expect("the decision is stored");
    loop {
        if status(&app.root).is_some_and(|t| t.contains(&wanted)) {
            break;
        }
        gloo_timers::future::TimeoutFuture::new(0).await;
        assert!(
            now_ms() - started < 60_000.0,
            "the History never counted the new decision"
        );
    }
    figure(
        "history.update_after_decision_ms",
        now_ms() - started,
        "ms",
        None,
    );
    drop(other);
    drop(app);
}

/// Set-up of the mail-link benchmark (scripts/bench.sh): a review on the sync server the
/// script started, decided by one reviewer, and that reviewer's link, printed as the line
/// `bench.reviewer_link_rows` with the link's `path`. The script then opens the link in a
/// cold browser through the server (scripts/first-row.mjs) and times the first row.
#[wasm_bindgen_test]
async fn reviewer_link_setup() {
    use crate::reviewer_bundle::{administrator_with_a_review_link, SECRET, SERVER};
    use leptos::prelude::WithUntracked;
    let (Some(server), Some(secret)) = (SERVER, SECRET) else {
        web_sys::console::warn_1(&"reviewer link set-up not run: no sync server".into());
        return;
    };
    // Only under `make bench`, which gives it a server of its own: in the test suite the
    // server is shared, and a 300-user tenant pushed there would be folded into the other
    // server tests' 20-user tenants (`reviewer_bundle` covers the same path in the suite).
    if option_env!("ATTEST_BENCH_USERS").is_none() {
        return;
    }
    let linked = administrator_with_a_review_link(server, secret, 300).await;
    let rows = linked
        .admin
        .state
        .with_untracked(|s| s.instances[&linked.instance].items.len());
    assert!(rows > 0, "the review has reviewees for the reviewer");
    figure_with(
        "bench.reviewer_link_rows",
        rows as f64,
        "reviewees",
        Some(("path", &linked.path)),
    );
}
