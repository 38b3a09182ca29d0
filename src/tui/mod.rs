//! The explorer: state, messages, update, effects and views (ratatui).
//!
//! One loop owns the terminal: it waits for a key, a mouse event, an answer from a request task,
//! or (only while something loads) a spinner tick; feeds it to `update`; hands the effects to the
//! runner; and redraws. Nothing arrives while idle, so nothing is drawn while idle.

mod distribution;
mod grid_keys;
mod history_keys;
pub mod keymap;
mod log_keys;
pub mod msg;
pub mod picker;
pub mod profiles;
pub mod runner;
pub mod state;
pub mod theme;
pub mod update;
mod users;
pub mod view;

use crate::api::Client;
use crate::cli::connect;
use crate::cli::{ConnArgs, UiArgs};
use crossterm::event::{
    DisableMouseCapture, EnableMouseCapture, Event, EventStream, KeyEventKind, MouseEventKind,
};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use futures::StreamExt;
use keymap::Keymap;
use msg::Msg;
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use state::{App, SessionInfo, Settings};
use std::io::{self, Stdout};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use theme::Styles;

pub use state::App as ExplorerState;
pub use update::{startup, update};
pub use view::view;

/// Opens the explorer (no subcommand). Every settings problem (config file, profile, secret,
/// theme, keys file) is reported before the terminal switches to the explorer.
pub fn run(conn: &ConnArgs, ui: &UiArgs) -> ExitCode {
    let _ = STARTED.set(Instant::now());
    let _ = DEBUG_PANIC.set(std::env::var_os("MBX_DEBUG_PANIC").is_some_and(|v| v == "1"));
    let prepared = connect::settings(conn).and_then(|s| {
        let creds = connect::credentials(&s)?;
        Ok((s, creds))
    });
    let (settings, creds) = match prepared {
        Ok(p) => p,
        Err(e) => {
            eprintln!("mbx: {e}");
            return ExitCode::from(e.exit_code());
        }
    };
    let theme = ui.theme.as_deref().or(settings.theme.as_deref());
    let styles = match theme::load(theme, theme::no_color_requested()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("mbx: {e}");
            return ExitCode::from(2);
        }
    };
    let keymap = match Keymap::load_user() {
        Ok(k) => k,
        Err(e) => {
            eprintln!("mbx: {e}");
            return ExitCode::from(2);
        }
    };
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("mbx: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    rt.block_on(async {
        let connected = match connect::connect_with(&settings, creds, conn.sandbox).await {
            Ok(c) => c,
            Err(e) => {
                eprintln!("mbx: {}", crate::printable::printable(&e.to_string()));
                return ExitCode::from(e.exit_code());
            }
        };
        if let Some(t0) = STARTED.get() {
            tracing::info!("connected after {:.1} ms", t0.elapsed().as_secs_f64() * 1e3);
        }
        let history = open_history(ui);
        let context = LoopContext {
            sandbox: connected.sandbox,
            history,
            profiles: Some(profiles::ProfileSource {
                config: conn.config.clone(),
                sandbox: conn.sandbox,
                theme: ui.theme.clone(),
                no_color: theme::no_color_requested(),
            }),
        };
        let profile = settings.profile.clone();
        match explore(connected.client, profile, styles, keymap, context).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("mbx: the terminal failed: {e}");
                ExitCode::from(1)
            }
        }
    })
}

/// When `run` began (right after argument parsing), for the start-up figures in the log.
static STARTED: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();

/// A hidden debugging hook: `MBX_DEBUG_PANIC=1` makes the real explorer panic right after its
/// first frame with data, so that the PTY tests can check the panic hook (terminal restored, a
/// report file named) on the real binary. No key can trigger it; it is read once, in `run`.
static DEBUG_PANIC: std::sync::OnceLock<bool> = std::sync::OnceLock::new();

/// Logs, once, how long after start-up the first frame with catalog data (the database tree, or
/// search hits) was drawn (read by scripts/startup.sh). Only the real explorer sets `STARTED`.
fn note_first_data_frame(app: &App, logged: &mut bool) {
    let has_data =
        matches!(app.catalog.browse, state::Browse::Loaded(_)) || !app.catalog.hits.is_empty();
    if *logged || !has_data {
        return;
    }
    *logged = true;
    if let Some(t0) = STARTED.get() {
        tracing::info!(
            "first frame with data after {:.1} ms",
            t0.elapsed().as_secs_f64() * 1e3
        );
    }
    if DEBUG_PANIC.get() == Some(&true) {
        panic!("MBX_DEBUG_PANIC=1: a deliberate crash after the first frame with data");
    }
}

/// The query history, unless `--no-history`; a history that cannot be opened is reported once
/// and left off, since exploring works without it.
fn open_history(ui: &UiArgs) -> Option<crate::history::History> {
    if ui.no_history {
        return None;
    }
    let Some(path) = crate::history::History::default_path() else {
        eprintln!("mbx: no data directory for the history; it is off this time");
        return None;
    };
    match crate::history::History::open(&path) {
        Ok(h) => Some(h),
        Err(e) => {
            eprintln!("mbx: the history is off this time: {e}");
            None
        }
    }
}

/// Raw mode, the alternate screen and mouse capture for as long as it lives.
struct Screen {
    terminal: Terminal<CrosstermBackend<Stdout>>,
}

impl Screen {
    fn enter() -> io::Result<Screen> {
        enable_raw_mode()?;
        let mut out = io::stdout();
        if let Err(e) = execute!(out, EnterAlternateScreen, EnableMouseCapture) {
            restore_terminal();
            return Err(e);
        }
        match Terminal::new(CrosstermBackend::new(out)) {
            Ok(terminal) => Ok(Screen { terminal }),
            Err(e) => {
                restore_terminal();
                Err(e)
            }
        }
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        restore_terminal();
    }
}

/// Puts the terminal back the way the shell expects it. Safe to call more than once.
pub fn restore_terminal() {
    let _ = disable_raw_mode();
    let _ = execute!(
        io::stdout(),
        DisableMouseCapture,
        LeaveAlternateScreen,
        crossterm::cursor::Show
    );
}

/// A panic restores the terminal first, then writes the report to a file and names it in one
/// line (the screen would otherwise swallow it).
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        restore_terminal();
        let report = format!(
            "mbx {} panicked: {info}\n\n{}\n",
            env!("CARGO_PKG_VERSION"),
            std::backtrace::Backtrace::force_capture()
        );
        let path = std::env::temp_dir().join(format!("mbx-crash-{}.txt", std::process::id()));
        match std::fs::write(&path, report) {
            Ok(()) => eprintln!("mbx crashed; the report is in {}", path.display()),
            Err(_) => eprintln!("mbx crashed: {info}"),
        }
    }));
}

/// Turns a terminal event into a message; motion and key releases are not messages.
fn event_msg(ev: Event) -> Option<Msg> {
    match ev {
        Event::Key(k) if k.kind == KeyEventKind::Press => Some(Msg::Key(k)),
        Event::Mouse(m) => match m.kind {
            MouseEventKind::Moved | MouseEventKind::Drag(_) | MouseEventKind::Up(_) => None,
            _ => Some(Msg::Mouse(m)),
        },
        Event::Resize(w, h) => Some(Msg::Resize(w, h)),
        _ => None,
    }
}

/// What the loop owns besides the client. Everything is optional: tests run the loop bare.
#[derive(Default)]
pub struct LoopContext {
    /// The in-process sandbox the client talks to (none with a URL): it lives as long as the
    /// connection to it is used.
    pub sandbox: Option<crate::sandbox::Sandbox>,
    /// Where finished queries are recorded (none with `--no-history`).
    pub history: Option<crate::history::History>,
    /// Where other profiles come from, for switching without leaving (`P`).
    pub profiles: Option<profiles::ProfileSource>,
}

/// Runs the explorer against a client until the user quits (or SIGTERM).
pub async fn explore(
    client: Client,
    profile: Option<String>,
    styles: Styles,
    keymap: Keymap,
    context: LoopContext,
) -> io::Result<()> {
    install_panic_hook();
    let mut screen = Screen::enter()?;
    let mut app = app_for(&client, styles, Settings::default());
    app.keymap = keymap;
    app.profile = profile;
    let size = screen.terminal.size()?;
    app.size = (size.width, size.height);
    let mut sigterm = terminate_signal()?;
    let stop = async move {
        sigterm.recv().await;
    };
    let draws = AtomicUsize::new(0);
    let result = event_loop(
        &mut screen.terminal,
        EventStream::new(),
        app,
        client,
        context,
        stop,
        &draws,
    )
    .await;
    drop(screen);
    result
}

/// A fresh explorer state for a client.
pub fn app_for(client: &Client, styles: Styles, settings: Settings) -> App {
    let identity = client.identity();
    let session = SessionInfo {
        email: identity.email,
        mode: identity.mode.to_string(),
        url: client.base_url().to_string(),
    };
    let mut app = App::new(session, styles, settings, Instant::now());
    app.request_log = Some(client.log().clone());
    app
}

/// The loop: one message at a time into `update`, effects to the runner, and a frame after each
/// change. Ends on quit, when the events end, or when `stop` completes. `draws` counts frames.
pub async fn event_loop<B, E>(
    terminal: &mut Terminal<B>,
    mut events: E,
    mut app: App,
    client: Client,
    context: LoopContext,
    stop: impl std::future::Future<Output = ()>,
    draws: &AtomicUsize,
) -> io::Result<()>
where
    B: ratatui::backend::Backend,
    B::Error: std::fmt::Display,
    E: futures::Stream<Item = io::Result<Event>> + Unpin,
{
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mut runner = runner::Runner::new(client, tx).with_sandbox(context.sandbox);
    if let Some(h) = context.history {
        runner = runner.with_history(h);
    }
    if let Some(p) = context.profiles {
        runner.offer_profiles(p);
    }
    for e in startup(&mut app) {
        runner.apply(e);
    }
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let draw = |terminal: &mut Terminal<B>, app: &App| -> io::Result<()> {
        draws.fetch_add(1, Ordering::Relaxed);
        terminal
            .draw(|f| view(app, f))
            .map(|_| ())
            .map_err(|e| io::Error::other(e.to_string()))
    };
    tokio::pin!(stop);
    let mut data_frame_logged = false;
    draw(terminal, &app)?;
    loop {
        let msg = tokio::select! {
            ev = events.next() => match ev {
                Some(Ok(ev)) => match event_msg(ev) {
                    Some(m) => m,
                    None => continue,
                },
                Some(Err(e)) => return Err(e),
                None => break,
            },
            Some(m) = rx.recv() => match m {
                // The log only matters on screen while its overlay is open.
                Msg::LogChanged if !matches!(app.overlay, Some(state::Overlay::Log(_))) => continue,
                Msg::ProfileReady(s) => {
                    for e in profiles::hand_over(&mut app, &mut runner, s) {
                        runner.apply(e);
                    }
                    draw(terminal, &app)?;
                    continue;
                }
                m => m,
            },
            _ = tick.tick(), if app.is_busy() => Msg::Tick(Instant::now()),
            _ = &mut stop => break,
        };
        let mut quit = false;
        for e in update(&mut app, msg) {
            quit |= runner.apply(e);
        }
        // Answers that arrived meanwhile are folded into the same frame.
        while let Ok(m) = rx.try_recv() {
            for e in update(&mut app, m) {
                quit |= runner.apply(e);
            }
        }
        if quit {
            break;
        }
        draw(terminal, &app)?;
        note_first_data_frame(&app, &mut data_frame_logged);
    }
    Ok(())
}

#[cfg(unix)]
fn terminate_signal() -> io::Result<tokio::signal::unix::Signal> {
    tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
}
