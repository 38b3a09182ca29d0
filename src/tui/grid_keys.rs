//! What the results pane's keys do to the grid: sort, search, freeze, widen, hide, the cell
//! popup, copies, the chart toggle, export and "load more". Pure state changes plus effects.

use super::keymap::Action;
use super::msg::{Effect, ReqId, Request, Res};
use super::state::{App, Export, Overlay, Run};
use super::update::send;
use crate::api::types::QueryResult;
use crate::export::{ExportDone, ExportFormat, ExportProgress};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::path::PathBuf;
use std::sync::Arc;

/// Keys while the results' search box or the export prompt is open; `None` when neither is.
pub fn typing(app: &mut App, k: KeyEvent) -> Option<Vec<Effect>> {
    if app.results.search.is_some() {
        search_key(app, k);
        return Some(Vec::new());
    }
    if matches!(app.results.export, Some(Export::Prompt(_))) {
        return Some(export_key(app, k));
    }
    None
}

fn typed_char(k: &KeyEvent) -> Option<char> {
    match k.code {
        KeyCode::Char(c) if !k.modifiers.contains(KeyModifiers::CONTROL) => Some(c),
        _ => None,
    }
}

/// Searches as the user types; Enter keeps the matches (n / N move), Esc clears them.
fn search_key(app: &mut App, k: KeyEvent) {
    let Some(query) = &mut app.results.search else {
        return;
    };
    match k.code {
        KeyCode::Esc => {
            app.results.search = None;
            if let Some(g) = &mut app.results.grid {
                g.clear_search();
            }
            return;
        }
        KeyCode::Enter => {
            app.results.search = None;
            return;
        }
        KeyCode::Backspace => {
            query.pop();
        }
        _ => match typed_char(&k) {
            Some(c) => query.push(c),
            None => return,
        },
    }
    let q = query.clone();
    if let Some(g) = &mut app.results.grid {
        g.search(&q);
    }
}

fn export_key(app: &mut App, k: KeyEvent) -> Vec<Effect> {
    let Some(Export::Prompt(path)) = &mut app.results.export else {
        return Vec::new();
    };
    match k.code {
        KeyCode::Esc => app.results.export = None,
        KeyCode::Backspace => {
            path.pop();
        }
        KeyCode::Enter => {
            let path = path.trim().to_string();
            return start_export(app, path);
        }
        _ => {
            if let Some(c) = typed_char(&k) {
                path.push(c);
            }
        }
    }
    Vec::new()
}

fn start_export(app: &mut App, path: String) -> Vec<Effect> {
    let Some(grid) = &app.results.grid else {
        app.results.export = None;
        return Vec::new();
    };
    if path.is_empty() {
        app.results.export = Some(Export::Failed("type a file name to export to".into()));
        return Vec::new();
    }
    let file = PathBuf::from(&path);
    let Some(format) = ExportFormat::from_path_extension(&file) else {
        app.results.export = Some(Export::Prompt(path));
        app.results.notice = Some("end the file name with .csv, .json or .jsonl".into());
        return Vec::new();
    };
    // The rows as received, in the server's order: the file matches the headless export.
    let rows = Arc::new(grid.result().clone());
    let total = rows.row_count();
    let id = app.next_id;
    app.next_id += 1;
    app.pending.insert(id, format!("export to {path}"));
    app.results.notice = None;
    app.results.export = Some(Export::Running {
        id,
        path,
        progress: ExportProgress { done: 0, total },
    });
    vec![Effect::Export {
        id,
        rows,
        path: file,
        format,
    }]
}

pub fn export_progress(app: &mut App, id: ReqId, p: ExportProgress) {
    if let Some(Export::Running {
        id: running,
        progress,
        ..
    }) = &mut app.results.export
        && *running == id
    {
        *progress = p;
    }
}

pub fn export_done(app: &mut App, id: ReqId, r: Res<ExportDone>) {
    app.pending.remove(&id);
    if !matches!(&app.results.export, Some(Export::Running { id: running, .. }) if *running == id) {
        return;
    }
    app.results.export = Some(match r {
        Ok(d) => Export::Done(format!("wrote {} rows to {}", d.rows, d.path.display())),
        Err(e) => Export::Failed(e),
    });
}

/// The next page arrived: append it and remember where the one after is.
pub fn more_rows(app: &mut App, id: ReqId, r: Res<QueryResult>) {
    if app.results.loading_more != Some(id) {
        return;
    }
    app.results.loading_more = None;
    match r {
        Ok(page) => {
            if let Some(g) = &mut app.results.grid {
                g.append(page.result);
                g.set_more_available(page.next.is_some());
            }
            app.results.next = page.next;
            app.results.notice = None;
        }
        Err(e) => app.results.notice = Some(format!("more rows failed: {e}")),
    }
}

fn export_title(app: &App) -> String {
    app.inspector
        .current
        .as_ref()
        .map(|i| match i {
            super::state::Inspected::Table(t) => t.name.clone(),
            super::state::Inspected::Metric(m) => m.name.clone(),
        })
        .unwrap_or_else(|| "results".into())
}

pub fn act(app: &mut App, action: Action) -> Vec<Effect> {
    if !matches!(app.results.run, Run::Done { .. }) {
        return Vec::new();
    }
    // A finished export's line stays until the next thing done here.
    if matches!(
        app.results.export,
        Some(Export::Done(_) | Export::Failed(_))
    ) {
        app.results.export = None;
    }
    if action == Action::LoadMore {
        return load_more(app);
    }
    if action == Action::Export {
        let name = crate::export::default_file_name(&export_title(app), ExportFormat::Csv);
        app.results.export = Some(Export::Prompt(name));
        app.results.notice = None;
        return Vec::new();
    }
    let Some(g) = &mut app.results.grid else {
        return Vec::new();
    };
    app.results.notice = None;
    let copied = |what: &str, text: String| {
        let lines = text.lines().count().max(1);
        let note = if lines > 1 {
            format!("copied the {what} ({lines} lines) to the clipboard")
        } else {
            format!(
                "copied the {what} ({} characters) to the clipboard",
                text.chars().count()
            )
        };
        (note, vec![Effect::Copy(text)])
    };
    let (note, fx) = match action {
        Action::Open => {
            if let Some(d) = g.cell_detail() {
                app.overlay = Some(Overlay::Cell(d, 0));
            }
            return Vec::new();
        }
        Action::Sort => {
            g.toggle_sort();
            return Vec::new();
        }
        Action::SearchGrid => {
            app.results.chart = false;
            app.results.search = Some(g.search_query().unwrap_or_default().to_string());
            return Vec::new();
        }
        Action::NextMatch => {
            g.next_match();
            return Vec::new();
        }
        Action::PrevMatch => {
            g.previous_match();
            return Vec::new();
        }
        Action::Freeze => {
            let (_, col) = g.cursor();
            let pos = g
                .shown_columns()
                .iter()
                .position(|c| *c == col)
                .unwrap_or(0);
            let n = if g.frozen_count() == pos + 1 {
                0
            } else {
                pos + 1
            };
            g.set_frozen(n);
            return Vec::new();
        }
        Action::Widen | Action::Narrow => {
            g.resize_column(if action == Action::Widen { 1 } else { -1 });
            return Vec::new();
        }
        Action::Hide => {
            g.hide_column();
            return Vec::new();
        }
        Action::UnhideAll => {
            g.unhide_all();
            return Vec::new();
        }
        Action::Chart => {
            app.results.chart = !app.results.chart;
            return Vec::new();
        }
        Action::CopyCell => copied("cell", g.copy_cell()),
        Action::CopyRow => copied("row", g.copy_row()),
        Action::CopyColumn => copied("column", g.copy_column()),
        _ => return Vec::new(),
    };
    app.results.notice = Some(note);
    fx
}

fn load_more(app: &mut App) -> Vec<Effect> {
    if app.results.loading_more.is_some() {
        return Vec::new();
    }
    let Some(cursor) = app.results.next.clone() else {
        app.results.notice = Some("every row is loaded: the server has no more".into());
        return Vec::new();
    };
    let (id, e) = send(app, Request::NextPage(cursor));
    app.results.loading_more = Some(id);
    app.results.notice = Some("loading more rows…".into());
    vec![e]
}
