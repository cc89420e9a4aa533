//! Where a rebuild's time goes: named spans, printed as one terminal line per rebuild
//! when `DOCPORTAL_TRACE` is set (and costing one `Instant::now()` per span otherwise).
//!
//! In: marks taken as the build moves from phase to phase. Out: `discover 2.1ms ·
//! stamps 0.8ms · …`. Spans are consecutive, so they add up to the whole rebuild.

use std::time::{Duration, Instant};

pub struct Trace {
    enabled: bool,
    last: Instant,
    spans: Vec<(&'static str, Duration)>,
}

impl Trace {
    /// Enabled when the `DOCPORTAL_TRACE` environment variable is set to anything.
    pub fn from_env() -> Trace {
        Trace::new(std::env::var_os("DOCPORTAL_TRACE").is_some())
    }

    pub fn new(enabled: bool) -> Trace {
        Trace { enabled, last: Instant::now(), spans: Vec::new() }
    }

    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// Ends the span called `name`, which began at the previous mark (or at creation).
    pub fn mark(&mut self, name: &'static str) {
        if !self.enabled {
            return;
        }
        let now = Instant::now();
        self.spans.push((name, now - self.last));
        self.last = now;
    }

    /// Ends the current span, which contains `inner` (timed elsewhere): records those,
    /// then what is left of the span as `rest`.
    pub fn mark_split(&mut self, inner: &[(&'static str, Duration)], rest: &'static str) {
        if !self.enabled {
            return;
        }
        let now = Instant::now();
        let covered: Duration = inner.iter().map(|(_, d)| *d).sum();
        self.spans.extend_from_slice(inner);
        self.spans.push((rest, (now - self.last).saturating_sub(covered)));
        self.last = now;
    }

    /// `discover 2.1ms · stamps 0.8ms`; empty when disabled or nothing was marked.
    pub fn summary(&self) -> String {
        let parts: Vec<String> =
            self.spans.iter().map(|(name, d)| format!("{name} {:.1}ms", d.as_secs_f64() * 1000.0)).collect();
        parts.join(" · ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_are_listed_in_order_only_when_enabled() {
        let mut on = Trace::new(true);
        on.mark("discover");
        on.mark("site");
        let line = on.summary();
        assert!(line.starts_with("discover ") && line.contains(" · site "), "{line}");
        let mut off = Trace::new(false);
        off.mark("discover");
        assert_eq!(off.summary(), "");
    }
}
