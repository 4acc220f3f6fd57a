//! The one-file form of a Graph export: a JSON object mapping each export file name to its
//! collection document (`{"users.json": {"@odata.context": …, "value": […]}, …}`), so a
//! browser download is one file and importing it back gives the same directory.

use std::collections::BTreeMap;

use serde_json::value::RawValue;

use super::ImportError;

/// Join export files into one bundle document. The documents are already JSON text, so they
/// are embedded as they are rather than parsed again.
pub fn bundle_files(files: &[(String, String)]) -> String {
    let mut out = String::from("{");
    for (i, (name, text)) in files.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push('\n');
        out.push_str(&serde_json::to_string(name).expect("a string serializes"));
        out.push_str(": ");
        out.push_str(text.trim());
    }
    out.push_str("\n}\n");
    out
}

/// Split a bundle into its files, named `bundle › inner` so an error names both. Returns
/// `Ok(None)` when the text is not a bundle (a plain Graph document, or not JSON at all):
/// the Graph import then reads it and words any problem itself.
pub fn split_bundle(name: &str, text: &str) -> Result<Option<Vec<(String, String)>>, ImportError> {
    // Cheap test first: a bundle is an object whose first key names a file, not `value`.
    let Ok(entries) = serde_json::from_str::<BTreeMap<String, Box<RawValue>>>(text) else {
        return Ok(None);
    };
    let is_document = entries.is_empty()
        || entries
            .keys()
            .any(|k| k == "value" || k.starts_with("@odata."));
    if is_document {
        return Ok(None);
    }
    entries
        .into_iter()
        .map(|(inner, raw)| {
            if !raw.get().trim_start().starts_with('{') {
                return Err(ImportError::new(
                    name,
                    format!("$[{}]", serde_json::to_string(&inner).expect("string")),
                    "each entry of an export bundle should be a Graph collection document \
                     (an object with a \"value\" array)",
                ));
            }
            Ok((format!("{name} › {inner}"), raw.get().to_string()))
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}
