//! The history overlay: every query run (recorded by the runner unless `--no-history`), to
//! re-run, to edit in the builder, or to star.

use super::msg::{Effect, RecordRun, Request, Res};
use super::state::{App, Focus, HistoryView, Overlay, Run};
use super::update::{inspect, send};
use crate::api::types::QueryResult;
use crate::query::QueryRequest;
use crossterm::event::{KeyCode, KeyEvent};
use std::time::Duration;

/// The history entry for a query that just finished, if one was being run.
pub fn record(app: &App, r: &Res<QueryResult>, elapsed: Duration) -> Option<Effect> {
    let (q, _) = app.results.query.as_ref()?;
    Some(Effect::Record(RecordRun {
        profile: app.history_profile(),
        user: app.session.email.clone(),
        body: q.to_body().to_string(),
        row_count: r.as_ref().ok().map(|q| q.row_count),
        elapsed_ms: u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
        failed: r.as_ref().err().cloned(),
    }))
}

pub fn open(app: &mut App) -> Vec<Effect> {
    app.overlay = Some(Overlay::History(HistoryView {
        loading: true,
        ..HistoryView::default()
    }));
    vec![Effect::LoadHistory {
        profile: app.history_profile(),
        starred_only: false,
    }]
}

pub fn loaded(app: &mut App, r: Res<Vec<crate::history::Run>>) {
    let Some(Overlay::History(v)) = &mut app.overlay else {
        return;
    };
    v.loading = false;
    match r {
        Ok(runs) => {
            v.runs = runs;
            v.selected = v.selected.min(v.runs.len().saturating_sub(1));
            v.error = None;
        }
        Err(e) => v.error = Some(e),
    }
}

pub fn key(app: &mut App, k: KeyEvent) -> Vec<Effect> {
    let profile = app.history_profile();
    let Some(Overlay::History(v)) = &mut app.overlay else {
        return Vec::new();
    };
    let n = v.runs.len();
    match k.code {
        KeyCode::Esc | KeyCode::Char('q') | KeyCode::Char('H') => app.overlay = None,
        KeyCode::Up | KeyCode::Char('k') => v.selected = v.selected.saturating_sub(1),
        KeyCode::Down | KeyCode::Char('j') => {
            v.selected = (v.selected + 1).min(n.saturating_sub(1))
        }
        KeyCode::Char('*') => {
            v.starred_only = !v.starred_only;
            v.loading = true;
            v.selected = 0;
            return vec![Effect::LoadHistory {
                profile,
                starred_only: v.starred_only,
            }];
        }
        KeyCode::Char('s') => {
            if let Some(run) = v.runs.get(v.selected) {
                v.loading = true;
                return vec![Effect::Star {
                    profile,
                    id: run.id,
                    starred: !run.starred,
                    starred_only: v.starred_only,
                }];
            }
        }
        KeyCode::Enter | KeyCode::Char('e') => {
            let Some(run) = v.runs.get(v.selected) else {
                return Vec::new();
            };
            match QueryRequest::from_json(&run.body) {
                Ok(q) => return reuse(app, q, k.code == KeyCode::Enter),
                Err(p) => v.error = Some(format!("this run cannot be reused: {p}")),
            }
        }
        _ => {}
    }
    Vec::new()
}

/// Puts a past query in the builder (opening its table or metric); Enter also runs it.
fn reuse(app: &mut App, q: QueryRequest, run_now: bool) -> Vec<Effect> {
    app.overlay = None;
    app.builder.drafts.insert(q.source, q.clone());
    app.builder.problem = None;
    let mut fx = Vec::new();
    if app.source() != Some(q.source) {
        app.inspector.history.clear();
        fx.extend(inspect(app, q.source, None));
    }
    if !run_now {
        app.focus = Focus::Builder;
        return fx;
    }
    if let Run::Running { id, .. } = app.results.run {
        fx.push(super::update::cancel(app, id));
    }
    let what = "query from the history".to_string();
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
