//! Durable storage of the review log in the browser. The log of engine `Record`s is the
//! source of truth; state is rebuilt from it.
//!
//! PLACEHOLDER: this keeps the log in memory only, behind the API the IndexedDB store
//! implements (open / load / append). Replaced by the IndexedDB store (issue 5).

use std::cell::RefCell;
use std::collections::HashMap;

use attest_engine::{replay, Record, State};

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    #[error(
        "the browser refused to store data ({0}); close other tabs or free space and try again"
    )]
    WriteFailed(String),
}

thread_local! {
    // Placeholder durability: the records of each named database, for the page's lifetime.
    static DATABASES: RefCell<HashMap<String, Vec<Record>>> = RefCell::new(HashMap::new());
}

/// One named database of records.
pub struct Store {
    pub name: String,
}

impl Store {
    pub async fn open(name: &str) -> Result<Store, StoreError> {
        DATABASES.with(|d| {
            d.borrow_mut().entry(name.to_string()).or_default();
        });
        Ok(Store {
            name: name.to_string(),
        })
    }

    /// The state the stored log folds to.
    pub async fn load(&self) -> Result<State, StoreError> {
        Ok(DATABASES.with(|d| replay(d.borrow()[&self.name].iter())))
    }

    /// Append one record durably: all of its events or none.
    pub async fn append(&self, record: &Record) -> Result<(), StoreError> {
        DATABASES.with(|d| {
            d.borrow_mut()
                .get_mut(&self.name)
                .expect("opened")
                .push(record.clone())
        });
        Ok(())
    }

    /// Every stored record, in log order (backup, history, sync).
    pub async fn records(&self) -> Result<Vec<Record>, StoreError> {
        Ok(DATABASES.with(|d| d.borrow()[&self.name].clone()))
    }
}
