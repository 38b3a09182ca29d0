//! Export of a result to CSV, JSON and JSON Lines.
