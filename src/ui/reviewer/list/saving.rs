//! Saving decisions from the list: the rows being saved say so, a refusal stays on its rows
//! (and in the bulk message when there were several) until the next attempt, a recorded
//! justification is cleared so it never rides along with a later decision, and keyboard
//! focus stays on the decided row.

use std::collections::{HashMap, HashSet};

use attest_engine::Command;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::super::rows;
use super::{focus_in_list, focus_lost, focus_row};
use crate::runtime::{RunError, Runtime};

/// What saving touches; copied into every decision's handler.
#[derive(Clone, Copy)]
pub(super) struct Saver {
    pub runtime: Runtime,
    pub saving: RwSignal<HashSet<u32>>,
    pub errors: RwSignal<HashMap<u32, String>>,
    pub bulk_message: RwSignal<Option<Result<String, String>>>,
    pub justification: RwSignal<String>,
    pub active: RwSignal<Option<u32>>,
    pub last_refusal: Option<super::super::LastRefusal>,
}

impl Saver {
    /// Runs `cmd` for `items`; `sent` is the justification the command carries.
    pub fn run(self, items: Vec<u32>, cmd: Command, sent: String) {
        let Saver {
            saving,
            errors,
            bulk_message,
            justification,
            active,
            ..
        } = self;
        saving.update(|s| s.extend(items.iter().copied()));
        errors.update(|e| {
            for i in &items {
                e.remove(i);
            }
        });
        bulk_message.set(None);
        let had_focus = focus_in_list();
        spawn_local(async move {
            let result = self.runtime.run(cmd).await;
            saving.update(|s| {
                for i in &items {
                    s.remove(i);
                }
            });
            match result {
                Ok(()) => {
                    if !sent.is_empty() && justification.with_untracked(|j| j.trim() == sent) {
                        justification.set(String::new());
                    }
                    if items.len() > 1 {
                        bulk_message.set(Some(Ok(format!(
                            "Saved {} decisions.",
                            rows::count(items.len())
                        ))));
                    }
                }
                Err(e) => {
                    let message = match &e {
                        RunError::Refused(_) => format!("Not saved: {e}."),
                        _ => crate::ui::components::sentence(&e.to_string()),
                    };
                    if let Some(super::super::LastRefusal(last)) = self.last_refusal {
                        last.set(Some(message.clone()));
                    }
                    errors.update(|m| {
                        items
                            .iter()
                            .for_each(|&i| drop(m.insert(i, message.clone())))
                    });
                    if items.len() > 1 {
                        bulk_message.set(Some(Err(message)));
                    }
                }
            }
            // The decided row is re-rendered; keep keyboard focus on it.
            if let Some(item) = active.get_untracked() {
                if items.contains(&item) && had_focus {
                    request_animation_frame(move || {
                        if focus_lost() {
                            focus_row(item);
                        }
                    });
                }
            }
        });
    }
}
