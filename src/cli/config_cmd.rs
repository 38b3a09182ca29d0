//! `mbx config check`, `mbx config path` and `mbx keys`: the commands that explain what mbx will
//! read before it connects, and what it found.

use super::connect::{self, ConnectError, Credentials};
use super::{AuthMode, ConfigAction, ConnArgs, UiArgs};
use crate::config::{self, ConfigError, LoadedConfig, Settings};
use crate::tui::keymap::{Keymap, keys_path, scope_name};
use crate::tui::theme;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;

/// Runs `mbx config …`; `outer` holds the flags given before the subcommand.
pub fn run(action: ConfigAction, outer: &ConnArgs, ui: &UiArgs) -> ExitCode {
    match action {
        ConfigAction::Path => print(&path_report(outer)),
        ConfigAction::Check { conn } => {
            let conn = conn.or(outer);
            let rt = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    eprintln!("mbx: cannot start the async runtime: {e}");
                    return ExitCode::from(1);
                }
            };
            let mut out = std::io::stdout();
            let code = rt.block_on(check(&conn, ui, &mut |line: &str| {
                // A reader that went away (`| head`) does not change the verdict.
                let _ = writeln!(out, "{}", crate::printable::printable(line));
            }));
            ExitCode::from(code)
        }
    }
}

/// `mbx keys`: every action with its keys, after the user's keys.toml.
pub fn keys() -> ExitCode {
    match Keymap::load_user() {
        Ok(km) => print(&keys_report(&km, keys_path().as_deref())),
        Err(e) => {
            eprintln!("mbx: {e}");
            ExitCode::from(2)
        }
    }
}

fn print(text: &str) -> ExitCode {
    // a closed pipe is not an error worth a message
    let _ = std::io::stdout().write_all(text.as_bytes());
    ExitCode::SUCCESS
}

fn exists(path: &Path) -> &'static str {
    if path.is_file() {
        "exists"
    } else {
        "not found; optional"
    }
}

fn path_report(conn: &ConnArgs) -> String {
    let mut out = String::new();
    match (&conn.config, config::default_path()) {
        (Some(p), _) => {
            let state = if p.is_file() { "exists" } else { "not found" };
            let _ = writeln!(
                out,
                "config file: {} ({state}; named by --config or MBX_CONFIG)",
                p.display()
            );
        }
        (None, Some(p)) => {
            let _ = writeln!(out, "config file: {} ({})", p.display(), exists(&p));
        }
        (None, None) => {
            let _ = writeln!(
                out,
                "config file: no config directory on this system; set XDG_CONFIG_HOME or pass --config"
            );
        }
    }
    if let Some(p) = keys_path() {
        let _ = writeln!(out, "keys file:   {} ({})", p.display(), exists(&p));
    }
    if let Some(d) = config::data_dir() {
        let _ = writeln!(out, "data dir:    {} (history)", d.display());
    }
    out
}

fn keys_report(km: &Keymap, path: Option<&Path>) -> String {
    let mut out = String::new();
    if let Some(p) = path {
        let state = if p.is_file() {
            "applied"
        } else {
            "not found; defaults"
        };
        let _ = writeln!(out, "# keys file: {} ({state})", p.display());
    }
    let mut scopes = Vec::new();
    for b in &km.bindings {
        if !scopes.contains(&b.scope) {
            scopes.push(b.scope);
        }
    }
    for scope in scopes {
        let _ = writeln!(out, "\n{} [{}]", scope.title(), scope_name(scope));
        for b in km.bindings.iter().filter(|b| b.scope == scope) {
            let keys = if b.keys.is_empty() {
                "(unbound)".to_string()
            } else {
                b.keys
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let _ = writeln!(out, "  {:<14} {:<22} {}", b.action.name(), keys, b.help);
        }
    }
    out
}

/// Walks the steps a connection takes, reporting each; returns the exit code (0 only if every
/// step passed). The secret is never printed, only where it came from.
pub async fn check(conn: &ConnArgs, ui: &UiArgs, say: &mut dyn FnMut(&str)) -> u8 {
    let fail = |say: &mut dyn FnMut(&str), step: &str, e: &dyn std::fmt::Display, code: u8| {
        let e = e.to_string();
        // A config file error already starts with "config file …".
        if e.starts_with(step) {
            say(&format!("✗ {e}"));
        } else {
            say(&format!("✗ {step}: {e}"));
        }
        say("config check failed");
        code
    };
    let loaded = match config::load(conn.config.as_deref()) {
        Ok(l) => l,
        Err(e) => return fail(say, "config file", &e, 2),
    };
    say(&file_line(loaded.as_ref()));
    let settings = match connect::settings(conn) {
        Ok(s) => s,
        Err(ConnectError::Config(e @ ConfigError::UnknownProfile { .. })) => {
            return fail(say, "profile", &e, 2);
        }
        Err(e) => return fail(say, "settings", &e, e.exit_code()),
    };
    say(&profile_line(&settings, conn, loaded.as_ref()));
    say(&settings_line(&settings));
    let theme_spec = ui.theme.as_deref().or(settings.theme.as_deref());
    match theme::Palette::load(theme_spec) {
        Ok(_) => say(&format!(
            "✓ theme: {} loads{}",
            theme_spec.unwrap_or("dark"),
            if theme::no_color_requested() {
                " (NO_COLOR is set: no colours will be drawn)"
            } else {
                ""
            }
        )),
        Err(e) => return fail(say, "theme", &e, 2),
    }
    match (Keymap::load_user(), keys_path()) {
        (Ok(_), Some(p)) if p.is_file() => say(&format!("✓ keys file: {} applies", p.display())),
        (Ok(_), _) => say("– keys file: none (default keys)"),
        (Err(e), _) => return fail(say, "keys file", &e, 2),
    }
    let creds = match connect::credentials(&settings) {
        Ok(c) => c,
        Err(e) => return fail(say, secret_step(&settings), &e, e.exit_code()),
    };
    say(&secret_line(&settings, &creds));
    let connected = match connect::connect_with(&settings, creds, conn.sandbox).await {
        Ok(c) => c,
        Err(e) => return fail(say, "server", &e, e.exit_code()),
    };
    let client = &connected.client;
    let answer = async {
        let info = client.ping_info().await?;
        let era = client.era().await?;
        Ok::<_, crate::api::ApiError>((info, era))
    }
    .await;
    let code = match answer {
        Ok((info, era)) => {
            let place = if connected.sandbox.is_some() {
                format!("the built-in sandbox at {}", client.base_url())
            } else {
                client.base_url().to_string()
            };
            say(&format!(
                "✓ server: {place} answers ping as {} ({}): API {}, Metabase {}, {:.0} ms",
                info.identity.email,
                info.identity.mode,
                era.as_str(),
                info.server_version.as_deref().unwrap_or("version unknown"),
                info.round_trip.as_secs_f64() * 1000.0
            ));
            say("all checks passed");
            0
        }
        Err(e) => fail(say, "server", &e, e.exit_code()),
    };
    if let Some(sb) = connected.sandbox {
        sb.shutdown().await;
    }
    code
}

fn file_line(loaded: Option<&LoadedConfig>) -> String {
    match loaded {
        Some(c) => {
            let n = c.file.profiles.len();
            format!(
                "✓ config file: {} parses ({n} profile{})",
                c.path.display(),
                if n == 1 { "" } else { "s" }
            )
        }
        None => match config::default_path() {
            Some(p) => format!(
                "– config file: none at {} (flags and environment only)",
                p.display()
            ),
            None => "– config file: none (flags and environment only)".to_string(),
        },
    }
}

fn profile_line(s: &Settings, conn: &ConnArgs, loaded: Option<&LoadedConfig>) -> String {
    match &s.profile {
        Some(name) => {
            let how = if conn.profile.is_some() {
                "--profile or MBX_PROFILE"
            } else {
                "default_profile"
            };
            format!("✓ profile: {name} found ({how})")
        }
        None if loaded.is_some_and(|c| !c.file.profiles.is_empty()) => {
            "– profile: none chosen (pass --profile NAME or set default_profile)".to_string()
        }
        None => "– profile: none".to_string(),
    }
}

/// What will be used, merged from flags, environment and profile (never a secret).
fn settings_line(s: &Settings) -> String {
    let server = s.url.as_deref().unwrap_or("the built-in sandbox");
    let email = s.email.as_deref().unwrap_or(connect::DEFAULT_SANDBOX_EMAIL);
    let auth = match s.auth {
        AuthMode::Jwt => "jwt",
        AuthMode::Session => "session",
        AuthMode::ApiKey => "api-key",
    };
    let mut line = format!(
        "  using {server} as {email}, {auth} auth, email claim `{}`, renewal {} s, timeout {} s",
        s.email_claim,
        s.renewal_age.as_secs(),
        s.timeout.as_secs()
    );
    if !s.groups.is_empty() {
        let _ = write!(line, ", groups {}", s.groups.join(","));
    }
    if let Some(theme) = &s.theme {
        let _ = write!(line, ", theme {theme}");
    }
    line
}

fn secret_step(s: &Settings) -> &'static str {
    if s.auth == AuthMode::ApiKey {
        "api key"
    } else {
        "secret"
    }
}

fn secret_line(s: &Settings, creds: &Credentials) -> String {
    let (source, value) = if s.auth == AuthMode::ApiKey {
        (&s.api_key, &creds.api_key)
    } else {
        (&s.secret, &creds.secret)
    };
    match (source, value) {
        (Some(src), Some(v)) => format!(
            "✓ {}: {} resolves ({} characters, not shown)",
            secret_step(s),
            src.describe(),
            v.expose().chars().count()
        ),
        _ if s.url.is_none() => format!(
            "– {}: none given; the built-in sandbox uses its demo secret",
            secret_step(s)
        ),
        _ => format!("– {}: none given", secret_step(s)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_report_lists_every_binding_with_its_pane() {
        let km = Keymap::default()
            .with_overrides(Path::new("k.toml"), "quit = [\"ctrl-q\"]\n")
            .unwrap();
        let text = keys_report(&km, None);
        assert!(text.contains("Everywhere [global]"), "{text}");
        assert!(text.contains("Results [results]"), "{text}");
        let quit = text
            .lines()
            .find(|l| l.trim_start().starts_with("quit "))
            .unwrap();
        assert!(quit.contains("Ctrl-q") && !quit.contains(" q "), "{quit}");
        assert_eq!(
            text.lines().filter(|l| l.starts_with("  ")).count(),
            km.bindings.len()
        );
    }
}
