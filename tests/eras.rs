//! The same questions asked of the sandbox in every profile (E2, E3, latest) through the real
//! client and the headless binary: the answers agree modulo ids.

#[path = "eras/answers.rs"]
mod answers;
#[path = "eras/common.rs"]
mod common;
#[path = "eras/headless.rs"]
mod headless;
#[path = "eras/hostile.rs"]
mod hostile;
#[path = "eras/paging.rs"]
mod paging;
