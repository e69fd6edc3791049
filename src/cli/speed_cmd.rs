//! `majorize bench speed [FILE.loss] [--json]`: the cost of each pass and
//! each optimizer step on one loss (default: the digits MLP).

use std::time::Duration;

use majorize::Error;
use majorize::bench::speed::{self, SpeedReport};
use majorize::memory;
use majorize::simplify::Simplifier;
use serde_json::{Value, json};

use super::source;

/// The CPU's model name, as `/proc/cpuinfo` gives it.
fn cpu_name() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into())
}

fn to_json(file: &str, r: &SpeedReport) -> Value {
    let timings: serde_json::Map<String, Value> = r
        .timings
        .iter()
        .map(|t| (t.name.to_string(), json!({"median_s": t.median, "min_s": t.min, "repeats": t.repeats})))
        .collect();
    json!({
        "loss": file,
        "scalars": r.scalars,
        "cpu": cpu_name(),
        "cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        "timings": timings,
        "peak_resident_bytes": r.peak_resident,
        "exp_ns": {"clean": r.exp_ns[0], "after_matmul": r.exp_ns[1], "after_raw_faer": r.exp_ns[2]},
    })
}

/// Runs `majorize bench speed`.
pub fn run(file: &str, json: bool, seconds: f64, max_memory: u64) -> Result<(), Error> {
    if !(seconds.is_finite() && seconds > 0.0 && seconds <= 600.0) {
        return Err(Error::Usage(format!("--seconds must be in (0, 600], got {seconds}")));
    }
    let model = source::load_model(file, max_memory)?;
    source::check_footprint(&model, majorize::Pass::Bound { coefficients: 21 }, max_memory)?;
    let (model, _) = Simplifier::default().run_model(&model);
    let report = speed::measure(&model, Duration::from_secs_f64(seconds));
    if json {
        outln!("{}", serde_json::to_string_pretty(&to_json(file, &report)).unwrap_or_default());
        return Ok(());
    }
    let grad = report.median("value_and_grad").unwrap_or(f64::NAN);
    outln!("{file}: {} scalar parameters; {}", report.scalars, cpu_name());
    outln!("{:<24} {:>12} {:>12} {:>8} {:>14}", "figure", "median ms", "min ms", "repeats", "x value+grad");
    for t in &report.timings {
        outln!(
            "{:<24} {:>12.4} {:>12.4} {:>8} {:>14.2}",
            t.name,
            t.median * 1e3,
            t.min * 1e3,
            t.repeats,
            t.median / grad
        );
    }
    if let Some(b) = report.peak_resident {
        outln!("peak resident memory: {}", memory::human(b));
    }
    let [clean, ours, raw] = report.exp_ns;
    outln!(
        "scalar exp: {clean:.1} ns clean, {ours:.1} ns after a product, {raw:.1} ns after faer alone (upper-state penalty where the last two exceed the first)"
    );
    Ok(())
}
