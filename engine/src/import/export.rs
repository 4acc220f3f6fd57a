//! Export a directory as the Graph collection documents `import_graph` reads, one file per
//! collection, so an export imports back into an identical directory.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use super::graph::Collection;
use crate::directory::{AssignmentKind, Directory, GroupKind, Membership, Principal, UserType};

const GRAPH: &str = "https://graph.microsoft.com/v1.0/$metadata#";

#[derive(Serialize)]
struct Page<T> {
    #[serde(rename = "@odata.context")]
    context: String,
    value: Vec<T>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct GraphUser<'a> {
    id: &'a str,
    display_name: &'a str,
    user_principal_name: &'a str,
    user_type: &'a str,
    account_enabled: bool,
    created_date_time: String,
    department: Option<&'a str>,
    sign_in_activity: Option<SignInActivity>,
    manager: Option<DirectoryObject<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SignInActivity {
    last_sign_in_date_time: String,
}

#[derive(Serialize)]
struct DirectoryObject<'a> {
    #[serde(rename = "@odata.type")]
    odata_type: &'a str,
    id: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct GraphGroup<'a> {
    id: &'a str,
    display_name: &'a str,
    group_types: Vec<&'a str>,
    membership_rule: Option<&'a str>,
    security_enabled: bool,
    mail_enabled: bool,
    /// Graph reports `null`, not `false`, for cloud groups.
    on_premises_sync_enabled: Option<bool>,
    owners: Vec<DirectoryObject<'a>>,
    members: Vec<DirectoryObject<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct GraphServicePrincipal<'a> {
    id: &'a str,
    display_name: &'a str,
    owners: Vec<DirectoryObject<'a>>,
    app_role_assigned_to: Vec<AppRoleAssignment<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AppRoleAssignment<'a> {
    principal_id: &'a str,
    principal_type: &'a str,
    resource_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    created_date_time: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RoleDefinition<'a> {
    id: &'a str,
    display_name: &'a str,
    is_privileged: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RoleAssignmentItem<'a> {
    principal_id: &'a str,
    role_definition_id: &'a str,
    directory_scope_id: &'a str,
    /// Graph's role assignment and eligibility schedule instances carry their start.
    #[serde(skip_serializing_if = "Option::is_none")]
    start_date_time: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct GraphAccessPackage<'a> {
    id: &'a str,
    display_name: &'a str,
    /// Not a Graph property: package managers, which Graph keeps in catalog roles.
    owners: Vec<DirectoryObject<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PackageAssignment<'a> {
    state: &'a str,
    access_package: IdOnly<'a>,
    target: Target<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    schedule: Option<StartOnly>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StartOnly {
    start_date_time: String,
}

/// A grant date as Graph writes it.
fn graph_date(at: chrono::DateTime<chrono::Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

#[derive(Serialize)]
struct IdOnly<'a> {
    id: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Target<'a> {
    object_id: &'a str,
}

const USER: &str = "#microsoft.graph.user";
const GROUP: &str = "#microsoft.graph.group";

fn date(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

fn users<'a>(ids: &'a [String]) -> Vec<DirectoryObject<'a>> {
    ids.iter()
        .map(|id| DirectoryObject {
            odata_type: USER,
            id,
        })
        .collect()
}

fn principal(p: &Principal) -> (&str, &'static str) {
    match p {
        Principal::User(id) => (id, "User"),
        Principal::Group(id) => (id, "Group"),
    }
}

fn page<T: Serialize>(collection: Collection, value: Vec<T>) -> (String, String) {
    let name = format!(
        "{}.json",
        collection
            .context_path()
            .rsplit('/')
            .next()
            .unwrap_or("export")
    );
    let name = if collection == Collection::PackageAssignments {
        "accessPackageAssignments.json".to_string()
    } else {
        name
    };
    let page = Page {
        context: format!("{GRAPH}{}", collection.context_path()),
        value,
    };
    let json = serde_json::to_string_pretty(&page).expect("export types always serialize");
    (name, json)
}

/// The directory as Graph collection documents: (file name, JSON), in a fixed order.
pub fn export_graph(dir: &Directory) -> Vec<(String, String)> {
    let user_items: Vec<_> = dir
        .users
        .values()
        .map(|u| GraphUser {
            id: &u.id,
            display_name: &u.display_name,
            user_principal_name: &u.user_principal_name,
            user_type: match u.user_type {
                UserType::Member => "Member",
                UserType::Guest => "Guest",
            },
            account_enabled: u.account_enabled,
            created_date_time: date(u.created),
            department: u.department.as_deref(),
            sign_in_activity: u.last_sign_in.map(|t| SignInActivity {
                last_sign_in_date_time: date(t),
            }),
            manager: u.manager.as_deref().map(|id| DirectoryObject {
                odata_type: USER,
                id,
            }),
        })
        .collect();
    let groups = dir
        .groups
        .values()
        .map(|g| {
            let mut group_types = Vec::new();
            if g.kind == GroupKind::Microsoft365 {
                group_types.push("Unified");
            }
            let membership_rule = match &g.membership {
                Membership::Assigned => None,
                Membership::Dynamic { rule } => {
                    group_types.push("DynamicMembership");
                    Some(rule.as_str())
                }
            };
            GraphGroup {
                id: &g.id,
                display_name: &g.display_name,
                group_types,
                membership_rule,
                security_enabled: g.kind == GroupKind::Security,
                mail_enabled: g.mail_enabled,
                on_premises_sync_enabled: g.on_premises_sync.then_some(true),
                owners: users(&g.owners),
                members: g
                    .members
                    .iter()
                    .map(|m| match m {
                        Principal::User(id) => DirectoryObject {
                            odata_type: USER,
                            id,
                        },
                        Principal::Group(id) => DirectoryObject {
                            odata_type: GROUP,
                            id,
                        },
                    })
                    .collect(),
            }
        })
        .collect();
    let apps = dir
        .applications
        .values()
        .map(|a| GraphServicePrincipal {
            id: &a.id,
            display_name: &a.display_name,
            owners: users(&a.owners),
            app_role_assigned_to: a
                .assignments
                .iter()
                .map(|p| {
                    let (principal_id, principal_type) = principal(p);
                    AppRoleAssignment {
                        principal_id,
                        principal_type,
                        resource_id: &a.id,
                        created_date_time: dir.granted_at(&a.id, principal_id).map(graph_date),
                    }
                })
                .collect(),
        })
        .collect();
    let role_definitions = dir
        .roles
        .values()
        .map(|r| RoleDefinition {
            id: &r.id,
            display_name: &r.display_name,
            is_privileged: r.privileged,
        })
        .collect();
    let role_assignments = |kind: AssignmentKind| -> Vec<RoleAssignmentItem<'_>> {
        dir.roles
            .values()
            .flat_map(|r| {
                r.assignments
                    .iter()
                    .filter(move |a| a.kind == kind)
                    .map(move |a| RoleAssignmentItem {
                        principal_id: &a.user,
                        role_definition_id: &r.id,
                        directory_scope_id: "/",
                        start_date_time: dir.granted_at(&r.id, &a.user).map(graph_date),
                    })
            })
            .collect()
    };
    let packages = dir
        .access_packages
        .values()
        .map(|p| GraphAccessPackage {
            id: &p.id,
            display_name: &p.display_name,
            owners: users(&p.owners),
        })
        .collect();
    let package_assignments = dir
        .access_packages
        .values()
        .flat_map(|p| {
            p.assignments.iter().map(move |u| PackageAssignment {
                state: "delivered",
                access_package: IdOnly { id: &p.id },
                target: Target { object_id: u },
                schedule: dir.granted_at(&p.id, u).map(|at| StartOnly {
                    start_date_time: graph_date(at),
                }),
            })
        })
        .collect();
    vec![
        page(Collection::Users, user_items),
        page(Collection::Groups, groups),
        page(Collection::ServicePrincipals, apps),
        page(Collection::RoleDefinitions, role_definitions),
        page(
            Collection::RoleAssignments,
            role_assignments(AssignmentKind::Active),
        ),
        page(
            Collection::RoleEligibility,
            role_assignments(AssignmentKind::Eligible),
        ),
        page(Collection::AccessPackages, packages),
        page(Collection::PackageAssignments, package_assignments),
    ]
}
