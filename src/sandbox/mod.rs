//! The sandbox: a built-in Agent API server (axum + SQLite) that behaves like Metabase.
