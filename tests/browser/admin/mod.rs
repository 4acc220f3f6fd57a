//! Administrator screens: the review overview (Stop current stage, Stop review with its
//! confirmation, Apply results with its preview), the results download, the history report's
//! hash chain, and the notifications outbox — driven by visible labels over the sample tenant.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::rc::Rc;

use attest::ui::session::administrator;
use attest::Runtime;
use attest_engine::definition::*;
use attest_engine::directory::{Principal, ResourceKind};
use attest_engine::event::ItemDecision;
use attest_engine::import::parse_csv;
use attest_engine::instance::{Decision, InstanceStatus};
use attest_engine::outbox::overview_link;
use attest_engine::{Actor, Command};
use leptos::prelude::{Set, WithUntracked};
use wasm_bindgen::{closure::Closure, JsCast};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::wasm_bindgen_test;
use web_sys::Element;

use crate::support::*;

mod access;
mod clock;
mod overview;
mod reports;

/// The sample tenant's CEO: the fallback reviewer of every test review.
const CEO: &str = "u-000001";

fn stage(reviewers: Reviewers, days: u32) -> StageSettings {
    StageSettings {
        reviewers,
        fallback_reviewers: vec![CEO.into()],
        duration_days: days,
        recommendations: true,
    }
}

/// A one-time review of `group` starting now with `stages`.
fn review(rt: &Runtime, id: &str, group: &str, stages: Vec<StageSettings>) -> ReviewDefinition {
    ReviewDefinition {
        v: DEFINITION_VERSION,
        id: id.into(),
        name: format!("Review {id}"),
        description_for_admins: String::new(),
        description_for_reviewers: "Please confirm who still needs this access.".into(),
        scope: Scope {
            resource_kind: ResourceKind::Group,
            resources: vec![group.into()],
            principals: PrincipalScope::AllUsers,
            inactive_days: None,
            transitive: false,
        },
        stages,
        show_previous_decisions: false,
        decisions_to_next_stage: Outcome::ALL.to_vec(),
        settings: Settings {
            if_no_response: NoResponse::RemoveAccess,
            justification_required: false,
            auto_apply: false,
            denied_guest_action: None,
            recommendations: Recommendations::default(),
            reminders: true,
            escalation: None,
            approval: Default::default(),
            review_on_move: false,
            delta_mode: false,
        },
        schedule: Schedule {
            start: rt.now() - chrono::Duration::minutes(1),
            frequency: Frequency::OneTime,
            end: ScheduleEnd::Never,
        },
    }
}

async fn create(rt: &Runtime, def: ReviewDefinition) -> String {
    let id = format!("{}~0~{}", def.id, def.scope.resources[0]);
    rt.run_as(
        Command::CreateReview {
            definition: Box::new(def),
        },
        administrator(),
        None,
    )
    .await
    .expect("the review is created");
    id
}

/// Item index and its stage-`stage` reviewer, for every item of the instance.
fn items(rt: &Runtime, instance: &str, stage: usize) -> Vec<(u32, String, String)> {
    rt.state.with_untracked(|s| {
        let inst = &s.instances[instance];
        inst.items
            .iter()
            .enumerate()
            .map(|(i, it)| {
                (
                    i as u32,
                    it.user.clone(),
                    inst.reviewers_of(it, stage)[0].clone(),
                )
            })
            .collect()
    })
}

async fn decide(
    rt: &Runtime,
    instance: &str,
    reviewer: &str,
    item: u32,
    decision: Decision,
    why: &str,
) {
    rt.run_as(
        Command::RecordDecisions {
            instance: instance.into(),
            decisions: vec![ItemDecision {
                item,
                decision,
                justification: why.into(),
            }],
        },
        Actor::User {
            id: reviewer.into(),
        },
        None,
    )
    .await
    .expect("the decision is recorded");
}

/// A ready app at `path`, acting as the administrator.
async fn admin_app(path: &str) -> (Mounted, Runtime) {
    let app = mount_at(path);
    let rt = ready_runtime().await;
    rt.acting_as.set(administrator());
    (app, rt)
}

/// Like `wait_for`, but a timeout shows what the screen said, to see why.
async fn wait_on<T>(app: &Mounted, what: &str, mut probe: impl FnMut() -> Option<T>) -> T {
    for _ in 0..300 {
        if let Some(found) = probe() {
            return found;
        }
        gloo_timers::future::TimeoutFuture::new(10).await;
    }
    panic!(
        "timed out waiting for {what}; the screen shows: {}",
        text(&app.root)
    );
}

fn within(root: &Element, selector: &str) -> Option<Element> {
    root.query_selector(selector).ok().flatten()
}

/// The section whose `<h2>`/`<h3>` starts with `title`.
fn section_titled(root: &Element, title: &str) -> Option<Element> {
    all(root, "section, .apply-group")
        .into_iter()
        .find(|s| within(s, "h2, h3").is_some_and(|h| text(&h).starts_with(title)))
}

async fn wait_status(rt: &Runtime, instance: &str, status: InstanceStatus) {
    wait_for(&format!("{instance} to be {status:?}"), || {
        rt.state
            .with_untracked(|s| (s.instances[instance].status == status).then_some(()))
    })
    .await;
}

/// "Stop stage" in the confirmation that "Stop current stage" opened.
async fn confirm_stop_stage(app: &Mounted) {
    let dialog = wait_on(app, "the confirmation", || {
        within(&app.root, "[role='dialog']")
    })
    .await;
    click(&button(&dialog, "Stop stage").expect("Stop stage in the confirmation"));
}

/// A `keydown` of `key` that bubbles, as pressing it does.
fn key_down(key: &str) -> web_sys::Event {
    let window = web_sys::window().unwrap();
    let ctor: js_sys::Function = js_sys::Reflect::get(&window, &"KeyboardEvent".into())
        .unwrap()
        .unchecked_into();
    let init = js_sys::Object::new();
    js_sys::Reflect::set(&init, &"key".into(), &key.into()).unwrap();
    js_sys::Reflect::set(&init, &"bubbles".into(), &true.into()).unwrap();
    js_sys::Reflect::construct(&ctor, &js_sys::Array::of2(&"keydown".into(), &init))
        .unwrap()
        .unchecked_into()
}

/// A confirmation dialog takes focus when it opens, and Escape closes it.
async fn escape_closes(app: &Mounted, dialog: &Element) {
    wait_for("focus inside the dialog", || {
        let active = document().active_element()?;
        dialog.contains(Some(&active)).then_some(())
    })
    .await;
    document()
        .active_element()
        .unwrap()
        .dispatch_event(&key_down("Escape"))
        .unwrap();
    wait_on(app, "the dialog to close", || {
        within(&app.root, "[role='dialog']").is_none().then_some(())
    })
    .await;
}

fn members(rt: &Runtime, group: &str) -> BTreeSet<String> {
    rt.state.with_untracked(|s| {
        s.directory.groups[group]
            .members
            .iter()
            .filter_map(|m| match m {
                Principal::User(u) => Some(u.clone()),
                Principal::Group(_) => None,
            })
            .collect()
    })
}

fn all_text(root: &Element, selector: &str) -> Vec<String> {
    all(root, selector).iter().map(text).collect()
}

/// Catches the next `<a download>` click anywhere in the page and returns the file.
struct DownloadTrap {
    caught: Rc<RefCell<Option<(String, String)>>>,
    _listener: Closure<dyn FnMut(web_sys::Event)>,
}

impl DownloadTrap {
    fn new() -> Self {
        let caught = Rc::new(RefCell::new(None));
        let sink = caught.clone();
        let listener = Closure::<dyn FnMut(web_sys::Event)>::new(move |ev: web_sys::Event| {
            let Some(a) = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlAnchorElement>().ok())
            else {
                return;
            };
            if a.has_attribute("download") {
                ev.prevent_default();
                *sink.borrow_mut() = Some((a.download(), a.href()));
            }
        });
        document()
            .add_event_listener_with_callback_and_bool(
                "click",
                listener.as_ref().unchecked_ref(),
                true,
            )
            .unwrap();
        DownloadTrap {
            caught,
            _listener: listener,
        }
    }

    /// File name and bytes of the caught download.
    async fn file(&self) -> (String, Vec<u8>) {
        let (name, href) = wait_for("a download", || self.caught.borrow_mut().take()).await;
        let response: web_sys::Response =
            JsFuture::from(web_sys::window().unwrap().fetch_with_str(&href))
                .await
                .unwrap()
                .unchecked_into();
        let buffer = JsFuture::from(response.array_buffer().unwrap())
            .await
            .unwrap();
        (name, js_sys::Uint8Array::new(&buffer).to_vec())
    }
}

impl Drop for DownloadTrap {
    fn drop(&mut self) {
        let _ = document().remove_event_listener_with_callback_and_bool(
            "click",
            self._listener.as_ref().unchecked_ref(),
            true,
        );
    }
}

const BOM: &[u8] = b"\xef\xbb\xbf";
