//! Switching to another profile of the config file without leaving the explorer. The picker and
//! its answers are plain state changes; the connection is made on a task (a `secret_command` may
//! run, a sandbox may start, the server is pinged) and handed over by the loop only once it
//! works, so a profile that cannot connect leaves the current connection as it was.

use super::msg::{Effect, ReqId};
use super::picker::{Item, Picker, Step};
use super::runner::Runner;
use super::state::{App, LastRequest, Overlay};
use super::theme::{self, Styles};
use crate::cli::SandboxProfile;
use crate::cli::connect::{self, Connected};
use crate::config;
use serde_json::Value;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Where the profiles come from, and the launch choices a switch keeps: the config file, the
/// sandbox's surface, a `--theme` flag and `NO_COLOR`. Connection flags are not kept (see
/// `connect::settings_for_switch`).
#[derive(Clone, Debug, Default)]
pub struct ProfileSource {
    /// `--config` / `MBX_CONFIG`; the default place when `None`.
    pub config: Option<PathBuf>,
    pub sandbox: Option<SandboxProfile>,
    pub theme: Option<String>,
    pub no_color: bool,
}

/// A working connection for another profile, ready to take over.
pub struct Switched {
    pub id: ReqId,
    pub name: String,
    pub connected: Connected,
    pub styles: Styles,
    /// How long reading the profile, connecting and the first ping took.
    pub elapsed: Duration,
}

impl std::fmt::Debug for Switched {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Switched")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("connected", &self.connected)
            .finish_non_exhaustive()
    }
}

impl ProfileSource {
    /// The profile names of the config file, read again each time (it may have been edited
    /// since launch). Blocking: call on a blocking task.
    pub fn names(&self) -> Result<Vec<String>, String> {
        let loaded = config::load(self.config.as_deref()).map_err(|e| e.to_string())?;
        let place = || {
            self.config
                .clone()
                .or_else(config::default_path)
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| "the config file".into())
        };
        match loaded {
            None => Err(format!(
                "There is no config file to switch profiles with: create {} with \
                 [profiles.NAME] sections (README, “Config and profiles”).",
                place()
            )),
            Some(c) if c.file.profiles.is_empty() => Err(format!(
                "{} has no [profiles.NAME] sections to switch to.",
                c.path.display()
            )),
            Some(c) => Ok(c.file.profiles.into_keys().collect()),
        }
    }

    /// Reads profile `name` (its secret too), connects as it says (starting a sandbox when it
    /// has no URL) and checks that the server answers a ping as its user.
    pub async fn connect(&self, id: ReqId, name: String) -> Result<Switched, String> {
        let started = Instant::now();
        let src = self.clone();
        let wanted = name.clone();
        let (settings, styles, creds) = tokio::task::spawn_blocking(move || {
            let s = connect::settings_for_switch(src.config.as_deref(), &wanted)
                .map_err(|e| e.to_string())?;
            let spec = src.theme.as_deref().or(s.theme.as_deref());
            let styles = theme::load(spec, src.no_color).map_err(|e| e.to_string())?;
            let creds = connect::credentials(&s).map_err(|e| e.to_string())?;
            Ok::<_, String>((s, styles, creds))
        })
        .await
        .map_err(|e| format!("reading the profile failed: {e}"))??;
        let connected = connect::connect_with(&settings, creds, self.sandbox)
            .await
            .map_err(|e| e.to_string())?;
        connected.client.ping().await.map_err(|e| e.to_string())?;
        Ok(Switched {
            id,
            name,
            connected,
            styles,
            elapsed: started.elapsed(),
        })
    }
}

/// Opens the picker; the names arrive with `listed`.
pub fn open(app: &mut App) -> Vec<Effect> {
    let mut p = Picker::new(
        "Switch to which profile? (all reloads)",
        Step::SwitchProfile,
        Vec::new(),
    );
    p.loading = true;
    app.overlay = Some(Overlay::Picker(p));
    vec![Effect::LoadProfiles]
}

/// The config file's profiles were read (or could not be).
pub fn listed(app: &mut App, names: Result<Vec<String>, String>) {
    let Some(Overlay::Picker(p)) = &mut app.overlay else {
        return;
    };
    if p.step != Step::SwitchProfile {
        return;
    }
    match names {
        Ok(names) => {
            let now = app.profile.as_deref();
            p.items = names
                .into_iter()
                .map(|n| {
                    let detail = if Some(n.as_str()) == now { "(now)" } else { "" };
                    Item::new(n.clone(), detail, Value::String(n))
                })
                .collect();
            p.loading = false;
        }
        Err(e) => app.overlay = Some(Overlay::Error(e)),
    }
}

/// A profile was picked: connect with it in the background (a switch still running is dropped).
pub fn chosen(app: &mut App, value: Option<Value>) -> Vec<Effect> {
    let Some(name) = value.as_ref().and_then(Value::as_str).map(str::to_string) else {
        if let Some(Overlay::Picker(p)) = &mut app.overlay {
            p.problem = Some("pick a profile".into());
        }
        return Vec::new();
    };
    app.overlay = None;
    let mut fx = Vec::new();
    if let Some((old, _)) = app.switching.take() {
        fx.push(super::update::cancel(app, old));
    }
    let id = app.next_id;
    app.next_id += 1;
    app.pending.insert(id, format!("profile {name}"));
    app.switching = Some((id, name.clone()));
    fx.push(Effect::SwitchProfile { id, name });
    fx
}

/// The profile could not connect: say why; everything else stays as it is.
pub fn failed(app: &mut App, id: ReqId, name: &str, error: &str) {
    if app.switching.as_ref().map(|s| s.0) != Some(id) {
        return;
    }
    app.switching = None;
    app.pending.remove(&id);
    let still = match &app.profile {
        Some(p) => format!("profile {p}"),
        None => "the connection you started with".into(),
    };
    app.overlay = Some(Overlay::Error(format!(
        "Could not switch to profile {name}: {error}\n\nStill on {still}, as {}.",
        app.session.email
    )));
}

/// A connection is up: when it answers the switch in progress, the explorer starts over on it
/// and the runner sends everything there from now on (returns the start-up effects). A stale or
/// cancelled switch's connection, and its sandbox, just drop.
pub fn hand_over(app: &mut App, runner: &mut Runner, s: Box<Switched>) -> Vec<Effect> {
    if app.switching.as_ref().map(|w| w.0) != Some(s.id) {
        return Vec::new();
    }
    *app = take_over(app, &s);
    runner.take_over(s.connected);
    super::startup(app)
}

/// The explorer as it starts on the new connection: fresh panes, the same terminal size, keys
/// and tunables, and request ids that go on from the old ones (an old answer already on its
/// way can never be taken for a new one).
fn take_over(old: &App, s: &Switched) -> App {
    let mut app = super::app_for(&s.connected.client, s.styles.clone(), old.settings.clone());
    app.keymap = old.keymap.clone();
    app.size = old.size;
    app.now = old.now;
    app.next_id = old.next_id;
    app.profile = Some(s.name.clone());
    app.last = Some(LastRequest {
        label: format!("switched to profile {}", s.name),
        error: None,
        elapsed: s.elapsed,
    });
    app
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::state::{SessionInfo, Settings};

    fn app() -> App {
        let session = SessionInfo {
            email: "analyst@example.com".into(),
            mode: "jwt".into(),
            url: "http://127.0.0.1:1".into(),
        };
        let mut app = App::new(session, Styles::dark(), Settings::default(), Instant::now());
        app.profile = Some("local".into());
        app
    }

    fn picker(app: &App) -> &Picker {
        match &app.overlay {
            Some(Overlay::Picker(p)) => p,
            other => panic!("expected the picker, got {other:?}"),
        }
    }

    #[test]
    fn the_picker_lists_the_profiles_and_marks_the_current_one() {
        let mut app = app();
        assert_eq!(open(&mut app), vec![Effect::LoadProfiles]);
        assert!(picker(&app).loading);
        listed(&mut app, Ok(vec!["local".into(), "prod".into()]));
        let p = picker(&app);
        assert!(!p.loading);
        let shown: Vec<_> = p
            .items
            .iter()
            .map(|i| (i.label.as_str(), i.detail.as_str()))
            .collect();
        assert_eq!(shown, [("local", "(now)"), ("prod", "")]);
    }

    #[test]
    fn a_config_without_profiles_is_explained() {
        let mut app = app();
        open(&mut app);
        listed(&mut app, Err("no config file at /x/config.toml".into()));
        assert!(
            matches!(&app.overlay, Some(Overlay::Error(e)) if e.contains("/x/config.toml")),
            "{:?}",
            app.overlay
        );
    }

    #[test]
    fn choosing_connects_in_the_background_and_a_second_choice_drops_the_first() {
        let mut app = app();
        let fx = chosen(&mut app, Some(Value::String("prod".into())));
        let Some(Effect::SwitchProfile { id: first, name }) = fx.first().cloned() else {
            panic!("{fx:?}");
        };
        assert_eq!(name, "prod");
        assert!(app.is_busy(), "the status bar shows the switch running");
        let fx = chosen(&mut app, Some(Value::String("staging".into())));
        assert_eq!(fx.first(), Some(&Effect::Cancel(first)));
        assert!(matches!(fx.get(1), Some(Effect::SwitchProfile { name, .. }) if name == "staging"));
        // The first switch's late failure is not reported: it was dropped.
        failed(&mut app, first, "prod", "boom");
        assert!(app.overlay.is_none());
        assert!(app.is_busy());
    }

    #[test]
    fn a_failed_switch_keeps_the_current_profile_and_says_so() {
        let mut app = app();
        let fx = chosen(&mut app, Some(Value::String("prod".into())));
        let Some(Effect::SwitchProfile { id, .. }) = fx.first().cloned() else {
            panic!("{fx:?}");
        };
        failed(&mut app, id, "prod", "the server refused the token (401)");
        assert!(!app.is_busy());
        assert_eq!(app.profile.as_deref(), Some("local"));
        let Some(Overlay::Error(text)) = &app.overlay else {
            panic!("{:?}", app.overlay);
        };
        assert!(text.contains("Could not switch to profile prod"), "{text}");
        assert!(text.contains("401"), "{text}");
        assert!(
            text.contains("Still on profile local, as analyst@example.com"),
            "{text}"
        );
    }

    #[test]
    fn nothing_picked_is_refused_in_place() {
        let mut app = app();
        open(&mut app);
        assert!(chosen(&mut app, None).is_empty());
        assert_eq!(picker(&app).problem.as_deref(), Some("pick a profile"));
    }
}
