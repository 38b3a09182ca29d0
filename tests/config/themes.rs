//! Themes on a rendered screen: a user file overriding two colours, built-ins by name, NO_COLOR.
//! (Text snapshots cannot see colours, so these assert the buffer's styles.)

use crate::common::*;
use mbx::tui::keymap::Keymap;
use mbx::tui::state::{App, SessionInfo, Settings};
use mbx::tui::theme::{self, Palette, Styles};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};
use std::path::Path;
use std::time::Instant;

fn screen(styles: Styles, keymap: Keymap) -> Buffer {
    let session = SessionInfo {
        email: "analyst@example.com".into(),
        mode: "jwt".into(),
        url: "http://127.0.0.1:1".into(),
    };
    let mut app = App::new(session, styles, Settings::default(), Instant::now());
    app.keymap = keymap;
    app.size = (100, 30);
    let mut t = Terminal::new(TestBackend::new(100, 30)).unwrap();
    t.draw(|f| mbx::tui::view(&app, f)).unwrap();
    t.backend().buffer().clone()
}

pub fn buffer_text(buf: &Buffer) -> String {
    buf.content().iter().map(|c| c.symbol()).collect()
}

#[test]
fn a_user_theme_overrides_two_colours_and_keeps_the_rest_of_its_base() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("mine.toml");
    std::fs::write(
        &file,
        "# mine\nbase = \"light\"\nborder_focused = \"#ff00ff\"\nborder = \"#00ff00\"\n",
    )
    .unwrap();
    let styles = theme::load(file.to_str(), false).unwrap();
    let buf = screen(styles, Keymap::default());
    let light = Palette::builtin("light").unwrap();
    // the focused pane's corner and another pane's corner carry the two new colours
    assert_eq!(buf[(0, 0)].fg, Color::Rgb(0xff, 0, 0xff));
    assert_eq!(buf[(99, 0)].fg, Color::Rgb(0, 0xff, 0));
    // everything else is the base's: no cell uses a dark-only colour, and the light text colour
    // is on the screen
    let dark = Palette::dark();
    assert!(
        buf.content()
            .iter()
            .all(|c| c.fg != dark.fg && c.fg != dark.accent)
    );
    assert!(
        buf.content()
            .iter()
            .any(|c| c.fg == light.fg || c.fg == light.accent)
    );
}

#[test]
fn a_theme_error_names_the_file_line_and_key_before_the_explorer_starts() {
    let home = tempfile::tempdir().unwrap();
    let file = home.path().join("mine.toml");
    std::fs::write(&file, "accent = \"red\"\nboder = \"blue\"\n").unwrap();
    let o = mbx(home.path(), &["--theme", file.to_str().unwrap()], &[]);
    let (_, err) = text(&o);
    assert_eq!(code(&o), 2, "{err}");
    assert!(
        err.contains(&format!("{}, line 2", file.display())) && err.contains("`boder`"),
        "{err}"
    );
    // a profile's theme is used when --theme is absent
    write_config(
        home.path(),
        "config.toml",
        "default_profile = \"p\"\n[profiles.p]\ntheme = \"nrod\"\n",
    );
    let o = mbx(home.path(), &[], &[]);
    let (_, err) = text(&o);
    assert_eq!(code(&o), 2, "{err}");
    assert!(err.contains("`nrod`") && err.contains("nord"), "{err}");
}

#[test]
fn built_in_themes_are_chosen_by_name_without_a_themes_folder() {
    let themes = Path::new(env!("CARGO_MANIFEST_DIR")).join("themes");
    for (name, _) in theme::BUILTIN {
        assert!(themes.join(format!("{name}.toml")).is_file(), "{name}");
        let p = Palette::load(Some(name)).unwrap();
        let buf = screen(Styles::from_palette(&p), Keymap::default());
        assert_eq!(buf[(0, 0)].fg, p.border_focused, "{name}");
    }
}

#[test]
fn no_color_draws_no_colour_but_keeps_focus_visible() {
    let buf = screen(theme::load(Some("nord"), true).unwrap(), Keymap::default());
    assert!(
        buf.content()
            .iter()
            .all(|c| c.fg == Color::Reset && c.bg == Color::Reset),
        "a cell has a colour"
    );
    // the focused pane's border is bold, the others are not
    assert!(buf[(0, 0)].modifier.contains(Modifier::BOLD));
    assert!(!buf[(99, 0)].modifier.contains(Modifier::BOLD));
}
