//! The one-file export bundle: what the Directory screen downloads imports back into the same
//! directory, plain Graph documents are left for the Graph import, and a bad entry is named.

use attest_engine::directory::Directory;
use attest_engine::import::{bundle_files, export_graph, import_graph, split_bundle, ImportError};
use attest_engine::sample::{sample_tenant, SampleConfig};
use chrono::TimeZone;

fn tenant() -> Directory {
    sample_tenant(&SampleConfig {
        users: 300,
        seed: 11,
        now: chrono::Utc.with_ymd_and_hms(2025, 6, 30, 9, 0, 0).unwrap(),
    })
}

#[test]
fn bundle_of_the_export_imports_back_identical() {
    let dir = tenant();
    let files = export_graph(&dir);
    let bundle = bundle_files(&files);
    let split = split_bundle("attest-directory.json", &bundle)
        .unwrap()
        .expect("recognized as a bundle");
    assert_eq!(split.len(), files.len());
    for (name, _) in &files {
        let wanted = format!("attest-directory.json › {name}");
        assert!(split.iter().any(|(n, _)| *n == wanted), "entry {wanted}");
    }
    let back = import_graph(&Directory::default(), &split).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(back, dir);
}

#[test]
fn plain_documents_and_broken_text_are_not_bundles() {
    let files = export_graph(&tenant());
    let (_, users) = files.iter().find(|(n, _)| n.contains("users")).unwrap();
    for text in [
        users.as_str(),
        r#"{"value": []}"#,
        "{}",
        "[1, 2]",
        "{\"users.json\": ",
        "not json",
    ] {
        assert_eq!(split_bundle("f.json", text), Ok(None), "{text:?}");
    }
}

#[test]
fn an_entry_that_is_not_a_document_is_named() {
    let text = r#"{"users.json": {"value": []}, "groups.json": [1]}"#;
    assert_eq!(
        split_bundle("b.json", text),
        Err(ImportError {
            file: "b.json".into(),
            location: "$[\"groups.json\"]".into(),
            problem: "each entry of an export bundle should be a Graph collection document \
                      (an object with a \"value\" array)"
                .into(),
        })
    );
}
