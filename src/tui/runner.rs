//! Runs effects: every request on its own tokio task with a clone of the client; the answer comes
//! back as a message on the channel. Nothing here blocks the render loop.

use super::msg::{Answer, Effect, Msg, Reply, ReqId, Request};
use crate::api::Client;
use std::collections::HashMap;
use std::time::Instant;
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::AbortHandle;

pub struct Runner {
    client: Client,
    tx: UnboundedSender<Msg>,
    running: HashMap<ReqId, AbortHandle>,
}

impl Runner {
    pub fn new(client: Client, tx: UnboundedSender<Msg>) -> Runner {
        Runner {
            client,
            tx,
            running: HashMap::new(),
        }
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

    /// How many requests are still in flight.
    pub fn in_flight(&mut self) -> usize {
        self.running.retain(|_, h| !h.is_finished());
        self.running.len()
    }
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
        Request::Query(q) => Reply::Query(text(client.run_query(&q).await)),
    }
}
