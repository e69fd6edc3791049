//! The daily study's report: `sp500.md` with its tables and verdicts,
//! loss curves per optimizer family, and every run as CSV.

use std::fmt::Write as _;
use std::path::Path;

use super::study::{ContenderResult, Study};
use crate::bench::BenchError;
use crate::bench::harness::Trace;
use crate::bench::plot::{self, Plot, Series};
use crate::bench::report::{csv_writer, io, is_mm, lr, num, pct};

/// The share of the best decrease that defines the training-loss level:
/// a run reaches the level at the first step where its loss is below
/// `start - LEVEL * (start - best)`, `best` the lowest final training loss
/// of any contender at that seed.
pub const LEVEL: f64 = 0.5;

/// The optimizer families of the plots, by label: the MM methods in
/// `mm`, Lion and every `roaree_*` in `sign`, and every contender not
/// named in `others`.
pub const FAMILIES: [(&str, &[&str]); 5] = [
    ("sgd", &["sgd", "sgd_momentum", "nesterov", "normalized", "greedy_sgdm", "sf_sgd"]),
    ("adaptive", &["adam", "adamw", "rmsprop", "adagrad", "greedy_adam", "sf_adamw"]),
    ("sign", &["lion"]),
    ("mm", &[]),
    ("others", &[]),
];

/// Mean and sample standard deviation (0 for one value) of the finite values.
fn mean_sd(xs: impl IntoIterator<Item = f64>) -> Option<(f64, f64)> {
    let v: Vec<f64> = xs.into_iter().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    let m = v.iter().sum::<f64>() / v.len() as f64;
    let var = if v.len() > 1 { v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (v.len() - 1) as f64 } else { 0.0 };
    Some((m, var.sqrt()))
}

fn pm(x: Option<(f64, f64)>) -> String {
    x.map_or_else(|| "-".into(), |(m, s)| format!("{} ± {}", num(m), num(s)))
}

/// Total variation of a trace's loss over its decrease (`start` minus
/// its lowest value): 1 for a monotone run, more the more it oscillates.
pub fn variation_ratio(trace: &Trace) -> f64 {
    let tv: f64 = trace.windows(2).map(|w| (w[1].2 - w[0].2).abs()).sum();
    let start = trace.first().map_or(f64::NAN, |p| p.2);
    let low = trace.iter().map(|p| p.2).fold(f64::INFINITY, f64::min);
    if start > low { tv / (start - low) } else { f64::NAN }
}

/// The first `(step, seconds)` at which a trace is at or below `level`.
pub fn reach(trace: &Trace, level: f64) -> Option<(usize, f64)> {
    trace.iter().find(|p| p.2 <= level).map(|p| (p.0, p.1))
}

/// Per contender: its seeds' steps and seconds to the level (`None`
/// where a seed's run did not reach it).
fn levels(study: &Study) -> Vec<Vec<Option<(usize, f64)>>> {
    let seeds = study.results.iter().map(|r| r.seeds.len()).max().unwrap_or(0);
    let level: Vec<f64> = (0..seeds)
        .map(|s| {
            let runs = study.results.iter().filter_map(|r| r.seeds.get(s));
            let best = runs.clone().map(|r| r.summary.loss).fold(f64::INFINITY, f64::min);
            let start = runs.map(|r| r.summary.start).find(|x| x.is_finite()).unwrap_or(f64::NAN);
            start - LEVEL * (start - best)
        })
        .collect();
    study
        .results
        .iter()
        .map(|r| r.seeds.iter().enumerate().map(|(s, run)| reach(&run.trace, level[s])).collect())
        .collect()
}

/// The figures of one contender, over its seeds.
#[derive(Clone, Debug)]
struct Row<'a> {
    r: &'a ContenderResult,
    mse: Option<(f64, f64)>,
    mae: Option<(f64, f64)>,
    direction: Option<(f64, f64)>,
    steps_to: Option<(f64, f64)>,
    seconds_to: Option<(f64, f64)>,
    reached: usize,
    rising: Option<(f64, f64)>,
    variation: Option<(f64, f64)>,
    loss: Option<(f64, f64)>,
    ms_per_step: Option<(f64, f64)>,
}

fn rows<'a>(study: &'a Study) -> Vec<Row<'a>> {
    let lv = levels(study);
    study
        .results
        .iter()
        .zip(lv)
        .map(|(r, l)| {
            let test = |f: fn(&crate::bench::TestMetrics) -> Option<f64>| {
                mean_sd(r.seeds.iter().map(|s| s.summary.test.as_ref().and_then(f).unwrap_or(f64::NAN)))
            };
            Row {
                r,
                mse: test(|t| t.mse),
                mae: test(|t| t.mae),
                direction: test(|t| t.direction),
                steps_to: mean_sd(l.iter().flatten().map(|x| x.0 as f64)),
                seconds_to: mean_sd(l.iter().flatten().map(|x| x.1)),
                reached: l.iter().flatten().count(),
                rising: mean_sd(r.seeds.iter().map(|s| s.summary.rises as f64 / s.summary.steps.max(1) as f64)),
                variation: mean_sd(r.seeds.iter().map(|s| variation_ratio(&s.trace))),
                loss: mean_sd(r.seeds.iter().map(|s| s.summary.loss)),
                ms_per_step: mean_sd(r.seeds.iter().map(|s| 1e3 * s.summary.seconds_per_step())),
            }
        })
        .collect()
}

/// The machine, from `/proc/cpuinfo` where there is one.
fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo").ok().and_then(|t| {
        t.lines()
            .find(|l| l.starts_with("model name"))
            .and_then(|l| l.split_once(':'))
            .map(|(_, v)| v.trim().to_string())
    });
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    format!(
        "{} ({threads} hardware threads, {} used by the passes)",
        cpu.unwrap_or_else(|| "an unknown CPU".into()),
        rayon::current_num_threads()
    )
}

/// The markdown report; `command` is what regenerates it.
pub fn markdown(study: &Study, command: &str) -> String {
    let mut out = String::new();
    let o = &study.options;
    let _ = writeln!(out, "# The optimizer showdown on a selective state-space model of the daily S&P 500\n");
    let _ = writeln!(
        out,
        "Generated by `{command}` on {}. Every figure below is from that one run; rerun the command to \
         regenerate this file and the plots in `sp500/`.\n",
        machine()
    );
    super::text::setting(&mut out, study);
    let _ = writeln!(out, "## Sanity baselines (test windows)\n");
    let _ = writeln!(out, "| prediction | test MSE | test MAE | directional accuracy |\n|---|---|---|---|");
    for b in &study.sanity {
        let _ = writeln!(out, "| {} | {} | {} | {} |", b.name, num(b.mse), num(b.mae), pct(b.direction));
    }
    let table = rows(study);
    let _ = writeln!(
        out,
        "\n## Every optimizer ({} seeds, mean ± standard deviation)\n\n\
         Training runs {} steps on all training windows at once. The level is {:.0}% of the way from the start to the \
         lowest final training loss of any optimizer at the same seed; `reached` counts the seeds that got there. \
         Rising steps: the share of steps after which the training loss was higher. Variation: the loss's total \
         variation along the run over its decrease (1 for a monotone run).\n",
        o.seeds.max(1),
        o.steps,
        100.0 * LEVEL
    );
    let _ = writeln!(
        out,
        "| optimizer | lr | test MSE | test MAE | direction | final train loss | steps to level | seconds to level | \
         reached | rising steps | variation | ms/step |\n|---|---|---|---|---|---|---|---|---|---|---|---|"
    );
    for row in &table {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {}/{} | {} | {} | {} |",
            row.r.contender.label,
            lr(row.r.lr),
            pm(row.mse),
            pm(row.mae),
            row.direction.map_or_else(|| "-".into(), |(m, s)| format!("{:.1}% ± {:.1}", 100.0 * m, 100.0 * s)),
            pm(row.loss),
            pm(row.steps_to),
            pm(row.seconds_to),
            row.reached,
            row.r.seeds.len(),
            row.rising.map_or_else(|| "-".into(), |(m, s)| format!("{:.1}% ± {:.1}", 100.0 * m, 100.0 * s)),
            pm(row.variation),
            pm(row.ms_per_step),
        );
    }
    let _ =
        writeln!(out, "\n## Loss curves\n\nThe training loss at the first seed, by family (Adam in bold in each):\n");
    for (family, _) in FAMILIES {
        let _ = writeln!(out, "![{family}](sp500/{family}.png)\n");
    }
    super::text::verdicts(&mut out, study, &table.iter().map(Figures::of).collect::<Vec<_>>());
    super::text::search(&mut out, study);
    out
}

/// The figures the verdicts read, per contender.
#[derive(Clone, Debug)]
pub struct Figures {
    /// The label.
    pub label: String,
    /// Whether it is an MM method.
    pub mm: bool,
    /// Mean test MSE and its seed spread.
    pub mse: Option<(f64, f64)>,
    /// Mean test MAE.
    pub mae: Option<(f64, f64)>,
    /// Mean steps to the level, over the seeds that reached it.
    pub steps_to: Option<(f64, f64)>,
    /// Seeds that reached the level, of all.
    pub reached: (usize, usize),
    /// Mean share of rising steps.
    pub rising: Option<(f64, f64)>,
    /// Mean variation ratio.
    pub variation: Option<(f64, f64)>,
}

impl Figures {
    fn of(row: &Row<'_>) -> Figures {
        Figures {
            label: row.r.contender.label.clone(),
            mm: row.r.contender.mm,
            mse: row.mse,
            mae: row.mae,
            steps_to: row.steps_to,
            reached: (row.reached, row.r.seeds.len()),
            rising: row.rising,
            variation: row.variation,
        }
    }
}

/// The family of a label.
fn family(label: &str) -> &'static str {
    if is_mm(label) {
        return "mm";
    }
    if label.starts_with("roaree_") {
        return "sign";
    }
    FAMILIES.iter().find(|(_, members)| members.contains(&label)).map_or("others", |(f, _)| f)
}

/// Writes `sp500.md` to `dir`, the plots to `dir/sp500/`, and every run
/// to `dir/sp500/runs.csv`.
///
/// # Errors
/// [`BenchError::Io`] if a file cannot be written.
pub fn write(dir: &Path, study: &Study, command: &str) -> Result<(), BenchError> {
    let sub = dir.join("sp500");
    std::fs::create_dir_all(&sub).map_err(|e| io("create", &sub, &e))?;
    let md = dir.join("sp500.md");
    std::fs::write(&md, markdown(study, command)).map_err(|e| io("write", &md, &e))?;
    // Curves are cut at twice the start, so that a diverging run leaves the
    // others readable.
    let cap = 2.0 * study.results.iter().filter_map(|r| r.seeds[0].trace.first()).map(|p| p.2).fold(0.0, f64::max);
    for (name, _) in FAMILIES {
        let series: Vec<Series> = study
            .results
            .iter()
            .filter(|r| family(&r.contender.label) == name || r.contender.label == "adam")
            .enumerate()
            .map(|(i, r)| Series {
                name: format!("{} ({})", r.contender.label, lr(r.lr)),
                points: r.seeds[0].trace.iter().map(|&(step, _, l)| (step as f64, l.min(cap))).collect(),
                color: i,
                bold: r.contender.label == "adam",
            })
            .collect();
        let title =
            format!("{name}: training loss (MSE, percent^2), first seed, lr chosen on validation, cut at 2x the start");
        let plot = Plot { title: &title, x_label: "step", y_label: "training loss", series, log_y: false };
        plot::write(&sub.join(format!("{name}.png")).display().to_string(), &plot)?;
    }
    let path = sub.join("runs.csv");
    let mut w = csv_writer(&path)?;
    let header = [
        "optimizer",
        "lr",
        "seed",
        "steps",
        "stop",
        "start",
        "loss",
        "valid_loss",
        "test_mse",
        "test_mae",
        "direction",
    ];
    let more = ["seconds", "rises", "variation"];
    w.write_record(header.iter().chain(&more)).map_err(|e| io("write", &path, &e))?;
    for r in &study.results {
        for run in &r.seeds {
            let m = &run.summary;
            let t = m.test.clone().unwrap_or_default();
            let o = |x: Option<f64>| x.map_or_else(String::new, |v| format!("{v:e}"));
            let record = [
                r.contender.label.clone(),
                o(r.lr),
                run.seed.to_string(),
                m.steps.to_string(),
                m.stop.clone(),
                format!("{:e}", m.start),
                format!("{:e}", m.loss),
                o(m.valid_loss),
                o(t.mse),
                o(t.mae),
                o(t.direction),
                format!("{:e}", m.seconds),
                m.rises.to_string(),
                format!("{:e}", variation_ratio(&run.trace)),
            ];
            w.write_record(&record).map_err(|e| io("write", &path, &e))?;
        }
    }
    w.flush().map_err(|e| io("write", &path, &e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variation_and_reach_of_traces() {
        let monotone: Trace = vec![(0, 0.0, 4.0), (1, 0.1, 3.0), (2, 0.2, 1.0)];
        assert_eq!(variation_ratio(&monotone), 1.0);
        // Down 3, up 1, down 1: a variation of 5 over a decrease of 3.
        let wobbly: Trace = vec![(0, 0.0, 4.0), (1, 0.1, 1.0), (2, 0.2, 2.0), (3, 0.3, 1.0)];
        assert_eq!(variation_ratio(&wobbly), (3.0 + 1.0 + 1.0) / 3.0);
        assert!(variation_ratio(&vec![(0, 0.0, 1.0), (1, 0.1, 2.0)]).is_nan());
        assert_eq!(reach(&wobbly, 1.5), Some((1, 0.1)));
        assert_eq!(reach(&monotone, 0.5), None);
        assert_eq!(mean_sd([1.0, 3.0, f64::NAN]), Some((2.0, 2f64.sqrt())));
        assert_eq!(family("roaree_erf"), "sign");
        assert_eq!(family("prodigy"), "others");
        assert_eq!(family("saferate"), "mm");
    }
}
