//! Pieces shared by every screen: the navigation shell, the page frame, placeholders.

mod files;
mod page;
mod shell;

pub use files::{download, read_text};
pub use page::{Coming, NotFound, Page};
pub use shell::{ActingAs, Shell, NAV};
