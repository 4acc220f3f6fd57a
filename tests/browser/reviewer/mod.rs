//! The reviewer experience: My access reviews, deep links from notifications, deciding one
//! row at a time, in bulk and from the keyboard, blind stages, and a list of 10,000 reviewees.

use attest::ui::reviewer::reviewer_link;
use attest::ui::session::{administrator, ACTING_AS_KEY};
use attest_engine::definition::*;
use attest_engine::directory::UserType;
use attest_engine::event::ItemDecision;
use attest_engine::instance::DecisionSource;
use attest_engine::{Actor, Command, Decision, ReviewDefinition};
use gloo_timers::future::TimeoutFuture;
use leptos::prelude::{GetUntracked, Set, WithUntracked};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::wasm_bindgen_test;
use web_sys::Element;

use crate::support::*;

fn stage(reviewers: Reviewers) -> StageSettings {
    StageSettings {
        reviewers,
        fallback_reviewers: vec![],
        duration_days: 7,
        recommendations: true,
    }
}

fn selected(user: &str) -> Reviewers {
    Reviewers::SelectedUsers {
        users: vec![user.to_string()],
    }
}

/// A one-time group review starting now, without justification or previous decisions.
fn definition(
    id: &str,
    group: &str,
    stages: Vec<StageSettings>,
    start: chrono::DateTime<chrono::Utc>,
) -> ReviewDefinition {
    let multi = stages.len() > 1;
    let mut def = group_review(id, group, stages, start);
    def.name = format!("Membership of {group}");
    def.description_for_reviewers = "Confirm who still needs this access.".into();
    if !multi {
        def.decisions_to_next_stage = vec![];
    }
    def
}

/// Forget the identity a previous test acted as, as a fresh browser would.
fn fresh_browser() {
    if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = storage.remove_item(ACTING_AS_KEY);
    }
}

/// Mounts the app, creates `def` as the administrator and returns the database config and
/// the id of its (only) instance.
async fn with_review(
    config: &attest::AppConfig,
    def: ReviewDefinition,
) -> (Mounted, attest::Runtime, String) {
    fresh_browser();
    let app = mount_with("/", config.clone());
    let rt = ready_runtime().await;
    let id = def.id.clone();
    rt.run_as(
        Command::CreateReview {
            definition: Box::new(def),
        },
        administrator(),
        None,
    )
    .await
    .expect("review created");
    let instance = rt
        .state
        .with_untracked(|s| {
            s.instances
                .values()
                .find(|i| i.definition == id)
                .map(|i| i.id.clone())
        })
        .expect("the review started");
    (app, rt, instance)
}

/// Items of `instance` reviewed by `reviewer` in `stage`: (item, user name).
fn items_of(
    rt: &attest::Runtime,
    instance: &str,
    stage: usize,
    reviewer: &str,
) -> Vec<(u32, String)> {
    rt.state.with_untracked(|s| {
        let inst = &s.instances[instance];
        inst.items
            .iter()
            .enumerate()
            .filter(|(_, it)| inst.is_reviewer(it, stage, reviewer))
            .map(|(i, it)| (i as u32, it.user_name.clone()))
            .collect()
    })
}

fn decision_of(
    rt: &attest::Runtime,
    instance: &str,
    item: u32,
    stage: usize,
) -> Option<(Decision, String, DecisionSource)> {
    rt.state.with_untracked(|s| {
        s.instances[instance].items[item as usize]
            .decision_in(stage)
            .map(|d| (d.decision, d.justification.clone(), d.source))
    })
}

fn page(app: &Mounted) -> Element {
    app.root
        .query_selector(".reviewer-page")
        .unwrap()
        .expect("the reviewer page")
}

fn rendered_rows(app: &Mounted) -> Vec<Element> {
    all(&app.root, "[role='listitem']")
}

fn by_label(app: &Mounted, label: &str) -> Element {
    control_by_label(&app.root, label).unwrap_or_else(|| panic!("a control labelled {label:?}"))
}

/// Types `value` into a text field the way a person does (value + `input` event).
fn type_into(el: &Element, value: &str) {
    if let Some(t) = el.dyn_ref::<web_sys::HtmlTextAreaElement>() {
        t.set_value(value);
    } else {
        el.dyn_ref::<web_sys::HtmlInputElement>()
            .expect("a text field")
            .set_value(value);
    }
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    el.dispatch_event(&web_sys::Event::new_with_event_init_dict("input", &init).unwrap())
        .unwrap();
}

fn press(el: &Element, key: &str) {
    let init = web_sys::KeyboardEventInit::new();
    init.set_key(key);
    init.set_bubbles(true);
    init.set_cancelable(true);
    let ev = web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
    el.dispatch_event(&ev).unwrap();
}

fn focused() -> Option<Element> {
    document().active_element()
}

/// Waits until the list says it shows `n` reviewees (only those in view are rendered); on a
/// timeout says what the page shows.
async fn wait_shown(app: &Mounted, n: usize) {
    let wanted = format!("{n} shown");
    for _ in 0..150 {
        let shown = all(&app.root, ".rv-selection")
            .first()
            .map(text)
            .unwrap_or_default();
        if shown.ends_with(&wanted) && (n == 0 || !rendered_rows(app).is_empty()) {
            return;
        }
        TimeoutFuture::new(20).await;
    }
    let shown = app
        .root
        .query_selector(".reviewer-page")
        .ok()
        .flatten()
        .map(|p| text(&p))
        .unwrap_or_default();
    panic!("expected {n} reviewees; the page says: {shown}");
}

/// The item number and reviewee name of a rendered row.
fn row_item(row: &Element) -> (u32, String) {
    let item = row
        .id()
        .strip_prefix("reviewee-")
        .and_then(|n| n.parse().ok())
        .expect("a reviewee row id");
    (item, row.get_attribute("aria-label").expect("a row name"))
}

async fn wait_long<T>(what: &str, mut probe: impl FnMut() -> Option<T>) -> T {
    for _ in 0..3000 {
        if let Some(v) = probe() {
            return v;
        }
        TimeoutFuture::new(20).await;
    }
    panic!("timed out waiting for {what}");
}

#[wasm_bindgen_test]
async fn my_reviews_lists_open_stages_with_a_link_that_opens_the_reviewer_page() {
    let config = test_config(50);
    let now = chrono::Utc::now();
    let (app, rt, instance) = with_review(
        &config,
        definition(
            "mine",
            "g-it-local-admin",
            vec![stage(selected("u-000002"))],
            now,
        ),
    )
    .await;
    let count = items_of(&rt, &instance, 0, "u-000002").len();
    assert!(count > 3, "the reviewer has items");
    drop(app);
    let app = mount_with("/my-reviews", config);
    let rt = ready_runtime().await;
    rt.acting_as.set(Actor::User {
        id: "u-000002".into(),
    });
    let link = wait_for("the review link", || {
        link(&app.root, "Membership of g-it-local-admin")
    })
    .await;
    let row = link.closest("tr").unwrap().unwrap();
    assert!(
        text(&row).contains(&format!("{count} of {count} undecided")),
        "{}",
        text(&row)
    );
    assert!(text(&row).contains("Stage 1 of 1"));
    assert_eq!(
        link.get_attribute("href").unwrap(),
        reviewer_link(&instance, 0, "u-000002")
    );
    click(&link);
    wait_for("the reviewer page", || {
        heading(&app.root, "Membership of g-it-local-admin")
    })
    .await;
    wait_shown(&app, count).await;
    assert!(text(&page(&app)).contains(&format!("0 of {count} reviewed")));
}

#[wasm_bindgen_test]
async fn a_deep_link_acts_as_its_reviewer_and_decides() {
    let config = test_config(50);
    let now = chrono::Utc::now();
    let (app, rt, instance) = with_review(
        &config,
        definition(
            "deep",
            "g-it-local-admin",
            vec![stage(selected("u-000002"))],
            now,
        ),
    )
    .await;
    let mine = items_of(&rt, &instance, 0, "u-000002");
    let reviewer_name = rt
        .state
        .with_untracked(|s| s.directory.display_name("u-000002").to_string());
    drop(app);

    fresh_browser();
    let app = mount_with(&reviewer_link(&instance, 0, "u-000002"), config);
    let rt = ready_runtime().await;
    let notice = wait_for("the identity notice", || {
        all(&app.root, "[role='status']")
            .into_iter()
            .find(|e| text(e).contains("acting as"))
    })
    .await;
    assert_eq!(
        text(&notice),
        format!("You are now acting as {reviewer_name}, the reviewer this link was sent to.")
    );
    assert_eq!(
        rt.acting_as.get_untracked(),
        Actor::User {
            id: "u-000002".into()
        }
    );
    wait_shown(&app, mine.len()).await;

    let (item, name) = &row_item(&rendered_rows(&app)[0]);
    assert!(mine.iter().any(|(i, _)| i == item));
    click(&by_label(&app, &format!("Deny {name}")));
    wait_for("the decision to be stored", || {
        decision_of(&rt, &instance, *item, 0)
    })
    .await;
    assert_eq!(
        decision_of(&rt, &instance, *item, 0).unwrap().0,
        Decision::Deny
    );
    wait_for("the row to say Denied", || {
        rendered_rows(&app)
            .into_iter()
            .find(|r| r.get_attribute("aria-label").as_deref() == Some(name))
            .filter(|r| text(r).contains("Denied"))
    })
    .await;
    assert!(text(&page(&app)).contains(&format!("1 of {} reviewed", mine.len())));

    // A decision can be changed while the stage is open.
    click(&by_label(&app, &format!("Approve {name}")));
    wait_for("the changed decision", || {
        (decision_of(&rt, &instance, *item, 0)?.0 == Decision::Approve).then_some(())
    })
    .await;
    click(&by_label(&app, &format!("Undo decision for {name}")));
    wait_for("the decision taken back", || {
        decision_of(&rt, &instance, *item, 0)
            .is_none()
            .then_some(())
    })
    .await;
}

#[wasm_bindgen_test]
async fn reviewers_see_only_their_own_items_and_closed_stages_show_nothing() {
    let config = test_config(50);
    let now = chrono::Utc::now();
    let (app, rt, instance) = with_review(
        &config,
        definition(
            "managers",
            "g-marketing-announcements",
            vec![stage(Reviewers::Managers)],
            now,
        ),
    )
    .await;
    // Two managers with items of their own.
    let managers: Vec<String> = rt.state.with_untracked(|s| {
        let inst = &s.instances[&instance];
        let mut m: Vec<String> = inst
            .items
            .iter()
            .flat_map(|it| inst.reviewers_of(it, 0).to_vec())
            .collect();
        m.sort();
        m.dedup();
        m
    });
    assert!(
        managers.len() >= 2,
        "at least two managers review: {managers:?}"
    );
    let (first, second) = (&managers[0], &managers[1]);
    let own = items_of(&rt, &instance, 0, first);
    let others: Vec<(u32, String)> = items_of(&rt, &instance, 0, second)
        .into_iter()
        .filter(|o| !own.contains(o))
        .collect();
    assert!(!others.is_empty());
    drop(app);

    let app = mount_with(&reviewer_link(&instance, 0, first), config.clone());
    let rt = ready_runtime().await;
    wait_shown(&app, own.len()).await;
    for row in rendered_rows(&app) {
        assert!(
            own.contains(&row_item(&row)),
            "{:?} is someone else's reviewee",
            row_item(&row)
        );
    }
    let stranger = others
        .iter()
        .find(|(_, n)| !own.iter().any(|(_, o)| o == n))
        .expect("a reviewee of someone else only");
    type_into(&by_label(&app, "Search"), &stranger.1);
    wait_for("no match", || {
        find_by_text(&app.root, "p", "No reviewees match these filters.")
    })
    .await;
    assert!(rendered_rows(&app).is_empty());
    assert!(!text(&page(&app)).contains(&stranger.1));
    // The engine refuses a decision on someone else's item too.
    let refused = rt
        .run(Command::RecordDecisions {
            instance: instance.clone(),
            decisions: vec![ItemDecision {
                item: others[0].0,
                decision: Decision::Approve,
                justification: String::new(),
            }],
        })
        .await;
    assert!(refused.is_err());

    // Someone with nothing to review in this stage is told so, and sees no rows.
    rt.acting_as.set(Actor::User {
        id: "u-000050".into(),
    });
    wait_for("the not-yours message", || {
        all(&app.root, "[role='alert']")
            .into_iter()
            .find(|e| text(e).contains("You have nothing to review in stage 1 of this review."))
    })
    .await;
    assert!(rendered_rows(&app).is_empty());
    drop(app);

    // Once the stage has ended, the link says so instead of showing data.
    let app = mount_with(&reviewer_link(&instance, 0, first), config);
    let rt = ready_runtime().await;
    wait_for("the rows", || {
        (!rendered_rows(&app).is_empty()).then_some(())
    })
    .await;
    rt.skip(chrono::Duration::days(8)).await.unwrap();
    wait_for("the closed-stage message", || {
        all(&app.root, "[role='alert']")
            .into_iter()
            .find(|e| text(e).contains("Stage 1 of this review is not open"))
    })
    .await;
    assert!(rendered_rows(&app).is_empty());
}

/// Two stages; stage 1 decided by u-000002 with a telling justification, stage 2 reviewed by
/// u-000003. Returns what the stage 2 reviewer's page shows.
async fn second_stage_page(show_previous: bool) -> (String, String) {
    let config = test_config(50);
    let now = chrono::Utc::now();
    let mut def = definition(
        "blind",
        "g-it-local-admin",
        vec![stage(selected("u-000002")), stage(selected("u-000003"))],
        now,
    );
    def.show_previous_decisions = show_previous;
    let (app, rt, instance) = with_review(&config, def).await;
    let first = items_of(&rt, &instance, 0, "u-000002");
    let decisions = first
        .iter()
        .map(|(item, _)| ItemDecision {
            item: *item,
            decision: Decision::Deny,
            justification: "zebra reason".into(),
        })
        .collect();
    rt.run_as(
        Command::RecordDecisions {
            instance: instance.clone(),
            decisions,
        },
        Actor::User {
            id: "u-000002".into(),
        },
        None,
    )
    .await
    .unwrap();
    rt.run_as(
        Command::StopCurrentStage {
            instance: instance.clone(),
        },
        administrator(),
        None,
    )
    .await
    .unwrap();
    let second = items_of(&rt, &instance, 1, "u-000003");
    assert_eq!(second.len(), first.len(), "everyone goes to stage 2");
    drop(app);

    let app = mount_with(&reviewer_link(&instance, 1, "u-000003"), config);
    let rt = ready_runtime().await;
    wait_shown(&app, second.len()).await;
    assert!(text(&page(&app)).contains("Stage 2 of 2"));
    let first_reviewer = rt
        .state
        .with_untracked(|s| s.directory.display_name("u-000002").to_string());
    (page(&app).inner_html(), first_reviewer)
}

#[wasm_bindgen_test]
async fn a_blind_stage_shows_no_earlier_decisions() {
    let (blind, name) = second_stage_page(false).await;
    for leak in ["zebra reason", "Stage 1:", "Denied", name.as_str()] {
        assert!(!blind.contains(leak), "a blind stage leaks {leak:?}");
    }
    let (open, _) = second_stage_page(true).await;
    assert!(
        open.contains(&format!("Stage 1: Denied by {name}")),
        "the earlier decision shows when allowed"
    );
}

#[wasm_bindgen_test]
async fn approving_needs_a_justification_when_the_review_requires_one() {
    let config = test_config(50);
    let now = chrono::Utc::now();
    let mut def = definition(
        "justify",
        "g-it-local-admin",
        vec![stage(selected("u-000002"))],
        now,
    );
    def.settings.justification_required = true;
    let (app, rt, instance) = with_review(&config, def).await;
    let mine = items_of(&rt, &instance, 0, "u-000002");
    drop(app);
    let app = mount_with(&reviewer_link(&instance, 0, "u-000002"), config);
    let rt = ready_runtime().await;
    wait_shown(&app, mine.len()).await;
    let (item, name) = &row_item(&rendered_rows(&app)[0]);
    let approve = wait_for("the Approve button", || {
        control_by_label(&app.root, &format!("Approve {name}"))
    })
    .await;
    click(&approve);
    let row = || {
        rendered_rows(&app)
            .into_iter()
            .find(|r| r.get_attribute("aria-label").as_deref() == Some(name.as_str()))
    };
    let alert = wait_for("the message on the row", || {
        row()?.query_selector("[role='alert']").ok().flatten()
    })
    .await;
    assert_eq!(
        text(&alert),
        format!("Not saved: a justification is required to approve access ({name}).")
    );
    assert_eq!(
        decision_of(&rt, &instance, *item, 0),
        None,
        "nothing was recorded"
    );

    type_into(&by_label(&app, "Justification"), "Runs the on-call rota");
    click(&by_label(&app, &format!("Approve {name}")));
    wait_for("the approval", || decision_of(&rt, &instance, *item, 0)).await;
    assert_eq!(
        decision_of(&rt, &instance, *item, 0).unwrap().1,
        "Runs the on-call rota"
    );
    wait_for("the message to go", || {
        row()?
            .query_selector("[role='alert']")
            .ok()
            .flatten()
            .is_none()
            .then_some(())
    })
    .await;
}

/// A justification is typed for one decision: once recorded, the box empties, so a later
/// decision on someone else does not carry it.
#[wasm_bindgen_test]
async fn a_justification_goes_with_one_decision_only() {
    let config = test_config(50);
    let def = definition(
        "justify-once",
        "g-it-local-admin",
        vec![stage(selected("u-000002"))],
        chrono::Utc::now(),
    );
    let (app, _rt, instance) = with_review(&config, def).await;
    let mine = items_of(&_rt, &instance, 0, "u-000002");
    assert!(mine.len() >= 2, "two reviewees to decide");
    drop(app);
    let app = mount_with(&reviewer_link(&instance, 0, "u-000002"), config);
    let rt = ready_runtime().await;
    wait_shown(&app, mine.len()).await;
    let rows = rendered_rows(&app);
    let (first, first_name) = row_item(&rows[0]);
    let (second, second_name) = row_item(&rows[1]);
    type_into(&by_label(&app, "Justification"), "Campaign owner");
    click(&by_label(&app, &format!("Approve {first_name}")));
    wait_for("the approval", || decision_of(&rt, &instance, first, 0)).await;
    assert_eq!(
        decision_of(&rt, &instance, first, 0).unwrap().1,
        "Campaign owner"
    );
    let justification = by_label(&app, "Justification");
    wait_for("the box to empty", || {
        let value = justification
            .dyn_ref::<web_sys::HtmlTextAreaElement>()?
            .value();
        value.is_empty().then_some(())
    })
    .await;
    click(&by_label(&app, &format!("Deny {second_name}")));
    wait_for("the denial", || decision_of(&rt, &instance, second, 0)).await;
    assert_eq!(
        decision_of(&rt, &instance, second, 0).unwrap(),
        (Decision::Deny, String::new(), DecisionSource::Reviewer),
        "the denial carries no one else's reason"
    );
}

/// "Justification required" holds for Accept recommendations too: approvals need one.
#[wasm_bindgen_test]
async fn accepting_recommendations_asks_for_the_required_justification() {
    let config = test_config(50);
    let mut def = definition(
        "justify-accept",
        "g-it-local-admin",
        vec![stage(selected("u-000002"))],
        chrono::Utc::now(),
    );
    def.settings.justification_required = true;
    let (app, rt, instance) = with_review(&config, def).await;
    let mine = items_of(&rt, &instance, 0, "u-000002");
    let approving: Vec<u32> = rt.state.with_untracked(|s| {
        mine.iter()
            .filter(|(i, _)| {
                s.instances[&instance].items[*i as usize]
                    .recommendation
                    .as_ref()
                    .is_some_and(|r| r.decision == Decision::Approve)
            })
            .map(|(i, _)| *i)
            .collect()
    });
    assert!(!approving.is_empty(), "a reviewee recommended for approval");
    let with_recommendation = rt.state.with_untracked(|s| {
        mine.iter()
            .filter(|(i, _)| {
                s.instances[&instance].items[*i as usize]
                    .recommendation
                    .is_some()
            })
            .count()
    });
    drop(app);
    let app = mount_with(&reviewer_link(&instance, 0, "u-000002"), config);
    let rt = ready_runtime().await;
    wait_shown(&app, mine.len()).await;
    click(
        &find_by_text(&app.root, "button", "Accept recommendations")
            .expect("the Accept recommendations button"),
    );
    if with_recommendation > 1 {
        confirm(&app.root, "Accept recommendations").await;
    }
    let alert = wait_for("the refusal", || {
        app.root
            .query_selector(".rv-decide [role='alert']")
            .ok()
            .flatten()
    })
    .await;
    assert!(
        text(&alert).starts_with("Not saved: a justification is required to approve access"),
        "{}",
        text(&alert)
    );
    for (item, _) in &mine {
        assert_eq!(
            decision_of(&rt, &instance, *item, 0),
            None,
            "nothing was recorded"
        );
    }
    type_into(
        &by_label(&app, "Justification"),
        "Quarterly check with the owner",
    );
    click(
        &find_by_text(&app.root, "button", "Accept recommendations")
            .expect("the Accept recommendations button"),
    );
    if with_recommendation > 1 {
        confirm(&app.root, "Accept recommendations").await;
    }
    let first = approving[0];
    wait_for("the approvals", || decision_of(&rt, &instance, first, 0)).await;
    for item in &approving {
        assert_eq!(
            decision_of(&rt, &instance, *item, 0).unwrap(),
            (
                Decision::Approve,
                "Quarterly check with the owner".to_string(),
                DecisionSource::AcceptedRecommendation
            )
        );
    }
}

/// A recommendation is worked out when the review starts; its reasons ("signed in 15 days
/// ago") count from then, while the row's "Last sign-in" counts from today. Dated, the two
/// cannot seem to disagree.
#[wasm_bindgen_test]
async fn recommendations_of_a_review_that_started_earlier_say_when_they_were_made() {
    let config = test_config(50);
    let start = chrono::Utc::now() - chrono::Duration::days(3);
    let (app, _rt, instance) = with_review(
        &config,
        definition(
            "dated-recommendations",
            "g-it-local-admin",
            vec![stage(selected("u-000002"))],
            start,
        ),
    )
    .await;
    drop(app);
    let app = mount_with(&reviewer_link(&instance, 0, "u-000002"), config);
    let dated = format!("As of {}: ", attest::ui::components::local_day(start));
    let reason = wait_for("a dated recommendation", || {
        all(&app.root, ".rv-sub")
            .into_iter()
            .find(|el| text(el).starts_with(&dated))
    })
    .await;
    let title = reason.get_attribute("title").unwrap_or_default();
    assert!(
        title.contains("worked out when the review started"),
        "{title:?}"
    );
}

#[wasm_bindgen_test]
async fn accept_recommendations_touches_only_undecided_items() {
    let config = test_config(50);
    let now = chrono::Utc::now();
    let (app, rt, instance) = with_review(
        &config,
        definition(
            "accept",
            "g-it-local-admin",
            vec![stage(selected("u-000002"))],
            now,
        ),
    )
    .await;
    let recommended: Vec<(u32, Decision)> = rt.state.with_untracked(|s| {
        s.instances[&instance]
            .items
            .iter()
            .enumerate()
            .filter_map(|(i, it)| Some((i as u32, it.recommendation.as_ref()?.decision)))
            .collect()
    });
    assert!(
        recommended.len() >= 2,
        "some reviewees have recommendations"
    );
    // Decide one recommended item against its recommendation first.
    let (kept, rec) = recommended[0];
    let mine_first = if rec == Decision::Deny {
        Decision::Approve
    } else {
        Decision::Deny
    };
    rt.run_as(
        Command::RecordDecisions {
            instance: instance.clone(),
            decisions: vec![ItemDecision {
                item: kept,
                decision: mine_first,
                justification: "known".into(),
            }],
        },
        Actor::User {
            id: "u-000002".into(),
        },
        None,
    )
    .await
    .unwrap();
    drop(app);
    let app = mount_with(&reviewer_link(&instance, 0, "u-000002"), config);
    let rt = ready_runtime().await;
    let accept = wait_for("Accept recommendations", || {
        button(&app.root, "Accept recommendations")
    })
    .await;
    assert!(
        !text(&app.root).contains("As of "),
        "a review that started today does not date its recommendations"
    );
    click(&accept);
    // Deciding more than one at once asks first.
    let undecided = recommended.len() - 1;
    if undecided > 1 {
        let said = confirm(&app.root, "Accept recommendations").await;
        assert!(
            said.contains(&format!("Accept {undecided} recommendations?")),
            "says how many it decides: {said}"
        );
    }
    let (last, _) = *recommended.last().unwrap();
    wait_for("recommendations accepted", || {
        decision_of(&rt, &instance, last, 0)
    })
    .await;
    assert_eq!(
        decision_of(&rt, &instance, kept, 0).unwrap().0,
        mine_first,
        "a decided item keeps its decision"
    );
    for &(item, rec) in &recommended[1..] {
        let (d, _, source) = decision_of(&rt, &instance, item, 0).unwrap();
        assert_eq!((d, source), (rec, DecisionSource::AcceptedRecommendation));
    }
    let total = items_of(&rt, &instance, 0, "u-000002").len();
    let undecided = (0..total as u32)
        .filter(|&i| decision_of(&rt, &instance, i, 0).is_none())
        .count();
    assert_eq!(
        undecided,
        total - recommended.len(),
        "items without a recommendation stay undecided"
    );
}

#[wasm_bindgen_test]
async fn a_bulk_decision_applies_to_the_filtered_selection_only() {
    let config = test_config(120);
    let now = chrono::Utc::now();
    let (app, rt, instance) = with_review(
        &config,
        definition(
            "bulk",
            "g-partner-collaboration",
            vec![stage(selected("u-000002"))],
            now,
        ),
    )
    .await;
    let guests: Vec<u32> = rt.state.with_untracked(|s| {
        s.instances[&instance]
            .items
            .iter()
            .enumerate()
            .filter(|(_, it)| it.user_type == UserType::Guest)
            .map(|(i, _)| i as u32)
            .collect()
    });
    let total = items_of(&rt, &instance, 0, "u-000002").len();
    assert!(
        !guests.is_empty() && guests.len() < total,
        "a mix of guests and members"
    );
    drop(app);
    let app = mount_with(&reviewer_link(&instance, 0, "u-000002"), config);
    let rt = ready_runtime().await;
    wait_shown(&app, total).await;
    click(
        &wait_for("the Guests filter", || {
            control_by_label(&app.root, "Guests")
        })
        .await,
    );
    wait_shown(&app, guests.len()).await;
    for row in rendered_rows(&app) {
        assert!(guests.contains(&row_item(&row).0), "only guests are listed");
    }
    click(&button(&app.root, "Select filtered").unwrap());
    wait_for("the selection count", || {
        find_by_text(
            &app.root,
            "p",
            &format!("{} selected · {} shown", guests.len(), guests.len()),
        )
    })
    .await;
    type_into(&by_label(&app, "Justification"), "Partner contract ended");
    click(&button(&app.root, "Deny selected").unwrap());
    wait_for("the denials", || {
        decision_of(&rt, &instance, *guests.last().unwrap(), 0)
    })
    .await;
    for &g in &guests {
        assert_eq!(
            decision_of(&rt, &instance, g, 0),
            Some((
                Decision::Deny,
                "Partner contract ended".into(),
                DecisionSource::Reviewer
            ))
        );
    }
    let decided = (0..total as u32)
        .filter(|&i| decision_of(&rt, &instance, i, 0).is_some())
        .count();
    assert_eq!(decided, guests.len(), "members were not touched");
}

/// Reviewees of `instance` (stage 1, `reviewer`) without a sign-in for `days` or more.
fn inactive_items(rt: &attest::Runtime, instance: &str, reviewer: &str, days: i64) -> usize {
    let now = chrono::Utc::now();
    rt.state.with_untracked(|s| {
        let inst = &s.instances[instance];
        inst.items
            .iter()
            .filter(|it| inst.is_reviewer(it, 0, reviewer))
            .filter(|it| {
                s.directory.users[&it.user]
                    .last_sign_in
                    .is_none_or(|at| now - at >= chrono::Duration::days(days))
            })
            .count()
    })
}

/// Opens the reviewer page of `instance`, switches the "Inactive" filter on by its label
/// (which names the days) and waits for `expected` reviewees.
async fn check_inactive_filter(
    config: &attest::AppConfig,
    instance: &str,
    total: usize,
    label: &str,
    expected: usize,
) {
    let app = mount_with(&reviewer_link(instance, 0, "u-000002"), config.clone());
    ready_runtime().await;
    wait_shown(&app, total).await;
    assert!(
        control_by_label(&app.root, "Inactive").is_none(),
        "the filter names its days"
    );
    click(&wait_for(label, || control_by_label(&app.root, label)).await);
    wait_shown(&app, expected).await;
    drop(app);
}

#[wasm_bindgen_test]
async fn the_inactive_filter_uses_the_reviews_own_inactivity_days() {
    let config = test_config(200);
    let now = chrono::Utc::now();
    // Recommendations on a 180-day look-back: "Inactive" means 180+ days, as the reasons do.
    let mut look_back = definition(
        "look-back",
        "g-all-employees",
        vec![stage(selected("u-000002"))],
        now,
    );
    look_back.settings.recommendations.look_back_days = 180;
    let (app, rt, instance) = with_review(&config, look_back).await;
    let total = items_of(&rt, &instance, 0, "u-000002").len();
    let over_180 = inactive_items(&rt, &instance, "u-000002", 180);
    let over_30 = inactive_items(&rt, &instance, "u-000002", 30);
    assert!(
        0 < over_180 && over_180 < over_30 && over_30 < total,
        "the sample has users inactive for 30 to 180 days: {over_180} < {over_30} < {total}"
    );

    // A review of inactive users only: its own days win over the look-back.
    let mut scoped = definition(
        "scoped",
        "g-all-employees",
        vec![stage(selected("u-000002"))],
        now,
    );
    scoped.scope.inactive_days = Some(100);
    scoped.settings.recommendations.look_back_days = 180;
    // Neither: the default of 30 days.
    let mut plain = definition(
        "plain",
        "g-all-employees",
        vec![stage(selected("u-000002"))],
        now,
    );
    plain.settings.recommendations.inactivity = false;
    plain.settings.recommendations.look_back_days = 180;
    for def in [scoped, plain] {
        rt.run_as(
            Command::CreateReview {
                definition: Box::new(def),
            },
            administrator(),
            None,
        )
        .await
        .expect("review created");
    }
    let instance_of = |id: &str| {
        rt.state.with_untracked(|s| {
            s.instances
                .values()
                .find(|i| i.definition == id)
                .map(|i| i.id.clone())
                .expect("the review started")
        })
    };
    let (scoped, plain) = (instance_of("scoped"), instance_of("plain"));
    let scoped_total = items_of(&rt, &scoped, 0, "u-000002").len();
    let scoped_100 = inactive_items(&rt, &scoped, "u-000002", 100);
    let plain_total = items_of(&rt, &plain, 0, "u-000002").len();
    drop(app);

    check_inactive_filter(&config, &instance, total, "Inactive (180+ days)", over_180).await;
    check_inactive_filter(
        &config,
        &scoped,
        scoped_total,
        "Inactive (100+ days)",
        scoped_100,
    )
    .await;
    check_inactive_filter(&config, &plain, plain_total, "Inactive (30+ days)", over_30).await;
}

#[wasm_bindgen_test]
async fn keyboard_alone_moves_and_decides() {
    let config = test_config(50);
    let now = chrono::Utc::now();
    let (app, rt, instance) = with_review(
        &config,
        definition(
            "keys",
            "g-it-local-admin",
            vec![stage(selected("u-000002"))],
            now,
        ),
    )
    .await;
    let mut mine = items_of(&rt, &instance, 0, "u-000002");
    mine.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)));
    drop(app);
    let app = mount_with(&reviewer_link(&instance, 0, "u-000002"), config);
    let rt = ready_runtime().await;
    wait_shown(&app, mine.len()).await;
    assert!(
        text(&app.root).contains("Keys:"),
        "the keys are documented on the page"
    );

    // The first row is the list's one Tab stop.
    let tab_stops: Vec<Element> = rendered_rows(&app)
        .into_iter()
        .filter(|r| r.get_attribute("tabindex").as_deref() == Some("0"))
        .collect();
    assert_eq!(tab_stops.len(), 1);
    assert_eq!(
        tab_stops[0].get_attribute("aria-label").as_deref(),
        Some(mine[0].1.as_str())
    );
    tab_stops[0]
        .unchecked_ref::<web_sys::HtmlElement>()
        .focus()
        .unwrap();

    let focused_name = || focused().and_then(|e| e.get_attribute("aria-label"));
    press(&focused().unwrap(), "j");
    wait_for("focus on the second row", || {
        (focused_name()? == mine[1].1).then_some(())
    })
    .await;
    press(&focused().unwrap(), "a");
    wait_for("the approval", || decision_of(&rt, &instance, mine[1].0, 0)).await;
    assert_eq!(
        decision_of(&rt, &instance, mine[1].0, 0).unwrap().0,
        Decision::Approve
    );
    wait_for("focus back on the decided row", || {
        (focused()?.is_connected() && focused_name()? == mine[1].1).then_some(())
    })
    .await;

    press(&focused().unwrap(), "ArrowDown");
    wait_for("focus on the third row", || {
        (focused_name()? == mine[2].1).then_some(())
    })
    .await;
    press(&focused().unwrap(), "d");
    wait_for("the denial", || decision_of(&rt, &instance, mine[2].0, 0)).await;
    wait_for("focus kept on the denied row", || {
        (focused()?.is_connected() && focused_name()? == mine[2].1).then_some(())
    })
    .await;
    press(&focused().unwrap(), "u");
    wait_for("the undo", || {
        decision_of(&rt, &instance, mine[2].0, 0)
            .is_none()
            .then_some(())
    })
    .await;
    wait_for("focus kept after the undo", || {
        (focused()?.is_connected() && focused_name()? == mine[2].1).then_some(())
    })
    .await;
    press(&focused().unwrap(), "k");
    wait_for("focus back up", || {
        (focused_name()? == mine[1].1).then_some(())
    })
    .await;
    press(&focused().unwrap(), "?");
    wait_for("don't know", || {
        (decision_of(&rt, &instance, mine[1].0, 0)?.0 == Decision::DontKnow).then_some(())
    })
    .await;
    let row = wait_for("focus kept on the row", || {
        focused()
            .filter(|f| f.is_connected() && f.get_attribute("role").as_deref() == Some("listitem"))
    })
    .await;
    assert_eq!(row_item(&row).0, mine[1].0);
    assert!(
        row.class_list().contains("active"),
        "the focused row is marked"
    );
}

#[wasm_bindgen_test]
async fn ten_thousand_reviewees_render_only_a_window_of_rows() {
    let config = test_config(11_000);
    let now = chrono::Utc::now();
    fresh_browser();
    let app = mount_with("/", config.clone());
    let rt = wait_long("the runtime", attest::runtime::current_runtime).await;
    wait_long("the large sample to load", || {
        rt.ready.get_untracked().then_some(())
    })
    .await;
    let def = definition(
        "large",
        "g-all-employees",
        vec![stage(selected("u-000002"))],
        now,
    );
    rt.run_as(
        Command::CreateReview {
            definition: Box::new(def),
        },
        administrator(),
        None,
    )
    .await
    .expect("review created");
    let instance = rt
        .state
        .with_untracked(|s| s.instances.keys().next().cloned())
        .unwrap();
    let total = items_of(&rt, &instance, 0, "u-000002").len();
    assert!(total >= 10_000, "{total} reviewees");
    // Open the page from My access reviews, with the data already loaded, as a reviewer does.
    rt.acting_as.set(Actor::User {
        id: "u-000002".into(),
    });
    click(&link(&app.root, "My access reviews").expect("the nav link"));
    let open = wait_for("the review link", || {
        link(&app.root, "Membership of g-all-employees")
    })
    .await;
    let started = js_sys::Date::now();
    click(&open);
    wait_long("the first rows", || {
        (!rendered_rows(&app).is_empty()).then_some(())
    })
    .await;
    let loaded = js_sys::Date::now();
    let reviewed = format!("0 of {} reviewed", attest::ui::reviewer::rows::count(total));
    wait_for("the progress", || {
        text(&page(&app)).contains(&reviewed).then_some(())
    })
    .await;
    let list = app.root.query_selector("[role='list']").unwrap().unwrap();
    let fit = list.client_height() / 84 + 1;
    let rows = rendered_rows(&app).len() as i32;
    web_sys::console::log_1(&format!("reviewer page with {total} reviewees: opened from My access reviews and rendered in {:.0} ms; {rows} rows in the DOM", loaded - started).into());
    assert!(rows <= fit + 10, "{rows} rows rendered for {fit} that fit");

    // Scrolling to the middle renders the rows there, still only a window of them.
    let before = js_sys::Date::now();
    list.set_scroll_top(84 * 5_000);
    list.dispatch_event(&web_sys::Event::new("scroll").unwrap())
        .unwrap();
    let middle = wait_for("rows from the middle", || {
        let r = rendered_rows(&app);
        r.first()
            .and_then(|e| e.get_attribute("aria-posinset"))
            .filter(|p| p.parse::<usize>().unwrap_or(0) > 4_900)
            .map(|_| r.len())
    })
    .await;
    web_sys::console::log_1(
        &format!(
            "scrolled to row 5,000 in {:.0} ms",
            js_sys::Date::now() - before
        )
        .into(),
    );
    assert!(middle as i32 <= fit + 10);

    // Deciding one row updates the progress.
    let row = rendered_rows(&app)[2].clone();
    let name = row.get_attribute("aria-label").unwrap();
    let before = js_sys::Date::now();
    click(
        &row.query_selector(&format!("[aria-label='Deny {name}']"))
            .unwrap()
            .unwrap(),
    );
    let reviewed = format!("1 of {} reviewed", attest::ui::reviewer::rows::count(total));
    wait_for("the progress to move", || {
        text(&page(&app)).contains(&reviewed).then_some(())
    })
    .await;
    web_sys::console::log_1(
        &format!(
            "one decision saved and shown in {:.0} ms",
            js_sys::Date::now() - before
        )
        .into(),
    );
    let _ = rt;
}
