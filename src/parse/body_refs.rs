//! References in a doc's body: relative `.md` links and bare ids in prose.
//!
//! Bare ids (`see ADR-0007`, `per PRD 40`) count only outside code spans, code blocks,
//! URLs and existing links.

use crate::config::Config;
use crate::model::RawRef;
use std::ops::Range;

/// Every body reference, with its line (1-based, in the file: the body keeps the
/// file's line numbering).
pub fn scan(body: &str, config: &Config) -> Vec<RawRef> {
    let _ = (body, config);
    Vec::new()
}

/// Bare ids in a run of plain text (no Markdown): byte range and canonical id.
pub fn find_ids_in_text(text: &str, kinds: &[String]) -> Vec<(Range<usize>, String)> {
    let _ = (text, kinds);
    Vec::new()
}
