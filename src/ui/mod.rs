//! The screens of SPEC section 5, one module each, plus the shared pieces they use.

pub mod address;
pub mod components;
pub mod session;

pub mod dashboard;
pub mod directory;
pub mod evidence;
pub mod history;
pub mod my_reviews;
pub mod notifications;
pub mod readiness;
pub mod remediation;
pub mod review;
pub mod reviewer;
pub mod reviews;
pub mod settings;
pub mod wizard;
