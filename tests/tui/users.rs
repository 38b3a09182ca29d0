//! Acting as other users: switch, compare (search, table, query) and the request log, against
//! the real sandbox where sales@example.com reads only ORDERS and PRODUCTS.

use super::harness::{Harness, SIZES, snap};
use crossterm::event::KeyCode;
use mbx::tui::msg::{Effect, Request};
use mbx::tui::state::{Focus, Overlay};

fn hit_names(h: &Harness) -> Vec<String> {
    h.app.catalog.hits.iter().map(|i| i.name.clone()).collect()
}

async fn search(h: &mut Harness, term: &str) {
    h.key(KeyCode::Char('/'));
    h.keys(term);
    h.settle().await;
    h.key(KeyCode::Esc);
}

fn verdict(h: &Harness) -> String {
    match &h.app.overlay {
        Some(Overlay::Compare(v)) => v
            .result
            .as_ref()
            .map(|c| c.verdict.clone())
            .expect("the comparison is back"),
        other => panic!("no comparison on screen: {other:?}"),
    }
}

#[tokio::test]
async fn switch_user_reloads_everything_as_them() {
    for size in SIZES {
        let mut h = Harness::analyst(size).await;
        search(&mut h, "people").await;
        assert!(
            hit_names(&h).iter().any(|n| n == "PEOPLE"),
            "{:?}",
            hit_names(&h)
        );
        h.key(KeyCode::Char('u'));
        snap(&h, "switch_user_picker");
        h.keys("sales@example.com");
        h.key(KeyCode::Enter);
        assert!(h.effects.iter().any(|e| matches!(e,
            Effect::SwitchUser(u) if u.email == "sales@example.com" && u.groups.is_empty())));
        h.settle().await;
        assert!(h.app.overlay.is_none());
        assert_eq!(h.app.session.email, "sales@example.com");
        assert!(
            !hit_names(&h).iter().any(|n| n == "PEOPLE"),
            "{:?}",
            hit_names(&h)
        );
        snap(&h, "switched_to_sales");
        // Both users are now offered, the current one marked.
        h.key(KeyCode::Char('u'));
        let Some(Overlay::Picker(p)) = &h.app.overlay else {
            panic!("the picker opens");
        };
        assert_eq!(p.items.len(), 2);
        h.key(KeyCode::Esc);
    }
}

#[tokio::test]
async fn switching_user_reruns_the_open_table_and_the_query() {
    let mut h = Harness::analyst((80, 24)).await;
    h.open("people").await;
    h.key(KeyCode::Char('r'));
    h.settle().await;
    let sent = h.sent.len();
    h.key(KeyCode::Char('u'));
    h.keys("sales@example.com, Sales");
    h.key(KeyCode::Enter);
    h.settle().await;
    let again = &h.sent[sent..];
    assert!(
        again.iter().any(|r| matches!(r, Request::Table(_))),
        "{again:?}"
    );
    assert!(
        again.iter().any(|r| matches!(r, Request::Query(_))),
        "{again:?}"
    );
    // PEOPLE is not theirs: the inspector and the results say so.
    assert!(h.app.inspector.error.is_some());
    assert!(matches!(
        h.app.results.run,
        mbx::tui::state::Run::Failed { .. }
    ));
    // The pickers offer the most recent user first.
    assert_eq!(
        h.app.users.first().map(|u| u.groups.clone()),
        Some(vec!["Sales".to_string()])
    );
}

#[tokio::test]
async fn compare_a_search_a_table_and_a_query() {
    for size in SIZES {
        let mut h = Harness::analyst(size).await;
        search(&mut h, "people").await;
        h.key(KeyCode::Char('c'));
        snap(&h, "compare_picker");
        h.keys("sales@example.com");
        h.key(KeyCode::Enter);
        let running = h
            .effects
            .iter()
            .filter(|e| matches!(e, Effect::Compare { .. }))
            .count();
        assert_eq!(running, 1);
        h.settle().await;
        let v = verdict(&h);
        assert!(v.contains("hidden from sales@example.com"), "{v}");
        snap(&h, "compare_search");
        h.key(KeyCode::Esc);

        h.key(KeyCode::Enter); // open the first hit (PEOPLE)
        h.settle().await;
        assert_eq!(h.app.focus, Focus::Inspector);
        h.key(KeyCode::Char('c'));
        h.keys("sales@example.com");
        h.key(KeyCode::Enter);
        h.settle().await;
        let v = verdict(&h);
        assert!(v.contains("sales@example.com cannot read"), "{v}");
        snap(&h, "compare_table");
        h.key(KeyCode::Esc);

        h.open_fresh("orders").await;
        h.key(KeyCode::Char('r'));
        h.settle().await;
        h.key(KeyCode::Char('c'));
        h.keys("sales@example.com");
        h.key(KeyCode::Enter);
        h.settle().await;
        verdict(&h);
        snap(&h, "compare_query");
        h.key(KeyCode::Esc);
        assert!(h.app.overlay.is_none());
    }
}

#[tokio::test]
async fn nothing_to_compare_says_so() {
    let mut h = Harness::analyst((80, 24)).await;
    h.key(KeyCode::Char('c'));
    assert!(matches!(&h.app.overlay, Some(Overlay::Error(e)) if e.contains("Nothing to compare")));
    h.key(KeyCode::Esc);
    // Not an email: refused in the picker, nothing switches.
    h.key(KeyCode::Char('u'));
    h.keys("nobody");
    h.key(KeyCode::Enter);
    assert!(matches!(&h.app.overlay, Some(Overlay::Picker(p)) if p.problem.is_some()));
    assert!(!h.effects.iter().any(|e| matches!(e, Effect::SwitchUser(_))));
    assert_eq!(h.app.session.email, "analyst@example.com");
}

#[tokio::test]
async fn the_request_log_lists_calls_and_copies_them() {
    for size in SIZES {
        let mut h = Harness::analyst(size).await;
        h.open("orders").await;
        h.key(KeyCode::Char('L'));
        let Some(Overlay::Log(v)) = &h.app.overlay else {
            panic!("the log opens");
        };
        let n = v.entries.len();
        assert!(n >= 3, "{n} calls");
        assert_eq!(v.selected, n - 1, "the newest call is selected");
        snap(&h, "request_log");
        // The log follows new calls while open.
        h.key(KeyCode::Esc);
        h.key(KeyCode::Char('r'));
        h.key(KeyCode::Char('L'));
        h.settle().await;
        let Some(Overlay::Log(v)) = &h.app.overlay else {
            panic!("the log is open");
        };
        assert!(v.entries.len() > n);
        assert_eq!(
            v.selected + 1,
            v.entries.len(),
            "the newest call is selected"
        );

        h.key(KeyCode::Char('y'));
        let curl = h.copied().last().cloned().unwrap_or_default();
        assert!(
            curl.starts_with("curl ") && curl.contains("$MBX_TOKEN"),
            "{curl}"
        );
        h.key(KeyCode::Char('Y'));
        let response = h.copied().last().cloned().unwrap_or_default();
        assert!(response.contains('{'), "{response}");

        // The live token takes two presses (on the first call: its response never varies).
        h.key(KeyCode::Char('g'));
        let copies = h.copied().len();
        h.key(KeyCode::Char('T'));
        assert_eq!(h.copied().len(), copies);
        snap(&h, "request_log_confirm_inline");
        h.key(KeyCode::Char('T'));
        h.settle().await;
        let inlined = h.copied().last().cloned().unwrap_or_default();
        assert!(
            inlined.contains("Bearer ''eyJ") && !inlined.contains("$MBX_TOKEN"),
            "{inlined}"
        );
    }
}

#[tokio::test]
async fn in_session_mode_a_switch_exchanges_a_new_session() {
    let args = mbx::cli::ConnArgs {
        email: Some("analyst@example.com".into()),
        sandbox: Some(mbx::cli::SandboxProfile::E2),
        auth: Some(mbx::cli::AuthMode::Session),
        ..mbx::cli::ConnArgs::default()
    };
    let mut h = Harness::with_args(args, (80, 24)).await;
    assert_eq!(h.app.session.mode, "session");
    search(&mut h, "people").await;
    assert!(h.app.auth.session_age.is_some(), "{:?}", h.app.auth);
    assert!(h.screen().contains("session"), "{}", h.screen());
    h.key(KeyCode::Char('u'));
    h.keys("sales@example.com");
    h.key(KeyCode::Enter);
    h.settle().await;
    assert_eq!(h.app.session.email, "sales@example.com");
    assert!(
        !hit_names(&h).iter().any(|n| n == "PEOPLE"),
        "{:?}",
        hit_names(&h)
    );
    // The exchange for the new user is in the log, with the user it was for.
    let log = h.app.request_log.as_ref().expect("the log").entries();
    let exchanges: Vec<&str> = log
        .iter()
        .filter(|e| e.auth == mbx::api::LogAuth::JwtInBody)
        .map(|e| e.user.as_str())
        .collect();
    assert_eq!(exchanges, vec!["analyst@example.com", "sales@example.com"]);
}

/// Users switched to or compared with are remembered per profile and offered, most recent
/// first, when the explorer opens again.
#[tokio::test]
async fn users_seen_before_are_offered_in_a_later_session() {
    for size in SIZES {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history.sqlite3");
        let args = || mbx::cli::ConnArgs {
            email: Some("analyst@example.com".into()),
            sandbox: Some(mbx::cli::SandboxProfile::E2),
            ..mbx::cli::ConnArgs::default()
        };
        {
            let history = mbx::history::History::open(&path).unwrap();
            let mut h = Harness::with_history(args(), size, history).await;
            for who in ["sales@example.com", "admin@example.com, Admins"] {
                h.key(KeyCode::Char('u'));
                h.keys(who);
                h.key(KeyCode::Enter);
                h.settle().await;
            }
            let remembered: Vec<String> = h
                .effects
                .iter()
                .filter_map(|e| match e {
                    Effect::RememberUser { profile, user } => {
                        Some(format!("{profile} {}", user.label()))
                    }
                    _ => None,
                })
                .collect();
            assert_eq!(remembered.len(), 2, "{remembered:?}");
            assert!(remembered.iter().all(|r| r.starts_with("default ")));
            // The history thread works in order: once the runs are listed, the users are written.
            h.key(KeyCode::Char('H'));
            h.wait_for(|a| !matches!(&a.overlay, Some(Overlay::History(v)) if v.loading))
                .await;
        }
        // A new session reads what the last one wrote.
        let history = mbx::history::History::open(&path).unwrap();
        let mut h = Harness::with_history(args(), size, history).await;
        h.wait_for(|a| a.users.len() == 3).await;
        let emails: Vec<&str> = h.app.users.iter().map(|u| u.email.as_str()).collect();
        assert_eq!(
            emails,
            [
                "analyst@example.com",
                "admin@example.com",
                "sales@example.com"
            ]
        );
        assert_eq!(h.app.users[1].groups, ["Admins"]);
        h.key(KeyCode::Char('u'));
        snap(&h, "switch_user_picker_remembered");
    }
}
