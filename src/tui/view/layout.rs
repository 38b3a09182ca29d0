//! Where each pane goes: one pure function of the screen size, used by the views to draw and by
//! `update` to map mouse clicks and page sizes.

use crate::tui::state::Focus;
use ratatui::layout::{Constraint, Layout, Margin, Rect};

/// Below this the explorer draws one polite line instead of panes.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 20;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Areas {
    pub catalog: Rect,
    pub inspector: Rect,
    pub builder: Rect,
    pub results: Rect,
    pub status: Rect,
}

impl Areas {
    pub fn pane(&self, f: Focus) -> Rect {
        match f {
            Focus::Catalog => self.catalog,
            Focus::Inspector => self.inspector,
            Focus::Builder => self.builder,
            Focus::Results => self.results,
        }
    }

    /// The pane under a screen position.
    pub fn hit(&self, x: u16, y: u16) -> Option<Focus> {
        Focus::ALL
            .into_iter()
            .find(|f| self.pane(*f).contains((x, y).into()))
    }
}

pub fn too_small(area: Rect) -> bool {
    area.width < MIN_WIDTH || area.height < MIN_HEIGHT
}

/// Catalog and inspector on top, builder and results below, two status lines at the bottom.
/// Zoom gives the whole body to the focused pane.
pub fn areas(area: Rect, focus: Focus, zoom: bool) -> Areas {
    let [body, status] = Layout::vertical([Constraint::Min(1), Constraint::Length(2)]).areas(area);
    if zoom {
        let mut a = Areas {
            status,
            ..Areas::default()
        };
        match focus {
            Focus::Catalog => a.catalog = body,
            Focus::Inspector => a.inspector = body,
            Focus::Builder => a.builder = body,
            Focus::Results => a.results = body,
        }
        return a;
    }
    // On short screens the row holding the focused pane gets most of the height.
    let (top_pct, bottom_pct) = match (body.height < 36, focus) {
        (false, _) => (45, 55),
        (true, Focus::Catalog | Focus::Inspector) => (64, 36),
        (true, Focus::Builder | Focus::Results) => (36, 64),
    };
    let [top, bottom] = Layout::vertical([
        Constraint::Percentage(top_pct),
        Constraint::Percentage(bottom_pct),
    ])
    .areas(body);
    let cols = [Constraint::Percentage(38), Constraint::Percentage(62)];
    let [catalog, inspector] = Layout::horizontal(cols).areas(top);
    let [builder, results] = Layout::horizontal(cols).areas(bottom);
    Areas {
        catalog,
        inspector,
        builder,
        results,
        status,
    }
}

/// Inside a bordered pane.
pub fn inner(r: Rect) -> Rect {
    r.inner(Margin::new(1, 1))
}

/// Catalog: the search line, then the list.
pub fn catalog_parts(pane: Rect) -> (Rect, Rect) {
    let i = inner(pane);
    let [search, list] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(i);
    (search, list)
}

/// Inspector: a title line, the list, and the selected field's details (beside the list when
/// there is room, below it otherwise).
pub fn inspector_parts(pane: Rect) -> (Rect, Rect, Rect) {
    let i = inner(pane);
    let [title, body] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(i);
    let [list, details] = if body.width >= 70 {
        Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(body)
    } else {
        Layout::vertical([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(body)
    };
    (title, list, details)
}

/// Builder: the form (as tall as its rows, up to 60% of the pane), the body preview, and a line
/// for the reason a query was refused.
pub fn builder_parts(pane: Rect, form_rows: usize) -> (Rect, Rect, Rect) {
    let i = inner(pane);
    let most = i.height.saturating_sub(1) * 3 / 5;
    let form_h = u16::try_from(form_rows)
        .unwrap_or(u16::MAX)
        .min(most)
        .max(1);
    let [form, preview, problem] = Layout::vertical([
        Constraint::Length(form_h),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(i);
    (form, preview, problem)
}

/// Results: a header line, the rows, and a footer line.
pub fn results_parts(pane: Rect) -> (Rect, Rect, Rect) {
    let i = inner(pane);
    let [header, rows, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(i);
    (header, rows, footer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panes_tile_the_screen_at_both_sizes() {
        for (w, h) in [(80, 24), (200, 50)] {
            let a = areas(Rect::new(0, 0, w, h), Focus::Catalog, false);
            assert_eq!(a.status.height, 2);
            assert_eq!(a.catalog.width + a.inspector.width, w);
            assert_eq!(a.builder.height + a.catalog.height + 2, h);
            assert_eq!(a.hit(0, 0), Some(Focus::Catalog));
            assert_eq!(a.hit(w - 1, h - 3), Some(Focus::Results));
        }
        let z = areas(Rect::new(0, 0, 80, 24), Focus::Results, true);
        assert_eq!(z.results.height, 22);
        assert_eq!(z.hit(0, 0), Some(Focus::Results));
    }
}
