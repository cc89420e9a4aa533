//! The HTTP side of `serve`: the built folder over tiny_http, plus the reload endpoints.
//!
//! In: raw requests. Out: files from the build folder (never from anywhere else),
//! `/__docportal/reload?since=N` (a long-poll answered when build N+1 exists) and
//! `/__docportal/reload.js`. The only tiny_http user in the crate.
//!
//! tiny_http hands over the request target exactly as sent, so this module does all
//! path safety itself: only origin-form targets (`/…`); percent-decoding; any `..`
//! segment (also encoded, also built from `%2f`), backslash or NUL is a 400; the file
//! found is canonicalized and must lie inside the canonical build folder, so a symlink
//! cannot lead out. HTML answers get the reload script injected at response time (the
//! files on disk stay clean); the script URL carries the number of the site build the
//! page was read from, so a build finishing while the page loads is never missed.
//! Each request gets its own thread, so a pending long-poll blocks nothing else.

use super::{Shared, Snapshot};
use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tiny_http::{Header, Method, Request, Response};

/// How long a long-poll waits for a new build before answering with the current one.
const LONG_POLL: Duration = Duration::from_secs(25);
const RELOAD_JS: &str = include_str!("reload.js");

pub struct Server {
    inner: tiny_http::Server,
    pub addr: SocketAddr,
}

/// Why the server could not start.
pub enum BindError {
    InUse,
    Other(String),
}

/// Binds `bind:port` (`port` 0 picks a free one).
pub fn bind(bind: &str, port: u16) -> Result<Server, BindError> {
    let inner = tiny_http::Server::http((bind, port)).map_err(|e| match e.downcast_ref::<io::Error>() {
        Some(io) if io.kind() == io::ErrorKind::AddrInUse => BindError::InUse,
        _ => BindError::Other(e.to_string()),
    })?;
    let addr = inner.server_addr().to_ip().ok_or_else(|| BindError::Other("not an IP listener".into()))?;
    Ok(Server { inner, addr })
}

/// Answers requests on a background thread until the process ends.
pub fn spawn(server: Server, shared: Arc<Shared>) {
    std::thread::spawn(move || {
        for request in server.inner.incoming_requests() {
            let shared = Arc::clone(&shared);
            std::thread::spawn(move || {
                // A client that hung up is no concern of ours.
                let _ = handle(request, &shared);
            });
        }
    });
}

/// What a request target asks for, decided from the target alone.
#[derive(Debug, PartialEq, Eq)]
pub enum Route {
    Reload {
        since: u64,
    },
    ReloadScript,
    Redirect(String),
    /// Decoded path segments below the site root; empty for the root itself.
    File {
        segments: Vec<String>,
        trailing_slash: bool,
    },
    BadRequest,
    NotFound,
}

/// Maps a raw request target to a [`Route`]. `prefix` is the site's path prefix
/// (`/` or `/docs/`); the site is served below it and `/` redirects there.
pub fn route(target: &str, prefix: &str) -> Route {
    if !target.starts_with('/') {
        return Route::BadRequest;
    }
    let (raw_path, query) = target.split_once('?').unwrap_or((target, ""));
    let raw_path = raw_path.split('#').next().unwrap_or(raw_path);
    if raw_path.contains('\\') {
        return Route::BadRequest;
    }
    let Some(path) = crate::urls::percent_decode(raw_path) else { return Route::BadRequest };
    if path.contains(['\\', '\0']) {
        return Route::BadRequest;
    }
    let under_prefix = path.strip_prefix(prefix).map(|rest| format!("/{rest}"));
    for candidate in [Some(path.clone()), under_prefix.clone()].into_iter().flatten() {
        match candidate.as_str() {
            "/__docportal/reload" => return Route::Reload { since: query_since(query) },
            "/__docportal/reload.js" => return Route::ReloadScript,
            _ => {}
        }
    }
    let rest = match under_prefix {
        Some(rest) => rest,
        None if path == "/" || format!("{path}/") == prefix => return Route::Redirect(prefix.to_string()),
        None => return Route::NotFound,
    };
    let mut segments = Vec::new();
    for seg in rest.split('/') {
        match seg {
            ".." => return Route::BadRequest,
            "" | "." => {}
            s => segments.push(s.to_string()),
        }
    }
    Route::File { segments, trailing_slash: rest.ends_with('/') }
}

fn query_since(query: &str) -> u64 {
    query.split('&').find_map(|kv| kv.strip_prefix("since=")).and_then(|v| v.parse().ok()).unwrap_or(0)
}

fn handle(request: Request, shared: &Shared) -> io::Result<()> {
    if !matches!(request.method(), Method::Get | Method::Head) {
        let response = Response::from_string("405 Method Not Allowed\n").with_status_code(405);
        return request.respond(with_headers(response, "text/plain; charset=utf-8", &[("Allow", "GET, HEAD")]));
    }
    let snapshot = shared.snapshot();
    match route(request.url(), &snapshot.prefix) {
        Route::BadRequest => plain(request, 400, "400 Bad Request\n"),
        Route::NotFound => not_found(request, &snapshot),
        Route::Redirect(to) => {
            let response = Response::from_string(format!("See {to}\n")).with_status_code(302);
            request.respond(with_headers(response, "text/plain; charset=utf-8", &[("Location", &to)]))
        }
        Route::ReloadScript => {
            let response = Response::from_string(RELOAD_JS);
            request.respond(with_headers(response, "text/javascript; charset=utf-8", &[]))
        }
        Route::Reload { since } => {
            let status = shared.wait_for_build(since, LONG_POLL);
            let body = serde_json::json!({
                "build": status.build,
                "site": status.site,
                "ok": status.ok,
                "errors": status.errors,
            });
            let response = Response::from_string(body.to_string());
            request.respond(with_headers(response, "application/json", &[]))
        }
        Route::File { segments, trailing_slash } => {
            let Some(found) = resolve(&snapshot.root, &segments) else { return not_found(request, &snapshot) };
            match found {
                Found::Folder if !trailing_slash => {
                    let to = format!("{}/", request.url().split('?').next().unwrap_or("/"));
                    let response = Response::from_string(format!("See {to}\n")).with_status_code(301);
                    request.respond(with_headers(response, "text/plain; charset=utf-8", &[("Location", &to)]))
                }
                Found::Folder => match resolve(&snapshot.root, &[segments, vec!["index.html".into()]].concat()) {
                    Some(Found::File(path)) => send_file(request, &path, 200, &snapshot),
                    _ => not_found(request, &snapshot),
                },
                Found::File(path) => send_file(request, &path, 200, &snapshot),
            }
        }
    }
}

enum Found {
    File(PathBuf),
    Folder,
}

/// The file or folder at `segments` below `root`, only if it really lies inside `root`
/// once every symlink is resolved.
fn resolve(root: &Path, segments: &[String]) -> Option<Found> {
    let root = root.canonicalize().ok()?;
    let mut path = root.clone();
    for seg in segments {
        path.push(seg);
    }
    let real = path.canonicalize().ok()?;
    if !real.starts_with(&root) {
        return None;
    }
    let meta = std::fs::metadata(&real).ok()?;
    if meta.is_dir() {
        Some(Found::Folder)
    } else if meta.is_file() {
        Some(Found::File(real))
    } else {
        None
    }
}

fn send_file(request: Request, path: &Path, status: u16, snapshot: &Snapshot) -> io::Result<()> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(_) => return plain(request, 404, "404 Not Found\n"),
    };
    let mime = mime_type(path);
    let bytes = if mime.starts_with("text/html") { inject_reload_script(bytes, snapshot) } else { bytes };
    let response = Response::from_data(bytes).with_status_code(status);
    request.respond(with_headers(response, mime, &[]))
}

fn not_found(request: Request, snapshot: &Snapshot) -> io::Result<()> {
    match resolve(&snapshot.root, &["404.html".to_string()]) {
        Some(Found::File(path)) => send_file(request, &path, 404, snapshot),
        _ => plain(request, 404, "404 Not Found\n"),
    }
}

fn plain(request: Request, status: u16, text: &str) -> io::Result<()> {
    let response = Response::from_string(text).with_status_code(status);
    request.respond(with_headers(response, "text/plain; charset=utf-8", &[]))
}

fn with_headers<R: io::Read>(mut response: Response<R>, mime: &str, extra: &[(&str, &str)]) -> Response<R> {
    let common = [("Content-Type", mime), ("Cache-Control", "no-cache"), ("X-Content-Type-Options", "nosniff")];
    for (name, value) in common.iter().chain(extra) {
        if let Ok(h) = Header::from_bytes(name.as_bytes(), value.as_bytes()) {
            response.add_header(h);
        }
    }
    response
}

/// The `<script>` tag that loads the reload client, carrying the served site build.
pub fn reload_script_tag(prefix: &str, site_build: u64) -> String {
    format!("<script src=\"{prefix}__docportal/reload.js?build={site_build}\" defer></script>")
}

/// Inserts the reload script before the last `</body>` (or at the end).
fn inject_reload_script(mut html: Vec<u8>, snapshot: &Snapshot) -> Vec<u8> {
    let tag = reload_script_tag(&snapshot.prefix, snapshot.site);
    let at = html.windows(7).rposition(|w| w.eq_ignore_ascii_case(b"</body>")).unwrap_or(html.len());
    html.splice(at..at, tag.into_bytes());
    html
}

pub fn mime_type(path: &Path) -> &'static str {
    let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).unwrap_or_default();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "xml" => "application/xml",
        "txt" => "text/plain; charset=utf-8",
        "wasm" => "application/wasm",
        "pdf" => "application/pdf",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(segments: &[&str], trailing_slash: bool) -> Route {
        Route::File { segments: segments.iter().map(|s| s.to_string()).collect(), trailing_slash }
    }

    #[test]
    fn traversal_in_any_spelling_is_a_bad_request() {
        for target in [
            "/../../etc/passwd",
            "/%2e%2e/%2e%2e/etc/passwd",
            "/%2E%2E/x",
            "/..%2fCargo.toml",
            "/a/%2e%2e%2f%2e%2e%2fb",
            "/a\\..\\b",
            "/a%5c..%5cb",
            "/a%00.html",
        ] {
            assert_eq!(route(target, "/"), Route::BadRequest, "{target}");
        }
    }

    #[test]
    fn absolute_form_and_asterisk_targets_are_refused() {
        assert_eq!(route("http://127.0.0.1/etc/passwd", "/"), Route::BadRequest);
        assert_eq!(route("*", "/"), Route::BadRequest);
    }

    #[test]
    fn encoded_slashes_cannot_make_an_absolute_path() {
        assert_eq!(route("/%2fetc/passwd", "/"), file(&["etc", "passwd"], false));
    }

    #[test]
    fn paths_are_decoded_and_split() {
        assert_eq!(route("/trd/a%20b.html?x=1", "/"), file(&["trd", "a b.html"], false));
        assert_eq!(route("/trd/", "/"), file(&["trd"], true));
        assert_eq!(route("/", "/"), file(&[], true));
    }

    #[test]
    fn a_site_url_prefix_is_served_and_the_root_redirects_to_it() {
        assert_eq!(route("/", "/docs/"), Route::Redirect("/docs/".into()));
        assert_eq!(route("/docs", "/docs/"), Route::Redirect("/docs/".into()));
        assert_eq!(route("/docs/a.html", "/docs/"), file(&["a.html"], false));
        assert_eq!(route("/a.html", "/docs/"), Route::NotFound);
        assert_eq!(route("/docs/__docportal/reload?since=4", "/docs/"), Route::Reload { since: 4 });
        assert_eq!(route("/__docportal/reload.js?build=2", "/docs/"), Route::ReloadScript);
    }

    #[test]
    fn the_reload_script_goes_before_the_last_body_end_tag() {
        let snap = Snapshot { site: 7, prefix: "/docs/".into(), ..Snapshot::default() };
        let out = inject_reload_script(b"<html><body><p>x</p></BODY></html>".to_vec(), &snap);
        let out = String::from_utf8(out).unwrap();
        assert_eq!(
            out,
            "<html><body><p>x</p><script src=\"/docs/__docportal/reload.js?build=7\" defer></script></BODY></html>"
        );
    }

    #[test]
    fn mime_types_follow_the_extension() {
        assert_eq!(mime_type(Path::new("a/b.woff2")), "font/woff2");
        assert_eq!(mime_type(Path::new("a.SVG")), "image/svg+xml");
        assert_eq!(mime_type(Path::new("a.js.map")), "application/json");
        assert_eq!(mime_type(Path::new("noext")), "application/octet-stream");
    }
}
