//! The app's allocator (`attest::small_alloc`), which every other test also runs on: blocks
//! of every small size class and past it keep their bytes through frees, reuse and growth.

use wasm_bindgen_test::wasm_bindgen_test;

/// The bytes block `i` of round `round` holds: a pattern no other block shares.
fn pattern(round: usize, i: usize, len: usize) -> Vec<u8> {
    (0..len).map(|k| (round * 31 + i * 7 + k) as u8).collect()
}

#[wasm_bindgen_test]
fn blocks_keep_their_bytes_through_reuse_and_growth() {
    // Sizes around every class boundary and beyond the largest class.
    let sizes: Vec<usize> = (1..=80).chain([100, 1_000, 70_000]).collect();
    // (round, index, bytes).
    let mut live: Vec<(usize, usize, Vec<u8>)> = Vec::new();
    for round in 0..6 {
        for (i, &len) in sizes.iter().enumerate() {
            live.push((round, i, pattern(round, i, len)));
        }
        // Free every other block, so the next round reuses them from the free lists.
        let mut k = 0;
        live.retain(|_| {
            k += 1;
            k % 2 == 0
        });
        // Grow some across classes, then shrink them to half: the first half must stay.
        for (_, _, bytes) in live.iter_mut().step_by(3) {
            let len = bytes.len();
            bytes.extend_from_slice(&[0xAB; 9]);
            bytes.truncate(len / 2);
            bytes.shrink_to_fit();
        }
        for (r, i, bytes) in &live {
            assert_eq!(
                bytes,
                &pattern(*r, *i, bytes.len()),
                "block {i} of round {r} after round {round}"
            );
        }
    }
    // Over-aligned blocks go to the standard allocator and keep their alignment.
    #[repr(align(64))]
    struct Wide([u8; 64]);
    let wide: Vec<Box<Wide>> = (0..100).map(|i| Box::new(Wide([i as u8; 64]))).collect();
    for (i, w) in wide.iter().enumerate() {
        assert_eq!(&**w as *const Wide as usize % 64, 0);
        assert!(w.0.iter().all(|&b| b == i as u8));
    }
}
