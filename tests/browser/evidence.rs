//! The evidence pack in the app: Settings makes and shows the browser's signing key, the
//! review overview's "Download evidence pack" makes the pack, and the downloaded bytes verify
//! with the engine's `verify_pack` under the key Settings showed.

use std::cell::RefCell;
use std::rc::Rc;

use attest::ui::session::administrator;
use attest_engine::definition::{Reviewers, StageSettings};
use attest_engine::event::ItemDecision;
use attest_engine::evidence::pack::{read_container, verify_pack};
use attest_engine::instance::Decision;
use attest_engine::outbox::overview_link;
use attest_engine::{Actor, Command};
use leptos::prelude::{Set, WithUntracked};
use wasm_bindgen::{closure::Closure, JsCast};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::wasm_bindgen_test;
use web_sys::{Element, HtmlInputElement, HtmlTextAreaElement};

use crate::support::*;

/// Holds every `<a download>` the page clicks (name and address) instead of saving it.
struct Downloads {
    seen: Rc<RefCell<Vec<(String, String)>>>,
    listener: Closure<dyn FnMut(web_sys::Event)>,
}

impl Downloads {
    fn catch() -> Self {
        let seen = Rc::new(RefCell::new(Vec::new()));
        let into = seen.clone();
        let listener = Closure::<dyn FnMut(web_sys::Event)>::new(move |ev: web_sys::Event| {
            let anchor = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlAnchorElement>().ok())
                .filter(|a| a.has_attribute("download"));
            if let Some(a) = anchor {
                ev.prevent_default();
                into.borrow_mut().push((a.download(), a.href()));
            }
        });
        document()
            .add_event_listener_with_callback_and_bool(
                "click",
                listener.as_ref().unchecked_ref(),
                true,
            )
            .unwrap();
        Downloads { seen, listener }
    }

    /// The next caught file: its name and bytes.
    async fn next(&self) -> (String, Vec<u8>) {
        let (name, href) = wait_for("a download", || {
            let mut seen = self.seen.borrow_mut();
            (!seen.is_empty()).then(|| seen.remove(0))
        })
        .await;
        let window = web_sys::window().unwrap();
        let response: web_sys::Response = JsFuture::from(window.fetch_with_str(&href))
            .await
            .unwrap()
            .unchecked_into();
        let body = JsFuture::from(response.array_buffer().unwrap())
            .await
            .unwrap();
        (name, js_sys::Uint8Array::new(&body).to_vec())
    }
}

impl Drop for Downloads {
    fn drop(&mut self) {
        let _ = document().remove_event_listener_with_callback_and_bool(
            "click",
            self.listener.as_ref().unchecked_ref(),
            true,
        );
    }
}

fn outcome(root: &Element, id: &str) -> String {
    root.query_selector(&format!("#{id}"))
        .ok()
        .flatten()
        .map(|e| text(&e))
        .unwrap_or_default()
}

async fn click_when_there(root: &Element, label: &str) {
    click(&wait_for(label, || button(root, label)).await);
}

/// A stopped one-stage review of a group in a fresh database, with one Deny whose
/// justification is "left the team in May"; returns the instance id.
async fn finished_review(config: &attest::AppConfig) -> String {
    let app = mount_with("/", config.clone());
    let rt = ready_runtime().await;
    rt.acting_as.set(administrator());
    let start = rt.now() - chrono::Duration::minutes(1);
    let stage = StageSettings {
        reviewers: Reviewers::ResourceOwners,
        fallback_reviewers: vec!["u-000001".into()],
        duration_days: 7,
        recommendations: true,
    };
    let def = group_review("pack", "g-marketing-announcements", vec![stage], start);
    rt.run_as(
        Command::CreateReview {
            definition: Box::new(def),
        },
        administrator(),
        None,
    )
    .await
    .expect("the review is created");
    let id = "pack~0~g-marketing-announcements".to_string();
    let (item, reviewer) = rt.state.with_untracked(|s| {
        let inst = &s.instances[&id];
        (0u32, inst.reviewers_of(&inst.items[0], 0)[0].clone())
    });
    rt.run_as(
        Command::RecordDecisions {
            instance: id.clone(),
            decisions: vec![ItemDecision {
                item,
                decision: Decision::Deny,
                justification: "left the team in May".into(),
            }],
        },
        Actor::User { id: reviewer },
        None,
    )
    .await
    .expect("the decision is recorded");
    rt.run_as(
        Command::StopReview {
            instance: id.clone(),
        },
        administrator(),
        None,
    )
    .await
    .expect("the review stops");
    drop(app);
    id
}

#[wasm_bindgen_test]
async fn a_downloaded_pack_verifies_under_the_key_settings_shows() {
    let config = test_config(50);
    let id = finished_review(&config).await;

    // No key yet: the overview says where to make one, and nothing is downloaded.
    let app = mount_with(&overview_link(&id), config.clone());
    ready_runtime().await.acting_as.set(administrator());
    let downloads = Downloads::catch();
    click_when_there(&app.root, "Download evidence pack").await;
    let said = wait_for("the refusal", || {
        Some(outcome(&app.root, "evidence-pack-outcome")).filter(|t| !t.is_empty())
    })
    .await;
    assert!(said.contains("Settings → Evidence signing key"), "{said}");
    assert!(downloads.seen.borrow().is_empty(), "no file without a key");
    drop(app);

    // Settings makes the key and shows its public halves.
    let app = mount_with("/settings", config.clone());
    ready_runtime().await.acting_as.set(administrator());
    click_when_there(&app.root, "Generate signing key").await;
    let key_box = wait_for("the public key", || {
        app.root
            .query_selector("#evidence-public-key")
            .ok()
            .flatten()
            .map(|e| e.unchecked_into::<HtmlInputElement>())
    })
    .await;
    let key = key_box.value();
    assert_eq!(key.len(), 64, "{key}");
    assert!(key.chars().all(|c| c.is_ascii_hexdigit()), "{key}");
    let pem: HtmlTextAreaElement = app
        .root
        .query_selector("#evidence-public-key-pem")
        .unwrap()
        .expect("the PEM is shown")
        .unchecked_into();
    assert!(
        pem.value().starts_with("-----BEGIN PUBLIC KEY-----\n"),
        "{}",
        pem.value()
    );
    assert!(
        button(&app.root, "Generate signing key").is_none(),
        "one key; a second is made only by loading a key file"
    );
    drop(app);

    // The key outlives the page; the pack downloads and verifies under it.
    let app = mount_with(&overview_link(&id), config);
    ready_runtime().await.acting_as.set(administrator());
    click_when_there(&app.root, "Download evidence pack").await;
    let (name, bytes) = downloads.next().await;
    assert!(
        name.starts_with("attest-evidence-pack_0_g-marketing-announcements-"),
        "{name}"
    );
    assert!(name.ends_with(".zip"), "{name}");
    let verified = verify_pack(&bytes, Some(&key)).expect("the downloaded pack verifies");
    assert_eq!(verified.manifest.instance, id);
    assert_eq!(verified.public_key, key);
    let members = read_container(&bytes).unwrap();
    let decisions = &members
        .iter()
        .find(|(n, _)| n == "decisions.csv")
        .unwrap()
        .1;
    assert!(
        String::from_utf8_lossy(decisions).contains("left the team in May"),
        "the reviewer's justification is in the pack"
    );
    let said = outcome(&app.root, "evidence-pack-outcome");
    assert!(said.contains(&key) && said.contains(&name), "{said}");

    // Another key is refused when pinned: the pack is bound to the key shown.
    let other = "0".repeat(64);
    assert!(verify_pack(&bytes, Some(&other)).is_err());
}

#[wasm_bindgen_test]
async fn an_auditor_signs_off_and_the_sign_off_is_in_the_downloaded_pack() {
    let config = test_config(50);
    let id = finished_review(&config).await;
    let seed = attest::ui::evidence::key::generate().unwrap();
    attest::ui::evidence::key::save(&config.database, &seed)
        .await
        .unwrap();

    let app = mount_with(&overview_link(&id), config);
    let rt = ready_runtime().await;
    rt.acting_as.set(Actor::Auditor {
        name: "Auditor".into(),
    });
    let said = |app: &Mounted| outcome(&app.root, "signoff-outcome");
    wait_for("no sign-off yet", || {
        app.root
            .text_content()
            .filter(|t| t.contains("No auditor has signed off this review yet."))
    })
    .await;

    // A rejection needs a comment: the engine refuses it, and the screen says so.
    let rejected = wait_for("the Rejected choice", || {
        app.root
            .query_selector("input[name=signoff-verdict][value=rejected]")
            .ok()
            .flatten()
    })
    .await;
    click(&rejected);
    click_when_there(&app.root, "Record sign-off").await;
    let refusal = wait_for("the refusal", || Some(said(&app)).filter(|t| !t.is_empty())).await;
    assert!(refusal.contains("needs a comment"), "{refusal}");

    let comment: HtmlTextAreaElement =
        control_by_label(&app.root, "Comment (required when rejecting)")
            .expect("the comment box")
            .unchecked_into();
    comment.set_value("Deny of a leaver confirmed against HR records");
    comment
        .dispatch_event(&web_sys::Event::new("input").unwrap())
        .unwrap();
    let accepted = app
        .root
        .query_selector("input[name=signoff-verdict][value=accepted]")
        .unwrap()
        .unwrap();
    click(&accepted);
    click_when_there(&app.root, "Record sign-off").await;
    wait_for("the sign-off recorded", || {
        Some(said(&app)).filter(|t| t.contains("recorded"))
    })
    .await;
    let row = wait_for("the sign-off in the table", || {
        all(&app.root, "tr")
            .into_iter()
            .map(|r| text(&r))
            .find(|t| t.contains("Deny of a leaver confirmed"))
    })
    .await;
    assert!(row.contains("Auditor") && row.contains("Accepted"), "{row}");

    // The auditor may not stop or apply: the engine refuses, whatever the screen offers.
    let refused = rt
        .run(Command::ApplyResults {
            instance: id.clone(),
        })
        .await
        .unwrap_err();
    assert!(
        refused.to_string().contains("only a review administrator"),
        "{refused}"
    );

    // The auditor downloads the pack; the sign-off is in it, signed.
    let downloads = Downloads::catch();
    click_when_there(&app.root, "Download evidence pack").await;
    let (_, bytes) = downloads.next().await;
    let key = attest_engine::evidence::pack::public_key_hex(&seed);
    verify_pack(&bytes, Some(&key)).expect("the auditor's pack verifies");
    let members = read_container(&bytes).unwrap();
    let signoffs = &members.iter().find(|(n, _)| n == "signoffs.csv").unwrap().1;
    let signoffs = String::from_utf8_lossy(signoffs);
    assert!(
        signoffs.contains("Auditor,Accepted,Deny of a leaver confirmed against HR records"),
        "{signoffs}"
    );
}

const SERVER: Option<&str> = option_env!("ATTEST_TEST_SYNC_SERVER");
const SECRET: Option<&str> = option_env!("ATTEST_TEST_SYNC_SECRET");

/// Settings, signed in to the sync server, names the server as the key's holder and shows
/// the server's public key. The test pushes nothing (an empty browser): a directory import
/// on the shared test server would change what later tests' browsers decide against. The
/// server's packs themselves are checked in server/tests/evidence.rs.
#[wasm_bindgen_test]
async fn with_a_sync_server_settings_shows_the_server_s_key() {
    let (Some(server), Some(secret)) = (SERVER, SECRET) else {
        web_sys::console::warn_1(&"server key test not run: no server (run the suite through scripts/with-sync-server.sh, as make test does)".into());
        return;
    };
    let app = mount_with("/settings", test_config(0));
    ready_runtime().await;
    attest::sync::current_sync()
        .unwrap()
        .connect(server, "Ada Admin", secret)
        .await
        .expect("signed in to the test server");
    let key = wait_for("the server's public key", || {
        app.root
            .query_selector("#evidence-public-key")
            .ok()
            .flatten()
            .map(|e| e.unchecked_into::<HtmlInputElement>().value())
            .filter(|v| v.len() == 64)
    })
    .await;
    let page = text(&app.root);
    assert!(
        page.contains(&format!(
            "The sync server {server} holds the key and signs every pack"
        )),
        "{page}"
    );
    assert!(button(&app.root, "Generate signing key").is_none());
    assert!(
        button(&app.root, "Download the key file").is_none(),
        "the secret stays on the server"
    );
    let pem: HtmlTextAreaElement = app
        .root
        .query_selector("#evidence-public-key-pem")
        .unwrap()
        .expect("the PEM is shown")
        .unchecked_into();
    assert!(
        pem.value().starts_with("-----BEGIN PUBLIC KEY-----"),
        "{}",
        pem.value()
    );
    assert!(key.chars().all(|c| c.is_ascii_hexdigit()), "{key}");
}
