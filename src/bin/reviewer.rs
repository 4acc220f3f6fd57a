//! Entry point of the reviewer bundle (reviewer.html): what a mail link opens. It mounts
//! only My access reviews and the reviewer page, so its `.wasm` leaves the rest out.
fn main() {
    attest::mount_reviewer();
}
