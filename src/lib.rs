//! docportal: turns a folder of Markdown design docs into a static portal.
//!
//! The modules are the pipeline, in order: [`config`] → [`discover`] → [`parse`] →
//! [`index`] → [`links`] → [`render`] → [`site`] → [`write`](mod@write), with
//! [`serve`] on top and [`pipeline`] running them. Every stage is a function from
//! borrowed inputs to a new value plus diagnostics ([`diag`]); none changes what an
//! earlier stage made.
//! [`bodies`] gives the stages after parse each doc's Markdown, held or read back from
//! its file; [`static_files`] puts the files of the static folder into the site, over
//! whatever the site makes at their paths. Between builds, [`cache`] keeps rendered doc bodies and [`fresh`] decides
//! whether a build has anything to do at all.
//!
//! These docs are for docportal's developers (`cargo doc --document-private-items`):
//! they link private items freely.

#![allow(rustdoc::private_intra_doc_links)]

pub mod bodies;
pub mod cache;
pub mod cli;
pub mod clock;
pub mod config;
pub mod diag;
pub mod discover;
pub mod fresh;
pub mod git;
pub mod ids;
pub mod index;
pub mod links;
pub mod model;
pub mod parse;
pub mod pipeline;
pub mod publish;
pub mod render;
pub mod scaffold;
pub mod search;
pub mod serve;
pub mod site;
pub mod static_files;
pub mod theme;
pub mod urls;
pub mod write;

/// The memory allocator the `docportal` binary and the bench programs install as
/// `#[global_allocator]` (a library does not choose one for its users). glibc's malloc
/// grew superlinearly with portal size: at 10,000 docs, where the build keeps each
/// doc's search analysis and the link graph while pages stream through, `_int_malloc`
/// and `unlink_chunk` cost 4.5 s of CPU more than ten times their share at 1,000 docs.
/// It is linked with mimalloc's `override` feature, so C code takes it too: oniguruma,
/// syntect's regex engine, allocates a match parameter for every regex search and
/// matcher state inside it; glibc's malloc and free were 6% of highlighting (a cold
/// build of the 1k bench corpus: 1.50 s → 1.45 s, 10k: 15.9 s → 15.2 s).
pub type Allocator = mimalloc::MiMalloc;
/// The value to install: `static A: docportal::Allocator = docportal::ALLOCATOR;`.
pub const ALLOCATOR: Allocator = mimalloc::MiMalloc;

/// Hands back to the OS the memory every thread has freed but mimalloc still holds for
/// reuse. A build calls it between stages whose working sets differ (after the doc
/// pages, after the search files), so the next stage's peak is not stacked on the last
/// one's leftovers: 290 → 270 MiB at 10,000 docs, 82 → 76 MiB at 1,000, no slower.
pub(crate) fn release_free_memory() {
    // SAFETY: `mi_collect` has no preconditions; it only frees and decommits what the
    // calling thread's heap no longer uses (all of rayon's threads, then this one).
    rayon::broadcast(|_| unsafe { libmimalloc_sys::mi_collect(true) });
    unsafe { libmimalloc_sys::mi_collect(true) };
}

/// Lowers the calling thread's priority to the least, so that it runs only on a core no
/// other thread of the build wants (work done ahead in idle time must not slow the
/// stage that leaves that time); gives whether it could. Linux only: elsewhere the
/// nice value is per process, so this gives `false` and changes nothing.
#[cfg(target_os = "linux")]
pub(crate) fn run_in_idle_time() -> bool {
    // SAFETY: `setpriority` only reads its arguments; `who = 0` is the calling thread
    // on Linux, whose nice value is a per-thread attribute.
    unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, 19) == 0 }
}

/// See the Linux version: elsewhere the priority is left alone.
#[cfg(not(target_os = "linux"))]
pub(crate) fn run_in_idle_time() -> bool {
    false
}

/// Locks `m`, taking its value even when a thread panicked while holding it: every
/// shared map and list in docportal changes by single inserts and pushes, so a
/// poisoned one is still whole.
pub(crate) fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The value of `m` once no thread shares it, taken whole for the reason [`lock`] gives.
pub(crate) fn unwrap_mutex<T>(m: std::sync::Mutex<T>) -> T {
    m.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(all(test, target_os = "linux"))]
mod idle_time_tests {
    /// The calling thread's nice value.
    fn nice() -> i32 {
        // SAFETY: `getpriority` only reads its arguments.
        unsafe { libc::getpriority(libc::PRIO_PROCESS, 0) }
    }

    #[test]
    fn idle_time_lowers_only_the_calling_threads_priority() {
        let before = nice();
        let lowered = std::thread::spawn(|| (super::run_in_idle_time(), nice())).join().expect("thread");
        assert_eq!(lowered, (true, 19));
        assert_eq!(nice(), before, "the other threads keep their priority");
    }
}
