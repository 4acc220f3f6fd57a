//! A tenant to review: users, a group, a review definition, and helpers to start it.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use attest_engine::definition::*;
use attest_engine::directory::*;
use attest_engine::State;
use chrono::{DateTime, Duration, Utc};
use serde_json::json;

use super::*;

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
