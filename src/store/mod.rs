//! Durable storage of the review log in the browser. The log of engine `Record`s is the
//! source of truth; state is rebuilt from it.
//!
//! PLACEHOLDER: this keeps the log in memory only, behind the API the IndexedDB store
//! implements (open / load / append). Replaced by the IndexedDB store (issue 5).

use std::cell::RefCell;

use attest_engine::{replay, Record, State};

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    #[error("the browser refused to store data ({0}); close other tabs or free space and try again")]
    WriteFailed(String),
}

/// One named database of records.
pub struct Store {
    pub name: String,
    records: RefCell<Vec<Record>>,
}

impl Store {
    pub async fn open(name: &str) -> Result<Store, StoreError> {
        Ok(Store { name: name.to_string(), records: RefCell::new(Vec::new()) })
    }

    /// The state the stored log folds to.
    pub async fn load(&self) -> Result<State, StoreError> {
        Ok(replay(self.records.borrow().iter()))
    }

    /// Append one record durably: all of its events or none.
    pub async fn append(&self, record: &Record) -> Result<(), StoreError> {
        self.records.borrow_mut().push(record.clone());
        Ok(())
    }

    /// Every stored record, in log order (backup, history, sync).
    pub async fn records(&self) -> Result<Vec<Record>, StoreError> {
        Ok(self.records.borrow().clone())
    }
}
