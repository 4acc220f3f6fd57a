//! SHA-256 for the audit report's hash chain, through the RustCrypto `sha2` crate (the same
//! crate the sync server uses), identical natively and in WebAssembly.

use sha2::{Digest, Sha256};

/// The SHA-256 digest of `data`.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

/// Lower-case hex, as `sha256sum` and Python's `hexdigest()` print it.
pub fn sha256_hex(data: &[u8]) -> String {
    use std::fmt::Write;
    sha256(data)
        .iter()
        .fold(String::with_capacity(64), |mut hex, b| {
            let _ = write!(hex, "{b:02x}");
            hex
        })
}
