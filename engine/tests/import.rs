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

// ---- CSV ----

const USERS_CSV: &str = "\u{feff}id,displayName,userPrincipalName,userType,accountEnabled,createdDateTime,lastSignInDateTime,department,managerId\r\n\
u1,\"Adams, Ada\",ada@contoso.com,Member,true,2020-01-01T09:00:00Z,2025-05-01T09:00:00Z,Sales,\r\n\
u2,\"Bo \"\"The Boss\"\" Berg\",bo@contoso.com,Member,TRUE,2020-01-01,,\"Research\nand Development\",u1\r\n\
g1,Gina,gina_fabrikam.com#EXT#@contoso.onmicrosoft.com,Guest,false,2024-02-03T04:05:06Z,,,\r\n";

const GROUPS_CSV: &str =
    "id,displayName,groupType,membershipRule,onPremisesSyncEnabled,mailEnabled\n\
grp-a,\"Team, A\",Microsoft365,,false,true\n\
grp-d,Dynamic,Security,\"user.department -eq \"\"Sales\"\"\",,\n";

const MEMBERSHIPS_CSV: &str = "groupId,memberId,memberType,role\n\
grp-a,u1,User,Owner\n\
grp-a,u2,User,Member\n\
grp-a,grp-d,Group,Member\n\
grp-d,g1,User,Member\n";

fn csv_files() -> Vec<(String, String)> {
    vec![
        ("memberships.csv".into(), MEMBERSHIPS_CSV.into()),
        ("users.csv".into(), USERS_CSV.into()),
        ("groups.csv".into(), GROUPS_CSV.into()),
    ]
}

#[test]
fn csv_import_reads_quoting_bom_and_line_endings() {
    let (dir, summary) = import_csv(&current(), &csv_files()).unwrap();
    assert_eq!(
        (summary.users, summary.groups, summary.links),
        (Some(3), Some(2), 4)
    );
    assert_eq!(dir.users["u1"].display_name, "Adams, Ada");
    assert_eq!(dir.users["u1"].manager, None);
    let u2 = &dir.users["u2"];
    assert_eq!(u2.display_name, "Bo \"The Boss\" Berg");
    assert_eq!(u2.department.as_deref(), Some("Research\nand Development"));
    assert_eq!(
        (u2.manager.as_deref(), u2.last_sign_in, u2.created),
        (
            Some("u1"),
            None,
            Utc.with_ymd_and_hms(2020, 1, 1, 0, 0, 0).unwrap()
        )
    );
    assert_eq!(
        (dir.users["g1"].user_type, dir.users["g1"].account_enabled),
        (UserType::Guest, false)
    );
    let a = &dir.groups["grp-a"];
    assert_eq!(
        (a.display_name.as_str(), a.kind, a.mail_enabled),
        ("Team, A", GroupKind::Microsoft365, true)
    );
    assert_eq!(a.owners, vec!["u1".to_string()]);
    assert_eq!(
        a.members,
        vec![
            Principal::User("u2".into()),
            Principal::Group("grp-d".into())
        ]
    );
    assert_eq!(
        dir.groups["grp-d"].membership,
        Membership::Dynamic {
            rule: "user.department -eq \"Sales\"".into()
        }
    );
    assert!(dir.applications.is_empty() && dir.roles.is_empty());
}

fn check_csv(file: &str, text: &str, location: &str, problem: &str) {
    let mut files = csv_files();
    match files.iter_mut().find(|(n, _)| n == file) {
        Some(f) => f.1 = text.to_string(),
        None => files.push((file.to_string(), text.to_string())),
    }
    let before = current();
    let snapshot = before.clone();
    let err = import_csv(&before, &files).expect_err(problem);
    assert_eq!(before, snapshot);
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
}

#[test]
fn csv_import_rejects_bad_files_whole() {
    let users_header = "id,displayName,userPrincipalName,userType,accountEnabled,createdDateTime,lastSignInDateTime,department,managerId\n";
    let row = |s: &str| format!("{users_header}u1,A,a@c.com,Member,true,2020-01-01,,,\n{s}\n");
    let cases: Vec<(&str, String, &str, &str)> = vec![
        ("users.csv", "id,displayName,userPrincipalName,userType,createdDateTime,lastSignInDateTime,department,managerId\n".into(), "line 1", "missing column accountEnabled"),
        ("users.csv", users_header.replace("managerId", "managerId,shoeSize"), "line 1", "unknown column \"shoeSize\""),
        ("other.csv", "name,colour\nx,y\n".into(), "line 1", "not a users, groups or memberships CSV"),
        ("users.csv", row("u2,B,b@c.com,Member,yes,2020-01-01,,,"), "line 3", "accountEnabled is \"yes\"; expected true or false"),
        ("users.csv", row("u2,B,b@c.com,Member,true,01/02/2020,,,"), "line 3", "createdDateTime \"01/02/2020\" is not a date"),
        ("users.csv", row("u2,B,b@c.com,Alien,true,2020-01-01,,,"), "line 3", "userType is \"Alien\""),
        ("users.csv", row("u1,B,b@c.com,Member,true,2020-01-01,,,"), "line 3", "duplicate id \"u1\": also at users.csv line 2"),
        ("users.csv", row("u2,B,b@c.com,Member,true,2020-01-01,,,u-404"), "line 3", "managerId \"u-404\" does not exist"),
        ("users.csv", row("u2,B,b@c.com,Member,true"), "line 3", "5 fields, but the header has 9 columns"),
        ("users.csv", format!("{users_header}u1,\"multi\nline\",a@c.com,Member,true,2020-01-01,,,\nu2,\"B,b@c.com,Member,true,2020-01-01,,,\n"), "line 4", "quoted field is not closed"),
        ("users.csv", format!("{users_header}u1,\"multi\nline\",a@c.com,Member,maybe,2020-01-01,,,\n"), "line 2", "accountEnabled is \"maybe\""),
        ("groups.csv", "id,displayName,groupType,membershipRule,onPremisesSyncEnabled,mailEnabled\ngrp-a,A,Distribution,,,\n".into(), "line 2", "groupType is \"Distribution\""),
        ("memberships.csv", "groupId,memberId,memberType,role\ngrp-a,u1,User,Member\ngrp-a,u-missing,User,Member\n".into(), "line 3", "memberId \"u-missing\" is not a user"),
        ("memberships.csv", "groupId,memberId,memberType,role\ngrp-zzz,u1,User,Member\n".into(), "line 2", "groupId \"grp-zzz\" is not a group"),
        ("memberships.csv", "groupId,memberId,memberType,role\ngrp-a,grp-d,Group,Owner\n".into(), "line 2", "an owner must be a user"),
    ];
    for (file, text, location, problem) in &cases {
        check_csv(file, text, location, problem);
    }
}

#[test]
fn csv_reader_and_writer_agree() {
    let fields = [
        "plain",
        "with, comma",
        "with \"quotes\"",
        "two\nlines",
        "",
        "crlf\r\nend",
    ];
    let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
    let text = format!("{}\r\nnext,row\r\n", line.join(","));
    let parsed = parse_csv(&text).unwrap();
    assert_eq!(
        parsed[0],
        (1, fields.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    );
    assert_eq!(parsed[1], (4, vec!["next".to_string(), "row".to_string()]));
    assert_eq!(csv_field("a\"b"), "\"a\"\"b\"");
    assert_eq!(
        parse_csv("a,b\"c\n"),
        Err((
            1,
            "a '\"' inside an unquoted field: quote the whole field and double the quote (\"\")"
                .to_string()
        ))
    );
}

// ---- Export round trip ----

fn check_round_trip(dir: &Directory) {
    let files = export_graph(dir);
    let back = import_graph(&Directory::default(), &files).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(&back, dir);
    assert_eq!(export_graph(&back), files, "export is stable");
}

#[test]
fn export_imports_back_identical() {
    let mut small = expected_graph_directory();
    small.users.get_mut("u2").unwrap().department = None;
    small.users.get_mut("u3").unwrap().last_sign_in =
        Some(at(2025, 1, 2) + chrono::Duration::nanoseconds(123_456_789));
    check_round_trip(&small);
    check_round_trip(&Directory::default());
    check_round_trip(&sample_tenant(&SampleConfig {
        users: 2_000,
        seed: 5,
        now: at(2025, 6, 30),
    }));
}

/// Not an assertion on time: prints how long 100,000 users take to generate, export and
/// import (run with --release --nocapture to measure).
#[test]
fn hundred_thousand_users_round_trip() {
    let started = std::time::Instant::now();
    let dir = sample_tenant(&SampleConfig {
        users: 100_000,
        seed: 1,
        now: at(2025, 6, 30),
    });
    let generated = started.elapsed();
    let files = export_graph(&dir);
    let exported = started.elapsed() - generated;
    let bytes: usize = files.iter().map(|(_, t)| t.len()).sum();
    let started = std::time::Instant::now();
    let mut import = GraphImport::new(&Directory::default());
    for (name, text) in &files {
        import.add_file(name, text).unwrap();
    }
    let split = started.elapsed();
    let mut steps = 0;
    while {
        let p = import.step(5_000).unwrap();
        steps += 1;
        p.done < p.total
    } {}
    let (back, summary) = import.finish().unwrap();
    println!(
        "100,000 users: generate {generated:?}, export {exported:?} ({} MB), import {:?} (add_file {split:?}, {steps} steps)",
        bytes / 1_000_000,
        started.elapsed()
    );
    assert_eq!(summary.users, Some(100_000));
    assert!(back == dir);
}

/// The runtime saves imports through `prepare_owned` (the directory moves into the record);
/// it must decide exactly as `prepare`: the same record for a good directory, the same
/// refusal for a dangling one or a reviewer trying to import.
#[test]
fn prepare_owned_decides_imports_as_prepare_does() {
    use attest_engine::{Actor, Command, Context, State};
    let good = sample_tenant(&SampleConfig {
        users: 120,
        seed: 9,
        now: Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap(),
    });
    let mut dangling = good.clone();
    dangling.users.values_mut().next().unwrap().manager = Some("u-nobody".into());
    let admin = Actor::Administrator { name: "Ada".into() };
    let reviewer = Actor::User {
        id: good.users.keys().next().unwrap().clone(),
    };
    let state = State {
        directory: good.clone(),
        ..State::default()
    };
    for (directory, actor) in [
        (good, admin.clone()),
        (dangling, admin),
        (state.directory.clone(), reviewer),
    ] {
        let cmd = Command::ImportDirectory {
            directory: Box::new(directory),
            source: "test".into(),
        };
        let ctx = Context {
            actor,
            now: Utc.with_ymd_and_hms(2026, 1, 6, 9, 0, 0).unwrap(),
            record_id: "r1".into(),
            reason: None,
        };
        assert_eq!(
            state.prepare_owned(cmd.clone(), &ctx),
            state.prepare(&cmd, &ctx)
        );
    }
}

/// Graph's documented list responses beyond the collections: a group's members paged over
/// several files (Graph cuts `$expand=members` at 20, so real tenants come in pages),
/// `appRoleAssignedTo` with its key-segment context, distribution lists, groups listed
/// without members.
fn import_with_summary(
    files: &[(&str, String)],
) -> Result<(Directory, ImportSummary), ImportError> {
    let mut import = GraphImport::new(&current());
    for (name, text) in files {
        import.add_file(name, text)?;
    }
    import.finish()
}

fn paged_users() -> String {
    // old-1 stays: the current directory's group refers to it.
    let users: Vec<serde_json::Value> = ["old-1", "m1", "m2", "m3", "m4", "m5"]
        .iter()
        .map(|id| {
            json!({"id": id, "displayName": format!("User {id}"), "userPrincipalName": format!("{id}@contoso.com"),
                   "userType": "Member", "accountEnabled": true, "createdDateTime": "2020-01-01T09:00:00Z"})
        })
        .collect();
    page("users", json!(users))
}

/// A page of `GET /groups/{id}/members` as "List group members" (api/group-list-members.md)
/// shows it: context `directoryObjects`, typed directory objects; `next` is the
/// `@odata.nextLink` of "Paging Microsoft Graph data" (concepts/paging.md).
fn members_page(ids: &[&str], next: Option<&str>) -> String {
    let mut v = json!({
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#directoryObjects",
        "value": ids.iter().map(|id| json!({"@odata.type": "#microsoft.graph.user", "id": id, "mail": format!("{id}@contoso.com")})).collect::<Vec<_>>(),
    });
    if let Some(n) = next {
        v["@odata.nextLink"] = json!(n);
    }
    v.to_string()
}

fn groups_listed_without_members() -> String {
    page(
        "groups",
        json!([
            {"id": "grp-big", "displayName": "Big group", "groupTypes": [], "mailEnabled": false, "securityEnabled": true,
             "members": [{"@odata.type": "#microsoft.graph.user", "id": "m1"}]},
            {"id": "grp-bare", "displayName": "Bare group", "groupTypes": [], "mailEnabled": false, "securityEnabled": true},
            {"id": "grp-dl", "displayName": "Newsletter", "groupTypes": [], "mailEnabled": true, "securityEnabled": false},
            {"id": "grp-m365", "displayName": "Marketing", "groupTypes": ["Unified"], "mailEnabled": true, "securityEnabled": false,
             "members": []}
        ]),
    )
}

#[test]
fn graph_import_joins_member_pages_and_says_what_it_left_out() {
    let next = |token: &str| {
        format!("https://graph.microsoft.com/v1.0/groups/grp-big/members?$top=2&$skiptoken={token}")
    };
    let files = [
        ("users.json", paged_users()),
        ("groups.json", groups_listed_without_members()),
        (
            "members-1.json",
            members_page(&["m1", "m2"], Some(&next("A"))),
        ),
        (
            "members-2.json",
            members_page(&["m3", "m4"], Some(&next("B"))),
        ),
        ("members-3.json", members_page(&["m5"], None)),
    ];
    let (dir, summary) = import_with_summary(&files).unwrap();
    let members: Vec<Principal> = ["m1", "m2", "m3", "m4", "m5"]
        .iter()
        .map(|id| Principal::User(id.to_string()))
        .collect();
    // The pages replace the expanded (cut) list; the last page, without a nextLink,
    // belongs to the group of the page before it.
    assert_eq!(dir.groups["grp-big"].members, members);
    assert_eq!(dir.groups["grp-m365"].kind, GroupKind::Microsoft365);
    // A distribution list is not a security group: left out and said.
    assert!(!dir.groups.contains_key("grp-dl"));
    assert_eq!(summary.groups, Some(3));
    assert_eq!(summary.links, 5);
    assert_eq!(summary.notices.len(), 2, "{:?}", summary.notices);
    assert!(
        summary.notices[0]
            .starts_with("groups.json at $.value[2]: \"Newsletter\" is a distribution list"),
        "{}",
        summary.notices[0]
    );
    assert!(
        summary.notices[1].starts_with(
            "groups.json at $.value[1]: group \"Bare group\" was listed without its members"
        ),
        "{}",
        summary.notices[1]
    );

    // A single page names no group: the file name may; otherwise refused, naming the file.
    let single = [
        ("users.json", paged_users()),
        ("groups.json", groups_listed_without_members()),
        ("members-grp-bare.json", members_page(&["m2", "m3"], None)),
    ];
    let (dir, summary) = import_with_summary(&single).unwrap();
    assert_eq!(
        dir.groups["grp-bare"].members,
        vec![Principal::User("m2".into()), Principal::User("m3".into())]
    );
    assert_eq!(summary.notices.len(), 1, "only the distribution list");
    let unnamed = [
        ("users.json", paged_users()),
        ("groups.json", groups_listed_without_members()),
        ("page.json", members_page(&["m2"], None)),
    ];
    let e = import_with_summary(&unnamed).unwrap_err();
    assert_eq!((e.file.as_str(), e.location.as_str()), ("page.json", "$"));
    assert!(
        e.problem.starts_with("cannot tell which group"),
        "{}",
        e.problem
    );
    // A member that does not exist is named at its place in its page.
    let dangling = [
        ("users.json", paged_users()),
        ("groups.json", groups_listed_without_members()),
        (
            "members-1.json",
            members_page(&["m1", "nobody"], Some(&next("A"))),
        ),
    ];
    let e = import_with_summary(&dangling).unwrap_err();
    assert_eq!(
        (e.file.as_str(), e.location.as_str(), e.problem.as_str()),
        (
            "members-1.json",
            "$.value[1].id",
            "member user \"nobody\" does not exist in the directory"
        )
    );
}

/// "List appRoleAssignments granted for a service principal"
/// (api/serviceprincipal-list-approleassignedto.md): the context has a key segment.
#[test]
fn graph_import_reads_app_role_assigned_to_pages() {
    let sp = "8e881353-1735-45af-af21-ee1344582a4d";
    let files = [
        ("users.json", paged_users()),
        (
            "servicePrincipals.json",
            page("servicePrincipals", json!([{"id": sp, "appId": "a", "displayName": "dxprovisioning-graphapi-client",
                  "appRoleAssignedTo": [{"principalId": "m5", "principalType": "User"}]}])),
        ),
        (
            "assigned.json",
            json!({
                "@odata.context": format!("https://graph.microsoft.com/v1.0/$metadata#servicePrincipals('{sp}')/appRoleAssignedTo"),
                "value": [
                    {"id": "41W1zT6z1U-kJxf62svfp1HFE8pMZhxDun-ThPczmJE", "deletedDateTime": null,
                     "appRoleId": "00000000-0000-0000-0000-000000000000", "createdDateTime": "2021-02-02T04:22:45.9480566Z",
                     "principalDisplayName": "User m1", "principalId": "m1", "principalType": "User",
                     "resourceDisplayName": "dxprovisioning-graphapi-client", "resourceId": sp},
                    {"id": "x2", "appRoleId": "00000000-0000-0000-0000-000000000000", "principalId": "old-g",
                     "principalType": "Group", "resourceId": sp},
                    {"id": "x3", "appRoleId": "00000000-0000-0000-0000-000000000000", "principalId": "sp-2",
                     "principalType": "ServicePrincipal", "resourceId": sp}
                ]
            })
            .to_string(),
        ),
    ];
    let (dir, _) = import_with_summary(&files).unwrap();
    // Another relation of one object is not read as that object's collection.
    let member_of = page(
        "users('m1')/memberOf",
        json!([{"@odata.type": "#microsoft.graph.group", "id": "old-g"}]),
    );
    let e = import_with_summary(&[("memberOf.json", member_of)]).unwrap_err();
    assert_eq!(
        (e.file.as_str(), e.location.as_str()),
        ("memberOf.json", "$['@odata.context']")
    );
    assert_eq!(
        dir.applications[sp].assignments,
        vec![
            Principal::User("m1".into()),
            Principal::Group("old-g".into())
        ]
    );
}

/// "List assignments" (api/accesspackageassignment-list.md): without
/// `$expand=target,accessPackage` an assignment says neither whose nor of which package;
/// refused with how to ask for it. With the expansion it is read, no context needed.
#[test]
fn graph_import_reads_access_package_assignment_lists() {
    let packages = page(
        "identityGovernance/entitlementManagement/accessPackages",
        json!([{"id": "ap-1", "displayName": "Tools"}]),
    );
    let bare = json!({"value": [{"id": "4e76b016-b016-4e76-16b0-764e16b0764e", "state": "delivered",
        "status": "Delivered", "expiredDateTime": null, "schedule": {"@odata.type": "microsoft.graph.entitlementManagementSchedule"}}]})
    .to_string();
    let e = import_with_summary(&[
        ("users.json", paged_users()),
        ("p.json", packages.clone()),
        ("a.json", bare),
    ])
    .unwrap_err();
    assert_eq!(
        (e.file.as_str(), e.location.as_str()),
        ("a.json", "$.value[0].target")
    );
    assert!(
        e.problem.contains("$expand=target,accessPackage"),
        "{}",
        e.problem
    );
    let expanded = json!({"value": [
        {"id": "a1", "state": "delivered", "status": "Delivered", "expiredDateTime": null,
         "schedule": {"@odata.type": "microsoft.graph.entitlementManagementSchedule"},
         "target": {"objectId": "m2", "displayName": "User m2"}, "accessPackage": {"id": "ap-1", "displayName": "Tools"}}]})
    .to_string();
    let (dir, _) = import_with_summary(&[
        ("users.json", paged_users()),
        ("p.json", packages),
        ("a.json", expanded),
    ])
    .unwrap();
    assert_eq!(
        dir.access_packages["ap-1"].assignments,
        vec!["m2".to_string()]
    );
}
