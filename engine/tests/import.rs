//! Directory import and export: Microsoft Graph JSON (paged, chunked), CSV, and the
//! export -> import round trip. Every rejected import names file, place and problem, and
//! leaves the current directory as it was.

use attest_engine::directory::{
    AccessPackage, Application, AssignmentKind, Directory, DirectoryRole, Group, GroupKind,
    Membership, Principal, RoleAssignment, User, UserType,
};
use attest_engine::import::{
    csv_field, export_graph, import_csv, import_graph, parse_csv, GraphImport, ImportError,
    ImportPhase, ImportProgress, ImportSummary,
};
use attest_engine::sample::{sample_tenant, SampleConfig};
use chrono::{DateTime, TimeZone, Utc};
use serde_json::json;

// One test binary; its parts live in tests/import/ (a crate root finds modules beside it).
#[path = "import/csv.rs"]
mod csv;
#[path = "import/pages.rs"]
mod pages;
#[path = "import/round_trip.rs"]
mod round_trip;

fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 9, 0, 0).unwrap()
}

fn user(id: &str, manager: Option<&str>) -> User {
    User {
        id: id.into(),
        display_name: format!("User {id}"),
        user_principal_name: format!("{id}@contoso.com"),
        user_type: UserType::Member,
        manager: manager.map(str::to_string),
        account_enabled: true,
        created: at(2020, 1, 1),
        last_sign_in: Some(at(2025, 5, 1)),
        department: Some("Sales".into()),
    }
}

/// The directory an import starts from in the error cases.
fn current() -> Directory {
    let mut dir = Directory::default();
    dir.users.insert("old-1".into(), user("old-1", None));
    dir.groups.insert(
        "old-g".into(),
        Group {
            id: "old-g".into(),
            display_name: "Old group".into(),
            kind: GroupKind::Security,
            membership: Membership::Assigned,
            on_premises_sync: false,
            mail_enabled: false,
            owners: vec!["old-1".into()],
            members: vec![Principal::User("old-1".into())],
        },
    );
    dir
}

fn page(context: &str, value: serde_json::Value) -> String {
    serde_json::to_string_pretty(&json!({
        "@odata.context": format!("https://graph.microsoft.com/v1.0/$metadata#{context}"),
        "value": value,
    }))
    .unwrap()
}

/// A complete, valid Graph export of a small tenant, users paged over two files given
/// out of order.
fn graph_files() -> Vec<(String, String)> {
    let user_json = |id: &str, manager: serde_json::Value| {
        json!({
            "id": id, "displayName": format!("User {id}"), "userPrincipalName": format!("{id}@contoso.com"),
            "mail": null, "userType": "Member", "accountEnabled": true,
            "createdDateTime": "2020-01-01T09:00:00Z", "department": "Sales",
            "signInActivity": { "lastSignInDateTime": "2025-05-01T09:00:00Z", "lastNonInteractiveSignInDateTime": null },
            "manager": manager, "jobTitle": "ignored"
        })
    };
    let mut users2 = serde_json::from_str::<serde_json::Value>(&page(
        "users(id,displayName,manager())",
        json!([
            user_json("u3", json!({"@odata.type": "#microsoft.graph.user", "id": "u1"})),
            {
                "id": "g1", "displayName": "Gina Guest", "userPrincipalName": "gina_fabrikam.com#EXT#@contoso.onmicrosoft.com",
                "userType": "Guest", "accountEnabled": false, "createdDateTime": "2024-02-03T04:05:06.789Z",
                "signInActivity": null, "manager": null
            }
        ]),
    ))
    .unwrap();
    users2["@odata.nextLink"] = serde_json::Value::Null;
    let users1 = json!({
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users(id,displayName,manager())",
        "@odata.nextLink": "https://graph.microsoft.com/v1.0/users?$skiptoken=X",
        "value": [user_json("u1", json!(null)), user_json("u2", json!({"id": "u1"}))]
    });
    let object =
        |t: &str, id: &str| json!({"@odata.type": format!("#microsoft.graph.{t}"), "id": id});
    vec![
        ("users-page2.json".into(), users2.to_string()),
        ("users-page1.json".into(), users1.to_string()),
        (
            "groups.json".into(),
            page(
                "groups(id,displayName,members(),owners())",
                json!([
                    {"id": "grp-eng", "displayName": "Engineering", "groupTypes": [], "membershipRule": null,
                     "onPremisesSyncEnabled": null, "mailEnabled": false, "securityEnabled": true,
                     "owners": [object("user", "u1")],
                     "members": [object("user", "u2"), object("group", "grp-platform"), object("device", "d1")]},
                    {"id": "grp-platform", "displayName": "Platform Team", "groupTypes": ["Unified"],
                     "onPremisesSyncEnabled": true, "mailEnabled": true, "owners": [], "members": [object("user", "u3")]},
                    {"id": "grp-all", "displayName": "All Employees", "groupTypes": ["DynamicMembership"],
                     "membershipRule": "user.userType -eq \"Member\"", "mailEnabled": false,
                     "members": [object("user", "u1"), object("user", "u2"), object("user", "u3")]}
                ]),
            ),
        ),
        (
            "servicePrincipals.json".into(),
            page(
                "servicePrincipals",
                json!([{"id": "sp-sf", "appId": "00000000-0000-0000-0000-000000000001", "displayName": "Salesforce",
                        "owners": [object("user", "u1")],
                        "appRoleAssignedTo": [
                            {"principalId": "grp-eng", "principalType": "Group"},
                            {"principalId": "u3", "principalType": "User"},
                            {"principalId": "sp-other", "principalType": "ServicePrincipal"}]}]),
            ),
        ),
        (
            "roleDefinitions.json".into(),
            page(
                "roleManagement/directory/roleDefinitions",
                json!([{"id": "r-ga", "displayName": "Global Administrator", "isPrivileged": true, "isBuiltIn": true},
                       {"id": "r-rr", "displayName": "Reports Reader"}]),
            ),
        ),
        (
            "roleEligibility.json".into(),
            page(
                "roleManagement/directory/roleEligibilityScheduleInstances",
                json!([{"id": "e1", "principalId": "u2", "roleDefinitionId": "r-ga", "directoryScopeId": "/"}]),
            ),
        ),
        (
            "roleAssignments.json".into(),
            page(
                "roleManagement/directory/roleAssignments",
                json!([{"id": "a1", "principalId": "u1", "roleDefinitionId": "r-ga"},
                       {"id": "a2", "principalId": "u3", "roleDefinitionId": "r-rr"}]),
            ),
        ),
        (
            "accessPackages.json".into(),
            page(
                "identityGovernance/entitlementManagement/accessPackages",
                json!([{"id": "ap-1", "displayName": "Marketing campaign tools", "owners": [{"id": "u1"}]}]),
            ),
        ),
        (
            "packageAssignments.json".into(),
            page(
                "identityGovernance/entitlementManagement/assignments(target(),accessPackage())",
                json!([{"id": "x1", "state": "delivered", "accessPackage": {"id": "ap-1"}, "target": {"objectId": "g1"}},
                       {"id": "x2", "state": "expired", "accessPackage": {"id": "ap-1"}, "target": {"objectId": "u2"}}]),
            ),
        ),
    ]
}

fn expected_graph_directory() -> Directory {
    let mut dir = Directory::default();
    for (id, manager) in [("u1", None), ("u2", Some("u1")), ("u3", Some("u1"))] {
        dir.users.insert(id.into(), user(id, manager));
    }
    dir.users.insert(
        "g1".into(),
        User {
            id: "g1".into(),
            display_name: "Gina Guest".into(),
            user_principal_name: "gina_fabrikam.com#EXT#@contoso.onmicrosoft.com".into(),
            user_type: UserType::Guest,
            manager: None,
            account_enabled: false,
            created: Utc.with_ymd_and_hms(2024, 2, 3, 4, 5, 6).unwrap()
                + chrono::Duration::milliseconds(789),
            last_sign_in: None,
            department: None,
        },
    );
    let group =
        |id: &str, name: &str, kind, membership, sync, mail, owners: &[&str], members| Group {
            id: id.into(),
            display_name: name.into(),
            kind,
            membership,
            on_premises_sync: sync,
            mail_enabled: mail,
            owners: owners.iter().map(|s| s.to_string()).collect(),
            members,
        };
    let u = |id: &str| Principal::User(id.into());
    for g in [
        group(
            "grp-eng",
            "Engineering",
            GroupKind::Security,
            Membership::Assigned,
            false,
            false,
            &["u1"],
            vec![u("u2"), Principal::Group("grp-platform".into())],
        ),
        group(
            "grp-platform",
            "Platform Team",
            GroupKind::Microsoft365,
            Membership::Assigned,
            true,
            true,
            &[],
            vec![u("u3")],
        ),
        group(
            "grp-all",
            "All Employees",
            GroupKind::Security,
            Membership::Dynamic {
                rule: "user.userType -eq \"Member\"".into(),
            },
            false,
            false,
            &[],
            vec![u("u1"), u("u2"), u("u3")],
        ),
    ] {
        dir.groups.insert(g.id.clone(), g);
    }
    dir.applications.insert(
        "sp-sf".into(),
        Application {
            id: "sp-sf".into(),
            display_name: "Salesforce".into(),
            owners: vec!["u1".into()],
            assignments: vec![Principal::Group("grp-eng".into()), u("u3")],
        },
    );
    let assignment = |user: &str, kind| RoleAssignment {
        user: user.into(),
        kind,
    };
    dir.roles.insert(
        "r-ga".into(),
        DirectoryRole {
            id: "r-ga".into(),
            display_name: "Global Administrator".into(),
            privileged: true,
            assignments: vec![
                assignment("u1", AssignmentKind::Active),
                assignment("u2", AssignmentKind::Eligible),
            ],
        },
    );
    dir.roles.insert(
        "r-rr".into(),
        DirectoryRole {
            id: "r-rr".into(),
            display_name: "Reports Reader".into(),
            privileged: false,
            assignments: vec![assignment("u3", AssignmentKind::Active)],
        },
    );
    dir.access_packages.insert(
        "ap-1".into(),
        AccessPackage {
            id: "ap-1".into(),
            display_name: "Marketing campaign tools".into(),
            owners: vec!["u1".into()],
            assignments: vec!["g1".into()],
        },
    );
    dir
}

#[test]
fn graph_import_reads_every_collection() {
    let files = graph_files();
    let dir = import_graph(&current(), &files).unwrap();
    assert_eq!(dir, expected_graph_directory());
    assert_eq!(dir.transitive_members("grp-eng").len(), 2);
}

#[test]
fn graph_import_in_steps_matches_one_shot() {
    let files = graph_files();
    let mut import = GraphImport::new(&current());
    for (name, text) in &files {
        import.add_file(name, text).unwrap();
    }
    let mut steps = Vec::new();
    loop {
        let progress = import.step(3).unwrap();
        steps.push(progress);
        if progress.done == progress.total {
            break;
        }
    }
    assert_eq!(steps.first(), Some(&ImportProgress { done: 3, total: 16 }));
    assert_eq!(steps.len(), 6);
    let (dir, summary) = import.finish().unwrap();
    assert_eq!(dir, expected_graph_directory());
    assert_eq!(
        (
            summary.users,
            summary.groups,
            summary.applications,
            summary.roles,
            summary.access_packages
        ),
        (Some(4), Some(3), Some(1), Some(2), Some(1))
    );
}

/// A Graph import the way the browser runs it: nothing copied up front (`deferred`, then
/// `keep_from`), items converted and references checked `budget` at a time, each phase's
/// progress checked as it goes.
fn stepwise(
    current: &Directory,
    files: &[(String, String)],
    budget: usize,
) -> Result<(Directory, ImportSummary), ImportError> {
    let mut import = GraphImport::deferred();
    for (name, text) in files {
        import.add_file(name, text)?;
    }
    import.keep_from(current);
    let mut last = ImportProgress { done: 0, total: 0 };
    while import.phase() == ImportPhase::Converting {
        let p = import.step(budget)?;
        assert!(
            p.done > last.done && p.done <= p.total,
            "{last:?} then {p:?}"
        );
        last = p;
    }
    let mut last: Option<ImportProgress> = None;
    loop {
        assert_eq!(import.phase(), ImportPhase::Checking);
        let p = import.check(budget)?;
        assert!(p.done <= p.total, "{p:?}");
        if let Some(last) = last {
            assert!(
                p.done > last.done && p.total == last.total,
                "{last:?} then {p:?}"
            );
        }
        last = Some(p);
        if p.done == p.total {
            break;
        }
    }
    import.finish()
}

#[test]
fn graph_import_checks_references_in_bounded_steps() {
    let files = graph_files();
    let users_only: Vec<_> = files
        .iter()
        .filter(|(n, _)| n.starts_with("users"))
        .cloned()
        .collect();
    let mut no_groups = current();
    no_groups.groups.clear();
    let roles_only: Vec<_> = files
        .iter()
        .filter(|(n, _)| n.starts_with("users") || n.starts_with("role"))
        .cloned()
        .collect();
    // (what, current directory, files): every result must equal the one-shot import's.
    type Case = (&'static str, Directory, Vec<(String, String)>);
    let cases: Vec<Case> = vec![
        ("every collection", current(), files.clone()),
        ("users only, groups kept (none)", no_groups, users_only),
        (
            "users and roles, the rest kept",
            Directory::default(),
            roles_only,
        ),
        (
            "a tenant of 300",
            Directory::default(),
            export_graph(&sample_tenant(&SampleConfig {
                users: 300,
                seed: 4,
                now: at(2025, 6, 30),
            })),
        ),
    ];
    for (what, current, files) in &cases {
        let snapshot = current.clone();
        let expected = GraphImport::new(current);
        let mut expected = expected;
        for (name, text) in files {
            expected.add_file(name, text).unwrap();
        }
        let (expected, expected_summary) = expected.finish().unwrap();
        for budget in [1, 3, 50, usize::MAX] {
            let (dir, summary) = stepwise(current, files, budget)
                .unwrap_or_else(|e| panic!("{what}, steps of {budget}: {e}"));
            assert!(dir == expected, "{what}, steps of {budget}");
            assert_eq!(summary, expected_summary, "{what}, steps of {budget}");
        }
        assert_eq!(
            current, &snapshot,
            "{what}: the current directory must not change"
        );
    }
}

#[test]
fn graph_import_keeps_collections_it_does_not_contain() {
    let mut dir = current();
    let files: Vec<_> = graph_files()
        .into_iter()
        .filter(|(n, _)| n.starts_with("users"))
        .collect();
    // Current groups refer to "old-1", which the imported users drop: rejected, naming it.
    let err = import_graph(&dir, &files).unwrap_err();
    assert_eq!(
        (err.file.as_str(), err.location.as_str()),
        ("current directory", "groups[old-g].owners")
    );
    for budget in [1, 2, usize::MAX] {
        assert_eq!(stepwise(&dir, &files, budget).unwrap_err(), err);
    }
    dir.groups.clear();
    let imported = import_graph(&dir, &files).unwrap();
    assert_eq!(imported.users.len(), 4);
    assert!(imported.groups.is_empty());
}

/// One rejected Graph import: replace (or add) file `file` with `text`, expect the error.
fn check_graph(file: &str, text: &str, location: &str, problem: &str) {
    let mut files = graph_files();
    match files.iter_mut().find(|(n, _)| n == file) {
        Some(f) => f.1 = text.to_string(),
        None => files.push((file.to_string(), text.to_string())),
    }
    let before = current();
    let snapshot = before.clone();
    let err: ImportError = import_graph(&before, &files).expect_err(problem);
    assert_eq!(before, snapshot, "the current directory must not change");
    // The stepwise path the browser takes, in the smallest steps, fails the same way.
    for budget in [1, 4] {
        let stepped = stepwise(&before, &files, budget).expect_err(problem);
        assert_eq!(stepped, err, "in steps of {budget}");
    }
    assert_eq!(before, snapshot, "the current directory must not change");
    assert_refused_at(&err, file, location, problem);
}

/// A refused import names this file and place, and says this problem.
fn assert_refused_at(err: &ImportError, file: &str, location: &str, problem: &str) {
    assert_eq!(
        (err.file.as_str(), err.location.as_str()),
        (file, location),
        "{err}"
    );
    assert!(
        err.problem.contains(problem),
        "problem {:?} should contain {problem:?}",
        err.problem
    );
    assert!(
        err.to_string()
            .starts_with(&format!("{file} at {location}: ")),
        "{err}"
    );
}

fn users_page(items: serde_json::Value) -> String {
    page("users", items)
}

fn valid_user() -> serde_json::Value {
    json!({"id": "u9", "displayName": "Nine", "userType": "Member", "accountEnabled": true,
           "createdDateTime": "2021-01-01T00:00:00Z"})
}

fn with(mut v: serde_json::Value, key: &str, value: serde_json::Value) -> serde_json::Value {
    v[key] = value;
    v
}

fn without(mut v: serde_json::Value, key: &str) -> serde_json::Value {
    v.as_object_mut().unwrap().remove(key);
    v
}

#[test]
fn graph_import_rejects_bad_files_whole() {
    let u = valid_user;
    let cases: Vec<(&str, String, &str, &str)> = vec![
        ("users-page2.json", "{\"value\": [ {\"id\": 1,, }".into(), "line 1, column 22", "invalid JSON: key must be a string"),
        ("users-page2.json", "[1, 2]".into(), "$", "file is not a Microsoft Graph collection: expected a JSON object with a \"value\" array"),
        ("users-page2.json", "{\"value\": 3}".into(), "$", "not a Microsoft Graph collection"),
        ("devices.json", page("devices", json!([])), "$['@odata.context']", "not a collection Attest imports"),
        ("mystery.json", "{\"value\": [{\"id\": \"x\"}]}".into(), "$.value[0]", "cannot tell which collection"),
        ("users-page2.json", users_page(json!([without(u(), "displayName")])), "$.value[0].displayName", "missing required field \"displayName\""),
        ("users-page2.json", users_page(json!([without(u(), "userType")])), "$.value[0].userType", "missing required field"),
        ("users-page2.json", users_page(json!([with(u(), "userType", json!("Robot"))])), "$.value[0].userType", "expected \"Member\" or \"Guest\""),
        ("users-page2.json", users_page(json!([with(u(), "accountEnabled", json!("yes"))])), "$.value[0].accountEnabled", "should be true or false, found a string"),
        ("users-page2.json", users_page(json!([u(), with(u(), "id", json!(42))])), "$.value[1].id", "should be a string, found a number"),
        ("users-page2.json", users_page(json!([with(u(), "createdDateTime", json!("last tuesday"))])), "$.value[0].createdDateTime", "not a date"),
        (
            "users-page2.json",
            users_page(json!([with(u(), "signInActivity", json!({"lastSignInDateTime": "2024-13-45T00:00:00Z"}))])),
            "$.value[0].signInActivity.lastSignInDateTime",
            "not a date",
        ),
        ("users-page2.json", users_page(json!([u(), 7])), "$.value[1]", "should be an object, found a number"),
        (
            "users-page1.json",
            users_page(json!([with(u(), "id", json!("u1")), with(u(), "id", json!("u3"))])),
            "$.value[1].id",
            "duplicate id \"u3\": also at users-page2.json $.value[0].id",
        ),
        (
            "users-page2.json",
            users_page(json!([u(), with(with(u(), "id", json!("u10")), "manager", json!({"id": "u-99"}))])),
            "$.value[1].manager.id",
            "manager \"u-99\" does not exist in the directory",
        ),
        (
            "groups.json",
            page("groups", json!([{"id": "g", "displayName": "G", "members": [{"@odata.type": "#microsoft.graph.user", "id": "u1"}, {"@odata.type": "#microsoft.graph.group", "id": "nope"}]}])),
            "$.value[0].members[1].id",
            "member \"nope\" (a group) does not exist",
        ),
        (
            "groups.json",
            page("groups", json!([{"id": "g", "displayName": "G", "owners": [{"id": "u1"}, {"id": "ghost"}]}])),
            "$.value[0].owners[1].id",
            "owner \"ghost\" does not exist",
        ),
        (
            "groups.json",
            page("groups", json!([{"id": "g", "displayName": "G", "members": [{"id": "u1"}]}])),
            "$.value[0].members[0]",
            "missing \"@odata.type\"",
        ),
        (
            "groups.json",
            page("groups", json!([{"id": "g", "displayName": "G", "groupTypes": ["DynamicMembership"]}])),
            "$.value[0].membershipRule",
            "needs a \"membershipRule\"",
        ),
        (
            "servicePrincipals.json",
            page("servicePrincipals", json!([{"id": "s", "displayName": "S", "appRoleAssignedTo": [{"principalId": "who", "principalType": "User"}]}])),
            "$.value[0].appRoleAssignedTo[0].principalId",
            "assigned principal \"who\" (a user) does not exist",
        ),
        (
            "roleAssignments.json",
            page("roleManagement/directory/roleAssignments", json!([{"principalId": "u-x", "roleDefinitionId": "r-ga"}])),
            "$.value[0].principalId",
            "principal \"u-x\" is not a user",
        ),
        (
            "roleAssignments.json",
            page("roleManagement/directory/roleAssignments", json!([{"principalId": "u1", "roleDefinitionId": "r-none"}])),
            "$.value[0].roleDefinitionId",
            "role definition \"r-none\" does not exist",
        ),
        (
            "packageAssignments.json",
            page("identityGovernance/entitlementManagement/assignments", json!([{"accessPackage": {"id": "ap-1"}, "target": {"objectId": "nobody"}}])),
            "$.value[0].target.objectId",
            "assigned user \"nobody\" does not exist",
        ),
        (
            "packageAssignments.json",
            page("identityGovernance/entitlementManagement/assignments", json!([{"accessPackage": {"id": "ap-1"}}])),
            "$.value[0].target",
            "missing required field \"target\"",
        ),
    ];
    for (file, text, location, problem) in &cases {
        check_graph(file, text, location, problem);
    }
}
