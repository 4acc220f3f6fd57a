//! Attest web app.
