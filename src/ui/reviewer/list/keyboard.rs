//! The list from the keyboard: arrows, j/k, Page Up/Down, Home and End move the row that
//! takes focus (a roving tabindex); a, d, ?, n decide on it, u undoes, x and Space select.

use std::sync::Arc;

use attest_engine::view::ReviewerView;
use attest_engine::Decision;
use leptos::ev;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::KeyboardEvent;

use super::window::row_height;
use super::{focus_row, toggle, ListState};

/// What the keys act on: the shown rows, the list's scroll box and its measured size.
#[derive(Clone, Copy)]
pub(super) struct Keys {
    pub view: Memo<Option<Arc<ReviewerView>>>,
    pub shown: Memo<Vec<u32>>,
    pub state: ListState,
    pub list_ref: NodeRef<leptos::html::Div>,
    pub scroll_top: RwSignal<i32>,
    pub viewport: RwSignal<i32>,
    pub narrow: RwSignal<bool>,
}

impl Keys {
    fn item_at(self, pos: usize) -> Option<u32> {
        let Keys { view, shown, .. } = self;
        view.with_untracked(|v| {
            let v = v.as_ref()?;
            shown.with_untracked(|s| s.get(pos).map(|&p| v.rows[p as usize].item))
        })
    }

    /// Scrolls the least that brings the row at `pos` into view.
    fn scroll_to(self, pos: usize) {
        let Keys {
            list_ref,
            scroll_top,
            viewport,
            narrow,
            ..
        } = self;
        let row_height = || row_height(narrow);
        let Some(el) = list_ref.get_untracked() else {
            return;
        };
        let rh = row_height();
        let top = pos as i32 * rh;
        let vh = viewport.get_untracked();
        let current = el.scroll_top();
        let next = if top < current {
            top
        } else if top + rh > current + vh {
            top + rh - vh
        } else {
            current
        };
        if next != current {
            el.set_scroll_top(next);
            scroll_top.set(next);
        }
    }

    /// Makes the row at `pos` the one that takes focus, scrolls to it and focuses it.
    pub fn move_to(self, pos: usize) {
        let active = self.state.active;
        let Some(item) = self.item_at(pos) else {
            return;
        };
        active.set(Some(item));
        self.scroll_to(pos);
        focus_row(item);
    }

    pub fn keydown(self, ev: KeyboardEvent) {
        let Keys {
            state,
            viewport,
            narrow,
            ..
        } = self;
        let ListState {
            selected,
            active,
            positions,
            shown_count,
            tab_item,
            decide,
            reset,
            ..
        } = state;
        let row_height = || row_height(narrow);
        let move_to = |pos: usize| self.move_to(pos);
        if ev.ctrl_key() || ev.meta_key() || ev.alt_key() {
            return;
        }
        let target = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok());
        let on_row = target
            .as_ref()
            .is_some_and(|t| t.get_attribute("role").as_deref() == Some("listitem"));
        if let Some(t) = &target {
            let typing = t.tag_name() == "TEXTAREA"
                || t.tag_name() == "SELECT"
                || (t.tag_name() == "INPUT"
                    && t.get_attribute("type").as_deref() != Some("checkbox"));
            if typing {
                return;
            }
        }
        let total = shown_count.get_untracked();
        if total == 0 {
            return;
        }
        let pos = tab_item
            .get_untracked()
            .and_then(|i| positions.with_untracked(|p| p.get(&i).copied()))
            .unwrap_or(0);
        let page = (viewport.get_untracked() / row_height()).max(1) as usize;
        let current = tab_item.get_untracked();
        match ev.key().as_str() {
            "ArrowDown" | "j" => move_to((pos + 1).min(total - 1)),
            "ArrowUp" | "k" => move_to(pos.saturating_sub(1)),
            "PageDown" => move_to((pos + page).min(total - 1)),
            "PageUp" => move_to(pos.saturating_sub(page)),
            "Home" => move_to(0),
            "End" => move_to(total - 1),
            "a" | "d" | "?" | "n" => {
                let decision = match ev.key().as_str() {
                    "a" => Decision::Approve,
                    "d" => Decision::Deny,
                    _ => Decision::DontKnow,
                };
                if let Some(item) = current {
                    active.set(Some(item));
                    decide.run((vec![item], decision));
                }
            }
            "u" => {
                if let Some(item) = current {
                    active.set(Some(item));
                    reset.run(vec![item]);
                }
            }
            "x" => {
                if let Some(item) = current {
                    toggle(selected, item);
                }
            }
            " " if on_row => {
                if let Some(item) = current {
                    toggle(selected, item);
                }
            }
            _ => return,
        }
        ev.prevent_default();
    }

    /// Tab reached the list itself (the row that takes focus is scrolled away): go to it.
    pub fn focus(self, ev: ev::FocusEvent) {
        let ListState {
            positions,
            tab_item,
            ..
        } = self.state;
        let is_list = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .is_some_and(|t| t.class_list().contains("rv-list"));
        if is_list {
            if let Some(pos) = tab_item
                .get_untracked()
                .and_then(|i| positions.with_untracked(|p| p.get(&i).copied()))
            {
                self.move_to(pos);
            }
        }
    }
}
