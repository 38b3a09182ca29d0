//! The explorer, driven through the same `update` the app uses: keys in, screens out, with the
//! real sandbox answering every request.

mod tui {
    mod behaviour;
    mod event_loop;
    pub mod harness;
    mod history;
    mod profiles;
    mod results;
    pub mod screens;
    mod styles;
    mod users;
}
