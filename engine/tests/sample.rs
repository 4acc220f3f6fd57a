//! The sample tenant: deterministic, exact size, every feature a review meets, consistent.

use attest_engine::directory::{
    AssignmentKind, Directory, GroupKind, Membership, Principal, UserType,
};
use attest_engine::sample::{sample_tenant, SampleConfig};
use chrono::{DateTime, TimeZone, Utc};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 6, 30, 12, 0, 0).unwrap()
}

fn tenant(users: usize, seed: u64) -> Directory {
    sample_tenant(&SampleConfig {
        users,
        seed,
        now: now(),
    })
}

#[test]
fn same_config_same_tenant_other_seed_other_tenant() {
    assert_eq!(tenant(300, 7), tenant(300, 7));
    assert_ne!(tenant(300, 7), tenant(300, 8));
}

#[test]
fn sizes_are_exact() {
    for n in [50, 51, 2_000, 100_000] {
        let started = std::time::Instant::now();
        let dir = tenant(n, 1);
        if n == 100_000 {
            println!("sample_tenant(100,000 users): {:?}", started.elapsed());
            let all = &dir.groups["g-all-employees"];
            println!("All Employees: {} members", all.members.len());
            assert!(all.members.len() > 90_000);
        }
        assert_eq!(dir.users.len(), n, "users for {n}");
    }
}

/// Each feature the UI and the reviews rely on, as (what, present?).
fn features(dir: &Directory) -> Vec<(&'static str, bool)> {
    let now = now();
    let ceo = "u-000001";
    let any_user = |f: &dyn Fn(&attest_engine::directory::User) -> bool| dir.users.values().any(f);
    let any_group =
        |f: &dyn Fn(&attest_engine::directory::Group) -> bool| dir.groups.values().any(f);
    vec![
        (
            "a guest",
            any_user(&|u| {
                u.user_type == UserType::Guest && u.user_principal_name.contains("#EXT#")
            }),
        ),
        ("an inactive user", any_user(&|u| u.is_inactive(90, now))),
        (
            "a user who never signed in",
            any_user(&|u| u.last_sign_in.is_none()),
        ),
        ("a disabled account", any_user(&|u| !u.account_enabled)),
        (
            "a member without manager other than the CEO",
            any_user(&|u| u.id != ceo && u.user_type == UserType::Member && u.manager.is_none()),
        ),
        ("the CEO has no manager", dir.users[ceo].manager.is_none()),
        ("a group without owner", any_group(&|g| g.owners.is_empty())),
        (
            "a nested group",
            any_group(&|g| g.members.iter().any(|m| matches!(m, Principal::Group(_)))),
        ),
        (
            "a dynamic group",
            any_group(&|g| matches!(g.membership, Membership::Dynamic { .. })),
        ),
        ("an on-premises group", any_group(&|g| g.on_premises_sync)),
        (
            "a mail-enabled M365 group",
            any_group(&|g| g.mail_enabled && g.kind == GroupKind::Microsoft365),
        ),
        (
            "a group-assigned app",
            dir.applications.values().any(|a| {
                a.assignments
                    .iter()
                    .any(|p| matches!(p, Principal::Group(_)))
            }),
        ),
        (
            "an app with direct user assignments",
            dir.applications.values().any(|a| {
                a.assignments
                    .iter()
                    .any(|p| matches!(p, Principal::User(_)))
            }),
        ),
        (
            "an app without owners",
            dir.applications.values().any(|a| a.owners.is_empty()),
        ),
        (
            "an active role assignment",
            dir.roles.values().any(|r| {
                r.assignments
                    .iter()
                    .any(|a| a.kind == AssignmentKind::Active)
            }),
        ),
        (
            "an eligible role assignment",
            dir.roles.values().any(|r| {
                r.assignments
                    .iter()
                    .any(|a| a.kind == AssignmentKind::Eligible)
            }),
        ),
        (
            "a privileged and an unprivileged role",
            dir.roles.values().any(|r| r.privileged) && dir.roles.values().any(|r| !r.privileged),
        ),
        (
            "package assignments",
            dir.access_packages
                .values()
                .all(|p| !p.assignments.is_empty() && !p.owners.is_empty()),
        ),
        (
            "auditors",
            dir.groups
                .get("g-auditors")
                .is_some_and(|g| !g.members.is_empty()),
        ),
        (
            "All Employees holds every member",
            dir.groups["g-all-employees"].members.len()
                == dir
                    .users
                    .values()
                    .filter(|u| u.user_type == UserType::Member)
                    .count(),
        ),
        (
            "Partner collaboration mixes guests and members",
            dir.groups["g-partner-collaboration"].members.iter().any(
                |m| matches!(m, Principal::User(u) if dir.users[u].user_type == UserType::Guest),
            ) && dir.groups["g-partner-collaboration"].members.iter().any(
                |m| matches!(m, Principal::User(u) if dir.users[u].user_type == UserType::Member),
            ),
        ),
    ]
}

fn check(users: usize) {
    let dir = tenant(users, 42);
    for (feature, present) in features(&dir) {
        assert!(present, "{users} users: missing {feature}");
    }
    assert_eq!(
        dir.dangling_references(),
        Vec::<(String, String)>::new(),
        "{users} users"
    );
    let guests = dir
        .users
        .values()
        .filter(|u| u.user_type == UserType::Guest)
        .count();
    let share = guests as f64 / users as f64;
    assert!(
        (0.04..0.12).contains(&share),
        "{users} users: guest share {share}"
    );
    // Every manager chain ends at the CEO or at a user without manager (no cycles).
    for u in dir.users.values() {
        let chain = dir.manager_chain(&u.id);
        if let Some(top) = chain.last() {
            assert!(
                dir.users[top].manager.is_none(),
                "{}: chain {chain:?} ends in a cycle",
                u.id
            );
        }
    }
}

#[test]
fn features_at_every_size() {
    for users in [50, 137, 2_000, 20_000] {
        check(users);
    }
}
