//! Typed client errors; each renders as one line a person understands.

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("not built yet")]
    NotBuilt,
}
