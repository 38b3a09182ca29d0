//! The colour theme: a small semantic palette read from TOML, expanded into every `Style` the
//! views draw with. Loading a palette and deriving styles are separate steps: built-in themes,
//! user files (which patch a base theme) and NO_COLOR only differ in how they make a `Palette`
//! (or, for NO_COLOR, in skipping it).

use crate::grid::{ChartStyles, GridStyles};
use ratatui::style::{Color, Modifier, Style};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use toml::Spanned;

/// The built-in default palette.
pub const DARK: &str = include_str!("../../themes/dark.toml");

/// Every built-in theme, by the name `--theme` and a user file's `base` accept. Embedded so an
/// installed binary needs no `themes/` folder.
pub const BUILTIN: &[(&str, &str)] = &[
    ("dark", DARK),
    ("light", include_str!("../../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
    ("nord", include_str!("../../themes/nord.toml")),
    ("solarized", include_str!("../../themes/solarized.toml")),
];

/// The palette's keys, in the order the theme files list them.
pub const KEYS: &[&str] = &[
    "fg",
    "bg",
    "muted",
    "accent",
    "border",
    "border_focused",
    "selection",
    "error",
    "warning",
    "success",
    "number",
    "null",
    "header",
];

#[derive(Debug, thiserror::Error)]
pub enum ThemeError {
    #[error("theme {path}, line {line}: {message}")]
    File {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("cannot read theme file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("theme `{name}` is neither a built-in theme ({known}) nor a theme file")]
    Unknown { name: String, known: String },
}

/// The named colours a theme sets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Palette {
    pub fg: Color,
    pub bg: Color,
    pub muted: Color,
    pub accent: Color,
    pub border: Color,
    pub border_focused: Color,
    pub selection: Color,
    pub error: Color,
    pub warning: Color,
    pub success: Color,
    pub number: Color,
    pub null: Color,
    pub header: Color,
}

/// Whether `NO_COLOR` asks for no colours (any non-empty value, per no-color.org).
pub fn no_color_requested() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

/// The styles for `--theme` (a built-in name or a file; dark when absent). With `no_color`, no
/// theme is read at all: only modifiers mark focus and selection.
pub fn load(spec: Option<&str>, no_color: bool) -> Result<Styles, ThemeError> {
    if no_color {
        return Ok(Styles::monochrome());
    }
    Ok(Styles::from_palette(&Palette::load(spec)?))
}

fn builtin_names() -> String {
    BUILTIN
        .iter()
        .map(|(n, _)| *n)
        .collect::<Vec<_>>()
        .join(", ")
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

impl Palette {
    /// A complete palette (every key present), such as a built-in theme file.
    pub fn from_toml(text: &str) -> Result<Palette, ThemeError> {
        parse(Path::new("(built-in)"), text, None)
    }

    /// A built-in palette by name.
    pub fn builtin(name: &str) -> Option<Palette> {
        let (_, text) = BUILTIN.iter().find(|(n, _)| *n == name)?;
        Palette::from_toml(text).ok()
    }

    /// A built-in name, else a theme file; `None` is dark.
    pub fn load(spec: Option<&str>) -> Result<Palette, ThemeError> {
        let Some(spec) = spec else {
            return Ok(Palette::dark());
        };
        if let Some(p) = Palette::builtin(spec) {
            return Ok(p);
        }
        let path = Path::new(spec);
        match std::fs::read_to_string(path) {
            Ok(text) => Palette::from_user_file(path, &text),
            // A bare word that is no file was most likely meant as a built-in name.
            Err(e)
                if e.kind() == std::io::ErrorKind::NotFound
                    && !spec.contains(std::path::MAIN_SEPARATOR)
                    && !spec.ends_with(".toml") =>
            {
                Err(ThemeError::Unknown {
                    name: spec.to_string(),
                    known: builtin_names(),
                })
            }
            Err(source) => Err(ThemeError::Read {
                path: path.to_path_buf(),
                source,
            }),
        }
    }

    /// A user theme: the keys it names over its `base` (a built-in name; dark when absent).
    pub fn from_user_file(path: &Path, text: &str) -> Result<Palette, ThemeError> {
        parse(path, text, Some(Palette::dark()))
    }

    /// The embedded dark palette; a hand-written fallback only if the embedded file were broken
    /// (a unit test keeps it parseable).
    pub fn dark() -> Palette {
        Palette::from_toml(DARK).unwrap_or_else(|_| Palette::dark_fallback())
    }

    fn dark_fallback() -> Palette {
        Palette {
            fg: Color::Reset,
            bg: Color::Reset,
            muted: Color::DarkGray,
            accent: Color::Blue,
            border: Color::DarkGray,
            border_focused: Color::Blue,
            selection: Color::DarkGray,
            error: Color::Red,
            warning: Color::Yellow,
            success: Color::Green,
            number: Color::Cyan,
            null: Color::DarkGray,
            header: Color::Magenta,
        }
    }

    fn slot(&mut self, key: &str) -> Option<&mut Color> {
        Some(match key {
            "fg" => &mut self.fg,
            "bg" => &mut self.bg,
            "muted" => &mut self.muted,
            "accent" => &mut self.accent,
            "border" => &mut self.border,
            "border_focused" => &mut self.border_focused,
            "selection" => &mut self.selection,
            "error" => &mut self.error,
            "warning" => &mut self.warning,
            "success" => &mut self.success,
            "number" => &mut self.number,
            "null" => &mut self.null,
            "header" => &mut self.header,
            _ => return None,
        })
    }
}

/// Parses a theme file. Without `default_base` every key must be present (a built-in file);
/// with it, the file patches its `base` (or `default_base`) and names only what it changes.
fn parse(path: &Path, text: &str, default_base: Option<Palette>) -> Result<Palette, ThemeError> {
    let fail = |offset: usize, message: String| ThemeError::File {
        path: path.to_path_buf(),
        line: line_of(text, offset),
        message,
    };
    let table: BTreeMap<Spanned<String>, Spanned<String>> = toml::from_str(text).map_err(|e| {
        let offset = e.span().map(|s| s.start).unwrap_or(0);
        fail(offset, e.message().trim().to_string())
    })?;
    let base_entry = table.iter().find(|(k, _)| k.get_ref() == "base");
    let mut palette = match (base_entry, default_base) {
        (Some((key, _)), None) => {
            return Err(fail(
                key.span().start,
                "a built-in theme cannot have a `base`".into(),
            ));
        }
        (Some((_, name)), Some(_)) => Palette::builtin(name.get_ref()).ok_or_else(|| {
            fail(
                name.span().start,
                format!(
                    "`base` = \"{}\" is not a built-in theme ({})",
                    name.get_ref(),
                    builtin_names()
                ),
            )
        })?,
        (None, Some(p)) => p,
        // Every key is checked present below, so this starting point is fully overwritten.
        (None, None) => Palette::dark_fallback(),
    };
    for (key, value) in &table {
        if key.get_ref() == "base" {
            continue;
        }
        let Some(slot) = palette.slot(key.get_ref()) else {
            return Err(fail(
                key.span().start,
                format!(
                    "unknown key `{}` (theme keys: base, {})",
                    key.get_ref(),
                    KEYS.join(", ")
                ),
            ));
        };
        *slot = Color::from_str(value.get_ref()).map_err(|_| {
            fail(
                value.span().start,
                format!(
                    "`{}` = \"{}\" is not a colour (use #rrggbb, a colour name, an index 0-255 or reset)",
                    key.get_ref(),
                    value.get_ref()
                ),
            )
        })?;
    }
    if default_base.is_none()
        && let Some(missing) = KEYS
            .iter()
            .find(|k| !table.keys().any(|t| t.get_ref() == **k))
    {
        return Err(fail(text.len(), format!("missing key `{missing}`")));
    }
    Ok(palette)
}

/// Every style the views use; views never name a colour.
#[derive(Clone, Debug, PartialEq)]
pub struct Styles {
    pub base: Style,
    pub muted: Style,
    pub accent: Style,
    pub title: Style,
    pub title_focused: Style,
    pub border: Style,
    pub border_focused: Style,
    pub selected: Style,
    pub selected_unfocused: Style,
    pub header: Style,
    pub section: Style,
    pub error: Style,
    pub warning: Style,
    pub success: Style,
    pub number: Style,
    pub null: Style,
    pub key: Style,
    pub badge: Style,
    pub input: Style,
    pub popup: Style,
    pub grid: GridStyles,
    pub chart: ChartStyles,
}

impl Styles {
    pub fn from_palette(p: &Palette) -> Styles {
        let base = Style::new().fg(p.fg).bg(p.bg);
        Styles {
            base,
            muted: base.fg(p.muted),
            accent: base.fg(p.accent),
            title: base.fg(p.muted),
            title_focused: base.fg(p.accent).add_modifier(Modifier::BOLD),
            border: base.fg(p.border),
            border_focused: base.fg(p.border_focused),
            selected: Style::new()
                .fg(p.fg)
                .bg(p.selection)
                .add_modifier(Modifier::BOLD),
            selected_unfocused: Style::new().fg(p.fg).bg(p.selection),
            header: base.fg(p.header).add_modifier(Modifier::BOLD),
            section: base.fg(p.header),
            error: base.fg(p.error),
            warning: base.fg(p.warning),
            success: base.fg(p.success),
            number: base.fg(p.number),
            null: base.fg(p.null).add_modifier(Modifier::ITALIC),
            key: base.fg(p.accent).add_modifier(Modifier::BOLD),
            badge: base.fg(p.success).add_modifier(Modifier::BOLD),
            input: base.fg(p.fg).add_modifier(Modifier::UNDERLINED),
            popup: base,
            grid: GridStyles {
                header: base.fg(p.header).add_modifier(Modifier::BOLD),
                cell: base,
                number: base.fg(p.number),
                null: base.fg(p.null).add_modifier(Modifier::ITALIC),
                selected_row: Style::new().bg(p.selection),
                selected_cell: Style::new()
                    .fg(p.bg)
                    .bg(p.accent)
                    .add_modifier(Modifier::BOLD),
                search_match: Style::new().fg(p.bg).bg(p.warning),
                current_match: Style::new()
                    .fg(p.bg)
                    .bg(p.error)
                    .add_modifier(Modifier::BOLD),
                frozen_separator: base.fg(p.border),
                muted: base.fg(p.muted),
                popup_border: base.fg(p.border_focused),
                popup_text: base,
            },
            chart: ChartStyles {
                series: base.fg(p.accent),
                axis: base.fg(p.border),
                label: base,
                muted: base.fg(p.muted),
            },
        }
    }

    /// NO_COLOR: no foreground or background colour anywhere; bold, reverse and underline keep
    /// focus, selection and headers visible.
    pub fn monochrome() -> Styles {
        let plain = Style::new();
        let bold = plain.add_modifier(Modifier::BOLD);
        let reversed = plain.add_modifier(Modifier::REVERSED);
        Styles {
            base: plain,
            muted: plain,
            accent: plain,
            title: plain,
            title_focused: bold,
            border: plain,
            border_focused: bold,
            selected: reversed.add_modifier(Modifier::BOLD),
            selected_unfocused: reversed,
            header: bold,
            section: plain.add_modifier(Modifier::UNDERLINED),
            error: bold,
            warning: bold,
            success: plain,
            number: plain,
            null: plain.add_modifier(Modifier::ITALIC),
            key: bold,
            badge: bold,
            input: plain.add_modifier(Modifier::UNDERLINED),
            popup: plain,
            grid: GridStyles {
                header: bold.add_modifier(Modifier::UNDERLINED),
                cell: plain,
                number: plain,
                null: plain.add_modifier(Modifier::ITALIC),
                selected_row: reversed,
                selected_cell: reversed.add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
                search_match: plain.add_modifier(Modifier::UNDERLINED),
                current_match: reversed.add_modifier(Modifier::UNDERLINED),
                frozen_separator: plain,
                muted: plain,
                popup_border: bold,
                popup_text: plain,
            },
            chart: ChartStyles {
                series: bold,
                axis: plain,
                label: plain,
                muted: plain,
            },
        }
    }

    pub fn dark() -> Styles {
        Styles::from_palette(&Palette::dark())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_theme_parses_and_they_differ() {
        let mut seen = Vec::new();
        for (name, text) in BUILTIN {
            let p = Palette::from_toml(text).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(!seen.contains(&p), "{name} duplicates another theme");
            seen.push(p);
        }
        assert_eq!(Palette::dark().accent, Color::Rgb(0x7a, 0xa2, 0xf7));
        assert_eq!(Palette::dark().bg, Color::Reset);
        assert_eq!(
            Palette::builtin("high-contrast").map(|p| p.bg),
            Some(Color::Black)
        );
    }

    #[test]
    fn a_bad_colour_names_its_key_and_line() {
        let text = DARK.replace("error = \"#f7768e\"", "error = \"blurple\"");
        let err = Palette::from_toml(&text).unwrap_err().to_string();
        let line = DARK.lines().position(|l| l.starts_with("error")).unwrap() + 1;
        assert!(err.contains(&format!("line {line}")), "{err}");
        assert!(err.contains("`error`") && err.contains("blurple"), "{err}");
        let err = Palette::from_toml("fg = 1").unwrap_err().to_string();
        assert!(err.contains("line 1"), "{err}");
    }

    #[test]
    fn a_user_file_patches_only_what_it_names_over_its_base() {
        let text = "base = \"light\"\naccent = \"#ff0000\"\nselection = \"green\"\n";
        let p = Palette::from_user_file(Path::new("mine.toml"), text).unwrap();
        let light = Palette::builtin("light").unwrap();
        assert_eq!(p.accent, Color::Rgb(255, 0, 0));
        assert_eq!(p.selection, Color::Green);
        assert_eq!(
            Palette {
                accent: light.accent,
                selection: light.selection,
                ..p
            },
            light
        );
        let p = Palette::from_user_file(Path::new("m.toml"), "fg = \"white\"").unwrap();
        assert_eq!(p.fg, Color::White);
        assert_eq!(p.accent, Palette::dark().accent);
    }

    #[test]
    fn unknown_keys_and_bases_name_the_file_line_and_key() {
        let text = "accent = \"red\"\n\naccnet = \"blue\"\n";
        let err = Palette::from_user_file(Path::new("/t/mine.toml"), text)
            .unwrap_err()
            .to_string();
        assert!(err.contains("/t/mine.toml, line 3"), "{err}");
        assert!(err.contains("`accnet`"), "{err}");
        let err = Palette::from_user_file(Path::new("m.toml"), "base = \"drak\"")
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 1") && err.contains("drak"), "{err}");
        assert!(err.contains("dark, light, high-contrast"), "{err}");
    }

    #[test]
    fn a_theme_is_a_built_in_name_or_a_file() {
        assert_eq!(
            Palette::load(Some("nord")).unwrap(),
            Palette::builtin("nord").unwrap()
        );
        assert_eq!(Palette::load(None).unwrap(), Palette::dark());
        let err = Palette::load(Some("nrod")).unwrap_err().to_string();
        assert!(err.contains("`nrod`") && err.contains("solarized"), "{err}");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.toml");
        std::fs::write(&path, "base = \"nord\"\nerror = \"#010203\"").unwrap();
        let p = Palette::load(path.to_str()).unwrap();
        assert_eq!(p.error, Color::Rgb(1, 2, 3));
        assert_eq!(p.bg, Palette::builtin("nord").unwrap().bg);
        let missing = dir.path().join("nope.toml");
        let err = Palette::load(missing.to_str()).unwrap_err();
        assert!(matches!(err, ThemeError::Read { .. }), "{err}");
    }

    #[test]
    fn no_color_keeps_focus_and_selection_visible_without_any_colour() {
        let s = load(Some("nord"), true).unwrap();
        let all = [
            s.base,
            s.muted,
            s.accent,
            s.title,
            s.title_focused,
            s.border,
            s.border_focused,
            s.selected,
            s.selected_unfocused,
            s.header,
            s.section,
            s.error,
            s.warning,
            s.success,
            s.number,
            s.null,
            s.key,
            s.badge,
            s.input,
            s.popup,
            s.grid.header,
            s.grid.cell,
            s.grid.number,
            s.grid.null,
            s.grid.selected_row,
            s.grid.selected_cell,
            s.grid.search_match,
            s.grid.current_match,
            s.grid.frozen_separator,
            s.grid.muted,
            s.grid.popup_border,
            s.grid.popup_text,
            s.chart.series,
            s.chart.axis,
            s.chart.label,
            s.chart.muted,
        ];
        assert!(all.iter().all(|st| st.fg.is_none() && st.bg.is_none()));
        assert!(s.selected.add_modifier.contains(Modifier::REVERSED));
        assert!(s.title_focused.add_modifier.contains(Modifier::BOLD));
        assert_ne!(s.border_focused, s.border);
        assert_ne!(s.grid.selected_cell, s.grid.selected_row);
        let coloured = load(Some("nord"), false).unwrap();
        assert_eq!(coloured.base.bg, Some(Color::Rgb(0x2e, 0x34, 0x40)));
    }
}
