//! Property tests (proptest) for the places every page depends on: id normalisation
//! (`src/ids.rs`), site paths / hrefs (`src/urls.rs`) and the search tokenizer
//! (`src/search/text.rs`, which the browser's query tokenizer must match) and the
//! search files' string writer (`src/search/encode.rs`). Each property holds for all
//! inputs, so proptest searches for a counterexample and shrinks it when it finds one.

use docportal::search::text;
use docportal::{ids, urls};
use proptest::prelude::*;

const KINDS: [&str; 6] = ["TRD", "TDD", "PRD", "ADR", "RFC", "SPEC"];

fn kinds() -> ids::Kinds {
    KINDS.into_iter().collect()
}

/// A kind written in any mix of upper and lower case.
fn any_case_kind() -> impl Strategy<Value = (usize, String)> {
    (0..KINDS.len(), proptest::collection::vec(any::<bool>(), 4)).prop_map(|(i, upper)| {
        let written = KINDS[i]
            .chars()
            .zip(upper.iter().cycle())
            .map(|(c, &up)| if up { c.to_ascii_uppercase() } else { c.to_ascii_lowercase() })
            .collect();
        (i, written)
    })
}

proptest! {
    /// `ADR-7`, `adr_007`, ` Adr 0007 `, `ADR#7`, `adr0007`: one canonical id.
    #[test]
    fn every_spelling_of_kind_and_number_normalises_to_one_canonical_id(
        (kind, written) in any_case_kind(),
        number in 0u32..1_000_000,
        padding in 0usize..6,
        separator in prop::sample::select(vec!["-", "_", " ", "#", "", "- ", "  ", "_ "]),
        before in "[ \t]{0,2}",
        after in "[ \t]{0,2}",
    ) {
        let digits = number.to_string();
        let padded = format!("{}{digits}", "0".repeat(padding.min(6 - digits.len())));
        let raw = format!("{before}{written}{separator}{padded}{after}");
        let expected = format!("{}-{number:04}", KINDS[kind]);
        prop_assert_eq!(ids::normalize(&raw, &kinds()), Some(expected.clone()), "{:?}", raw);
        prop_assert_eq!(ids::canonical(&written, &padded), expected);
    }

    #[test]
    fn canonical_ids_are_fixed_points(kind in 0..KINDS.len(), number in 0u32..1_000_000) {
        let id = ids::canonical(KINDS[kind], &number.to_string());
        prop_assert_eq!(ids::normalize(&id, &kinds()), Some(id.clone()));
        let kinds = kinds();
        prop_assert_eq!(ids::kind_of(&id, &kinds), Some(KINDS[kind]));
    }

    /// Total on any string: `None`, or a canonical id that normalises to itself.
    #[test]
    fn normalise_never_panics_and_only_returns_canonical_ids(raw in any::<String>()) {
        if let Some(id) = ids::normalize(&raw, &kinds()) {
            let (kind, number) = id.split_once('-').expect("KIND-NNNN");
            prop_assert!(KINDS.contains(&kind), "{id}");
            prop_assert!(number.len() >= 4 && number.bytes().all(|b| b.is_ascii_digit()), "{id}");
            prop_assert_eq!(ids::normalize(&id, &kinds()), Some(id.clone()));
        }
    }

    /// Also near-misses: prefixes of kinds, unusual separators, long numbers, non-ASCII.
    #[test]
    fn normalise_never_panics_on_id_like_strings(raw in "(?i)(t|tr|trd|spec|adr|ß|İ)[-_ #/.]{0,2}[0-9٠-٩]{0,9}[a-zß]{0,2}") {
        if let Some(id) = ids::normalize(&raw, &kinds()) {
            prop_assert_eq!(ids::normalize(&id, &kinds()), Some(id.clone()));
        }
    }

    /// Slugs are ids too: non-empty, letters/digits and single inner hyphens.
    #[test]
    fn path_slugs_are_clean_and_stable(path in any::<String>()) {
        let slug = ids::slug_of_path(&path);
        prop_assert!(!slug.is_empty());
        prop_assert!(!slug.starts_with('-') && !slug.ends_with('-') && !slug.contains("--"), "{slug:?}");
        prop_assert!(slug.chars().all(|c| c == '-' || c.is_alphanumeric()), "{slug:?}");
        prop_assert_eq!(ids::slugify(&slug), slug.clone());
    }
}

/// One path segment of a site path: spaces, non-ASCII letters, `%`, `#`, `?`, quotes and
/// dots included (never empty, `.` or `..`: those are not file names).
fn segment() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 ._~%#?&+=;:'\"()\\[\\]{}!$@,äöüßÜéñ日本語メモ😀-]{1,12}"
        .prop_filter("a file name", |s| s != "." && s != "..")
}

/// A site path: folders and a page file name.
fn site_path() -> impl Strategy<Value = String> {
    (proptest::collection::vec(segment(), 0..4), segment()).prop_map(|(dirs, file)| {
        let mut parts = dirs;
        parts.push(format!("{file}.html"));
        parts.join("/")
    })
}

/// What a browser does with a relative path reference: resolve it against the folder of
/// `from` (RFC 3986 §5.2, paths only), then percent-decode each segment.
fn resolve(from: &str, href: &str) -> Option<String> {
    let mut stack: Vec<String> = from.split('/').map(str::to_string).collect();
    stack.pop();
    let mut segments = href.split('/').peekable();
    while let Some(seg) = segments.next() {
        let last = segments.peek().is_none();
        match seg {
            ".." => {
                stack.pop()?;
            }
            "." => {}
            s if s.is_empty() && !last => return None,
            s => stack.push(urls::percent_decode(s)?),
        }
    }
    Some(stack.join("/"))
}

proptest! {
    /// Whatever a source path says (`..`, absolute, empty segments), its page stays under
    /// the site root.
    #[test]
    fn page_path_never_escapes_the_site_root(source in "(\\.\\./|\\./|/|[a-z ü#%]{0,6}/){0,6}[a-z ü.]{0,8}(\\.md)?") {
        let page = urls::page_path(&source);
        prop_assert!(!page.starts_with('/'), "{page:?} is absolute");
        prop_assert!(page.ends_with(".html"), "{page:?}");
        for seg in page.split('/') {
            prop_assert!(seg != ".." && seg != "." , "{page:?} has a dot segment");
        }
        prop_assert!(!page.contains("//"), "{page:?} has an empty segment");
    }

    #[test]
    fn page_path_never_escapes_the_site_root_on_any_string(source in any::<String>()) {
        let page = urls::page_path(&source);
        prop_assert!(!page.starts_with('/') && page.split('/').all(|s| s != ".." && s != "."), "{page:?}");
    }

    /// A link from any page to any page, followed by a browser, lands on that page.
    #[test]
    fn href_resolved_against_its_page_gives_back_the_target(from in site_path(), to in site_path()) {
        let href = urls::href(&from, &to);
        prop_assert!(!href.contains(['#', '?', ' ', '"', '\'', '<', '>']), "{href:?} is not encoded");
        prop_assert!(href.is_ascii(), "{href:?}");
        prop_assert_eq!(resolve(&from, &href), Some(to.clone()), "href {:?}", href);
    }

    /// The fragment survives too, encoded, after the `#`.
    #[test]
    fn href_fragment_keeps_path_and_fragment(from in site_path(), to in site_path(), fragment in "[a-zß 0-9#%-]{0,10}") {
        let href = urls::href_fragment(&from, &to, &fragment);
        let (path, frag) = href.split_once('#').expect("a fragment");
        prop_assert_eq!(resolve(&from, path), Some(to.clone()));
        prop_assert_eq!(urls::percent_decode(frag), Some(fragment.clone()));
        prop_assert!(!frag.contains(['#', ' ']), "{frag:?}");
    }

    #[test]
    fn href_to_the_same_folder_never_climbs(dirs in proptest::collection::vec(segment(), 0..4), a in segment(), b in segment()) {
        let folder: String = dirs.iter().map(|d| format!("{d}/")).collect();
        let href = urls::href(&format!("{folder}{a}.html"), &format!("{folder}{b}.html"));
        prop_assert!(!href.contains('/'), "{href:?}");
    }

    #[test]
    fn root_prefix_leads_back_to_the_root(from in site_path()) {
        let prefix = urls::root_prefix(&from);
        prop_assert_eq!(resolve(&from, &format!("{prefix}index.html")), Some("index.html".to_string()));
    }

    #[test]
    fn percent_decoding_inverts_segment_encoding(s in any::<String>()) {
        let encoded = urls::encode_segment(&s);
        prop_assert!(encoded.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b)), "{encoded:?}");
        prop_assert_eq!(urls::percent_decode(&encoded), Some(s));
    }

    /// A relative link that climbs out of the site root is always recognised as such,
    /// and one that stays inside never is.
    #[test]
    fn climbs_out_matches_resolution(from in site_path(), ups in 0usize..6, rest in proptest::collection::vec(segment(), 0..3)) {
        let depth = from.split('/').count() - 1;
        let dot_like = |s: &str| matches!(s.to_ascii_lowercase().replace("%2e", ".").as_str(), "." | "..");
        let rest: Vec<String> =
            rest.into_iter().filter(|s| !s.contains(['?', '#', '\\', ':']) && !dot_like(s)).collect();
        let link = format!("{}{}", "../".repeat(ups), rest.join("/"));
        prop_assert_eq!(urls::climbs_out(&from, &link), ups > depth, "{:?} from {:?}", link, from);
    }
}

/// Text mixing what the tokenizer treats differently: ASCII letters of both cases,
/// digits, punctuation and spaces, letters outside ASCII (one with a word-final
/// lower-case form), and symbols outside ASCII that are not letters. Long enough to
/// cross the tokenizer's 64-byte blocks.
fn mixed_text() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "a",
        "Z",
        "q",
        "7",
        "0",
        " ",
        "  ",
        "-",
        ".",
        "\n",
        "_",
        "é",
        "É",
        "ß",
        "Σ",
        "ς",
        "日",
        "—",
        "€",
        "\u{a0}",
        "İ",
        "abcdefghijklmnop",
        "ABCDEFGHIJKLMNOPQ",
    ]);
    proptest::collection::vec(pieces, 0..120).prop_map(|v| v.concat())
}

/// The tokenizer as its documentation states it, char by char.
fn reference_words(text: &str) -> Vec<(usize, usize, String, text::Packed)> {
    let mut out = Vec::new();
    let mut start = None;
    let bounds = text.char_indices().map(|(i, c)| (i, Some(c))).chain([(text.len(), None)]);
    for (i, c) in bounds {
        match (start, c.is_some_and(char::is_alphanumeric)) {
            (None, true) => start = Some(i),
            (Some(s), false) => {
                let word = &text[s..i];
                let ascii = word.is_ascii();
                let lower = if ascii { word.to_ascii_lowercase() } else { word.to_lowercase() };
                let key = if ascii { text::packed(lower.as_bytes(), 0, lower.len()) } else { text::Packed::NONE };
                out.push((s, i, lower, key));
                start = None;
            }
            _ => {}
        }
    }
    out
}

proptest! {
    /// The block-at-a-time tokenizer finds exactly the words, offsets, lower-case forms
    /// and keys of the char-by-char definition.
    #[test]
    fn tokenizer_matches_its_char_by_char_definition(prefix in 0usize..64, body in mixed_text()) {
        // A varying prefix moves every word across the 64-byte block boundaries.
        let text = format!("{}{body}", " ".repeat(prefix));
        let mut got = Vec::new();
        text::for_each_word(&text, &mut String::new(), |s, e, lower, key| got.push((s, e, lower.to_string(), key)));
        prop_assert_eq!(got, reference_words(&text));
    }
}

proptest! {
    /// Strings written straight into the search files read exactly as the JSON
    /// serializer plus the script-safety pass would have written them.
    #[test]
    fn search_strings_are_written_as_safe_json_writes_them(s in any::<String>(), extra in "[<>&\"\\\\\u{2028}\u{2029}\u{0}-\u{1f}\u{7f}é]{0,8}") {
        let s = format!("{s}{extra}");
        let mut written = String::new();
        docportal::search::encode::push_js_string(&mut written, &s);
        prop_assert_eq!(written, docportal::search::encode::js_safe_json(&serde_json::json!(s)));
    }
}
