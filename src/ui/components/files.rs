//! Files in and out: the one way every screen hands a generated file to the browser and
//! reads a file the user chose.

use leptos::prelude::set_timeout;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// Offer `text` as a file download: a Blob behind a temporary `<a download>` that is clicked.
pub fn download(filename: &str, mime: &str, text: &str) -> Result<(), String> {
    save(filename, mime, &JsValue::from_str(text))
}

/// Offer `bytes` (an evidence pack) as a file download, like [`download`].
pub fn download_bytes(filename: &str, mime: &str, bytes: &[u8]) -> Result<(), String> {
    save(filename, mime, &js_sys::Uint8Array::from(bytes))
}

fn save(filename: &str, mime: &str, part: &JsValue) -> Result<(), String> {
    let fail = |what: &str, e: JsValue| format!("Could not prepare the download ({what}: {e:?})");
    let parts = js_sys::Array::of1(part);
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)
        .map_err(|e| fail("file", e))?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(|e| fail("address", e))?;
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("Could not prepare the download: no document")?;
    let anchor: web_sys::HtmlAnchorElement = document
        .create_element("a")
        .map_err(|e| fail("link", e))?
        .unchecked_into();
    anchor.set_href(&url);
    anchor.set_download(filename);
    anchor.set_hidden(true);
    if let Some(body) = document.body() {
        let _ = body.append_child(&anchor);
    }
    anchor.click();
    anchor.remove();
    // The browser reads the file after the click returns; free it a while later.
    set_timeout(
        move || {
            let _ = web_sys::Url::revoke_object_url(&url);
        },
        std::time::Duration::from_secs(60),
    );
    Ok(())
}

/// The text of a file the user chose, or why it could not be read. The bytes are copied
/// into the app and checked as UTF-8 here (a leading byte-order mark dropped): asking the
/// browser for a string and converting that froze the page for a quarter of a second on a
/// 40 MB directory file, and silently replaced bytes that are not UTF-8.
pub async fn read_text(file: &web_sys::File) -> Result<String, String> {
    let buffer = JsFuture::from(file.array_buffer()).await.map_err(|e| {
        e.dyn_ref::<js_sys::Error>()
            .map(|e| String::from(e.message()))
            .unwrap_or_else(|| "the browser could not read it".into())
    })?;
    let mut bytes = js_sys::Uint8Array::new(&buffer).to_vec();
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        bytes.drain(..3);
    }
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "it is not UTF-8 text (byte {} is not valid UTF-8)",
            e.utf8_error().valid_up_to()
        )
    })
}
