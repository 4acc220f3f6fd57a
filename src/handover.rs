//! What only the full app does, and how the reviewer bundle hands a page over to it.
//!
//! The readers of earlier releases' stored formats (with them serde's JSON reading of every
//! engine type), the administrator's sync round and the first run's sample tenant are
//! reachable only through [`FullApp`],
//! which `AppWith` registers for the database it opens; `ReviewerAppWith` never names it, so
//! the linker leaves both out of the reviewer bundle. When that bundle meets a database that
//! needs them (data of an earlier release, a schema upgrade, an administrator's connection,
//! a first run outside a reviewer link)
//! it navigates to `/?open=<its address>`: the server answers `/` with the full app, which
//! opens the same database (a link's is remembered in sessionStorage) and the same screen.

use std::cell::RefCell;
use std::rc::Rc;

use attest_engine::directory::Directory;
use attest_engine::sample::SampleConfig;

use crate::store::{codec, StoreError};
use crate::sync::admin::{self, AdminRound};

/// Makes the directory a first run starts with.
pub type FirstRun = fn(&SampleConfig) -> Directory;

/// The parts of the full app the store, sync and runtime reach through the registration.
pub struct FullApp {
    earlier_formats: &'static codec::EarlierFormats,
    admin_round: AdminRound,
    first_run: FirstRun,
}

static FULL_APP: FullApp = FullApp {
    earlier_formats: &codec::EARLIER_FORMATS,
    admin_round: admin::full_admin_round,
    first_run: attest_engine::sample::sample_tenant,
};

/// The query parameter of `/` that names the address the full app opens.
const OPEN: &str = "open";

/// What replaces the page's navigation.
type Navigate = Rc<dyn Fn(&str)>;

thread_local! {
    /// Databases a full app is mounted on (browser tests mount several apps in one page).
    static REGISTERED: RefCell<Vec<(String, &'static FullApp)>> = const { RefCell::new(Vec::new()) };
    /// Replaces the page's navigation (tests: the test page must stay).
    static NAVIGATE: RefCell<Option<Navigate>> = const { RefCell::new(None) };
    /// The last address handed over to.
    static REQUESTED: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// The full app mounted on `database` (until `unregister`): its store reads every earlier
/// format and its sync runs administrator rounds.
pub(crate) fn register(database: &str) {
    REGISTERED.with(|r| r.borrow_mut().push((database.to_string(), &FULL_APP)));
}

/// The full app on `database` was unmounted.
pub(crate) fn unregister(database: &str) {
    REGISTERED.with(|r| {
        let mut r = r.borrow_mut();
        if let Some(at) = r.iter().position(|(name, _)| name == database) {
            r.remove(at);
        }
    });
}

fn registered(database: &str) -> Option<&'static FullApp> {
    REGISTERED.with(|r| {
        r.borrow()
            .iter()
            .find(|(name, _)| name == database)
            .map(|(_, full)| *full)
    })
}

/// The readers of earlier formats for a store opened on `database`, if a full app is on it.
pub(crate) fn earlier_formats(database: &str) -> Option<&'static codec::EarlierFormats> {
    registered(database).map(|full| full.earlier_formats)
}

/// The administrator's round for `database`, if a full app is on it.
pub(crate) fn admin_round(database: &str) -> Option<AdminRound> {
    registered(database).map(|full| full.admin_round)
}

/// The sample tenant an empty database starts with, if a full app is on `database`.
pub(crate) fn first_run(database: &str) -> Option<FirstRun> {
    registered(database).map(|full| full.first_run)
}

/// An empty database that should start with the sample tenant, met without it (the reviewer
/// bundle opened outside a reviewer link): hands the page over to the full app, which loads
/// it, and gives the error that stops this page's load.
pub(crate) fn first_run_elsewhere() -> StoreError {
    to_full_app();
    StoreError::FirstRun
}

/// Data of an earlier release met without its readers: hands the page over to the full app
/// and gives the error that stops this page's load.
pub(crate) fn earlier_release(what: String) -> StoreError {
    to_full_app();
    StoreError::EarlierRelease { what }
}

/// Loads the full app at this page's address (path and query; a link's token was already
/// taken from the fragment and remembered).
pub fn to_full_app() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let location = window.location();
    let here = format!(
        "{}{}",
        location.pathname().unwrap_or_default(),
        location.search().unwrap_or_default()
    );
    navigate(&format!(
        "/?{OPEN}={}",
        String::from(js_sys::encode_uri_component(&here))
    ));
}

/// Loads `target` as a whole page, or calls what [`navigate_with`] put in its place.
pub fn navigate(target: &str) {
    REQUESTED.with(|r| *r.borrow_mut() = Some(target.to_string()));
    if let Some(replacement) = NAVIGATE.with(|n| n.borrow().clone()) {
        replacement(target);
    } else if let Some(window) = web_sys::window() {
        let _ = window.location().assign(target);
    }
}

/// Calls `replacement` instead of loading a page on every hand-over from now on (browser
/// tests, whose page must stay).
pub fn navigate_with(replacement: impl Fn(&str) + 'static) {
    NAVIGATE.with(|n| *n.borrow_mut() = Some(Rc::new(replacement)));
}

/// The last address this page handed over to, if any.
pub fn requested() -> Option<String> {
    REQUESTED.with(|r| r.borrow().clone())
}

/// Forgets the last hand-over (tests start from none).
pub fn forget_requested() {
    REQUESTED.with(|r| *r.borrow_mut() = None);
}

/// In the full app, before its router starts: a page opened as `/?open=<address>` (a
/// hand-over) shows `<address>` instead. Only a path of this site is followed.
pub(crate) fn follow_open() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let search = window.location().search().unwrap_or_default();
    let Some(value) = search
        .trim_start_matches('?')
        .split('&')
        .find_map(|pair| pair.strip_prefix(OPEN).and_then(|v| v.strip_prefix('=')))
    else {
        return;
    };
    let Some(target) = js_sys::decode_uri_component(value)
        .ok()
        .and_then(|t| t.as_string())
    else {
        return;
    };
    if !target.starts_with('/') || target.starts_with("//") || target.contains('\\') {
        return;
    }
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&target));
    }
}
