//! Directory screen: browse, import and export what is reviewed (SPEC section 2).
//!
//! The URL holds the screen's state (`?tab=groups&q=sales&filter=guests&page=2&id=g-7`), so
//! a link or a reload shows the same tab, search, page and selection.

mod access;
mod detail;
mod import;
mod list;

use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::{params::ParamsMap, NavigateOptions};

use crate::ui::components::Page;

/// The five collections of the directory, one tab each.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Tab {
    #[default]
    Users,
    Groups,
    Applications,
    Roles,
    Packages,
}

impl Tab {
    pub const ALL: [Tab; 5] = [
        Tab::Users,
        Tab::Groups,
        Tab::Applications,
        Tab::Roles,
        Tab::Packages,
    ];

    /// The value of `?tab=` for this tab.
    pub fn key(self) -> &'static str {
        match self {
            Tab::Users => "users",
            Tab::Groups => "groups",
            Tab::Applications => "applications",
            Tab::Roles => "roles",
            Tab::Packages => "packages",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Tab::Users => "Users",
            Tab::Groups => "Groups",
            Tab::Applications => "Applications",
            Tab::Roles => "Roles",
            Tab::Packages => "Access packages",
        }
    }

    /// What one row of the tab is, for "Search users", "Select a group…".
    pub fn noun(self) -> &'static str {
        match self {
            Tab::Users => "user",
            Tab::Groups => "group",
            Tab::Applications => "application",
            Tab::Roles => "role",
            Tab::Packages => "access package",
        }
    }

    fn from_key(key: &str) -> Option<Tab> {
        Tab::ALL.into_iter().find(|t| t.key() == key)
    }

    fn tab_id(self) -> String {
        format!("directory-tab-{}", self.key())
    }
}

/// The user filters; several together narrow the list further.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UserFilters {
    pub guests: bool,
    /// No sign-in for [`INACTIVE_DAYS`] days or more.
    pub inactive: bool,
    pub no_manager: bool,
    pub blocked: bool,
}

/// "Inactive" in the users filter: no sign-in for this many days.
pub const INACTIVE_DAYS: u32 = 90;

/// Each filter: its `?filter=` word and its label.
pub const FILTERS: [(&str, &str); 4] = [
    ("guests", "Guests"),
    ("inactive", "Inactive (no sign-in for 90+ days)"),
    ("no-manager", "No manager"),
    ("blocked", "Blocked"),
];

impl UserFilters {
    /// The flag behind a `?filter=` word.
    pub fn flag(&mut self, word: &str) -> Option<&mut bool> {
        match word {
            "guests" => Some(&mut self.guests),
            "inactive" => Some(&mut self.inactive),
            "no-manager" => Some(&mut self.no_manager),
            "blocked" => Some(&mut self.blocked),
            _ => None,
        }
    }

    pub fn is_on(mut self, word: &str) -> bool {
        self.flag(word).is_some_and(|on| *on)
    }
}

/// Everything the URL says about the screen.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DirQuery {
    pub tab: Tab,
    pub search: String,
    pub filters: UserFilters,
    /// Zero-based page of the list.
    pub page: usize,
    /// The selected object, shown in the detail panel.
    pub selected: Option<String>,
}

impl DirQuery {
    fn from_params(params: &ParamsMap) -> DirQuery {
        let mut filters = UserFilters::default();
        if let Some(words) = params.get_str("filter") {
            for word in words.split(',') {
                if let Some(on) = filters.flag(word) {
                    *on = true;
                }
            }
        }
        DirQuery {
            tab: params
                .get_str("tab")
                .and_then(Tab::from_key)
                .unwrap_or_default(),
            search: params.get("q").unwrap_or_default(),
            filters,
            page: params
                .get_str("page")
                .and_then(|p| p.parse::<usize>().ok())
                .unwrap_or(1)
                .max(1)
                - 1,
            selected: params.get("id").filter(|id| !id.is_empty()),
        }
    }

    /// The address of this state of the screen.
    pub fn href(&self) -> String {
        let mut parts = vec![format!("tab={}", self.tab.key())];
        if !self.search.is_empty() {
            parts.push(format!("q={}", encode(&self.search)));
        }
        let words: Vec<&str> = FILTERS
            .iter()
            .map(|(w, _)| *w)
            .filter(|w| self.filters.is_on(w))
            .collect();
        if self.tab == Tab::Users && !words.is_empty() {
            parts.push(format!("filter={}", words.join(",")));
        }
        if self.page > 0 {
            parts.push(format!("page={}", self.page + 1));
        }
        if let Some(id) = &self.selected {
            parts.push(format!("id={}", encode(id)));
        }
        format!("/directory?{}", parts.join("&"))
    }
}

fn encode(s: &str) -> String {
    String::from(js_sys::encode_uri_component(s))
}

/// Moves the screen to another state, through the router so the URL and history follow.
#[derive(Clone, Copy)]
pub struct Go(StoredValue<Box<dyn Fn(&str, NavigateOptions)>, LocalStorage>);

impl Go {
    /// `replace` for changes that should not pile up in history (typing in the search box).
    pub fn to(&self, query: &DirQuery, replace: bool) {
        let href = query.href();
        self.0.with_value(|navigate| {
            navigate(
                &href,
                NavigateOptions {
                    replace,
                    scroll: false,
                    ..Default::default()
                },
            )
        });
    }
}

/// Width below which the detail panel sits under the list (matches directory.css).
const SIDE_PANEL_MIN_WIDTH: f64 = 1024.0;

/// A click on a link that selects an object: move without scrolling to the top, and where
/// the detail panel is under the list, bring it into view with the keyboard on it. Clicks
/// with a modifier (new tab, new window) are left to the browser.
pub fn follow(ev: &web_sys::MouseEvent, go: Go, query: &DirQuery) {
    if ev.ctrl_key() || ev.meta_key() || ev.shift_key() || ev.alt_key() || ev.button() != 0 {
        return;
    }
    ev.prevent_default();
    go.to(query, false);
    let narrow = web_sys::window()
        .and_then(|w| w.inner_width().ok())
        .and_then(|w| w.as_f64())
        .is_some_and(|w| w < SIDE_PANEL_MIN_WIDTH);
    if narrow {
        // After the panel has rendered the new selection.
        leptos::task::spawn_local(async {
            crate::runtime::yield_to_browser().await;
            if let Some(panel) = document().get_element_by_id(DETAIL_ID) {
                panel.scroll_into_view();
                if let Ok(panel) = wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(panel) {
                    let _ = panel.focus();
                }
            }
        });
    }
}

pub const DETAIL_ID: &str = "directory-detail";

/// Thousands separators: 12,345 (one helper for every screen).
pub use attest_engine::words::thousands as count;

#[component]
pub fn Directory() -> impl IntoView {
    let params = use_query_map();
    let query = Memo::new(move |_| params.with(DirQuery::from_params));
    let go = Go(StoredValue::new_local(Box::new(use_navigate())));
    provide_context(go);

    view! {
        <Page
            title="Directory"
            lead="Users, groups, applications, directory roles and access packages: what reviews are about."
            actions=Box::new(|| {
                view! {
                    <button type="button" class="button-secondary" on:click=|_| import::reveal()>
                        "Import or export"
                    </button>
                }
                .into_any()
            })
        >
            <DirectoryTabs query go />
            <div
                class="directory-panel"
                role="tabpanel"
                id="directory-panel"
                aria-labelledby=move || query.with(|q| q.tab.tab_id())
            >
                <div class="directory-layout">
                    <list::DirectoryList query go />
                    <detail::DetailPanel query />
                </div>
            </div>
            <div class="directory-cards">
                <import::ImportCard />
                <import::ExportCard />
            </div>
        </Page>
    }
}

/// The tab strip: arrow keys, Home and End move between tabs (and select them).
#[component]
fn DirectoryTabs(query: Memo<DirQuery>, go: Go) -> impl IntoView {
    let select = move |tab: Tab| {
        if query.with_untracked(|q| q.tab) != tab {
            go.to(
                &DirQuery {
                    tab,
                    ..DirQuery::default()
                },
                false,
            );
        }
    };
    let on_keydown = move |ev: web_sys::KeyboardEvent| {
        let current = query.with_untracked(|q| q.tab);
        let i = Tab::ALL.iter().position(|t| *t == current).unwrap_or(0);
        let n = Tab::ALL.len();
        let next = match ev.key().as_str() {
            "ArrowRight" | "ArrowDown" => Tab::ALL[(i + 1) % n],
            "ArrowLeft" | "ArrowUp" => Tab::ALL[(i + n - 1) % n],
            "Home" => Tab::ALL[0],
            "End" => Tab::ALL[n - 1],
            _ => return,
        };
        ev.prevent_default();
        select(next);
        // Focus follows the selection (the tabs use a roving tabindex).
        let tablist = ev
            .current_target()
            .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok());
        let tab_el = tablist.and_then(|l| {
            l.query_selector(&format!("#{}", next.tab_id()))
                .ok()
                .flatten()
        });
        if let Some(el) =
            tab_el.and_then(|el| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(el).ok())
        {
            let _ = el.focus();
        }
    };
    view! {
        <div class="directory-tabs" role="tablist" aria-label="Directory" on:keydown=on_keydown>
            {Tab::ALL
                .into_iter()
                .map(|tab| {
                    let selected = move || query.with(|q| q.tab == tab);
                    view! {
                        <button
                            type="button"
                            role="tab"
                            id=tab.tab_id()
                            aria-controls="directory-panel"
                            aria-selected=move || selected().to_string()
                            tabindex=move || if selected() { "0" } else { "-1" }
                            on:click=move |_| select(tab)
                        >
                            {tab.label()}
                        </button>
                    }
                })
                .collect_view()}
        </div>
    }
}
