//! Where the browser is: the current address as signals, for screens both bundles show (the
//! shell's navigation, the reviewer page). The administrator's app takes it from its router
//! ([`RouterAddress`]); the reviewer bundle, which has two screens, keeps it itself
//! ([`provide_own_address`]): leptos_router's machinery was 36 KB brotli of its `.wasm`,
//! about 180 ms of a reviewer's first row on a slow link (docs/decisions.md).

use leptos::ev;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// The current address: path, query (`?…` or empty) and fragment (`#…` or empty).
#[derive(Clone, Copy)]
pub struct Address {
    pub path: Memo<String>,
    pub search: Memo<String>,
    pub hash: Memo<String>,
}

impl Address {
    /// The query parameter `name`, decoded as the browser decodes it.
    pub fn query(&self, name: &str) -> Option<String> {
        self.search
            .with(|s| web_sys::UrlSearchParams::new_with_str(s).ok()?.get(name))
    }
}

/// The address the app's provider put in context.
pub fn use_address() -> Address {
    expect_context::<Address>()
}

/// What the reviewer bundle shows at `path`. The administrator's app routes the same paths
/// to the same screens through its router table; the reviewer page reads its instance and
/// stage with [`reviewer_page_of`] in both.
#[derive(Clone, Debug, PartialEq)]
pub enum ReviewerScreen {
    MyReviews,
    ReviewerPage,
    /// An address under `/my-reviews/` that is neither.
    NotFound,
    /// Any other address: the administrator's app.
    Elsewhere,
}

pub fn reviewer_screen(path: &str) -> ReviewerScreen {
    if path == "/my-reviews" || path == "/my-reviews/" {
        ReviewerScreen::MyReviews
    } else if reviewer_page_of(path).is_some() {
        ReviewerScreen::ReviewerPage
    } else if path.starts_with("/my-reviews/") {
        ReviewerScreen::NotFound
    } else {
        ReviewerScreen::Elsewhere
    }
}

/// The reviewer page's two path segments, `/my-reviews/<instance>/<stage>`, as written
/// (the instance escaped as in the link, the stage counted from 1).
pub fn reviewer_page_of(path: &str) -> Option<(&str, &str)> {
    let rest = path.strip_prefix("/my-reviews/")?;
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    let (instance, stage) = rest.split_once('/')?;
    (!instance.is_empty() && !stage.is_empty() && !stage.contains('/')).then_some((instance, stage))
}

/// Provides the router's location as the [`Address`]; put it inside `<Router>`, around what
/// reads it.
#[component]
pub fn RouterAddress(children: Children) -> impl IntoView {
    let location = leptos_router::hooks::use_location();
    provide_context(Address {
        path: location.pathname,
        search: location.search,
        hash: location.hash,
    });
    children()
}

/// The reviewer bundle's navigation: the address from the browser, kept in step with its
/// history (back and forward), and a click on a link to one of `own`'s addresses shown
/// without loading a page (pushed to the history, scrolled to the top). Links elsewhere,
/// to another site, in a new tab or window, or to a place on the same page are left to
/// the browser. The listeners go with the current owner.
pub fn provide_own_address(own: fn(&str) -> bool) -> Address {
    let here = RwSignal::new(browser_address());
    let address = Address {
        path: Memo::new(move |_| here.with(|h| h.0.clone())),
        search: Memo::new(move |_| here.with(|h| h.1.clone())),
        hash: Memo::new(move |_| here.with(|h| h.2.clone())),
    };
    provide_context(address);
    let clicks = window_event_listener(ev::click, move |e| {
        let Some(to) = followed_link(&e).filter(|to| own(&to.0)) else {
            return;
        };
        let same_page = here.with_untracked(|h| h.0 == to.0 && h.1 == to.1);
        if same_page && !to.2.is_empty() {
            return;
        }
        e.prevent_default();
        let Some(window) = web_sys::window() else {
            return;
        };
        let url = format!("{}{}{}", to.0, to.1, to.2);
        if let Ok(history) = window.history() {
            let _ = history.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
        }
        here.set(to);
        window.scroll_to_with_x_and_y(0.0, 0.0);
    });
    let moves = window_event_listener(ev::popstate, move |_| here.set(browser_address()));
    on_cleanup(move || {
        clicks.remove();
        moves.remove();
    });
    address
}

type Parts = (String, String, String);

fn browser_address() -> Parts {
    let Some(location) = web_sys::window().map(|w| w.location()) else {
        return Parts::default();
    };
    (
        location.pathname().unwrap_or_default(),
        location.search().unwrap_or_default(),
        location.hash().unwrap_or_default(),
    )
}

/// The address a plain click on a link of this site goes to: the primary button without
/// modifier keys, on an `<a href>` without `download` and opening in this tab.
fn followed_link(e: &web_sys::MouseEvent) -> Option<Parts> {
    if e.default_prevented()
        || e.button() != 0
        || e.meta_key()
        || e.ctrl_key()
        || e.shift_key()
        || e.alt_key()
    {
        return None;
    }
    let target: web_sys::Element = e.target()?.dyn_into().ok()?;
    let link = target.closest("a[href]").ok()??;
    if link.has_attribute("download")
        || link
            .get_attribute("target")
            .is_some_and(|t| !t.is_empty() && t != "_self")
    {
        return None;
    }
    let location = web_sys::window()?.location();
    let url =
        web_sys::Url::new_with_base(&link.get_attribute("href")?, &location.href().ok()?).ok()?;
    (url.origin() == location.origin().ok()?).then(|| (url.pathname(), url.search(), url.hash()))
}
