//! Interleaved rounds: every variant of one comparison runs one batch per round, in an
//! order that rotates from round to round, and each ratio is taken within a round.
//!
//! Neither divan nor criterion interleaves benchmarks, so on a machine shared with other
//! work a drift in load between two benchmarks shows up as a difference between them. A
//! round of all variants lasts a few milliseconds, so load changes affect a round's
//! variants alike, and the median of per-round ratios cancels them.
//!
//! Batches are timed with the thread's CPU clock (`CLOCK_THREAD_CPUTIME_ID`), which counts
//! the time in the kernel and in the guest that the calls cause but not the time that
//! other processes hold the CPU. Other processes still share caches and the host with the
//! benchmark, so a busy machine widens the spread of the ratios.

use std::hint::black_box;
use std::time::Duration;

/// One way of making the compared call.
pub struct Variant<'a> {
    name: &'static str,
    run_batch: Box<dyn FnMut(u32) -> (Duration, u64) + 'a>,
}

impl<'a> Variant<'a> {
    /// Wraps `call`, which makes one call and returns its result. The batch loop is
    /// generic over `call`, so the call is inlined into it and only the batch goes through
    /// a dynamic call.
    pub fn new(name: &'static str, mut call: impl FnMut() -> u64 + 'a) -> Variant<'a> {
        let run_batch = move |iterations: u32| {
            let mut last = 0;
            let start = thread_cpu_time();
            for _ in 0..iterations {
                last = black_box(call());
            }
            (thread_cpu_time().saturating_sub(start), last)
        };
        Variant {
            name,
            run_batch: Box::new(run_batch),
        }
    }
}

/// How long and how often to measure.
#[derive(Clone, Copy, Debug)]
pub struct Settings {
    /// Measured rounds, after one discarded warm-up round.
    pub rounds: usize,
    /// The target duration of one variant's batch.
    pub batch_time: Duration,
}

/// The measured figures of one variant.
#[derive(Clone, Debug)]
pub struct Figures {
    pub name: &'static str,
    /// The median over rounds of the time per call.
    pub median_ns: f64,
    /// The 25th, 50th and 75th percentiles over rounds of the time per call divided by the
    /// reference's time per call in the same round.
    pub ratio: [f64; 3],
}

/// The figures of one comparison; the first variant is the reference.
#[derive(Clone, Debug)]
pub struct Report {
    pub title: &'static str,
    pub calls_per_batch: u32,
    pub rounds: usize,
    pub variants: Vec<Figures>,
}

/// Checks that every variant returns the reference's (the first variant's) value, then
/// measures them in interleaved rounds.
pub fn compare(title: &'static str, mut variants: Vec<Variant<'_>>, settings: Settings) -> Result<Report, String> {
    let Some(reference) = variants.first_mut() else {
        return Err(format!("{title}: no variants"));
    };
    let reference_name = reference.name;
    let expected = (reference.run_batch)(1).1;
    for variant in &mut variants {
        let value = (variant.run_batch)(1).1;
        if value != expected {
            let name = variant.name;
            return Err(format!("{title}: {name} returned {value:#x} where {reference_name} returned {expected:#x}"));
        }
    }

    let calls_per_batch = calibrate(&mut variants[0], settings.batch_time);
    let count = variants.len();
    let mut per_call_ns = vec![Vec::with_capacity(settings.rounds); count];
    for round in 0..=settings.rounds {
        for position in 0..count {
            let index = (position + round) % count;
            let (elapsed, _) = (variants[index].run_batch)(calls_per_batch);
            // Round 0 warms caches, branch predictors and the kernel paths; it is dropped.
            if round > 0 {
                per_call_ns[index].push(elapsed.as_nanos() as f64 / f64::from(calls_per_batch));
            }
        }
    }

    let reference_ns = per_call_ns[0].clone();
    let figures = variants
        .iter()
        .zip(&per_call_ns)
        .map(|(variant, times)| {
            let mut ratios: Vec<f64> = times.iter().zip(&reference_ns).map(|(time, base)| time / base).collect();
            let mut sorted = times.clone();
            Figures {
                name: variant.name,
                median_ns: percentile(&mut sorted, 0.5),
                ratio: [
                    percentile(&mut ratios, 0.25),
                    percentile(&mut ratios, 0.5),
                    percentile(&mut ratios, 0.75),
                ],
            }
        })
        .collect();
    Ok(Report {
        title,
        calls_per_batch,
        rounds: settings.rounds,
        variants: figures,
    })
}

/// Returns the CPU time that this thread has used.
///
/// # Panics
///
/// Panics when the clock cannot be read, which Linux does only for an invalid clock id.
fn thread_cpu_time() -> Duration {
    let mut time = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `clock_gettime` writes one `timespec` through the pointer.
    let ret = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &raw mut time) };
    assert_eq!(ret, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed: {}", std::io::Error::last_os_error());
    Duration::new(time.tv_sec as u64, time.tv_nsec as u32)
}

/// Returns the number of calls that makes one batch of `variant` last about `target`.
fn calibrate(variant: &mut Variant<'_>, target: Duration) -> u32 {
    let mut calls = 16u32;
    loop {
        let (elapsed, _) = (variant.run_batch)(calls);
        if elapsed >= target / 8 || calls >= 1 << 24 {
            let per_call = elapsed.as_secs_f64() / f64::from(calls);
            let wanted = (target.as_secs_f64() / per_call.max(1e-9)).round();
            return wanted.clamp(1.0, f64::from(1u32 << 24)) as u32;
        }
        calls *= 2;
    }
}

/// Returns the `fraction` percentile of `values` (nearest rank), sorting them in place.
fn percentile(values: &mut [f64], fraction: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(f64::total_cmp);
    let rank = (fraction * (values.len() - 1) as f64).round() as usize;
    values[rank]
}

impl Report {
    /// Prints the report as a Markdown table.
    pub fn print(&self) {
        println!();
        println!(
            "### {} ({} rounds of {} calls per variant)",
            self.title, self.rounds, self.calls_per_batch
        );
        println!();
        println!("| variant | median ns/call | ratio to {} | p25–p75 of ratio |", self.variants[0].name);
        println!("|---|---:|---:|---|");
        for figures in &self.variants {
            let [low, median, high] = figures.ratio;
            println!(
                "| {} | {:.1} | {:.3} | {:.3}–{:.3} |",
                figures.name, figures.median_ns, median, low, high
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_uses_nearest_rank() {
        let mut values = [4.0, 1.0, 3.0, 2.0, 5.0];
        assert_eq!(percentile(&mut values, 0.5), 3.0);
        assert_eq!(percentile(&mut values, 0.0), 1.0);
        assert_eq!(percentile(&mut values, 1.0), 5.0);
        assert_eq!(percentile(&mut values, 0.25), 2.0);
    }

    #[test]
    fn compare_rejects_disagreeing_variant() {
        let variants = vec![Variant::new("reference", || 1), Variant::new("other", || 2)];
        let settings = Settings {
            rounds: 1,
            batch_time: Duration::from_micros(10),
        };
        let error = compare("test", variants, settings).unwrap_err();
        assert!(error.contains("other returned 0x2 where reference returned 0x1"), "{error}");
    }

    #[test]
    fn compare_reports_reference_ratio_of_one() {
        let variants = vec![Variant::new("reference", || 7), Variant::new("same", || 7)];
        let settings = Settings {
            rounds: 3,
            batch_time: Duration::from_micros(50),
        };
        let report = compare("test", variants, settings).unwrap();
        assert_eq!(report.variants.len(), 2);
        assert_eq!(report.variants[0].ratio, [1.0, 1.0, 1.0]);
        assert!(report.variants[1].median_ns >= 0.0);
    }
}
