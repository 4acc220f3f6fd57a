//! The navigation shell: every screen is reachable, links route, the narrow-screen menu
//! and the "Acting as" picker are accessible.

use wasm_bindgen::JsCast;
use wasm_bindgen_test::wasm_bindgen_test;

use crate::support::*;
use leptos::prelude::WithUntracked;

/// Visible nav labels and the path each leads to.
const NAV: &[(&str, &str)] = &[
    ("Dashboard", "/"),
    ("Reviews", "/reviews"),
    ("Remediation", "/remediation"),
    ("My access reviews", "/my-reviews"),
    ("Directory", "/directory"),
    ("Notifications", "/notifications"),
    ("History", "/history"),
    ("Settings", "/settings"),
];

fn nav(app: &Mounted) -> web_sys::Element {
    app.root
        .query_selector("nav[aria-label='Main']")
        .unwrap()
        .expect("main navigation")
}

#[wasm_bindgen_test]
async fn nav_links_every_screen() {
    let app = mount_app();
    let nav = wait_for("the main navigation", || {
        app.root.query_selector("nav").ok().flatten()
    })
    .await;
    for (label, path) in NAV {
        let link = link(&nav, label).unwrap_or_else(|| panic!("nav link {label:?}"));
        assert_eq!(
            link.get_attribute("href").as_deref(),
            Some(*path),
            "href of {label:?}"
        );
    }
    assert_eq!(all(&nav, "a").len(), NAV.len(), "no unexpected nav links");
}

#[wasm_bindgen_test]
async fn clicking_a_nav_link_shows_its_screen() {
    let app = mount_app();
    wait_for("the dashboard", || heading(&app.root, "Dashboard")).await;
    let dashboard = link(&nav(&app), "Dashboard").unwrap();
    assert_eq!(
        dashboard.get_attribute("aria-current").as_deref(),
        Some("page")
    );

    click(&link(&nav(&app), "Directory").unwrap());
    wait_for("the Directory heading", || heading(&app.root, "Directory")).await;
    assert_eq!(current_path(), "/directory");
    assert!(
        heading(&app.root, "Dashboard").is_none(),
        "the dashboard is gone"
    );
    let directory = link(&nav(&app), "Directory").unwrap();
    wait_for("aria-current on Directory", || {
        directory.get_attribute("aria-current")
    })
    .await;
    assert_eq!(dashboard.get_attribute("aria-current"), None);

    click(&link(&nav(&app), "History").unwrap());
    wait_for("the History heading", || {
        heading(&app.root, "History / audit")
    })
    .await;
}

#[wasm_bindgen_test]
async fn every_route_renders_its_screen() {
    let routes = [
        ("/", "Dashboard"),
        ("/directory", "Directory"),
        ("/reviews", "Reviews"),
        ("/reviews/new", "New access review"),
        ("/reviews/inst-7", "Review overview"),
        ("/my-reviews", "My access reviews"),
        ("/my-reviews/inst-7/2", "Access review"),
        ("/notifications", "Notifications outbox"),
        ("/history", "History / audit"),
        ("/settings", "Settings"),
        ("/no/such/screen", "Page not found"),
    ];
    for (path, title) in routes {
        let app = mount_at(path);
        wait_for(&format!("heading {title:?} at {path}"), || {
            heading(&app.root, title)
        })
        .await;
        assert_eq!(all(&app.root, "h1").len(), 1, "one h1 at {path}");
    }
}

#[wasm_bindgen_test]
async fn reviewer_deep_link_to_an_unknown_review_says_so() {
    let app = mount_at("/my-reviews/inst-42/3?reviewer=u-000002");
    wait_for("the reviewer page", || heading(&app.root, "Access review")).await;
    let alert = wait_for("the message", || {
        app.root.query_selector("[role='alert']").ok().flatten()
    })
    .await;
    assert!(
        text(&alert).starts_with("This review no longer exists."),
        "{}",
        text(&alert)
    );
}

#[wasm_bindgen_test]
async fn menu_button_controls_the_navigation() {
    let app = mount_app();
    let menu = wait_for("the Menu button", || button(&app.root, "Menu")).await;
    let controls = menu.get_attribute("aria-controls").expect("aria-controls");
    assert!(app
        .root
        .query_selector(&format!("nav#{controls}"))
        .unwrap()
        .is_some());
    assert_eq!(
        menu.get_attribute("aria-expanded").as_deref(),
        Some("false")
    );

    click(&menu);
    wait_for("expanded", || {
        (menu.get_attribute("aria-expanded").as_deref() == Some("true")).then_some(())
    })
    .await;

    click(&link(&nav(&app), "Settings").unwrap());
    wait_for("the Settings heading", || heading(&app.root, "Settings")).await;
    wait_for("collapsed after navigating", || {
        (menu.get_attribute("aria-expanded").as_deref() == Some("false")).then_some(())
    })
    .await;
}

#[wasm_bindgen_test]
async fn acting_as_picker_is_labelled_and_offers_administrator() {
    let app = mount_app();
    let picker = wait_for("the Acting as picker", || {
        control_by_label(&app.root, "Acting as")
    })
    .await;
    assert_eq!(picker.tag_name(), "SELECT");
    assert!(find_by_text(&picker, "option", "Administrator").is_some());
}

#[wasm_bindgen_test]
async fn acting_as_is_restored_from_and_saved_to_storage() {
    let storage = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    storage
        .set_item(
            attest::ui::session::ACTING_AS_KEY,
            r#"{"kind":"user","id":"u-42"}"#,
        )
        .unwrap();
    {
        let app = mount_app();
        let picker = wait_for("the Acting as picker", || {
            control_by_label(&app.root, "Acting as")
        })
        .await;
        let select =
            wasm_bindgen::JsCast::unchecked_ref::<web_sys::HtmlSelectElement>(&picker).clone();
        wait_for("the stored identity selected", || {
            (select.value() == "user:u-42").then_some(())
        })
        .await;

        choose(&picker, "admin");
        wait_for("the choice saved", || {
            let saved = storage
                .get_item(attest::ui::session::ACTING_AS_KEY)
                .ok()
                .flatten()?;
            saved.contains("administrator").then_some(())
        })
        .await;
    }
    storage
        .remove_item(attest::ui::session::ACTING_AS_KEY)
        .unwrap();
}

/// A fresh browser sees a working app at once: the sample tenant is loaded on first run
/// and its users are offered in the "Acting as" picker.
#[wasm_bindgen_test]
async fn first_run_loads_the_sample_tenant() {
    let _app = mount_app();
    let runtime = ready_runtime().await;
    let users = runtime.state.with_untracked(|s| s.directory.users.len());
    assert_eq!(users, 50);
    wait_for("directory users in the Acting as picker", || {
        let options = document()
            .query_selector_all("select option")
            .ok()?
            .length();
        (options > 10).then_some(())
    })
    .await;
}

/// "Skip to content" puts keyboard focus on the main content, past the header and menu.
#[wasm_bindgen_test]
async fn skip_to_content_moves_focus_to_the_main_content() {
    let app = mount_app();
    let skip = wait_for("the skip link", || link(&app.root, "Skip to content")).await;
    skip.dyn_ref::<web_sys::HtmlElement>()
        .unwrap()
        .focus()
        .unwrap();
    click(&skip);
    wait_for("focus on the main content", || {
        let active = web_sys::window()?.document()?.active_element()?;
        (active.tag_name() == "MAIN").then_some(())
    })
    .await;
}

/// Two people with the same name are different choices in "Acting as": each option's name
/// (what a screen reader says) differs, and a shared name comes with the sign-in name.
#[wasm_bindgen_test]
async fn people_with_the_same_name_are_told_apart_in_acting_as() {
    let app = mount_with("/", test_config(300));
    let runtime = ready_runtime().await;
    let shared: Vec<String> = runtime.state.with_untracked(|s| {
        let mut seen = std::collections::HashMap::<&str, usize>::new();
        for u in s.directory.users.values() {
            *seen.entry(u.display_name.as_str()).or_default() += 1;
        }
        seen.into_iter()
            .filter(|(_, n)| *n > 1)
            .map(|(name, _)| name.to_string())
            .collect()
    });
    assert!(
        !shared.is_empty(),
        "the sample tenant has people with the same name"
    );
    let picker = wait_for("the Acting as picker", || {
        control_by_label(&app.root, "Acting as")
    })
    .await;
    let options = wait_for("every user offered", || {
        let options: Vec<String> = all(&picker, "option").iter().map(text).collect();
        (options.len() > 300).then_some(options)
    })
    .await;
    let distinct: std::collections::BTreeSet<&String> = options.iter().collect();
    assert_eq!(
        distinct.len(),
        options.len(),
        "every option names one person"
    );
    for name in &shared {
        assert!(
            !options.contains(name),
            "{name:?} is shown bare although two people have it"
        );
    }
}

/// Message texts carry the engine's UTC stamps; the screen shows each in the reader's locale
/// and zone and leaves everything else, stamp-like or not, as it was.
#[wasm_bindgen_test]
fn engine_timestamps_in_texts_are_shown_in_the_readers_time() {
    let show = |at: chrono::DateTime<chrono::Utc>| format!("<{}>", at.format("%d %H:%M"));
    for (text, expected) in [
        (
            "Please decide by 2026-12-05T14:21:00Z.",
            "Please decide by <05 14:21>.",
        ),
        (
            "From 2026-12-05T00:00:00Z to 2026-12-06T01:02:03Z",
            "From <05 00:00> to <06 01:02>",
        ),
        ("Team T-shirts and a Tuesday", "Team T-shirts and a Tuesday"),
        (
            "Not a day 2026-13-05T00:00:00Z",
            "Not a day 2026-13-05T00:00:00Z",
        ),
        (
            "Zone given 2026-12-05T00:00:00+01:00",
            "Zone given 2026-12-05T00:00:00+01:00",
        ),
        ("2026-12-05T00:00:00Z", "<05 00:00>"),
        ("Ünïcödé T 2026-12-05T09:30:00Z ✓", "Ünïcödé T <05 09:30> ✓"),
    ] {
        assert_eq!(attest::ui::components::localize_with(text, show), expected);
    }
    let at = chrono::DateTime::parse_from_rfc3339("2026-12-05T14:21:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    let local = attest::ui::components::local_time(at);
    assert!(
        !local.contains("2026-12-05T") && local.contains("2026"),
        "a readable local time: {local}"
    );
}

/// A problem outside any one screen (here: what another tab's upgrade would report) is shown
/// above every screen as an alert, stays while the person moves between screens, and goes
/// when they dismiss it.
#[wasm_bindgen_test]
async fn a_runtime_problem_shows_above_every_screen_until_dismissed() {
    let app = mount_app();
    let rt = ready_runtime().await;
    let said = "Attest was updated in another tab: reload this page to keep working.";
    leptos::prelude::Set::set(&rt.problem, Some(said.to_string()));
    for (label, _) in &NAV[..3] {
        click(&link(&nav(&app), label).expect("nav link"));
        let alert = wait_for("the problem notice", || {
            app.root
                .query_selector(".app-problem[role='alert']")
                .ok()
                .flatten()
        })
        .await;
        assert!(text(&alert).contains(said), "on {label}: {}", text(&alert));
    }
    let alert = app.root.query_selector(".app-problem").unwrap().unwrap();
    click(&button(&alert, "Dismiss").expect("a Dismiss button"));
    wait_for("the notice to go", || {
        app.root
            .query_selector(".app-problem")
            .ok()
            .flatten()
            .is_none()
            .then_some(())
    })
    .await;
}

/// The hand-written date field helpers write and read exactly what chrono's `%Y-%m-%d` and
/// `%e %B %Y` do for the dates a person picks, and refuse what is not a day.
#[wasm_bindgen_test]
fn date_fields_match_chrono_formats() {
    use attest::ui::components::{date_value, long_day, parse_date_value};
    use chrono::{NaiveDate, TimeZone, Utc};
    for (y, m, d, h) in [
        (2026, 12, 5, 0),
        (2026, 1, 31, 23),
        (2028, 2, 29, 12),
        (999, 7, 4, 1),
    ] {
        let at = Utc.with_ymd_and_hms(y, m, d, h, 30, 0).unwrap();
        assert_eq!(date_value(at), at.format("%Y-%m-%d").to_string(), "{at}");
        assert_eq!(long_day(at), at.format("%e %B %Y").to_string(), "{at}");
        let day = at.date_naive();
        assert_eq!(parse_date_value(&date_value(at)), Some(day), "{at}");
    }
    for (value, expected) in [
        ("2026-12-05", NaiveDate::from_ymd_opt(2026, 12, 5)),
        ("2026-1-5", NaiveDate::from_ymd_opt(2026, 1, 5)),
        ("2026-02-30", None),
        ("2026-13-01", None),
        ("", None),
        ("2026-12", None),
        ("2026-12-05-01", None),
        ("2026-12-0x", None),
        ("2026-012-05", None),
        ("12026-12-05", None),
        ("-2026-12-05", None),
    ] {
        assert_eq!(parse_date_value(value), expected, "{value:?}");
    }
}

/// The browser upper-cases an engine message's first letter as the engine's own helpers do.
#[wasm_bindgen_test]
fn messages_become_sentences_as_the_engine_writes_them() {
    use attest::ui::components::{capitalise, sentence};
    for text in [
        "",
        "stage 2 is closed",
        "élan",
        "ßtraße",
        "ǆungla",
        "already a sentence.",
        "what now?",
        "1 reviewee left",
        "Ω",
    ] {
        assert_eq!(
            capitalise(text),
            attest_engine::words::capitalise(text),
            "{text:?}"
        );
        assert_eq!(
            sentence(text),
            attest_engine::words::sentence(text),
            "{text:?}"
        );
    }
}
