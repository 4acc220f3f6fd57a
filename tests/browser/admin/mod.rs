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

#[wasm_bindgen_test]
async fn stop_current_stage_moves_exactly_the_configured_reviewees() {
    let (app, rt) = admin_app("/reviews").await;
    let mut def = review(
        &rt,
        "stop",
        "g-it-local-admin",
        vec![
            stage(Reviewers::ResourceOwners, 7),
            stage(
                Reviewers::SelectedUsers {
                    users: vec![CEO.into()],
                },
                7,
            ),
        ],
    );
    def.decisions_to_next_stage = vec![Outcome::Approve, Outcome::DontKnow];
    let id = create(&rt, def).await;
    let reviewees = items(&rt, &id, 0);
    assert!(reviewees.len() >= 4, "enough reviewees in the sample group");
    let owner = reviewees[0].2.clone();
    decide(
        &rt,
        &id,
        &owner,
        reviewees[0].0,
        Decision::Approve,
        "still admin",
    )
    .await;
    decide(
        &rt,
        &id,
        &owner,
        reviewees[1].0,
        Decision::DontKnow,
        "not sure",
    )
    .await;
    decide(&rt, &id, &owner, reviewees[2].0, Decision::Deny, "left IT").await;

    // From the reviews list to the overview.
    let open = wait_on(&app, "the review in the list", || {
        link(&app.root, "Review stop")
    })
    .await;
    click(&open);
    let stop = wait_on(&app, "Stop current stage", || {
        button(&app.root, "Stop current stage")
    })
    .await;
    // Stage 2 has not run: nobody "did not reach" it yet.
    let results = text(&section_titled(&app.root, "Results").expect("the results"));
    assert!(
        results.contains("Stage not started") && !results.contains("Did not reach this stage"),
        "{results}"
    );
    let explains = text(&within(&app.root, "#stop-stage-text").expect("what stopping does"));
    assert!(
        explains.contains("Stage 2 starts at once with the 2 reviewee(s)"),
        "{explains}"
    );

    // It asks first, saying which stage ends and who moves on; Escape cancels.
    click(&stop);
    let dialog = wait_on(&app, "the confirmation", || {
        within(&app.root, "[role='dialog']")
    })
    .await;
    assert_eq!(dialog.get_attribute("aria-modal").as_deref(), Some("true"));
    let says = text(&dialog);
    assert!(says.contains("Stop stage 1?"), "{says}");
    assert!(
        says.contains("Stage 2 starts at once with the 2 reviewee(s)"),
        "{says}"
    );
    escape_closes(&app, &dialog).await;
    assert_eq!(
        rt.state.with_untracked(|s| s.instances[&id].current_stage),
        0,
        "cancel changes nothing"
    );
    wait_for("focus back on Stop current stage", || {
        (document().active_element()?.id() == "stop-stage-trigger").then_some(())
    })
    .await;
    click(&stop);
    confirm_stop_stage(&app).await;
    wait_for("stage 2 to start", || {
        rt.state
            .with_untracked(|s| (s.instances[&id].current_stage == 1).then_some(()))
    })
    .await;
    let moved: BTreeSet<u32> = rt.state.with_untracked(|s| {
        s.instances[&id]
            .items
            .iter()
            .enumerate()
            .filter(|(_, it)| it.stage == 1)
            .map(|(i, _)| i as u32)
            .collect()
    });
    assert_eq!(
        moved,
        BTreeSet::from([reviewees[0].0, reviewees[1].0]),
        "only the approved and the don't know"
    );

    // The screen shows stage 2 running with those two reviewees and stage 1 ended by the stop.
    let stage2 = wait_on(&app, "stage 2 progress", || {
        section_titled(&app.root, "Stage 2")
    })
    .await;
    let legend = text(&within(&stage2, ".chart-legend").unwrap());
    assert!(legend.contains("Not reviewed: 2"), "{legend}");
    let timeline = text(&within(&app.root, ".timeline").unwrap());
    assert!(
        timeline.contains("stopped by an administrator"),
        "{timeline}"
    );
    assert!(
        within(&app.root, "svg[role='img'][aria-label^='Stage 1']").is_some(),
        "a chart per stage"
    );
}

#[wasm_bindgen_test]
async fn stop_review_then_apply_changes_the_directory_as_previewed() {
    let (app, rt) = admin_app(&overview_link("eng~0~g-engineering")).await;
    let mut def = review(
        &rt,
        "eng",
        "g-engineering",
        vec![stage(Reviewers::ResourceOwners, 7)],
    );
    def.scope.transitive = true;
    let id = create(&rt, def).await;
    let reviewees = items(&rt, &id, 0);
    let (direct, nested): (Vec<_>, Vec<_>) = rt.state.with_untracked(|s| {
        let inst = &s.instances[&id];
        reviewees
            .iter()
            .cloned()
            .partition(|(i, _, _)| inst.items[*i as usize].not_supported.is_none())
    });
    assert!(
        direct.len() >= 2 && !nested.is_empty(),
        "direct and nested members"
    );
    let owner = direct[0].2.clone();
    decide(
        &rt,
        &id,
        &owner,
        direct[0].0,
        Decision::Approve,
        "core team",
    )
    .await;
    decide(
        &rt,
        &id,
        &owner,
        direct[1].0,
        Decision::Deny,
        "moved to sales",
    )
    .await;
    // Not supported items are shown before anything is applied.
    let results = wait_on(&app, "the results", || section_titled(&app.root, "Results")).await;
    assert_eq!(
        assert_tables_scroll_by_keyboard(&app.root),
        ["Reviewers of stage 1", "Results table"],
        "the overview's tables scroll inside boxes the keyboard reaches"
    );
    let cannot = all_text(&results, "td.apply-unsupported");
    assert_eq!(cannot.len(), nested.len(), "{cannot:?}");
    assert!(
        cannot
            .iter()
            .all(|t| t.contains("Preview") && t.contains("nested group")),
        "{cannot:?}"
    );

    // Stop review asks first; Escape cancels and gives focus back.
    let trigger = wait_on(&app, "Stop review", || button(&app.root, "Stop review")).await;
    click(&trigger);
    let dialog = wait_on(&app, "the dialog", || within(&app.root, "[role='dialog']")).await;
    assert_eq!(dialog.get_attribute("aria-modal").as_deref(), Some("true"));
    let undecided = reviewees.len() - 2;
    let says = text(&dialog);
    assert!(
        says.contains(&format!(
            "{undecided} reviewee(s) still have no decision in stage 1"
        )),
        "{says}"
    );
    assert!(says.contains("Remove access"), "{says}");
    escape_closes(&app, &dialog).await;
    assert_eq!(
        rt.state.with_untracked(|s| s.instances[&id].status),
        InstanceStatus::InProgress,
        "cancel changes nothing"
    );
    wait_for("focus back on Stop review", || {
        (document().active_element()?.id() == "stop-review-trigger").then_some(())
    })
    .await;

    click(&button(&app.root, "Stop review").unwrap());
    let dialog = wait_on(&app, "the dialog", || within(&app.root, "[role='dialog']")).await;
    click(&button(&dialog, "Stop review").expect("confirm in the dialog"));
    wait_status(&rt, &id, InstanceStatus::Completed).await;

    // The preview names exactly who loses access.
    let preview = wait_on(&app, "the preview", || {
        section_titled(&app.root, "What applying will change")
    })
    .await;
    let group = section_titled(&preview, "Accesses that will be removed").expect("removals listed");
    let previewed: BTreeSet<String> = all_text(&group, "li").into_iter().collect();
    let unsupported = section_titled(&preview, "Cannot be applied").expect("not supported listed");
    assert_eq!(all_text(&unsupported, "li").len(), nested.len());

    let members_before = members(&rt, "g-engineering");
    click(&wait_on(&app, "Apply results", || button(&app.root, "Apply results")).await);
    let said = confirm(&app.root, "Apply results").await;
    assert!(
        said.contains(&format!("{} access(es) will be removed", previewed.len())),
        "the confirmation says what applying removes: {said}"
    );
    wait_status(&rt, &id, InstanceStatus::Applied).await;
    let members_after = members(&rt, "g-engineering");
    let removed: BTreeSet<String> = rt.state.with_untracked(|s| {
        members_before
            .difference(&members_after)
            .map(|u| {
                format!(
                    "{} ({})",
                    s.directory.users[u].display_name, s.directory.users[u].user_principal_name
                )
            })
            .collect()
    });
    assert_eq!(
        removed, previewed,
        "the directory changed exactly as previewed"
    );
    assert!(
        removed.len() > 1 && !members_after.contains(&direct[1].1),
        "the denied and the unanswered lose access"
    );
    assert!(
        members_after.contains(&direct[0].1),
        "the approved keeps it"
    );

    // After apply, the per-item results, not-supported ones included.
    let after = wait_on(&app, "what applying changed", || {
        section_titled(&app.root, "What applying changed")
    })
    .await;
    let still =
        section_titled(&after, "Not applied: not supported").expect("not supported after apply");
    assert_eq!(all_text(&still, "li").len(), nested.len());
    let results = section_titled(&app.root, "Results").unwrap();
    wait_for("applied results in the table", || {
        let cells = all_text(&results, "td.apply-unsupported");
        (cells.len() == nested.len() && cells.iter().all(|t| !t.contains("Preview"))).then_some(())
    })
    .await;
    assert!(all_text(&results, "td.apply-removed")
        .iter()
        .all(|t| t == "Access removed"));

    // The results filters narrow the table to what they name, and together to both.
    let rows = || all(&results, "tbody tr").len();
    let outcome = control_by_label(&results, "Final outcome").expect("the Final outcome filter");
    let apply = control_by_label(&results, "Apply result").expect("the Apply result filter");
    choose(&outcome, "Approve");
    wait_for("only the approved reviewee", || (rows() == 1).then_some(())).await;
    choose(&outcome, "");
    choose(&apply, "unsupported");
    wait_for("only the nested members", || {
        (rows() == nested.len()).then_some(())
    })
    .await;
    choose(&outcome, "Approve");
    wait_for("nobody both approved and not supported", || {
        (rows() == 0).then_some(())
    })
    .await;
    choose(&outcome, "");
    choose(&apply, "");
    wait_for("every reviewee again", || {
        (rows() == reviewees.len()).then_some(())
    })
    .await;
}

#[wasm_bindgen_test]
async fn the_reviews_list_filters_by_status_and_by_name() {
    let (app, rt) = admin_app("/reviews").await;
    let open = create(
        &rt,
        review(
            &rt,
            "filter-open",
            "g-engineering",
            vec![stage(Reviewers::ResourceOwners, 7)],
        ),
    )
    .await;
    let stopped = create(
        &rt,
        review(
            &rt,
            "filter-stopped",
            "g-sales",
            vec![stage(Reviewers::ResourceOwners, 7)],
        ),
    )
    .await;
    rt.run_as(
        Command::StopReview { instance: stopped },
        administrator(),
        None,
    )
    .await
    .expect("stopped");
    let listed = || {
        let table = section_titled(&app.root, "Review instances")?;
        Some(
            all(&table, "tbody th a")
                .iter()
                .map(text)
                .collect::<Vec<_>>(),
        )
    };
    wait_on(&app, "both reviews listed", || {
        listed().filter(|l| l.len() == 2)
    })
    .await;
    let status = control_by_label(&app.root, "Status").expect("the Status filter");
    choose(&status, "Stopped");
    wait_on(&app, "only the stopped review", || {
        listed().filter(|l| l == &["Review filter-stopped"])
    })
    .await;
    choose(&status, "In progress");
    wait_on(&app, "only the open review", || {
        listed().filter(|l| l == &["Review filter-open"])
    })
    .await;
    choose(&status, "");
    let search = control_by_label(&app.root, "Search reviews").expect("the search field");
    let input: web_sys::HtmlInputElement = search.dyn_into().unwrap();
    input.set_value("sales");
    input
        .dispatch_event(&web_sys::Event::new("input").unwrap())
        .unwrap();
    wait_on(&app, "the review of Sales", || {
        listed().filter(|l| l == &["Review filter-stopped"])
    })
    .await;
    assert_eq!(
        rt.state.with_untracked(|s| s.instances[&open].status),
        InstanceStatus::InProgress
    );
}

/// A `keydown` of `key` that bubbles, as pressing it does.
/// "Stop stage" in the confirmation that "Stop current stage" opened.
async fn confirm_stop_stage(app: &Mounted) {
    let dialog = wait_on(app, "the confirmation", || {
        within(&app.root, "[role='dialog']")
    })
    .await;
    click(&button(&dialog, "Stop stage").expect("Stop stage in the confirmation"));
}

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

#[wasm_bindgen_test]
async fn results_csv_downloads_and_parses_with_the_right_rows() {
    let (app, rt) = admin_app(&overview_link("csv~0~g-marketing-announcements")).await;
    let id = create(
        &rt,
        review(
            &rt,
            "csv",
            "g-marketing-announcements",
            vec![stage(Reviewers::ResourceOwners, 7)],
        ),
    )
    .await;
    let reviewees = items(&rt, &id, 0);
    let owner = reviewees[0].2.clone();
    decide(
        &rt,
        &id,
        &owner,
        reviewees[0].0,
        Decision::Approve,
        "runs the \"Spring\" campaign, with Ana",
    )
    .await;
    decide(
        &rt,
        &id,
        &owner,
        reviewees[1].0,
        Decision::Deny,
        "left marketing",
    )
    .await;
    let trap = DownloadTrap::new();
    click(&wait_on(&app, "Download CSV", || button(&app.root, "Download CSV")).await);
    let (name, bytes) = trap.file().await;
    assert!(name.ends_with(".csv"), "{name}");
    assert!(bytes.starts_with(BOM), "UTF-8 with BOM");
    let text = String::from_utf8(bytes).expect("UTF-8");
    let records = parse_csv(&text).expect("the download parses as CSV");
    let header = &records[0].1;
    let col = |n: &str| {
        header
            .iter()
            .position(|h| h == n)
            .unwrap_or_else(|| panic!("column {n}"))
    };
    let rows: Vec<&Vec<String>> = records[1..].iter().map(|(_, r)| r).collect();
    assert_eq!(rows.len(), reviewees.len(), "one row per reviewee");
    let row = |user: &str| *rows.iter().find(|r| r[col("PrincipalId")] == user).unwrap();
    let first = row(&reviewees[0].1);
    assert_eq!(first[col("Stage1Decision")], "Approve");
    assert_eq!(
        first[col("Stage1Justification")],
        "runs the \"Spring\" campaign, with Ana"
    );
    assert_eq!(row(&reviewees[1].1)[col("Decision")], "Deny");
    assert_eq!(row(&reviewees[2].1)[col("Stage1Decision")], "NotReviewed");
    assert_eq!(row(&reviewees[2].1)[col("ApplyResult")], "New");

    // JSON with Graph's field names and values.
    click(&button(&app.root, "Download JSON").unwrap());
    let (name, bytes) = trap.file().await;
    assert!(name.ends_with(".json"));
    let json: serde_json::Value = serde_json::from_slice(&bytes).expect("JSON");
    let first = json["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["principal"]["id"] == reviewees[0].1.as_str())
        .unwrap();
    assert_eq!(first["decision"], "Approve");
    assert_eq!(first["applyResult"], "New");
    assert_eq!(first["reviewedBy"]["id"], owner.as_str());
}

async fn choose_file(input: &Element, name: &str, text: &str) {
    let parts = js_sys::Array::of1(&text.into());
    let file = web_sys::File::new_with_str_sequence(&parts, name).unwrap();
    let transfer = web_sys::DataTransfer::new().unwrap();
    let list = js_sys::Reflect::get(&transfer, &"items".into()).unwrap();
    let add: js_sys::Function = js_sys::Reflect::get(&list, &"add".into())
        .unwrap()
        .unchecked_into();
    add.call1(&list, &file).unwrap();
    let input: &web_sys::HtmlInputElement = input.unchecked_ref();
    input.set_files(transfer.files().as_ref());
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    input
        .dispatch_event(&web_sys::Event::new_with_event_init_dict("change", &init).unwrap())
        .unwrap();
}

#[wasm_bindgen_test]
async fn a_tampered_history_report_fails_verification() {
    let (app, rt) = admin_app("/history").await;
    let id = create(
        &rt,
        review(
            &rt,
            "audit",
            "g-auditors",
            vec![stage(Reviewers::ResourceOwners, 7)],
        ),
    )
    .await;
    let reviewees = items(&rt, &id, 0);
    decide(
        &rt,
        &id,
        &reviewees[0].2,
        reviewees[0].0,
        Decision::Deny,
        "no longer audits",
    )
    .await;
    rt.run_with_reason(
        Command::StopReview {
            instance: id.clone(),
        },
        "audit closed early".into(),
    )
    .await
    .unwrap();
    wait_on(&app, "the decision and the stop in the history", || {
        let cells: Vec<String> = all(&app.root, "td").iter().map(text).collect();
        (cells.iter().any(|t| t == "no longer audits")
            && cells.iter().any(|t| t == "audit closed early"))
        .then_some(())
    })
    .await;
    assert_eq!(
        assert_tables_scroll_by_keyboard(&app.root),
        ["Audit history"]
    );
    // "Done by" an administrator: the stop, not the reviewer's decision.
    let done_by = control_by_label(&app.root, "Done by").expect("the Done by filter");
    let admin_name = all(&done_by, "option")
        .iter()
        .map(text)
        .find(|t| t.starts_with("Administrator"))
        .expect("the administrator among who acted");
    choose(&done_by, &admin_name);
    wait_on(&app, "only the administrator's rows", || {
        let cells: Vec<String> = all(&app.root, "td").iter().map(text).collect();
        (cells.iter().any(|t| t == "audit closed early")
            && !cells.iter().any(|t| t == "no longer audits"))
        .then_some(())
    })
    .await;
    choose(&done_by, "");
    // "Decision" Deny: the reviewer's decision, not the stop.
    let decision = control_by_label(&app.root, "Decision").expect("the Decision filter");
    choose(&decision, "Deny");
    wait_on(&app, "only the denial", || {
        let cells: Vec<String> = all(&app.root, "td").iter().map(text).collect();
        (cells.iter().any(|t| t == "no longer audits")
            && !cells.iter().any(|t| t == "audit closed early"))
        .then_some(())
    })
    .await;
    choose(&decision, "");
    let trap = DownloadTrap::new();
    click(&button(&app.root, "Download CSV").unwrap());
    let (_, bytes) = trap.file().await;
    let report = String::from_utf8(bytes).unwrap();
    assert!(
        report.contains("no longer audits") && report.contains("audit closed early"),
        "who, what and why"
    );
    let notice = wait_on(&app, "the chain head", || within(&app.root, ".notice")).await;
    assert!(text(&notice).contains("Chain head"));

    let input = control_by_label(&app.root, "Audit report (CSV)").expect("the verify control");
    choose_file(&input, "report.csv", &report).await;
    let ok = wait_on(&app, "verified", || {
        within(&app.root, "#verify-h ~ .notice")
    })
    .await;
    assert!(text(&ok).contains("verified"), "{}", text(&ok));

    let tampered = report.replace("no longer audits", "still audits");
    choose_file(&input, "tampered.csv", &tampered).await;
    let failed = wait_on(&app, "the failure", || {
        within(&app.root, "#verify-h ~ .error")
    })
    .await;
    assert!(
        text(&failed).contains("verification failed"),
        "{}",
        text(&failed)
    );

    // A row removed: the line with the decision goes.
    let lines: Vec<&str> = report
        .split("\r\n")
        .filter(|l| !l.contains("no longer audits"))
        .collect();
    choose_file(&input, "cut.csv", &lines.join("\r\n")).await;
    wait_for("the failure for a removed row", || {
        within(&app.root, "#verify-h ~ .error")
            .filter(|e| text(e).starts_with("cut.csv"))
            .map(|_| ())
    })
    .await;
}

#[wasm_bindgen_test]
async fn reminders_go_only_to_reviewers_with_undecided_items() {
    let (app, rt) = admin_app("/notifications").await;
    let id = create(
        &rt,
        review(
            &rt,
            "mgr",
            "g-it-local-admin",
            vec![stage(Reviewers::Managers, 10)],
        ),
    )
    .await;
    let reviewees = items(&rt, &id, 0);
    let reviewers: BTreeSet<String> = reviewees.iter().map(|(_, _, r)| r.clone()).collect();
    assert!(
        reviewers.len() >= 2,
        "several managers review: {reviewers:?}"
    );
    // One manager decides everything of theirs before the halfway reminder.
    let done = reviewees[0].2.clone();
    for (item, _, r) in reviewees.iter().filter(|(_, _, r)| *r == done) {
        decide(&rt, &id, r, *item, Decision::Approve, "still needed").await;
    }
    rt.skip(chrono::Duration::days(5) + chrono::Duration::hours(1))
        .await
        .unwrap();
    choose(
        &control_by_label(&app.root, "Message").expect("the message filter"),
        "Reminder",
    );
    let expected: BTreeSet<String> = rt.state.with_untracked(|s| {
        reviewers
            .iter()
            .filter(|r| **r != done)
            .map(|r| s.directory.users[r].display_name.clone())
            .collect()
    });
    let reminded = wait_on(&app, "the reminders", || {
        let names: BTreeSet<String> = all(
            &app.root,
            ".message[data-kind='Reminder'] .message-to strong",
        )
        .iter()
        .map(text)
        .collect();
        (names.len() == expected.len()).then_some(names)
    })
    .await;
    assert_eq!(reminded, expected, "everyone but the manager who finished");
    assert!(all(&app.root, ".message")
        .iter()
        .all(|m| m.get_attribute("data-kind").as_deref() == Some("Reminder")));

    // A start message's link opens that reviewer's page.
    choose(
        &control_by_label(&app.root, "Message").unwrap(),
        "ReviewStarted",
    );
    let message = wait_on(&app, "a start message", || {
        within(&app.root, ".message[data-kind='ReviewStarted']")
    })
    .await;
    let link = within(&message, ".message-link a").unwrap();
    let href = link.get_attribute("href").unwrap();
    assert!(
        href.starts_with(&format!("/my-reviews/{}/1?reviewer=u-", id)),
        "{href}"
    );
    assert!(
        text(&message).contains("Please confirm who still needs this access."),
        "description for reviewers"
    );
    // The deadline reads in the reader's locale and zone, not as the engine's UTC stamp.
    let deadline = rt
        .state
        .with_untracked(|s| s.instances[&id].stages[0].deadline.unwrap());
    let says = text(&message);
    assert!(
        says.contains(&format!(
            "Please decide by {}.",
            attest::ui::components::local_time(deadline)
        )),
        "{says}"
    );
    assert!(
        !says.contains(&attest_engine::evidence::timestamp(deadline)),
        "{says}"
    );
    click(&link);
    wait_for("the reviewer page", || {
        (current_path() == format!("/my-reviews/{id}/1")).then_some(())
    })
    .await;
}

#[wasm_bindgen_test]
async fn a_deadline_passes_by_the_clock_and_is_recorded_at_its_time() {
    let (app, rt) = admin_app("/").await;
    let id = create(
        &rt,
        review(
            &rt,
            "clock",
            "g-auditors",
            vec![stage(Reviewers::ResourceOwners, 3)],
        ),
    )
    .await;
    let deadline = rt
        .state
        .with_untracked(|s| s.instances[&id].stages[0].deadline.unwrap());
    rt.skip(chrono::Duration::days(4)).await.unwrap();
    wait_status(&rt, &id, InstanceStatus::Completed).await;
    let ended = rt
        .state
        .with_untracked(|s| s.instances[&id].stages[0].ended);
    assert_eq!(
        ended,
        Some(deadline),
        "recorded at the deadline, not when the app noticed"
    );
    // The dashboard lists it among the results waiting to be applied.
    let waiting = wait_on(&app, "results waiting on the dashboard", || {
        section_titled(&app.root, "Progress")
            .filter(|s| text(s).contains("Finished: select Apply results"))
    })
    .await;
    assert!(link(&waiting, "Review clock · Contoso auditors").is_some());
}

/// The seed's "Reduce burden on later stage reviewers" through the overview: self-review,
/// then managers, then owners; only Approved reviewees go on; no response removes access.
/// A self-approval the manager does not confirm goes no further, and only those approved
/// in every stage they reached keep access after Apply results.
#[wasm_bindgen_test]
async fn reduce_burden_moves_on_only_what_the_ending_stage_approved() {
    let (app, rt) = admin_app(&overview_link("burden~0~g-it-local-admin")).await;
    let mut def = review(
        &rt,
        "burden",
        "g-it-local-admin",
        vec![
            stage(Reviewers::SelfReview, 7),
            stage(Reviewers::Managers, 7),
            stage(Reviewers::ResourceOwners, 7),
        ],
    );
    def.decisions_to_next_stage = vec![Outcome::Approve];
    let id = create(&rt, def).await;
    let people = items(&rt, &id, 0);
    assert!(people.len() >= 4, "enough reviewees in the sample group");
    // Stage 1: everyone but the last approves themselves.
    for (item, _, me) in &people[..people.len() - 1] {
        decide(&rt, &id, me, *item, Decision::Approve, "still needed").await;
    }
    let stop = wait_on(&app, "Stop current stage", || {
        button(&app.root, "Stop current stage")
    })
    .await;
    click(&stop);
    confirm_stop_stage(&app).await;
    wait_for("stage 2 to start", || {
        rt.state
            .with_untracked(|s| (s.instances[&id].current_stage == 1).then_some(()))
    })
    .await;
    // Stage 2: managers confirm the first two self-approvals and leave the rest undecided.
    let managers = items(&rt, &id, 1);
    let confirmed: BTreeSet<u32> = people[..2].iter().map(|(i, _, _)| *i).collect();
    for (item, _, manager) in managers.iter().filter(|(i, _, _)| confirmed.contains(i)) {
        decide(&rt, &id, manager, *item, Decision::Approve, "in my team").await;
    }
    // The screen catches up with the decisions on its next render; a wrong count times out
    // showing what it said.
    wait_on(&app, "only the two manager-approved to go on", || {
        within(&app.root, "#stop-stage-text")
            .map(|e| text(&e))
            .filter(|t| t.contains("Stage 3 starts at once with the 2 reviewee(s)"))
    })
    .await;
    click(&button(&app.root, "Stop current stage").expect("Stop current stage"));
    confirm_stop_stage(&app).await;
    wait_for("stage 3 to start", || {
        rt.state
            .with_untracked(|s| (s.instances[&id].current_stage == 2).then_some(()))
    })
    .await;
    let in_stage_3: BTreeSet<u32> = rt.state.with_untracked(|s| {
        s.instances[&id]
            .items
            .iter()
            .enumerate()
            .filter(|(_, it)| it.stage == 2)
            .map(|(i, _)| i as u32)
            .collect()
    });
    assert_eq!(
        in_stage_3, confirmed,
        "exactly the manager-approved reach the owners"
    );
    // Stage 3: the owner approves one of the two; the other is Not reviewed there.
    let owners = items(&rt, &id, 2);
    let keeper = people[0].0;
    let owner = &owners.iter().find(|(i, _, _)| *i == keeper).unwrap().2;
    decide(
        &rt,
        &id,
        owner,
        keeper,
        Decision::Approve,
        "exception still needed",
    )
    .await;

    click(&wait_on(&app, "Stop review", || button(&app.root, "Stop review")).await);
    let dialog = wait_on(&app, "the dialog", || within(&app.root, "[role='dialog']")).await;
    click(&button(&dialog, "Stop review").expect("confirm in the dialog"));
    wait_status(&rt, &id, InstanceStatus::Completed).await;
    let before = members(&rt, "g-it-local-admin");
    click(&wait_on(&app, "Apply results", || button(&app.root, "Apply results")).await);
    confirm(&app.root, "Apply results").await;
    wait_status(&rt, &id, InstanceStatus::Applied).await;
    let after = members(&rt, "g-it-local-admin");
    let reviewees: BTreeSet<String> = people.iter().map(|(_, u, _)| u.clone()).collect();
    let kept: BTreeSet<String> = after.intersection(&reviewees).cloned().collect();
    assert_eq!(
        kept,
        BTreeSet::from([people[0].1.clone()]),
        "only the reviewee approved through all three stages keeps access"
    );
    assert!(before.is_superset(&reviewees), "all were members before");
}

/// A reviewer identity reads My access reviews only: the administrator's screens are not in
/// the navigation, and their addresses say why they do not open instead of showing data.
#[wasm_bindgen_test]
async fn a_reviewer_identity_cannot_open_administrator_screens() {
    let config = test_config(50);
    let app = mount_with("/", config.clone());
    let rt = ready_runtime().await;
    rt.acting_as.set(administrator());
    let id = create(
        &rt,
        review(
            &rt,
            "blind",
            "g-it-local-admin",
            vec![
                stage(Reviewers::ResourceOwners, 7),
                stage(Reviewers::Managers, 7),
            ],
        ),
    )
    .await;
    let people = items(&rt, &id, 0);
    decide(
        &rt,
        &id,
        &people[0].2,
        people[0].0,
        Decision::Deny,
        "secret reason",
    )
    .await;
    rt.run_as(
        Command::StopCurrentStage {
            instance: id.clone(),
        },
        administrator(),
        None,
    )
    .await
    .expect("stage 2 starts");
    let manager = items(&rt, &id, 1)[0].2.clone();
    drop(app);

    let nav_labels = |app: &Mounted| all_text(&app.root, "nav[aria-label='Main'] a");
    for path in [
        overview_link(&id),
        "/reviews".to_string(),
        "/history".to_string(),
        "/notifications".to_string(),
        "/directory".to_string(),
        "/settings".to_string(),
        "/reviews/new".to_string(),
    ] {
        let app = mount_with(&path, config.clone());
        let rt2 = ready_runtime().await;
        rt2.acting_as.set(Actor::User {
            id: manager.clone(),
        });
        wait_on(&app, &format!("{path} to refuse"), || {
            heading(&app.root, "Not available to reviewers")
        })
        .await;
        let page = text(&app.root);
        assert!(
            page.contains("Only administrators can open"),
            "{path}: {page}"
        );
        assert!(
            !page.contains("secret reason"),
            "{path}: a stage-1 justification leaked"
        );
        assert_eq!(
            nav_labels(&app),
            vec!["My access reviews".to_string()],
            "{path}"
        );
        assert!(
            link(&app.root, "Go to My access reviews").is_some(),
            "{path}"
        );
    }
    // The administrator reads the same address.
    let app = mount_with(&overview_link(&id), config.clone());
    let rt2 = ready_runtime().await;
    rt2.acting_as.set(administrator());
    wait_on(&app, "the overview", || {
        button(&app.root, "Stop current stage")
    })
    .await;
    assert!(nav_labels(&app).len() > 1);
}
