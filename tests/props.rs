//! Property tests (proptest; `PROPTEST_CASES` bounds the case count) over the sandbox's JWT
//! verifier, construct-query and execute (no panic, only the contract's status kinds, and no
//! rows a user may not read), the client's execute decoder, and secret-leak checks over every
//! output of the headless commands.

#[path = "props/common.rs"]
mod common;
#[path = "props/construct.rs"]
mod construct;
#[path = "props/decode.rs"]
mod decode;
#[path = "props/jwt.rs"]
mod jwt;
#[path = "props/perms.rs"]
mod perms;
#[path = "props/secrets.rs"]
mod secrets;
#[path = "props/tokens.rs"]
mod tokens;
