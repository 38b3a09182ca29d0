//! The colour theme: a small semantic palette read from TOML, expanded into every `Style` the
//! views draw with. Loading a palette and deriving styles are separate steps, so other palettes
//! (light, high contrast, user files, NO_COLOR) only need to produce a `Palette`.

use crate::grid::GridStyles;
use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;
use std::str::FromStr;

/// The built-in default palette.
pub const DARK: &str = include_str!("../../themes/dark.toml");

#[derive(Debug, thiserror::Error)]
pub enum ThemeError {
    #[error("theme file is not valid TOML: {0}")]
    Toml(String),
    #[error(
        "theme colour `{key}` = \"{value}\" is not a colour (use #rrggbb, a colour name or reset)"
    )]
    Colour { key: &'static str, value: String },
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPalette {
    fg: String,
    bg: String,
    muted: String,
    accent: String,
    border: String,
    border_focused: String,
    selection: String,
    error: String,
    warning: String,
    success: String,
    number: String,
    null: String,
    header: String,
}

fn colour(key: &'static str, value: &str) -> Result<Color, ThemeError> {
    Color::from_str(value).map_err(|_| ThemeError::Colour {
        key,
        value: value.to_string(),
    })
}

impl Palette {
    pub fn from_toml(text: &str) -> Result<Palette, ThemeError> {
        let raw: RawPalette =
            toml::from_str(text).map_err(|e| ThemeError::Toml(e.message().to_string()))?;
        Ok(Palette {
            fg: colour("fg", &raw.fg)?,
            bg: colour("bg", &raw.bg)?,
            muted: colour("muted", &raw.muted)?,
            accent: colour("accent", &raw.accent)?,
            border: colour("border", &raw.border)?,
            border_focused: colour("border_focused", &raw.border_focused)?,
            selection: colour("selection", &raw.selection)?,
            error: colour("error", &raw.error)?,
            warning: colour("warning", &raw.warning)?,
            success: colour("success", &raw.success)?,
            number: colour("number", &raw.number)?,
            null: colour("null", &raw.null)?,
            header: colour("header", &raw.header)?,
        })
    }

    /// The embedded dark palette; a hand-written fallback only if the embedded file were broken
    /// (a unit test keeps it parseable).
    pub fn dark() -> Palette {
        Palette::from_toml(DARK).unwrap_or(Palette {
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
        })
    }
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
    fn the_embedded_palette_parses() {
        let p = Palette::from_toml(DARK).unwrap();
        assert_eq!(p.accent, Color::Rgb(0x7a, 0xa2, 0xf7));
        assert_eq!(p.bg, Color::Reset);
    }

    #[test]
    fn a_bad_colour_names_its_key() {
        let text = DARK.replace("error = \"#f7768e\"", "error = \"blurple\"");
        let err = Palette::from_toml(&text).unwrap_err().to_string();
        assert!(err.contains("`error`") && err.contains("blurple"), "{err}");
        assert!(matches!(
            Palette::from_toml("fg = 1"),
            Err(ThemeError::Toml(_))
        ));
    }
}
