//! Pieces shared by every screen: the navigation shell, the page frame, placeholders,
//! file download/read and list filters.

mod files;
mod filters;
mod page;
mod shell;

pub use files::{download, download_bytes, read_text};
pub use filters::FilterSelect;
pub use page::{Coming, NotFound, Page, Restricted};
pub use shell::{ActingAs, Shell, NAV};
