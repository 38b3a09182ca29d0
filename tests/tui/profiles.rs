//! Switching config profiles without leaving the explorer: a profile that cannot connect leaves
//! everything as it was; one that can replaces the connection, and everything reloads as it.

use super::harness::{Harness, insta_settings};
use crossterm::event::KeyCode;
use mbx::cli::ConnArgs;
use mbx::tui::profiles::ProfileSource;
use mbx::tui::state::Overlay;

const CONFIG: &str = r#"
default_profile = "local"

[profiles.local]
email = "analyst@example.com"

[profiles.sales]
email = "sales@example.com"
theme = "light"

[profiles.dead]
url = "http://127.0.0.1:9"
email = "analyst@example.com"
secret_command = "printf 'dead-secret\n'"

[profiles.nosecret]
url = "http://127.0.0.1:9"
email = "analyst@example.com"
secret_command = "echo 'no such entry' >&2; exit 3"
"#;

async fn explorer(dir: &tempfile::TempDir) -> Harness {
    let path = dir.path().join("config.toml");
    std::fs::write(&path, CONFIG).expect("write the config");
    let args = ConnArgs {
        config: Some(path.clone()),
        ..ConnArgs::default()
    };
    let mut h = Harness::with_args(args, (80, 24)).await;
    h.app.profile = Some("local".into());
    h.offer_profiles(ProfileSource {
        config: Some(path),
        ..ProfileSource::default()
    });
    h
}

/// Opens the profile picker and waits for its names.
async fn open_picker(h: &mut Harness) {
    h.key(KeyCode::Char('P'));
    h.wait_for(|app| matches!(&app.overlay, Some(Overlay::Picker(p)) if !p.loading))
        .await;
}

async fn switch_to(h: &mut Harness, name: &str) {
    open_picker(h).await;
    h.keys(name);
    h.key(KeyCode::Enter);
    h.wait_for(|app| app.switching.is_none()).await;
    h.settle().await;
}

fn error_text(h: &Harness) -> String {
    match &h.app.overlay {
        Some(Overlay::Error(e)) => e.clone(),
        other => panic!("expected an error, got {other:?}"),
    }
}

#[tokio::test]
async fn the_picker_offers_every_profile_of_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut h = explorer(&dir).await;
    open_picker(&mut h).await;
    insta_settings().bind(|| insta::assert_snapshot!("profile_picker_80x24", h.screen()));
}

#[tokio::test]
async fn a_profile_that_cannot_connect_leaves_the_current_one_working() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut h = explorer(&dir).await;
    let before = h.app.session.clone();

    switch_to(&mut h, "dead").await;
    let text = error_text(&h);
    assert!(text.contains("Could not switch to profile dead"), "{text}");
    assert!(text.contains("127.0.0.1:9"), "names the server: {text}");
    assert!(
        text.contains("Still on profile local, as analyst@example.com"),
        "{text}"
    );
    assert!(!text.contains("dead-secret"), "never the secret: {text}");
    assert_eq!(h.app.session, before);
    assert_eq!(h.app.profile.as_deref(), Some("local"));

    h.key(KeyCode::Esc);
    switch_to(&mut h, "nosecret").await;
    let text = error_text(&h);
    assert!(
        text.contains("no such entry"),
        "the command's reason: {text}"
    );
    assert_eq!(h.app.session, before);

    // The old connection still answers.
    h.key(KeyCode::Esc);
    h.open_fresh("orders").await;
    assert!(h.app.inspector.current.is_some(), "{}", h.screen());
    assert!(h.app.last.as_ref().is_some_and(|l| l.error.is_none()));
}

#[tokio::test]
async fn a_working_profile_takes_over_and_everything_reloads_as_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut h = explorer(&dir).await;
    let old_url = h.app.session.url.clone();
    h.open("orders").await;
    assert!(h.app.inspector.current.is_some());

    open_picker(&mut h).await;
    h.keys("sales");
    h.key(KeyCode::Enter);
    h.wait_for(|app| app.switching.is_none()).await;
    // Said once in the status bar, until the first answer of the new connection replaces it.
    assert!(
        h.app
            .last
            .as_ref()
            .is_some_and(|l| l.label == "switched to profile sales" && l.error.is_none()),
        "{:?}",
        h.app.last
    );
    h.settle().await;
    assert!(h.app.overlay.is_none(), "{:?}", h.app.overlay);
    assert_eq!(h.app.profile.as_deref(), Some("sales"));
    assert_eq!(h.app.session.email, "sales@example.com");
    // Its own sandbox, its own theme, and nothing left of the old profile's panes.
    assert_ne!(h.app.session.url, old_url);
    assert_eq!(
        h.app.styles,
        mbx::tui::theme::load(Some("light"), false).expect("light")
    );
    assert!(h.app.inspector.current.is_none());
    let screen = h.screen();
    assert!(screen.contains("sales@example.com"), "{screen}");
    assert!(screen.contains("profile sales"), "{screen}");

    // Requests now go to the new connection, as the new user.
    h.open("orders").await;
    assert!(h.app.last.as_ref().is_some_and(|l| l.error.is_none()));
    let log = h.app.request_log.as_ref().expect("a log").entries();
    assert!(!log.is_empty());
    assert!(log.iter().all(|e| e.user == "sales@example.com"), "{log:?}");
    insta_settings().bind(|| insta::assert_snapshot!("profile_switched_80x24", h.screen()));
}
