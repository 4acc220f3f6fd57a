//! Engine messages made into sentences on screen. The first letter is upper-cased by the
//! browser (`String.prototype.toUpperCase`, the same Unicode mapping as Rust's): Rust's own
//! `char::to_uppercase` brings a 12 KB case table into the reviewer bundle for this one use.

/// The text with its first letter upper-case: "stage 2 is closed" → "Stage 2 is closed".
pub fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => {
            let upper: String = js_sys::JsString::from(first).to_upper_case().into();
            upper + chars.as_str()
        }
        None => String::new(),
    }
}

/// An error's text as a sentence of its own: capitalised, ending in a full stop (as
/// `attest_engine::words::sentence`).
pub fn sentence(text: &str) -> String {
    let mut s = capitalise(text);
    if !s.is_empty() && !s.ends_with(['.', '!', '?']) {
        s.push('.');
    }
    s
}
