//! Every pane in its key states (empty, loading, loaded, error) at 80×24 and 200×50.

use super::harness::{Harness, SIZES, snap};
use crossterm::event::KeyCode;
use mbx::cli::SandboxProfile;
use mbx::tui::msg::Msg;
use ratatui_textarea::TextArea;

fn resize(h: &mut Harness, (w, ht): (u16, u16)) {
    h.send(Msg::Resize(w, ht));
}

#[tokio::test]
async fn empty_explorer() {
    for size in SIZES {
        let h = Harness::analyst(size).await;
        snap(&h, "empty");
    }
}

#[tokio::test]
async fn too_small_says_so() {
    let mut h = Harness::analyst((80, 24)).await;
    resize(&mut h, (50, 15));
    let screen = h.screen();
    assert!(screen.contains("at least 60×20"), "{screen}");
    snap(&h, "too_small");
}

#[tokio::test]
async fn catalog_states() {
    for size in SIZES {
        let mut h = Harness::analyst(size).await;
        h.key(KeyCode::Char('/'));
        h.keys("orders");
        // The search is in flight: the spinner shows.
        snap(&h, "catalog_searching");
        h.settle().await;
        snap(&h, "catalog_results");
        h.key(KeyCode::Esc);
        h.keys("/zzzz");
        h.settle().await;
        snap(&h, "catalog_nothing_found");
    }
}

#[tokio::test]
async fn catalog_error_when_the_server_refuses() {
    for size in SIZES {
        let mut h = Harness::start("inactive@example.com", SandboxProfile::E2, size).await;
        h.key(KeyCode::Char('/'));
        h.keys("orders");
        h.settle().await;
        assert!(h.app.catalog.error.is_some());
        snap(&h, "catalog_error");
    }
}

#[tokio::test]
async fn catalog_browses_databases_on_e3() {
    for size in SIZES {
        let mut h = Harness::start("analyst@example.com", SandboxProfile::E3, size).await;
        snap(&h, "catalog_databases");
        h.key(KeyCode::Tab);
        h.key(KeyCode::BackTab);
        h.key(KeyCode::Enter);
        h.settle().await;
        snap(&h, "catalog_database_expanded");
    }
}

#[tokio::test]
async fn inspector_states() {
    for size in SIZES {
        let mut h = Harness::analyst(size).await;
        h.key(KeyCode::Char('/'));
        h.keys("orders");
        h.settle().await;
        h.key(KeyCode::Enter);
        snap(&h, "inspector_loading");
        h.settle().await;
        h.select_inspector_row("TOTAL").await;
        snap(&h, "inspector_number_field");
        h.select_inspector_row("CREATED_AT").await;
        snap(&h, "inspector_time_field");
        h.select_inspector_row("PRODUCTS").await;
        h.key(KeyCode::Enter);
        h.settle().await;
        h.select_inspector_row("CATEGORY").await;
        snap(&h, "inspector_related_category");
    }
}

#[tokio::test]
async fn inspector_error_for_a_table_that_is_gone() {
    for size in SIZES {
        let mut h = Harness::analyst(size).await;
        h.key(KeyCode::Char('/'));
        h.keys("orders");
        h.settle().await;
        // The hit points at a table removed since the search.
        h.app.catalog.hits[0].id = 999;
        h.key(KeyCode::Enter);
        h.settle().await;
        assert!(h.app.inspector.error.is_some());
        snap(&h, "inspector_error");
    }
}

/// Builds "count of orders by CREATED_AT month where TOTAL > 50" with keys only.
pub async fn build_monthly_count(h: &mut Harness) {
    h.open("orders").await;
    h.key(KeyCode::Tab); // builder
    h.key(KeyCode::Enter); // add a filter
    h.keys("total");
    h.key(KeyCode::Enter);
    h.keys("greater-than");
    h.key(KeyCode::Enter);
    h.settle().await;
    h.keys("50");
    h.key(KeyCode::Enter);
    h.key(KeyCode::Down);
    h.key(KeyCode::Down); // aggregations
    h.key(KeyCode::Enter);
    h.key(KeyCode::Enter); // count
    h.key(KeyCode::Down);
    h.key(KeyCode::Down); // group by
    h.key(KeyCode::Enter);
    h.keys("created_at");
    h.key(KeyCode::Enter);
    h.key(KeyCode::Enter); // month is preselected
}

#[tokio::test]
async fn builder_and_results_states() {
    for size in SIZES {
        let mut h = Harness::analyst(size).await;
        h.open("orders").await;
        h.key(KeyCode::Tab);
        snap(&h, "builder_empty_table");
        h.key(KeyCode::Enter);
        h.keys("total");
        h.key(KeyCode::Enter);
        snap(&h, "builder_picker_operation");

        let mut h = Harness::analyst(size).await;
        build_monthly_count(&mut h).await;
        snap(&h, "builder_monthly_count");
        h.key(KeyCode::Char('r'));
        snap(&h, "results_running");
        h.settle().await;
        snap(&h, "results_monthly_count");
    }
}

#[tokio::test]
async fn builder_refuses_bad_json_and_results_show_a_failed_query() {
    for size in SIZES {
        let mut h = Harness::analyst(size).await;
        h.open("orders").await;
        h.key(KeyCode::Tab);
        h.key(KeyCode::Char('e'));
        snap(&h, "builder_json_editor");
        h.app.builder.editor = Some(TextArea::new(vec![r#"{"table_id": 2, "limit": 0}"#.into()]));
        h.ctrl('s');
        snap(&h, "builder_json_refused");
        let filter = r#"{"table_id": 2, "filters": [{"field_id": "t2-99", "operation": "equals", "value": 1}]}"#;
        h.app.builder.editor = Some(TextArea::new(vec![filter.into()]));
        h.ctrl('s');
        assert!(
            h.app.builder.editor.is_none(),
            "{:?}",
            h.app.builder.problem
        );
        h.key(KeyCode::Char('r'));
        h.settle().await;
        snap(&h, "results_failed");
    }
}

#[tokio::test]
async fn results_preview_scrolled() {
    for size in SIZES {
        let mut h = Harness::analyst(size).await;
        h.open("people").await;
        h.key(KeyCode::Char('r'));
        h.settle().await;
        for _ in 0..4 {
            h.key(KeyCode::Right);
        }
        for _ in 0..30 {
            h.key(KeyCode::Down);
        }
        snap(&h, "results_people_preview_scrolled");
    }
}

#[tokio::test]
async fn help_overlay_per_pane() {
    for size in SIZES {
        let mut h = Harness::analyst(size).await;
        h.key(KeyCode::Char('?'));
        snap(&h, "help_catalog");
        h.key(KeyCode::Esc);
        h.key(KeyCode::Tab);
        h.key(KeyCode::Tab);
        h.key(KeyCode::Char('?'));
        snap(&h, "help_builder");
    }
}

#[tokio::test]
async fn inspector_metric() {
    for size in SIZES {
        let mut h = Harness::analyst(size).await;
        h.open("revenue").await;
        h.select_inspector_row("CREATED_AT").await;
        snap(&h, "inspector_metric");
    }
}

/// Today's Metabase (read-resource and v2 tools) gives the same explorer: the same inspector and
/// the same monthly count as the E2 surface, through the same keys.
#[tokio::test]
async fn the_same_explorer_on_the_latest_surface() {
    for size in SIZES {
        let mut h = Harness::start("analyst@example.com", SandboxProfile::Latest, size).await;
        h.open("orders").await;
        h.select_inspector_row("TOTAL").await;
        snap(&h, "latest_inspector_number_field");

        let mut latest = Harness::start("analyst@example.com", SandboxProfile::Latest, size).await;
        build_monthly_count(&mut latest).await;
        latest.key(KeyCode::Char('r'));
        latest.settle().await;
        snap(&latest, "latest_results_monthly_count");

        let mut e2 = Harness::analyst(size).await;
        build_monthly_count(&mut e2).await;
        e2.key(KeyCode::Char('r'));
        e2.settle().await;
        let rows = |h: &Harness| {
            h.app
                .results
                .grid
                .as_ref()
                .map(|g| g.result().rows.clone())
                .unwrap_or_default()
        };
        assert!(!rows(&e2).is_empty(), "the E2 query ran");
        assert_eq!(rows(&latest), rows(&e2), "the same rows on both surfaces");
    }
}
