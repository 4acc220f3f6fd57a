//! What can go wrong with the browser's storage, in words a person can act on.

use wasm_bindgen::{JsCast, JsValue};

/// Why the store could not do what was asked. Every message says what happened and what to
/// do; none of them means stored data was lost.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// No IndexedDB at all, or the browser refuses it (some private windows, storage
    /// disabled in the browser's settings).
    #[error(
        "this browser does not let Attest store data ({0}); leave private browsing or allow site data for this page, then reload"
    )]
    Unavailable(String),
    /// The disk quota the browser grants this site is used up.
    #[error(
        "the browser's storage for this site is full; free space (Settings → Storage shows the usage) or download a backup and reset, then try again"
    )]
    QuotaExceeded,
    /// Another tab keeps the database open at an older schema version.
    #[error(
        "Attest is open in another tab with an older version of its data; close the other Attest tabs, then reload this one"
    )]
    Blocked,
    /// The database was written by a newer version of Attest.
    #[error(
        "the stored data was written by a newer version of Attest than this page (which reads schema {supported}); reload the page to get the newer version"
    )]
    Newer { supported: u32 },
    /// A stored record cannot be read back.
    #[error(
        "stored data is damaged ({what}); restore a backup from Settings → Backup and restore"
    )]
    Corrupt { what: String },
    /// A write was refused or aborted; nothing of it was stored.
    #[error(
        "the browser refused to store data ({0}); close other tabs or free space and try again"
    )]
    WriteFailed(String),
    /// Data of an earlier release that only the full app reads and brings up to date: the
    /// reviewer bundle met it and hands the page over (`crate::handover`).
    #[error(
        "the stored reviews were written by an earlier release of Attest ({what}); opening the full app, which brings them up to date"
    )]
    EarlierRelease { what: String },
    /// An empty database outside a reviewer link: the full app loads the sample tenant into
    /// it, so the reviewer bundle hands the page over (`crate::handover`).
    #[error("nothing is stored in this browser yet; opening the full app, which starts with a sample tenant")]
    FirstRun,
}

impl StoreError {
    /// Classifies an IndexedDB failure by its DOMException name.
    pub(crate) fn from_idb(err: indexed_db_futures::error::Error, doing: &str) -> StoreError {
        use indexed_db_futures::error::Error;
        match err {
            Error::DomException(e) => {
                let value: &JsValue = e.as_ref();
                from_dom_exception(value, doing)
            }
            other => StoreError::WriteFailed(format!("{doing}: {other}")),
        }
    }

    pub(crate) fn from_open(err: indexed_db_futures::error::OpenDbError) -> StoreError {
        use indexed_db_futures::error::OpenDbError;
        match err {
            OpenDbError::Base(e) => match StoreError::from_idb(e, "opening the database") {
                StoreError::WriteFailed(why) => StoreError::Unavailable(why),
                other => other,
            },
            other => StoreError::Unavailable(other.to_string()),
        }
    }
}

/// Maps a DOMException (or anything thrown) to the error a person can act on.
pub(crate) fn from_dom_exception(value: &JsValue, doing: &str) -> StoreError {
    let Some(dom) = value.dyn_ref::<web_sys::DomException>() else {
        return StoreError::WriteFailed(format!("{doing}: {value:?}"));
    };
    match dom.name().as_str() {
        "QuotaExceededError" => StoreError::QuotaExceeded,
        "SecurityError" | "InvalidAccessError" => StoreError::Unavailable(dom.message()),
        "VersionError" => StoreError::Newer {
            supported: super::schema::VERSION,
        },
        "DataCloneError" | "DataError" => StoreError::Corrupt {
            what: format!("{doing}: {}", dom.message()),
        },
        name => StoreError::WriteFailed(format!("{doing}: {name}: {}", dom.message())),
    }
}
