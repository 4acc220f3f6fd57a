//! A reviewer link's view from the server in the runtime: shown before the store is ready on
//! a first visit (`preview`), and replacing the stored log when it changed (`replace_log`).

use attest_engine::Record;
use leptos::prelude::*;

use super::{RunError, Runtime};

impl Runtime {
    /// Whether screens can show the state: loaded, or a link's first view (`preview`).
    pub fn shown(&self) -> bool {
        self.ready.get() || self.previewing.get()
    }

    /// Shows the fold of `log`, a reviewer link's first view from the server, while the
    /// store is still opening: nothing of this link is stored in this browser yet, so the
    /// view is what the first round will store (a mail link's rows do not wait for
    /// IndexedDB's open, ~100 ms on a first visit).
    pub(crate) fn preview(&self, log: &[Record]) {
        if self.ready.get_untracked() {
            return;
        }
        self.state.set(attest_engine::replay(log));
        self.previewing.set(true);
    }

    /// Replaces the stored log with `log` (a reviewer link's new view from the server). The
    /// state is its fold, shown before the write so the reviewer's rows do not wait for
    /// IndexedDB; if the write fails, the next round finds the old log and writes again.
    pub(crate) async fn replace_log(&self, log: &[Record]) -> Result<(), RunError> {
        let store = self.store.get_value().ok_or(RunError::NotReady)?;
        self.log.set(None);
        if self.previewing.get_untracked() {
            // The preview is this log's fold already (a first visit has nothing unsent).
            self.previewing.set(false);
        } else {
            self.state.set(attest_engine::replay(log));
        }
        store.replace_records(log).await?;
        // The page may have been unmounted while the write ran (tests mount several apps).
        if self.log_wanted.try_get_value() == Some(true)
            && self.ready.try_get_untracked() == Some(true)
        {
            self.load_log().await;
        }
        Ok(())
    }
}
