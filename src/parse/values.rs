//! Field values: placeholders, dates, people, statuses and document references.
//!
//! Every function takes the text of one value as written (Markdown and all) and returns
//! what it means, or why it means nothing. Placeholders left from a template (`{name}`,
//! `[Date]`, `YYYY-MM-DD`, `PRD-{NUMBER}`, a status listing its choices) are reported as
//! such, never taken as values. Nothing here guesses: an impossible or ambiguous date is
//! an error, not a nearby date.

use crate::config::Config;
use crate::ids::{self, Kinds};
use crate::model::{RawRef, Relation};

/// The canonical statuses, in lifecycle order.
pub const CANONICAL_STATUSES: [&str; 11] = [
    "draft",
    "proposed",
    "in-review",
    "approved",
    "accepted",
    "in-progress",
    "implemented",
    "complete",
    "rejected",
    "deprecated",
    "superseded",
];

/// A value with the decoration authors add around it removed: surrounding emphasis and
/// code marks, HTML comments, trailing hard breaks (`  `, `\`, `<br>`), outer quotes.
pub fn clean(raw: &str) -> String {
    let mut text = strip_html_comments(raw);
    loop {
        let t = text.trim();
        let t = t.strip_suffix("<br>").or_else(|| t.strip_suffix("<br/>")).or_else(|| t.strip_suffix("<br />"));
        let t = t.map(str::trim).unwrap_or(text.trim());
        let t = t.strip_suffix('\\').unwrap_or(t).trim();
        let unwrapped = unwrap_pair(t, "**")
            .or_else(|| unwrap_pair(t, "__"))
            .or_else(|| unwrap_pair(t, "`"))
            .or_else(|| unwrap_pair(t, "*"))
            .or_else(|| unwrap_pair(t, "_"))
            .or_else(|| unwrap_pair(t, "\""));
        match unwrapped {
            Some(inner) => text = inner.to_string(),
            None => {
                let t = t.to_string();
                return t;
            }
        }
    }
}

fn unwrap_pair<'a>(t: &'a str, mark: &str) -> Option<&'a str> {
    let inner = t.strip_prefix(mark)?.strip_suffix(mark)?;
    // `**a** and **b**` is not one emphasised run.
    if inner.is_empty() || inner.contains(mark) {
        None
    } else {
        Some(inner)
    }
}

fn strip_html_comments(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(start) = rest.find("<!--") {
        out.push_str(&rest[..start]);
        match rest[start..].find("-->") {
            Some(end) => rest = &rest[start + end + 3..],
            None => {
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// `n/a`, `none`, `TBD`, `-`: deliberately empty, not an error.
pub fn is_empty_value(cleaned: &str) -> bool {
    let t = cleaned.trim().trim_end_matches('.');
    t.is_empty()
        || matches!(
            t.to_ascii_lowercase().as_str(),
            "n/a" | "na" | "none" | "tbd" | "tbc" | "todo" | "-" | "--" | "null" | "nil" | "~" | ".." | "?"
        )
        || matches!(t, "—" | "–" | "…")
}

/// True when the value is a template placeholder rather than a value.
pub fn is_placeholder(cleaned: &str, kinds: &[String]) -> bool {
    let t = cleaned.trim();
    if t.is_empty() {
        return false;
    }
    if has_brace_placeholder(t) || is_template_expression(t) {
        return true;
    }
    if t.starts_with('[') && t.ends_with(']') && !t.starts_with("[[") && !t.contains("](") {
        return true;
    }
    if let Some(inner) = t.strip_prefix('<').and_then(|r| r.strip_suffix('>')) {
        if !inner.contains(['@', ':', '/', '<', '>']) && inner.chars().any(char::is_alphabetic) {
            return true;
        }
    }
    if is_date_template(t) || is_id_template(t, kinds) {
        return true;
    }
    // A link whose text or target is still a template: `[PRD-{NUMBER}](link)`, `[PRD](#)`.
    let links = markdown_links(t);
    if !links.is_empty() && links.iter().all(|l| is_placeholder_target(&l.target) || is_placeholder(&l.label, kinds)) {
        let rest_is_blank = strip_links(t).trim().is_empty();
        if rest_is_blank {
            return true;
        }
    }
    false
}

/// A value that is one template-engine expression and nothing else (`{{STATUS}}`,
/// `{{ cookiecutter.owner }}`): a template's field never filled in. Text around it (a
/// title that mentions `{{ x }}`) makes it text.
pub fn is_template_expression(t: &str) -> bool {
    t.strip_prefix("{{").and_then(|r| r.strip_suffix("}}")).is_some_and(|inner| {
        let inner = inner.trim();
        !inner.is_empty() && inner.chars().all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '-' | ' '))
    })
}

/// A single-brace template slot such as `{name}`, `{YYYY-MM-DD}` or `PRD-{NUMBER}`.
/// Template-engine syntax (`{{ x }}`, `{% x %}`) and code-like braces are not slots:
/// a title that literally contains them is kept (and escaped on output).
fn has_brace_placeholder(t: &str) -> bool {
    let bytes = t.as_bytes();
    let mut i = 0;
    while let Some(offset) = t[i..].find('{') {
        let open = i + offset;
        i = open + 1;
        if bytes.get(open + 1) == Some(&b'{') || (open > 0 && bytes[open - 1] == b'{') {
            i = open + 2;
            continue;
        }
        let Some(close) = t[open + 1..].find('}') else { return false };
        let inner = &t[open + 1..open + 1 + close];
        let slot_like = !inner.trim().is_empty()
            && inner.chars().any(char::is_alphabetic)
            && inner
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '/' | '-' | '_' | '.' | ',' | '(' | ')' | '\''));
        if slot_like {
            return true;
        }
    }
    false
}

/// `YYYY-MM-DD`, `DD/MM/YYYY`, `YYYY`.
fn is_date_template(t: &str) -> bool {
    t.len() >= 4
        && t.chars().any(|c| c == 'Y' || c == 'y')
        && t.chars().all(|c| matches!(c, 'Y' | 'y' | 'M' | 'm' | 'D' | 'd' | '-' | '/' | '.' | ' '))
}

/// `PRD-XXXX`, `ADR-NNN`, `TRD-###`.
fn is_id_template(t: &str, kinds: &[String]) -> bool {
    kinds.iter().any(|k| {
        t.len() > k.len() + 1
            && t.is_char_boundary(k.len())
            && t[..k.len()].eq_ignore_ascii_case(k)
            && t[k.len()..]
                .trim_start_matches(['-', '_', ' '])
                .chars()
                .all(|c| matches!(c, 'X' | 'x' | 'N' | 'n' | '#' | '?' | '*' | '0'))
            && !t[k.len()..].trim_start_matches(['-', '_', ' ']).chars().all(|c| c == '0')
    })
}

fn is_placeholder_target(target: &str) -> bool {
    let t = target.trim();
    t.is_empty()
        || matches!(t.to_ascii_lowercase().as_str(), "link" | "url" | "#" | "todo" | "..." | "tbd" | "path")
        || t.contains(['{', '[', ']'])
}

/// A Markdown inline link found in a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub label: String,
    pub target: String,
    /// Byte range of the whole link in the value.
    pub start: usize,
    pub end: usize,
}

/// Inline links `[label](target "title")`, autolinks `<https://…>` and wiki links `[[X]]`.
pub fn markdown_links(text: &str) -> Vec<Link> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'[' if bytes.get(i + 1) == Some(&b'[') => {
                if let Some(close) = text[i + 2..].find("]]") {
                    let inner = &text[i + 2..i + 2 + close];
                    let target = inner.split('|').next().unwrap_or(inner).trim().to_string();
                    out.push(Link { label: inner.trim().to_string(), target, start: i, end: i + 2 + close + 2 });
                    i += close + 4;
                    continue;
                }
            }
            b'[' => {
                if let Some((label_end, link_end, target)) = inline_link_at(text, i) {
                    out.push(Link {
                        label: text[i + 1..label_end].trim().to_string(),
                        target,
                        start: i,
                        end: link_end,
                    });
                    i = link_end;
                    continue;
                }
            }
            b'<' => {
                if let Some(close) = text[i + 1..].find('>') {
                    let inner = &text[i + 1..i + 1 + close];
                    if inner.starts_with("http://") || inner.starts_with("https://") {
                        out.push(Link {
                            label: inner.to_string(),
                            target: inner.to_string(),
                            start: i,
                            end: i + close + 2,
                        });
                        i += close + 2;
                        continue;
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// At `text[open] == '['`: the end of the label, the end of the link and its target.
fn inline_link_at(text: &str, open: usize) -> Option<(usize, usize, String)> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut j = open;
    let label_end = loop {
        match bytes.get(j)? {
            b'[' => depth += 1,
            b']' => {
                depth -= 1;
                if depth == 0 {
                    break j;
                }
            }
            _ => {}
        }
        j += 1;
    };
    if bytes.get(label_end + 1) != Some(&b'(') {
        return None;
    }
    let target_start = label_end + 2;
    let mut depth = 1usize;
    let mut k = target_start;
    while k < bytes.len() {
        match bytes[k] {
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 {
                    let raw = text[target_start..k].trim();
                    return Some((label_end, k + 1, link_destination(raw)));
                }
            }
            _ => {}
        }
        k += 1;
    }
    None
}

/// `<a b.md> "title"` → `a b.md`; `x.md "title"` → `x.md`.
fn link_destination(raw: &str) -> String {
    if let Some(rest) = raw.strip_prefix('<') {
        if let Some(end) = rest.find('>') {
            return rest[..end].to_string();
        }
    }
    raw.split_whitespace().next().unwrap_or("").to_string()
}

/// The text with every link replaced by spaces of the same length (keeps offsets).
fn strip_links(text: &str) -> String {
    let mut out = text.to_string();
    for link in markdown_links(text).iter().rev() {
        out.replace_range(link.start..link.end, &" ".repeat(link.end - link.start));
    }
    out
}

/// Markdown links replaced by their text, emphasis marks removed: for display values.
pub fn plain_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for link in markdown_links(text) {
        out.push_str(&text[last..link.start]);
        out.push_str(&link.label);
        last = link.end;
    }
    out.push_str(&text[last..]);
    let out = out.replace("**", "").replace("__", "").replace('`', "");
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

// ---------------------------------------------------------------------------------------
// Dates

/// Why a date was not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DateError {
    /// Looks like a date but names no real day (`2023-14-05`, `2023-02-30`).
    Impossible,
    /// Day and month could be swapped (`03/04/2026`).
    Ambiguous,
    /// Not a form docportal reads.
    Unrecognised,
}

/// An ISO `YYYY-MM-DD` from the date forms authors write.
pub fn parse_date(value: &str) -> Result<String, DateError> {
    let t = value.trim().trim_end_matches('.');
    // Date-times: `2026-03-02T10:00:00Z`, `2026-03-02 10:00`.
    let date_part = t.split(['T', ' ']).next().unwrap_or(t);
    if let Some(r) = numeric_date(date_part) {
        return r;
    }
    if date_part != t {
        if let Some(r) = numeric_date(t) {
            return r;
        }
    }
    named_month_date(t).unwrap_or(Err(DateError::Unrecognised))
}

fn numeric_date(t: &str) -> Option<Result<String, DateError>> {
    let sep = t.chars().find(|c| matches!(c, '-' | '/' | '.'))?;
    let parts: Vec<&str> = t.split(sep).collect();
    if parts.len() != 3 || parts.iter().any(|p| p.is_empty() || p.len() > 4 || !p.bytes().all(|b| b.is_ascii_digit())) {
        return None;
    }
    let nums: Vec<u32> = parts.iter().filter_map(|p| p.parse().ok()).collect();
    if nums.len() != 3 {
        return None;
    }
    if parts[0].len() == 4 {
        return Some(ymd(nums[0], nums[1], nums[2]));
    }
    if parts[2].len() == 4 {
        // `25.03.2026` is day-first by convention; slashes are day- or month-first.
        let (a, b, year) = (nums[0], nums[1], nums[2]);
        if sep == '.' {
            return Some(ymd(year, b, a));
        }
        return Some(match (a <= 12, b <= 12) {
            (true, true) if a != b => Err(DateError::Ambiguous),
            (true, true) => ymd(year, a, b),
            (true, false) => ymd(year, a, b),
            (false, true) => ymd(year, b, a),
            (false, false) => Err(DateError::Impossible),
        });
    }
    None
}

fn named_month_date(t: &str) -> Option<Result<String, DateError>> {
    let words: Vec<&str> = t.split([' ', ',']).filter(|w| !w.is_empty()).collect();
    if words.len() != 3 {
        return None;
    }
    let number = |w: &str| -> Option<u32> {
        let w = w.trim_end_matches(|c: char| c.is_ascii_alphabetic()); // 2nd, 3rd
        w.parse().ok()
    };
    // `March 2, 2026` or `2 Mar 2026`.
    let (month, day, year) = if let Some(m) = month_number(words[0]) {
        (m, number(words[1])?, words[2].parse().ok()?)
    } else {
        (month_number(words[1])?, number(words[0])?, words[2].parse().ok()?)
    };
    Some(ymd(year, month, day))
}

fn month_number(word: &str) -> Option<u32> {
    let w = word.trim_end_matches('.').to_ascii_lowercase();
    const MONTHS: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    if w.len() < 3 {
        return None;
    }
    MONTHS.iter().position(|m| m.starts_with(&w) || (w == "sept" && *m == "september")).map(|i| i as u32 + 1)
}

fn ymd(year: u32, month: u32, day: u32) -> Result<String, DateError> {
    if !(1000..=9999).contains(&year) || !(1..=12).contains(&month) || day == 0 {
        return Err(DateError::Impossible);
    }
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    if day > days {
        return Err(DateError::Impossible);
    }
    Ok(format!("{year:04}-{month:02}-{day:02}"))
}

// ---------------------------------------------------------------------------------------
// People

/// Names from a people field: split on `,`, `;`, ` and `, ` & `; `@handles` lose the `@`,
/// `<email>` parts are dropped, links become their text. Returns the names and any items
/// that were placeholders.
pub fn people(value: &str, kinds: &[String]) -> (Vec<String>, Vec<String>) {
    let mut names = Vec::new();
    let mut placeholders = Vec::new();
    let text = plain_text(value);
    for part in text.split([',', ';']).flat_map(|p| p.split(" and ")).flat_map(|p| p.split(" & ")) {
        let cleaned = clean(part);
        if is_placeholder(&cleaned, kinds) {
            placeholders.push(cleaned);
            continue;
        }
        let mut name = strip_email(&cleaned);
        if let Some(handle) = name.strip_prefix('@') {
            name = handle.to_string();
        }
        let name = name.trim().to_string();
        if !is_empty_value(&name) {
            names.push(name);
        }
    }
    (names, placeholders)
}

/// `Priya N <priya@acme.io>` → `Priya N`; a bare address stays.
fn strip_email(text: &str) -> String {
    if let (Some(open), Some(close)) = (text.find('<'), text.rfind('>')) {
        if open < close && text[open..close].contains('@') {
            let before = text[..open].trim();
            if !before.is_empty() {
                return format!("{}{}", before, text[close + 1..].trim_end());
            }
            return text[open + 1..close].to_string();
        }
    }
    text.to_string()
}

// ---------------------------------------------------------------------------------------
// Status

/// What a status value means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatusValue {
    /// A canonical status; `successor` holds the target of `Superseded by X`.
    Known { status: String, raw: String, successor: Option<String> },
    /// Not a known spelling: kept lower-cased and hyphenated.
    Unknown { status: String, raw: String },
    /// The template's list of choices (`Draft / In Review / Approved`).
    Choices,
}

/// Interprets a cleaned status value. `[portal.status]` spellings win over built-in ones.
pub fn status(cleaned: &str, config: &Config) -> StatusValue {
    let raw = strip_decoration(&plain_text(cleaned));
    let folded = fold_status(&raw);
    if let Some(s) = lookup_status(&folded, config) {
        return StatusValue::Known { status: s, raw, successor: None };
    }
    let parts: Vec<&str> = raw.split(['/', '|', ',']).map(str::trim).filter(|p| !p.is_empty()).collect();
    if parts.len() >= 2 && parts.iter().filter(|p| lookup_status(&fold_status(p), config).is_some()).count() >= 2 {
        return StatusValue::Choices;
    }
    // `Superseded by ADR-9`, `Replaced by [TRD-2](x.md)`.
    for prefix in ["superseded by", "replaced by", "obsoleted by"] {
        if folded.len() > prefix.len() && folded.starts_with(prefix) {
            let target_text = after_words(cleaned, prefix);
            return StatusValue::Known {
                status: "superseded".to_string(),
                raw,
                successor: Some(target_text.trim().to_string()),
            };
        }
    }
    // `Implemented (Swift 5.5)`, `Accepted with revisions`, `Approved on 2026-03-02`: the
    // longest run of leading words that is a known status, the rest being a remark.
    let words: Vec<&str> = folded
        .split(['(', '[', ':', ';', ','])
        .next()
        .unwrap_or("")
        .split(' ')
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
        .filter(|w| !w.is_empty())
        .collect();
    for n in (1..=words.len()).rev() {
        let phrase = words[..n].join(" ");
        if let Some(s) = lookup_status(&phrase, config) {
            return StatusValue::Known { status: s, raw, successor: None };
        }
        if let Some(own) = extended_status(&phrase) {
            return StatusValue::Known { status: own.replace(' ', "-"), raw, successor: None };
        }
    }
    StatusValue::Unknown { status: folded.replace(' ', "-"), raw }
}

/// Statuses of widely used proposal processes (EIP, PEP, Swift Evolution, feature
/// stages) that have no canonical equivalent: kept as their own value, without a warning.
pub const EXTENDED_STATUSES: [&str; 22] = [
    "final",
    "living",
    "stagnant",
    "withdrawn",
    "deferred",
    "postponed",
    "stable",
    "experimental",
    "active",
    "inactive",
    "returned for revision",
    "on hold",
    "abandoned",
    "idea",
    "alpha",
    "beta",
    "ga",
    "frozen",
    "dormant",
    "moved",
    "informational",
    "partially implemented",
];

fn extended_status(folded: &str) -> Option<&'static str> {
    EXTENDED_STATUSES.iter().copied().find(|s| *s == folded)
}

/// `✅ **Accepted**` → `Accepted`: drops leading and trailing symbols and emphasis.
fn strip_decoration(text: &str) -> String {
    let t = text.replace("**", "").replace("__", "");
    t.trim_matches(|c: char| !(c.is_alphanumeric() || c == ')' || c == '(' || c == ']' || c == '[')).trim().to_string()
}

/// Lower case, separators (`-`, `_`, spaces) folded to one space.
fn fold_status(text: &str) -> String {
    let lower = text.to_lowercase();
    lower
        .split(|c: char| c.is_whitespace() || c == '-' || c == '_')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn lookup_status(folded: &str, config: &Config) -> Option<String> {
    if let Some(s) = config.status_map.get(folded) {
        return Some(s.clone());
    }
    if let Some(s) = config.status_map.iter().find(|(k, _)| fold_status(k) == folded).map(|(_, v)| v) {
        return Some(s.clone());
    }
    let canonical = match folded {
        "draft" | "wip" | "work in progress" | "drafting" | "in draft" | "early draft" => "draft",
        "proposed" | "proposal" | "rfc" | "provisional" | "pre proposal" => "proposed",
        "in review"
        | "review"
        | "under review"
        | "reviewing"
        | "ready for review"
        | "pending review"
        | "needs review"
        | "in-review"
        | "last call"
        | "active review"
        | "scheduled for review"
        | "awaiting review"
        | "in discussion" => "in-review",
        "approved" | "signed off" | "implementable" => "approved",
        "accepted" | "adopted" => "accepted",
        "in progress" | "implementing" | "in development" | "in implementation" => "in-progress",
        "implemented" | "shipped" | "released" | "deployed" | "live" => "implemented",
        "complete" | "completed" | "done" | "finished" => "complete",
        "rejected" | "declined" | "denied" | "won't do" | "wont do" => "rejected",
        "deprecated" | "obsolete" | "retired" => "deprecated",
        "superseded" | "replaced" => "superseded",
        _ => return None,
    };
    Some(canonical.to_string())
}

/// The text after the first words of `text` that spell `phrase` (case-insensitively).
fn after_words<'a>(text: &'a str, phrase: &str) -> &'a str {
    let mut rest = text.trim_start_matches(|c: char| !c.is_alphanumeric());
    for word in phrase.split(' ') {
        rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == '*' || c == '_' || c == '-');
        if rest.len() >= word.len()
            && rest.is_char_boundary(word.len())
            && rest[..word.len()].eq_ignore_ascii_case(word)
        {
            rest = &rest[word.len()..];
        }
    }
    rest.trim_start_matches(|c: char| c == ':' || c == '*' || c == '_' || c.is_whitespace())
}

// ---------------------------------------------------------------------------------------
// References

/// Document references in a related-documents value: Markdown links, ids (`ADR-7`,
/// `ADR 7`), paths (`docs/x/prd.md`, `../adr/0007.md#status`) and URLs, in order.
/// Placeholder targets are returned apart, for the warning.
pub fn references(
    value: &str,
    line: u32,
    field: &str,
    relation: Relation,
    kinds: &Kinds,
) -> (Vec<RawRef>, Vec<String>) {
    let mut found: Vec<(usize, RawRef)> = Vec::new();
    let mut placeholders = Vec::new();
    let make = |target: String, label: Option<String>| RawRef {
        relation,
        target,
        label,
        line: Some(line),
        field: Some(field.to_string()),
    };
    for link in markdown_links(value) {
        if is_placeholder_target(&link.target) || is_placeholder(&link.label, kinds) {
            placeholders.push(value[link.start..link.end].to_string());
        } else {
            let label =
                if link.label.is_empty() || link.label == link.target { None } else { Some(plain_text(&link.label)) };
            found.push((link.start, make(link.target, label)));
        }
    }
    let rest = strip_links(value);
    if rest.contains('{') || (rest.contains('[') && rest.contains(']')) {
        let shown = rest.trim();
        if !shown.is_empty() {
            placeholders.push(shown.to_string());
        }
        found.sort_by_key(|(at, _)| *at);
        return (found.into_iter().map(|(_, r)| r).collect(), placeholders);
    }
    let tokens = tokens(&rest);
    let mut i = 0;
    while i < tokens.len() {
        let (at, tok) = tokens[i];
        if let Some(id) = ids::normalize(tok, kinds) {
            found.push((at, make(id, None)));
        } else if let Some(next) = tokens.get(i + 1).filter(|_| is_kind_word(tok, kinds)) {
            // `ADR 7`: a kind word and a number as two tokens.
            if let Some(id) = ids::normalize(&format!("{tok}-{}", next.1), kinds) {
                found.push((at, make(id, None)));
                i += 2;
                continue;
            }
        } else if tok.starts_with("http://") || tok.starts_with("https://") {
            found.push((at, make(tok.to_string(), None)));
        } else if is_bare_number(tok) {
            // `requires: 2718, 2930`: a number of the doc's own kind, settled once the
            // kind is known (see `parse::qualify_numbers`).
            found.push((at, make(tok.trim_start_matches('#').to_string(), None)));
        } else if looks_like_path(tok) {
            if is_id_template(tok, kinds) {
                placeholders.push(tok.to_string());
            } else {
                found.push((at, make(tok.to_string(), None)));
            }
        } else if is_id_template(tok, kinds) {
            placeholders.push(tok.to_string());
        }
        i += 1;
    }
    found.sort_by_key(|(at, _)| *at);
    (found.into_iter().map(|(_, r)| r).collect(), placeholders)
}

fn is_kind_word(tok: &str, kinds: &[String]) -> bool {
    kinds.iter().any(|k| k.eq_ignore_ascii_case(tok))
}

fn looks_like_path(tok: &str) -> bool {
    let lower = tok.to_ascii_lowercase();
    let no_anchor = lower.split('#').next().unwrap_or(&lower);
    // `Client/Server` is prose; a path names a Markdown file or starts like a path
    // (`./x`, `../x`, or `/x` from the repository root).
    no_anchor.ends_with(".md")
        || no_anchor.ends_with(".markdown")
        || tok.starts_with("./")
        || tok.starts_with("../")
        || (tok.starts_with('/') && tok[1..].starts_with(|c: char| c.is_alphanumeric()))
}

/// `2718`, `#2718`: a number of 1 to 6 digits standing alone in a reference field.
pub fn is_bare_number(tok: &str) -> bool {
    let digits = tok.strip_prefix('#').unwrap_or(tok);
    (1..=6).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit())
}

/// Words of a value with their byte offsets, split on whitespace, commas and semicolons,
/// with quotes, brackets, emphasis and trailing punctuation trimmed.
fn tokens(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = None;
    let is_sep = |c: char| c.is_whitespace() || c == ',' || c == ';';
    for (i, c) in text.char_indices().chain(std::iter::once((text.len(), ' '))) {
        if is_sep(c) {
            if let Some(s) = start.take() {
                let raw: &str = &text[s..i];
                let trimmed_front = raw.trim_start_matches(['"', '\'', '(', '*', '_', '`']);
                let offset = s + (raw.len() - trimmed_front.len());
                let tok = trimmed_front.trim_end_matches(['"', '\'', ')', '*', '_', '`', '.', ':', '!', '?']);
                if !tok.is_empty() && !tok.eq_ignore_ascii_case("and") {
                    out.push((offset, tok));
                }
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    out
}

#[cfg(test)]
mod brace_tests {
    use super::*;

    #[test]
    fn template_engine_braces_are_not_placeholders() {
        let kinds: Vec<String> = vec!["PRD".into()];
        for slot in ["{name}", "PRD-{NUMBER}", "{YYYY-MM-DD}", "{Feature/System Name}", "x {Technical Lead Name}"] {
            assert!(is_placeholder(slot, &kinds), "{slot}");
        }
        for text in ["<b>{{ site.title }}</b>", "{% raw %}", "Use {} for maps", "a {{x}} b", "JSON {\"a\": 1}"] {
            assert!(!is_placeholder(text, &kinds), "{text}");
        }
        // A value that is nothing but one expression is a template's unfilled field.
        for slot in ["{{STATUS}}", "{{ author }}", "{{ cookiecutter.owner_name }}"] {
            assert!(is_placeholder(slot, &kinds), "{slot}");
        }
        for text in ["{{ 7*7 }}", "{{}}", "{{ a }} and {{ b }}"] {
            assert!(!is_placeholder(text, &kinds), "{text}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn kinds() -> Kinds {
        crate::config::DEFAULT_KINDS.into_iter().collect()
    }

    fn config() -> Config {
        Config::default_at(Path::new("/p"))
    }

    #[test]
    fn clean_strips_emphasis_comments_and_hard_breaks() {
        assert_eq!(clean("**Accepted**  "), "Accepted");
        assert_eq!(clean("`draft`"), "draft");
        assert_eq!(clean("Draft <!-- Draft | Review -->"), "Draft");
        assert_eq!(clean("1.0\\"), "1.0");
        assert_eq!(clean("\"0.1.0\""), "0.1.0");
        assert_eq!(clean("**a** and **b**"), "**a** and **b**");
    }

    #[test]
    fn template_placeholders_are_recognised() {
        let k = kinds();
        for p in [
            "{name}",
            "[Date]",
            "{YYYY-MM-DD}",
            "YYYY-MM-DD",
            "PRD-{NUMBER}",
            "[Link]",
            "[Link to PRD if applicable]",
            "[Author Name]",
            "[PRD-{NUMBER}](link)",
            "[PRD](#)",
            "<your name>",
            "PRD-XXXX",
            "ADR-NNNN",
            "{Link to Product Requirements Document}",
        ] {
            assert!(is_placeholder(p, &k), "{p}");
        }
        for v in ["Priya Natarajan", "2026-03-02", "PRD-0040", "[PRD-0040](../prd/x.md)", "<priya@acme.io>", "1.0"] {
            assert!(!is_placeholder(v, &k), "{v}");
        }
    }

    #[test]
    fn empty_spellings_are_empty() {
        for v in ["n/a", "N/A", "none", "TBD", "-", "—", ""] {
            assert!(is_empty_value(v), "{v}");
        }
        assert!(!is_empty_value("Nonesuch"));
    }

    #[test]
    fn dates_in_common_forms_become_iso() {
        for (input, iso) in [
            ("2026-03-02", "2026-03-02"),
            ("2026/03/02", "2026/03/02"),
            ("2026-03-02T10:00:00Z", "2026-03-02"),
            ("2026-03-02 10:00", "2026-03-02"),
            ("March 2, 2026", "2026-03-02"),
            ("Mar 2 2026", "2026-03-02"),
            ("2 Mar 2026", "2026-03-02"),
            ("2nd March 2026", "2026-03-02"),
            ("25.03.2026", "2026-03-25"),
            ("03/25/2026", "2026-03-25"),
            ("2024-02-29", "2024-02-29"),
            ("2026-3-2", "2026-03-02"),
        ] {
            assert_eq!(parse_date(input).as_deref(), Ok(iso.replace('/', "-").as_str()), "{input}");
        }
    }

    #[test]
    fn impossible_and_ambiguous_dates_are_never_guessed() {
        assert_eq!(parse_date("2023-14-05"), Err(DateError::Impossible));
        assert_eq!(parse_date("2023-02-29"), Err(DateError::Impossible));
        assert_eq!(parse_date("2026-04-31"), Err(DateError::Impossible));
        assert_eq!(parse_date("03/04/2026"), Err(DateError::Ambiguous));
        assert_eq!(parse_date("last Tuesday"), Err(DateError::Unrecognised));
        assert_eq!(parse_date("Q3 2026"), Err(DateError::Unrecognised));
    }

    #[test]
    fn people_lists_split_and_lose_decoration() {
        let (names, ph) = people("@priya, Sam Lee <sam@acme.io>; [Jo Park](https://x.io/jo) and Kim", &kinds());
        assert_eq!(names, ["priya", "Sam Lee", "Jo Park", "Kim"]);
        assert!(ph.is_empty());
        let (names, ph) = people("[Author Name]", &kinds());
        assert!(names.is_empty());
        assert_eq!(ph, ["[Author Name]"]);
    }

    #[test]
    fn statuses_map_to_canonical_forms() {
        let c = config();
        let known = |v: &str| match status(v, &c) {
            StatusValue::Known { status, .. } => status,
            other => panic!("{v}: {other:?}"),
        };
        assert_eq!(known("In Review"), "in-review");
        assert_eq!(known("Review"), "in-review");
        assert_eq!(known("under review"), "in-review");
        assert_eq!(known("WIP"), "draft");
        assert_eq!(known("Done"), "complete");
        assert_eq!(known("Completed"), "complete");
        assert_eq!(known("✅ **Accepted**"), "accepted");
        assert_eq!(known("in_progress"), "in-progress");
        assert_eq!(known("Accepted (2026-03-02)"), "accepted");
        match status("Superseded by ADR-9", &c) {
            StatusValue::Known { status, successor, raw } => {
                assert_eq!(status, "superseded");
                assert_eq!(successor.as_deref(), Some("ADR-9"));
                assert_eq!(raw, "Superseded by ADR-9");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn status_choice_lists_are_placeholders() {
        let c = config();
        for v in ["Draft / In Review / Approved / Superseded", "Draft | Review | Approved", "Draft, Approved"] {
            assert_eq!(status(v, &c), StatusValue::Choices, "{v}");
        }
    }

    #[test]
    fn unknown_statuses_are_kept_hyphenated_and_config_spellings_apply() {
        let c = config();
        assert_eq!(
            status("Parked Indefinitely", &c),
            StatusValue::Unknown { status: "parked-indefinitely".to_string(), raw: "Parked Indefinitely".to_string() }
        );
        let (c, _) = crate::config::from_str(Path::new("/p"), "[portal.status]\n\"On Hold\" = \"draft\"\n").unwrap();
        assert!(matches!(status("on hold", &c), StatusValue::Known { status, .. } if status == "draft"));
    }

    #[test]
    fn references_come_from_links_ids_and_paths() {
        let k = kinds();
        let (refs, ph) = references(
            "[Rate limits](../prd/PRD-0040-limits.md#goals), ADR 7; adr-0009 and docs/specs/x/prd.md",
            12,
            "Related PRD",
            Relation::Related,
            &k,
        );
        assert!(ph.is_empty(), "{ph:?}");
        let targets: Vec<&str> = refs.iter().map(|r| r.target.as_str()).collect();
        assert_eq!(targets, ["../prd/PRD-0040-limits.md#goals", "ADR-0007", "ADR-0009", "docs/specs/x/prd.md"]);
        let (prose, _) = references("Client/Server split, ../adr/", 3, "Related", Relation::Related, &k);
        let prose_targets: Vec<&str> = prose.iter().map(|r| r.target.as_str()).collect();
        assert_eq!(prose_targets, ["../adr/"], "prose with a slash is not a path");
        assert_eq!(refs[0].label.as_deref(), Some("Rate limits"));
        assert!(refs.iter().all(|r| r.line == Some(12) && r.field.as_deref() == Some("Related PRD")));
    }

    #[test]
    fn placeholder_references_are_set_apart() {
        let k = kinds();
        for v in ["[PRD-{NUMBER}](link)", "docs/specs/[feature-name]/prd.md", "PRD-XXXX", "{Link to ADRs}"] {
            let (refs, ph) = references(v, 1, "Related", Relation::Related, &k);
            assert!(refs.is_empty(), "{v}: {refs:?}");
            assert!(!ph.is_empty(), "{v}");
        }
    }
}
