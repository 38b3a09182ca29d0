//! The grid's widgets: the virtual results grid and the cell popup. Only the cells on screen are
//! formatted each frame, so a frame costs the same for a thousand rows as for a million.

use super::format::truncate;
use super::{CellDetail, Grid, sort::Direction};
use crate::data::Cell;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget, Wrap};
use std::borrow::Cow;
use unicode_width::UnicodeWidthStr;

/// The styles the grid draws with; the explorer's theme fills them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GridStyles {
    pub header: Style,
    pub cell: Style,
    pub number: Style,
    pub null: Style,
    pub selected_row: Style,
    pub selected_cell: Style,
    pub search_match: Style,
    pub current_match: Style,
    pub frozen_separator: Style,
    pub muted: Style,
    pub popup_border: Style,
    pub popup_text: Style,
}

impl Default for GridStyles {
    fn default() -> Self {
        GridStyles {
            header: Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
            cell: Style::new(),
            number: Style::new().fg(Color::Cyan),
            null: Style::new().fg(Color::DarkGray).add_modifier(Modifier::DIM),
            selected_row: Style::new().bg(Color::DarkGray),
            selected_cell: Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD),
            search_match: Style::new().fg(Color::Black).bg(Color::Yellow),
            current_match: Style::new()
                .fg(Color::Black)
                .bg(Color::LightRed)
                .add_modifier(Modifier::BOLD),
            frozen_separator: Style::new().fg(Color::DarkGray),
            muted: Style::new().fg(Color::DarkGray),
            popup_border: Style::new().fg(Color::Cyan),
            popup_text: Style::new(),
        }
    }
}

/// Draws a [`Grid`]: a frozen header row, frozen columns, the window of rows and columns around
/// the cursor, numbers right-aligned, the cursor and search matches highlighted.
pub struct GridView<'a> {
    grid: &'a Grid,
    styles: GridStyles,
}

impl<'a> GridView<'a> {
    pub fn new(grid: &'a Grid) -> Self {
        GridView {
            grid,
            styles: GridStyles::default(),
        }
    }

    pub fn styles(mut self, styles: GridStyles) -> Self {
        self.styles = styles;
        self
    }
}

/// One column on screen.
struct Placed {
    col: usize,
    x: u16,
    width: u16,
}

impl GridView<'_> {
    /// The cell under a screen position (e.g. a mouse click) when drawn into `area`: (display
    /// row, column index). `None` on the header, the separator, gaps or past the last row.
    pub fn cell_at(&self, area: Rect, x: u16, y: u16) -> Option<(usize, usize)> {
        if !area.contains(ratatui::layout::Position { x, y }) || y == area.y {
            return None;
        }
        let body_height = usize::from(area.height.saturating_sub(1));
        let (row_offset, col_offset) = self.grid.window(area.width, body_height);
        let row = row_offset + usize::from(y - area.y - 1);
        if row >= self.grid.row_count() {
            return None;
        }
        let (placed, _) = self.layout(area, col_offset);
        placed
            .iter()
            .find(|p| x >= p.x && x < p.x + p.width)
            .map(|p| (row, p.col))
    }

    /// The columns on screen for an area, in drawing order, and where the frozen separator goes.
    fn layout(&self, area: Rect, col_offset: usize) -> (Vec<Placed>, Option<u16>) {
        let grid = self.grid;
        let shown = grid.shown_columns();
        let frozen = grid.frozen_count();
        let right = area.right();
        let mut placed = Vec::new();
        let mut x = area.x;
        let place = |col: usize, x: &mut u16, placed: &mut Vec<Placed>| -> bool {
            if *x >= right {
                return false;
            }
            let width = grid.column_width(col).min(right - *x);
            placed.push(Placed { col, x: *x, width });
            *x = x.saturating_add(grid.column_width(col)).saturating_add(1);
            true
        };
        for &col in &shown[..frozen] {
            if !place(col, &mut x, &mut placed) {
                break;
            }
        }
        let mut separator = None;
        if frozen > 0 && x < right {
            separator = Some(x);
            x = x.saturating_add(2);
        }
        for &col in shown.iter().skip(col_offset.max(frozen)) {
            if !place(col, &mut x, &mut placed) {
                break;
            }
        }
        (placed, separator)
    }
}

impl Widget for GridView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if area.is_empty() {
            return;
        }
        // Never draw outside the buffer, whatever area the caller passes.
        let area = area.intersection(buf.area);
        if area.is_empty() {
            return;
        }
        let grid = self.grid;
        let st = &self.styles;
        if st.cell != Style::default() {
            buf.set_style(area, st.cell);
        }
        if grid.shown_columns().is_empty() {
            buf.set_stringn(
                area.x,
                area.y,
                "the result has no columns",
                usize::from(area.width),
                st.muted,
            );
            return;
        }
        let body_height = usize::from(area.height.saturating_sub(1));
        let (row_offset, col_offset) = grid.window(area.width, body_height);
        let (placed, separator) = self.layout(area, col_offset);
        let (cursor_row, cursor_col) = grid.cursor();
        let sort = grid.sort_state();

        // Header.
        for p in &placed {
            let column = &grid.result().columns[p.col];
            let arrow = match sort {
                Some(s) if s.column == p.col => match s.direction {
                    Direction::Ascending => " ▲",
                    Direction::Descending => " ▼",
                },
                _ => "",
            };
            let text = format!("{}{arrow}", column.label());
            let right_align = grid.column_format(p.col).is_numeric();
            put(buf, p, area.y, &text, right_align, st.header);
        }
        if let Some(sx) = separator {
            for y in area.y..area.bottom() {
                buf.set_string(sx, y, "│", st.frozen_separator);
            }
        }

        let rows = grid.row_count();
        if rows == 0 {
            if area.height > 1 {
                buf.set_stringn(
                    area.x,
                    area.y + 1,
                    "no rows",
                    usize::from(area.width),
                    st.muted,
                );
            }
            return;
        }

        let last = rows.min(row_offset + body_height);
        for (line, r) in (row_offset..last).enumerate() {
            let y = area.y + 1 + line as u16;
            let selected = r == cursor_row;
            if selected {
                let row_rect = Rect::new(area.x, y, area.width, 1);
                buf.set_style(row_rect, st.selected_row);
            }
            let data_row = grid.data_row(r);
            for p in &placed {
                let cell = grid.result().cell(data_row, p.col);
                let format = grid.column_format(p.col);
                let text = grid.display_text(r, p.col);
                let mut style = match cell {
                    Cell::Null => st.null,
                    _ if format.is_numeric() => st.number,
                    _ => st.cell,
                };
                if selected {
                    style = style.patch(st.selected_row);
                }
                let is_cursor = selected && p.col == cursor_col;
                if is_cursor {
                    style = style.patch(st.selected_cell);
                }
                let right_align = format.is_numeric();
                let (x0, shown) = put(buf, p, y, &text, right_align, style);
                if let Some(current) = grid.match_at(r, p.col) {
                    let mstyle = if current {
                        st.current_match
                    } else {
                        st.search_match
                    };
                    let ranges = grid.match_ranges(&shown);
                    if ranges.is_empty() {
                        // Matched only the raw value: mark the whole cell.
                        buf.set_style(Rect::new(p.x, y, p.width, 1), mstyle);
                    }
                    for range in ranges {
                        let from = shown[..range.start].width() as u16;
                        let len = shown[range].width() as u16;
                        let start = x0.saturating_add(from);
                        let end = (start.saturating_add(len)).min(p.x + p.width);
                        if end > start {
                            buf.set_style(Rect::new(start, y, end - start, 1), mstyle);
                        }
                    }
                }
            }
        }
    }
}

/// Writes `text` into a placed column, cut with an ellipsis to its width and padded with the
/// same style; returns where the text starts and the text as shown.
fn put<'t>(
    buf: &mut Buffer,
    p: &Placed,
    y: u16,
    text: &'t str,
    right_align: bool,
    style: Style,
) -> (u16, Cow<'t, str>) {
    let width = usize::from(p.width);
    let shown = truncate(text, width);
    let w = shown.width();
    let lead = if right_align { width - w.min(width) } else { 0 };
    let x = p.x + lead as u16;
    if shown.chars().all(|c| c.is_ascii() || c == '…') {
        // Fast path for the common case: one char is one cell, no grapheme segmentation, and
        // symbols come from static strings instead of being built per cell.
        let start = buf.index_of(p.x, y);
        let mut chars = shown.chars();
        for (i, cell) in buf.content[start..start + width].iter_mut().enumerate() {
            let ch = if i >= lead { chars.next() } else { None };
            let symbol = static_symbol(ch);
            // A fresh frame is mostly blank: padding needs no new symbol there.
            if cell.symbol() != symbol {
                cell.set_symbol(symbol);
            }
            cell.set_style(style);
        }
    } else {
        buf.set_style(Rect::new(p.x, y, p.width, 1), style);
        buf.set_stringn(x, y, &shown, width, style);
    }
    (x, shown)
}

/// Printable ASCII, so a cell's symbol can borrow a static one-character slice.
const PRINTABLE: &str = " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~";

fn static_symbol(ch: Option<char>) -> &'static str {
    match ch {
        Some('…') => "…",
        Some(c @ ' '..='~') => {
            let i = c as usize - 0x20;
            PRINTABLE.get(i..i + 1).unwrap_or(" ")
        }
        _ => " ",
    }
}

/// The cell popup: the full value, wrapped, in a bordered box that clears what is under it.
pub struct PopupView<'a> {
    detail: &'a CellDetail,
    scroll: u16,
    styles: GridStyles,
}

impl<'a> PopupView<'a> {
    pub fn new(detail: &'a CellDetail) -> Self {
        PopupView {
            detail,
            scroll: 0,
            styles: GridStyles::default(),
        }
    }

    /// Lines scrolled past at the top.
    pub fn scroll(mut self, lines: u16) -> Self {
        self.scroll = lines;
        self
    }

    pub fn styles(mut self, styles: GridStyles) -> Self {
        self.styles = styles;
        self
    }

    /// A centred area of at most `percent_x` × `percent_y` of `area` for the popup.
    pub fn centered(area: Rect, percent_x: u16, percent_y: u16) -> Rect {
        let w = (u32::from(area.width) * u32::from(percent_x.min(100)) / 100) as u16;
        let h = (u32::from(area.height) * u32::from(percent_y.min(100)) / 100) as u16;
        Rect::new(
            area.x + (area.width - w) / 2,
            area.y + (area.height - h) / 2,
            w,
            h,
        )
    }
}

impl Widget for PopupView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        Clear.render(area, buf);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(self.styles.popup_border)
            .title(Line::from(format!(" {} ", self.detail.title)))
            .title_bottom(Line::from(" Esc close · y copy ").right_aligned());
        Paragraph::new(self.detail.body.as_str())
            .style(self.styles.popup_text)
            .wrap(Wrap { trim: false })
            .scroll((self.scroll, 0))
            .block(block)
            .render(area, buf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_printable_ascii_char_has_its_own_static_symbol() {
        for c in ' '..='~' {
            assert_eq!(static_symbol(Some(c)), c.to_string());
        }
        assert_eq!(
            static_symbol(Some('\u{1b}')),
            " ",
            "control characters never reach the terminal"
        );
        assert_eq!(static_symbol(Some('…')), "…");
        assert_eq!(static_symbol(None), " ");
    }
}
