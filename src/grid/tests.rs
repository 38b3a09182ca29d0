use super::*;
use crate::data::Column;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::Widget;

fn column(name: &str, t: &str) -> Column {
    Column {
        name: name.into(),
        base_type: Some(t.into()),
        ..Column::default()
    }
}

/// ID, TOTAL, CREATED_AT, CATEGORY, META.
fn orders() -> ResultSet {
    ResultSet {
        columns: vec![
            column("ID", "type/Integer"),
            column("TOTAL", "type/Float"),
            column("CREATED_AT", "type/DateTime"),
            column("CATEGORY", "type/Text"),
            column("META", "type/Structured"),
        ],
        rows: vec![
            vec![
                Cell::Int(1),
                Cell::Float(39.72),
                Cell::Text("2024-03-05T14:07:00Z".into()),
                Cell::Text("Gizmo".into()),
                Cell::Json(r#"{"a":1,"b":[true,null]}"#.into()),
            ],
            vec![
                Cell::Int(2),
                Cell::Null,
                Cell::Text("2023-01-10T09:00:00Z".into()),
                Cell::Text("widget".into()),
                Cell::Null,
            ],
            vec![
                Cell::Int(3),
                Cell::Float(117.03),
                Cell::Text("2024-12-24T23:59:00Z".into()),
                Cell::Text("Doohickey, large\nblue".into()),
                Cell::Text("[1, 2]".into()),
            ],
        ]
        .into_iter()
        .map(Vec::into_boxed_slice)
        .collect(),
    }
}

fn numbers(n: usize, cols: usize) -> ResultSet {
    ResultSet {
        columns: (0..cols)
            .map(|c| column(&format!("COLUMN_{c}"), "type/Integer"))
            .collect(),
        rows: (0..n)
            .map(|r| {
                (0..cols)
                    .map(|c| Cell::Int((r * cols + c) as i64))
                    .collect::<Vec<_>>()
                    .into_boxed_slice()
            })
            .collect(),
    }
}

fn data_rows(grid: &Grid) -> Vec<usize> {
    (0..grid.row_count()).map(|r| grid.data_row(r)).collect()
}

// ----- sort -------------------------------------------------------------------------------------

#[test]
fn sort_toggles_asc_desc_then_original_keeping_the_cursor_on_its_row() {
    let mut g = Grid::new(orders());
    g.move_cols(1); // TOTAL
    g.move_rows(2); // row with 117.03
    g.toggle_sort();
    assert_eq!(
        g.sort_state(),
        Some(SortState {
            column: 1,
            direction: Direction::Ascending
        })
    );
    assert_eq!(data_rows(&g), vec![0, 2, 1], "null last ascending");
    assert_eq!(g.cursor(), (1, 1), "cursor followed data row 2");
    g.toggle_sort();
    assert_eq!(data_rows(&g), vec![2, 0, 1], "null last descending");
    g.toggle_sort();
    assert_eq!(g.sort_state(), None);
    assert_eq!(data_rows(&g), vec![0, 1, 2]);
    assert_eq!(g.cursor(), (2, 1));
}

#[test]
fn sorting_another_column_starts_ascending_and_dates_sort_as_dates() {
    let mut g = Grid::new(orders());
    g.move_cols(1);
    g.toggle_sort();
    g.move_cols(1); // CREATED_AT
    g.toggle_sort();
    assert_eq!(
        g.sort_state().map(|s| s.direction),
        Some(Direction::Ascending)
    );
    assert_eq!(data_rows(&g), vec![1, 0, 2]);
}

// ----- search -----------------------------------------------------------------------------------

#[test]
fn search_matches_raw_and_formatted_text_case_insensitively() {
    let mut g = Grid::new(orders());
    // Formatted only: the raw value is 2024-03-05T14:07:00Z.
    g.search("03-05 14:07");
    assert_eq!(g.matches(), vec![(0, 2)]);
    // Raw only: the display shows 39.72 either way; the JSON key is in the raw text.
    g.search("\"b\"");
    assert_eq!(g.matches(), vec![(0, 4)]);
    g.search("GIZ");
    assert_eq!(g.matches(), vec![(0, 3)]);
    assert_eq!(g.cursor(), (0, 3));
    g.search("zzz");
    assert_eq!(g.match_count(), 0);
    assert!(g.status_line().contains("no matches for \"zzz\""));
}

#[test]
fn n_and_shift_n_wrap_around() {
    let mut g = Grid::new(orders());
    g.search("2"); // many cells contain a 2
    let all = g.matches();
    assert!(all.len() >= 3, "{all:?}");
    assert_eq!(g.cursor(), all[0]);
    for expected in all.iter().skip(1) {
        g.next_match();
        assert_eq!(g.cursor(), *expected);
    }
    g.next_match();
    assert_eq!(g.cursor(), all[0], "wrapped to the first");
    g.previous_match();
    assert_eq!(
        g.cursor(),
        *all.last().unwrap_or(&(0, 0)),
        "wrapped to the last"
    );
    assert!(
        g.status_line()
            .contains(&format!("match {}/{}", all.len(), all.len()))
    );
}

#[test]
fn matches_follow_the_sort_order() {
    let mut g = Grid::new(orders());
    g.search("widget");
    assert_eq!(g.matches(), vec![(1, 3)]);
    g.move_cols(-3);
    g.move_cols(2); // CREATED_AT
    g.toggle_sort(); // row 1 (2023) first
    assert_eq!(g.matches(), vec![(0, 3)]);
    assert_eq!(g.match_at(0, 3), Some(true));
    assert_eq!(g.match_at(1, 3), None);
}

#[test]
fn match_ranges_find_every_occurrence_ignoring_case() {
    let mut g = Grid::new(orders());
    g.search("ab");
    assert_eq!(g.match_ranges("xAByab"), vec![1..3, 4..6]);
    g.search("é");
    assert_eq!(g.match_ranges("cafÉ é"), vec![3..5, 6..8]);
    g.search("aa");
    assert_eq!(g.match_ranges("aaa"), vec![0..2]);
}

// ----- columns ----------------------------------------------------------------------------------

#[test]
fn freeze_hide_and_widen_change_what_is_shown() {
    let mut g = Grid::new(orders());
    let w = g.column_width(0);
    g.resize_column(1);
    assert_eq!(g.column_width(0), w + WIDTH_STEP);
    for _ in 0..500 {
        g.resize_column(-1);
    }
    assert_eq!(g.column_width(0), MIN_WIDTH);
    for _ in 0..500 {
        g.resize_column(1);
    }
    assert_eq!(g.column_width(0), MAX_WIDTH);

    g.move_cols(1);
    g.hide_column();
    assert_eq!(g.shown_columns(), &[0, 2, 3, 4]);
    assert_eq!(g.cursor(), (0, 2), "cursor moved onto the next column");
    assert!(g.status_line().contains("1 hidden"));
    g.unhide_all();
    assert_eq!(g.shown_columns(), &[0, 1, 2, 3, 4]);
    assert_eq!(g.cursor(), (0, 2));

    g.set_frozen(2);
    assert_eq!(g.frozen_count(), 2);
    g.set_frozen(99);
    assert_eq!(g.frozen_count(), 4, "one column always scrolls");
}

#[test]
fn the_last_column_cannot_be_hidden() {
    let mut g = Grid::new(numbers(2, 1));
    g.hide_column();
    assert_eq!(g.shown_columns(), &[0]);
}

#[test]
fn moving_right_scrolls_columns_and_keeps_frozen_ones() {
    let mut g = Grid::new(numbers(10, 30));
    g.set_viewport(40, 10);
    g.set_frozen(1);
    g.last_column();
    let (_, col_offset) = g.window(40, 9);
    assert!(col_offset > 1, "scrolled right: {col_offset}");
    g.first_column();
    assert_eq!(g.window(40, 9).1, 1);
}

#[test]
fn paging_and_home_end_keep_the_cursor_visible() {
    let mut g = Grid::new(numbers(1000, 3));
    g.set_viewport(80, 11); // 10 body lines
    g.page_down();
    assert_eq!(g.cursor().0, 10);
    assert_eq!(g.window(80, 10).0, 1);
    g.end();
    assert_eq!(g.cursor().0, 999);
    assert_eq!(g.window(80, 10).0, 990);
    g.page_up();
    assert_eq!(g.cursor().0, 989);
    g.home();
    assert_eq!(g.cursor().0, 0);
    assert_eq!(g.window(80, 10).0, 0);
    g.move_rows(-5);
    assert_eq!(g.cursor().0, 0);
}

// ----- copy and popup ---------------------------------------------------------------------------

#[test]
fn copy_gives_exact_values_as_cell_row_and_column() {
    let mut g = Grid::new(orders());
    g.move_cols(1);
    assert_eq!(g.copy_cell(), "39.72");
    g.move_rows(1);
    assert_eq!(g.copy_cell(), "", "null copies as nothing");
    assert_eq!(g.copy_row(), "2\t\t2023-01-10T09:00:00Z\twidget\t");
    g.move_rows(1);
    g.move_cols(2);
    assert_eq!(g.copy_cell(), "Doohickey, large\nblue");
    assert_eq!(
        g.copy_column(),
        "CATEGORY\nGizmo\nwidget\nDoohickey, large blue"
    );
}

#[test]
fn popup_pretty_prints_json_and_shows_text_whole() {
    let mut g = Grid::new(orders());
    g.last_column();
    let detail = g.cell_detail().expect("a cell");
    assert_eq!(detail.title, "META · row 1");
    assert_eq!(
        detail.body,
        "{\n  \"a\": 1,\n  \"b\": [\n    true,\n    null\n  ]\n}"
    );
    g.move_rows(2);
    let detail = g.cell_detail().expect("a cell");
    assert_eq!(
        detail.body, "[\n  1,\n  2\n]",
        "a string holding a JSON array"
    );
    g.move_cols(-1);
    assert_eq!(
        g.cell_detail().map(|d| d.body),
        Some("Doohickey, large\nblue".to_string())
    );
    assert_eq!(Grid::new(ResultSet::default()).cell_detail(), None);
}

// ----- status -----------------------------------------------------------------------------------

#[test]
fn status_says_when_sort_or_search_acted_on_a_partial_result() {
    let mut g = Grid::new(numbers(2000, 3));
    g.move_cols(1);
    g.toggle_sort();
    g.toggle_sort();
    assert_eq!(
        g.status_line(),
        "row 2000/2000 · col 2/3 · sorted by COLUMN_1 desc"
    );
    g.set_row_cap(Some(2000));
    assert_eq!(
        g.status_line(),
        "row 2000/2000 · col 2/3 · sorted by COLUMN_1 desc · the row cap (2000) may have cut this \
         · sorted the 2000 rows fetched"
    );
    g.set_row_cap(None);
    g.set_more_available(true);
    g.search("1999");
    let status = g.status_line();
    assert!(
        status.contains("2000 rows loaded, more available"),
        "{status}"
    );
    assert!(
        status.contains("sorted and searched the 2000 rows fetched"),
        "{status}"
    );
}

#[test]
fn append_adds_rows_and_reapplies_sort_and_search() {
    let mut g = Grid::new(numbers(3, 2));
    g.toggle_sort();
    g.toggle_sort(); // desc by COLUMN_0
    g.search("8");
    assert_eq!(g.match_count(), 0);
    g.append(numbers(5, 2));
    assert_eq!(g.row_count(), 8);
    // Values 0..6 and again 0..10: the largest (8 at data row 7) first.
    assert_eq!(g.data_row(0), 7);
    assert_eq!(g.matches(), vec![(0, 0)]);
}

// ----- widget: snapshots and styles -------------------------------------------------------------

fn render(grid: &Grid, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("test terminal");
    terminal
        .draw(|f| f.render_widget(GridView::new(grid), f.area()))
        .expect("draw");
    terminal
}

macro_rules! snap {
    ($name:expr, $value:expr) => {
        insta::with_settings!({snapshot_path => "../../snapshots", prepend_module_to_snapshot => false}, {
            insta::assert_snapshot!($name, $value);
        });
    };
}

#[test]
fn snapshot_empty_result() {
    let mut empty = orders();
    empty.rows.clear();
    let g = Grid::new(empty);
    snap!("grid_empty_80x24", render(&g, 80, 24).backend().to_string());
    snap!(
        "grid_empty_200x50",
        render(&g, 200, 50).backend().to_string()
    );
    let none = Grid::new(ResultSet::default());
    snap!(
        "grid_no_columns_80x24",
        render(&none, 80, 24).backend().to_string()
    );
}

#[test]
fn snapshot_three_rows() {
    let g = Grid::new(orders());
    snap!(
        "grid_three_rows_80x24",
        render(&g, 80, 24).backend().to_string()
    );
    snap!(
        "grid_three_rows_200x50",
        render(&g, 200, 50).backend().to_string()
    );
}

#[test]
fn snapshot_wide_result_scrolled_right_with_frozen_columns() {
    let mut g = Grid::new(numbers(100, 30));
    g.set_viewport(80, 24);
    for _ in 0..12 {
        g.move_cols(1);
    }
    g.move_rows(30);
    snap!(
        "grid_wide_scrolled_80x24",
        render(&g, 80, 24).backend().to_string()
    );
    snap!(
        "grid_wide_scrolled_200x50",
        render(&g, 200, 50).backend().to_string()
    );
    g.set_frozen(2);
    snap!(
        "grid_frozen_80x24",
        render(&g, 80, 24).backend().to_string()
    );
    g.set_viewport(200, 50);
    snap!(
        "grid_frozen_200x50",
        render(&g, 200, 50).backend().to_string()
    );
}

#[test]
fn snapshot_sorted_with_search_highlight_and_styles() {
    let mut g = Grid::new(orders());
    g.move_cols(1);
    g.toggle_sort();
    g.search("o");
    snap!(
        "grid_search_200x50",
        render(&g, 200, 50).backend().to_string()
    );
    let terminal = render(&g, 80, 24);
    snap!("grid_search_80x24", terminal.backend().to_string());
    let buf = terminal.backend().buffer();
    let styles = GridStyles::default();
    // "Gizmo" in row 0 (sorted: 39.72 first), CATEGORY column; find its x from the header.
    let header: String = (0..80).map(|x| buf[(x, 0)].symbol().to_string()).collect();
    let cat_x = column_of(&header, "CATEGORY");
    // The cursor sits on the first match (row 0, "Gizmo": the 'o' is the fifth char).
    assert_eq!(buf[(cat_x + 4, 1)].symbol(), "o");
    assert_eq!(
        buf[(cat_x + 4, 1)].bg,
        styles.current_match.bg.unwrap_or_default()
    );
    assert_ne!(
        buf[(cat_x, 1)].bg,
        styles.current_match.bg.unwrap_or_default()
    );
    // Other matches: "Doohickey" on row 1 (117.03) has two o's highlighted as plain matches.
    assert_eq!(buf[(cat_x + 1, 2)].symbol(), "o");
    assert_eq!(
        buf[(cat_x + 1, 2)].bg,
        styles.search_match.bg.unwrap_or_default()
    );
    assert_eq!(
        buf[(cat_x + 2, 2)].bg,
        styles.search_match.bg.unwrap_or_default()
    );
    assert_ne!(
        buf[(cat_x + 3, 2)].bg,
        styles.search_match.bg.unwrap_or_default()
    );
    // The sorted column's header carries the arrow; nulls are dim; selected row has its bg.
    assert!(header.contains("TOTAL ▲"), "{header}");
    let null_row: String = (0..80).map(|x| buf[(x, 3)].symbol().to_string()).collect();
    let null_x = column_of(&null_row, "∅");
    assert_eq!(buf[(null_x, 3)].fg, styles.null.fg.unwrap_or_default());
    assert_eq!(buf[(0, 1)].bg, styles.selected_row.bg.unwrap_or_default());
}

#[test]
fn snapshot_popup() {
    let mut g = Grid::new(orders());
    g.last_column();
    let detail = g.cell_detail().expect("a cell");
    for (w, h) in [(80u16, 24u16), (200, 50)] {
        let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("test terminal");
        terminal
            .draw(|f| {
                f.render_widget(GridView::new(&g), f.area());
                let area = PopupView::centered(f.area(), 60, 50);
                f.render_widget(PopupView::new(&detail), area);
            })
            .expect("draw");
        snap!(
            format!("grid_popup_{w}x{h}"),
            terminal.backend().to_string()
        );
    }
}

#[test]
fn snapshot_charts() {
    let mut line = ResultSet {
        columns: vec![
            Column {
                display_name: Some("Created At: Month".into()),
                ..column("CREATED_AT", "type/DateTime")
            },
            column("sum", "type/Float"),
        ],
        rows: Vec::new(),
    };
    for m in 1..=12 {
        line.rows.push(
            vec![
                Cell::Text(format!("2024-{m:02}-01T00:00:00Z").into()),
                Cell::Float(1000.0 + f64::from(m * m) * 50.0 - if m == 6 { 3000.0 } else { 0.0 }),
            ]
            .into_boxed_slice(),
        );
    }
    let bars = ResultSet {
        columns: vec![
            column("CATEGORY", "type/Text"),
            column("count", "type/BigInteger"),
        ],
        rows: ["Widget", "Gizmo", "Gadget", "Doohickey"]
            .iter()
            .zip([54, 51, 53, 42])
            .map(|(c, n)| vec![Cell::Text((*c).into()), Cell::Int(n)].into_boxed_slice())
            .collect(),
    };
    let negative = ResultSet {
        columns: bars.columns.clone(),
        rows: vec![
            vec![Cell::Text("up".into()), Cell::Int(5)].into_boxed_slice(),
            vec![Cell::Text("down".into()), Cell::Int(-3)].into_boxed_slice(),
        ],
    };
    let refused = ChartSpec::from_result(&numbers(3, 2));
    for (name, rs) in [
        ("line", Some(&line)),
        ("bars", Some(&bars)),
        ("negative", Some(&negative)),
        ("refused", None),
    ] {
        let spec = match rs {
            Some(rs) => ChartSpec::from_result(rs),
            None => refused.clone(),
        };
        for (w, h) in [(80u16, 24u16), (200, 50)] {
            let mut buf = Buffer::empty(Rect::new(0, 0, w, h));
            ChartView::new(&spec).render(buf.area, &mut buf);
            let text = buffer_text(&buf);
            snap!(format!("chart_{name}_{w}x{h}"), text);
        }
    }
}

/// The screen column where `needle` starts in a line of one-column cells.
fn column_of(line: &str, needle: &str) -> u16 {
    let byte = line
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} in {line:?}"));
    line[..byte].chars().count() as u16
}

fn buffer_text(buf: &Buffer) -> String {
    let mut out = String::new();
    for y in 0..buf.area.height {
        let mut line = String::new();
        let mut skip = 0;
        for x in 0..buf.area.width {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let s = buf[(x, y)].symbol();
            skip = unicode_width::UnicodeWidthStr::width(s).saturating_sub(1);
            line.push_str(s);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

// ----- cost per frame ---------------------------------------------------------------------------

#[test]
fn a_frame_formats_only_the_visible_cells_of_a_million_rows() {
    let rows: Vec<Box<[Cell]>> = (0..1_000_000)
        .map(|r| {
            vec![
                Cell::Int(r),
                Cell::Float(r as f64 / 3.0),
                Cell::Text("x".into()),
                Cell::Int(-r),
                Cell::Null,
                Cell::Int(r * 7),
            ]
            .into_boxed_slice()
        })
        .collect();
    let columns = (0..6)
        .map(|c| column(&format!("C{c}"), "type/Integer"))
        .collect();
    let mut g = Grid::new(ResultSet { columns, rows });
    g.set_viewport(60, 20);
    g.move_rows(500_000);
    g.move_cols(3);
    let area = Rect::new(0, 0, 60, 20);
    let mut buf = Buffer::empty(area);
    let before = g.formatted_cells();
    GridView::new(&g).render(area, &mut buf);
    let formatted = g.formatted_cells() - before;
    let body_rows = 19;
    // Columns that at least start on screen.
    let header: String = (0..60).map(|x| buf[(x, 0)].symbol().to_string()).collect();
    let visible_cols = header.matches('C').count() as u64;
    assert!(visible_cols >= 2, "{header}");
    assert!(formatted > 0);
    assert!(
        formatted <= body_rows * visible_cols,
        "formatted {formatted} cells for {body_rows} rows × {visible_cols} columns"
    );
}

#[test]
fn long_cells_are_cut_to_the_fitted_width_with_an_ellipsis() {
    let long = "x".repeat(100);
    let rs = ResultSet {
        columns: vec![column("NOTE", "type/Text"), column("N", "type/Integer")],
        rows: vec![vec![Cell::Text(long.clone().into()), Cell::Int(7)].into_boxed_slice()],
    };
    let g = Grid::new(rs);
    assert_eq!(g.column_width(0), MAX_FITTED_WIDTH);
    let terminal = render(&g, 80, 5);
    let buf = terminal.backend().buffer();
    let row: String = (0..80).map(|x| buf[(x, 1)].symbol().to_string()).collect();
    let shown = format!("{}…", "x".repeat(usize::from(MAX_FITTED_WIDTH) - 1));
    assert!(row.starts_with(&shown), "{row}");
    assert!(row.contains(" 7"), "the next column still shows: {row}");
    // The data is untouched: copy and the popup give the whole value.
    assert_eq!(g.copy_cell(), long);
}

#[test]
fn a_click_selects_the_cell_under_it() {
    let mut g = Grid::new(orders());
    let area = Rect::new(2, 1, 80, 10);
    let view = GridView::new(&g);
    // Header and out-of-area positions select nothing.
    assert_eq!(view.cell_at(area, 3, 1), None);
    assert_eq!(view.cell_at(area, 0, 3), None);
    // Row 2 (third line of the body), first column.
    assert_eq!(view.cell_at(area, 3, 4), Some((2, 0)));
    // Past the last row.
    assert_eq!(view.cell_at(area, 3, 8), None);
    let x_total = area.x + g.column_width(0) + 1;
    let hit = view.cell_at(area, x_total, 2);
    assert_eq!(hit, Some((0, 1)));
    if let Some((r, c)) = hit {
        g.select(r, c);
    }
    assert_eq!(g.cursor(), (0, 1));
    g.select(99, 0);
    assert_eq!(g.cursor(), (0, 1), "past the end is ignored");
}

#[test]
fn a_bar_chart_taller_than_the_screen_says_how_many_it_shows() {
    let rs = ResultSet {
        columns: vec![column("CITY", "type/Text"), column("count", "type/Integer")],
        rows: (0..120)
            .map(|i| vec![Cell::Text(format!("city {i}").into()), Cell::Int(i)].into_boxed_slice())
            .collect(),
    };
    let spec = ChartSpec::from_result(&rs);
    let mut buf = Buffer::empty(Rect::new(0, 0, 80, 24));
    ChartView::new(&spec).render(buf.area, &mut buf);
    let text = buffer_text(&buf);
    snap!("chart_many_bars_80x24", text.clone());
    assert!(text.contains("showing 22 of 120"), "{text}");
    assert!(
        text.contains("city 21") && !text.contains("city 22"),
        "{text}"
    );
}

#[test]
fn a_one_row_line_chart_draws_its_single_point() {
    let rs = ResultSet {
        columns: vec![
            column("CREATED_AT", "type/Date"),
            column("sum", "type/Float"),
        ],
        rows: vec![vec![Cell::Text("2024-03-01".into()), Cell::Float(-12.5)].into_boxed_slice()],
    };
    let spec = ChartSpec::from_result(&rs);
    assert_eq!(spec.as_ref().map(|s| s.kind), Ok(ChartKind::Line));
    let mut buf = Buffer::empty(Rect::new(0, 0, 80, 24));
    ChartView::new(&spec).render(buf.area, &mut buf);
    let text = buffer_text(&buf);
    assert!(text.contains("sum by CREATED_AT"), "{text}");
    assert!(text.contains("2024-03-01"), "{text}");
    let braille = text
        .chars()
        .filter(|c| ('\u{2801}'..='\u{28ff}').contains(c))
        .count();
    assert!(braille >= 1, "the point is drawn: {text}");
}
