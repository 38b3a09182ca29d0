//! Credentials recognised by their shape, for the secret-leak tests of the headless commands
//! (`tests/props.rs`) and of the explorer (`tests/tui.rs`).

/// A UUID (the sandbox's session token shape): 8-4-4-4-12 hex digits.
pub fn has_uuid(text: &str) -> bool {
    let b = text.as_bytes();
    let groups = [8, 4, 4, 4, 12];
    let len: usize = groups.iter().sum::<usize>() + 4;
    (0..b.len().saturating_sub(len - 1)).any(|start| {
        let mut i = start;
        groups.iter().enumerate().all(|(g, n)| {
            let ok = b[i..i + n].iter().all(u8::is_ascii_hexdigit)
                && (g == 4 || b.get(i + n) == Some(&b'-'));
            i += n + 1;
            ok
        })
    })
}
