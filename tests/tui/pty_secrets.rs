//! No credential leaves the explorer: the real binary in a PTY, in each auth mode, is driven
//! through a search, a table, a query, the request log, a copy as curl, a refused user and a
//! quit, and every byte it printed (screens, clipboard sequences), its `--log-file` at trace
//! level and any crash report are searched for the shared secret, the API key, JWTs and
//! session tokens. The deliberate "curl with a live token" copy is the positive control: its
//! JWT is found, and only there.

use super::pty::{Pty, Stdout};
use super::terminal::SECRET;
use crate::tokens::has_uuid;
use base64::Engine;

const API_KEY: &str = "pty-api-key-that-must-stay-hidden-fedcba9876";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Jwt,
    Session,
    ApiKey,
}

impl Mode {
    fn flag(self) -> &'static str {
        match self {
            Mode::Jwt => "jwt",
            Mode::Session => "session",
            Mode::ApiKey => "api-key",
        }
    }

    /// The variable a copied curl reads the credential from.
    fn curl_var(self) -> &'static str {
        match self {
            Mode::Jwt => "$MBX_TOKEN",
            Mode::Session => "$MBX_SESSION",
            Mode::ApiKey => "$MBX_API_KEY",
        }
    }

    /// A user the server turns away. A JWT login re-activates an inactive user (as Metabase's
    /// SSO does), so in session mode it is the user without any data permission; an API key
    /// acts as its own user whatever the explorer calls it, so there the switch succeeds.
    fn refused_user(self) -> &'static str {
        match self {
            Mode::Jwt | Mode::ApiKey => "inactive@example.com",
            Mode::Session => "nodata@example.com",
        }
    }

    /// What the log says to `T T` (a live token inlined) for the newest call.
    fn inline_answer(self) -> &'static str {
        match self {
            Mode::Jwt => "copied as curl with a fresh token inlined",
            Mode::Session => "a session call cannot carry a fresh token",
            Mode::ApiKey => "this call carries no token to inline",
        }
    }
}

/// A JWT by shape: a base64url JSON header (`eyJ` is `{"`), a dot, a base64url payload. The
/// base64 MBQL of an execute body also starts with `eyJ` but is standard base64 with no dot.
fn has_jwt(text: &str) -> bool {
    let b = text.as_bytes();
    let url = |c: &u8| c.is_ascii_alphanumeric() || *c == b'-' || *c == b'_';
    let run = |from: usize| b[from..].iter().take_while(|c| url(c)).count();
    text.match_indices("eyJ").any(|(i, _)| {
        let header = run(i);
        let dot = i + header;
        header >= 10 && b.get(dot) == Some(&b'.') && run(dot + 1) >= 10
    })
}

/// What is wrong with `text`, if anything: a secret by value, a JWT or a session token by shape.
fn leaks(text: &str) -> Vec<&'static str> {
    let mut found = Vec::new();
    if text.contains(SECRET) {
        found.push("the shared secret");
    }
    if text.contains(API_KEY) {
        found.push("the API key");
    }
    if has_jwt(text) {
        found.push("a JWT");
    }
    if has_uuid(text) {
        found.push("a session token");
    }
    found
}

fn assert_clean(what: &str, text: &str) {
    let found = leaks(text);
    assert!(found.is_empty(), "{what} holds {found:?}:\n{text}");
}

/// Splits what was printed into OSC 52 clipboard payloads (decoded) and everything else.
fn split_clipboard(raw: &[u8]) -> (Vec<u8>, Vec<String>) {
    const START: &[u8] = b"\x1b]52;";
    let mut rest = Vec::new();
    let mut copied = Vec::new();
    let mut i = 0;
    while i < raw.len() {
        if !raw[i..].starts_with(START) {
            rest.push(raw[i]);
            i += 1;
            continue;
        }
        let body = i + START.len();
        // The sequence ends with ST (ESC \) or BEL.
        let end = raw[body..]
            .iter()
            .position(|&c| c == 0x07 || c == 0x1b)
            .map(|n| body + n)
            .expect("a terminated OSC 52 sequence");
        let payload = &raw[body..end];
        let data = payload
            .iter()
            .position(|&c| c == b';')
            .map(|n| &payload[n + 1..])
            .expect("OSC 52 names its clipboard");
        let text = base64::engine::general_purpose::STANDARD
            .decode(data)
            .expect("OSC 52 carries base64");
        copied.push(String::from_utf8(text).expect("copied text is UTF-8"));
        i = end + if raw[end] == 0x1b { 2 } else { 1 };
    }
    (rest, copied)
}

/// The screen's rows with the box borders taken off and joined, so that text wrapped over rows
/// (a long body in the request log) reads as one piece.
fn unwrapped(screen: &str) -> String {
    const BORDERS: &[char] = &['│', '┃', '╭', '╮', '╰', '╯', '┌', '┐', '└', '┘', ' '];
    screen
        .lines()
        .map(|l| l.trim_matches(BORDERS))
        .collect::<String>()
}

/// Drives the explorer in `mode` and returns what it printed, the screens seen, the log file
/// and the crash reports.
struct Run {
    printed: Vec<u8>,
    screens: Vec<String>,
    log: String,
    crashes: Vec<String>,
}

fn drive(mode: Mode) -> Run {
    let home = tempfile::tempdir().expect("tempdir");
    let log = home.path().join("mbx.log");
    let secret = home.path().join("secret");
    std::fs::write(&secret, SECRET).expect("write the secret file");
    let (log_arg, secret_arg) = (
        log.to_string_lossy().into_owned(),
        secret.to_string_lossy().into_owned(),
    );
    let mut args = vec![
        "--no-history",
        "--log-file",
        &log_arg,
        "--auth",
        mode.flag(),
    ];
    let mut env = vec![("MBX_LOG", "trace")];
    match mode {
        Mode::Jwt | Mode::Session => args.extend(["--secret-file", secret_arg.as_str()]),
        Mode::ApiKey => env.push(("MBX_API_KEY", API_KEY)),
    }
    let mut pty = Pty::spawn(home.path(), &args, &env, Stdout::Pty);
    let mut screens = Vec::new();

    // (keys, what the screen then shows). r on a bare table runs its 100-row preview (the run
    // key); in the request log, y copies the newest call as curl and T T asks for a live token.
    let steps: [(&[u8], &str); 7] = [
        (b"/orders", "ORDERS  Orders"),
        (b"\r", "Related tables"),
        (b"r", "100 rows in"),
        (b"L", "/api/agent/v1/execute"),
        (b"y", "copied as curl (it reads the token from $MBX_TOKEN)"),
        (b"T", "T again copies the curl WITH A LIVE TOKEN"),
        (b"T", mode.inline_answer()),
    ];
    for (keys, shows) in steps {
        pty.send(keys);
        screens.push(pty.wait_for(shows));
    }
    pty.send(b"\x1b");
    screens.push(pty.wait_until("the log closed", |s| !s.contains("Request log ·")));
    // A user the server turns away (see `refused_user`): every pane reloads as them.
    pty.send(b"u");
    screens.push(pty.wait_for("Act as which user?"));
    pty.send(format!("{}\r", mode.refused_user()).as_bytes());
    screens.push(match mode {
        Mode::Jwt => pty.wait_for("search failed: JWT rejected for"),
        Mode::Session => pty.wait_until("the preview refused", |s| {
            s.contains("preview of ORDERS (Orders) failed") && s.contains("(403)")
        }),
        Mode::ApiKey => pty.wait_until("the switched label and its answers", |s| {
            s.contains(" inactive@example.com │") && s.contains("100 rows in")
        }),
    });
    // Ctrl-C quits from anywhere.
    pty.send(b"\x03");
    let exit = pty.finish();
    assert_eq!(exit.status.code(), Some(0), "{mode:?}: Ctrl-C exits 0");
    screens.push(exit.screen.contents());
    let crashes = std::fs::read_dir(home.path())
        .expect("the temp dir")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("mbx-crash"))
        .map(|e| std::fs::read_to_string(e.path()).expect("a crash report"))
        .collect();
    Run {
        printed: exit.raw,
        screens,
        log: std::fs::read_to_string(&log).expect("the log file exists"),
        crashes,
    }
}

fn check(mode: Mode) {
    let run = drive(mode);
    let (rest, copied) = split_clipboard(&run.printed);
    assert_clean("the output", &String::from_utf8_lossy(&rest));
    for (i, s) in run.screens.iter().enumerate() {
        assert_clean(&format!("screen {i}"), s);
        assert_clean(&format!("screen {i}, rows joined"), &unwrapped(s));
    }
    assert!(
        run.log.contains("TRACE") || run.log.contains("DEBUG"),
        "the log file was written at trace level:\n{}",
        run.log
    );
    assert_clean("the log file", &run.log);
    assert!(
        run.crashes.is_empty(),
        "{mode:?} crashed: {:?}",
        run.crashes
    );

    let (curl, inlined) = match (mode, copied.as_slice()) {
        (Mode::Jwt, [curl, inlined]) => (curl, Some(inlined)),
        (Mode::Session | Mode::ApiKey, [curl]) => (curl, None),
        (_, other) => panic!("{mode:?}: unexpected clipboard copies: {other:?}"),
    };
    assert!(curl.starts_with("curl "), "{curl}");
    assert!(curl.contains(mode.curl_var()), "{curl}");
    assert_clean("the copied curl", curl);
    // The positive control: the one copy made to carry a live token does carry one, which the
    // same scanner finds. Every other place was checked above.
    if let Some(inlined) = inlined {
        assert!(
            leaks(inlined) == ["a JWT"],
            "the inlined curl holds a JWT (and nothing else): {inlined}"
        );
        assert!(!inlined.contains("$MBX_TOKEN"), "{inlined}");
    }
}

#[test]
fn the_explorer_prints_no_credential_with_a_jwt() {
    check(Mode::Jwt);
}

#[test]
fn the_explorer_prints_no_credential_with_a_session() {
    check(Mode::Session);
}

#[test]
fn the_explorer_prints_no_credential_with_an_api_key() {
    check(Mode::ApiKey);
}

#[test]
fn the_scanners_see_what_they_look_for() {
    let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJlbWFpbCI6ImFAYi5jIn0.c2lnbmF0dXJlLWJ5dGVz";
    assert_eq!(leaks(&format!("Bearer {jwt}'")), ["a JWT"]);
    assert_eq!(
        leaks("X-Metabase-Session: 0f8fad5b-d9cb-469f-a165-70867728950e"),
        ["a session token"]
    );
    assert_eq!(
        leaks(&format!("…{SECRET}…{API_KEY}")),
        ["the shared secret", "the API key"]
    );
    // An execute body's base64 MBQL starts like a JWT but is not one.
    assert!(leaks(r#""query": "eyJsaWIvdHlwZSI6Im1icWwvcXVlcnkiLCJkYXRhYmFzZSI6MX0=""#).is_empty());
    let osc = b"a\x1b]52;c;Zm9v\x1b\\b\x1b]52;c;YmFy\x07c";
    assert_eq!(
        split_clipboard(osc),
        (b"abc".to_vec(), vec!["foo".into(), "bar".into()])
    );
    let wrapped = "│curl eyJhbGciOiJIUzI1NiJ9.eyJlbWFp│\n│bCI6ImFAYi5jIn0.c2ln│";
    assert!(!has_jwt(wrapped));
    assert!(has_jwt(&unwrapped(wrapped)));
}

/// Switching profiles (`P`) runs each profile's `secret_command`, starts another sandbox and
/// reports a profile that cannot connect: none of it may show the secret either.
#[test]
fn switching_profiles_prints_no_credential() {
    let home = tempfile::tempdir().expect("tempdir");
    let secret = home.path().join("secret");
    std::fs::write(&secret, SECRET).expect("write the secret file");
    let read_secret = format!("cat '{}'", secret.display());
    std::fs::create_dir_all(home.path().join("mbx")).expect("config dir");
    std::fs::write(
        home.path().join("mbx/config.toml"),
        format!(
            "default_profile = \"first\"\n\
             [profiles.first]\nemail = \"analyst@example.com\"\nsecret_command = \"{read_secret}\"\n\
             [profiles.second]\nemail = \"sales@example.com\"\nsecret_command = \"{read_secret}\"\n\
             [profiles.unreachable]\nurl = \"http://127.0.0.1:9\"\nemail = \"analyst@example.com\"\n\
             secret_command = \"{read_secret}\"\n"
        ),
    )
    .expect("write the config");
    let log = home.path().join("mbx.log");
    let log_arg = log.to_string_lossy().into_owned();
    let args = ["--no-history", "--log-file", log_arg.as_str()];
    let mut pty = Pty::spawn(home.path(), &args, &[("MBX_LOG", "trace")], Stdout::Pty);
    let mut screens = vec![pty.wait_for("profile first")];
    let steps: [(&[u8], &str); 2] = [
        (b"P", "unreachable"),
        (b"unreachable\r", "Could not switch to profile unreachable"),
    ];
    for (keys, shows) in steps {
        pty.send(keys);
        screens.push(pty.wait_for(shows));
    }
    // Closed before the next key: an Esc followed at once by a letter reads as Alt-letter.
    pty.send(b"\x1b");
    screens.push(pty.wait_until("the problem closed", |s| !s.contains("Could not switch")));
    let steps: [(&[u8], &str); 5] = [
        (b"P", "second"),
        (b"second\r", "profile second"),
        (b"/orders", "ORDERS  Orders"),
        (b"\r", "Related tables"),
        (b"L", "/api/agent/v1/table"),
    ];
    for (keys, shows) in steps {
        pty.send(keys);
        screens.push(pty.wait_for(shows));
    }
    assert!(
        screens.iter().any(|s| s.contains("sales@example.com")),
        "the second profile's user: {screens:?}"
    );
    pty.send(b"y");
    screens.push(pty.wait_for("copied as curl"));
    pty.send(b"\x03");
    let exit = pty.finish();
    assert_eq!(exit.status.code(), Some(0), "Ctrl-C exits 0");
    screens.push(exit.screen.contents());

    let (rest, copied) = split_clipboard(&exit.raw);
    assert_clean("the output", &String::from_utf8_lossy(&rest));
    for (i, s) in screens.iter().enumerate() {
        assert_clean(&format!("screen {i}"), s);
        assert_clean(&format!("screen {i}, rows joined"), &unwrapped(s));
    }
    let log = std::fs::read_to_string(&log).expect("the log file exists");
    assert!(log.contains("TRACE") || log.contains("DEBUG"), "{log}");
    assert_clean("the log file", &log);
    assert_eq!(copied.len(), 1, "{copied:?}");
    assert!(copied[0].contains("$MBX_TOKEN"), "{}", copied[0]);
    assert_clean("the copied curl", &copied[0]);
}
