//! `update(&mut App, Msg) -> Vec<Effect>`: every state change of the explorer, with no I/O.

use super::keymap::Action;
use super::msg::{Answer, Effect, Msg, Reply, ReqId, Request};
use super::picker::{Choice, Item, Picker, Step};
use super::state::*;
use super::view::layout;
use super::{distribution, grid_keys, history_keys, log_keys, profiles, users};
use crate::api::types::{Entity, Field, FieldId, FieldType, FieldValues, ItemKind, SearchRequest};
use crate::query::{
    AggFunction, Aggregation, Arity, FieldRef, Filter, FilterOp, GroupBy, OrderBy, QueryRequest,
    SortDir, Source, TemporalUnit,
};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::Rect;
use ratatui_textarea::TextArea;
use serde_json::{Value, json};

/// The requests the explorer makes on start: which API the server speaks, and its databases.
pub fn startup(app: &mut App) -> Vec<Effect> {
    let mut fx = vec![send(app, Request::Era).1];
    fx.extend(load_databases(app));
    fx.push(Effect::LoadUsers {
        profile: app.history_profile(),
    });
    fx
}

pub fn update(app: &mut App, msg: Msg) -> Vec<Effect> {
    let fx = handle(app, msg);
    sync_grid_viewport(app);
    fx
}

/// The grid scrolls by itself; it needs to know how much of it is on screen now.
fn sync_grid_viewport(app: &mut App) {
    let area = grid_area(screen(app).results);
    if let Some(g) = &mut app.results.grid {
        g.set_viewport(area.width, area.height.max(2));
    }
}

/// Where the grid (header included) is drawn inside the results pane.
pub fn grid_area(pane: Rect) -> Rect {
    let (header, rows, _) = layout::results_parts(pane);
    header.union(rows)
}

fn handle(app: &mut App, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Key(k) => key(app, k),
        Msg::Mouse(m) => mouse(app, m),
        Msg::Resize(w, h) => {
            app.size = (w, h);
            Vec::new()
        }
        Msg::Tick(now) => {
            app.now = now;
            app.spinner = app.spinner.wrapping_add(1);
            Vec::new()
        }
        Msg::SearchDue(generation) => search_due(app, generation),
        Msg::Answer(a) => answer(app, *a),
        Msg::ExportProgress(id, p) => {
            grid_keys::export_progress(app, id, p);
            Vec::new()
        }
        Msg::ExportDone(id, r) => {
            grid_keys::export_done(app, id, r);
            Vec::new()
        }
        Msg::LogChanged => {
            log_keys::refresh(app);
            Vec::new()
        }
        Msg::InlineCurl(r) => log_keys::inline_curl(app, r),
        Msg::History(r) => {
            history_keys::loaded(app, r);
            Vec::new()
        }
        Msg::SeenUsers(seen) => {
            users::seen(app, seen);
            Vec::new()
        }
        Msg::Profiles(names) => {
            profiles::listed(app, names);
            Vec::new()
        }
        Msg::ProfileFailed { id, name, error } => {
            profiles::failed(app, id, &name, &error);
            Vec::new()
        }
        // The loop hands a new connection over before `update` sees it (see `tui::event_loop`);
        // one that reaches here has nothing to take it, and closes as it drops.
        Msg::ProfileReady(_) => Vec::new(),
    }
}

pub(super) fn send(app: &mut App, req: Request) -> (ReqId, Effect) {
    let id = app.next_id;
    app.next_id += 1;
    app.pending.insert(id, req.label());
    (id, Effect::Send { id, req })
}

pub(super) fn cancel(app: &mut App, id: ReqId) -> Effect {
    app.pending.remove(&id);
    Effect::Cancel(id)
}

pub(super) fn screen(app: &App) -> layout::Areas {
    let (w, h) = app.size;
    layout::areas(Rect::new(0, 0, w, h), app.focus, app.zoom)
}

// ---------------------------------------------------------------------------------------------
// Keys

fn key(app: &mut App, k: KeyEvent) -> Vec<Effect> {
    if k.code == KeyCode::Char('c') && k.modifiers.contains(KeyModifiers::CONTROL) {
        return vec![Effect::Quit];
    }
    match &mut app.overlay {
        Some(Overlay::Help(scroll)) => {
            match k.code {
                KeyCode::Down | KeyCode::Char('j') => *scroll = scroll.saturating_add(1),
                KeyCode::Up | KeyCode::Char('k') => *scroll = scroll.saturating_sub(1),
                KeyCode::PageDown | KeyCode::Char(' ') => *scroll = scroll.saturating_add(10),
                KeyCode::PageUp => *scroll = scroll.saturating_sub(10),
                KeyCode::Esc | KeyCode::Enter | KeyCode::Char('?') | KeyCode::Char('q') => {
                    app.overlay = None;
                }
                _ => {}
            }
            return Vec::new();
        }
        Some(Overlay::Error(_)) => {
            if matches!(
                k.code,
                KeyCode::Esc | KeyCode::Enter | KeyCode::Char('?') | KeyCode::Char('q')
            ) {
                app.overlay = None;
            }
            return Vec::new();
        }
        Some(Overlay::Picker(_)) => return picker_key(app, k),
        Some(Overlay::Cell(_, scroll)) => {
            match k.code {
                KeyCode::Down | KeyCode::Char('j') => *scroll = scroll.saturating_add(1),
                KeyCode::Up | KeyCode::Char('k') => *scroll = scroll.saturating_sub(1),
                KeyCode::PageDown | KeyCode::Char(' ') => *scroll = scroll.saturating_add(10),
                KeyCode::PageUp => *scroll = scroll.saturating_sub(10),
                KeyCode::Esc | KeyCode::Enter | KeyCode::Char('q') => app.overlay = None,
                _ => {}
            }
            return Vec::new();
        }
        Some(Overlay::Log(_)) => return log_keys::key(app, k),
        Some(Overlay::Compare(_)) => return users::compare_key(app, k),
        Some(Overlay::History(_)) => return history_keys::key(app, k),
        None => {}
    }
    if app.focus == Focus::Results
        && let Some(fx) = grid_keys::typing(app, k)
    {
        return fx;
    }
    if app.focus == Focus::Builder && app.builder.editor.is_some() {
        return editor_key(app, k);
    }
    if app.focus == Focus::Catalog && app.catalog.editing {
        return search_key(app, k);
    }
    let Some(action) = app.keymap.action(app.focus.scope(), &k) else {
        return Vec::new();
    };
    act(app, action)
}

fn act(app: &mut App, action: Action) -> Vec<Effect> {
    match action {
        Action::Quit | Action::ForceQuit => vec![Effect::Quit],
        Action::Help => {
            app.overlay = Some(Overlay::Help(0));
            Vec::new()
        }
        Action::FocusNext => {
            app.focus = app.focus.next();
            Vec::new()
        }
        Action::FocusPrev => {
            app.focus = app.focus.prev();
            Vec::new()
        }
        Action::FocusSearch => {
            app.focus = Focus::Catalog;
            app.catalog.editing = true;
            Vec::new()
        }
        Action::Zoom => {
            app.zoom = !app.zoom;
            Vec::new()
        }
        Action::Run => run(app),
        Action::Up => move_in(app, app.focus, -1),
        Action::Down => move_in(app, app.focus, 1),
        Action::PageUp => {
            let h = page(app, app.focus) as isize;
            move_in(app, app.focus, -h)
        }
        Action::PageDown => {
            let h = page(app, app.focus) as isize;
            move_in(app, app.focus, h)
        }
        Action::Top => move_in(app, app.focus, isize::MIN / 2),
        Action::Bottom => move_in(app, app.focus, isize::MAX / 2),
        Action::Left | Action::Right => {
            if app.focus == Focus::Results
                && let Some(g) = &mut app.results.grid
            {
                g.move_cols(if action == Action::Left { -1 } else { 1 });
            }
            Vec::new()
        }
        Action::Open => match app.focus {
            Focus::Catalog => catalog_open(app),
            Focus::Inspector => inspector_open(app),
            Focus::Results => grid_keys::act(app, action),
            Focus::Builder => Vec::new(),
        },
        // With no rows to search, `/` in the results means what it means elsewhere.
        Action::SearchGrid if app.results.grid.is_none() => act(app, Action::FocusSearch),
        Action::SwitchUser => users::open_switch(app),
        Action::SwitchProfile => profiles::open(app),
        Action::Compare => users::open_compare(app),
        Action::RequestLog => log_keys::open(app),
        Action::History => history_keys::open(app),
        Action::Sort
        | Action::SearchGrid
        | Action::NextMatch
        | Action::PrevMatch
        | Action::Freeze
        | Action::Widen
        | Action::Narrow
        | Action::Hide
        | Action::UnhideAll
        | Action::CopyCell
        | Action::CopyRow
        | Action::CopyColumn
        | Action::Chart
        | Action::Export
        | Action::LoadMore => grid_keys::act(app, action),
        Action::Back => match app.focus {
            Focus::Catalog => {
                catalog_collapse(app);
                Vec::new()
            }
            Focus::Inspector => inspector_back(app),
            Focus::Results => cancel_query(app),
            Focus::Builder => Vec::new(),
        },
        Action::Clear => match app.focus {
            Focus::Catalog => clear_search(app),
            Focus::Builder => {
                if let Some(s) = app.source() {
                    app.builder.drafts.remove(&s);
                    app.builder.cursor = Cursor::default();
                    app.builder.problem = None;
                }
                Vec::new()
            }
            _ => Vec::new(),
        },
        Action::Add => builder_add(app),
        Action::Delete => {
            builder_delete(app);
            Vec::new()
        }
        Action::EditJson => {
            open_editor(app);
            Vec::new()
        }
    }
}

/// How many lines the builder's form has now.
fn builder_rows(app: &App) -> usize {
    app.draft().map(|q| form_rows(&q).len()).unwrap_or(1)
}

/// Rows a page key moves in a pane.
fn page(app: &App, f: Focus) -> usize {
    let pane = screen(app).pane(f);
    let h = match f {
        Focus::Catalog => layout::catalog_parts(pane).1.height,
        Focus::Inspector => layout::inspector_parts(pane).1.height,
        Focus::Builder => layout::builder_parts(pane, builder_rows(app)).0.height,
        Focus::Results => layout::results_parts(pane).1.height,
    };
    usize::from(h.max(1))
}

fn move_in(app: &mut App, pane: Focus, delta: isize) -> Vec<Effect> {
    match pane {
        Focus::Catalog => {
            let n = app.catalog.entries().len();
            app.catalog.cursor.step(delta, n);
            Vec::new()
        }
        Focus::Inspector => {
            let rows = app.inspector.rows();
            app.inspector.cursor.selected =
                step_selectable(&rows, app.inspector.cursor.selected, delta);
            fetch_values(app)
        }
        Focus::Builder => {
            if let Some(q) = app.draft() {
                let n = form_rows(&q).len();
                app.builder.cursor.step(delta, n);
            }
            Vec::new()
        }
        Focus::Results => {
            if let Some(g) = &mut app.results.grid {
                g.move_rows(delta);
            }
            Vec::new()
        }
    }
}

/// Moves over the rows that can be selected (section headers are skipped).
fn step_selectable(rows: &[InspRow], from: usize, delta: isize) -> usize {
    let selectable: Vec<usize> = (0..rows.len()).filter(|i| rows[*i].selectable()).collect();
    if selectable.is_empty() {
        return 0;
    }
    let pos = selectable
        .iter()
        .position(|i| *i >= from)
        .unwrap_or(selectable.len() - 1);
    let target = if delta < 0 {
        pos.saturating_sub(delta.unsigned_abs())
    } else {
        (pos + delta as usize).min(selectable.len() - 1)
    };
    selectable[target]
}

// ---------------------------------------------------------------------------------------------
// Catalog

fn search_key(app: &mut App, k: KeyEvent) -> Vec<Effect> {
    match k.code {
        KeyCode::Esc => {
            app.catalog.editing = false;
            Vec::new()
        }
        KeyCode::Enter => {
            app.catalog.editing = false;
            // Results for what is in the box: Enter opens the selected one straight away.
            let current = app.catalog.searched.as_deref() == Some(app.catalog.query.trim());
            if !app.catalog.browsing() && current && !app.catalog.hits.is_empty() {
                return catalog_open(app);
            }
            Vec::new()
        }
        KeyCode::Down => {
            app.catalog.editing = false;
            app.catalog.cursor = Cursor::default();
            Vec::new()
        }
        KeyCode::Tab => {
            app.catalog.editing = false;
            app.focus = app.focus.next();
            Vec::new()
        }
        KeyCode::BackTab => {
            app.catalog.editing = false;
            app.focus = app.focus.prev();
            Vec::new()
        }
        KeyCode::Backspace => {
            app.catalog.query.pop();
            query_changed(app)
        }
        KeyCode::Char(c) if !k.modifiers.contains(KeyModifiers::CONTROL) => {
            app.catalog.query.push(c);
            query_changed(app)
        }
        _ => Vec::new(),
    }
}

fn query_changed(app: &mut App) -> Vec<Effect> {
    app.catalog.generation += 1;
    app.catalog.cursor = Cursor::default();
    if app.catalog.browsing() {
        let mut fx = Vec::new();
        if let Some(id) = app.catalog.search.take() {
            fx.push(cancel(app, id));
        }
        app.catalog.hits.clear();
        app.catalog.searched = None;
        app.catalog.error = None;
        fx.extend(load_databases(app));
        return fx;
    }
    vec![Effect::Debounce {
        generation: app.catalog.generation,
        after: app.settings.search_debounce,
    }]
}

fn clear_search(app: &mut App) -> Vec<Effect> {
    if app.catalog.query.is_empty() {
        return Vec::new();
    }
    app.catalog.query.clear();
    query_changed(app)
}

pub(super) fn load_databases(app: &mut App) -> Vec<Effect> {
    if !matches!(app.catalog.browse, Browse::NotLoaded) {
        return Vec::new();
    }
    let (id, fx) = send(app, Request::Databases);
    app.catalog.browse = Browse::Loading(id);
    vec![fx]
}

pub(super) fn search_due(app: &mut App, generation: u64) -> Vec<Effect> {
    if generation != app.catalog.generation || app.catalog.browsing() {
        return Vec::new();
    }
    let mut fx = Vec::new();
    if let Some(old) = app.catalog.search.take() {
        fx.push(cancel(app, old));
    }
    let term = app.catalog.query.trim().to_string();
    let req = SearchRequest {
        term_queries: vec![term],
        limit: Some(50),
        ..SearchRequest::default()
    };
    let (id, e) = send(app, Request::Search(req));
    app.catalog.search = Some(id);
    fx.push(e);
    fx
}

fn catalog_open(app: &mut App) -> Vec<Effect> {
    let entries = app.catalog.entries();
    let Some(entry) = entries.get(app.catalog.cursor.selected).copied() else {
        return Vec::new();
    };
    match entry {
        Entry::Hit(i) => {
            let Some(hit) = app.catalog.hits.get(i) else {
                return Vec::new();
            };
            let source = match hit.kind {
                ItemKind::Table => Source::Table(hit.id),
                ItemKind::Metric => Source::Metric(hit.id),
                ItemKind::Other(ref k) => {
                    app.overlay = Some(Overlay::Error(format!(
                        "mbx cannot open a {k} (only tables and metrics)"
                    )));
                    return Vec::new();
                }
            };
            app.inspector.history.clear();
            app.focus = Focus::Inspector;
            inspect(app, source, None)
        }
        Entry::Db(d) => {
            let Browse::Loaded(dbs) = &app.catalog.browse else {
                return Vec::new();
            };
            let Some(node) = dbs.get(d) else {
                return Vec::new();
            };
            let db_id = node.db.id;
            if let Tables::Expanded(_) = node.tables {
                catalog_collapse(app);
                return Vec::new();
            }
            if let Tables::Loading(_) = node.tables {
                return Vec::new();
            }
            let (id, fx) = send(app, Request::Database(db_id));
            if let Browse::Loaded(dbs) = &mut app.catalog.browse
                && let Some(node) = dbs.get_mut(d)
            {
                node.tables = Tables::Loading(id);
            }
            vec![fx]
        }
        Entry::DbTable(d, t) => {
            let Browse::Loaded(dbs) = &app.catalog.browse else {
                return Vec::new();
            };
            let Some(table_id) = dbs.get(d).and_then(|n| match &n.tables {
                Tables::Expanded(ts) => ts.get(t).map(|t| t.id),
                _ => None,
            }) else {
                return Vec::new();
            };
            app.inspector.history.clear();
            app.focus = Focus::Inspector;
            inspect(app, Source::Table(table_id), None)
        }
    }
}

/// Collapses the database the cursor is in (or on).
fn catalog_collapse(app: &mut App) {
    let entries = app.catalog.entries();
    let db = match entries.get(app.catalog.cursor.selected) {
        Some(Entry::Db(d)) | Some(Entry::DbTable(d, _)) => *d,
        _ => return,
    };
    if let Browse::Loaded(dbs) = &mut app.catalog.browse
        && let Some(node) = dbs.get_mut(db)
        && matches!(node.tables, Tables::Expanded(_))
    {
        node.tables = Tables::Collapsed;
        let pos = app
            .catalog
            .entries()
            .iter()
            .position(|e| *e == Entry::Db(db));
        app.catalog.cursor.selected = pos.unwrap_or(0);
    }
}

// ---------------------------------------------------------------------------------------------
// Inspector

pub(super) fn inspect(app: &mut App, source: Source, restore_row: Option<usize>) -> Vec<Effect> {
    let mut fx = Vec::new();
    if let Some((old, _)) = app.inspector.loading.take() {
        fx.push(cancel(app, old));
    }
    let req = match source {
        Source::Table(id) => Request::Table(id),
        Source::Metric(id) => Request::Metric(id),
    };
    let (id, e) = send(app, req);
    app.inspector.loading = Some((id, source));
    app.inspector.restore_row = restore_row;
    app.inspector.error = None;
    fx.push(e);
    fx
}

fn inspector_open(app: &mut App) -> Vec<Effect> {
    let Some(current) = app.inspector.current.clone() else {
        return Vec::new();
    };
    let Some(row) = app.inspector.selected_row() else {
        return Vec::new();
    };
    let here = (current.source(), app.inspector.cursor.selected);
    match (&current, row) {
        (Inspected::Table(t), InspRow::Related(i)) => {
            let Some(rel) = t.related_tables.get(i) else {
                return Vec::new();
            };
            app.inspector.history.push(here);
            inspect(app, Source::Table(rel.id), None)
        }
        (Inspected::Table(t), InspRow::Metric(i)) => {
            let Some(m) = t.metrics.get(i) else {
                return Vec::new();
            };
            app.inspector.history.push(here);
            inspect(app, Source::Metric(m.id), None)
        }
        (_, InspRow::Field(_)) => {
            let Some(field) = app.inspector.selected_field().cloned() else {
                return Vec::new();
            };
            app.focus = Focus::Builder;
            choose_filter_op(app, &field.field_id)
        }
        (Inspected::Table(t), InspRow::Measure(i)) => {
            if let Some(m) = t.measures.get(i) {
                let measure_id = m.id;
                edit_draft(app, |q| {
                    q.aggregations.push(Aggregation::Measure {
                        measure_id,
                        sort_order: None,
                    })
                });
                app.focus = Focus::Builder;
            }
            Vec::new()
        }
        (_, InspRow::Segment(i)) => {
            let id = match &current {
                Inspected::Table(t) => t.segments.get(i).map(|s| s.id),
                Inspected::Metric(m) => m.segments.get(i).map(|s| s.id),
            };
            if let Some(segment_id) = id {
                edit_draft(app, |q| q.filters.push(Filter::Segment { segment_id }));
                app.focus = Focus::Builder;
            }
            Vec::new()
        }
        _ => Vec::new(),
    }
}

fn inspector_back(app: &mut App) -> Vec<Effect> {
    match app.inspector.history.pop() {
        Some((source, row)) => inspect(app, source, Some(row)),
        None => Vec::new(),
    }
}

/// Fetches the selected field's values unless known; a fetch for a field no longer selected
/// is cancelled (newest wins while the user scrolls).
fn fetch_values(app: &mut App) -> Vec<Effect> {
    let mut fx = Vec::new();
    let entity = app.inspector.current.as_ref().map(Inspected::entity);
    let field = app.inspector.selected_field().map(|f| f.field_id.clone());
    let wanted = entity.zip(field);
    let stale: Vec<((Entity, FieldId), ReqId)> = app
        .inspector
        .values
        .iter()
        .filter_map(|(k, v)| match v {
            Values::Loading(id) if Some(k) != wanted.as_ref() && !picker_waits_for(app, k) => {
                Some((k.clone(), *id))
            }
            _ => None,
        })
        .collect();
    for (k, id) in stale {
        app.inspector.values.remove(&k);
        fx.push(cancel(app, id));
    }
    fx.extend(distribution::drop_stale(app));
    if let Some((entity, field)) = wanted {
        fx.extend(request_values(app, entity, field.clone()));
        fx.extend(distribution::request(app, entity, &field));
    }
    fx
}

fn request_values(app: &mut App, entity: Entity, field: FieldId) -> Vec<Effect> {
    let key = (entity, field.clone());
    if app.inspector.values.contains_key(&key) {
        return Vec::new();
    }
    let (id, e) = send(app, Request::FieldValues(entity, field));
    app.inspector.values.insert(key, Values::Loading(id));
    vec![e]
}

fn picker_waits_for(app: &App, key: &(Entity, FieldId)) -> bool {
    match &app.overlay {
        Some(Overlay::Picker(p)) => match &p.step {
            Step::FilterValue { field, .. } => {
                app.inspector.current.as_ref().map(Inspected::entity) == Some(key.0)
                    && field == &key.1
            }
            _ => false,
        },
        _ => false,
    }
}

// ---------------------------------------------------------------------------------------------
// Builder

fn edit_draft(app: &mut App, f: impl FnOnce(&mut QueryRequest)) {
    let Some(mut q) = app.draft() else {
        return;
    };
    f(&mut q);
    app.builder.problem = q.validate().err().map(|p| p.to_string());
    app.builder.drafts.insert(q.source, q);
}

fn field_items<'a>(fields: impl IntoIterator<Item = &'a Field>) -> Vec<Item> {
    fields
        .into_iter()
        .map(|f| {
            let mut detail = f
                .field_type
                .map(FieldType::as_str)
                .unwrap_or("?")
                .to_string();
            if let Some(t) = &f.table_reference {
                detail = format!("{detail} · via {t}");
            }
            let label = if f.label() == f.name {
                f.name.clone()
            } else {
                format!("{} ({})", f.name, f.label())
            };
            Item::new(
                label,
                detail,
                serde_json::to_value(&f.field_id).unwrap_or(Value::Null),
            )
        })
        .collect()
}

fn builder_add(app: &mut App) -> Vec<Effect> {
    let Some(q) = app.draft() else {
        app.builder.problem = Some("open a table or metric first (Enter in the catalog)".into());
        return Vec::new();
    };
    let rows = form_rows(&q);
    let section = rows
        .get(app.builder.cursor.selected)
        .map(|r| r.section())
        .unwrap_or(Section::Filters);
    let fields = app.fields();
    let picker = match section {
        Section::Filters => Picker::new(
            "Filter on which field?",
            Step::FilterField,
            field_items(fields),
        ),
        Section::GroupBy => Picker::new(
            "Group by which field?",
            Step::GroupField,
            field_items(fields),
        ),
        Section::OrderBy => Picker::new(
            "Order by which field?",
            Step::OrderField,
            field_items(fields),
        ),
        Section::Aggregations => {
            let mut items: Vec<Item> = AggFunction::ALL
                .iter()
                .map(|f| {
                    let detail = if f.needs_field() {
                        "of a field"
                    } else {
                        "rows"
                    };
                    Item::new(f.as_str(), detail, json!({ "function": f.as_str() }))
                })
                .collect();
            if let Some(Inspected::Table(t)) = &app.inspector.current {
                items.extend(t.measures.iter().map(|m| {
                    Item::new(
                        format!("measure: {}", m.display_name.as_deref().unwrap_or(&m.name)),
                        m.description.clone().unwrap_or_default(),
                        json!({ "measure_id": m.id }),
                    )
                }));
            }
            Picker::new("Aggregate how?", Step::AggFunction, items)
        }
        Section::Limit => {
            let mut p = Picker::new("Row limit (a positive number)", Step::Limit, Vec::new());
            p.free_text = true;
            p
        }
    };
    app.overlay = Some(Overlay::Picker(picker));
    Vec::new()
}

fn builder_delete(app: &mut App) {
    let Some(q) = app.draft() else {
        return;
    };
    let rows = form_rows(&q);
    let Some(row) = rows.get(app.builder.cursor.selected).copied() else {
        return;
    };
    edit_draft(app, |q| match row {
        FormRow::Item(Section::Filters, i) if i < q.filters.len() => {
            q.filters.remove(i);
        }
        FormRow::Item(Section::Aggregations, i) if i < q.aggregations.len() => {
            q.aggregations.remove(i);
        }
        FormRow::Item(Section::GroupBy, i) if i < q.group_by.len() => {
            q.group_by.remove(i);
        }
        FormRow::Item(Section::OrderBy, i) if i < q.order_by.len() => {
            q.order_by.remove(i);
        }
        FormRow::Section(Section::Limit) => q.limit = None,
        _ => {}
    });
    if let Some(q) = app.draft() {
        app.builder.cursor.clamp(form_rows(&q).len());
    }
}

fn choose_filter_op(app: &mut App, field_id: &FieldId) -> Vec<Effect> {
    let (name, ftype) = match app.field(field_id) {
        Some(f) => (f.name.clone(), f.field_type),
        None => (field_id.to_string(), None),
    };
    let items = FilterOp::for_type(ftype)
        .into_iter()
        .map(|op| Item::new(op.as_str(), arity_hint(op), json!(op.as_str())))
        .collect();
    app.overlay = Some(Overlay::Picker(Picker::new(
        format!("{name}: which operation?"),
        Step::FilterOp {
            field: field_id.clone(),
        },
        items,
    )));
    Vec::new()
}

fn arity_hint(op: FilterOp) -> &'static str {
    match op.arity() {
        Arity::None => "no value",
        Arity::One => "one value",
        Arity::OneOrMany => "one or more values",
    }
}

/// The items of a value picker, from a field's known values.
fn value_items(values: &FieldValues) -> Vec<Item> {
    values
        .values
        .iter()
        .map(|v| {
            let (value, shown) = match v {
                Value::Array(pair) => (
                    pair.first().cloned().unwrap_or(Value::Null),
                    pair.get(1).cloned(),
                ),
                other => (other.clone(), None),
            };
            let label = value_text(&value);
            let detail = shown.map(|s| value_text(&s)).unwrap_or_default();
            Item::new(label, detail, value)
        })
        .collect()
}

pub fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "null".into(),
        other => other.to_string(),
    }
}

fn choose_values(app: &mut App, field: FieldId, op: FilterOp) -> Vec<Effect> {
    let name = app
        .field(&field)
        .map(|f| f.name.clone())
        .unwrap_or_else(|| field.to_string());
    let mut p = Picker::new(
        format!("{name} {op}: type a value or pick one"),
        Step::FilterValue {
            field: field.clone(),
            op,
        },
        Vec::new(),
    );
    p.free_text = true;
    p.multi = op.arity() == Arity::OneOrMany;
    let mut fx = Vec::new();
    if let Some(entity) = app.inspector.current.as_ref().map(Inspected::entity) {
        fx = request_values(app, entity, field.clone());
        match app.inspector.values.get(&(entity, field)) {
            Some(Values::Loaded(v)) => p.items = value_items(v),
            Some(Values::Loading(_)) => p.loading = true,
            _ => {}
        }
    }
    app.overlay = Some(Overlay::Picker(p));
    fx
}

/// A typed value as the field's type wants it.
fn typed_value(text: &str, ftype: Option<FieldType>, op: FilterOp) -> Result<Value, String> {
    if op.is_extraction() {
        return text
            .parse::<i64>()
            .map(Value::from)
            .map_err(|_| format!("`{op}` compares a whole number, not “{text}”"));
    }
    if ftype == Some(FieldType::Number) {
        if let Ok(i) = text.parse::<i64>() {
            return Ok(Value::from(i));
        }
        return text
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
            .ok_or_else(|| format!("this field holds numbers; “{text}” is not one"));
    }
    Ok(Value::String(text.to_string()))
}

fn picker_key(app: &mut App, k: KeyEvent) -> Vec<Effect> {
    let Some(Overlay::Picker(p)) = &mut app.overlay else {
        return Vec::new();
    };
    match k.code {
        KeyCode::Esc => {
            app.overlay = None;
            Vec::new()
        }
        KeyCode::Up => {
            p.step(-1);
            Vec::new()
        }
        KeyCode::Down => {
            p.step(1);
            Vec::new()
        }
        KeyCode::PageUp => {
            p.step(-10);
            Vec::new()
        }
        KeyCode::PageDown => {
            p.step(10);
            Vec::new()
        }
        KeyCode::Tab => {
            p.toggle();
            Vec::new()
        }
        KeyCode::Backspace => {
            p.backspace();
            Vec::new()
        }
        KeyCode::Char(c) if !k.modifiers.contains(KeyModifiers::CONTROL) => {
            p.type_char(c);
            Vec::new()
        }
        KeyCode::Enter => {
            let p = p.clone();
            picker_choose(app, p)
        }
        _ => Vec::new(),
    }
}

fn refuse(app: &mut App, reason: String) -> Vec<Effect> {
    if let Some(Overlay::Picker(p)) = &mut app.overlay {
        p.problem = Some(reason);
    }
    Vec::new()
}

fn picker_choose(app: &mut App, p: Picker) -> Vec<Effect> {
    let chosen: Option<Value> = match p.current() {
        Some(Choice::Item(i)) => p.items.get(i).map(|it| it.value.clone()),
        Some(Choice::Typed(t)) => Some(Value::String(t)),
        None => None,
    };
    let field_of = |v: &Option<Value>| -> Option<FieldId> {
        v.clone().and_then(|v| serde_json::from_value(v).ok())
    };
    match p.step.clone() {
        Step::SwitchUser | Step::CompareUser => users::chosen(app, p.step.clone(), chosen),
        Step::SwitchProfile => profiles::chosen(app, chosen),
        Step::FilterField => match field_of(&chosen) {
            Some(f) => choose_filter_op(app, &f),
            None => refuse(app, "pick a field".into()),
        },
        Step::FilterOp { field } => {
            let Some(op) = chosen
                .as_ref()
                .and_then(Value::as_str)
                .and_then(FilterOp::parse)
            else {
                return refuse(app, "pick an operation".into());
            };
            if op.arity() == Arity::None {
                app.overlay = None;
                edit_draft(app, |q| {
                    q.filters.push(Filter::Field {
                        field_id: field,
                        operation: op,
                        value: None,
                        values: None,
                        bucket: None,
                    })
                });
                return Vec::new();
            }
            choose_values(app, field, op)
        }
        Step::FilterValue { field, op } => {
            let ftype = app.field(&field).and_then(|f| f.field_type);
            let mut values = Vec::new();
            if !p.marked.is_empty() {
                values.extend(
                    p.marked
                        .iter()
                        .filter_map(|i| p.items.get(*i))
                        .map(|it| it.value.clone()),
                );
            } else {
                match p.current() {
                    Some(Choice::Typed(t)) => match typed_value(&t, ftype, op) {
                        Ok(v) => values.push(v),
                        Err(e) => return refuse(app, e),
                    },
                    Some(Choice::Item(i)) => {
                        if let Some(it) = p.items.get(i) {
                            values.push(it.value.clone());
                        }
                    }
                    None => {}
                }
            }
            if values.is_empty() {
                return refuse(app, "type a value or pick one".into());
            }
            if op.arity() == Arity::One && values.len() > 1 {
                return refuse(app, format!("`{op}` takes exactly one value"));
            }
            let (value, values) = if values.len() == 1 {
                (values.pop(), None)
            } else {
                (None, Some(values))
            };
            let filter = Filter::Field {
                field_id: field,
                operation: op,
                value,
                values,
                bucket: None,
            };
            app.overlay = None;
            edit_draft(app, |q| q.filters.push(filter));
            Vec::new()
        }
        Step::AggFunction => {
            let Some(v) = chosen else {
                return refuse(app, "pick a function".into());
            };
            if let Some(measure_id) = v.get("measure_id").and_then(Value::as_i64) {
                app.overlay = None;
                edit_draft(app, |q| {
                    q.aggregations.push(Aggregation::Measure {
                        measure_id,
                        sort_order: None,
                    })
                });
                return Vec::new();
            }
            let Some(function) = v
                .get("function")
                .and_then(Value::as_str)
                .and_then(AggFunction::parse)
            else {
                return refuse(app, "pick a function".into());
            };
            if !function.needs_field() {
                app.overlay = None;
                edit_draft(app, |q| {
                    q.aggregations.push(Aggregation::Function {
                        function,
                        field_id: None,
                        bucket: None,
                        sort_order: None,
                    })
                });
                return Vec::new();
            }
            let numeric_only = matches!(function, AggFunction::Sum | AggFunction::Avg);
            let fields = app
                .fields()
                .into_iter()
                .filter(|f| !numeric_only || f.field_type == Some(FieldType::Number));
            let items = field_items(fields);
            app.overlay = Some(Overlay::Picker(Picker::new(
                format!("{} of which field?", function.as_str()),
                Step::AggField { function },
                items,
            )));
            Vec::new()
        }
        Step::AggField { function } => {
            let Some(field) = field_of(&chosen) else {
                return refuse(app, "pick a field".into());
            };
            app.overlay = None;
            edit_draft(app, |q| {
                q.aggregations.push(Aggregation::Function {
                    function,
                    field_id: Some(field),
                    bucket: None,
                    sort_order: None,
                })
            });
            Vec::new()
        }
        Step::GroupField => {
            let Some(field) = field_of(&chosen) else {
                return refuse(app, "pick a field".into());
            };
            let temporal = app
                .field(&field)
                .and_then(|f| f.field_type)
                .is_some_and(FieldType::is_temporal);
            if temporal {
                let items = TemporalUnit::GRANULARITIES
                    .iter()
                    .map(|u| Item::new(u.as_str(), u.label(), json!(u.as_str())))
                    .collect();
                let mut picker =
                    Picker::new("Which granularity?", Step::GroupUnit { field }, items);
                picker.selected = TemporalUnit::GRANULARITIES
                    .iter()
                    .position(|u| *u == TemporalUnit::Month)
                    .unwrap_or(0);
                app.overlay = Some(Overlay::Picker(picker));
                return Vec::new();
            }
            app.overlay = None;
            edit_draft(app, |q| {
                q.group_by.push(GroupBy {
                    field_id: field,
                    field_granularity: None,
                })
            });
            Vec::new()
        }
        Step::GroupUnit { field } => {
            let unit = chosen
                .as_ref()
                .and_then(Value::as_str)
                .and_then(TemporalUnit::parse);
            app.overlay = None;
            edit_draft(app, |q| {
                q.group_by.push(GroupBy {
                    field_id: field,
                    field_granularity: unit,
                })
            });
            Vec::new()
        }
        Step::OrderField => {
            let Some(field) = field_of(&chosen) else {
                return refuse(app, "pick a field".into());
            };
            let items = vec![
                Item::new("asc", "smallest first", json!("asc")),
                Item::new("desc", "largest first", json!("desc")),
            ];
            app.overlay = Some(Overlay::Picker(Picker::new(
                "Which direction?",
                Step::OrderDir { field },
                items,
            )));
            Vec::new()
        }
        Step::OrderDir { field } => {
            let direction = if chosen.as_ref().and_then(Value::as_str) == Some("desc") {
                SortDir::Desc
            } else {
                SortDir::Asc
            };
            app.overlay = None;
            edit_draft(app, |q| {
                q.order_by.push(OrderBy {
                    field: FieldRef {
                        field_id: field,
                        bucket: None,
                    },
                    direction,
                })
            });
            Vec::new()
        }
        Step::Limit => {
            let text = p.input.trim().to_string();
            match text.parse::<u64>() {
                Ok(n) if n > 0 => {
                    app.overlay = None;
                    edit_draft(app, |q| q.limit = Some(n));
                    Vec::new()
                }
                _ => refuse(
                    app,
                    format!("the limit must be a positive whole number, not “{text}”"),
                ),
            }
        }
    }
}

fn open_editor(app: &mut App) {
    let Some(q) = app.draft() else {
        app.builder.problem = Some("open a table or metric first (Enter in the catalog)".into());
        return;
    };
    let text = serde_json::to_string_pretty(&q.to_body()).unwrap_or_default();
    let mut ta = TextArea::new(text.lines().map(str::to_string).collect());
    ta.set_cursor_line_style(ratatui::style::Style::new());
    app.builder.editor = Some(ta);
    app.builder.problem = None;
}

fn editor_key(app: &mut App, k: KeyEvent) -> Vec<Effect> {
    let Some(ta) = &mut app.builder.editor else {
        return Vec::new();
    };
    match k.code {
        KeyCode::Esc => {
            app.builder.editor = None;
            app.builder.problem = None;
        }
        KeyCode::Char('s') if k.modifiers.contains(KeyModifiers::CONTROL) => {
            let text = ta.lines().join("\n");
            match QueryRequest::from_json(&text) {
                Ok(q) => {
                    let current = app.source();
                    app.builder.problem = (current != Some(q.source)).then(|| {
                        "saved for another table or metric: open it to use this query".to_string()
                    });
                    app.builder.drafts.insert(q.source, q);
                    app.builder.editor = None;
                    app.builder.cursor = Cursor::default();
                }
                Err(p) => app.builder.problem = Some(format!("not applied: {p}")),
            }
        }
        _ => {
            ta.input(k);
        }
    }
    Vec::new()
}

// ---------------------------------------------------------------------------------------------
// Results

pub(super) fn run(app: &mut App) -> Vec<Effect> {
    let Some(mut q) = app.draft() else {
        app.builder.problem = Some("open a table or metric first (Enter in the catalog)".into());
        return Vec::new();
    };
    let name = app
        .inspector
        .current
        .as_ref()
        .map(Inspected::title)
        .unwrap_or_default();
    let preview = q.is_bare() && matches!(q.source, Source::Table(_));
    if preview {
        q.limit = Some(app.settings.preview_rows);
    }
    if let Err(p) = q.validate() {
        app.builder.problem = Some(format!("not sent: {p}"));
        app.focus = Focus::Builder;
        return Vec::new();
    }
    app.builder.problem = None;
    let mut fx = Vec::new();
    if let Run::Running { id, .. } = app.results.run {
        fx.push(cancel(app, id));
    }
    let what = if preview {
        format!("preview of {name}")
    } else {
        format!("query on {name}")
    };
    app.results.query = Some((q.clone(), what.clone()));
    let (id, e) = send(app, Request::Query(q));
    fx.push(e);
    app.results.run = Run::Running {
        id,
        started: app.now,
        what,
    };
    app.focus = Focus::Results;
    fx
}

fn cancel_query(app: &mut App) -> Vec<Effect> {
    let Run::Running { id, what, .. } = &app.results.run else {
        return Vec::new();
    };
    let (id, what) = (*id, what.clone());
    app.results.run = Run::Cancelled { what };
    vec![cancel(app, id)]
}

// ---------------------------------------------------------------------------------------------
// Mouse

fn mouse(app: &mut App, m: MouseEvent) -> Vec<Effect> {
    if app.overlay.is_some() {
        return Vec::new();
    }
    let areas = screen(app);
    let Some(pane) = areas.hit(m.column, m.row) else {
        return Vec::new();
    };
    match m.kind {
        MouseEventKind::ScrollDown => move_in(app, pane, 3),
        MouseEventKind::ScrollUp => move_in(app, pane, -3),
        MouseEventKind::Down(MouseButton::Left) => {
            app.focus = pane;
            if pane != Focus::Catalog {
                app.catalog.editing = false;
            }
            click(app, pane, areas.pane(pane), m.column, m.row)
        }
        _ => Vec::new(),
    }
}

/// The row of a list under a click, given the list's area and its selected row.
fn clicked_row(list: Rect, selected: usize, x: u16, y: u16) -> Option<usize> {
    if !list.contains((x, y).into()) {
        return None;
    }
    let offset = list_offset(selected, usize::from(list.height));
    Some(offset + usize::from(y - list.y))
}

fn click(app: &mut App, pane: Focus, rect: Rect, x: u16, y: u16) -> Vec<Effect> {
    match pane {
        Focus::Catalog => {
            let (search, list) = layout::catalog_parts(rect);
            if search.contains((x, y).into()) {
                app.catalog.editing = true;
            } else if let Some(i) = clicked_row(list, app.catalog.cursor.selected, x, y)
                && i < app.catalog.entries().len()
            {
                app.catalog.editing = false;
                app.catalog.cursor.selected = i;
            }
            Vec::new()
        }
        Focus::Inspector => {
            let (_, list, _) = layout::inspector_parts(rect);
            let rows = app.inspector.rows();
            if let Some(i) = clicked_row(list, app.inspector.cursor.selected, x, y)
                && rows.get(i).is_some_and(|r| r.selectable())
            {
                app.inspector.cursor.selected = i;
                return fetch_values(app);
            }
            Vec::new()
        }
        Focus::Builder => {
            let (form, _, _) = layout::builder_parts(rect, builder_rows(app));
            if let Some(q) = app.draft()
                && let Some(i) = clicked_row(form, app.builder.cursor.selected, x, y)
                && i < form_rows(&q).len()
            {
                app.builder.cursor.selected = i;
            }
            Vec::new()
        }
        Focus::Results => {
            let area = grid_area(rect);
            if let Some(g) = &mut app.results.grid
                && let Some((row, col)) = crate::grid::GridView::new(g).cell_at(area, x, y)
            {
                g.select(row, col);
            }
            Vec::new()
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Answers

fn answer(app: &mut App, a: Answer) -> Vec<Effect> {
    // Cancelled or superseded requests are no longer pending: drop what they bring.
    let Some(label) = app.pending.remove(&a.id) else {
        return Vec::new();
    };
    let error = match &a.reply {
        Reply::Era(Err(e))
        | Reply::Search(Err(e))
        | Reply::Databases(Err(e))
        | Reply::Database(Err(e))
        | Reply::Table(Err(e))
        | Reply::Metric(Err(e))
        | Reply::FieldValues(Err(e))
        | Reply::Distribution(Err(e))
        | Reply::Query(Err(e))
        | Reply::More(Err(e)) => Some(e.clone()),
        _ => None,
    };
    // The database list is a capability probe: a server without one is not an error to flag.
    if !matches!(a.reply, Reply::Databases(Err(_))) {
        app.last = Some(LastRequest {
            label,
            error,
            elapsed: a.elapsed,
        });
    }
    app.auth = a.auth;
    let id = a.id;
    match a.reply {
        Reply::Era(r) => {
            app.era = r.ok();
            Vec::new()
        }
        Reply::Search(r) => {
            if app.catalog.search != Some(id) {
                return Vec::new();
            }
            app.catalog.search = None;
            match r {
                Ok(res) => {
                    app.catalog.hits = res.data;
                    app.catalog.searched = Some(app.catalog.query.trim().to_string());
                    app.catalog.error = None;
                    app.catalog.cursor.clamp(app.catalog.hits.len());
                }
                Err(e) => app.catalog.error = Some(e),
            }
            Vec::new()
        }
        Reply::Databases(r) => {
            if !matches!(app.catalog.browse, Browse::Loading(l) if l == id) {
                return Vec::new();
            }
            app.catalog.browse = match r {
                Ok(dbs) => Browse::Loaded(
                    dbs.into_iter()
                        .map(|db| DbNode {
                            db,
                            tables: Tables::Collapsed,
                        })
                        .collect(),
                ),
                Err(e) => Browse::Unavailable(e),
            };
            Vec::new()
        }
        Reply::Database(r) => {
            if let Browse::Loaded(dbs) = &mut app.catalog.browse
                && let Some(node) = dbs
                    .iter_mut()
                    .find(|n| matches!(n.tables, Tables::Loading(l) if l == id))
            {
                node.tables = match r {
                    Ok(d) => Tables::Expanded(d.tables),
                    Err(e) => Tables::Failed(e),
                };
            }
            Vec::new()
        }
        Reply::Table(r) => inspected(app, id, r.map(Inspected::Table)),
        Reply::Metric(r) => inspected(app, id, r.map(Inspected::Metric)),
        Reply::FieldValues(r) => {
            let key = app
                .inspector
                .values
                .iter()
                .find(|(_, v)| matches!(v, Values::Loading(l) if *l == id))
                .map(|(k, _)| k.clone());
            let Some(key) = key else {
                return Vec::new();
            };
            let waiting = picker_waits_for(app, &key);
            if waiting && let (Some(Overlay::Picker(p)), Ok(v)) = (&mut app.overlay, &r) {
                p.items = value_items(v);
                p.loading = false;
            } else if waiting && let Some(Overlay::Picker(p)) = &mut app.overlay {
                p.loading = false;
            }
            let v = match r {
                Ok(v) => Values::Loaded(Box::new(v)),
                Err(e) => Values::Failed(e),
            };
            app.inspector.values.insert(key.clone(), v);
            distribution::request(app, key.0, &key.1)
        }
        Reply::Distribution(r) => {
            distribution::loaded(app, id, r);
            Vec::new()
        }
        Reply::Query(r) => {
            let Run::Running {
                id: running, what, ..
            } = &app.results.run
            else {
                return Vec::new();
            };
            if *running != id {
                return Vec::new();
            }
            let what = what.clone();
            let record = history_keys::record(app, &r, a.elapsed);
            app.results.run = match r {
                Ok(result) => {
                    let mut grid = crate::grid::Grid::new(result.result);
                    grid.set_row_cap(result.row_cap);
                    grid.set_more_available(result.next.is_some());
                    app.results.grid = Some(grid);
                    app.results.next = result.next;
                    app.results.loading_more = None;
                    app.results.search = None;
                    app.results.notice = None;
                    Run::Done {
                        row_count: result.row_count,
                        running_time_ms: result.running_time_ms,
                        elapsed: a.elapsed,
                        what,
                    }
                }
                Err(error) => {
                    app.results.grid = None;
                    app.results.next = None;
                    Run::Failed { error, what }
                }
            };
            record.into_iter().collect()
        }
        Reply::More(r) => {
            grid_keys::more_rows(app, id, r);
            Vec::new()
        }
        Reply::Compare(c) => {
            users::compared(app, id, *c);
            Vec::new()
        }
    }
}

fn inspected(app: &mut App, id: ReqId, r: Result<Inspected, String>) -> Vec<Effect> {
    if !matches!(app.inspector.loading, Some((l, _)) if l == id) {
        return Vec::new();
    }
    app.inspector.loading = None;
    match r {
        Ok(item) => {
            let rows = item.rows();
            app.inspector.current = Some(item);
            let first = step_selectable(&rows, 0, 0);
            app.inspector.cursor.selected = app
                .inspector
                .restore_row
                .take()
                .filter(|r| rows.get(*r).is_some_and(|x| x.selectable()))
                .unwrap_or(first);
            app.builder.cursor = Cursor::default();
            app.builder.problem = None;
            app.builder.editor = None;
            app.inspector.error = None;
            fetch_values(app)
        }
        Err(e) => {
            app.inspector.error = Some(e);
            Vec::new()
        }
    }
}
