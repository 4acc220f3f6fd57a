//! The signed evidence pack in the app: Settings → "Evidence signing key" (make, show, copy,
//! keep and restore the organisation's key when there is no sync server; show the server's
//! public key when there is one) and the review overview's "Download evidence pack", which
//! makes the pack in the browser with the engine's `evidence_pack` — or, with a sync server,
//! fetches the pack the server made and signed from its own log — checks it with
//! `verify_pack` and downloads it.

pub mod key;
mod signoff;

pub use signoff::SignOffSection;

use attest_engine::actor::Area;
use attest_engine::definition::Frequency;
use attest_engine::evidence::key::{key_file, read_key_file};
use attest_engine::evidence::pack::{
    evidence_pack, public_key_hex, public_key_pem_of, series_pack, verify_pack, VerifiedPack,
};
use gloo::net::http::Request;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::Deserialize;

use crate::runtime::{use_runtime, Runtime};
use crate::sync::{use_sync, Sync};
use crate::ui::components::{download_bytes, read_text};
use crate::ui::review::shared::file_stamp;
use crate::ui::settings::{Outcome, OutcomeLine};

/// Where the organisation's signing key is.
#[derive(Clone, Debug, PartialEq)]
enum Signer {
    /// This browser holds the key (no sync server): its seed.
    Browser(Option<[u8; 32]>),
    /// The sync server at this address holds it; the administrator's session token.
    Server { server: String, token: String },
}

fn signer_of(sync: &Sync) -> Option<(String, String)> {
    sync.settings.with_untracked(|s| {
        (!s.server.is_empty())
            .then(|| s.admin_token.clone().map(|t| (s.server.clone(), t)))
            .flatten()
    })
}

fn app_database(runtime: &Runtime) -> Result<String, String> {
    runtime
        .store()
        .map(|s| s.name.clone())
        .ok_or_else(|| "the data is still loading; try again in a moment".to_string())
}

/// The public key, as the server states it.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PublicKey {
    public_key: String,
    public_key_pem: String,
}

#[derive(Deserialize)]
struct ErrorBody {
    message: String,
}

async fn server_get(
    server: &str,
    token: &str,
    path: &str,
) -> Result<gloo::net::http::Response, String> {
    let resp = Request::get(&format!("{server}{path}"))
        .header("Authorization", &format!("Bearer {token}"))
        .send()
        .await
        .map_err(|_| format!("no answer from {server}"))?;
    if resp.ok() {
        return Ok(resp);
    }
    Err(crate::sync::json_of::<ErrorBody>(&resp)
        .await
        .map(|b| b.message)
        .unwrap_or_else(|_| format!("the server answered {}", resp.status())))
}

/// Settings → "Evidence signing key".
#[component]
pub fn SigningKeySection() -> impl IntoView {
    let runtime = use_runtime();
    let sync = use_sync();
    // None while loading; the key's public halves once known.
    let shown = RwSignal::new(None::<PublicKey>);
    let where_ = RwSignal::new(None::<Signer>);
    let (outcome, set_outcome) = signal(None::<Outcome>);
    let busy = RwSignal::new(false);

    let refresh = move || {
        spawn_local(async move {
            let result = match signer_of(&sync) {
                Some((server, token)) => {
                    where_.set(Some(Signer::Server {
                        server: server.clone(),
                        token: token.clone(),
                    }));
                    match server_get(&server, &token, "/api/v1/evidence/key").await {
                        Ok(resp) => crate::sync::json_of::<PublicKey>(&resp).await.map(Some),
                        Err(e) => Err(format!("The server's key could not be read: {e}.")),
                    }
                }
                None => match app_database(&runtime) {
                    Ok(db) => match key::load(&db).await {
                        Ok(seed) => {
                            where_.set(Some(Signer::Browser(seed)));
                            Ok(seed.map(|s| PublicKey {
                                public_key: public_key_hex(&s),
                                public_key_pem: public_key_pem_of(&s),
                            }))
                        }
                        Err(e) => Err(format!("The key could not be read: {e}.")),
                    },
                    Err(e) => Err(format!("The key could not be read: {e}.")),
                },
            };
            match result {
                Ok(k) => shown.set(k),
                Err(e) => set_outcome.set(Some(Outcome::Failed(e))),
            }
        });
    };
    // Again when the store is ready or the sync server changes.
    Effect::new(move |_| {
        let _ = runtime.ready.get();
        let _ = sync
            .settings
            .with(|s| (s.server.clone(), s.admin_token.clone()));
        refresh();
    });

    let store_key = move |seed: [u8; 32], done: String| {
        busy.set(true);
        spawn_local(async move {
            let result = match app_database(&runtime) {
                Ok(db) => key::save(&db, &seed).await,
                Err(e) => Err(e),
            };
            busy.set(false);
            match result {
                Ok(()) => {
                    set_outcome.set(Some(Outcome::Done(done)));
                    refresh();
                }
                Err(e) => set_outcome.set(Some(Outcome::Failed(format!("No key stored: {e}.")))),
            }
        });
    };
    let generate = move |_| match key::generate() {
        Ok(seed) => store_key(
            seed,
            "A new signing key was made. Publish its public key so auditors can check your packs."
                .into(),
        ),
        Err(e) => set_outcome.set(Some(Outcome::Failed(format!("No key made: {e}.")))),
    };
    let download_key = move |_| {
        let Some(Signer::Browser(Some(seed))) = where_.get_untracked() else {
            return;
        };
        let name = format!("attest-signing-key-{}.json", &public_key_hex(&seed)[..8]);
        let result = download_bytes(&name, "application/json", key_file(&seed).as_bytes());
        set_outcome.set(Some(match result {
            Ok(()) => Outcome::Done(format!(
                "Key saved as {name}. Whoever has this file can sign packs as your organisation: keep it offline."
            )),
            Err(e) => Outcome::Failed(e),
        }));
    };
    let restore = move |ev: web_sys::Event| {
        use wasm_bindgen::JsCast;
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        let Some(file) = input.files().and_then(|f| f.get(0)) else {
            return;
        };
        input.set_value("");
        spawn_local(async move {
            let name = file.name();
            match read_text(&file).await.and_then(|t| read_key_file(&t)) {
                Ok(seed) => store_key(
                    seed,
                    format!("The key from {name} is this browser's signing key now."),
                ),
                Err(e) => set_outcome.set(Some(Outcome::Failed(format!(
                    "{name} was not loaded, the key is unchanged: {e}."
                )))),
            }
        });
    };
    let copy = move |text: String, what: &'static str| {
        let clipboard = web_sys::window().and_then(|w| {
            js_sys::Reflect::get(&w.navigator(), &"clipboard".into())
                .ok()
                .filter(|c| !c.is_undefined())
        });
        let written = clipboard.and_then(|c| {
            let write = js_sys::Reflect::get(&c, &"writeText".into()).ok()?;
            let write: js_sys::Function = wasm_bindgen::JsCast::dyn_into(write).ok()?;
            write.call1(&c, &text.into()).ok()
        });
        set_outcome.set(Some(match written {
            Some(_) => Outcome::Done(format!("The {what} was copied.")),
            None => Outcome::Failed(format!(
                "This browser did not allow copying; select the {what} and copy it."
            )),
        }));
    };

    view! {
        <section class="card settings-section" aria-labelledby="settings-evidence-key-heading" data-section="evidence-key">
            <div class="settings-section-head">
                <h2 id="settings-evidence-key-heading">"Evidence signing key"</h2>
            </div>
            <p>
                "Evidence packs are signed with your organisation's Ed25519 key. Publish the public key (for example on your intranet or in the audit ticket): auditors check a pack against it with "
                <code>"attest verify PACK --key PUBLIC_KEY"</code> " or the offline verifier page."
            </p>
            {move || match where_.get() {
                Some(Signer::Server { server, .. }) => view! {
                    <p class="meta">{format!("The sync server {server} holds the key and signs every pack; it never leaves the server.")}</p>
                }.into_any(),
                Some(Signer::Browser(None)) => view! {
                    <p class="meta">"This browser has no signing key yet. It is made here, from the browser's random numbers, and kept in this browser only: not in backups, not synced, not removed by Reset."</p>
                    <button type="button" class="button-primary" disabled=move || busy.get() on:click=generate>"Generate signing key"</button>
                }.into_any(),
                Some(Signer::Browser(Some(_))) => view! {
                    <p class="meta">"This browser holds the key. It is not in backups: download the key file and keep it offline to sign from another browser later."</p>
                }.into_any(),
                None => view! { <p class="meta">"Reading the key…"</p> }.into_any(),
            }}
            {move || shown.get().map(|k| {
                let hex = k.public_key.clone();
                let pem = k.public_key_pem.clone();
                view! {
                    <label for="evidence-public-key">"Public key (hex)"</label>
                    <input id="evidence-public-key" class="mono" type="text" readonly value=k.public_key.clone() />
                    <button type="button" class="button-secondary" on:click=move |_| copy(hex.clone(), "public key")>"Copy public key"</button>
                    <label for="evidence-public-key-pem">"Public key (PEM, for OpenSSL)"</label>
                    <textarea id="evidence-public-key-pem" class="mono" readonly rows="3">{k.public_key_pem.clone()}</textarea>
                    <button type="button" class="button-secondary" on:click=move |_| copy(pem.clone(), "PEM")>"Copy PEM"</button>
                }
            })}
            {move || matches!(where_.get(), Some(Signer::Browser(_))).then(|| view! {
                <div class="action-row">
                    {matches!(where_.get(), Some(Signer::Browser(Some(_)))).then(|| view! {
                        <button type="button" class="button-secondary" on:click=download_key>"Download the key file"</button>
                    })}
                    <label for="evidence-key-file">"Load a key file"</label>
                    <input id="evidence-key-file" type="file" accept=".json,application/json" on:change=restore />
                </div>
            })}
            <OutcomeLine outcome=outcome id="evidence-key-outcome" />
        </section>
    }
}

/// What a pack is of: one instance, or every occurrence of a review.
#[derive(Clone, Debug, PartialEq)]
enum Scope {
    Instance(String),
    Series(String),
}

/// The signed pack of `scope`, made by this browser or by the sync server.
async fn make_pack(runtime: Runtime, sync: Sync, scope: &Scope) -> Result<Vec<u8>, String> {
    if let Some((server, token)) = signer_of(&sync) {
        let (kind, id) = match scope {
            Scope::Instance(id) => ("packs", id),
            Scope::Series(id) => ("series", id),
        };
        let path = format!(
            "/api/v1/evidence/{kind}/{}",
            String::from(js_sys::encode_uri_component(id))
        );
        let resp = server_get(&server, &token, &path).await?;
        return resp.binary().await.map_err(|e| e.to_string());
    }
    let db = app_database(&runtime)?;
    let seed = key::load(&db).await?.ok_or(
        "this browser has no evidence signing key: make one in Settings → Evidence signing key",
    )?;
    let (records, problem) = runtime.log();
    if let Some(p) = problem.get_untracked() {
        return Err(p);
    }
    let now = runtime.now();
    records.with_untracked(|records| {
        let records = records
            .as_ref()
            .ok_or("the history is still loading; try again in a moment")?;
        runtime.state.with_untracked(|s| {
            match scope {
                Scope::Instance(id) => evidence_pack(s, records, id, now, &seed),
                Scope::Series(id) => series_pack(s, records, id, now, &seed),
            }
            .map_err(|e| e.to_string())
        })
    })
}

/// The review overview's "Evidence pack" card: for those who may read evidence.
#[component]
pub fn EvidencePackSection(
    /// The review instance the pack is of.
    #[prop(into)]
    id: String,
) -> impl IntoView {
    let runtime = use_runtime();
    let sync = use_sync();
    let id = StoredValue::new(id);
    let busy = RwSignal::new(false);
    let (outcome, set_outcome) = signal(None::<Outcome>);
    let allowed = Memo::new(move |_| runtime.acting_as.with(|a| a.may_read(Area::History)));
    // Ask for the log now, so it is loaded by the time someone downloads.
    let _ = runtime.log();

    // A recurring review's occurrences so far: (review id, how many), for the series' pack.
    let series = Memo::new(move |_| {
        runtime.state.with(|s| {
            let inst = s.instances.get(&id.get_value())?;
            let def = s.definition_of(inst);
            (def.schedule.frequency != Frequency::OneTime).then(|| {
                let n = s
                    .instances
                    .values()
                    .filter(|i| i.definition == def.id)
                    .count();
                (def.id.clone(), n)
            })
        })
    });

    let download = move |scope: Scope| {
        busy.set(true);
        set_outcome.set(None);
        spawn_local(async move {
            let result = match make_pack(runtime, sync, &scope).await {
                Ok(bytes) => match verify_pack(&bytes, None) {
                    Ok(VerifiedPack {
                        public_key,
                        manifest,
                        ..
                    }) => {
                        let of = match &scope {
                            Scope::Instance(id) => id.clone(),
                            Scope::Series(id) => format!("series-{id}"),
                        };
                        let name = format!(
                            "attest-evidence-{}-{}.zip",
                            of.replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "_"),
                            file_stamp(manifest.created)
                        );
                        download_bytes(&name, "application/zip", &bytes).map(|()| {
                            format!(
                                "Saved {name} ({} bytes, {} history rows), signed with key {public_key}.",
                                bytes.len(),
                                manifest.chain.rows
                            )
                        })
                    }
                    Err(e) => Err(format!("The pack did not verify, so it was not saved: {e}")),
                },
                Err(e) => Err(format!("No pack made: {e}.")),
            };
            busy.set(false);
            set_outcome.set(Some(match result {
                Ok(t) => Outcome::Done(t),
                Err(t) => Outcome::Failed(t),
            }));
        });
    };

    move || {
        allowed.get().then(|| view! {
            <section class="card" aria-labelledby="evidence-pack-h">
                <h2 id="evidence-pack-h">"Evidence pack"</h2>
                <p class="meta">
                    "One signed file with the definition, who had access, every decision, the notifications, the results and the hash-chained history of this review. Anyone can check it offline with "
                    <code>"attest verify"</code> " or the "
                    <a href="/verify.html" download="attest-verify.html">"offline verifier page"</a> "."
                </p>
                <button type="button" class="button-primary" disabled=move || busy.get() on:click=move |_| download(Scope::Instance(id.get_value()))>
                    "Download evidence pack"
                </button>
                {move || series.get().map(|(review, n)| view! {
                    <button type="button" class="button-secondary" disabled=move || busy.get() on:click=move |_| download(Scope::Series(review.clone()))>
                        {format!("Download the series' pack ({n} occurrences)")}
                    </button>
                })}
                <OutcomeLine outcome=outcome id="evidence-pack-outcome" />
            </section>
            <SignOffSection id=id.get_value() />
        })
    }
}
