//! CSV: the one RFC 4180 reader and field writer of the project, and the import of users,
//! groups and memberships files (recognized by their header).

use std::collections::{BTreeMap, HashMap};

use super::{check_kept_references, parse_date, ImportError, ImportSummary, DATE_HINT};
use crate::directory::{Directory, Group, GroupKind, Membership, Principal, User, UserType};

/// Quote one field per RFC 4180 when it needs it (comma, quote, CR or LF).
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Parse CSV text into records, each with the physical line (1-based) it starts on. Accepts a
/// UTF-8 BOM, CRLF or LF, quoted fields with commas, doubled quotes and line breaks. Blank
/// lines are skipped. Errors are (line, problem).
pub fn parse_csv(text: &str) -> Result<Vec<(usize, Vec<String>)>, (usize, String)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut records = Vec::new();
    let mut chars = text.chars().peekable();
    let mut line = 1;
    loop {
        // One record per iteration.
        let start_line = line;
        let mut fields = Vec::new();
        let mut field = String::new();
        let mut at_end = false;
        loop {
            // One field per iteration.
            if chars.peek() == Some(&'"') {
                chars.next();
                let quote_line = line;
                loop {
                    match chars.next() {
                        None => {
                            return Err((
                                quote_line,
                                "a quoted field is not closed: add the missing '\"'".into(),
                            ))
                        }
                        Some('"') if chars.peek() == Some(&'"') => {
                            chars.next();
                            field.push('"');
                        }
                        Some('"') => break,
                        Some('\n') => {
                            line += 1;
                            field.push('\n');
                        }
                        Some(c) => field.push(c),
                    }
                }
                match chars.peek() {
                    None | Some(',') | Some('\n') | Some('\r') => {}
                    Some(c) => {
                        return Err((
                            line,
                            format!(
                                "unexpected '{c}' after a closing quote: a quoted field must \
                                 end at a comma or the end of the line"
                            ),
                        ))
                    }
                }
            } else {
                while let Some(&c) = chars.peek() {
                    if c == ',' || c == '\n' || c == '\r' {
                        break;
                    }
                    if c == '"' {
                        return Err((
                            line,
                            "a '\"' inside an unquoted field: quote the whole field and double \
                             the quote (\"\")"
                                .into(),
                        ));
                    }
                    field.push(c);
                    chars.next();
                }
            }
            fields.push(std::mem::take(&mut field));
            match chars.next() {
                Some(',') => continue,
                Some('\r') => {
                    if chars.peek() == Some(&'\n') {
                        chars.next();
                    }
                    line += 1;
                    break;
                }
                Some('\n') => {
                    line += 1;
                    break;
                }
                None => {
                    at_end = true;
                    break;
                }
                Some(_) => unreachable!("fields stop only at a separator or the end"),
            }
        }
        let blank = fields.len() == 1 && fields[0].is_empty();
        if !blank {
            records.push((start_line, fields));
        }
        if at_end || chars.peek().is_none() {
            return Ok(records);
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CsvKind {
    Users,
    Groups,
    Memberships,
}

const USER_COLUMNS: &[&str] = &[
    "id",
    "displayName",
    "userPrincipalName",
    "userType",
    "accountEnabled",
    "createdDateTime",
    "lastSignInDateTime",
    "department",
    "managerId",
];
const GROUP_COLUMNS: &[&str] = &[
    "id",
    "displayName",
    "groupType",
    "membershipRule",
    "onPremisesSyncEnabled",
    "mailEnabled",
];
const MEMBERSHIP_COLUMNS: &[&str] = &["groupId", "memberId", "memberType", "role"];

impl CsvKind {
    fn columns(self) -> &'static [&'static str] {
        match self {
            CsvKind::Users => USER_COLUMNS,
            CsvKind::Groups => GROUP_COLUMNS,
            CsvKind::Memberships => MEMBERSHIP_COLUMNS,
        }
    }
}

/// Which file a header belongs to: the kind sharing the most distinctive columns, then an
/// exact column check so a missing or misspelt column is named.
fn recognize(
    file: &str,
    header: &[String],
) -> Result<(CsvKind, HashMap<&'static str, usize>), ImportError> {
    let has = |c: &str| header.iter().any(|h| h.trim() == c);
    let kind = if has("groupId") || has("memberId") || has("memberType") || has("role") {
        CsvKind::Memberships
    } else if has("groupType") || has("membershipRule") || has("onPremisesSyncEnabled") {
        CsvKind::Groups
    } else if has("userPrincipalName")
        || has("userType")
        || has("managerId")
        || has("accountEnabled")
    {
        CsvKind::Users
    } else {
        return Err(ImportError::new(
            file,
            "line 1",
            format!(
                "header is not a users, groups or memberships CSV; expected one of: [{}], [{}], [{}]",
                USER_COLUMNS.join(","),
                GROUP_COLUMNS.join(","),
                MEMBERSHIP_COLUMNS.join(",")
            ),
        ));
    };
    let mut index = HashMap::new();
    for (i, h) in header.iter().enumerate() {
        let h = h.trim();
        match kind.columns().iter().find(|c| **c == h) {
            Some(c) => {
                if index.insert(*c, i).is_some() {
                    return Err(ImportError::new(
                        file,
                        "line 1",
                        format!("column \"{h}\" appears twice"),
                    ));
                }
            }
            None => {
                return Err(ImportError::new(
                    file,
                    "line 1",
                    format!(
                        "unknown column \"{h}\" in a {} file; the columns are {}",
                        kind_name(kind),
                        kind.columns().join(",")
                    ),
                ))
            }
        }
    }
    let missing: Vec<&str> = kind
        .columns()
        .iter()
        .copied()
        .filter(|c| !index.contains_key(c))
        .collect();
    if !missing.is_empty() {
        return Err(ImportError::new(
            file,
            "line 1",
            format!(
                "missing column{} {} in a {} file",
                if missing.len() > 1 { "s" } else { "" },
                missing.join(", "),
                kind_name(kind)
            ),
        ));
    }
    Ok((kind, index))
}

fn kind_name(kind: CsvKind) -> &'static str {
    match kind {
        CsvKind::Users => "users",
        CsvKind::Groups => "groups",
        CsvKind::Memberships => "memberships",
    }
}

/// One data row with its file and line, read by column name.
struct Row<'a> {
    file: &'a str,
    line: usize,
    fields: &'a [String],
    index: &'a HashMap<&'static str, usize>,
}

impl Row<'_> {
    fn err(&self, problem: impl Into<String>) -> ImportError {
        ImportError::new(self.file, format!("line {}", self.line), problem)
    }

    fn get(&self, column: &str) -> &str {
        self.index
            .get(column)
            .and_then(|&i| self.fields.get(i))
            .map(|s| s.trim())
            .unwrap_or("")
    }

    fn required(&self, column: &str) -> Result<String, ImportError> {
        let v = self.get(column);
        if v.is_empty() {
            return Err(self.err(format!("{column} is empty; it is required")));
        }
        Ok(v.to_string())
    }

    fn optional(&self, column: &str) -> Option<String> {
        Some(self.get(column))
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    }

    fn boolean(&self, column: &str, default: Option<bool>) -> Result<bool, ImportError> {
        let v = self.get(column);
        match (v.to_ascii_lowercase().as_str(), default) {
            ("true", _) => Ok(true),
            ("false", _) => Ok(false),
            ("", Some(d)) => Ok(d),
            _ => Err(self.err(format!("{column} is \"{v}\"; expected true or false"))),
        }
    }

    fn date(&self, column: &str) -> Result<Option<chrono::DateTime<chrono::Utc>>, ImportError> {
        let v = self.get(column);
        if v.is_empty() {
            return Ok(None);
        }
        parse_date(v)
            .map(Some)
            .ok_or_else(|| self.err(format!("{column} \"{v}\" is not a date; {DATE_HINT}")))
    }
}

/// Import users.csv, groups.csv and memberships.csv (any subset, recognized by header).
/// Users and groups files replace those collections; a memberships file sets the members and
/// owners of every group. Everything else is kept. All or nothing.
pub fn import_csv(
    current: &Directory,
    files: &[(String, String)],
) -> Result<(Directory, ImportSummary), ImportError> {
    let mut users: Option<BTreeMap<String, User>> = None;
    let mut groups: Option<BTreeMap<String, Group>> = None;
    let mut user_lines: HashMap<String, (usize, usize)> = HashMap::new();
    // Users in file order, so the first dangling manager reported is the first in the files.
    let mut user_order: Vec<(usize, usize, String)> = Vec::new();
    let mut group_lines: HashMap<String, (usize, usize)> = HashMap::new();
    // (file, line, group, principal, is_owner)
    let mut memberships: Option<Vec<(usize, usize, String, Principal, bool)>> = None;

    for (file_no, (name, text)) in files.iter().enumerate() {
        let records = parse_csv(text)
            .map_err(|(line, problem)| ImportError::new(name, format!("line {line}"), problem))?;
        let Some((_, header)) = records.first() else {
            return Err(ImportError::new(
                name,
                "line 1",
                "file is empty; expected a header line",
            ));
        };
        let (kind, index) = recognize(name, header)?;
        for (line, fields) in &records[1..] {
            let row = Row {
                file: name,
                line: *line,
                fields,
                index: &index,
            };
            if fields.len() != header.len() {
                return Err(row.err(format!(
                    "{} fields, but the header has {} columns",
                    fields.len(),
                    header.len()
                )));
            }
            match kind {
                CsvKind::Users => {
                    let user = read_user(&row)?;
                    if let Some((f, l)) = user_lines.insert(user.id.clone(), (file_no, *line)) {
                        return Err(row.err(format!(
                            "duplicate id \"{}\": also at {} line {l}",
                            user.id, files[f].0
                        )));
                    }
                    user_order.push((file_no, *line, user.id.clone()));
                    users
                        .get_or_insert_with(BTreeMap::new)
                        .insert(user.id.clone(), user);
                }
                CsvKind::Groups => {
                    let group = read_group(&row)?;
                    if let Some((f, l)) = group_lines.insert(group.id.clone(), (file_no, *line)) {
                        return Err(row.err(format!(
                            "duplicate id \"{}\": also at {} line {l}",
                            group.id, files[f].0
                        )));
                    }
                    groups
                        .get_or_insert_with(BTreeMap::new)
                        .insert(group.id.clone(), group);
                }
                CsvKind::Memberships => {
                    let (group, member, owner) = read_membership(&row)?;
                    memberships
                        .get_or_insert_with(Vec::new)
                        .push((file_no, *line, group, member, owner));
                }
            }
        }
        // A file with only a header still replaces its collection.
        match kind {
            CsvKind::Users => {
                users.get_or_insert_with(BTreeMap::new);
            }
            CsvKind::Groups => {
                groups.get_or_insert_with(BTreeMap::new);
            }
            CsvKind::Memberships => {
                memberships.get_or_insert_with(Vec::new);
            }
        }
    }

    let summary = ImportSummary {
        users: users.as_ref().map(BTreeMap::len),
        groups: groups.as_ref().map(BTreeMap::len),
        links: memberships.as_ref().map_or(0, Vec::len),
        ..ImportSummary::default()
    };
    let mut dir = current.clone();
    let users_imported = users.is_some();
    if let Some(users) = users {
        dir.users = users;
    }
    if let Some(groups) = groups {
        dir.groups = groups;
    }
    if users_imported {
        for (file_no, line, id) in &user_order {
            if let Some(m) = dir.users.get(id).and_then(|u| u.manager.as_ref()) {
                if !dir.users.contains_key(m) {
                    return Err(ImportError::new(
                        &files[*file_no].0,
                        format!("line {line}"),
                        format!("managerId \"{m}\" does not exist in the directory"),
                    ));
                }
            }
        }
    }
    if let Some(memberships) = &memberships {
        for g in dir.groups.values_mut() {
            g.members.clear();
            g.owners.clear();
        }
        for (file_no, line, group, member, owner) in memberships {
            let err = |problem: String| {
                ImportError::new(&files[*file_no].0, format!("line {line}"), problem)
            };
            let exists = match member {
                Principal::User(u) => dir.users.contains_key(u),
                Principal::Group(g) => dir.groups.contains_key(g),
            };
            if !exists {
                let (kind, id) = match member {
                    Principal::User(u) => ("user", u),
                    Principal::Group(g) => ("group", g),
                };
                return Err(err(format!(
                    "memberId \"{id}\" is not a {kind} in the directory"
                )));
            }
            let Some(g) = dir.groups.get_mut(group) else {
                return Err(err(format!(
                    "groupId \"{group}\" is not a group in the directory"
                )));
            };
            match (owner, member) {
                (true, Principal::User(u)) => g.owners.push(u.clone()),
                (_, m) => g.members.push(m.clone()),
            }
        }
    }
    check_kept_references(&dir)?;
    Ok((dir, summary))
}

fn read_user(row: &Row) -> Result<User, ImportError> {
    let user_type = match row.get("userType") {
        "Member" => UserType::Member,
        "Guest" => UserType::Guest,
        other => return Err(row.err(format!("userType is \"{other}\"; expected Member or Guest"))),
    };
    Ok(User {
        id: row.required("id")?,
        display_name: row.required("displayName")?,
        user_principal_name: row.get("userPrincipalName").to_string(),
        user_type,
        manager: row.optional("managerId"),
        account_enabled: row.boolean("accountEnabled", None)?,
        created: row
            .date("createdDateTime")?
            .ok_or_else(|| row.err("createdDateTime is empty; it is required"))?,
        last_sign_in: row.date("lastSignInDateTime")?,
        department: row.optional("department"),
    })
}

fn read_group(row: &Row) -> Result<Group, ImportError> {
    let kind = match row.get("groupType") {
        "Security" => GroupKind::Security,
        "Microsoft365" => GroupKind::Microsoft365,
        other => {
            return Err(row.err(format!(
                "groupType is \"{other}\"; expected Security or Microsoft365"
            )))
        }
    };
    Ok(Group {
        id: row.required("id")?,
        display_name: row.required("displayName")?,
        kind,
        membership: match row.optional("membershipRule") {
            Some(rule) => Membership::Dynamic { rule },
            None => Membership::Assigned,
        },
        on_premises_sync: row.boolean("onPremisesSyncEnabled", Some(false))?,
        mail_enabled: row.boolean("mailEnabled", Some(false))?,
        owners: Vec::new(),
        members: Vec::new(),
    })
}

fn read_membership(row: &Row) -> Result<(String, Principal, bool), ImportError> {
    let group = row.required("groupId")?;
    let member = row.required("memberId")?;
    let member = match row.get("memberType") {
        "User" => Principal::User(member),
        "Group" => Principal::Group(member),
        other => return Err(row.err(format!("memberType is \"{other}\"; expected User or Group"))),
    };
    let owner = match row.get("role") {
        "Member" => false,
        "Owner" => true,
        other => return Err(row.err(format!("role is \"{other}\"; expected Member or Owner"))),
    };
    if owner && matches!(member, Principal::Group(_)) {
        return Err(row.err("an owner must be a user, not a group (memberType Group, role Owner)"));
    }
    Ok((group, member, owner))
}
