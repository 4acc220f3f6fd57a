//! Issue 25 through a reviewer link: the link's compact copy carries what the rows' access
//! paths need (nested groups holding only the chains' links, the links' grant dates), so a
//! reviewer opening a mail link sees the path and date the full app shows.

use super::*;
use attest_engine::context::Route;
use attest_engine::directory::ResourceKind;
use attest_engine::sample::{sample_tenant, SampleConfig};
use attest_engine::view::reviewer_view;
use std::collections::BTreeMap;

const REVIEWER: &str = "u-000001";

pub(super) async fn a_links_rows_show_the_paths_and_dates_the_full_app_shows(b: Backend) {
    let s = serve(b).await;
    let addr = s.addr();
    let mut admin = AdminClient::new(addr).await;
    let dir = sample_tenant(&SampleConfig {
        users: 300,
        seed: 7,
        now: Utc::now(),
    });
    // GitHub Enterprise: assigned to people directly (dated) and to Engineering, which
    // holds Platform Team (a nested chain, undated as Graph leaves memberships).
    let mut def = definition("github", Utc::now(), false);
    def.scope.resource_kind = ResourceKind::Application;
    def.scope.resources = vec!["app-github".into()];
    def.stages[0].reviewers = attest_engine::definition::Reviewers::SelectedUsers {
        users: vec![REVIEWER.into()],
    };
    def.stages[0].fallback_reviewers.clear();
    let instance = start_review(&mut admin, dir, def).await;
    let full = reviewer_view(&admin.state, &instance, 0, REVIEWER).expect("the full app's page");
    let token = link(addr, &admin.token, &instance, 0, REVIEWER).await;
    let page = reviewer_page(addr, &token).await;
    assert_eq!(page.status, 200, "{}", page.text);
    let linked: attest_engine::view::ReviewerView =
        serde_json::from_value(page.body["view"].clone()).unwrap();

    let paths = |rows: &[attest_engine::view::ReviewerRow]| -> BTreeMap<String, _> {
        rows.iter()
            .map(|r| (r.user.clone(), r.context.as_ref().map(|c| c.path.clone())))
            .collect()
    };
    let (full, linked) = (paths(&full.rows), paths(&linked.rows));
    assert_eq!(
        linked, full,
        "the link's rows show other paths than the full app"
    );
    // The comparison covers both kinds that needed the server's help.
    let chains = full
        .values()
        .flatten()
        .filter(|p| matches!(&p.route, Route::AssignedGroup { chain } if chain.len() > 1))
        .count();
    let dated = full
        .values()
        .flatten()
        .filter(|p| p.granted.is_some())
        .count();
    assert!(chains > 0, "no nested chain among {} rows", full.len());
    assert!(dated > 0, "no grant date among {} rows", full.len());
}
