//! The real `mbx` binary inside a pseudo-terminal: keys are typed into the master side,
//! everything the program prints is kept byte for byte and fed to a terminal emulator (vt100),
//! so that a test waits for text on the screen instead of sleeping.
//!
//! The child gets its own session with the PTY as controlling terminal, as a shell would give
//! it: crossterm reads keys from stdin and asks `/dev/tty` for the window size.

use rustix::fd::OwnedFd;
use rustix::fs::{Mode, OFlags};
use rustix::pty::{OpenptFlags, grantpt, openpt, ptsname, unlockpt};
use rustix::termios::{LocalModes, Winsize, tcgetattr, tcsetwinsize};
use std::ffi::OsStr;
use std::fs::File;
use std::io::{Read, Write};
use std::num::NonZeroU16;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::time::{Duration, Instant};

pub const COLS: NonZeroU16 = NonZeroU16::new(120).expect("not zero");
pub const ROWS: NonZeroU16 = NonZeroU16::new(40).expect("not zero");

/// How long any one wait may take. Generous: on a loaded 2-core machine the binary, its
/// in-process sandbox and the first requests can be slow, but a wait never hangs.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// The environment variables that would point the binary at a real server or a config file.
const MBX_VARS: [&str; 8] = [
    "MBX_URL",
    "MBX_EMAIL",
    "MBX_SECRET",
    "MBX_API_KEY",
    "MBX_PROFILE",
    "MBX_CONFIG",
    "MBX_LOG",
    "MBX_DEBUG_PANIC",
];

/// Where the child's stdout goes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Stdout {
    /// The PTY, like stdin and stderr.
    Pty,
    /// A pipe the test can close while the explorer runs (its next frame then fails to write).
    Pipe,
}

pub struct Pty {
    master: File,
    /// A slave descriptor of our own: the PTY's termios can still be read after the child exits.
    slave: Option<OwnedFd>,
    child: Child,
    rx: Receiver<Vec<u8>>,
    /// Set to make the stdout pipe's reader close its end.
    close_pipe: Arc<AtomicBool>,
    /// Every byte the child printed so far (PTY and, with `Stdout::Pipe`, the pipe).
    pub raw: Vec<u8>,
    parser: vt100::Parser,
}

/// How the child ended, and the state it left the terminal in.
pub struct Exit {
    pub status: ExitStatus,
    /// ICANON and ECHO were set on the PTY after the child exited.
    pub cooked: bool,
    pub raw: Vec<u8>,
    pub screen: vt100::Screen,
}

impl Pty {
    /// Starts `mbx args…` with `home` as HOME, XDG_CONFIG_HOME, XDG_DATA_HOME and TMPDIR, plus
    /// `env`.
    pub fn spawn(home: &Path, args: &[&str], env: &[(&str, &str)], stdout: Stdout) -> Pty {
        let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY | OpenptFlags::CLOEXEC)
            .expect("a pseudo-terminal");
        grantpt(&master).expect("grantpt");
        unlockpt(&master).expect("unlockpt");
        let name = ptsname(&master, Vec::new()).expect("the slave's name");
        let slave = rustix::fs::open(
            Path::new(OsStr::from_bytes(name.as_bytes())),
            OFlags::RDWR | OFlags::NOCTTY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .expect("the slave opens");
        tcsetwinsize(
            &master,
            Winsize {
                ws_row: ROWS.get(),
                ws_col: COLS.get(),
                ws_xpixel: 0,
                ws_ypixel: 0,
            },
        )
        .expect("the window size");
        let master = File::from(master);
        let (tx, rx) = channel();
        let close_pipe = Arc::new(AtomicBool::new(false));

        let mut cmd = Command::new(env!("CARGO_BIN_EXE_mbx"));
        for var in MBX_VARS {
            cmd.env_remove(var);
        }
        let slave_stdio = || Stdio::from(slave.try_clone().expect("dup the slave"));
        cmd.env("TERM", "xterm-256color")
            .env_remove("NO_COLOR")
            .env("HOME", home)
            .env("XDG_CONFIG_HOME", home)
            .env("XDG_DATA_HOME", home)
            .env("TMPDIR", home)
            .envs(env.iter().copied())
            .args(args)
            .stdin(slave_stdio())
            .stderr(slave_stdio());
        let pipe = match stdout {
            Stdout::Pty => {
                cmd.stdout(slave_stdio());
                None
            }
            Stdout::Pipe => {
                let (r, w) = std::io::pipe().expect("a pipe");
                cmd.stdout(w);
                Some(r)
            }
        };
        // SAFETY: between fork and exec only async-signal-safe system calls run here (setsid and
        // an ioctl, through rustix, which allocates nothing).
        unsafe {
            cmd.pre_exec(|| {
                rustix::process::setsid()?;
                rustix::process::ioctl_tiocsctty(rustix::stdio::stdin())?;
                Ok(())
            });
        }
        let child = cmd.spawn().expect("mbx starts");
        // The command's copies of the slave (and of the pipe's write end) close with it, so that
        // ours is the only one left once the child exits.
        drop(cmd);

        read_into(
            master.try_clone().expect("dup the master"),
            tx.clone(),
            None,
        );
        if let Some(r) = pipe {
            read_into(r, tx, Some(Arc::clone(&close_pipe)));
        }
        Pty {
            master,
            slave: Some(slave),
            child,
            rx,
            close_pipe,
            raw: Vec::new(),
            parser: vt100::Parser::new(ROWS, COLS, 0),
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    fn take(&mut self, chunk: Vec<u8>) {
        self.parser.process(&chunk);
        self.raw.extend_from_slice(&chunk);
    }

    /// The screen as text, one line per row.
    pub fn screen(&self) -> String {
        self.parser.screen().contents()
    }

    /// Waits until the screen shows `needle`; returns the screen.
    pub fn wait_for(&mut self, needle: &str) -> String {
        self.wait_until(needle, |s| s.contains(needle))
    }

    /// Waits until `done` holds for the screen; returns the screen. Fails the test with the last
    /// screen when the child exits first or `PATIENCE` runs out.
    pub fn wait_until(&mut self, what: &str, done: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let screen = self.screen();
            if done(&screen) {
                return screen;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                // What it printed last may still be on its way.
                self.pump(Duration::from_millis(300));
                panic!(
                    "mbx exited ({status}) before the screen showed {what}:\n{}",
                    self.screen()
                );
            }
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "no {what} on the screen within {PATIENCE:?}:\n{screen}"
            );
            match self.rx.recv_timeout(left.min(Duration::from_millis(200))) {
                Ok(chunk) => self.take(chunk),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => {
                    std::thread::sleep(Duration::from_millis(50))
                }
            }
        }
    }

    /// Takes whatever arrives for `quiet` after the last chunk.
    fn pump(&mut self, quiet: Duration) {
        while let Ok(chunk) = self.rx.recv_timeout(quiet) {
            self.take(chunk);
        }
    }

    /// Types bytes (keys as a terminal sends them).
    pub fn send(&mut self, bytes: &[u8]) {
        self.master.write_all(bytes).expect("type into the PTY");
        self.master.flush().expect("flush the PTY");
    }

    /// Whether the PTY is in cooked mode now: line editing (ICANON) and ECHO on, as a shell
    /// expects it.
    pub fn cooked(&self) -> bool {
        let slave = self.slave.as_ref().expect("the slave is kept until finish");
        let t = tcgetattr(slave).expect("the PTY's termios");
        t.local_modes
            .contains(LocalModes::ICANON | LocalModes::ECHO)
    }

    /// Makes the stdout pipe's reader close its end after its next read.
    pub fn close_stdout_pipe(&self) {
        self.close_pipe.store(true, Ordering::SeqCst);
    }

    /// Sends SIGTERM to the child.
    pub fn terminate(&self) {
        rustix::process::kill_process(
            rustix::process::Pid::from_child(&self.child),
            rustix::process::Signal::TERM,
        )
        .expect("SIGTERM is sent");
    }

    /// Whether the child has exited (without waiting).
    pub fn exited(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(Some(_)))
    }

    /// Waits (bounded) for the child to exit, reads the PTY's mode, then takes every byte it
    /// printed: with our slave closed too, the master reports the end.
    pub fn finish(mut self) -> Exit {
        let deadline = Instant::now() + PATIENCE;
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("wait for mbx") {
                break status;
            }
            if Instant::now() >= deadline {
                let _ = self.child.kill();
                panic!(
                    "mbx did not exit within {PATIENCE:?}:\n{}",
                    self.parser.screen().contents()
                );
            }
            if let Ok(chunk) = self.rx.recv_timeout(Duration::from_millis(100)) {
                self.take(chunk);
            }
        };
        let cooked = self.cooked();
        self.slave = None;
        let deadline = Instant::now() + PATIENCE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left) {
                Ok(chunk) => self.take(chunk),
                Err(RecvTimeoutError::Disconnected) => break,
                Err(RecvTimeoutError::Timeout) => panic!("the PTY never reported its end"),
            }
        }
        Exit {
            status,
            cooked,
            raw: std::mem::take(&mut self.raw),
            screen: self.parser.screen().clone(),
        }
    }
}

impl Drop for Pty {
    /// A failed test must not leave the explorer running.
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Reads `from` on a thread until it ends (the master reports EIO once no slave is open), or,
/// when `close` is given and set, right after the next read.
fn read_into(
    mut from: impl Read + Send + 'static,
    tx: Sender<Vec<u8>>,
    close: Option<Arc<AtomicBool>>,
) {
    std::thread::spawn(move || {
        let mut buf = [0u8; 16 * 1024];
        loop {
            match from.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if tx.send(buf[..n].to_vec()).is_err() {
                        break;
                    }
                }
            }
            if close.as_ref().is_some_and(|c| c.load(Ordering::SeqCst)) {
                break;
            }
        }
    });
}

/// Whether the output leaves the terminal as it found it: every mode the program switched on
/// (alternate screen, hidden cursor, mouse reporting) is switched off again after its last
/// switching on. Returns what is still on, if anything.
pub fn modes_left_on(raw: &[u8]) -> Vec<&'static str> {
    // (what, sequence that turns it on, sequence that turns it off)
    const MODES: [(&str, &str, &str); 7] = [
        ("alternate screen", "\x1b[?1049h", "\x1b[?1049l"),
        ("hidden cursor", "\x1b[?25l", "\x1b[?25h"),
        ("mouse: clicks", "\x1b[?1000h", "\x1b[?1000l"),
        ("mouse: drags", "\x1b[?1002h", "\x1b[?1002l"),
        ("mouse: motion", "\x1b[?1003h", "\x1b[?1003l"),
        ("mouse: urxvt encoding", "\x1b[?1015h", "\x1b[?1015l"),
        ("mouse: SGR encoding", "\x1b[?1006h", "\x1b[?1006l"),
    ];
    MODES
        .iter()
        .filter(|(_, on, off)| match last_index(raw, on.as_bytes()) {
            None => false,
            Some(i) => last_index(raw, off.as_bytes()).is_none_or(|j| j < i),
        })
        .map(|(what, _, _)| *what)
        .collect()
}

fn last_index(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}
