//! Browsing the directory: paging, search kept in the URL, the guests filter, a user's detail
//! panel, tabs by arrow keys and deep links.

use super::*;

/// The ids of the listed rows, from their links (`…&id=u-000123`), in order.
fn listed_ids(app: &Mounted) -> Vec<String> {
    all(&app.root, ".directory-table tbody th a")
        .iter()
        .filter_map(|a| a.get_attribute("href"))
        .filter_map(|href| {
            let id = href.split("id=").nth(1)?;
            Some(id.split('&').next()?.to_string())
        })
        .collect()
}

/// Only the page shown is sorted (a selection finds its rows); paging through Users must
/// still show every user exactly once, by name and, for equal names, by id.
#[wasm_bindgen_test]
async fn paging_through_users_shows_each_user_once_in_name_order() {
    as_administrator();
    let app = mount_with("/directory", test_config(260));
    let runtime = ready_runtime().await;
    let expected: Vec<String> = runtime.state.with_untracked(|s| {
        let mut users: Vec<(String, String)> = s
            .directory
            .users
            .values()
            .map(|u| (u.display_name.clone(), u.id.clone()))
            .collect();
        users.sort();
        users.into_iter().map(|(_, id)| id).collect()
    });
    assert!(expected.len() > 100, "more than two pages of users");
    let mut seen: Vec<String> = Vec::new();
    loop {
        let previous = seen.last().cloned();
        let page = wait_for("the next page of users", || {
            let ids = listed_ids(&app);
            let fresh = !ids.is_empty() && previous.as_ref().is_none_or(|p| !ids.contains(p));
            fresh.then_some(ids)
        })
        .await;
        seen.extend(page);
        match link(&app.root, "Next") {
            Some(next) => click(&next),
            None => break,
        }
    }
    assert_eq!(seen, expected);
}

#[wasm_bindgen_test]
async fn search_filters_the_list_and_is_kept_in_the_url() {
    as_administrator();
    let app = mount_at("/directory");
    let runtime = ready_runtime().await;
    let search = wait_for("the search box", || {
        control_by_label(&app.root, "Search users")
    })
    .await;
    wait_for("the users listed", || {
        (listed(&app).len() == 50).then_some(())
    })
    .await;
    let (name, expected) = runtime.state.with_untracked(|s| {
        let name = s
            .directory
            .users
            .values()
            .nth(7)
            .unwrap()
            .display_name
            .clone();
        let needle = name.split(' ').next().unwrap().to_lowercase();
        let expected = s
            .directory
            .users
            .values()
            .filter(|u| {
                u.display_name.to_lowercase().contains(&needle)
                    || u.user_principal_name.to_lowercase().contains(&needle)
            })
            .count();
        (needle, expected)
    });
    type_into(&search, &name);
    wait_for("the list to narrow", || {
        (listed(&app).len() == expected).then_some(())
    })
    .await;
    assert!(expected < 50, "the search narrows the list");
    for shown in listed(&app) {
        let upn = runtime.state.with_untracked(|s| {
            s.directory
                .users
                .values()
                .find(|u| u.display_name == shown)
                .map(|u| u.user_principal_name.to_lowercase())
        });
        assert!(
            shown.to_lowercase().contains(&name) || upn.unwrap().contains(&name),
            "{shown} matches {name}"
        );
    }
    let search_in_url = web_sys::window().unwrap().location().search().unwrap();
    assert!(
        search_in_url.contains(&format!("q={name}")),
        "{search_in_url}"
    );
}

#[wasm_bindgen_test]
async fn the_guests_filter_shows_only_guests() {
    as_administrator();
    let app = mount_at("/directory");
    let runtime = ready_runtime().await;
    wait_for("the users listed", || {
        (listed(&app).len() == 50).then_some(())
    })
    .await;
    let guests = runtime.state.with_untracked(|s| {
        s.directory
            .users
            .values()
            .filter(|u| u.user_type == UserType::Guest)
            .count()
    });
    assert!(guests > 0 && guests < 50, "the sample has some guests");
    let filter = wait_for("the Guests filter", || {
        control_by_label(&app.root, "Guests")
    })
    .await;
    click(&filter);
    wait_for("only guests", || {
        (listed(&app).len() == guests).then_some(())
    })
    .await;
    for row in list_rows(&app) {
        assert!(text(&row).contains("Guest"), "{}", text(&row));
    }
    assert!(web_sys::window()
        .unwrap()
        .location()
        .search()
        .unwrap()
        .contains("filter=guests"));
}

#[wasm_bindgen_test]
async fn selecting_a_user_shows_manager_chain_and_groups() {
    as_administrator();
    let app = mount_at("/directory");
    let runtime = ready_runtime().await;
    let (id, name, chain, group) = runtime.state.with_untracked(|s| {
        let dir = &s.directory;
        dir.users
            .values()
            .find_map(|u| {
                let chain = dir.manager_chain(&u.id);
                let group = dir
                    .groups
                    .values()
                    .find(|g| g.members.contains(&Principal::User(u.id.clone())))?;
                (chain.len() >= 2).then(|| {
                    let names: Vec<String> = chain
                        .iter()
                        .map(|m| dir.display_name(m).to_string())
                        .collect();
                    (
                        u.id.clone(),
                        u.display_name.clone(),
                        names,
                        group.display_name.clone(),
                    )
                })
            })
            .expect("a user with a two-level manager chain and a group")
    });
    let search = wait_for("the search box", || {
        control_by_label(&app.root, "Search users")
    })
    .await;
    type_into(&search, &id);
    let user_link = wait_for("the user's row", || {
        link(
            &app.root.query_selector(".directory-table").unwrap()?,
            &name,
        )
    })
    .await;
    click(&user_link);

    let detail = wait_for("the detail panel", || {
        let panel = app.root.query_selector("[aria-label='Details']").ok()??;
        find_by_text(&panel, "h2", &name).map(|_| panel)
    })
    .await;
    let shown_chain: Vec<String> = all(&detail, "ol[aria-label='Manager chain'] a")
        .iter()
        .map(text)
        .collect();
    assert_eq!(shown_chain, chain);
    assert!(
        link(&detail, &group).is_some(),
        "group {group} listed in {}",
        text(&detail)
    );
    assert!(web_sys::window()
        .unwrap()
        .location()
        .search()
        .unwrap()
        .contains(&format!("id={id}")));

    // The manager is a link that selects them.
    click(&link(&detail, &chain[0]).unwrap());
    wait_for("the manager's details", || {
        find_by_text(&detail, "h2", &chain[0])
    })
    .await;
}

#[wasm_bindgen_test]
async fn arrow_keys_move_between_tabs() {
    as_administrator();
    let app = mount_at("/directory");
    ready_runtime().await;
    let users = wait_for("the Users tab", || {
        find_by_text(&app.root, "[role='tab']", "Users")
    })
    .await;
    assert_eq!(
        users.get_attribute("aria-selected").as_deref(),
        Some("true")
    );
    users.dispatch_event(&key_down("ArrowRight")).unwrap();
    let groups = find_by_text(&app.root, "[role='tab']", "Groups").unwrap();
    wait_for("Groups selected", || {
        (groups.get_attribute("aria-selected").as_deref() == Some("true")).then_some(())
    })
    .await;
    assert_eq!(document().active_element().as_ref(), Some(&groups));
    assert!(web_sys::window()
        .unwrap()
        .location()
        .search()
        .unwrap()
        .contains("tab=groups"));
    wait_for("the group search box", || {
        control_by_label(&app.root, "Search groups")
    })
    .await;
    let runtime = attest::runtime::current_runtime().unwrap();
    let first_group = runtime.state.with_untracked(|s| {
        s.directory
            .groups
            .values()
            .map(|g| g.display_name.clone())
            .min()
            .unwrap()
    });
    wait_for("groups listed", || {
        (listed(&app).first() == Some(&first_group)).then_some(())
    })
    .await;

    groups.dispatch_event(&key_down("End")).unwrap();
    let packages = find_by_text(&app.root, "[role='tab']", "Access packages").unwrap();
    wait_for("Access packages selected", || {
        (packages.get_attribute("aria-selected").as_deref() == Some("true")).then_some(())
    })
    .await;
}

/// A `keydown` of `key` that bubbles, as a key press on the focused element sends.
fn key_down(key: &str) -> web_sys::Event {
    let init = js_sys::Object::new();
    js_sys::Reflect::set(&init, &"key".into(), &key.into()).unwrap();
    js_sys::Reflect::set(&init, &"bubbles".into(), &true.into()).unwrap();
    let constructor: js_sys::Function =
        js_sys::Reflect::get(&web_sys::window().unwrap(), &"KeyboardEvent".into())
            .unwrap()
            .unchecked_into();
    js_sys::Reflect::construct(&constructor, &js_sys::Array::of2(&"keydown".into(), &init))
        .unwrap()
        .unchecked_into()
}

#[wasm_bindgen_test]
async fn a_deep_link_opens_tab_search_and_selection() {
    let app = mount_at("/directory?tab=users&q=zz-no-such-user");
    ready_runtime().await;
    wait_for("nothing matches", || {
        text(&app.root).contains("No users match.").then_some(())
    })
    .await;
    let search = control_by_label(&app.root, "Search users").unwrap();
    assert_eq!(
        search
            .dyn_ref::<web_sys::HtmlInputElement>()
            .unwrap()
            .value(),
        "zz-no-such-user"
    );
    drop(app);

    let app = mount_at("/directory?tab=groups&id=no-such-group");
    ready_runtime().await;
    wait_for("the unknown group named", || {
        text(&app.root)
            .contains("There is no group with id \u{201c}no-such-group\u{201d}")
            .then_some(())
    })
    .await;
}
