//! What the explorer does with keys, mouse and answers (no screens).

use super::harness::Harness;
use super::screens::build_monthly_count;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use mbx::query::{Aggregation, Filter, FilterOp, Source, TemporalUnit};
use mbx::tui::msg::{Effect, Msg, Request};
use mbx::tui::state::{Focus, Inspected, Run};
use mbx::tui::update;
use serde_json::json;

fn press(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

#[tokio::test]
async fn typing_fast_sends_one_search_for_the_last_text() {
    let mut h = Harness::analyst((80, 24)).await;
    update(&mut h.app, press('/'));
    let mut due = Vec::new();
    for c in "orders".chars() {
        for e in update(&mut h.app, press(c)) {
            if let Effect::Debounce { generation, .. } = e {
                due.push(generation);
            }
        }
    }
    assert_eq!(due.len(), 6);
    // Every debounce fires, in order: only the newest one asks the server.
    let mut searches = Vec::new();
    for g in due {
        for e in update(&mut h.app, Msg::SearchDue(g)) {
            if let Effect::Send {
                req: Request::Search(s),
                ..
            } = e
            {
                searches.push(s.term_queries);
            }
        }
    }
    assert_eq!(searches, vec![vec!["orders".to_string()]]);
}

#[tokio::test]
async fn a_stale_search_answer_is_dropped() {
    let mut h = Harness::analyst((80, 24)).await;
    h.key(KeyCode::Char('/'));
    h.keys("people");
    h.settle().await;
    let first_hits = h.app.catalog.hits.clone();
    assert_eq!(first_hits[0].name, "PEOPLE");
    // A new search starts; the old request id is no longer current.
    h.keys("zz");
    assert!(
        h.effects.iter().any(|e| matches!(e, Effect::Cancel(_))),
        "the superseded search is cancelled"
    );
    h.settle().await;
    assert!(h.app.catalog.hits.is_empty());
    assert_eq!(h.app.catalog.searched.as_deref(), Some("peoplezz"));
}

#[tokio::test]
async fn follow_a_foreign_key_and_come_back() {
    let mut h = Harness::analyst((80, 24)).await;
    h.open("orders").await;
    assert_eq!(h.app.focus, Focus::Inspector);
    h.select_inspector_row("TOTAL").await;
    // The selected field's values and statistics were fetched.
    let key = (
        h.app
            .inspector
            .current
            .as_ref()
            .map(Inspected::entity)
            .unwrap(),
        h.app.inspector.selected_field().unwrap().field_id.clone(),
    );
    assert!(matches!(
        h.app.inspector.values.get(&key),
        Some(mbx::tui::state::Values::Loaded(_))
    ));
    h.select_inspector_row("PRODUCTS").await;
    let row = h.app.inspector.cursor.selected;
    h.key(KeyCode::Enter);
    h.settle().await;
    match &h.app.inspector.current {
        Some(Inspected::Table(t)) => assert_eq!(t.name, "PRODUCTS"),
        other => panic!("expected PRODUCTS, got {other:?}"),
    }
    h.key(KeyCode::Backspace);
    h.settle().await;
    match &h.app.inspector.current {
        Some(Inspected::Table(t)) => assert_eq!(t.name, "ORDERS"),
        other => panic!("expected ORDERS, got {other:?}"),
    }
    assert_eq!(
        h.app.inspector.cursor.selected, row,
        "back restores the row"
    );
    assert!(h.app.inspector.history.is_empty());
}

#[tokio::test]
async fn the_builder_assembles_the_monthly_count_and_runs_it() {
    let mut h = Harness::analyst((200, 50)).await;
    build_monthly_count(&mut h).await;
    let q = h.app.draft().unwrap();
    assert_eq!(q.source, Source::Table(2));
    assert!(matches!(
        &q.filters[..],
        [Filter::Field { operation: FilterOp::GreaterThan, value: Some(v), .. }] if *v == json!(50)
    ));
    assert!(matches!(
        &q.aggregations[..],
        [Aggregation::Function { field_id: None, .. }]
    ));
    assert_eq!(q.group_by[0].field_granularity, Some(TemporalUnit::Month));
    h.key(KeyCode::Char('r'));
    assert_eq!(h.app.focus, Focus::Results);
    h.settle().await;
    let Run::Done { row_count, .. } = h.app.results.run else {
        panic!("not done: {:?}", h.app.results.run);
    };
    assert!(row_count > 12, "{row_count} months");
    let grid = h.app.results.grid.as_ref().unwrap();
    assert_eq!(grid.result().column_count(), 2);
}

#[tokio::test]
async fn r_on_a_bare_table_previews_100_rows() {
    let mut h = Harness::analyst((80, 24)).await;
    h.open("people").await;
    h.key(KeyCode::Char('r'));
    let Some(Request::Query(q)) = h.sent.last() else {
        panic!("no query sent: {:?}", h.sent);
    };
    assert_eq!(q.limit, Some(100));
    h.settle().await;
    assert_eq!(h.app.results.grid.as_ref().unwrap().row_count(), 100);
}

#[tokio::test]
async fn esc_cancels_a_running_query_and_its_answer_is_ignored() {
    let mut h = Harness::analyst((80, 24)).await;
    h.open("orders").await;
    h.key(KeyCode::Char('r'));
    assert!(matches!(h.app.results.run, Run::Running { .. }));
    h.key(KeyCode::Esc);
    assert!(matches!(h.app.results.run, Run::Cancelled { .. }));
    assert!(matches!(h.effects.last(), Some(Effect::Cancel(_))));
    assert!(!h.app.is_busy());
    h.settle().await;
    assert!(matches!(h.app.results.run, Run::Cancelled { .. }));
}

#[tokio::test]
async fn an_invalid_query_is_refused_before_anything_is_sent() {
    let mut h = Harness::analyst((80, 24)).await;
    h.open("orders").await;
    h.key(KeyCode::Tab);
    h.key(KeyCode::Char('e'));
    h.app.builder.editor = Some(ratatui_textarea::TextArea::new(vec![
        "{\"table_id\": ".into(),
    ]));
    h.ctrl('s');
    let problem = h.app.builder.problem.clone().unwrap_or_default();
    assert!(problem.contains("not valid JSON"), "{problem}");
    assert!(h.app.builder.editor.is_some(), "the editor stays open");
    h.key(KeyCode::Esc);
    // A filter without a value is refused by the picker itself.
    h.key(KeyCode::Enter);
    h.keys("total");
    h.key(KeyCode::Enter);
    h.keys("greater-than");
    h.key(KeyCode::Enter);
    h.key(KeyCode::Enter);
    match &h.app.overlay {
        Some(mbx::tui::state::Overlay::Picker(p)) => {
            assert_eq!(p.problem.as_deref(), Some("type a value or pick one"))
        }
        other => panic!("picker closed: {other:?}"),
    }
    h.keys("abc");
    h.key(KeyCode::Enter);
    match &h.app.overlay {
        Some(mbx::tui::state::Overlay::Picker(p)) => {
            assert!(p.problem.as_deref().unwrap_or("").contains("not one"))
        }
        other => panic!("picker closed: {other:?}"),
    }
    let before = h.sent.len();
    h.key(KeyCode::Esc);
    h.key(KeyCode::Char('r'));
    // The bare table runs as a preview: only valid queries are sent.
    assert_eq!(h.sent.len(), before + 1);
}

#[tokio::test]
async fn quit_keys_and_search_box_typing() {
    let mut h = Harness::analyst((80, 24)).await;
    h.key(KeyCode::Char('/'));
    h.keys("q");
    assert!(!h.quit, "q in the search box is a letter");
    assert_eq!(h.app.catalog.query, "q");
    h.ctrl('c');
    assert!(h.quit, "Ctrl-C always quits");
    let mut h = Harness::analyst((80, 24)).await;
    h.key(KeyCode::Tab);
    h.key(KeyCode::Char('q'));
    assert!(h.quit);
}

#[tokio::test]
async fn focus_cycles_and_the_mouse_focuses_and_scrolls() {
    let mut h = Harness::analyst((80, 24)).await;
    assert_eq!(h.app.focus, Focus::Catalog);
    h.key(KeyCode::Tab);
    assert_eq!(h.app.focus, Focus::Inspector);
    h.key(KeyCode::BackTab);
    h.key(KeyCode::BackTab);
    assert_eq!(h.app.focus, Focus::Results);
    h.open("orders").await;
    // Click the third line of the inspector list (below its title line).
    let areas =
        mbx::tui::view::layout::areas(ratatui::layout::Rect::new(0, 0, 80, 24), h.app.focus, false);
    let (_, list, _) = mbx::tui::view::layout::inspector_parts(areas.inspector);
    h.click(list.x + 2, list.y + 2);
    assert_eq!(h.app.focus, Focus::Inspector);
    assert_eq!(h.app.inspector.cursor.selected, 2);
    h.click(areas.builder.x + 1, areas.builder.y + 1);
    assert_eq!(h.app.focus, Focus::Builder);
    let areas =
        mbx::tui::view::layout::areas(ratatui::layout::Rect::new(0, 0, 80, 24), h.app.focus, false);
    h.wheel_down(areas.inspector.x + 2, areas.inspector.y + 3);
    assert_eq!(h.app.inspector.cursor.selected, 5);
    h.settle().await;
}

#[tokio::test]
async fn several_values_picked_from_the_field_values_make_one_filter() {
    let mut h = Harness::analyst((80, 24)).await;
    h.open("products").await;
    h.key(KeyCode::Tab);
    h.key(KeyCode::Enter);
    h.keys("category");
    h.key(KeyCode::Enter);
    h.keys("equals");
    h.key(KeyCode::Enter);
    h.settle().await;
    // The values come from the server: Doohickey, Gadget, Gizmo, Widget.
    let Some(mbx::tui::state::Overlay::Picker(p)) = &h.app.overlay else {
        panic!("no value picker");
    };
    let labels: Vec<&str> = p.items.iter().map(|i| i.label.as_str()).collect();
    assert_eq!(labels, ["Doohickey", "Gadget", "Gizmo", "Widget"]);
    h.key(KeyCode::Down);
    h.key(KeyCode::Tab); // Gadget
    h.key(KeyCode::Down);
    h.key(KeyCode::Down);
    h.key(KeyCode::Tab); // Widget
    h.key(KeyCode::Enter);
    let q = h.app.draft().unwrap();
    assert!(matches!(
        &q.filters[..],
        [Filter::Field { operation: FilterOp::Equals, value: None, values: Some(v), .. }]
            if *v == vec![json!("Gadget"), json!("Widget")]
    ));
    h.key(KeyCode::Char('r'));
    h.settle().await;
    let grid = h.app.results.grid.as_ref().unwrap();
    let category = grid
        .result()
        .columns
        .iter()
        .position(|c| c.name == "CATEGORY")
        .unwrap();
    for row in &grid.result().rows {
        let cell = &row[category];
        assert!(
            *cell == mbx::data::Cell::Text("Gadget".into())
                || *cell == mbx::data::Cell::Text("Widget".into()),
            "{cell:?}"
        );
    }
}

/// A category gets its top values counted by a real query, largest first; a number does not.
#[tokio::test]
async fn a_category_field_shows_its_top_values_with_counts() {
    use mbx::tui::state::Distribution;
    let mut h = Harness::analyst((200, 50)).await;
    h.open("products").await;
    h.select_inspector_row("CATEGORY").await;
    let key = |h: &Harness| {
        let cur = h.app.inspector.current.as_ref().expect("open");
        let f = h.app.inspector.selected_field().expect("field");
        (cur.entity(), f.field_id.clone())
    };
    let k = key(&h);
    let Some(Distribution::Loaded(bars)) = h.app.inspector.distribution.get(&k) else {
        panic!("no counts: {:?}", h.app.inspector.distribution.get(&k));
    };
    let names: Vec<&str> = bars.iter().map(|b| b.0.as_str()).collect();
    for c in ["Doohickey", "Gadget", "Gizmo", "Widget"] {
        assert!(names.contains(&c), "{names:?}");
    }
    assert!(bars.windows(2).all(|w| w[0].1 >= w[1].1), "{bars:?}");
    assert!(bars.iter().all(|b| b.1 > 0.0), "{bars:?}");
    h.select_inspector_row("PRICE").await;
    let k = key(&h);
    assert!(!h.app.inspector.distribution.contains_key(&k));
}

/// Moving off a category before its counts arrive cancels the counting (newest wins).
#[tokio::test]
async fn counts_for_a_field_left_behind_are_cancelled() {
    use mbx::tui::state::Distribution;
    let mut h = Harness::analyst((200, 50)).await;
    h.open("products").await;
    h.select_inspector_row("CATEGORY").await;
    let loading = h
        .app
        .inspector
        .distribution
        .values()
        .filter(|d| matches!(d, Distribution::Loading(_)))
        .count();
    assert_eq!(loading, 0);
    // Fresh state: forget the counts, then ask and leave at once.
    h.app.inspector.distribution.clear();
    let fx = update(
        &mut h.app,
        Msg::Key(KeyEvent::new(KeyCode::Up, KeyModifiers::NONE)),
    );
    assert!(!fx.iter().any(|e| matches!(
        e,
        Effect::Send {
            req: Request::Distribution(_),
            ..
        }
    )));
    let fx = update(
        &mut h.app,
        Msg::Key(KeyEvent::new(KeyCode::Down, KeyModifiers::NONE)),
    );
    assert!(
        fx.iter().any(|e| matches!(
            e,
            Effect::Send {
                req: Request::Distribution(_),
                ..
            }
        )),
        "{fx:?}"
    );
    let fx = update(
        &mut h.app,
        Msg::Key(KeyEvent::new(KeyCode::Down, KeyModifiers::NONE)),
    );
    assert!(fx.iter().any(|e| matches!(e, Effect::Cancel(_))), "{fx:?}");
    assert!(h.app.inspector.distribution.is_empty());
}
