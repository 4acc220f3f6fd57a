//! The app's memory allocator in the browser: small blocks from size-class free lists,
//! everything else from the standard allocator.
//!
//! A 100,000-reviewee state is about 1.3 million small strings and vectors (ids, names,
//! principal names, reasons). Building one — decoding a snapshot at a cold start, starting a
//! review, importing a directory — spends a large share of its time in the general-purpose
//! allocator. Blocks of at most [`MAX_SMALL`] bytes here cost a pointer pop or bump instead.
//!
//! Blocks of one size class are carved from [`CHUNK`]-byte chunks taken from the standard
//! allocator and, once freed, kept on that class's free list for the next block of the same
//! class; chunks are never returned. Only for single-threaded WebAssembly (no `atomics`):
//! the lists are not synchronised.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::UnsafeCell;
use std::ptr;

/// Blocks up to this size (and alignment up to [`ALIGN`]) come from the size classes.
const MAX_SMALL: usize = 64;
/// Every class is a multiple of this, so every block can hold the free list's link.
const ALIGN: usize = 8;
const CLASSES: usize = MAX_SMALL / ALIGN;
/// Bytes taken from the standard allocator at a time for one class.
const CHUNK: usize = 64 * 1024;

/// Size-class allocator over [`System`].
pub struct SmallBlocks {
    lists: UnsafeCell<Lists>,
}

struct Lists {
    /// First free block of each class; each free block holds the address of the next.
    free: [*mut u8; CLASSES],
    /// Where each class's current chunk has room left, and where it ends.
    next: [*mut u8; CLASSES],
    end: [*mut u8; CLASSES],
}

// SAFETY: the app runs on wasm32 without the atomics feature: one thread, so the lists are
// never touched by two threads (the `cfg` on the `#[global_allocator]` ensures that).
unsafe impl Sync for SmallBlocks {}

impl SmallBlocks {
    pub const fn new() -> Self {
        SmallBlocks {
            lists: UnsafeCell::new(Lists {
                free: [ptr::null_mut(); CLASSES],
                next: [ptr::null_mut(); CLASSES],
                end: [ptr::null_mut(); CLASSES],
            }),
        }
    }
}

impl Default for SmallBlocks {
    fn default() -> Self {
        Self::new()
    }
}

/// The size class of `layout`, if it is small enough for one.
fn class(layout: Layout) -> Option<usize> {
    (layout.size() > 0 && layout.size() <= MAX_SMALL && layout.align() <= ALIGN)
        .then(|| (layout.size() - 1) / ALIGN)
}

unsafe impl GlobalAlloc for SmallBlocks {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let Some(c) = class(layout) else {
            return unsafe { System.alloc(layout) };
        };
        // SAFETY: single-threaded (see `Sync`), and no other reference to the lists is live.
        let lists = unsafe { &mut *self.lists.get() };
        let head = lists.free[c];
        if !head.is_null() {
            // SAFETY: a free block of this class holds the address of the next one.
            lists.free[c] = unsafe { head.cast::<*mut u8>().read() };
            return head;
        }
        let size = (c + 1) * ALIGN;
        let room = lists.end[c] as usize - lists.next[c] as usize;
        if room < size {
            // SAFETY: CHUNK is non-zero and ALIGN a power of two.
            let chunk = unsafe { System.alloc(Layout::from_size_align_unchecked(CHUNK, ALIGN)) };
            if chunk.is_null() {
                return chunk;
            }
            lists.next[c] = chunk;
            // SAFETY: one past the end of the chunk just allocated.
            lists.end[c] = unsafe { chunk.add(CHUNK) };
        }
        let block = lists.next[c];
        // SAFETY: `size` bytes are left in the chunk (checked above).
        lists.next[c] = unsafe { block.add(size) };
        block
    }

    unsafe fn dealloc(&self, block: *mut u8, layout: Layout) {
        let Some(c) = class(layout) else {
            return unsafe { System.dealloc(block, layout) };
        };
        // SAFETY: single-threaded; the block is ours, at least ALIGN bytes and aligned.
        let lists = unsafe { &mut *self.lists.get() };
        unsafe { block.cast::<*mut u8>().write(lists.free[c]) };
        lists.free[c] = block;
    }

    unsafe fn realloc(&self, block: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller guarantees `new_size`, rounded up to the alignment, fits isize.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        match (class(layout), class(new_layout)) {
            (None, None) => unsafe { System.realloc(block, layout, new_size) },
            (Some(a), Some(b)) if a == b => block,
            _ => {
                let moved = unsafe { self.alloc(new_layout) };
                if !moved.is_null() {
                    unsafe {
                        ptr::copy_nonoverlapping(block, moved, layout.size().min(new_size));
                        self.dealloc(block, layout);
                    }
                }
                moved
            }
        }
    }
}
