//! Paths in the built site, and the one function that turns them into URLs.
//!
//! Every page and asset has a *site path*: relative to the site root, forward slashes,
//! not encoded (`trd/TRD-0101-rate-limiter.html`, `assets/style.3f9a.css`). Links
//! between pages are always *relative* hrefs computed by [`href`], percent-encoded, so
//! the same output works at `/`, under any `site-url` prefix and from `file://`.
//! Absolute URLs (sitemap, feed) come from [`absolute`]. No function here can produce
//! a path that climbs out of the site root.

/// Site path of a doc's page: its source path with `.html` for `.md`.
pub fn page_path(source: &str) -> String {
    let stem = source.strip_suffix(".md").or_else(|| source.strip_suffix(".markdown")).unwrap_or(source);
    // Discovered sources are clean already; the general case builds a list first.
    if stem.split('/').all(|s| !s.is_empty() && s != "." && s != "..") {
        let mut page = String::with_capacity(stem.len() + 5);
        page.push_str(stem);
        page.push_str(".html");
        return page;
    }
    let clean: Vec<&str> = stem.split('/').filter(|s| !s.is_empty() && *s != "." && *s != "..").collect();
    format!("{}.html", clean.join("/"))
}

/// Relative, percent-encoded href from the page at site path `from` to site path `to`.
/// A `to` ending in `/` names a folder index. Every character of `to` is part of the
/// path (a doc may be called `C# notes.md`); a fragment goes through [`href_fragment`].
pub fn href(from: &str, to: &str) -> String {
    let from_dirs = || from.split('/').filter(|s| !s.is_empty());
    let from_depth = from_dirs().count().saturating_sub(1);
    let (to_folder, to_file) = to.rsplit_once('/').unwrap_or(("", to));
    let to_dirs = || to_folder.split('/').filter(|s| !s.is_empty());
    let common = from_dirs().take(from_depth).zip(to_dirs()).take_while(|(a, b)| a == b).count();
    let mut out = String::with_capacity(3 * (from_depth - common) + to.len() + 8);
    for _ in common..from_depth {
        out.push_str("../");
    }
    for d in to_dirs().skip(common) {
        push_encoded_segment(&mut out, d);
        out.push('/');
    }
    push_encoded_segment(&mut out, to_file);
    if out.is_empty() {
        out.push_str("./");
    }
    out
}

/// [`href`] to `#fragment` on the page at `to` (the fragment as written, not encoded).
pub fn href_fragment(from: &str, to: &str, fragment: &str) -> String {
    let mut out = href(from, to);
    out.push('#');
    out.push_str(&encode_fragment(fragment));
    out
}

/// Whether a relative URL written on the page at site path `from` resolves above the
/// site root (`../../etc/passwd` from `links/a.html`). Browsers read `\\` as `/` and
/// `%2e` as `.` in path segments, so both count; a `?query` or `#fragment` ends the path.
/// URLs with a scheme or starting with `/` are not relative and never climb.
pub fn climbs_out(from: &str, relative: &str) -> bool {
    if relative.starts_with(['/', '\\'])
        || relative.split_once(':').is_some_and(|(s, _)| !s.contains(['/', '\\', '?', '#']))
    {
        return false;
    }
    let path = relative.split(['?', '#']).next().unwrap_or("");
    let mut depth = from.split('/').filter(|s| !s.is_empty()).count().saturating_sub(1);
    for segment in path.split(['/', '\\']) {
        match segment.to_ascii_lowercase().replace("%2e", ".").as_str() {
            ".." if depth == 0 => return true,
            ".." => depth -= 1,
            "" | "." => {}
            _ => depth += 1,
        }
    }
    false
}

/// Prefix that leads from the page at `from` back to the site root (`""`, `../`, `../../`).
pub fn root_prefix(from: &str) -> String {
    "../".repeat(from.split('/').filter(|s| !s.is_empty()).count().saturating_sub(1))
}

/// Absolute URL of a site path under the normalised `site_url` (`/docs/` or `https://x/docs/`).
pub fn absolute(site_url: &str, path: &str) -> String {
    let encoded: Vec<String> = path.split('/').filter(|s| !s.is_empty()).map(encode_segment).collect();
    format!("{}{}", site_url, encoded.join("/"))
}

/// Percent-encodes one path segment (RFC 3986 unreserved characters stay as they are).
pub fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    push_encoded_segment(&mut out, s);
    out
}

/// [`encode_segment`], appended to `out`.
fn push_encoded_segment(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let plain = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~');
    if s.bytes().all(plain) {
        out.push_str(s);
        return;
    }
    for b in s.bytes() {
        if plain(b) {
            out.push(char::from(b));
        } else {
            out.extend(['%', char::from(HEX[usize::from(b >> 4)]), char::from(HEX[usize::from(b & 15)])]);
        }
    }
}

fn encode_fragment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'-' | b'.'
                    | b'_'
                    | b'~'
                    | b'!'
                    | b'$'
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b','
                    | b';'
                    | b'='
                    | b':'
                    | b'@'
                    | b'/'
                    | b'?'
            )
        {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Decodes `%XX` escapes; `None` when the result is not UTF-8.
pub fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(v) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_paths_mirror_sources() {
        assert_eq!(page_path("trd/TRD-0101-x.md"), "trd/TRD-0101-x.html");
        assert_eq!(page_path("../../etc/passwd.md"), "etc/passwd.html");
    }

    #[test]
    fn hrefs_are_relative_and_encoded() {
        assert_eq!(href("trd/a.html", "adr/b.html"), "../adr/b.html");
        assert_eq!(href_fragment("trd/a.html", "trd/b.html", "x y"), "b.html#x%20y");
        assert_eq!(href("index.html", "specs/C# notes (100%).html"), "specs/C%23%20notes%20%28100%25%29.html");
        assert_eq!(href("index.html", "trd/b c.html"), "trd/b%20c.html");
        assert_eq!(href("a/b/c.html", "index.html"), "../../index.html");
        assert_eq!(href("a/b.html", "a/"), "./");
        assert_eq!(href("index.html", "spec/Übersicht.html"), "spec/%C3%9Cbersicht.html");
    }

    #[test]
    fn absolute_urls_join_the_prefix() {
        assert_eq!(absolute("/docs/", "trd/a b.html"), "/docs/trd/a%20b.html");
        assert_eq!(absolute("https://x.io/", "index.html"), "https://x.io/index.html");
        assert_eq!(root_prefix("a/b/c.html"), "../../");
        assert_eq!(root_prefix("index.html"), "");
    }

    #[test]
    fn percent_decoding_round_trips() {
        assert_eq!(percent_decode("a%20b%C3%9C").as_deref(), Some("a bÜ"));
        assert_eq!(percent_decode("%2e%2e/x").as_deref(), Some("../x"));
        assert_eq!(percent_decode("100%").as_deref(), Some("100%"));
        assert_eq!(percent_decode("%ff"), None);
    }
}
