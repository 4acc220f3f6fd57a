//! Pieces shared by every screen: the navigation shell, the page frame, placeholders.

mod page;
mod shell;

pub use page::{Coming, NotFound, Page};
pub use shell::{ActingAs, Shell, NAV};
