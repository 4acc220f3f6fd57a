//! Step 3, Settings: what happens at the end, recommendations and reminders.

use super::*;

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
            <h2 id="step-heading" tabindex="-1">"Settings"</h2>
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
                label="Review on move"
                hint="When a directory import shows a reviewee's manager or department changed, start a small review of their access by their new manager."
                checked=Signal::derive(move || wizard.def.with(|d| d.settings.review_on_move))
                on_set=Callback::new(move |on: bool| wizard.update(|d| d.settings.review_on_move = on))
            />
            <Check
                label="Justification required"
                hint="Reviewers give a reason when they approve access."
                checked=Signal::derive(move || wizard.def.with(|d| d.settings.justification_required))
                on_set=Callback::new(move |on: bool| wizard.update(|d| d.settings.justification_required = on))
            />
            <Check
                label="Allow approve until a date"
                hint="Reviewers may approve access until a date; at that date it is removed unless a newer review approved it."
                checked=Signal::derive(move || wizard.def.with(|d| d.settings.approval.approve_until))
                on_set=Callback::new(move |on: bool| wizard.update(|d| d.settings.approval.approve_until = on))
            />
            <Check
                label="Forbid bulk approve"
                hint="Reviewers approve one reviewee at a time: Approve selected, or Accept recommendations that would approve, on several reviewees is refused."
                checked=Signal::derive(move || wizard.def.with(|d| d.settings.approval.forbid_bulk_approve))
                on_set=Callback::new(move |on: bool| wizard.update(|d| d.settings.approval.forbid_bulk_approve = on))
            />
            <Show when=move || wizard.def.with(|d| d.schedule.frequency != Frequency::OneTime)>
                <Check
                    label="Delta mode"
                    hint="Each occurrence holds only what changed since the last completed one: new access, a changed manager or department, access that was not approved. Approved, unchanged access is carried forward with its outcome."
                    checked=Signal::derive(move || wizard.def.with(|d| d.settings.delta_mode))
                    on_set=Callback::new(move |on: bool| wizard.update(|d| d.settings.delta_mode = on))
                />
            </Show>
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
            <crate::ui::wizard::ladder::LadderTimeline />
        </section>
    }
}
