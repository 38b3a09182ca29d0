//! The results grid: rows and columns, the visible window, widths, sort, search; and its widgets.
