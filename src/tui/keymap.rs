//! Actions and their default keys, as data: the `?` help, the status-bar hints and any later
//! override file all read the same table.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::fmt;
use std::path::{Path, PathBuf};
use toml::de::DeValue;

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
    SwitchProfile,
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
            Action::SwitchProfile => "switch_profile",
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
        Action::SwitchProfile,
        &[Key::ch('P')],
        "switch to another config profile (reconnects)",
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

// --- The user's keys.toml: overrides by action name over the table above. ---

/// What can be wrong with a keys file.
#[derive(Debug, thiserror::Error)]
pub enum KeysError {
    #[error("cannot read keys file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("keys file {path}, line {line}: {message}")]
    File {
        path: PathBuf,
        line: usize,
        message: String,
    },
}

/// Where `keys.toml` is looked for: next to `config.toml`.
pub fn keys_path() -> Option<PathBuf> {
    crate::config::config_dir().map(|d| d.join("keys.toml"))
}

/// The lower-case name a keys file uses for a scope (`[results]`); `global` is top level too.
pub fn scope_name(scope: Scope) -> String {
    format!("{scope:?}").to_lowercase()
}

impl Keymap {
    /// The defaults, with the user's `keys.toml` over them when there is one.
    pub fn load_user() -> Result<Keymap, KeysError> {
        match keys_path() {
            Some(path) => Keymap::load_file(&path, false),
            None => Ok(Keymap::default()),
        }
    }

    /// The defaults with `path` over them; a missing file is an error only when `must_exist`.
    pub fn load_file(path: &Path, must_exist: bool) -> Result<Keymap, KeysError> {
        match std::fs::read_to_string(path) {
            Ok(text) => Keymap::default().with_overrides(path, &text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !must_exist => {
                Ok(Keymap::default())
            }
            Err(source) => Err(KeysError::Read {
                path: path.to_path_buf(),
                source,
            }),
        }
    }

    /// Applies a keys file: `action = ["k", …]` at the top level rebinds the action in every
    /// pane it has a binding in; under `[catalog]`, `[results]`, … only in that pane.
    pub fn with_overrides(mut self, path: &Path, text: &str) -> Result<Keymap, KeysError> {
        let fail = |offset: usize, message: String| KeysError::File {
            path: path.to_path_buf(),
            line: text[..offset.min(text.len())].matches('\n').count() + 1,
            message,
        };
        let doc = toml::de::DeTable::parse(text).map_err(|e| {
            fail(
                e.span().map(|s| s.start).unwrap_or(0),
                e.message().trim().to_string(),
            )
        })?;
        // (binding index, where the file changed it): checked for clashes once all are applied,
        // so that swapping two keys is fine.
        let mut changed: Vec<(usize, usize)> = Vec::new();
        for (name, value) in doc.get_ref().iter() {
            let name_at = name.span().start;
            match value.get_ref() {
                DeValue::Table(table) => {
                    let scope = self
                        .bindings
                        .iter()
                        .map(|b| b.scope)
                        .find(|s| scope_name(*s) == name.get_ref().as_ref())
                        .ok_or_else(|| {
                            fail(
                                name_at,
                                format!(
                                    "unknown pane `[{}]` (panes: {})",
                                    name.get_ref(),
                                    self.scope_names().join(", ")
                                ),
                            )
                        })?;
                    for (action, keys) in table.iter() {
                        let keys = parse_keys(keys).map_err(|(at, m)| fail(at, m))?;
                        let at = action.span().start;
                        let hit = self
                            .rebind(Some(scope), action.get_ref(), &keys)
                            .map_err(|m| fail(at, m))?;
                        changed.extend(hit.into_iter().map(|i| (i, at)));
                    }
                }
                _ => {
                    let keys = parse_keys(value).map_err(|(at, m)| fail(at, m))?;
                    let hit = self
                        .rebind(None, name.get_ref(), &keys)
                        .map_err(|m| fail(name_at, m))?;
                    changed.extend(hit.into_iter().map(|i| (i, name_at)));
                }
            }
        }
        for (i, at) in changed {
            let b = &self.bindings[i];
            let clash = b.keys.iter().find_map(|k| {
                self.bindings
                    .iter()
                    .enumerate()
                    .find(|(j, o)| *j != i && o.scope == b.scope && o.keys.contains(k))
                    .map(|(_, o)| (k, o.action))
            });
            if let Some((key, other)) = clash {
                return Err(fail(
                    at,
                    format!(
                        "`{key}` would do both `{}` and `{}` in [{}]; give one of them another key",
                        b.action.name(),
                        other.name(),
                        scope_name(b.scope)
                    ),
                ));
            }
        }
        Ok(self)
    }

    /// Gives `keys` to the bindings an override names (returning their indices), or says why it
    /// names none.
    fn rebind(
        &mut self,
        scope: Option<Scope>,
        action: &str,
        keys: &[Key],
    ) -> Result<Vec<usize>, String> {
        let named = |b: &Binding| b.action.name() == action;
        if !self.bindings.iter().any(named) {
            let mut known: Vec<&str> = self.bindings.iter().map(|b| b.action.name()).collect();
            known.sort_unstable();
            known.dedup();
            return Err(format!(
                "unknown action `{action}` (actions: {})",
                known.join(", ")
            ));
        }
        let in_scope = |b: &Binding| named(b) && scope.is_none_or(|s| s == b.scope);
        if !self.bindings.iter().any(in_scope) {
            let panes: Vec<String> = self
                .bindings
                .iter()
                .filter(|b| named(b))
                .map(|b| scope_name(b.scope))
                .collect();
            return Err(format!(
                "`{action}` has no binding in [{}]; it is bound in: {}",
                scope.map(scope_name).unwrap_or_default(),
                panes.join(", ")
            ));
        }
        let mut hit = Vec::new();
        for (i, b) in self.bindings.iter_mut().enumerate() {
            if in_scope(b) {
                b.keys = keys.to_vec();
                hit.push(i);
            }
        }
        Ok(hit)
    }

    fn scope_names(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for b in &self.bindings {
            let n = scope_name(b.scope);
            if !names.contains(&n) {
                names.push(n);
            }
        }
        names
    }
}

/// A key list value: one string or an array of strings. Errors carry the offending span start.
fn parse_keys(value: &toml::Spanned<DeValue<'_>>) -> Result<Vec<Key>, (usize, String)> {
    let one = |v: &toml::Spanned<DeValue<'_>>| match v.get_ref() {
        DeValue::String(s) => parse_key(s).map_err(|m| (v.span().start, m)),
        _ => Err((
            v.span().start,
            "a key is a string such as \"q\", \"ctrl-c\" or \"pagedown\"".to_string(),
        )),
    };
    match value.get_ref() {
        DeValue::Array(items) => items.iter().map(one).collect(),
        _ => one(value).map(|k| vec![k]),
    }
}

/// Reads a key as written in a keys file (`q`, `G`, `ctrl-c`, `alt-enter`, `shift-tab`, `f5`,
/// `pagedown`, `space`) or as `mbx keys` prints it (`Ctrl-c`, `↑`, `PgDn`).
pub fn parse_key(text: &str) -> Result<Key, String> {
    let bad = |why: &str| format!("`{text}` is not a key: {why}");
    let mut mods = KeyModifiers::NONE;
    let mut rest = text.trim();
    loop {
        let lower = rest.to_ascii_lowercase();
        let (m, len) = if lower.starts_with("ctrl-") {
            (KeyModifiers::CONTROL, 5)
        } else if lower.starts_with("alt-") {
            (KeyModifiers::ALT, 4)
        } else if lower.starts_with("shift-") {
            (KeyModifiers::SHIFT, 6)
        } else {
            break;
        };
        mods |= m;
        rest = &rest[len..];
    }
    let mut chars = rest.chars();
    let code = match (chars.next(), chars.next()) {
        (None, _) => return Err(bad("nothing after the modifier")),
        (Some(c), None) => match c {
            '↑' => K::Up,
            '↓' => K::Down,
            '←' => K::Left,
            '→' => K::Right,
            c if mods.contains(KeyModifiers::CONTROL) => K::Char(c.to_ascii_lowercase()),
            c if mods.contains(KeyModifiers::SHIFT) => K::Char(c.to_ascii_uppercase()),
            c => K::Char(c),
        },
        _ => match rest.to_ascii_lowercase().as_str() {
            "enter" | "return" => K::Enter,
            "esc" | "escape" => K::Esc,
            "tab" if mods.contains(KeyModifiers::SHIFT) => K::BackTab,
            "tab" => K::Tab,
            "backtab" => K::BackTab,
            "backspace" => K::Backspace,
            "delete" | "del" => K::Delete,
            "insert" | "ins" => K::Insert,
            "up" => K::Up,
            "down" => K::Down,
            "left" => K::Left,
            "right" => K::Right,
            "pageup" | "pgup" => K::PageUp,
            "pagedown" | "pgdn" => K::PageDown,
            "home" => K::Home,
            "end" => K::End,
            "space" => K::Char(' '),
            "minus" => K::Char('-'),
            f if f.starts_with('f') => match f[1..].parse::<u8>() {
                Ok(n) if (1..=24).contains(&n) => K::F(n),
                _ => return Err(bad("function keys are f1 to f24")),
            },
            _ => {
                return Err(bad(
                    "use one character or a name: enter, esc, tab, backspace, delete, up, down, \
                     left, right, pageup, pagedown, home, end, space, f1…f24; \
                     prefixes ctrl-, alt-, shift-",
                ));
            }
        },
    };
    // Shift is part of a character or of BackTab already; it matters only on other keys.
    if matches!(code, K::Char(_) | K::BackTab) {
        mods.remove(KeyModifiers::SHIFT);
    }
    Ok(Key { code, mods })
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
    fn overlay(text: &str) -> Result<Keymap, KeysError> {
        Keymap::default().with_overrides(Path::new("/cfg/keys.toml"), text)
    }

    #[test]
    fn keys_parse_from_names_and_from_what_mbx_keys_prints() {
        assert_eq!(parse_key("q"), Ok(Key::ch('q')));
        assert_eq!(parse_key("G"), Ok(Key::ch('G')));
        assert_eq!(parse_key("shift-g"), Ok(Key::ch('G')));
        assert_eq!(parse_key("ctrl-c"), Ok(Key::ctrl('c')));
        assert_eq!(parse_key("Ctrl-C"), Ok(Key::ctrl('c')));
        assert_eq!(parse_key("shift-tab"), Ok(Key::plain(K::BackTab)));
        assert_eq!(parse_key("PgDn"), Ok(Key::plain(K::PageDown)));
        assert_eq!(parse_key("↑"), Ok(Key::plain(K::Up)));
        assert_eq!(parse_key("f5"), Ok(Key::plain(K::F(5))));
        assert_eq!(parse_key("-"), Ok(Key::ch('-')));
        assert_eq!(
            parse_key("alt-enter"),
            Ok(Key {
                code: K::Enter,
                mods: KeyModifiers::ALT
            })
        );
        for b in Keymap::default().bindings {
            for k in b.keys {
                assert_eq!(parse_key(&k.to_string()), Ok(k), "{k}");
            }
        }
        assert!(parse_key("ctrl-").is_err());
        assert!(parse_key("f99").is_err());
        assert!(parse_key("hyper-x").unwrap_err().contains("hyper-x"));
    }

    #[test]
    fn an_override_replaces_an_action_everywhere_or_in_one_pane() {
        let km =
            overlay("quit = [\"ctrl-q\", \"Q\"]\nrun = \"f5\"\n[results]\nback = \"x\"\n").unwrap();
        let ev = |c, m| press(c, m);
        let q = ev(KeyCode::Char('q'), KeyModifiers::NONE);
        assert_eq!(km.action(Scope::Catalog, &q), None);
        let ctrl_q = ev(KeyCode::Char('q'), KeyModifiers::CONTROL);
        assert_eq!(km.action(Scope::Catalog, &ctrl_q), Some(Action::Quit));
        assert_eq!(
            km.action(Scope::Builder, &ev(KeyCode::F(5), KeyModifiers::NONE)),
            Some(Action::Run)
        );
        let x = ev(KeyCode::Char('x'), KeyModifiers::NONE);
        assert_eq!(km.action(Scope::Results, &x), Some(Action::Back));
        // the inspector's back is untouched
        let esc = ev(KeyCode::Esc, KeyModifiers::NONE);
        assert_eq!(km.action(Scope::Inspector, &esc), Some(Action::Back));
        assert_eq!(km.action(Scope::Results, &esc), None);
        // the hints read the same table
        assert!(
            km.hints(Scope::Catalog)
                .contains(&("Ctrl-q".to_string(), "quit"))
        );
        assert_eq!(
            km.key_for(Scope::Builder, Action::Run),
            Some(Key::plain(K::F(5)))
        );
    }

    #[test]
    fn bad_overrides_name_the_file_line_and_key() {
        let err = overlay("quit = \"q\"\n\nqiut = \"x\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("keys file /cfg/keys.toml, line 3:"),
            "{err}"
        );
        assert!(
            err.contains("unknown action `qiut`") && err.contains("force_quit"),
            "{err}"
        );
        let err = overlay("run = [\"r\",\n  \"ctrl-hyper\"]\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("line 2") && err.contains("`ctrl-hyper`"),
            "{err}"
        );
        let err = overlay("[results]\nadd = \"a\"\n").unwrap_err().to_string();
        assert!(err.contains("line 2") && err.contains("builder"), "{err}");
        let err = overlay("[reslts]\n").unwrap_err().to_string();
        assert!(err.contains("line 1") && err.contains("results"), "{err}");
        let err = overlay("run = 5\n").unwrap_err().to_string();
        assert!(err.contains("line 1") && err.contains("string"), "{err}");
        let err = overlay("quit = \"x\"\nrun = [\"q\", \"ctrl-c\"]\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 2") && err.contains("`Ctrl-c`"), "{err}");
        assert!(
            err.contains("`run`") && err.contains("`force_quit`"),
            "{err}"
        );
        // swapping two keys is fine, and a pane may shadow a global key
        let km = overlay("up = [\"j\"]\ndown = [\"k\"]\n[builder]\nclear = \"r\"\n").unwrap();
        let j = press(KeyCode::Char('j'), KeyModifiers::NONE);
        assert_eq!(km.action(Scope::Catalog, &j), Some(Action::Up));
        let r = press(KeyCode::Char('r'), KeyModifiers::NONE);
        assert_eq!(km.action(Scope::Builder, &r), Some(Action::Clear));
        let err = overlay("run = [\n").unwrap_err().to_string();
        assert!(err.contains("/cfg/keys.toml"), "{err}");
    }
}
