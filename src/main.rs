//! Entry point of the Attest web app: everything lives in the library so tests can mount it.
fn main() {
    attest::mount();
}
