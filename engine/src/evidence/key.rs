//! The organisation's evidence signing key as text: the 32-byte Ed25519 seed in hex, and the
//! key file an administrator downloads to keep the key somewhere safe and loads into another
//! browser. Only formats: the key itself is made and kept by the browser or the sync server.

use serde::{Deserialize, Serialize};

use super::pack::{hex, public_key_hex, unhex};

/// What a key file's `format` says.
pub const KEY_FILE_FORMAT: &str = "attest-evidence-signing-key";

/// The key file: the secret seed and, to check it against, the public key it gives.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct KeyFile {
    format: String,
    /// Ed25519 seed, 32 bytes, hex. Whoever holds it can sign packs as the organisation.
    private_key: String,
    public_key: String,
}

/// The seed as 64 lower-case hex digits.
pub fn seed_hex(seed: &[u8; 32]) -> String {
    hex(seed)
}

/// A seed from 64 hex digits.
pub fn seed_from_hex(text: &str) -> Result<[u8; 32], String> {
    unhex(text.trim())
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| "the key is not 64 hexadecimal digits".to_string())
}

/// The key file's text for `seed`.
pub fn key_file(seed: &[u8; 32]) -> String {
    let file = KeyFile {
        format: KEY_FILE_FORMAT.into(),
        private_key: seed_hex(seed),
        public_key: public_key_hex(seed),
    };
    let mut text = serde_json::to_string_pretty(&file).expect("plain data serializes");
    text.push('\n');
    text
}

/// The seed in a key file, refusing anything else with what is wrong.
pub fn read_key_file(text: &str) -> Result<[u8; 32], String> {
    let file: KeyFile =
        serde_json::from_str(text).map_err(|e| format!("not an Attest signing key file ({e})"))?;
    if file.format != KEY_FILE_FORMAT {
        return Err(format!("\"format\" must be \"{KEY_FILE_FORMAT}\""));
    }
    let seed = seed_from_hex(&file.private_key).map_err(|e| format!("\"privateKey\": {e}"))?;
    if public_key_hex(&seed) != file.public_key.trim().to_ascii_lowercase() {
        return Err(
            "\"publicKey\" is not the public key of \"privateKey\": the file was changed".into(),
        );
    }
    Ok(seed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_file_reads_back_and_a_changed_one_is_refused() {
        let seed = [7u8; 32];
        let text = key_file(&seed);
        assert_eq!(read_key_file(&text), Ok(seed));
        let cases = [
            (text.replace(KEY_FILE_FORMAT, "other"), "\"format\""),
            (
                text.replace(&seed_hex(&seed), &seed_hex(&[8u8; 32])),
                "\"publicKey\" is not",
            ),
            (text.replace(&seed_hex(&seed), "07"), "\"privateKey\""),
            ("{}".to_string(), "not an Attest signing key file"),
        ];
        for (bad, expected) in cases {
            let err = read_key_file(&bad).unwrap_err();
            assert!(err.contains(expected), "{err}");
        }
    }
}
