//! The request log overlay: open it, follow the log as it grows, move between calls, scroll
//! the bodies, and copy a call as curl or its response.

use super::msg::{Effect, Res};
use super::state::{App, LogView, Overlay};
use crossterm::event::{KeyCode, KeyEvent};

pub fn open(app: &mut App) -> Vec<Effect> {
    let entries = app
        .request_log
        .as_ref()
        .map(|l| l.entries())
        .unwrap_or_default();
    let selected = entries.len().saturating_sub(1);
    app.overlay = Some(Overlay::Log(LogView {
        entries,
        selected,
        ..LogView::default()
    }));
    Vec::new()
}

/// The log grew: take the new entries; a selection on the newest call follows the newest.
pub fn refresh(app: &mut App) {
    let Some(Overlay::Log(v)) = &mut app.overlay else {
        return;
    };
    let Some(log) = &app.request_log else {
        return;
    };
    let following = v.selected + 1 >= v.entries.len();
    let selected_id = v.selected_entry().map(|e| e.id);
    v.entries = log.entries();
    v.selected = if following {
        v.entries.len().saturating_sub(1)
    } else {
        selected_id
            .and_then(|id| v.entries.iter().position(|e| e.id == id))
            .unwrap_or(0)
    };
}

pub fn key(app: &mut App, k: KeyEvent) -> Vec<Effect> {
    let Some(Overlay::Log(v)) = &mut app.overlay else {
        return Vec::new();
    };
    let n = v.entries.len();
    let confirm = std::mem::take(&mut v.confirm_inline);
    let moved = |v: &mut LogView, to: usize| {
        v.selected = to.min(n.saturating_sub(1));
        v.scroll = 0;
        v.notice = None;
    };
    match k.code {
        KeyCode::Esc | KeyCode::Char('q') | KeyCode::Char('L') => app.overlay = None,
        KeyCode::Up | KeyCode::Char('k') => {
            let to = v.selected.saturating_sub(1);
            moved(v, to);
        }
        KeyCode::Down | KeyCode::Char('j') => {
            let to = v.selected + 1;
            moved(v, to);
        }
        KeyCode::Char('g') | KeyCode::Home => moved(v, 0),
        KeyCode::Char('G') | KeyCode::End => moved(v, n),
        KeyCode::PageDown | KeyCode::Char(' ') => v.scroll = v.scroll.saturating_add(10),
        KeyCode::PageUp => v.scroll = v.scroll.saturating_sub(10),
        KeyCode::Char('J') => v.scroll = v.scroll.saturating_add(1),
        KeyCode::Char('K') => v.scroll = v.scroll.saturating_sub(1),
        KeyCode::Char('y') => {
            if let Some(e) = v.selected_entry() {
                let curl = e.to_curl(None);
                v.notice = Some("copied as curl (it reads the token from $MBX_TOKEN)".into());
                return vec![Effect::Copy(curl)];
            }
        }
        KeyCode::Char('Y') => {
            if let Some(e) = v.selected_entry() {
                let body = pretty(&e.response_preview);
                v.notice = Some("copied the response".into());
                return vec![Effect::Copy(body)];
            }
        }
        KeyCode::Char('T') => {
            let Some(entry) = v.selected_entry().map(|e| e.id) else {
                return Vec::new();
            };
            if confirm {
                v.notice = Some("signing a fresh token…".into());
                return vec![Effect::CurlWithToken { entry }];
            }
            v.confirm_inline = true;
            v.notice = Some(
                "T again copies the curl WITH A LIVE TOKEN inlined (valid three minutes): anyone who sees it can act as this user"
                    .into(),
            );
        }
        _ => {}
    }
    Vec::new()
}

/// The fresh-token curl is ready (or could not be made).
pub fn inline_curl(app: &mut App, r: Res<String>) -> Vec<Effect> {
    let note = match &r {
        Ok(_) => {
            "copied as curl with a fresh token inlined (it expires in three minutes)".to_string()
        }
        Err(e) => e.clone(),
    };
    if let Some(Overlay::Log(v)) = &mut app.overlay {
        v.notice = Some(note);
    }
    match r {
        Ok(curl) => vec![Effect::Copy(curl)],
        Err(_) => Vec::new(),
    }
}

/// A body pretty-printed when it is JSON, as it came otherwise.
pub fn pretty(text: &str) -> String {
    serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| text.to_string())
}
