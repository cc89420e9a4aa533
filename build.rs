//! Embeds every file under `theme/` into the binary: writes `$OUT_DIR/builtin_theme.rs`,
//! a list of `(path relative to theme/, include_bytes!(...))`, so adding a theme file
//! needs no code change.

use std::path::Path;

fn main() {
    let theme = Path::new(env!("CARGO_MANIFEST_DIR")).join("theme");
    println!("cargo:rerun-if-changed=theme");
    let mut files = Vec::new();
    collect(&theme, &theme, &mut files);
    assert!(!files.is_empty(), "no theme files under {}", theme.display());
    files.sort();
    let mut out = String::from("&[\n");
    for rel in &files {
        println!("cargo:rerun-if-changed=theme/{rel}");
        let abs = theme.join(rel);
        out.push_str(&format!("    ({rel:?}, include_bytes!({:?}) as &[u8]),\n", abs.display().to_string()));
    }
    out.push_str("]\n");
    let dest = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("builtin_theme.rs");
    std::fs::write(dest, out).expect("OUT_DIR is writable");
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<String>) {
    // An unreadable theme folder must stop the build: a binary without its theme
    // would build every portal into template errors.
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        if path.is_dir() {
            println!("cargo:rerun-if-changed={}", path.display());
            collect(root, &path, out);
        } else if let Ok(rel) = path.strip_prefix(root) {
            out.push(rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/"));
        }
    }
}
