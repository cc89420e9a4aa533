//! Where a rebuild's time goes: named spans, printed as one terminal line per rebuild
//! when `DOCPORTAL_TRACE` is set (and costing one `Instant::now()` per span otherwise).
//!
//! In: marks taken as the build moves from phase to phase. Out: `discover 2.1ms ·
//! stamps 0.8ms · …`. Spans are consecutive, so they add up to the whole rebuild.

use std::time::{Duration, Instant};

/// One span: its name, wall time, the CPU time every thread used in it, and the
/// peak resident memory so far (MiB) at its end; each `None` where not measured.
struct Span {
    name: &'static str,
    wall: Duration,
    cpu: Option<Duration>,
    peak: Option<u64>,
}

pub struct Trace {
    enabled: bool,
    last: Instant,
    spans: Vec<Span>,
    /// The process's CPU time (user + system) at the last mark.
    last_cpu: Option<Duration>,
    /// Counts worth knowing beside the times (`docs as parsed last build 999`).
    notes: Vec<String>,
}

impl Trace {
    /// Enabled when the `DOCPORTAL_TRACE` environment variable is set to anything.
    pub fn from_env() -> Trace {
        Trace::new(std::env::var_os("DOCPORTAL_TRACE").is_some())
    }

    pub fn new(enabled: bool) -> Trace {
        let last_cpu = if enabled { process_cpu_time() } else { None };
        Trace { enabled, last: Instant::now(), spans: Vec::new(), last_cpu, notes: Vec::new() }
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
        let cpu = self.cpu_since_last_mark();
        self.spans.push(Span { name, wall: now - self.last, cpu, peak: peak_rss_mib() });
        self.last = now;
    }

    fn cpu_since_last_mark(&mut self) -> Option<Duration> {
        let now = process_cpu_time();
        let spent = now.zip(self.last_cpu).map(|(now, last)| now.saturating_sub(last));
        self.last_cpu = now;
        spent
    }

    /// Notes a count, shown after the spans: `what n`.
    pub fn count(&mut self, what: &str, n: usize) {
        if self.enabled {
            self.notes.push(format!("{what} {n}"));
        }
    }

    /// Ends the current span, which contains `inner` (timed elsewhere): records those,
    /// then what is left of the span as `rest`.
    pub fn mark_split(&mut self, inner: &[(&'static str, Duration)], rest: &'static str) {
        if !self.enabled {
            return;
        }
        let now = Instant::now();
        let covered: Duration = inner.iter().map(|(_, d)| *d).sum();
        self.spans.extend(inner.iter().map(|&(name, wall)| Span { name, wall, cpu: None, peak: None }));
        // The inner spans are timed on other threads: the CPU time is the whole span's.
        let cpu = self.cpu_since_last_mark();
        let wall = (now - self.last).saturating_sub(covered);
        self.spans.push(Span { name: rest, wall, cpu, peak: peak_rss_mib() });
        self.last = now;
    }

    /// `discover 2.1ms (peak 40 MiB) · stamps 0.8ms`; empty when disabled or nothing was marked.
    /// A span of a millisecond or more shows the CPU time every thread used in it too
    /// (`render 1428.3ms cpu 2710.2ms`), so a stage that leaves cores idle stands out.
    pub fn summary(&self) -> String {
        // The peak is shown where it grew, so the span that needed the memory stands out.
        let mut shown = 0;
        let parts: Vec<String> = self
            .spans
            .iter()
            .map(|&Span { name, wall, cpu, peak }| {
                let ms = wall.as_secs_f64() * 1000.0;
                let cpu = match cpu {
                    Some(cpu) if wall.as_millis() >= 1 => format!(" cpu {:.1}ms", cpu.as_secs_f64() * 1000.0),
                    _ => String::new(),
                };
                match peak {
                    Some(peak) if peak > shown => {
                        shown = peak;
                        format!("{name} {ms:.1}ms{cpu} (peak {peak} MiB)")
                    }
                    _ => format!("{name} {ms:.1}ms{cpu}"),
                }
            })
            .chain(self.notes.iter().cloned())
            .collect();
        parts.join(" · ")
    }
}

/// The CPU time (user and system) every thread of the process has used so far.
#[cfg(unix)]
fn process_cpu_time() -> Option<Duration> {
    // SAFETY: getrusage writes the struct it is given and reads nothing else.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        if libc::getrusage(libc::RUSAGE_SELF, &mut usage) != 0 {
            return None;
        }
        usage
    };
    let time = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    Some(time(usage.ru_utime) + time(usage.ru_stime))
}

#[cfg(not(unix))]
fn process_cpu_time() -> Option<Duration> {
    None
}

/// The process's peak resident set so far (`VmHWM`), on Linux.
fn peak_rss_mib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024)
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
