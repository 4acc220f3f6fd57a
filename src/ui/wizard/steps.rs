//! The four wizard steps. Each control reads and writes the wizard's definition; options
//! appear only where they apply, and switching an option off clears what depended on it so
//! no hidden setting can block the review.

use attest_engine::definition::{
    DeniedGuestAction, Frequency, NoResponse, Outcome, PrincipalScope, Reviewers, ScheduleEnd,
    StageSettings, MAX_REVIEWER_DESCRIPTION, MAX_STAGES,
};
use attest_engine::directory::ResourceKind;
use attest_engine::preview::{preview, summary};
use leptos::prelude::*;

use super::controls::{
    date_value, parse_date, parse_number, Check, FieldErrors, Radio, UserPicker,
};
use super::{start_of_day, use_wizard};
use crate::runtime::use_runtime;

const KINDS: [ResourceKind; 4] = [
    ResourceKind::Group,
    ResourceKind::Application,
    ResourceKind::AccessPackage,
    ResourceKind::DirectoryRole,
];
const FREQUENCIES: [Frequency; 6] = [
    Frequency::OneTime,
    Frequency::Weekly,
    Frequency::Monthly,
    Frequency::Quarterly,
    Frequency::SemiAnnually,
    Frequency::Annually,
];
const NO_RESPONSE: [NoResponse; 4] = [
    NoResponse::NoChange,
    NoResponse::RemoveAccess,
    NoResponse::ApproveAccess,
    NoResponse::TakeRecommendations,
];
/// Most resources listed at once; the search narrows the rest.
const MAX_RESOURCES_LISTED: usize = 50;

/// How a validation field is named in the error summary.
pub fn field_label(field: &str) -> String {
    if let Some(rest) = field.strip_prefix("stages[") {
        let (n, sub) = rest.split_once("].").unwrap_or((rest, ""));
        let stage = n.parse::<usize>().map_or(1, |i| i + 1);
        let what = match sub {
            "reviewers" => "reviewers",
            "fallbackReviewers" => "fallback reviewers",
            "durationInDays" => "duration (in days)",
            other => other,
        };
        return format!("Stage {stage} {what}");
    }
    if field.starts_with("scope.resources") {
        return "Resources to review".into();
    }
    match field {
        "name" => "Review name",
        "descriptionForReviewers" => "Description for reviewers",
        "id" => "Review id",
        "scope.inactiveDays" => "Days inactive",
        "scope.transitive" => "Nested group membership",
        "stages" => "Stages",
        "stages.durationInDays" => "Review recurrence",
        "decisionsThatWillMoveToNextStage" => "Reviewees going to the next stage",
        "showPreviousDecisions" => "Show previous stage(s) decisions to later stage reviewers",
        "settings.deniedGuestAction" => "Action to apply on denied guest users",
        "settings.recommendationLookBackDuration" => "Look-back period (in days)",
        "schedule.end" => "End",
        other => other,
    }
    .to_string()
}

/// "Group owner(s)" in the words of the resource kind.
fn owners_label(kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::Group => "Group owner(s)",
        ResourceKind::Application => "Application owner(s)",
        ResourceKind::AccessPackage => "Access package manager(s)",
        ResourceKind::DirectoryRole => "Resource owner(s) (roles have none)",
    }
}

fn kind_plural(kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::Group => "teams and groups",
        ResourceKind::Application => "applications",
        ResourceKind::AccessPackage => "access packages",
        ResourceKind::DirectoryRole => "roles",
    }
}

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
            <h2 id="step-heading">"Review type"</h2>
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
                                            if k != ResourceKind::Group {
                                                d.scope.transitive = false;
                                            }
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
                <legend>{move || format!("Select {}", kind_plural(kind.get()))}</legend>
                <p class="hint">"Each one you select becomes its own review instance."</p>
                <input
                    type="search"
                    aria-label=move || format!("Search {}", kind_plural(kind.get()))
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
                        // The denied-guest action exists only for guests-only reviews.
                        d.settings.denied_guest_action = None;
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

/// Step 2: stages, reviewers and the schedule.
#[component]
pub fn ReviewsStep() -> impl IntoView {
    let wizard = use_wizard();
    let stage_count = Memo::new(move |_| wizard.def.with(|d| d.stages.len()));
    let multi = Memo::new(move |_| stage_count.get() > 1);
    view! {
        <section class="card wizard-step-panel" aria-labelledby="step-heading">
            <h2 id="step-heading">"Reviews"</h2>
            <Check
                label="Multi-stage review"
                hint="Up to three stages of reviewers decide in turn; the last decision recorded for a reviewee is the one applied."
                checked=Signal::derive(move || multi.get())
                on_set=Callback::new(move |on: bool| wizard.update(|d| {
                    if on && d.stages.len() < 2 {
                        d.stages.push(new_stage());
                    } else if !on {
                        d.stages.truncate(1);
                        d.show_previous_decisions = false;
                    }
                }))
            />
            <FieldErrors pattern="stages" />
            {move || (0..stage_count.get()).map(|i| view! { <StageFields index=i /> }).collect_view()}
            <Show when=move || multi.get() && stage_count.get() < MAX_STAGES>
                <p>
                    <button type="button" class="button-secondary" on:click=move |_| wizard.update(|d| d.stages.push(new_stage()))>
                        "Add a stage"
                    </button>
                </p>
            </Show>
            <Show when=move || multi.get()>
                <Check
                    label="Show previous stage(s) decisions to later stage reviewers"
                    hint="Off: later stages review blind and see nothing of earlier decisions."
                    checked=Signal::derive(move || wizard.def.with(|d| d.show_previous_decisions))
                    on_set=Callback::new(move |on: bool| wizard.update(|d| d.show_previous_decisions = on))
                />
                <fieldset class="field">
                    <legend>"Reviewees going to the next stage"</legend>
                    <p class="hint">"The others keep their decision and leave the review."</p>
                    <Check
                        label="Select all"
                        checked=Signal::derive(move || wizard.def.with(|d| Outcome::ALL.iter().all(|o| d.decisions_to_next_stage.contains(o))))
                        on_set=Callback::new(move |on: bool| wizard.update(|d| {
                            d.decisions_to_next_stage = if on { Outcome::ALL.to_vec() } else { Vec::new() };
                        }))
                    />
                    {Outcome::ALL
                        .into_iter()
                        .map(|o| view! {
                            <Check
                                label=o.next_stage_label()
                                checked=Signal::derive(move || wizard.def.with(|d| d.decisions_to_next_stage.contains(&o)))
                                on_set=Callback::new(move |on: bool| wizard.update(|d| {
                                    let keep = |x: &Outcome| if *x == o { on } else { d.decisions_to_next_stage.contains(x) };
                                    d.decisions_to_next_stage = Outcome::ALL.into_iter().filter(keep).collect();
                                }))
                            />
                        })
                        .collect_view()}
                    <FieldErrors pattern="decisionsThatWillMoveToNextStage" />
                </fieldset>
            </Show>
            <FieldErrors pattern="showPreviousDecisions" />
            <ScheduleFields />
        </section>
    }
}

fn new_stage() -> StageSettings {
    StageSettings {
        reviewers: Reviewers::Managers,
        fallback_reviewers: Vec::new(),
        duration_days: 7,
        recommendations: true,
    }
}

/// The reviewer kinds offered, as `<select>` values.
fn reviewer_key(r: &Reviewers) -> &'static str {
    match r {
        Reviewers::Managers => "managers",
        Reviewers::ResourceOwners => "owners",
        Reviewers::SelectedUsers { .. } => "users",
        Reviewers::GroupMembers { .. } => "group",
        Reviewers::SelfReview => "self",
    }
}

fn reviewers_from_key(key: &str) -> Option<Reviewers> {
    Some(match key {
        "managers" => Reviewers::Managers,
        "owners" => Reviewers::ResourceOwners,
        "users" => Reviewers::SelectedUsers { users: Vec::new() },
        "group" => Reviewers::GroupMembers {
            group: String::new(),
        },
        "self" => Reviewers::SelfReview,
        _ => return None,
    })
}

/// One stage: reviewers, fallback reviewers, duration, recommendations.
#[component]
fn StageFields(index: usize) -> impl IntoView {
    let wizard = use_wizard();
    let runtime = use_runtime();
    let multi = Memo::new(move |_| wizard.def.with(|d| d.stages.len() > 1));
    let stage = Memo::new(move |_| wizard.def.with(|d| d.stages.get(index).cloned()));
    let kind = Memo::new(move |_| wizard.def.with(|d| d.scope.resource_kind));
    let update = move |f: Box<dyn FnOnce(&mut StageSettings)>| {
        wizard.update(|d| {
            if let Some(s) = d.stages.get_mut(index) {
                f(s);
            }
        })
    };
    // Labels carry the stage number only when there is more than one stage.
    let name = move |what: &str| {
        if multi.get() {
            format!("Stage {} {what}", index + 1)
        } else {
            let mut s = what.to_string();
            if let Some(first) = s.get_mut(0..1) {
                first.make_ascii_uppercase();
            }
            s
        }
    };
    let reviewers_id = format!("wizard-stage-{index}-reviewers");
    let duration_id = format!("wizard-stage-{index}-duration");
    let group_id = format!("wizard-stage-{index}-group");
    let field = move |f: &str| format!("stages[{index}].{f}");
    let key = Memo::new(move |_| {
        stage
            .get()
            .map(|s| reviewer_key(&s.reviewers))
            .unwrap_or("managers")
    });

    view! {
        <fieldset class="stage">
            <legend>{move || if multi.get() { format!("Stage {}", index + 1) } else { "Reviewers".to_string() }}</legend>
            <div class="field">
                <label for=reviewers_id.clone()>{move || name("reviewers")}</label>
                <select
                    id=reviewers_id
                    on:change:target=move |ev| {
                        if let Some(r) = reviewers_from_key(&ev.target().value()) {
                            update(Box::new(move |s| {
                                if !r.may_be_empty() {
                                    s.fallback_reviewers.clear();
                                }
                                s.reviewers = r;
                            }));
                        }
                    }
                >
                    <option value="managers" prop:selected=move || key.get() == "managers">"Managers of users"</option>
                    <Show when=move || kind.get() != ResourceKind::DirectoryRole || key.get() == "owners">
                        <option value="owners" prop:selected=move || key.get() == "owners">{move || owners_label(kind.get())}</option>
                    </Show>
                    <option value="users" prop:selected=move || key.get() == "users">"Select user(s)"</option>
                    <option value="group" prop:selected=move || key.get() == "group">"Members of a group"</option>
                    <option value="self" prop:selected=move || key.get() == "self">"Users review their own access"</option>
                </select>
                <FieldErrors pattern=field("reviewers") />
            </div>
            <Show when=move || key.get() == "users">
                <UserPicker
                    label=Signal::derive(move || name("selected reviewers")).get_untracked()
                    selected=Signal::derive(move || match stage.get().map(|s| s.reviewers) {
                        Some(Reviewers::SelectedUsers { users }) => users,
                        _ => Vec::new(),
                    })
                    on_change=Callback::new(move |users: Vec<String>| update(Box::new(move |s| s.reviewers = Reviewers::SelectedUsers { users })))
                />
            </Show>
            <Show when=move || key.get() == "group">
                <div class="field">
                    <label for=group_id.clone()>{move || name("reviewer group")}</label>
                    <select
                        id=group_id.clone()
                        on:change:target=move |ev| {
                            let group = ev.target().value();
                            update(Box::new(move |s| s.reviewers = Reviewers::GroupMembers { group }));
                        }
                    >
                        {move || {
                            let current = match stage.get().map(|s| s.reviewers) {
                                Some(Reviewers::GroupMembers { group }) => group,
                                _ => String::new(),
                            };
                            let mut groups: Vec<(String, String)> = runtime.state.with(|s| {
                                s.directory.groups.values().map(|g| (g.id.clone(), g.display_name.clone())).collect()
                            });
                            groups.sort_by(|a, b| a.1.cmp(&b.1));
                            let none_selected = current.is_empty();
                            view! {
                                <option value="" prop:selected=none_selected>"Choose a group"</option>
                                {groups
                                    .into_iter()
                                    .map(|(id, name)| {
                                        let selected = id == current;
                                        view! { <option value=id prop:selected=selected>{name}</option> }
                                    })
                                    .collect_view()}
                            }
                        }}
                    </select>
                    <p class="hint">"Every member of the group, including members of nested groups, reviews."</p>
                </div>
            </Show>
            <Show when=move || stage.get().is_some_and(|s| s.reviewers.may_be_empty())>
                <UserPicker
                    label=Signal::derive(move || name("fallback reviewers")).get_untracked()
                    hint="Asked to review when a user has no manager or the resource has no owner."
                    selected=Signal::derive(move || stage.get().map(|s| s.fallback_reviewers).unwrap_or_default())
                    on_change=Callback::new(move |users: Vec<String>| update(Box::new(move |s| s.fallback_reviewers = users)))
                    errors=field("fallbackReviewers")
                />
            </Show>
            <div class="field">
                <label for=duration_id.clone()>{move || name("duration (in days)")}</label>
                <input
                    id=duration_id
                    type="number"
                    min="1"
                    max="180"
                    inputmode="numeric"
                    prop:value=move || stage.get().map(|s| s.duration_days.to_string()).unwrap_or_default()
                    on:input:target=move |ev| {
                        let days = parse_number(&ev.target().value());
                        update(Box::new(move |s| s.duration_days = days));
                    }
                />
                <FieldErrors pattern=field("durationInDays") />
            </div>
            <Check
                label=Signal::derive(move || name("shows recommendations")).get_untracked()
                hint="Reviewers see Approve or Deny suggested, with the reason (sign-in activity, peers' access)."
                checked=Signal::derive(move || stage.get().is_some_and(|s| s.recommendations))
                on_set=Callback::new(move |on: bool| update(Box::new(move |s| s.recommendations = on)))
            />
            <Show when=move || multi.get()>
                <p>
                    <button
                        type="button"
                        class="button-secondary"
                        on:click=move |_| wizard.update(|d| {
                            if d.stages.len() > 1 {
                                d.stages.remove(index);
                            }
                            if d.stages.len() < 2 {
                                d.show_previous_decisions = false;
                            }
                        })
                    >
                        {format!("Remove stage {}", index + 1)}
                    </button>
                </p>
            </Show>
        </fieldset>
    }
}

/// Start date, recurrence and end.
#[component]
fn ScheduleFields() -> impl IntoView {
    let wizard = use_wizard();
    let frequency = Memo::new(move |_| wizard.def.with(|d| d.schedule.frequency));
    let end = Memo::new(move |_| wizard.def.with(|d| d.schedule.end.clone()));
    let freq_key = |f: Frequency| format!("{f:?}");
    view! {
        <fieldset class="schedule">
            <legend>"Schedule"</legend>
            <div class="field">
                <label for="wizard-start">"Start date"</label>
                <input
                    id="wizard-start"
                    type="date"
                    prop:value=move || wizard.def.with(|d| date_value(d.schedule.start))
                    on:change:target=move |ev| {
                        if let Some(at) = parse_date(&ev.target().value()) {
                            wizard.update(|d| d.schedule.start = at);
                        }
                    }
                />
                <p class="hint">"Dates are in UTC. A review that starts today starts when you create it."</p>
            </div>
            <div class="field">
                <label for="wizard-frequency">"Review recurrence"</label>
                <select
                    id="wizard-frequency"
                    on:change:target=move |ev| {
                        let value = ev.target().value();
                        if let Some(f) = FREQUENCIES.into_iter().find(|f| freq_key(*f) == value) {
                            wizard.update(|d| {
                                d.schedule.frequency = f;
                                if f == Frequency::OneTime {
                                    d.schedule.end = ScheduleEnd::Never;
                                }
                            });
                        }
                    }
                >
                    {FREQUENCIES
                        .into_iter()
                        .map(|f| view! { <option value=freq_key(f) prop:selected=move || frequency.get() == f>{f.label()}</option> })
                        .collect_view()}
                </select>
                <p class="hint">
                    {move || match frequency.get().max_duration_days() {
                        Some(max) => format!("The stages together last at most {max} days, so each review ends before the next one starts."),
                        None => "Runs once.".to_string(),
                    }}
                </p>
                <FieldErrors pattern="stages.durationInDays" />
            </div>
            <Show when=move || frequency.get() != Frequency::OneTime>
                <fieldset class="field">
                    <legend>"End"</legend>
                    <Radio
                        name="wizard-end"
                        label="Never"
                        checked=Signal::derive(move || end.get() == ScheduleEnd::Never)
                        on_pick=Callback::new(move |_| wizard.update(|d| d.schedule.end = ScheduleEnd::Never))
                    />
                    <Radio
                        name="wizard-end"
                        label="End on specific date"
                        checked=Signal::derive(move || matches!(end.get(), ScheduleEnd::OnDate { .. }))
                        on_pick=Callback::new(move |_| wizard.update(|d| {
                            let date = d.schedule.start + chrono::Duration::days(365);
                            d.schedule.end = ScheduleEnd::OnDate { date };
                        }))
                    />
                    <Radio
                        name="wizard-end"
                        label="End after number of occurrences"
                        checked=Signal::derive(move || matches!(end.get(), ScheduleEnd::AfterOccurrences { .. }))
                        on_pick=Callback::new(move |_| wizard.update(|d| d.schedule.end = ScheduleEnd::AfterOccurrences { count: 4 }))
                    />
                    {move || match end.get() {
                        ScheduleEnd::OnDate { date } => view! {
                            <div class="field indent">
                                <label for="wizard-end-date">"End date"</label>
                                <input
                                    id="wizard-end-date"
                                    type="date"
                                    prop:value=date_value(date)
                                    on:change:target=move |ev| {
                                        if let Some(date) = parse_date(&ev.target().value()) {
                                            wizard.update(|d| d.schedule.end = ScheduleEnd::OnDate { date });
                                        }
                                    }
                                />
                            </div>
                        }
                        .into_any(),
                        ScheduleEnd::AfterOccurrences { count } => view! {
                            <div class="field indent">
                                <label for="wizard-occurrences">"Number of occurrences"</label>
                                <input
                                    id="wizard-occurrences"
                                    type="number"
                                    min="1"
                                    inputmode="numeric"
                                    prop:value=count.to_string()
                                    on:input:target=move |ev| {
                                        let count = parse_number(&ev.target().value());
                                        wizard.update(|d| d.schedule.end = ScheduleEnd::AfterOccurrences { count });
                                    }
                                />
                            </div>
                        }
                        .into_any(),
                        ScheduleEnd::Never => ().into_any(),
                    }}
                    <FieldErrors pattern="schedule.end" />
                </fieldset>
            </Show>
            <Show when=move || frequency.get() == Frequency::OneTime>
                <FieldErrors pattern="schedule.end" />
            </Show>
        </fieldset>
    }
}

/// Step 3: what happens at the end, recommendations and reminders.
#[component]
pub fn SettingsStep() -> impl IntoView {
    let wizard = use_wizard();
    let guests = Memo::new(move |_| {
        wizard
            .def
            .with(|d| d.scope.principals == PrincipalScope::GuestsOnly)
    });
    let no_response = Memo::new(move |_| wizard.def.with(|d| d.settings.if_no_response));
    let action = Memo::new(move |_| wizard.def.with(|d| d.settings.denied_guest_action));
    let no_response_key = |n: NoResponse| format!("{n:?}");
    view! {
        <section class="card wizard-step-panel" aria-labelledby="step-heading">
            <h2 id="step-heading">"Settings"</h2>
            <h3>"Upon completion settings"</h3>
            <Check
                label="Auto apply results to resource"
                hint="When the review ends, denied users lose the access automatically. Off: an administrator selects Apply results."
                checked=Signal::derive(move || wizard.def.with(|d| d.settings.auto_apply))
                on_set=Callback::new(move |on: bool| wizard.update(|d| d.settings.auto_apply = on))
            />
            <div class="field">
                <label for="wizard-no-response">"If reviewers don't respond"</label>
                <select
                    id="wizard-no-response"
                    on:change:target=move |ev| {
                        let value = ev.target().value();
                        if let Some(n) = NO_RESPONSE.into_iter().find(|n| no_response_key(*n) == value) {
                            wizard.update(|d| d.settings.if_no_response = n);
                        }
                    }
                >
                    {NO_RESPONSE
                        .into_iter()
                        .map(|n| view! { <option value=no_response_key(n) prop:selected=move || no_response.get() == n>{n.label()}</option> })
                        .collect_view()}
                </select>
                <p class="hint">"What happens to reviewees still not reviewed when the review ends. Don't know keeps access."</p>
            </div>
            <Show when=move || guests.get() || action.get().is_some()>
                <fieldset class="field">
                    <legend>"Action to apply on denied guest users"</legend>
                    <Show when=move || !guests.get()>
                        <p>
                            <button
                                type="button"
                                class="button-secondary"
                                on:click=move |_| wizard.update(|d| d.settings.denied_guest_action = None)
                            >
                                "Don't apply a guest action"
                            </button>
                        </p>
                    </Show>
                    <Radio
                        name="wizard-guest-action"
                        label="Remove user's membership from the resource"
                        checked=Signal::derive(move || action.get() != Some(DeniedGuestAction::BlockThenDelete))
                        on_pick=Callback::new(move |_| wizard.update(|d| d.settings.denied_guest_action = Some(DeniedGuestAction::RemoveMembership)))
                    />
                    <Radio
                        name="wizard-guest-action"
                        label="Block user from signing-in for 30 days, then remove user from the tenant"
                        checked=Signal::derive(move || action.get() == Some(DeniedGuestAction::BlockThenDelete))
                        on_pick=Callback::new(move |_| wizard.update(|d| d.settings.denied_guest_action = Some(DeniedGuestAction::BlockThenDelete)))
                    />
                    <FieldErrors pattern="settings.deniedGuestAction" />
                </fieldset>
            </Show>
            <Check
                label="Justification required"
                hint="Reviewers give a reason when they approve access."
                checked=Signal::derive(move || wizard.def.with(|d| d.settings.justification_required))
                on_set=Callback::new(move |on: bool| wizard.update(|d| d.settings.justification_required = on))
            />
            <h3>"Recommendations"</h3>
            <Check
                label="No sign-in within the look-back period"
                hint="Recommend Deny for users who have not signed in during the period below."
                checked=Signal::derive(move || wizard.def.with(|d| d.settings.recommendations.inactivity))
                on_set=Callback::new(move |on: bool| wizard.update(|d| d.settings.recommendations.inactivity = on))
            />
            <div class="field indent">
                <label for="wizard-look-back">"Look-back period (in days)"</label>
                <input
                    id="wizard-look-back"
                    type="number"
                    min="1"
                    max="180"
                    inputmode="numeric"
                    prop:value=move || wizard.def.with(|d| d.settings.recommendations.look_back_days.to_string())
                    on:input:target=move |ev| {
                        let days = parse_number(&ev.target().value());
                        wizard.update(|d| d.settings.recommendations.look_back_days = days);
                    }
                />
                <FieldErrors pattern="settings.recommendationLookBackDuration" />
            </div>
            <Check
                label="User-to-Group Affiliation"
                hint="Recommend Deny for users whose peers (people with the same manager) mostly do not have this access."
                checked=Signal::derive(move || wizard.def.with(|d| d.settings.recommendations.peer_affiliation))
                on_set=Callback::new(move |on: bool| wizard.update(|d| d.settings.recommendations.peer_affiliation = on))
            />
            <h3>"Notifications and reminders"</h3>
            <p class="hint">"Reviewers are always notified when their stage starts, with a link to their reviews."</p>
            <Check
                label="Reminders"
                hint="Halfway through each stage, remind reviewers who still have reviewees to decide."
                checked=Signal::derive(move || wizard.def.with(|d| d.settings.reminders))
                on_set=Callback::new(move |on: bool| wizard.update(|d| d.settings.reminders = on))
            />
        </section>
    }
}

/// Step 4: name, descriptions, summary and preview.
#[component]
pub fn CreateStep() -> impl IntoView {
    let wizard = use_wizard();
    let runtime = use_runtime();
    // The preview depends on the shape of the review, not its name: typing the name must
    // not recompute it.
    let shape = Memo::new(move |_| {
        wizard.def.with(|d| {
            let mut d = d.clone();
            d.name.clear();
            d.description_for_admins.clear();
            d.description_for_reviewers.clear();
            d
        })
    });
    let summary_lines = Memo::new(move |_| {
        runtime
            .state
            .with(|s| shape.with(|d| summary(d, &s.directory)))
    });
    let preview = Memo::new(move |_| {
        let now = runtime.now();
        runtime.state.with(|s| {
            shape.with(|d| preview(d, &s.directory, d.schedule.start.max(start_of_day(now))))
        })
    });
    let reviewer_chars = move || {
        wizard
            .def
            .with(|d| d.description_for_reviewers.chars().count())
    };
    view! {
        <section class="card wizard-step-panel" aria-labelledby="step-heading">
            <h2 id="step-heading">"Review + create"</h2>
            <div class="field">
                <label for="wizard-name">"Review name"</label>
                <input
                    id="wizard-name"
                    type="text"
                    autocomplete="off"
                    prop:value=move || wizard.def.with(|d| d.name.clone())
                    on:input:target=move |ev| {
                        let name = ev.target().value();
                        wizard.update(|d| d.name = name);
                    }
                />
                <FieldErrors pattern="name" />
            </div>
            <div class="field">
                <label for="wizard-description-reviewers">"Description for reviewers"</label>
                <textarea
                    id="wizard-description-reviewers"
                    prop:value=move || wizard.def.with(|d| d.description_for_reviewers.clone())
                    on:input:target=move |ev| {
                        let text = ev.target().value();
                        wizard.update(|d| d.description_for_reviewers = text);
                    }
                ></textarea>
                <p class="hint">{move || format!("Shown in notifications. {} of {MAX_REVIEWER_DESCRIPTION} characters.", reviewer_chars())}</p>
                <FieldErrors pattern="descriptionForReviewers" />
            </div>
            <div class="field">
                <label for="wizard-description-admins">"Description for administrators"</label>
                <textarea
                    id="wizard-description-admins"
                    prop:value=move || wizard.def.with(|d| d.description_for_admins.clone())
                    on:input:target=move |ev| {
                        let text = ev.target().value();
                        wizard.update(|d| d.description_for_admins = text);
                    }
                ></textarea>
            </div>
            <FieldErrors pattern="id" />
        </section>
        <section class="card" aria-labelledby="summary-heading">
            <h2 id="summary-heading">"What will happen"</h2>
            <ul class="summary">
                {move || summary_lines.get().into_iter().map(|l| view! { <li>{l}</li> }).collect_view()}
            </ul>
        </section>
        <PreviewCard preview=preview />
    }
}

/// The preview of the first occurrence: instances, reviewers' load, fallbacks and denials
/// that could not be applied.
#[component]
fn PreviewCard(preview: Memo<attest_engine::preview::Preview>) -> impl IntoView {
    const SHOWN: usize = 10;
    view! {
        <section class="card preview" aria-labelledby="preview-heading">
            <h2 id="preview-heading">"Preview"</h2>
            <p class="hint">"From the directory as it is now; each instance takes its own snapshot when it starts."</p>
            {move || {
                let p = preview.get();
                let occurrences = match p.occurrences {
                    Some(1) => "once".to_string(),
                    Some(n) => format!("{n} times"),
                    None => "until the series is ended".to_string(),
                };
                let loads = p.stage_one_reviewers.clone();
                let reviewers_count = loads.len();
                let fallback_nobody = p.unreviewable();
                view! {
                    <dl class="preview-figures">
                        <div><dt>"Review instances"</dt><dd data-figure="instances">{p.instances}</dd></div>
                        <div><dt>"Reviewees"</dt><dd data-figure="reviewees">{p.total_reviewees()}</dd></div>
                        <div><dt>"Stage 1 reviewers"</dt><dd data-figure="reviewers">{reviewers_count}</dd></div>
                        <div><dt>"Go to fallback reviewers"</dt><dd data-figure="fallback">{p.fallback.len()}</dd></div>
                        <div><dt>"Denial cannot be applied"</dt><dd data-figure="not-supported">{p.not_supported.len()}</dd></div>
                    </dl>
                    <p>{format!("One instance per resource, {occurrences}.")}</p>
                    {(!p.reviewees.is_empty()).then(|| view! {
                        <h3>"Reviewees per instance"</h3>
                        <ul>
                            {p.reviewees.iter().map(|(_, name, n)| view! { <li>{format!("{name}: {n}")}</li> }).collect_view()}
                        </ul>
                    })}
                    {(!loads.is_empty()).then(|| view! {
                        <h3>"Reviewees per stage 1 reviewer"</h3>
                        <div class="table-wrap">
                            <table>
                                <thead><tr><th scope="col">"Reviewer"</th><th scope="col">"Reviewees"</th></tr></thead>
                                <tbody>
                                    {loads.iter().take(SHOWN).map(|l| view! { <tr><td>{l.name.clone()}</td><td>{l.reviewees}</td></tr> }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                        {(reviewers_count > SHOWN).then(|| view! { <p class="hint">{format!("and {} more reviewers", reviewers_count - SHOWN)}</p> })}
                    })}
                    {(!p.fallback.is_empty()).then(|| view! {
                        <h3>"Reviewees with no reviewer, who go to the fallback reviewers"</h3>
                        {(fallback_nobody > 0).then(|| view! {
                            <p class="error">{format!("{fallback_nobody} of them have no fallback reviewer either: nobody could review them. Add fallback reviewers on the Reviews step.")}</p>
                        })}
                        <ul>
                            {p.fallback.iter().take(SHOWN).map(|f| view! {
                                <li>{format!("Stage {}: {} ({}){}", f.stage + 1, f.item.user_name, f.item.resource_name, if f.nobody { " \u{2014} no fallback reviewer" } else { "" })}</li>
                            }).collect_view()}
                        </ul>
                        {(p.fallback.len() > SHOWN).then(|| view! { <p class="hint">{format!("and {} more", p.fallback.len() - SHOWN)}</p> })}
                    })}
                    {(!p.not_supported.is_empty()).then(|| view! {
                        <h3>"Denials that could not be applied"</h3>
                        <p class="hint">"Attest cannot remove this access; it has to change where it comes from."</p>
                        <ul>
                            {p.not_supported.iter().take(SHOWN).map(|u| view! {
                                <li>{format!("{} ({}): {}", u.item.user_name, u.item.resource_name, u.explanation)}</li>
                            }).collect_view()}
                        </ul>
                        {(p.not_supported.len() > SHOWN).then(|| view! { <p class="hint">{format!("and {} more", p.not_supported.len() - SHOWN)}</p> })}
                    })}
                }
            }}
        </section>
    }
}
