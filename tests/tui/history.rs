//! The history overlay: runs recorded as they finish, re-run, edit, star, starred only.

use super::harness::{Harness, SIZES, snap};
use crossterm::event::KeyCode;
use mbx::tui::msg::{Effect, Request};
use mbx::tui::state::{Focus, Overlay, Run};

/// History reads run on blocking threads and are not requests: wait for the answer.
async fn read(h: &mut Harness) {
    h.wait_for(|a| !matches!(&a.overlay, Some(Overlay::History(v)) if v.loading))
        .await;
}

fn runs(h: &Harness) -> Vec<(bool, Option<u64>, String)> {
    match &h.app.overlay {
        Some(Overlay::History(v)) => v
            .runs
            .iter()
            .map(|r| (r.starred, r.row_count, r.user.clone()))
            .collect(),
        other => panic!("no history on screen: {other:?}"),
    }
}

#[tokio::test]
async fn runs_are_kept_and_can_be_rerun_edited_and_starred() {
    for size in SIZES {
        let mut h = Harness::analyst(size).await;
        h.key(KeyCode::Char('H'));
        read(&mut h).await;
        assert!(runs(&h).is_empty());
        snap(&h, "history_empty");
        h.key(KeyCode::Esc);

        h.open("orders").await;
        h.key(KeyCode::Char('r'));
        h.settle().await;
        h.open_fresh("people").await;
        h.key(KeyCode::Char('r'));
        h.settle().await;
        let records = h
            .effects
            .iter()
            .filter(|e| matches!(e, Effect::Record(_)))
            .count();
        assert_eq!(records, 2);

        h.key(KeyCode::Char('H'));
        read(&mut h).await;
        let all = runs(&h);
        assert_eq!(all.len(), 2, "{all:?}");
        assert!(
            all.iter()
                .all(|(_, n, u)| *n == Some(100) && u == "analyst@example.com")
        );
        // Star the older run (ORDERS), then show starred ones only.
        h.key(KeyCode::Down);
        h.key(KeyCode::Char('s'));
        read(&mut h).await;
        assert!(runs(&h)[1].0, "the older run is starred");
        snap(&h, "history_starred");
        h.key(KeyCode::Char('*'));
        read(&mut h).await;
        assert_eq!(runs(&h).len(), 1);

        // Enter re-runs it: ORDERS opens again and its query goes out.
        let sent = h.sent.len();
        h.key(KeyCode::Enter);
        assert!(h.app.overlay.is_none());
        assert_eq!(h.app.focus, Focus::Results);
        h.settle().await;
        let again = &h.sent[sent..];
        assert!(
            again.iter().any(|r| matches!(r, Request::Query(_))),
            "{again:?}"
        );
        assert!(matches!(h.app.results.run, Run::Done { .. }));
        let title = h.app.inspector.current.as_ref().map(|c| c.title());
        assert_eq!(title.as_deref(), Some("ORDERS (Orders)"));

        // `e` puts it in the builder without running it.
        h.key(KeyCode::Char('H'));
        read(&mut h).await;
        let sent = h.sent.len();
        h.key(KeyCode::Char('e'));
        h.settle().await;
        assert_eq!(h.app.focus, Focus::Builder);
        assert!(
            !h.sent[sent..]
                .iter()
                .any(|r| matches!(r, Request::Query(_)))
        );
    }
}

/// With a config profile, runs are kept under it (not "default") and the status bar names it.
#[tokio::test]
async fn runs_are_kept_under_the_config_profile() {
    for size in SIZES {
        let mut h = Harness::analyst(size).await;
        h.open("orders").await;
        h.key(KeyCode::Char('r'));
        h.settle().await;
        h.app.profile = Some("prod".into());
        h.open_fresh("people").await;
        h.key(KeyCode::Char('r'));
        h.settle().await;
        let profiles: Vec<String> = h
            .effects
            .iter()
            .filter_map(|e| match e {
                Effect::Record(r) => Some(r.profile.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(profiles, ["default", "prod"]);
        assert!(h.screen().contains("profile prod"), "{}", h.screen());
        h.key(KeyCode::Char('H'));
        read(&mut h).await;
        assert_eq!(runs(&h).len(), 1, "only the prod run is listed");
        snap(&h, "history_under_profile");
    }
}
