//! The explorer, driven through the same `update` the app uses: keys in, screens out, with the
//! real sandbox answering every request; and (`terminal`, `pty_secrets`) the real binary in a
//! pseudo-terminal.

#[path = "props/tokens.rs"]
mod tokens;

mod tui {
    mod behaviour;
    mod event_loop;
    pub mod harness;
    mod history;
    mod profiles;
    mod pty;
    mod pty_secrets;
    mod results;
    pub mod screens;
    mod styles;
    mod terminal;
    mod users;
}
