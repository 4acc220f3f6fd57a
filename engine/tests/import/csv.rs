//! CSV import: quoting, BOM and line endings; bad files refused whole.

use super::*;

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
    assert_eq!(before, snapshot, "the current directory must not change");
    assert_refused_at(&err, file, location, problem);
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
