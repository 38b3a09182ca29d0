//! Actions and their default keys, as data: the `?` help, the status-bar hints and any later
//! override file all read the same table.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::fmt;

/// Everything a key can do. Names are stable (`snake_case`) so that a keys file can refer to them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    Quit,
    ForceQuit,
    Help,
    FocusNext,
    FocusPrev,
    FocusSearch,
    Zoom,
    Up,
    Down,
    Left,
    Right,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Open,
    Back,
    Run,
    Add,
    Delete,
    EditJson,
    Clear,
    SwitchUser,
    Compare,
    RequestLog,
    Sort,
    SearchGrid,
    NextMatch,
    PrevMatch,
    Freeze,
    Widen,
    Narrow,
    Hide,
    UnhideAll,
    CopyCell,
    CopyRow,
    CopyColumn,
    Chart,
    Export,
    LoadMore,
    History,
}

impl Action {
    pub fn name(self) -> &'static str {
        match self {
            Action::Quit => "quit",
            Action::ForceQuit => "force_quit",
            Action::Help => "help",
            Action::FocusNext => "focus_next",
            Action::FocusPrev => "focus_prev",
            Action::FocusSearch => "focus_search",
            Action::Zoom => "zoom",
            Action::Up => "up",
            Action::Down => "down",
            Action::Left => "left",
            Action::Right => "right",
            Action::PageUp => "page_up",
            Action::PageDown => "page_down",
            Action::Top => "top",
            Action::Bottom => "bottom",
            Action::Open => "open",
            Action::Back => "back",
            Action::Run => "run",
            Action::Add => "add",
            Action::Delete => "delete",
            Action::EditJson => "edit_json",
            Action::Clear => "clear",
            Action::SwitchUser => "switch_user",
            Action::Compare => "compare",
            Action::RequestLog => "request_log",
            Action::Sort => "sort",
            Action::SearchGrid => "search_results",
            Action::NextMatch => "next_match",
            Action::PrevMatch => "previous_match",
            Action::Freeze => "freeze",
            Action::Widen => "widen",
            Action::Narrow => "narrow",
            Action::Hide => "hide_column",
            Action::UnhideAll => "unhide_all",
            Action::CopyCell => "copy_cell",
            Action::CopyRow => "copy_row",
            Action::CopyColumn => "copy_column",
            Action::Chart => "chart",
            Action::Export => "export",
            Action::LoadMore => "load_more",
            Action::History => "history",
        }
    }
}

/// Where a binding applies. Pane scopes are looked up before `Global`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scope {
    Global,
    Catalog,
    Inspector,
    Builder,
    Results,
}

impl Scope {
    pub fn title(self) -> &'static str {
        match self {
            Scope::Global => "Everywhere",
            Scope::Catalog => "Catalog",
            Scope::Inspector => "Inspector",
            Scope::Builder => "Builder",
            Scope::Results => "Results",
        }
    }
}

/// One key with its modifiers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

impl Key {
    pub const fn plain(code: KeyCode) -> Key {
        Key {
            code,
            mods: KeyModifiers::NONE,
        }
    }

    pub const fn ch(c: char) -> Key {
        Key::plain(KeyCode::Char(c))
    }

    pub const fn ctrl(c: char) -> Key {
        Key {
            code: KeyCode::Char(c),
            mods: KeyModifiers::CONTROL,
        }
    }

    /// Whether a terminal event is this key. Shift is ignored for characters (the character
    /// already says it) and BackTab arrives with or without Shift depending on the terminal.
    pub fn matches(&self, ev: &KeyEvent) -> bool {
        if self.code != ev.code {
            return false;
        }
        let relevant = KeyModifiers::CONTROL | KeyModifiers::ALT;
        match ev.code {
            KeyCode::Char(_) | KeyCode::BackTab => {
                (ev.modifiers & relevant) == (self.mods & relevant)
            }
            _ => ev.modifiers == self.mods,
        }
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mods.contains(KeyModifiers::CONTROL) {
            f.write_str("Ctrl-")?;
        }
        if self.mods.contains(KeyModifiers::ALT) {
            f.write_str("Alt-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("Space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Enter => f.write_str("Enter"),
            KeyCode::Esc => f.write_str("Esc"),
            KeyCode::Tab => f.write_str("Tab"),
            KeyCode::BackTab => f.write_str("Shift-Tab"),
            KeyCode::Backspace => f.write_str("Backspace"),
            KeyCode::Delete => f.write_str("Del"),
            KeyCode::Up => f.write_str("↑"),
            KeyCode::Down => f.write_str("↓"),
            KeyCode::Left => f.write_str("←"),
            KeyCode::Right => f.write_str("→"),
            KeyCode::PageUp => f.write_str("PgUp"),
            KeyCode::PageDown => f.write_str("PgDn"),
            KeyCode::Home => f.write_str("Home"),
            KeyCode::End => f.write_str("End"),
            KeyCode::F(n) => write!(f, "F{n}"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// An action, the keys that trigger it in one scope, and what it does there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Binding {
    pub scope: Scope,
    pub action: Action,
    pub keys: Vec<Key>,
    pub help: &'static str,
    /// Shown in the status bar's key hints for this scope.
    pub hint: bool,
}

/// The bindings in force.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Keymap {
    pub bindings: Vec<Binding>,
}

use KeyCode as K;

/// (scope, action, keys, help, hint)
type Row = (Scope, Action, &'static [Key], &'static str, bool);

const DEFAULTS: &[Row] = &[
    (Scope::Global, Action::Quit, &[Key::ch('q')], "quit", true),
    (
        Scope::Global,
        Action::ForceQuit,
        &[Key::ctrl('c')],
        "quit from anywhere",
        false,
    ),
    (
        Scope::Global,
        Action::Help,
        &[Key::ch('?')],
        "help for the focused pane",
        true,
    ),
    (
        Scope::Global,
        Action::FocusNext,
        &[Key::plain(K::Tab)],
        "next pane",
        true,
    ),
    (
        Scope::Global,
        Action::FocusPrev,
        &[Key::plain(K::BackTab)],
        "previous pane",
        false,
    ),
    (
        Scope::Global,
        Action::FocusSearch,
        &[Key::ch('/')],
        "search the catalog",
        true,
    ),
    (
        Scope::Global,
        Action::Zoom,
        &[Key::ch('z')],
        "enlarge / restore the focused pane",
        false,
    ),
    (
        Scope::Global,
        Action::Run,
        &[Key::ch('r')],
        "run the query (a 100-row preview when the builder is empty)",
        true,
    ),
    (
        Scope::Global,
        Action::SwitchUser,
        &[Key::ch('u')],
        "act as another user (everything reloads as them)",
        false,
    ),
    (
        Scope::Global,
        Action::Compare,
        &[Key::ch('c')],
        "compare with another user: the search, table or query, side by side",
        false,
    ),
    (
        Scope::Global,
        Action::RequestLog,
        &[Key::ch('L')],
        "the request log (y copies a call as curl)",
        false,
    ),
    (
        Scope::Global,
        Action::History,
        &[Key::ch('H')],
        "past queries: re-run, edit, star",
        false,
    ),
    (
        Scope::Global,
        Action::Up,
        &[Key::plain(K::Up), Key::ch('k')],
        "move up",
        false,
    ),
    (
        Scope::Global,
        Action::Down,
        &[Key::plain(K::Down), Key::ch('j')],
        "move down",
        false,
    ),
    (
        Scope::Global,
        Action::PageUp,
        &[Key::plain(K::PageUp)],
        "page up",
        false,
    ),
    (
        Scope::Global,
        Action::PageDown,
        &[Key::plain(K::PageDown)],
        "page down",
        false,
    ),
    (
        Scope::Global,
        Action::Top,
        &[Key::ch('g'), Key::plain(K::Home)],
        "first item",
        false,
    ),
    (
        Scope::Global,
        Action::Bottom,
        &[Key::ch('G'), Key::plain(K::End)],
        "last item",
        false,
    ),
    (
        Scope::Catalog,
        Action::Open,
        &[Key::plain(K::Enter), Key::plain(K::Right), Key::ch('l')],
        "open in the inspector / expand a database",
        true,
    ),
    (
        Scope::Catalog,
        Action::Back,
        &[Key::plain(K::Left), Key::ch('h')],
        "collapse a database",
        false,
    ),
    (
        Scope::Catalog,
        Action::Clear,
        &[Key::plain(K::Esc)],
        "clear the search (browse databases)",
        false,
    ),
    (
        Scope::Inspector,
        Action::Open,
        &[Key::plain(K::Enter)],
        "open a related table or metric; on a field, filter by it",
        true,
    ),
    (
        Scope::Inspector,
        Action::Back,
        &[Key::plain(K::Backspace), Key::plain(K::Esc)],
        "go back",
        true,
    ),
    (
        Scope::Builder,
        Action::Add,
        &[Key::ch('a'), Key::plain(K::Enter)],
        "add to the selected section / change the selected item",
        true,
    ),
    (
        Scope::Builder,
        Action::Delete,
        &[Key::ch('d'), Key::plain(K::Delete)],
        "remove the selected item",
        true,
    ),
    (
        Scope::Builder,
        Action::EditJson,
        &[Key::ch('e')],
        "edit the body as JSON (Ctrl-S applies, Esc cancels)",
        true,
    ),
    (
        Scope::Builder,
        Action::Clear,
        &[Key::ch('x')],
        "clear the query",
        false,
    ),
    (
        Scope::Results,
        Action::Left,
        &[Key::plain(K::Left), Key::ch('h')],
        "column left",
        false,
    ),
    (
        Scope::Results,
        Action::Right,
        &[Key::plain(K::Right), Key::ch('l')],
        "column right",
        false,
    ),
    (
        Scope::Results,
        Action::Back,
        &[Key::plain(K::Esc)],
        "cancel the running query",
        false,
    ),
    (
        Scope::Results,
        Action::Open,
        &[Key::plain(K::Enter)],
        "open the cell: its full value (Esc closes)",
        false,
    ),
    (
        Scope::Results,
        Action::Sort,
        &[Key::ch('s')],
        "sort by this column: ascending, descending, original",
        true,
    ),
    (
        Scope::Results,
        Action::SearchGrid,
        &[Key::ch('/')],
        "search the results (n / N: next / previous match)",
        true,
    ),
    (
        Scope::Results,
        Action::NextMatch,
        &[Key::ch('n')],
        "next match",
        false,
    ),
    (
        Scope::Results,
        Action::PrevMatch,
        &[Key::ch('N')],
        "previous match",
        false,
    ),
    (
        Scope::Results,
        Action::Freeze,
        &[Key::ch('f')],
        "freeze the columns up to this one (again: unfreeze)",
        false,
    ),
    (
        Scope::Results,
        Action::Widen,
        &[Key::ch('>')],
        "widen the column",
        false,
    ),
    (
        Scope::Results,
        Action::Narrow,
        &[Key::ch('<')],
        "narrow the column",
        false,
    ),
    (
        Scope::Results,
        Action::Hide,
        &[Key::ch('-')],
        "hide the column",
        false,
    ),
    (
        Scope::Results,
        Action::UnhideAll,
        &[Key::ch('+')],
        "show every hidden column",
        false,
    ),
    (
        Scope::Results,
        Action::CopyCell,
        &[Key::ch('y')],
        "copy the cell to the clipboard",
        true,
    ),
    (
        Scope::Results,
        Action::CopyRow,
        &[Key::ch('Y')],
        "copy the row (tab-separated)",
        false,
    ),
    (
        Scope::Results,
        Action::CopyColumn,
        &[Key::ch('C')],
        "copy the column (one value per line)",
        false,
    ),
    (
        Scope::Results,
        Action::Chart,
        &[Key::ch('v')],
        "chart / grid",
        true,
    ),
    (
        Scope::Results,
        Action::Export,
        &[Key::ch('e')],
        "export to a file (.csv, .json or .jsonl)",
        true,
    ),
    (
        Scope::Results,
        Action::LoadMore,
        &[Key::ch('m')],
        "load more rows (when the server has more)",
        false,
    ),
];

impl Default for Keymap {
    fn default() -> Self {
        Keymap {
            bindings: DEFAULTS
                .iter()
                .map(|(scope, action, keys, help, hint)| Binding {
                    scope: *scope,
                    action: *action,
                    keys: keys.to_vec(),
                    help,
                    hint: *hint,
                })
                .collect(),
        }
    }
}

impl Keymap {
    /// The action a key triggers in `scope` (pane bindings win over global ones).
    pub fn action(&self, scope: Scope, ev: &KeyEvent) -> Option<Action> {
        let find = |s: Scope| {
            self.bindings
                .iter()
                .find(|b| b.scope == s && b.keys.iter().any(|k| k.matches(ev)))
                .map(|b| b.action)
        };
        find(scope).or_else(|| find(Scope::Global))
    }

    /// The bindings shown for a pane: its own, then the global ones.
    pub fn for_scope(&self, scope: Scope) -> impl Iterator<Item = &Binding> {
        let own = self.bindings.iter().filter(move |b| b.scope == scope);
        let global = self
            .bindings
            .iter()
            .filter(move |b| b.scope == Scope::Global && scope != Scope::Global);
        own.chain(global)
    }

    /// Short `key action` pairs for the status bar.
    pub fn hints(&self, scope: Scope) -> Vec<(String, &'static str)> {
        self.for_scope(scope)
            .filter(|b| b.hint)
            .filter_map(|b| b.keys.first().map(|k| (k.to_string(), b.action.name())))
            .collect()
    }

    /// The first key bound to an action in a scope, for inline hints.
    pub fn key_for(&self, scope: Scope, action: Action) -> Option<Key> {
        self.for_scope(scope)
            .find(|b| b.action == action)
            .and_then(|b| b.keys.first().copied())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, mods)
    }

    #[test]
    fn pane_bindings_win_over_global_ones() {
        let km = Keymap::default();
        let esc = press(KeyCode::Esc, KeyModifiers::NONE);
        assert_eq!(km.action(Scope::Inspector, &esc), Some(Action::Back));
        assert_eq!(km.action(Scope::Catalog, &esc), Some(Action::Clear));
        let l = press(KeyCode::Char('l'), KeyModifiers::NONE);
        assert_eq!(km.action(Scope::Results, &l), Some(Action::Right));
        assert_eq!(km.action(Scope::Catalog, &l), Some(Action::Open));
        let big_g = press(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(km.action(Scope::Builder, &big_g), Some(Action::Bottom));
        let ctrl_c = press(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(km.action(Scope::Results, &ctrl_c), Some(Action::ForceQuit));
        let plain_c = press(KeyCode::Char('c'), KeyModifiers::NONE);
        assert_eq!(km.action(Scope::Results, &plain_c), Some(Action::Compare));
        let x = press(KeyCode::Char('x'), KeyModifiers::NONE);
        assert_eq!(km.action(Scope::Results, &x), None);
    }

    #[test]
    fn action_names_are_unique_snake_case() {
        let km = Keymap::default();
        let mut names: Vec<&str> = km.bindings.iter().map(|b| b.action.name()).collect();
        assert!(
            names
                .iter()
                .all(|n| n.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
        );
        names.sort();
        names.dedup();
        assert!(names.len() >= 20, "{names:?}");
        assert_eq!(km.hints(Scope::Builder)[0], ("a".to_string(), "add"));
    }
}
