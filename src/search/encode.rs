//! The compact encodings of the search files, mirrored by the decoder in `search.js`.
//!
//! Numbers are written as printable ASCII so they can sit in a JS string literal with
//! no escaping: [`ALPHABET`] has 88 characters (no quote, backslash, `<`, `>`, `&`);
//! the first [`LAST_BASE`] end a number, the others ([`MORE_BASE`]) carry its high
//! digits. A number below 60 takes one character, below 1,680 two, below 47,040 three.
//! JSON text bound for a `<script>` is passed through [`js_safe_json`], so no string
//! written by a user can close the script or start markup.

pub const ALPHABET: &str = "!#$%()*+,-./0123456789:;=?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_`abcdefghijklmnopqrstuvwxyz{|}~";
/// Characters that end a number.
pub const LAST_BASE: u32 = 60;
/// Characters that carry its higher digits.
pub const MORE_BASE: u32 = 28;

/// Appends `n` to `out`.
pub fn push_number(out: &mut String, n: u32) {
    let alphabet = ALPHABET.as_bytes();
    let mut high = n / LAST_BASE;
    // High digits, lowest first: a u32 needs at most six (60 × 28⁶ > 2³²).
    let mut digits = [0u8; 8];
    let mut count = 0;
    while high > 0 {
        digits[count] = alphabet[(LAST_BASE + high % MORE_BASE) as usize];
        count += 1;
        high /= MORE_BASE;
    }
    out.extend(digits[..count].iter().rev().map(|&b| b as char));
    out.push(alphabet[(n % LAST_BASE) as usize] as char);
}

/// A single-character code for a small number (below [`LAST_BASE`]); larger ones saturate.
pub fn small(n: usize) -> char {
    let i = n.min(LAST_BASE as usize - 1);
    ALPHABET.as_bytes()[i] as char
}

/// Serialises JSON so it is inert inside a `<script>`: `<`, `>`, `&` and the JS line
/// separators are written as `\u` escapes (they can only occur inside strings).
pub fn js_safe_json(value: &serde_json::Value) -> String {
    let raw = value.to_string();
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            _ => out.push(c),
        }
    }
    out
}

/// Appends `s` as a JSON string literal, written as `serde_json` writes it and made
/// inert as [`js_safe_json`] makes it: the text of `js_safe_json(&json!(s))`.
pub fn push_js_string(out: &mut String, s: &str) {
    out.reserve(s.len() + 2);
    out.push('"');
    let mut plain = 0;
    for (i, c) in s.char_indices() {
        let named = match c {
            '"' => "\\\"",
            '\\' => "\\\\",
            '\n' => "\\n",
            '\r' => "\\r",
            '\t' => "\\t",
            '\u{8}' => "\\b",
            '\u{c}' => "\\f",
            '<' => "\\u003c",
            '>' => "\\u003e",
            '&' => "\\u0026",
            '\u{2028}' => "\\u2028",
            '\u{2029}' => "\\u2029",
            _ => "",
        };
        if named.is_empty() && c >= ' ' {
            continue;
        }
        out.push_str(&s[plain..i]);
        if named.is_empty() {
            // Other control characters, as serde_json writes them.
            let _ = std::fmt::Write::write_fmt(out, format_args!("\\u{:04x}", c as u32));
        } else {
            out.push_str(named);
        }
        plain = i + c.len_utf8();
    }
    out.push_str(&s[plain..]);
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(s: &str) -> Vec<u32> {
        let mut out = Vec::new();
        let mut acc = 0;
        for c in s.chars() {
            let i = ALPHABET.find(c).expect("alphabet char") as u32;
            if i >= LAST_BASE {
                acc = acc * MORE_BASE + (i - LAST_BASE);
            } else {
                out.push(acc * LAST_BASE + i);
                acc = 0;
            }
        }
        out
    }

    #[test]
    fn alphabet_is_printable_and_needs_no_escaping() {
        assert_eq!(ALPHABET.len() as u32, LAST_BASE + MORE_BASE);
        assert!(ALPHABET.bytes().all(|b| b.is_ascii_graphic() && !b"\"'\\<>&".contains(&b)));
        let mut sorted: Vec<u8> = ALPHABET.bytes().collect();
        sorted.dedup();
        assert_eq!(sorted.len(), ALPHABET.len());
    }

    #[test]
    fn numbers_round_trip_and_small_ones_take_one_char() {
        let values = [0, 1, 59, 60, 61, 1679, 1680, 47_039, 47_040, 1_000_000, u32::MAX];
        let mut s = String::new();
        for v in values {
            push_number(&mut s, v);
        }
        assert_eq!(decode(&s), values);
        let mut one = String::new();
        push_number(&mut one, 59);
        assert_eq!(one.len(), 1);
    }

    #[test]
    fn script_breaking_text_is_escaped() {
        let v = serde_json::json!(["</script><script>alert(\"x\")</script> & 'q' \u{2028}"]);
        let s = js_safe_json(&v);
        assert!(!s.contains('<') && !s.contains('>') && !s.contains('&') && !s.contains('\u{2028}'));
        let back: serde_json::Value = serde_json::from_str(&s).expect("still JSON");
        assert_eq!(back, v);
    }
}
