//! The labelled selects list screens filter by (results, reviews, history).

use leptos::prelude::*;

/// A select whose empty value (`all`) means "no filter"; `options` are (value, label).
#[component]
pub fn FilterSelect(
    id: &'static str,
    label: &'static str,
    value: RwSignal<String>,
    all: &'static str,
    options: &'static [(&'static str, &'static str)],
) -> impl IntoView {
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <select id=id on:change:target=move |ev| value.set(ev.target().value())>
                <option value="">{all}</option>
                {options.iter().map(|&(v, l)| view! { <option value=v>{l}</option> }).collect_view()}
            </select>
        </div>
    }
}
