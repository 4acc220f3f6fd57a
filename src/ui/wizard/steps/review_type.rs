//! Step 1, Review type: what to review (resource kind, resources, scope) and whom.

use super::*;

/// Step 1: what to review and whom.
#[component]
pub fn ReviewTypeStep() -> impl IntoView {
    let wizard = use_wizard();
    let runtime = use_runtime();
    let kind = Memo::new(move |_| wizard.def.with(|d| d.scope.resource_kind));
    let guests = Memo::new(move |_| {
        wizard
            .def
            .with(|d| d.scope.principals == PrincipalScope::GuestsOnly)
    });
    let inactive = Memo::new(move |_| wizard.def.with(|d| d.scope.inactive_days));
    let search = RwSignal::new(String::new());

    let resources = move || {
        let q = search.get().trim().to_lowercase();
        let kind = kind.get();
        runtime.state.with(|s| {
            let dir = &s.directory;
            let all: Vec<(String, String, Option<&'static str>)> = match kind {
                ResourceKind::Group => dir
                    .groups
                    .values()
                    .map(|g| {
                        let note = if matches!(
                            g.membership,
                            attest_engine::directory::Membership::Dynamic { .. }
                        ) {
                            Some("dynamic membership")
                        } else if g.on_premises_sync {
                            Some("synced from on-premises")
                        } else {
                            None
                        };
                        (g.id.clone(), g.display_name.clone(), note)
                    })
                    .collect(),
                ResourceKind::Application => dir
                    .applications
                    .values()
                    .map(|a| (a.id.clone(), a.display_name.clone(), None))
                    .collect(),
                ResourceKind::DirectoryRole => dir
                    .roles
                    .values()
                    .map(|r| {
                        (
                            r.id.clone(),
                            r.display_name.clone(),
                            r.privileged.then_some("privileged"),
                        )
                    })
                    .collect(),
                ResourceKind::AccessPackage => dir
                    .access_packages
                    .values()
                    .map(|p| (p.id.clone(), p.display_name.clone(), None))
                    .collect(),
            };
            // Selected ids the directory does not have (from a draft or an import) stay
            // listed, so they can be unselected where the message about them shows.
            let missing: Vec<(String, String, Option<&'static str>)> = wizard.def.with(|d| {
                d.scope
                    .resources
                    .iter()
                    .filter(|r| !dir.resource_exists(kind, r))
                    .map(|r| (r.clone(), format!("{r} (not in the directory)"), None))
                    .collect()
            });
            let mut matching: Vec<_> = all
                .into_iter()
                .filter(|(_, name, _)| q.is_empty() || name.to_lowercase().contains(&q))
                .collect();
            matching.sort_by(|a, b| a.1.cmp(&b.1));
            missing.into_iter().chain(matching).collect::<Vec<_>>()
        })
    };

    view! {
        <section class="card wizard-step-panel" aria-labelledby="step-heading">
            <h2 id="step-heading" tabindex="-1">"Review type"</h2>
            <fieldset class="field">
                <legend>"Select what to review"</legend>
                {KINDS
                    .into_iter()
                    .map(|k| {
                        view! {
                            <Radio
                                name="wizard-kind"
                                label=k.label()
                                checked=Signal::derive(move || kind.get() == k)
                                on_pick=Callback::new(move |_| {
                                    wizard.update(|d| {
                                        if d.scope.resource_kind != k {
                                            d.scope.resource_kind = k;
                                            d.scope.resources.clear();
                                        }
                                    });
                                    search.set(String::new());
                                })
                            />
                        }
                    })
                    .collect_view()}
            </fieldset>

            <fieldset class="field">
                <legend>{move || format!("Select {}", kind.get().picker_plural())}</legend>
                <p class="hint">"Each one you select becomes its own review instance."</p>
                <input
                    type="search"
                    aria-label=move || format!("Search {}", kind.get().picker_plural())
                    placeholder="Search by name"
                    prop:value=move || search.get()
                    on:input:target=move |ev| search.set(ev.target().value())
                />
                <div class="resource-list">
                    {move || {
                        let list = resources();
                        let more = list.len().saturating_sub(MAX_RESOURCES_LISTED);
                        let items = list
                            .into_iter()
                            .take(MAX_RESOURCES_LISTED)
                            .map(|(id, name, note)| {
                                let id2 = id.clone();
                                let checked = move || wizard.def.with(|d| d.scope.resources.contains(&id));
                                view! {
                                    <div class="check">
                                        <label>
                                            <input
                                                type="checkbox"
                                                prop:checked=checked
                                                on:change:target=move |ev| {
                                                    let on = ev.target().checked();
                                                    wizard.update(|d| {
                                                        d.scope.resources.retain(|r| *r != id2);
                                                        if on {
                                                            d.scope.resources.push(id2.clone());
                                                        }
                                                    });
                                                }
                                            />
                                            {name}
                                        </label>
                                        {note.map(|n| view! { <span class="badge badge-warning">{n}</span> })}
                                    </div>
                                }
                            })
                            .collect_view();
                        view! {
                            {items}
                            {(more > 0).then(|| view! { <p class="hint">{format!("{more} more: search to narrow the list.")}</p> })}
                        }
                    }}
                </div>
                <p class="meta">
                    {move || {
                        let n = wizard.def.with(|d| d.scope.resources.len());
                        match n {
                            0 => "None selected yet.".to_string(),
                            1 => "1 selected.".to_string(),
                            n => format!("{n} selected."),
                        }
                    }}
                </p>
                <FieldErrors pattern="scope.resources*" />
            </fieldset>

            <Show when=move || kind.get() == ResourceKind::Group>
                <Check
                    label="Include members of nested groups"
                    hint="Review everyone who gets access through a group inside this one too. Their denials cannot be applied here: the nested group has to change."
                    checked=Signal::derive(move || wizard.def.with(|d| d.scope.transitive))
                    on_set=Callback::new(move |on: bool| wizard.update(|d| d.scope.transitive = on))
                />
                <FieldErrors pattern="scope.transitive" />
            </Show>

            <fieldset class="field">
                <legend>"Select user scope"</legend>
                <Radio
                    name="wizard-principals"
                    label="All users"
                    checked=Signal::derive(move || !guests.get())
                    on_pick=Callback::new(move |_| wizard.update(|d| {
                        d.scope.principals = PrincipalScope::AllUsers;
                    }))
                />
                <Radio
                    name="wizard-principals"
                    label="Guest users only"
                    checked=Signal::derive(move || guests.get())
                    on_pick=Callback::new(move |_| wizard.update(|d| {
                        d.scope.principals = PrincipalScope::GuestsOnly;
                        d.settings.denied_guest_action.get_or_insert(DeniedGuestAction::RemoveMembership);
                    }))
                />
            </fieldset>

            <Check
                label="Inactive users (on tenant level) only"
                hint="Only users who have not signed in to the tenant for the number of days below. Users created within that time are not inactive."
                checked=Signal::derive(move || inactive.get().is_some())
                on_set=Callback::new(move |on: bool| wizard.update(|d| d.scope.inactive_days = on.then_some(30)))
            />
            <Show when=move || inactive.get().is_some()>
                <div class="field indent">
                    <label for="wizard-inactive-days">"Days inactive"</label>
                    <input
                        id="wizard-inactive-days"
                        type="number"
                        min="1"
                        max="730"
                        inputmode="numeric"
                        prop:value=move || inactive.get().map(|d| d.to_string()).unwrap_or_default()
                        on:input:target=move |ev| {
                            let days = parse_number(&ev.target().value());
                            wizard.update(|d| d.scope.inactive_days = Some(days));
                        }
                    />
                    <p class="hint">"Between 1 and 730 days."</p>
                    <FieldErrors pattern="scope.inactiveDays" />
                </div>
            </Show>
        </section>
    }
}
