//! What went wrong outside any one screen (the stored reviews could not be opened, another
//! tab upgraded Attest, the clock's records could not be saved, a reviewer link's server
//! refused it): the runtime keeps it in `Runtime::problem`, and this notice shows it above
//! every screen until the person dismisses it.

use leptos::prelude::*;

use crate::runtime::current_runtime;

/// The runtime's current problem, as an alert with a "Dismiss" button; nothing when all is well.
#[component]
pub fn RuntimeProblem() -> impl IntoView {
    let Some(runtime) = current_runtime() else {
        return ().into_any();
    };
    let problem = runtime.problem;
    view! {
        <Show when=move || problem.with(Option::is_some)>
            <section class="card app-problem" role="alert" aria-labelledby="app-problem-heading">
                <h2 id="app-problem-heading">"Something needs your attention"</h2>
                <p>{move || problem.get().unwrap_or_default()}</p>
                <button
                    type="button"
                    class="button button-secondary"
                    on:click=move |_| problem.set(None)
                >
                    "Dismiss"
                </button>
            </section>
        </Show>
    }
    .into_any()
}
