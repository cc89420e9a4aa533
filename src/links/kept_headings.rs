//! Heading anchors of `#anchor` targets, kept between `docportal build`s, so a rebuild
//! does not read and parse again every doc that a link points into.
//!
//! In: the heading anchors the links stage found in target docs' bodies, each under its
//! body's `cache::content_hash`. Out: next build, for a body with the same hash, the
//! same anchors, without reading its file: at 1,000 docs the links stage read and
//! parsed the bodies of about 150 targets on every rebuild, a quarter of the stage.
//!
//! Entries live in one file per docportal build (`.docportal-cache/headings-v1/<context>.bin`):
//! [`crate::render::heading_anchors`] reads nothing but the body, so the body's hash and
//! the binary that made them are the whole key. A build rewrites the file with the
//! anchors of this build's targets only, so it never grows past one build's.
//!
//! Invariants: anchors are found only under the hash of the body they were made from,
//! by the binary that made them. A missing, torn or foreign file is a miss for every
//! body, never an error; a file that cannot be written only costs the next build reads.

use crate::cache::{self, Reader};
use crate::config::Config;
use siphasher::sip128::Hasher128;
use std::collections::HashMap;
use std::path::PathBuf;

/// Bump when the entry format or the anchor algorithm's inputs change.
pub const FORMAT: &str = "headings-v1";
const MAGIC: &[u8; 8] = b"DPHEAD01";
/// Files kept (one per docportal binary that built the project lately).
const KEEP: usize = 2;

/// The heading anchors of target bodies, as the last build by this binary found them.
pub struct KeptHeadings {
    /// The file; `None` when the cache is off.
    file: Option<PathBuf>,
    context: u128,
    by_body: HashMap<u128, Vec<String>>,
}

impl KeptHeadings {
    /// The kept anchors of `config`'s project for the running docportal.
    pub fn open(config: &Config) -> KeptHeadings {
        let identity = std::env::current_exe().ok().map(|exe| cache::build_identity(&exe));
        KeptHeadings::open_for(config, identity.as_deref())
    }

    /// Keeps nothing, and finds nothing.
    pub fn off() -> KeptHeadings {
        KeptHeadings { file: None, context: 0, by_body: HashMap::new() }
    }

    /// The kept anchors of `config`'s project for the docportal build `identity`; none
    /// when `identity` is `None` (a build that cannot name its binary keeps nothing).
    pub fn open_for(config: &Config, identity: Option<&str>) -> KeptHeadings {
        let Some(identity) = identity.filter(|_| cache::enabled()) else { return KeptHeadings::off() };
        let mut h = cache::hasher();
        cache::hash_str(&mut h, FORMAT);
        cache::hash_str(&mut h, identity);
        let context = h.finish128().as_u128();
        let file = config.root.join(cache::DIR).join(FORMAT).join(format!("{context:032x}.bin"));
        let by_body = std::fs::read(&file).ok().and_then(|bytes| decode(&bytes, context)).unwrap_or_default();
        KeptHeadings { file: Some(file), context, by_body }
    }

    /// The anchors of the body whose `cache::content_hash` is `body_hash`, when kept.
    pub fn get(&self, body_hash: u128) -> Option<Vec<String>> {
        self.by_body.get(&body_hash).cloned()
    }

    /// Replaces the file with `headings` (each target body's hash and anchors, as this
    /// build found them). Failures are ignored: the next build reads the bodies again.
    pub fn store<'a>(&self, headings: impl IntoIterator<Item = (u128, &'a [String])>) {
        let Some(file) = &self.file else { return };
        let (Some(dir), Some(name)) = (file.parent(), file.file_name()) else { return };
        // Two targets with one body are one entry.
        let mut seen = std::collections::HashSet::new();
        let entries: Vec<(u128, &[String])> = headings.into_iter().filter(|(hash, _)| seen.insert(*hash)).collect();
        let size: usize =
            entries.iter().map(|(_, anchors)| 20 + anchors.iter().map(|a| a.len() + 4).sum::<usize>()).sum();
        let sealed = cache::seal_with(MAGIC, self.context, size + 4, |out| {
            cache::put_u32(out, entries.len() as u32);
            for (body_hash, anchors) in &entries {
                out.extend_from_slice(&body_hash.to_le_bytes());
                cache::put_u32(out, anchors.len() as u32);
                for anchor in *anchors {
                    cache::put_str(out, anchor);
                }
            }
        });
        let name = name.to_string_lossy();
        if std::fs::create_dir_all(dir).is_ok() && cache::store(dir, &name, &sealed) {
            cache::keep_newest(dir, &name, KEEP);
            cache::remove_other_formats(dir, "headings-v");
        }
    }
}

/// The anchors a sealed file holds; `None` for a torn or foreign file.
fn decode(file: &[u8], context: u128) -> Option<HashMap<u128, Vec<String>>> {
    let mut r = Reader::new(cache::unseal(MAGIC, context, file)?);
    let count = r.u32()?;
    let mut by_body = HashMap::with_capacity(count as usize);
    for _ in 0..count {
        let body_hash = r.u128()?;
        let anchors = (0..r.u32()?).map(|_| r.string()).collect::<Option<Vec<String>>>()?;
        by_body.insert(body_hash, anchors);
    }
    r.is_empty().then_some(by_body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn anchors(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn anchors_come_back_only_under_their_body_hash_and_binary() {
        let tmp = tempfile::tempdir().unwrap();
        let config = Config::default_at(tmp.path());
        let (goals, risks) = (anchors(&["goals", "non-goals"]), anchors(&["risks"]));
        KeptHeadings::open_for(&config, Some("v1:1:1")).store([(7, &goals[..]), (9, &risks[..]), (7, &goals[..])]);

        let kept = KeptHeadings::open_for(&config, Some("v1:1:1"));
        assert_eq!(kept.get(7), Some(goals));
        assert_eq!(kept.get(9), Some(risks));
        assert_eq!(kept.get(8), None);
        // Another binary may find other anchors in the same body.
        assert_eq!(KeptHeadings::open_for(&config, Some("v1:2:2")).get(7), None);
        assert_eq!(KeptHeadings::open_for(&config, None).get(7), None);
    }

    #[test]
    fn a_torn_file_is_a_miss_and_the_next_store_replaces_it() {
        let tmp = tempfile::tempdir().unwrap();
        let config = Config::default_at(tmp.path());
        let goals = anchors(&["goals"]);
        let kept = KeptHeadings::open_for(&config, Some("v1:1:1"));
        kept.store([(7, &goals[..])]);
        let file = kept.file.clone().unwrap();
        let bytes = std::fs::read(&file).unwrap();
        std::fs::write(&file, &bytes[..bytes.len() - 3]).unwrap();
        assert_eq!(KeptHeadings::open_for(&config, Some("v1:1:1")).get(7), None);

        // A store holds this build's targets only: 7 is no longer one.
        let risks = anchors(&["risks"]);
        KeptHeadings::open_for(&config, Some("v1:1:1")).store([(9, &risks[..])]);
        let kept = KeptHeadings::open_for(&config, Some("v1:1:1"));
        assert_eq!((kept.get(7), kept.get(9)), (None, Some(risks)));
    }
}
