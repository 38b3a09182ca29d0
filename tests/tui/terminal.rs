//! The terminal is given back as it was found, by the real binary in a pseudo-terminal: after a
//! quit, SIGTERM, a panic (through the panic hook) and a failed draw, the PTY is in cooked mode
//! again and the output switched off the alternate screen, the hidden cursor and mouse capture.

use super::pty::{Exit, Pty, Stdout, modes_left_on};

pub const SECRET: &str = "pty-shared-secret-that-must-stay-hidden-0123456789";

/// The explorer on the in-process sandbox (its default profile lists no databases, so catalog
/// data means search hits), with the history off and the shared secret from a file in `home`.
/// Returns once the catalog shows data: its search for "orders" has hits.
fn explorer(home: &std::path::Path, env: &[(&str, &str)], stdout: Stdout) -> Pty {
    let secret = home.join("secret");
    std::fs::write(&secret, SECRET).expect("write the secret file");
    let secret = secret.to_string_lossy().into_owned();
    let mut pty = Pty::spawn(
        home,
        &["--no-history", "--secret-file", &secret],
        env,
        stdout,
    );
    pty.send(b"/orders");
    pty.wait_for("ORDERS  Orders");
    pty
}

/// The explorer with ORDERS open in the inspector (the focus out of the search box, where q
/// would be typed rather than quit).
fn explorer_on_orders(home: &std::path::Path, stdout: Stdout) -> Pty {
    let mut pty = explorer(home, &[], stdout);
    pty.send(b"\r");
    pty.wait_for("Related tables");
    pty
}

/// While the explorer runs, the terminal is NOT restored: the checks below can fail.
fn assert_taken_over(pty: &Pty) {
    assert!(!pty.cooked(), "raw mode is on while the explorer runs");
    let on = modes_left_on(&pty.raw);
    for mode in ["alternate screen", "mouse: clicks", "mouse: SGR encoding"] {
        assert!(on.contains(&mode), "{mode} is on while running: {on:?}");
    }
}

fn assert_restored(exit: &Exit) {
    assert!(exit.cooked, "the PTY is back in cooked mode (ICANON, ECHO)");
    let on = modes_left_on(&exit.raw);
    assert!(on.is_empty(), "still on after exit: {on:?}");
    // The same, as a terminal emulator understood the whole output.
    assert!(!exit.screen.alternate_screen(), "left the alternate screen");
    assert!(!exit.screen.hide_cursor(), "the cursor shows");
    assert_eq!(
        exit.screen.mouse_protocol_mode(),
        vt100::MouseProtocolMode::None,
        "mouse capture is off"
    );
}

#[test]
fn quitting_gives_the_terminal_back() {
    let home = tempfile::tempdir().expect("tempdir");
    let mut pty = explorer_on_orders(home.path(), Stdout::Pty);
    assert_taken_over(&pty);
    pty.send(b"q");
    let exit = pty.finish();
    assert_eq!(exit.status.code(), Some(0), "q exits 0");
    assert_restored(&exit);
}

#[test]
fn sigterm_gives_the_terminal_back_and_exits_0() {
    let home = tempfile::tempdir().expect("tempdir");
    let pty = explorer(home.path(), &[], Stdout::Pty);
    assert_taken_over(&pty);
    pty.terminate();
    let exit = pty.finish();
    // SIGTERM ends the loop like a quit does.
    assert_eq!(exit.status.code(), Some(0), "SIGTERM exits 0");
    assert_restored(&exit);
}

#[test]
fn a_panic_gives_the_terminal_back_and_names_a_report_without_secrets() {
    let home = tempfile::tempdir().expect("tempdir");
    let secret = home.path().join("secret");
    std::fs::write(&secret, SECRET).expect("write the secret file");
    let secret = secret.to_string_lossy().into_owned();
    let mut pty = Pty::spawn(
        home.path(),
        &["--no-history", "--secret-file", &secret],
        &[("MBX_DEBUG_PANIC", "1")],
        Stdout::Pty,
    );
    pty.wait_for("Catalog");
    assert_taken_over(&pty);
    // The hook panics right after the first frame with data: the search hits.
    pty.send(b"/orders");
    let report = home.path().join(format!("mbx-crash-{}.txt", pty.pid()));
    let exit = pty.finish();
    assert_eq!(exit.status.code(), Some(101), "a panic exits 101");
    assert_restored(&exit);
    let printed = String::from_utf8_lossy(&exit.raw);
    let named = format!("the report is in {}", report.display());
    assert!(printed.contains(&named), "{named:?} in:\n{printed}");
    // The line is readable on the main screen, not swallowed with the alternate one.
    assert!(
        exit.screen.contents().contains("mbx crashed"),
        "{}",
        exit.screen.contents()
    );
    let text = std::fs::read_to_string(&report).expect("the report file exists");
    assert!(
        text.contains("MBX_DEBUG_PANIC=1: a deliberate crash"),
        "the panic message is in the report:\n{text}"
    );
    for (what, t) in [("the report", text.as_str()), ("the output", &printed)] {
        assert!(!t.contains(SECRET), "{what} holds the secret");
        assert!(!t.contains("eyJ"), "{what} holds a JWT");
    }
}

/// The loop's error path: stdout is a pipe the test closes while the explorer runs, so its
/// next frame fails to write. The escape sequences went into the closed pipe and cannot be
/// checked; what must hold is the PTY's mode, the exit code and the message.
#[test]
fn a_failed_draw_gives_the_terminal_back_and_exits_1() {
    let home = tempfile::tempdir().expect("tempdir");
    let mut pty = explorer_on_orders(home.path(), Stdout::Pipe);
    assert!(!pty.cooked(), "raw mode is on while the explorer runs");
    pty.close_stdout_pipe();
    // z enlarges or restores the focused pane, so each press draws a frame that writes; the
    // first write after the reader has gone fails.
    let deadline = std::time::Instant::now() + super::pty::PATIENCE;
    while !pty.exited() {
        assert!(
            std::time::Instant::now() < deadline,
            "the explorer kept running with its stdout closed"
        );
        pty.send(b"z");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let exit = pty.finish();
    assert_eq!(exit.status.code(), Some(1), "a terminal error exits 1");
    assert!(exit.cooked, "the PTY is back in cooked mode (ICANON, ECHO)");
    let printed = String::from_utf8_lossy(&exit.raw);
    assert!(
        printed.contains("mbx: the terminal failed:"),
        "the error is reported on stderr:\n{printed}"
    );
}
