//! Loading a directory from files and writing it back: Microsoft Graph JSON (`graph`), CSV
//! (`csv`) and the Graph-shaped export (`export`). An import is all or nothing: any problem
//! rejects every file with an [`ImportError`] naming the file, the place and what is wrong.

mod bundle;
mod csv;
mod export;
mod graph;

pub use self::csv::{csv_field, import_csv, parse_csv};
pub use bundle::{bundle_files, split_bundle};
pub use export::export_graph;
pub use graph::{import_graph, GraphImport, ImportPhase, ImportProgress};

use crate::directory::Directory;

/// Why an import was rejected. `location` is a JSON path (`$.value[3].manager.id`), a CSV
/// line (`line 14`), or, for a kept collection, the object that refers to something missing.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{file} at {location}: {problem}")]
pub struct ImportError {
    /// File name.
    pub file: String,
    /// Where in the file (line, column or JSON path).
    pub location: String,
    /// What is wrong.
    pub problem: String,
}

impl ImportError {
    pub(crate) fn new(
        file: impl Into<String>,
        location: impl Into<String>,
        problem: impl Into<String>,
    ) -> Self {
        ImportError {
            file: file.into(),
            location: location.into(),
            problem: problem.into(),
        }
    }
}

/// What an import brought in: the number of objects per collection, `None` for a collection
/// the files did not contain (it was kept from the current directory).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportSummary {
    /// Users imported, when the files held users.
    pub users: Option<usize>,
    /// Groups imported, when the files held groups.
    pub groups: Option<usize>,
    /// Applications imported, when the files held them.
    pub applications: Option<usize>,
    /// Roles imported, when the files held them.
    pub roles: Option<usize>,
    /// Access packages imported, when the files held them.
    pub access_packages: Option<usize>,
    /// Group memberships and ownerships, app, role and package assignments read.
    pub links: usize,
    /// What was left out or could not be known (a distribution list, a group listed
    /// without its members), each naming the file and place; the import still succeeded.
    pub notices: Vec<String>,
}

/// The name used for the file of an error found in a collection the import kept.
pub const CURRENT_DIRECTORY: &str = "current directory";

/// Reference check for the collections an import kept: the imported ones were checked with
/// their file positions, so anything left dangling was referenced by a kept collection.
pub(crate) fn check_kept_references(dir: &Directory) -> Result<(), ImportError> {
    match dir.dangling_references().into_iter().next() {
        None => Ok(()),
        Some((location, missing)) => Err(kept_dangling(location, &missing)),
    }
}

/// The error for a reference from a kept collection, at `location`, to `missing`.
pub(crate) fn kept_dangling(location: String, missing: &str) -> ImportError {
    ImportError::new(
        CURRENT_DIRECTORY,
        location,
        format!(
            "\"{missing}\" no longer exists after this import; import the collection that \
             refers to it too, or keep that object in the imported files"
        ),
    )
}

/// Parse a Graph or CSV timestamp, or a date input's value: RFC 3339
/// (`2024-01-31T09:00:00Z`) or a plain date (`2024-01-31`, midnight UTC). The one date
/// reader of the directory import, the Graph definition import and the wizard.
pub fn parse_date(s: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&chrono::Utc));
    }
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
}

pub(crate) const DATE_HINT: &str = "expected a date like 2024-01-31T09:00:00Z";
