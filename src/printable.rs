//! Text from a server made safe to print on a terminal. An error page or a result cell can hold
//! escape sequences (set the window title, clear the screen, write the clipboard with OSC 52);
//! what mbx prints for a person shows them as visible `\u{1b}` escapes instead of sending them.
//! The explorer needs none of this: ratatui draws control characters as nothing.

use std::borrow::Cow;

/// `text` with every control character except newline and tab written as a `\u{…}` escape.
pub fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// C0 and C1 controls and DEL (newline and tab lay text out and cannot start a sequence), and
/// the invisible characters that make text read other than it is: bidirectional overrides and
/// isolates (which can reorder a line, "Trojan Source"), zero-width spaces and marks, the BOM.
/// The zero-width joiners stay: scripts and emoji need them.
fn is_unsafe(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(
            c,
            '\u{061c}'
                | '\u{200b}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
                | '\u{feff}'
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_become_visible_text() {
        assert_eq!(
            printable("You \u{1b}]0;PWNED\u{7} \u{1b}[2Jdon't"),
            "You \\u{1b}]0;PWNED\\u{7} \\u{1b}[2Jdon't"
        );
        // the 8-bit CSI, NUL, DEL and a carriage return that would overwrite the line
        assert_eq!(
            printable("a\u{9b}31mb\0c\u{7f}d\re"),
            "a\\u{9b}31mb\\u{0}c\\u{7f}d\\u{d}e"
        );
    }

    #[test]
    fn invisible_reordering_characters_become_visible() {
        assert_eq!(
            printable("admin\u{202e}txt.exe\u{2066}x\u{200b}y"),
            "admin\\u{202e}txt.exe\\u{2066}x\\u{200b}y"
        );
    }

    #[test]
    fn ordinary_text_is_not_copied() {
        let text = "naïve café — 100 % 日本 👩\u{200d}💻\n\tok";
        assert!(matches!(printable(text), Cow::Borrowed(t) if t == text));
    }
}
