//! History / audit report: every recorded fact across reviews — who did what, when, why —
//! with date range, review, reviewer, "done by" and decision filters; downloaded as a hash-chained CSV
//! that an auditor can verify here or with standard tools (docs/evidence.md).

use attest_engine::evidence::{audit_csv, audit_rows, verify_audit_csv, AuditFilter, AuditRow};
use attest_engine::instance::Decision;
use chrono::{NaiveDate, Utc};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use crate::runtime::use_runtime;
use crate::ui::components::{localize_timestamps, FilterSelect, Page, TableRegion};
use crate::ui::review::shared::{download, file_stamp, use_records, when};

/// Rows per page; the download holds every row that matches.
const PAGE: usize = 100;

/// The start of a day picked in a date field: midnight where the reader is, as times are shown.
fn parse_day(s: &str) -> Option<chrono::DateTime<Utc>> {
    use chrono::Datelike;
    let d = NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?;
    let local =
        js_sys::Date::new_with_year_month_day(d.year() as u32, d.month0() as i32, d.day() as i32);
    chrono::DateTime::from_timestamp_millis(local.get_time() as i64)
}

fn decision_from(value: &str) -> Option<Decision> {
    match value {
        "Approve" => Some(Decision::Approve),
        "Deny" => Some(Decision::Deny),
        "DontKnow" => Some(Decision::DontKnow),
        _ => None,
    }
}

#[component]
pub fn History() -> impl IntoView {
    let runtime = use_runtime();
    let (records, records_problem) = use_records(runtime);
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let review = RwSignal::new(String::new());
    let reviewer = RwSignal::new(String::new());
    let actor = RwSignal::new(String::new());
    let decision = RwSignal::new(String::new());
    let exported = RwSignal::new(None::<Result<String, String>>);
    let verified = RwSignal::new(None::<Result<String, String>>);

    let rows = Memo::new(move |_| {
        records.with(|r| r.as_ref().map(|r| runtime.state.with(|s| audit_rows(s, r))))
    });
    let filter = Memo::new(move |_| AuditFilter {
        from: parse_day(&from.get()),
        // The "To" day is included: everything before the next midnight.
        until: parse_day(&to.get()).map(|d| d + chrono::Duration::days(1)),
        review: Some(review.get()).filter(|r| !r.is_empty()),
        reviewer: Some(reviewer.get()).filter(|r| !r.is_empty()),
        actor: Some(actor.get()).filter(|a| !a.is_empty()),
        decision: decision_from(&decision.get()),
    });
    // Page 0 is the newest; a new filter starts there again.
    let page = RwSignal::new(0usize);
    Effect::new(move |_| {
        let _ = filter.get();
        page.set(0);
    });
    let date_error = move || {
        let (f, t) = (from.get(), to.get());
        match (parse_day(&f), parse_day(&t)) {
            (Some(a), Some(b)) if b < a => {
                Some("“To” is before “From”: no row can match. Choose a later “To” date.")
            }
            _ => None,
        }
    };

    let save = move |_| {
        let now = runtime.now();
        let result = rows.with_untracked(|rows| {
            let rows = rows.as_ref().ok_or("The history is still loading; try again in a moment.")?;
            let f = filter.get_untracked();
            let picked: Vec<AuditRow> = rows.iter().filter(|r| f.matches(r)).cloned().collect();
            let report = audit_csv(&picked);
            download(&format!("attest-audit-{}.csv", file_stamp(now)), "text/csv;charset=utf-8", &report.csv)
                .map_err(|e| e.to_string())?;
            Ok::<_, String>(format!(
                "Downloaded {} row(s). Chain head: {} — keep it with the file to show later that no row was changed or removed.",
                report.rows, report.head
            ))
        });
        exported.set(Some(result.map_err(|e| e.to_string())));
    };

    let verify = move |ev: web_sys::Event| {
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        let Some(file) = input.files().and_then(|f| f.get(0)) else {
            return;
        };
        let name = file.name();
        spawn_local(async move {
            let text = crate::ui::components::read_text(&file).await;
            let outcome = match text.ok() {
                None => Err(format!("{name}: the file could not be read as text.")),
                Some(text) => match verify_audit_csv(&text) {
                    Ok((head, n)) => Ok(format!(
                        "{name}: verified. {n} row(s), none changed or removed; chain head {head}."
                    )),
                    Err(e) => Err(format!("{name}: verification failed at {e}.")),
                },
            };
            verified.set(Some(outcome));
        });
    };

    let options = move || {
        runtime.state.with(|s| {
            let reviews: Vec<(String, String)> = s
                .reviews
                .values()
                .map(|r| (r.definition.id.clone(), r.definition.name.clone()))
                .collect();
            let mut people = std::collections::BTreeMap::new();
            for inst in s.instances.values() {
                for set in &inst.reviewer_sets {
                    for id in set {
                        people
                            .entry(s.directory.display_name(id).to_string())
                            .or_insert_with(|| id.clone());
                    }
                }
            }
            (reviews, people.into_iter().collect::<Vec<_>>())
        })
    };

    // Everyone who did something in the log: administrators, reviewers, the clock.
    let actors = move || {
        rows.with(|rows| {
            let names: std::collections::BTreeSet<String> =
                rows.iter().flatten().map(|r| r.actor.clone()).collect();
            names.into_iter().collect::<Vec<_>>()
        })
    };

    let table = move || {
        let f = filter.get();
        rows.with(|rows| {
            let Some(rows) = rows else {
                return view! { <p class="meta">"Loading the history…"</p> }.into_any();
            };
            let picked: Vec<&AuditRow> = rows.iter().filter(|r| f.matches(r)).collect();
            let count = picked.len();
            let pages = count.div_ceil(PAGE).max(1);
            let at = page.get().min(pages - 1);
            let (first, last) = (at * PAGE, (at * PAGE + PAGE).min(count));
            let body = picked
                .into_iter()
                .rev()
                .skip(first)
                .take(PAGE)
                .map(|r| {
                    view! {
                        <tr>
                            <td>{when(r.at)}</td>
                            <td>{r.actor.clone()}</td>
                            <td>{r.action.clone()}</td>
                            <td>{r.review_name.clone()}</td>
                            <td class="num">{r.stage.map(|s| (s + 1).to_string())}</td>
                            <td>{r.reviewer_names.clone()}</td>
                            <td>{r.subject.clone()}</td>
                            <td>{r.decision.map(|d| d.label())}</td>
                            <td class="wide">{localize_timestamps(&r.details)}</td>
                            <td class="wide">{r.reason.clone()}</td>
                        </tr>
                    }
                })
                .collect_view();
            let pager = (pages > 1).then(|| view! {
                <nav class="pager" aria-label="History pages">
                    <button type="button" disabled={at == 0} on:click=move |_| page.update(|p| *p = p.saturating_sub(1))>
                        "Newer"
                    </button>
                    <span class="meta">{format!("Page {} of {pages}", at + 1)}</span>
                    <button type="button" disabled={at + 1 >= pages} on:click=move |_| page.update(|p| *p += 1)>
                        "Older"
                    </button>
                </nav>
            });
            view! {
                <p class="meta" role="status">
                    {format!("{count} of {} event(s) match, newest first", rows.len())}
                    {(count > PAGE).then(|| format!("; {}\u{2013}{last} shown — the download holds them all", first + 1))}
                </p>
                <TableRegion label="Audit history">
                    <table class="history-table">
                        <caption class="visually-hidden">"Audit history"</caption>
                        <thead>
                            <tr>
                                <th scope="col">"Date"</th>
                                <th scope="col">"Who"</th>
                                <th scope="col">"Action"</th>
                                <th scope="col">"Review"</th>
                                <th scope="col">"Stage"</th>
                                <th scope="col">"Reviewer"</th>
                                <th scope="col">"Subject"</th>
                                <th scope="col">"Decision"</th>
                                <th scope="col">"Details"</th>
                                <th scope="col">"Why"</th>
                            </tr>
                        </thead>
                        <tbody>{body}</tbody>
                    </table>
                </TableRegion>
                {pager}
            }
            .into_any()
        })
    };

    view! {
        <Page
            title="History / audit"
            lead="Every command ever recorded, with who, when and why: the evidence for auditors."
            actions=Box::new(move || view! { <button type="button" class="button-primary" on:click=save>"Download CSV"</button> }.into_any())
        >
            {move || exported.get().map(|r| match r {
                Ok(t) => view! { <p class="notice" role="status">{t}</p> }.into_any(),
                Err(e) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
            })}
            {move || records_problem.get().map(|p| view! { <p class="error" role="alert">{p}</p> })}
            <section class="card" aria-labelledby="history-filters-h">
                <h2 id="history-filters-h" class="visually-hidden">"Filters"</h2>
                <div class="filters">
                    <div class="field">
                        <label for="history-from">"From"</label>
                        <input id="history-from" type="date" prop:value=move || from.get() on:input:target=move |ev| from.set(ev.target().value()) />
                    </div>
                    <div class="field">
                        <label for="history-to">"To"</label>
                        <input
                            id="history-to"
                            type="date"
                            aria-invalid=move || date_error().is_some().to_string()
                            aria-describedby="history-to-error"
                            prop:value=move || to.get()
                            on:input:target=move |ev| to.set(ev.target().value())
                        />
                        <p id="history-to-error" class="error">{date_error}</p>
                    </div>
                    <div class="field">
                        <label for="history-review">"Review"</label>
                        <select id="history-review" on:change:target=move |ev| review.set(ev.target().value())>
                            <option value="">"All reviews"</option>
                            {move || options().0.into_iter().map(|(id, name)| view! { <option value=id>{name}</option> }).collect_view()}
                        </select>
                    </div>
                    <div class="field">
                        <label for="history-reviewer">"Reviewer"</label>
                        <select id="history-reviewer" on:change:target=move |ev| reviewer.set(ev.target().value())>
                            <option value="">"All reviewers"</option>
                            {move || options().1.into_iter().map(|(name, id)| view! { <option value=id>{name}</option> }).collect_view()}
                        </select>
                    </div>
                    <div class="field">
                        <label for="history-actor">"Done by"</label>
                        <select id="history-actor" on:change:target=move |ev| actor.set(ev.target().value())>
                            <option value="">"Anyone"</option>
                            {move || actors().into_iter().map(|name| { let label = name.clone(); view! { <option value=name>{label}</option> } }).collect_view()}
                        </select>
                    </div>
                    <FilterSelect id="history-decision" label="Decision" value=decision all="All" options=&[
                        ("Approve", "Approve"),
                        ("Deny", "Deny"),
                        ("DontKnow", "Don't know"),
                    ] />
                </div>
            </section>
            {table}
            <section class="card" aria-labelledby="verify-h">
                <h2 id="verify-h">"Verify a downloaded report"</h2>
                <p class="meta">"Each row of the CSV carries a SHA-256 chain value over the rows before it, and the last line the chain head. Choose a report to check that no row was changed, added or removed."</p>
                <div class="field">
                    <label for="verify-file">"Audit report (CSV)"</label>
                    <input id="verify-file" type="file" accept=".csv,text/csv" on:change=verify />
                </div>
                {move || verified.get().map(|r| match r {
                    Ok(t) => view! { <p class="notice" role="status">{t}</p> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
                })}
            </section>
        </Page>
    }
}
