//! Runs the explorer's state machine against a real in-process sandbox: effects are executed for
//! real (requests on tokio tasks), answers are awaited and fed back, screens are rendered into a
//! `TestBackend`.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use mbx::cli::connect::{Connected, connect};
use mbx::cli::{ConnArgs, SandboxProfile};
use mbx::tui::msg::{Effect, Msg, Request};
use mbx::tui::runner::Runner;
use mbx::tui::state::{App, SessionInfo, Settings};
use mbx::tui::theme::Styles;
use mbx::tui::{startup, update, view};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::time::{Duration, Instant};
use tokio::sync::mpsc::UnboundedReceiver;

pub struct Harness {
    pub app: App,
    runner: Runner,
    rx: UnboundedReceiver<Msg>,
    _connected: Connected,
    /// Every request sent so far, in order.
    pub sent: Vec<Request>,
    /// Every effect returned by update, in order.
    pub effects: Vec<Effect>,
    pub quit: bool,
}

impl Harness {
    /// The explorer as `email` against a fresh sandbox of the given profile, after its start-up
    /// requests were answered.
    pub async fn start(email: &str, profile: SandboxProfile, size: (u16, u16)) -> Harness {
        let args = ConnArgs {
            email: Some(email.to_string()),
            sandbox: Some(profile),
            ..ConnArgs::default()
        };
        Harness::with_args(args, size).await
    }

    /// The explorer for any connection arguments (session mode, …) against the sandbox.
    pub async fn with_args(args: ConnArgs, size: (u16, u16)) -> Harness {
        let history = mbx::history::History::in_memory().expect("an in-memory history");
        Harness::with_history(args, size, history).await
    }

    /// Like `with_args`, keeping runs and users in `history` (a file outlives the harness).
    pub async fn with_history(
        args: ConnArgs,
        size: (u16, u16),
        history: mbx::history::History,
    ) -> Harness {
        let connected = connect(&args).await.expect("the sandbox starts");
        let client = connected.client.clone();
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let id = client.identity();
        let session = SessionInfo {
            email: id.email,
            mode: id.mode.to_string(),
            url: client.base_url().to_string(),
        };
        let settings = Settings {
            search_debounce: Duration::from_millis(1),
            ..Settings::default()
        };
        let mut app = App::new(session, Styles::dark(), settings, Instant::now());
        app.size = size;
        app.request_log = Some(client.log().clone());
        let mut h = Harness {
            app,
            runner: Runner::new(client, tx)
                .without_clipboard()
                .with_history(history),
            rx,
            _connected: connected,
            sent: Vec::new(),
            effects: Vec::new(),
            quit: false,
        };
        let fx = startup(&mut h.app);
        h.apply(fx);
        h.settle().await;
        h
    }

    pub async fn analyst(size: (u16, u16)) -> Harness {
        Harness::start("analyst@example.com", SandboxProfile::E2, size).await
    }

    /// Runs effects. A debounce fires at once: the test is the clock.
    fn apply(&mut self, fx: Vec<Effect>) {
        let mut queue = fx;
        while !queue.is_empty() {
            let mut next = Vec::new();
            for e in queue {
                self.effects.push(e.clone());
                match e {
                    Effect::Debounce { generation, .. } => {
                        next.extend(update(&mut self.app, Msg::SearchDue(generation)));
                    }
                    Effect::Send { ref req, .. } => {
                        self.sent.push(req.clone());
                        self.quit |= self.runner.apply(e);
                    }
                    other => self.quit |= self.runner.apply(other),
                }
            }
            queue = next;
        }
    }

    pub fn send(&mut self, msg: Msg) {
        // As the loop does: a new profile's connection is handed over, not `update`d.
        let fx = match msg {
            Msg::ProfileReady(s) => {
                mbx::tui::profiles::hand_over(&mut self.app, &mut self.runner, s)
            }
            m => update(&mut self.app, m),
        };
        self.apply(fx);
    }

    /// Offers switching to the profiles of a config file (`P`).
    pub fn offer_profiles(&mut self, source: mbx::tui::profiles::ProfileSource) {
        self.runner.offer_profiles(source);
    }

    pub fn key(&mut self, code: KeyCode) {
        self.send(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    }

    pub fn ctrl(&mut self, c: char) {
        self.send(Msg::Key(KeyEvent::new(
            KeyCode::Char(c),
            KeyModifiers::CONTROL,
        )));
    }

    pub fn keys(&mut self, text: &str) {
        for c in text.chars() {
            self.key(KeyCode::Char(c));
        }
    }

    pub fn click(&mut self, x: u16, y: u16) {
        self.send(Msg::Mouse(MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column: x,
            row: y,
            modifiers: KeyModifiers::NONE,
        }));
    }

    pub fn wheel_down(&mut self, x: u16, y: u16) {
        self.send(Msg::Mouse(MouseEvent {
            kind: MouseEventKind::ScrollDown,
            column: x,
            row: y,
            modifiers: KeyModifiers::NONE,
        }));
    }

    /// Feeds answers back until nothing is pending.
    pub async fn settle(&mut self) {
        while self.app.is_busy() {
            let msg = tokio::time::timeout(Duration::from_secs(20), self.rx.recv())
                .await
                .expect("an answer within 20 s")
                .expect("the channel stays open");
            self.send(msg);
        }
        // Log notices and other answers that came with the last one.
        while let Ok(msg) = self.rx.try_recv() {
            self.send(msg);
        }
    }

    /// Waits until `done` holds, feeding every message (exports send no `Answer`).
    pub async fn wait_for(&mut self, done: impl Fn(&App) -> bool) {
        while !done(&self.app) {
            let msg = tokio::time::timeout(Duration::from_secs(20), self.rx.recv())
                .await
                .expect("a message within 20 s")
                .expect("the channel stays open");
            self.send(msg);
        }
    }

    /// Every text put on the clipboard so far.
    pub fn copied(&self) -> Vec<String> {
        self.effects
            .iter()
            .filter_map(|e| match e {
                Effect::Copy(t) => Some(t.clone()),
                _ => None,
            })
            .collect()
    }

    pub fn terminal(&self) -> Terminal<TestBackend> {
        let (w, h) = self.app.size;
        let mut t = Terminal::new(TestBackend::new(w, h)).expect("a test terminal");
        t.draw(|f| view(&self.app, f)).expect("a frame");
        t
    }

    /// The screen as text.
    pub fn screen(&self) -> String {
        let t = self.terminal();
        let buf = t.backend().buffer();
        let mut out = String::new();
        for y in 0..buf.area.height {
            let mut line = String::new();
            for x in 0..buf.area.width {
                line.push_str(buf[(x, y)].symbol());
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }

    /// Searches, opens the first hit and waits for it.
    pub async fn open(&mut self, term: &str) {
        self.key(KeyCode::Char('/'));
        self.keys(term);
        self.settle().await;
        self.key(KeyCode::Enter);
        self.settle().await;
    }

    /// Like `open`, from any pane and with the catalog's box emptied first (in the results, `/`
    /// searches the rows instead).
    pub async fn open_fresh(&mut self, term: &str) {
        while self.app.focus != mbx::tui::state::Focus::Catalog {
            self.key(KeyCode::Tab);
        }
        self.key(KeyCode::Char('/'));
        self.key(KeyCode::Esc);
        self.key(KeyCode::Esc);
        self.settle().await;
        self.open(term).await;
    }

    /// Moves the inspector's cursor to the row whose text contains `needle`.
    pub async fn select_inspector_row(&mut self, needle: &str) {
        for _ in 0..60 {
            let row = self.app.inspector.selected_row();
            let cur = self.app.inspector.current.as_ref().expect("something open");
            if let Some(f) = row.and_then(|r| cur.field(r))
                && f.name == needle
            {
                self.settle().await;
                return;
            }
            if let (
                Some(mbx::tui::state::InspRow::Related(i)),
                mbx::tui::state::Inspected::Table(t),
            ) = (row, cur)
                && t.related_tables[i].name == needle
            {
                self.settle().await;
                return;
            }
            self.key(KeyCode::Down);
        }
        panic!("no inspector row {needle}");
    }
}

/// Snapshot settings: the top-level `snapshots/` folder, volatile text redacted.
pub fn insta_settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path(concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots"));
    s.set_prepend_module_to_snapshot(false);
    s.add_filter(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT");
    s.add_filter(&regex_escape(env!("CARGO_TARGET_TMPDIR")), "TMP");
    // The temporary directory's length differs between checkouts; so would the padding after it.
    s.add_filter(r"(TMP/\S+) +", "$1 ");
    s.add_filter(r"token\s*\d+s/180s", "token Ns/MAX");
    s.add_filter(r"token\s*\d+s\b", "token Ns");
    s.add_filter(r"\s*\b\d+(\.\d+)? ?(ms|s)\b", " N ms");
    s.add_filter(r"\s*\b\d+m\d\ds\b", " N ms");
    s.add_filter(r"[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]", "*");
    s.add_filter(r"\b\d\d:\d\d:\d\d\b", "HH:MM:SS");
    s.add_filter(r"\d{4}-\d\d-\d\d-\d{4}", "YYYY-MM-DD-HHMM");
    s.add_filter(r"\s*\b\d+(\.\d)? (B|KB|MB)\b", " N B");
    s
}

pub const SIZES: [(u16, u16); 2] = [(80, 24), (200, 50)];

/// Snapshots the screen under `name_WxH`.
pub fn snap(h: &Harness, name: &str) {
    let (w, ht) = h.app.size;
    let screen = h.screen();
    insta_settings().bind(|| {
        insta::assert_snapshot!(format!("{name}_{w}x{ht}"), screen);
    });
}

fn regex_escape(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '/' || c == '_' || c == '-' {
                c.to_string()
            } else {
                format!("\\{c}")
            }
        })
        .collect()
}
