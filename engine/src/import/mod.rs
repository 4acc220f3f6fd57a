//! Directory import and export (being written).
