//! The write-back plan for Microsoft Entra: a review's removals as Microsoft Graph JSON
//! batches (`POST https://graph.microsoft.com/v1.0/$batch`, at most 20 requests each), for an
//! administrator to run with Graph Explorer or PowerShell, since the browser cannot call
//! Graph. The next directory import then verifies them (`remediation`).
//!
//! Request shapes follow Graph v1.0's documentation: remove a group member, a role's
//! active assignment or eligibility (schedule requests with `adminRemove`, which need no
//! assignment id), block a guest's sign-in or delete the user. An app role assignment and an
//! access package assignment are removed by their assignment's id, which an import does not
//! keep: for those the plan has a lookup request (listing the user's assignment) and the
//! removal to send with the id it returns.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::directory::{AssignmentKind, ResourceKind};
use crate::instance::{ApplyResult, Effect, Instance};
use crate::remediation::ItemRef;
use crate::state::State;

/// Graph accepts at most 20 requests in one `$batch`.
pub const MAX_BATCH: usize = 20;

/// One request of a `$batch`: `url` is relative to the version (`/groups/…`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GraphRequest {
    /// Unique within the plan.
    pub id: String,
    /// HTTP method.
    pub method: String,
    /// URL relative to the Graph version.
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// Request headers (Content-Type when there is a body).
    pub headers: Option<BTreeMap<String, String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// JSON body, if any.
    pub body: Option<Value>,
}

/// The body of one `POST /$batch`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct GraphBatch {
    /// At most `MAX_BATCH` requests.
    pub requests: Vec<GraphRequest>,
}

/// A removal that needs an assignment id first: run `lookup`, take `value[0].id` from its
/// response, and send `method` to `url` with `{id}` replaced (and `body`, whose
/// `assignment.id` is that id, for access packages).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AfterLookup {
    /// The GET request finding the assignment id.
    pub lookup: String,
    /// The reviewee's user id.
    pub user: String,
    /// The resource id.
    pub resource: String,
    /// HTTP method of the removal.
    pub method: String,
    /// URL of the removal, with `{id}` for the assignment id.
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// JSON body of the removal, if any.
    pub body: Option<Value>,
}

/// A denial Graph cannot carry out as asked: a manual task (see `remediation`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Manual {
    /// The reviewee's user id.
    pub user: String,
    /// The resource id.
    pub resource: String,
    /// Why Graph cannot do it.
    pub reason: String,
}

/// Everything an administrator runs to make the real tenant match the review's results.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WritebackPlan {
    /// Ready to send, each as the body of one `POST /$batch`.
    pub batches: Vec<GraphBatch>,
    /// GET requests finding the assignment ids `after_lookup` needs.
    pub lookups: Vec<GraphBatch>,
    /// Removals to send once their lookup answered.
    pub after_lookup: Vec<AfterLookup>,
    /// Denials left to do by hand.
    pub manual: Vec<Manual>,
}

/// What one denied item asks of Graph.
enum Action {
    Send(Method, String, Option<Value>),
    Lookup {
        lookup: String,
        then: (Method, String, Option<Value>),
    },
    Manual(String),
}

#[derive(Clone, Copy)]
enum Method {
    Get,
    Post,
    Patch,
    Delete,
}

impl Method {
    fn name(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

fn request(id: usize, method: Method, url: String, body: Option<Value>) -> GraphRequest {
    GraphRequest {
        id: id.to_string(),
        method: method.name().to_string(),
        url,
        // Graph's batching requires a Content-Type for every request with a body.
        headers: body.as_ref().map(|_| {
            BTreeMap::from([("Content-Type".to_string(), "application/json".to_string())])
        }),
        body,
    }
}

fn batches(requests: Vec<GraphRequest>) -> Vec<GraphBatch> {
    requests
        .chunks(MAX_BATCH)
        .map(|c| GraphBatch {
            requests: c.to_vec(),
        })
        .collect()
}

/// The write-back plan of `instances`' denied items (recorded apply results, or the preview
/// for a finished review not yet applied). Items in `skip` (e.g. verified removed) are left
/// out. Request ids are unique across the whole plan.
pub fn plan(
    state: &State,
    instances: &[&Instance],
    skip: &BTreeSet<ItemRef>,
    now: DateTime<Utc>,
) -> WritebackPlan {
    let mut sends = Vec::new();
    let mut lookups = Vec::new();
    let mut out = WritebackPlan::default();
    let mut next_id = 0usize;
    let mut id = || {
        next_id += 1;
        next_id
    };
    for inst in instances {
        let name = &state.definition_of(inst).name;
        let planned = if inst.applied.is_none() {
            Some(crate::state::plan_apply(state, inst, now).0)
        } else {
            None
        };
        for (i, item) in inst.items.iter().enumerate() {
            let at = ItemRef {
                instance: inst.id.clone(),
                item: i as u32,
            };
            if skip.contains(&at) {
                continue;
            }
            let result = match (&item.apply_result, &planned) {
                (Some(r), _) => r,
                (None, Some(p)) => &p[i].result,
                (None, None) => continue,
            };
            let action = match result {
                ApplyResult::Applied {
                    effect: Effect::AccessRemoved,
                } => removal(inst, &item.user, item.assignment, name),
                ApplyResult::Applied {
                    effect: Effect::GuestBlocked,
                } => {
                    // Attest's clock deletes a blocked guest 30 days later: once it has, so
                    // should the tenant.
                    if state.directory.users.contains_key(&item.user) {
                        Action::Send(
                            Method::Patch,
                            format!("/users/{}", item.user),
                            Some(json!({ "accountEnabled": false })),
                        )
                    } else {
                        Action::Send(Method::Delete, format!("/users/{}", item.user), None)
                    }
                }
                ApplyResult::NotSupported { reason } => {
                    Action::Manual(reason.reason(&state.directory))
                }
                ApplyResult::Failed { reason } => {
                    Action::Manual(format!("applying failed: {reason}"))
                }
                // Kept, or already gone.
                ApplyResult::Applied {
                    effect: Effect::AccessKept,
                }
                | ApplyResult::ObjectNotFound => continue,
            };
            match action {
                Action::Send(m, url, body) => sends.push(request(id(), m, url, body)),
                Action::Lookup {
                    lookup,
                    then: (m, url, body),
                } => {
                    let n = id();
                    lookups.push(request(n, Method::Get, lookup, None));
                    out.after_lookup.push(AfterLookup {
                        lookup: n.to_string(),
                        user: item.user.clone(),
                        resource: inst.resource.id.clone(),
                        method: m.name().to_string(),
                        url,
                        body,
                    });
                }
                Action::Manual(reason) => out.manual.push(Manual {
                    user: item.user.clone(),
                    resource: inst.resource.id.clone(),
                    reason,
                }),
            }
        }
    }
    out.batches = batches(sends);
    out.lookups = batches(lookups);
    out
}

/// The Graph call removing `user`'s direct access to the instance's resource.
fn removal(
    inst: &Instance,
    user: &str,
    assignment: Option<AssignmentKind>,
    review: &str,
) -> Action {
    let resource = &inst.resource.id;
    match inst.resource.kind {
        ResourceKind::Group => Action::Send(
            Method::Delete,
            format!("/groups/{resource}/members/{user}/$ref"),
            None,
        ),
        ResourceKind::DirectoryRole => {
            let collection = match assignment {
                Some(AssignmentKind::Eligible) => "roleEligibilityScheduleRequests",
                _ => "roleAssignmentScheduleRequests",
            };
            Action::Send(
                Method::Post,
                format!("/roleManagement/directory/{collection}"),
                Some(json!({
                    "action": "adminRemove",
                    "principalId": user,
                    "roleDefinitionId": resource,
                    "directoryScopeId": "/",
                    "justification": format!("Denied in the access review \"{review}\""),
                })),
            )
        }
        ResourceKind::Application => Action::Lookup {
            lookup: format!("/users/{user}/appRoleAssignments?$filter=resourceId eq {resource}"),
            then: (
                Method::Delete,
                format!("/servicePrincipals/{resource}/appRoleAssignedTo/{{id}}"),
                None,
            ),
        },
        ResourceKind::AccessPackage => Action::Lookup {
            lookup: format!(
                "/identityGovernance/entitlementManagement/assignments?$filter=accessPackage/id eq '{resource}' and target/objectId eq '{user}' and state eq 'delivered'"
            ),
            then: (
                Method::Post,
                "/identityGovernance/entitlementManagement/assignmentRequests".to_string(),
                Some(json!({
                    "requestType": "adminRemove",
                    "assignment": { "id": "{id}" },
                })),
            ),
        },
    }
}

/// The removal of an [`AfterLookup`] once its assignment id is known, as a batch request.
pub fn complete(after: &AfterLookup, request_id: &str, assignment_id: &str) -> GraphRequest {
    let body = after.body.clone().map(|mut b| {
        if let Some(slot) = b.pointer_mut("/assignment/id") {
            *slot = Value::String(assignment_id.to_string());
        }
        b
    });
    GraphRequest {
        id: request_id.to_string(),
        method: after.method.clone(),
        url: after.url.replace("{id}", assignment_id),
        headers: body.as_ref().map(|_| {
            BTreeMap::from([("Content-Type".to_string(), "application/json".to_string())])
        }),
        body,
    }
}

/// The plan as the JSON file the Remediation screen downloads.
pub fn to_json(plan: &WritebackPlan) -> String {
    serde_json::to_string_pretty(plan).expect("plans always serialize")
}
