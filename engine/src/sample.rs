//! Sample tenant (being written).
