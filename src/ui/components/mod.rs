//! Pieces shared by every screen: the navigation shell, the page frame, placeholders,
//! confirmation dialogs,
//! file download/read, list filters, the scrollable table box and
//! dates in the reader's locale, engine messages as sentences.

mod dialog;
mod files;
mod filters;
mod page;
mod problem;
mod shell;
mod table;
mod text;
mod time;

pub use dialog::{focus_id, keep_focus_inside, ConfirmDialog};
pub use files::{download, download_bytes, read_text};
pub use filters::FilterSelect;
pub use page::{Coming, NotFound, Page, Restricted};
pub use problem::RuntimeProblem;
pub use shell::{ActingAs, Shell, NAV};
pub use table::TableRegion;
pub use text::{capitalise, sentence};
pub use time::{
    date_value, local_day, local_time, localize_timestamps, localize_with, long_day,
    parse_date_value,
};
