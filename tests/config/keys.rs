//! keys.toml: overrides by action name, shown by `mbx keys` and in the explorer's hints.

use crate::common::*;
use crate::themes::buffer_text;
use mbx::tui::keymap::Keymap;
use mbx::tui::state::{App, SessionInfo, Settings};
use mbx::tui::theme::Styles;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::time::Instant;

#[test]
fn an_override_shows_in_mbx_keys() {
    let home = tempfile::tempdir().unwrap();
    let (before, _) = text(&mbx(home.path(), &["keys"], &[]));
    let quit = |t: &str| {
        t.lines()
            .find(|l| l.trim_start().starts_with("quit "))
            .map(str::to_string)
            .unwrap_or_default()
    };
    assert!(quit(&before).contains(" q "), "{before}");
    write_config(
        home.path(),
        "keys.toml",
        "quit = [\"ctrl-q\", \"Q\"]\n[results]\nback = \"x\"\n",
    );
    let o = mbx(home.path(), &["keys"], &[]);
    let (after, _) = text(&o);
    assert_eq!(code(&o), 0);
    assert!(
        after.starts_with("# keys file:") && after.contains("(applied)"),
        "{after}"
    );
    assert!(quit(&after).contains("Ctrl-q, Q"), "{after}");
    let results = after.split("Results [results]").nth(1).unwrap_or_default();
    assert!(
        results
            .lines()
            .any(|l| l.trim_start().starts_with("back") && l.contains(" x ")),
        "{after}"
    );
    // every other line is unchanged
    let changed = before
        .lines()
        .zip(after.lines())
        .filter(|(a, b)| a != b)
        .count();
    assert_eq!(changed, 3, "{after}");
}

#[test]
fn a_bad_keys_file_names_the_file_line_and_key() {
    let home = tempfile::tempdir().unwrap();
    write_config(
        home.path(),
        "keys.toml",
        "quit = \"q\"\nrun = \"ctrl-rr\"\n",
    );
    let path = home.path().join("mbx").join("keys.toml");
    for args in [&["keys"][..], &[]] {
        let o = mbx(home.path(), args, &[]);
        let (_, err) = text(&o);
        assert_eq!(code(&o), 2, "{err}");
        assert!(
            err.contains(&format!("keys file {}, line 2", path.display()))
                && err.contains("`ctrl-rr`"),
            "{err}"
        );
    }
}

#[test]
fn the_status_hints_read_the_overridden_table() {
    let km = Keymap::default()
        .with_overrides(std::path::Path::new("keys.toml"), "quit = \"ctrl-q\"\n")
        .unwrap();
    let session = SessionInfo {
        email: "analyst@example.com".into(),
        mode: "jwt".into(),
        url: "http://127.0.0.1:1".into(),
    };
    let mut app = App::new(session, Styles::dark(), Settings::default(), Instant::now());
    app.keymap = km;
    app.size = (160, 30);
    let mut t = Terminal::new(TestBackend::new(160, 30)).unwrap();
    t.draw(|f| mbx::tui::view(&app, f)).unwrap();
    let screen = buffer_text(t.backend().buffer());
    assert!(screen.contains("Ctrl-q quit"), "{screen}");
}
