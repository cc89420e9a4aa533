//! A file's lines, split on demand.
//!
//! Parsing only looks at a doc's header (front-matter, title, metadata blocks), so the
//! lines are split as far as the scanners read and no further; the body past that point
//! is copied into `Doc.body` in one piece. Line `i` is the text between the `i`-th and
//! `i+1`-th `\n` (0-based), exactly as `str::split('\n')` would give it.

pub struct Lines<'a> {
    text: &'a str,
    split: Vec<&'a str>,
    /// Byte offset where the first line not yet split starts.
    next: usize,
    /// True once the last line has been split.
    done: bool,
}

impl<'a> Lines<'a> {
    pub fn new(text: &'a str) -> Lines<'a> {
        Lines { text, split: Vec::with_capacity(64), next: 0, done: false }
    }

    /// Line `i` (0-based), or `None` past the end of the file.
    pub fn get(&mut self, i: usize) -> Option<&'a str> {
        while self.split.len() <= i && !self.done {
            let rest = &self.text[self.next..];
            match rest.find('\n') {
                Some(n) => {
                    self.split.push(&rest[..n]);
                    self.next += n + 1;
                }
                None => {
                    self.split.push(rest);
                    self.done = true;
                }
            }
        }
        self.split.get(i).copied()
    }

    /// The text again, with the lines marked in `blank` emptied ([`blank_lines`]).
    pub fn with_blanked(&self, blank: &[bool]) -> String {
        blank_lines(self.text, blank)
    }
}

/// `text` with the lines marked in `blank` emptied: same number of lines, so line
/// numbers in the result are the file's line numbers. Lines past the last marked one
/// are copied in one piece. The body of a doc is its text through this, so a later
/// stage can make it again from the file and the marks ([`crate::bodies`]).
pub fn blank_lines(text: &str, blank: &[bool]) -> String {
    let marked = blank.iter().rposition(|&b| b).map_or(0, |last| last + 1);
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    for &b in blank.iter().take(marked) {
        let (line, next) = match rest.find('\n') {
            Some(n) => (&rest[..n], Some(&rest[n + 1..])),
            None => (rest, None),
        };
        if !b {
            out.push_str(line);
        }
        match next {
            Some(next) => {
                out.push('\n');
                rest = next;
            }
            None => return out,
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_match_split_and_blanking_keeps_the_count() {
        for text in ["", "\n", "a", "a\n", "a\nb", "a\n\nb\n", "é\nü\n"] {
            let expected: Vec<&str> = text.split('\n').collect();
            let mut lines = Lines::new(text);
            for (i, e) in expected.iter().enumerate() {
                assert_eq!(lines.get(i), Some(*e), "{text:?} line {i}");
            }
            assert_eq!(lines.get(expected.len()), None);
            assert_eq!(lines.with_blanked(&[]), text);
            let blanked = lines.with_blanked(&[true]);
            assert_eq!(blanked.split('\n').count(), expected.len(), "{text:?}");
        }
    }

    #[test]
    fn unsplit_rest_is_copied_whole() {
        let mut lines = Lines::new("# T\n**Status:** x\nbody\nmore\n");
        assert_eq!(lines.get(1), Some("**Status:** x"));
        assert_eq!(lines.with_blanked(&[true, true]), "\n\nbody\nmore\n");
        assert_eq!(blank_lines("a\nb", &[false, true, true]), "a\n", "marks past the end change nothing");
    }
}
