//! The explorer: state, messages, update, effects and views (ratatui).
