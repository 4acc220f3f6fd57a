//! Reviews as code: review definitions in a folder of Graph `accessReviewScheduleDefinition`
//! JSON files, compared with a server's created reviews.
//!
//! A file is matched with a review on the server by a stable key: its Graph `id` when it
//! has one (the review's id in Attest), else its `displayName` (the review's name). A file
//! without a match becomes a `CreateReview`, decided by the engine against the pulled state
//! exactly as the server will decide it again; a match whose Graph JSON (both sides written
//! by the engine's one export) is equal is unchanged; any other match is a change, which
//! Attest cannot make to a created review, so `apply` refuses it. A folder with any bad file
//! is refused whole: nothing is applied.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use attest_engine::graph_definition::{export_definition, import_definition};
use attest_engine::simulate::{simulate, Outcomes, Scenario};
use attest_engine::{Actor, Command, Context, ReviewDefinition, State};
use chrono::{DateTime, Utc};
use serde_json::Value;

/// Larger than any definition; a bigger file is refused unread.
const MAX_FILE_BYTES: u64 = 1 << 20;
/// More files than any programme; refused rather than read.
const MAX_FILES: usize = 1000;

/// How a file is matched with a review on the server.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Key {
    /// The Graph `id`: the review's id.
    Id(String),
    /// No `id`: the `displayName`, matched with the review's name.
    Name(String),
}

impl std::fmt::Display for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Key::Id(id) => write!(f, "id \"{id}\""),
            Key::Name(name) => write!(f, "displayName \"{name}\""),
        }
    }
}

/// What applying a file would do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// Create the review.
    Create,
    /// The server's review is the file's.
    Unchanged,
    /// The server's review differs in these Graph members.
    Changed {
        /// Top-level Graph members that differ, e.g. `settings`, `stageSettings`.
        members: Vec<String>,
    },
}

/// One file's line of the plan.
pub struct Entry {
    /// The file's name within the folder.
    pub file: String,
    /// How it was matched.
    pub key: Key,
    /// The definition as read (with the server review's id when matched).
    pub definition: ReviewDefinition,
    /// What applying does.
    pub change: Change,
    /// The outcome simulation of the occurrence that would start first.
    pub outcomes: Outcomes,
}

/// The plan of a folder against a server's state.
pub struct Plan {
    /// One entry per file, in file-name order.
    pub entries: Vec<Entry>,
}

impl Plan {
    /// Files that would create a review.
    pub fn creates(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(|e| e.change == Change::Create)
    }

    /// Whether applying would do nothing.
    pub fn is_empty(&self) -> bool {
        self.entries.iter().all(|e| e.change == Change::Unchanged)
    }
}

/// Every `*.json` file of `dir`, by name: (file name, text). Err: what is wrong, per file.
fn read_folder(dir: &Path) -> Result<Vec<(String, String)>, Vec<String>> {
    let listing = std::fs::read_dir(dir)
        .map_err(|e| vec![format!("{}: cannot read the folder: {e}", dir.display())])?;
    let mut paths: Vec<PathBuf> = Vec::new();
    for entry in listing {
        let path = entry
            .map_err(|e| vec![format!("{}: cannot read the folder: {e}", dir.display())])?
            .path();
        if path.is_file() && path.extension().is_some_and(|x| x == "json") {
            paths.push(path);
        }
    }
    paths.sort();
    if paths.is_empty() {
        return Err(vec![format!(
            "{}: no review definitions (*.json files) in this folder",
            dir.display()
        )]);
    }
    if paths.len() > MAX_FILES {
        return Err(vec![format!(
            "{}: {} definition files; at most {MAX_FILES} are read at once",
            dir.display(),
            paths.len()
        )]);
    }
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        let name = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        match std::fs::metadata(&path) {
            Ok(m) if m.len() > MAX_FILE_BYTES => errors.push(format!(
                "{name}: {} bytes is larger than any review definition ({MAX_FILE_BYTES} at most)",
                m.len()
            )),
            _ => match std::fs::read_to_string(&path) {
                Ok(text) => out.push((name, text)),
                Err(e) => errors.push(format!("{name}: cannot read it: {e}")),
            },
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// The key of a file's JSON: `id`, else `displayName`.
fn key_of(text: &str) -> Result<Key, String> {
    let root: Value = serde_json::from_str(text).map_err(|e| {
        format!(
            "line {} column {}: not valid JSON: {e}",
            e.line(),
            e.column()
        )
    })?;
    // "Get accessReviewScheduleDefinition" shows the definition inside "value" (read as
    // the engine's import reads it).
    let obj = match root.as_object() {
        Some(o) if o.len() == 1 && o.get("value").is_some_and(Value::is_object) => &o["value"],
        _ => &root,
    };
    let text_of = |member: &str| {
        obj.get(member)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    if !obj.is_object() {
        return Err("$: expected an accessReviewScheduleDefinition object".into());
    }
    match (text_of("id"), text_of("displayName")) {
        (Some(id), _) => Ok(Key::Id(id)),
        (None, Some(name)) => Ok(Key::Name(name)),
        (None, None) => Err(
            "$: neither \"id\" nor \"displayName\": give the review an id (or at least a name) to match it with the server's".into(),
        ),
    }
}

/// The server's review a key names. Err when a name is ambiguous.
fn matched<'s>(state: &'s State, key: &Key) -> Result<Option<&'s ReviewDefinition>, String> {
    match key {
        Key::Id(id) => Ok(state.reviews.get(id).map(|r| &r.definition)),
        Key::Name(name) => {
            let found: Vec<&ReviewDefinition> = state
                .reviews
                .values()
                .map(|r| &r.definition)
                .filter(|d| d.name.trim() == name)
                .collect();
            match found.as_slice() {
                [] => Ok(None),
                [one] => Ok(Some(one)),
                many => Err(format!(
                    "$.displayName: {} reviews on the server are named \"{name}\" ({}); add the \"id\" of the one this file defines",
                    many.len(),
                    many.iter().map(|d| d.id.as_str()).collect::<Vec<_>>().join(", ")
                )),
            }
        }
    }
}

/// A new review's id from its name: lower-case letters, digits and dashes, not taken.
fn id_from_name(state: &State, name: &str, taken: &BTreeMap<String, String>) -> String {
    let mut slug = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
        if slug.len() >= 60 {
            break;
        }
    }
    let slug = match slug.trim_end_matches('-') {
        "" => "review".to_string(),
        s => s.to_string(),
    };
    let free = |id: &str| {
        !state.reviews.contains_key(id) && !state.drafts.contains_key(id) && !taken.contains_key(id)
    };
    (1..)
        .map(|n| {
            if n == 1 {
                slug.clone()
            } else {
                format!("{slug}-{n}")
            }
        })
        .find(|id| free(id))
        .unwrap_or(slug)
}

/// The top-level Graph members in which two definitions differ.
fn differences(server: &ReviewDefinition, file: &ReviewDefinition) -> Vec<String> {
    let (a, b) = (export_definition(server), export_definition(file));
    let empty = serde_json::Map::new();
    let (a, b) = (
        a.as_object().unwrap_or(&empty),
        b.as_object().unwrap_or(&empty),
    );
    let mut members: Vec<String> = a
        .keys()
        .chain(b.keys())
        .filter(|k| a.get(*k) != b.get(*k))
        .cloned()
        .collect();
    members.sort();
    members.dedup();
    members
}

/// Read `dir` and compare it with `state` at `now`. Err: every problem, each starting with
/// the file's name; then nothing may be applied.
pub fn plan(dir: &Path, state: &State, now: DateTime<Utc>) -> Result<Plan, Vec<String>> {
    let files = read_folder(dir)?;
    let mut errors = Vec::new();
    let mut entries = Vec::new();
    // Keys and new ids already used by earlier files: two files must not define one review.
    let mut keys: BTreeMap<Key, String> = BTreeMap::new();
    let mut new_ids: BTreeMap<String, String> = BTreeMap::new();
    let mut scratch = state.clone();
    for (file, text) in files {
        let key = match key_of(&text) {
            Ok(key) => key,
            Err(e) => {
                errors.push(format!("{file}: {e}"));
                continue;
            }
        };
        if let Some(first) = keys.insert(key.clone(), file.clone()) {
            errors.push(format!("{file}: {key} is also defined by {first}"));
            continue;
        }
        match entry(&file, &text, key, state, &mut scratch, &mut new_ids, now) {
            Ok(e) => entries.push(e),
            Err(problems) => errors.extend(problems.into_iter().map(|p| format!("{file}: {p}"))),
        }
    }
    if errors.is_empty() {
        Ok(Plan { entries })
    } else {
        Err(errors)
    }
}

fn entry(
    file: &str,
    text: &str,
    key: Key,
    state: &State,
    scratch: &mut State,
    new_ids: &mut BTreeMap<String, String>,
    now: DateTime<Utc>,
) -> Result<Entry, Vec<String>> {
    let existing = matched(state, &key).map_err(|e| vec![e])?;
    // A file without a start date takes the server review's (else today): not a change.
    let (id, start) = match (existing, &key) {
        (Some(d), _) => (d.id.clone(), d.schedule.start),
        (None, Key::Id(id)) => (id.clone(), now),
        (None, Key::Name(name)) => (id_from_name(state, name, new_ids), now),
    };
    let read =
        import_definition(text, &state.directory, &id, start).map_err(|e| vec![e.to_string()])?;
    if !read.issues.is_empty() {
        return Err(read.issues.iter().map(ToString::to_string).collect());
    }
    let mut definition = read.definition;
    // Matched by name: the server's review keeps its id.
    definition.id = id;
    let invalid: Vec<String> = definition
        .validate(&state.directory)
        .into_iter()
        .map(|e| format!("{}: {}", e.field, e.rule))
        .collect();
    if !invalid.is_empty() {
        return Err(invalid);
    }
    let change = match existing {
        Some(server) => match differences(server, &definition) {
            members if members.is_empty() => Change::Unchanged,
            members => Change::Changed { members },
        },
        None => {
            // Decided now as the server will decide it again: a refusal is the file's.
            create(scratch, &definition, &format!("plan~{file}"), now).map_err(|e| vec![e])?;
            new_ids.insert(definition.id.clone(), file.to_string());
            Change::Create
        }
    };
    let outcomes = simulate(
        &definition,
        &state.directory,
        definition.schedule.start.max(now),
    );
    Ok(Entry {
        file: file.to_string(),
        key,
        definition,
        change,
        outcomes,
    })
}

/// Decide and fold `CreateReview` of `def` into `state`; the record to push.
pub fn create(
    state: &mut State,
    def: &ReviewDefinition,
    record_id: &str,
    now: DateTime<Utc>,
) -> Result<attest_engine::Record, String> {
    let ctx = Context {
        // The server writes the signed-in session's name over this one.
        actor: Actor::Administrator {
            name: "attest command line".into(),
        },
        now,
        record_id: record_id.to_string(),
        reason: None,
    };
    let cmd = Command::CreateReview {
        definition: Box::new(def.clone()),
    };
    match state.execute(&cmd, &ctx) {
        Ok(Some(record)) => Ok(record),
        Ok(None) => Err("the engine made no record of it".into()),
        Err(e) => Err(e.to_string()),
    }
}

/// The plan in words: one block per file, then the count.
pub fn render(plan: &Plan, now: DateTime<Utc>) -> String {
    let mut out = String::new();
    let (mut create, mut change, mut same) = (0, 0, 0);
    for e in &plan.entries {
        let d = &e.definition;
        let (sign, what) = match &e.change {
            Change::Create => {
                create += 1;
                ("+", "create".to_string())
            }
            Change::Unchanged => {
                same += 1;
                ("=", "unchanged".to_string())
            }
            Change::Changed { members } => {
                change += 1;
                ("~", format!("change ({} differ)", members.join(", ")))
            }
        };
        out.push_str(&format!(
            "{sign} {what}: \"{}\" (id {}) from {}, matched by {}\n",
            d.name, d.id, e.file, e.key
        ));
        if e.change == Change::Unchanged {
            continue;
        }
        if let Change::Changed { .. } = e.change {
            out.push_str("    Attest cannot edit a created review: apply refuses this. End its series in the app and give the file a new id, or make the file match the server.\n");
        }
        let reviewees = e.outcomes.nobody_responds.outcomes.total();
        out.push_str(&format!(
            "    {} instance(s), {reviewees} reviewee(s) in the first occurrence (starts {})\n",
            d.scope.resources.len(),
            d.schedule.start.max(now).format("%Y-%m-%d")
        ));
        for scenario in Scenario::ALL {
            let sim = e.outcomes.get(scenario);
            let not_supported = match sim.removal_not_supported {
                0 => String::new(),
                n => format!(" ({n} of the removals Attest cannot apply itself)"),
            };
            out.push_str(&format!(
                "    {}: {} removed, {} kept{not_supported}\n",
                scenario.label(),
                sim.removed(),
                sim.kept(),
            ));
            if sim.stages.len() > 1 {
                for (i, s) in sim.stages.iter().enumerate() {
                    out.push_str(&format!(
                        "      stage {}: {} reviewee(s), {} go on, {} removed, {} kept\n",
                        i + 1,
                        s.reached,
                        s.moved_on,
                        s.removed,
                        s.kept
                    ));
                }
            }
        }
    }
    if plan.is_empty() {
        out.push_str(&format!(
            "No changes: the server matches the {} definition(s).\n",
            plan.entries.len()
        ));
    } else {
        out.push_str(&format!(
            "Plan: {create} to create, {change} to change, {same} unchanged.\n"
        ));
    }
    out
}
