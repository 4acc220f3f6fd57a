//! Attest's review engine: the directory model, review definitions and the multi-stage
//! access-review state machine. Pure: no browser, IO, clock or randomness — time and ids
//! are passed in, so every scenario is an ordinary native test.

pub mod actor;
pub mod directory;
pub mod import;
pub mod sample;

pub use actor::Actor;
