//! Graph's documented list responses beyond the collections: a group's members paged over
//! several files (Graph cuts `$expand=members` at 20, so real tenants come in pages),
//! `appRoleAssignedTo` with its key-segment context, distribution lists, groups listed
//! without members.

use super::*;

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
