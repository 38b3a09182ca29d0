//! Colours are not in text snapshots: the focus and selection styles are asserted on the buffer.

use super::harness::Harness;
use crossterm::event::KeyCode;
use mbx::tui::theme::Palette;

#[tokio::test]
async fn the_focused_pane_and_the_selection_are_styled() {
    let mut h = Harness::analyst((80, 24)).await;
    h.key(KeyCode::Char('/'));
    h.keys("orders");
    h.settle().await;
    h.key(KeyCode::Esc); // leave the box: the list has the focus
    let p = Palette::dark();
    let t = h.terminal();
    let buf = t.backend().buffer();
    // Catalog focused: thick border in the focused colour; the inspector's is plain and dim.
    assert_eq!(buf[(0, 0)].symbol(), "┏");
    assert_eq!(buf[(0, 0)].fg, p.border_focused);
    let inspector_x = h.app.size.0 - 1;
    assert_eq!(buf[(inspector_x, 0)].symbol(), "┐");
    assert_eq!(buf[(inspector_x, 0)].fg, p.border);
    // The first hit (line 2: border, search line, hit) is selected.
    assert!(buf[(2, 2)].symbol() != " " || buf[(3, 2)].symbol() != " ");
    assert_eq!(buf[(3, 2)].bg, p.selection);
    assert_eq!(buf[(3, 3)].bg, p.bg);
    // Moving focus away keeps the selection, in the quieter style, and moves the thick border.
    h.key(KeyCode::Tab);
    let t = h.terminal();
    let buf = t.backend().buffer();
    assert_eq!(buf[(0, 0)].fg, p.border);
    assert_eq!(buf[(inspector_x, 0)].fg, p.border_focused);
    assert_eq!(buf[(3, 2)].bg, p.selection);
    assert!(
        !buf[(3, 2)]
            .modifier
            .contains(ratatui::style::Modifier::BOLD)
    );
}
