//! Rendered docs → the static search index: a manifest, term shards and excerpt files.

use crate::config::Config;
use crate::index::Index;
use crate::model::RenderedDoc;
use std::collections::BTreeMap;

/// Every search file, by site path.
pub fn build(index: &Index, rendered: &[RenderedDoc], config: &Config) -> BTreeMap<String, Vec<u8>> {
    let _ = (index, rendered, config);
    BTreeMap::new()
}
