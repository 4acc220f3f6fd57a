//! The browser's storage manager: how much this site uses, its quota, and whether the
//! browser may evict its data under pressure (persistent storage).

use js_sys::Reflect;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

/// Usage and quota as the browser reports them (`navigator.storage.estimate()`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    pub usage: f64,
    pub quota: f64,
}

fn manager() -> Option<web_sys::StorageManager> {
    let navigator = web_sys::window()?.navigator();
    // Absent outside secure contexts and in some embedded browsers.
    let storage = Reflect::get(&navigator, &JsValue::from_str("storage")).ok()?;
    (!storage.is_undefined()).then(|| navigator.storage())
}

/// How much the site stores and may store, or None when the browser does not say.
pub async fn estimate() -> Option<Estimate> {
    let value = JsFuture::from(manager()?.estimate().ok()?).await.ok()?;
    let read = |key: &str| Reflect::get(&value, &JsValue::from_str(key)).ok()?.as_f64();
    Some(Estimate {
        usage: read("usage")?,
        quota: read("quota")?,
    })
}

/// Whether the browser has granted persistent storage; None when it cannot tell.
pub async fn persisted() -> Option<bool> {
    JsFuture::from(manager()?.persisted().ok()?)
        .await
        .ok()?
        .as_bool()
}

/// Asks for persistent storage; the browser may grant it silently, ask, or refuse.
pub async fn request_persistence() -> Option<bool> {
    JsFuture::from(manager()?.persist().ok()?)
        .await
        .ok()?
        .as_bool()
}

/// "1.4 MB" style sizes for people.
pub fn human_bytes(bytes: f64) -> String {
    const UNITS: [&str; 5] = ["bytes", "KB", "MB", "GB", "TB"];
    let mut value = bytes;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{value:.0} {}", UNITS[unit])
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}
