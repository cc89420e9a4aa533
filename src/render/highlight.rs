//! Fenced code → highlighted HTML, with CSS classes rather than inline colours.
//!
//! In: a code block's language tag (as the author wrote it: `ts`, `Terraform`, `shell`)
//! and its text. Out: an HTML fragment whose tokens are `<span class="hl-…">` elements,
//! so one stylesheet (`theme/assets/syntax.css`, made by [`syntax_css`]) gives both a
//! light and a dark theme. The grammar set is syntect's defaults plus the extra
//! grammars packaged by `two-face` (TypeScript, TOML, Dockerfile, Terraform/HCL, …),
//! loaded once per process from its packed dump and shared read-only by every render
//! thread. Each block is parsed with one parse state, line by line; a line already
//! parsed from an equal state, by any thread, reuses that parse (see [`LineMemo`]).
//! A block can also be highlighted ahead, on a core the build would leave idle, and
//! its result held until the render asks for that block ([`highlight_ahead`]).
//!
//! Invariants: the text of the output, with tags removed and entities decoded, is
//! exactly the input; an unknown language or a grammar failure never loses content
//! (the caller falls back to plain escaped text).

use crate::cache::FastMap;
use siphasher::sip128::{Hasher128, SipHasher13};
use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{LazyLock, Mutex, RwLock};
use syntect::html::{line_tokens_to_classed_spans, ClassStyle};
use syntect::parsing::{ParseState, Scope, ScopeStack, ScopeStackOp, SyntaxReference, SyntaxSet};
use syntect::util::LinesWithEndings;

/// Class prefix of every token span; the stylesheet uses the same prefix.
const CLASS_STYLE: ClassStyle = ClassStyle::SpacedPrefixed { prefix: "hl-" };

/// The grammar set, deserialised on first use and then shared by all threads.
static SYNTAXES: LazyLock<SyntaxSet> = LazyLock::new(two_face::syntax::extra_newlines);

/// The grammar set, loading it now if no block has needed it yet (for benchmarks and warm-up).
pub fn syntax_set() -> &'static SyntaxSet {
    &SYNTAXES
}

/// Language tags people write, mapped to a token syntect knows (a file extension or a
/// grammar name). Anything not listed is looked up as written, so `scala`, `nix` or
/// `ini` work too.
const ALIASES: &[(&str, &str)] = &[
    ("rust", "rs"),
    ("typescript", "ts"),
    ("javascript", "js"),
    ("jsx", "js"),
    ("mjs", "js"),
    ("cjs", "js"),
    ("node", "js"),
    ("yml", "yaml"),
    ("bash", "sh"),
    ("shell", "sh"),
    ("zsh", "sh"),
    ("console", "sh"),
    ("shell-session", "sh"),
    ("shellsession", "sh"),
    ("jsonc", "json"),
    ("json5", "json"),
    ("postgres", "sql"),
    ("postgresql", "sql"),
    ("psql", "sql"),
    ("mysql", "sql"),
    ("sqlite", "sql"),
    ("plsql", "sql"),
    ("golang", "go"),
    ("python", "py"),
    ("python3", "py"),
    ("hcl", "tf"),
    ("terraform", "tf"),
    ("docker", "Dockerfile"),
    ("dockerfile", "Dockerfile"),
    ("containerfile", "Dockerfile"),
    ("patch", "diff"),
    ("kotlin", "kt"),
    ("c++", "cpp"),
    ("cxx", "cpp"),
    ("csharp", "cs"),
    ("c#", "cs"),
    ("ruby", "rb"),
    ("protobuf", "proto"),
    ("proto3", "proto"),
    ("graphql", "graphql"),
    ("gql", "graphql"),
    ("make", "Makefile"),
    ("makefile", "Makefile"),
];

/// Tags that mean "no highlighting": shown as plain text without a lookup.
const PLAIN: &[&str] = &["", "text", "plaintext", "plain", "txt", "none", "output", "log"];

/// The grammar for a language tag, or `None` for plain text and unknown languages.
pub fn syntax_for(lang: &str) -> Option<&'static SyntaxReference> {
    // The lookup compares the tag with every grammar's extensions; a doc set uses a
    // handful of tags, so each thread remembers its answers (a bounded few).
    thread_local! {
        static KNOWN: RefCell<HashMap<Box<str>, Option<&'static SyntaxReference>>> = RefCell::default();
    }
    const TAGS_KEPT: usize = 256;
    KNOWN.with_borrow_mut(|known| {
        if let Some(&syntax) = known.get(lang) {
            return syntax;
        }
        let syntax = look_up_syntax(lang);
        if known.len() >= TAGS_KEPT {
            known.clear();
        }
        known.insert(lang.into(), syntax);
        syntax
    })
}

fn look_up_syntax(lang: &str) -> Option<&'static SyntaxReference> {
    let lang = lang.trim().to_ascii_lowercase();
    if PLAIN.contains(&lang.as_str()) {
        return None;
    }
    let token = ALIASES.iter().find(|(alias, _)| *alias == lang).map_or(lang.as_str(), |(_, token)| token);
    let set = syntax_set();
    set.find_syntax_by_token(token).or_else(|| set.find_syntax_by_extension(&lang))
}

/// Highlights `code` with `syntax`: token spans only, without the surrounding `<pre>`.
/// `Err` carries the grammar's message when syntect fails on this input.
pub fn highlight(syntax: &SyntaxReference, code: &str) -> Result<String, String> {
    AHEAD.take_or(syntax, code, || highlight_with(&LINE_MEMO, syntax, code))
}

/// Highlights `code` now and keeps the result until [`highlight`] is asked for the same
/// block: for a spare core while the build has work for only one (the links stage),
/// so the render has less to do. What `highlight` then gives is what it would have made.
///
/// Gives whether there is room for more: what is held is bounded ([`Ahead::ROOM`]), so
/// that it never raises the build's peak memory much.
pub fn highlight_ahead(syntax: &SyntaxReference, code: &str) -> bool {
    let result = highlight_with(&LINE_MEMO, syntax, code);
    AHEAD.put(syntax, code, result)
}

fn highlight_with(memo: &LineMemo, syntax: &SyntaxReference, code: &str) -> Result<String, String> {
    let set = syntax_set();
    let mut cursor = memo.start(syntax);
    let mut scopes = ScopeStack::new();
    let mut html = String::with_capacity(code.len() * 3);
    let mut open_spans: isize = 0;
    for line in LinesWithEndings::from(code) {
        open_spans += memo.highlight_line(&mut cursor, &mut scopes, line, set, &mut html)?;
    }
    for _ in 0..open_spans {
        html.push_str("</span>");
    }
    Ok(html)
}

/// Drops every line and state the shared memo holds. A one-shot build calls it once
/// the doc pages are written, so the memory is free for the search index; highlighting
/// afterwards is as exact as before, only slower until the memo fills again.
pub fn forget_lines() {
    LINE_MEMO.forget();
    AHEAD.clear();
}

/// Blocks highlighted ahead of the render ([`highlight_ahead`]), each given out once.
static AHEAD: LazyLock<Ahead> = LazyLock::new(Ahead::default);

#[derive(Default)]
struct Ahead {
    /// By the grammar's address in the process-wide set and the code's hash: the code
    /// (compared in full) and its result.
    blocks: Mutex<HashMap<(usize, u64), Vec<HeldBlock>>>,
    /// Blocks held, read without the lock: the render asks for every block, and nearly
    /// always none is waiting.
    waiting: AtomicUsize,
    /// Bytes of code and results held.
    held: AtomicUsize,
}

/// A block highlighted ahead: its code and what highlighting it gave.
type HeldBlock = (Box<str>, Result<String, String>);

impl Ahead {
    fn key(syntax: &SyntaxReference, code: &str) -> (usize, u64) {
        (std::ptr::from_ref(syntax) as usize, xxhash_rust::xxh3::xxh3_64(code.as_bytes()))
    }

    /// Bytes of code and results held at most: a few hundred docs' blocks. The links
    /// stage of 10,000 docs leaves time for about 400 (2 MB) at the lowest priority.
    const ROOM: usize = 4 << 20;

    /// Holds `result` for `code`; gives whether there is room for more.
    fn put(&self, syntax: &SyntaxReference, code: &str, result: Result<String, String>) -> bool {
        let size = Ahead::size(code, &result);
        let mut blocks = crate::lock(&self.blocks);
        blocks.entry(Ahead::key(syntax, code)).or_default().push((code.into(), result));
        self.waiting.fetch_add(1, Ordering::Relaxed);
        self.held.fetch_add(size, Ordering::Relaxed) + size < Ahead::ROOM
    }

    fn size(code: &str, result: &Result<String, String>) -> usize {
        code.len() + result.as_ref().map_or_else(String::len, String::len)
    }

    /// The result held for `code`, given once, or else what `highlight` makes.
    fn take_or(
        &self,
        syntax: &SyntaxReference,
        code: &str,
        highlight: impl FnOnce() -> Result<String, String>,
    ) -> Result<String, String> {
        self.take(syntax, code).unwrap_or_else(highlight)
    }

    fn take(&self, syntax: &SyntaxReference, code: &str) -> Option<Result<String, String>> {
        if self.waiting.load(Ordering::Relaxed) == 0 {
            return None;
        }
        let key = Ahead::key(syntax, code);
        let mut blocks = crate::lock(&self.blocks);
        let same = blocks.get_mut(&key)?;
        let at = same.iter().position(|(held, _)| **held == *code)?;
        let (_, result) = same.swap_remove(at);
        if same.is_empty() {
            blocks.remove(&key);
        }
        self.waiting.fetch_sub(1, Ordering::Relaxed);
        self.held.fetch_sub(Ahead::size(code, &result), Ordering::Relaxed);
        Some(result)
    }

    fn clear(&self) {
        let mut blocks = crate::lock(&self.blocks);
        *blocks = HashMap::new();
        self.waiting.store(0, Ordering::Relaxed);
        self.held.store(0, Ordering::Relaxed);
    }
}

/// The memo every render thread shares.
static LINE_MEMO: LazyLock<LineMemo> = LazyLock::new(|| LineMemo::new(LineMemo::GENERATION, LineMemo::STATES));

/// Highlighted lines recently seen by any render thread, keyed by the line's text and
/// the parse state before it. A line's parse is a pure function of the two (syntect's
/// `ParseState` holds the grammar, the context stack and any captured text), and its
/// spans a pure function of the parse, so a hit appends exactly what highlighting again
/// would: the output never depends on what the memo holds, nor on which thread filled
/// it. Code in design docs repeats lines (closing braces, imports, field declarations,
/// YAML keys, `FROM`/`RUN` boilerplate), within a doc and across docs, and a parse costs
/// tens to hundreds of microseconds, mostly regex searches; a lookup costs well under one.
///
/// Parse states are interned: a held line names the states before and after it by
/// number, so thousands of lines share the few dozen states a grammar passes through,
/// and a lookup compares numbers rather than context stacks.
///
/// Memory is bounded: two generations of at most `generation` lines each; when the
/// current one fills up it becomes the previous one and the oldest is dropped, so a
/// line used again soon stays. When more than `max_states` states are interned (every
/// nesting depth of brackets in a JSON block is a state of its own) everything is
/// dropped and a new epoch starts; a block being highlighted then interns its state
/// again. Not kept: long lines, which rarely repeat; lines whose grammar clears scopes
/// (their spans depend on more than the line); lines from a state holding captured text
/// (a heredoc's delimiter), which syntect compares by address, so it never recurs.
struct LineMemo {
    table: RwLock<MemoTable>,
    generation: usize,
    max_states: usize,
}

#[derive(Default)]
struct MemoTable {
    /// Bumped whenever `states` is emptied, so that a cursor's state number from before
    /// is never looked up in the new table.
    epoch: u64,
    states: Vec<InternedState>,
    /// State numbers by a hash of the state's `Debug` text (equal states, equal text).
    state_numbers: FastMap<u128, Vec<StateNumber>>,
    current: FastMap<Box<str>, Vec<HeldLine>>,
    previous: FastMap<Box<str>, Vec<HeldLine>>,
    /// Lines held in `current` (a text can have several, one per state before it).
    current_len: usize,
    /// The number of each grammar's first state, by the grammar's address in the
    /// process-wide set, so a block starts without interning.
    first_states: FastMap<usize, StateNumber>,
    /// For a state, the states lines starting in it recently ended in.
    successors: FastMap<StateNumber, Vec<StateNumber>>,
}

impl MemoTable {
    /// Empties the table, starting a new epoch so that no cursor's number survives.
    fn start_over(&mut self) {
        let epoch = self.epoch + 1;
        *self = MemoTable { epoch, ..MemoTable::default() };
    }

    /// The first of `numbers` whose interned state equals `state`.
    fn equal_state(&self, numbers: &[StateNumber], state: &ParseState) -> Option<StateNumber> {
        numbers.iter().copied().find(|&n| self.states[n as usize].0 == *state)
    }
}

/// Whether `state` can ever be found again: not when it holds captured text, whose
/// Oniguruma region compares by address, so not even the state's own copy equals it.
fn can_recur(state: &ParseState) -> bool {
    state.clone() == *state
}

type StateNumber = u32;

/// A parse state held by the memo and read (compared, cloned) by any render thread.
struct InternedState(ParseState);

// SAFETY: `ParseState` is not `Send`/`Sync` only because a state with captured text
// owns an Oniguruma region, a plain heap block behind raw pointers that nothing else
// aliases and that is freed when the state is dropped. The memo interns only states
// that equal their own copy, which excludes every state with captures (regions compare
// by address), and it only reads interned states (comparing and cloning them), always
// under the table's lock.
unsafe impl Send for InternedState {}
// SAFETY: as above; shared access only reads.
unsafe impl Sync for InternedState {}

/// A block's parse position: its state, and that state's number in the memo's epoch.
struct Cursor {
    state: ParseState,
    /// `(epoch, number)`; `None` until interned, or after a line left a new state.
    id: Option<(u64, StateNumber)>,
}

/// One highlighted line: the states around it, its spans, and what it does to the
/// scope stack (pops below the line's start, then pushes left open at its end).
#[derive(Clone)]
struct HeldLine {
    before: StateNumber,
    after: StateNumber,
    spans: Box<str>,
    popped: usize,
    pushed: Box<[Scope]>,
}

impl LineMemo {
    /// Lines held per generation before it is retired (up to about 7 MB of keys and spans).
    const GENERATION: usize = 8 * 1024;
    /// Interned states before the memo starts over.
    const STATES: usize = 4096;
    /// States remembered as following each state (see [`LineMemo::successor`]).
    const SUCCESSORS: usize = 4;
    /// Longer lines are highlighted every time rather than kept.
    const LONGEST_KEPT: usize = 256;
    /// States kept per line text; a line seen in more states than this is common text
    /// (a blank line, a closing brace) at many depths, and these already catch most
    /// of its repeats.
    const STATES_PER_LINE: usize = 16;

    fn new(generation: usize, max_states: usize) -> LineMemo {
        LineMemo { table: RwLock::default(), generation, max_states }
    }

    /// Appends `line`'s spans to `html`, advancing the cursor and `scopes` over it, and
    /// returns how many spans it leaves open (negative when it closes earlier ones).
    fn highlight_line(
        &self,
        cursor: &mut Cursor,
        scopes: &mut ScopeStack,
        line: &str,
        set: &SyntaxSet,
        html: &mut String,
    ) -> Result<isize, String> {
        let keepable = line.len() <= Self::LONGEST_KEPT;
        let mut from_previous = None;
        let mut before = {
            let table = self.read();
            let before = cursor.number_in(&table);
            if let Some(number) = before.filter(|_| keepable) {
                if let Some(held) = find_held(&table.current, line, number, scopes) {
                    return Ok(held.replay(&table, cursor, scopes, html));
                }
                if let Some(held) = find_held(&table.previous, line, number, scopes) {
                    from_previous = Some(held.clone());
                }
            }
            before
        };
        if let Some(held) = from_previous {
            // Promoted to the current generation, unless another thread started a
            // new epoch in between (then the line is parsed after all).
            let mut table = self.write();
            if cursor.number_in(&table).is_some() {
                let open = held.replay(&table, cursor, scopes, html);
                self.keep(&mut table, line, held);
                return Ok(open);
            }
            before = None;
        }
        // A state that cannot recur is not worth the write lock.
        if before.is_none() && can_recur(&cursor.state) {
            before = self.intern(&mut self.write(), cursor);
        }
        // The parse moves the state on: until it is known again, it has no number.
        let before_epoch = cursor.id.take().map(|(epoch, _)| epoch);
        let ops = cursor.state.parse_line(line, set).map_err(|e| e.to_string())?;
        let (spans, open) = line_tokens_to_classed_spans(line, &ops, CLASS_STYLE, scopes).map_err(|e| e.to_string())?;
        html.push_str(&spans);
        if let Some(before) = before {
            let mut table = self.write();
            let epoch = table.epoch;
            // `before` is a number of the epoch the cursor was in before the parse.
            if before_epoch == Some(epoch) {
                // Numbered even when the line is not kept, so the next line is looked up
                // without interning its state afresh.
                let after = if table.states[before as usize].0 == cursor.state {
                    cursor.id = Some((epoch, before));
                    Some(before)
                } else {
                    self.successor(&mut table, before, cursor)
                };
                let effect = if keepable { stack_effect(&ops) } else { None };
                // Numbering may have started a new epoch, emptying the table.
                if let (Some(after), Some((popped, pushed))) = (after.filter(|_| table.epoch == epoch), effect) {
                    let held = HeldLine { before, after, spans: spans.into(), popped, pushed: pushed.into() };
                    self.keep(&mut table, line, held);
                }
            }
        }
        Ok(open)
    }

    fn forget(&self) {
        self.write().start_over();
    }

    /// A cursor at the start of a block in `syntax`, numbered when the memo can.
    fn start(&self, syntax: &SyntaxReference) -> Cursor {
        let grammar = std::ptr::from_ref(syntax) as usize;
        let mut cursor = Cursor { state: ParseState::new(syntax), id: None };
        let known = {
            let table = self.read();
            table.first_states.get(&grammar).map(|&number| (table.epoch, number))
        };
        match known {
            Some(id) => cursor.id = Some(id),
            None => {
                let mut table = self.write();
                if let Some(number) = self.intern(&mut table, &mut cursor) {
                    table.first_states.insert(grammar, number);
                }
            }
        }
        cursor
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, MemoTable> {
        // A panic while holding the lock leaves at worst a line half-kept; every entry
        // is still a true parse, so the table stays usable.
        self.table.read().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, MemoTable> {
        self.table.write().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The number of the cursor's state, interning it (and setting the cursor's id);
    /// `None` for a state that cannot recur ([`can_recur`]).
    fn intern(&self, table: &mut MemoTable, cursor: &mut Cursor) -> Option<StateNumber> {
        if let Some(number) = cursor.number_in(table) {
            return Some(number);
        }
        // Before the `Debug` hash, which is as long as the context stack: a heredoc's
        // lines would pay it on every line for nothing.
        if !can_recur(&cursor.state) {
            return None;
        }
        let mut hasher = SipHasher13::new();
        crate::cache::hash_debug(&mut hasher, &cursor.state);
        let print = hasher.finish128().as_u128();
        let found = table.state_numbers.get(&print).and_then(|numbers| table.equal_state(numbers, &cursor.state));
        let number = match found {
            Some(number) => number,
            None => {
                if table.states.len() >= self.max_states {
                    table.start_over();
                }
                let number = table.states.len() as StateNumber;
                table.states.push(InternedState(cursor.state.clone()));
                table.state_numbers.entry(print).or_default().push(number);
                number
            }
        };
        cursor.id = Some((table.epoch, number));
        Some(number)
    }

    /// [`LineMemo::intern`] for the state a line left after starting in state `before`:
    /// first compared with the states lines from `before` led to lately, which spares
    /// the `Debug` hash (as long as the context stack) for the transitions a grammar
    /// makes again and again.
    fn successor(&self, table: &mut MemoTable, before: StateNumber, cursor: &mut Cursor) -> Option<StateNumber> {
        let seen = table.successors.get(&before).and_then(|numbers| table.equal_state(numbers, &cursor.state));
        if let Some(number) = seen {
            cursor.id = Some((table.epoch, number));
            return Some(number);
        }
        let epoch = table.epoch;
        let number = self.intern(table, cursor)?;
        if table.epoch == epoch {
            let numbers = table.successors.entry(before).or_default();
            if numbers.len() >= Self::SUCCESSORS {
                numbers.remove(0);
            }
            numbers.push(number);
        }
        Some(number)
    }

    fn keep(&self, table: &mut MemoTable, line: &str, held: HeldLine) {
        if table.current_len >= self.generation {
            table.previous = std::mem::take(&mut table.current);
            table.current_len = 0;
        }
        // Most kept lines are new: the key is copied only for them.
        let states = match table.current.get_mut(line) {
            Some(states) => states,
            None => table.current.entry(line.into()).or_default(),
        };
        if states.iter().any(|h| h.before == held.before) {
            // Another thread kept this line meanwhile.
            return;
        }
        if states.len() >= Self::STATES_PER_LINE {
            states.remove(0);
        } else {
            table.current_len += 1;
        }
        states.push(held);
    }
}

impl Cursor {
    /// The cursor's state number, if it was interned in the table's current epoch.
    fn number_in(&self, table: &MemoTable) -> Option<StateNumber> {
        self.id.and_then(|(epoch, number)| (epoch == table.epoch).then_some(number))
    }
}

/// The line `line` held in `lines` for state number `before`, if any.
fn find_held<'a>(
    lines: &'a FastMap<Box<str>, Vec<HeldLine>>,
    line: &str,
    before: StateNumber,
    scopes: &ScopeStack,
) -> Option<&'a HeldLine> {
    lines.get(line)?.iter().find(|held| held.before == before && scopes.len() >= held.popped)
}

impl HeldLine {
    /// Appends the line's spans and moves the cursor and scopes past it; `table` is the
    /// table (of the cursor's epoch) the line was found in.
    fn replay(&self, table: &MemoTable, cursor: &mut Cursor, scopes: &mut ScopeStack, html: &mut String) -> isize {
        if self.after != self.before {
            cursor.state.clone_from(&table.states[self.after as usize].0);
            cursor.id = Some((table.epoch, self.after));
        }
        for _ in 0..self.popped {
            scopes.pop();
        }
        for scope in &self.pushed {
            scopes.push(*scope);
        }
        html.push_str(&self.spans);
        self.pushed.len() as isize - self.popped as isize
    }
}

/// What a line's operations do to the scope stack, as (scopes popped from below the
/// line's start, scopes pushed and still open at its end); `None` when they clear or
/// restore scopes, whose effect depends on the stack itself.
fn stack_effect(ops: &[(usize, ScopeStackOp)]) -> Option<(usize, Vec<Scope>)> {
    let mut popped = 0;
    let mut pushed = Vec::new();
    for (_, op) in ops {
        match op {
            ScopeStackOp::Push(scope) => pushed.push(*scope),
            ScopeStackOp::Pop(n) => {
                for _ in 0..*n {
                    if pushed.pop().is_none() {
                        popped += 1;
                    }
                }
            }
            ScopeStackOp::Noop => {}
            ScopeStackOp::Clear(_) | ScopeStackOp::Restore => return None,
        }
    }
    Some((popped, pushed))
}

/// Light theme of the stylesheet (a two-face theme).
const LIGHT_THEME: two_face::theme::EmbeddedThemeName = two_face::theme::EmbeddedThemeName::OneHalfLight;
/// Dark theme of the stylesheet.
const DARK_THEME: two_face::theme::EmbeddedThemeName = two_face::theme::EmbeddedThemeName::OneHalfDark;

/// Hand-written rules (layout, gutter, copy button, Mermaid fallback, cross-references)
/// that precede the generated colour rules.
const BASE_CSS: &str = include_str!("syntax_base.css");

/// The whole of `theme/assets/syntax.css`: [`BASE_CSS`], then the light theme's rules,
/// active unless dark is chosen, then the dark theme's, active under
/// `prefers-color-scheme: dark` (unless the page says `data-theme="light"`) or under
/// `data-theme="dark"`. The two sets never apply at once, so selector specificity
/// inside a theme cannot make a light colour win in dark mode.
pub fn syntax_css() -> Result<String, String> {
    let themes = two_face::theme::extra();
    let light = theme_rules(themes.get(LIGHT_THEME))?;
    let dark = theme_rules(themes.get(DARK_THEME))?;
    let mut css = String::new();
    css.push_str("/* Generated by docportal (src/render/highlight.rs, `syntax_css`); do not edit.\n");
    css.push_str(" * Regenerate: DOCPORTAL_BLESS=1 cargo test --lib syntax_css_is_fresh */\n\n");
    css.push_str(BASE_CSS);
    let _ = writeln!(css, "\n/* Light: {} */", LIGHT_THEME.as_name());
    css.push_str("@media not all and (prefers-color-scheme: dark) {\n");
    css.push_str(&scoped(&light, ":root:not([data-theme=dark])"));
    css.push_str("}\n");
    css.push_str(&scoped(&light, ":root[data-theme=light]"));
    let _ = writeln!(css, "\n/* Dark: {} */", DARK_THEME.as_name());
    css.push_str("@media (prefers-color-scheme: dark) {\n");
    css.push_str(&scoped(&dark, ":root:not([data-theme=light])"));
    css.push_str("}\n");
    css.push_str(&scoped(&dark, ":root[data-theme=dark]"));
    Ok(css)
}

/// A theme's rules as `(selectors, declarations)`, from syntect's generator with the
/// `hl-` prefix. The generator's header comment is dropped.
fn theme_rules(theme: &syntect::highlighting::Theme) -> Result<Vec<(Vec<String>, String)>, String> {
    let css = syntect::html::css_for_theme_with_class_style(theme, CLASS_STYLE).map_err(|e| e.to_string())?;
    let css = match css.find("*/") {
        Some(end) => &css[end + 2..],
        None => css.as_str(),
    };
    let mut rules = Vec::new();
    for block in css.split('}') {
        let Some((selectors, body)) = block.split_once('{') else { continue };
        let selectors: Vec<String> =
            selectors.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect();
        let body: Vec<&str> = body.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
        if !selectors.is_empty() && !body.is_empty() {
            rules.push((selectors, body.join(" ")));
        }
    }
    Ok(rules)
}

/// Rules with every selector placed under `scope`. The theme's page-wide rule
/// (`.hl-code`) colours the block container, so the line-number gutter shares them.
fn scoped(rules: &[(Vec<String>, String)], scope: &str) -> String {
    let mut out = String::new();
    for (selectors, body) in rules {
        let list: Vec<String> = selectors
            .iter()
            .map(|s| if s == ".hl-code" { format!("{scope} .code-block") } else { format!("{scope} .hl {s}") })
            .collect();
        let _ = writeln!(out, "{} {{ {body} }}", list.join(", "));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every language tag the issue lists, with a snippet in that language.
    const SAMPLES: &[(&str, &str)] = &[
        ("rust", "fn main() { let x: u32 = 1; }\n"),
        ("rs", "pub struct A;\n"),
        ("typescript", "const a: number = 1;\ninterface B { c: string }\n"),
        ("ts", "export type T = { a: string };\n"),
        ("tsx", "const A = () => <div>{1}</div>;\n"),
        ("javascript", "function f() { return 1; }\n"),
        ("js", "let a = 'x';\n"),
        ("yaml", "key: value\nlist:\n  - 1\n"),
        ("yml", "a: true\n"),
        ("bash", "echo \"$HOME\" | grep x\n"),
        ("sh", "if [ -f x ]; then exit 1; fi\n"),
        ("shell", "export A=1\n"),
        ("zsh", "for f in *; do echo $f; done\n"),
        ("console", "$ cargo build --release\n"),
        ("json", "{\"a\": [1, true, null]}\n"),
        ("sql", "SELECT id FROM users WHERE name = 'x';\n"),
        ("go", "package main\nfunc main() {}\n"),
        ("python", "def f(x):\n    return x + 1\n"),
        ("py", "import os\n"),
        ("toml", "[package]\nname = \"x\"\n"),
        ("hcl", "resource \"aws_s3_bucket\" \"b\" {\n  bucket = \"x\"\n}\n"),
        ("terraform", "variable \"region\" { default = \"eu\" }\n"),
        ("tf", "output \"id\" { value = 1 }\n"),
        ("dockerfile", "FROM debian:12\nRUN apt-get update\n"),
        ("docker", "COPY . /app\n"),
        ("diff", "--- a\n+++ b\n@@ -1 +1 @@\n-old\n+new\n"),
        ("patch", "+added line\n"),
        ("lua", "local x = function() return 1 end\n"),
        ("java", "public class A { int x = 1; }\n"),
        ("kotlin", "fun main() { val x = 1 }\n"),
        ("c", "int main(void) { return 0; }\n"),
        ("cpp", "#include <vector>\nstd::vector<int> v;\n"),
        ("csharp", "public class A { public int X { get; set; } }\n"),
        ("ruby", "def f; puts 'x'; end\n"),
        ("php", "<?php echo $x; ?>\n"),
        ("html", "<div class=\"a\">x</div>\n"),
        ("css", "a { color: red; }\n"),
        ("xml", "<a b=\"c\"/>\n"),
        ("proto", "syntax = \"proto3\";\nmessage A { int32 x = 1; }\n"),
        ("protobuf", "message B {}\n"),
        ("graphql", "query { user(id: 1) { name } }\n"),
    ];

    /// Tag-stripped, entity-decoded text of highlighted HTML.
    fn visible_text(html: &str) -> String {
        let mut out = String::new();
        let mut in_tag = false;
        for c in html.chars() {
            match c {
                '<' => in_tag = true,
                '>' if in_tag => in_tag = false,
                _ if !in_tag => out.push(c),
                _ => {}
            }
        }
        out.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&amp;", "&")
    }

    #[test]
    fn every_listed_language_is_highlighted_with_classes_and_keeps_its_text() {
        for (lang, code) in SAMPLES {
            let syntax = syntax_for(lang).unwrap_or_else(|| panic!("no grammar for `{lang}`"));
            let html = highlight(syntax, code).unwrap_or_else(|e| panic!("{lang}: {e}"));
            assert!(html.contains("class=\"hl-"), "{lang}: no token classes in {html}");
            assert!(!html.contains("style="), "{lang}: inline styles in {html}");
            assert_eq!(visible_text(&html), *code, "{lang}: text changed");
        }
    }

    /// syntect's own generator, which parses every line afresh: the memo must match it.
    fn without_memo(lang: &str, code: &str) -> String {
        let syntax = syntax_for(lang).expect("grammar");
        let mut generator =
            syntect::html::ClassedHTMLGenerator::new_with_class_style(syntax, syntax_set(), CLASS_STYLE);
        for line in LinesWithEndings::from(code) {
            generator.parse_html_for_line_which_includes_newline(line).expect("parses");
        }
        generator.finalize()
    }

    #[test]
    fn remembered_lines_highlight_exactly_as_a_fresh_parse() {
        for (lang, code) in SAMPLES {
            let expected = without_memo(lang, code);
            let syntax = syntax_for(lang).expect("grammar");
            assert_eq!(highlight(syntax, code).expect("first"), expected, "{lang}, first time");
            assert_eq!(highlight(syntax, code).expect("again"), expected, "{lang}, from the memo");
        }
    }

    #[test]
    fn a_block_highlighted_ahead_is_given_once_exactly_as_highlighting_makes_it() {
        let ahead = Ahead::default();
        let rust = syntax_for("rust").expect("grammar");
        let python = syntax_for("python").expect("grammar");
        let code = "fn ahead_once() -> u8 { 1 }\n";
        let other = "x = [1, 2]\n";
        assert!(ahead.put(rust, code, highlight_with(&LINE_MEMO, rust, code)));
        assert!(ahead.put(python, other, highlight_with(&LINE_MEMO, python, other)));
        assert_eq!(ahead.waiting.load(Ordering::Relaxed), 2);
        assert!(ahead.take(rust, "fn ahead_other() -> u8 { 2 }\n").is_none(), "another block's result");
        assert!(ahead.take(python, code).is_none(), "the same text in another grammar");
        assert_eq!(ahead.take(rust, code).expect("held"), Ok(without_memo("rust", code)));
        assert!(ahead.take(rust, code).is_none(), "given out twice");
        assert_eq!(ahead.waiting.load(Ordering::Relaxed), 1);
        assert_eq!(ahead.take(python, other).expect("held"), Ok(without_memo("python", other)));
        assert_eq!(ahead.waiting.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn blocks_are_held_ahead_only_while_there_is_room() {
        let ahead = Ahead::default();
        let json = syntax_for("json").expect("grammar");
        let half = "1".repeat(Ahead::ROOM / 2);
        assert!(ahead.put(json, "[]\n", Ok(half.clone())), "room after a first half");
        assert!(!ahead.put(json, "{}\n", Ok(half.clone())), "room past the limit");
        assert!(ahead.take(json, "{}\n").is_some());
        assert!(ahead.put(json, "0\n", Ok("0".to_string())), "taking a block frees its room");
    }

    #[test]
    fn highlighting_takes_the_block_held_and_then_highlights_afresh() {
        let ahead = Ahead::default();
        let yaml = syntax_for("yaml").expect("grammar");
        let code = "ahead_taken: {a: [1, 2]}\n";
        let fresh = || highlight_with(&LINE_MEMO, yaml, code);
        assert!(ahead.put(yaml, code, Err("held".to_string())));
        assert_eq!(ahead.take_or(yaml, code, fresh), Err("held".to_string()), "the held result is not used");
        assert_eq!(ahead.take_or(yaml, code, fresh), Ok(without_memo("yaml", code)));
    }

    #[test]
    fn a_remembered_line_is_not_reused_in_another_parse_state() {
        // The same text as code, inside a block comment, inside a string, then as code.
        let code = "use a;\nlet x = 1;\n/*\nlet x = 1;\n*/\nlet s = \"\nlet x = 1;\n\";\nlet x = 1;\n";
        let rust = syntax_for("rust").expect("grammar");
        let html = highlight(rust, code).expect("highlights");
        assert_eq!(html, without_memo("rust", code));
        let lines: Vec<&str> = html.split_inclusive('\n').collect();
        assert!(lines[1].contains("hl-storage"), "{}", lines[1]);
        assert_ne!(lines[1], lines[3], "a line inside a comment took the code line's spans");
        assert_ne!(lines[1], lines[6], "a line inside a string took the code line's spans");
        assert_eq!(lines[1], lines[8], "the same code line in the same state");
    }

    proptest::proptest! {
        /// Lines drawn from a small vocabulary recur in every parse state the vocabulary
        /// can reach (comments, strings, nested blocks, heredocs), block after block.
        #[test]
        fn any_mix_of_repeated_lines_highlights_as_a_fresh_parse(
            blocks in proptest::collection::vec(
                (0..3usize, proptest::collection::vec(0..10usize, 1..24)), 1..6),
        ) {
            const VOCABULARY: [[&str; 10]; 3] = [
                ["fn f() {", "}", "/*", "*/", "let s = \"", "\";", "x += 1; // c", "#[derive(Debug)]", "r#\"", "\"#;"],
                ["def f(x):", "    return x", "\"\"\"", "'''", "# note", "x = [", "]", "class A:", "    pass", "s = 'a'"],
                ["cat <<EOF", "EOF", "echo \"$x\"", "if [ -f a ]; then", "fi", "'", "x=$(", ")", "# c", "done"],
            ];
            const LANGS: [&str; 3] = ["rust", "python", "bash"];
            // The shared memo, and one so small that it retires generations and starts
            // new epochs in the middle of blocks.
            let tiny = LineMemo::new(3, 4);
            for (lang, lines) in blocks {
                let code: String = lines.iter().map(|&i| format!("{}\n", VOCABULARY[lang][i])).collect();
                let syntax = syntax_for(LANGS[lang]).expect("grammar");
                let expected = without_memo(LANGS[lang], &code);
                proptest::prop_assert_eq!(&highlight(syntax, &code).expect("highlights"), &expected);
                proptest::prop_assert_eq!(&highlight_with(&tiny, syntax, &code).expect("highlights"), &expected);
            }
        }
    }

    #[test]
    fn the_same_first_line_in_another_language_is_highlighted_in_that_language() {
        let memo = LineMemo::new(64, 64);
        let code = "# note\nx = [1, 2]\n";
        for lang in ["python", "rust", "bash", "sql", "yaml", "python", "ruby", "rust"] {
            let html = highlight_with(&memo, syntax_for(lang).expect("grammar"), code).expect("highlights");
            assert_eq!(html, without_memo(lang, code), "{lang}");
        }
    }

    #[test]
    fn a_forgotten_memo_is_empty_and_highlights_exactly_as_before() {
        let memo = LineMemo::new(64, 64);
        let rust = syntax_for("rust").expect("grammar");
        let code = "fn f() {\n    let x = 1;\n}\n";
        let first = highlight_with(&memo, rust, code).expect("highlights");
        memo.forget();
        {
            let table = memo.read();
            assert!(table.states.is_empty() && table.current.is_empty() && table.first_states.is_empty());
            assert_eq!(table.epoch, 1);
        }
        assert_eq!(highlight_with(&memo, rust, code).expect("highlights"), first);
        assert_eq!(first, without_memo("rust", code));
    }

    #[test]
    fn lines_around_lines_too_long_to_keep_highlight_as_a_fresh_parse() {
        // A long line opens or closes a comment or a string, so the state after it
        // matters for the lines that follow, which the memo does hold.
        let long = "x".repeat(2 * LineMemo::LONGEST_KEPT);
        let code = format!(
            "let a = 1;\n/* {long}\nlet a = 1;\n*/ let b = \"{long}\nlet a = 1;\n\";\nlet a = 1;\n// {long}\nlet a = 1;\n"
        );
        let rust = syntax_for("rust").expect("grammar");
        let memo = LineMemo::new(64, 64);
        for round in 0..3 {
            let html = highlight_with(&memo, rust, &code).expect("highlights");
            assert_eq!(html, without_memo("rust", &code), "round {round}");
        }
        assert!(memo.read().current.contains_key("let a = 1;\n"));
    }

    #[test]
    fn the_memo_holds_at_most_two_generations() {
        const GENERATION: usize = 64;
        let memo = LineMemo::new(GENERATION, LineMemo::STATES);
        let python = syntax_for("python").expect("grammar");
        let code: String = (0..3 * GENERATION).map(|n| format!("x{n} = {n}\n")).collect();
        assert_eq!(highlight_with(&memo, python, &code).expect("highlights"), without_memo("python", &code));
        let table = memo.read();
        let held: usize = table.current.values().chain(table.previous.values()).map(Vec::len).sum();
        assert!(held <= 2 * GENERATION, "{held} lines held");
        assert!(held >= GENERATION, "{held} lines held: recent lines were dropped");
    }

    #[test]
    fn a_memo_that_starts_over_highlights_exactly_as_a_fresh_parse() {
        let memo = LineMemo::new(4, 3);
        for round in 0..2 {
            for (lang, code) in SAMPLES {
                let html = highlight_with(&memo, syntax_for(lang).expect("grammar"), code).expect("highlights");
                assert_eq!(html, without_memo(lang, code), "{lang}, round {round}");
            }
        }
        let table = memo.read();
        assert!(table.epoch > 0, "the memo never started over");
        assert!(table.states.len() <= 3, "{} states interned", table.states.len());
    }

    #[test]
    fn threads_sharing_one_memo_highlight_exactly_as_a_fresh_parse() {
        // Small enough that threads retire generations and start epochs under each other.
        let memo = LineMemo::new(16, 8);
        let expected: Vec<String> = SAMPLES.iter().map(|(lang, code)| without_memo(lang, code)).collect();
        std::thread::scope(|scope| {
            for thread in 0..4 {
                let (memo, expected) = (&memo, &expected);
                scope.spawn(move || {
                    for round in 0..10 {
                        for i in (0..SAMPLES.len()).map(|i| (i * (thread + 1) + round) % SAMPLES.len()) {
                            let (lang, code) = SAMPLES[i];
                            let html = highlight_with(memo, syntax_for(lang).expect("grammar"), code);
                            assert_eq!(html.expect("highlights"), expected[i], "{lang}, thread {thread}");
                        }
                    }
                });
            }
        });
    }

    #[test]
    fn a_state_holding_captured_text_is_never_interned() {
        // The heredoc's end is matched by a back-reference to its captured delimiter.
        let memo = LineMemo::new(64, 64);
        let code = "cat <<EOF\necho hi\nEOF\ncat <<END\necho hi\nEND\necho hi\n";
        let bash = syntax_for("bash").expect("grammar");
        assert_eq!(highlight_with(&memo, bash, code).expect("highlights"), without_memo("bash", code));
        let table = memo.read();
        assert!(table.states.len() >= 2, "{} states", table.states.len());
        for (n, state) in table.states.iter().enumerate() {
            assert!(state.0.clone() == state.0, "state {n} can never be found again: {:?}", state.0);
        }
    }

    #[test]
    fn markup_inside_code_comes_out_escaped() {
        let code = "const s = \"<script>alert(1)</script>\";\n";
        let html = highlight(syntax_for("js").expect("js grammar"), code).expect("highlights");
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
    }

    #[test]
    fn language_tags_match_case_insensitively_and_unknown_ones_are_plain() {
        assert_eq!(syntax_for("TypeScript").map(|s| s.name.as_str()), Some("TypeScript"));
        assert_eq!(syntax_for("HCL").map(|s| s.name.as_str()), Some("Terraform"));
        assert_eq!(syntax_for("Dockerfile").map(|s| s.name.as_str()), Some("Dockerfile"));
        assert!(syntax_for("no-such-language").is_none());
        assert!(syntax_for("text").is_none());
        assert!(syntax_for("").is_none());
    }

    #[test]
    fn a_remembered_language_tag_gets_the_grammar_a_fresh_lookup_gives() {
        // More tags than the memo keeps, each asked twice, so answers come from a
        // fresh lookup, from the memo, and from a memo that was cleared in between.
        let tags: Vec<String> = (0..300)
            .map(|i| match i % 4 {
                0 => format!("no-such-{i}"),
                1 => " Rust ".to_string(),
                2 => "HCL".to_string(),
                _ => "ts".to_string(),
            })
            .collect();
        for _ in 0..2 {
            for tag in &tags {
                let memo = syntax_for(tag).map(|s| s.name.as_str());
                assert_eq!(memo, look_up_syntax(tag).map(|s| s.name.as_str()), "tag {tag:?}");
            }
        }
        assert_eq!(syntax_for(" Rust ").map(|s| s.name.as_str()), Some("Rust"));
    }

    #[test]
    fn each_theme_applies_only_when_it_is_the_chosen_one() {
        let css = syntax_css().expect("themes render");
        let light_start = css.find("/* Light:").expect("light section");
        let dark_start = css.find("/* Dark:").expect("dark section");
        let sections = [
            (&css[light_start..dark_start], [":root:not([data-theme=dark]) .", ":root[data-theme=light] ."]),
            (&css[dark_start..], [":root:not([data-theme=light]) .", ":root[data-theme=dark] ."]),
        ];
        for (section, scopes) in sections {
            let mut rules = 0;
            for selectors in section.lines().filter_map(|l| l.split_once(" {").map(|(sel, _)| sel)) {
                if selectors.starts_with('@') {
                    continue;
                }
                for selector in selectors.split(", ") {
                    assert!(scopes.iter().any(|s| selector.starts_with(s)), "unscoped rule: {selector}");
                    rules += 1;
                }
            }
            assert!(rules > 20, "too few rules: {section}");
        }
        assert!(css.contains("@media (prefers-color-scheme: dark) {\n:root:not([data-theme=light])"));
    }

    /// Guards against the committed stylesheet drifting from the themes and generator.
    #[test]
    fn syntax_css_is_fresh() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("theme/assets/syntax.css");
        let expected = syntax_css().expect("themes render");
        if std::env::var_os("DOCPORTAL_BLESS").is_some() {
            std::fs::write(&path, &expected).expect("write syntax.css");
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == expected,
            "theme/assets/syntax.css is stale: run `DOCPORTAL_BLESS=1 cargo test --lib syntax_css_is_fresh`"
        );
    }
}
