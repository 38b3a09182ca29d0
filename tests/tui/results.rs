//! The results pane's keys: sort, search, freeze, widen, hide, the cell popup, copies, the chart,
//! export and "load more", driven by keys against the real sandbox.

use super::harness::{Harness, SIZES, snap};
use super::screens::build_monthly_count;
use crossterm::event::KeyCode;
use mbx::cli::SandboxProfile;
use mbx::export::ExportFormat;
use mbx::grid::Direction;
use mbx::query::{QueryRequest, Source};
use mbx::tui::state::{Export, Overlay};

async fn orders_preview(size: (u16, u16)) -> Harness {
    let mut h = Harness::analyst(size).await;
    h.open("orders").await;
    h.key(KeyCode::Char('r'));
    h.settle().await;
    assert!(h.app.results.grid.is_some(), "the preview arrived");
    h
}

#[tokio::test]
async fn sort_search_popup_and_copies() {
    for size in SIZES {
        let mut h = orders_preview(size).await;
        h.key(KeyCode::Char('l'));
        h.key(KeyCode::Char('s'));
        h.key(KeyCode::Char('s'));
        let g = h.app.results.grid.as_ref().expect("a grid");
        let sort = g.sort_state().expect("sorted");
        assert_eq!(sort.direction, Direction::Descending);
        h.key(KeyCode::Char('/'));
        h.keys("12");
        snap(&h, "results_search_typing");
        h.key(KeyCode::Enter);
        assert!(h.app.results.search.is_none(), "Enter closes the box");
        let g = h.app.results.grid.as_ref().expect("a grid");
        assert!(g.match_count() > 0, "{}", g.status_line());
        h.key(KeyCode::Char('n'));
        snap(&h, "results_sorted_and_searched");

        h.key(KeyCode::Enter);
        assert!(matches!(h.app.overlay, Some(Overlay::Cell(..))));
        snap(&h, "results_cell_popup");
        h.key(KeyCode::Esc);
        assert!(h.app.overlay.is_none());

        let g = h.app.results.grid.as_ref().expect("a grid");
        let (cell, row, column) = (g.copy_cell(), g.copy_row(), g.copy_column());
        h.key(KeyCode::Char('y'));
        h.key(KeyCode::Char('Y'));
        h.key(KeyCode::Char('C'));
        assert_eq!(h.copied(), vec![cell, row.clone(), column]);
        assert!(row.contains('\t'));
        let notice = h.app.results.notice.clone().unwrap_or_default();
        assert!(notice.starts_with("copied the column"), "{notice}");
    }
}

#[tokio::test]
async fn freeze_widen_hide_and_unhide() {
    let mut h = orders_preview((80, 24)).await;
    h.key(KeyCode::Char('l'));
    h.key(KeyCode::Char('f'));
    let g = h.app.results.grid.as_ref().expect("a grid");
    assert_eq!(g.frozen_count(), 2);
    let (_, col) = g.cursor();
    let before = g.column_width(col);
    h.key(KeyCode::Char('>'));
    let g = h.app.results.grid.as_ref().expect("a grid");
    assert!(g.column_width(col) > before);
    h.key(KeyCode::Char('<'));
    h.key(KeyCode::Char('<'));
    let g = h.app.results.grid.as_ref().expect("a grid");
    assert!(g.column_width(col) < before);
    h.key(KeyCode::Char('f'));
    assert_eq!(h.app.results.grid.as_ref().expect("grid").frozen_count(), 0);
    h.key(KeyCode::Char('-'));
    h.key(KeyCode::Char('-'));
    assert_eq!(h.app.results.grid.as_ref().expect("grid").hidden_count(), 2);
    snap(&h, "results_two_hidden");
    h.key(KeyCode::Char('+'));
    assert_eq!(h.app.results.grid.as_ref().expect("grid").hidden_count(), 0);
}

#[tokio::test]
async fn chart_of_a_monthly_count_and_of_a_table_preview() {
    for size in SIZES {
        let mut h = Harness::analyst(size).await;
        build_monthly_count(&mut h).await;
        h.key(KeyCode::Char('r'));
        h.settle().await;
        h.key(KeyCode::Char('v'));
        assert!(h.app.results.chart);
        snap(&h, "results_chart_line");

        let mut h = orders_preview(size).await;
        h.key(KeyCode::Char('v'));
        snap(&h, "results_chart_not_chartable");
        h.key(KeyCode::Char('v'));
        assert!(!h.app.results.chart);
    }
}

#[tokio::test]
async fn export_prompts_writes_in_the_background_and_reports() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("tui-export");
    std::fs::create_dir_all(&dir).expect("a temp dir");
    for size in SIZES {
        let mut h = orders_preview(size).await;
        h.key(KeyCode::Char('e'));
        let Some(Export::Prompt(default)) = &h.app.results.export else {
            panic!("the prompt opens");
        };
        assert!(
            default.starts_with("orders-") && default.ends_with(".csv"),
            "{default}"
        );
        snap(&h, "results_export_prompt");
        for _ in 0..default.chars().count() {
            h.key(KeyCode::Backspace);
        }
        let path = dir.join(format!("orders-{}x{}.txt", size.0, size.1));
        h.keys(&path.display().to_string());
        h.key(KeyCode::Enter);
        let notice = h.app.results.notice.clone().unwrap_or_default();
        assert!(notice.contains(".csv, .json or .jsonl"), "{notice}");
        for _ in 0..3 {
            h.key(KeyCode::Backspace);
        }
        h.keys("csv");
        h.key(KeyCode::Enter);
        assert!(matches!(h.app.results.export, Some(Export::Running { .. })));
        h.wait_for(|a| !matches!(a.results.export, Some(Export::Running { .. })))
            .await;
        let path = path.with_extension("csv");
        let Some(Export::Done(msg)) = &h.app.results.export else {
            panic!("the export finished: {:?}", h.app.results.export);
        };
        assert_eq!(msg, &format!("wrote 100 rows to {}", path.display()));
        // The temporary directory's length differs between machines: only the wide screen
        // shows the whole (redacted) path.
        if size.0 >= 200 {
            snap(&h, "results_export_done");
        }
        let grid = h.app.results.grid.as_ref().expect("a grid");
        let mut expected = Vec::new();
        mbx::export::write(grid.result(), ExportFormat::Csv, &mut expected, |_| {})
            .expect("the writer");
        assert_eq!(std::fs::read(&path).expect("the file"), expected);

        // A directory that does not exist: the error, in one line.
        h.key(KeyCode::Char('e'));
        h.key(KeyCode::Char('x')); // any key clears nothing: still the prompt
        let Some(Export::Prompt(p)) = &h.app.results.export else {
            panic!("the prompt opens again");
        };
        for _ in 0..p.chars().count() {
            h.key(KeyCode::Backspace);
        }
        h.keys("/nonexistent-mbx-dir/out.json");
        h.key(KeyCode::Enter);
        h.wait_for(|a| !matches!(a.results.export, Some(Export::Running { .. })))
            .await;
        let Some(Export::Failed(e)) = &h.app.results.export else {
            panic!("the export failed: {:?}", h.app.results.export);
        };
        assert!(e.contains("does not exist"), "{e}");
    }
}

#[tokio::test]
async fn load_more_appends_the_next_page_on_e3() {
    for size in SIZES {
        let mut h = Harness::start("analyst@example.com", SandboxProfile::E3, size).await;
        h.open("orders").await;
        let Some(Source::Table(id)) = h.app.source() else {
            panic!("ORDERS is open");
        };
        let mut q = QueryRequest::new(Source::Table(id));
        q.limit = Some(450);
        h.app.builder.drafts.insert(Source::Table(id), q);
        h.key(KeyCode::Char('r'));
        h.settle().await;
        let g = h.app.results.grid.as_ref().expect("a grid");
        let first = g.row_count();
        assert!(g.more_available(), "{}", g.status_line());
        assert!(g.status_line().contains("rows loaded, more available"));
        snap(&h, "results_more_available");
        h.key(KeyCode::Char('m'));
        h.settle().await;
        let g = h.app.results.grid.as_ref().expect("a grid");
        assert!(g.row_count() > first, "{} then {}", first, g.row_count());
    }
}
