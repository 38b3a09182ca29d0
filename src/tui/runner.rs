//! Runs effects: every request on its own tokio task with a clone of the client; the answer comes
//! back as a message on the channel. Nothing here blocks the render loop.

use super::msg::{Answer, CompareWhat, Effect, Msg, Reply, ReqId, Request};
use super::profiles::ProfileSource;
use crate::api::{ApiError, Client, LogAuth};
use crate::cli::connect::Connected;
use crate::compare::{self, Comparison, Failure};
use crate::history::{History, NewRun, RunStatus};
use crate::sandbox::Sandbox;
use std::collections::HashMap;
use std::time::Instant;
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::AbortHandle;

/// How many remembered users the pickers offer.
const SEEN_USERS: usize = 30;

pub struct Runner {
    /// The user the explorer started as: other users are made from it.
    base: Client,
    /// Who requests act as now.
    client: Client,
    tx: UnboundedSender<Msg>,
    running: HashMap<ReqId, AbortHandle>,
    /// Whether `Copy` writes OSC 52 to the terminal (tests read the effect instead).
    clipboard: bool,
    /// The history's own thread, fed in order (a run is recorded before a later read lists
    /// it); `None` with `--no-history`.
    history: Option<std::sync::mpsc::Sender<HistoryJob>>,
    /// Where other profiles come from; `None` when switching is not offered (tests).
    profiles: Option<ProfileSource>,
    /// The in-process sandbox the client talks to, when the connection has no URL: it stops
    /// when a profile switch replaces it.
    sandbox: Option<Sandbox>,
}

/// Work for the history thread.
enum HistoryJob {
    Record(super::msg::RecordRun),
    RememberUser {
        profile: String,
        user: super::msg::User,
    },
    LoadUsers {
        profile: String,
    },
    /// Star a run first if asked, then list the runs and answer on the loop's channel.
    Load {
        profile: String,
        star: Option<(i64, bool)>,
        starred_only: bool,
    },
}

/// Owns the SQLite connection; ends when the runner (its only sender) is dropped.
fn history_thread(
    h: History,
    jobs: std::sync::mpsc::Receiver<HistoryJob>,
    tx: UnboundedSender<Msg>,
) {
    for job in jobs {
        match job {
            HistoryJob::Record(run) => {
                // A history that cannot be written must not disturb exploring.
                let _ = h.record(&NewRun {
                    profile: &run.profile,
                    user: &run.user,
                    body: &run.body,
                    row_count: run.row_count,
                    elapsed_ms: run.elapsed_ms,
                    status: if run.failed.is_some() {
                        RunStatus::Failed
                    } else {
                        RunStatus::Completed
                    },
                    error: run.failed.as_deref(),
                });
            }
            HistoryJob::RememberUser { profile, user } => {
                // Like a run, a user that cannot be remembered must not disturb exploring.
                let _ = h.remember_user(&profile, &user.email, &user.groups);
            }
            HistoryJob::LoadUsers { profile } => {
                let users = h
                    .users(&profile, SEEN_USERS)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|u| super::msg::User {
                        email: u.email,
                        groups: u.groups,
                    })
                    .collect();
                if tx.send(Msg::SeenUsers(users)).is_err() {
                    return;
                }
            }
            HistoryJob::Load {
                profile,
                star,
                starred_only,
            } => {
                let result = star
                    .map(|(id, s)| h.set_starred(id, s).map(|_| ()))
                    .unwrap_or(Ok(()))
                    .and_then(|()| h.list(&profile, starred_only, 200))
                    .map_err(|e| e.to_string());
                if tx.send(Msg::History(result)).is_err() {
                    return;
                }
            }
        }
    }
}

impl Runner {
    /// A runner for `client`. Watches the request log and sends `LogChanged` when it grows (the
    /// watcher ends with the loop). Needs a tokio runtime.
    pub fn new(client: Client, tx: UnboundedSender<Msg>) -> Runner {
        watch_log(&client, &tx);
        Runner {
            base: client.clone(),
            client,
            tx,
            running: HashMap::new(),
            clipboard: true,
            history: None,
            profiles: None,
            sandbox: None,
        }
    }

    /// Offers switching to the profiles of `source`.
    pub fn offer_profiles(&mut self, source: ProfileSource) {
        self.profiles = Some(source);
    }

    /// Keeps the sandbox the client talks to alive for as long as the connection is used.
    pub fn with_sandbox(mut self, sandbox: Option<Sandbox>) -> Runner {
        self.sandbox = sandbox;
        self
    }

    /// A profile switch worked: everything in flight for the old connection is aborted, and
    /// requests go to the new one from now on. The old sandbox (if any) stops as it drops.
    pub fn take_over(&mut self, connected: Connected) {
        for (_, task) in self.running.drain() {
            task.abort();
        }
        watch_log(&connected.client, &self.tx);
        self.base = connected.client.clone();
        self.client = connected.client;
        self.sandbox = connected.sandbox;
    }

    /// Records runs in `history` and answers history requests from it.
    pub fn with_history(mut self, history: History) -> Runner {
        let (jobs, rx) = std::sync::mpsc::channel();
        let tx = self.tx.clone();
        let spawned = std::thread::Builder::new()
            .name("mbx-history".into())
            .spawn(move || history_thread(history, rx, tx));
        // Without its thread there is no history; exploring goes on.
        self.history = spawned.ok().map(|_| jobs);
        self
    }

    /// Copies go nowhere (tests assert on the `Copy` effect).
    pub fn without_clipboard(mut self) -> Runner {
        self.clipboard = false;
        self
    }

    /// Starts what an effect asks for; returns true when the effect is `Quit`.
    pub fn apply(&mut self, effect: Effect) -> bool {
        self.running.retain(|_, h| !h.is_finished());
        match effect {
            Effect::Quit => return true,
            Effect::Cancel(id) => {
                if let Some(h) = self.running.remove(&id) {
                    h.abort();
                }
            }
            Effect::Debounce { generation, after } => {
                let tx = self.tx.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(after).await;
                    // The loop may have ended; nothing to do then.
                    let _ = tx.send(Msg::SearchDue(generation));
                });
            }
            Effect::Copy(text) => {
                if self.clipboard {
                    copy_to_clipboard(&text);
                }
            }
            Effect::SwitchUser(user) => {
                self.client = self.base.as_user(&user.email, &user.groups);
            }
            Effect::LoadProfiles => {
                let tx = self.tx.clone();
                match self.profiles.clone() {
                    Some(src) => {
                        tokio::task::spawn_blocking(move || {
                            let _ = tx.send(Msg::Profiles(src.names()));
                        });
                    }
                    None => {
                        let _ = tx.send(Msg::Profiles(Err(
                            "Switching profiles is not available here.".into(),
                        )));
                    }
                }
            }
            Effect::SwitchProfile { id, name } => {
                let tx = self.tx.clone();
                let src = self.profiles.clone().unwrap_or_default();
                let task = tokio::spawn(async move {
                    let msg = match src.connect(id, name.clone()).await {
                        Ok(s) => Msg::ProfileReady(Box::new(s)),
                        Err(error) => Msg::ProfileFailed { id, name, error },
                    };
                    let _ = tx.send(msg);
                });
                self.running.insert(id, task.abort_handle());
            }
            Effect::Export {
                id,
                rows,
                path,
                format,
            } => {
                let tx = self.tx.clone();
                let (ptx, mut prx) =
                    tokio::sync::watch::channel(crate::export::ExportProgress::default());
                let progress_tx = tx.clone();
                tokio::spawn(async move {
                    while prx.changed().await.is_ok() {
                        let p = *prx.borrow_and_update();
                        if progress_tx.send(Msg::ExportProgress(id, p)).is_err() {
                            break;
                        }
                    }
                });
                let task = tokio::spawn(async move {
                    let done = crate::export::export_to_file(rows, path, format, ptx).await;
                    let _ = tx.send(Msg::ExportDone(id, done.map_err(|e| e.to_string())));
                });
                self.running.insert(id, task.abort_handle());
            }
            Effect::Compare { id, other, what } => {
                let a = self.client.clone();
                let b = self.base.as_user(&other.email, &other.groups);
                let tx = self.tx.clone();
                let task = tokio::spawn(async move {
                    let started = Instant::now();
                    let cmp = compare_as(&a, &b, &what).await;
                    let answer = Answer {
                        id,
                        reply: Reply::Compare(Box::new(cmp)),
                        elapsed: started.elapsed(),
                        auth: a.auth_status(),
                    };
                    let _ = tx.send(Msg::Answer(Box::new(answer)));
                });
                self.running.insert(id, task.abort_handle());
            }
            Effect::Record(run) => {
                if let Some(jobs) = &self.history {
                    let _ = jobs.send(HistoryJob::Record(run));
                }
            }
            Effect::RememberUser { profile, user } => {
                if let Some(jobs) = &self.history {
                    let _ = jobs.send(HistoryJob::RememberUser { profile, user });
                }
            }
            Effect::LoadUsers { profile } => {
                if let Some(jobs) = &self.history {
                    let _ = jobs.send(HistoryJob::LoadUsers { profile });
                }
            }
            Effect::LoadHistory {
                profile,
                starred_only,
            } => self.load_history(profile, None, starred_only),
            Effect::Star {
                profile,
                id,
                starred,
                starred_only,
            } => self.load_history(profile, Some((id, starred)), starred_only),
            Effect::CurlWithToken { entry } => {
                let reply = curl_with_token(&self.base, entry);
                let _ = self.tx.send(Msg::InlineCurl(reply));
            }
            Effect::Send { id, req } => {
                let client = self.client.clone();
                let tx = self.tx.clone();
                let task = tokio::spawn(async move {
                    let started = Instant::now();
                    let reply = perform(&client, req).await;
                    let answer = Answer {
                        id,
                        reply,
                        elapsed: started.elapsed(),
                        auth: client.auth_status(),
                    };
                    let _ = tx.send(Msg::Answer(Box::new(answer)));
                });
                self.running.insert(id, task.abort_handle());
            }
        }
        false
    }

    /// Reads the history (after starring a run, if asked) and answers with `Msg::History`.
    fn load_history(&self, profile: String, star: Option<(i64, bool)>, starred_only: bool) {
        let sent = self.history.as_ref().is_some_and(|jobs| {
            jobs.send(HistoryJob::Load {
                profile,
                star,
                starred_only,
            })
            .is_ok()
        });
        if !sent {
            let _ = self.tx.send(Msg::History(Err(
                "the history is off (--no-history, or its file could not be opened)".into(),
            )));
        }
    }

    /// How many requests are still in flight.
    pub fn in_flight(&mut self) -> usize {
        self.running.retain(|_, h| !h.is_finished());
        self.running.len()
    }
}

/// Sends `LogChanged` whenever `client`'s request log grows; ends when that log is dropped or
/// the loop is gone.
fn watch_log(client: &Client, tx: &UnboundedSender<Msg>) {
    let mut log = client.log().subscribe();
    let watcher = tx.clone();
    tokio::spawn(async move {
        while log.changed().await.is_ok() {
            if watcher.send(Msg::LogChanged).is_err() {
                break;
            }
        }
    });
}

async fn perform(client: &Client, req: Request) -> Reply {
    fn text<T, E: std::fmt::Display>(r: Result<T, E>) -> Result<T, String> {
        r.map_err(|e| e.to_string())
    }
    match req {
        Request::Era => Reply::Era(text(client.era().await)),
        Request::Search(s) => Reply::Search(text(client.search(&s).await)),
        Request::Databases => Reply::Databases(text(client.databases().await)),
        Request::Database(id) => Reply::Database(text(client.database(id).await)),
        Request::Table(id) => Reply::Table(text(client.table(id, Default::default()).await)),
        Request::Metric(id) => Reply::Metric(text(client.metric(id, Default::default()).await)),
        Request::FieldValues(entity, field) => {
            Reply::FieldValues(text(client.field_values(entity, &field, Some(100)).await))
        }
        Request::Distribution(q) => Reply::Distribution(text(client.run_query(&q).await)),
        Request::Query(q) => Reply::Query(text(client.run_query(&q).await)),
        Request::NextPage(c) => Reply::More(text(client.next_page(&c).await)),
    }
}

/// OSC 52: the terminal puts the text on the system clipboard (over SSH too). A terminal that
/// does not support it ignores the sequence; a write error has nowhere useful to go.
fn copy_to_clipboard(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout();
    let _ = crossterm::execute!(
        out,
        crossterm::clipboard::CopyToClipboard::to_clipboard_from(text.as_bytes())
    );
    let _ = out.flush();
}

/// Runs `what` as `a` and as `b` at the same time and compares the answers.
async fn compare_as(a: &Client, b: &Client, what: &CompareWhat) -> Comparison {
    let (ua, ub) = (a.identity().email, b.identity().email);
    match what {
        CompareWhat::Search(req) => {
            let (ra, rb) = tokio::join!(a.search(req), b.search(req));
            compare::search(
                &ua,
                &ub,
                &ra.map_err(Failure::from),
                &rb.map_err(Failure::from),
            )
        }
        CompareWhat::Table(id, name) => {
            let (ra, rb) = tokio::join!(
                a.table(*id, Default::default()),
                b.table(*id, Default::default())
            );
            compare::table(
                &ua,
                &ub,
                name,
                &ra.map_err(Failure::from),
                &rb.map_err(Failure::from),
            )
        }
        CompareWhat::Query(q, label) => {
            let (ra, rb) = tokio::join!(a.run_query(q), b.run_query(q));
            let rows = |r: Result<crate::api::types::QueryResult, ApiError>| {
                r.map(|q| q.result).map_err(Failure::from)
            };
            compare::query(&ua, &ub, label, &rows(ra), &rows(rb))
        }
    }
}

/// Log entry `entry` as curl with a freshly signed token for its user pasted in.
fn curl_with_token(base: &Client, entry: u64) -> Result<String, String> {
    let e = base
        .log()
        .entries()
        .into_iter()
        .find(|e| e.id == entry)
        .ok_or_else(|| "that call is no longer in the log".to_string())?;
    match e.auth {
        LogAuth::Bearer | LogAuth::JwtInBody => {}
        LogAuth::Session => {
            return Err(
                "a session call cannot carry a fresh token: copy it with y and set MBX_SESSION"
                    .into(),
            );
        }
        LogAuth::ApiKey | LogAuth::None => {
            return Err("this call carries no token to inline: copy it with y".into());
        }
    }
    let token = base
        .as_user(&e.user, &[])
        .fresh_token()
        .map_err(|e| e.to_string())?
        .ok_or_else(|| "this connection uses an API key, not a token".to_string())?;
    Ok(e.to_curl(Some(token.expose())))
}
