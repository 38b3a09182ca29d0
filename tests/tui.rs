//! The explorer, driven through the same `update` the app uses: keys in, screens out, with the
//! real sandbox answering every request.

mod tui {
    pub mod harness;
    mod behaviour;
    mod screens;
    mod styles;
}
