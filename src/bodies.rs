//! Where the stages after parse find a doc's Markdown body: in `Doc::body`, or left in
//! the doc's file and read back when needed.
//!
//! `docportal build` holds no body from parse to render (all of them were 204 MB for
//! 10,000 docs): the parse stage keeps, per doc, a [`Recipe`] (the file's path, the
//! lines it blanked and a hash of the text it parsed), and [`Bodies::get`] makes the
//! body again from the file, which a moment before was read and so is, as a rule, in
//! the page cache. The links stage reads the bodies of `#anchor` targets this way, the
//! render stage every body it renders (a render found in the cache is keyed by the
//! body's hash from the parse, [`Bodies::body_hash`], and needs no read). A doc taken
//! from the last build's parse ([`parse::kept`]) has its recipe from there. `serve` and
//! `check` keep the bodies they parsed ([`Bodies::Held`]).
//!
//! Invariant: the body handed out is `Doc::body` as parsed, byte for byte, unless the
//! file changed (or went) since it was parsed. Then it is the file as it is now, parsed
//! again (nothing of the parsed text is left to show), with a warning naming the file:
//! its page shows the new text while the index and the links show the old. The next
//! `docportal build` is a full one (its up-to-date check saw the old bytes), which puts
//! them right.

use crate::config::Config;
use crate::diag::Diagnostic;
use crate::index::Index;
use crate::model::SourceFile;
use crate::{cache, discover, parse};
use std::borrow::Cow;
use std::collections::HashMap;
use std::path::PathBuf;

/// Where the bodies of one build's docs are.
pub enum Bodies {
    /// In `Doc::body`.
    Held,
    /// In the files, by source path (docs parsed by other means read `Doc::body`).
    OnDisk(HashMap<String, Recipe>),
}

/// How to make one doc's body again from its file.
#[derive(Debug, Clone)]
pub struct Recipe {
    abs_path: PathBuf,
    /// The lines the parse stage blanked ([`parse::parse_blanking`]).
    blank: Box<[bool]>,
    /// [`cache::content_hash`] of the text parsed.
    hash: u128,
    /// [`cache::content_hash`] of the body as parsed (for the render cache's key, which
    /// then needs no read of the file).
    body_hash: u128,
}

/// A doc's body, and the warning when it could not be had as parsed.
#[derive(Debug, Default)]
pub struct Body<'a> {
    pub text: Cow<'a, str>,
    pub warning: Option<Diagnostic>,
}

impl Recipe {
    /// The recipe of `body`, parsed from `file` with `blank` lines blanked.
    pub fn new(file: &SourceFile, blank: Vec<bool>, body: &str) -> Recipe {
        Recipe {
            abs_path: file.abs_path.clone(),
            blank: blank.into(),
            hash: cache::content_hash(file.text.as_bytes()),
            body_hash: cache::content_hash(body.as_bytes()),
        }
    }

    /// The recipe of a doc kept from the last build ([`parse::kept`]), whose file is at `abs_path`.
    pub fn kept(abs_path: PathBuf, kept: &parse::kept::KeptDoc) -> Recipe {
        let blank = kept.blank.clone().into();
        Recipe { abs_path, blank, hash: kept.text_hash, body_hash: kept.body_hash }
    }

    /// What [`parse::kept`] keeps of it: the lines blanked, the text's hash, the body's.
    pub fn parts(&self) -> (&[bool], u128, u128) {
        (&self.blank, self.hash, self.body_hash)
    }

    /// The body of the doc at `rel` (its source path), read back from its file.
    fn read(&self, rel: &str, config: &Config) -> Body<'static> {
        let current = match std::fs::read(&self.abs_path) {
            Ok(bytes) => discover::decode(self.abs_path.clone(), rel.to_string(), bytes),
            Err(e) => return gone(rel, &e.to_string()),
        };
        if cache::content_hash(current.text.as_bytes()) == self.hash {
            return Body { text: Cow::Owned(parse::blank_lines(&current.text, &self.blank)), warning: None };
        }
        // Its sidecar too: the blanked lines can depend on the title found there.
        match discover::read_source(&self.abs_path, rel) {
            Ok(file) => Body {
                text: Cow::Owned(parse::parse(&file, config).body),
                warning: Some(Diagnostic::warning(
                    rel,
                    None,
                    "changed while the site was being built: its page shows the new text, the index and links \
                     the text as it was; build again",
                )),
            },
            Err(d) => gone(rel, &d.message),
        }
    }
}

/// The body of a file that can no longer be read: none.
fn gone(rel: &str, why: &str) -> Body<'static> {
    let message =
        format!("could not be read again while the site was being built ({why}): its page has no text; build again");
    Body { text: Cow::Borrowed(""), warning: Some(Diagnostic::warning(rel, None, message)) }
}

impl Bodies {
    /// The `cache::content_hash` of the body of the doc at `pos` of `index`, as parsed
    /// (without reading its file).
    pub fn body_hash(&self, index: &Index, pos: usize) -> u128 {
        let Some(doc) = index.docs.get(pos) else { return cache::content_hash(b"") };
        match self {
            Bodies::OnDisk(recipes) => match recipes.get(&doc.source) {
                Some(recipe) => recipe.body_hash,
                None => cache::content_hash(doc.body.as_bytes()),
            },
            Bodies::Held => cache::content_hash(doc.body.as_bytes()),
        }
    }

    /// The `cache::content_hash` of the body of the doc parsed from `source`, when its
    /// body is on disk (a held body has no recipe: hash it with [`Bodies::body_hash`]).
    pub fn body_hash_of(&self, source: &str) -> Option<u128> {
        match self {
            Bodies::OnDisk(recipes) => Some(recipes.get(source)?.body_hash),
            Bodies::Held => None,
        }
    }

    /// The body of the doc parsed from `source`, when bodies are on disk and that doc has
    /// a recipe (held bodies are in the docs).
    pub fn on_disk(&self, source: &str, config: &Config) -> Option<Body<'static>> {
        match self {
            Bodies::OnDisk(recipes) => Some(recipes.get(source)?.read(source, config)),
            Bodies::Held => None,
        }
    }

    /// The body of the doc at `pos` of `index` (empty past the end).
    pub fn get<'a>(&self, index: &'a Index, pos: usize, config: &Config) -> Body<'a> {
        let Some(doc) = index.docs.get(pos) else { return Body::default() };
        match self {
            Bodies::OnDisk(recipes) => match recipes.get(&doc.source) {
                Some(recipe) => recipe.read(&doc.source, config),
                None => Body { text: Cow::Borrowed(&doc.body), warning: None },
            },
            Bodies::Held => Body { text: Cow::Borrowed(&doc.body), warning: None },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    /// A docs folder with `files`, each parsed, and its bodies as parsed and on disk.
    fn portal(files: &[(&str, &[u8])]) -> (tempfile::TempDir, Config, Index, Bodies) {
        let tmp = tempfile::tempdir().unwrap();
        let config = Config::default_at(tmp.path());
        let mut recipes = HashMap::new();
        let mut docs = Vec::new();
        for (rel, bytes) in files {
            let abs = config.src_dir.join(rel);
            fs::create_dir_all(abs.parent().unwrap()).unwrap();
            fs::write(&abs, bytes).unwrap();
        }
        for (rel, _) in files.iter().filter(|(rel, _)| rel.ends_with(".md")) {
            let abs = config.src_dir.join(rel);
            let file = discover::read_source(&abs, rel).unwrap();
            let (doc, blank) = parse::parse_blanking(&file, &config);
            recipes.insert(doc.source.clone(), Recipe::new(&file, blank, &doc.body));
            docs.push(doc);
        }
        let (index, _) = crate::index::build(docs, &config);
        (tmp, config, index, Bodies::OnDisk(recipes))
    }

    fn pos(index: &Index, rel: &str) -> usize {
        index.find_source(rel).unwrap()
    }

    #[test]
    fn a_body_read_back_is_the_body_parsed() {
        let files: [(&str, &[u8]); 6] = [
            ("adr/a.md", b"---\ntitle: Alpha\nstatus: accepted\n---\n# Alpha\n\nBody of **alpha**.\n"),
            ("adr/b.md", b"\xef\xbb\xbf# ADR-0002: Beta\r\n\r\n| Status | Draft |\r\n|---|---|\r\n\r\nText\r\n"),
            ("adr/c.md", b"# Gamma\n\nNot UTF-8: \xff here.\n\n## Section\n"),
            ("adr/d.md", b"No header at all, no newline at the end"),
            ("keps/1-x/README.md", b"# Title from the sidecar\n\nText.\n"),
            ("keps/1-x/kep.yaml", b"title: Title from the sidecar\n"),
        ];
        let (_tmp, config, index, bodies) = portal(&files);
        for doc in &index.docs {
            let body = bodies.get(&index, pos(&index, &doc.source), &config);
            assert!(!doc.body.is_empty());
            assert_eq!(body.text, doc.body, "{}", doc.source);
            assert_eq!(body.warning, None);
            let hash = cache::content_hash(doc.body.as_bytes());
            assert_eq!(bodies.body_hash(&index, pos(&index, &doc.source)), hash, "{}", doc.source);
            assert_eq!(Bodies::Held.body_hash(&index, pos(&index, &doc.source)), hash);
        }
        let blanked = |rel: &str| index.docs[pos(&index, rel)].body.starts_with('\n');
        assert!(blanked("adr/a.md") && blanked("adr/b.md") && blanked("keps/1-x/README.md"));
    }

    /// A file edited between parse and render: its body is the new text, parsed
    /// again (here a longer front-matter, so other lines are blanked), with a warning.
    #[test]
    fn a_file_changed_since_it_was_parsed_gives_its_new_text_and_a_warning() {
        let (_tmp, config, index, bodies) = portal(&[("a.md", b"---\ntitle: A\n---\nOld text.\n")]);
        let new = "---\ntitle: A\nstatus: draft\n---\nNew text.\n";
        fs::write(config.src_dir.join("a.md"), new).unwrap();
        let body = bodies.get(&index, 0, &config);
        assert_eq!(body.text, "\n\n\n\nNew text.\n");
        let warning = body.warning.unwrap();
        assert_eq!((warning.source.as_str(), warning.line), ("a.md", None));
        assert!(warning.message.starts_with("changed while the site was being built"), "{}", warning.message);

        fs::remove_file(config.src_dir.join("a.md")).unwrap();
        let body = bodies.get(&index, 0, &config);
        assert_eq!(body.text, "");
        assert!(body.warning.unwrap().message.starts_with("could not be read again"));
    }

    #[test]
    fn held_bodies_are_the_docs_own() {
        let (_tmp, config, index, _) = portal(&[("a.md", b"# A\n\nText.\n")]);
        fs::remove_file(config.src_dir.join("a.md")).unwrap();
        let body = Bodies::Held.get(&index, 0, &config);
        assert_eq!((body.text.as_ref(), body.warning), (index.docs[0].body.as_str(), None));
        assert_eq!(Bodies::Held.get(&index, 1, &config).text, "");
    }
}
