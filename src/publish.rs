//! Hosting files: `sitemap.xml`, `robots.txt`, an Atom feed (`feed.xml`) and `.nojekyll`.
//!
//! Derived from the index alone, so they change only when a doc's id, title, path or
//! dates change. No build timestamps: the feed's `updated` is the newest doc date, so
//! the same input gives the same bytes. URLs go through `urls::absolute`; when
//! `site-url` is only a path, they are root-relative (a sitemap consumer resolves them
//! against the host it fetched from). A file of the static folder at one of their paths
//! is published instead ([`crate::static_files`]): that is how a portal has its own
//! `robots.txt`.

use crate::config::Config;
use crate::index::Index;
use crate::model::Doc;
use crate::urls;
use std::collections::BTreeMap;

/// How many docs the feed lists.
const FEED_ENTRIES: usize = 30;

/// The hosting files, by site path.
pub fn extras(config: &Config, index: &Index) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    out.insert(".nojekyll".to_string(), Vec::new());
    out.insert("sitemap.xml".to_string(), sitemap(config, index).into_bytes());
    out.insert("robots.txt".to_string(), robots(config).into_bytes());
    out.insert("feed.xml".to_string(), feed(config, index).into_bytes());
    out
}

fn last_date(doc: &Doc) -> Option<&str> {
    doc.updated.as_deref().or(doc.created.as_deref())
}

fn sitemap(config: &Config, index: &Index) -> String {
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    xml.push_str("<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    let mut pages: Vec<(String, Option<&str>)> =
        vec![("index.html".to_string(), None), ("docs.html".to_string(), None), ("graph.html".to_string(), None)];
    pages.extend(index.docs.iter().map(|d| (urls::page_path(&d.source), last_date(d))));
    for (path, date) in pages {
        xml.push_str("  <url><loc>");
        xml.push_str(&xml_escape(&urls::absolute(&config.site_url, &path)));
        xml.push_str("</loc>");
        if let Some(d) = date {
            xml.push_str("<lastmod>");
            xml.push_str(&xml_escape(d));
            xml.push_str("</lastmod>");
        }
        xml.push_str("</url>\n");
    }
    xml.push_str("</urlset>\n");
    xml
}

fn robots(config: &Config) -> String {
    let mut text = String::from("User-agent: *\nAllow: /\n");
    if config.site_url.contains("://") {
        text.push_str(&format!("Sitemap: {}\n", urls::absolute(&config.site_url, "sitemap.xml")));
    }
    text
}

fn feed(config: &Config, index: &Index) -> String {
    let mut dated: Vec<&Doc> = index.docs.iter().filter(|d| last_date(d).is_some()).collect();
    dated.sort_by(|a, b| last_date(b).cmp(&last_date(a)).then_with(|| a.id.cmp(&b.id)));
    dated.truncate(FEED_ENTRIES);
    let newest = dated.first().and_then(|d| last_date(d)).unwrap_or("1970-01-01");
    let home = urls::absolute(&config.site_url, "index.html");
    let mut xml =
        String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
    xml.push_str(&format!("  <title>{}</title>\n", xml_escape(&config.title)));
    xml.push_str(&format!("  <id>{}</id>\n", xml_escape(&urls::absolute(&config.site_url, "feed.xml"))));
    xml.push_str(&format!("  <link href=\"{}\"/>\n", xml_escape(&home)));
    xml.push_str(&format!("  <updated>{newest}T00:00:00Z</updated>\n"));
    xml.push_str("  <generator>docportal</generator>\n");
    for doc in dated {
        let url = urls::absolute(&config.site_url, &urls::page_path(&doc.source));
        let date = last_date(doc).unwrap_or(newest);
        let title = if doc.numbered { format!("{}: {}", doc.id, doc.title) } else { doc.title.clone() };
        xml.push_str("  <entry>\n");
        xml.push_str(&format!("    <title>{}</title>\n", xml_escape(&title)));
        xml.push_str(&format!("    <id>{}</id>\n", xml_escape(&url)));
        xml.push_str(&format!("    <link href=\"{}\"/>\n", xml_escape(&url)));
        xml.push_str(&format!("    <updated>{}T00:00:00Z</updated>\n", xml_escape(date)));
        if let Some(created) = &doc.created {
            xml.push_str(&format!("    <published>{}T00:00:00Z</published>\n", xml_escape(created)));
        }
        for author in &doc.authors {
            xml.push_str(&format!("    <author><name>{}</name></author>\n", xml_escape(author)));
        }
        if let Some(status) = &doc.status {
            xml.push_str(&format!("    <category term=\"{}\"/>\n", xml_escape(status)));
        }
        xml.push_str("  </entry>\n");
    }
    xml.push_str("</feed>\n");
    xml
}

/// File types worth precompressing (text formats a CDN would otherwise gzip on the fly).
const COMPRESSIBLE: &[&str] = &["html", "css", "js", "json", "xml", "svg", "txt", "map", "md"];

/// A `.gz` beside every text file of the site (`[output.html] precompress`), for hosts
/// that serve precompressed files (nginx `gzip_static`, most CDNs). Deterministic: the
/// gzip header carries no timestamp or file name.
pub fn precompressed(files: &BTreeMap<String, Vec<u8>>) -> BTreeMap<String, Vec<u8>> {
    use rayon::prelude::*;
    files.par_iter().filter_map(|(path, bytes)| Some((format!("{path}.gz"), gzip(path, bytes)?))).collect()
}

/// The `.gz` [`precompressed`] writes beside the site file `path`, or `None` when that
/// file is not compressed (too small, or not text).
pub fn gzip(path: &str, bytes: &[u8]) -> Option<Vec<u8>> {
    use std::io::Write;
    let compressible = path.rsplit_once('.').is_some_and(|(_, ext)| COMPRESSIBLE.contains(&ext));
    if bytes.len() < 256 || !compressible {
        return None;
    }
    let mut encoder = flate2::GzBuilder::new().mtime(0).write(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).ok()?;
    encoder.finish().ok()
}

/// Escapes text for XML content and attribute values; drops characters XML 1.0 forbids.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precompression_round_trips_and_skips_binaries() {
        use std::io::Read;
        let mut files = BTreeMap::new();
        let page = "<p>hello</p>".repeat(100);
        files.insert("a.html".to_string(), page.clone().into_bytes());
        files.insert("logo.png".to_string(), vec![0u8; 1000]);
        files.insert("tiny.css".to_string(), b"a{}".to_vec());
        let gz = precompressed(&files);
        assert_eq!(gz.keys().collect::<Vec<_>>(), ["a.html.gz"]);
        let mut out = String::new();
        flate2::read::GzDecoder::new(&gz["a.html.gz"][..]).read_to_string(&mut out).unwrap();
        assert_eq!(out, page);
        assert_eq!(precompressed(&files), gz, "deterministic");
    }

    #[test]
    fn xml_escape_neutralises_markup_and_control_characters() {
        assert_eq!(xml_escape("<a href=\"x\">&'\u{1}"), "&lt;a href=&quot;x&quot;&gt;&amp;&apos;");
    }
}
