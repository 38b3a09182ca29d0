//! Acting as other users: switching who the explorer is (everything reloads as them) and
//! comparing what two users get for the same search, table or query.

use super::msg::{CompareWhat, Effect, ReqId, User};
use super::picker::{Item, Picker, Step};
use super::state::*;
use super::update::{cancel, inspect, load_databases, search_due};
use crate::api::types::SearchRequest;
use crate::compare::Comparison;
use crossterm::event::{KeyCode, KeyEvent};
use serde_json::Value;

fn user_picker(app: &App, title: &str, step: Step) -> Picker {
    let items = app
        .users
        .iter()
        .map(|u| {
            let now = if u.email == app.session.email {
                "(you now)"
            } else {
                ""
            };
            let text = std::iter::once(u.email.as_str())
                .chain(u.groups.iter().map(String::as_str))
                .collect::<Vec<_>>()
                .join(", ");
            Item::new(u.label(), now, Value::String(text))
        })
        .collect();
    let mut p = Picker::new(title, step, items);
    p.free_text = true;
    p
}

pub fn open_switch(app: &mut App) -> Vec<Effect> {
    let p = user_picker(
        app,
        "Act as which user? (type an email, optionally “, group, group”)",
        Step::SwitchUser,
    );
    app.overlay = Some(Overlay::Picker(p));
    Vec::new()
}

/// What a comparison would run now: the focused pane's thing first, then whatever exists.
fn compare_target(app: &App) -> Option<CompareWhat> {
    let search = || {
        let term = app.catalog.searched.clone()?;
        Some(CompareWhat::Search(SearchRequest {
            term_queries: vec![term],
            limit: Some(50),
            ..SearchRequest::default()
        }))
    };
    let table = || match &app.inspector.current {
        Some(Inspected::Table(t)) => Some(CompareWhat::Table(t.id, t.name.clone())),
        _ => None,
    };
    let query = || {
        let (q, what) = app.results.query.clone()?;
        Some(CompareWhat::Query(q, what))
    };
    match app.focus {
        Focus::Catalog => search().or_else(table).or_else(query),
        Focus::Inspector => table().or_else(query).or_else(search),
        Focus::Builder | Focus::Results => query().or_else(table).or_else(search),
    }
}

pub fn open_compare(app: &mut App) -> Vec<Effect> {
    let Some(what) = compare_target(app) else {
        app.overlay = Some(Overlay::Error(
            "Nothing to compare yet: search the catalog, open a table, or run a query first."
                .into(),
        ));
        return Vec::new();
    };
    let title = format!("Compare the {} with which user?", what.label());
    app.overlay = Some(Overlay::Picker(user_picker(app, &title, Step::CompareUser)));
    Vec::new()
}

/// A user was picked (or typed) in one of the two pickers.
pub fn chosen(app: &mut App, step: Step, value: Option<Value>) -> Vec<Effect> {
    let Some(user) = value.as_ref().and_then(Value::as_str).and_then(User::parse) else {
        if let Some(Overlay::Picker(p)) = &mut app.overlay {
            p.problem =
                Some("type an email address (name@example.com), then optionally “, group”".into());
        }
        return Vec::new();
    };
    app.overlay = None;
    // Most recent first, here and in the history.
    app.users.retain(|u| *u != user);
    app.users.insert(0, user.clone());
    let remember = Effect::RememberUser {
        profile: app.history_profile(),
        user: user.clone(),
    };
    let mut fx = match step {
        Step::CompareUser => start_compare(app, user),
        _ => switch(app, user),
    };
    fx.push(remember);
    fx
}

/// Users remembered from earlier sessions join the pickers, after those of this session.
pub fn seen(app: &mut App, seen: Vec<User>) {
    for u in seen {
        if !app.users.contains(&u) {
            app.users.push(u);
        }
    }
}

fn start_compare(app: &mut App, other: User) -> Vec<Effect> {
    let Some(what) = compare_target(app) else {
        return Vec::new();
    };
    let id = app.next_id;
    app.next_id += 1;
    let label = what.label();
    app.pending.insert(id, format!("compare {label}"));
    app.overlay = Some(Overlay::Compare(CompareView {
        id,
        what: label,
        other: other.email.clone(),
        result: None,
        scroll: 0,
    }));
    vec![Effect::Compare { id, other, what }]
}

pub fn compared(app: &mut App, id: ReqId, c: Comparison) {
    if let Some(Overlay::Compare(v)) = &mut app.overlay
        && v.id == id
    {
        v.result = Some(Box::new(c));
    }
}

pub fn compare_key(app: &mut App, k: KeyEvent) -> Vec<Effect> {
    let Some(Overlay::Compare(v)) = &mut app.overlay else {
        return Vec::new();
    };
    match k.code {
        KeyCode::Down | KeyCode::Char('j') => v.scroll = v.scroll.saturating_add(1),
        KeyCode::Up | KeyCode::Char('k') => v.scroll = v.scroll.saturating_sub(1),
        KeyCode::PageDown | KeyCode::Char(' ') => v.scroll = v.scroll.saturating_add(10),
        KeyCode::PageUp => v.scroll = v.scroll.saturating_sub(10),
        KeyCode::Esc | KeyCode::Enter | KeyCode::Char('q') => {
            let running = v.result.is_none().then_some(v.id);
            app.overlay = None;
            if let Some(id) = running {
                return vec![cancel(app, id)];
            }
        }
        _ => {}
    }
    Vec::new()
}

/// Everything in flight is dropped; what is on screen is fetched again as `user`.
fn switch(app: &mut App, user: User) -> Vec<Effect> {
    let mut fx: Vec<Effect> = app
        .pending
        .keys()
        .copied()
        .collect::<Vec<_>>()
        .into_iter()
        .map(|id| cancel(app, id))
        .collect();
    fx.push(Effect::SwitchUser(user.clone()));
    app.session.email = user.email;
    app.auth = Default::default();
    app.last = None;
    // Catalog: the same search (or the database list) as the new user.
    app.catalog.search = None;
    app.catalog.hits.clear();
    app.catalog.error = None;
    app.catalog.browse = Browse::NotLoaded;
    fx.extend(load_databases(app));
    if app.catalog.browsing() {
        app.catalog.searched = None;
    } else {
        app.catalog.generation += 1;
        let generation = app.catalog.generation;
        fx.extend(search_due(app, generation));
    }
    // Inspector: the same table or metric, field values fetched again.
    app.inspector.values.clear();
    app.inspector.loading = None;
    if let Some(source) = app.source() {
        let row = app.inspector.cursor.selected;
        fx.extend(inspect(app, source, Some(row)));
    }
    // Results: the same query again, if one had run.
    app.results.loading_more = None;
    app.results.export = None;
    let had_query = !matches!(app.results.run, Run::Idle) && app.results.query.is_some();
    app.results.run = Run::Idle;
    app.results.grid = None;
    if had_query && let Some((q, what)) = app.results.query.clone() {
        let focus = app.focus;
        fx.extend(rerun(app, q, what));
        app.focus = focus;
    }
    fx
}

fn rerun(app: &mut App, q: crate::query::QueryRequest, what: String) -> Vec<Effect> {
    let (id, e) = super::update::send(app, super::msg::Request::Query(q.clone()));
    app.results.query = Some((q, what.clone()));
    app.results.run = Run::Running {
        id,
        started: app.now,
        what,
    };
    vec![e]
}
