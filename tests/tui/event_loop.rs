//! The real loop on a test terminal: it draws when something happens and never while idle.

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use mbx::cli::ConnArgs;
use mbx::cli::connect::connect;
use mbx::tui::state::Settings;
use mbx::tui::theme::Styles;
use mbx::tui::{LoopContext, app_for, event_loop};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

#[tokio::test]
async fn draws_on_change_and_never_while_idle() {
    let connected = connect(&ConnArgs::default())
        .await
        .expect("the sandbox starts");
    let client = connected.client.clone();
    let mut app = app_for(&client, Styles::dark(), Settings::default());
    app.size = (80, 24);
    let (keys, events) = futures::channel::mpsc::unbounded::<std::io::Result<Event>>();
    let draws = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&draws);
    let task = tokio::spawn(async move {
        let mut terminal = Terminal::new(TestBackend::new(80, 24)).expect("a test terminal");
        event_loop(
            &mut terminal,
            events,
            app,
            client,
            LoopContext::default(),
            std::future::pending(),
            &counter,
        )
        .await
        .map(|()| terminal.backend().to_string())
    });
    // Start-up requests settle within a moment; then nothing happens.
    tokio::time::sleep(Duration::from_millis(800)).await;
    let settled = draws.load(Ordering::Relaxed);
    assert!(settled >= 1);
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(
        draws.load(Ordering::Relaxed),
        settled,
        "no frame while idle"
    );

    let key = |c| {
        Ok(Event::Key(KeyEvent::new(
            KeyCode::Char(c),
            KeyModifiers::NONE,
        )))
    };
    keys.unbounded_send(key('?')).expect("the loop listens");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        draws.load(Ordering::Relaxed),
        settled + 1,
        "one frame per key"
    );
    keys.unbounded_send(key('q')).expect("the loop listens");
    keys.unbounded_send(key('q')).expect("the loop listens");
    let screen = tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("q ends the loop")
        .expect("the loop task")
        .expect("no terminal error");
    assert!(screen.contains("Catalog"), "{screen}");
}
