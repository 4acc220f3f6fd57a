//! "Run now" on a review of a recurring series: an extra occurrence today, inside the same
//! series (the engine's `programme::run_now` decides, and says why when it refuses).

use attest_engine::definition::Frequency;
use attest_engine::outbox::overview_link;
use attest_engine::words::capitalise;
use attest_engine::Command;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::runtime::use_runtime;

/// The Run now card of the review `instance` belongs to; nothing for a one-time review.
#[component]
pub fn RunNow(
    /// The instance whose series runs again.
    instance: String,
) -> impl IntoView {
    let runtime = use_runtime();
    let error = RwSignal::new(None::<String>);
    let started = RwSignal::new(Vec::<(String, String)>::new());
    let busy = RwSignal::new(false);
    let series = Memo::new(move |_| {
        runtime.state.with(|s| {
            let inst = s.instances.get(&instance)?;
            let review = s.reviews.get(&inst.definition)?;
            let recurring = review.definition.schedule.frequency != Frequency::OneTime;
            (recurring && review.ended.is_none())
                .then(|| (review.definition.id.clone(), review.definition.name.clone()))
        })
    });
    let run = move |definition: String| {
        busy.set(true);
        error.set(None);
        started.set(Vec::new());
        spawn_local(async move {
            let before: Vec<String> = runtime
                .state
                .with_untracked(|s| s.instances.keys().cloned().collect());
            let result = runtime
                .run(Command::RunNow {
                    definition: definition.clone(),
                })
                .await;
            busy.set(false);
            match result {
                Ok(()) => started.set(runtime.state.with_untracked(|s| {
                    s.instances
                        .values()
                        .filter(|i| i.definition == definition && !before.contains(&i.id))
                        .map(|i| (i.id.clone(), i.resource.name.clone()))
                        .collect()
                })),
                Err(e) => error.set(Some(format!("{}.", capitalise(&e.to_string())))),
            }
        });
    };
    move || {
        series.get().map(|(definition, name)| {
            view! {
                <section class="card run-now" aria-labelledby="run-now-h">
                    <h2 id="run-now-h">"Run now"</h2>
                    <p class="hint">"Start an extra occurrence of this recurring review today, inside the same series. Scheduled occurrences keep their dates."</p>
                    <button
                        type="button"
                        class="button-secondary"
                        aria-label=format!("Run {name} now")
                        prop:disabled=move || busy.get()
                        on:click=move |_| run(definition.clone())
                    >
                        "Run now"
                    </button>
                    {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
                    {move || {
                        let list = started.get();
                        (!list.is_empty()).then(|| view! {
                            <p role="status">"An extra occurrence started:"</p>
                            <ul>
                                {list.into_iter().map(|(id, resource)| view! { <li><a href=overview_link(&id)>{resource}</a></li> }).collect_view()}
                            </ul>
                        })
                    }}
                </section>
            }
        })
    }
}
