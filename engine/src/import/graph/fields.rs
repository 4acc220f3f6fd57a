//! Reading fields of Graph objects, with errors that name the file and JSON path.

use super::*;

/// A position in a file, for reading fields with errors that name their JSON path.
pub(super) struct At<'a> {
    pub(super) file: &'a str,
    pub(super) base: String,
}

pub(super) fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

impl At<'_> {
    pub(super) fn err(&self, sub: &str, problem: impl Into<String>) -> ImportError {
        ImportError::new(self.file, format!("{}{sub}", self.base), problem)
    }

    pub(super) fn nested(&self, sub: &str) -> At<'_> {
        At {
            file: self.file,
            base: format!("{}{sub}", self.base),
        }
    }

    pub(super) fn present<'v>(&self, item: &'v Map<String, Value>, key: &str) -> Option<&'v Value> {
        item.get(key).filter(|v| !v.is_null())
    }

    pub(super) fn wrong_type(&self, key: &str, expected: &str, found: &Value) -> ImportError {
        self.err(
            &format!(".{key}"),
            format!("\"{key}\" should be {expected}, found {}", kind_of(found)),
        )
    }

    pub(super) fn missing(&self, key: &str) -> ImportError {
        self.err(
            &format!(".{key}"),
            format!("missing required field \"{key}\""),
        )
    }

    pub(super) fn opt_string(
        &self,
        item: &Map<String, Value>,
        key: &str,
    ) -> Result<Option<String>, ImportError> {
        match self.present(item, key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(self.wrong_type(key, "a string", other)),
        }
    }

    pub(super) fn string(
        &self,
        item: &Map<String, Value>,
        key: &str,
    ) -> Result<String, ImportError> {
        self.opt_string(item, key)?.ok_or_else(|| self.missing(key))
    }

    pub(super) fn opt_bool(
        &self,
        item: &Map<String, Value>,
        key: &str,
    ) -> Result<Option<bool>, ImportError> {
        match self.present(item, key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(other) => Err(self.wrong_type(key, "true or false", other)),
        }
    }

    pub(super) fn opt_date(
        &self,
        item: &Map<String, Value>,
        key: &str,
    ) -> Result<Option<chrono::DateTime<chrono::Utc>>, ImportError> {
        match self.opt_string(item, key)? {
            None => Ok(None),
            Some(s) => parse_date(&s).map(Some).ok_or_else(|| {
                self.err(
                    &format!(".{key}"),
                    format!("\"{key}\" is \"{s}\", which is not a date; {DATE_HINT}"),
                )
            }),
        }
    }

    pub(super) fn opt_object<'v>(
        &self,
        item: &'v Map<String, Value>,
        key: &str,
    ) -> Result<Option<&'v Map<String, Value>>, ImportError> {
        match self.present(item, key) {
            None => Ok(None),
            Some(Value::Object(o)) => Ok(Some(o)),
            Some(other) => Err(self.wrong_type(key, "an object", other)),
        }
    }

    pub(super) fn object<'v>(
        &self,
        item: &'v Map<String, Value>,
        key: &str,
    ) -> Result<&'v Map<String, Value>, ImportError> {
        self.opt_object(item, key)?.ok_or_else(|| self.missing(key))
    }

    pub(super) fn opt_array<'v>(
        &self,
        item: &'v Map<String, Value>,
        key: &str,
    ) -> Result<&'v [Value], ImportError> {
        match self.present(item, key) {
            None => Ok(&[]),
            Some(Value::Array(a)) => Ok(a),
            Some(other) => Err(self.wrong_type(key, "an array", other)),
        }
    }
}

pub(super) fn read_user(at: &At, item: &Map<String, Value>) -> Result<User, ImportError> {
    let user_type = match at.string(item, "userType")?.as_str() {
        "Member" => UserType::Member,
        "Guest" => UserType::Guest,
        other => {
            return Err(at.err(
                ".userType",
                format!("\"userType\" is \"{other}\"; expected \"Member\" or \"Guest\""),
            ))
        }
    };
    let last_sign_in = match at.opt_object(item, "signInActivity")? {
        None => None,
        Some(activity) => at
            .nested(".signInActivity")
            .opt_date(activity, "lastSignInDateTime")?,
    };
    let manager = match at.opt_object(item, "manager")? {
        None => None,
        Some(m) => Some(at.nested(".manager").string(m, "id")?),
    };
    let id = at.string(item, "id")?;
    let display_name = at.string(item, "displayName")?;
    let user_principal_name = match at.opt_string(item, "userPrincipalName")? {
        Some(upn) => upn,
        None => at.opt_string(item, "mail")?.unwrap_or_default(),
    };
    Ok(User {
        id,
        display_name,
        user_principal_name,
        user_type,
        manager,
        account_enabled: at
            .opt_bool(item, "accountEnabled")?
            .ok_or_else(|| at.missing("accountEnabled"))?,
        created: at
            .opt_date(item, "createdDateTime")?
            .ok_or_else(|| at.missing("createdDateTime"))?,
        last_sign_in,
        department: at.opt_string(item, "department")?,
    })
}

/// Directory objects (members, owners): users and groups by `@odata.type`; other object
/// types (devices, contacts, service principals) are not reviewed and are skipped. Without
/// a type, `default_user` decides (owners are users; members must say).
pub(super) fn read_objects(
    at: &At,
    item: &Map<String, Value>,
    key: &str,
    default_user: bool,
) -> Result<Vec<Principal>, ImportError> {
    let mut out = Vec::new();
    for (i, element) in at.opt_array(item, key)?.iter().enumerate() {
        let here = at.nested(&format!(".{key}[{i}]"));
        let Value::Object(object) = element else {
            return Err(here.err(
                "",
                format!("should be a directory object, found {}", kind_of(element)),
            ));
        };
        let id = here.string(object, "id")?;
        match here.opt_string(object, "@odata.type")?.as_deref() {
            Some("#microsoft.graph.user") => out.push(Principal::User(id)),
            Some("#microsoft.graph.group") => out.push(Principal::Group(id)),
            Some(_) => {}
            None if default_user => out.push(Principal::User(id)),
            None => {
                return Err(here.err(
                    "",
                    "missing \"@odata.type\": expected \"#microsoft.graph.user\" or \
                     \"#microsoft.graph.group\"",
                ))
            }
        }
    }
    Ok(out)
}

pub(super) fn read_group(at: &At, item: &Map<String, Value>) -> Result<Group, ImportError> {
    let id = at.string(item, "id")?;
    let display_name = at.string(item, "displayName")?;
    let mut unified = false;
    let mut dynamic = false;
    for (i, t) in at.opt_array(item, "groupTypes")?.iter().enumerate() {
        match t {
            Value::String(s) if s == "Unified" => unified = true,
            Value::String(s) if s == "DynamicMembership" => dynamic = true,
            Value::String(_) => {}
            other => {
                return Err(at.err(
                    &format!(".groupTypes[{i}]"),
                    format!("should be a string, found {}", kind_of(other)),
                ))
            }
        }
    }
    let membership = if dynamic {
        let rule = at.opt_string(item, "membershipRule")?.ok_or_else(|| {
            at.err(
                ".membershipRule",
                "a dynamic group (groupTypes has \"DynamicMembership\") needs a \"membershipRule\"",
            )
        })?;
        Membership::Dynamic { rule }
    } else {
        Membership::Assigned
    };
    let owners = read_owners(at, item)?;
    Ok(Group {
        id,
        display_name,
        kind: if unified {
            GroupKind::Microsoft365
        } else {
            GroupKind::Security
        },
        membership,
        on_premises_sync: at.opt_bool(item, "onPremisesSyncEnabled")?.unwrap_or(false),
        mail_enabled: at.opt_bool(item, "mailEnabled")?.unwrap_or(false),
        owners,
        members: read_objects(at, item, "members", false)?,
    })
}

/// Mail-enabled, not security-enabled and not a Microsoft 365 group: a distribution list,
/// which Attest's directory has no kind for (and Entra does not review).
pub(super) fn is_distribution_list(
    at: &At,
    item: &Map<String, Value>,
) -> Result<bool, ImportError> {
    let unified = item
        .get("groupTypes")
        .and_then(Value::as_array)
        .is_some_and(|t| t.iter().any(|x| x == "Unified"));
    Ok(!unified
        && at.opt_bool(item, "mailEnabled")? == Some(true)
        && at.opt_bool(item, "securityEnabled")? == Some(false))
}

pub(super) fn read_service_principal(
    at: &At,
    item: &Map<String, Value>,
    grants: &mut Vec<(String, String, chrono::DateTime<chrono::Utc>)>,
) -> Result<Application, ImportError> {
    let id = at.string(item, "id")?;
    let display_name = at.string(item, "displayName")?;
    let mut assignments = Vec::new();
    for (i, element) in at.opt_array(item, "appRoleAssignedTo")?.iter().enumerate() {
        let here = at.nested(&format!(".appRoleAssignedTo[{i}]"));
        let Value::Object(a) = element else {
            return Err(here.err(
                "",
                format!(
                    "should be an app role assignment object, found {}",
                    kind_of(element)
                ),
            ));
        };
        let principal = here.string(a, "principalId")?;
        if let Some(date) = here.opt_date(a, "createdDateTime")? {
            grants.push((id.clone(), principal.clone(), date));
        }
        match here.string(a, "principalType")?.as_str() {
            "User" => assignments.push(Principal::User(principal)),
            "Group" => assignments.push(Principal::Group(principal)),
            // Apps assigned to apps are not part of a user access review.
            "ServicePrincipal" => {}
            other => {
                return Err(here.err(
                    ".principalType",
                    format!("\"principalType\" is \"{other}\"; expected \"User\", \"Group\" or \"ServicePrincipal\""),
                ))
            }
        }
    }
    let owners = read_owners(at, item)?;
    Ok(Application {
        id,
        display_name,
        owners,
        assignments,
    })
}

/// `owners`: directory objects, of which Attest keeps the users (a group owning a group or
/// application is not a reviewer).
pub(super) fn read_owners(at: &At, item: &Map<String, Value>) -> Result<Vec<String>, ImportError> {
    Ok(read_objects(at, item, "owners", true)?
        .into_iter()
        .filter_map(|p| match p {
            Principal::User(u) => Some(u),
            Principal::Group(_) => None,
        })
        .collect())
}
